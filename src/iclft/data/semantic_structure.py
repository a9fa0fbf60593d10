"""The paper's semantic structure benchmark (Lampinen et al., 2025, section 2.4).

A taxonomy of 110 real categories (taxonomy.yaml: living thing -> animal -> mammal -> dog -> beagle;
object -> vehicle -> car ...), each with 1-4 properties of its own ("is warm-blooded", "has hair",
"can bark"; the paper says 1-6, see docs/deviations.md) plus those of its ancestors. Every category name and property word or phrase becomes a
nonsense word, used bare as the plural noun. Seed 0 maps dog -> frafe, mammal -> drut,
animal -> vozi, beagle -> snudi, hair -> flazu, bark -> klodu, and generates (real words added):

    training   2,200 documents of 4-20 sentences: encyclopedia paragraphs, bullet lists, Q&A,
               "did you know" trivia. "... It is well known that frafe are a variety of drut.
               Frafe are able to klodu. ..."
    rephrased  "Drut are equipped with"      flazu* | bropo (scales) | stigu (fins) | gliro (feathers)
    reversal   "Flazu are found on"          drut*  | grevi (reptile) | blulo (insect) | trate (fish)
               "Among the drut are the"      frafe* | flogo (bird of prey) | slodi (bee) | dregu (toad)
    syllogism  "Frafe have"                  flazu* | frefo (gills) | flika (six legs) | mopa (moist skin)
                 (inheritance_1: frafe are a kind of drut, drut have flazu)
               "Snudi are a type of"         drut*  | blulo (insect) | smagi (amphibian) | trate (fish)
                 (membership_2)
    category_holdout   the same deductions for 10 leaf categories whose ONLY training fact is
               their parent (seed 0: truck, cactus, cow, ...)

Stated facts: each category's parent link and its own properties, always subject first; never an
inherited property and never a reversed sentence, so every syllogism and holdout answer is a
deduction and every reversal answer a reversal. A held-out category's own properties are dropped.
Rephrased and reversal items use templates training never uses; syllogism and holdout items use
training wording, so only the inference is new. Each item has `n_choices` one-word continuations;
distractors stand in the tested relation to something else in the dataset and are never true of
the target, inheritance included (see _Distractors). Every random choice comes from one local RNG.

Two options, beyond the paper, for measuring small models; their defaults give the paper's data,
byte for byte, and meta["params"] records them only when set:

    one_tokenization=True   no nonsense word starts a sentence, line or prompt, so each is always
               " word", lowercase after a space and before a non-letter, and a tokenizer that splits
               text at spaces first (byte-level BPE, as the world model's) gives it one token
               sequence everywhere (the paper's "Frafe are ..." and "... are frafe" differ): every
               training statement has a preamble ("- In fact, frafe have flazu."), and test prompts
               that would start with a word get one: "It is known that drut are equipped with".
    distractors="cooccurring"   some wrong choices of rephrased and reversal items share at
               least as many training sentences with the prompt's word as the answer does (how many
               is drawn: see _Cooccurring), so choosing by co-occurrence (iclft.eval.shortcuts) is
               no longer right every time. Seed 0, both options:
                   "It is known that drut are equipped with"   flazu* | vozi (animal: drut's
                   parent) | bifi (nurse: drut's "can") | trari (warm-blooded: drut's "is")
               Such a distractor is false of the target but often of another kind than the answer
               (a category, an adjective or a verb for a "has" noun). Deduced items keep the paper's distractors:
               their answer never shares a sentence with the subject, nor do those. Where too few
               words qualify, the paper's rule fills in; meta["fallback_distractors"] counts it per
               split. A property reversal seldom has one: see _Cooccurring.
"""
from __future__ import annotations

import functools
import random
import re
from collections import Counter
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from iclft import IclftError
from iclft.data import semantic_text as text
from iclft.data.schema import Dataset, Document, TestItem
from iclft.data.taxonomy import RELATIONS, Fact, Taxonomy, load_taxonomy
from iclft.data.words import nonsense_words

