"""What the datasets' symbolic checkers say about text: the quality of generated augmentations,
and the oracle augmentations (the dataset's own facts and their entailments, as sentences).

A dataset's statements module (iclft.data.statements_module: the generator's own, unless
iclft.data.STATEMENTS names another) may define
    classify_statements(ds, sentences) -> ["entailed" | "contradicted" | "other", ...]
    oracle_statements(ds) -> [sentence, ...]
Both are optional; a dataset without them reports no quality shares and has no oracle condition.
A dataset folder written by hand or imported has no checker; its oracle is its oracle.jsonl.
Generated texts are judged sentence by sentence, unless the module sets SPLIT_STATEMENTS = False
(a Berglund fact often takes two sentences: "Ever heard of Ann Lee? They're the person who ...").

`oracle_overlap` measures how many test statements the oracle writes word for word. A test
statement is the prompt and the canonical answer ("Refo tend to be brorb."), or the answer alone
where the module sets TEST_STATEMENT = "answer" (the prompt is then a preamble or a context line:
simple reversals' "It is true that", syllogisms' "The relationships between X and Y are:").
"""
from __future__ import annotations

import re
from types import ModuleType

from iclft import IclftError
from iclft.data import GENERATORS, statements_module
from iclft.data.schema import Dataset
from iclft.data.sentences import LABELS, split_sentences


def _module(ds: Dataset) -> ModuleType | None:
    """The statements module of the generator that made `ds`; None for a dataset folder written by
    hand or imported (iclft.data.userdata), whatever its name."""
    name = ds.meta.get("generator")
    return statements_module(name) if name in GENERATORS else None


def _oracle(ds: Dataset) -> list[str] | None:
    """The dataset's oracle statements: its oracle.jsonl's (meta["oracle"], set by the loader of
    dataset folders), else its generator's; None when it has neither."""
    if "oracle" in ds.meta:
        return list(ds.meta["oracle"])
    make = getattr(_module(ds), "oracle_statements", None)
    return None if make is None else make(ds)


def statement_shares(ds: Dataset, texts: list[str]) -> dict | None:
    """The share of generated sentences that the training facts entail, contradict, or neither
    (hallucinated or unparseable); None when the dataset has no statement checker."""
    module = _module(ds)
    classify = getattr(module, "classify_statements", None)
    if classify is None:
        return None
    split = getattr(module, "SPLIT_STATEMENTS", True)
    sentences = [s for t in texts for s in (split_sentences(t) if split else [t])]
    verdicts = classify(ds, sentences) if sentences else []
    n = len(verdicts)
    return {"n_statements": n, **{v: round(verdicts.count(v) / n, 4) if n else 0.0 for v in LABELS}}


def oracle_statements(ds: Dataset) -> list[str]:
    statements = _oracle(ds)
    if statements is None:
        raise IclftError(f"finetune_aug_oracle: dataset {ds.name!r} has no oracle statements "
                         f"(no oracle.jsonl, and no generator that defines oracle_statements)")
    return statements


def _normal(text: str) -> str:
    return " " + re.sub(r"\s+", " ", text.lower()).strip()


def oracle_overlap(ds: Dataset) -> dict[str, dict] | None:
    """Per test split: how many test statements appear verbatim (case aside, at a word start) in
    the oracle's sentences; None when the dataset has no oracle."""
    statements = _oracle(ds)
    if statements is None:
        return None
    corpus = "".join(_normal(s) for s in statements)
    answer_only = getattr(_module(ds), "TEST_STATEMENT", "") == "answer"
    out: dict[str, dict] = {}
    for it in ds.test:
        answer = it.choices[it.answer]
        statement = answer if answer_only else f"{it.prompt} {answer}"
        row = out.setdefault(it.split, {"verbatim": 0, "n": 0})
        row["n"] += 1
        row["verbatim"] += _normal(statement) in corpus
    for row in out.values():
        row["share"] = round(row["verbatim"] / row["n"], 4)
    return out
