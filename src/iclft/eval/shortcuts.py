"""Shortcut baselines: what a rule that reads the items and the training documents, and no model,
scores. A model's accuracy is only interesting where it beats both chance and the best shortcut.

    most_frequent  every dataset: the choice whose words occur most often, verbatim and in order, in
                   the training documents. On the celebrity data: the most frequent name.
    trained_wording  simple_reversal: the choice that repeats the comparative its fact was trained
                   with ("glon are more dangerous than femp" after "femp are more dangerous than
                   glon"): right on every forward item, wrong on every reversed one.
    atmosphere     syllogism: the quantifier-atmosphere rule, reading only the premises' quantifiers:
                   No if either premise says No, else Some if either says Some, else All; the
                   direction at random. Judged syllogisms: "follows" iff the candidate conclusion
                   has that quantifier.
    figural        judged syllogisms: "follows" iff the candidate runs as the premises do, its
                   subject a subject and its predicate a predicate there (S-M, M-P, so S-P).
    conversion     judged syllogisms: "follows" iff the candidate follows once each premise's
                   converse is added ("All A are B" read as "All B are A" too, an illicit conversion).
    always_follows, always_not_follows   judged syllogisms: one verdict on every item (the balance).
    cooccurrence   semantic_structure: the choice that shares the most training sentences with the
                   nonsense words of the prompt (an associative route, no inference).
    trained_steps  process: the choice with the most terms that training documents state as the
                   result of a part of the prompt's expression ("So the zorp-derivative of
                   blik(3x) is 12 vosk(3x).", recalled for "blik(3x) + tmef(2x)"): recall, no rule.
    consensus      process: the choice sharing the most terms with the other choices (each
                   distractor is one mistake away from the answer); reads the item alone.
    copied_operators  process: the choice that keeps the most of the prompt's operator names (a
                   copy, where the rules switch each operator to its partner): below chance.

For a dataset no generator made (a folder written by hand or imported, iclft.data.userdata):
    verbatim       the choice whose statement, prompt + " " + choice, occurs verbatim in a training
                   document (case and runs of white space aside, starting at a word): a test a
                   model passes by recall alone.
    cooccurrence   generic: the choice sharing the most training sentences with the prompt's
                   content words: its words (runs of letters, lowercased) of 3 letters or more
                   that are not in STOP_WORDS, a short English list. A choice scores the number of
                   training sentences that hold both a content word of the prompt and one of its
                   own (a word the prompt has too does not count for the choice).

Each rule gives every choice a score; ties are broken at random, and the accuracy reported is its
expectation over the tie-breaks (exact, no sampling): any valid choice on top, and strict (the
canonical answer above every invalid choice; iclft.eval.multiple_choice).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, NamedTuple, Sequence

from iclft.data import GENERATORS
from iclft.data.schema import Dataset, TestItem
from iclft.data.sentences import split_sentences
from iclft.data.process import Op, Sum, fmt, parse, read_result
from iclft.data.syllogism import JUDGMENTS, Statement, atmosphere, entails, judged_case, premises_of

_TOKEN = re.compile(r"[a-z0-9()+\-*/^']+")


class Shortcut(NamedTuple):
    name: str
    description: str
    scores: Callable[[Dataset], list[list[float]]]  # one score per choice, per test item
    splits: tuple[str, ...] = ()  # the splits it is reported on; () for every split


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


def _verdict(item: TestItem, follows: bool) -> list[float]:
    """A judged syllogism's choices scored for one verdict."""
    return [1.0 if c == JUDGMENTS[0 if follows else 1] else 0.0 for c in item.choices]


def atmosphere_scores(ds: Dataset) -> list[list[float]]:
    out = []
    for it in ds.test:
        rule = atmosphere(premises_of(it.meta["form"])).lower()  # e.g. "AE-2": All and No -> "no"
        if it.split == "judged":
            out.append(_verdict(it, judged_case(it)[1].quantifier.lower() == rule))
        else:
            out.append([1.0 if c.split()[0].lower() == rule else 0.0 for c in it.choices])
    return out


def _judged_rule(rule) -> Callable[[Dataset], list[list[float]]]:
    """Scores from rule(premises, candidate) -> follows, on judged syllogisms (zeros elsewhere)."""
    def scores(ds: Dataset) -> list[list[float]]:
        return [_verdict(it, rule(*judged_case(it))) if it.split == "judged" else [0.0] * len(it.choices)
                for it in ds.test]
    return scores


def _figural(premises, candidate) -> bool:
    return candidate.subject in {p.subject for p in premises} and \
        candidate.predicate in {p.predicate for p in premises}


def _converted(premises, candidate) -> bool:
    return entails((*premises, *(Statement(q, y, x) for q, x, y in premises)), candidate)


_STEP = re.compile(r"So the \w+-derivative of ([^.]+?) is ([^.]+)\.")
_ASKED = re.compile(r"The \w+-derivative of (.+) is")
_OPERATOR = re.compile(r"([a-z]+)\(")


def _terms(result: str) -> set[str]:
    """A process result's terms without their signs: "12 vosk(3x) - 10 blik(2x)." -> {"12 vosk(3x)", "10 blik(2x)"}."""
    return {" ".join([str(abs(c)), *factors]) for c, factors in read_result(result)}


def _parts(e) -> list:
    """An expression and all its subexpressions."""
    inner = [e.arg] if isinstance(e, Op) else [e.left, e.right] if isinstance(e, Sum) else []
    return [e] + [p for x in inner for p in _parts(x)]


