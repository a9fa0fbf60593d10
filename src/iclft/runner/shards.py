"""Shards: a study's cells split over independent jobs, then merged into one run (or grid) folder.

    iclft run study.yaml --shard 0/4 --out shards/0      # one job per shard, run anywhere, any order
    iclft merge shards/0 shards/1 shards/2 shards/3 --out runs/study

Shard i of n computes the cells iclft.runner.grid deals it (possibly none), each through the cell cache
like any run, and nothing else. Its folder:

    SHARD_DIR/
      config.yaml      the study's resolved config: the same text in every shard of the study
      shard.json       index and count, the shard's cells, and per point: model note, start, seconds
      items/ cells/ augment/            its cells (a grid: under points/LABEL/, as in the grid folder)
      run.log

It is written as SHARD_DIR.partial like a run, and `iclft run --resume SHARD_DIR` finishes it.
`merge_shards` checks that the shards share one config and hold every cell exactly once, regenerates
the datasets (deterministic), copies each cell and writes each point's summary with the runner's
own writer: the items files and summary results equal those of an unsharded run.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from iclft import IclftError
from iclft.runner.cell import Cell, DamagedCell, Finished, cell_cache, read_cell, run_or_load_cell, write_cell
from iclft.config import StudyConfig, dump, load_config
from iclft.data import save_dataset
from iclft.data.schema import atomic_write_text
from iclft.runner.folders import complete_folder, new_folder_name, partial_of, start_folder, timestamped
from iclft.runner.grid import GRID_INDEX, GridCell, Point, Shard, grid_cells, grid_index, grid_points, shard_cells
from iclft.runner.plan import Plan, plan_data, plan_points
from iclft.runner.run import Models, model_facts, write_grid_table, write_summary

SHARD_FILE = "shard.json"


# ---------------------------------------------------------------- computing one shard
def _shard_json(shard: Shard, cells: list[GridCell], points: dict) -> str:
    return json.dumps({"shard": shard.index, "of": shard.count, "cells": [list(c) for c in cells],
                       "points": points}, indent=2) + "\n"


def _plan(cfg: StudyConfig, shard: Shard, model) -> list[tuple[Point, Plan]]:
    """The plans of the points this shard has cells in (bad input fails here)."""
    folders = {c.folder for c in shard_cells(cfg, shard)}
    points = [p for p in grid_points(cfg) if p.folder in folders]
    return list(zip(points, plan_points(points, model)))


def _compute(cfg: StudyConfig, shard: Shard, planned: list[tuple[Point, Plan]], work: Path, model) -> None:
    """Run or load this shard's cells, point by point; then record what each point took."""
    mine = set(shard_cells(cfg, shard))
    models, points = Models(model), {}
    for point, plan in planned:
        started, t0 = datetime.now(timezone.utc).isoformat(timespec="seconds"), time.perf_counter()
        lazy, cache = models.for_point(plan.cfg), cell_cache(plan.cfg, plan.cells)
        for cell in plan.cells:
            if GridCell(point.folder, cell.name) in mine:
                run_or_load_cell(cell, work / point.folder, plan.cfg, cache, lazy)
        points[point.folder] = {"model_note": plan.model_note, "started": started,
                                "seconds": round(time.perf_counter() - t0, 1)}
    atomic_write_text(work / SHARD_FILE, _shard_json(shard, shard_cells(cfg, shard), points))


def run_shard(cfg: StudyConfig, shard: Shard, out: str | None = None, model=None) -> Path:
    """Compute shard `shard` of the study into its own folder (default OUTPUT_DIR/NAME-shardIofN)."""
    final = new_folder_name(out, cfg.output_dir, f"{cfg.name}-shard{shard.index}of{shard.count}")
    planned = _plan(cfg, shard, model)
    work = start_folder(final, dump(cfg))
    atomic_write_text(work / SHARD_FILE, _shard_json(shard, shard_cells(cfg, shard), {}))
    return complete_folder(work, lambda w: _compute(cfg, shard, planned, w, model), fresh=True, keep_cells=True)


