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
            path = self.path / "items" / f"{dataset}__{condition}.jsonl"
            text = path.read_text(encoding="utf-8")
            self._items[key] = [json.loads(line) for line in text.splitlines() if line.strip()]
        return self._items[key]


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
    except json.JSONDecodeError as e:
        raise IclftError(f"{summary_path}: not valid JSON ({e})") from None
    version = summary.get("schema_version", 0)
    if version > SCHEMA_VERSION:
        raise IclftError(f"{summary_path}: schema version {version} is newer than this iclft reads "
                         f"({SCHEMA_VERSION}); upgrade iclft")
    for key in ("results", "conditions", "model"):
        if key not in summary:
            raise IclftError(f"{summary_path}: no {key!r} entry, not a run summary")
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
