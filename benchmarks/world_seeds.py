"""The world study across grids: each condition's mean over seeds with a 95% t-interval, the best
shortcut baseline averaged over the seeds, and the share of augmented statements the training facts
entail, from grid folders of `iclft run --preset world_study` (one per corpus size, or one holding
several datasets). Prints a markdown table per dataset and grid, and writes a figure per dataset.

    python benchmarks/world_seeds.py runs/world10 runs/world20 runs/world50 --out docs/world_seeds.png
    python benchmarks/world_seeds.py runs/world_others --out docs/world_others.png
        # one figure per dataset: docs/world_others_syllogism.png, ...

A grid of simple reversals is labelled by its n_facts, any other by its dataset's parameters; grids
of the same dataset and parameters (a study split over seeds) are one group. Reads finished
run folders only (iclft.report).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iclft import IclftError
from iclft.report.figures import condition_colours, save_figure
from iclft.report.markdown import table_markdown
from iclft.report.runs import Run, load_runs
from iclft.report.seeds import seeds_figure, seeds_table


def model_name(runs: list[Run]) -> str:
    return runs[0].summary.get("model", {}).get("name", "world")


def label(runs: list[Run], dataset: str) -> str:
    """"20 facts" for simple reversals, else the dataset's parameters; the model's name after it
    where the model is not the shipped `world` (so grids of two models are never one group)."""
    params = runs[0].summary["datasets"][dataset].get("params", {})
    text = f"{params['n_facts']} facts" if "n_facts" in params else ", ".join(f"{k} {v}" for k, v in params.items()) or dataset
    return text if model_name(runs) == "world" else f"{text}, model {model_name(runs)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("grids", nargs="+", help="grid folders of the world study")
    parser.add_argument("--out", default="world_seeds.png",
                        help="the figure (PNG; a PDF beside it); with several datasets, one per dataset: OUT_DATASET.png")
    parser.add_argument("--scoring", default="sum")
    args = parser.parse_args(argv)
    by_dataset: dict[str, dict[str, list[Run]]] = {}
    try:
        for grid in args.grids:
            runs = load_runs([grid])
            for dataset in runs[0].datasets:
                by_dataset.setdefault(dataset, {}).setdefault(label(runs, dataset), []).extend(runs)  # same study: one group
    except IclftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out)
    colours = condition_colours([c for groups in by_dataset.values() for runs in groups.values()
                                 for run in runs for c in run.conditions])
    for dataset, groups in by_dataset.items():
        for name, runs in groups.items():
            print(f"\n### {dataset}, {name}\n")
            print(table_markdown(seeds_table(runs, dataset, args.scoring)))
        models = sorted({model_name(runs) for runs in groups.values()})
        on = "the world model" if models == ["world"] else " and ".join(models)
        fig = seeds_figure(groups, dataset, args.scoring, colours,
                           title=f"{dataset} on {on}, evaluation wording: mean over seeds, 95% t-interval; "
                                 "dots: seeds; dashed: chance")
        stem = out.stem if len(by_dataset) == 1 else f"{out.stem}_{dataset}"
        for path in save_figure(fig, out.parent, stem):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
