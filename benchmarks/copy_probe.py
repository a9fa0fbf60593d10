"""How fast does a small decoder learn to copy? The world model's bottleneck, measured outside the corpus.

Random token sequences shown twice; the loss is on the second copy. With `--lengths fixed` every
sequence has the same length, so attending a fixed distance back solves it; with `--lengths varying`
(half to full length) only matching content does (an induction head), which in-context reasoning
needs. Prints step, loss and copy accuracy every 50 steps.

    OMP_NUM_THREADS=1 python benchmarks/copy_probe.py --lengths fixed      # the world model's shape
    OMP_NUM_THREADS=1 python benchmarks/copy_probe.py --lengths varying
    OMP_NUM_THREADS=1 python benchmarks/copy_probe.py --lengths varying --arch lfm2
"""
from __future__ import annotations

import argparse
import random
import time

import torch


def build(arch: str, vocab: int, width: int, layers: int, heads: int, init: float):
    common = dict(vocab_size=vocab, hidden_size=width, intermediate_size=4 * width, num_hidden_layers=layers,
                  num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=4096,
                  tie_word_embeddings=True, initializer_range=init)
    if arch == "lfm2":  # short convolutions between the attention layers
        from transformers import Lfm2Config, Lfm2ForCausalLM

        kinds = ["conv" if i % 2 == 0 else "full_attention" for i in range(layers)]
        return Lfm2ForCausalLM(Lfm2Config(layer_types=kinds, block_auto_adjust_ff_dim=False, **common))
    from transformers import LlamaConfig, LlamaForCausalLM

    return LlamaForCausalLM(LlamaConfig(**common))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", choices=["fixed", "varying"], default="varying")
    ap.add_argument("--arch", choices=["llama", "lfm2"], default="llama")
    ap.add_argument("--length", type=int, default=64, help="sequence length before repetition (the maximum if varying)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--init", type=float, default=0.08)
    ap.add_argument("--vocab", type=int, default=2048)
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = random.Random(0)
    model = build(args.arch, args.vocab, args.width, args.layers, args.heads, args.init)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)
    t0 = time.perf_counter()
    for step in range(1, args.steps + 1):
        n = args.length if args.lengths == "fixed" else rng.randint(args.length // 2, args.length)
        x = torch.randint(0, args.vocab, (args.batch, n))
        ids = torch.cat([x, x], 1)
        logits = model(input_ids=ids, use_cache=False).logits[:, n - 1:-1]  # predicting the second copy
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, args.vocab), ids[:, n:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        if step % 50 == 0:
            copy = (logits.argmax(-1) == ids[:, n:]).float().mean().item()
            print(f"step {step}  loss {loss.item():.3f}  copy {copy:.3f}  {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
