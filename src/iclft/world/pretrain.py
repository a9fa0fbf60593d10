"""`iclft world pretrain`: a small Llama trained from scratch on the world corpus (iclft.world.corpus).

    OUT/                      an ordinary Hugging Face model folder, for `--model OUT` anywhere
      config.json, model.safetensors, tokenizer.json, tokenizer_config.json, ...
      README.md               the model card: how it was made, sizes, time, held-out accuracy
      world.json              the resolved config, corpus fingerprint, training statistics
      log.jsonl               one line per evaluation: step, loss, held-out in-context accuracy
      checkpoint/             the latest training state (weights, optimizer, step), for --resume

Step s trains on rows s*B ... s*B+B-1 (B = train.batch_size x processes); row b packs whole
episodes b*64, b*64+1, ... (each ending with EOS) up to corpus.max_tokens tokens, so little is
padding. Episodes are a pure function of (seed, index), so resuming regenerates exactly the rows
that were next. The loss covers every token (padding excluded); an episode may attend to the
episodes packed before it in its row, as in ordinary pretraining, and learns to ignore them. Held-out in-context accuracy is measured
on small datasets from iclft.data generated at seeds 10000+ (never a study seed, and facts no
pretraining episode states), shown as the `icl` condition shows them, scored by summed
log-likelihood. Under `accelerate launch` each process trains on its own share of the episodes.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import torch

from iclft import IclftError, __version__
from iclft.world import corpus
from iclft.world.config import DEFAULT_ROOT, WorldConfig, dump
from iclft.world.tokenizer import train_tokenizer

EVAL_SEED = 10_000
EVAL_DATASETS = (("simple_reversal", {"n_facts": 10, "docs_per_fact": 2}),
                 ("syllogism", {"n_items": 12}),
                 ("semantic_structure", {"taxonomy": "micro", "n_docs": 15, "n_holdout": 2}))


def reserved(cfg: WorldConfig) -> frozenset[str]:
    """Every word of the reserved presets' datasets, at seeds 0 .. reserve_seeds-1."""
    from iclft.config import load_config

    datasets = [d for p in cfg.corpus.reserve_presets for d in load_config(preset=p).datasets]
    return corpus.reserved_words(datasets, range(cfg.corpus.reserve_seeds))


