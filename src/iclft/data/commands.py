"""The `iclft data ...` subcommands as plain functions: each prints to stdout and returns an exit code.

Input errors are raised as IclftError; the CLI reports them as one line. `data_validate` returns 1
when the dataset has problems, every other command 0.
"""
from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Any

import yaml

from iclft import IclftError
from iclft.data import GENERATORS, generate, generator_params, load_dataset, save_dataset
from iclft.data.checker import validate
from iclft.data.export import export
from iclft.data.importers import import_hf, import_jsonl, parse_fields
from iclft.data.lm_eval_import import import_lm_eval
from iclft.data.schema import Dataset
from iclft.data.userdata import load_user_dataset, read_meta

DATASET_FILES = ("train.jsonl", "test.jsonl", "meta.json")


def format_sizes(sizes: dict[str, Any]) -> str:
    """{"train": 200, "test": {"forward": 20, ...}} -> "train 200, forward 20, ..."."""
    return ", ".join([f"train {sizes['train']}"] + [f"{s} {n}" for s, n in sizes["test"].items()])


def _summary(name: str) -> str:
    doc = importlib.import_module(GENERATORS[name]).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else "(no description)"


def data_list() -> int:
    """Each dataset: its name, one line of description, its parameters with their defaults."""
    width = max(map(len, GENERATORS))
    for name in GENERATORS:
        try:
            summary, params = _summary(name), generator_params(name)
        except ImportError as e:
            print(f"{name:<{width}}  (unavailable: {e})")
            continue
        print(f"{name:<{width}}  {summary}")
        print(f"{'':<{width}}  " + (" ".join(f"{k}={v!r}" for k, v in params.items()) or "(no parameters)"))
    return 0


def parse_value(text: str) -> Any:
    """A command-line value: YAML scalars become ints, floats, bools, null; anything else stays text."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if value is None and text.strip() not in ("null", "~") else value


def _same_files(ds: Dataset, out: Path) -> bool:
    """Whether `out` holds exactly the files that saving `ds` would write."""
    if sorted(p.name for p in out.iterdir()) != sorted(DATASET_FILES):
        return False
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        save_dataset(ds, tmp)
        return all((Path(tmp) / f).read_bytes() == (out / f).read_bytes() for f in DATASET_FILES)


def data_generate(name: str, seed: int, out: str | Path, params: dict[str, str]) -> int:
    """Generate dataset `name` into the new or empty folder `out`. Rewriting a folder that already
    holds exactly this data is allowed (and changes nothing); any other non-empty folder is refused."""
    ds = generate(name, seed, **{k: parse_value(v) for k, v in params.items()})
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise IclftError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not _same_files(ds, out):
            raise IclftError(f"{out}: not empty and holds other data; choose a new folder or delete it")
        print(f"unchanged {out}: {name} seed {seed}: {format_sizes(ds.sizes())}")
        return 0
    save_dataset(ds, out)
    print(f"wrote {out}: {name} seed {seed}: {format_sizes(ds.sizes())}")
    return 0


def _generated(folder: str | Path) -> bool:
    """Whether a generator wrote the dataset folder (else it was imported or written by hand); a
    damaged meta.json counts as a generator's, for the checker to report."""
    try:
        return Path(folder).is_dir() and "generator" in read_meta(Path(folder))
    except IclftError:
        return True


def data_validate(folder: str | Path) -> int:
    """Print every problem and return 1, or print one "ok" line and return 0. A folder no generator
    wrote has no symbolic checker: it is checked by loading it (docs/data-format.md)."""
    if not _generated(folder):
        try:
            ds = load_user_dataset(folder)
        except IclftError as e:
            print(f"{e}\n1 problem(s) in {folder}")
            return 1
        print(f"ok: {ds.name} (a dataset folder, no symbolic checker): {format_sizes(ds.sizes())}")
        return 0
    problems = validate(folder)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {folder}")
        return 1
    ds = load_dataset(folder)
    print(f"ok: {ds.name} seed {ds.meta.get('seed')}: {format_sizes(ds.sizes())}")
    return 0


def data_show(folder: str | Path, split: str | None = None, n: int = 3) -> int:
    """Print a few training documents, then `n` test items of `split` (of every split when None)."""
    if n < 0:
        raise IclftError(f"n must be at least 0, got {n}")
    ds = load_dataset(folder) if _generated(folder) else load_user_dataset(folder)
    splits = ds.splits()
    if split is not None and split not in splits:
        raise IclftError(f"{folder}: no test split {split!r}; splits: {', '.join(splits)}")
    seed = f" seed {ds.meta['seed']}" if "seed" in ds.meta else ""
    print(f"{ds.name}{seed}: {format_sizes(ds.sizes())}")
    print("training documents:")
    for doc in ds.train[:3]:
        print(f"  {doc.id}: {doc.text}")
    for name in [split] if split is not None else list(splits):
        for item in splits[name][:n]:
            print(item.render())
    return 0


def data_export(folder: str | Path, fmt: str, out: str | Path) -> int:
    """Export the dataset at `folder` to `out` as an lm-eval task folder ("lm-eval") or a Hugging Face
    DatasetDict ("hf")."""
    names = export(folder, out, fmt)
    print(f"wrote {out} ({fmt}): {', '.join(names)}")
    if fmt == "lm-eval":
        print(f"run: lm_eval --include_path {out} --tasks {','.join(names)} --model hf --model_args pretrained=MODEL")
    return 0


def data_import(kind: str, inputs: list[str], documents: str, out: str | Path, name: str | None = None,
                description: str = "", oracle: str | None = None, fields: list[str] = (),
                split: str | None = None) -> int:
    """Write the dataset folder `out` (docs/data-format.md) from DOCS and `inputs`: for "jsonl" the
    questions file, for "lm-eval" task files, for "hf" a saved dataset or parquet. `fields`:
    FIELD=COLUMN pairs (jsonl's --field, hf's --map); `split`: the lm-eval task's split, or the
    DatasetDict split to read."""
    if kind == "jsonl":
        done = import_jsonl(documents, inputs[0], out, name, description, oracle, parse_fields(fields))
    elif kind == "lm-eval":
        done = import_lm_eval(inputs, documents, out, name, description, oracle, split)
    else:
        done = import_hf(inputs[0], documents, out, name, description, oracle, parse_fields(fields, "--map"), split)
    print(f"{done.status} {out}: {done.dataset.name}: {format_sizes(done.dataset.sizes())}")
    print(f"use it in a study config: datasets: [{{path: {out}}}]")
    return 0
