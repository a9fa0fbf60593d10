"""The corpus `iclft augment` reads: documents with ids, from four kinds of input.

    FOLDER of .txt / .md files   one document a file (every file below FOLDER), its id the path
                                 relative to FOLDER; sorted by id
    FILE.jsonl                   one document a line: {"text": ..., "id": ...}; the id is optional
                                 (default: the line number); `text_column` names the text field
    iclft dataset FOLDER         its train.jsonl (a folder holding one); where meta.json names the
                                 generator, its symbolic checker also judges the augmentations
    Hugging Face dataset FOLDER  saved with `save_to_disk` (a Dataset, or a DatasetDict: its train
                                 split, or its only one); `text_column`, ids from an "id" column
                                 where there is one, else the row number

Blank documents are left out (counted); no document at all, a missing path, a line that is not a
JSON object with the text field, or an id given twice is one IclftError naming where.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from iclft import IclftError
from iclft.data.schema import Dataset, Document, load_dataset, read_utf8
from iclft.data.userdata import jsonl_records

KINDS = "a folder of .txt/.md files, a .jsonl file, an iclft dataset folder or a saved Hugging Face dataset"


@dataclass(frozen=True)
class Corpus:
    path: str
    kind: str  # "text files", "jsonl", "iclft dataset" or "hf dataset"
    documents: list[Document]
    dataset: Dataset | None = None  # a generated iclft dataset, whose checker can judge statements
    blank: int = 0  # blank documents left out


def _text_files(folder: Path) -> list[tuple[str, str]]:
    files = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*")
                   if p.is_file() and p.suffix in (".txt", ".md"))
    return [(name, read_utf8(p, "corpus file")) for name, p in files]


def _jsonl(path: Path, column: str) -> list[tuple[str, str]]:
    out = []
    for line, record in jsonl_records(path, read_utf8(path, "corpus file")):
        if not isinstance(record.get(column), str):
            raise IclftError(f"{path}:{line.number}: a line must be a JSON object with a string field {column!r}")
        out.append((str(record["id"]) if "id" in record else str(line.number), record[column]))
    return out


def _hf(folder: Path, column: str) -> list[tuple[str, str]]:
    try:
        import datasets
    except ImportError:
        raise IclftError("reading a Hugging Face dataset needs the datasets library: pip install datasets") from None
    data = datasets.load_from_disk(str(folder))
    if isinstance(data, datasets.DatasetDict):
        if "train" not in data and len(data) != 1:
            raise IclftError(f"{folder}: a DatasetDict with splits {', '.join(data)} and none named train")
        data = data["train"] if "train" in data else next(iter(data.values()))
    if column not in data.column_names:
        raise IclftError(f"{folder}: no column {column!r} (--text-column); its columns: {', '.join(data.column_names)}")
    ids = data["id"] if "id" in data.column_names else range(len(data))
    return [(str(i), t if isinstance(t, str) else "") for i, t in zip(ids, data[column])]


def _generated(folder: Path) -> Dataset | None:
    """The dataset in `folder` where a generator wrote it (meta.json names one, test.jsonl is there)."""
    meta = folder / "meta.json"
    if not meta.is_file() or not (folder / "test.jsonl").is_file():
        return None
    try:
        generator = json.loads(read_utf8(meta, "dataset file")).get("generator")
    except (json.JSONDecodeError, AttributeError):
        return None
    return load_dataset(folder) if generator else None


def read_corpus(path: str, text_column: str = "text") -> Corpus:
    p = Path(path).expanduser()
    dataset = None
    if p.is_file() and p.suffix == ".jsonl":
        kind, rows = "jsonl", _jsonl(p, text_column)
    elif p.is_dir() and (p / "train.jsonl").is_file():
        kind, rows, dataset = "iclft dataset", _jsonl(p / "train.jsonl", "text"), _generated(p)
    elif p.is_dir() and ((p / "dataset_dict.json").is_file() or (p / "state.json").is_file()):
        kind, rows = "hf dataset", _hf(p, text_column)
    elif p.is_dir():
        kind, rows = "text files", _text_files(p)
    elif p.exists():
        raise IclftError(f"{path}: not a corpus: give {KINDS}")
    else:
        raise IclftError(f"{path}: corpus not found (give {KINDS})")
    docs = [Document(i, t.strip()) for i, t in rows if t.strip()]
    if not docs:
        raise IclftError(f"{path}: no documents in this corpus ({kind}; blank ones are left out)")
    ids = [d.id for d in docs]
    twice = next((i for k, i in enumerate(ids) if i in ids[:k]), None) if len(set(ids)) < len(ids) else None
    if twice is not None:
        raise IclftError(f"{path}: the document id {twice!r} is given twice")
    return Corpus(str(p), kind, docs, dataset, len(rows) - len(docs))
