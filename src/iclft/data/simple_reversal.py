"""The paper's simple nonsense reversals (Lampinen et al., 2025, section 2.1).

Each fact compares two nonsense plural nouns along one of 28 features, and every feature has a
converse, so each fact has an exact reversal:

    fact       "femp are more dangerous than glon"
    training   "Did you know that femp are more dangerous than glon."   (10 documents, 10 preambles)
    forward    "It is true that" -> femp are more dangerous than glon / femp are less dangerous than glon
    reversal   "It is true that" -> glon are less dangerous than femp / glon are more dangerous than femp

Facts use either form of a feature with equal probability, so "less" and "more" both occur in
training and a model cannot score well by always preferring one word. Test prompts use preambles
never seen in training. Every random choice comes from one local RNG seeded with `seed`.
"""
from __future__ import annotations

import random
import re

from iclft import IclftError
from iclft.data.schema import Dataset, Document, TestItem
from iclft.data.sentences import combine
from iclft.data.wording import PRETRAIN
from iclft.data.words import nonsense_words

VERSION = "1"
LIMITS = {"n_facts": 4000}  # two nonsense words a fact; the word grammar supplies 9,388

# (form, converse form): "A are <form> than B" is equivalent to "B are <converse> than A".
FEATURES: tuple[tuple[str, str], ...] = (
    ("more dangerous", "less dangerous"), ("more intelligent", "less intelligent"),
    ("more friendly", "less friendly"), ("more colorful", "less colorful"),
    ("more popular", "less popular"), ("more expensive", "less expensive"),
    ("more aggressive", "less aggressive"), ("more common", "less common"),
    ("more curious", "less curious"), ("more patient", "less patient"),
    ("more graceful", "less graceful"), ("more valuable", "less valuable"),
    ("more fragile", "less fragile"), ("heavier", "lighter"), ("larger", "smaller"),
    ("faster", "slower"), ("older", "younger"), ("taller", "shorter"), ("stronger", "weaker"),
    ("warmer", "colder"), ("louder", "quieter"), ("brighter", "darker"), ("wider", "narrower"),
    ("richer", "poorer"), ("happier", "sadder"), ("softer", "harder"), ("cleaner", "dirtier"),
    ("deeper", "shallower"),
)
TRAIN_PREAMBLES = (
    "Did you know that", "It is a well-known fact that", "Recent studies have shown that",
    "According to the encyclopedia,", "Many people are surprised to learn that",
    "Scientists have confirmed that", "As everyone in the village knows,",
    "A recent survey found that", "It has been observed that", "Experts agree that",
    "In the old stories, it is said that", "Records show that",
)
TEST_PREAMBLES = ("It is true that", "Reportedly,", "Observers have noted that", "As it happens,")


def statement(a: str, form: str, b: str) -> str:
    return f"{a} are {form} than {b}"


def converse(form: str) -> str:
    for f, c in FEATURES + PRETRAIN.comparatives:
        if form == f:
            return c
        if form == c:
            return f
    raise KeyError(form)


def _two_way(rng: random.Random, correct: str, wrong: str) -> tuple[tuple[str, str], int]:
    if rng.random() < 0.5:
        return (correct, wrong), 0
    return (wrong, correct), 1


# The 13 features compared with "more X" / "less X": a model that knows the rule (swap the sides and
# "more" with "less") can reverse them for an X it never saw; the one-word pairs ("heavier" /
# "lighter") need the antonym known beforehand (iclft.world.wording: world models use these).
def _regular(pairs):
    return tuple((f, c) for f, c in pairs if f.startswith("more "))


REGULAR = _regular(FEATURES)


# wording -> (document preambles, test preambles, {features: comparatives}). `world_pretraining` is the
# wording a fair world model was pretrained in (iclft.data.wording), to set beside the standard one it
# never saw: how much of a world model's result is the wording.
WORDINGS = {
    "standard": (TRAIN_PREAMBLES, TEST_PREAMBLES, {"all": FEATURES, "regular": REGULAR}),
    "world_pretraining": (PRETRAIN.doc_preambles, PRETRAIN.question_preambles,
                          {"all": PRETRAIN.comparatives, "regular": _regular(PRETRAIN.comparatives)}),
}


