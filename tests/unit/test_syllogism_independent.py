"""The syllogism data checked by a second, independent logic: the generator is used only to produce
datasets; everything about the items is re-read from their text with this file's own regular
expressions and judged by this file's own enumeration of set models (nothing from iclft's
`entails`, `models_of`, `candidates`, `forms` or its checker).

A model of three terms is the set of non-empty regions among the 8 Venn regions (each region says,
for every term, whether it lies inside it): 2^8 = 256 models. Statements:
    All X are Y        no non-empty region inside X and outside Y
    No X are Y         no non-empty region inside X and Y
    Some X are Y       some non-empty region inside X and Y
    Some X are not Y   some non-empty region inside X and outside Y
A conclusion is valid when it holds in every model in which both premises hold. Boolean semantics
uses all 256 models; existential import keeps only the models in which every term is non-empty.
"""
from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import lru_cache

import pytest

from iclft.data.syllogism import generate  # only to obtain items

SEEDS = range(100)

# ---- the independent logic ---------------------------------------------------------------------------

REGIONS = tuple(itertools.product((False, True), repeat=3))  # membership in terms 0, 1, 2
MODELS = tuple(frozenset(r for r, on in zip(REGIONS, bits) if on)
               for bits in itertools.product((False, True), repeat=len(REGIONS)))
assert len(MODELS) == 256 and len(set(MODELS)) == 256


def _existential(model) -> bool:
    return all(any(r[t] for r in model) for t in range(3))


EXISTENTIAL_MODELS = tuple(m for m in MODELS if _existential(m))
# Inclusion-exclusion: one empty term empties 4 regions, two empty 6, three empty 7.
assert len(EXISTENTIAL_MODELS) == 256 - 3 * 2 ** 4 + 3 * 2 ** 2 - 2 ** 1 == 218


def _holds(statement, model) -> bool:
    """statement = (form, x, y) with x, y term positions 0..2 and form All / No / Some / SomeNot."""
    form, x, y = statement
    x_and_y = any(r[x] and r[y] for r in model)
    x_not_y = any(r[x] and not r[y] for r in model)
    return {"All": not x_not_y, "No": not x_and_y, "Some": x_and_y, "SomeNot": x_not_y}[form]


@lru_cache(maxsize=None)
def _true_in(statement, existential: bool) -> frozenset[int]:
    models = EXISTENTIAL_MODELS if existential else MODELS
    return frozenset(i for i, m in enumerate(models) if _holds(statement, m))


def follows(premises, conclusion, existential: bool = False) -> bool:
    both = frozenset.intersection(*(_true_in(p, existential) for p in premises))
    return both <= _true_in(conclusion, existential)


def statements_about(x: int, y: int, forms=("All", "Some", "No")):
    return [(f, a, b) for f in forms for a, b in ((x, y), (y, x))]


# ---- reading the items back from their text ----------------------------------------------------------

DOC = re.compile(r"The relationships between ([a-z]+), ([a-z]+) and ([a-z]+) are: (.+)")
PROMPT = re.compile(r"The relationships between ([a-z]+) and ([a-z]+) are:")
SENTENCE = re.compile(r"(All|Some|No) ([a-z]+) are (not )?([a-z]+)\.")
FORM_OF = {("All", None): "All", ("No", None): "No", ("Some", None): "Some", ("Some", "not "): "SomeNot"}


def _sentence(text: str, terms: tuple[str, ...]):
    m = SENTENCE.fullmatch(text)
    assert m, f"not a categorical statement: {text!r}"
    q, x, neg, y = m.groups()
    assert (q, neg) in FORM_OF, text
    assert x in terms and y in terms and x != y, text
    return (FORM_OF[(q, neg)], terms.index(x), terms.index(y))


def _premises(text: str, terms):
    parts = re.findall(r"[^.]+\.", text)
    assert "".join(parts).replace(" ", "") == text.replace(" ", ""), text
    return tuple(_sentence(p.strip(), terms) for p in parts)


