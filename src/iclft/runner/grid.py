"""Grids and shards, decided from the config alone (no model, no data).

A grid runs one study at several (model, seed) points:

    grid: {models: [smollm2-135m, gemma3-270m], seeds: [0, 1, 2]}   # 2 x 3 = 6 points

Each point is an ordinary run whose config is the grid's with `model.name` and `seed` set to the
point's and the grid emptied. Points go models first, then seeds: (smollm2-135m, 0), (smollm2-135m, 1),
..., (gemma3-270m, 2). An empty axis is the config's own `model.name` or `seed`, and a config with
a single point (both axes empty, or one value each) is an ordinary run folder, as before grids.
A grid's folder (see iclft.runner.run) holds one run folder per point:

    GRID_DIR/
      config.yaml              the resolved grid config, grid section included
      grid.json                the index: each point's label, model, seed and folder
      points/LABEL/            an ordinary run folder (LABEL: MODEL-LABEL__seedK)
      table.txt                each point's table under its label
      run.log

A study's cells (point x dataset x condition) are numbered in a fixed order: points as above, then
datasets and conditions in config order. Shard i of n (`--shard i/n`, 0 <= i < n) takes cells i,
i+n, i+2n, ...: dealt round-robin, every shard gets a mix of cheap and costly conditions.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from iclft import IclftError
from iclft.config import GridConfig, StudyConfig

GRID_INDEX = "grid.json"
INDEX_VERSION = 1


@dataclass(frozen=True)
class Point:
    """One (model, seed) of a grid: its label, its run folder inside the grid folder, its config."""

    label: str
    folder: str  # "points/LABEL" in a grid; "" when the study has one point (the run folder itself)
    cfg: StudyConfig


class GridCell(NamedTuple):
    """One cell of a study: a point's run folder and the cell's name there (DATASET__CONDITION)."""

    folder: str
    name: str

    def __str__(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name


class Shard(NamedTuple):
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def model_labels(models: list[str]) -> list[str]:
    """A folder-safe label per model: the last part of its name or path, numbered where two clash."""
    labels = [re.sub(r"[^A-Za-z0-9._-]+", "_", Path(m).name or m) for m in models]
    labels = [f"{lab}-{i + 1}" if labels.count(lab) > 1 else lab for i, lab in enumerate(labels)]
    if len(set(labels)) < len(labels):
        raise IclftError(f"grid.models: two models would share a folder label ({', '.join(labels)})")
    return labels


def grid_points(cfg: StudyConfig) -> list[Point]:
    """Every (model, seed) point of the study, models first, each with its resolved config."""
    models = cfg.grid.models or [cfg.model.name]
    seeds = cfg.grid.seeds or [cfg.seed]
    single = len(models) * len(seeds) == 1
    points = []
    for model, label in zip(models, model_labels(models)):
        for seed in seeds:
            point_cfg = copy.deepcopy(cfg)
            point_cfg.grid, point_cfg.model.name, point_cfg.seed = GridConfig(), model, seed
            name = f"{label}__seed{seed}"
            points.append(Point(name, "" if single else f"points/{name}", point_cfg))
    return points


def is_grid(cfg: StudyConfig) -> bool:
    return len(grid_points(cfg)) > 1


def grid_cells(cfg: StudyConfig) -> list[GridCell]:
    """Every cell of the study in the fixed order shards are dealt from."""
    return [GridCell(p.folder, f"{d.name}__{c}") for p in grid_points(cfg)
            for d in p.cfg.datasets for c in p.cfg.conditions]


def parse_shard(text: str) -> Shard:
    """`I/N` with 0 <= I < N, as `--shard` takes it."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m or not int(m[1]) < int(m[2]):
        raise IclftError(f"--shard {text!r}: give I/N with 0 <= I < N, for example --shard 0/4")
    return Shard(int(m[1]), int(m[2]))


def shard_cells(cfg: StudyConfig, shard: Shard) -> list[GridCell]:
    return grid_cells(cfg)[shard.index::shard.count]


def grid_index(cfg: StudyConfig) -> str:
    """The text of grid.json."""
    points = [{"label": p.label, "model": p.cfg.model.name, "seed": p.cfg.seed, "folder": p.folder}
              for p in grid_points(cfg)]
    return json.dumps({"index_version": INDEX_VERSION, "name": cfg.name, "points": points}, indent=2) + "\n"


def point_folders(folder: str | Path) -> list[Path] | None:
    """The run folders of a finished grid folder, in grid order; None when `folder` is no grid."""
    folder = Path(folder)
    index = folder / GRID_INDEX
    if folder.name.endswith(".partial") or not index.is_file():
        return None
    try:
        points = json.loads(index.read_text(encoding="utf-8"))["points"]
        return [folder / p["folder"] for p in points]
    except (ValueError, KeyError, TypeError) as e:
        raise IclftError(f"{index}: not a grid index ({e})") from None
