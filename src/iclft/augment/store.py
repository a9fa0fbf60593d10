"""Augmentations as data: a content-hash cache of generations, and the JSONL written to a run.

The cache key is the SHA-256 of everything the outputs depend on: prompt text and version, the
writing model's identity, sampling parameters, seed, the shared prefix and every per-item prompt.
Same key, same outputs: a second run reads the file instead of generating. Files are written to a
temporary name and renamed into place (iclft.cache), so a crash never leaves a half-written
cache entry that a later run would trust.

    CACHE_DIR/local_v1-3f9a0c...json   {"key", "provenance", "cost", "samples": [[{text, n_tokens, finished}]]}
    RUN_DIR/augment/DATASET__CONDITION.jsonl   one line per generated output (see `records`)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from iclft.cache import read_entry, write_entry
from iclft.models.generation import Sample

CACHE_FORMAT = 1


def content_key(fields: dict) -> str:
    canonical = json.dumps({"cache_format": CACHE_FORMAT, **fields}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cache_file(cache_dir: str, prompt_name: str, key: str) -> Path:
    return Path(cache_dir).expanduser() / f"{prompt_name}-{key}.json"


def read_cache(path: Path, key: str) -> tuple[list[list[Sample]], dict] | None:
    """The cached samples and their generation cost, or None when absent or unreadable."""
    return read_entry(path, key, lambda e: ([[Sample(**s) for s in row] for row in e["samples"]], e.get("cost", {})),
                      "augmentation cache entry")


def write_cache(path: Path, key: str, provenance: dict, cost: dict, samples: list[list[Sample]]) -> None:
    write_entry(path, {"key": key, "provenance": provenance, "cost": cost,
                       "samples": [[asdict(s) for s in row] for row in samples]})


def records_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
