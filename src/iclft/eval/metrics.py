"""Accuracy with a 95% confidence interval, and a cell's summary rows: per split and scoring."""
from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Accuracy:
    accuracy: float
    ci_low: float
    ci_high: float
    n: int
    chance: float  # mean over items of (number of valid choices) / (number of choices)


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; unlike the normal approximation it
    stays inside [0, 1] and is sensible at 0/n and n/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0/n and n/n the bound is exactly 0 or 1; centre -/+ half lands a rounding error away
    # (e.g. 5.6e-17 at 0/3), which would leave the estimate itself outside the interval.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def accuracy(correct: list[bool], chances: list[float]) -> Accuracy:
    n = len(correct)
    k = sum(correct)
    low, high = wilson_interval(k, n)
    return Accuracy(k / n if n else float("nan"), low, high, n, sum(chances) / n if n else float("nan"))


def summarize(records: list[dict], dataset: str, condition: str) -> list[dict]:
    """One row per split: n, mean chance, and accuracy with a 95% Wilson interval per scoring; the
    strict accuracy (canonical answer above every invalid choice, iclft.eval.multiple_choice) beside
    it with its own mean chance, and `several_valid`: how many items have more than one valid choice."""
    rows = []
    from iclft.eval.multiple_choice import SCORINGS

    for split in dict.fromkeys(r["split"] for r in records):
        rs = [r for r in records if r["split"] == split]
        scores = {}
        for s in SCORINGS:
            a = accuracy([r["correct"][s] for r in rs], [r["chance"] for r in rs])
            st = accuracy([r["strict"][s] for r in rs], [r["strict_chance"] for r in rs])
            scores[s] = {"accuracy": a.accuracy, "ci_low": a.ci_low, "ci_high": a.ci_high,
                         "strict": {"accuracy": st.accuracy, "ci_low": st.ci_low, "ci_high": st.ci_high}}
        rows.append({"dataset": dataset, "condition": condition, "split": split, "n": len(rs),
                     "chance": a.chance, "strict_chance": st.chance,
                     "several_valid": sum(len(r["valid"]) > 1 for r in rs), "scores": scores})
    return rows
