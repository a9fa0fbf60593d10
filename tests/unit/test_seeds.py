"""Several seeds of one study summarised: the mean over seeds with a 95% t-interval, the entailed
share of augmentations, the table and the figure."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from iclft.report.figures import condition_colours  # noqa: E402
from iclft.report.runs import Run  # noqa: E402
from iclft.report.seeds import (best_shortcuts, entailed_shares, mean_interval, seed_groups, seed_rows,  # noqa: E402
                                seeds_figure, seeds_table)


def _run(seed: int, acc: dict, entailed: float | None = None, model: str = "world", shortcuts=()) -> Run:
    results = [{"dataset": "simple_reversal", "condition": c, "split": s, "n": 20, "chance": 0.5, "strict_chance": 0.5,
                "several_valid": 0, "scores": {"sum": {"accuracy": a, "ci_low": 0.0, "ci_high": 1.0}}}
               for (c, s), a in acc.items()]
    costs = {"simple_reversal": {"finetune_aug_local": {"augment_quality": {"n_statements": 10, "entailed": entailed}}}} \
        if entailed is not None else {}
    summary = {"results": results, "conditions": sorted({c for c, _ in acc}), "model": {"name": model}, "seed": seed,
               "costs": costs, "shortcuts": [{"dataset": "simple_reversal", "split": split, "name": name, "accuracy": a}
                                             for split, name, a in shortcuts]}
    return Run(Path(f"/runs/{model}-{seed}"), summary, f"{model} seed {seed}")


def test_mean_interval_is_students_t_over_seeds():
    mean, low, high = mean_interval([0.5, 0.7, 0.9])
    half = 4.303 * 0.2 / math.sqrt(3)  # t(0.975, 2 df) x sd / sqrt(n)
    assert mean == pytest.approx(0.7) and low == pytest.approx(0.7 - half) and high == 1.0  # clipped
    assert mean_interval([0.4]) == (0.4, 0.4, 0.4)
    ten = [0.9] * 5 + [1.0] * 5
    m, lo, hi = mean_interval(ten)
    assert m == pytest.approx(0.95) and hi - m == pytest.approx(2.262 * 0.052705 / math.sqrt(10), abs=1e-4)


def test_rows_table_and_figure_over_seeds(tmp_path):
    runs = [_run(s, {("icl", "reversal"): a, ("finetune", "reversal"): 0.5, ("icl", "forward"): 1.0}, entailed=e)
            for s, a, e in ((0, 1.0, 0.5), (1, 0.8, 0.7), (2, 0.9, 0.6))]
    rows = {(r["split"], r["condition"]): r for r in seed_rows(runs, "simple_reversal", "sum")}
    assert rows[("reversal", "icl")]["mean"] == pytest.approx(0.9) and rows[("reversal", "icl")]["seeds"] == 3
    assert rows[("reversal", "finetune")]["low"] == rows[("reversal", "finetune")]["high"] == 0.5  # no spread
    assert entailed_shares(runs, "simple_reversal")["finetune_aug_local"][0] == pytest.approx(0.6)
    table = seeds_table(runs, "simple_reversal", "sum")
    assert table.head == ["split", "chance", "icl", "finetune"]
    assert table.rows[0][:3] == ["reversal", "0.50", "0.90 [0.65, 1.00]"]
    assert table.rows[-1][0] == "entailed share"
    # only a model with several seeds is a group
    assert list(seed_groups(runs + [_run(0, {("icl", "reversal"): 0.1}, model="other")])) == ["world"]
    fig = seeds_figure({"20 facts": runs, "10 facts": runs[:2]}, "simple_reversal", "sum",
                       condition_colours(["icl", "finetune"]))
    fig.savefig(tmp_path / "seeds.png")
    assert (tmp_path / "seeds.png").stat().st_size > 5000


def test_the_best_shortcut_is_averaged_over_seeds_and_shown_beside_chance(tmp_path):
    runs = [_run(s, {("icl", "reversal"): 0.9, ("icl", "forward"): 1.0},
                 shortcuts=[("reversal", "a", a), ("reversal", "b", b), ("forward", "a", 1.0)])
            for s, a, b in ((0, 0.2, 0.6), (1, 0.8, 0.6))]
    # per seed "a" wins once and loses once; over the seeds b (0.6) beats a (0.5)
    assert best_shortcuts(runs, "simple_reversal") == {"reversal": (pytest.approx(0.6), "b"), "forward": (1.0, "a")}
    table = seeds_table(runs, "simple_reversal", "sum")
    assert table.head == ["split", "chance", "best shortcut", "icl"]
    assert table.rows[0][:3] == ["reversal", "0.50", "0.60 (b)"]
    assert best_shortcuts(runs, "syllogism") == {}
    fig = seeds_figure({"grid": runs}, "simple_reversal", "sum", condition_colours(["icl"]))
    fig.savefig(tmp_path / "seeds.png")
    assert (tmp_path / "seeds.png").stat().st_size > 5000
