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
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import torch

from iclft import IclftError, __version__
from iclft.folders import lock, unlock
from iclft.world import corpus
from iclft.world.config import DEFAULT_ROOT, WorldConfig, dump
from iclft.world.curve import draw_curve
from iclft.world.tokenizer import train_tokenizer

EVAL_SEED = 10_000
# The micro study's datasets at their sizes, but at seed EVAL_SEED: other words, other facts.
EVAL_DATASETS = (("simple_reversal", {"n_facts": 20, "docs_per_fact": 2}),
                 ("syllogism", {"n_items": 20}),
                 ("semantic_structure", {"taxonomy": "micro", "n_docs": 15, "n_holdout": 2}))


def reserved(cfg: WorldConfig) -> frozenset[str]:
    """Every word of the reserved presets' datasets, at seeds 0 .. reserve_seeds-1."""
    from iclft.config import load_config

    datasets = [d for p in cfg.corpus.reserve_presets for d in load_config(preset=p).datasets]
    return corpus.reserved_words(datasets, range(cfg.corpus.reserve_seeds))


ROW_EPISODES = 64  # row b packs episodes b*64, b*64+1, ...


class Tokens(NamedTuple):
    ids: list[int]
    answer: list[bool]  # the token is (part of) an answer to a question about the episode's world
    positions: list[int]  # position within its episode: 0 where each packed episode starts


