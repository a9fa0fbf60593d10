"""A finished run folder as the report reads it: the summary, the per-item records, a label.

Reading never imports the model stack (torch), so a report can be made on any machine that
has the run folder.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from iclft import IclftError
from iclft.runner.grid import point_folders
from iclft.results import SCHEMA_VERSION, Summary

NUMBER = (int, float)
ROW_FIELDS = {"dataset": str, "condition": str, "split": str, "n": int, "chance": NUMBER, "scores": dict}
ACCURACY_FIELDS = ("accuracy", "ci_low", "ci_high")
OPTIONAL_FIELDS = {"shortcuts": list, "curves": dict, "costs": dict, "notes": list, "versions": dict,
                   "datasets": dict, "primary_scoring": str, "name": str, "started": str}


@dataclass
class Run:
    path: Path
    summary: Summary
    label: str = ""  # how a comparison names this run: model name and seed
    _items: dict = field(default_factory=dict, repr=False)

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(r["dataset"] for r in self.summary["results"]))

    @property
    def conditions(self) -> list[str]:
        return list(self.summary["conditions"])

    @property
    def model_label(self) -> str:
        model = self.summary["model"]
        return model.get("label") or model["name"]

    def rows(self, dataset: str) -> list[dict]:
        return [r for r in self.summary["results"] if r["dataset"] == dataset]

    def splits(self, dataset: str) -> list[str]:
        return list(dict.fromkeys(r["split"] for r in self.rows(dataset)))

    def scorings(self, first: str | None = None) -> list[str]:
        """The scorings in the summary, `first` (default: the primary one) leading."""
        names = list(self.summary["results"][0]["scores"]) if self.summary["results"] else []
        first = first or self.summary.get("primary_scoring", names[0] if names else "sum")
        return [first] + [s for s in names if s != first]

    def items(self, dataset: str, condition: str) -> list[dict]:
        key = (dataset, condition)
        if key not in self._items:
            self._items[key] = _read_items(self.path / "items" / f"{dataset}__{condition}.jsonl")
        return self._items[key]


def _read_items(path: Path) -> list[dict]:
    """A finished cell's records; a file cut short, edited or not UTF-8 is one line naming it."""
    records = []
    try:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                records.append(json.loads(line))
                if not isinstance(records[-1], dict) or not isinstance(records[-1].get("correct"), dict):
                    raise ValueError("not an item record")
    except (OSError, ValueError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        where = f"{path}:{len(records) + 1}" if isinstance(e, ValueError) else str(path)
        raise IclftError(f"{where}: damaged, not a whole items file ({type(e).__name__}: {e}); the finished run "
                         f"it belongs to cannot be reported") from None
    return records


def _wrong(path: Path, field: str, want: str) -> IclftError:
    return IclftError(f"{path}: {field} is not {want} (a damaged or edited summary)")


def _check_summary(summary, path: Path) -> None:
    """The fields a report reads, of the types it reads them as; else one line naming the field."""
    if not isinstance(summary, dict):
        raise _wrong(path, "the summary", "a JSON object")
    for key in ("results", "conditions", "model"):
        if key not in summary:
            raise IclftError(f"{path}: no {key!r} entry, not a run summary")
    if not isinstance(summary["results"], list):
        raise _wrong(path, "'results'", "a list")
    if not isinstance(summary["conditions"], list) or not all(isinstance(c, str) for c in summary["conditions"]):
        raise _wrong(path, "'conditions'", "a list of names")
    if not isinstance(summary["model"], dict) or not isinstance(summary["model"].get("name"), str):
        raise _wrong(path, "'model'", "an object with a name")
    for key, kind in OPTIONAL_FIELDS.items():
        if key in summary and not isinstance(summary[key], kind):
            raise _wrong(path, repr(key), f"a {kind.__name__}")
    for i, row in enumerate(summary["results"]):
        _check_row(row, f"results[{i}]", path)


def _check_row(row, where: str, path: Path) -> None:
    if not isinstance(row, dict):
        raise _wrong(path, where, "an object")
    for field, kind in ROW_FIELDS.items():
        if field not in row:
            raise IclftError(f"{path}: {where} has no {field!r} field (a damaged or edited summary)")
        if not isinstance(row[field], kind) or isinstance(row[field], bool):
            raise _wrong(path, f"{where}.{field}", f"of the type a result row holds ({row[field]!r})")
    accuracies = {"": ACCURACY_FIELDS}
    if row.get("several_valid"):
        if not isinstance(row.get("strict_chance"), NUMBER):
            raise _wrong(path, f"{where}.strict_chance", "a number")
        accuracies["strict"] = ACCURACY_FIELDS
    for scoring, scores in row["scores"].items():
        for sub, fields in accuracies.items():
            value = scores.get(sub) if sub and isinstance(scores, dict) else scores
            if not isinstance(value, dict) or not all(isinstance(value.get(f), NUMBER) for f in fields):
                raise _wrong(path, f"{where}.scores.{scoring}{'.' + sub if sub else ''}",
                             "an object of accuracy, ci_low and ci_high numbers")


def load_run(path: str | Path) -> Run:
    """Read a finished run folder; anything unfinished or missing is an IclftError, one line."""
    path = Path(path)
    if path.name.endswith(".partial"):
        raise IclftError(f"{path}: an unfinished run (a .partial folder is renamed only when its run completes)")
    if not path.is_dir():
        raise IclftError(f"{path}: no such run folder")
    summary_path = path / "summary.json"
    if not summary_path.is_file():
        hint = " (its .partial folder exists: the run is still going or was stopped)" \
            if path.with_name(path.name + ".partial").exists() else ""
        raise IclftError(f"{path}: no summary.json, not a finished run folder{hint}")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError as e:  # not JSON, not UTF-8
        raise IclftError(f"{summary_path}: not valid JSON ({e})") from None
    if not isinstance(summary, dict):
        raise _wrong(summary_path, "the summary", "a JSON object")
    version = summary.get("schema_version", 0)
    if not isinstance(version, int):
        raise _wrong(summary_path, "'schema_version'", "a number")
    if version > SCHEMA_VERSION:
        raise IclftError(f"{summary_path}: schema version {version} is newer than this iclft reads "
                         f"({SCHEMA_VERSION}); upgrade iclft")
    _check_summary(summary, summary_path)
    for r in summary["results"]:
        items = path / "items" / f"{r['dataset']}__{r['condition']}.jsonl"
        if not items.is_file():
            raise IclftError(f"{path}: incomplete run folder, {items.relative_to(path)} is missing")
    return Run(path, summary)


def run_folders(paths: list[str | Path]) -> list[Path]:
    """The paths, each grid folder replaced by its points' run folders in grid order (iclft.runner.grid)."""
    return [f for p in paths for f in (point_folders(p) or [Path(p)])]


def load_runs(paths: list[str | Path]) -> list[Run]:
    """Load every run (a grid: each of its points) and give each a label (model name and seed) that
    is unique among them."""
    runs = [load_run(p) for p in run_folders(paths)]
    for run in runs:
        run.label = f"{Path(run.summary['model']['name']).name} seed {run.summary.get('seed', '?')}"
    labels = [r.label for r in runs]
    for run in runs:
        if labels.count(run.label) > 1:
            run.label += f" ({run.path.name})"
    return runs


def sample_items(records: list[dict], scoring: str, k: int) -> list[dict]:
    """Up to k items to show a reader: the model's mistakes first, each group in file order."""
    wrong = [r for r in records if not r["correct"][scoring]]
    right = [r for r in records if r["correct"][scoring]]
    return (wrong + right)[:k]


def format_accuracy(score: dict) -> str:
    return f"{score['accuracy']:.2f} [{score['ci_low']:.2f}, {score['ci_high']:.2f}]"


def format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def format_started(iso: str | None) -> str:
    if not iso:
        return "unknown"
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except ValueError:
        return iso
