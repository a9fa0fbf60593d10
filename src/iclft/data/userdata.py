"""A dataset folder written by hand or by `iclft data import` (docs/data-format.md), loaded with every
fault reported as one line naming the file, the line and the field:

    data/town/train.jsonl:7: field 'text': must be a non-empty string, got 42
    data/town/test.jsonl:12: field 'answer': 4 is not an index of the 4 choices (0-3)

    FOLDER/train.jsonl    {"id", "text", "meta"?} a line: the documents
    FOLDER/test.jsonl     {"id", "split", "prompt", "choices", "answer", "valid"?, "meta"?} a line
    FOLDER/meta.json      optional: {"name"?, "description"?, ...}
    FOLDER/oracle.jsonl   optional: {"text"} a line, true consequences of the documents
                          (the statements finetune_aug_oracle adds)

The loaded dataset's meta is meta.json's, with `path` (the folder, resolved), `sha256` (of each file
read) and `oracle` (the statements, when oracle.jsonl is there) set by the loader. A folder that a
generator wrote (meta.json names it) loads too, and keeps its generator's checker and oracle.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from iclft import IclftError
from iclft.data.schema import Dataset, Document, TestItem

MAX_FILE_BYTES = 1 << 30  # a file above this size is refused before it is read
SPLIT_NAME = re.compile(r"[A-Za-z0-9_-]+")  # splits name files (items/, lm-eval tasks)
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # names the run folder's data/NAME and cells
FILES = ("train.jsonl", "test.jsonl", "meta.json", "oracle.jsonl")
LOADER_KEYS = ("path", "sha256", "oracle", "sizes")  # meta keys the loader sets (sizes: save_dataset)

_DOCUMENT = {"id": True, "text": True, "meta": False}  # field -> required
_ITEM = {"id": True, "split": True, "prompt": True, "choices": True, "answer": True, "valid": False, "meta": False}
_ORACLE = {"text": True}


class Line(NamedTuple):
    """Where a record was read: its file and line, for the error message."""

    path: Path | str  # a file, or a split of a saved dataset ("saved[test]")
    number: int

    def fault(self, field: str, problem: str) -> IclftError:
        return IclftError(f"{self.path}:{self.number}: field {field!r}: {problem}")


def read_bytes(path: Path, what: str = "dataset file") -> bytes:
    """The bytes of `path`: a missing file, or one above MAX_FILE_BYTES (checked before reading), is
    one IclftError."""
    if not path.is_file():
        raise IclftError(f"{path}: file not found")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise IclftError(f"{path}: {size:,} bytes, more than the largest {what} accepted ({MAX_FILE_BYTES:,} bytes)")
    try:
        return path.read_bytes()
    except OSError as e:
        raise IclftError(f"{path}: cannot read the {what} ({e.strerror})") from None


def decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise IclftError(f"{path}:{line}: not UTF-8 text (byte {e.start}); save the file as UTF-8") from None


def jsonl_records(path: Path, text: str) -> list[tuple[Line, dict]]:
    """Each non-blank line's JSON object, with where it was read; anything else is one error line."""
    out = []
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as e:
            raise IclftError(f"{path}:{number}: malformed JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(record, dict):
            raise IclftError(f"{path}:{number}: a line must be a JSON object, got {type(record).__name__}")
        out.append((Line(path, number), record))
    return out


def _fields(record: dict, where: Line, known: dict[str, bool]) -> None:
    for key in record:
        if key not in known:
            raise IclftError(f"{where.path}:{where.number}: unknown field {key!r}; known: {', '.join(known)} "
                             f"(keep other data in meta)")
    for key, required in known.items():
        if required and key not in record:
            raise IclftError(f"{where.path}:{where.number}: field {key!r} is missing")


def _text(record: dict, key: str, where: Line) -> str:
    value = record[key]
    if not isinstance(value, str) or not value.strip():
        raise where.fault(key, f"must be a non-empty string, got {value!r}")
    return value


def _meta(record: dict, where: Line) -> dict[str, Any]:
    value = record.get("meta", {})
    if not isinstance(value, dict):
        raise where.fault("meta", f"must be a JSON object, got {type(value).__name__}")
    return value


def _index(value: Any, n: int, key: str, where: Line) -> int:
    if type(value) is not int:
        raise where.fault(key, f"must be an integer index into choices (0 is the first), got {value!r}")
    if not 0 <= value < n:
        raise where.fault(key, f"{value} is not an index of the {n} choices (0-{n - 1})")
    return value


def _choices(record: dict, where: Line) -> tuple[str, ...]:
    value = record["choices"]
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise where.fault("choices", f"must be a list of strings, got {value!r}")
    if any(not c.strip() for c in value):
        raise where.fault("choices", f"a choice is empty: {value!r}")
    if len(set(value)) < 2:
        raise where.fault("choices", f"needs at least 2 distinct choices, got {value!r}")
    twice = [c for i, c in enumerate(value) if c in value[:i]]
    if twice:
        raise where.fault("choices", f"{twice[0]!r} is given twice; choices must be distinct")
    return tuple(value)


def to_document(record: dict, where: Line) -> Document:
    _fields(record, where, _DOCUMENT)
    if not isinstance(record["id"], str) or not record["id"]:
        raise where.fault("id", f"must be a non-empty string, got {record['id']!r}")
    return Document(record["id"], _text(record, "text", where), _meta(record, where))


def to_item(record: dict, where: Line) -> TestItem:
    _fields(record, where, _ITEM)
    if not isinstance(record["id"], str) or not record["id"]:
        raise where.fault("id", f"must be a non-empty string, got {record['id']!r}")
    split = record["split"]
    if not isinstance(split, str) or not SPLIT_NAME.fullmatch(split):
        raise where.fault("split", f"must be letters, digits, _ or - (it names files), got {split!r}")
    prompt = _text(record, "prompt", where)
    choices = _choices(record, where)
    answer = _index(record["answer"], len(choices), "answer", where)
    valid = record.get("valid", [answer])
    if not isinstance(valid, list) or not valid:
        raise where.fault("valid", f"must be a non-empty list of indices into choices, got {valid!r}")
    valid = [_index(v, len(choices), "valid", where) for v in valid]
    if len(set(valid)) < len(valid):
        raise where.fault("valid", f"lists an index twice: {valid}")
    if answer not in valid:
        raise where.fault("valid", f"{valid} does not include the answer, {answer}")
    return TestItem(record["id"], split, prompt, choices, answer, tuple(valid), _meta(record, where))


def oracle_text(record: dict, where: Line) -> str:
    _fields(record, where, _ORACLE)
    return _text(record, "text", where)


def build(records: list[tuple[Line, dict]], make) -> list:
    """Each record made into a Document or TestItem by `make`, in file order; an id seen before is a
    fault of the line that repeats it."""
    out, first = [], {}
    for where, record in records:
        out.append(make(record, where))
        if out[-1].id in first:
            raise where.fault("id", f"{out[-1].id!r} is used twice (first on line {first[out[-1].id]}); "
                                    f"ids must be distinct{' across splits' if make is to_item else ''}")
        first[out[-1].id] = where.number
    return out


def read_meta(folder: Path) -> dict[str, Any]:
    """meta.json's object, or {} when the folder has none."""
    path = folder / "meta.json"
    if not path.is_file():
        return {}
    try:
        meta = json.loads(decode(path, read_bytes(path)))
    except json.JSONDecodeError as e:
        raise IclftError(f"{path}:{e.lineno}: malformed JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(meta, dict):
        raise IclftError(f"{path}: must be a JSON object (name, description, ...), got {type(meta).__name__}")
    for key in ("name", "description", "generator"):
        if key in meta and not isinstance(meta[key], str):
            raise IclftError(f"{path}: field {key!r}: must be a string, got {meta[key]!r}")
    return meta


def dataset_name(folder: str | Path) -> str:
    """The name a dataset folder goes by: meta.json's `name`, else the folder's own name."""
    folder = Path(folder)
    return read_meta(folder).get("name") or folder.resolve().name


def check_name(name: str, folder: Path, how: str = "set another in meta.json or in the config entry's `name`") -> str:
    if not DATASET_NAME.fullmatch(name):
        raise IclftError(f"{folder}: dataset name {name!r} must be letters, digits, _, . or - (it names files); "
                         f"{how}")
    return name


def has_oracle(folder: str | Path) -> bool:
    """Whether finetune_aug_oracle can run on the folder: it has oracle.jsonl, or a generator with
    oracle statements wrote it."""
    folder = Path(folder)
    if (folder / "oracle.jsonl").is_file():
        return True
    from iclft.data import GENERATORS, statements_module

    generator = read_meta(folder).get("generator")
    return generator in GENERATORS and hasattr(statements_module(generator), "oracle_statements")


class _Read(NamedTuple):
    records: list[tuple[Line, dict]]
    sha256: str


def _read_jsonl(path: Path) -> _Read:
    data = read_bytes(path)
    return _Read(jsonl_records(path, decode(path, data)), hashlib.sha256(data).hexdigest())


def load_user_dataset(folder: str | Path, name: str | None = None) -> Dataset:
    """The dataset in `folder` (docs/data-format.md), named `name`, else by dataset_name(folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise IclftError(f"{folder}: dataset folder not found")
    meta = read_meta(folder)
    name = check_name(name or dataset_name(folder), folder)
    train, test = _read_jsonl(folder / "train.jsonl"), _read_jsonl(folder / "test.jsonl")
    docs, items = build(train.records, to_document), build(test.records, to_item)
    if not docs:
        raise IclftError(f"{folder / 'train.jsonl'}: no documents")
    if not items:
        raise IclftError(f"{folder / 'test.jsonl'}: no test items")
    sha = {"train.jsonl": train.sha256, "test.jsonl": test.sha256}
    if (folder / "meta.json").is_file():
        sha["meta.json"] = hashlib.sha256((folder / "meta.json").read_bytes()).hexdigest()
    meta = {k: v for k, v in meta.items() if k not in LOADER_KEYS}
    if (folder / "oracle.jsonl").is_file():
        oracle = _read_jsonl(folder / "oracle.jsonl")
        sha["oracle.jsonl"] = oracle.sha256
        meta["oracle"] = [oracle_text(r, where) for where, r in oracle.records]
    meta.update(name=name, path=str(folder.resolve()), sha256=sha)
    return Dataset(name, tuple(docs), tuple(items), meta)
