"""The paper's simple syllogisms (Lampinen et al., 2025, section 2.2).

Each item is one syllogism over three nonsense plural nouns: a subject S, a middle term M and a
predicate P. The training document names the three terms (in alphabetical order, so the list does
not reveal which is the middle one) and states the two premises; the test names the two end terms
and scores all six statements about them:

    training   "The relationships between glon, troff and yomp are: All glon are yomp. All troff are glon."
    test       "The relationships between yomp and troff are:" ->
                 All troff are yomp.  (valid, canonical)   All yomp are troff.
                 Some troff are yomp.                      Some yomp are troff.
                 No troff are yomp.                        No yomp are troff.

The six choices are {All, Some, No} x both directions; "Some X are not Y" is never a choice
(paper.md 2.2), and they come in a seeded random order.

Semantics: Boolean, without existential import (a term may be empty), decided by brute force over
the 2^8 = 256 models of three sets (each of the 8 Venn regions empty or not). Boolean semantics
keeps the paper's example single-answer: "All troff are yomp" is the only valid statement above,
whereas existential import would also make both "Some" statements valid. "Some" and "No" are
symmetric, so their conclusions always come as a valid mirror pair (paper.md 9.1): each TestItem
lists every valid choice in `valid`, and `answer` is the canonical one (subject S first).

Forms: every premise pair (moods A/I/E for each premise, in the four figures) whose valid
conclusions among the six are non-empty; the brute force finds these ten:

    AA-1 Barbara     All M are P, All S are M   -> All S are P
    AA-4             All P are M, All M are S   -> All P are S   (Barbara, end terms swapped)
    EA-1 Celarent    No M are P,  All S are M   -> No S are P, No P are S
    EA-2 Cesare      No P are M,  All S are M   -> No S are P, No P are S
    AE-2 Camestres   All P are M, No S are M    -> No S are P, No P are S
    AE-4 Calemes     All P are M, No M are S    -> No S are P, No P are S
    AI-1 Darii       All M are P, Some S are M  -> Some S are P, Some P are S
    AI-3 Datisi      All M are P, Some M are S  -> Some S are P, Some P are S
    IA-3 Disamis     Some M are P, All M are S  -> Some S are P, Some P are S
    IA-4 Dimatis     Some P are M, All M are S  -> Some S are P, Some P are S

Forms are balanced: item i uses form i mod 10 of a seeded shuffle of the list, so each form is used
floor or ceil of n_items/10 times (69 items: nine forms 7 times, one 6 times). The two premises are
stated in a seeded random order and the test prompt names the end terms in a seeded random order.
Every random choice comes from one local RNG seeded with `seed`.
"""
from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import NamedTuple

from iclft import IclftError
from iclft.data.schema import Dataset, Document, TestItem
from iclft.data.sentences import combine
from iclft.data.words import nonsense_words

VERSION = "1"
LIMITS = {"n_items": 3000}  # three nonsense words an item; the word grammar supplies 9,388
SEMANTICS = ("boolean: no existential import (terms may be empty); entailment by brute force "
             "over the 256 Venn-region models of three sets")
QUANTIFIERS = ("All", "Some", "No")
MOOD = {"A": "All", "I": "Some", "E": "No"}
S, M, P = 0, 1, 2  # term indices: subject, middle, predicate
# Term order of (major premise, minor premise) in each figure.
FIGURES = {1: ((M, P), (S, M)), 2: ((P, M), (S, M)), 3: ((M, P), (M, S)), 4: ((P, M), (M, S))}
CLASSICAL = {"AA-1": "Barbara", "EA-1": "Celarent", "EA-2": "Cesare", "AE-2": "Camestres",
             "AE-4": "Calemes", "AI-1": "Darii", "AI-3": "Datisi", "IA-3": "Disamis", "IA-4": "Dimatis"}


class Statement(NamedTuple):
    """'<quantifier> <subject> are <predicate>', with terms as indices into a term list."""

    quantifier: str
    subject: int
    predicate: int

    def text(self, terms: list[str] | tuple[str, ...]) -> str:
        return f"{self.quantifier} {terms[self.subject]} are {terms[self.predicate]}."


