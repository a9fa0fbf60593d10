"""Importers: a dataset folder (docs/data-format.md) from documents and questions kept in other forms.

    iclft data import jsonl --documents DOCS --questions Q.jsonl|Q.csv --out FOLDER
    iclft data import lm-eval TASK.yaml [TASK.yaml ...] --documents DOCS --out FOLDER
    iclft data import hf PATH --documents DOCS --out FOLDER [--map prompt=COL,choices=COL,answer=COL]

DOCS is a JSONL file with a `text` field (optional `id`, default doc-N; other fields go to the
document's meta) or a folder of .txt and .md files, one document each, named by their path in the
folder, in sorted order. A question row gives:

    prompt    (or `question`) the text each choice continues
    choices   a list; in a CSV a JSON list in one column, or one column per choice: choice_1 ...
              choice_K, or A, B, C, ... (trailing empty cells dropped)
    answer    an index (0 is the first choice), a letter (A is the first), or a choice's text
    valid     optional: a list of such answers, every one that counts as correct
    split     optional, default `test`;  id  optional, default q-N;  meta  optional, an object
Other columns are kept in the item's meta. `fields` maps these names to others (prompt=question_text).

Each importer writes train.jsonl, test.jsonl, meta.json (name, description, `source`: the importer
and the SHA-256 of every file it read, and sizes) and, given oracle statements, oracle.jsonl; the
folder is then read back through iclft.data.userdata, so an import that succeeds loads.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from iclft import IclftError
from iclft.data.schema import Dataset, Document, TestItem, save_dataset
from iclft.data.userdata import (Line, build, check_name, decode, jsonl_records, load_user_dataset, oracle_text,
                                 read_bytes, to_document, to_item)

FIELDS = ("id", "prompt", "choices", "answer", "valid", "split", "meta")
_DEFAULT_COLUMNS = {"prompt": ("prompt", "question")}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Sources:
    """The files an import read, each with its SHA-256, for meta.json's `source`."""

    def __init__(self, importer: str):
        self.importer, self.files = importer, []

    def text(self, path: Path, what: str = "file") -> str:
        data = read_bytes(path, what)
        self.add(path, hashlib.sha256(data).hexdigest())
        return decode(path, data)

    def add(self, path: Path, sha256: str | None = None) -> None:
        if any(f["path"] == str(path.resolve()) for f in self.files):  # a base YAML included twice
            return
        if sha256 is None:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            sha256 = digest.hexdigest()
        self.files.append({"path": str(path.resolve()), "sha256": sha256})


# ---- documents and oracle statements --------------------------------------------------------------

def read_documents(path: str | Path, sources: Sources) -> list[Document]:
    """DOCS: a JSONL file of {"text", "id"?, ...} or a folder of .txt/.md files (see the module)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix in (".txt", ".md")
                       and not any(part.startswith(".") for part in f.relative_to(path).parts))
        if not files:
            raise IclftError(f"{path}: no .txt or .md files (a documents folder holds one document a file)")
        records = [(Line(f, 1), {"id": f.relative_to(path).as_posix(), "text": sources.text(f, "document").strip()})
                   for f in files]
        return build(records, to_document)
    records = []
    for n, (where, row) in enumerate(jsonl_records(path, sources.text(path, "documents file")), 1):
        if "text" not in row:
            raise IclftError(f"{where.path}:{where.number}: field 'text' is missing")
        doc_id = row.get("id", f"doc-{n}")
        meta = {k: v for k, v in row.items() if k not in ("id", "text", "meta")}
        if "meta" in row and not isinstance(row["meta"], dict):
            raise where.fault("meta", f"must be a JSON object, got {type(row['meta']).__name__}")
        record = {"id": str(doc_id) if type(doc_id) is int else doc_id, "text": row["text"],
                  "meta": {**row.get("meta", {}), **meta}}
        records.append((where, record))
    return build(records, to_document)


def read_oracle(path: str | Path | None, sources: Sources) -> list[str] | None:
    if path is None:
        return None
    path = Path(path)
    return [oracle_text(r, where) for where, r in jsonl_records(path, sources.text(path, "oracle file"))]


# ---- question rows ----------------------------------------------------------------------------------

def parse_fields(pairs: list[str], option: str = "--field") -> dict[str, str]:
    """["prompt=question_text", "answer=label,split=kind"] -> {"prompt": "question_text", ...}."""
    out = {}
    for pair in (p for text in pairs for p in text.split(",") if p.strip()):
        key, _, column = pair.partition("=")
        key, column = key.strip(), column.strip()
        if key not in FIELDS or not column:
            raise IclftError(f"{option} {pair!r}: give FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}")
        out[key] = column
    return out


def _column(row: dict, field: str, columns: dict[str, str]) -> str | None:
    """The row's column holding `field`: the mapped one, else the field's own name (or an alias)."""
    if field in columns:
        return columns[field]
    return next((c for c in _DEFAULT_COLUMNS.get(field, (field,)) if c in row), None)


def _cell(row: dict, column: str | None) -> Any:
    """A cell's value; an empty CSV cell counts as absent."""
    value = row.get(column) if column is not None else None
    return None if value == "" else value


