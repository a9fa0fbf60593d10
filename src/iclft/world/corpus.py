"""The pretraining corpus of the world model: many small random worlds, each stated and then asked about.

An episode is one pretraining sequence about one fresh world, built from iclft's dataset templates
(iclft.data), so the study's datasets are in the model's language but new to it. Most episodes are
laid out exactly as the `icl` condition shows a dataset (iclft.conditions.icl, no chat template):

    Here are some documents:

    Did you know that femp are more dangerous than glon.

    Records show that trab are slower than vesk.

    Use the facts in the documents above to complete the following statement.

    It is true that glon are less dangerous than femp.

    Reportedly, trab are slower than vesk.

The questions are answered from the documents only: forwards, reversed, by syllogism, or by
inheritance down a category tree. Worlds are of six kinds:

    comparison  nonsense comparisons (simple_reversal's 28 features, preambles and test preambles)
    drill       2-12 comparisons, each stated once and every one asked (forward or reversed): the
                dense, small worlds on which in-context reversal is learned in minutes
    syllogism   three-term syllogisms (syllogism's ten forms, context lines and statements)
    taxonomy    a random category tree with inherited properties, rendered by semantic_structure's
                document writer; questions from its rephrase / reverse / deduction templates
    local       the local augmentation prompt (iclft/prompts/local_v1.txt) continued with a world's
                sentences, each rephrased and reversed
    global      the global augmentation prompt (global_v1.txt) with a world's documents as the
                collection, each document followed by its inferences (reversals, conclusions)

    repeat      a world's documents, then the same documents again in another order
    list        a list of words, then the same list again
    background  (fair corpora) notes on a persistent background world and questions on it, some
                closed book: knowledge that can only live in the weights
    logic       (fair corpora) syllogisms over every mood and figure in pretraining wording: what
                holds of the end terms, and whether a stated candidate holds (`logic_world`)
    category    (fair corpora) a random category tree in pretraining wording: its facts stated,
                then asked as stated, reworded, turned around and inherited (`category_world`)

A fair corpus (`wording` PRETRAIN, BROAD or OPEN, iclft.world.wording) writes only the pretraining
side of every wording family, its words from `disjoint_pool` (a grammar no dataset draws from), and
its own augmentation tasks (`restate_episode`, `infer_episode`) in place of the study's prompts; it
has comparison, drill, background, local, global, repeat, list, logic and category episodes
(PRETRAIN_KINDS). What follows describes the first corpus (STUDY wording), which the `world_v1`
preset still writes.

The local and global kinds teach the model the study's augmentation formats, as the first four
teach it the in-context format; their comparison rewrites follow a training preamble, so every
nonsense word keeps the tokenization it has inside the documents. The last two are warm-ups for looking back: everything after a
repeated document's first words, and after a listed word's first token, is a copy of what the
episode said before, so a model learns to find a word in its context and read what surrounds it
(an induction head) long before it would from the questions alone. Words come from the nonsense-word grammar (iclft.data.words) minus a reserved
set (every word of the evaluation datasets, see `reserved_words`), so no test word or fact ever
appears in pretraining. Episode i of seed s is a pure function of (s, i): a local
random.Random(f"world:{s}:{i}"), so the corpus is byte-identical for a seed and any step can be
regenerated on resume.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, NamedTuple

from iclft.config import DatasetConfig, IclConfig
from iclft.data import generate
from iclft.data import semantic_structure as semantic
from iclft.data import semantic_text as text
from iclft.data import simple_reversal as comparison
from iclft.data import syllogism
from iclft.data.sentences import split_sentences
from iclft.data.taxonomy import RELATIONS, Category, Fact, Taxonomy
from iclft.data.words import CODAS, ONSETS, SECOND_ONSETS, VOWELS, candidates, is_english
from iclft.data.wording import (CATEGORY_TEMPLATES, LOGIC_ASKS, LOGIC_CLAIMS, LOGIC_CONTEXTS, LOGIC_JUDGE_LEADS,
                                LOGIC_VERDICTS)
from iclft.world.wording import INFER, RESTATE, STUDY, Wording, pick, semantic_forms

KINDS = ("comparison", "drill", "syllogism", "taxonomy", "local", "global", "repeat", "list", "background", "logic",
         "category")


class Episode(NamedTuple):
    kind: str
    text: str
    answers: tuple[tuple[int, int], ...]  # character spans of the answers (the held-out metric's targets)


@dataclass(frozen=True)
class World:
    """A world as documents, questions (prompt, answer) to ask after them, and for each document
    the inferences that link it to the rest (what global augmentation should write)."""

    docs: list[str]
    qa: list[tuple[str, str]]
    inferences: dict[str, list[str]]


# ---- words ----------------------------------------------------------------------------------------

def reserved_words(datasets: Iterable[DatasetConfig], seeds: Iterable[int]) -> frozenset[str]:
    """Every nonsense word the given datasets use at the given seeds: pretraining never uses them."""
    out: set[str] = set()
    for seed in seeds:
        for d in datasets:
            out.update(generate(d.name, seed=seed, **d.params).meta["words"])
    return frozenset(out)


@lru_cache(maxsize=4)
def word_pool(reserved: frozenset[str]) -> tuple[str, ...]:
    """The grammar's non-English words, minus the reserved ones and anything sharing a stem (a
    trailing "s") with them or with an earlier pool word, in a fixed order."""
    stems = {w.rstrip("s") for w in reserved}
    out = []
    for w in candidates():
        stem = w.rstrip("s")
        if stem in stems or is_english(w):
            continue
        stems.add(stem)
        out.append(w)
    return tuple(out)


@lru_cache(maxsize=1)
def disjoint_pool() -> tuple[str, ...]:
    """The words of a fair corpus: a second grammar built from the same syllables (onset, vowel,
    onset, vowel, coda: "fadomp", "glerimk"), kept at 6-7 letters and not English. Every dataset
    word has 4-5 letters (iclft.data.words), so no word of any study dataset at any seed, nor of
    any held-out evaluation world, can be one of these: reserved by construction, not by listing
    the seeds someone thought of."""
    words = {o + v + o2 + v2 + c for o in ONSETS for v in VOWELS for o2 in SECOND_ONSETS for v2 in VOWELS
             for c in CODAS}
    return tuple(w for w in sorted(words) if 6 <= len(w) <= 7 and not is_english(w))


# ---- the three world kinds ------------------------------------------------------------------------

def comparison_world(rng: random.Random, words: list[str], w: Wording = STUDY) -> World:
    n = len(words) // 2
    docs, qa = [], []
    for i in range(n):
        a, b = words[2 * i], words[2 * i + 1]
        form = rng.choice(rng.choice(w.comparatives))
        for pre in rng.sample(w.doc_preambles, rng.randint(1, 2)):
            docs.append(f"{pre} {comparison.statement(a, form, b)}.")
        forward = comparison.statement(a, form, b)
        reverse = comparison.statement(b, w.converse(form), a)
        for s in rng.sample([forward, reverse], rng.randint(1, 2)):
            qa.append((rng.choice(w.question_preambles), s + "."))
    rng.shuffle(docs)
    rng.shuffle(qa)
    return World(docs, qa, {d: _comparison_rewrites(rng, d, w)[1:] for d in docs})


def drill_world(rng: random.Random, words: list[str], w: Wording = STUDY) -> World:
    """Comparisons in few tokens: each fact stated once ("Records show that femp are more dangerous
    than glon."; a preamble keeps every word inside a sentence, tokenized as the study's documents
    tokenize it), then every fact asked once, reversed or forward at random, the question naming its
    subject ("It is true that glon" -> "are less dangerous than femp."). Dense answers on small
    worlds: the condition under which a random-token probe learned in-context reversal in minutes
    (the README's probes)."""
    docs, qa = [], []
    for i in range(len(words) // 2):
        a, b = words[2 * i], words[2 * i + 1]
        form = rng.choice(rng.choice(w.comparatives))
        docs.append(f"{rng.choice(w.doc_preambles)} {comparison.statement(a, form, b)}.")
        x, f, y = (a, form, b) if rng.random() < 0.5 else (b, w.converse(form), a)
        qa.append((f"{rng.choice(w.question_preambles)} {x}", f"are {f} than {y}."))
    rng.shuffle(qa)
    return World(docs, qa, {d: _comparison_rewrites(rng, d, w)[1:] for d in docs})


def syllogism_world(rng: random.Random, words: list[str]) -> World:
    docs, qa, inferences = [], [], {}
    forms = syllogism.forms()
    for i in range(len(words) // 3):
        terms = tuple(words[3 * i: 3 * i + 3])
        form = rng.choice(forms)
        premises = list(form.premises)
        rng.shuffle(premises)
        docs.append(syllogism.context(sorted(terms)) + " " + " ".join(p.text(terms) for p in premises))
        inferences[docs[-1]] = [c.text(terms) for c in form.valid]
        ends = [terms[syllogism.S], terms[syllogism.P]]
        rng.shuffle(ends)
        qa.append((syllogism.context(ends), rng.choice(form.valid).text(terms)))
        if rng.random() < 0.3:  # now and then a premise restated: recall from context
            p = rng.choice(premises)
            pair = [terms[p.subject], terms[p.predicate]]
            rng.shuffle(pair)
            qa.append((syllogism.context(pair), p.text(terms)))
    rng.shuffle(qa)
    return World(docs, qa, inferences)


def logic_world(rng: random.Random, words: list[str]) -> World:
    """Three-term syllogisms in pretraining wording (iclft.data.wording, LOGIC_*), over every mood and
    figure. Each document names its terms and states a premise pair; each asks either what holds of
    the two end terms (a valid conclusion of a pair that has one) or whether a stated candidate holds.
    Judged verdicts are balanced: half follow (a valid pair's valid conclusion), half do not (any pair,
    and mostly the candidate with the premises' atmosphere, so that the quantifier alone cannot tell),
    decided by brute force (iclft.data.syllogism.entails)."""
    S, P = syllogism.S, syllogism.P
    valid_forms = syllogism.forms()
    docs, qa, inferences = [], [], {}
    for i in range(len(words) // 3):
        terms = tuple(words[3 * i: 3 * i + 3])
        judged, follows = rng.random() < 0.7, rng.random() < 0.5
        name = rng.choice(syllogism.NAMES) if judged and not follows else rng.choice(valid_forms).name
        premises = syllogism.premises_of(name)
        valid = [c for c in syllogism.candidates(S, P) if syllogism.entails(premises, c)]
        shown = list(premises)
        rng.shuffle(shown)
        names = sorted(terms)
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        doc = rng.choice(LOGIC_CONTEXTS).format(names=listed) + " " + " ".join(p.text(terms) for p in shown)
        docs.append(doc)
        inferences[doc] = [c.text(terms) for c in valid]
        if not judged:
            ends = [terms[S], terms[P]]
            rng.shuffle(ends)
            qa.append((rng.choice(LOGIC_ASKS).format(x=ends[0], y=ends[1]), rng.choice(valid).text(terms)))
        else:
            if follows:
                options = valid
            else:
                wrong = [c for c in syllogism.candidates(S, P) if c not in valid]
                rule = syllogism.atmosphere(premises)
                hard = [c for c in wrong if c.quantifier == rule]
                options = hard if hard and rng.random() < 0.7 else wrong
            c = rng.choice(options)
            claim = f"{rng.choice(LOGIC_CLAIMS)} {c.quantifier.lower()} {terms[c.subject]} are {terms[c.predicate]}"
            yes, no = rng.choice(LOGIC_VERDICTS)
            qa.append((f"{rng.choice(LOGIC_JUDGE_LEADS).format(names=listed)} {claim}", yes if follows else no))
        if rng.random() < 0.2:  # now and then a premise recalled from the context
            p = rng.choice(premises)
            qa.append((rng.choice(LOGIC_ASKS).format(x=terms[p.subject], y=terms[p.predicate]), p.text(terms)))
    rng.shuffle(qa)
    return World(docs, qa, inferences)


def random_taxonomy(rng: random.Random, words: list[str], n_categories: int) -> Taxonomy:
    """A random tree of `n_categories` categories, each with 1-2 properties of its own; names and
    property words are consumed from `words`."""
    names, rest = words[:n_categories], words[n_categories:]
    cats = []
    for k, name in enumerate(names):
        parent = None if k == 0 else names[rng.randrange(max(0, k - 4), k)]  # recent parents: depth
        props = tuple((rng.choice(RELATIONS), rest.pop()) for _ in range(rng.randint(1, 2)))
        cats.append(Category(name, parent, props))
    return Taxonomy(tuple(cats))


def taxonomy_world(rng: random.Random, words: list[str], n_categories: int, max_questions: int) -> World:
    full = random_taxonomy(rng, words, n_categories)
    eligible = [n for n in full.leaves() if len(full.ancestors[n]) >= 2]
    holdout = rng.sample(eligible, min(len(eligible), rng.randint(0, 1)))
    world = full.without_properties_of(set(holdout))
    docs = [d.text for d in semantic._documents(world, n_categories, rng)]
    questions = semantic._questions(world, holdout)
    qa = []
    for split, _, f, _ in rng.sample(questions, min(max_questions, len(questions))):
        template = rng.choice(text.templates(f.relation, semantic.SPLIT_TEMPLATES[split]))
        qa.append(template.split(f.subject, f.object))
    return World(docs, qa, {d: _taxonomy_inferences(rng, world, d) for d in docs})


def category_world(rng: random.Random, words: list[str], w: Wording, max_questions: int = 48,
                   deduced: float = 1.0, hops: int = 0) -> World:
    """A random category tree in pretraining wording (iclft.data.wording, CATEGORY_TEMPLATES): each
    category's document states its parent link and its own traits, parts and acts, one fact a sentence
    after a document preamble of `w`, so that no nonsense word starts a sentence (each keeps one
    tokenization). The questions (after a question preamble of `w`) ask a stated fact in its own
    words, in other words or from the object's side, and what a category inherits: a property of an
    ancestor, or an ancestor two or more levels up. Now and then a leaf's own properties are left
    out, so that all it has is what it inherits (the dataset's category holdout). `deduced` and
    `hops`: how many inherited questions, and how far up (category_questions)."""
    tree = category_tree(rng, words)
    asked = category_questions(rng, tree, deduced, hops)
    qa = [category_prompt(rng, f, use, w) for _, f, use in rng.sample(asked, min(max_questions, len(asked)))]
    return World(category_docs(rng, tree, w), qa, {})


class CategoryTree(NamedTuple):
    full: Taxonomy
    world: Taxonomy  # `full` without the held-out leaves' own properties
    holdout: frozenset[str]
    order: tuple[str, ...]  # the categories in the order their documents come


def category_tree(rng: random.Random, words: list[str]) -> CategoryTree:
    full = random_taxonomy(rng, words, len(words) // 3)
    eligible = [n for n in full.leaves() if len(full.ancestors[n]) >= 2]
    holdout = frozenset(rng.sample(eligible, min(len(eligible), rng.randint(0, 2))))
    order = [c.name for c in full.categories]
    rng.shuffle(order)
    return CategoryTree(full, full.without_properties_of(set(holdout)), holdout, tuple(order))


def category_docs(rng: random.Random, tree: CategoryTree, w: Wording) -> list[str]:
    facts, preambles = tree.world.direct_facts(), category_preambles(w)
    return [" ".join(f"{rng.choice(preambles)} {_category_text(rng, f, 'train')}." for f in facts[n])
            for n in tree.order if facts[n]]


def category_questions(rng: random.Random, tree: CategoryTree, deduced: float = 1.0,
                       hops: int = 0) -> list[tuple[str, Fact, str]]:
    """(split, fact, template use) for the questions of a tree: every stated fact asked as stated
    ("recall"), reworded ("rephrase") or turned around ("reverse", twice as often), then `deduced`
    times as many inherited facts, where the tree has them ("inherit"; "holdout" for a leaf whose own
    properties were left out; 0: none), each across at most `hops` parent links (0: any; 1: a
    property of the parent, the one-step syllogism)."""
    facts = tree.world.direct_facts()
    stated = []
    for n in tree.order:
        for f in facts[n]:
            use = rng.choice(("train", "rephrase", "reverse", "reverse"))
            stated.append(({"train": "recall"}.get(use, use), f, use))
    inherited = [("holdout" if n in tree.holdout else "inherit", f, "train")
                 for n in tree.order for kind, f, _ in tree.world.deductions(n)
                 if not hops or int(kind.rsplit("_", 1)[1]) <= hops]  # kind: "inheritance_k", "membership_k"
    return stated + rng.sample(inherited, min(len(inherited), round(deduced * len(stated))))


def inherited_links(tree: CategoryTree, f: Fact) -> int:
    """How many parent links up from `f`'s subject the category stands whose own fact `f` inherits
    (for a kind: the ancestor `f` names)."""
    chain = [f.subject, *tree.world.ancestors[f.subject]]
    if f.relation == "isa":
        return chain.index(f.object)
    return next(k for k, c in enumerate(chain) if (f.relation, f.object) in tree.world.by_name[c].properties)


def category_prompt(rng: random.Random, f: Fact, use: str, w: Wording) -> tuple[str, str]:
    """(prompt, answer): the fact in a template of `use` after a question preamble, cut before its
    last word."""
    head, last = _category_text(rng, f, use).rsplit(" ", 1)
    return f"{pick(rng, w.question_preambles)} {head}", last + "."


@lru_cache(maxsize=None)
def category_preambles(w: Wording) -> tuple[str, ...]:
    """`w`'s document preambles without any of semantic_structure's (`varied` has "In fact,")."""
    forms = semantic_forms()
    return tuple(p for p in w.doc_preambles if not any(f in p for f in forms))


def _category_text(rng: random.Random, f: Fact, use: str) -> str:
    template = rng.choice([t for t in CATEGORY_TEMPLATES if t.relation == f.relation and t.use == use])
    return template.text.format(s=f.subject, o=f.object)


def _taxonomy_inferences(rng: random.Random, world: Taxonomy, doc: str) -> list[str]:
    """A document's facts reversed, then up to three facts its category links imply by inheritance."""
    stated = [f for unit in text.split_units(doc) for f in (text.parse_unit(unit) or [])]
    out = [_say(rng, f, "reverse") for f in stated]
    deduced = [f for s in dict.fromkeys(f.subject for f in stated if f.relation == "isa")
               for _, f, _ in world.deductions(s)]
    return out + [_say(rng, f, "train") for f in rng.sample(deduced, min(3, len(deduced)))]


def _say(rng: random.Random, f: Fact, use: str) -> str:
    return text.capitalize(rng.choice(text.templates(f.relation, use)).text.format(s=f.subject, o=f.object)) + "."


# ---- augmentation formats -------------------------------------------------------------------------

def _comparison_rewrites(rng: random.Random, sentence: str, w: Wording = STUDY) -> list[str]:
    """A comparison restated, then reversed, each after a training preamble: the nonsense words stay
    inside the sentence, so each keeps the one tokenization it has in the documents (a byte-level BPE
    splits "Glon" and " glon" into unrelated tokens; a model that learned to write "Glon are ..."
    misspelled the words it had to capitalize, and finetuning on such a sentence teaches nothing
    about " glon")."""
    m = w.statement_pattern.search(sentence)
    if not m:
        return []
    a, form, b = m.groups()
    first, second = rng.sample(w.doc_preambles, 2)
    return [f"{first} {comparison.statement(a, form, b)}.",
            f"{second} {comparison.statement(b, w.converse(form), a)}."]


def _semantic_rewrites(rng: random.Random, sentence: str) -> list[str]:
    facts = text.parse_unit(sentence) or []
    return [_say(rng, f, "rephrase") for f in facts] + [_say(rng, f, "reverse") for f in facts]


def local_blocks(rng: random.Random, world: World) -> list[tuple[str, str]]:
    """(sentence, what the local prompt should continue it with) for each sentence stating facts."""
    blocks = []
    for doc in world.docs:
        for s in split_sentences(doc):
            rewrites = _comparison_rewrites(rng, s) or _semantic_rewrites(rng, s)
            if rewrites:
                half = len(rewrites) // 2
                lines = rewrites[:1] + [f"Rephrasing: {r}" for r in rewrites[1:half]] + \
                    [f"Reversal: {r}" for r in rewrites[half:]]
                blocks.append((s, "\n".join(lines)))
    rng.shuffle(blocks)
    return blocks


# ---- a persistent background world: knowledge that can only live in the weights --------------------

class BackgroundFact(NamedTuple):
    a: str
    form: str
    b: str
    two_way: bool  # stated in both directions in the corpus; else only "a are form than b", ever

    def statements(self, w: Wording) -> list[str]:
        forward = comparison.statement(self.a, self.form, self.b)
        return [forward, comparison.statement(self.b, w.converse(self.form), self.a)] if self.two_way else [forward]


@dataclass(frozen=True)
class Background:
    """Facts between words of their own that recur across the whole corpus, in many wordings: stated
    in notes, asked with the notes in context, and asked with nothing before the question (the frame
    in which the study asks pretrained and finetuned models). A share of them is stated both ways;
    the rest only forwards, and nothing in the corpus ever states or asks their reversal, so a
    pretrained model's reversal of them measures what it infers rather than what it was told."""

    facts: tuple[BackgroundFact, ...]

    @property
    def words(self) -> frozenset[str]:
        return frozenset(x for f in self.facts for x in (f.a, f.b))


def background_world(seed: int, pool: tuple[str, ...], n_facts: int, two_way: float, w: Wording) -> Background:
    rng = random.Random(f"world-background:{seed}")
    words = rng.sample(pool, 2 * n_facts)
    n_two = round(two_way * n_facts)
    return Background(tuple(BackgroundFact(words[2 * i], rng.choice(rng.choice(w.comparatives)), words[2 * i + 1],
                                           i < n_two) for i in range(n_facts)))


def background_episode(rng: random.Random, bg: Background, w: Wording, size: float) -> tuple[str, list]:
    """Notes on some background facts and questions on them and on others (closed book: answered
    from the weights), or questions alone, with no notes at all."""
    asked = rng.sample(bg.facts, min(len(bg.facts), rng.randint(4, 4 + round(12 * size))))
    body = ""
    if rng.random() < 0.5:
        stated = rng.sample(bg.facts, min(len(bg.facts), rng.randint(2, 2 + round(10 * size))))
        docs = [f"{rng.choice(w.doc_preambles)} {rng.choice(f.statements(w))}." for f in stated]
        body = f"{pick(rng, w.headers)}\n\n" + "\n\n".join(docs) + "\n\n"
        asked += [f for f in stated if f not in asked][:4]
        rng.shuffle(asked)
    pairs = []
    for f in asked:
        x, form, y = f.a, f.form, f.b
        if f.two_way and rng.random() < 0.5:
            x, form, y = y, w.converse(form), x
        pre = rng.choice(w.question_preambles)
        pairs.append((f"{pre} {x}", f"are {form} than {y}.") if rng.random() < 0.5
                     else (pre, comparison.statement(x, form, y) + "."))
    return answered(body + f"{pick(rng, w.instructions)}\n\n", pairs)


# ---- the corpus's own augmentation tasks (pretraining wording) ---------------------------------------

def restate_episode(rng: random.Random, docs: list[str], w: Wording) -> tuple[str, list]:
    """Each note said again in other words and turned around (the skill local augmentation asks
    for, in the corpus's own wording, never the study's prompt)."""
    intro, note, again, turned = rng.choice(RESTATE)
    pairs = []
    for doc in rng.sample(docs, min(10, len(docs))):
        rewrites = _comparison_rewrites(rng, doc, w)
        if rewrites:
            pairs.append((f"{note} {doc}\n{again}", f"{rewrites[0]}\n{turned} {rewrites[1]}"))
    return answered(intro + "\n\n", pairs)


def infer_episode(rng: random.Random, world: World, w: Wording) -> tuple[str, list]:
    """A collection of notes, then for some of them what else they say (global augmentation's skill)."""
    intro, about, learn = rng.choice(INFER)
    body = f"{intro}\n\n" + "\n\n".join(world.docs) + "\n\n"
    chosen = [d for d in rng.sample(world.docs, min(4, len(world.docs))) if world.inferences[d]]
    return answered(body, [(f"{about} {d}\n{learn}", " ".join(world.inferences[d])) for d in chosen])


# ---- episodes -------------------------------------------------------------------------------------

def icl_text(world: World, header: str, instruction: str) -> tuple[str, list[tuple[int, int]]]:
    """The world as the icl condition lays out a dataset (no chat template), then its questions."""
    out = f"{header}\n\n" + "\n\n".join(world.docs) + f"\n\n{instruction}\n\n"
    return answered(out, world.qa)


def answered(body: str, pairs) -> tuple[str, list[tuple[int, int]]]:
    """`body` followed by each (prompt, answer), blank-line separated, a space between a non-empty
    prompt and its answer; returns the text and the answers' character spans."""
    spans = []
    for k, (prompt, answer) in enumerate(pairs):
        body += ("\n\n" if k else "") + (prompt + " " if prompt else "")
        spans.append((len(body), len(body) + len(answer)))
        body += answer
    return body, spans


def _world(rng: random.Random, kind: str, pool: tuple[str, ...], size: float, w: Wording = STUDY,
           max_facts: int = 16, min_facts: int = 2, category: tuple[float, int] = (1.0, 0)) -> World:
    """A world of `kind`; `size` in (0, 1] scales the number of facts (comparisons: from `min_facts`
    up to `max_facts`; category trees: `category` is (inherited questions per stated one, most hops))."""
    if kind == "comparison":
        return comparison_world(rng, rng.sample(pool, 2 * max(min_facts, round(max_facts * size))), w)
    if kind == "drill":
        return drill_world(rng, rng.sample(pool, 2 * rng.randint(2, 2 + round(10 * size))), w)
    if kind == "syllogism":
        return syllogism_world(rng, rng.sample(pool, 3 * max(2, round(14 * size))))
    if kind == "logic":
        return logic_world(rng, rng.sample(pool, 3 * max(2, round(24 * size))))
    if kind == "category":
        return category_world(rng, rng.sample(pool, 3 * max(4, round(20 * size))), w, deduced=category[0], hops=category[1])
    n = max(4, round(14 * size))
    return taxonomy_world(rng, rng.sample(pool, 3 * n), n, max_questions=24)


MIN_SIZE = 0.15  # the smallest world: 2 comparisons, 2 syllogisms, 4 categories
# The kinds a corpus in pretraining wording can write (the syllogism kind's sentences are the
# dataset's own, `logic` is its pretraining side; `category` is the pretraining side of `taxonomy`).
PRETRAIN_KINDS = ("comparison", "drill", "local", "global", "repeat", "list", "background", "logic", "category")


def episode(seed: int, index: int, pool: tuple[str, ...], mix: dict[str, float], max_size: float = 1.0,
            icl: IclConfig = IclConfig(), attempt: int = 0, *, wording: Wording = STUDY,
            background: Background | None = None, max_facts: int = 16, min_facts: int = 2,
            category: tuple[float, int] = (1.0, 0)) -> Episode:
    """Pretraining episode `index` of the corpus of `seed`, its world's size drawn from
    [MIN_SIZE, max_size]; `attempt` k > 0 draws another one in its place (used when an episode is too
    long to train on). `wording` is the study's own (STUDY: the first world models' corpus, with
    `icl`'s header and instruction) or the pretraining side (PRETRAIN, iclft.world.wording), which
    also writes `background` episodes and its own augmentation tasks."""
    rng = random.Random(f"world:{seed}:{index}" + (f":{attempt}" if attempt else ""))
    kind = rng.choices(list(mix), weights=list(mix.values()))[0]
    size = rng.uniform(MIN_SIZE, max(MIN_SIZE, max_size))
    w = wording
    header, instruction = (icl.header, icl.instruction) if w is STUDY else (pick(rng, w.headers), pick(rng, w.instructions))
    if kind in ("comparison", "drill", "syllogism", "taxonomy", "logic", "category"):
        body, spans = icl_text(_world(rng, kind, pool, size, w, max_facts, min_facts, category), header, instruction)
        return Episode(kind, body, tuple(spans))
    if kind == "background":
        body, spans = background_episode(rng, background, w, size)
        return Episode(kind, body, tuple(spans))
    if kind == "list":
        words = " ".join(rng.sample(pool, rng.randint(8, 8 + round(56 * size))))
        body = f"{w.list_intro[0]} {words}.\n\n{w.list_intro[1]} "
        return Episode(kind, body + words + ".", ((len(body), len(body) + len(words) + 1),))
    if kind == "repeat":
        world = _world(rng, rng.choice(("comparison", "syllogism", "taxonomy")) if w is STUDY else "comparison",
                       pool, size, w, max_facts)
        again = [("", d) for d in rng.sample(world.docs, len(world.docs))]
        body, spans = answered(f"{header}\n\n" + "\n\n".join(world.docs) + f"\n\n{w.repeat}\n\n", again)
        return Episode(kind, body, tuple(spans))
    if w is not STUDY:
        world = _world(rng, "comparison", pool, size, w, max_facts)
        if background and rng.random() < 0.3:  # the background's two-way facts, restated
            two_way = [f for f in background.facts if f.two_way]
            docs = [f"{rng.choice(w.doc_preambles)} {f.statements(w)[0]}."
                    for f in rng.sample(two_way, min(8, len(two_way)))]
            world = World(docs, [], {d: _comparison_rewrites(rng, d, w)[1:] for d in docs})
        body, spans = restate_episode(rng, world.docs, w) if kind == "local" else infer_episode(rng, world, w)
        return Episode(kind, body, tuple(spans))
    return _study_augmentation_episode(rng, kind, pool, size)


def _study_augmentation_episode(rng: random.Random, kind: str, pool: tuple[str, ...], size: float) -> Episode:
    """The study's own augmentation prompts continued with a world's rewrites (the first world
    models' corpus: STUDY wording only)."""
    from iclft.augment.prompts import load_prompt

    base = rng.choice(("comparison", "syllogism", "taxonomy") if kind == "global" else ("comparison", "taxonomy"))
    world = _world(rng, base, pool, size)
    if kind == "local":
        body, item = load_prompt("local_v1").split("sentence")
        pairs = [(item.format(sentence=s), a) for s, a in local_blocks(rng, world)[:12]]
    else:
        body, item = load_prompt("global_v1").split("document", corpus="\n\n".join(world.docs))
        docs = rng.sample(world.docs, min(4, len(world.docs)))
        pairs = [(item.format(document=d), " ".join(world.inferences[d])) for d in docs if world.inferences[d]]
    body, spans = answered(body, pairs)
    return Episode(kind, body, tuple(spans))
