"""The report's tables as plain strings, shared by the HTML and the markdown writers."""
from __future__ import annotations

from dataclasses import dataclass, field

from iclft.report.runs import Run, format_accuracy, format_seconds, format_started
from iclft.results import metrics, overlap_text

MISSING = "–"

# Known cost entries, in reading order; any others a condition records follow under their own names.
COST_ROWS = {
    "eval_seconds": "eval time",
    "train_seconds": "train time",
    "context_tokens": "context tokens",
    "train_method": "train method",
    "trainable_parameters": "trainable parameters",
    "train_examples": "train examples",
    "train_steps": "train steps",
    "train_tokens": "train tokens",
    "train_loss_tokens": "tokens in the loss",
    "train_tokens_per_second": "train tokens/s",
    "epoch_loss": "loss by epoch",
    "augment_quality_before_filter": "augmentations' quality before the filter",
    "augment_quality": "augmentations' quality (trained on)",
}

SCORING_NAMES = {"sum": "summed log-likelihood", "mean": "per-token log-likelihood",
                 "pmi": "PMI (log-likelihood minus its value after 'Answer:')"}


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]
    emphasis: list[bool] = field(default_factory=list)  # per row: part of the primary scoring
    caption: str = ""


def accuracy_table(run: Run, dataset: str, first: str | None = None) -> Table:
    """Accuracy [95% CI] per split (rows) and condition (columns), one block per scoring."""
    rows = run.rows(dataset)
    cell = {(r["split"], r["condition"]): r for r in rows}
    conditions = [c for c in run.conditions if any(r["condition"] == c for r in rows)]
    scorings = run.scorings(first)
    body, emphasis = [], []
    for scoring in scorings:
        for split in run.splits(dataset):
            any_row = next(r for r in rows if r["split"] == split)
            for metric, chance, pick in metrics(any_row):
                line = [scoring, split, metric, str(any_row["n"]), f"{chance:.2f}"]
                for c in conditions:
                    r = cell.get((split, c))
                    line.append(format_accuracy(pick(r["scores"][scoring])) if r else MISSING)
                body.append(line)
                emphasis.append(scoring == scorings[0])
    caption = (f"Accuracy [95% Wilson interval]; the {scorings[0]} scoring, drawn in the figure, first. "
               + "; ".join(f"{s}: {SCORING_NAMES.get(s, s)}" for s in scorings) + ". Any valid: the top "
               "choice is a valid one; strict (where items have several valid choices): the canonical "
               "answer scores above every invalid choice, with its own chance.")
    return Table(["scoring", "split", "metric", "n", "chance", *conditions], body, emphasis, caption)


def shortcut_table(run: Run, dataset: str) -> Table | None:
    """The shortcut baselines (no model) of one dataset, or None for a summary without them."""
    rows = [r for r in run.summary.get("shortcuts", []) if r["dataset"] == dataset]
    if not rows:
        return None
    body = [[r["name"], r["split"], str(r["n"]), f"{r['chance']:.2f}", f"{r['accuracy']:.2f}",
             f"{r['strict_chance']:.2f}", f"{r['strict']:.2f}", r["description"]] for r in rows]
    return Table(["shortcut", "split", "n", "chance", "any valid", "strict chance", "strict", "rule"], body,
                 caption="What a rule reading the items and training documents, and no model, scores (expected "
                         "over random tie-breaks). A condition is only interesting where it beats chance and "
                         "the best shortcut.")


def _format_cost(key: str, value) -> str:
    if isinstance(value, dict) and "n_statements" in value:  # augment_quality, before and after the filter
        return (f"of {value['n_statements']:,} statements: entailed {value['entailed']:.0%}, "
                f"contradicted {value['contradicted']:.0%}, neither {value['other']:.0%}")
    if isinstance(value, list):
        return " → ".join(_format_cost(key, v) for v in value)
    if key.endswith("_seconds") and isinstance(value, (int, float)):
        return format_seconds(value)
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def cost_table(run: Run, dataset: str) -> Table:
    """What each condition (columns) spent on this dataset (rows: time, tokens, steps, ...)."""
    costs = run.summary.get("costs", {}).get(dataset, {})
    conditions = [c for c in run.conditions if c in costs]
    present = {k for c in conditions for k in costs[c]}
    keys = [k for k in COST_ROWS if k in present] + sorted(present - set(COST_ROWS))
    totals = [sum(v for k, v in costs[c].items() if k.endswith("_seconds") and isinstance(v, (int, float)))
              for c in conditions]
    body = [["total time", *(format_seconds(t) for t in totals)]]
    body += [[COST_ROWS.get(k, k), *(_format_cost(k, costs[c][k]) if k in costs[c] else MISSING
                                     for c in conditions)] for k in keys]
    return Table(["", *conditions], body,
                 caption="Time and tokens per condition (total time: the sum of the timed phases).")