class Stream:
    """The corpus of one config: episode i, and its token ids."""

    def __init__(self, cfg: WorldConfig, tokenizer=None):
        self.cfg = cfg
        self.pool = corpus.word_pool(reserved(cfg))
        self.tokenizer = tokenizer

    def max_size(self, index: int) -> float:
        """The largest world episode `index` may draw: the curriculum's cap at its row."""
        c = self.cfg.corpus
        if not c.curriculum_rows:
            return c.max_size
        share = min(1.0, (index // ROW_EPISODES) / c.curriculum_rows)
        return corpus.MIN_SIZE + share * (c.max_size - corpus.MIN_SIZE)

    def mix(self, index: int) -> dict[str, float]:
        """The mix of kinds episode `index` draws from: warmup_mix for the first warmup_rows rows."""
        c = self.cfg.corpus
        return c.warmup_mix if c.warmup_mix and index // ROW_EPISODES < c.warmup_rows else c.mix

    def episode(self, index: int, attempt: int = 0) -> corpus.Episode:
        return corpus.episode(self.cfg.seed, index, self.pool, self.mix(index), self.max_size(index), attempt=attempt)

    def tokens(self, index: int) -> Tokens:
        """Episode `index` tokenized, EOS at the end, its answer tokens marked; an episode longer than
        max_tokens is replaced by another draw (never truncated)."""
        tok = self.tokenizer
        for attempt in range(100):
            ep = self.episode(index, attempt)
            enc = tok(ep.text, add_special_tokens=False, return_offsets_mapping=True)
            if len(enc["input_ids"]) < self.cfg.corpus.max_tokens:
                answer = [any(a < e and b > s for s, e in ep.answers) for a, b in enc["offset_mapping"]]
                n = len(enc["input_ids"]) + 1
                return Tokens(enc["input_ids"] + [tok.eos_token_id], answer + [False], list(range(n)))
        raise IclftError(f"corpus.max_tokens={self.cfg.corpus.max_tokens} is too small for this corpus: "
                         "100 draws in a row were longer; raise it or lower corpus.max_size")

    def row(self, block: int) -> Tokens:
        """One training row of at most max_tokens: whole episodes block*64, block*64+1, ... packed
        while they fit (after the first that does not, three more draws try to fill the rest)."""
        ids, answer, positions, misses = [], [], [], 0
        for k in range(ROW_EPISODES):
            t = self.tokens(block * ROW_EPISODES + k)
            if len(ids) + len(t.ids) <= self.cfg.corpus.max_tokens:
                ids, answer, positions = ids + t.ids, answer + t.answer, positions + t.positions
            else:
                misses += 1
                if misses > 3:
                    break
        return Tokens(ids, answer, positions)


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
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
                         initializer_range=m.initializer_range)
    return LlamaForCausalLM(config)


def _batch(rows: list[Tokens], pad_id: int, other_weight: float = 1.0, isolate: bool = False) -> dict[str, torch.Tensor]:
    """Rows padded at the end, with each target's loss weight: 1 for answer tokens, `other_weight`
    for the rest, 0 for padding. No attention mask: attention is causal, so no real token attends to
    the padding after it, and without a mask sdpa takes its faster causal path (measured: 15% more
    tokens/s on a CPU). With `isolate`, position ids restart at every packed episode, from which
    transformers builds a block-diagonal causal mask: each episode sees only itself, from position
    0, as a study's context does."""
    T = max(len(r.ids) for r in rows)
    ids = torch.full((len(rows), T), pad_id, dtype=torch.long)  # (B, T)
    weights = torch.zeros((len(rows), T))  # (B, T), the weight of predicting ids[:, t]
    for b, r in enumerate(rows):
        ids[b, : len(r.ids)] = torch.tensor(r.ids)
        weights[b, : len(r.ids)] = torch.tensor([1.0 if a else other_weight for a in r.answer])
    out = {"input_ids": ids, "weights": weights}
    if isolate:  # (B, T); the padding: one more block from 0
        out["position_ids"] = torch.tensor([r.positions + list(range(T - len(r.ids))) for r in rows])
    return out


def episodes_of(rows: list[Tokens]) -> list[Tokens]:
    """The episodes packed in `rows`, each on its own (positions restart at 0 where one starts)."""
    out = []
    for r in rows:
        starts = [k for k, p in enumerate(r.positions) if p == 0] + [len(r.ids)]
        out += [Tokens(r.ids[a:b], r.answer[a:b], r.positions[a:b]) for a, b in zip(starts, starts[1:])]
    return out


def split_batches(rows: list[Tokens], pad_id: int, other_weight: float, slots: int) -> list[dict[str, torch.Tensor]]:
    """The rows' episodes as separate sequences, longest first, grouped so that a group's padded
    size (episodes x its longest) stays within `slots` tokens: each episode attends only to
    itself from position 0, as with isolated rows, but attention costs the sum of the episodes'
    squared lengths instead of every row's, and sdpa takes its causal path with no mask. The loss
    terms are the isolated rows' except one per episode: its first token predicted from the end of
    the episode before it, which no episode can know."""
    episodes = sorted(episodes_of(rows), key=lambda e: -len(e.ids))
    groups: list[list[Tokens]] = []
    for e in episodes:
        if groups and (len(groups[-1]) + 1) * len(groups[-1][0].ids) <= slots:
            groups[-1].append(e)
        else:
            groups.append([e])
    return [_batch(g, pad_id, other_weight) for g in groups]


def weighted_loss(model, batch: dict[str, torch.Tensor] | list[dict[str, torch.Tensor]]) -> torch.Tensor:
    """Next-token cross-entropy, each target weighted: sum(w * nll) / sum(w) (the ordinary mean
    when every weight is 1), over one batch or over all of a list of batches (one step's groups)."""
    total, weight = 0.0, 0.0
    for b in batch if isinstance(batch, list) else [batch]:
        # use_cache=False: with a cache, transformers ignores position ids when it builds the mask
        logits = model(input_ids=b["input_ids"], position_ids=b.get("position_ids"),
                       use_cache=False).logits[:, :-1]  # (B, T-1, V)
        targets, w = b["input_ids"][:, 1:], b["weights"][:, 1:]  # (B, T-1)
        nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2).float(), targets, reduction="none")
        total, weight = total + (nll * w).sum(), weight + w.sum()
    return total / weight


# Token slots of one group of split episodes. Measured with the world preset's rows on one CPU
# thread (tokens/s; isolated rows 3,377-3,493): 128 slots 5,148, 256 5,098, 512 5,009-5,225,
# 1,024 4,635, 2,048 4,051, 4,096 2,998: bigger groups pad more to their longest episode.
GROUP_SLOTS = 512