VERSION = "1"
# n_docs: 100,000 documents take about 9 s and 0.15 GB; n_choices: above 12, items run short of
# distinct wrong answers in the packaged taxonomy and would be dropped.
LIMITS = {"n_docs": 100_000, "n_choices": 12}
MIN_SENTENCES, MAX_SENTENCES = 4, 20
SPLIT_TEMPLATES = {"rephrased": "rephrase", "reversal": "reverse", "syllogism": "train",
                   "category_holdout": "train"}
DISTRACTORS = ("paper", "cooccurring")


# ---- training documents -------------------------------------------------------------------------

def _neighbours(tax: Taxonomy, name: str) -> list[str]:
    """Categories a document about `name` also talks about: parent, grandparent, children,
    siblings, and the parent's siblings."""
    up = tax.ancestors[name]
    siblings = [s for s in tax.children[up[0]] if s != name] if up else []
    aunts = [s for s in tax.children[up[1]] if s != up[0]] if len(up) > 1 else []
    return [*up[:2], *tax.children[name], *siblings, *aunts]


def _documents(tax: Taxonomy, n_docs: int, rng: random.Random, one_tokenization: bool = False) -> list[Document]:
    """`n_docs` documents, each about one topic category, topics cycling through every category.

    A document states its topic's facts first, then facts about its neighbours. The first document
    about each category has room for all of the topic's facts, so every fact is stated somewhere."""
    facts = tax.direct_facts()
    names = [c.name for c in tax.categories]
    order: list[str] = []
    while len(order) < n_docs:
        order += rng.sample(names, len(names))
    docs = []
    for i, topic in enumerate(order[:n_docs]):
        style = rng.choice(text.STYLES)
        own = text.plan_sentences(rng.sample(facts[topic], len(facts[topic])), rng)
        others = [f for n in _neighbours(tax, topic) for f in facts[n]]
        pool = own + text.plan_sentences(rng.sample(others, len(others)), rng)
        needed = text.units_needed(style, len(own)) if i < len(names) else MIN_SENTENCES
        size = rng.randint(max(MIN_SENTENCES, needed), MAX_SENTENCES)
        n_plans = 1
        while text.units_needed(style, n_plans + 1) <= size and n_plans < len(pool):
            n_plans += 1
        while text.units_needed(style, n_plans) < MIN_SENTENCES:  # a tiny taxonomy: restate facts
            n_plans += 1
        units = text.render_units(style, topic, [pool[k % len(pool)] for k in range(n_plans)], rng,
                                  one_tokenization)
        docs.append(Document(id=f"doc-{i:04d}", text=text.join_units(style, units, rng),
                             meta={"topic": topic, "style": style, "n_sentences": len(units)}))
    return docs


# ---- test items ---------------------------------------------------------------------------------

