"""Augmented finetuning: a fake generator drives the pipeline (no model writes text here), the
filter, the content-hash cache, provenance, and the augmented conditions in a study run."""
import dataclasses
import json
import re

import pytest

from iclft import IclftError
from iclft.augment import pipeline
from iclft.augment.prompts import load_prompt
from iclft.config import load_config
from iclft.data import generate
from iclft.data.simple_reversal import converse
from iclft.models import generation
from iclft.models.generation import Generations, Sample
from iclft.models.hf import HFModel
from iclft.runner.run import run_study

ALL = "conditions=[pretrained, icl, finetune, finetune_split, finetune_aug_local, finetune_aug_global, " \
      "finetune_aug_oracle]"
FACT = re.compile(r"(\w+) are ((?:more |less )?\w+) than (\w+)")


class FakeGenerator:
    """Stands in for generation.generate (HFModel.generate calls it): for a prompt ending in "<fact line>\\n<label>:" it writes
    the fact's correct reversal, then (local prompts) a contradicting "reversal"."""

    def __init__(self):
        self.calls = []

    def __call__(self, model, prompts, prefix="", max_new_tokens=64, temperature=0.0, top_p=1.0, seed=0,
                 stop=(), n_samples=1, use_cache_prefix=True, batch_size=8, progress=None):
        self.calls.append({"prompts": list(prompts), "prefix": prefix, "seed": seed})
        samples = []
        for p in prompts:
            a, form, b = FACT.search(p.splitlines()[-2]).groups()
            text = f" {b} are {converse(form)} than {a}."
            if p.endswith("Rephrasing:"):
                text += f"\nReversal: {b.capitalize()} are {form} than {a}."
            samples.append([Sample(text, 20, True)] * n_samples)
        return Generations(samples, tokens_read=100 * len(prompts), tokens_written=20 * len(prompts), seconds=0.5)


@pytest.fixture
def fake(monkeypatch):
    gen = FakeGenerator()
    monkeypatch.setattr(generation, "generate", gen)
    return gen


def _cfg(tmp_path, *extra):
    return load_config(preset="quick", overrides=[
        "datasets=[{name: simple_reversal, params: {n_facts: 4, docs_per_fact: 2}}]", "finetune.epochs=1",
        "finetune.batch_size=8", f"augment.cache_dir={tmp_path / 'cache'}", *extra])


def test_local_augmentations_are_reversals_filtered_and_judged(tiny_model, fake, tmp_path):
    ds = generate("simple_reversal", n_facts=4, docs_per_fact=2)
    aug = pipeline.augment_local(tiny_model, ds, _cfg(tmp_path))
    assert len(fake.calls[0]["prompts"]) == 8  # every distinct sentence, once
    assert fake.calls[0]["prefix"].startswith("Each fact below")  # the few-shot part, shared
    # two documents per fact, so each fact's reversal and contradiction come twice: kept once
    assert len(aug.texts) == 4 + 4
    assert aug.cost["augment_dropped"] == {"truncated": 0, "empty": 0, "duplicate": 8}
    assert aug.cost["augment_quality"] == {"n_statements": 8, "entailed": 0.5, "contradicted": 0.5, "other": 0.0}
    assert (aug.cost["augment_tokens_read"], aug.cost["augment_tokens_written"]) == (800, 160)
    record = aug.records[0]
    assert record["kept"] and record["input"] in {d.text for d in ds.train}
    assert {"prompt_file", "prompt_version", "model", "temperature", "top_p", "max_new_tokens", "seed",
            "n_samples", "cache_key"} <= set(record["provenance"])
    assert record["provenance"]["prompt_file"] == "iclft/prompts/local_v1.txt"


def test_the_filter_drops_truncated_empty_and_duplicate_outputs():
    prompt = load_prompt("local_v1")
    samples = [[Sample("new fact.\nReversal: other fact.", 9, True), Sample("cut off", 48, False)],
               [Sample("", 1, True), Sample("new fact.\nReversal: An original.", 9, True)],
               [Sample("  \n", 2, True)]]
    kept, records, dropped = pipeline.filter_outputs(prompt, ["a", "b", "c"], samples, ["An original."], {})
    assert kept == ["new fact.", "other fact."]
    assert dropped == {"truncated": 1, "empty": 2, "duplicate": 2}
    assert [r["dropped"][0]["reason"] for r in records[1:]] == ["truncated", "empty", "duplicate", "empty"]