def _read(ds):
    """Per test item: (item, terms, premises, prompt end terms as positions, choices as statements)."""
    docs = []
    for d in ds.train:
        m = DOC.fullmatch(d.text)
        assert m, d.text
        terms = m.groups()[:3]
        assert len(set(terms)) == 3, d.text
        docs.append((terms, _premises(m.group(4), terms)))
    out = []
    for item in ds.test:
        m = PROMPT.fullmatch(item.prompt)
        assert m, item.prompt
        a, b = m.groups()
        owners = [(t, p) for t, p in docs if a in t and b in t]
        assert len(owners) == 1, f"{item.id}: {a}, {b} belong to {len(owners)} training syllogisms"
        terms, premises = owners[0]
        choices = tuple(_sentence(c, terms) for c in item.choices)
        out.append((item, terms, premises, (terms.index(a), terms.index(b)), choices))
    return out


@pytest.fixture(scope="module")
def read_items():
    out = []
    for seed in SEEDS:
        ds = generate(seed=seed, n_items=10 + seed % 5)  # 10-14 items: the form cycle wraps round
        assert len(ds.train) == len(ds.test) == 10 + seed % 5
        out += [(seed, *r) for r in _read(ds)]
    return out


def _where(seed, item, k=None) -> str:
    at = f"seed {seed} item {item.id}: {item.prompt!r}"
    return at if k is None else f"{at} choice {item.choices[k]!r}"


# ---- the checker checks itself on textbook cases -------------------------------------------------------

S_, M_, P_ = 0, 1, 2


@pytest.mark.parametrize("premises,existential,expected", [
    # Barbara: All M are P, All S are M -> All S are P; existential import adds both Some.
    ((("All", M_, P_), ("All", S_, M_)), False, {("All", S_, P_)}),
    ((("All", M_, P_), ("All", S_, M_)), True, {("All", S_, P_), ("Some", S_, P_), ("Some", P_, S_)}),
    # Darapti: All M are P, All M are S -> Some S are P only with existential import.
    ((("All", M_, P_), ("All", M_, S_)), False, set()),
    ((("All", M_, P_), ("All", M_, S_)), True, {("Some", S_, P_), ("Some", P_, S_)}),
    # Celarent and Darii, mirror pairs either way.
    ((("No", M_, P_), ("All", S_, M_)), False, {("No", S_, P_), ("No", P_, S_)}),
    ((("All", M_, P_), ("Some", S_, M_)), False, {("Some", S_, P_), ("Some", P_, S_)}),
    # Undistributed middle: nothing follows.
    ((("All", P_, M_), ("All", S_, M_)), False, set()),
    ((("All", P_, M_), ("All", S_, M_)), True, set()),
    # Two particular premises: nothing follows.
    ((("Some", M_, P_), ("Some", S_, M_)), True, set()),
])
def test_the_independent_checker_on_textbook_syllogisms(premises, existential, expected):
    got = {c for c in statements_about(S_, P_) if follows(premises, c, existential)}
    assert got == expected


def test_the_independent_checker_with_some_not():
    # Ferio: No M are P, Some S are M -> Some S are not P (and not Some P are not S).
    ferio = (("No", M_, P_), ("Some", S_, M_))
    assert follows(ferio, ("SomeNot", S_, P_))
    assert not follows(ferio, ("SomeNot", P_, S_))
    # Felapton (No M are P, All M are S -> Some S are not P) needs existential import.
    felapton = (("No", M_, P_), ("All", M_, S_))
    assert not follows(felapton, ("SomeNot", S_, P_))
    assert follows(felapton, ("SomeNot", S_, P_), existential=True)


# ---- the generated items under Boolean semantics ----------------------------------------------------------

def test_items_have_the_documented_shape(read_items):
    assert len(read_items) == sum(10 + s % 5 for s in SEEDS)
    for seed, item, terms, premises, (a, b), choices in read_items:
        where = _where(seed, item)
        assert len(premises) == 2, where
        middle = 3 - a - b
        assert a != b, where
        # The middle term is in both premises, each end term in exactly one.
        assert all(middle in (x, y) for _, x, y in premises), where
        assert all(sum(t in (x, y) for _, x, y in premises) == 1 for t in (a, b)), where
        # The choices are the six All/Some/No statements about the two end terms, each once.
        assert sorted(choices) == sorted(statements_about(a, b)), where
        assert all(f != "SomeNot" for f, _, _ in premises), where


def test_every_choice_marked_valid_follows_from_the_premises(read_items):
    wrong = [_where(seed, item, k) for seed, item, _, premises, _, choices in read_items
             for k in item.valid if not follows(premises, choices[k])]
    assert wrong == []


