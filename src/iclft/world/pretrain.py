"""`iclft world pretrain`: a small Llama trained from scratch on the world corpus (iclft.world.corpus).

    OUT/                      an ordinary Hugging Face model folder, for `--model OUT` anywhere
      config.json, model.safetensors, tokenizer.json, tokenizer_config.json, ...
      README.md               the model card: how it was made, sizes, time, held-out accuracy
      world.json              the resolved config, corpus fingerprint, training statistics
      log.jsonl               one line per evaluation: step, loss, held-out in-context accuracy
      checkpoint/             the latest training state (weights, optimizer, step), for --resume

Step s trains on rows s*B ... s*B+B-1 (B = train.batch_size x processes); row b packs whole
episodes b*64, b*64+1, ... (each ending with EOS) up to corpus.max_tokens tokens, so little is
padding. Episodes are a pure function of (seed, index), and the curriculum's cap on world size a
function of the row, so resuming regenerates exactly the rows that were next. The loss covers every
token (padding excluded), answer tokens weighted 1 and the rest train.other_weight; an episode may
attend to the episodes packed before it in its row, as in ordinary pretraining, and learns to
ignore them (or, with train.isolate_episodes, each sees only itself). Each evaluation logs copy
accuracy (`copy_accuracy`: does the model repeat a word list it was shown) and held-out in-context
accuracy. Held-out in-context accuracy is measured on the micro study's datasets generated at
seed 10000 (never a study seed, and facts no pretraining episode states), shown as the `icl`
condition shows them, scored by summed log-likelihood. Under `accelerate launch` each process
trains on its own share of the episodes.

The parts, one module each: stream.py (episodes packed into rows), batches.py (rows into batches,
the loss), model.py (the model, the learning-rate schedule), probes.py (held-out and copy
accuracy), checkpoints.py, card.py (the model card); this module is the loop and the copy warm-up.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from iclft import IclftError, __version__
from iclft.runner.folders import lock, unlock
from iclft.world import corpus
from iclft.world.batches import step_batches, weighted_loss
from iclft.world.card import write_card
from iclft.world.checkpoints import load_checkpoint, save_checkpoint
from iclft.world.config import DEFAULT_ROOT, WorldConfig, dump
from iclft.world.curve import draw_curve
from iclft.world.model import build_model, lr_at
from iclft.world.probes import (EVAL_SEED, background_accuracy, background_items, copy_accuracy, eval_datasets,
                                heldout_accuracy)
from iclft.world.stream import Stream, corpus_fingerprint
from iclft.world.tokenizer import train_tokenizer


# ---- training ----------------------------------------------------------------------------------------

@dataclass
class Progress:
    """Where a run stands; saved in every checkpoint."""

    step: int = 0
    tokens: int = 0
    seconds: float = 0.0
    log: list = field(default_factory=list)
    losses: list = field(default_factory=list)  # the steps' losses since the last evaluation (its mean is logged)


@contextmanager
def cpu_threads(n: int):
    """torch's CPU threads set to `n` inside the block (0: as many as now), restored after it, so
    the rest of the process keeps its own setting. Set even when unchanged: with two or more threads,
    the first training in a process that never called set_num_threads ended 1e-8 away from every later
    one (measured), so runs in one process (an interrupted run and its resume) would not agree."""
    before = torch.get_num_threads()
    torch.set_num_threads(n or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def prepare_folder(cfg: WorldConfig, out: str | None, resume: bool) -> Path:
    folder = Path(out or f"{DEFAULT_ROOT}/{cfg.name}").expanduser()
    if not resume and (folder / "checkpoint").exists():
        raise IclftError(f"{folder}: a pretraining run is already there; add --resume to continue it, "
                         f"or choose another --out")
    if resume and not (folder / "checkpoint" / "state.json").is_file():  # before any work or file
        raise IclftError(f"{folder}: no checkpoint to resume from (checkpoint/state.json); "
                         "start without --resume")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IclftError(f"{folder}: cannot create the model folder ({e.strerror})") from None
    if os.environ.get("RANK", "0") == "0":  # one writer (processes of one accelerate launch share it)
        lock(folder)
    if not resume:  # a run stopped before its first checkpoint leaves a log this one must not extend
        (folder / "log.jsonl").unlink(missing_ok=True)
    return folder


def base_folder(cfg: WorldConfig) -> Path | None:
    """train.init_from as a folder that holds a world model's tokenizer and weights; None when empty."""
    if not cfg.train.init_from:
        return None
    base = Path(cfg.train.init_from).expanduser()
    missing = [f for f in ("tokenizer.json", "model.safetensors") if not (base / f).is_file()]
    if missing:
        raise IclftError(f"train.init_from: {base} is not a world model folder (no {missing[0]}); "
                         f"name the --out folder of a finished `iclft world pretrain`")
    return base


