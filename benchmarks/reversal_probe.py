"""Where does a world model's in-context reversal break: the layout, or the world's size?

Scores fresh comparison worlds in two layouts, the `drill` kind (each fact stated once, the question
naming its subject) and the `comparison` kind (the study's layout: 1-2 documents a fact), at several
sizes, and prints forward and reversed accuracy: the true statement against the same one with the
comparative swapped (the simple-reversal test's two choices), by summed log-likelihood of the
answer. Words come from the pretraining pool (new worlds, known words); the held-out evaluation in
log.jsonl uses words pretraining never saw. This probe told the drill recipe's first run (drill
worlds only) apart: perfect up to 12 facts in both layouts, 0.61 reversed at 20 facts, so the
failure on the 20-fact study was size, not layout.

    OMP_NUM_THREADS=1 python benchmarks/reversal_probe.py ~/.cache/iclft/world/world --sizes 4 12 20
"""
from __future__ import annotations

import argparse
import random

import torch


def main() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from iclft.config import IclConfig
    from iclft.data import simple_reversal as comparison
    from iclft.world import corpus
    from iclft.world.config import load_world_config
    from iclft.world.stream import Stream

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a world model folder")
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 12, 20], help="facts per world")
    ap.add_argument("--worlds", type=int, default=12, help="worlds per layout and size")
    ap.add_argument("--questions", type=int, default=6, help="questions scored per world")
    args = ap.parse_args()
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model).eval()
    pool = Stream(load_world_config(preset="world_v1")).pool
    icl = IclConfig()

    @torch.inference_mode()
    def score(text: str, start: int) -> float:
        enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = torch.tensor([enc["input_ids"]])
        logp = model(input_ids=ids).logits[0, :-1].log_softmax(-1)
        return sum(logp[t - 1, ids[0, t]].item() for t, (a, _) in enumerate(enc["offset_mapping"][1:], 1) if a >= start)

    for layout in ("drill", "comparison"):
        make = corpus.drill_world if layout == "drill" else corpus.comparison_world
        for n in args.sizes:
            right = {"forward": [], "reversed": []}
            for w in range(args.worlds):
                rng = random.Random(f"reversal-probe:{layout}:{n}:{w}")
                world = make(rng, rng.sample(pool, 2 * n))
                body = f"{icl.header}\n\n" + "\n\n".join(world.docs) + f"\n\n{icl.instruction}\n\n"
                for prompt, answer in world.qa[: args.questions]:
                    a, form, b = comparison._STATEMENT.search(f"{prompt} {answer}").groups()
                    stated = any(f"{a} are {form} than {b}" in d for d in world.docs)
                    wrong = answer.replace(f" {form} ", f" {comparison.converse(form)} ", 1) if layout == "drill" \
                        else answer.replace(f"are {form} ", f"are {comparison.converse(form)} ", 1)
                    base = f"{body}{prompt} "
                    right["forward" if stated else "reversed"].append(
                        score(base + answer, len(base)) > score(base + wrong, len(base)))
            print(f"{layout:10s} {n:3d} facts  " + "  ".join(
                f"{k} {sum(v) / max(1, len(v)):.2f} (n={len(v)})" for k, v in right.items()), flush=True)


if __name__ == "__main__":
    main()
