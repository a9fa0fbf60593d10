"""Sentences: splitting documents (sentence-split finetuning, local augmentation, quality counts)
and the verdicts the datasets' symbolic checkers give a single statement.

    split_sentences('Ever heard of Ann Lee? They\\'re the person who wrote "Blue." in 1990.')
      -> ["Ever heard of Ann Lee?", "They're the person who wrote \\"Blue.\\" in 1990."]

A sentence ends at . ? or ! (closing quotes and brackets included) followed by white space and a
capital, digit or opening quote, or at a line break; so a title ending in a period inside a
sentence ('"Melodies." is called ...') does not end it. Bullet and Q/A lines are sentences of
their own, labels kept.
"""
from __future__ import annotations

import re

LABELS = ("entailed", "contradicted", "other")
_END = re.compile(r"[.?!]+[\"')\]]*\s+(?=[\"'(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        start = 0
        for m in _END.finditer(line):
            out.append(line[start:m.end()].strip())
            start = m.end()
        out.append(line[start:].strip())
    return [s for s in out if s]


def combine(verdicts: list[str]) -> str:
    """One verdict for a sentence stating several facts: contradicted if any fact is, entailed if
    all are, otherwise other. No facts found (unparseable) is other."""
    if "contradicted" in verdicts:
        return "contradicted"
    if verdicts and all(v == "entailed" for v in verdicts):
        return "entailed"
    return "other"
