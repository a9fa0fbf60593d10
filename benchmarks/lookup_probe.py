"""Can a world model look a fact up in context by its subject and its relation together? The skill
that category trees (and the semantic structure dataset) need and comparisons do not: in a
comparison world each word stands in one fact, so finding the word finds the fact; in a tree each
category is the subject of several sentences, so a question must be matched on two keys at once.

    OMP_NUM_THREADS=1 python benchmarks/lookup_probe.py MODEL [MODEL ...]

Flat worlds in the corpus's own wording (its document and question preambles, header, instruction
and the `category` kind's relation words), every object a fresh word standing in one sentence:
16 subjects with k = 1, 2 or 4 facts each, of different relations (kinds, traits, parts, acts),
one document a subject. Every stated fact is asked in the very template it was stated in, cut
before its object, so nothing but lookup and copying is asked. 4 choices (summed log-likelihood), the wrong
ones either
- "other": objects of the same relation stated of other subjects (the subject must be matched), or
- "same": the subject's own objects of its other relations (the relation must be matched; k = 4).
`--relations dataset` states and asks the same worlds in the semantic_structure dataset's training
templates ("have", "are able to", "are a kind of"), relation words pretraining never has: does the
lookup carry to relation words the model never saw? Prints one JSON line per model: accuracy per
split ("k1/other", "k4/same", ...) and its items.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

N_SUBJECTS, N_CHOICES, RELATIONS, KS = 16, 4, ("isa", "is", "has", "can"), (1, 2, 4)


def lookup_worlds(n_worlds: int, relations: str = "corpus"):
    """(prefix, items) per world: n_worlds worlds for each k in KS, their relation words the corpus's
    (`category` kind) or the semantic_structure dataset's training templates ("dataset")."""
    from iclft.data import semantic_text
    from iclft.data.schema import TestItem
    from iclft.data.wording import CATEGORY_TEMPLATES, WIDE, pick
    from iclft.world import corpus
    from iclft.world.wording import WORDINGS

    w, pool, out = WORDINGS["varied"], corpus.disjoint_pool(), []
    preambles = corpus.category_preambles(w)
    table = CATEGORY_TEMPLATES if relations == "corpus" else semantic_text.TEMPLATES
    stating = {r: [t.text for t in table if t.relation == r and t.use == "train"] for r in RELATIONS}
    for k in KS:
        for n in range(n_worlds):
            rng = random.Random(f"lookup-probe:{k}:{n}" + ("" if relations == "corpus" else f":{relations}"))
            words = rng.sample(pool, N_SUBJECTS * (1 + k))
            subjects, objects = words[:N_SUBJECTS], iter(words[N_SUBJECTS:])
            # k relations a subject, turned so that every relation has as many subjects as any other
            facts = []
            for i, s in enumerate(subjects):
                for r in (RELATIONS[(i + j) % len(RELATIONS)] for j in range(k)):
                    facts.append((s, r, next(objects), rng.choice(stating[r])))
            docs = [" ".join(f"{rng.choice(preambles)} {t.format(s=s, o=o)}." for s2, _, o, t in facts if s2 == s)
                    for s in subjects]
            rng.shuffle(docs)
            prefix = f"{pick(rng, WIDE.headers)}\n\n" + "\n\n".join(docs) + f"\n\n{pick(rng, WIDE.instructions)}\n\n"
            items = []
            for j, (s, r, o, t) in enumerate(facts):
                pools = {"other": [o2 for s2, r2, o2, _ in facts if r2 == r and s2 != s],
                         "same": [o2 for s2, r2, o2, _ in facts if s2 == s and r2 != r]}
                for kind, wrong in pools.items():
                    if len(wrong) < N_CHOICES - 1:
                        continue
                    head = t.format(s=s, o=o).rsplit(" ", 1)[0]
                    choices = [o + "."] + [x + "." for x in rng.sample(wrong, N_CHOICES - 1)]
                    rng.shuffle(choices)
                    prompt = f"{pick(rng, w.question_preambles)} {head}"
                    items.append(TestItem(f"k{k}-{n}-{j}-{kind}", f"k{k}/{kind}", prompt, tuple(choices),
                                          choices.index(o + ".")))
            out.append((prefix, items))
    return out


def main() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from iclft.world.probes import worlds_accuracy

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--worlds", type=int, default=8, help="worlds for each k (default 8)")
    ap.add_argument("--relations", choices=("corpus", "dataset"), default="corpus",
                    help="relation words: the corpus's own (default) or semantic_structure's, never in pretraining")
    args = ap.parse_args()
    if args.worlds < 1:
        ap.error("--worlds must be at least 1")
    missing = [m for m in args.models if not (Path(m) / "config.json").is_file()]
    if missing:
        ap.error(f"not a world-model folder (no config.json): {', '.join(missing)}")
    worlds = lookup_worlds(args.worlds, args.relations)
    for folder in args.models:
        tok = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        right = sorted(worlds_accuracy(model, tok, worlds).items())
        print(json.dumps({"model": folder, "relations": args.relations, "chance": 1 / N_CHOICES,
                          **{k: acc for k, (acc, _) in right}, "items": {k: n for k, (_, n) in right}}), flush=True)


if __name__ == "__main__":
    main()
