"""The syllogism generator and its brute-force checker."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest

from iclft import IclftError
from iclft.data import Dataset, Document, TestItem, save_dataset
from iclft.data import generate as generate_by_name
from iclft.data import syllogism
from iclft.data.syllogism import M, P, S, Statement, check, entails, generate


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return generate(seed=0)


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _with_item(ds: Dataset, index: int, **changes) -> Dataset:
    test = list(ds.test)
    test[index] = replace(test[index], **changes)
    return replace(ds, test=tuple(test))


def _first(ds: Dataset, n_valid: int) -> int:
    return next(i for i, t in enumerate(ds.test) if len(t.valid) == n_valid)


# ---- the logic --------------------------------------------------------------------------------

def test_the_papers_example_has_exactly_one_valid_conclusion():
    # "All glon are yomp. All troff are glon." with glon = M, yomp = P, troff = S.
    premises = (Statement("All", M, P), Statement("All", S, M))
    valid = [c for c in syllogism.candidates(S, P) if entails(premises, c)]
    assert valid == [Statement("All", S, P)]


def test_some_and_no_conclusions_come_in_mirror_pairs():
    darii = (Statement("All", M, P), Statement("Some", S, M))
    celarent = (Statement("No", M, P), Statement("All", S, M))
    assert {c for c in syllogism.candidates(S, P) if entails(darii, c)} == \
        {Statement("Some", S, P), Statement("Some", P, S)}
    assert {c for c in syllogism.candidates(S, P) if entails(celarent, c)} == \
        {Statement("No", S, P), Statement("No", P, S)}


def test_boolean_semantics_has_no_existential_import():
    # Darapti (All M are P, All M are S -> Some S are P) needs M to be non-empty.
    assert not entails((Statement("All", M, P), Statement("All", M, S)), Statement("Some", S, P))


def test_forms_are_the_ten_valid_mood_figure_pairs():
    names = {f.name for f in syllogism.forms()}
    assert names == {"AA-1", "AA-4", "EA-1", "EA-2", "AE-2", "AE-4", "AI-1", "AI-3", "IA-3", "IA-4"}


# ---- the generated dataset ------------------------------------------------------------------------

def test_default_sizes_and_shape(ds):
    assert ds.sizes() == {"train": 69, "test": {"syllogism": 69}}
    assert ds.meta["generalization_splits"] == ["syllogism"]
    assert "no existential import" in ds.meta["semantics"]
    assert len(ds.meta["words"]) == len(set(ds.meta["words"])) == 3 * 69
    for item in ds.test:
        assert len(item.choices) == len(set(item.choices)) == 6
        assert not any("not" in c.split() for c in item.choices)
        assert item.answer in item.valid and 1 <= len(item.valid) <= 2


def test_forms_are_balanced(ds):
    counts = Counter(d.meta["form"] for d in ds.train)
    assert len(counts) == 10 and set(counts.values()) == {6, 7}


def test_training_text_matches_the_paper_format(ds):
    doc, item = ds.train[0], ds.test[0]
    terms = sorted((doc.meta["subject"], doc.meta["middle"], doc.meta["predicate"]))
    assert doc.text.startswith(f"The relationships between {terms[0]}, {terms[1]} and {terms[2]} are: ")
    assert item.prompt in (f"The relationships between {a} and {b} are:"
                           for a, b in [(doc.meta["subject"], doc.meta["predicate"]),
                                        (doc.meta["predicate"], doc.meta["subject"])])


def test_same_seed_gives_identical_files_and_other_seeds_differ(tmp_path):
    a = _files(save_dataset(generate(seed=3), tmp_path / "a"))
    b = _files(save_dataset(generate(seed=3), tmp_path / "b"))
    c = _files(save_dataset(generate(seed=4), tmp_path / "c"))
    assert a == b
    assert a["train.jsonl"] != c["train.jsonl"] and a["test.jsonl"] != c["test.jsonl"]


def test_registry_gives_the_same_dataset(ds):
    assert generate_by_name("syllogism", seed=0) == ds


def test_generate_leaves_the_global_rng_alone():
    random.seed(123)
    state = random.getstate()
    generate(seed=5, n_items=10)
    assert random.getstate() == state


@pytest.mark.parametrize("n_items, message", [(0, "at least 1"), (-3, "at least 1"),
                                              (10**5, "more than the word grammar supplies")])
def test_impossible_sizes_are_one_clear_error(n_items, message):
    with pytest.raises(IclftError, match=message):
        generate(n_items=n_items)


# ---- the checker ----------------------------------------------------------------------------------

def test_check_passes_for_100_seeds():
    for seed in range(100):
        assert check(generate(seed=seed)) == [], seed


def test_check_accepts_the_papers_example_written_by_hand():
    doc = Document(id="s0", text="The relationships between glon, troff and yomp are: "
                                 "All glon are yomp. All troff are glon.")
    choices = ("All troff are yomp.", "All yomp are troff.", "Some troff are yomp.",
               "Some yomp are troff.", "No troff are yomp.", "No yomp are troff.")
    item = TestItem(id="s0", split="syllogism", prompt="The relationships between yomp and troff are:",
                    choices=choices, answer=0)
    meta = {"words": ["glon", "troff", "yomp"]}
    assert check(Dataset("syllogism", (doc,), (item,), meta)) == []


def test_check_catches_an_answer_moved_to_a_wrong_choice(ds):
    i = _first(ds, 1)
    wrong = next(k for k in range(6) if k not in ds.test[i].valid)
    problems = check(_with_item(ds, i, answer=wrong, valid=(wrong,)))
    assert any("not entailed" in p for p in problems)
    assert any("not marked valid" in p for p in problems)


def test_check_catches_a_distractor_marked_valid(ds):
    i = _first(ds, 2)
    item = ds.test[i]
    extra = next(k for k in range(6) if k not in item.valid)
    problems = check(_with_item(ds, i, valid=(*item.valid, extra)))
    assert problems == [f"{item.id}: choice marked valid is not entailed: {item.choices[extra]!r}"]


def test_check_catches_a_missing_mirror_conclusion(ds):
    i = _first(ds, 2)
    item = ds.test[i]
    problems = check(_with_item(ds, i, valid=(item.answer,)))
    assert len(problems) == 1 and "entailed choice not marked valid" in problems[0]


def test_check_reads_the_premises_from_the_text_not_the_meta(ds):
    i = next(k for k, d in enumerate(ds.train) if d.meta["form"] == "AA-1")
    train = list(ds.train)
    train[i] = replace(train[i], text=train[i].text.replace("All", "No", 1))
    assert any(p.startswith(f"{train[i].id}:") for p in check(replace(ds, train=tuple(train))))


def test_check_catches_a_choice_outside_the_six(ds):
    item = ds.test[0]
    subject, _, predicate = item.choices[0].rstrip(".").split(" ")[1:]
    choices = (f"Some {subject} are not {predicate}.", *item.choices[1:])
    problems = check(_with_item(ds, 0, choices=choices))
    assert any("not the six statements" in p for p in problems)