def _json_cell(value: Any, field: str, where: Line, kind: type) -> Any:
    """A list or object given as JSON text in a CSV cell."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise where.fault(field, f"must be a JSON {kind.__name__} in a CSV cell, got {value!r}") from None
    if not isinstance(value, kind):
        raise where.fault(field, f"must be a {kind.__name__}, got {value!r}")
    return value


def _choices(row: dict, columns: dict[str, str], where: Line) -> tuple[list, list[str]]:
    """(choices, the columns they came from)."""
    column = _column(row, "choices", columns)
    if column is not None and column in row:
        value = _json_cell(row[column], "choices", where, list)
        return [str(c) if type(c) in (int, float) else c for c in value], [column]
    for names in ([f"choice_{k}" for k in range(1, 100)], list(_LETTERS)):
        used = names[:next((i for i, c in enumerate(names) if c not in row), len(names))]
        if len(used) >= 2:
            values = [str(row[c]) if type(row[c]) in (int, float) else row[c] for c in used]
            while values and values[-1] in ("", None):
                values.pop()
            return values, used
    raise IclftError(f"{where.path}:{where.number}: no choices: give a `choices` column (a list), or columns "
                     f"choice_1 ... choice_K or A, B, C, ... (or map one with choices=COLUMN)")


def choice_index(value: Any, choices: list, field: str, where: Line) -> Any:
    """An answer as an index: an index stays, a choice's text or a letter becomes one. What cannot
    be read is passed on as it is, for the loader to report."""
    if isinstance(value, str):
        text = value.strip()
        if text in choices:
            return choices.index(text)
        if text.isdigit():
            return int(text)
        if len(text) == 1 and text in _LETTERS:
            return _LETTERS.index(text)
        raise where.fault(field, f"{value!r} is neither a choice, an index nor a letter A-Z")
    return value


def question_record(row: dict, n: int, where: Line, columns: dict[str, str], split: str = "test") -> dict:
    """One row as a test.jsonl record (see the module for the fields and their forms)."""
    missing = [c for f, c in columns.items() if f in ("prompt", "choices", "answer") and c not in row]
    if missing:
        raise IclftError(f"{where.path}:{where.number}: no column {missing[0]!r}; columns: {', '.join(row)}")
    prompt_col = _column(row, "prompt", columns)
    if prompt_col is None:
        raise IclftError(f"{where.path}:{where.number}: field 'prompt' is missing (a `prompt` or `question` column, "
                         f"or map one with prompt=COLUMN)")
    choices, used = _choices(row, columns, where)
    cols = {f: _column(row, f, columns) for f in FIELDS if f != "choices"}
    if _cell(row, cols["answer"]) is None:
        raise IclftError(f"{where.path}:{where.number}: field 'answer' is missing")
    record = {"id": _cell(row, cols["id"]) or f"q-{n}", "split": _cell(row, cols["split"]) or split,
              "prompt": row[prompt_col], "choices": choices,
              "answer": choice_index(row[cols["answer"]], choices, "answer", where)}
    if type(record["id"]) is int:
        record["id"] = str(record["id"])
    if _cell(row, cols["valid"]) is not None:
        valid = _json_cell(row[cols["valid"]], "valid", where, list)
        record["valid"] = [choice_index(v, choices, "valid", where) for v in valid]
    meta = _json_cell(row[cols["meta"]], "meta", where, dict) if _cell(row, cols["meta"]) is not None else {}
    taken = {*used, *(c for c in cols.values() if c is not None)}
    record["meta"] = {**{k: v for k, v in row.items() if k not in taken and v not in ("", None)}, **meta}
    return record


def read_question_rows(path: Path, sources: Sources) -> list[tuple[Line, dict]]:
    """A JSONL file's objects, or a CSV file's rows (by its header), each with its line."""
    text = sources.text(path, "questions file")
    return csv_rows(path, text) if path.suffix.lower() == ".csv" else jsonl_records(path, text)


def csv_rows(path: Path, text: str) -> list[tuple[Line, dict]]:
    """A CSV file's rows as {column: cell} by its header, each with its line (the last, for a row
    whose quoted cell spans several)."""
    reader = csv.DictReader(text.removeprefix("\ufeff").splitlines(keepends=True))
    out = []
    try:
        for row in reader:
            if None in row:
                raise IclftError(f"{path}:{reader.line_num}: more cells than the header has columns")
            out.append((Line(path, reader.line_num), row))
    except csv.Error as e:
        raise IclftError(f"{path}:{reader.line_num}: malformed CSV ({e})") from None
    return out


def items_from_rows(rows: list[tuple[Line, dict]], columns: dict[str, str], split: str = "test") -> list[TestItem]:
    records = [(where, question_record(row, n, where, columns, split)) for n, (where, row) in enumerate(rows, 1)]
    return build(records, to_item)


# ---- writing ----------------------------------------------------------------------------------------

def _same(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    return names == sorted(p.name for p in b.iterdir()) and all((a / n).read_bytes() == (b / n).read_bytes()
                                                                for n in names)


def write_dataset(ds: Dataset, out: str | Path) -> str:
    """Write `ds` to the new or empty folder `out` and read it back; returns "wrote", or "unchanged"
    where `out` already holds exactly these files. Any other non-empty folder is refused."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise IclftError(f"{out}: exists and is not a folder")
    check_name(ds.name, out, "give another with --name")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        save_dataset(ds, tmp)
        load_user_dataset(tmp, ds.name)
        if out.is_dir() and any(out.iterdir()):
            if not _same(Path(tmp), out):
                raise IclftError(f"{out}: not empty and holds other data; choose a new folder or delete it")
            return "unchanged"
        out.mkdir(exist_ok=True)
        for f in Path(tmp).iterdir():
            shutil.move(str(f), out / f.name)
    return "wrote"


