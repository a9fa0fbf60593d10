"""The study end to end on a tiny random model: conditions, run folder, summary, errors."""
import json

import pytest

from iclft import IclftError
from iclft.cli import main
from iclft.config import load_config
from iclft.runner.run import run_study

SMALL = ["datasets=[{name: simple_reversal, params: {n_facts: 6, docs_per_fact: 2}}]",
         "finetune.epochs=2", "finetune.batch_size=4",
         "conditions=[pretrained, icl, finetune]"]  # the augmented ones: test_augment.py


def _cfg(tiny_model_dir, *extra):
    return load_config(preset="quick", overrides=[f"model.name={tiny_model_dir}", *SMALL, *extra])


def test_run_with_report_writes_the_report_and_prints_where(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--preset", "quick", f"model.name={tiny_model_dir}", *SMALL,
                 "datasets=[{name: simple_reversal, params: {n_facts: 3, docs_per_fact: 1}}]",
                 "conditions=[pretrained, icl]", "--out", str(out), "--report"]) == 0
    lines = capsys.readouterr().out.splitlines()
    report = [ln.split(None, 1)[1] for ln in lines if ln.startswith("report:")]
    figures = [ln.split(None, 1)[1] for ln in lines if ln.startswith("figure:")]
    assert report == [str(out / "report" / "index.html")] and (out / "report" / "index.html").is_file()
    assert figures and all(f.endswith(".png") and (tmp_path / f).is_file() for f in figures)


