"""The strict accuracy (canonical answer above every invalid choice) with its chance, and the
shortcut baselines computed from the items alone, on hand-made items and score tables."""
from __future__ import annotations

import pytest

from iclft.data.schema import Dataset, Document, TestItem
from iclft.eval.multiple_choice import strict_chance, strict_correct
from iclft.eval.shortcuts import expected_correct, shortcut_rows
from iclft.eval.metrics import summarize

# choices 0 and 1 valid (a mirror pair), 0 canonical; 2-5 invalid
SIX = dict(choices=("No a are c.", "No c are a.", "All a are c.", "All c are a.", "Some a are c.", "Some c are a."),
           answer=0, valid=(0, 1))


@pytest.mark.parametrize("scores, strict, top_valid", [
    ([5, 9, 1, 1, 1, 1], True, True),     # the mirror on top: any valid yes, canonical above every invalid yes
    ([5, 1, 6, 1, 1, 1], False, False),   # an invalid choice on top
    ([1, 9, 5, 1, 1, 1], False, True),    # the mirror on top but the canonical below an invalid one
    ([5, 1, 5, 1, 1, 1], False, True),    # a tie with an invalid choice is not "above"
])
def test_strict_against_any_valid_on_score_tables(scores, strict, top_valid):
    assert strict_correct(scores, SIX["answer"], SIX["valid"]) is strict
    assert (max(range(6), key=lambda i: scores[i]) in SIX["valid"]) is top_valid


def test_strict_chance_is_one_over_the_invalid_choices_plus_one():
    assert strict_chance(6, 2) == pytest.approx(1 / 5)
    assert strict_chance(6, 1) == pytest.approx(1 / 6)
    assert strict_chance(2, 1) == pytest.approx(1 / 2)
    # by enumeration: every order of 4 invalid choices and the canonical one, the mirror anywhere
    import itertools

    wins = [strict_correct(list(p), 0, (0, 1)) for p in itertools.permutations(range(6))]
    assert sum(wins) / len(wins) == pytest.approx(strict_chance(6, 2))


def _record(split, correct, strict, n_valid, n_choices=6):
    return {"split": split, "valid": list(range(n_valid)), "chance": n_valid / n_choices,
            "strict_chance": strict_chance(n_choices, n_valid),
            "correct": {s: correct for s in ("sum", "mean", "pmi")},
            "strict": {s: strict for s in ("sum", "mean", "pmi")}}


def test_summary_rows_carry_strict_accuracy_and_its_chance():
    records = [_record("syl", True, True, 2), _record("syl", True, False, 2), _record("syl", False, False, 1),
               _record("syl", True, True, 1)]
    (row,) = summarize(records, "syllogism", "icl")
    assert row["scores"]["sum"]["accuracy"] == pytest.approx(3 / 4)
    assert row["scores"]["sum"]["strict"]["accuracy"] == pytest.approx(2 / 4)
    assert row["chance"] == pytest.approx((2 / 6 + 2 / 6 + 1 / 6 + 1 / 6) / 4)
    assert row["strict_chance"] == pytest.approx((1 / 5 + 1 / 5 + 1 / 6 + 1 / 6) / 4)
    assert row["several_valid"] == 2


def test_expected_correct_breaks_ties_at_random_exactly():
    item = TestItem("x", "s", "p", ("a", "b", "c", "d"), answer=0, valid=(0, 1))
    assert expected_correct([1, 1, 1, 1], item) == (pytest.approx(0.5), pytest.approx(1 / 3))
    assert expected_correct([2, 2, 1, 1], item) == (1.0, 1.0)
    assert expected_correct([1, 2, 2, 0], item) == (pytest.approx(0.5), 0.0)


def _syllogism(form: str, valid: tuple[int, ...]) -> TestItem:
    return TestItem(f"s-{form}", "syllogism", "The relationships between a and c are:", SIX["choices"],
                    answer=valid[0], valid=valid, meta={"form": form})


def test_atmosphere_rule_on_hand_made_syllogisms():
    items = (_syllogism("AE-2", (0, 1)),   # No in a premise: No, either direction valid -> 1
             _syllogism("AI-3", (4, 5)),   # Some: Some, both mirrors valid -> 1
             _syllogism("AA-1", (2,)),     # All: All in a random direction -> 1/2
             _syllogism("IE-1", (4, 5)))   # hand-made valid set: the rule says No, the items Some -> 0
    ds = Dataset("syllogism", (Document("d", "x"),), items, {"generator": "syllogism"})
    (row,) = [r for r in shortcut_rows(ds) if r["name"] == "atmosphere"]
    assert row["accuracy"] == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    assert row["strict"] == pytest.approx((1 + 1 + 0.5 + 0) / 4)


def test_trained_wording_and_most_frequent_on_hand_made_reversals():
    meta = {"form": "more dangerous", "a": "femp", "b": "glon"}
    fwd = TestItem("f", "forward", "It is true that",
                   ("femp are more dangerous than glon.", "femp are less dangerous than glon."), 0, meta=meta)
    rev = TestItem("r", "reversal", "It is true that",
                   ("glon are less dangerous than femp.", "glon are more dangerous than femp."), 0, meta=meta)
    train = (Document("d1", "Did you know that femp are more dangerous than glon."),
             Document("d2", "Records show that femp are more dangerous than glon."))
    ds = Dataset("simple_reversal", train, (fwd, rev), {"generator": "simple_reversal"})
    rows = {(r["name"], r["split"]): r for r in shortcut_rows(ds)}
    assert rows["trained_wording", "forward"]["accuracy"] == 1.0
    assert rows["trained_wording", "reversal"]["accuracy"] == 0.0
    assert rows["most_frequent", "forward"]["accuracy"] == 1.0
    assert rows["most_frequent", "reversal"]["accuracy"] == 0.5  # neither reversal is in the documents