def prepare_tokenizer(stream: Stream, folder: Path, resume: bool, main: bool):
    """The run's tokenizer: the saved one when resuming, the base model's in a second stage
    (train.init_from), else trained on the first episodes; saved in the folder."""
    from transformers import AutoTokenizer

    if resume and (folder / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(folder)
    base = base_folder(stream.cfg)
    if base is not None:
        tok = AutoTokenizer.from_pretrained(base)
        if main:
            tok.save_pretrained(folder)
        return tok
    n = stream.cfg.corpus.tokenizer_episodes
    tok = train_tokenizer((stream.episode(i).text for i in range(n)), stream.cfg.model.vocab_size)
    if main:
        tok.save_pretrained(folder)
    return tok


def copy_warmup(model, cfg: WorldConfig, vocab: int, device, show: bool) -> list[dict]:
    """train.copy_warmup_steps steps of copying before the corpus: batches of 16 random token
    sequences (32-64 tokens, seeded) shown twice, the loss on the second copy. Every length
    differs, so only matching content solves it: the model grows an induction head here, in a few
    minutes, instead of from the corpus's sparse copy signal. Returns a log line every 100 steps."""
    import random

    steps = cfg.train.copy_warmup_steps
    rng, gen = random.Random(f"copy-warmup:{cfg.seed}"), torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.train.learning_rate, betas=(0.9, 0.95),
                            weight_decay=cfg.train.weight_decay)
    log, t0 = [], time.perf_counter()
    for step in range(1, steps + 1):
        n = rng.randint(32, 64)
        x = torch.randint(0, vocab, (16, n), generator=gen)
        ids = torch.cat([x, x], 1).to(device)
        logits = model(input_ids=ids, use_cache=False).logits[:, n - 1:-1]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab).float(), ids[:, n:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.train.max_grad_norm)
        opt.step()
        opt.zero_grad()
        if step % 100 == 0 or step == steps:
            copy = (logits.argmax(-1) == ids[:, n:]).float().mean().item()
            log.append({"copy_warmup_step": step, "loss": round(loss.item(), 4), "copy": round(copy, 3),
                        "seconds": round(time.perf_counter() - t0, 1)})
            if show:
                print(json.dumps(log[-1]), flush=True)
    return log


WARMUP_VERSION = "1"  # bump when copy_warmup changes what it computes


def warmup_key(cfg: WorldConfig, vocab: int) -> str:
    """What the copy warm-up's weights depend on: the model's shape and init, the vocabulary size,
    the seed, the warm-up's steps and optimizer settings, and the torch version (kernels)."""
    t = cfg.train
    what = {"version": WARMUP_VERSION, "model": asdict(cfg.model), "vocab": vocab, "seed": cfg.seed,
            "steps": t.copy_warmup_steps, "lr": t.learning_rate, "weight_decay": t.weight_decay,
            "max_grad_norm": t.max_grad_norm, "torch": torch.__version__}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


