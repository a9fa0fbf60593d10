"""A cell (one dataset x condition): computed, or read back from an interrupted run or the cell
cache, and written into a run folder (its items file last, atomically: an items file means a whole cell).

The cell cache: one (dataset, condition) result stored under a hash of what produced it.

A cell's key is the sha256 of a JSON document (`key_parts`) that names, and only names, its inputs:

    {"iclft": "0.1.0", "torch": ..., "transformers": ...,      # the code that computed it
     "model": {"name", "path", "gguf_file", "files": [[name, size, mtime_ns], ...], "device", "dtype",
               "trust_remote_code"},                               # the weights, as found on disk
                                                                   # (served: URL, model id, what the
                                                                   # server reports, and a fingerprint
                                                                   # of its weights, see cell_cache)
     "dataset": {"name", "sha256", "limit"},                       # the generated or loaded content,
                                                                   # not its recipe or folder
     "condition": "icl",
     "config": {"seed", "icl", "finetune", "augment", "scoring"}}  # every section a condition may read

Left out because they cannot change a result: the study's name, output_dir, cache_dir, its list of
datasets and conditions (each cell names its own), and augment.cache_dir / augment.use_cache (the
augmentation cache returns what generation would). A Hub id is keyed by its name only: a new revision
upstream is not noticed, so pin local copies for work that must be reproduced.

Entries are written atomically (a temporary file in the same folder, then os.replace), so two
processes computing the same cell leave one whole entry: the last writer's, with identical content.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from iclft import IclftError, __version__
from iclft import conditions as conditions_mod
from iclft.conditions import ConditionResult
from iclft.config import StudyConfig, finetuned_model, finetunes
from iclft.cache import read_entry, write_entry
from iclft.data.schema import Dataset, atomic_write_text
from iclft.models.base import follows_weights, load_model

log = logging.getLogger("iclft")

ENTRY_VERSION = 1
_KEYED_SECTIONS = ("icl", "finetune", "augment", "scoring")
_UNKEYED_AUGMENT = ("cache_dir", "use_cache")


# What a condition produced on one dataset with the model facts the summary reports: one type from
# the condition to the cache and the run folder.
CellResult = ConditionResult


def _sha256(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def dataset_hash(ds: Dataset) -> str:
    """The hash of everything generated: documents, test items and meta (generator, version, params).
    Where a dataset folder was loaded from (meta's `path`) is left out: a moved copy is the same data."""
    record = dataclasses.asdict(ds)
    record["meta"].pop("path", None)
    return _sha256(record)


def key_parts(cfg: StudyConfig, model: dict, ds: Dataset, ds_hash: str, limit: int, condition: str,
              tuned: dict | None = None) -> dict:
    """`model`: the studied model's identity (it answers, or writes the augmentations of, every
    cell); `tuned`: that of the weights a finetuned cell trains where they are others
    (finetune.model), keyed beside it. finetune.model's name itself is left out: its identity says more."""
    from importlib.metadata import version

    from iclft.models.generation import DECODER

    config = {"seed": cfg.seed, **{s: dataclasses.asdict(getattr(cfg, s)) for s in _KEYED_SECTIONS}}
    for k in _UNKEYED_AUGMENT:
        config["augment"].pop(k, None)
    config["finetune"].pop("model")
    parts = {"iclft": __version__, "torch": version("torch"), "transformers": version("transformers"),
             "model": model, "dataset": {"name": ds.name, "sha256": ds_hash, "limit": limit},
             "condition": condition, "config": config, "decoder": DECODER}
    if tuned is not None:
        parts["finetuned_model"] = tuned
    return parts


def cell_key(parts: dict) -> str:
    return _sha256(parts)


class CellCache:
    """A folder of `KEY.json` entries; `get` treats an unreadable or mismatched entry as a miss."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).expanduser()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> CellResult | None:
        def build(entry: dict) -> CellResult:
            if entry.get("entry_version") != ENTRY_VERSION:
                raise ValueError(f"entry version {entry.get('entry_version')}, not {ENTRY_VERSION}")
            return CellResult(**{f.name: entry[f.name] for f in dataclasses.fields(CellResult)})

        return read_entry(self.path(key), key, build, "cell cache entry")

    def put(self, key: str, parts: dict, result: CellResult) -> None:
        write_entry(self.path(key), {"entry_version": ENTRY_VERSION, "key": key, "key_parts": parts,
                                     **dataclasses.asdict(result)})


def cell_cache(cfg: StudyConfig, cells: list["Cell"]) -> CellCache | None:
    """The cell cache these cells may use: cfg.cache_dir's, except where a served model gives no
    fingerprint of its weights (its cells could come back with the scores of weights it no longer
    serves), unless model.cache_without_fingerprint says to cache them anyway."""
    if not cfg.cache_dir:
        return None
    blind = next((c.parts["model"] for c in cells if not follows_weights(c.parts["model"])), None)
    if blind is not None and not cfg.model.cache_without_fingerprint:
        log.warning("%s gives no log-probabilities to fingerprint the weights of %r by, so a change of weights "
                    "behind the same model id would go unnoticed: its cells are computed afresh, not taken from "
                    "or put in the cell cache (model.cache_without_fingerprint=true caches them anyway)",
                    blind.get("base_url"), blind.get("model"))
        return None
    return CellCache(cfg.cache_dir)


# ---------------------------------------------------------------- one cell
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


class LazyModel:
    """The model, loaded the first time a cell has to be computed; and the local weights the
    finetuned conditions train where finetune.model names others, loaded the first time one needs them."""

    def __init__(self, cfg: StudyConfig, model=None):
        self.cfg, self.model, self.tuned = cfg, model, None

    def get(self, condition: str = "pretrained"):
        tuned_cfg = finetuned_model(self.cfg)
        if finetunes(condition) and tuned_cfg is not None:
            if self.tuned is None:
                print(f"loading model {tuned_cfg.name} (finetune.model) ...", file=sys.stderr)
                self.tuned = load_model(tuned_cfg)
            return self.tuned
        if self.model is None:
            print(f"loading model {self.cfg.model.name} ...", file=sys.stderr)
            self.model = load_model(self.cfg.model)
        return self.model


def _jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)


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


def _compute(cell: Cell, cfg: StudyConfig, lazy: LazyModel) -> CellResult:
    model = lazy.get(cell.condition)
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
                     lazy: LazyModel) -> Finished:
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
