"""The results record: the layout of a run's summary.json, written by the runner (iclft.runner.run)
and read by the report (iclft.report.runs). One schema version for both; a reader refuses a newer one.

A summary is a `Summary`; its `results` hold one `ResultRow` per dataset, condition and split.
Reading it never imports the model stack.
"""
from __future__ import annotations

from typing import Callable, TypedDict

SCHEMA_VERSION = 1  # bump when a key changes meaning or goes away (new keys keep it)


class Accuracy(TypedDict):
    accuracy: float
    ci_low: float  # 95% Wilson interval
    ci_high: float


class Scores(Accuracy):
    strict: Accuracy  # the canonical answer above every invalid choice (iclft.eval.multiple_choice)


class ResultRow(TypedDict):
    dataset: str
    condition: str
    split: str
    n: int
    chance: float  # mean over items of valid choices / choices
    strict_chance: float  # mean over items of 1 / (invalid choices + 1)
    several_valid: int  # items with more than one valid choice (strict differs only there)
    scores: dict[str, Scores]  # by scoring: sum, mean, pmi


class Summary(TypedDict):
    schema_version: int
    iclft_version: str
    name: str
    started: str  # ISO 8601, UTC
    wall_seconds: float
    seed: int
    model: dict  # name, label, dtype, device, context_window; served: server_model_id, server_version;
    # finetune.model set: finetune_model (the same facts of the weights the finetuned conditions trained)
    datasets: dict[str, dict]  # sizes, generator, version, seed, params, oracle_overlap
    conditions: list[str]
    primary_scoring: str
    question_frame: dict  # frame, chat_template, instruction, by_condition
    results: list[ResultRow]
    shortcuts: list[dict]  # iclft.eval.shortcuts rows: dataset, split, name, n, accuracy, strict, chances
    curves: dict[str, dict[str, list[dict]]]  # dataset -> condition -> learning-curve points
    costs: dict[str, dict[str, dict]]  # dataset -> condition -> seconds and tokens
    notes: list[str]
    versions: dict[str, str]


def metrics(row: ResultRow) -> list[tuple[str, float, Callable[[Scores], Accuracy]]]:
    """The accuracies a split reports, as (name, chance, pick from a scoring's Scores): any valid,
    and strict where items have several valid choices (summaries from before the strict metric have
    no several_valid key)."""
    out: list = [("any valid", row["chance"], lambda s: s)]
    if row.get("several_valid"):
        out.append(("strict", row["strict_chance"], lambda s: s["strict"]))
    return out


def overlap_text(overlap: dict[str, dict]) -> str:
    """A dataset's oracle overlap per split: "reversal 16/16, forward 0/16"."""
    return ", ".join(f"{split} {o['verbatim']}/{o['n']}" for split, o in overlap.items())
