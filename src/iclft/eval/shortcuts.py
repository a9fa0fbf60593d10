"""Shortcut baselines: what a rule that reads the items and the training documents, and no model,
scores. A model's accuracy is only interesting where it beats both chance and the best shortcut.

    most_frequent  every dataset: the choice whose words occur most often, verbatim and in order, in
                   the training documents. On the celebrity data: the most frequent name.
    trained_wording  simple_reversal: the choice that repeats the comparative its fact was trained
                   with ("glon are more dangerous than femp" after "femp are more dangerous than
                   glon"): right on every forward item, wrong on every reversed one.
    atmosphere     syllogism: the quantifier-atmosphere rule, reading only the premises' quantifiers:
                   No if either premise says No, else Some if either says Some, else All; the
                   direction at random.
    cooccurrence   semantic_structure: the choice that shares the most training sentences with the
                   nonsense words of the prompt (an associative route, no inference).

Each rule gives every choice a score; ties are broken at random, and the accuracy reported is its
expectation over the tie-breaks (exact, no sampling): any valid choice on top, and strict (the
canonical answer above every invalid choice; iclft.eval.multiple_choice).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, NamedTuple, Sequence

from iclft.data.schema import Dataset, TestItem
from iclft.data.sentences import split_sentences

_TOKEN = re.compile(r"[a-z0-9()+\-*/^']+")


class Shortcut(NamedTuple):
    name: str
    description: str
    scores: Callable[[Dataset], list[list[float]]]  # one score per choice, per test item


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text.lower()))


def most_frequent_scores(ds: Dataset) -> list[list[float]]:
    choices = [[_tokens(c) for c in it.choices] for it in ds.test]
    sizes = {len(c) for cs in choices for c in cs if c}
    counts: Counter = Counter()
    for doc in ds.train:
        words = _tokens(doc.text)
        for n in sizes:
            counts.update(words[i:i + n] for i in range(len(words) - n + 1))
    return [[float(counts[c]) if c else 0.0 for c in cs] for cs in choices]


_QUANTIFIER = {"A": "all", "I": "some", "E": "no"}


def atmosphere_scores(ds: Dataset) -> list[list[float]]:
    out = []
    for it in ds.test:
        moods = it.meta["form"].split("-")[0]  # e.g. "AE-2": premises All and No
        rule = "no" if "E" in moods else "some" if "I" in moods else "all"
        out.append([1.0 if c.split()[0].lower() == rule else 0.0 for c in it.choices])
    return out


def trained_wording_scores(ds: Dataset) -> list[list[float]]:
    return [[1.0 if f" {it.meta['form']} than " in f" {c} " else 0.0 for c in it.choices] for it in ds.test]


def cooccurrence_scores(ds: Dataset) -> list[list[float]]:
    words = set(ds.meta.get("words", ()))
    where: dict[str, set[int]] = {}
    k = 0
    for doc in ds.train:
        for sentence in split_sentences(doc.text):
            for w in set(_tokens(sentence)) & words:
                where.setdefault(w, set()).add(k)
            k += 1
    out = []
    for it in ds.test:
        near = set().union(*(where.get(w, set()) for w in set(_tokens(it.prompt)) & words))
        out.append([float(sum(len(where.get(w, set()) & near) for w in set(_tokens(c)) & words))
                    for c in it.choices])
    return out


_MOST_FREQUENT = Shortcut("most_frequent", "the choice whose words occur most often, in order, in the "
                          "training documents (celebrities: the most frequent name)", most_frequent_scores)
SHORTCUTS: dict[str, list[Shortcut]] = {
    "simple_reversal": [Shortcut("trained_wording", "the choice that repeats its fact's trained comparative",
                                 trained_wording_scores)],
    "syllogism": [Shortcut("atmosphere", "No if either premise says No, else Some if either says Some, "
                           "else All; direction at random", atmosphere_scores)],
    "semantic_structure": [Shortcut("cooccurrence", "the choice sharing most training sentences with the "
                                    "prompt's nonsense words", cooccurrence_scores)],
}


def shortcuts_for(ds: Dataset) -> list[Shortcut]:
    return [_MOST_FREQUENT] + SHORTCUTS.get(ds.meta.get("generator", ds.name), [])


def expected_correct(scores: Sequence[float], item: TestItem) -> tuple[float, float]:
    """(any valid, strict) expected over a random tie-break of equal scores."""
    top = max(scores)
    tied = [i for i, s in enumerate(scores) if s == top]
    any_valid = sum(i in item.valid for i in tied) / len(tied)
    mine = scores[item.answer]
    invalid = [s for i, s in enumerate(scores) if i not in item.valid]
    if any(s > mine for s in invalid):
        strict = 0.0
    else:
        strict = 1.0 / (1 + sum(s == mine for s in invalid))
    return any_valid, strict


def shortcut_rows(ds: Dataset) -> list[dict]:
    """One row per shortcut and split: n, chance, and the expected accuracies."""
    from iclft.eval.multiple_choice import strict_chance

    rows = []
    for sc in shortcuts_for(ds):
        per_item = [expected_correct(s, it) for s, it in zip(sc.scores(ds), ds.test)]
        for split in dict.fromkeys(it.split for it in ds.test):
            idx = [i for i, it in enumerate(ds.test) if it.split == split]
            n = len(idx)
            rows.append({
                "dataset": ds.name, "split": split, "name": sc.name, "description": sc.description, "n": n,
                "chance": sum(ds.test[i].chance for i in idx) / n,
                "accuracy": round(sum(per_item[i][0] for i in idx) / n, 4),
                "strict_chance": sum(strict_chance(len(ds.test[i].choices), len(ds.test[i].valid)) for i in idx) / n,
                "strict": round(sum(per_item[i][1] for i in idx) / n, 4)})
    return rows
