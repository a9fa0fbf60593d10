"""The generic dataset checker, on small simple_reversal datasets edited by hand."""
import dataclasses
import json

import pytest

from iclft.data import generate, load_dataset, save_dataset
from iclft.data.checker import check_dataset, validate


@pytest.fixture
def folder(tmp_path):
    return save_dataset(generate("simple_reversal", seed=0, n_facts=20), tmp_path / "ds")


def _edit_meta(folder, **changes):
    meta = json.loads((folder / "meta.json").read_text())
    meta.update(changes)
    (folder / "meta.json").write_text(json.dumps(meta))


def _rewrite(folder, train=None, test=None):
    """Re-save the folder with replaced documents or items, keeping meta.json's sizes consistent."""
    ds = load_dataset(folder)
    ds = dataclasses.replace(ds, train=train or ds.train, test=test or ds.test)
    save_dataset(ds, folder)


def test_simple_reversal_is_valid_for_100_seeds():
    for seed in range(100):
        assert check_dataset(generate("simple_reversal", seed=seed, n_facts=20)) == [], f"seed {seed}"


def test_valid_folder(folder):
    assert validate(folder) == []


def test_non_nonsense_word(folder):
    meta = json.loads((folder / "meta.json").read_text())
    _edit_meta(folder, words=meta["words"] + ["house", meta["words"][0]])
    assert validate(folder) == [
        "meta words: 'house' is not a valid nonsense word (4-5 letters, syllable grammar, not English)",
        f"meta words: {meta['words'][0]!r} is listed 2 times",
    ]


def test_reversal_planted_in_training(folder):
    ds = load_dataset(folder)
    item = next(t for t in ds.test if t.split == "reversal")
    correct = item.choices[item.answer]
    planted = dataclasses.replace(ds.train[3], text=f"Did you know that {correct}")
    _rewrite(folder, train=(*ds.train[:3], planted, *ds.train[4:]))
    assert validate(folder) == [
        f"{item.id}: correct choice {correct!r} occurs verbatim in training document {planted.id} "
        f"and no distractor does"]


def test_whole_statement_planted_in_training(folder):
    ds = load_dataset(folder)
    item = next(t for t in ds.test if t.split == "reversal")
    statement = f"{item.prompt} {item.choices[item.answer]}"
    wrong = item.choices[1 - item.answer]
    planted = dataclasses.replace(ds.train[0], text=f"{statement} Some say {wrong}")
    _rewrite(folder, train=(planted, *ds.train[1:]))
    assert f"{item.id}: correct statement {statement!r} occurs verbatim in training document {planted.id}" \
        in validate(folder)


def test_sizes_mismatch(folder):
    meta = json.loads((folder / "meta.json").read_text())
    meta["sizes"]["train"] += 1
    _edit_meta(folder, sizes=meta["sizes"])
    problems = validate(folder)
    assert len(problems) == 1 and "sizes in meta.json" in problems[0] and "'train': 201" in problems[0]


def test_duplicate_ids_and_single_choice(folder):
    ds = load_dataset(folder)
    first, second = ds.test[0], ds.test[1]
    same = dataclasses.replace(second, id=first.id, choices=(second.choices[0],) * 2, answer=0, valid=(0,))
    _rewrite(folder, test=(first, same, *ds.test[2:]))
    problems = validate(folder)
    assert f"test item id {first.id!r} is used 2 times" in problems
    assert f"{first.id}: fewer than 2 distinct choices {list(same.choices)}" in problems


def test_generator_check_runs(folder):
    ds = load_dataset(folder)
    item = next(t for t in ds.test if t.split == "forward")
    flipped = dataclasses.replace(item, answer=1 - item.answer, valid=(1 - item.answer,))
    _rewrite(folder, test=tuple(flipped if t is item else t for t in ds.test))
    problems = validate(folder)
    assert problems and all(p.startswith(f"{item.id}: ") for p in problems)


def test_unknown_generator_and_missing_split(folder):
    _edit_meta(folder, generator="nope", generalization_splits=["reversal", "sideways"])
    problems = validate(folder)
    assert "meta generalization_splits: no test items in split 'sideways'" in problems
    assert problems[-1].startswith("meta.json: unknown generator 'nope'")


def test_missing_folder(tmp_path):
    assert validate(tmp_path / "nothing") == [f"{tmp_path / 'nothing'}: dataset folder not found"]


@pytest.mark.parametrize("name, params", [
    ("syllogism", {}),
    ("semantic_structure", {"n_docs": 150}),
    ("process", {}),
])
def test_every_generator_is_valid_for_100_seeds(name, params):
    """The whole checker (generic checks plus the generator's symbolic check), seeds 0-99."""
    for seed in range(100):
        problems = check_dataset(generate(name, seed=seed, **params))
        assert problems == [], f"{name} seed {seed}: {problems[:3]}"