def resume_shard(work: Path, model=None) -> Path:
    """Finish an interrupted SHARD_DIR.partial: its finished cells are read back, the others run."""
    try:
        info = json.loads((work / SHARD_FILE).read_text(encoding="utf-8"))
        shard = Shard(info["shard"], info["of"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IclftError(f"{work / SHARD_FILE}: damaged ({type(e).__name__}), so which shard this is cannot be "
                         f"told; remove {work} and run the shard again (iclft run CONFIG --shard I/N)") from None
    cfg = load_config(str(work / "config.yaml"))
    planned = _plan(cfg, shard, model)
    return complete_folder(work, lambda w: _compute(cfg, shard, planned, w, model), fresh=False, keep_cells=True)


# ---------------------------------------------------------------- merging
class ShardDir(NamedTuple):
    path: Path
    shard: Shard
    cells: list[GridCell]
    points: dict  # point folder -> {"model_note", "started", "seconds"}
    config_text: str


def read_shard(path: str | Path) -> ShardDir:
    """A finished shard folder; anything else is an IclftError, one line."""
    path = Path(path)
    if path.name.endswith(".partial") or (not path.exists() and partial_of(path).is_dir()):
        raise IclftError(f"{path}: an unfinished shard; finish it with iclft run --resume {path}")
    if not (path / SHARD_FILE).is_file() or not (path / "config.yaml").is_file():
        raise IclftError(f"{path}: not a shard folder (no {SHARD_FILE} or config.yaml; "
                         f"shards are made by iclft run CONFIG --shard I/N)")
    try:
        info = json.loads((path / SHARD_FILE).read_text(encoding="utf-8"))
        return ShardDir(path, Shard(info["shard"], info["of"]), [GridCell(*c) for c in info["cells"]],
                        info["points"], (path / "config.yaml").read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as e:
        raise IclftError(f"{path / SHARD_FILE}: not a shard record ({e})") from None


def _who_holds(cfg: StudyConfig, shards: list[ShardDir]) -> dict[GridCell, ShardDir]:
    """The shard holding each cell; an error unless every cell is held exactly once."""
    holder: dict[GridCell, ShardDir] = {}
    for s in shards:
        for cell in s.cells:
            if cell in holder:
                raise IclftError(f"cell {cell} is in two shards: {holder[cell].path} and {s.path}")
            holder[cell] = s
    missing = [c for c in grid_cells(cfg) if c not in holder]
    if missing:
        given = ", ".join(sorted(str(s.shard) for s in shards))
        shown = ", ".join(map(str, missing[:8])) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        raise IclftError(f"{len(missing)} cells missing: {shown} (shards given: {given}; "
                         f"each of the {shards[0].shard.count} shards is needed once)")
    return holder


def _merge_point(point: Point, holder: dict[GridCell, ShardDir], work: Path) -> None:
    """A point's run folder from its cells in the shards, written as the runner writes one."""
    data = plan_data(point.cfg)
    for ds in data.datasets:
        save_dataset(ds, work / "data" / ds.name)
    done = []
    for ds in data.limited:
        for cond in point.cfg.conditions:
            where = GridCell(point.folder, f"{ds.name}__{cond}")
            shard = holder[where]
            try:
                found = read_cell(shard.path / point.folder, where.name, len(ds.test), with_files=True)
            except DamagedCell as e:
                raise IclftError(f"{e}; that shard must be computed again") from None
            if found is None:
                raise IclftError(f"{shard.path}: cell {where} is listed in {SHARD_FILE} but its files are missing")
            cell = Cell(ds, cond, found[0], {})
            write_cell(work, cell, found[1])
            done.append(Finished(cell, found[1], "cache" if found[1].cost.get("from_cache") else "computed"))
    by_path = {holder[GridCell(point.folder, f.cell.name)].path: holder[GridCell(point.folder, f.cell.name)]
               for f in done}
    shards = sorted(by_path.values(), key=lambda s: s.shard.index)
    times = [s.points[point.folder] for s in shards]
    plan = Plan(point.cfg, data.datasets, [f.cell for f in done], data.notes, times[0]["model_note"])
    note = (f"merged from shards {', '.join(str(s.shard) for s in shards)}: started is the earliest "
            f"shard's start, wall_seconds the sum of their times on this point")
    write_summary(plan, work, done, model_facts(plan.cfg, done), min(t["started"] for t in times),
                  sum(t["seconds"] for t in times), notes=[note])


def merge_shards(shard_dirs: list[str | Path], out: str | None = None) -> Path:
    """One run folder (or grid folder) from the shards of one study; returns the finished folder."""
    if not shard_dirs:
        raise IclftError("give the shard folders to merge")
    shards = [read_shard(d) for d in shard_dirs]
    for s in shards[1:]:
        if s.config_text != shards[0].config_text:
            raise IclftError(f"{s.path} and {shards[0].path} come from different configs (their config.yaml "
                             f"differ); only shards of one resolved config merge")
    cfg = load_config(str(shards[0].path / "config.yaml"))
    holder = _who_holds(cfg, shards)
    final = new_folder_name(out, cfg.output_dir, timestamped(cfg.name))
    points = grid_points(cfg)
    if len(points) == 1:
        work = start_folder(final, dump(points[0].cfg))
        return complete_folder(work, lambda w: _merge_point(points[0], holder, w), fresh=True)

    def fill(w: Path) -> None:
        for p in points:
            point_work = start_folder(w / p.folder, dump(p.cfg))
            complete_folder(point_work, lambda pw, p=p: _merge_point(p, holder, pw), fresh=True)
        write_grid_table(points, w)

    work = start_folder(final, dump(cfg))
    atomic_write_text(work / GRID_INDEX, grid_index(cfg))
    return complete_folder(work, fill, fresh=True)
