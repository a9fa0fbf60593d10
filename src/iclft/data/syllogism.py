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

Judged syllogisms (`n_judged` > 0; beyond the paper, docs/deviations.md). In every one of the ten
forms the valid quantifier is the premises' atmosphere (No if a premise says No, else Some if one
says Some, else All), so that rule scores 0.90 on the split above and no model can show deduction
by beating it. The extension adds n_judged documents of the same shape, each over three new words,
with valid forms (11 in every 20) and mood-matched invalid pairs (9 in 20: the same moods in
figures where nothing at all follows about the end terms, not even "Some S are not P": AA-2, AA-3,
AI-2, AI-4, AE-1, AE-3, IA-1, IA-2, EA-3, EA-4), and a test split `judged` that states one candidate
conclusion about the end terms and asks whether it follows:

    training   "The relationships between brask, femp and glon are: All femp are brask. All glon are brask."
    test       "Given the relationships between brask, femp and glon, the conclusion that all glon are femp" ->
                 follows.   does not follow. (answer: AA-2, nothing follows)

Why a judged statement and not a seventh choice "Nothing follows." beside the six: under likelihood
scoring that string shares nothing with the statements it competes with (no end terms, another
length), so a model's prior for it, not the logic, decides how often it wins; DC-PMI subtracts
that prior, the same on every item, which moves a threshold that nothing calibrates. Here the two
choices are the same two strings on every item and half the answers are each, so any constant
preference (string prior, length, a finetuned habit) scores exactly 0.5; only the item can move
the verdict. The prompt names the three terms as the document's context line does (alphabetical)
and states the candidate in the datasets' statement form (lowercase inside the sentence); the
verdict completes the sentence, scored as every item is (prompt, a space, choice).

