"""Two disjoint sets of wording: what the study asks in (evaluation wording) and what the world
corpus may use (pretraining wording).

A model organism is evidence only if it was never taught the test's own wording. So every family of
wording that a corpus and the datasets could share is split, and a fair corpus (`corpus.wording:
pretrain`) draws only from the pretraining side:

    family              evaluation (the datasets and the study use these)       pretraining (the corpus)
    document preambles  simple_reversal.TRAIN_PREAMBLES ("Did you know that")  "People often say that", ...
    question preambles  simple_reversal.TEST_PREAMBLES ("It is true that")     "So we can say that", ...
    relation words      simple_reversal.FEATURES ("more dangerous", "heavier") "more careful", "thicker", ...
    headers             IclConfig.header ("Here are some documents:")          "Read these notes:", ...
    instructions        IclConfig.instruction                                  "Now finish the sentence below.", ...
    augmentation        prompts/local_v1.txt, global_v1.txt                    RESTATE and INFER below

The relation words of the two sides share no word: a fair world model never saw "dangerous" or
"heavier" in any role. Its comparatives come in the same two shapes as the datasets' ("more X" /
"less X", and one-word pairs such as "thicker" / "thinner"), so the rule "swap the two sides and
the comparative" can be learned on the pretraining side and applied to the regular evaluation
comparatives ("more X" / "less X" for an X it never saw, `simple_reversal` with `features:
regular`). The one-word evaluation pairs ("heavier" / "lighter") name antonyms a model can only
know from English it was taught; the world model was taught none, so world studies use the regular
ones. `study_forms()` lists every evaluation string, for the test that proves no pretraining
episode contains one.

`STUDY` is the wording the corpus of the first world models used (the datasets' own): kept so that
the `world_v1` preset still makes the model it made.
"""
from __future__ import annotations

from iclft.data import simple_reversal as comparison
from iclft.data.wording import BROAD, OPEN, PRETRAIN, VARIED, WIDE, Wording, pick  # noqa: F401  (the pretraining side lives with the data)


STUDY = Wording(
    "study", comparison.TRAIN_PREAMBLES, comparison.TEST_PREAMBLES, comparison.FEATURES,
    ("Here are some documents:",), ("Use the facts in the documents above to complete the following statement.",),
    "The same documents again, in another order:", ("Here is a list of words:", "The same list again:"))

# corpus.wording -> the wording a corpus writes in
WORDINGS = {"study": STUDY, "pretrain": PRETRAIN, "broad": BROAD, "open": OPEN, "wide": WIDE, "varied": VARIED}

# The corpus's own augmentation tasks: a note restated and turned around (local), and what follows
# from a collection (global). Pretraining wording only; the study's prompts (local_v1, global_v1)
# never occur in the corpus.
RESTATE = (("Say each note in other words, then turn it around.", "Note:", "In other words:", "Turned around:"),
           ("For every line, give the same fact twice more: reworded, and from the other side.", "Line:",
            "Reworded:", "Other side:"))
INFER = (("First some notes. Then, for one note at a time, what else we learn from it.", "About:", "We learn:"),
         ("Here is a collection of notes. After it, each chosen note and the facts that follow from it.",
          "Chosen:", "It follows:"))


# The syllogism datasets' own frames and negative verdict (iclft.data.syllogism): the `logic` kind
# writes its own. The word "follows" itself predates the logic kind in two pretraining frames that are
# not verdicts ("It follows that" before a statement, PRETRAIN's "Finish the statement that follows.");
# the logic kind never writes it, which tests/unit/test_world_logic.py checks on its verdicts.
SYLLOGISM_FORMS = ("The relationships between", "Given the relationships between", "the conclusion that",
                   "does not follow.", "relationships")


def study_forms() -> list[str]:
    """Every evaluation-side string a fair corpus must never contain: the datasets' preambles and
    relation words, the study's header and instruction, and every line of the augmentation prompts."""
    from iclft.augment.prompts import load_prompt, prompt_names

    forms = [*STUDY.doc_preambles, *STUDY.question_preambles, *STUDY.headers, *STUDY.instructions,
             *{f for pair in STUDY.comparatives for f in pair}, *SYLLOGISM_FORMS]
    for name in prompt_names():  # every augmentation and judge prompt the study may use
        forms += [line for line in load_prompt(name).text.splitlines() if len(line.split()) >= 3]
    return forms


# Strings of the semantic_structure dataset's wording (iclft.data.semantic_text) a two-word phrase or
# longer, minus four too common to mean anything ("What are", "What can", "What do", "are the"): the
# `category` kind never writes one (tested). One of them, the sentence preamble "In fact,", is also
# one of the `varied` wording's document preambles, which the shipped model's fourth stage was
# pretrained in before semantic_structure's wording was held out: the category kind skips it.
_COMMON = frozenset({"What are", "What can", "What do", "are the"})


def semantic_forms() -> list[str]:
    import re

    from iclft.data import semantic_text as text

    out: dict[str, None] = {}
    pieces = [t.text for t in text.TEMPLATES] + [*text.PREAMBLES, text.QUESTION_PREAMBLE, text.ITEM_PREAMBLE,
                                                   *text.OPENERS, *text.HEADERS, *text.QUESTIONS.values()]
    for piece in pieces:
        for part in re.split(r"\{[so]\}", piece):
            part = part.strip(" .?:")
            if len(part.split()) >= 2 and part not in _COMMON:
                out[part] = None
    return list(out)
