"""Run a study: datasets x conditions on one model, written to a run folder (a grid: one per point).

    RUN_DIR/
      config.yaml        the resolved config
      data/NAME/         each dataset as generated (train.jsonl, test.jsonl, meta.json)
      items/NAME__COND.jsonl   one scored record per test item
      augment/NAME__COND.jsonl augmentations with provenance (augmented conditions only)
      cells/NAME__COND.json    the cell's cache key, costs, notes and model facts
      summary.json       accuracy per dataset, condition, split and scoring, with 95% CIs
      run.log

The folder is built as RUN_DIR.partial and renamed only when everything is written, so a folder
without that suffix is always complete. A cell (one dataset x condition) writes its items file last
and atomically, so `resume_study` trusts an existing items file and runs only the missing cells.
Finished cells are also kept in the cell cache (`cache_dir`, see iclft.cells) under a hash of what
produced them; a later run with the same inputs reuses them, and loads the model only if some cell
has to be computed.

A grid config (several models or seeds, see iclft.grid) writes one such run folder per point under
GRID_DIR/points/, and resumes point by point; iclft.shards splits the cells over independent jobs.
"""
from __future__ import annotations

import json
import logging
import math
import platform
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, Sequence

from iclft import IclftError, __version__
from iclft import conditions as conditions_mod
from iclft.runner.cell import CellCache, CellResult, cell_key, dataset_hash, key_parts
from iclft.config import StudyConfig, dump, load_config
from iclft.data import generate, save_dataset
from iclft.data.schema import Dataset, atomic_write_text
from iclft.runner.folders import complete_folder, new_folder_name, partial_of, start_folder, timestamped
from iclft.runner.grid import GRID_INDEX, Point, grid_index, grid_points
from iclft.augment.symbolic import oracle_overlap
from iclft.eval.metrics import summarize
from iclft.models.base import is_served, load_model
from iclft.models.registry import model_identity
from iclft.report.text import format_table
from iclft.results import SCHEMA_VERSION, Summary, overlap_text
from iclft.eval.shortcuts import shortcut_rows

log = logging.getLogger("iclft")


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "accelerate", "gguf", "wordfreq", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def limit_items(ds, limit: int, seed: int):
    """The dataset with at most `limit` test items per split, a seeded sample in original order."""
    import dataclasses
    import random

    if not limit:
        return ds, []
    keep, notes = set(), []
    for split, items in ds.splits().items():
        chosen = items if len(items) <= limit else random.Random(f"limit:{seed}:{split}").sample(items, limit)
        keep.update(it.id for it in chosen)
        if len(items) > limit:
            notes.append(f"{ds.name}: scored {limit} of {len(items)} {split} items (seeded sample, seed {seed})")
    return dataclasses.replace(ds, test=tuple(it for it in ds.test if it.id in keep)), notes


def _jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)


# ---------------------------------------------------------------- planning
@dataclass
class Cell:
    """One (dataset, condition) of the grid and the cache key of what produces it."""

    dataset: Dataset  # after `limit`
    condition: str
    key: str
    parts: dict

    @property
    def name(self) -> str:
        return f"{self.dataset.name}__{self.condition}"


@dataclass
class Plan:
    cfg: StudyConfig
    datasets: list[Dataset]  # whole, as generated
    cells: list[Cell]
    limit_notes: list[str]
    model_note: str


class Data(NamedTuple):
    datasets: list[Dataset]  # whole, as generated
    limited: list[Dataset]  # after each entry's `limit`, one per config entry
    notes: list[str]  # what `limit` left out


def plan_data(cfg: StudyConfig) -> Data:
    """Generate the datasets and apply their limits; needs no model."""
    datasets = [generate(d.name, seed=cfg.seed, **d.params) for d in cfg.datasets]
    limited = [limit_items(ds, d.limit, cfg.seed) for ds, d in zip(datasets, cfg.datasets)]
    return Data(datasets, [lim for lim, _ in limited], [n for _, ns in limited for n in ns])


