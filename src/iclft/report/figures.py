"""Bar charts in the style of the paper's Figures 2-4: accuracy per test split, one bar per
condition, 95% confidence intervals as error bars, chance as a dashed line over each split.

Figures are built with matplotlib's object API (`Figure`, no pyplot), which renders through Agg
and touches no global state.
"""
from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from iclft.report.runs import Run

# One colour per condition in every figure; other conditions take the spare colours in turn.
CONDITION_COLOURS = {
    "pretrained": "#9e9e9e",
    "icl": "#1f77b4",
    "finetune": "#ff7f0e",
    "finetune_split": "#d62728",
    "finetune_aug_local": "#2ca02c",
    "finetune_aug_global": "#9467bd",
    "finetune_aug_oracle": "#8c564b",
}
SPARE_COLOURS = ["#e377c2", "#17becf", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]
DPI = 150
PANEL_HEIGHT = 3.6  # inches
MAX_PANEL_WIDTH = 7.2  # inches: beyond this bars get thinner, so that a page shows the figure whole
ROW_WIDTH = 11.0  # inches: a comparison starts a new row of panels beyond this


def condition_colours(conditions: list[str]) -> dict[str, str]:
    """A colour for each condition, fixed for the known ones, by order for the rest."""
    spare = [c for c in SPARE_COLOURS if c not in CONDITION_COLOURS.values()]
    colours, k = {}, 0
    for c in dict.fromkeys(conditions):
        if c in CONDITION_COLOURS:
            colours[c] = CONDITION_COLOURS[c]
        else:
            colours[c] = spare[k % len(spare)]
            k += 1
    return colours


def _panel_width(n_splits: int, n_conditions: int) -> float:
    return min(MAX_PANEL_WIDTH, max(3.0, 0.8 + n_splits * (0.32 * n_conditions + 0.45)))


def _plain(text: str) -> str:
    """Text shown as written: matplotlib would read $...$ as mathematics."""
    return str(text).replace("$", r"\$")


def _split_label(split: str, n: int, room: float) -> str:
    """The split's name, broken after underscores where it would run into its neighbour, and its n."""
    width = max(8, int(room * 11))  # about 11 characters of 9-point text per inch
    lines = [""]
    for part in re.split(r"(?<=_)", split):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return _plain("\n".join(lines) + f"\n(n={n})")


