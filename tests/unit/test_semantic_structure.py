"""The semantic_structure generator: determinism, sizes, soundness over many seeds, a checker that
catches corrupted data, taxonomy validation, and the untouched global RNG."""
from __future__ import annotations

import dataclasses
import random
from functools import lru_cache

import pytest

from iclft import IclftError
from iclft.data import generate as generate_by_name
from iclft.data import save_dataset
from iclft.data import semantic_structure as ss
from iclft.data import semantic_text as text
from iclft.data.taxonomy import Fact, load_taxonomy

SMALL = 150  # documents: above the 110 categories, so every fact is still stated


@lru_cache(maxsize=None)
def full(seed: int = 0):
    return ss.generate(seed)


def _replace_item(ds, index, **changes):
    test = list(ds.test)
    test[index] = dataclasses.replace(test[index], **changes)
    return dataclasses.replace(ds, test=tuple(test))


def _first(ds, split, **meta):
    return next(i for i, item in enumerate(ds.test)
                if item.split == split and all(item.meta[k] == v for k, v in meta.items()))


# ---- determinism and sizes -----------------------------------------------------------------------

def test_same_seed_same_files_and_different_seeds_differ(tmp_path):
    a = save_dataset(ss.generate(3, n_docs=SMALL), tmp_path / "a")
    b = save_dataset(ss.generate(3, n_docs=SMALL), tmp_path / "b")
    c = save_dataset(ss.generate(4, n_docs=SMALL), tmp_path / "c")
    for name in ("train.jsonl", "test.jsonl", "meta.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
        assert (a / name).read_bytes() != (c / name).read_bytes()


def test_default_sizes_follow_the_paper():
    ds = full()
    assert len(ds.train) == 2200
    counts = [len(text.split_units(d.text)) for d in ds.train]
    assert min(counts) >= 4 and max(counts) <= 20
    assert {d.meta["style"] for d in ds.train} == set(text.STYLES)
    assert set(ds.splits()) == {"rephrased", "reversal", "syllogism", "category_holdout"}
    assert all(len(item.choices) == 4 for item in ds.test)
    assert len(load_taxonomy().categories) == 110
    assert len(ds.meta["holdout"]) == 10
    assert ds.meta["generalization_splits"] == ["reversal", "syllogism", "category_holdout"]
    assert sorted(ds.meta["words"]) == sorted(ds.meta["mapping"].values())
    types = {item.meta["type"] for item in ds.test}
    assert {"category_reversal", "property_reversal", "inheritance_1", "inheritance_2",
            "inheritance_3", "membership_2"} <= types


def test_registered_by_name_with_paper_defaults():
    ds = generate_by_name("semantic_structure", seed=1, n_docs=SMALL, n_choices=3)
    assert all(len(item.choices) == 3 for item in ds.test)
    assert ss.check(ds) == []


def test_global_random_state_untouched():
    random.seed(123)
    before = random.getstate()
    ss.check(ss.generate(5, n_docs=SMALL))
    assert random.getstate() == before


# ---- soundness -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seeds", [range(0, 50), range(50, 100)])
def test_check_passes_for_many_seeds(seeds):
    for seed in seeds:
        problems = ss.check(ss.generate(seed, n_docs=SMALL))
        assert problems == [], f"seed {seed}: {problems[:3]}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_passes_at_full_size(seed):
    assert ss.check(full(seed)) == []


def test_generic_dataset_validator_passes(tmp_path):
    from iclft.data.checker import validate

    assert validate(save_dataset(full(), tmp_path / "ds")) == []


def test_distractors_stand_in_the_relation_to_something_else():
    """A distractor is the object (subject, for reversals) of some stated fact of the same
    relation, so how often a word appears in training cannot single out the answer."""
    ds = full()
    stated = {f for d in ds.train for u in text.split_units(d.text) for f in text.parse_unit(u)}
    objects = {(f.relation, f.object) for f in stated}
    subjects = {(f.relation, f.subject) for f in stated if f.relation != "isa"}
    subjects |= {("isa", f.subject) for f in stated if f.relation == "isa"}
    for item in ds.test:
        rel, reverse = item.meta["relation"], item.split == "reversal"
        for i, choice in enumerate(item.choices):
            if i != item.answer:
                assert (rel, choice.rstrip(".")) in (subjects if reverse else objects), item.render()


def test_template_table_parses_each_template_back_to_itself():
    for template in text.TEMPLATES:
        statement = template.text.format(s="grud", o="abme")
        parsed = text.parse_statement(statement)
        assert parsed == (template, [Fact("grud", template.relation, "abme")])
        prompt, choice = template.split("grud", "abme")
        assert text.normalize(f"{prompt} {choice}") == statement
    assert text.parse_unit("Interestingly, gruds can zept, blik and frop.") == [
        Fact("gruds", "can", o) for o in ("zept", "blik", "frop")]
    assert text.parse_unit("Abmes include gruds.") is None  # test-only wording never parses as training


# ---- the checker can fail ------------------------------------------------------------------------

def test_check_catches_a_distractor_that_is_true():
    ds = ss.generate(0, n_docs=SMALL)
    syllogisms = [(i, t) for i, t in enumerate(ds.test) if t.split == "syllogism"]
    # An item, and another object its subject truly has through the same relation.
    i, item, other = next((i, t, u.meta["object"]) for i, t in syllogisms for _, u in syllogisms
                          if (u.meta["subject"], u.meta["relation"]) == (t.meta["subject"], t.meta["relation"])
                          and u.meta["object"] != t.meta["object"])
    wrong = next(k for k in range(len(item.choices)) if k != item.answer)
    for replacement in (item.choices[item.answer], other + "."):
        choices = list(item.choices)
        choices[wrong] = replacement
        problems = ss.check(_replace_item(ds, i, choices=tuple(choices)))
        assert any(item.id in p and "distractor is entailed" in p for p in problems), replacement


def test_check_catches_a_removed_fact():
    ds = ss.generate(0, n_docs=SMALL)
    item = ds.test[_first(ds, "syllogism", type="inheritance_1")]
    premise = Fact(*item.meta["premises"][-1])  # the parent's property
    train = []
    for doc in ds.train:
        units = [u for u in text.split_units(doc.text) if premise not in (text.parse_unit(u) or [])]
        train.append(dataclasses.replace(doc, text=" ".join(units)))
    problems = ss.check(dataclasses.replace(ds, train=tuple(train)))
    assert any(item.id in p and "premise not stated" in p for p in problems)
    assert any(item.id in p and "correct choice is not entailed" in p for p in problems)


def test_check_catches_leaked_inferences_and_reversals():
    ds = ss.generate(0, n_docs=SMALL)
    deduced = ds.test[_first(ds, "category_holdout", type="inheritance_1")]
    reversed_ = ds.test[_first(ds, "reversal", type="category_reversal")]
    leak = (f"{deduced.prompt} {deduced.choices[deduced.answer]} "
            f"{reversed_.prompt} {reversed_.choices[reversed_.answer]}")
    doc = ds.train[0]
    train = (dataclasses.replace(doc, text=doc.text + " " + leak), *ds.train[1:])
    problems = ss.check(dataclasses.replace(ds, train=train))
    assert any(deduced.id in p and "not deduced" in p for p in problems)
    assert any(f"holdout category {deduced.meta['subject']!r}" in p for p in problems)
    assert any("fits no training template" in p and reversed_.prompt in p for p in problems)


def test_check_catches_documents_of_the_wrong_length():
    ds = ss.generate(0, n_docs=SMALL)
    doc = ds.train[0]
    short = dataclasses.replace(doc, text=text.split_units(doc.text)[0])
    problems = ss.check(dataclasses.replace(ds, train=(short, *ds.train[1:])))
    assert any(doc.id in p and "sentences" in p for p in problems)


# ---- taxonomies ----------------------------------------------------------------------------------

SMALL_TAXONOMY = """\
categories:
  - {name: animal, properties: [can move, can eat]}
  - {name: bird, parent: animal, properties: [has feathers, can fly]}
  - {name: fish, parent: animal, properties: [has gills, can swim]}
  - {name: insect, parent: animal, properties: [has antennae, is small]}
  - {name: robin, parent: bird, properties: [is red]}
  - {name: canary, parent: bird, properties: [is yellow, can sing]}
  - {name: salmon, parent: fish, properties: [is pink]}
  - {name: shark, parent: fish, properties: [has teeth, is dangerous]}
  - {name: bee, parent: insect, properties: [can sting]}
  - {name: ant, parent: insect, properties: [is strong]}
"""


def test_user_taxonomy(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SMALL_TAXONOMY)
    ds = ss.generate(0, n_docs=20, n_holdout=1, taxonomy=str(path))
    assert ss.check(ds) == []
    assert ds.meta["params"]["taxonomy"] == str(path)
    assert set(ds.meta["mapping"]) >= {"animal", "bird", "feathers"}


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("{name: animal,", "{name: animal, parent: robin,"), "cycle in the category tree"),
    (lambda t: t.replace("parent: bird, properties: [is red]", "parent: birb, properties: [is red]"),
     "unknown parent 'birb'"),
    (lambda t: t + "  - {name: bee, parent: insect, properties: [can buzz]}\n", "duplicate category 'bee'"),
    (lambda t: t.replace("[is pink]", "[pink]"), "must read 'is <adjective>'"),
    (lambda t: t.replace("[is pink]", "[]"), "must be a list of 1-6"),
    (lambda t: t.replace("{name: ant,", "{name: ant, colour: red,"), "unknown key 'colour'"),
    (lambda t: t.replace("[is strong]", "[can move]"), "already inherits from 'animal'"),
    (lambda t: t.replace("[is strong]", "[has bee]"), "also a category name"),
    (lambda t: t.replace("categories:", "categories: ["), "malformed YAML"),
])
def test_bad_taxonomy_is_one_clear_error(tmp_path, edit, message):
    path = tmp_path / "bad.yaml"
    path.write_text(edit(SMALL_TAXONOMY))
    with pytest.raises(IclftError, match=message) as err:
        ss.generate(0, taxonomy=path)
    assert "\n" not in str(err.value)


def test_bad_parameters_are_errors(tmp_path):
    with pytest.raises(IclftError, match="n_docs"):
        ss.generate(0, n_docs=50)
    with pytest.raises(IclftError, match="n_holdout"):
        ss.generate(0, n_holdout=500)
    with pytest.raises(IclftError, match="cannot read"):
        ss.generate(0, taxonomy=tmp_path / "missing.yaml")
