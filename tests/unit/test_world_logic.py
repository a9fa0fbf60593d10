"""The fair corpus's `logic` episodes (issue 20): syllogisms in the corpus's own wording, never the
datasets' frames or verdict, with verdicts that a second logic (test_syllogism_independent's own
enumeration of set models, not iclft's) confirms and that a quantifier alone cannot predict."""
from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from iclft.data.wording import LOGIC_CLAIMS, LOGIC_JUDGE_LEADS, LOGIC_VERDICTS
from iclft.world import corpus
from iclft.world.config import load_world_config
from iclft.world.probes import eval_datasets
from iclft.world.wording import SYLLOGISM_FORMS, study_forms
from test_syllogism_independent import follows  # the second logic: its own enumeration of set models

_PREMISE = re.compile(r"(All|Some|No) ([a-z]+) are ([a-z]+)\.")
_LEAD = "|".join(re.escape(lead.split("{")[0]) for lead in LOGIC_JUDGE_LEADS)
_CLAIM = re.compile(rf"(?:{_LEAD})(?P<names>[a-z, ]+?)(?: stand)?, (?:{'|'.join(LOGIC_CLAIMS)}) "
                    r"(?P<q>all|some|no) (?P<x>[a-z]+) are (?P<y>[a-z]+) (?P<verdict>.+)$")
YES, NO = {y for y, _ in LOGIC_VERDICTS}, {n for _, n in LOGIC_VERDICTS}


@pytest.fixture(scope="module")
def worlds():
    rng, pool = random.Random(0), corpus.disjoint_pool()
    return [corpus.logic_world(rng, rng.sample(pool, 3 * rng.randint(2, 24))) for _ in range(300)]


def test_judged_verdicts_are_right_by_an_independent_logic_and_balanced(worlds):
    premises_of = {}
    for w in worlds:
        for doc in w.docs:
            found = _PREMISE.findall(doc)
            assert len(found) == 2, doc
            premises_of[frozenset(x for _, a, b in found for x in (a, b))] = found
    verdicts, hard_no = Counter(), 0
    for w in worlds:
        for prompt, answer in w.qa:
            m = _CLAIM.match(f"{prompt} {answer}")
            if not m:
                continue
            found = premises_of[frozenset(re.findall(r"[a-z]+", m["names"])) - {"and"}]
            terms = sorted({x for _, a, b in found for x in (a, b)})
            idx = {t: k for k, t in enumerate(terms)}
            premises = [(q, idx[a], idx[b]) for q, a, b in found]
            truth = follows(premises, (m["q"].capitalize(), idx[m["x"]], idx[m["y"]]))
            assert m["verdict"] in (YES if truth else NO), (prompt, answer)
            verdicts[truth] += 1
            moods = {q for q, _, _ in premises}
            atmosphere = "No" if "No" in moods else "Some" if "Some" in moods else "All"
            hard_no += not truth and m["q"].capitalize() == atmosphere
    assert sum(verdicts.values()) > 1000
    assert 0.45 < verdicts[True] / sum(verdicts.values()) < 0.55
    assert hard_no / verdicts[False] > 0.6  # mostly the atmosphere's quantifier: it alone cannot tell


def test_logic_episodes_never_hold_the_datasets_frames_or_verdict():
    stream_cfg = load_world_config(preset="fair_logic")
    from iclft.world.stream import Stream

    stream = Stream(stream_cfg)
    forms = sorted(study_forms(), key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<![a-z]){re.escape(f)}(?![a-z])" for f in forms), re.IGNORECASE)
    episodes = [stream.episode(i) for i in range(600)]
    logic = [ep for ep in episodes if ep.kind == "logic"]
    assert len(logic) > 100
    assert not [m.group(0) for ep in episodes for m in pattern.finditer(ep.text)]
    assert not [ep for ep in logic if re.search(r"follow|conclu|given", ep.text, re.IGNORECASE)]
    assert set(SYLLOGISM_FORMS) <= set(study_forms())
    # the check can fail: the datasets' own syllogisms hold the frames
    from iclft.data import generate

    ds = generate("syllogism", seed=0, n_items=5, n_judged=5)
    assert all(pattern.search(d.text) for d in ds.train) and all(pattern.search(it.prompt) for it in ds.test)


def test_a_logic_corpus_is_measured_on_held_out_syllogisms():
    labels = [label for label, _ in eval_datasets(fair=True, logic=True)]
    assert "syllogism" in labels and "syllogism" not in [label for label, _ in eval_datasets(fair=True)]
    ds = dict(eval_datasets(fair=True, logic=True))["syllogism"]
    assert {it.split for it in ds.test} == {"syllogism", "judged"}
