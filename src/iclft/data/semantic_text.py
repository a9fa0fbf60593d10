"""Sentences of the semantic_structure dataset: one table of templates that renders facts and parses
them back, so the checker can rebuild every fact from the training text alone.

A fact is (subject, relation, object) over nonsense words, relation one of "isa" (category
inclusion), "is", "has", "can". Each template is used for exactly one purpose:

    train     training sentences, subject first:    "gruds are a kind of abmes", "gruds can zept"
    rephrase  test only, same direction, new words: "gruds belong to the group of abmes"
    reverse   test only, object first:              "abmes include gruds", "telk are found on gruds"
    augment   the oracle's reversals only, object first, in wordings no test item uses:
                                                    "abmes comprise gruds", "telk are carried by gruds"

Training sentences may list several objects ("gruds can zept, blick and frop") and may carry a
preamble ("Interestingly, gruds can zept."). Every sentence names its subject: no pronouns, so a
sentence split from its document still states its fact. Plural nouns are the bare nonsense word.

With `one_tokenization` (semantic_structure's parameter) no nonsense word starts a sentence, a line
or a prompt, so none is ever capitalized or unspaced and a tokenizer sees each as one " word": every
training statement carries a preamble ("- In fact, gruds can zept."), and a test prompt whose
template starts with a slot gets ITEM_PREAMBLE ("It is known that gruds are equipped with").
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import NamedTuple

from iclft.data.taxonomy import Fact

WORD = r"[a-z]+"
LIST = rf"{WORD}(?:, {WORD})*(?: and {WORD})?"


@dataclass(frozen=True)
class Template:
    relation: str
    use: str  # "train", "rephrase", "reverse" or "augment"
    text: str  # lowercase, "{s}" and "{o}" once each; the last slot ends the sentence

    def pattern(self, tag: str = "") -> str:
        """A regex for the sentence, with groups s<tag> and o<tag> for the slots."""
        obj = LIST if self.use == "train" and self.relation != "isa" else WORD
        return (re.escape(self.text).replace(r"\{s\}", rf"(?P<s{tag}>{WORD})")
                .replace(r"\{o\}", rf"(?P<o{tag}>{obj})")) + r"\Z"

    def split(self, subject: str, obj: str, one_tokenization: bool = False) -> tuple[str, str]:
        """(prompt, choice) for a test item: the prompt stops before the last slot."""
        head, last = self.text.rsplit(" ", 1)
        return self.lead(head.format(s=subject, o=obj), one_tokenization), last.format(s=subject, o=obj) + "."

    def lead(self, statement: str, one_tokenization: bool) -> str:
        """`statement` (this template filled in) as the start of a sentence: capitalized, or with
        one_tokenization ITEM_PREAMBLE before it when it would start with a nonsense word."""
        if one_tokenization and self.text.startswith("{"):
            return f"{ITEM_PREAMBLE} {statement}"
        return capitalize(statement)


TEMPLATES: tuple[Template, ...] = (
    Template("isa", "train", "{s} are a kind of {o}"),
    Template("isa", "train", "{s} are a type of {o}"),
    Template("isa", "train", "{s} are a variety of {o}"),
    Template("is", "train", "{s} are {o}"),
    Template("is", "train", "{s} are known to be {o}"),
    Template("has", "train", "{s} have {o}"),
    Template("has", "train", "{s} possess {o}"),
    Template("can", "train", "{s} can {o}"),
    Template("can", "train", "{s} are able to {o}"),
    Template("isa", "rephrase", "{s} belong to the group of {o}"),
    Template("isa", "rephrase", "{s} fall under the category of {o}"),
    Template("is", "rephrase", "{s} tend to be {o}"),
    Template("is", "rephrase", "one trait of {s} is being {o}"),
    Template("has", "rephrase", "{s} come with {o}"),
    Template("has", "rephrase", "{s} are equipped with {o}"),
    Template("can", "rephrase", "{s} have the ability to {o}"),
    Template("can", "rephrase", "it is possible for {s} to {o}"),
    Template("isa", "reverse", "{o} include {s}"),
    Template("isa", "reverse", "among the {o} are the {s}"),
    Template("is", "reverse", "being {o} is a trait of {s}"),
    Template("is", "reverse", "the trait of being {o} is found in {s}"),
    Template("has", "reverse", "{o} are found on {s}"),
    Template("has", "reverse", "{o} are a feature of {s}"),
    Template("can", "reverse", "the ability to {o} belongs to {s}"),
    Template("can", "reverse", "the ability to {o} is found in {s}"),
    Template("isa", "augment", "{o} comprise {s}"),
    Template("isa", "augment", "{o} are a group containing {s}"),
    Template("is", "augment", "{o} is a quality of {s}"),
    Template("is", "augment", "being {o} is typical of {s}"),
    Template("has", "augment", "{o} are carried by {s}"),
    Template("has", "augment", "{o} are part of {s}"),
    Template("can", "augment", "the capacity to {o} belongs to {s}"),
    Template("can", "augment", "to {o} is a skill of {s}"),
)
# One alternation over every template: a single match per sentence; group t<i> names the template.
_ANY_TEMPLATE = re.compile("|".join(f"(?P<t{i}>{t.pattern(str(i))})" for i, t in enumerate(TEMPLATES)))


_BY_KIND: dict[tuple[str, str], list[Template]] = {}
for _t in TEMPLATES:
    _BY_KIND.setdefault((_t.relation, _t.use), []).append(_t)


def templates(relation: str, use: str) -> list[Template]:
    """The templates of one relation ("isa", "is", "has", "can") and one use."""
    return _BY_KIND[relation, use]


# Training sentences that state no fact; "{s}" is a category. Openers and headers name the topic.
PREAMBLES = ("It is well known that", "Interestingly,", "In fact,", "Researchers report that",
             "As every student learns,")
QUESTION_PREAMBLE = "Did you know that"
ITEM_PREAMBLE = "It is known that"  # one_tokenization: before a test prompt that would start with a word
OPENERS = ("This article is about {s}.", "Here is what is known about {s}.", "A short note on {s}.")
HEADERS = ("Facts about {s}:", "Key facts on {s}:")
QUESTIONS = {"isa": "What kind of thing are {s}?", "is": "What are {s} like?",
             "has": "What do {s} have?", "can": "What can {s} do?"}
_NO_FACT = tuple(re.compile(re.escape(t.rstrip(".?:").lower()).replace(r"\{s\}", WORD) + r"\Z")
                 for t in (*OPENERS, *HEADERS, *QUESTIONS.values()))
_LABEL, _LIST_SEP, _SENTENCE_END = re.compile(r"^(?:- |Q: |A: )"), re.compile(", | and "), re.compile(r"(?<=[.?!])\s+")
_PREAMBLE = re.compile("(?:" + "|".join(re.escape(p.lower()) for p in (*PREAMBLES, QUESTION_PREAMBLE, ITEM_PREAMBLE))
                       + ") ")


def capitalize(text: str) -> str:
    return text[0].upper() + text[1:]


def join_list(words: list[str] | tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class Plan(NamedTuple):
    """One sentence to write: a subject, a relation and 1-3 objects."""

    subject: str
    relation: str
    objects: tuple[str, ...]


def plan_sentences(facts: list[Fact], rng: random.Random) -> list[Plan]:
    """Group facts sharing subject and relation into sentences of 1-3 objects, in first-seen order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for f in facts:
        groups.setdefault((f.subject, f.relation), []).append(f.object)
    plans = []
    for (subject, rel), objects in groups.items():
        while objects:
            k = 1 if rel == "isa" else rng.randint(1, 3)
            plans.append(Plan(subject, rel, tuple(objects[:k])))
            objects = objects[k:]
    return plans


