"""Held-out syllogisms (seed 10000) in context on a world model: any-valid accuracy and a strict
metric, each with its chance.

Any valid: the top choice is any valid conclusion (the study's metric; with Some/No conclusions
valid both ways round, chance is 2/6 for such items). Strict: the canonical conclusion (subject S
first) scores above every invalid choice; its chance is 1 / (invalid choices + 1).

    OMP_NUM_THREADS=1 python benchmarks/syllogism_probe.py world         # the shipped model, 20 items
    OMP_NUM_THREADS=1 python benchmarks/syllogism_probe.py FOLDER 100    # a 100-syllogism context
"""
from __future__ import annotations

import sys


def main() -> None:
    from iclft.eval.frame import fit_documents
    from iclft.config import IclConfig
    from iclft.data import generate
    from iclft.eval.multiple_choice import MCContext, score_items
    from iclft.models.hf import HFModel
    from iclft.world.probes import EVAL_SEED

    model = HFModel.load(sys.argv[1], dtype="float32", device="cpu")
    ds = generate("syllogism", seed=EVAL_SEED, n_items=int(sys.argv[2]) if len(sys.argv) > 2 else 20)
    prefix, _ = fit_documents(model, ds, IclConfig(subsample=True), EVAL_SEED)
    records = score_items(model, list(ds.test), MCContext(prefix, lambda it: it.prompt))
    any_valid = strict = chance_any = chance_strict = 0.0
    for r in records:
        s, valid = r["scores"]["sum"], set(r["valid"])
        invalid = [k for k in range(len(s)) if k not in valid]
        any_valid += r["correct"]["sum"]
        strict += all(s[r["answer"]] > s[k] for k in invalid)
        chance_any += len(valid) / len(s)
        chance_strict += 1 / (len(invalid) + 1)
    n = len(records)
    print(f"n={n}  any valid {any_valid / n:.2f} (chance {chance_any / n:.2f})  "
          f"strict {strict / n:.2f} (chance {chance_strict / n:.2f})")


if __name__ == "__main__":
    main()