class Imported(NamedTuple):
    dataset: Dataset
    status: str  # "wrote", or "unchanged": the folder held these files already


def make_dataset(name: str, description: str, docs: list[Document], items: list[TestItem], sources: Sources,
                 oracle: list[str] | None, **source: Any) -> Dataset:
    meta = {"description": description, "source": {"importer": sources.importer, **source, "files": sources.files}}
    if oracle is not None:
        meta["oracle"] = oracle
    return Dataset(name, tuple(docs), tuple(items), meta)


def import_jsonl(documents: str | Path, questions: str | Path, out: str | Path, name: str | None = None,
                 description: str = "", oracle: str | Path | None = None,
                 fields: dict[str, str] | None = None) -> Imported:
    """Documents and a JSONL or CSV file of questions (see the module) as a dataset folder at `out`."""
    sources = Sources("jsonl")
    docs = read_documents(documents, sources)
    items = items_from_rows(read_question_rows(Path(questions), sources), fields or {})
    ds = make_dataset(name or Path(out).name, description, docs, items, sources, read_oracle(oracle, sources))
    return Imported(ds, write_dataset(ds, out))


# ---- Hugging Face datasets ----------------------------------------------------------------------------

def parquet_rows(files: list[Path], split: str, sources: Sources) -> list[tuple[str, Line, dict]]:
    import pyarrow.parquet as pq

    out = []
    for f in files:
        sources.add(f)
        try:
            rows = pq.read_table(f).to_pylist()
        except (OSError, ValueError) as e:  # pyarrow's ArrowInvalid is a ValueError
            raise IclftError(f"{f}: not a readable parquet file ({str(e).splitlines()[0]})") from None
        out += [(split, Line(f, i), row) for i, row in enumerate(rows, 1)]
    return out


