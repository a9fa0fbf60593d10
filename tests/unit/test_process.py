"""The process (derivatoid) generator and its symbolic checker."""
from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest

from iclft import IclftError
from iclft.data import Dataset, save_dataset
from iclft.data import generate as generate_by_name
from iclft.data.process import (Op, Procedure, Rule, Sum, Var, build, check, derive, document_text,
                                fmt, generate, normal, parse, show)

# The docstring's example: blik -> 4 vosk, tmef -> 5 blik, vosk -> 2 tmef.
RULES = {"blik": Rule("vosk", 4), "tmef": Rule("blik", 5), "vosk": Rule("tmef", 2)}


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return generate(seed=0)


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _with_item(ds: Dataset, index: int, **changes) -> Dataset:
    test = list(ds.test)
    test[index] = replace(test[index], **changes)
    return replace(ds, test=tuple(test))


# ---- the procedure ------------------------------------------------------------------------------

def test_the_docstring_examples():
    proc = Procedure(RULES)
    assert show(derive(parse("blik(3x) + tmef(2x)"), proc)) == "12 vosk(3x) - 10 blik(2x)"
    assert show(derive(parse("blik(tmef(3x))"), proc)) == "60 vosk(tmef(3x)) blik(3x)"
    assert show(derive(parse("vosk(x)"), proc)) == "2 tmef(x)"


def test_each_mistake_changes_the_result():
    proc, e = Procedure(RULES), parse("blik(tmef(3x))")
    assert show(derive(e, replace(proc, chain=False))) == "4 vosk(tmef(3x))"
    assert show(derive(e, replace(proc, inner=False))) == "20 vosk(tmef(3x)) blik(3x)"
    assert show(derive(e, replace(proc, switch=False))) == "60 blik(tmef(3x)) tmef(3x)"
    s = parse("blik(3x) + tmef(2x)")
    assert show(derive(s, replace(proc, sum_sign=1))) == "12 vosk(3x) + 10 blik(2x)"
    assert show(derive(s, replace(proc, swap_sum=True))) == "10 blik(2x) - 12 vosk(3x)"


def test_parse_inverts_fmt():
    for e in (Var(1), Var(7), Op("blik", Var(3)), Op("blik", Op("tmef", Var(1))),
              Sum(Op("blik", Var(2)), Op("vosk", Var(9)))):
        assert parse(fmt(e)) == e
    with pytest.raises(ValueError):
        parse("blik(3x) * tmef(x)")


def test_normal_ignores_how_a_result_is_written():
    assert normal("60 vosk(tmef(3x)) blik(3x).") == normal("60 blik(3x) vosk(tmef(3x))")
    assert normal("12 vosk(3x) - 10 blik(2x)") == normal("-10 blik(2x) + 12 vosk(3x)")
    assert normal("12 vosk(3x) - 10 blik(2x)") != normal("10 blik(2x) - 12 vosk(3x)")


def test_documents_show_their_steps():
    text = document_text(parse("blik(3x) + tmef(2x)"), Procedure(RULES), "zorp")
    assert text.startswith("The zorp-derivative of blik(3x) + tmef(2x) is found as follows. By the sum rule,")
    assert "By the blik rule, the zorp-derivative of blik(u) is 4 vosk(u)" in text
    assert text.endswith("So the zorp-derivative of blik(3x) + tmef(2x) is 12 vosk(3x) - 10 blik(2x).")


# ---- the generated dataset ----------------------------------------------------------------------

def test_default_sizes_and_shape(ds):
    assert ds.sizes() == {"train": 100, "test": {"in_distribution": 100, "compositional": 100}}
    assert ds.meta["generalization_splits"] == ["compositional"]
    assert set(ds.meta["words"]) == {ds.meta["procedure"], *ds.meta["operators"]}
    for item in ds.test:
        assert len(item.choices) == len(set(item.choices)) == 4 and item.valid == (item.answer,)
        assert item.prompt == f"The {ds.meta['procedure']}-derivative of {item.meta['expression']} is"


def test_heldout_pairs_never_meet_in_training_but_each_operator_is_trained_alone(ds):
    together = {frozenset(d.meta["operators"]) for d in ds.train if d.meta["shape"] != "single"}
    alone = {d.meta["operators"][0] for d in ds.train if d.meta["shape"] == "single"}
    assert alone == set(ds.meta["operators"])
    heldout = {frozenset(p) for p in ds.meta["heldout_pairs"]}
    assert not heldout & together
    assert {frozenset(t.meta["operators"]) for t in ds.splits()["compositional"]} == heldout
    assert {frozenset(t.meta["operators"]) for t in ds.splits()["in_distribution"]} <= together


def test_the_two_splits_have_the_same_mix_of_shapes(ds):
    def shapes(split):
        return sorted(t.meta["shape"] for t in ds.splits()[split])
    assert shapes("compositional") == shapes("in_distribution")
    assert {"sum", "chain"} <= set(shapes("compositional"))


