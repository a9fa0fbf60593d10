"""`iclft data import lm-eval`: the test items of lm-evaluation-harness multiple-choice tasks, read
from their YAML and data files without lm-eval, and never running a task's Python code.

    # arc_town.yaml                               # _town_template_yaml
    include: _town_template_yaml                  output_type: multiple_choice
    task: town_recall                             dataset_path: json
    task_alias: recall                            test_split: test
    dataset_kwargs:                               doc_to_text: "{{question}}"
      data_files: {test: recall.jsonl}            doc_to_choice: choices
                                                  doc_to_target: answer

What is read, as lm-eval reads it:
  include          a base YAML (or a list), relative to the task's folder; the task's keys win
  dataset_path     json (JSON lines, or one JSON list), csv or parquet, with dataset_kwargs.data_files
                   (a file, a list, or a dict by split; relative to the YAML's folder); the split
                   is test_split, else validation_split
  custom_dataset   only `!function iclft_data.load`, the loader iclft's export writes: its data_files
                   are read directly
  doc_to_text      a column, or a Jinja template (rendered in a sandbox); `description` is put before it
  doc_to_choice    a column, a template giving a Python list, or a literal list
  doc_to_target    a column, a template or a literal: an index, a choice's text, or a list of indices
                   (several valid, as iclft's export writes: the canonical answer is then the row's
                   `answer` where it is one of them, else the first)
  target_delimiter iclft scores each choice after one space: " " (the default) is kept; a delimiter
                   ending in a space gives the rest to the prompt ("Answer:" + ": " -> "Answer::" + " ");
                   any other is refused
A `!function` tag names Python code, which iclft never runs: in a key that shapes the items it is
refused (one line naming the key); metric and filter settings are not read. Few-shot settings are
not read either: every iclft condition asks its questions zero-shot.

The split of a task's items: --split, else for a task iclft exported the split it came from, else
its task_alias, else its task name (letters, digits, _ and - kept, anything else made _). Item ids:
the rows' `id`, else SPLIT-N.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from iclft import IclftError
from iclft.data.importers import (Imported, Sources, csv_rows, make_dataset, parquet_rows, read_documents,
                                  read_oracle, write_dataset)
from iclft.data.userdata import Line, build, jsonl_records, to_item

ITEM_KEYS = ("include", "output_type", "dataset_path", "dataset_name", "dataset_kwargs", "custom_dataset",
             "test_split", "validation_split", "process_docs", "doc_to_text", "doc_to_choice", "doc_to_target",
             "description", "target_delimiter", "task", "task_alias")
OWN_LOADER = "iclft_data.load"  # iclft.data.export.LM_EVAL_LOADER's load()


class Tagged(NamedTuple):
    """A YAML value with a tag (`!function utils.process_docs`), kept as text, never resolved."""

    tag: str
    value: Any


class _TaskLoader(yaml.SafeLoader):
    pass


def _tagged(loader, suffix, node):
    value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None
    return Tagged(node.tag, value)


_TaskLoader.add_multi_constructor("!", _tagged)
_TaskLoader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


def _read_yaml(path: Path, sources: Sources, seen: tuple[Path, ...] = ()) -> dict:
    """The task's config with its includes merged in (theirs first, its own keys win)."""
    if path.resolve() in seen:
        raise IclftError(f"{path}: includes itself (through {', '.join(p.name for p in seen)})")
    try:
        config = yaml.load(sources.text(path, "task file"), Loader=_TaskLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise IclftError(f"{where}: malformed YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(config, dict):
        raise IclftError(f"{path}: a task file must be a YAML mapping")
    includes = config.pop("include", None)
    includes = [includes] if isinstance(includes, str) else includes or []
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise IclftError(f"{path}: include must name a YAML file (or a list of them), got {includes!r}")
    merged: dict = {}
    for name in includes:
        merged.update(_read_yaml(path.parent / name, sources, (*seen, path.resolve())))
    return {**merged, **config, "_folder": path.parent}


def _refuse_code(config: dict, path: Path) -> None:
    """A tag (Python code) in a key that shapes the items is one line; iclft's own loader passes."""
    for key in ITEM_KEYS:
        value = config.get(key)
        if key == "custom_dataset" and value == Tagged("!function", OWN_LOADER):
            continue
        found = [value] if isinstance(value, Tagged) else \
            [v for v in value.values() if isinstance(v, Tagged)] if isinstance(value, dict) else []
        if found:
            raise IclftError(f"{path}: {key}: {found[0].tag} {found[0].value} names Python code, which iclft never "
                             f"runs (it reads the data files as they are, and doc_to_* as a column, a template "
                             f"or a literal)")


# ---- the rows -------------------------------------------------------------------------------------------

def _data_files(config: dict, path: Path) -> list[Path]:
    kind, custom = config.get("dataset_path"), config.get("custom_dataset")
    if custom is None and kind not in ("json", "csv", "parquet"):
        raise IclftError(f"{path}: dataset_path {kind!r}: iclft reads local json, csv or parquet data_files only "
                         f"(for a Hub dataset: save it to disk and use `iclft data import hf`)")
    split = config.get("test_split") or config.get("validation_split")
    if not split:
        raise IclftError(f"{path}: no test_split or validation_split")
    kwargs = config.get("dataset_kwargs") or {}
    if not isinstance(kwargs, dict):
        raise IclftError(f"{path}: dataset_kwargs must be a mapping, got {kwargs!r}")
    files = kwargs.get("data_files")
    if isinstance(files, dict):
        if split not in files:
            raise IclftError(f"{path}: dataset_kwargs.data_files has no {split!r} (the test split)")
        files = files[split]
    if isinstance(files, str):
        files = [files]
    if not files or not all(isinstance(f, str) for f in files):
        raise IclftError(f"{path}: dataset_kwargs.data_files must name the data files, got {files!r}")
    return [config["_folder"] / f for f in files]


def _rows(files: list[Path], kind: str, sources: Sources) -> list[tuple[Line, dict]]:
    out: list[tuple[Line, dict]] = []
    for f in files:
        if kind == "parquet" or f.suffix == ".parquet":
            out += [(where, row) for _, where, row in parquet_rows([f], "", sources)]
            continue
        text = sources.text(f, "data file")
        if kind == "csv" or f.suffix == ".csv":
            out += csv_rows(f, text)
        elif text.lstrip().startswith("["):  # one JSON list of rows, which datasets' json reads too
            try:
                rows = json.loads(text)
            except json.JSONDecodeError as e:
                raise IclftError(f"{f}:{e.lineno}: malformed JSON ({e.msg} at column {e.colno})") from None
            out += [(Line(f, 1), row) for row in rows if isinstance(row, dict)]
        else:
            out += jsonl_records(f, text)
    return out


# ---- doc_to_text, doc_to_choice, doc_to_target ------------------------------------------------------------

def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["regex_replace"] = lambda s, pattern, repl, count=0: re.sub(pattern, repl, s, count=count)
    return env


def _render(env, template: str, row: dict, key: str, where: Line) -> str:
    import jinja2

    try:
        return env.from_string(template).render(row)
    except (jinja2.TemplateError, TypeError, ValueError) as e:  # a sandbox refusal is a TemplateError
        raise where.fault(key, f"template {template!r}: {e}") from None


def _text(env, config: dict, row: dict, where: Line) -> str:
    """description + doc_to_text. A text that is an index (lm-eval's multiple_input: the choices are
    contexts, as in winogrande) is refused: iclft's choices continue one prompt."""
    spec = config.get("doc_to_text")
    if not isinstance(spec, str):
        raise where.fault("doc_to_text", f"must be a column or a template, got {spec!r}")
    text = row[spec] if spec in row else _render(env, spec, row, "doc_to_text", where)
    if not isinstance(text, str) or (spec not in row and text.isdigit()):
        raise where.fault("doc_to_text", f"{spec!r} gives an index, {text!r}: iclft imports tasks whose "
                                         f"choices continue one prompt")
    return _render(env, config.get("description") or "", row, "description", where) + text


def _choices(env, config: dict, row: dict, where: Line) -> list:
    spec = config.get("doc_to_choice")
    if isinstance(spec, list):
        return spec
    if isinstance(spec, dict):
        return list(spec.values())
    if isinstance(spec, str):
        if spec in row:
            return row[spec]
        rendered = _render(env, spec, row, "doc_to_choice", where)
        try:
            return ast.literal_eval(rendered)
        except (ValueError, SyntaxError):
            raise where.fault("doc_to_choice", f"{spec!r} gives {rendered!r}, not a list") from None
    raise where.fault("doc_to_choice", f"must be a column, a template or a list, got {spec!r}")


def _target(env, config: dict, row: dict, where: Line) -> Any:
    spec = config.get("doc_to_target")
    if isinstance(spec, (int, list)) and not isinstance(spec, bool):
        return spec
    if not isinstance(spec, str):
        raise where.fault("doc_to_target", f"must be a column, a template, an index or a list, got {spec!r}")
    if spec in row:
        return row[spec]
    target = _render(env, spec, row, "doc_to_target", where)
    if target.isdigit():
        return int(target)
    if target.startswith("[") and target.endswith("]"):
        try:
            return ast.literal_eval(target)
        except (ValueError, SyntaxError):
            pass
    return target


def _answer(target: Any, choices: list, row: dict, where: Line) -> tuple[Any, list]:
    """(answer, valid) from a target: an index or a choice's text, or a list of them."""
    def index(t):
        if isinstance(t, str) and t in choices:
            return choices.index(t)
        return int(t) if isinstance(t, str) and t.isdigit() else t  # a CSV column's index is text

    if isinstance(target, list):
        valid = [index(t) for t in target]
        answer = row.get("answer")
        return (answer if type(answer) is int and answer in valid else valid[0] if valid else None), valid
    return index(target), [index(target)]


def _delimiter(config: dict, path: Path) -> str:
    """What the prompt takes from target_delimiter for iclft's one space before each choice."""
    delimiter = config.get("target_delimiter", " ")
    if not isinstance(delimiter, str) or not delimiter.endswith(" "):
        raise IclftError(f"{path}: target_delimiter {delimiter!r}: iclft scores each choice after one space, so "
                         f"a delimiter must end in a space (the default, \" \")")
    return delimiter[:-1]


def split_name(config: dict, split: str | None) -> str:
    if split:
        return split
    metadata = config.get("metadata")
    task, own = str(config.get("task", "")), metadata.get("iclft_dataset") if isinstance(metadata, dict) else None
    if own and task.startswith(f"iclft_{own}_"):
        return task[len(f"iclft_{own}_"):]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(config.get("task_alias") or task)) or "test"


def task_records(path: Path, sources: Sources, split: str | None = None) -> list[tuple[Line, dict]]:
    """The test.jsonl records of one task file."""
    config = _read_yaml(path, sources)
    _refuse_code(config, path)
    if config.get("output_type") != "multiple_choice":
        raise IclftError(f"{path}: output_type {config.get('output_type')!r}: iclft imports multiple_choice tasks only")
    if config.get("process_docs") is not None:
        raise IclftError(f"{path}: process_docs: iclft reads the rows as they are and cannot apply it")
    env, joiner, name = _environment(), _delimiter(config, path), split_name(config, split)
    kind = "json" if config.get("custom_dataset") is not None else config["dataset_path"]
    records = []
    for n, (where, row) in enumerate(_rows(_data_files(config, path), kind, sources), 1):
        choices = _choices(env, config, row, where)
        answer, valid = _answer(_target(env, config, row, where), choices, row, where)
        record = {"id": str(row.get("id", f"{name}-{n}")), "split": name,
                  "prompt": _text(env, config, row, where) + joiner, "choices": choices, "answer": answer}
        if valid != [answer]:
            record["valid"] = valid
        records.append((where, record))
    return records


def import_lm_eval(tasks: list[str | Path], documents: str | Path, out: str | Path, name: str | None = None,
                   description: str = "", oracle: str | Path | None = None, split: str | None = None) -> Imported:
    """The items of lm-eval multiple-choice tasks (one split each) and DOCS as a dataset folder at `out`."""
    if split and len(tasks) > 1:
        raise IclftError("--split names the split of one task; give one task file, or leave --split out")
    sources = Sources("lm-eval")
    docs = read_documents(documents, sources)
    records = [r for task in tasks for r in task_records(Path(task), sources, split)]
    ds = make_dataset(name or Path(out).name, description, docs, build(records, to_item), sources,
                      read_oracle(oracle, sources), tasks=[str(Path(t)) for t in tasks])
    return Imported(ds, write_dataset(ds, out))
