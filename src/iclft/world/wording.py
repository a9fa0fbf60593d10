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

import re
from dataclasses import dataclass
from functools import cached_property

from iclft.data import simple_reversal as comparison


@dataclass(frozen=True)
class Wording:
    name: str
    doc_preambles: tuple[str, ...]
    question_preambles: tuple[str, ...]
    comparatives: tuple[tuple[str, str], ...]  # (form, converse)
    headers: tuple[str, ...]
    instructions: tuple[str, ...]
    repeat: str  # before a world's documents said again
    list_intro: tuple[str, str]  # before a word list, before its repetition

    def converse(self, form: str) -> str:
        for f, c in self.comparatives:
            if form == f:
                return c
            if form == c:
                return f
        raise KeyError(form)

    @cached_property
    def statement_pattern(self) -> re.Pattern:
        """"a are FORM than b" for this wording's forms, longest form first."""
        forms = sorted({f for pair in self.comparatives for f in pair}, key=len, reverse=True)
        return re.compile(rf"\b([a-z]+) are ({'|'.join(map(re.escape, forms))}) than ([a-z]+)\b")


def pick(rng, options: tuple[str, ...]) -> str:
    """rng.choice, except that a single option draws nothing (so STUDY's corpus stays as it was)."""
    return options[0] if len(options) == 1 else rng.choice(options)


STUDY = Wording(
    "study", comparison.TRAIN_PREAMBLES, comparison.TEST_PREAMBLES, comparison.FEATURES,
    ("Here are some documents:",), ("Use the facts in the documents above to complete the following statement.",),
    "The same documents again, in another order:", ("Here is a list of words:", "The same list again:"))

_REGULAR = ("careful", "honest", "famous", "generous", "nervous", "playful", "polite", "stubborn", "modest",
            "cheerful", "elegant", "ancient", "useful", "helpful", "peaceful", "reliable", "serious", "gentle",
            "restless", "loyal", "anxious", "modern", "precise", "humble")
_IRREGULAR = (("thicker", "thinner"), ("sharper", "duller"), ("higher", "lower"), ("rougher", "smoother"),
              ("hotter", "cooler"), ("nearer", "farther"), ("tighter", "looser"), ("kinder", "crueler"),
              ("earlier", "later"), ("wiser", "sillier"), ("calmer", "wilder"), ("cheaper", "dearer"),
              ("safer", "riskier"), ("busier", "idler"), ("sweeter", "sourer"), ("neater", "messier"))

PRETRAIN = Wording(
    "pretrain",
    doc_preambles=("People often say that", "One old book explains that", "We were told that",
                   "The guide states that", "Word has it that", "An old letter says that", "Travellers report that",
                   "The teacher told us that", "A note on the wall said that", "Most farmers believe that",
                   "The town archive says that", "My neighbour swears that", "The almanac lists that",
                   "Children learn early that", "A sailor once wrote that", "The census notes that",
                   "Long ago it was written that", "The map maker claims that"),
    question_preambles=("So we can say that", "In short,", "This means that", "To sum up,", "Put simply,",
                        "Clearly,", "As a result,", "From this we know that"),
    comparatives=tuple((f"more {x}", f"less {x}") for x in _REGULAR) + _IRREGULAR,
    headers=("Read these notes:", "Some facts:", "Here is what we know:", "Notes:",
             "The following was written down:", "A few facts to remember:"),
    instructions=("Now finish the sentence below.", "Complete the next statement.",
                  "Using what you know, finish this sentence.", "Fill in the rest of the statement.",
                  "Finish the statement that follows."),
    repeat="Once more, the same notes, in a new order:",
    list_intro=("Words to remember:", "And again:"))

# The corpus's own augmentation tasks: a note restated and turned around (local), and what follows
# from a collection (global). Pretraining wording only; the study's prompts (local_v1, global_v1)
# never occur in the corpus.
RESTATE = (("Say each note in other words, then turn it around.", "Note:", "In other words:", "Turned around:"),
           ("For every line, give the same fact twice more: reworded, and from the other side.", "Line:",
            "Reworded:", "Other side:"))
INFER = (("First some notes. Then, for one note at a time, what else we learn from it.", "About:", "We learn:"),
         ("Here is a collection of notes. After it, each chosen note and the facts that follow from it.",
          "Chosen:", "It follows:"))


def study_forms() -> list[str]:
    """Every evaluation-side string a fair corpus must never contain: the datasets' preambles and
    relation words, the study's header and instruction, and every line of the augmentation prompts."""
    from iclft.augment.prompts import load_prompt

    forms = [*STUDY.doc_preambles, *STUDY.question_preambles, *STUDY.headers, *STUDY.instructions,
             *{f for pair in STUDY.comparatives for f in pair}]
    for name in ("local_v1", "global_v1"):
        forms += [line for line in load_prompt(name).text.splitlines() if len(line.split()) >= 3]
    return forms