def plan_study(cfg: StudyConfig, model=None) -> Plan:
    """Generate the datasets and key every cell. Bad input (dataset parameters, model name) fails here."""
    from iclft.models.hf import pick_device, pick_dtype
    from iclft.models.registry import resolve

    data = plan_data(cfg)
    note = ""
    if is_served(cfg.model.name):  # one request to the server: one that cannot be reached fails here
        identity = (model or load_model(cfg.model)).identity()
    else:
        if model is not None:
            source, device, dtype = model.source, model.device.type, str(model.model.dtype)
        else:
            source, dev = resolve(cfg.model.name), pick_device(cfg.model.device)
            device, dtype = dev.type, str(pick_dtype(cfg.model.dtype, dev))
        identity = model_identity(cfg.model.name, source, device, dtype, cfg.model.trust_remote_code)
        note = source.note
    cells = []
    for ds, d, lim in zip(data.datasets, cfg.datasets, data.limited):
        ds_hash = dataset_hash(ds)
        for cond in cfg.conditions:
            parts = key_parts(cfg, identity, ds, ds_hash, d.limit, cond)
            cells.append(Cell(lim, cond, cell_key(parts), parts))
    return Plan(cfg, data.datasets, cells, data.notes, note)


class _LazyModel:
    """The model, loaded the first time a cell has to be computed."""

    def __init__(self, cfg: StudyConfig, model=None):
        self.cfg, self.model = cfg, model

    def get(self):
        if self.model is None:
            print(f"loading model {self.cfg.model.name} ...", file=sys.stderr)
            self.model = load_model(self.cfg.model)
        return self.model


# ---------------------------------------------------------------- one cell
class DamagedCell(IclftError):
    """A cell's files in a run or shard folder that cannot be read back whole."""