class _Distractors:
    """Wrong choices that stand in the tested relation to something else in the trained world and
    are false of the target in the full world (held-out properties included).

    The most alike come first: words tied to a category at the same depth as the one the right
    answer comes from (so about as frequent in the documents), then sharing the most ancestors with
    it (so mentioned in the same documents): for "beagles have ___" (hair, from mammals), the
    feathers and gills of birds and fish."""

    def __init__(self, world: Taxonomy, full: Taxonomy, rng: random.Random):
        self.full, self.rng = full, rng
        self.holders: dict[str, dict[str, list[str]]] = {rel: {} for rel in RELATIONS}  # rel -> obj -> who
        for c in world.categories:
            for rel, obj in c.properties:
                self.holders[rel].setdefault(obj, []).append(c.name)
        self.with_members = [c.name for c in world.categories if world.children[c.name]]
        self.with_parent = [c.name for c in world.categories if c.parent]
        self.with_holdings = {rel: sorted({h for hs in self.holders[rel].values() for h in hs}) for rel in RELATIONS}
        self._cache: dict[tuple, list[list[str]]] = {}
        self._alike = functools.cache(self._alike)  # memoized per instance
        self.path = {c.name: frozenset((c.name, *world.ancestors[c.name])) for c in world.categories}

    def _alike(self, a: str, b: str) -> tuple[int, int]:
        """(minus the depth difference, the number of shared ancestors) of two categories."""
        return -abs(len(self.path[a]) - len(self.path[b])), len(self.path[a] & self.path[b])

    @staticmethod
    def _tiers(scored: dict[str, tuple[int, int]]) -> list[list[str]]:
        """Words grouped by score, most alike first."""
        tiers: dict[tuple[int, int], list[str]] = {}
        for word, score in scored.items():
            tiers.setdefault(score, []).append(word)
        return [tiers[score] for score in sorted(tiers, reverse=True)]

    def _pick(self, key: tuple, score: Callable[[], dict], wrong: Callable[[str], bool], k: int) -> list[str] | None:
        """The k most alike wrong words, ties broken at random; None if there are fewer than k."""
        if key not in self._cache:
            self._cache[key] = self._tiers(score())
        out: list[str] = []
        for tier in self._cache[key]:
            ok = [w for w in tier if wrong(w)]
            if len(out) + len(ok) >= k:
                return out + self.rng.sample(ok, k - len(out))
            out += ok
        return None

    def objects(self, subject: str, rel: str, source: str, k: int, avoid: frozenset = frozenset()) -> list[str] | None:
        """Wrong objects for "<subject> <rel> ___"; `source` is the category the right answer comes
        from: the one holding the property, or for "isa" the answer category itself. Words in
        `avoid` (already chosen) are not picked."""
        if rel == "isa":
            up = set(self.full.ancestors[subject])
            return self._pick(("isa", source), lambda: {x: self._alike(source, x) for x in self.with_members},
                              lambda x: x != subject and x not in up and x not in avoid, k)
        true = self.full.properties[subject]
        return self._pick((rel, source), lambda: {obj: max(self._alike(source, h) for h in holders)
                                                  for obj, holders in self.holders[rel].items()},
                          lambda obj: (rel, obj) not in true and obj not in avoid, k)

    def subjects(self, answer: str, rel: str, obj: str, k: int, avoid: frozenset = frozenset()) -> list[str] | None:
        """Wrong subjects for the reversed "<obj> <rel reversed> ___"."""
        if rel == "isa":
            pool, wrong = self.with_parent, lambda x: x not in (answer, obj) and obj not in self.full.ancestors[x]
        else:
            pool, wrong = self.with_holdings[rel], lambda x: (rel, obj) not in self.full.properties[x]
        return self._pick((answer, rel, "reversed"), lambda: {x: self._alike(answer, x) for x in pool},
                          lambda x: wrong(x) and x not in avoid, k)


def _shared_sentences(docs: Sequence[Document], words: set[str]) -> dict[str, Counter]:
    """word -> how many training sentences it shares with each other nonsense word (the sentences
    iclft.eval.shortcuts' co-occurrence rule counts)."""
    together: dict[str, Counter] = {}
    for doc in docs:
        for unit in text.split_units(doc.text):
            present = sorted(set(re.findall(text.WORD, unit.lower())) & words)
            for w in present:
                together.setdefault(w, Counter()).update(x for x in present if x != w)
    return together


class _Above(NamedTuple):
    words: list[str]  # distractors sharing at least as many sentences with the prompt's word as the answer
    more: frozenset[str]  # every false word that does, none of which the paper's rule may add
    short: int  # how many of the number drawn were missing (the paper's rule fills in)