def test_the_cache_is_reused_and_missed_when_an_input_changes(tiny_model, fake, tmp_path, monkeypatch):
    ds = generate("simple_reversal", n_facts=3, docs_per_fact=2)
    first = pipeline.augment_local(tiny_model, ds, _cfg(tmp_path))
    second = pipeline.augment_local(tiny_model, ds, _cfg(tmp_path))
    assert len(fake.calls) == 1  # the second run read the cache
    assert second.texts == first.texts and second.cost["augment_from_cache"]
    assert second.cost["augment_tokens_written"] == first.cost["augment_tokens_written"]  # the recorded cost
    assert len(list((tmp_path / "cache").glob("local_v1-*.json"))) == 1
    pipeline.augment_local(tiny_model, ds, _cfg(tmp_path, "augment.seed=1"))
    assert len(fake.calls) == 2
    changed = dataclasses.replace(load_prompt("local_v1"), text=load_prompt("local_v1").text.replace("Each", "Every"))
    monkeypatch.setattr(pipeline, "load_prompt", lambda name: changed)
    pipeline.augment_local(tiny_model, ds, _cfg(tmp_path))
    assert len(fake.calls) == 3
    pipeline.augment_local(tiny_model, ds, _cfg(tmp_path, "augment.use_cache=false"))
    assert len(fake.calls) == 4


def test_global_augmentation_puts_the_corpus_in_the_prefix_once(tiny_model, fake, tmp_path):
    ds = generate("simple_reversal", n_facts=3, docs_per_fact=2)
    aug = pipeline.augment_global(tiny_model, ds, _cfg(tmp_path))
    call = fake.calls[0]
    assert all(d.text in call["prefix"] for d in ds.train)
    assert [p.splitlines()[-2] for p in call["prompts"]] == [f"Document: {d.text}" for d in ds.train]
    assert len(aug.texts) == 3  # one reversal per fact: the second document of a fact repeats it
    assert aug.cost["augment_quality"]["entailed"] == 1.0


def test_a_corpus_too_long_for_the_window_is_subsampled_with_a_note(tiny_model):
    docs = [f"Did you know that femp{i} are older than glon{i}." for i in range(50)]
    prefix, notes = pipeline.fit_corpus(tiny_model, load_prompt("global_v1"), docs, budget=400, seed=7)
    assert len(tiny_model.encode(prefix)) <= 400
    assert re.search(r"\d+ of 50 documents in context, subsampled with seed 7", notes[0])


def test_augmented_conditions_in_a_study_run(tiny_model, tiny_model_dir, fake, tmp_path, monkeypatch):
    from iclft.conditions import finetune as ft_module

    trained = {}
    real = ft_module.finetune

    def recording(hf, examples, ft, seed, progress=None, **kw):
        trained[progress.split()[1].rstrip(":")] = list(examples)
        return real(hf, examples, ft, seed, progress, **kw)

    monkeypatch.setattr(ft_module, "finetune", recording)
    run = run_study(_cfg(tmp_path, f"model.name={tiny_model_dir}", ALL), out=str(tmp_path / "run"), model=tiny_model)
    summary = json.loads((run / "summary.json").read_text())
    assert {r["condition"] for r in summary["results"]} == set(summary["conditions"])
    docs = [json.loads(x)["text"] for x in (run / "data" / "simple_reversal" / "train.jsonl").read_text().splitlines()]
    assert trained["finetune"] == trained["finetune_split"] == docs  # one-sentence documents
    for cond in ("finetune_aug_local", "finetune_aug_global", "finetune_aug_oracle"):
        lines = [json.loads(x) for x in (run / "augment" / f"simple_reversal__{cond}.jsonl").read_text().splitlines()]
        added = [t for rec in lines for t in rec["kept"]]
        assert trained[cond] == docs + added and added
        assert all(rec["provenance"] for rec in lines)
        cost = summary["costs"]["simple_reversal"][cond]
        assert cost["augment_kept"] == len(added) and cost["train_examples"] == len(docs) + len(added)
        assert cost["augment_quality"]["n_statements"] >= len(added)
    assert summary["costs"]["simple_reversal"]["finetune_aug_oracle"]["augment_quality"]["entailed"] == 1.0