def test_same_seed_gives_identical_files_and_other_seeds_differ(tmp_path):
    a = _files(save_dataset(generate(seed=3), tmp_path / "a"))
    b = _files(save_dataset(generate(seed=3), tmp_path / "b"))
    c = _files(save_dataset(generate(seed=4), tmp_path / "c"))
    assert a == b
    assert a["train.jsonl"] != c["train.jsonl"] and a["test.jsonl"] != c["test.jsonl"]


def test_registry_gives_the_same_dataset(ds):
    assert generate_by_name("process", seed=0) == ds


def test_generate_leaves_the_global_rng_alone():
    random.seed(123)
    state = random.getstate()
    generate(seed=5)
    assert random.getstate() == state


@pytest.mark.parametrize("params, message", [
    ({"n_operators": 3}, "n_operators must be at least 4"),
    ({"n_test": 0}, "n_test must be at least 1"),
    ({"n_train": 7}, "n_train must be at least 8 with 6 operators"),
    ({"n_operators": 4, "n_train": 6, "n_test": 20}, r"in_distribution split \(chain\) asks for 10 .* only 8"),
    ({"n_train": 10**5}, "n_train asks for 100000"),
    ({"n_test": 10**4}, "compositional split asks for 10000"),
    ({"n_operators": 10**5, "n_train": 10**12}, "more nonsense words"),
])
def test_impossible_params_are_one_clear_error(params, message):
    with pytest.raises(IclftError, match=message):
        generate(**params)


def test_small_operator_sets_still_check():
    assert check(generate(seed=1, n_operators=4, n_train=40, n_test=30)) == []
    assert check(generate(seed=1, n_operators=5, n_train=80, n_test=30)) == []


# ---- the checker --------------------------------------------------------------------------------

def test_check_passes_for_100_seeds():
    for seed in range(100):
        assert check(generate(seed=seed)) == [], seed


def test_check_catches_an_answer_moved_to_a_distractor(ds):
    item = ds.test[0]
    wrong = (item.answer + 1) % 4
    problems = check(_with_item(ds, 0, answer=wrong, valid=(wrong,)))
    assert any("is not the result" in p for p in problems)
    assert any("equals the correct result" in p for p in problems)


def test_check_catches_a_distractor_that_is_the_answer_written_differently(ds):
    i = next(k for k, t in enumerate(ds.test) if t.meta["shape"] == "chain")
    item = ds.test[i]
    coef, *factors = item.choices[item.answer].rstrip(".").split(" ")
    same = " ".join([coef, *reversed(factors)]) + "."
    assert same != item.choices[item.answer]
    other = (item.answer + 1) % 4
    choices = tuple(same if k == other else c for k, c in enumerate(item.choices))
    problems = check(_with_item(ds, i, choices=choices))
    assert f"{item.id}: distractor {same!r} equals the correct result" in problems


def test_check_catches_a_heldout_pair_leaking_into_training(ds):
    item = ds.splits()["compositional"][0]
    e = parse(item.meta["expression"])
    rules = {f: Rule(r["partner"], r["constant"]) for f, r in ds.meta["rules"].items()}
    leaked = replace(ds.train[0], text=document_text(e, Procedure(rules), ds.meta["procedure"]))
    problems = check(replace(ds, train=(leaked, *ds.train[1:])))
    assert any(p.startswith(f"{item.id}: operators") and "occur together in training" in p for p in problems)


def test_check_catches_rules_that_disagree_with_the_training_text(ds):
    f = ds.meta["operators"][0]
    rules = {**ds.meta["rules"], f: {**ds.meta["rules"][f], "constant": ds.meta["rules"][f]["constant"] + 1}}
    problems = check(replace(ds, meta={**ds.meta, "rules": rules}))
    assert any(f"states a {f} rule that differs" in p for p in problems)
    assert any("wrong result" in p for p in problems)


def test_check_catches_an_in_distribution_item_copied_from_training(ds):
    doc = next(d for d in ds.train if d.meta["shape"] == "sum")
    i = ds.test.index(ds.splits()["in_distribution"][0])
    prompt = f"The {ds.meta['procedure']}-derivative of {doc.meta['expression']} is"
    problems = check(_with_item(ds, i, prompt=prompt))
    assert any("is itself a training example" in p for p in problems)


def test_build_covers_the_three_shapes():
    assert fmt(build((("single", ("blik",)), (3,)))) == "blik(3x)"
    assert fmt(build((("chain", ("blik", "tmef")), (1,)))) == "blik(tmef(x))"
    assert fmt(build((("sum", ("blik", "tmef")), (2, 5)))) == "blik(2x) + tmef(5x)"


# ---- a corpus smaller than full coverage (the micro study's, which fits a 2,048-token context) -----

MICRO = {"n_operators": 4, "n_train": 8, "n_test": 20}


def test_a_small_corpus_shows_every_operator_alone_and_as_many_sums_as_chains():
    for seed in range(30):
        ds = generate(seed=seed, **MICRO)
        assert check(ds) == [], seed
        shown = [(d.meta["shape"], tuple(d.meta["operators"])) for d in ds.train]
        assert len(set(shown)) == 8  # each combination once
        assert sorted(ops[0] for shape, ops in shown if shape == "single") == sorted(ds.meta["operators"])
        assert [shape for shape, _ in shown].count("sum") == [shape for shape, _ in shown].count("chain") == 2
        asked = {(it.meta["shape"], tuple(it.meta["operators"])) for it in ds.splits()["in_distribution"]}
        assert asked <= set(shown)


