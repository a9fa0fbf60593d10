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
        return self._converses[form]

    @cached_property
    def _converses(self) -> dict[str, str]:
        return {**{f: c for f, c in self.comparatives}, **{c: f for f, c in self.comparatives}}

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


# ---- broad: the same families, combinatorially varied ----------------------------------------------
# A language model meets a fact's frame in thousands of wordings; a corpus with a few dozen teaches a
# model those few. BROAD writes each family from parts (a source and a verb, an adverb, a frame and a
# task), 150-300 forms each, none of them an evaluation form or holding one (tested), and 70 regular
# adjectives, so that the skill the corpus teaches is reading any wording, not these wordings.

_SOURCES = ("the guide", "my aunt", "a traveller", "the old book", "our teacher", "the almanac", "a farmer",
            "the map maker", "the census", "a sailor", "the town archive", "my neighbour", "the children",
            "an old letter", "the priest", "the baker", "the chronicle", "a poem", "the harbour master",
            "the ledger", "a pilgrim", "the innkeeper", "the school book", "a merchant", "the miller")
_VERBS = ("says", "claims", "notes", "states", "tells us", "insists", "writes", "explains", "reports", "swears")
_WHEN = ("", "Long ago, ", "Once, ", "These days, ")
_ADVERBS = ("Clearly,", "In short,", "Put simply,", "To sum up,", "Thus,", "Hence,", "So,", "Indeed,", "Of course,",
            "Naturally,", "In brief,", "As a result,", "Therefore,", "Surely,", "Without doubt,", "Plainly,",
            "All in all,", "In the end,", "Simply put,", "By now we know,")
_CLAUSES = ("So we can say that", "This means that", "From this we know that", "We may conclude that",
            "It follows that", "One can tell that", "Anyone can see that", "We now know that", "It must be that",
            "This shows that", "We learn that", "It turns out that")
_LEADS = ("Here is", "Below is", "These are", "Read", "Look at", "Consider")
_THINGS = ("what we know", "a set of notes", "the record", "a few facts", "our notes", "the list of facts",
           "some notes", "the notes")
_ASKS = ("Now", "Next,", "Then", "Please", "At last,", "And now")
_TASKS = ("finish the sentence below", "complete the next statement", "fill in the rest of this statement",
          "finish this sentence", "say how the statement ends", "complete the sentence that comes next")
_FROM = ("", " from what you read", " using the notes", " from memory", " with what you know")
_MORE_REGULAR = ("active", "bitter", "brilliant", "cautious", "clumsy", "complex", "eager", "fearless", "foolish",
                 "gloomy", "greedy", "jealous", "lively", "lonely", "obedient", "pleasant", "proud", "rapid",
                 "robust", "rude", "silent", "simple", "slender", "sociable", "sturdy", "swift", "tender",
                 "tidy", "timid", "tolerant", "vivid", "wealthy", "famished", "fierce", "frugal", "gifted",
                 "hopeful", "idle", "mellow", "nimble", "noble", "rustic", "sincere", "sleepy", "thrifty")


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


BROAD = Wording(
    "broad",
    doc_preambles=tuple(_cap(f"{when}{src} {verb} that") for when in _WHEN for src in _SOURCES for verb in _VERBS
                        if not (when and verb == "swears")),
    question_preambles=_ADVERBS + _CLAUSES,
    comparatives=tuple((f"more {x}", f"less {x}") for x in _REGULAR + _MORE_REGULAR) + _IRREGULAR,
    headers=tuple(f"{lead} {thing}:" for lead in _LEADS for thing in _THINGS),
    instructions=tuple(_cap(f"{ask} {task}{src}.") for ask in _ASKS for task in _TASKS for src in _FROM),
    repeat=PRETRAIN.repeat,
    list_intro=PRETRAIN.list_intro)