def test_most_frequent_picks_the_name_seen_most_in_training():
    names = ("Ann Lee", "Bo Park", "Cy Dunn")
    train = tuple(Document(f"d{i}", t) for i, t in enumerate(
        ["Ann Lee wrote a book.", "Ann Lee sang.", "Bo Park ran.", "Ann Lee left."]))
    items = (TestItem("a", "p2d_reverse", "The author is", names, answer=0),
             TestItem("b", "p2d_reverse", "The runner is", names, answer=1))
    ds = Dataset("reversal_curse", train, items, {"generator": "reversal_curse"})
    (row,) = [r for r in shortcut_rows(ds) if r["name"] == "most_frequent"]
    assert row["accuracy"] == 0.5 and row["n"] == 2 and row["chance"] == pytest.approx(1 / 3)


def test_cooccurrence_finds_the_word_stated_with_the_subject():
    train = (Document("d", "Refo are brorb. Vozi are skumo. Trage can fly."),)
    item = TestItem("i", "rephrased", "Refo tend to be", ("skumo.", "brorb.", "trage."), answer=1)
    ds = Dataset("semantic_structure", train, (item,),
                 {"generator": "semantic_structure", "words": ["refo", "brorb", "vozi", "skumo", "trage"]})
    (row,) = [r for r in shortcut_rows(ds) if r["name"] == "cooccurrence"]
    assert row["accuracy"] == 1.0


def test_shortcuts_on_the_generated_syllogisms_match_the_issue():
    from iclft.data import generate

    ds = generate("syllogism", seed=0)
    (row,) = [r for r in shortcut_rows(ds) if r["name"] == "atmosphere"]
    assert row["accuracy"] == pytest.approx(0.9, abs=0.01)  # 8 of 10 forms decided by the quantifiers
    assert row["chance"] == pytest.approx(0.30, abs=0.01)


def test_table_and_report_show_strict_rows_and_shortcuts(tiny_model_dir, tmp_path):
    from iclft.config import load_config
    from iclft.report import build_report
    from iclft.runner.run import run_study

    cfg = load_config(overrides=[f"model.name={tiny_model_dir}", "conditions=[pretrained]",
                                 "datasets=[{name: syllogism, params: {n_items: 6}}]"])
    run = run_study(cfg, out=tmp_path / "run")
    table = (run / "table.txt").read_text()
    assert "syllogism  syllogism  strict" in table and "syllogism  syllogism  any valid" in table
    assert "atmosphere" in table and "most_frequent" in table
    md = next(p for p in build_report([run]) if p.name == "report.md").read_text()
    assert "### Shortcut baselines" in md and "| atmosphere | syllogism |" in md
    assert "| strict |" in md and "question frame" in md


def test_eval_every_records_a_learning_curve(tiny_model_dir, tmp_path):
    import json

    from iclft.config import load_config
    from iclft.report import build_report
    from iclft.runner.run import run_study

    cfg = load_config(overrides=[f"model.name={tiny_model_dir}", "conditions=[finetune]", "finetune.epochs=2",
                                 "finetune.batch_size=2", "finetune.eval_every=2",
                                 "datasets=[{name: simple_reversal, params: {n_facts: 3, docs_per_fact: 1}}]"])
    run = run_study(cfg, out=tmp_path / "run")
    summary = json.loads((run / "summary.json").read_text())
    curve = summary["curves"]["simple_reversal"]["finetune"]
    steps = summary["costs"]["simple_reversal"]["finetune"]["train_steps"]
    assert steps == 4  # 3 documents at batch 2, 2 epochs
    assert [p["step"] for p in curve] == [0, 2, 4]
    assert curve[0]["tokens"] == 0 and curve[1]["tokens"] < curve[2]["tokens"]
    assert curve[-1]["tokens"] == summary["costs"]["simple_reversal"]["finetune"]["train_tokens"]
    final = {r["split"]: r["scores"]["sum"]["accuracy"] for r in summary["results"]}
    assert {s: v["sum"][0] for s, v in curve[-1]["splits"].items()} == pytest.approx(final, abs=1e-4)  # same weights
    files = build_report([run])
    assert any(p.name == "simple_reversal_curve.png" for p in files)
    assert "### Learning curves" in next(p for p in files if p.name == "report.md").read_text()


@pytest.mark.parametrize("overrides, steps", [(["finetune.min_steps=7"], 7), (["finetune.max_steps=3"], 3),
                                              ([], 4)])
def test_min_and_max_steps_bound_the_optimizer_steps(overrides, steps):
    from iclft.config import load_config
    from iclft.models.train import total_steps

    cfg = load_config(overrides=["finetune.epochs=2", "finetune.batch_size=2", *overrides])
    assert total_steps(3, cfg.finetune) == steps
