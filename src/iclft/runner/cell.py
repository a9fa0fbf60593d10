"""The cell cache: one (dataset, condition) result stored under a hash of what produced it.

A cell's key is the sha256 of a JSON document (`key_parts`) that names, and only names, its inputs:

    {"iclft": "0.1.0", "torch": ..., "transformers": ...,      # the code that computed it
     "model": {"name", "path", "gguf_file", "files": [[name, size, mtime_ns], ...], "device", "dtype",
               "trust_remote_code"},                               # the weights, as found on disk
     "dataset": {"name", "sha256", "limit"},                       # the generated content, not its recipe
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
from pathlib import Path

from iclft import __version__
from iclft.conditions import ConditionResult
from iclft.config import StudyConfig
from iclft.cache import read_entry, write_entry
from iclft.data.schema import Dataset

ENTRY_VERSION = 1
_KEYED_SECTIONS = ("icl", "finetune", "augment", "scoring")
_UNKEYED_AUGMENT = ("cache_dir", "use_cache")


# What a condition produced on one dataset with the model facts the summary reports: one type from
# the condition to the cache and the run folder.
CellResult = ConditionResult


def _sha256(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def dataset_hash(ds: Dataset) -> str:
    """The hash of everything generated: documents, test items and meta (generator, version, params)."""
    return _sha256(dataclasses.asdict(ds))


def key_parts(cfg: StudyConfig, model: dict, ds: Dataset, ds_hash: str, limit: int, condition: str) -> dict:
    from importlib.metadata import version

    from iclft.models.generation import DECODER

    config = {"seed": cfg.seed, **{s: dataclasses.asdict(getattr(cfg, s)) for s in _KEYED_SECTIONS}}
    for k in _UNKEYED_AUGMENT:
        config["augment"].pop(k, None)
    return {"iclft": __version__, "torch": version("torch"), "transformers": version("transformers"),
            "model": model, "dataset": {"name": ds.name, "sha256": ds_hash, "limit": limit},
            "condition": condition, "config": config, "decoder": DECODER}


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
