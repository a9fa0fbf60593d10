"""How closely two run folders of the same study agree, item by item: the same config run on two
backends (local weights and a server serving the same file), two devices or two dtypes.

    python benchmarks/backend_agreement.py RUN_A RUN_B [--scoring sum]

For every cell the two runs share (dataset x condition) and every test item, it compares the
choice each run picked and the log-likelihood each gave every choice, and prints per cell:
items, the share of items whose picked choice agrees, the accuracy in each run, and the median,
95th percentile and largest |difference| of the per-choice scores (nats for sum and mean scoring),
then the same over all cells. Items are matched by id; a cell whose items differ is an error.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path


def read_items(run: Path) -> dict[str, dict[str, dict]]:
    """{cell name: {item id: record}} of a finished run folder."""
    folder = run / "items"
    if not folder.is_dir():
        sys.exit(f"backend_agreement: error: {run} is not a run folder (no items/)")
    return {p.stem: {r["item_id"]: r for r in map(json.loads, p.read_text(encoding="utf-8").splitlines())}
            for p in sorted(folder.glob("*.jsonl"))}


def quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def compare(a: dict[str, dict], b: dict[str, dict], scoring: str) -> dict:
    if a.keys() != b.keys():
        raise SystemExit(f"backend_agreement: error: the runs score other items "
                         f"({len(a.keys() ^ b.keys())} item ids in one run only)")
    diffs, same, right_a, right_b = [], 0, 0, 0
    for item_id, ra in a.items():
        rb = b[item_id]
        if ra["choices"] != rb["choices"]:
            raise SystemExit(f"backend_agreement: error: item {item_id} has other choices in the two runs")
        diffs += [abs(x - y) for x, y in zip(ra["scores"][scoring], rb["scores"][scoring])]
        same += ra["pred"][scoring] == rb["pred"][scoring]
        right_a += ra["correct"][scoring]
        right_b += rb["correct"][scoring]
    n = len(a)
    return {"items": n, "same_choice": same / n, "accuracy_a": right_a / n, "accuracy_b": right_b / n,
            "median": statistics.median(diffs), "p95": quantile(diffs, 0.95), "max": max(diffs), "diffs": diffs,
            "same": same}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_a", type=Path)
    ap.add_argument("run_b", type=Path)
    ap.add_argument("--scoring", default="sum", choices=["sum", "mean", "pmi"])
    args = ap.parse_args(argv)
    cells_a, cells_b = read_items(args.run_a), read_items(args.run_b)
    shared = [c for c in cells_a if c in cells_b]
    if not shared:
        sys.exit("backend_agreement: error: the two runs share no cell")
    print(f"A: {args.run_a}\nB: {args.run_b}\nscoring: {args.scoring}; |diff|: per choice, in nats for sum and mean\n")
    head = f"{'cell':40} {'items':>5} {'same choice':>11} {'acc A':>6} {'acc B':>6} {'median':>7} {'p95':>7} {'max':>7}"
    print(head)
    every, same, items = [], 0, 0
    for cell in shared:
        r = compare(cells_a[cell], cells_b[cell], args.scoring)
        every += r["diffs"]
        same, items = same + r["same"], items + r["items"]
        print(f"{cell:40} {r['items']:5d} {r['same_choice']:11.3f} {r['accuracy_a']:6.3f} {r['accuracy_b']:6.3f} "
              f"{r['median']:7.3f} {r['p95']:7.3f} {r['max']:7.3f}")
    print(f"{'all':40} {items:5d} {same / items:11.3f} {'':6} {'':6} {statistics.median(every):7.3f} "
          f"{quantile(every, 0.95):7.3f} {max(every):7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