def run_facts(run: Run) -> list[tuple[str, str]]:
    """The header of a run's report: what ran, when, with what."""
    s, model = run.summary, run.summary["model"]
    versions = ", ".join(f"{k} {v}" for k, v in s.get("versions", {}).items())
    facts = [
        ("model", run.model_label),
        ("model name", model["name"]),
        ("weights", f"{model.get('dtype', '?')} on {model.get('device', '?')}, "
                    f"context window {model.get('context_window', '?')} tokens"),
        *([("server", ", ".join(f"{k} {v}" for k, v in model["server_version"].items()))]
          if "server_version" in model else []),
        *([("finetuned weights", f"{model['finetune_model']['name']} ({model['finetune_model'].get('label', '?')}; "
                                 f"{model['finetune_model'].get('dtype', '?')} on {model['finetune_model'].get('device', '?')})")]
          if "finetune_model" in model else []),
        ("seed", str(s.get("seed", "?"))),
        ("started", format_started(s.get("started"))),
        ("wall time", format_seconds(s["wall_seconds"]) if "wall_seconds" in s else "unknown"),
        ("conditions", ", ".join(run.conditions)),
        ("primary scoring", f"{s.get('primary_scoring', '?')}: "
                            f"{SCORING_NAMES.get(s.get('primary_scoring'), '')}"),
        ("question frame", _frame_text(s.get("question_frame"))),
        ("iclft", f"{s.get('iclft_version', '?')} (summary schema {s.get('schema_version', '?')})"),
        ("versions", versions or "unknown"),
        ("run folder", str(run.path)),
    ]
    return facts


def _frame_text(frame: dict | None) -> str:
    if not frame:
        return "not recorded (a run before one frame for every condition: only icl had the template)"
    by = "; ".join(f"{c}: {f}" for c, f in frame.get("by_condition", {}).items())
    return f"scoring.frame={frame['frame']}; {by}"


def dataset_facts(run: Run, dataset: str) -> str:
    """One line: sizes and generator parameters of a dataset."""
    meta = run.summary.get("datasets", {}).get(dataset)
    if not meta:
        return ""
    sizes = meta.get("sizes", {})
    test = sizes.get("test", {})
    test_text = ", ".join(f"{k} {v}" for k, v in test.items()) if isinstance(test, dict) else str(test)
    params = ", ".join(f"{k}={v}" for k, v in meta.get("params", {}).items()) or "defaults"
    overlap = meta.get("oracle_overlap")
    oracle = f"; test statements the oracle writes verbatim: {overlap_text(overlap)}" if overlap else ""
    if "path" in meta and "generator" not in meta:  # a dataset folder, loaded (iclft.data.userdata)
        return (f"{sizes.get('train', '?')} training documents; test items: {test_text}; "
                f"loaded from {meta['path']}{oracle}")
    return (f"{sizes.get('train', '?')} training documents; test items: {test_text}; "
            f"generator {meta.get('generator', dataset)} v{meta.get('version', '?')}, "
            f"seed {meta.get('seed', '?')}, {params}{oracle}")


def comparison_table(runs: list[Run], dataset: str, scoring: str) -> Table:
    """One row per split and condition, one column per run: accuracy [95% CI] by `scoring`."""
    cells = [{(r["split"], r["condition"]): r for r in run.rows(dataset)} for run in runs]
    splits = dict.fromkeys(s for run in runs for s in run.splits(dataset))
    conditions = dict.fromkeys(c for run in runs for c in run.conditions)
    keys = [(s, c) for s in splits for c in conditions if any((s, c) in cell for cell in cells)]
    body = []
    for split, condition in keys:
        found = [c[(split, condition)] for c in cells if (split, condition) in c]
        ns = list(dict.fromkeys(str(r["n"]) for r in found))
        line = [split, condition, " / ".join(ns), f"{found[0]['chance']:.2f}"]
        line += [format_accuracy(c[(split, condition)]["scores"][scoring]) if (split, condition) in c
                 else MISSING for c in cells]
        body.append(line)
    return Table(["split", "condition", "n", "chance", *(r.label for r in runs)], body,
                 caption=f"Accuracy [95% Wilson interval] by the {scoring} scoring "
                         f"({SCORING_NAMES.get(scoring, scoring)}); n differs where shown as a / b.")


def runs_table(runs: list[Run]) -> Table:
    """One row per run of a comparison: what it is and where it lies."""
    rows = [[r.label, r.model_label, str(r.summary.get("seed", "?")), format_started(r.summary.get("started")),
             format_seconds(r.summary["wall_seconds"]) if "wall_seconds" in r.summary else "?",
             str(r.summary.get("primary_scoring", "?")), str(r.path), "; ".join(r.summary.get("notes", []))]
            for r in runs]
    return Table(["run", "model", "seed", "started", "wall time", "primary scoring", "folder", "notes"], rows)


def curve_table(run: Run, dataset: str, scoring: str) -> Table | None:
    """The learning curves (finetune.eval_every) as numbers: a row per condition and evaluation."""
    curves = run.summary.get("curves", {}).get(dataset)
    if not curves:
        return None
    splits = run.splits(dataset)
    body = [[condition, str(p["step"]), f"{p['tokens']:,}",
             *(f"{p['splits'][sp][scoring][0]:.2f}" if sp in p["splits"] else MISSING for sp in splits)]
            for condition, points in curves.items() for p in points]
    return Table(["condition", "step", "tokens", *splits], body,
                 caption=f"Accuracy (any valid, {scoring} scoring) during finetuning, before the first step, every "
                         f"finetune.eval_every steps and after the last.")