def step_batches(rows: list[Tokens], pad_id: int, cfg: WorldConfig) -> list[dict[str, torch.Tensor]]:
    """The batches one optimizer step computes on: the padded rows as one batch, or with
    train.split_episodes their episodes in groups of at most GROUP_SLOTS token slots (an episode
    longer than that alone)."""
    t = cfg.train
    if t.split_episodes:
        return split_batches(rows, pad_id, t.other_weight, GROUP_SLOTS)
    return [_batch(rows, pad_id, t.other_weight, t.isolate_episodes)]


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
    from iclft.config import IclConfig
    from iclft.eval.frame import fit_documents
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


@torch.inference_mode()
def copy_accuracy(model, stream: Stream, n: int = 16) -> float:
    """Next-token accuracy on the repeated half of `n` word-list episodes drawn at seed EVAL_SEED:
    how well the model copies what its context said (an induction head's job), the first skill
    in-context reasoning needs. Chance is near 0; 1 is perfect copying."""
    was_training = model.training
    model.eval()
    right = total = 0
    for i in range(n):
        ep = corpus.episode(EVAL_SEED, i, stream.pool, {"list": 1.0}, 0.3)
        enc = stream.tokenizer(ep.text, add_special_tokens=False, return_offsets_mapping=True)
        ids = torch.tensor([enc["input_ids"]], device=model.device)
        predicted = model(input_ids=ids).logits[0, :-1].argmax(-1)
        (start, end), = ep.answers
        for t, (a, b) in enumerate(enc["offset_mapping"][1:], start=1):
            if start <= a < end:
                right, total = right + int(predicted[t - 1] == ids[0, t]), total + 1
    model.train(was_training)
    return round(right / total, 3)


# ---- checkpoints -------------------------------------------------------------------------------------

def save_checkpoint(folder: Path, model, opt, progress: dict) -> None:
    """Weights and optimizer tensors in safetensors, `progress` (step, tokens, seconds, log) and the
    optimizer's plain settings in JSON: nothing a resume reads can run code. The tensor files are
    named by step and written first; state.json, written atomically last, names them, and only then
    are the previous step's files removed: an interruption at any point leaves a whole checkpoint."""
    from safetensors.torch import save_file, save_model

    ck = folder / "checkpoint"
    ck.mkdir(parents=True, exist_ok=True)
    state = opt.state_dict()
    tensors, slots = {}, {}
    for index, per_param in state["state"].items():
        for name, value in per_param.items():
            key = f"{index}.{name}"
            if torch.is_tensor(value):
                tensors[key] = value.detach().cpu().contiguous()
            else:
                slots[key] = value
    files = {"model": f"model-{progress['step']}.safetensors", "optimizer": f"optimizer-{progress['step']}.safetensors"}
    meta = {**progress, "files": files, "optimizer_param_groups": state["param_groups"], "optimizer_slots": slots}
    for name, write in ((files["model"], lambda t: save_model(model, str(t))),
                        (files["optimizer"], lambda t: save_file(tensors, str(t))),
                        ("state.json", lambda t: t.write_text(json.dumps(meta)))):
        tmp = ck / f"{name}.tmp"
        write(tmp)
        tmp.replace(ck / name)
    for old in ck.glob("*.safetensors"):
        if old.name not in files.values():
            old.unlink()


