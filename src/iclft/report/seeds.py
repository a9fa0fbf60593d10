"""One study at several seeds, summarised: each condition's mean accuracy over the seeds with a 95%
interval from their spread (Student's t on the per-seed accuracies: each seed is a fresh dataset,
fresh words and facts, so the interval covers what a new dataset would give, not just new items),
and the share of augmented statements the training facts entail; beside them, the best shortcut
baseline of each split (no model), averaged over the seeds.

    iclft report GRID_DIR              adds the mean-over-seeds table when the grid has several seeds
    python benchmarks/world_seeds.py   the world study's table and figure across corpus sizes
"""
from __future__ import annotations

import math
import statistics
import textwrap
from collections import defaultdict

from matplotlib.figure import Figure

from iclft.report.runs import Run
from iclft.report.tables import Table

# Student's t, 97.5th percentile, by degrees of freedom (1-30); beyond 30 the normal's 1.96 is within 2%.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def mean_interval(values: list[float]) -> tuple[float, float, float]:
    """(mean, low, high): the 95% t-interval of the mean, clipped to [0, 1]; one value: no interval."""
    m = statistics.fmean(values)
    if len(values) < 2:
        return m, m, m
    df = len(values) - 1
    half = (_T975[df - 1] if df <= len(_T975) else 1.96) * statistics.stdev(values) / math.sqrt(len(values))
    return m, max(0.0, m - half), min(1.0, m + half)


