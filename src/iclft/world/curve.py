"""The held-out curve of a world-model run: in-context accuracy per dataset and split (and, with a
background world, its closed-book accuracy) against the corpus tokens seen, one panel per dataset,
chance dashed, copy accuracy beside them.

    heldout.png in the model folder, drawn by `iclft world pretrain` from log.jsonl's entries
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

# Chance of the held-out items: 2 choices; syllogisms 6 choices of which 1-2 are valid (0.3 on the
# micro sizes, as the study's summary computes it); semantic structure 4 choices.
# simple_reversal@40 (a fair corpus's 40-fact worlds) and background (its facts, closed book) 2 choices.
CHANCE = {"simple_reversal": 0.5, "simple_reversal@40": 0.5, "syllogism": 0.3, "semantic_structure": 0.25,
          "background": 0.5}


def draw_curve(log: list[dict], path: Path, title: str) -> Path | None:
    """Draw the curve of `log`'s evaluation entries to `path` (PNG); None when there are none."""
    entries = [{**e, "heldout": {**e["heldout"], **e.get("background", {})}} for e in log if "heldout" in e]
    if not entries:
        return None
    tokens = [e["tokens"] / 1e6 for e in entries]
    datasets = list(dict.fromkeys(k.split("/")[0] for k in entries[-1]["heldout"]))
    fig = Figure(figsize=(4.2 * (len(datasets) + 1), 3.4), dpi=120)
    axes = fig.subplots(1, len(datasets) + 1, squeeze=False)[0]
    for ax, ds in zip(axes, datasets):
        for key in entries[-1]["heldout"]:
            if key.startswith(ds + "/"):
                ax.plot(tokens, [e["heldout"].get(key, float("nan")) for e in entries], marker=".",
                        label=key.split("/", 1)[1])
        if ds in CHANCE:
            ax.axhline(CHANCE[ds], color="grey", linestyle="--", linewidth=1)
        ax.set(title=ds, xlabel="corpus tokens (millions)", ylim=(-0.02, 1.02))
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("held-out accuracy")
    copy = axes[-1]
    copy.plot(tokens, [e.get("copy", float("nan")) for e in entries], marker=".", color="black")
    copy.set(title="copying (word lists shown twice)", xlabel="corpus tokens (millions)", ylim=(-0.02, 1.02))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