def test_run_writes_a_complete_run_folder(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--preset", "quick", f"model.name={tiny_model_dir}", *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "pretrained" in printed and "finetune" in printed and "reversal" in printed
    summary = json.loads((out / "summary.json").read_text())
    rows = {(r["condition"], r["split"]): r for r in summary["results"]}
    assert set(rows) == {(c, s) for c in ("pretrained", "icl", "finetune") for s in ("forward", "reversal")}
    for r in rows.values():
        assert r["n"] == 6 and r["chance"] == 0.5
        for s in r["scores"].values():
            assert s["ci_low"] <= s["accuracy"] <= s["ci_high"]
    items = [json.loads(line) for line in (out / "items" / "simple_reversal__icl.jsonl").read_text().splitlines()]
    assert len(items) == 12 and all(len(i["scores"]["sum"]) == 2 for i in items)
    # the recorded accuracy is the recomputed one
    fwd = [i for i in items if i["split"] == "forward"]
    acc = sum(max(range(2), key=lambda k: i["scores"]["sum"][k]) in i["valid"] for i in fwd) / len(fwd)
    assert acc == rows[("icl", "forward")]["scores"]["sum"]["accuracy"]
    assert (out / "config.yaml").is_file() and (out / "data" / "simple_reversal" / "meta.json").is_file()
    assert summary["costs"]["simple_reversal"]["finetune"]["train_steps"] == 2 * 3  # 12 docs / batch 4
    assert not list(tmp_path.glob("*.partial"))
    # the record has exactly the typed layout the report reads (iclft.results)
    from iclft.results import SCHEMA_VERSION, Accuracy, ResultRow, Scores, Summary

    assert set(summary) == set(Summary.__annotations__) and summary["schema_version"] == SCHEMA_VERSION
    for r in summary["results"]:
        assert set(r) == set(ResultRow.__annotations__)
        for s in r["scores"].values():
            assert set(s) == set(Scores.__annotations__) and set(s["strict"]) == set(Accuracy.__annotations__)


def test_same_config_and_seed_give_the_same_scores(tiny_model_dir, tmp_path):
    a = run_study(_cfg(tiny_model_dir, "cache_dir=null"), out=str(tmp_path / "a"))  # both computed
    b = run_study(_cfg(tiny_model_dir, "cache_dir=null"), out=str(tmp_path / "b"))
    for name in ("simple_reversal__finetune.jsonl", "simple_reversal__icl.jsonl"):
        assert (a / "items" / name).read_bytes() == (b / "items" / name).read_bytes()
    assert (a / "data" / "simple_reversal" / "train.jsonl").read_bytes() == \
        (b / "data" / "simple_reversal" / "train.jsonl").read_bytes()


def test_finetuning_lowers_the_loss_and_leaves_the_base_model_alone(tiny_model, tiny_model_dir, tmp_path):
    before = {k: v.clone() for k, v in tiny_model.model.state_dict().items()}
    cfg = _cfg(tiny_model_dir, "finetune.epochs=5", "finetune.learning_rate=3e-3", "conditions=[finetune]")
    run = run_study(cfg, out=str(tmp_path / "ft"), model=tiny_model)
    losses = json.loads((run / "summary.json").read_text())["costs"]["simple_reversal"]["finetune"]["epoch_loss"]
    assert losses[-1] < losses[0] - 0.5
    after = tiny_model.model.state_dict()
    assert all((before[k] == after[k]).all() for k in before)


def test_icl_context_that_does_not_fit_is_an_error_with_token_counts(tiny_model, tiny_model_dir, tmp_path):
    cfg = _cfg(tiny_model_dir, "datasets=[simple_reversal]", "conditions=[icl]")
    with pytest.raises(IclftError, match=r"1000 training documents .* take \d+ tokens .* window of 2048"):
        run_study(cfg, out=str(tmp_path / "r"), model=tiny_model)
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


def test_icl_subsamples_with_a_logged_seed_when_allowed(tiny_model, tiny_model_dir, tmp_path):
    cfg = _cfg(tiny_model_dir, "datasets=[{name: simple_reversal, params: {n_facts: 30}}]",
               "conditions=[icl]", "icl.subsample=true")
    run = run_study(cfg, out=str(tmp_path / "r"), model=tiny_model)
    notes = json.loads((run / "summary.json").read_text())["notes"]
    assert any("of 300 documents in context, subsampled with seed 0" in n for n in notes)
    tokens = json.loads((run / "summary.json").read_text())["costs"]["simple_reversal"]["icl"]["context_tokens"]
    assert tokens <= 2048


def test_icl_order_shuffled_is_a_seeded_permutation_of_the_documents(tiny_model, tiny_model_dir):
    from iclft.eval.frame import fit_documents
    from iclft.data import generate

    ds = generate("simple_reversal", seed=0, n_facts=6, docs_per_fact=2)
    docs = [d.text for d in ds.train]

    def shown(order, seed):
        cfg = _cfg(tiny_model_dir, f"icl.order={order}", "icl.chat_template=off")
        prefix, _ = fit_documents(tiny_model, ds, cfg.icl, seed)
        body = prefix.split(f"{cfg.icl.header}\n\n", 1)[1].rsplit(f"\n\n{cfg.icl.instruction}", 1)[0]
        return body.split("\n\n")

    assert shown("dataset", 0) == docs
    assert sorted(shown("shuffled", 0)) == sorted(docs) and shown("shuffled", 0) != docs
    assert shown("shuffled", 0) == shown("shuffled", 0) != shown("shuffled", 1)
    with pytest.raises(IclftError, match="icl.order must be dataset or shuffled"):
        _cfg(tiny_model_dir, "icl.order=random")


@pytest.mark.parametrize("argv, message", [
    (["run", "--preset", "quick", "model.name=/no/such/model"], "model path not found"),
    (["run", "--preset", "quick", "datasets=[nope]"], "unknown dataset 'nope'"),
    (["run", "--preset", "quick", "conditions=[icl, dream]"], "unknown condition 'dream'"),
    (["run", "--preset", "quick", "wat=1"], "unknown config key 'wat'"),
    (["run"], "give a config file or --preset"),
    (["run", "/no/such.yaml"], "config file not found"),
])
def test_cli_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("iclft: error: ") and message in err[-1]
    assert "Traceback" not in "\n".join(err)
    assert not (tmp_path / "runs").exists()


SHARED_RC = __import__("conftest").SHARED_DATA / "reversal_curse"


@pytest.mark.parametrize("dataset", [
    "{name: syllogism, params: {n_items: 12}}",
    "{name: semantic_structure, params: {n_docs: 120}, limit: 8}",
    "{name: process, params: {n_train: 60, n_test: 10}}",
    f"{{name: reversal_curse, params: {{path: '{SHARED_RC}'}}, limit: 8}}",
])
def test_every_dataset_runs_through_the_study(dataset, tiny_model, tiny_model_dir, tmp_path):
    if "reversal_curse" in dataset and not SHARED_RC.is_dir():
        pytest.skip(f"{SHARED_RC} not present")
    cfg = _cfg(tiny_model_dir, f"datasets=[{dataset}]", "icl.subsample=true", "finetune.epochs=1",
               "finetune.batch_size=16")
    run = run_study(cfg, out=str(tmp_path / "r"), model=tiny_model)
    summary = json.loads((run / "summary.json").read_text())
    (name,) = summary["datasets"]
    splits = set(summary["datasets"][name]["sizes"]["test"])
    for cond in ("pretrained", "icl", "finetune"):
        rows = [r for r in summary["results"] if r["condition"] == cond]
        assert {r["split"] for r in rows} == splits
        items = [json.loads(x) for x in (run / "items" / f"{name}__{cond}.jsonl").read_text().splitlines()]
        for r in rows:
            chances = [i["chance"] for i in items if i["split"] == r["split"]]
            assert r["chance"] == pytest.approx(sum(chances) / len(chances))