def cached_copy_warmup(model, cfg: WorldConfig, vocab: int, device, show: bool) -> list[dict]:
    """copy_warmup, or its weights and log from train.warmup_cache when a run with the same
    warmup_key made them (the warm-up is a pure function of that key: it never sees the corpus).
    Weights in safetensors, the log in JSON; written atomically."""
    from safetensors import SafetensorError
    from safetensors.torch import load_model, save_model

    cache = cfg.train.warmup_cache
    if not cache:
        return copy_warmup(model, cfg, vocab, device, show)
    folder = Path(cache).expanduser()
    key = warmup_key(cfg, vocab)
    weights, log_file = folder / f"{key}.safetensors", folder / f"{key}.json"
    if weights.is_file() and log_file.is_file():
        try:
            load_model(model, weights, device=str(device))
            log = json.loads(log_file.read_text())
            if show:
                print(f"copy warm-up read from {weights} (final copy accuracy {log[-1]['copy']})", flush=True)
            return [{**entry, "cached": True} for entry in log]
        except (OSError, ValueError, RuntimeError, KeyError, IndexError, SafetensorError) as e:
            print(f"warning: cached copy warm-up {weights} unreadable ({e}); computing it again", flush=True)
    log = copy_warmup(model, cfg, vocab, device, show)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{key}.{os.getpid()}.tmp"
        save_model(model, str(tmp))
        tmp.replace(weights)
        tmp.write_text(json.dumps(log))
        tmp.replace(log_file)
    except OSError as e:
        print(f"warning: could not cache the copy warm-up in {folder} ({e})", flush=True)
    return log


def train_step(model, opt, acc, batch, lr: float, max_grad_norm: float) -> float:
    """One optimizer step at learning rate `lr`; returns the batch's loss."""
    for g in opt.param_groups:
        g["lr"] = lr
    loss = weighted_loss(model, batch)
    acc.backward(loss)
    acc.clip_grad_norm_(model.parameters(), max_grad_norm)
    opt.step()
    opt.zero_grad()
    return float(loss.detach())


def write_folder(folder: Path, cfg: WorldConfig, model, tok, stream: Stream, p: Progress, device: str) -> None:
    """The finished model folder: weights, world.json (config, statistics, log), world.yaml, the card."""
    model.save_pretrained(folder)
    facts = {"iclft_version": __version__, "config": asdict(cfg),
             "parameters": sum(q.numel() for q in model.parameters()), "vocab_size": len(tok),
             "steps": p.step, "tokens": p.tokens, "seconds": round(p.seconds, 1),
             "tokens_per_second": p.tokens / max(p.seconds, 1e-9), "device": device,
             "corpus_sha256": corpus_fingerprint(stream), "log": p.log}
    (folder / "world.json").write_text(json.dumps(facts, indent=1))
    (folder / "world.yaml").write_text(dump(cfg))
    draw_curve(p.log, folder / "heldout.png", f"{cfg.name}: held-out in-context accuracy (seed {EVAL_SEED} worlds)")
    write_card(folder, cfg, facts)


def pretrain(cfg: WorldConfig, out: str | None = None, resume: bool = False, progress: bool = True,
             stop_at: int | None = None) -> Path:
    """Pretrain (or resume) a world model; returns the model folder. `stop_at` ends the run after
    that step with its checkpoint saved, as an interruption would (for tests)."""
    from accelerate import Accelerator

    folder = prepare_folder(cfg, out, resume)
    acc = Accelerator(cpu=not torch.cuda.is_available())
    with cpu_threads(cfg.train.threads if acc.device.type == "cpu" else 0):
        device = f"{acc.device.type} x{acc.num_processes} ({torch.get_num_threads()} threads)"
        p = _train(cfg, folder, acc, resume, progress, stop_at)
        if acc.is_main_process and p is not None:
            write_folder(folder, cfg, acc.unwrap_model(p.model), p.tok, p.stream, p.progress, device)
    unlock(folder)
    return folder


def load_base_weights(model, base: Path) -> None:
    """The base model's weights into `model`; another shape is one line."""
    from safetensors import SafetensorError
    from safetensors.torch import load_model

    try:
        load_model(model, base / "model.safetensors", device="cpu")
    except (RuntimeError, SafetensorError) as e:
        raise IclftError(f"train.init_from: {base} holds weights of another shape than this config's model "
                         f"({str(e).splitlines()[0][:160]})") from None


@dataclass
class _Trained:
    model: object
    tok: object
    stream: Stream
    progress: Progress