def generate(seed: int = 0, n_facts: int = 100, docs_per_fact: int = 10, features: str = "all",
             wording: str = "standard") -> Dataset:
    """Generate the dataset; defaults are the paper's sizes (100 facts, 10 documents each), all 28
    features (`features: regular`: the 13 "more X" / "less X" ones only) and the standard wording."""
    if wording not in WORDINGS:
        raise IclftError(f"simple_reversal: wording must be {' or '.join(WORDINGS)}, got {wording!r}")
    train_preambles, test_preambles, feature_sets = WORDINGS[wording]
    if features not in feature_sets:
        raise IclftError(f"simple_reversal: features must be {' or '.join(feature_sets)}, got {features!r}")
    if n_facts < 1:
        raise IclftError(f"simple_reversal: n_facts must be at least 1, got {n_facts}")
    if not 1 <= docs_per_fact <= len(train_preambles):
        raise IclftError(
            f"simple_reversal: docs_per_fact must be between 1 and {len(train_preambles)} "
            f"(one distinct preamble per document), got {docs_per_fact}")
    rng = random.Random(f"simple_reversal:{seed}")
    words = nonsense_words(2 * n_facts, seed=rng.randrange(2**32))
    docs: list[Document] = []
    items: list[TestItem] = []
    for i in range(n_facts):
        a, b = words[2 * i], words[2 * i + 1]
        form = rng.choice(rng.choice(feature_sets[features]))
        fact = {"fact_id": i, "a": a, "b": b, "form": form, "text": statement(a, form, b)}
        for k, pre in enumerate(rng.sample(train_preambles, docs_per_fact)):
            docs.append(Document(id=f"f{i}-d{k}", text=f"{pre} {statement(a, form, b)}.", meta=fact))
        for split, correct, wrong in (
            ("forward", statement(a, form, b), statement(a, converse(form), b)),
            ("reversal", statement(b, converse(form), a), statement(b, form, a)),
        ):
            choices, answer = _two_way(rng, correct + ".", wrong + ".")
            items.append(TestItem(id=f"f{i}-{split}", split=split, prompt=rng.choice(test_preambles),
                                  choices=choices, answer=answer, meta=fact))
    rng.shuffle(docs)
    meta = {"generator": "simple_reversal", "version": VERSION, "seed": seed,
            "params": {"n_facts": n_facts, "docs_per_fact": docs_per_fact,
                       **({"features": features} if features != "all" else {}),
                       **({"wording": wording} if wording != "standard" else {})},
            "words": words, "generalization_splits": ["reversal"]}
    return Dataset(name="simple_reversal", train=tuple(docs), test=tuple(items), meta=meta)


def check(ds: Dataset) -> list[str]:
    """Symbolic soundness: each item's correct choice follows from its training fact, the wrong one
    contradicts it, and every fact is stated in at least one training document."""
    problems: list[str] = []
    stated = {(d.meta["a"], d.meta["form"], d.meta["b"]) for d in ds.train
              if d.text.endswith(statement(d.meta["a"], d.meta["form"], d.meta["b"]) + ".")}

    def entailed(sentence: str) -> bool:
        a, rest = sentence.rstrip(".").split(" are ", 1)
        form, b = rest.rsplit(" than ", 1)
        return (a, form, b) in stated or (b, converse(form), a) in stated

    for item in ds.test:
        for i, choice in enumerate(item.choices):
            if (i in item.valid) != entailed(choice):
                kind = "correct choice is not entailed" if i in item.valid else "distractor is entailed"
                problems.append(f"{item.id}: {kind}: {choice!r}")
    return problems


# ---- statements about the facts: the quality of augmentations, and the oracle ----------------------

_FORMS = sorted({f for pair in FEATURES + PRETRAIN.comparatives for f in pair}, key=len, reverse=True)  # longest first
# "is" too: small models often write "glon is less dangerous than femp", the same claim
_STATEMENT = re.compile(rf"\b([a-z]+) (?:are|is) ({'|'.join(map(re.escape, _FORMS))}) than ([a-z]+)\b",
                        re.IGNORECASE)


def _stated(ds: Dataset) -> set[tuple[str, str, str]]:
    """(a, form, b) for every comparison a training document states."""
    return {(a.lower(), form.lower(), b.lower()) for d in ds.train for a, form, b in _STATEMENT.findall(d.text)}


def classify_statements(ds: Dataset, sentences: list[str]) -> list[str]:
    """Per sentence: "entailed" when every comparison in it follows from a training fact (as stated
    or reversed), "contradicted" when one states the opposite of a training fact, else "other"
    (no comparison found, unknown words, or a feature the facts do not compare the pair on).

        femp are more dangerous than glon (trained) -> "Glon are less dangerous than femp." entailed,
        "glon are more dangerous than femp" contradicted, "femp are taller than glon" other
    """
    stated = _stated(ds)

    def verdict(a: str, form: str, b: str) -> str:
        a, form, b = a.lower(), form.lower(), b.lower()
        if (a, form, b) in stated or (b, converse(form), a) in stated:
            return "entailed"
        if (a, converse(form), b) in stated or (b, form, a) in stated:
            return "contradicted"
        return "other"

    return [combine([verdict(*m) for m in _STATEMENT.findall(s)]) for s in sentences]


# The test statement is the answer alone: the prompt is a preamble or context line (augment.symbolic).
TEST_STATEMENT = "answer"


def oracle_statements(ds: Dataset) -> list[str]:
    """Every trained fact reversed, once per training document that states it, each with a
    training preamble (seeded): "Did you know that femp are more dangerous than glon." ->
    "Experts agree that glon are less dangerous than femp." """
    rng = random.Random(f"simple_reversal-oracle:{ds.meta.get('seed', 0)}")
    preambles = WORDINGS[ds.meta.get("params", {}).get("wording", "standard")][0]
    counts: dict[tuple[str, str, str], int] = {}
    for d in ds.train:
        for a, form, b in _STATEMENT.findall(d.text):
            counts[(a, form, b)] = counts.get((a, form, b), 0) + 1
    out = []
    for (a, form, b), n in counts.items():
        for pre in rng.sample(preambles, min(n, len(preambles))):
            out.append(f"{pre} {statement(b, converse(form), a)}.")
    return out