# ---- open: comparatives as an open class -------------------------------------------------------------
# The wording probe (benchmarks/wording_probe.py) found a model trained on BROAD's or PRETRAIN's few
# dozen adjectives reversing them all, and reversing "more X" for an X it never saw no better than
# chance: it had learned each adjective's converse, not the rule. OPEN adds 600 made-up adjectives
# ("more fadompish"), built from the fair corpus's own syllables with an adjective ending, so that
# almost every comparison in the corpus is one its model has not seen before, as a language model
# meets most words rarely: the rule (swap the sides, swap "more" and "less", copy X) is the only
# thing that generalizes.

def _made_up_adjectives(n: int, seed: int = 0) -> tuple[str, ...]:
    import random

    from iclft.data.words import CODAS, ONSETS, SECOND_ONSETS, VOWELS

    rng = random.Random(f"made-up-adjectives:{seed}")
    out: dict[str, None] = {}
    while len(out) < n:
        stem = rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(SECOND_ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
        out[stem + rng.choice(("ish", "ous", "ful", "ive", "al", "y"))] = None
    return tuple(out)


OPEN = Wording(
    "open", BROAD.doc_preambles, BROAD.question_preambles,
    BROAD.comparatives + tuple((f"more {x}", f"less {x}") for x in _made_up_adjectives(600)),
    BROAD.headers, BROAD.instructions, BROAD.repeat, BROAD.list_intro)


# ---- wide: many real adjectives ------------------------------------------------------------------------
# OPEN's made-up adjectives share the nonsense nouns' syllables, and its model did not learn. WIDE keeps
# BROAD's families and adds 304 real English adjectives, none of them an evaluation relation word
# or a word of one (tested), so that most comparisons use an adjective the model meets rarely, as
# BROAD's 70 cannot: a probe of whether the comparative is then learned as a rule
# (benchmarks/comparative_probe.py).
_WIDE_REGULAR = (
    "abrupt", "absurd", "abundant", "accurate", "adorable", "adventurous", "affectionate", "agile", "alert",
    "ambitious", "amiable", "amused", "angry", "apparent", "arrogant", "artistic", "ashamed", "assertive",
    "astonishing", "attentive", "attractive", "austere", "awkward", "balanced", "bashful", "beautiful",
    "bewildered", "bizarre", "bland", "blissful", "boastful", "boisterous", "bold", "bored", "bossy", "brave",
    "brittle", "bumpy", "callous", "candid", "capable", "carefree", "careless", "casual", "charming", "chaotic",
    "cheeky", "chilly", "civil", "clever", "cloudy", "coherent", "comfortable", "competent", "complicated",
    "composed", "confident", "confused", "considerate", "content", "convenient", "cordial", "costly",
    "courageous", "courteous", "cowardly", "crafty", "cranky", "creative", "credible", "crisp", "crucial",
    "cunning", "cynical", "daring", "decent", "decisive", "delicate", "delightful", "dependable", "desperate",
    "determined", "devoted", "diligent", "discreet", "distant", "docile", "dreadful", "dreamy", "dusty",
    "dynamic", "earnest", "efficient", "eloquent", "eminent", "energetic", "enormous", "envious", "erratic",
    "ethical", "evasive", "excited", "exotic", "fabulous", "faithful", "familiar", "fancy", "fashionable",
    "feeble", "festive", "fickle", "filthy", "firm", "flexible", "fluffy", "fond", "forgetful", "forgiving",
    "formal", "fortunate", "fragrant", "frail", "frantic", "fresh", "frightened", "frosty", "fruitful",
    "furious", "fussy", "glamorous", "gleeful", "glorious", "gorgeous", "grateful", "grumpy", "guilty",
    "handsome", "harmful", "harmless", "harsh", "hasty", "hateful", "hesitant", "hollow", "horrible", "hostile",
    "humorous", "hungry", "ignorant", "imaginative", "impatient", "important", "impulsive", "innocent",
    "inquisitive", "insecure", "intense", "inventive", "irritable", "joyful", "jovial", "keen", "lavish",
    "lazy", "legal", "lenient", "literate", "logical", "lovely", "lucky", "luminous", "magnificent", "majestic",
    "mature", "meek", "merry", "messy", "mighty", "mindful", "miserable", "mysterious", "naive", "nasty",
    "natural", "naughty", "needy", "negligent", "noisy", "normal", "notorious", "obscure", "obvious", "odd",
    "optimistic", "orderly", "organized", "ornate", "outgoing", "painful", "passionate", "peculiar", "perfect",
    "persistent", "pessimistic", "pious", "pleasing", "plentiful", "poetic", "pompous", "positive", "powerful",
    "practical", "precious", "predictable", "pretty", "productive", "prudent", "punctual", "puzzled", "quaint",
    "radiant", "rational", "reckless", "refined", "relaxed", "relevant", "remarkable", "resilient",
    "respectful", "responsible", "rigid", "risky", "romantic", "ruthless", "sacred", "savage", "scarce",
    "scared", "secretive", "secure", "selfish", "sensible", "sensitive", "severe", "shaggy", "shiny", "shy",
    "skilful", "sloppy", "sluggish", "sly", "smelly", "smug", "sober", "solemn", "sophisticated", "spicy",
    "spirited", "splendid", "spontaneous", "stable", "steady", "sticky", "stingy", "strange", "strict",
    "stylish", "subtle", "successful", "suspicious", "sympathetic", "talented", "tame", "tedious", "tense",
    "terrible", "thankful", "thoughtful", "tired", "tough", "tragic", "tranquil", "trustworthy", "truthful",
    "ugly", "unusual", "upset", "vague", "vain", "versatile", "vicious", "vigilant", "violent", "virtuous",
    "vulnerable", "wary", "weary", "wicked", "willing", "witty", "wonderful", "worried", "worthy", "zealous")

WIDE = Wording(
    "wide", BROAD.doc_preambles, BROAD.question_preambles,
    BROAD.comparatives + tuple((f"more {x}", f"less {x}") for x in _WIDE_REGULAR),
    BROAD.headers, BROAD.instructions, BROAD.repeat, BROAD.list_intro)


# ---- varied: document preambles of many shapes -----------------------------------------------------
# BROAD's 925 document preambles are all one shape ("[When,] a source says that"); the evaluation's are
# of many ("Did you know that", "According to the encyclopedia,", "As everyone in the village knows,").
# The wording probe put what is left of the 40-fact shortfall in those unseen preambles. VARIED keeps
# WIDE and adds preambles of a dozen other shapes (questions, "according to", "as ... knows", bare
# clauses, reports of findings; half of all draws), none an evaluation form (tested), so that a preamble is something a
# model reads past whatever its shape.

_WHO = ("everyone", "the villagers", "every sailor", "the old people", "most farmers", "the children", "any baker",
        "the monks", "each pilgrim", "the guards")
_FOUND = ("A study of the valley found that", "The last count showed that", "Careful counting showed that",
          "A long survey of the hills found that", "Old tallies show that", "The field notes show that",
          "Years of watching have shown that", "A test last spring showed that")
_BARE = ("It is said that", "Some say that", "Everyone knows that", "It is clear that", "We hear that",
         "Rumour has it that", "Few people know that", "It is often said that", "Nobody doubts that",
         "It was once thought, rightly, that", "It is common knowledge that", "As we all know,",
         "Believe it or not,", "Strange as it seems,", "Oddly enough,", "For the record,", "In fact,",
         "Truth be told,", "To be sure,", "Note that")
_ASKED = ("Have you heard that", "Were you told that", "Did anyone tell you that", "Have you noticed that",
          "Did the guide mention that", "Have you read that")

_SHAPES = (tuple(f"According to {src}," for src in _SOURCES)
           + tuple(f"As {who} {'know' if who.startswith(('the ', 'most')) else 'knows'}," for who in _WHO)
           + _FOUND + _BARE + _ASKED)

VARIED = Wording(  # the new shapes listed 13 times: drawn about as often as BROAD's one shape
    "varied", WIDE.doc_preambles + _SHAPES * 13,
    WIDE.question_preambles, WIDE.comparatives, WIDE.headers, WIDE.instructions, WIDE.repeat, WIDE.list_intro)

# ---- logic: syllogisms in pretraining wording ----------------------------------------------------------
# The syllogism datasets ask in their own frames: a document "The relationships between a, b and c are:
# All a are b. ...", a question "The relationships between a and c are:" (the paper's split) and a
# judged one "Given the relationships between a, b and c, the conclusion that all c are a" ->
# "follows." / "does not follow.". A fair corpus (the `logic` episode kind) writes the same logic in
# frames of its own: none holds "relationships", "Given", "conclusion" or "follow" (tested).
# The quantified sentences themselves ("All a are b.", "Some a are b.", "No a are b.") are the logic
# being taught and are shared, as "more X" / "less X" are for comparisons. Verdicts come in the shape
# "V." / "does not V." (and a few "is X." / "is not X."), so the rule the corpus can teach is that "does
# not" marks the negative verdict, whatever the verb: the evaluation's "follows." is never one of them.

LOGIC_CONTEXTS = ("Notes on {names}:", "About {names}:", "What we know of {names}:", "On {names}, the record says:",
                  "How {names} stand:", "Facts on {names}:", "Of {names}, this is known:", "The links among {names}:")
LOGIC_ASKS = ("So, of {x} and {y} we can say:", "Hence, for {x} and {y}:", "What holds for {x} and {y}:",
              "Thus, linking {x} and {y}:", "Of {x} and {y}, then:", "From this, on {x} and {y}:")
LOGIC_JUDGE_LEADS = ("Knowing how {names} stand,", "From what we know of {names},", "Going by the notes on {names},",
                     "With the facts on {names},", "Taking the record on {names},", "Judging by the links among {names},")
LOGIC_CLAIMS = ("the claim that", "the statement that", "the idea that", "the guess that", "the thought that",
                "the proposal that")
LOGIC_VERDICTS = (("holds.", "does not hold."), ("stands.", "does not stand."), ("applies.", "does not apply."),
                  ("results.", "does not result."), ("checks out.", "does not check out."),
                  ("comes out.", "does not come out."), ("is certain.", "is not certain."),
                  ("is proven.", "is not proven."), ("is settled.", "is not settled."), ("is sound.", "is not sound."))

# ---- category: taxonomies in pretraining wording -----------------------------------------------------
# The semantic_structure dataset states and asks taxonomy facts in its own templates
# (iclft.data.semantic_text: "gruds are a kind of abmes", "abmes include gruds", "gruds are equipped
# with telk"). A fair corpus (the `category` episode kind) states the same four relations in words of
# its own, which share no relation word with any of the dataset's templates, nor a phrase with its
# preambles, headers or questions (tested): "isa" (a category inside another), "is" (a trait), "has"
# (a part) and "can" (an act); articles, the copula and prepositions are shared, as "more" and "less"
# are for comparisons.
# Each relation has templates to state a fact ("train"), to ask it in other words, same direction
# ("rephrase"), and to ask it from the object's side ("reverse"); the last slot ends the sentence.

def _category_templates():
    from iclft.data.semantic_text import Template

    table = {
        "isa": (("{s} are a sort of {o}", "{s} count as {o}", "{s} are members of the {o}"),
                ("{s} are classed with the {o}", "{s} are filed under {o}"),
                ("the {o} take in {s}", "a sort of {o} is the {s}")),
        "is": (("{s} are mostly {o}", "{s} are usually {o}"),
               ("{s} look {o}", "{s} seem {o}"),
               ("the word {o} fits {s}", "{o} describes {s}")),
        "has": (("{s} own {o}", "{s} grow {o}"),
                ("{s} keep {o}", "{s} bear {o}"),
                ("{o} grow on {s}", "{o} sit on {s}")),
        "can": (("{s} know how to {o}", "{s} learn to {o}"),
                ("{s} manage to {o}", "{s} often {o}"),
                ("those that {o} are {s}", "knowing how to {o} marks {s}")),
    }
    return tuple(Template(rel, use, t) for rel, uses in table.items()
                 for use, texts in zip(("train", "rephrase", "reverse"), uses) for t in texts)


CATEGORY_TEMPLATES = _category_templates()
