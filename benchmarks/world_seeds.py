"""The world study across corpus sizes: each condition's mean over seeds with a 95% t-interval, and the
share of augmented statements the training facts entail, from grid folders of `iclft run --preset
world_study` (one per corpus size). Prints a markdown table and writes the figure.

    python benchmarks/world_seeds.py runs/world10 runs/world20 runs/world50 --out docs/world_seeds.png

Each folder is labelled by its dataset's n_facts. Reads finished run folders only (iclft.report).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iclft import IclftError
from iclft.report.figures import condition_colours, save_figure
from iclft.report.markdown import table_markdown
from iclft.report.runs import load_runs
from iclft.report.seeds import seeds_figure, seeds_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("grids", nargs="+", help="grid folders of the world study, one per corpus size")
    parser.add_argument("--out", default="world_seeds.png", help="the figure (PNG; a PDF beside it)")
    parser.add_argument("--scoring", default="sum")
    args = parser.parse_args(argv)
    try:
        groups = {}
        for grid in args.grids:
            runs = load_runs([grid])
            dataset = runs[0].datasets[0]
            n = runs[0].summary["datasets"][dataset].get("params", {}).get("n_facts", "?")
            groups[f"{n} facts"] = runs
    except IclftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for label, runs in groups.items():
        print(f"\n### {dataset}, {label}\n")
        print(table_markdown(seeds_table(runs, dataset, args.scoring)))
    colours = condition_colours([c for runs in groups.values() for run in runs for c in run.conditions])
    out = Path(args.out)
    fig = seeds_figure(groups, dataset, args.scoring, colours,
                       title=f"{dataset} on the world model, evaluation wording: mean over seeds, 95% t-interval; "
                             "dots: seeds; dashed: chance")
    for path in save_figure(fig, out.parent, out.stem):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
