"""Export a dataset folder for other tools.

"lm-eval": an lm-evaluation-harness task folder, one task per test split, all sharing a tag:
    OUT/<split>.yaml, OUT/<split>.jsonl, OUT/iclft_data.py
    lm_eval --include_path OUT --tasks iclft_<dataset> --model hf --model_args pretrained=MODEL
  The YAML is the usual `dataset_path: json` task scored as cloze multiple choice (prompt, then
  " " + choice; the choices are never shown), reporting acc and acc_norm. Its target is the list of
  valid choices, so an item with several correct answers counts the top choice correct if it is any
  of them. lm-eval hands `data_files` to `datasets` unchanged, i.e. relative to the working
  directory, so a three-line loader (`custom_dataset`) resolves them against the folder instead:
  the export works from anywhere and can be moved.

"hf": a Hugging Face DatasetDict saved with save_to_disk: "train" (id, text, meta as JSON, plus
  prompt/completion when every document has them) and one dataset per test split.

`datasets` is an optional dependency, imported only here; lm-eval is needed only to run the tasks.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from iclft import IclftError, __version__
from iclft.data.schema import Dataset, Document, TestItem, atomic_write_text, load_dataset

FORMATS = ("lm-eval", "hf")
LM_EVAL_LOADER = "iclft_data"  # module name of the loader written next to the YAML files
_LOADER_SOURCE = '''"""Written by iclft: load this folder's JSONL files for lm-evaluation-harness.

lm-eval passes `data_files` to datasets.load_dataset as they are, relative to the working
directory; this resolves them against this folder so that `--include_path` works from anywhere.
"""
from pathlib import Path

import datasets


def load(data_files, **_):
    here = Path(__file__).resolve().parent
    return datasets.load_dataset("json", data_files={k: str(here / v) for k, v in data_files.items()})
'''


def _item_row(item: TestItem) -> dict:
    return {"id": item.id, "prompt": item.prompt, "choices": list(item.choices),
            "answer": item.answer, "valid": list(item.valid)}


def _task_config(ds: Dataset, split: str) -> dict:
    return {
        "task": f"iclft_{ds.name}_{split}",
        "tag": f"iclft_{ds.name}",
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": f"{split}.jsonl"}},
        "test_split": "test",
        "output_type": "multiple_choice",
        "doc_to_text": "prompt",
        "doc_to_choice": "choices",
        "doc_to_target": "valid",
        "target_delimiter": " ",
        "metric_list": [{"metric": m, "aggregation": "mean", "higher_is_better": True}
                        for m in ("acc", "acc_norm")],
        "metadata": {"version": str(ds.meta.get("version", "0")), "iclft_dataset": ds.name,
                     "seed": ds.meta.get("seed")},
    }


def _task_yaml(ds: Dataset, split: str, source: Path, out: Path) -> str:
    config = _task_config(ds, split)
    header = (f"# lm-evaluation-harness task written by iclft {__version__} from {source}\n"
              f"# ({ds.name}, seed {ds.meta.get('seed')}, split {split}). Run:\n"
              f"#   lm_eval --include_path {out} --tasks {config['task']} --model hf --model_args pretrained=MODEL\n")
    # A YAML tag, so written by hand: resolves data_files against this folder (see iclft_data.py).
    loader = f"custom_dataset: !function {LM_EVAL_LOADER}.load\n"
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True) + loader


def _export_lm_eval(ds: Dataset, source: Path, out: Path) -> list[str]:
    tasks = []
    for split, items in ds.splits().items():
        atomic_write_text(out / f"{split}.jsonl",
                          "".join(json.dumps(_item_row(t), ensure_ascii=False) + "\n" for t in items))
        atomic_write_text(out / f"{split}.yaml", _task_yaml(ds, split, source, out))
        tasks.append(f"iclft_{ds.name}_{split}")
    atomic_write_text(out / f"{LM_EVAL_LOADER}.py", _LOADER_SOURCE)
    return tasks


def _train_rows(docs: tuple[Document, ...]) -> list[dict]:
    pairs = bool(docs) and all("prompt" in d.meta and "completion" in d.meta for d in docs)
    rows = []
    for d in docs:
        row = {"id": d.id, "text": d.text, "meta": json.dumps(d.meta, ensure_ascii=False, sort_keys=True)}
        if pairs:  # prompt/completion columns, as TRL's completion-only training expects
            row.update(prompt=d.meta["prompt"], completion=d.meta["completion"])
        rows.append(row)
    return rows


def _export_hf(ds: Dataset, out: Path) -> list[str]:
    try:
        import datasets
    except ImportError:
        raise IclftError("export to 'hf' needs the datasets library: pip install datasets") from None
    splits = ds.splits()
    if "train" in splits:
        raise IclftError("export to 'hf': a test split is named 'train', which clashes with the training set")
    parts = {"train": datasets.Dataset.from_list(_train_rows(ds.train))}
    for split, items in splits.items():
        rows = [{**_item_row(t), "split": t.split, "meta": json.dumps(t.meta, ensure_ascii=False, sort_keys=True)}
                for t in items]
        parts[split] = datasets.Dataset.from_list(rows)
    datasets.DatasetDict(parts).save_to_disk(str(out))
    return list(parts)


def export(folder: str | Path, out: str | Path, fmt: str) -> list[str]:
    """Write the dataset at `folder` to the new or empty folder `out` in format `fmt`; returns the
    names written (lm-eval task names, or DatasetDict splits)."""
    if fmt not in FORMATS:
        raise IclftError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    source, out = Path(folder), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise IclftError(f"{out}: exists and is not an empty folder; export into a new folder")
    ds = load_dataset(source)
    if fmt == "hf":
        return _export_hf(ds, out)
    return _export_lm_eval(ds, source.resolve(), out.resolve())