def test_every_choice_not_marked_valid_does_not_follow(read_items):
    wrong = [_where(seed, item, k) for seed, item, _, premises, _, choices in read_items
             for k in range(len(choices)) if k not in item.valid and follows(premises, choices[k])]
    assert wrong == []


def test_the_answer_is_valid_and_some_or_no_come_as_mirror_pairs(read_items):
    sizes = Counter()
    for seed, item, _, premises, _, choices in read_items:
        valid = {choices[k] for k in item.valid}
        assert item.answer in item.valid, _where(seed, item)
        forms = {f for f, _, _ in valid}
        assert len(forms) == 1, _where(seed, item)  # one quantifier per item
        if forms == {"All"}:
            assert len(valid) == 1, _where(seed, item)
        else:
            assert {(f, y, x) for f, x, y in valid} == valid and len(valid) == 2, _where(seed, item)
        sizes[(forms.pop(), len(valid))] += 1
    # Every kind of item occurs over the seeds.
    assert set(sizes) == {("All", 1), ("Some", 2), ("No", 2)}


def _shape(premises, ends):
    """The premise pair up to naming: terms as roles (end, middle, end), the two end terms
    interchangeable, the premises unordered (the six test choices are symmetric in the end terms)."""
    a, b = ends
    middle = 3 - a - b
    labelings = ({a: "E1", middle: "M", b: "E2"}, {a: "E2", middle: "M", b: "E1"})
    return min(tuple(sorted((f, lab[x], lab[y]) for f, x, y in premises)) for lab in labelings)


def _all_shapes():
    """Every premise pair with moods All/Some/No: one premise relates E1 and M, the other M and E2,
    each in either direction (the four figures)."""
    E1, M, E2 = 0, 1, 2
    out = set()
    for f1, f2 in itertools.product(("All", "Some", "No"), repeat=2):
        for p1 in ((f1, E1, M), (f1, M, E1)):
            for p2 in ((f2, E2, M), (f2, M, E2)):
                out.add((((p1, p2)), (E1, E2)))
    return out


def test_the_generator_uses_exactly_the_premise_pairs_with_a_boolean_conclusion(read_items):
    shapes = _all_shapes()
    assert len(shapes) == 36
    with_conclusion = {_shape(p, e) for p, e in shapes
                       if any(follows(p, c) for c in statements_about(*e))}
    seen = {_shape(premises, ends) for _, _, _, premises, ends, _ in read_items}
    # The ten named forms are five shapes once the end terms are interchangeable (AA-1/AA-4,
    # EA-1/AE-4, EA-2/AE-2, AI-1/IA-4, AI-3/IA-3).
    assert len(with_conclusion) == 5
    assert seen == with_conclusion


# ---- what existential import would change ------------------------------------------------------------------

def test_existential_import_adds_both_some_statements_to_each_all_item_and_nothing_else(read_items):
    # The generator's documentation: Boolean semantics keeps "All S are P" items single-answer,
    # "whereas existential import would also make both 'Some' statements valid".
    gained = Counter()
    for seed, item, _, premises, (a, b), choices in read_items:
        boolean = {c for c in choices if follows(premises, c)}
        existential = {c for c in choices if follows(premises, c, existential=True)}
        assert boolean <= existential, _where(seed, item)
        extra = existential - boolean
        if any(f == "All" for f, _, _ in boolean):
            assert extra == {("Some", a, b), ("Some", b, a)}, _where(seed, item)
        else:
            assert extra == set(), _where(seed, item)
        gained[len(extra)] += 1
    assert gained[2] > 0 and gained[0] > 0  # both cases occur: the assertion above is not vacuous
    # Under existential import the marked answers would be incomplete for exactly the All items.
    all_items = sum(1 for _, item, *_ in read_items if len(item.valid) == 1)
    assert gained[2] == all_items


def test_darapti_is_the_only_premise_pair_that_existential_import_adds_and_it_is_left_out(read_items):
    shapes = _all_shapes()
    boolean = {_shape(p, e) for p, e in shapes if any(follows(p, c) for c in statements_about(*e))}
    existential = {_shape(p, e) for p, e in shapes
                   if any(follows(p, c, existential=True) for c in statements_about(*e))}
    darapti = _shape((("All", M_, P_), ("All", M_, S_)), (S_, P_))
    assert existential - boolean == {darapti}
    assert darapti not in {_shape(premises, ends) for _, _, _, premises, ends, _ in read_items}


