"""Run a study: datasets x conditions on one model, written to a run folder (a grid: one per point).

    RUN_DIR/
      config.yaml        the resolved config
      data/NAME/         each dataset as generated or loaded (train.jsonl, test.jsonl, meta.json;
                         a loaded folder's meta.json records its path and its files' SHA-256)
      items/NAME__COND.jsonl   one scored record per test item
      augment/NAME__COND.jsonl augmentations with provenance (augmented conditions only)
      cells/NAME__COND.json    the cell's cache key, costs, notes and model facts
      summary.json       accuracy per dataset, condition, split and scoring, with 95% CIs
      run.log

The folder is built as RUN_DIR.partial and renamed only when everything is written, so a folder
without that suffix is always complete. A cell (one dataset x condition) writes its items file last
and atomically, so `resume_study` trusts an existing items file and runs only the missing cells.
Finished cells are also kept in the cell cache (`cache_dir`, see iclft.runner.cell) under a hash of
what produced them; a later run with the same inputs reuses them, and loads the model only if some
cell has to be computed.

A grid config (several models or seeds, see iclft.runner.grid) writes one such run folder per point
under GRID_DIR/points/, and resumes point by point; iclft.runner.shards splits the cells over
independent jobs.
"""
from __future__ import annotations

import json
import logging
import platform
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from iclft import __version__
from iclft.config import StudyConfig, dump, finetuned_model, finetunes, load_config
from iclft.data import save_dataset
from iclft.data.schema import atomic_write_text
from iclft.runner.cell import Finished, LazyModel, cell_cache, run_or_load_cell
from iclft.runner.folders import complete_folder, new_folder_name, partial_of, start_folder, timestamped
from iclft.runner.grid import GRID_INDEX, Point, grid_index, grid_points
from iclft.runner.plan import Plan, plan_points
from iclft.augment.symbolic import oracle_overlap
from iclft.eval.metrics import summarize
from iclft.report.text import format_table
from iclft.results import SCHEMA_VERSION, Summary, overlap_text
from iclft.eval.shortcuts import shortcut_rows

log = logging.getLogger("iclft")
# What the summary says of each dataset beside its sizes: a generated one's recipe, a loaded
# folder's place and its files' SHA-256 (whichever the dataset's meta has).
DATASET_FACTS = ("generator", "version", "seed", "params", "path", "sha256")


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "accelerate", "gguf", "wordfreq", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


# ---------------------------------------------------------------- the study
def write_summary(plan: Plan, work: Path, cells: list[Finished], model: dict,
                  started: str, seconds: float, notes: Sequence[str] = ()) -> None:
    """summary.json and table.txt from every cell's records, costs and notes (and `notes`)."""
    cfg = plan.cfg
    results, costs, curves, notes = [], {}, {}, list(plan.limit_notes) + list(notes)
    for cell, res, _ in cells:
        results += summarize(res.records, cell.dataset.name, cell.condition)
        costs.setdefault(cell.dataset.name, {})[cell.condition] = res.cost
        notes += res.notes
        curve = read_curve(work, cell.name)
        if curve:
            curves.setdefault(cell.dataset.name, {})[cell.condition] = curve
    origins = [c.origin for c in cells]
    if origins.count("cache"):
        notes.append(f"{origins.count('cache')} of {len(cells)} cells reused from the cell cache "
                     f"({cfg.cache_dir}); their costs are those of the original computation")
    if origins.count("resumed"):
        notes.append(f"resumed run: {origins.count('resumed')} of {len(cells)} cells read back from the "
                     f"interrupted run; wall_seconds counts the last session only")
    if plan.model_note:
        notes.append(f"model: {plan.model_note}")
    frames = {c.cell.condition: c.result.cost["question_frame"] for c in cells if "question_frame" in c.result.cost}
    frame_lines = [f"{', '.join(cs)}: {f}" for f, cs in _group(frames).items()]
    notes.append(f"question frame (scoring.frame={cfg.scoring.frame}): " + "; ".join(frame_lines)
                 + "; finetuning trains on the plain documents")
    by_name = {c.dataset.name: c.dataset for c in plan.cells}  # after `limit`
    shortcuts = [row for ds in by_name.values() for row in shortcut_rows(ds)]
    summary: Summary = {
        "schema_version": SCHEMA_VERSION, "iclft_version": __version__, "name": cfg.name,
        "started": started, "wall_seconds": round(seconds, 1), "seed": cfg.seed,
        "model": {"name": cfg.model.name, **model},
        "datasets": {ds.name: {"sizes": ds.sizes(), **{k: ds.meta[k] for k in DATASET_FACTS if k in ds.meta},
                               "oracle_overlap": oracle_overlap(by_name[ds.name])}  # on the items scored
                     for ds in plan.datasets},
        "conditions": cfg.conditions, "primary_scoring": cfg.scoring.primary,
        "question_frame": {"frame": cfg.scoring.frame, "chat_template": cfg.icl.chat_template,
                           "instruction": cfg.icl.instruction, "by_condition": frames},
        "results": results, "shortcuts": shortcuts, "curves": curves, "costs": costs, "notes": notes,
        "versions": package_versions(),
    }
    atomic_write_text(work / "summary.json", json.dumps(summary, indent=2) + "\n")
    table = format_table(results, cfg.conditions, cfg.scoring.primary, shortcuts, frame_lines)
    overlap = [f"{name}: {overlap_text(d['oracle_overlap'])}" for name, d in summary["datasets"].items()
               if d["oracle_overlap"]]
    if overlap:
        table += "\ntest statements the oracle augmentation contains verbatim: " + "; ".join(overlap)
    atomic_write_text(work / "table.txt", table + "\n")


