"""Statements about the reversal_curse people: judging generated text against the training
documents, and the oracle augmentations (every training document stated in the other direction).

People are told apart as the dataset's checker does: a word used in only one person's training
documents marks that person (`reversal_curse.markers_of`). Descriptions and wordings for the oracle
are read off the training documents; nothing comes from the test files.
"""
from __future__ import annotations

import random
import re
from collections import Counter

from iclft.data.reversal_curse import described, markers_of
from iclft.data.schema import Dataset


SPLIT_STATEMENTS = False  # judge whole texts: a fact may take two sentences ("Q: Who is ...? A: Ann Lee.")


def classify_statements(ds: Dataset, sentences: list[str]) -> list[str]:
    """Per text: "entailed" when it names one trained person and its other words describe that
    person (by the marker words of the dataset's check), "contradicted" when they describe someone
    else, "other" when it names no one or several, or describes no one in particular."""
    texts_by_name: dict[str, list[str]] = {}
    for doc in ds.train:
        texts_by_name.setdefault(doc.meta["name"], []).append(doc.text)
    markers = markers_of(texts_by_name)
    names = sorted(texts_by_name, key=len, reverse=True)

    def verdict(sentence: str) -> str:
        named = [n for n in names if n in sentence]
        if len(named) != 1:
            return "other"
        who = described(sentence.replace(named[0], " "), markers)
        return "other" if who is None else "entailed" if who == named[0] else "contradicted"

    return [verdict(s) for s in sentences]


def _clean(completion: str) -> str:
    """A p2d completion as a bare description: ' the director of "Time.".' -> 'the director of "Time."'."""
    text = completion.strip()
    return text[:-1] if text.endswith(".") and not text.endswith('."') else text


def _canonical_descriptions(ds: Dataset) -> dict[str, str]:
    """Each person's most common trained description (a noun phrase, "the acclaimed director of
    ..."), from their name -> description documents."""
    counts: dict[str, Counter] = {}
    for d in ds.train:
        if d.meta["direction"] == "p2d":
            counts.setdefault(d.meta["name"], Counter())[_clean(d.meta["completion"])] += 1
    return {name: c.most_common(1)[0][0] for name, c in counts.items()}


def _templates(ds: Dataset, canonical: dict[str, str]) -> dict[str, list[str]]:
    """Training wordings with slots {name} and {d} (or {D}, capitalized), per direction, read off
    the documents of people whose description is known: "{D} is called {name}." (d2p). Only
    wordings shared by two people or more: some carry a person's own words ("In the world of
    puppetry, ...")."""
    users: dict[tuple[str, str], set[str]] = {}
    for d in ds.train:
        name, desc = d.meta["name"], canonical.get(d.meta["name"])
        if desc is None:
            continue
        for slot, form in (("{d}", desc), ("{D}", desc[:1].upper() + desc[1:])):
            if form in d.text and name in d.text:
                template = d.text.replace(form, slot, 1).replace(name, "{name}", 1)
                users.setdefault((d.meta["direction"], template), set()).add(name)
                break
    return {direction: sorted(t for (k, t), who in users.items() if k == direction and len(who) > 1)
            for direction in ("p2d", "d2p")}


def _fill(template: str, name: str, desc: str) -> str:
    return template.replace("{name}", name).replace("{d}", desc).replace("{D}", desc[:1].upper() + desc[1:])


def _descriptions_from_d2p(ds: Dataset, d2p_templates: list[str], known: dict[str, str]) -> dict[str, str]:
    """Descriptions of the people trained in the d2p direction only, read back through the d2p
    wordings learnt from the others."""
    found: dict[str, Counter] = {}
    patterns = [re.compile(re.escape(t).replace(r"\{d\}", "(?P<d>.+)").replace(r"\{D\}", "(?P<D>.+)")
                           .replace(r"\{name\}", "(?P<name>.+?)")) for t in d2p_templates]
    for d in ds.train:
        if d.meta["name"] in known:
            continue
        for p in patterns:
            m = p.fullmatch(d.text)
            if m and m["name"] == d.meta["name"]:
                desc = m.groupdict().get("d") or m["D"][:1].lower() + m["D"][1:]
                found.setdefault(d.meta["name"], Counter())[desc] += 1
                break
    return {name: c.most_common(1)[0][0] for name, c in found.items()}


def oracle_statements(ds: Dataset) -> list[str]:
    """Every training document stated in the other direction, in a training wording of that
    direction (seeded): "Daphne Barrington, known far and wide for being the director of ..." ->
    "The director of ... is called Daphne Barrington." Wordings and descriptions are read off the
    training documents (people trained in both directions supply the d2p wordings)."""
    canonical = _canonical_descriptions(ds)
    templates = _templates(ds, canonical)
    canonical |= _descriptions_from_d2p(ds, templates["d2p"], canonical)
    fallback = {"p2d": ["{name} is {d}."], "d2p": ["{D} is {name}."]}
    rng = random.Random(f"reversal_curse-oracle:{ds.meta.get('seed', 0)}")
    trained = {d.text for d in ds.train}
    out = []
    for d in ds.train:
        desc = canonical.get(d.meta["name"])
        if desc is None:
            continue
        other = "d2p" if d.meta["direction"] == "p2d" else "p2d"
        # people trained in both directions already have some reversed wordings verbatim: pick a new one
        fresh = [t for t in templates[other] or fallback[other] if _fill(t, d.meta["name"], desc) not in trained]
        if fresh:
            out.append(_fill(rng.choice(fresh), d.meta["name"], desc))
    return out
