"""Has a world model learned syllogisms, and does it carry them to the datasets' wording? A fast probe
for models pretrained with the `logic` kind (preset fair_logic):

    OMP_NUM_THREADS=1 python benchmarks/logic_probe.py MODEL [MODEL ...]

For each model, in context, judged accuracy (the right verdict's likelihood above the wrong one's):
- in pretraining wording: fresh `logic` worlds (corpus words, new triples; header, instruction,
  frames and verdict pairs of the corpus), their judged questions, split by whether the candidate
  follows and whether the premise pair is one of the ten valid forms;
- in evaluation wording: the syllogism dataset at seeds 10001-10005 (the paper's split, 10 items,
  and the judged split, 20 items), as the held-out evaluation asks it.
Prints one JSON line per model.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def _pretraining_items(n_worlds: int):
    from iclft.data.schema import TestItem
    from iclft.data.wording import LOGIC_VERDICTS, WIDE, pick
    from iclft.world import corpus

    pool, out = corpus.disjoint_pool(), []
    for k in range(n_worlds):
        rng = random.Random(f"logic-probe:{k}")
        world = corpus.logic_world(rng, rng.sample(pool, 3 * 8))
        prefix = f"{pick(rng, WIDE.headers)}\n\n" + "\n\n".join(world.docs) + f"\n\n{pick(rng, WIDE.instructions)}\n\n"
        items = []
        for j, (prompt, answer) in enumerate(world.qa):
            pair = next((p for p in LOGIC_VERDICTS if answer in p), None)
            if pair is None:
                continue
            items.append(TestItem(f"w{k}-{j}", "follows" if answer == pair[0] else "does_not", prompt, pair,
                                  pair.index(answer)))
        out.append((prefix, items))
    return out


def main() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from iclft.data import generate
    from iclft.world.probes import EVAL_SEED, heldout_accuracy, worlds_accuracy

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--worlds", type=int, default=30)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    if min(args.worlds, args.seeds) < 1:
        ap.error("--worlds and --seeds must be at least 1")
    missing = [m for m in args.models if not (Path(m) / "config.json").is_file()]
    if missing:
        ap.error(f"not a world-model folder (no config.json): {', '.join(missing)}")
    worlds = _pretraining_items(args.worlds)
    evals = [(f"syl-{s}", generate("syllogism", seed=EVAL_SEED + s, n_items=10, n_judged=20))
             for s in range(1, args.seeds + 1)]
    for folder in args.models:
        tok = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        right = worlds_accuracy(model, tok, worlds)
        scores = heldout_accuracy(model, tok, evals)
        out = {"model": folder,
               "pretraining_wording": {k: right[k][0] for k in ("follows", "does_not")},
               "pretraining_wording_n": {k: right[k][1] for k in ("follows", "does_not")}}
        for split in ("judged", "syllogism"):
            vals = [v for k, v in scores.items() if k.endswith(f"/{split}")]
            out[f"eval_{split}"] = round(sum(vals) / len(vals), 3)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