def _train(cfg: WorldConfig, folder: Path, acc, resume: bool, show: bool, stop_at: int | None) -> _Trained | None:
    """The training loop: batches, evaluations, checkpoints, the time limit. None when stopped at `stop_at`."""
    from tqdm.auto import tqdm

    t = cfg.train
    stream = Stream(cfg)
    tok = stream.tokenizer = prepare_tokenizer(stream, folder, resume, acc.is_main_process)
    model = build_model(cfg, tok)
    opt = torch.optim.AdamW(model.parameters(), lr=t.learning_rate, weight_decay=t.weight_decay,
                            betas=(0.9, 0.95), fused=acc.device.type in ("cpu", "cuda"))
    p = Progress()
    base = base_folder(cfg)
    if base is not None and not resume:  # a second stage starts from its base's weights
        load_base_weights(model, base)
    elif not resume and t.copy_warmup_steps:  # a resumed run's checkpoint already holds it
        p.log += cached_copy_warmup(model.to(acc.device), cfg, len(tok), acc.device, show and acc.is_main_process)
        if acc.is_main_process:
            with open(folder / "log.jsonl", "a") as f:
                f.writelines(json.dumps(entry) + "\n" for entry in p.log)
    if resume:
        state = load_checkpoint(folder, model, opt)
        p = Progress(state["step"], state["tokens"], state["seconds"], state["log"], state.get("losses", []))
    model, opt = acc.prepare(model, opt)
    model.train()
    heldout = eval_datasets(fair=cfg.corpus.wording != "study", logic=cfg.corpus.mix.get("logic", 0) > 0)
    known = background_items(stream.background, stream.wording) if stream.background else None
    per_step = t.batch_size * acc.num_processes
    bar = tqdm(total=t.steps, initial=p.step, desc=f"world {cfg.name}", unit="step",
               disable=not show or not acc.is_main_process)
    t0, losses = time.perf_counter() - p.seconds, p.losses  # a resumed run continues the running mean

    def checkpoint():
        if acc.is_main_process:
            save_checkpoint(folder, acc.unwrap_model(model), opt, asdict(p))

    for step in range(p.step, t.steps):
        first = t.first_row + step * per_step + acc.process_index * t.batch_size
        rows = [stream.row(b) for b in range(first, first + t.batch_size)]
        batch = [{k: v.to(acc.device) for k, v in b.items()} for b in step_batches(rows, tok.pad_token_id, cfg)]
        losses.append(train_step(model, opt, acc, batch, lr_at(step, cfg), t.max_grad_norm))
        p.step, p.tokens = step + 1, p.tokens + sum(len(r.ids) for r in rows) * acc.num_processes
        p.seconds = time.perf_counter() - t0
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        bar.update()
        out_of_time = t.time_limit_minutes and p.seconds > 60 * t.time_limit_minutes
        last = p.step == t.steps or out_of_time
        if (t.eval_every and p.step % t.eval_every == 0) or last:
            entry = {"step": p.step, "loss": round(sum(losses) / len(losses), 4), "tokens": p.tokens,
                     "seconds": round(p.seconds, 1), "lr": lr_at(step, cfg),
                     "copy": copy_accuracy(acc.unwrap_model(model), stream),
                     "heldout": heldout_accuracy(acc.unwrap_model(model), tok, heldout)}
            if known:
                entry["background"] = background_accuracy(acc.unwrap_model(model), tok, known)
            p.log.append(entry)
            losses.clear()
            if acc.is_main_process:
                bar.write(json.dumps(entry))
                with open(folder / "log.jsonl", "a") as f:
                    f.write(json.dumps(entry) + "\n")
        if (t.checkpoint_every and p.step % t.checkpoint_every == 0) or last:
            checkpoint()
        if out_of_time:
            bar.write(f"time limit of {t.time_limit_minutes} minutes reached at step {p.step}")
            break
        if stop_at is not None and p.step >= stop_at:
            acc.wait_for_everyone()
            checkpoint()
            return None
    bar.close()
    p.seconds = time.perf_counter() - t0
    return _Trained(model, tok, stream, p)
