"""Planning a study, before any model runs: the datasets generated (or loaded from their folders)
and limited, and every cell (dataset x condition) keyed for the cell cache. Bad input (dataset
parameters, a fault in a dataset folder, model name) fails here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from iclft import IclftError
from iclft.config import DatasetConfig, StudyConfig, finetuned_model, finetunes
from iclft.data import generate
from iclft.data.schema import Dataset
from iclft.data.userdata import load_user_dataset
from iclft.models.base import planned_identity
from iclft.runner.cell import Cell, cell_key, dataset_hash, key_parts
from iclft.runner.grid import Point


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


def dataset_of(d: DatasetConfig, seed: int) -> Dataset:
    """A config entry's whole dataset: its folder's (`path`), or generated."""
    if d.path:
        return load_user_dataset(d.path, d.name or None)
    return generate(d.name, seed=seed, **d.params)


def plan_data(cfg: StudyConfig) -> Data:
    """Generate or load the datasets and apply their limits; needs no model."""
    datasets = [dataset_of(d, cfg.seed) for d in cfg.datasets]
    limited = [limit_items(ds, d.limit, cfg.seed) for ds, d in zip(datasets, cfg.datasets)]
    return Data(datasets, [lim for lim, _ in limited], [n for _, ns in limited for n in ns])


def plan_study(cfg: StudyConfig, model=None) -> Plan:
    """Generate the datasets and key every cell. Bad input (dataset parameters, model name) fails
    here; a served model is asked once (one that cannot be reached fails here), local weights are
    found on disk but not loaded. `model`: model.name's, loaded already."""
    data = plan_data(cfg)
    identity, note = planned_identity(cfg.model, model)
    notes, tuned, tuned_cfg = [note], None, finetuned_model(cfg)
    if tuned_cfg and any(map(finetunes, cfg.conditions)):
        tuned, tuned_note = planned_identity(tuned_cfg)
        notes.append(tuned_note and f"finetuned conditions train {tuned_cfg.name}: {tuned_note}")
    cells = []
    for ds, d, lim in zip(data.datasets, cfg.datasets, data.limited):
        ds_hash = dataset_hash(ds)
        for cond in cfg.conditions:
            parts = key_parts(cfg, identity, ds, ds_hash, d.limit, cond, tuned if finetunes(cond) else None)
            cells.append(Cell(lim, cond, cell_key(parts), parts))
    return Plan(cfg, data.datasets, cells, data.notes, "; ".join(filter(None, notes)))


def plan_points(points: list[Point], model=None) -> list[Plan]:
    """Every point's plan, so that bad input fails before anything runs."""
    if model is not None and len({p.cfg.model.name for p in points}) > 1:
        raise IclftError("a loaded model serves one model name; this grid has several (grid.models)")
    return [plan_study(p.cfg, model) for p in points]
