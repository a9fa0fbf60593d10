"""Where in a long context does in-context recall fail? Splits a simple-reversal study's in-context
items by where the fact's documents stand in the context, and by which comparative is the answer.

    iclft run --preset world_study --out runs/ho50 'datasets=[{name: simple_reversal, params: {n_facts: 50, docs_per_fact: 2, features: regular}}]' \
        'conditions=[icl]' 'grid={seeds: [10001, 10002, 10003, 10004, 10005, 10006, 10007, 10008]}'
    python benchmarks/position_probe.py runs/ho50 [--condition icl]

Held-out seeds (10001 and up) keep the probe off the study's items. For each forward and reversal
item: the position of the fact's last document in the context (0 = first, 1 = last; the question
follows the documents, so a low position is a fact far back), the quartile it falls in, and whether
the right choice says "more" or "less". Prints a markdown table.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path


def item_rows(run: Path, condition: str) -> list[dict]:
    data = run / "data" / "simple_reversal"
    train = [json.loads(line) for line in (data / "train.jsonl").read_text().splitlines()]
    last: dict[int, float] = {}
    for i, doc in enumerate(train):
        last[doc["meta"]["fact_id"]] = i / max(1, len(train) - 1)
    rows = []
    for line in (run / "items" / f"simple_reversal__{condition}.jsonl").read_text().splitlines():
        r = json.loads(line)
        fact = int(r["item_id"].split("-")[0][1:])
        answer = r["choices"][r["answer"]]
        rows.append({"split": r["split"], "correct": r["correct"]["sum"], "position": last[fact],
                     "answer": "less" if " less " in answer else "more"})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="run folders, or grid folders (their points/*)")
    ap.add_argument("--condition", default="icl")
    args = ap.parse_args(argv)
    folders = []
    for p in map(Path, args.runs):
        folders += sorted(q for q in (p / "points").iterdir() if q.is_dir()) if (p / "points").is_dir() else [p]
    rows = []
    for f in folders:
        if not (f / "items" / f"simple_reversal__{args.condition}.jsonl").is_file():
            print(f"error: {f} has no simple_reversal items for {args.condition}", file=sys.stderr)
            return 2
        rows += item_rows(f, args.condition)
    groups: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in rows:
        q = min(3, int(r["position"] * 4))
        groups[(r["split"], f"last document in quarter {q + 1} of the context")].append(r["correct"])
        groups[(r["split"], f"right choice says \"{r['answer']}\"")].append(r["correct"])
        groups[(r["split"], "all")].append(r["correct"])
    print(f"{len(folders)} runs, condition {args.condition}\n")
    print("| split | items | n | accuracy |\n|---|---|---|---|")
    for (split, label), values in sorted(groups.items()):
        print(f"| {split} | {label} | {len(values)} | {sum(values) / len(values):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