class _Cooccurring:
    """distractors="cooccurring": for a rephrased or reversal item, a number r drawn uniformly from
    0 to k of its k wrong choices share at least as many training sentences with the prompt's word
    (the subject; the object for a reversal) as the answer does, and the rest come from the paper's
    rule (_Distractors), which then may not pick such a word: so the answer's rank by co-occurrence
    is uniform, and choosing by co-occurrence, or against it, scores about chance.

    Every sentence states facts of one subject, so the words sharing one with a category are its
    parent, its children and its own properties; with a property, only its holder and the
    properties listed beside it. For "drut are equipped with ___" (flazu) the false ones are
    drut's parent, its children and its "is"/"can" properties: often not of the answer's kind, and
    those of its kind (categories for "isa" and reversals, else objects of the relation) come
    first. A property's holder shares every sentence that names the property, so a property
    reversal seldom has one to draw (a property always listed beside it) and keeps the paper's
    distractors: there the rule stays right, whatever the distractors, unless the documents change."""

    def __init__(self, docs: Sequence[Document], world: Taxonomy, full: Taxonomy, rng: random.Random):
        self.together = _shared_sentences(docs, set(world.words()))
        self.full, self.rng = full, rng
        self.categories = frozenset(c.name for c in world.categories)
        self.objects_of = {rel: frozenset(obj for c in world.categories for r, obj in c.properties if r == rel)
                           for rel in RELATIONS}

    def _true(self, f: Fact) -> bool:
        """Whether `f` holds in the full world, inheritance and held-out properties included."""
        if f.subject not in self.full.by_name:
            return False
        if f.relation == "isa":
            return f.object in self.full.ancestors[f.subject]
        return (f.relation, f.object) in self.full.properties[f.subject]

    def pick(self, f: Fact, reverse: bool, k: int) -> _Above:
        """The wrong choices sharing as many sentences as the answer or more, for the item testing `f`."""
        asked, answer = (f.object, f.subject) if reverse else (f.subject, f.object)
        near = self.together.get(asked, Counter())
        kind = self.categories if reverse or f.relation == "isa" else self.objects_of[f.relation]

        def wrong(w: str) -> bool:
            claim = Fact(w, f.relation, f.object) if reverse else Fact(f.subject, f.relation, w)
            return w not in (asked, answer) and not self._true(claim)

        more = [w for w in sorted(near) if near[w] >= near[answer] and wrong(w)]
        r = self.rng.randint(0, k)
        words = sorted(more, key=lambda w: (w not in kind, self.rng.random()))[:r]
        return _Above(words, frozenset(more), r - len(words))


def _questions(world: Taxonomy, holdout: list[str]) -> list[tuple[str, str, Fact, list[Fact]]]:
    """(split, type, fact tested, premises) for every test item, before choices are drawn."""
    out = []
    for facts in world.direct_facts().values():
        for f in facts:
            kind = "category" if f.relation == "isa" else "property"
            out.append(("rephrased", f"{kind}_rephrase", f, [f]))
            out.append(("reversal", f"{kind}_reversal", f, [f]))
    for c in world.categories:
        split = "category_holdout" if c.name in holdout else "syllogism"
        out += [(split, kind, f, premises) for kind, f, premises in world.deductions(c.name)]
    return out


class _Items(NamedTuple):
    items: list[TestItem]
    skipped: int  # questions dropped for want of distractors
    fallback: dict[str, dict[str, int]]  # "cooccurring": split -> items short of _Above words, words missing


def _items(world: Taxonomy, full: Taxonomy, holdout: list[str], n_choices: int, rng: random.Random,
           docs: Sequence[Document] = (), one_tokenization: bool = False, distractors: str = "paper") -> _Items:
    """The test items; with distractors="cooccurring", `docs` are the training documents."""
    pick = _Distractors(world, full, rng)
    near = _Cooccurring(docs, world, full, rng) if distractors == "cooccurring" else None
    items, skipped, count, fallback = [], 0, {}, {}
    for split, kind, f, premises in _questions(world, holdout):
        template = rng.choice(text.templates(f.relation, SPLIT_TEMPLATES[split]))
        reverse = template.use == "reverse"
        source = f.object if f.relation == "isa" else premises[-1].subject
        above = near.pick(f, reverse, n_choices - 1) if near and split in ("rephrased", "reversal") else None
        chosen, avoid = (above.words, above.more) if above else ([], frozenset())
        k = n_choices - 1 - len(chosen)
        wrong = (pick.subjects(f.subject, f.relation, f.object, k, avoid) if reverse
                 else pick.objects(f.subject, f.relation, source, k, avoid)) if k else []
        if wrong is None:
            skipped += 1
            continue
        if above:
            tally = fallback.setdefault(split, {"items": 0, "distractors": 0})
            tally["items"] += above.short > 0
            tally["distractors"] += above.short
        prompt, answer = template.split(f.subject, f.object, one_tokenization)
        choices = [answer] + [w + "." for w in chosen + wrong]
        rng.shuffle(choices)
        count[split] = count.get(split, 0) + 1
        items.append(TestItem(
            id=f"{split}-{count[split]:04d}", split=split, prompt=prompt, choices=tuple(choices),
            answer=choices.index(answer),
            meta={"type": kind, "relation": f.relation, "subject": f.subject, "object": f.object,
                  "premises": [list(p) for p in premises], "template": template.text,
                  **({"cooccurring": {"above_answer": len(chosen), "fallback": above.short}} if above else {})}))
    return _Items(items, skipped, fallback)


