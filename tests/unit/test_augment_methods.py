"""Self-QA and implications augmentation and the consistency filter: canned outputs for the parsers,
a fake writer (and judge) for the pipeline, the tiny random model for the judge's arithmetic, and
the two conditions in a tiny study."""
import json
import math
import re
from types import SimpleNamespace

import pytest

from iclft.augment import judge as judging
from iclft.augment import pipeline
from iclft.augment.prompts import Unit, load_prompt
from iclft.augment.symbolic import statement_shares
from iclft.config import load_config
from iclft.data import generate
from iclft.data.simple_reversal import converse
from iclft.models import generation
from iclft.models.generation import Generations, Sample
from iclft.runner.run import run_study

FACT = re.compile(r"(\w+) are ((?:more |less )?\w+) than (\w+)")


class FakeWriter:
    """Stands in for generation.generate: reads the fact on the prompt's document line and writes
    its true reversal and its contradiction, as two question-answer pairs (a prompt ending "Q:") or
    as two lines (any other)."""

    def __init__(self):
        self.calls = []

    def __call__(self, model, prompts, prefix="", n_samples=1, **kwargs):
        self.calls.append({"prompts": list(prompts), "prefix": prefix})
        samples = []
        for p in prompts:
            a, form, b = FACT.search(p.splitlines()[-2]).groups()
            true, false = f"{b.capitalize()} are {converse(form)} than {a}.", f"{b.capitalize()} are {form} than {a}."
            if p.endswith("Q:"):
                text = f"How do {b} compare with {a}?\nA: {true}\nQ: Is it the other way round?\nA: {false}"
            else:
                text = f"{true}\n{false}"
            samples.append([Sample(text, 20, True)] * n_samples)
        return Generations(samples, tokens_read=100 * len(prompts), tokens_written=20 * len(prompts), seconds=0.5)


@pytest.fixture
def fake(monkeypatch):
    gen = FakeWriter()
    monkeypatch.setattr(generation, "generate", gen)
    return gen


@pytest.fixture
def truthful_judge(monkeypatch):
    """A judge that says yes to what the training facts of `.dataset` entail (the symbolic checker),
    no to the rest."""
    state = SimpleNamespace(dataset=None)

    def judge(model, fr, statements, batch_size=8):
        verdicts = [statement_shares(state.dataset, [s])["entailed"] == 1.0 for s in statements]
        return [judging.Judgment(v, 0.9 if v else 0.2) for v in verdicts], {"seconds": 0.25, "tokens_read": 50}

    monkeypatch.setattr(judging, "judge", judge)
    return state


def _cfg(tmp_path, *extra):
    return load_config(preset="quick", overrides=[
        "datasets=[{name: simple_reversal, params: {n_facts: 3, docs_per_fact: 2}}]", "finetune.epochs=1",
        "finetune.batch_size=8", f"augment.cache_dir={tmp_path / 'cache'}", *extra])


def test_qa_output_pairs_questions_with_answers():
    units = load_prompt("selfqa_v1").units("Which are older, dax or wug?\nA: Dax are older\nthan wug.\n"
                                           "Q: Who is older?\nA: Dax.\nQ: And then?")
    assert units == [Unit("Q: Which are older, dax or wug? A: Dax are older than wug.", "Which are older, dax or wug?",
                          "Dax are older than wug."),
                     Unit("Q: Who is older? A: Dax.", "Who is older?", "Dax."),
                     Unit("Q: And then?", problem="unanswered")]
    assert units[0].statement == "Dax are older than wug."  # what the checker and the judge read
    assert load_prompt("selfqa_v1").units("A: an answer with no question") == [Unit("A: an answer with no question",
                                                                                     problem="unasked")]


def test_implications_and_judge_prompts_read_as_their_headers_say():
    implications = load_prompt("implications_v1")
    assert implications.output == "lines" and implications.stop == ("\n\n", "\nDocument:")
    assert [u.text for u in implications.units("Wug are lighter  than dax.\nDax weigh more than wug.")] == [
        "Wug are lighter than dax.", "Dax weigh more than wug."]
    judge = load_prompt("consistency_v1")
    prefix, template = judge.split("statement", corpus="Dax are heavier than wug.")
    assert "Dax are heavier than wug." in prefix and "{corpus}" not in prefix
    assert template.format(statement="Wug are lighter than dax.").endswith(
        "Statement: Wug are lighter than dax.\nIs the statement true according to the documents? Answer:")


def test_selfqa_keeps_pairs_and_judges_their_answers(tiny_model, fake, tmp_path):
    ds = generate("simple_reversal", n_facts=3, docs_per_fact=2)
    aug = pipeline.augment(tiny_model, ds, _cfg(tmp_path), "selfqa")
    assert [p.splitlines()[-2] for p in fake.calls[0]["prompts"]] == [f"Document: {d.text}" for d in ds.train]
    assert fake.calls[0]["prefix"].startswith("Each document below is followed by questions")
    assert len(aug.texts) == 6 and all(re.fullmatch(r"Q: .+\? A: .+\.", t) for t in aug.texts)
    assert aug.cost["augment_dropped"] == {"truncated": 0, "empty": 0, "duplicate": 6, "unanswered": 0, "unasked": 0}
    # the answers are judged: one true reversal and one contradiction per fact
    assert aug.cost["augment_quality"] == {"n_statements": 6, "entailed": 0.5, "contradicted": 0.5, "other": 0.0}
    first = aug.records[0]
    assert [p["answer"] for p in first["pairs"]] == [t.split(" A: ")[1] for t in first["kept"]]
    assert first["provenance"]["prompt_file"] == "iclft/prompts/selfqa_v1.txt"


