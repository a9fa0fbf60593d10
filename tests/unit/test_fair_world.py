"""The fair world corpus (issue 19): it never holds the study's wording or words, its background
world recurs and keeps its one-way facts one-way, and its settings are checked."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from iclft import IclftError
from iclft.config import load_config
from iclft.data import generate
from iclft.data import simple_reversal as comparison
from iclft.data.words import candidates
from iclft.world import corpus
from iclft.world.config import load_world_config
from iclft.world.probes import FAIR_EVAL_DATASETS, EVAL_SEED, background_items
from iclft.world.stream import Stream
from iclft.world.wording import STUDY, WORDINGS, study_forms


@pytest.fixture(scope="module")
def fair():
    stream = Stream(load_world_config(preset="fair"))
    return stream, [stream.episode(i) for i in range(1500)]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def _study_pattern() -> re.Pattern:
    forms = sorted(study_forms(), key=len, reverse=True)
    return re.compile("|".join(rf"(?<![a-z]){re.escape(f)}(?![a-z])" for f in forms))


@pytest.mark.parametrize("name", ["pretrain", "broad", "open", "wide", "varied"])
def test_wording_families_are_disjoint(name):
    wording = WORDINGS[name]
    for family in ("doc_preambles", "question_preambles", "headers", "instructions"):
        forms = getattr(wording, family)
        assert not set(forms) & set(getattr(STUDY, family)), family
        assert not any(_study_pattern().search(f) for f in forms), family
    pre_words = {x for pair in wording.comparatives for f in pair for x in f.split()} - {"more", "less"}
    eval_words = {x for pair in STUDY.comparatives for f in pair for x in f.split()} - {"more", "less"}
    assert pre_words and eval_words and not pre_words & eval_words


@pytest.mark.parametrize("name", ["pretrain", "open", "wide", "varied"])
def test_other_pretraining_wordings_never_contain_an_evaluation_form(name):
    stream = Stream(load_world_config(preset="fair", overrides=[f"corpus.wording={name}"]))
    pattern = _study_pattern()
    assert not [m.group(0) for i in range(400) for m in pattern.finditer(stream.episode(i).text)]


def test_fair_corpus_never_contains_an_evaluation_form(fair):
    """No document or question preamble, comparative, header, instruction or augmentation-prompt line
    of the study side occurs in 1,500 pretraining episodes (whole words)."""
    _, episodes = fair
    pattern = _study_pattern()
    found = Counter(m.group(0) for ep in episodes for m in pattern.finditer(ep.text))
    assert not found, found.most_common(5)
    assert {ep.kind for ep in episodes} == set(load_world_config(preset="fair").corpus.mix)
    # the check can fail: the first world models' corpus (study wording) is full of them
    study = Stream(load_world_config(preset="world_v1"))
    assert any(pattern.search(study.episode(i).text) for i in range(20))


def test_no_study_or_heldout_word_can_enter_fair_pretraining(fair):
    """By construction: a fair corpus's words are 6-7 letters of a second grammar, every dataset word
    4-5 letters of the first; checked on the grammars, on the study's datasets at seeds 0-999 (the
    world study's simple reversals; every micro and quick dataset at 0-99) and on the held-out worlds."""
    stream, episodes = fair
    pool = set(corpus.disjoint_pool())
    assert not pool & set(candidates())
    assert set(stream.pool) | stream.background.words <= pool
    datasets = [(d.name, d.params, 100) for p in ("micro", "quick") for d in load_config(preset=p).datasets]
    datasets.append(("simple_reversal", {"n_facts": 50, "docs_per_fact": 1, "features": "regular"}, 1000))
    for name, params, seeds in datasets:
        for seed in range(seeds):
            words = set(generate(name, seed=seed, **params).meta["words"])
            assert words and not words & pool, (name, seed)
    heldout = {w for _, name, params in FAIR_EVAL_DATASETS for w in generate(name, seed=EVAL_SEED, **params).meta["words"]}
    seen = set().union(*(_words(ep.text) for ep in episodes))
    assert heldout and not heldout & seen
    # the check can fail: the first grammar's pool does hold study words
    assert set(generate("simple_reversal", seed=0).meta["words"]) & set(corpus.word_pool(frozenset()))


def test_background_recurs_and_its_one_way_facts_are_never_reversed(fair):
    stream, episodes = fair
    bg, w = stream.background, stream.wording
    text = "\n".join(ep.text for ep in episodes if ep.kind in ("background", "local", "global"))
    one_way = [f for f in bg.facts if not f.two_way]
    two_way = [f for f in bg.facts if f.two_way]
    assert one_way and two_way
    for f in one_way:
        assert comparison.statement(f.b, w.converse(f.form), f.a) not in text
        assert comparison.statement(f.a, f.form, f.b) in text  # it recurs
    assert any(comparison.statement(f.b, w.converse(f.form), f.a) in text for f in two_way)
    # questions with no notes before them (closed book), in the frame the study asks without documents
    closed = [ep for ep in episodes if ep.kind == "background" and ep.text.split("\n\n")[0] in w.instructions]
    assert len(closed) > 10
    # measured in evaluation wording: a study question preamble, every fact forwards
    items = background_items(bg, w)
    assert {it.prompt for it in items} <= set(STUDY.question_preambles)
    assert Counter(it.split for it in items)["recall"] == len(bg.facts)