# ---- judged syllogisms (generate(n_judged=...)): does a stated conclusion follow? ----------------------

JUDGED = re.compile(r"Given the relationships between ([a-z]+), ([a-z]+) and ([a-z]+), "
                    r"the conclusion that (all|some|no) ([a-z]+) are ([a-z]+)")
VERDICTS = ("follows.", "does not follow.")


@pytest.fixture(scope="module")
def judged_items():
    """Per judged item: (seed, item, terms, premises, candidate), all read from the text."""
    out = []
    for seed in SEEDS:
        ds = generate(seed=seed, n_items=3, n_judged=20 + seed % 7)  # 20-26: the cycle wraps round
        docs = {}
        for d in ds.train:
            m = DOC.fullmatch(d.text)
            assert m, d.text
            docs[m.groups()[:3]] = _premises(m.group(4), m.groups()[:3])
        judged = [item for item in ds.test if item.split == "judged"]
        assert len(judged) == 20 + seed % 7
        for item in judged:
            m = JUDGED.fullmatch(item.prompt)
            assert m, item.prompt
            terms = m.groups()[:3]
            assert terms in docs, f"seed {seed} {item.id}: no training document names {terms}"
            candidate = _sentence(f"{m.group(4).capitalize()} {m.group(5)} are {m.group(6)}.", terms)
            out.append((seed, item, terms, docs[terms], candidate))
    return out


def _atmosphere(premises) -> str:
    forms = {f for f, _, _ in premises}
    return "No" if "No" in forms else "Some" if "Some" in forms else "All"


def test_judged_items_ask_about_the_end_terms_of_their_document(judged_items):
    for seed, item, terms, premises, (form, a, b) in judged_items:
        where = _where(seed, item)
        middle = 3 - a - b
        assert a != b and all(middle in (x, y) for _, x, y in premises), where
        assert all(sum(t in (x, y) for _, x, y in premises) == 1 for t in (a, b)), where
        assert item.choices == VERDICTS and item.valid == (item.answer,), where


def test_every_judged_answer_is_what_the_premises_entail(judged_items):
    wrong = [_where(seed, item) for seed, item, _, premises, candidate in judged_items
             if (item.choices[item.answer] == "follows.") != follows(premises, candidate)]
    assert wrong == []


def test_a_conclusion_that_does_not_follow_comes_from_a_pair_with_no_conclusion_or_is_barbaras_converse(
        judged_items):
    kinds = Counter()
    for seed, item, _, premises, (form, a, b) in judged_items:
        if follows(premises, (form, a, b)):
            continue
        entailed = [c for c in statements_about(a, b, ("All", "Some", "No", "SomeNot")) if follows(premises, c)]
        if entailed:  # a valid pair: only Barbara, asked backwards
            assert entailed == [("All", b, a)] and form == "All", _where(seed, item)
            kinds["converse"] += 1
        else:  # nothing at all follows about the end terms, not even "Some X are not Y"
            kinds["nothing follows"] += 1
    assert kinds["converse"] and kinds["nothing follows"] > 5 * kinds["converse"]


def test_the_judged_pairs_are_the_boolean_forms_and_invalid_ones_with_the_same_moods(judged_items):
    shapes = _all_shapes()
    with_conclusion = {_shape(p, e) for p, e in shapes if any(follows(p, c) for c in statements_about(*e))}
    seen = {}
    for _, _, _, premises, (_, a, b) in judged_items:
        seen[_shape(premises, (a, b))] = any(follows(premises, c) for c in statements_about(a, b))
    assert {s for s, valid in seen.items() if valid} == with_conclusion
    invalid = {s for s, valid in seen.items() if not valid}
    assert len(invalid) == 6  # AA-2, AA-3, AI-2/IA-2, AI-4/IA-1, AE-1/EA-4, AE-3/EA-3
    moods = lambda s: tuple(sorted(f for f, _, _ in s))  # noqa: E731
    assert {moods(s) for s in invalid} == {moods(s) for s in with_conclusion}


def test_neither_the_verdict_nor_the_atmosphere_gives_the_answer(judged_items):
    answers = Counter(item.choices[item.answer] for _, item, *_ in judged_items)
    assert 0.45 <= answers["follows."] / sum(answers.values()) <= 0.55
    for seed, item, _, premises, (form, _, _) in judged_items:
        assert form == _atmosphere(premises), _where(seed, item)  # so the atmosphere says "follows" on every item
