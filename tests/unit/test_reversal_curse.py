"""The Berglund et al. reversal-curse loader, on the local copy of the public files (never in the repo)."""
import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from iclft import IclftError
from iclft.data import reversal_curse as rc
from iclft.data import save_dataset
from iclft.data.checker import validate

DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "reversal_curse").resolve()

pytestmark = pytest.mark.skipif(
    not (DATA / rc.TRAIN_FILE).is_file(),
    reason=f"Berglund et al. data not found at {DATA} (a local copy beside the repository is needed)")


@pytest.fixture(scope="module")
def ds():
    return rc.generate(seed=0, path=str(DATA))


def _records(name):
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def test_sizes(ds):
    assert len(ds.train) == 3600
    assert ds.sizes()["test"] == {"p2d_reverse": 300, "p2d": 300, "d2p": 300, "d2p_reverse": 300}
    assert ds.meta["words"] == []
    assert ds.meta["generalization_splits"] == ["p2d_reverse", "d2p_reverse"]
    assert set(ds.meta["source"]["sha256"]) == set(rc.FILES)


def test_training_text_is_prompt_plus_completion(ds):
    first = _records(rc.TRAIN_FILE)[0]
    assert ds.train[0].text == first["prompt"] + first["completion"]
    assert ds.train[0].meta["name"] == "Daphne Barrington"
    assert all(d.text == d.meta["prompt"] + d.meta["completion"] for d in ds.train)
    assert {d.meta["group"] for d in ds.train} == {"p2d", "d2p", "both"}


def test_reverse_items_have_four_choices_with_the_right_name(ds):
    items = ds.splits()["p2d_reverse"]
    for item, record in zip(items, _records("p2d_reverse_prompts_test.jsonl")):
        assert len(set(item.choices)) == 4 and item.chance == 0.25
        assert item.choices[item.answer] == record["completion"].strip() == item.meta["name"]
        # choices carry no leading space: the scorer's single space restores the file's text
        assert item.prompt + " " + item.choices[item.answer] == record["prompt"] + record["completion"]


def test_description_items_use_other_peoples_descriptions(ds):
    item = ds.splits()["p2d"][0]
    assert item.meta["name"] in item.prompt
    assert all(c.startswith("the ") for c in item.choices)
    assert len(set(item.choices)) == 4


def test_distractors_come_from_every_group_or_from_the_same_group(ds):
    group = {d.meta["name"]: d.meta["group"] for d in ds.train}
    distractors = [c for t in ds.splits()["p2d_reverse"] for i, c in enumerate(t.choices) if i != t.answer]
    assert {group[c] for c in distractors} == {"p2d", "d2p", "both"}
    same = rc.generate(seed=0, path=str(DATA), distractors_from="same_group")
    assert {group[c] for t in same.splits()["p2d_reverse"] for c in t.choices} == {"p2d"}


def test_deterministic(ds):
    assert rc.generate(seed=0, path=str(DATA)).test == ds.test
    assert rc.generate(seed=1, path=str(DATA)).test != ds.test


def test_check_passes(ds):
    assert rc.check(ds) == []


def test_valid_as_a_folder(ds, tmp_path):
    save_dataset(ds, tmp_path / "rc")
    assert validate(tmp_path / "rc") == []


@pytest.mark.parametrize("split", ["p2d_reverse", "p2d"])
def test_check_catches_a_wrong_answer(ds, split):
    item = ds.splits()[split][5]
    wrong = (item.answer + 1) % len(item.choices)
    bad = dataclasses.replace(item, answer=wrong, valid=(wrong,))
    corrupted = dataclasses.replace(ds, test=tuple(bad if t is item else t for t in ds.test))
    problems = rc.check(corrupted)
    assert problems and all(p.startswith(f"{item.id}: ") for p in problems)
    assert any("correct choice" in p for p in problems) and any("distractor" in p for p in problems)


@pytest.fixture
def copy(tmp_path):
    for name in rc.FILES:
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("line, message", [
    ("{not json\n", "malformed JSON"),
    ('{"prompt": "Daphne Barrington is"}\n', "missing key 'completion'"),
    ('{"prompt": 3, "completion": " x"}\n', "'prompt' is not a string"),
])
def test_malformed_line_names_file_and_line(copy, line, message):
    path = copy / "p2d_reverse_prompts_test.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[6] = line
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(IclftError, match=rf"p2d_reverse_prompts_test.jsonl:7: {message}"):
        rc.generate(path=str(copy))


def test_missing_file(copy):
    (copy / "d2p_prompts_test.jsonl").unlink()
    with pytest.raises(IclftError, match=r"d2p_prompts_test.jsonl: file not found"):
        rc.generate(path=str(copy))


def test_hub_layout_folder_is_found(tmp_path):
    (tmp_path / rc.HUB_FOLDER).mkdir()
    for name in rc.FILES:
        shutil.copy(DATA / name, tmp_path / rc.HUB_FOLDER / name)
    assert len(rc.generate(path=str(tmp_path)).train) == 3600


def test_path_is_required():
    with pytest.raises(IclftError, match="needs path="):
        rc.generate()


def test_missing_folder_that_is_no_hub_id():
    with pytest.raises(IclftError, match="folder /no/such/folder not found"):
        rc.generate(path="/no/such/folder")


def test_hub_failure_is_one_line(monkeypatch):
    huggingface_hub = pytest.importorskip("huggingface_hub")

    def offline(**kwargs):
        raise ConnectionError("Name or service not known\nmore detail")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(IclftError, match=r"could not download 'lberglund/reversal_curse'.*ConnectionError") as e:
        rc.generate(path=rc.HUB_ID)
    assert "\n" not in str(e.value)


def test_bad_parameters():
    with pytest.raises(IclftError, match="n_distractors"):
        rc.generate(path=str(DATA), n_distractors=0)
    with pytest.raises(IclftError, match="distractors_from"):
        rc.generate(path=str(DATA), distractors_from="nobody")
    with pytest.raises(IclftError, match="only 29 other people"):
        rc.generate(path=str(DATA), n_distractors=30, distractors_from="same_group")