# ---- brute-force entailment over Venn models -------------------------------------------------
# A region is a 3-bit membership mask (bit t set: inside term t); a model is an 8-bit mask of the
# non-empty regions; a statement is the 256-bit set of models in which it holds.

def _regions_where(pred) -> list[int]:
    return [r for r in range(8) if pred(r)]


@lru_cache(maxsize=None)
def models_of(statement: Statement) -> int:
    """Bitset over the 256 models: bit m is set when the statement holds in model m."""
    q, x, y = statement
    both = _regions_where(lambda r: r >> x & 1 and r >> y & 1)
    x_not_y = _regions_where(lambda r: r >> x & 1 and not r >> y & 1)
    out = 0
    for model in range(256):
        occupied = lambda regions: any(model >> r & 1 for r in regions)  # noqa: E731
        holds = {"All": not occupied(x_not_y), "Some": occupied(both), "No": not occupied(both)}[q]
        out |= holds << model
    return out


def entails(premises: tuple[Statement, ...], conclusion: Statement) -> bool:
    """True when every model of all the premises is a model of the conclusion."""
    both = (1 << 256) - 1
    for p in premises:
        both &= models_of(p)
    return both & ~models_of(conclusion) == 0


def candidates(a: int, b: int) -> tuple[Statement, ...]:
    """The six test statements about terms a and b (no 'some ... are not')."""
    return tuple(Statement(q, x, y) for q in QUANTIFIERS for x, y in ((a, b), (b, a)))


# ---- the syllogistic forms ---------------------------------------------------------------------

class Form(NamedTuple):
    name: str                       # mood letters and figure, e.g. "AA-1"
    premises: tuple[Statement, Statement]  # (major, minor), terms as S/M/P indices
    valid: tuple[Statement, ...]    # every valid statement among the six about S and P

    @property
    def canonical(self) -> Statement:
        """The conclusion with S as subject when one is valid (the classical reading)."""
        return next((c for c in self.valid if c.subject == S), self.valid[0])


@lru_cache(maxsize=1)
def forms() -> tuple[Form, ...]:
    """Every mood/figure premise pair with at least one valid conclusion among the six."""
    out = []
    for m1 in "AIE":
        for m2 in "AIE":
            for fig, ((a1, b1), (a2, b2)) in FIGURES.items():
                premises = (Statement(MOOD[m1], a1, b1), Statement(MOOD[m2], a2, b2))
                valid = tuple(c for c in candidates(S, P) if entails(premises, c))
                if valid:
                    out.append(Form(f"{m1}{m2}-{fig}", premises, valid))
    return tuple(out)


# ---- generation ---------------------------------------------------------------------------------

def context(names: list[str] | tuple[str, ...]) -> str:
    *first, last = names
    return f"The relationships between {', '.join(first)} and {last} are:"


def _item(rng: random.Random, i: int, form: Form, terms: tuple[str, str, str]) -> tuple[Document, TestItem]:
    premises = list(form.premises)
    rng.shuffle(premises)
    doc_text = context(sorted(terms)) + " " + " ".join(p.text(terms) for p in premises)
    choices = list(candidates(S, P))
    rng.shuffle(choices)
    ends = [terms[S], terms[P]]
    rng.shuffle(ends)
    info = {"item_id": i, "form": form.name, "subject": terms[S], "middle": terms[M],
            "predicate": terms[P], "conclusion": form.canonical.text(terms)}
    doc = Document(id=f"s{i}", text=doc_text, meta=info)
    item = TestItem(id=f"s{i}", split="syllogism", prompt=context(ends),
                    choices=tuple(c.text(terms) for c in choices),
                    answer=choices.index(form.canonical),
                    valid=tuple(k for k, c in enumerate(choices) if c in form.valid), meta=info)
    return doc, item


