"""The data model: training documents, multiple-choice test items, and a dataset on disk.

A dataset is a folder holding three files:
    train.jsonl   one Document a line
    test.jsonl    one TestItem a line
    meta.json     generator, version, seed, parameters, sizes
and, for a dataset with oracle statements of its own (an imported one), oracle.jsonl. A folder
written by hand or imported is read by iclft.data.userdata (docs/data-format.md).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from iclft import IclftError


@dataclass(frozen=True)
class Document:
    """One training document, as the model reads it in context or is finetuned on."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TestItem:
    """A multiple-choice question scored by likelihood; the choices are never shown in the prompt.

    `answer` is the canonical correct choice. `valid` lists every choice that counts as correct
    (more than one only where the dataset says so, e.g. syllogisms with mirror-image conclusions).
    """

    __test__ = False  # not a pytest class

    id: str
    split: str
    prompt: str
    choices: tuple[str, ...]
    answer: int
    valid: tuple[int, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "valid", tuple(self.valid) or (self.answer,))
        if not 0 <= self.answer < len(self.choices) or self.answer not in self.valid:
            raise IclftError(f"test item {self.id}: answer index {self.answer} is not a valid choice")

    @property
    def chance(self) -> float:
        return len(self.valid) / len(self.choices)

    def render(self) -> str:
        """The item as a person reads it: prompt, then each choice marked correct (*) or not."""
        lines = [f"[{self.split}] {self.id}", f"  {self.prompt} ..."]
        for i, choice in enumerate(self.choices):
            mark = "*" if i in self.valid else " "
            lines.append(f"  {mark} {choice}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Dataset:
    name: str
    train: tuple[Document, ...]
    test: tuple[TestItem, ...]
    meta: dict[str, Any]

    def splits(self) -> dict[str, list[TestItem]]:
        out: dict[str, list[TestItem]] = {}
        for item in self.test:
            out.setdefault(item.split, []).append(item)
        return out

    def sizes(self) -> dict[str, Any]:
        return {"train": len(self.train), "test": {s: len(v) for s, v in self.splits().items()}}


def _dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def read_utf8(path: str | Path, what: str = "file") -> str:
    """The text of `path`; a file that cannot be read or is not UTF-8 is one IclftError naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise IclftError(f"{path}: not UTF-8 text (byte {e.start}); a {what} is a UTF-8 file") from None
    except OSError as e:
        raise IclftError(f"{path}: cannot read the {what} ({e.strerror})") from None


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that a reader sees either the old content or the whole new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes files private; results are meant to be shared
    os.replace(tmp, path)


def save_dataset(ds: Dataset, folder: str | Path) -> Path:
    folder = Path(folder)
    atomic_write_text(folder / "train.jsonl", "".join(_dumps(asdict(d)) + "\n" for d in ds.train))
    test_records = [{**asdict(t), "choices": list(t.choices), "valid": list(t.valid)} for t in ds.test]
    atomic_write_text(folder / "test.jsonl", "".join(_dumps(r) + "\n" for r in test_records))
    meta = {**ds.meta, "name": ds.name, "sizes": ds.sizes()}
    if "oracle" in meta:  # a user dataset's oracle statements (iclft.data.userdata): a file of their own
        oracle = meta.pop("oracle")
        atomic_write_text(folder / "oracle.jsonl", "".join(_dumps({"text": t}) + "\n" for t in oracle))
    atomic_write_text(folder / "meta.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return folder


def _read_jsonl(path: Path, cls):
    if not path.is_file():
        raise IclftError(f"{path}: file not found")
    out = []
    for lineno, line in enumerate(read_utf8(path, "dataset file").split("\n"), 1):
        if not line.strip():
            continue
        try:
            out.append(cls(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as e:
            raise IclftError(f"{path}:{lineno}: not a valid {cls.__name__} record ({e})") from None
    return tuple(out)


def load_dataset(folder: str | Path) -> Dataset:
    folder = Path(folder)
    if not folder.is_dir():
        raise IclftError(f"{folder}: dataset folder not found")
    if not (folder / "meta.json").is_file():
        raise IclftError(f"{folder}/meta.json: file not found")
    try:
        meta = json.loads(read_utf8(folder / "meta.json", "dataset file"))
    except json.JSONDecodeError as e:
        raise IclftError(f"{folder}/meta.json: malformed JSON ({e})") from None
    if not isinstance(meta, dict):
        raise IclftError(f"{folder}/meta.json: must be a JSON object (name, generator, params, ...), "
                         f"got a {type(meta).__name__}")
    ds = Dataset(
        name=meta.get("name", folder.name),
        train=_read_jsonl(folder / "train.jsonl", Document),
        test=_read_jsonl(folder / "test.jsonl", TestItem),
        meta=meta,
    )
    if "sizes" in meta and meta["sizes"] != ds.sizes():
        raise IclftError(f"{folder}: sizes in meta.json {meta['sizes']} do not match the files {ds.sizes()}")
    return ds