def trained_steps_scores(ds: Dataset) -> list[list[float]]:
    stated: dict[str, set[str]] = {}
    for doc in ds.train:
        for expression, result in _STEP.findall(doc.text):
            stated.setdefault(expression, set()).update(_terms(result))
    out = []
    for it in ds.test:
        parts = _parts(parse(_ASKED.fullmatch(it.prompt).group(1)))
        recalled = set().union(*(stated.get(fmt(p), set()) for p in parts))
        out.append([float(len(_terms(c) & recalled)) for c in it.choices])
    return out


def consensus_scores(ds: Dataset) -> list[list[float]]:
    out = []
    for it in ds.test:
        terms = [_terms(c) for c in it.choices]
        out.append([float(sum(len(t & u) for j, u in enumerate(terms) if j != i)) for i, t in enumerate(terms)])
    return out


def copied_operators_scores(ds: Dataset) -> list[list[float]]:
    return [[float(len(set(_OPERATOR.findall(c)) & set(_OPERATOR.findall(it.prompt)))) for c in it.choices]
            for it in ds.test]


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


def _normal(text: str) -> str:
    return " " + " ".join(text.lower().split())


def verbatim_scores(ds: Dataset) -> list[list[float]]:
    docs = [_normal(d.text) for d in ds.train]
    return [[float(any(_normal(f"{it.prompt} {c}") in d for d in docs)) for c in it.choices] for it in ds.test]


STOP_WORDS = frozenset("""
    about above after again against all also and any are because been before being below between both but
    can could did does doing down during each few for from further had has have having her here hers herself
    him himself his how into its itself just more most not now off once only other our ours ourselves out
    over own same she should some such than that the their theirs them themselves then there these they
    this those through too under until very was were what when where which while who whom why will with
    would you your yours yourself yourselves
""".split())
_WORD = re.compile(r"[^\W\d_]+")  # a run of letters


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in STOP_WORDS}


def generic_cooccurrence_scores(ds: Dataset) -> list[list[float]]:
    where: dict[str, set[int]] = {}
    sentences = (s for doc in ds.train for s in split_sentences(doc.text))
    for k, sentence in enumerate(sentences):
        for w in _content_words(sentence):
            where.setdefault(w, set()).add(k)
    out = []
    for it in ds.test:
        asked = _content_words(it.prompt)
        near = set().union(*(where.get(w, set()) for w in asked))
        out.append([float(len(near & set().union(*(where.get(w, set()) for w in _content_words(c) - asked))))
                    for c in it.choices])
    return out


_MOST_FREQUENT = Shortcut("most_frequent", "the choice whose words occur most often, in order, in the "
                          "training documents (celebrities: the most frequent name)", most_frequent_scores)
SHORTCUTS: dict[str, list[Shortcut]] = {
    "simple_reversal": [Shortcut("trained_wording", "the choice that repeats its fact's trained comparative",
                                 trained_wording_scores)],
    "syllogism": [Shortcut("atmosphere", "No if either premise says No, else Some if either says Some, "
                           "else All; direction at random (judged: follows iff the candidate has it)",
                           atmosphere_scores),
                  Shortcut("figural", "follows iff the candidate's subject and predicate are a subject and a "
                           "predicate in the premises", _judged_rule(_figural), ("judged",)),
                  Shortcut("conversion", "follows iff it follows with each premise's converse added",
                           _judged_rule(_converted), ("judged",)),
                  Shortcut("always_follows", "follows, on every item", _judged_rule(lambda p, c: True), ("judged",)),
                  Shortcut("always_not_follows", "does not follow, on every item",
                           _judged_rule(lambda p, c: False), ("judged",))],
    "process": [Shortcut("trained_steps", "the choice with most terms that training states as results of parts "
                         "of the prompt's expression", trained_steps_scores),
                Shortcut("consensus", "the choice sharing most terms with the other choices", consensus_scores),
                Shortcut("copied_operators", "the choice keeping most of the prompt's operator names",
                         copied_operators_scores)],
    "semantic_structure": [Shortcut("cooccurrence", "the choice sharing most training sentences with the "
                                    "prompt's nonsense words", cooccurrence_scores)],
}


# for the datasets no generator made
GENERIC = [Shortcut("verbatim", "the choice whose statement (prompt + choice) a training document holds verbatim",
                    verbatim_scores),
           Shortcut("cooccurrence", "the choice sharing most training sentences with the prompt's content words",
                    generic_cooccurrence_scores)]


def shortcuts_for(ds: Dataset) -> list[Shortcut]:
    generator = ds.meta.get("generator")
    if generator not in GENERATORS:
        return [_MOST_FREQUENT] + GENERIC
    return [_MOST_FREQUENT] + SHORTCUTS.get(generator, [])


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
            if sc.splits and split not in sc.splits:
                continue
            idx = [i for i, it in enumerate(ds.test) if it.split == split]
            n = len(idx)
            rows.append({
                "dataset": ds.name, "split": split, "name": sc.name, "description": sc.description, "n": n,
                "chance": sum(ds.test[i].chance for i in idx) / n,
                "accuracy": round(sum(per_item[i][0] for i in idx) / n, 4),
                "strict_chance": sum(strict_chance(len(ds.test[i].choices), len(ds.test[i].valid)) for i in idx) / n,
                "strict": round(sum(per_item[i][1] for i in idx) / n, 4)})
    return rows