def seed_groups(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs of one model at different seeds, by model; only groups of two or more seeds."""
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        groups[run.model_label].append(run)
    return {k: v for k, v in groups.items() if len({r.summary.get("seed") for r in v}) > 1}


def seed_rows(runs: list[Run], dataset: str, scoring: str) -> list[dict]:
    """Per split and condition: the seeds' accuracies, their mean and 95% interval, and chance."""
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for run in runs:
        for r in run.rows(dataset):
            found[(r["split"], r["condition"])].append(r)
    out = []
    for (split, condition), rows in found.items():
        values = [r["scores"][scoring]["accuracy"] for r in rows]
        mean, low, high = mean_interval(values)
        out.append({"split": split, "condition": condition, "seeds": len(values), "mean": mean, "low": low,
                    "high": high, "chance": statistics.fmean(r["chance"] for r in rows), "values": values})
    return out


def entailed_shares(runs: list[Run], dataset: str) -> dict[str, tuple[float, float, float]]:
    """Per augmented condition: the mean (95% interval) share of its statements the facts entail."""
    shares: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for condition, cost in run.summary.get("costs", {}).get(dataset, {}).items():
            quality = (cost or {}).get("augment_quality")
            if quality and quality.get("n_statements"):
                shares[condition].append(quality["entailed"])
    return {c: mean_interval(v) for c, v in shares.items()}


def best_shortcuts(runs: list[Run], dataset: str) -> dict[str, tuple[float, str]]:
    """Per split: the shortcut baseline (any valid) with the highest mean over the seeds, as (mean,
    name); empty where the runs recorded none."""
    found: dict[tuple[str, str], list[float]] = defaultdict(list)
    for run in runs:
        for r in run.summary.get("shortcuts", []):
            if r["dataset"] == dataset:
                found[(r["split"], r["name"])].append(r["accuracy"])
    best: dict[str, tuple[float, str]] = {}
    for (split, name), values in found.items():
        mean = statistics.fmean(values)
        if split not in best or mean > best[split][0]:
            best[split] = (mean, name)
    return best


def seeds_table(runs: list[Run], dataset: str, scoring: str) -> Table:
    rows = seed_rows(runs, dataset, scoring)
    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    splits = list(dict.fromkeys(r["split"] for r in rows))
    cell = {(r["split"], r["condition"]): r for r in rows}
    shortcuts = best_shortcuts(runs, dataset)

    def shortcut(split: str) -> list[str]:  # the column only where the runs recorded shortcuts
        if not shortcuts:
            return []
        return [f"{shortcuts[split][0]:.2f} ({shortcuts[split][1]})" if split in shortcuts else "–"]

    body = [[split, f"{cell[(split, conditions[0])]['chance']:.2f}", *shortcut(split),
             *(_fmt(cell[(split, c)]) if (split, c) in cell else "–" for c in conditions)] for split in splits]
    shares = entailed_shares(runs, dataset)
    if shares:
        body.append(["entailed share", "", *([""] if shortcuts else []),
                     *(_fmt_share(shares[c]) if c in shares else "" for c in conditions)])
    n = max((r["seeds"] for r in rows), default=0)
    return Table(["split", "chance", *(["best shortcut"] if shortcuts else []), *conditions], body,
                 caption=f"Mean accuracy over {n} seeds [95% t-interval of the mean over seeds], {scoring} scoring; "
                         + ("'best shortcut': the shortcut baseline (no model) with the highest mean over the seeds; "
                            if shortcuts else "")
                         + "'entailed share': the share of the augmented statements the training facts entail.")


def _fmt(r: dict) -> str:
    return f"{r['mean']:.2f} [{r['low']:.2f}, {r['high']:.2f}]"


def _fmt_share(s: tuple[float, float, float]) -> str:
    return f"{s[0]:.0%} [{s[1]:.0%}, {s[2]:.0%}]"


def seeds_figure(groups: dict[str, list[Run]], dataset: str, scoring: str, colours: dict[str, str],
                 title: str = "") -> Figure:
    """A panel per group (e.g. corpus size), a bar per split and condition at the mean over seeds,
    the 95% interval as an error bar, each seed as a dot, chance as a dashed line."""
    n_splits = max(len({r["split"] for run in runs for r in run.rows(dataset)}) for runs in groups.values())
    fig = Figure(figsize=(max(4.2, 1.6 * n_splits) * len(groups) + 1.8, 3.8), layout="constrained")
    axes = fig.subplots(1, len(groups), sharey=True, squeeze=False)[0]
    conditions: list[str] = []
    any_shortcut = False
    for ax, (label, runs) in zip(axes, groups.items()):
        rows = seed_rows(runs, dataset, scoring)
        conditions = list(dict.fromkeys([*conditions, *(r["condition"] for r in rows)]))
        splits = list(dict.fromkeys(r["split"] for r in rows))
        present = [c for c in conditions if any(r["condition"] == c for r in rows)]
        width = 0.8 / max(1, len(present))
        for r in rows:
            x = splits.index(r["split"]) + (present.index(r["condition"]) - (len(present) - 1) / 2) * width
            ax.bar(x, r["mean"], width * 0.92, color=colours[r["condition"]],
                   yerr=[[r["mean"] - r["low"]], [r["high"] - r["mean"]]], capsize=2, error_kw={"lw": 0.8})
            ax.scatter([x] * len(r["values"]), r["values"], s=4, color="black", alpha=0.45, zorder=3, linewidths=0)
        shortcuts = best_shortcuts(runs, dataset)
        for k, split in enumerate(splits):
            chance = next(r["chance"] for r in rows if r["split"] == split)
            ax.hlines(chance, k - 0.45, k + 0.45, colors="black", linestyles="dashed", lw=0.8)
            if split in shortcuts:
                ax.hlines(shortcuts[split][0], k - 0.45, k + 0.45, colors="#b22222", linestyles=(0, (1, 1.5)), lw=1.6,
                          zorder=4)
                any_shortcut = True
        ax.set_xticks(range(len(splits)), [s.replace("_", "\n") for s in splits])
        ax.set_ylim(0, 1.05)
        ax.set_title(textwrap.fill(f"{label} ({max(r['seeds'] for r in rows)} seeds)", 70), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(f"accuracy ({scoring}), mean over seeds")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    handles = [Patch(color=colours[c], label=c) for c in conditions]
    handles.append(Line2D([], [], color="black", linestyle="dashed", lw=0.8, label="chance"))
    if any_shortcut:
        handles.append(Line2D([], [], color="#b22222", linestyle=(0, (1, 1.5)), lw=1.6, label="best shortcut (no model)"))
    axes[-1].legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    fig.suptitle(title or f"{dataset}: mean over seeds, 95% t-interval; dots: seeds; dashed: chance", fontsize=11)
    return fig
