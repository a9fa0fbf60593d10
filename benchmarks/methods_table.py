"""The augmentation methods side by side, from finished runs: for every dataset and augmented
condition, what the symbolic checker says of the statements each method wrote (entailed,
contradicted, neither; before and after the consistency filter where it ran), what it cost
(tokens read and written, seconds, the filter's apart) and the study's accuracy per split.

    python benchmarks/methods_table.py runs/quick_nofilter runs/quick_filter

One markdown table per run folder.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def shares(q: dict | None) -> str:
    if not q:
        return "no checker"
    if not q["n_statements"]:
        return "none kept"
    return f"{q['entailed']:.0%} / {q['contradicted']:.0%} / {q['other']:.0%} (n={q['n_statements']})"


def table(run: Path) -> str:
    summary = json.loads((run / "summary.json").read_text())
    acc: dict = {}
    for r in summary["results"]:
        acc.setdefault((r["dataset"], r["condition"]), []).append(f"{r['split']} {r['scores']['sum']['accuracy']:.2f}")
    lines = [f"**{run.name}** ({summary['model'].get('label', summary['model'].get('name'))})", "",
             "| dataset | condition | entailed / contradicted / neither | after the filter (kept of judged) | "
             "tokens read, written; seconds | filter: tokens read; seconds | accuracy by split |",
             "|---|---|---|---|---|---|---|"]
    for dataset, conditions in summary["costs"].items():
        for cond, c in conditions.items():
            if cond.startswith("finetune_aug_") and cond != "finetune_aug_oracle":
                lines.append(_row(dataset, cond, c, acc))
    return "\n".join(lines)


def _row(dataset: str, cond: str, c: dict, acc: dict) -> str:
    """One augmented condition: the checker's shares before and after the filter, costs, accuracy."""
    before = c.get("augment_quality_before_filter") or c.get("augment_quality")
    filtered = "filter off" if "augment_filter" not in c else \
        f"{shares(c.get('augment_quality'))} ({c['augment_filter_kept']} of {c['augment_filter_judged']})"
    gen = f"{c.get('augment_tokens_read')}, {c.get('augment_tokens_written')}; {c.get('augment_seconds')} s" + \
        (" (cached)" if c.get("augment_from_cache") else "")
    filt = f"{c['augment_filter_tokens_read']}; {c['augment_filter_seconds']} s" if "augment_filter" in c else "-"
    return (f"| {dataset} | {cond.removeprefix('finetune_aug_')} | {shares(before)} | {filtered} | {gen} | {filt} | "
            f"{', '.join(acc.get((dataset, cond), []))} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    for run in ap.parse_args().runs:
        print(table(run), end="\n\n")


if __name__ == "__main__":
    main()
