"""Exports to Hugging Face datasets and to lm-evaluation-harness tasks (skipped when not installed)."""
import json
import sys

import pytest

from iclft import IclftError
from iclft.data import Dataset, Document, TestItem, generate, save_dataset
from iclft.data.export import export


@pytest.fixture
def folder(tmp_path):
    return save_dataset(generate("simple_reversal", seed=0, n_facts=10), tmp_path / "ds")


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """Keep the json builder's cache out of the home folder."""
    datasets = pytest.importorskip("datasets", reason="datasets is not installed (pip install datasets)")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))


def test_hf_export_loads_back(folder, tmp_path, hf_cache):
    import datasets

    assert export(folder, tmp_path / "hf", "hf") == ["train", "forward", "reversal"]
    loaded = datasets.load_from_disk(str(tmp_path / "hf"))
    assert {k: len(v) for k, v in loaded.items()} == {"train": 100, "forward": 10, "reversal": 10}
    row = loaded["reversal"][0]
    assert row["choices"][row["answer"]] and row["valid"] == [row["answer"]]
    assert json.loads(loaded["train"][0]["meta"])["fact_id"] >= 0


def test_hf_export_needs_datasets(folder, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(IclftError, match="pip install datasets"):
        export(folder, tmp_path / "hf", "hf")


def test_lm_eval_files(folder, tmp_path):
    assert export(folder, tmp_path / "lm", "lm-eval") == ["iclft_simple_reversal_forward",
                                                          "iclft_simple_reversal_reversal"]
    assert sorted(p.name for p in (tmp_path / "lm").iterdir()) == [
        "forward.jsonl", "forward.yaml", "iclft_data.py", "reversal.jsonl", "reversal.yaml"]
    text = (tmp_path / "lm" / "reversal.yaml").read_text()
    assert "dataset_path: json" in text and "test: reversal.jsonl" in text
    assert "output_type: multiple_choice" in text and "target_delimiter: ' '" in text


def test_refuses_unknown_format_and_nonempty_folder(folder, tmp_path):
    with pytest.raises(IclftError, match="unknown export format 'csv'"):
        export(folder, tmp_path / "x", "csv")
    with pytest.raises(IclftError, match="not an empty folder"):
        export(folder, folder, "lm-eval")


def _load_tasks(include_path, name):
    """Tasks by name, as `lm_eval --include_path ... --tasks name` builds them."""
    from lm_eval.tasks import TaskManager, get_task_dict

    manager = TaskManager(include_path=str(include_path), include_defaults=False)
    if hasattr(manager, "load"):  # lm-eval >= 0.4.10; get_task_dict is deprecated there
        return manager.load([name])["tasks"]
    return get_task_dict([name], manager)


@pytest.fixture
def lm_eval_tasks(folder, tmp_path, hf_cache, monkeypatch):
    """The exported tasks as lm-eval loads them, from another working directory."""
    pytest.importorskip("lm_eval", reason="lm-eval is not installed (pip install lm-eval)")
    export(folder, tmp_path / "lm", "lm-eval")
    monkeypatch.chdir(tmp_path / "ds")  # data_files are relative: they must not depend on the cwd
    return _load_tasks(tmp_path / "lm", "iclft_simple_reversal")


def test_lm_eval_loads_docs_choices_and_target(folder, lm_eval_tasks):
    from iclft.data import load_dataset

    splits = load_dataset(folder).splits()
    assert set(lm_eval_tasks) == {"iclft_simple_reversal_forward", "iclft_simple_reversal_reversal"}
    task = lm_eval_tasks["iclft_simple_reversal_reversal"]
    docs = list(task.test_docs())
    assert len(docs) == 10
    for doc, item in zip(docs, splits["reversal"]):
        assert task.doc_to_text(doc) == item.prompt
        assert task.doc_to_choice(doc) == list(item.choices)
        assert task.doc_to_target(doc) == [item.answer]
    assert task.config.target_delimiter == " "


def test_lm_eval_scores_any_valid_choice_as_correct(tmp_path, hf_cache, monkeypatch):
    pytest.importorskip("lm_eval", reason="lm-eval is not installed (pip install lm-eval)")
    item = TestItem("a", "s", "All troff are", ("yomp.", "glon.", "femp."), answer=0, valid=(0, 2))
    ds = Dataset("toy", (Document("d", "All troff are glon."),), (item,), {"seed": 0, "version": "1"})
    save_dataset(ds, tmp_path / "toy")
    export(tmp_path / "toy", tmp_path / "lm", "lm-eval")
    monkeypatch.chdir(tmp_path)
    task = _load_tasks(tmp_path / "lm", "iclft_toy_s")["iclft_toy_s"]
    doc = next(iter(task.test_docs()))

    def scores(lls):  # lm-eval's multiple-choice scoring, given one log-likelihood per choice
        return task.process_results(doc, [(ll, False) for ll in lls])

    assert scores([-9.0, -9.0, -1.0])["acc"] == 1.0  # "femp." is valid though not the canonical answer
    assert scores([-9.0, -1.0, -9.0])["acc"] == 0.0
    assert scores([-1.0, -9.0, -9.0])["acc_norm"] == 1.0