def read_curve(work: Path, name: str) -> list[dict] | None:
    """A finetuned cell's learning curve (finetune.eval_every), written beside its items."""
    path = work / "curves" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _group(by_key: dict[str, str]) -> dict[str, list[str]]:
    """Invert {key: value} to {value: [keys]}, in first-seen order."""
    out: dict[str, list[str]] = {}
    for k, v in by_key.items():
        out.setdefault(v, []).append(k)
    return out


def _finish(plan: Plan, work: Path, lazy: LazyModel) -> None:
    """Save the datasets, run or load every cell, write the summary."""
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    for ds in plan.datasets:
        save_dataset(ds, work / "data" / ds.name)  # the whole dataset, as generated
        log.info("dataset %s: %s", ds.name, ds.sizes())
    cache = cell_cache(plan.cfg, plan.cells)
    done = [run_or_load_cell(cell, work, plan.cfg, cache, lazy) for cell in plan.cells]
    facts = lazy.model.facts() if lazy.model is not None else None
    write_summary(plan, work, done, model_facts(plan.cfg, done, facts), started, time.perf_counter() - t0)


def model_facts(cfg: StudyConfig, done: list[Finished], loaded: dict | None = None) -> dict:
    """What the summary says of model.name (`loaded`: its facts, where it was loaded) and, where
    finetune.model names the weights the finetuned conditions trained, of those too; else from the
    facts each cell kept."""
    other = finetuned_model(cfg) is not None
    studied = [d.result.model for d in done if not (other and finetunes(d.cell.condition))]
    facts = loaded or (studied or [done[0].result.model])[0]
    tuned = [d.result.model for d in done if other and finetunes(d.cell.condition)]
    return {**facts, "finetune_model": {"name": cfg.finetune.model, **tuned[0]}} if tuned else facts


# ---------------------------------------------------------------- studies
class Models:
    """The model each point needs, loaded when a cell first needs it and kept while consecutive
    points use it (a grid goes model by model, so each model is loaded at most once)."""

    def __init__(self, model=None):
        self.given, self.lazy = model, None

    def for_point(self, cfg: StudyConfig) -> LazyModel:
        if self.lazy is None or self.lazy.cfg.model.name != cfg.model.name:
            self.lazy = LazyModel(cfg, self.given)
        return self.lazy


def _run_point(plan: Plan, final: Path, models: Models, resume: bool) -> Path:
    """One run folder: started fresh, or finished where an interrupted run stopped."""
    work = partial_of(final)
    fresh = not (resume and (work / "config.yaml").is_file())
    if fresh:
        work = start_folder(final, dump(plan.cfg))
    return complete_folder(work, lambda w: _finish(plan, w, models.for_point(plan.cfg)), fresh, keep_cells=True)


def _run_grid(points: list[Point], plans: list[Plan], work: Path, models: Models, resume: bool) -> None:
    """Each point's run folder in turn (one finished before an interruption is kept), then the table."""
    for point, plan in zip(points, plans):
        if resume and (work / point.folder / "summary.json").is_file():
            log.info("%s: finished before the interruption", point.label)
            continue
        _run_point(plan, work / point.folder, models, resume)
    write_grid_table(points, work)


def write_grid_table(points: list[Point], work: Path) -> None:
    """The grid's table.txt: each point's table under its label."""
    tables = [f"{p.label}\n{(work / p.folder / 'table.txt').read_text(encoding='utf-8')}" for p in points]
    atomic_write_text(work / "table.txt", "\n".join(tables))


def run_study(cfg: StudyConfig, out: str | None = None, model=None) -> Path:
    """Run every dataset x condition (at every grid point) and return the finished folder."""
    final = new_folder_name(out, cfg.output_dir, timestamped(cfg.name))
    points = grid_points(cfg)
    plans = plan_points(points, model)  # bad input fails here, before any folder exists
    if len(points) == 1:
        return _run_point(plans[0], final, Models(model), resume=False)
    work = start_folder(final, dump(cfg))
    atomic_write_text(work / GRID_INDEX, grid_index(cfg))
    return complete_folder(work, lambda w: _run_grid(points, plans, w, Models(model), False), fresh=True,
                           keep_cells=True)


def resume_run(work: Path, final: Path, model=None) -> Path:
    """Finish the interrupted run or grid in `work` (its final name `final`): cells with an items file
    are read back, the others run. (`iclft.study.resume_study` also resumes shards.)"""
    cfg = load_config(str(work / "config.yaml"))
    points = grid_points(cfg)
    plans = plan_points(points, model)
    if len(points) == 1:
        return _run_point(plans[0], final, Models(model), resume=True)
    return complete_folder(work, lambda w: _run_grid(points, plans, w, Models(model), True), fresh=False,
                           keep_cells=True)
