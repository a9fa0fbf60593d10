"""The journal of an `iclft augment` run: what lets a run stopped at any point (kill -9 included)
continue where it stopped, with nothing lost or written twice.

    FOLDER/progress.jsonl   {"journal": 1, "key", "settings"}       the settings the records depend on
                            {"start", "end", "samples", "judgments", "cost"}   one line a chunk of inputs

Each line is appended whole, flushed and synced to disk (os.fsync) before the next chunk starts. On
reading, a last line cut short (a kill while it was written) is cut off the file; chunks must
follow one another from input 0. A journal of other settings (another key) is refused, naming the
settings that differ.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from iclft import IclftError
from iclft.data.schema import atomic_write_text

JOURNAL = "progress.jsonl"
JOURNAL_FORMAT = 1


class Journal:
    """An append-only JSONL file: a header line, then one line a chunk, each synced to disk."""

    def __init__(self, path: Path):
        self.path = path
        self._file = None

    def read(self) -> list[dict]:
        """The complete lines; a last line cut short (the run was killed while writing it) is cut off
        the file, so the next line appended starts clean."""
        if not self.path.is_file():
            return []
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            os.truncate(self.path, end)
        try:
            return [json.loads(line) for line in data[:end].decode("utf-8").splitlines()]
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise IclftError(f"{self.path}: a damaged journal (a line is not JSON); remove it to start over") from None

    def append(self, line: dict) -> None:
        if self._file is None:
            self._file = open(self.path, "a", encoding="utf-8")
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def open_journal(out: Path, settings: dict) -> tuple[Journal, list[dict]]:
    """The journal and the chunk lines it holds for these settings; other settings are refused."""
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    journal = Journal(out / JOURNAL)
    lines = journal.read()
    if not lines:
        if out.is_dir() and any(p.name != JOURNAL for p in out.iterdir()):
            raise IclftError(f"{out}: not empty and holds no augment journal ({JOURNAL}); give a new or empty --out")
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(journal.path, "")
        journal.append({"journal": JOURNAL_FORMAT, "key": key, "settings": settings})
        return journal, []
    head, chunks = lines[0], lines[1:]
    if head.get("journal") != JOURNAL_FORMAT or head.get("key") != key:
        old = head.get("settings") or {}
        differ = [k for k in sorted(set(old) | set(settings)) if old.get(k) != settings.get(k)] or ["format"]
        raise IclftError(f"{journal.path} was written with other settings (they differ in: {', '.join(differ)}); "
                         f"give another --out, or remove the folder to start over")
    at = 0
    for n, c in enumerate(chunks, 2):
        if c.get("start") != at or len(c.get("samples", ())) != c.get("end", -1) - at:
            raise IclftError(f"{journal.path}:{n}: a damaged journal (inputs {c.get('start')}-{c.get('end')} "
                             f"after {at}); remove it to start over")
        at = c["end"]
    return journal, chunks
