"""Content-hash caches: one JSON entry per key (the SHA-256 of what produced it), written to a
temporary file and renamed into place, so a reader sees a whole entry or none; an entry that cannot
be read, or names another key, is a miss (with a warning), never trusted. The cell cache
(iclft.runner.cell) and the augmentation cache (iclft.augment.store) keep their entries this way."""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def read_entry(path: Path, key: str, build: Callable[[dict], T], what: str) -> T | None:
    """`build(entry)` for the entry at `path` if it is whole and holds `key`; else None (a cache
    that cannot be looked at, such as a path too long, is a miss with a warning)."""
    try:
        if not path.is_file():
            return None
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry.get("key") != key:
            raise ValueError("it holds another key")
        return build(entry)
    except (OSError, ValueError, KeyError, TypeError) as e:  # ValueError: not JSON, not UTF-8, mismatch
        log.warning("%s %s unreadable (%s): computing it again", what, path, e)
        return None


def write_entry(path: Path, entry: dict) -> None:
    """The entry (with its "key"), written whole or not at all: a write that fails (a full disk)
    removes its temporary file."""
    text = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; a cache is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