def test_regular_features_and_bad_settings():
    ds = generate("simple_reversal", seed=3, n_facts=30, docs_per_fact=1, features="regular")
    assert {d.meta["form"] for d in ds.train} <= {f for pair in comparison.REGULAR for f in pair}
    assert ds.meta["params"]["features"] == "regular"
    # the default is unchanged: no features key, all 28 features
    assert "features" not in generate("simple_reversal", seed=3, n_facts=5).meta["params"]
    with pytest.raises(IclftError, match="features must be"):
        generate("simple_reversal", features="odd")
    for overrides, message in ((["corpus.mix={syllogism: 1.0}"], "writes only"),
                               (["corpus.background_facts=0"], "background episodes need"),
                               (["corpus.wording=plain"], "corpus.wording"),
                               (["corpus.background_two_way=2"], "background_two_way")):
        with pytest.raises(IclftError, match=message):
            load_world_config(preset="fair", overrides=overrides)


def test_the_second_stage_keeps_the_background_world_of_the_first():
    """fair_wide continues fair in another wording; its background facts are fair's, so what the
    weights know stays true (drawn in the wide wording, every relation would change)."""
    first = Stream(load_world_config(preset="fair")).background
    assert Stream(load_world_config(preset="fair_wide")).background == first
    assert Stream(load_world_config(preset="fair_wide", overrides=["corpus.background_wording="])).background != first


def test_min_facts_makes_every_comparison_world_long_and_leaves_the_rest_alone():
    """corpus.min_facts raises the smallest comparison world (more questions about documents far
    back); the default draws the corpus as before, and other kinds keep their sizes."""
    base = load_world_config(preset="fair_long")
    long = load_world_config(preset="fair_long", overrides=["corpus.min_facts=40"])
    plain, raised = Stream(base), Stream(long)
    pool = set(plain.pool)
    sizes = {"plain": [], "raised": []}
    for i in range(300):
        a, b = plain.episode(i), raised.episode(i)
        assert a.kind == b.kind
        if a.kind == "comparison":
            sizes["plain"].append(len(_words(a.text) & pool) // 2)  # two words a fact, none repeated
            sizes["raised"].append(len(_words(b.text) & pool) // 2)
        else:
            assert a.text == b.text
    assert min(sizes["raised"]) >= 40 > min(sizes["plain"])
    assert load_world_config(preset="fair_long", overrides=["corpus.min_facts=2"]) == base
    for bad in ("corpus.min_facts=1", "corpus.min_facts=61"):
        with pytest.raises(IclftError, match="corpus.min_facts"):
            load_world_config(preset="fair_long", overrides=[bad])



def test_rope_theta_reaches_the_model_and_the_shipped_weights_were_trained_at_theirs():
    import json
    from pathlib import Path

    from transformers import AutoTokenizer

    import iclft.world.shipped as shipped
    from iclft.world.model import build_model

    folder = Path(shipped.__file__).parent
    tok = AutoTokenizer.from_pretrained(folder)
    raised = build_model(load_world_config(preset="fair_long", overrides=["model.rope_theta=500000"]), tok)
    assert raised.config.rope_parameters["rope_theta"] == 500000
    assert load_world_config(preset="fair_long").model.rope_theta == 10000  # every stage before the fifth
    # the shipped model (stage five) loads with the base it was trained at
    shipped_theta = json.loads((folder / "config.json").read_text())["rope_parameters"]["rope_theta"]
    assert shipped_theta == load_world_config(str(folder / "world.yaml")).model.rope_theta == 500000
    with pytest.raises(IclftError, match="model.rope_theta"):
        load_world_config(preset="fair_long", overrides=["model.rope_theta=0"])


def test_the_card_describes_category_trees_exactly_when_the_mix_has_them():
    from iclft.world.card import _category_sentence

    with_deduced = _category_sentence(load_world_config(preset="fair_category").corpus)
    assert "Category trees (30% of the mix)" in with_deduced and "and as many inherited properties" in with_deduced
    lookup_only = _category_sentence(load_world_config(preset="fair_category", overrides=["corpus.category_deduced=0"]).corpus)
    assert "no inherited properties asked" in lookup_only
    hops = _category_sentence(load_world_config(preset="fair_category", overrides=["corpus.category_deduced=2",
                                                                                   "corpus.category_hops=1"]).corpus)
    assert "2 times as many inherited properties (at most 1 parent link up)" in hops
    warmup = _category_sentence(load_world_config(preset="fair_long", overrides=[
        "corpus.warmup_rows=10", "corpus.warmup_mix={comparison: 0.5, category: 0.5}"]).corpus)
    assert "Category trees (in the warm-up rows only)" in warmup
    assert _category_sentence(load_world_config(preset="fair_long").corpus) == ""