Candidates: on an invalid pair the atmosphere conclusion (no direction of it follows); on a valid
pair a valid conclusion, or, for Barbara, its converse (All P are S), the one atmosphere-matching
statement that does not follow from a valid pair (Some and No conclusions hold both ways). One cycle
of 20 slots, used like the forms (slot i mod 20 of a seeded shuffle; each slot relabels S and P at
random, AA-1 <-> AA-4, AI-2 <-> IA-2 ..., which renames and changes no text's distribution):

    follows (10)          Barbara 3, Celarent 2, Cesare 2, Darii 1, Datisi 2
    does not follow (10)  Barbara's converse 1, AA-2 1, AA-3 1, AI-2 1, AI-4 2, AE-1 3, AE-3 1

Within a cycle the two answers are equally frequent for every candidate quantifier (All 3/3, Some
3/3, No 4/4), every premise-pair shape (the middle term between the end terms 6/6, both end terms
subjects 2/2, both predicates 2/2) and every direction along the chain (4/4 with the candidate's
subject a premise subject and its predicate a premise predicate). So always "follows", always "does
not follow", atmosphere (follows iff the candidate has the atmosphere quantifier: always here),
figural (follows iff the candidate runs subject to predicate as the premises do) and conversion
(follows iff it follows once every premise's converse is added: every candidate in the cycle
does) each score exactly 0.5 when n_judged is a multiple of 20, and 0.5 in
expectation otherwise (iclft.eval.shortcuts). The counts are forced: balancing the figure shapes
and the quantifiers makes Barbara as frequent as its converse, AA-2 and AA-3 together. The judged
part draws its words after the paper's and its choices from the same RNG after the paper's items,
so the paper's split is the same with or without it.
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
LIMITS = {"n_items": 3000, "n_judged": 3000}  # three words an item; the word grammar supplies 9,388
SEMANTICS = ("boolean: no existential import (terms may be empty); entailment by brute force "
             "over the 256 Venn-region models of three sets")
QUANTIFIERS = ("All", "Some", "No")
MOOD = {"A": "All", "I": "Some", "E": "No"}
S, M, P = 0, 1, 2  # term indices: subject, middle, predicate
# Term order of (major premise, minor premise) in each figure.
FIGURES = {1: ((M, P), (S, M)), 2: ((P, M), (S, M)), 3: ((M, P), (M, S)), 4: ((P, M), (M, S))}
NAMES = tuple(f"{m1}{m2}-{fig}" for m1 in "AIE" for m2 in "AIE" for fig in FIGURES)  # all 36 premise pairs
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


def premises_of(name: str) -> tuple[Statement, Statement]:
    """(major, minor) of a mood/figure name such as "AE-1": All M are P, No S are M."""
    moods, figure = name.split("-")
    (a1, b1), (a2, b2) = FIGURES[int(figure)]
    return Statement(MOOD[moods[0]], a1, b1), Statement(MOOD[moods[1]], a2, b2)


def atmosphere(premises) -> str:
    """The premises' atmosphere: "No" if a premise says No, else "Some" if one says Some, else "All"
    (the quantifier the atmosphere heuristic picks for a conclusion)."""
    moods = {p.quantifier for p in premises}
    return "No" if "No" in moods else "Some" if "Some" in moods else "All"


@lru_cache(maxsize=1)
def forms() -> tuple[Form, ...]:
    """Every mood/figure premise pair with at least one valid conclusion among the six."""
    out = []
    for name in NAMES:
        premises = premises_of(name)
        valid = tuple(c for c in candidates(S, P) if entails(premises, c))
        if valid:
            out.append(Form(name, premises, valid))
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


# ---- judged syllogisms: does a stated conclusion follow? ----------------------------------------

JUDGMENTS = ("follows.", "does not follow.")  # the two choices of every judged item, in this order
INVALID = ("AA-2", "AA-3", "AI-2", "AI-4", "AE-1", "AE-3", "IA-1", "IA-2", "EA-3", "EA-4")


class Slot(NamedTuple):
    form: str
    candidate: Statement  # terms as S/M/P indices


# The cycle of the module docstring. "Figural": the candidate's subject is a subject and its
# predicate a predicate in the premises (the premises run S-M, M-P; the candidate S-P).
JUDGED_CYCLE = (
    # follows: a valid conclusion of a valid form
    *[Slot("AA-1", Statement("All", S, P))] * 3,                     # Barbara, figural (its only valid way)
    Slot("EA-1", Statement("No", S, P)), Slot("EA-1", Statement("No", P, S)),        # Celarent, both ways
    Slot("EA-2", Statement("No", S, P)), Slot("EA-2", Statement("No", P, S)),        # Cesare (end terms subjects)
    Slot("AI-1", Statement("Some", P, S)),                                           # Darii, against the figure
    Slot("AI-3", Statement("Some", S, P)), Slot("AI-3", Statement("Some", P, S)),    # Datisi (end terms predicates)
    # does not follow: the atmosphere conclusion
    Slot("AA-1", Statement("All", P, S)),                            # Barbara's converse, against the figure
    Slot("AA-2", Statement("All", S, P)),                            # end terms subjects
    Slot("AA-3", Statement("All", S, P)),                            # end terms predicates (Darapti's premises)
    Slot("AI-2", Statement("Some", S, P)),                           # end terms subjects
    Slot("AI-4", Statement("Some", P, S)), Slot("AI-4", Statement("Some", S, P)),    # figural, against
    *[Slot("AE-1", Statement("No", S, P))] * 3,                      # figural
    Slot("AE-3", Statement("No", S, P)),                             # end terms predicates
)
_SWAP = {S: P, M: M, P: S}


def mirror(slot: Slot) -> Slot:
    """The same slot with S and P renamed (AA-1 <-> AA-4, AI-2 <-> IA-2, ...)."""
    swapped = {Statement(q, _SWAP[x], _SWAP[y]) for q, x, y in premises_of(slot.form)}
    name = next(n for n in NAMES if set(premises_of(n)) == swapped)
    q, x, y = slot.candidate
    return Slot(name, Statement(q, _SWAP[x], _SWAP[y]))


def judged_case(item: TestItem) -> tuple[tuple[Statement, Statement], Statement]:
    """(premises, candidate) of a judged item, terms as S/M/P indices, read from its meta."""
    roles = {item.meta["subject"]: S, item.meta["middle"]: M, item.meta["predicate"]: P}
    q, x, y = re.fullmatch(r"(All|Some|No) (\w+) are (\w+)\.", item.meta["candidate"]).groups()
    return premises_of(item.meta["form"]), Statement(q, roles[x], roles[y])


def judged_prompt(names: list[str] | tuple[str, ...], candidate: Statement, terms) -> str:
    *first, last = names
    clause = f"{candidate.quantifier.lower()} {terms[candidate.subject]} are {terms[candidate.predicate]}"
    return f"Given the relationships between {', '.join(first)} and {last}, the conclusion that {clause}"


def _judged_item(rng: random.Random, i: int, slot: Slot, terms: tuple[str, str, str]) -> tuple[Document, TestItem]:
    if rng.random() < 0.5:
        slot = mirror(slot)
    premises = list(premises_of(slot.form))
    follows = entails(tuple(premises), slot.candidate)
    rng.shuffle(premises)
    info = {"item_id": i, "form": slot.form, "subject": terms[S], "middle": terms[M], "predicate": terms[P],
            "candidate": slot.candidate.text(terms), "follows": follows}
    doc = Document(id=f"j{i}", text=context(sorted(terms)) + " " + " ".join(p.text(terms) for p in premises),
                   meta=info)
    item = TestItem(id=f"j{i}", split="judged", prompt=judged_prompt(sorted(terms), slot.candidate, terms),
                    choices=JUDGMENTS, answer=0 if follows else 1, meta=info)
    return doc, item


def generate(seed: int = 0, n_items: int = 69, n_judged: int = 0) -> Dataset:
    """Generate the dataset; the default is the paper's size (69 syllogisms). n_judged > 0 adds that
    many judged documents and items (split `judged`, module docstring) and leaves the rest as it was."""
    if n_items < 1:
        raise IclftError(f"syllogism: n_items must be at least 1, got {n_items}")
    if n_judged < 0:
        raise IclftError(f"syllogism: n_judged must be 0 or more, got {n_judged}")
    rng = random.Random(f"syllogism:{seed}")
    n_words = 3 * (n_items + n_judged)
    try:  # a longer list starts with the same words, so the judged terms come after the paper's
        words = nonsense_words(n_words, seed=rng.randrange(2**32))
    except IclftError:
        asked = f"n_items={n_items}" + (f" and n_judged={n_judged}" if n_judged else "")
        raise IclftError(f"syllogism: {asked} need {n_words} distinct nonsense words, "
                         "more than the word grammar supplies") from None
    order = list(forms())
    rng.shuffle(order)
    docs, items = [], []
    for i in range(n_items):
        terms = (words[3 * i], words[3 * i + 1], words[3 * i + 2])
        doc, item = _item(rng, i, order[i % len(order)], terms)
        docs.append(doc)
        items.append(item)
    params, splits = {"n_items": n_items}, ["syllogism"]
    if n_judged:
        cycle = list(JUDGED_CYCLE)
        rng.shuffle(cycle)
        for j in range(n_judged):
            k = 3 * (n_items + j)
            doc, item = _judged_item(rng, j, cycle[j % len(cycle)], (words[k], words[k + 1], words[k + 2]))
            docs.append(doc)
            items.append(item)
        params["n_judged"] = n_judged
        splits.append("judged")
    meta = {"generator": "syllogism", "version": VERSION, "seed": seed,
            "params": params, "words": words, "semantics": SEMANTICS,
            "forms": [f.name for f in order], "generalization_splits": splits}
    return Dataset(name="syllogism", train=tuple(docs), test=tuple(items), meta=meta)


# ---- the checker: re-derives every answer from the training text ---------------------------------

_DOC = re.compile(r"The relationships between (\w+), (\w+) and (\w+) are: (.*)")
_PROMPT = re.compile(r"The relationships between (\w+) and (\w+) are:")
_JUDGED = re.compile(r"Given the relationships between (\w+), (\w+) and (\w+), "
                     r"the conclusion that (all|some|no) (\w+) are (\w+)")
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


def _check_judged(item: TestItem, terms, sentences, problems: list[str]) -> None:
    q, x, y = _JUDGED.fullmatch(item.prompt).groups()[3:]
    index = {t: k for k, t in enumerate(terms)}
    middles = [t for t in terms if all(t in (a, b) for _, a, b in sentences)]
    if len(middles) != 1 or {x, y} != set(terms) - set(middles):
        problems.append(f"{item.id}: the candidate {q} {x} are {y} is not about the two end terms of the premises")
        return
    if tuple(item.choices) != JUDGMENTS:
        problems.append(f"{item.id}: choices are not {list(JUDGMENTS)}")
        return
    premises = tuple(Statement(p, index[a], index[b]) for p, a, b in sentences)
    follows = entails(premises, Statement(q.capitalize(), index[x], index[y]))
    expected = 0 if follows else 1
    if item.answer != expected or tuple(item.valid) != (expected,):
        problems.append(f"{item.id}: the premises say the conclusion {JUDGMENTS[expected][:-1]}, "
                        f"but the item's answer is {item.choices[item.answer]!r}")


def check(ds: Dataset) -> list[str]:
    """Symbolic soundness, recomputed from the documents' text: the valid choices of each item are
    exactly the statements its premises entail (brute force over Venn models), each judged item's
    answer is "follows." exactly when its premises entail its candidate, and each item's prompt
    names the end terms (judged: all three terms) of exactly one training syllogism, one item each."""
    problems: list[str] = []
    docs = _parse_documents(ds, problems)
    by_term = {t: key for key in docs for t in key}  # each term belongs to one syllogism
    unlisted = sorted(set(by_term) - set(ds.meta.get("words", ())))
    if unlisted:
        problems.append(f"meta['words'] misses terms used in training: {unlisted[:5]}")
    seen: set[frozenset[str]] = set()
    for item in ds.test:
        pattern, n_named, check_item = {"syllogism": (_PROMPT, 2, _check_item),
                                        "judged": (_JUDGED, 3, _check_judged)}.get(item.split, (None, 0, None))
        m = pattern.fullmatch(item.prompt) if pattern else None
        if not m:
            problems.append(f"{item.id}: not a syllogism test item ({item.split!r}, {item.prompt!r})")
            continue
        named = m.groups()[:n_named]
        key = by_term.get(named[0])
        if len(set(named)) != n_named or key is None or not set(named) <= key:
            problems.append(f"{item.id}: {' and '.join(named)} are not {('two', 'three')[n_named - 2]} terms "
                            "of one training syllogism")
            continue
        if key in seen:
            problems.append(f"{item.id}: a second test item on the syllogism of {', '.join(sorted(key))}")
        seen.add(key)
        check_item(item, *docs[key], problems)
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
    images of Some/No conclusions included): "All troff are yomp." A judged document with an invalid
    premise pair gets nothing: nothing follows about its end terms, and the oracle states
    conclusions, never a verdict ("does not follow") or a judged item's wording."""
    out = []
    for terms, premises in dict.fromkeys(_premises_by_term(ds).values()):
        middle = next(k for k in range(3) if all(k in (p.subject, p.predicate) for p in premises))
        a, b = (k for k in range(3) if k != middle)
        out += [c.text(terms) for c in candidates(a, b) if entails(premises, c)]
    return out