STYLES = ("encyclopedia", "bullets", "qa", "trivia")


def units_needed(style: str, n_plans: int) -> int:
    """How many sentences a document of `n_plans` plans has in `style` (openers and headers count)."""
    return (2 * n_plans if style == "qa" else n_plans) + (style in ("encyclopedia", "bullets"))


def render_units(style: str, topic: str, plans: list[Plan], rng: random.Random,
                 one_tokenization: bool = False) -> list[str]:
    """One document's sentences in the given style; `topic` names the bullet header or opener.
    With `one_tokenization` every statement has a preamble, so no sentence starts with a nonsense word."""
    def say(plan: Plan, capital: bool = True) -> str:
        statement = rng.choice(templates(plan.relation, "train")).text.format(
            s=plan.subject, o=join_list(plan.objects))
        if not capital:
            return statement
        return f"{rng.choice(PREAMBLES)} {statement}" if one_tokenization else capitalize(statement)

    if style == "bullets":
        return [rng.choice(HEADERS).format(s=topic)] + [f"- {say(p)}." for p in plans]
    if style == "qa":
        return [u for p in plans for u in (f"Q: {QUESTIONS[p.relation].format(s=p.subject)}", f"A: {say(p)}.")]
    if style == "trivia":
        units = []
        for p in plans:  # about half the sentences get a preamble (all with one_tokenization)
            pre = rng.choice((*PREAMBLES, QUESTION_PREAMBLE)) if one_tokenization or rng.random() < 0.5 else None
            if pre is None:
                units.append(f"{say(p)}.")
            else:
                units.append(f"{pre} {say(p, capital=False)}" + ("?" if pre == QUESTION_PREAMBLE else "."))
        return units
    return [rng.choice(OPENERS).format(s=topic)] + [f"{say(p)}." for p in plans]


def join_units(style: str, units: list[str], rng: random.Random) -> str:
    if style in ("bullets", "qa"):
        return "\n".join(units)
    if len(units) >= 8:  # a long article gets two paragraphs
        cut = rng.randint(3, len(units) - 3)
        return " ".join(units[:cut]) + "\n\n" + " ".join(units[cut:])
    return " ".join(units)


def split_units(text: str) -> list[str]:
    """A document's sentences, lines and bullet/question/answer labels kept: the unit its
    4-20 sentence count is measured in."""
    return [u for line in text.splitlines() for u in _SENTENCE_END.split(line.strip()) if u]


def normalize(unit: str) -> str:
    """The statement inside a sentence: labels, preamble, final punctuation and capital removed."""
    unit = _LABEL.sub("", unit).rstrip(".?!:")
    unit = unit[:1].lower() + unit[1:]
    return _PREAMBLE.sub("", unit, count=1) if _PREAMBLE.match(unit) else unit


def parse_statement(statement: str) -> tuple[Template, list[Fact]] | None:
    """The template a normalized statement follows and the facts it states; None if it fits none."""
    m = _ANY_TEMPLATE.match(statement)
    if m is None:
        return None
    i = m.lastgroup[1:]
    template = TEMPLATES[int(i)]
    return template, [Fact(m["s" + i], template.relation, o) for o in _LIST_SEP.split(m["o" + i])]


def parse_unit(unit: str) -> list[Fact] | None:
    """The facts a training sentence states: [] for an opener, header or question, None if the
    sentence is not one this module writes (or a test-only template)."""
    statement = normalize(unit)
    if any(r.match(statement) for r in _NO_FACT):
        return []
    parsed = parse_statement(statement)
    return parsed[1] if parsed and parsed[0].use == "train" else None