def _saved_rows(path: Path, split: str | None, columns: dict[str, str],
                sources: Sources) -> list[tuple[str, Line, dict]]:
    """The rows of a Dataset or DatasetDict saved with save_to_disk: `split` of a DatasetDict, else
    every split that has a prompt column (so an iclft export's `train`, its documents, is passed by)."""
    try:
        import datasets
    except ImportError:
        raise IclftError("import from 'hf' needs the datasets library: pip install datasets") from None
    try:
        loaded = datasets.load_from_disk(str(path))
    except (OSError, ValueError) as e:  # FileNotFoundError is an OSError
        raise IclftError(f"{path}: not a dataset saved with save_to_disk, nor parquet ({e})") from None
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        sources.add(f)
    if not isinstance(loaded, datasets.DatasetDict):
        return [(split or "test", Line(path, i), row) for i, row in enumerate(loaded.to_list(), 1)]
    if split is not None and split not in loaded:
        raise IclftError(f"{path}: no split {split!r}; splits: {', '.join(loaded)}")
    def has_prompt(n: str) -> bool:
        return _column(dict.fromkeys(loaded[n].column_names), "prompt", columns) in loaded[n].column_names

    names = [split] if split is not None else [n for n in loaded if has_prompt(n)]
    if not names:
        raise IclftError(f"{path}: no split has a prompt column (prompt or question; or map one with prompt=COLUMN)")
    return [(re.sub(r"[^A-Za-z0-9_-]+", "_", n), Line(f"{path}[{n}]", i), row)
            for n in names for i, row in enumerate(loaded[n].to_list(), 1)]


def import_hf(path: str | Path, documents: str | Path, out: str | Path, name: str | None = None,
              description: str = "", oracle: str | Path | None = None, columns: dict[str, str] | None = None,
              split: str | None = None) -> Imported:
    """A Hugging Face dataset saved with save_to_disk, or a parquet file or folder of them, as a
    dataset folder at `out`. Its test split: the mapped `split` column, else the DatasetDict's split
    name, else `split`, else test."""
    path, columns = Path(path), columns or {}
    if not path.exists():
        raise IclftError(f"{path}: not found")
    sources = Sources("hf")
    docs = read_documents(documents, sources)
    parquet = [path] if path.suffix == ".parquet" else sorted(path.glob("*.parquet")) if path.is_dir() else []
    if parquet:
        rows = parquet_rows(parquet, split or "test", sources)
    else:
        rows = _saved_rows(path, split, columns, sources)
    records = [(where, question_record(row, n, where, columns, default))
               for n, (default, where, row) in enumerate(rows, 1)]
    ds = make_dataset(name or Path(out).name, description, docs, build(records, to_item), sources,
                      read_oracle(oracle, sources))
    return Imported(ds, write_dataset(ds, out))
