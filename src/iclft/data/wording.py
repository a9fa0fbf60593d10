"""The pretraining side of the world model's wording (iclft.world.wording explains the split): the
document and question preambles, comparatives, headers and instructions a fair world corpus writes
in, which no dataset uses unless asked to (`simple_reversal` with `wording: world_pretraining`, to
measure a world model in the wording it was trained in beside the wording it never saw).

The comparatives share no word with simple_reversal's FEATURES, and come in the same two shapes:
"more X" / "less X", and one-word pairs ("thicker" / "thinner").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


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
