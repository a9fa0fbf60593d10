"""Does a wider set of comparatives teach the world model "more X" / "less X" as a rule? A fast probe:
continue pretraining a world model for a few hundred steps on its own corpus in one wording or
another (the same recipe, rows it never saw), and measure in-context reversal on held-out worlds in
evaluation wording, whose 13 "more X" adjectives no pretraining wording holds.

    OMP_NUM_THREADS=1 python benchmarks/comparative_probe.py --wording broad --out /tmp/probe-broad
    OMP_NUM_THREADS=1 python benchmarks/comparative_probe.py --wording wide --out /tmp/probe-wide

Held-out worlds: simple reversals with the regular comparatives, 20 facts, at seeds EVAL_SEED+1 ..
EVAL_SEED+SEEDS (never study seeds, never the worlds the shipped run chose its recipe on), plus a
longer world at EVAL_SEED+1 .. EVAL_SEED+LONG_SEEDS (--long facts, 40 by default; --long-seeds 1 by
default; `long_` in the log, the mean over those seeds). Everything is written to OUT/log.jsonl, one line per evaluation.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch


def evaluate(model, tok, datasets) -> dict:
    from iclft.world.probes import heldout_accuracy

    scores = heldout_accuracy(model, tok, datasets)
    out = {}
    for label, prefix in (("20f", "sr20-"), ("long", "long-")):
        for key in ("forward", "reversal"):
            vals = [v for k, v in scores.items() if k.startswith(prefix) and k.endswith(key)]
            out[f"{label}_{key}"] = round(sum(vals) / len(vals), 4)
    return out


def main() -> None:
    from accelerate import Accelerator
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from iclft.data import generate
    from iclft.world.batches import step_batches
    from iclft.world.config import load_world_config
    from iclft.world.pretrain import train_step
    from iclft.world.probes import EVAL_SEED
    from iclft.world.stream import Stream

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="src/iclft/world/shipped", help="a world model folder to continue")
    ap.add_argument("--wording", default="wide")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-row", type=int, default=50_000, help="the corpus rows used start here")
    ap.add_argument("--long", type=int, default=40, help="facts in the long held-out world (seed EVAL_SEED+1)")
    ap.add_argument("--long-seeds", type=int, default=1, help="how many long held-out worlds (seeds EVAL_SEED+1 ..)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if min(args.seeds, args.long_seeds, args.long) < 1:
        ap.error("--seeds, --long-seeds and --long must be at least 1")
    if not (Path(args.model) / "config.json").is_file():
        ap.error(f"{args.model}: not a world-model folder (no config.json)")

    torch.manual_seed(0)
    folder, out = Path(args.model), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = load_world_config(str(folder / "world.yaml"), overrides=[f"corpus.wording={args.wording}"])
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    stream = Stream(cfg, tok)
    datasets = [(f"sr20-{s}", generate("simple_reversal", seed=EVAL_SEED + s, n_facts=20, docs_per_fact=2,
                                       features="regular")) for s in range(1, args.seeds + 1)]
    datasets += [(f"long-{s}", generate("simple_reversal", seed=EVAL_SEED + s, n_facts=args.long, docs_per_fact=2,
                                        features="regular")) for s in range(1, args.long_seeds + 1)]
    acc = Accelerator(cpu=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=cfg.train.weight_decay, betas=(0.9, 0.95))
    model, opt = acc.prepare(model, opt)
    log = open(out / "log.jsonl", "a")

    def record(step: int, loss: float | None, t0: float) -> None:
        entry = {"wording": args.wording, "step": step, "loss": loss, "seconds": round(time.perf_counter() - t0, 1),
                 **evaluate(acc.unwrap_model(model), tok, datasets)}
        print(json.dumps(entry), flush=True)
        log.write(json.dumps(entry) + "\n")
        log.flush()

    t0 = time.perf_counter()
    record(0, None, t0)
    model.train()
    losses = []
    for step in range(args.steps):
        first = args.first_row + step * cfg.train.batch_size
        rows = [stream.row(b) for b in range(first, first + cfg.train.batch_size)]
        batch = step_batches(rows, tok.pad_token_id, cfg)
        lr = args.lr * min(1.0, (step + 1) / 20)
        losses.append(train_step(model, opt, acc, batch, lr, cfg.train.max_grad_norm))
        if (step + 1) % args.eval_every == 0:
            record(step + 1, round(sum(losses) / len(losses), 4), t0)
            losses.clear()
            model.train()


if __name__ == "__main__":
    main()
