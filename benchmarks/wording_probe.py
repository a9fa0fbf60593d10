"""Which wording family costs a world model its in-context reasoning? The same held-out simple-reversal
worlds asked in evaluation wording, in the wording of its pretraining, and with one family at a time
switched to the pretraining side (header and instruction, document preambles, question preambles,
comparatives), in context (the `icl` layout). Words and facts are never in pretraining (a seed of
held-out worlds: EVAL_SEED + 1 by default, not a study seed).

    OMP_NUM_THREADS=1 python benchmarks/wording_probe.py src/iclft/world/shipped
    OMP_NUM_THREADS=1 python benchmarks/wording_probe.py --checkpoint RUN_FOLDER --preset fair
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import torch

from iclft.config import IclConfig
from iclft.data import generate
from iclft.data import simple_reversal as comparison
from iclft.data.schema import Dataset, Document, TestItem
from iclft.data.wording import PRETRAIN
from iclft.world.probes import EVAL_SEED

FAMILIES = ("frame", "documents", "questions", "comparatives")
VARIANTS = {"evaluation wording": (), **{f"pretraining {f}": (f,) for f in FAMILIES},
            "pretraining wording": FAMILIES}


def load(args):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not args.checkpoint:
        return AutoModelForCausalLM.from_pretrained(args.model).eval(), AutoTokenizer.from_pretrained(args.model)
    import json

    from safetensors.torch import load_model

    from iclft.world.config import load_world_config
    from iclft.world.model import build_model

    folder = Path(args.checkpoint)
    tok = AutoTokenizer.from_pretrained(folder)
    model = build_model(load_world_config(preset=args.preset, overrides=args.overrides), tok)
    state = json.loads((folder / "checkpoint" / "state.json").read_text())
    load_model(model, folder / "checkpoint" / state["files"]["model"])
    print(f"checkpoint at step {state['step']} ({state['tokens']:,} corpus tokens)")
    return model.eval(), tok


def switched(ds: Dataset, families: tuple[str, ...]) -> tuple[Dataset, IclConfig]:
    """The dataset with each named family's evaluation strings replaced by pretraining ones (a fixed
    one-to-one map), and the frame (header and instruction) to ask it in."""
    swaps = []
    if "documents" in families:
        swaps += list(zip(comparison.TRAIN_PREAMBLES, PRETRAIN.doc_preambles))
    if "questions" in families:
        swaps += list(zip(comparison.TEST_PREAMBLES, PRETRAIN.question_preambles))
    if "comparatives" in families:
        regular = comparison.WORDINGS["world_pretraining"][2]["regular"]
        swaps += [(e, p) for ev, pr in zip(comparison.REGULAR, regular) for e, p in zip(ev, pr)]

    def sub(text: str) -> str:
        for old, new in swaps:
            text = text.replace(old, new)
        return text

    docs = tuple(Document(d.id, sub(d.text)) for d in ds.train)
    items = tuple(TestItem(it.id, it.split, sub(it.prompt), tuple(sub(c) for c in it.choices), it.answer)
                  for it in ds.test)
    icl = IclConfig(header=PRETRAIN.headers[0], instruction=PRETRAIN.instructions[0]) if "frame" in families else IclConfig()
    return dataclasses.replace(ds, train=docs, test=items), icl


@torch.inference_mode()
def main() -> None:
    from iclft.eval.frame import frame_prefix
    from iclft.eval.multiple_choice import MCContext, score_items
    from iclft.models.hf import HFModel
    from iclft.models.registry import ModelSource

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", help="a world model folder")
    ap.add_argument("--checkpoint", help="a pretraining run folder: score its latest checkpoint instead")
    ap.add_argument("--preset", default="fair", help="the run's world preset (with --checkpoint)")
    ap.add_argument("--overrides", nargs="*", default=[], help="the run's overrides (with --checkpoint)")
    ap.add_argument("--seed", type=int, default=EVAL_SEED + 1)
    ap.add_argument("--facts", type=int, nargs="+", default=[20])
    args = ap.parse_args()
    model, tok = load(args)
    hf = HFModel(model, tok, ModelSource("world", ""))
    print(f"{'wording':32} {'facts':>5} {'forward':>8} {'reversal':>8}")
    for n in args.facts:
        ds = generate("simple_reversal", seed=args.seed, n_facts=n, docs_per_fact=2, features="regular")
        for name, families in VARIANTS.items():
            variant, icl = switched(ds, families)
            prefix = frame_prefix(hf, [d.text for d in variant.train], icl)
            records = score_items(hf, list(variant.test), MCContext(prefix, lambda it: it.prompt))
            acc = {s: sum(r["correct"]["sum"] for r in records if r["split"] == s) / n for s in ("forward", "reversal")}
            print(f"{name:32} {n:5d} {acc['forward']:8.2f} {acc['reversal']:8.2f}", flush=True)


if __name__ == "__main__":
    main()