def generate(seed: int = 0, n_items: int = 69) -> Dataset:
    """Generate the dataset; the default is the paper's size (69 syllogisms)."""
    if n_items < 1:
        raise IclftError(f"syllogism: n_items must be at least 1, got {n_items}")
    rng = random.Random(f"syllogism:{seed}")
    try:
        words = nonsense_words(3 * n_items, seed=rng.randrange(2**32))
    except IclftError:
        raise IclftError(f"syllogism: n_items={n_items} needs {3 * n_items} distinct nonsense words, "
                         "more than the word grammar supplies") from None
    order = list(forms())
    rng.shuffle(order)
    docs, items = [], []
    for i in range(n_items):
        terms = (words[3 * i], words[3 * i + 1], words[3 * i + 2])
        doc, item = _item(rng, i, order[i % len(order)], terms)
        docs.append(doc)
        items.append(item)
    meta = {"generator": "syllogism", "version": VERSION, "seed": seed,
            "params": {"n_items": n_items}, "words": words, "semantics": SEMANTICS,
            "forms": [f.name for f in order], "generalization_splits": ["syllogism"]}
    return Dataset(name="syllogism", train=tuple(docs), test=tuple(items), meta=meta)


# ---- the checker: re-derives every answer from the training text ---------------------------------

_DOC = re.compile(r"The relationships between (\w+), (\w+) and (\w+) are: (.*)")
_PROMPT = re.compile(r"The relationships between (\w+) and (\w+) are:")
_SENTENCE = re.compile(r"(All|Some|No) (\w+) are (\w+)\.")


def _parse_sentences(text: str) -> list[tuple[str, str, str]] | None:
    """'All a are b. No c are d.' -> [("All","a","b"), ("No","c","d")]; None if anything is left over."""
    found = _SENTENCE.findall(text)
    if " ".join(f"{q} {x} are {y}." for q, x, y in found) != text.strip():
        return None
    return found


def _parse_documents(ds: Dataset, problems: list[str]) -> dict[frozenset[str], tuple]:
    """Term set -> (terms, premises as word triples) for every well-formed training document."""
    out, used = {}, set()
    for d in ds.train:
        m = _DOC.fullmatch(d.text)
        sentences = _parse_sentences(m.group(4)) if m else None
        if not m or sentences is None or len(sentences) != 2 or len(set(m.groups()[:3])) != 3:
            problems.append(f"{d.id}: training text is not a context line plus two premises: {d.text!r}")
            continue
        terms = m.groups()[:3]
        if any(x not in terms or y not in terms or x == y for _, x, y in sentences):
            problems.append(f"{d.id}: a premise uses a term the context line does not name")
            continue
        if used & set(terms):
            problems.append(f"{d.id}: shares a term with another training syllogism")
            continue
        used.update(terms)
        out[frozenset(terms)] = (terms, sentences)
    return out


def _check_item(item: TestItem, terms, sentences, problems: list[str]) -> None:
    a, b = _PROMPT.fullmatch(item.prompt).groups()
    index = {t: k for k, t in enumerate(terms)}
    middle = next(t for t in terms if t not in (a, b))
    if any(sum(t in (x, y) for _, x, y in sentences) != 1 for t in (a, b)) or \
            any(middle not in (x, y) for _, x, y in sentences):
        problems.append(f"{item.id}: prompt terms are not the two end terms of the premises")
    premises = tuple(Statement(q, index[x], index[y]) for q, x, y in sentences)
    expected = {c.text(terms) for c in candidates(index[a], index[b])}
    if set(item.choices) != expected or len(item.choices) != 6:
        problems.append(f"{item.id}: choices are not the six statements about {a} and {b}")
        return
    entailed = set()
    for k, choice in enumerate(item.choices):
        q, x, y = _SENTENCE.fullmatch(choice).groups()
        if entails(premises, Statement(q, index[x], index[y])):
            entailed.add(k)
    for k in sorted(entailed - set(item.valid)):
        problems.append(f"{item.id}: entailed choice not marked valid: {item.choices[k]!r}")
    for k in sorted(set(item.valid) - entailed):
        problems.append(f"{item.id}: choice marked valid is not entailed: {item.choices[k]!r}")
    if not entailed:
        problems.append(f"{item.id}: no choice is entailed by the premises")