class Stream:
    """The corpus of one config: episode i, and its token ids."""

    def __init__(self, cfg: WorldConfig, tokenizer=None):
        self.cfg = cfg
        self.pool = corpus.word_pool(reserved(cfg))
        self.tokenizer = tokenizer

    def episode(self, index: int, attempt: int = 0) -> corpus.Episode:
        c = self.cfg.corpus
        return corpus.episode(self.cfg.seed, index, self.pool, c.mix, c.max_size, attempt=attempt)

    def ids(self, index: int) -> list[int]:
        """Token ids of episode `index` with EOS at the end; an episode longer than max_tokens is
        replaced by another draw (never truncated)."""
        tok = self.tokenizer
        for attempt in range(100):
            ids = tok(self.episode(index, attempt).text, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
            if len(ids) <= self.cfg.corpus.max_tokens:
                return ids
        raise IclftError(f"corpus.max_tokens={self.cfg.corpus.max_tokens} is too small for this corpus: "
                         "100 draws in a row were longer; raise it or lower corpus.max_size")

    def row(self, block: int) -> list[int]:
        """One training row of at most max_tokens: whole episodes block*64, block*64+1, ... packed
        while they fit (after the first that does not, three more draws try to fill the rest)."""
        out, misses = [], 0
        for k in range(64):
            ids = self.ids(block * 64 + k)
            if len(out) + len(ids) <= self.cfg.corpus.max_tokens:
                out += ids
            else:
                misses += 1
                if misses > 3:
                    break
        return out


def corpus_fingerprint(stream: Stream, n: int = 200) -> str:
    """sha256 of the first n episodes' text, one blank-line-separated file: the same for a seed."""
    h = hashlib.sha256()
    for i in range(n):
        h.update(stream.episode(i).text.encode("utf-8") + b"\n\n")
    return h.hexdigest()


def build_model(cfg: WorldConfig, tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    m = cfg.model
    torch.manual_seed(cfg.seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=m.hidden_size, intermediate_size=m.intermediate_size,
                         num_hidden_layers=m.num_hidden_layers, num_attention_heads=m.num_attention_heads,
                         num_key_value_heads=m.num_attention_heads, max_position_embeddings=m.max_position_embeddings,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    return LlamaForCausalLM(config)


def _batch(rows: list[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), T), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.long)
    for b, r in enumerate(rows):
        ids[b, : len(r)] = torch.tensor(r)
        labels[b, : len(r)] = ids[b, : len(r)]
        mask[b, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def lr_at(step: int, cfg: WorldConfig) -> float:
    """Linear warmup, then cosine decay to min_lr_ratio of the peak."""
    t = cfg.train
    if step < t.warmup_steps:
        return t.learning_rate * (step + 1) / t.warmup_steps
    progress = (step - t.warmup_steps) / max(1, t.steps - t.warmup_steps)
    return t.learning_rate * (t.min_lr_ratio + (1 - t.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


# ---- held-out in-context accuracy ------------------------------------------------------------------

def eval_datasets():
    from iclft.data import generate

    return [generate(name, seed=EVAL_SEED, **params) for name, params in EVAL_DATASETS]


@torch.inference_mode()
def heldout_accuracy(model, tokenizer, datasets) -> dict[str, float]:
    """Accuracy per dataset and split of in-context scoring (the icl condition's layout)."""
    from iclft.conditions.icl import fit_documents
    from iclft.config import IclConfig
    from iclft.eval.multiple_choice import MCContext, score_items
    from iclft.models.hf import HFModel
    from iclft.models.registry import ModelSource

    was_training = model.training
    hf = HFModel(model, tokenizer, ModelSource("world (training)", ""))
    out = {}
    for ds in datasets:
        items = [it for it in ds.test][:120]
        prefix, _ = fit_documents(hf, ds, IclConfig(subsample=True), EVAL_SEED)
        records = score_items(hf, items, MCContext(prefix, lambda it: it.prompt))
        for split in sorted({r["split"] for r in records}):
            rs = [r for r in records if r["split"] == split]
            out[f"{ds.name}/{split}"] = round(sum(r["correct"]["sum"] for r in rs) / len(rs), 3)
    model.train(was_training)
    return out


# ---- checkpoints -------------------------------------------------------------------------------------

def save_checkpoint(folder: Path, model, opt, progress: dict) -> None:
    """Weights, optimizer and `progress` (step, tokens, seconds, log), written atomically."""
    ck = folder / "checkpoint"
    ck.mkdir(parents=True, exist_ok=True)
    tmp = ck / "state.pt.tmp"
    torch.save({**progress, "model": model.state_dict(), "optimizer": opt.state_dict()}, tmp)
    tmp.replace(ck / "state.pt")


def load_checkpoint(folder: Path) -> dict:
    path = folder / "checkpoint" / "state.pt"
    if not path.is_file():
        raise IclftError(f"{folder}: no checkpoint to resume from (checkpoint/state.pt)")
    return torch.load(path, map_location="cpu", weights_only=False)


# ---- the model card ----------------------------------------------------------------------------------

def write_card(folder: Path, cfg: WorldConfig, facts: dict) -> None:
    last = facts["log"][-1] if facts["log"] else {}
    acc = "\n".join(f"| {k} | {v:.3f} |" for k, v in last.get("heldout", {}).items())
    (folder / "README.md").write_text(f"""---
library_name: transformers
tags: [iclft, synthetic, from-scratch]
---
# {cfg.name}: a world model made by iclft {__version__}

A {facts['parameters'] / 1e6:.2f}M-parameter Llama-architecture decoder trained from scratch by
`iclft world pretrain` on {facts['tokens']:,} tokens ({facts['steps']} steps of {cfg.train.batch_size} episodes)
of synthetic episodes: many random worlds of nonsense-word facts (comparisons with converses,
syllogisms, category trees with inherited properties), each stated as documents and then asked about
(forwards, reversed, by deduction) in the layout of iclft's `icl` condition, plus iclft's local and
global augmentation prompts continued with a world's rephrasings, reversals and inferences. The
sentence templates are iclft's datasets' own. Every word of the reserved study datasets
({', '.join(cfg.corpus.reserve_presets)} presets, seeds 0-{cfg.corpus.reserve_seeds - 1}) is excluded from
pretraining, so their facts are new to it.

Tokenizer: byte-level BPE, {facts['vocab_size']} tokens, trained on the first
{cfg.corpus.tokenizer_episodes} episodes; one special token `<|endoftext|>` (BOS, EOS, padding); no chat template.

Training: AdamW (fused), peak learning rate {cfg.train.learning_rate}, warmup {cfg.train.warmup_steps} steps, cosine
decay, float32, seed {cfg.seed}; {facts['seconds'] / 60:.1f} minutes on {facts['device']},
{facts['tokens_per_second']:.0f} tokens/s. Corpus fingerprint (sha256 of the first 200 episodes):
`{facts['corpus_sha256']}`.

Held-out in-context accuracy at the end (datasets at seed {EVAL_SEED}, summed log-likelihood):

| dataset/split | accuracy |
|---|---|
{acc}

The full config is in `world.json`; to make it again: `iclft world pretrain CONFIG.yaml` with that
config, or `iclft world pretrain --preset {cfg.name}`.
""")


# ---- training ----------------------------------------------------------------------------------------

def prepare_folder(cfg: WorldConfig, out: str | None, resume: bool) -> Path:
    folder = Path(out or f"{DEFAULT_ROOT}/{cfg.name}").expanduser()
    if not resume and (folder / "checkpoint").exists():
        raise IclftError(f"{folder}: a pretraining run is already there; add --resume to continue it, "
                         f"or choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pretrain(cfg: WorldConfig, out: str | None = None, resume: bool = False, progress: bool = True,
             stop_at: int | None = None) -> Path:
    """Pretrain (or resume) a world model; returns the model folder. `stop_at` ends the run after
    that step with its checkpoint saved, as an interruption would (for tests)."""
    from accelerate import Accelerator
    from tqdm.auto import tqdm
    from transformers import AutoTokenizer

    folder = prepare_folder(cfg, out, resume)
    acc = Accelerator(cpu=not torch.cuda.is_available())
    stream = Stream(cfg)
    if resume and (folder / "tokenizer.json").is_file():
        stream.tokenizer = AutoTokenizer.from_pretrained(folder)
    else:
        stream.tokenizer = train_tokenizer((stream.episode(i).text for i in range(cfg.corpus.tokenizer_episodes)),
                                           cfg.model.vocab_size)
        if acc.is_main_process:
            stream.tokenizer.save_pretrained(folder)
    tok = stream.tokenizer
    model = build_model(cfg, tok)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.train.learning_rate, weight_decay=cfg.train.weight_decay,
                            betas=(0.9, 0.95), fused=acc.device.type in ("cpu", "cuda"))
    start, log, tokens, seconds = 0, [], 0, 0.0
    if resume:
        state = load_checkpoint(folder)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start, log, tokens, seconds = state["step"], state["log"], state["tokens"], state["seconds"]
    model, opt = acc.prepare(model, opt)
    model.train()
    heldout = eval_datasets()
    n_params = sum(p.numel() for p in model.parameters())
    per_step = cfg.train.batch_size * acc.num_processes
    bar = tqdm(total=cfg.train.steps, initial=start, desc=f"world {cfg.name}", unit="step", disable=not progress
               or not acc.is_main_process)
    t0, losses, done = time.perf_counter() - seconds, [], start
    for step in range(start, cfg.train.steps):
        first = step * per_step + acc.process_index * cfg.train.batch_size
        rows = [stream.row(b) for b in range(first, first + cfg.train.batch_size)]
        batch = {k: v.to(acc.device) for k, v in _batch(rows, tok.pad_token_id).items()}
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg)
        loss = model(**batch).loss
        acc.backward(loss)
        acc.clip_grad_norm_(model.parameters(), cfg.train.max_grad_norm)
        opt.step()
        opt.zero_grad()
        losses.append(float(loss.detach()))
        tokens += int(batch["attention_mask"].sum()) * acc.num_processes
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        bar.update()
        done = step + 1
        elapsed = time.perf_counter() - t0
        out_of_time = cfg.train.time_limit_minutes and elapsed > 60 * cfg.train.time_limit_minutes
        last = done == cfg.train.steps or out_of_time
        if (cfg.train.eval_every and done % cfg.train.eval_every == 0) or last:
            entry = {"step": done, "loss": round(sum(losses) / len(losses), 4), "tokens": tokens,
                     "seconds": round(elapsed, 1), "lr": lr_at(step, cfg)}
            entry["heldout"] = heldout_accuracy(acc.unwrap_model(model), tok, heldout)
            log.append(entry)
            losses = []
            if acc.is_main_process:
                bar.write(json.dumps(entry))
                with open(folder / "log.jsonl", "a") as f:
                    f.write(json.dumps(entry) + "\n")
        if acc.is_main_process and ((cfg.train.checkpoint_every and done % cfg.train.checkpoint_every == 0) or last):
            save_checkpoint(folder, acc.unwrap_model(model), opt,
                            {"step": done, "tokens": tokens, "seconds": elapsed, "log": log})
        if out_of_time:
            bar.write(f"time limit of {cfg.train.time_limit_minutes} minutes reached at step {done}")
            break
        if stop_at is not None and done >= stop_at:
            acc.wait_for_everyone()
            if acc.is_main_process:
                save_checkpoint(folder, acc.unwrap_model(model), opt,
                                {"step": done, "tokens": tokens, "seconds": elapsed, "log": log})
            return folder
    bar.close()
    if acc.is_main_process:
        final = acc.unwrap_model(model)
        final.save_pretrained(folder)
        seconds = time.perf_counter() - t0
        facts = {"iclft_version": __version__, "config": asdict(cfg), "parameters": n_params,
                 "vocab_size": len(tok), "steps": done, "tokens": tokens,
                 "seconds": round(seconds, 1), "tokens_per_second": tokens / max(seconds, 1e-9),
                 "device": f"{acc.device.type} x{acc.num_processes} ({torch.get_num_threads()} threads)",
                 "corpus_sha256": corpus_fingerprint(stream), "log": log}
        (folder / "world.json").write_text(json.dumps(facts, indent=1))
        (folder / "world.yaml").write_text(dump(cfg))
        write_card(folder, cfg, facts)
    return folder