def load_checkpoint(folder: Path, model, opt) -> dict:
    """Load a checkpoint into `model` and `opt`; returns its progress. A missing or damaged
    checkpoint is one IclftError naming the file."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, load_model

    ck = folder / "checkpoint"
    if not (ck / "state.json").is_file():
        raise IclftError(f"{folder}: no checkpoint to resume from (checkpoint/state.json)")
    try:
        state = json.loads((ck / "state.json").read_text())
        files = state.pop("files")
        load_model(model, str(ck / files["model"]))
        tensors = load_file(str(ck / files["optimizer"]))
        per_param: dict[int, dict] = {}
        for key, value in [*tensors.items(), *state.pop("optimizer_slots").items()]:
            index, name = key.split(".", 1)
            per_param.setdefault(int(index), {})[name] = value
        opt.load_state_dict({"state": per_param, "param_groups": state.pop("optimizer_param_groups")})
        return state
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, SafetensorError) as e:
        raise IclftError(f"{ck}: damaged checkpoint, cannot resume ({type(e).__name__}: {e})") from None


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
global augmentation prompts continued with a world's rephrasings, reversals and inferences, and
warm-ups for looking back (word lists and documents shown twice, as the corpus mix says). The
sentence templates are iclft's datasets' own. Every word of the reserved study datasets
({', '.join(cfg.corpus.reserve_presets)} presets, seeds 0-{cfg.corpus.reserve_seeds - 1}) is excluded from
pretraining, so their facts are new to it.

Tokenizer: byte-level BPE, {facts['vocab_size']} tokens, trained on the first
{cfg.corpus.tokenizer_episodes} episodes; one special token `<|endoftext|>` (BOS, EOS, padding); no chat template.

Training: AdamW (fused), peak learning rate {cfg.train.learning_rate}, warmup {cfg.train.warmup_steps} steps, cosine
decay, float32, seed {cfg.seed}, initial weights std {cfg.model.initializer_range}; answer tokens weighted 1 and the
rest {cfg.train.other_weight}; episodes {'isolated from' if cfg.train.isolate_episodes or cfg.train.split_episodes else 'attending to'} the
episodes packed before them; the first {cfg.corpus.warmup_rows} rows drawn from {cfg.corpus.warmup_mix or 'the mix'},
then from {cfg.corpus.mix}; world sizes capped from {corpus.MIN_SIZE} up to {cfg.corpus.max_size} over the first
{cfg.corpus.curriculum_rows} rows; {facts['seconds'] / 60:.1f} minutes on {facts['device']},
{facts['tokens_per_second']:.0f} tokens/s. Corpus fingerprint (sha256 of the first 200 episodes):
`{facts['corpus_sha256']}`.

Copy accuracy at the end (next-token accuracy on the repeated half of held-out word lists, an
induction head's job): {last.get('copy', 'not measured')}.

Held-out in-context accuracy at the end (datasets at seed {EVAL_SEED}, summed log-likelihood;
`heldout.png` draws it at every evaluation against the corpus tokens seen, and `log.jsonl` lists it):

| dataset/split | accuracy |
|---|---|
{acc}

The full config is in `world.json`; to make it again: `iclft world pretrain CONFIG.yaml` with that
config, or `iclft world pretrain --preset {cfg.name}`.
""")


# ---- training ----------------------------------------------------------------------------------------

@dataclass
class Progress:
    """Where a run stands; saved in every checkpoint."""

    step: int = 0
    tokens: int = 0
    seconds: float = 0.0
    log: list = field(default_factory=list)


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


def prepare_tokenizer(stream: Stream, folder: Path, resume: bool, main: bool):
    """The run's tokenizer: the saved one when resuming, else trained on the first episodes and saved."""
    from transformers import AutoTokenizer

    if resume and (folder / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(folder)
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
    if not resume and t.copy_warmup_steps:  # a resumed run's checkpoint already holds it
        p.log += cached_copy_warmup(model.to(acc.device), cfg, len(tok), acc.device, show and acc.is_main_process)
        if acc.is_main_process:
            with open(folder / "log.jsonl", "a") as f:
                f.writelines(json.dumps(entry) + "\n" for entry in p.log)
    if resume:
        state = load_checkpoint(folder, model, opt)
        p = Progress(state["step"], state["tokens"], state["seconds"], state["log"])
    model, opt = acc.prepare(model, opt)
    model.train()
    heldout = eval_datasets()
    per_step = t.batch_size * acc.num_processes
    bar = tqdm(total=t.steps, initial=p.step, desc=f"world {cfg.name}", unit="step",
               disable=not show or not acc.is_main_process)
    t0, losses = time.perf_counter() - p.seconds, []

    def checkpoint():
        if acc.is_main_process:
            save_checkpoint(folder, acc.unwrap_model(model), opt, asdict(p))

    for step in range(p.step, t.steps):
        first = step * per_step + acc.process_index * t.batch_size
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
            p.log.append(entry)
            losses = []
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