def check(ds: Dataset) -> list[str]:
    """Symbolic soundness, recomputed from the documents' text: the valid choices of each item are
    exactly the statements its premises entail (brute force over Venn models), and each item's
    prompt names the two end terms of exactly one training syllogism."""
    problems: list[str] = []
    docs = _parse_documents(ds, problems)
    by_term = {t: key for key in docs for t in key}  # each term belongs to one syllogism
    unlisted = sorted(set(by_term) - set(ds.meta.get("words", ())))
    if unlisted:
        problems.append(f"meta['words'] misses terms used in training: {unlisted[:5]}")
    seen: set[frozenset[str]] = set()
    for item in ds.test:
        m = _PROMPT.fullmatch(item.prompt)
        if item.split != "syllogism" or not m:
            problems.append(f"{item.id}: not a syllogism test item ({item.split!r}, {item.prompt!r})")
            continue
        a, b = m.groups()
        key = by_term.get(a)
        if a == b or key is None or b not in key:
            problems.append(f"{item.id}: {a} and {b} are not two terms of one training syllogism")
            continue
        seen.add(key)
        _check_item(item, *docs[key], problems)
    if len(seen) != len(docs) or len(ds.test) != len(docs):
        problems.append(f"{len(docs)} training syllogisms but {len(ds.test)} test items covering {len(seen)}")
    return problems


# ---- statements about the syllogisms: the quality of augmentations, and the oracle ----------------

_ANY_STATEMENT = re.compile(r"\b(all|some|no) ([a-z]+) are ([a-z]+)\b", re.IGNORECASE)


def _premises_by_term(ds: Dataset) -> dict[str, tuple[tuple[str, ...], tuple[Statement, ...]]]:
    """Each term of a well-formed training syllogism -> (its three terms, its premises)."""
    out = {}
    for terms, sentences in _parse_documents(ds, []).values():
        index = {t: k for k, t in enumerate(terms)}
        entry = (terms, tuple(Statement(q, index[x], index[y]) for q, x, y in sentences))
        for t in terms:
            out[t] = entry  # one object per syllogism: `is` tells whether two terms share it
    return out


def classify_statements(ds: Dataset, sentences: list[str]) -> list[str]:
    """Per sentence, each "All/Some/No X are Y" in it judged against the premises of the training
    syllogism that X and Y belong to (brute force over Venn models, Boolean semantics): entailed
    when the premises force it, contradicted when no model of the premises allows it, else other
    (also for terms of two different syllogisms, unknown words, or no statement found)."""
    by_term = _premises_by_term(ds)

    def verdict(q: str, x: str, y: str) -> str:
        if x == y or x not in by_term or by_term[x] is not by_term.get(y):
            return "other"
        terms, premises = by_term[x]
        claim = Statement(q.capitalize(), terms.index(x), terms.index(y))
        if entails(premises, claim):
            return "entailed"
        allowed = (1 << 256) - 1
        for p in premises:
            allowed &= models_of(p)
        return "contradicted" if allowed & models_of(claim) == 0 else "other"

    return [combine([verdict(q, x.lower(), y.lower()) for q, x, y in _ANY_STATEMENT.findall(s)])
            for s in sentences]


# The test statement is the answer alone: the prompt is a preamble or context line (augment.symbolic).
TEST_STATEMENT = "answer"


def oracle_statements(ds: Dataset) -> list[str]:
    """The valid conclusions about the two end terms of every training syllogism (the mirror
    images of Some/No conclusions included): "All troff are yomp." """
    out = []
    for terms, premises in dict.fromkeys(_premises_by_term(ds).values()):
        middle = next(k for k in range(3) if all(k in (p.subject, p.predicate) for p in premises))
        a, b = (k for k in range(3) if k != middle)
        out += [c.text(terms) for c in candidates(a, b) if entails(premises, c)]
    return out