@pytest.mark.parametrize("override, message", [
    ("finetune.method=qlora", "finetune.method must be full or lora, got 'qlora'"),
    ("finetune.split=sometimes", "finetune.split must be independent or cumulative"),
    ("finetune.lora_rank=0", "finetune.lora_rank must be at least 1"),
    ("finetune.lora_alpha=0", "finetune.lora_alpha must be positive"),
    ("finetune.lora_target_modules=[]", "lora_target_modules must name at least one module"),
    ("augment.temperature=-1", "augment.temperature must be 0 .greedy. or more"),
    ("augment.top_p=0", r"augment.top_p must be in \(0, 1\]"),
    ("augment.local_prompt=local_v9", "augment.local_prompt: unknown prompt 'local_v9'; known: consistency_v1, "
                                      "global_v1, implications_v1, local_v1, selfqa_v1"),
    ("augment.judge_prompt=judge_v9", "augment.judge_prompt: unknown prompt 'judge_v9'"),
    ("augment.filter=strict", "augment.filter must be none or consistency, got 'strict'"),
    ("augment.selfqa_max_new_tokens=0", "augment.selfqa_max_new_tokens must be at least 1"),
    ("augment.samples_per_sentence=0", "augment.samples_per_sentence must be at least 1"),
    ("augment.global_max_new_tokens=0", "augment.global_max_new_tokens must be at least 1"),
    ("augment.max_inputs=-2", "augment.max_inputs must be 0"),
    ("augment.teacher=''", "augment.teacher must be a model name or null"),
    ("augment.temprature=1", "unknown config key 'augment.temprature' .*did you mean 'temperature'"),
])
def test_bad_augmentation_config_is_a_one_line_error(override, message):
    with pytest.raises(IclftError, match=message) as e:
        load_config(preset="quick", overrides=[override])
    assert "\n" not in str(e.value)


def test_teacher_may_be_null_or_a_name():
    assert load_config(preset="quick", overrides=["augment.teacher=null"]).augment.teacher is None
    assert load_config(preset="quick", overrides=["augment.teacher=gemma3-270m"]).augment.teacher == "gemma3-270m"


def test_a_teacher_writes_the_augmentations_when_named(tiny_model, tiny_model_dir, fake, tmp_path):
    ds = generate("simple_reversal", n_facts=2, docs_per_fact=1)
    studied = HFModel(tiny_model.model, tiny_model.tokenizer, dataclasses.replace(tiny_model.source, label="studied"))
    own = pipeline.augment_local(studied, ds, _cfg(tmp_path))
    taught = pipeline.augment_local(studied, ds, _cfg(tmp_path, f"augment.teacher={tiny_model_dir}"))
    assert own.records[0]["provenance"]["model"]["name"] == "studied"
    assert taught.records[0]["provenance"]["model"]["name"] == str(tiny_model_dir)
    assert own.cost["augment_model"] == "studied"
    assert len(fake.calls) == 2  # another writer, another cache entry


def test_lora_applies_to_plain_finetuning_in_a_study(tiny_model, tiny_model_dir, tmp_path):
    cfg = _cfg(tmp_path, f"model.name={tiny_model_dir}", "conditions=[finetune]", "finetune.method=lora",
               "finetune.lora_rank=2", "finetune.learning_rate=1e-2")
    run = run_study(cfg, out=str(tmp_path / "run"), model=tiny_model)
    cost = json.loads((run / "summary.json").read_text())["costs"]["simple_reversal"]["finetune"]
    total = sum(p.numel() for p in tiny_model.model.parameters())
    assert cost["train_method"] == "lora" and 0 < cost["trainable_parameters"] < total / 5
