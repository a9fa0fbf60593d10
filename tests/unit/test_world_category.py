"""The `category` kind: category trees in pretraining wording. Every answer is true of the tree its
documents state (checked by rebuilding the tree from the text alone), and no episode holds any
evaluation form, semantic_structure's included."""
from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from iclft import IclftError
from iclft.data import semantic_text
from iclft.data.wording import CATEGORY_TEMPLATES
from iclft.world import corpus
from iclft.world.config import load_world_config
from iclft.world.stream import Stream
from iclft.world.wording import WORDINGS, semantic_forms, study_forms

W = WORDINGS["varied"]
# articles, the copula and prepositions, which any English template needs; every other word of a
# category template is a relation word
FUNCTION_WORDS = {"a", "the", "are", "is", "of", "to", "on", "in", "with", "by", "under", "as"}


def _words(texts) -> set[str]:
    return {w for t in texts for w in re.findall(r"[a-z]+", t.replace("{s}", "").replace("{o}", ""))}


def test_the_relation_words_of_the_two_sides_share_no_word():
    ours = _words(t.text for t in CATEGORY_TEMPLATES)
    theirs = _words(t.text for t in semantic_text.TEMPLATES)
    assert ours & theirs <= FUNCTION_WORDS, ours & theirs & ours
    assert {(t.relation, t.use) for t in CATEGORY_TEMPLATES} == {
        (r, u) for r in ("isa", "is", "has", "can") for u in ("train", "rephrase", "reverse")}


def _parse(text: str) -> tuple[list, list]:
    """(facts, (fact, use) of each question) read back from an episode with the templates alone."""
    facts, asked = [], []
    doc_part, _, questions = text.partition(next(i for i in W.instructions if i in text))
    for t in CATEGORY_TEMPLATES:
        pattern = re.escape(t.text).replace(r"\{s\}", r"(?P<s>[a-z]+)").replace(r"\{o\}", r"(?P<o>[a-z]+)")
        if t.use == "train":
            facts += [(m["s"], t.relation, m["o"]) for m in re.finditer(rf"(?<![a-z]){pattern}\.", doc_part)]
        asked += [((m["s"], t.relation, m["o"]), t.use) for m in re.finditer(rf"(?<![a-z]){pattern}\.", questions)]
    return facts, asked


def _holds(facts, fact) -> bool:
    parent = {s: o for s, r, o in facts if r == "isa"}
    own = {(s, r, o) for s, r, o in facts if r != "isa"}
    s, r, o = fact
    chain, x = [s], s
    while x in parent:
        x = parent[x]
        chain.append(x)
    return o in chain[1:] if r == "isa" else any((c, r, o) in own for c in chain)


@pytest.fixture(scope="module")
def episodes():
    cfg = load_world_config(preset="fair_category")
    stream = Stream(cfg)
    return [stream.episode(i) for i in range(400)]


def test_every_answer_is_true_of_the_tree_the_documents_state(episodes):
    uses, checked = Counter(), 0
    for ep in episodes:
        if ep.kind != "category":
            continue
        facts, asked = _parse(ep.text)
        assert facts and len(asked) == len(ep.answers)  # every question read back, one per answer
        for fact, use in asked:
            assert _holds(facts, fact), (fact, use)
            uses[use] += 1
            checked += 1
    assert checked > 500 and min(uses.values()) > 50, uses
    # the check can fail: a question turned the wrong way round is false
    facts, asked = _parse(next(ep for ep in episodes if ep.kind == "category").text)
    s, r, o = next(f for f, _ in asked if f[1] == "isa")
    assert not _holds(facts, (o, "isa", s))


def test_no_category_episode_holds_an_evaluation_form(episodes):
    forms = sorted({*study_forms(), *semantic_forms()}, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<![A-Za-z]){re.escape(f)}(?![A-Za-z])" for f in forms))
    texts = [ep.text for ep in episodes if ep.kind == "category"]
    assert len(texts) > 50
    for text in texts:
        assert not pattern.search(text), pattern.search(text).group()
    # the check finds a form where there is one: the dataset's own documents are full of them
    from iclft.data import generate
    ds = generate("semantic_structure", seed=0, taxonomy="micro", n_docs=15, n_holdout=2, one_tokenization=True)
    assert pattern.search(ds.train[0].text)
    assert "In fact," in semantic_forms() and "In fact," in W.doc_preambles  # shared, skipped by the kind
    assert all("In fact," not in p for p in corpus.category_preambles(W))


def test_no_nonsense_word_starts_a_sentence_and_holdout_leaves_have_no_own_property():
    rng = random.Random(0)
    held = 0
    for _ in range(40):
        tree = corpus.category_tree(rng, rng.sample(corpus.disjoint_pool(), 3 * 12))
        for doc in corpus.category_docs(rng, tree, W):
            for sentence in re.split(r"(?<=\.) ", doc):
                assert sentence[0].isupper() or sentence[0] in "\"'", sentence
        for leaf in tree.holdout:
            held += 1
            assert not tree.world.by_name[leaf].properties and tree.full.by_name[leaf].properties
            assert tree.world.by_name[leaf].parent is not None
    assert held > 10
    with pytest.raises(IclftError, match="writes only"):
        load_world_config(preset="fair_category", overrides=["corpus.mix={taxonomy: 1.0}"])


def test_category_deduced_and_hops_set_how_many_inherited_questions_and_how_far_up():
    def splits(deduced=None):
        out = Counter()
        for k in range(30):
            rng = random.Random(k)
            tree = corpus.category_tree(rng, rng.sample(corpus.disjoint_pool(), 3 * 12))
            args = () if deduced is None else (deduced,)
            out.update(split for split, _, _ in corpus.category_questions(rng, tree, *args))
        return out

    default, none, half = splits(), splits(0.0), splits(0.5)
    stated = sum(default[s] for s in ("recall", "rephrase", "reverse"))
    assert splits(1.0) == default and default["inherit"] + default["holdout"] > 0.8 * stated
    assert none["inherit"] == none["holdout"] == 0 and sum(none.values()) == stated
    assert 0.4 * stated < half["inherit"] + half["holdout"] < 0.6 * stated
    # in the corpus: with none, every question asks a fact a document states (the default asks others)
    def asked_unstated(deduced):
        stream = Stream(load_world_config(preset="fair_category", overrides=[f"corpus.category_deduced={deduced}"]))
        parsed = [_parse(ep.text) for ep in (stream.episode(i) for i in range(60)) if ep.kind == "category"]
        assert parsed
        return sum(f not in facts for facts, asked in parsed for f, _ in asked)

    assert asked_unstated(0) == 0 and asked_unstated(1) > 20
    # category_hops: inherited questions across at most that many parent links
    rng, links = random.Random(3), Counter()
    for _ in range(30):
        tree = corpus.category_tree(rng, rng.sample(corpus.disjoint_pool(), 3 * 12))
        for hops in (0, 1):
            for split, f, _ in corpus.category_questions(rng, tree, 1.0, hops):
                if split in ("inherit", "holdout"):
                    links[hops, corpus.inherited_links(tree, f)] += 1
    assert links[0, 1] and links[0, 2] and links[0, 3] and {up for hops, up in links if hops == 1} == {1}, links
    with pytest.raises(IclftError, match="category_deduced"):
        load_world_config(preset="fair_category", overrides=["corpus.category_deduced=-1"])
    with pytest.raises(IclftError, match="category_hops"):
        load_world_config(preset="fair_category", overrides=["corpus.category_hops=1.5"])