# ---- the generator ------------------------------------------------------------------------------

def generate(seed: int = 0, n_docs: int = 2200, n_choices: int = 4, n_holdout: int = 10,
             taxonomy: str | Path | None = None, one_tokenization: bool = False,
             distractors: str = "paper") -> Dataset:
    """Generate the dataset; defaults are the paper's sizes and wording. `taxonomy` is a YAML path
    (None: the packaged 110-category taxonomy.yaml); `one_tokenization` and `distractors` are the
    options the module's docstring describes."""
    if type(one_tokenization) is not bool:
        raise IclftError(f"semantic_structure: one_tokenization must be true or false, got {one_tokenization!r}")
    if distractors not in DISTRACTORS:
        raise IclftError(f"semantic_structure: distractors must be {' or '.join(DISTRACTORS)}, got {distractors!r}")
    tax = load_taxonomy(taxonomy)
    if n_choices < 2:
        raise IclftError(f"semantic_structure: n_choices must be at least 2, got {n_choices}")
    if n_docs < len(tax.categories):
        raise IclftError(f"semantic_structure: n_docs must be at least the number of categories "
                         f"({len(tax.categories)}) so that every fact is stated, got {n_docs}")
    eligible = [n for n in tax.leaves() if len(tax.ancestors[n]) >= 2]
    if not 0 <= n_holdout <= len(eligible):
        raise IclftError(f"semantic_structure: n_holdout must be between 0 and {len(eligible)} "
                         f"(leaf categories with a grandparent), got {n_holdout}")
    rng = random.Random(f"semantic_structure:{seed}")
    real_words = tax.words()
    mapping = dict(zip(real_words, nonsense_words(len(real_words), seed=rng.randrange(2**32))))
    full = tax.renamed(mapping)
    holdout = [mapping[n] for n in rng.sample(eligible, n_holdout)]
    world = full.without_properties_of(set(holdout))
    used = set(world.words())
    mapping = {real: word for real, word in mapping.items() if word in used}
    docs = _documents(world, n_docs, rng, one_tokenization)
    made = _items(world, full, holdout, n_choices, rng, docs, one_tokenization, distractors)
    meta = {"generator": "semantic_structure", "version": VERSION, "seed": seed,
            "params": {"n_docs": n_docs, "n_choices": n_choices, "n_holdout": n_holdout,
                       "taxonomy": None if taxonomy is None else str(taxonomy),
                       **({"one_tokenization": True} if one_tokenization else {}),
                       **({"distractors": distractors} if distractors != "paper" else {})},
            "words": list(mapping.values()), "mapping": mapping, "holdout": holdout,
            "stated_facts": "direct: each category's parent and own properties, subject first",
            "skipped_items": made.skipped,
            **({"fallback_distractors": made.fallback} if distractors != "paper" else {}),
            "generalization_splits": ["reversal", "syllogism", "category_holdout"]}
    return Dataset(name="semantic_structure", train=tuple(docs), test=tuple(made.items), meta=meta)


# ---- the checker --------------------------------------------------------------------------------

class Knowledge:
    """What a set of facts entails under inheritance: a category is a kind of each ancestor and has
    each ancestor's properties. Reversed wordings state the same facts, so they need no rule."""

    def __init__(self, facts: set[Fact]):
        self.parents: dict[str, set[str]] = {}
        self.own: dict[str, set[tuple[str, str]]] = {}
        for f in facts:
            if f.relation == "isa":
                self.parents.setdefault(f.subject, set()).add(f.object)
            else:
                self.own.setdefault(f.subject, set()).add((f.relation, f.object))
        self._up: dict[str, set[str]] = {}

    def ancestors(self, name: str) -> set[str]:
        if name not in self._up:
            seen, todo = set(), [name]
            while todo:
                for p in self.parents.get(todo.pop(), ()):
                    if p not in seen:
                        seen.add(p)
                        todo.append(p)
            self._up[name] = seen
        return self._up[name]

    def entails(self, f: Fact) -> bool:
        up = self.ancestors(f.subject)
        if f.relation == "isa":
            return f.object in up
        return any((f.relation, f.object) in self.own.get(c, ()) for c in (f.subject, *up))