def test_the_micro_corpus_fits_the_world_models_2048_tokens_in_context():
    from tokenizers import Tokenizer

    from iclft.config import IclConfig, load_config
    from iclft.models.registry import SHIPPED_WORLD

    (params,) = [d.params for d in load_config(preset="micro").datasets if d.name == "process"]
    tok, icl = Tokenizer.from_file(str(SHIPPED_WORLD / "tokenizer.json")), IclConfig()
    for seed in range(10):
        ds = generate(seed=seed, **params)
        prefix = f"{icl.header}\n\n" + "\n\n".join(d.text for d in ds.train) + f"\n\n{icl.instruction}\n\n"
        question = max(len(tok.encode(f"{it.prompt} {c}").ids) for it in ds.test for c in it.choices)
        assert len(tok.encode(prefix).ids) + question < 2048, seed


# ---- the oracle ---------------------------------------------------------------------------------------

def test_the_oracle_composes_every_two_rules_and_applying_one_gives_the_result():
    from iclft.augment.symbolic import oracle_overlap
    from iclft.data.process import oracle_statements

    ds = generate(seed=2, **MICRO)
    name, ops = ds.meta["procedure"], ds.meta["operators"]
    proc = Procedure({f: Rule(r["partner"], r["constant"]) for f, r in ds.meta["rules"].items()})
    oracle = oracle_statements(ds)
    assert len(oracle) == 2 * len(ops) * (len(ops) - 1)
    d = f"the {name}-derivative"
    chain = re.compile(rf"The {name}-derivative of (\w+)\((\w+)\(u\)\) is (\d+) (\w+\(\w+\(u\)\)) (\w+\(u\)) "
                       rf"times {d} of u\.")
    total = re.compile(rf"The {name}-derivative of (\w+)\(u\) \+ (\w+)\(v\) is (\d+) (\w+)\(u\) times {d} of u "
                       rf"minus (\d+) (\w+)\(v\) times {d} of v\.")
    for sentence in oracle:  # u = 3x (and v = 2x): the rule times the argument's derivatoid is derive()'s
        if m := chain.fullmatch(sentence):
            f, g, c, outer, inner = m.groups()
            applied = [(int(c) * 3, (outer.replace("(u)", "(3x)"), inner.replace("(u)", "(3x)")))]
            assert normal(show(applied)) == normal(show(derive(Op(f, Op(g, Var(3))), proc))), sentence
        else:
            f, g, c, p, k, q = total.fullmatch(sentence).groups()
            applied = [(int(c) * 3, (f"{p}(3x)",)), (-int(k) * 2, (f"{q}(2x)",))]
            assert normal(show(applied)) == normal(show(derive(Sum(Op(f, Var(3)), Op(g, Var(2))), proc))), sentence
    assert {row["share"] for row in oracle_overlap(ds).values()} == {0.0}


# ---- shortcuts ----------------------------------------------------------------------------------------

def test_the_process_shortcuts_on_a_hand_made_item():
    from iclft.data import Document, TestItem
    from iclft.eval.shortcuts import consensus_scores, copied_operators_scores, trained_steps_scores

    doc = Document("d0", document_text(parse("blik(3x)"), Procedure(RULES), "zorp"))  # "... is 12 vosk(3x)."
    choices = ("12 vosk(3x) - 10 blik(2x).",   # correct (tmef(2x) -> 10 blik(2x))
               "12 vosk(3x) + 10 blik(2x).",   # ordinary sum rule
               "12 blik(3x) - 10 tmef(2x).",   # no partner switch
               "4 vosk(3x) - 5 blik(2x).")     # no inner multiple
    item = TestItem("i0", "compositional", "The zorp-derivative of blik(3x) + tmef(2x) is", choices, 0)
    ds = Dataset("process", (doc,), (item,), {"generator": "process"})
    assert trained_steps_scores(ds) == [[1.0, 1.0, 0.0, 0.0]]  # "12 vosk(3x)" is blik(3x)'s trained step
    assert consensus_scores(ds) == [[2.0, 2.0, 0.0, 0.0]]      # terms shared with the other choices
    assert copied_operators_scores(ds) == [[1.0, 1.0, 2.0, 1.0]]  # blik and tmef kept by the third


def test_the_process_shortcuts_at_the_micro_size_over_100_seeds():
    import statistics

    from iclft.eval.shortcuts import shortcut_rows

    rows = [r for seed in range(100) for r in shortcut_rows(generate(seed=seed, **MICRO))]
    mean = {name: statistics.mean(r["accuracy"] for r in rows if r["name"] == name) for name in
            ("most_frequent", "trained_steps", "consensus", "copied_operators")}
    assert abs(mean["most_frequent"] - 0.25) < 0.02  # chance
    assert 0.27 < mean["trained_steps"] < 0.32 and 0.32 < mean["consensus"] < 0.38  # above chance
    assert mean["copied_operators"] < 0.15  # copying the prompt's operators leads away from the answer