def _draw_bars(ax, rows: list[dict], conditions: list[str], scoring: str, colours: dict[str, str],
               room: float) -> None:
    """Bars for `rows` (one dataset of one run) on `ax`; `room`: inches of axis per split."""
    splits = list(dict.fromkeys(r["split"] for r in rows))
    cell = {(r["split"], r["condition"]): r for r in rows}
    width = 0.8 / max(1, len(conditions))  # of a split's unit of x
    capsize = min(3.0, 72 * width * room / 4)  # points: at most a quarter of a bar's width
    for i, condition in enumerate(conditions):
        xs, ys, below, above = [], [], [], []
        for j, split in enumerate(splits):
            if (split, condition) not in cell:
                continue
            s = cell[(split, condition)]["scores"][scoring]
            xs.append(j - 0.4 + width * (i + 0.5))
            ys.append(s["accuracy"])
            below.append(max(0.0, s["accuracy"] - s["ci_low"]))
            above.append(max(0.0, s["ci_high"] - s["accuracy"]))
        ax.bar(xs, ys, width * 0.9, color=colours[condition], yerr=[below, above], zorder=2,
               error_kw={"ecolor": "#333333", "elinewidth": 1.0, "capsize": capsize})
        zeros = [x for x, y in zip(xs, ys) if y == 0]  # a bar of height 0 still shows its colour
        ax.hlines([0] * len(zeros), [x - width * 0.45 for x in zeros], [x + width * 0.45 for x in zeros],
                  colors=colours[condition], linewidth=3, zorder=2.5, clip_on=False)
    for j, split in enumerate(splits):
        chances = [r["chance"] for r in rows if r["split"] == split]
        ax.hlines(sum(chances) / len(chances), j - 0.45, j + 0.45, colors="black",
                  linestyles=(0, (4, 2.5)), linewidth=1.3, zorder=3)
    ns = {r["split"]: r["n"] for r in rows}
    ax.set_xticks(range(len(splits)), [_split_label(s, ns[s], room) for s in splits], fontsize=9)
    ax.set_xlim(-0.6, len(splits) - 0.4)
    ax.set_ylim(0, 1)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.yaxis.grid(True, color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _draw_shortcuts(ax, shortcuts: list[dict], splits: list[str]) -> bool:
    """The best shortcut baseline (any valid) of each split as a dotted line; whether any was drawn."""
    drawn = False
    for j, split in enumerate(splits):
        best = max((r["accuracy"] for r in shortcuts if r["split"] == split), default=None)
        if best is not None:
            ax.hlines(best, j - 0.45, j + 0.45, colors="#b22222", linestyles=(0, (1, 1.5)), linewidth=1.6, zorder=4)
            drawn = True
    return drawn


def _legend(ax, conditions: list[str], colours: dict[str, str], shortcut: bool = False) -> None:
    handles = [Patch(color=colours[c], label=_plain(c)) for c in conditions]
    handles += [Line2D([], [], color="black", linestyle=(0, (4, 2.5)), linewidth=1.3, label="chance"),
                Line2D([], [], color="#333333", marker="|", markersize=10, linestyle="none", label="95% CI")]
    if shortcut:
        handles.append(Line2D([], [], color="#b22222", linestyle=(0, (1, 1.5)), linewidth=1.6,
                              label="best shortcut (no model)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=9)


def _ylabel(scoring: str) -> str:
    return f"accuracy ({scoring} scoring)"


def dataset_figure(run: Run, dataset: str, scoring: str, colours: dict[str, str]) -> Figure:
    """One dataset of one run: x = test split, one bar per condition."""
    rows = run.rows(dataset)
    splits = run.splits(dataset)
    conditions = [c for c in run.conditions if any(r["condition"] == c for r in rows)]
    width = _panel_width(len(splits), len(conditions))
    fig = Figure(figsize=(width + 1.7, PANEL_HEIGHT), layout="constrained")
    ax = fig.add_subplot()
    _draw_bars(ax, rows, conditions, scoring, colours, room=width / len(splits))
    shortcut = _draw_shortcuts(ax, [r for r in run.summary.get("shortcuts", []) if r["dataset"] == dataset], splits)
    ax.set_ylabel(_ylabel(scoring))
    ax.set_xlabel("test split")
    label = textwrap.wrap(run.model_label, int((width + 1.2) * 11))  # may run on over the legend
    ax.set_title(_plain("\n".join([dataset, *label])), fontsize=10.5, loc="left")
    _legend(ax, conditions, colours, shortcut)
    return fig


def curve_figure(run: Run, dataset: str, scoring: str, colours: dict[str, str]) -> Figure | None:
    """Learning curves of one dataset (finetune.eval_every): a column per test split, accuracy
    against optimizer steps (top row) and training tokens (bottom row), a line per condition;
    None when the run recorded none."""
    curves = run.summary.get("curves", {}).get(dataset)
    if not curves:
        return None
    splits = run.splits(dataset)
    fig = Figure(figsize=(2.6 * len(splits) + 1.7, 2 * PANEL_HEIGHT), layout="constrained")
    axes = fig.subplots(2, len(splits), sharey=True, squeeze=False)
    for col, split in enumerate(splits):
        for row, x in enumerate(("step", "tokens")):
            ax = axes[row][col]
            for condition, points in curves.items():
                ys = [p["splits"].get(split, {}).get(scoring, [None])[0] for p in points]
                ax.plot([p[x] for p in points], ys, marker="o", markersize=3, label=condition,
                        color=colours.get(condition))
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlabel("optimizer steps" if x == "step" else "training tokens", fontsize=9)
            if row == 0:
                ax.set_title(_plain(split), fontsize=10)
    for ax in axes[:, 0]:
        ax.set_ylabel(_ylabel(scoring))
    fig.suptitle(_plain(f"{dataset}: accuracy during finetuning (any valid)"), fontsize=11)
    axes[0][-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return fig


def comparison_figure(runs: list[Run], dataset: str, scoring: str, colours: dict[str, str]) -> Figure:
    """One dataset across runs: a panel per run that has it, in rows as wide as a page, same y axis."""
    having = [run for run in runs if run.rows(dataset)]
    conditions = list(dict.fromkeys(c for run in having for c in run.conditions
                                    if any(r["condition"] == c for r in run.rows(dataset))))
    width = _panel_width(max(len(run.splits(dataset)) for run in having), len(conditions))
    ncols = max(1, min(len(having), int(ROW_WIDTH // width)))
    nrows = math.ceil(len(having) / ncols)
    fig = Figure(figsize=(width * ncols + 1.7, (PANEL_HEIGHT + 0.3) * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).flatten()
    for ax, run in zip(axes, having):
        present = [c for c in conditions if any(r["condition"] == c for r in run.rows(dataset))]
        _draw_bars(ax, run.rows(dataset), present, scoring, colours, room=width / len(run.splits(dataset)))
        ax.set_title(_plain("\n".join(textwrap.wrap(run.label, int(width * 10)))), fontsize=9.5)
    for ax in axes[len(having):]:
        ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel(_ylabel(scoring))
    fig.supxlabel("test split", fontsize=10)
    missing = [run.label for run in runs if run not in having]
    fig.suptitle(_plain(dataset + (f" — not in {', '.join(missing)}" if missing else "")), fontsize=11)
    _legend(axes[ncols - 1], conditions, colours)
    return fig


def save_figure(fig: Figure, folder: Path, stem: str) -> list[Path]:
    """Write STEM.png (for the page) and STEM.pdf (for print); return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png", folder / f"{stem}.pdf"]
    for path in paths:
        fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata=_metadata(path))
    return paths


def _metadata(path: Path) -> dict:
    # Without a fixed date the PDF differs on every write; PNG takes no such field.
    return {"CreationDate": None} if path.suffix == ".pdf" else {}