def read_cell(work: Path, name: str, n_items: int, with_files: bool = False) -> tuple[str, CellResult] | None:
    """(cache key, result) of a cell written into `work` (its items file is written last, atomically),
    or None when it is not there. A file that is unreadable, not JSON, or holds other than `n_items`
    records raises DamagedCell naming it. `with_files`: read its extra files (augmentations) too."""
    items, side = work / "items" / f"{name}.jsonl", work / "cells" / f"{name}.json"
    if not items.is_file() or not side.is_file():
        return None
    path = side
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
        path = items
        records = [json.loads(line) for line in items.read_text(encoding="utf-8").splitlines()]
        files = {}
        for rel in meta.get("files", []) if with_files else []:
            path = work / rel
            files[rel] = path.read_text(encoding="utf-8")
        path = side
        result = CellResult(records, meta["cost"], meta["notes"], files, meta["model"])
        key = meta["key"]
    except (OSError, ValueError, KeyError, TypeError) as e:  # UnicodeDecodeError is a ValueError
        raise DamagedCell(f"{path}: damaged ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
    if len(records) != n_items or not all(isinstance(r, dict) for r in records):
        raise DamagedCell(f"{items}: {len(records)} records where the cell has {n_items} items (a truncated file)")
    return key, result


def _load_finished(work: Path, cell: Cell) -> CellResult | None:
    """A cell an interrupted run finished, if it was computed from the same inputs and reads back
    whole (a damaged one is recomputed, with a warning naming the file)."""
    try:
        found = read_cell(work, cell.name, len(cell.dataset.test))
    except DamagedCell as e:
        log.warning("%s: recomputing the cell", e)
        return None
    if found is None:
        return None
    if found[0] != cell.key:
        log.warning("%s was computed from other inputs (code or model changed): recomputing", cell.name)
        return None
    return found[1]


def check_scores(name: str, records: list[dict]) -> None:
    """A score that is NaN or infinite (a diverged finetuning, a broken model) is an error naming
    the cell and an item, never an accuracy."""
    for r in records:
        for scoring, values in r["scores"].items():
            if not all(math.isfinite(v) for v in values):
                raise IclftError(f"{name}: item {r['item_id']} has a non-finite {scoring} score ({values}); "
                                 f"no accuracy is reported for this cell (did finetuning diverge? try a "
                                 f"lower finetune.learning_rate)")


def _compute(cell: Cell, cfg: StudyConfig, lazy: _LazyModel) -> CellResult:
    model = lazy.get()
    log.info("running %s on %s", cell.condition, cell.dataset.name)
    res = conditions_mod.get(cell.condition)(model, cell.dataset, cfg)
    check_scores(cell.name, res.records)
    res.model = model.facts()  # kept with the cell: a run from the cache or a resume loads no model
    return res


def write_cell(work: Path, cell: Cell, result: CellResult) -> None:
    """Extra files, then the cell's key and costs, then its items: an items file means a whole cell."""
    for rel, text in result.files.items():
        atomic_write_text(work / rel, text)
    side = {"key": cell.key, "cost": result.cost, "notes": result.notes, "model": result.model,
            "files": sorted(result.files)}
    atomic_write_text(work / "cells" / f"{cell.name}.json", json.dumps(side, indent=2, sort_keys=True) + "\n")
    records = [{"dataset": cell.dataset.name, "condition": cell.condition, **r} for r in result.records]
    atomic_write_text(work / "items" / f"{cell.name}.jsonl", _jsonl(records))


class Finished(NamedTuple):
    cell: Cell
    result: CellResult
    origin: str  # "resumed" (read back from the partial folder), "cache" or "computed"


def run_or_load_cell(cell: Cell, work: Path, cfg: StudyConfig, cache: CellCache | None,
                     lazy: _LazyModel) -> Finished:
    """The cell's result, from the interrupted run, the cell cache, or computed (and then cached)."""
    done = _load_finished(work, cell)
    if done is not None:
        log.info("%s: read back from the interrupted run", cell.name)
        return Finished(cell, done, "resumed")
    hit = cache.get(cell.key) if cache else None
    if hit is not None and len(hit.records) != len(cell.dataset.test):
        log.warning("cell cache entry %s holds %d records where %s has %d items: recomputing",
                    cache.path(cell.key), len(hit.records), cell.name, len(cell.dataset.test))
        hit = None
    if hit is not None:
        log.info("%s: from the cell cache (%s)", cell.name, cell.key[:12])
        hit.cost = {**hit.cost, "from_cache": True}
        result, origin = hit, "cache"
    else:
        result, origin = _compute(cell, cfg, lazy), "computed"
        if cache:
            try:
                cache.put(cell.key, cell.parts, result)
            except OSError as e:  # disk full, read-only: the run keeps the cell, the cache goes without
                log.warning("could not write %s to the cell cache (%s): kept in the run only", cell.name, e)
    write_cell(work, cell, result)
    return Finished(cell, result, origin)


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
        "datasets": {ds.name: {"sizes": ds.sizes(), **{k: ds.meta[k] for k in ("generator", "version",
                                                                                "seed", "params")},
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


def _finish(plan: Plan, work: Path, lazy: _LazyModel) -> None:
    """Save the datasets, run or load every cell, write the summary."""
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    for ds in plan.datasets:
        save_dataset(ds, work / "data" / ds.name)  # the whole dataset, as generated
        log.info("dataset %s: %s", ds.name, ds.sizes())
    cache = CellCache(plan.cfg.cache_dir) if plan.cfg.cache_dir else None
    done = [run_or_load_cell(cell, work, plan.cfg, cache, lazy) for cell in plan.cells]
    facts = lazy.model.facts() if lazy.model is not None else done[0].result.model
    write_summary(plan, work, done, facts, started, time.perf_counter() - t0)


# ---------------------------------------------------------------- studies
class Models:
    """The model each point needs, loaded when a cell first needs it and kept while consecutive
    points use it (a grid goes model by model, so each model is loaded at most once)."""

    def __init__(self, model=None):
        self.given, self.lazy = model, None

    def for_point(self, cfg: StudyConfig) -> _LazyModel:
        if self.lazy is None or self.lazy.cfg.model.name != cfg.model.name:
            self.lazy = _LazyModel(cfg, self.given)
        return self.lazy


def plan_points(points: list[Point], model=None) -> list[Plan]:
    """Every point's plan, so that bad input fails before anything runs."""
    if model is not None and len({p.cfg.model.name for p in points}) > 1:
        raise IclftError("a loaded model serves one model name; this grid has several (grid.models)")
    return [plan_study(p.cfg, model) for p in points]


def _run_point(plan: Plan, final: Path, models: Models, resume: bool) -> Path:
    """One run folder: started fresh, or finished where an interrupted run stopped."""
    work = partial_of(final)
    fresh = not (resume and (work / "config.yaml").is_file())
    if fresh:
        work = start_folder(final, dump(plan.cfg))
    return complete_folder(work, lambda w: _finish(plan, w, models.for_point(plan.cfg)), fresh)


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
    return complete_folder(work, lambda w: _run_grid(points, plans, w, Models(model), False), fresh=True)


def resume_run(work: Path, final: Path, model=None) -> Path:
    """Finish the interrupted run or grid in `work` (its final name `final`): cells with an items file
    are read back, the others run. (`iclft.study.resume_study` also resumes shards.)"""
    cfg = load_config(str(work / "config.yaml"))
    points = grid_points(cfg)
    plans = plan_points(points, model)
    if len(points) == 1:
        return _run_point(plans[0], final, Models(model), resume=True)
    return complete_folder(work, lambda w: _run_grid(points, plans, w, Models(model), True), fresh=False)
