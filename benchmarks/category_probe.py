"""Has a world model learned category trees in context, and does it carry them to the semantic
structure dataset's wording? A fast probe for models pretrained with the `category` kind (preset
fair_category):

    OMP_NUM_THREADS=1 python benchmarks/category_probe.py MODEL [MODEL ...]

For each model, in context, 4-choice accuracy (summed log-likelihood):
- in pretraining wording: fresh `category` trees (corpus words, 12 categories each; header,
  instruction, preambles and relation words of the corpus), every question a tree has, by split:
  recall (a stated fact as stated), rephrase (in other words), reverse (from the object's side),
  inherit (a property of an ancestor, or an ancestor two levels up) and holdout (the same for a leaf
  whose own properties were left out), each also by depth ("inherit/1": a property of the parent,
  the one-step syllogism; "inherit/2+": further up); the wrong choices stand in the asked relation
  to something else in the tree and are false of the subject;
- in evaluation wording: semantic_structure at seeds 10001-10005 (the micro taxonomy, 15
  documents, `one_tokenization`, co-occurring distractors), as the held-out evaluation asks it: its
  relation words ("are equipped with", "are found on") are ones the corpus never has.
Prints one JSON line per model.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

N_CHOICES = 4


def _wrong(tree, f, use: str, rng: random.Random) -> list[str] | None:
    """Words that would make a false statement in the asked slot, of the right kind."""
    full = tree.full
    categories = [c.name for c in full.categories]
    if use == "reverse":  # "<object> ... ___": categories the fact is false of
        if f.relation == "isa":
            pool = [x for x in categories if x not in (f.subject, f.object) and f.object not in full.ancestors[x]]
        else:
            pool = [x for x in categories if (f.relation, f.object) not in full.properties[x]]
    elif f.relation == "isa":
        pool = [x for x in categories if x != f.subject and x not in full.ancestors[f.subject]]
    else:
        objects = sorted({o for c in full.categories for r, o in c.properties if r == f.relation})
        pool = [o for o in objects if (f.relation, o) not in full.properties[f.subject]]
    return rng.sample(pool, N_CHOICES - 1) if len(pool) >= N_CHOICES - 1 else None


def pretraining_items(n_trees: int):
    """(prefix, items) per fresh tree, asked in the corpus's wording (`varied`)."""
    from iclft.data.schema import TestItem
    from iclft.data.wording import WIDE, pick
    from iclft.world import corpus
    from iclft.world.wording import WORDINGS

    w, pool, out = WORDINGS["varied"], corpus.disjoint_pool(), []
    for k in range(n_trees):
        rng = random.Random(f"category-probe:{k}")
        tree = corpus.category_tree(rng, rng.sample(pool, 3 * 12))
        docs = corpus.category_docs(rng, tree, w)
        prefix = f"{pick(rng, WIDE.headers)}\n\n" + "\n\n".join(docs) + f"\n\n{pick(rng, WIDE.instructions)}\n\n"
        items = []
        for j, (split, f, use) in enumerate(corpus.category_questions(rng, tree)):
            wrong = _wrong(tree, f, use, rng)
            if wrong is None:
                continue
            prompt, answer = corpus.category_prompt(rng, f, use, w)
            choices = [answer] + [x + "." for x in wrong]
            rng.shuffle(choices)
            if split in ("inherit", "holdout"):  # by how many parent links up the answer stands
                split += "/1" if corpus.inherited_links(tree, f) == 1 else "/2+"
            items.append(TestItem(f"t{k}-{j}", split, prompt, tuple(choices), choices.index(answer)))
        out.append((prefix, items))
    return out


def main() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from iclft.data import generate
    from iclft.world.probes import EVAL_SEED, heldout_accuracy, worlds_accuracy

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--trees", type=int, default=20)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    if min(args.trees, args.seeds) < 1:
        ap.error("--trees and --seeds must be at least 1")
    missing = [m for m in args.models if not (Path(m) / "config.json").is_file()]
    if missing:
        ap.error(f"not a world-model folder (no config.json): {', '.join(missing)}")
    trees = pretraining_items(args.trees)
    evals = [(f"sem-{s}", generate("semantic_structure", seed=EVAL_SEED + s, taxonomy="micro", n_docs=15, n_holdout=2,
                                   one_tokenization=True, distractors="cooccurring"))
             for s in range(1, args.seeds + 1)]
    for folder in args.models:
        tok = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        right = worlds_accuracy(model, tok, trees)
        for split in ("inherit", "holdout"):  # both depths together, as well as each
            parts = [right[k] for k in (f"{split}/1", f"{split}/2+") if k in right]
            n = sum(m for _, m in parts)
            right[split] = (round(sum(acc * m for acc, m in parts) / n, 3), n)
        right = sorted(right.items())
        scores = heldout_accuracy(model, tok, evals)
        out = {"model": folder, "chance": 1 / N_CHOICES,
               "pretraining_wording": {k: acc for k, (acc, _) in right},
               "pretraining_wording_n": {k: n for k, (_, n) in right}}
        for split in ("rephrased", "reversal", "syllogism", "category_holdout"):
            vals = [v for k, v in scores.items() if k.endswith(f"/{split}")]
            out[f"eval_{split}"] = round(sum(vals) / len(vals), 3) if vals else None
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