def read_training(ds: Dataset, problems: list[str]) -> tuple[set[Fact], set[str]]:
    """The facts stated in the training documents and their normalized sentences."""
    stated, sentences, words = set(), set(), set(ds.meta["words"])
    for doc in ds.train:
        units = text.split_units(doc.text)
        if not MIN_SENTENCES <= len(units) <= MAX_SENTENCES:
            problems.append(f"{doc.id}: {len(units)} sentences, not {MIN_SENTENCES}-{MAX_SENTENCES}")
        for unit in units:
            facts = text.parse_unit(unit)
            if facts is None:
                problems.append(f"{doc.id}: sentence fits no training template: {unit!r}")
                continue
            unknown = {w for f in facts for w in (f.subject, f.object) if w not in words}
            if unknown:
                problems.append(f"{doc.id}: words not in meta['words']: {sorted(unknown)}")
            stated.update(facts)
            sentences.add(text.normalize(unit))
    return stated, sentences


def _check_item(item: TestItem, stated: set[Fact], known: Knowledge, sentences: set[str],
                holdout: set[str], n_choices: int) -> list[str]:
    """Each choice is a statement of the item's split, true exactly when it is a valid choice; the
    answer is stated (rephrased, reversal) or deduced from stated premises (syllogism, holdout)."""
    problems = []
    if len(item.choices) != n_choices or len(set(item.choices)) != n_choices:
        problems.append(f"{item.id}: expected {n_choices} distinct choices, got {item.choices}")
    answer = None
    for i, choice in enumerate(item.choices):
        statement = text.normalize(f"{item.prompt} {choice}")
        parsed = text.parse_statement(statement)
        if parsed is None or len(parsed[1]) != 1 or parsed[0].use != SPLIT_TEMPLATES.get(item.split):
            problems.append(f"{item.id}: choice is not a {item.split} statement: {statement!r}")
            continue
        fact = parsed[1][0]
        if (i in item.valid) != known.entails(fact):
            what = "correct choice is not entailed" if i in item.valid else "distractor is entailed"
            problems.append(f"{item.id}: {what}: {statement!r}")
        if i == item.answer:
            answer = fact
            if statement in sentences:
                problems.append(f"{item.id}: test statement appears verbatim in training: {statement!r}")
    if answer is None:
        return problems
    deduced = item.split in ("syllogism", "category_holdout")
    if deduced and answer in stated:
        problems.append(f"{item.id}: answer is stated in training, not deduced: {answer}")
    if not deduced and answer not in stated:
        problems.append(f"{item.id}: the fact tested is not stated in training: {answer}")
    premises = {Fact(*p) for p in item.meta.get("premises", [])}
    if premises - stated:
        problems.append(f"{item.id}: premise not stated in training: {sorted(premises - stated)[0]}")
    if not Knowledge(premises).entails(answer):
        problems.append(f"{item.id}: the premises do not entail the answer {answer}")
    if (item.split == "category_holdout") != (answer.subject in holdout) and deduced:
        problems.append(f"{item.id}: {item.split} item about {answer.subject!r}, holdout is {sorted(holdout)}")
    return problems


def check(ds: Dataset) -> list[str]:
    """Symbolic soundness, recomputed from the training text: every sentence parses, every document
    has 4-20 sentences, held-out categories have exactly one training fact (their parent), and each
    test item passes _check_item under the closure of the stated facts."""
    problems: list[str] = []
    stated, sentences = read_training(ds, problems)
    holdout = set(ds.meta.get("holdout", []))
    for name in sorted(holdout):
        facts = sorted(f for f in stated if f.subject == name)
        if len(facts) != 1 or facts[0].relation != "isa":
            problems.append(f"holdout category {name!r}: training must state only its parent, states {facts}")
    known = Knowledge(stated)
    n_choices = ds.meta["params"]["n_choices"]
    for item in ds.test:
        problems += _check_item(item, stated, known, sentences, holdout, n_choices)
    return problems
