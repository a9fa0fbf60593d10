"""Every condition asks its questions in the same frame; the documents are the only difference
between `icl` and the others, and the DC-PMI baseline is scored in the frame without documents."""
from __future__ import annotations

import pytest

from iclft import conditions
from iclft.config import load_config
from iclft.data import generate
from iclft.models.hf import HFModel

CONDITIONS = ("pretrained", "icl", "finetune", "finetune_aug_oracle")


def _scored(monkeypatch, tiny_model, overrides: list[str]) -> dict[str, list[tuple[str, list]]]:
    """Per condition, the (prefix, requests) of every likelihood call it made."""
    calls: list[tuple[str, list]] = []
    original = HFModel.loglikelihood

    def record(self, requests, prefix="", **kw):
        calls.append((prefix, list(requests)))
        return original(self, requests, prefix=prefix, **kw)

    monkeypatch.setattr(HFModel, "loglikelihood", record)
    cfg = load_config(overrides=["finetune.epochs=1", *overrides])
    ds = generate("simple_reversal", seed=0, n_facts=3, docs_per_fact=1)
    out = {}
    for name in CONDITIONS:
        calls.clear()
        conditions.get(name)(tiny_model, ds, cfg)
        out[name] = list(calls)
    return out, ds, cfg


@pytest.mark.parametrize("chat", ["on", "off"])
def test_every_condition_asks_in_the_same_frame_but_for_the_documents(monkeypatch, tiny_model, chat):
    scored, ds, cfg = _scored(monkeypatch, tiny_model, [f"icl.chat_template={chat}"])
    block = f"{cfg.icl.header}\n\n" + "\n\n".join(d.text for d in ds.train) + "\n\n"
    bare = cfg.icl.instruction if chat == "off" else tiny_model.chat_prompt(cfg.icl.instruction)
    if chat == "off":
        bare += "\n\n"
    for name, calls in scored.items():
        (item_prefix, items), (domain_prefix, domain) = calls  # the items, then the DC-PMI baseline
        assert [ctx for ctx, _ in items] == [it.prompt for it in ds.test for _ in it.choices]
        assert item_prefix.replace(block, "") == bare, name
        assert (block in item_prefix) == (name == "icl"), name
        assert domain_prefix == bare and {ctx for ctx, _ in domain} == {"Answer:"}, name
    if chat == "on":
        assert scored["icl"][0][0] == tiny_model.chat_prompt(block + cfg.icl.instruction)


def test_icl_only_frame_scores_the_others_bare(monkeypatch, tiny_model):
    scored, ds, cfg = _scored(monkeypatch, tiny_model, ["scoring.frame=icl_only"])
    for name, calls in scored.items():
        (item_prefix, _), (domain_prefix, _) = calls
        assert domain_prefix == ""
        assert (item_prefix == "") == (name != "icl")


def test_the_summary_says_which_frame_each_condition_used(tiny_model_dir, tmp_path):
    import json

    from iclft.runner.run import run_study

    cfg = load_config(overrides=[f"model.name={tiny_model_dir}", "conditions=[pretrained, icl]",
                                 "datasets=[{name: simple_reversal, params: {n_facts: 3, docs_per_fact: 1}}]",
                                 "icl.chat_template=off"])
    run = run_study(cfg, out=tmp_path / "run")
    summary = json.loads((run / "summary.json").read_text())
    frame = summary["question_frame"]
    assert frame["frame"] == "same"
    assert frame["by_condition"]["pretrained"].startswith("plain text") and "no documents" in \
        frame["by_condition"]["pretrained"]
    assert "with documents" in frame["by_condition"]["icl"]
    assert "question frame: pretrained:" in (run / "table.txt").read_text()


def test_an_unknown_frame_is_one_error_line():
    from iclft import IclftError

    with pytest.raises(IclftError, match="scoring.frame must be same or icl_only"):
        load_config(overrides=["scoring.frame=bare"])
