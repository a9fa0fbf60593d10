"""Statements about the semantic_structure world: judging generated sentences against the
training facts, and the oracle augmentations (the facts' reversals and entailments).

A sentence is parsed with the dataset's own templates (semantic_text.TEMPLATES: training,
rephrased and reversed wordings). A sentence that fits none is cut into clauses at ", so",
", therefore", "; " and the like, and a clause's lead-in ("I learned earlier that", "this document
says") is dropped, so the paper's example trace parses:

    "I learned earlier that fep can zarp, and this document says dax are a kind of fep, therefore
     dax can zarp."  ->  (fep can zarp), (dax isa fep), (dax can zarp)

Verdicts use the closed world the test items are graded in: a fact about a trained category and a
trained word is entailed when inheritance derives it from the stated facts, contradicted otherwise
(the test's distractors are exactly such statements); anything else is "other".
"""
from __future__ import annotations

import random
import re

from iclft.data import semantic_text as text
from iclft.data.schema import Dataset
from iclft.data.semantic_structure import Knowledge, read_training
from iclft.data.sentences import combine
from iclft.data.taxonomy import Fact

_CLAUSE_BREAK = re.compile(r",?\s*(?:\band\s+)?\b(?:so|therefore|thus|hence)\b\s*|;\s*|,\s+and\s+(?=this\b|that\b|i\b)",
                           re.IGNORECASE)
_LEAD_IN = re.compile(r"^.*?\b(?:that|says|shows|means)\s+", re.IGNORECASE)


def _parse(clause: str) -> list[Fact] | None:
    parsed = text.parse_statement(text.normalize(clause.strip()))
    if parsed is None:
        parsed = text.parse_statement(text.normalize(_LEAD_IN.sub("", clause.strip(), count=1)))
    return parsed[1] if parsed else None


def facts_in(sentence: str) -> list[list[Fact] | None]:
    """The facts a sentence states, per clause (None for a clause that fits no template)."""
    whole = _parse(sentence)
    if whole is not None:
        return [whole]
    return [_parse(c) for c in _CLAUSE_BREAK.split(sentence) if c and c.strip(" ,.")]


def classify_statements(ds: Dataset, sentences: list[str]) -> list[str]:
    stated, _ = read_training(ds, [])
    known = Knowledge(stated)
    categories = set(known.parents) | set(known.own) | {f.object for f in stated if f.relation == "isa"}
    words = set(ds.meta.get("words", ()))

    def verdict(f: Fact) -> str:
        if f.subject not in categories or f.object not in words:
            return "other"
        return "entailed" if known.entails(f) else "contradicted"

    out = []
    for sentence in sentences:
        verdicts = [verdict(f) if facts is not None else "other"
                    for facts in facts_in(sentence) for f in (facts if facts is not None else [None])]
        out.append(combine(verdicts))
    return out


def _render(template: text.Template, f: Fact, one_tokenization: bool) -> str:
    return template.lead(template.text.format(s=f.subject, o=f.object), one_tokenization) + "."


def oracle_statements(ds: Dataset) -> list[str]:
    """Every stated fact reversed, in a wording of the oracle's own that no test item uses ("Drut
    comprise frafe."), then every fact inheritance adds, in a training wording: transitive
    categories ("Snudi are a type of drut.") and inherited properties ("Frafe have flazu.").
    Templates are picked by a seeded local RNG. The test asks deductions in training wording too,
    so about half of them (one of two or three wordings) appear verbatim; no reversal does. On data
    made with one_tokenization, a statement that would start with a nonsense word gets the test
    prompts' preamble ("It is known that drut comprise frafe.")."""
    stated, _ = read_training(ds, [])
    known = Knowledge(stated)
    rng = random.Random(f"semantic_structure-oracle:{ds.meta.get('seed', 0)}")
    one = bool(ds.meta.get("params", {}).get("one_tokenization", False))
    out = [_render(rng.choice(text.templates(f.relation, "augment")), f, one) for f in sorted(stated)]
    for c in sorted(set(known.parents) | set(known.own)):
        for a in sorted(known.ancestors(c)):
            inherited = [Fact(c, "isa", a)] + [Fact(c, rel, obj) for rel, obj in sorted(known.own.get(a, ()))]
            out += [_render(rng.choice(text.templates(f.relation, "train")), f, one)
                    for f in inherited if f not in stated]
    return out
