"""Validate any dataset folder: generic soundness checks, then the generator's own symbolic check.

Generic checks, whatever made the dataset:
  - the files load and their sizes match meta.json;
  - every word in meta["words"] is a valid nonsense word, and none is listed twice;
  - document ids and test-item ids are unique;
  - every item has at least two distinct choices, and its valid indices point at choices;
  - no generalization split is answerable by copying: no correct statement (prompt + " " + choice)
    occurs verbatim in a training document, nor a correct choice that occurs there while none of
    its distractors does (choices that are bare names occur in training by design; they are fine as
    long as the distractors do too).
Then `check(ds)` of the module registered for meta["generator"].

Each problem is one line naming the item, document or word concerned; no problems means valid.
"""
from __future__ import annotations

import bisect
import importlib
from collections import Counter
from pathlib import Path

from iclft import IclftError
from iclft.data import GENERATORS
from iclft.data.schema import Dataset, TestItem, load_dataset
from iclft.data.words import is_valid_nonsense


def _check_words(ds: Dataset) -> list[str]:
    words = ds.meta.get("words")
    if not isinstance(words, list):
        return ["meta.json: 'words' is missing or not a list"]
    problems = [f"meta words: {w!r} is not a valid nonsense word (4-5 letters, syllable grammar, not English)"
                for w in words if not (isinstance(w, str) and is_valid_nonsense(w))]
    problems += [f"meta words: {w!r} is listed {n} times" for w, n in Counter(words).items() if n > 1]
    return problems


def _check_ids(ds: Dataset) -> list[str]:
    problems = []
    for kind, ids in (("training document", [d.id for d in ds.train]), ("test item", [t.id for t in ds.test])):
        problems += [f"{kind} id {i!r} is used {n} times" for i, n in Counter(ids).items() if n > 1]
    return problems


def _check_choices(item: TestItem) -> list[str]:
    problems = []
    if len(set(item.choices)) < 2:
        problems.append(f"{item.id}: fewer than 2 distinct choices {list(item.choices)}")
    problems += [f"{item.id}: valid index {i} points at no choice" for i in item.valid
                 if not 0 <= i < len(item.choices)]
    return problems


class _TrainingText:
    """All training documents in one lowercased string, to find verbatim copies quickly."""

    def __init__(self, ds: Dataset):
        self.ids = [d.id for d in ds.train]
        self.starts: list[int] = []
        pieces, offset = [], 0
        for doc in ds.train:
            self.starts.append(offset)
            pieces.append(doc.text.lower())
            offset += len(doc.text) + 1
        self.text = "\n".join(pieces)

    def find(self, phrase: str) -> str | None:
        """Id of a document containing `phrase` as whole words (case and final punctuation ignored)."""
        needle = phrase.strip().rstrip(".!?;:, ").lower()
        start = self.text.find(needle) if needle else -1
        while start != -1:
            if not (self._word_char(start - 1) or self._word_char(start + len(needle))):
                return self.ids[bisect.bisect_right(self.starts, start) - 1]
            start = self.text.find(needle, start + 1)
        return None

    def _word_char(self, i: int) -> bool:
        return 0 <= i < len(self.text) and (self.text[i].isalnum() or self.text[i] == "_")


def _check_copies(item: TestItem, training: _TrainingText) -> list[str]:
    problems = []
    distractor_seen = any(training.find(c) for i, c in enumerate(item.choices) if i not in item.valid)
    for choice in (item.choices[i] for i in item.valid if 0 <= i < len(item.choices)):
        statement = f"{item.prompt} {choice}"
        if doc := training.find(statement):
            problems.append(f"{item.id}: correct statement {statement!r} occurs verbatim in training document {doc}")
        elif not distractor_seen and (doc := training.find(choice)):
            problems.append(f"{item.id}: correct choice {choice!r} occurs verbatim in training document {doc} "
                            f"and no distractor does")
    return problems


def _check_generalization(ds: Dataset) -> list[str]:
    splits = ds.splits()
    listed = ds.meta.get("generalization_splits")
    if not isinstance(listed, list):
        return ["meta.json: 'generalization_splits' is missing or not a list"]
    problems = [f"meta generalization_splits: no test items in split {s!r}" for s in listed if s not in splits]
    training = _TrainingText(ds)
    for split in listed:
        for item in splits.get(split, []):
            problems += _check_copies(item, training)
    return problems


def _generator_check(ds: Dataset) -> list[str]:
    name = ds.meta.get("generator")
    if name not in GENERATORS:
        return [f"meta.json: unknown generator {name!r}; known: {', '.join(sorted(GENERATORS))}"]
    try:
        module = importlib.import_module(GENERATORS[name])
    except ImportError as e:
        return [f"generator {name!r}: cannot import {GENERATORS[name]} ({e})"]
    if not hasattr(module, "check"):
        return [f"generator {name!r}: {GENERATORS[name]} has no check(ds)"]
    try:
        return list(module.check(ds))
    except Exception as e:  # a hand-edited folder can break a check's assumptions: report, don't crash
        return [f"generator {name!r}: check() failed on this data ({type(e).__name__}: {e})"]


def check_dataset(ds: Dataset) -> list[str]:
    """Every problem found in a dataset in memory, one line each; [] when it is sound."""
    problems = _check_words(ds) + _check_ids(ds)
    for item in ds.test:
        problems += _check_choices(item)
    return problems + _check_generalization(ds) + _generator_check(ds)


def validate(folder: str | Path) -> list[str]:
    """Every problem found in the dataset at `folder` (a folder that does not load is one problem)."""
    try:
        ds = load_dataset(folder)
    except IclftError as e:
        return [str(e)]
    return check_dataset(ds)