@pytest.mark.parametrize("method", ["implications", "local"])
def test_the_consistency_filter_keeps_what_the_judge_finds_true(tiny_model, fake, truthful_judge, tmp_path, method):
    ds = generate("simple_reversal", n_facts=3, docs_per_fact=2)
    truthful_judge.dataset = ds
    aug = pipeline.augment(tiny_model, ds, _cfg(tmp_path, "augment.filter=consistency"), method)
    c = aug.cost
    assert c["augment_quality_before_filter"] == {"n_statements": 6, "entailed": 0.5, "contradicted": 0.5, "other": 0.0}
    assert c["augment_quality"] == {"n_statements": 3, "entailed": 1.0, "contradicted": 0.0, "other": 0.0}
    assert (c["augment_filter_judged"], c["augment_filter_kept"], c["augment_dropped"]["inconsistent"]) == (6, 3, 3)
    assert (c["augment_filter_seconds"], c["augment_filter_tokens_read"]) == (0.25, 50)
    assert c["augment_filter"] == "consistency_v1 (version 1)"
    assert len(aug.texts) == 3 and statement_shares(ds, aug.texts)["entailed"] == 1.0
    assert "the consistency filter (consistency_v1 (version 1)) kept 3 of 6 (before it the training facts entail 50%" \
           in aug.notes[0]
    judged = [j for r in aug.records for j in r.get("judgments", [])]
    assert len(judged) == 6 and {j["consistent"] for j in judged} == {True, False}
    assert sum(d["reason"] == "inconsistent" and d["p_yes"] == 0.2 for r in aug.records for d in r["dropped"]) == 3


def test_the_judge_compares_yes_with_no_and_fits_the_corpus(tiny_model):
    prompt = load_prompt("consistency_v1")
    docs = ["Dax are heavier than wug.", "Zib are a kind of fep."]
    fr = judging.frame(tiny_model, prompt, docs, 48, seed=0)
    assert all(d in fr.prefix for d in docs) and not fr.notes
    statements = ["Wug are lighter than dax.", "Fep are a kind of zib."]
    found, cost = judging.judge(tiny_model, fr, statements)
    for s, j in zip(statements, found):
        yes, no = tiny_model.loglikelihood([(fr.template.format(statement=s), a) for a in (" Yes", " No")],
                                           prefix=fr.prefix)
        assert j.p_yes == round(1 / (1 + math.exp(no.logprob - yes.logprob)), 4)
        assert j.consistent == (yes.logprob > no.logprob)
    assert cost["tokens_read"] > fr.context_tokens
    many = [f"Did you know that femp{i} are older than glon{i}." for i in range(300)]
    small = judging.frame(tiny_model, prompt, many, 1800, seed=3)  # room left for ~200 tokens of corpus
    assert re.search(r"augment filter: .* documents in context, subsampled with seed 3", small.notes[0])


def test_selfqa_and_implications_conditions_in_a_study_run(tiny_model, tiny_model_dir, fake, tmp_path, monkeypatch):
    from iclft.conditions import finetune as ft_module

    trained, real = {}, ft_module.finetune

    def recording(hf, examples, ft, seed, progress=None, **kw):
        trained[progress.split()[1].rstrip(":")] = list(examples)
        return real(hf, examples, ft, seed, progress, **kw)

    monkeypatch.setattr(ft_module, "finetune", recording)
    cfg = _cfg(tmp_path, f"model.name={tiny_model_dir}", "augment.filter=consistency",
               "conditions=[finetune_aug_selfqa, finetune_aug_implications]")
    run = run_study(cfg, out=str(tmp_path / "run"), model=tiny_model)
    summary = json.loads((run / "summary.json").read_text())
    docs = [json.loads(x)["text"] for x in (run / "data" / "simple_reversal" / "train.jsonl").read_text().splitlines()]
    for cond in ("finetune_aug_selfqa", "finetune_aug_implications"):
        lines = [json.loads(x) for x in (run / "augment" / f"simple_reversal__{cond}.jsonl").read_text().splitlines()]
        added = [t for rec in lines for t in rec["kept"]]
        assert trained[cond] == docs + added
        cost = summary["costs"]["simple_reversal"][cond]
        assert cost["augment_kept"] == cost["augment_filter_kept"] == len(added)
        assert cost["augment_filter_judged"] == 6 == len(added) + cost["augment_dropped"]["inconsistent"]
        assert cost["augment_quality_before_filter"]["n_statements"] == 6
        assert cost["augment_filter_tokens_read"] > 0 and cost["augment_filter_seconds"] >= 0
        assert any(n.startswith(f"augment {cond.split('_')[-1]}_v1: simple_reversal") and "consistency filter" in n
                   for n in summary["notes"])
    from iclft.report.runs import load_run
    from iclft.report.tables import cost_table

    rows = {r[0]: r for r in cost_table(load_run(run), "simple_reversal").rows}
    assert rows["augmentations' quality before the filter"][1].startswith("of 6 statements: entailed 50%")
