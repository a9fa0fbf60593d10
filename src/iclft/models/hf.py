"""A causal language model on Hugging Face transformers, behind a contract written in strings.

    loglikelihood(requests, prefix="")  -> one ContinuationScore per (context, continuation)
    generate(prompts, ...)              -> text

Tokenization rules (done once, in `encode_pair`):
- the continuation is scored given the context; a trailing space of the context moves to the front
  of the continuation, as in lm-evaluation-harness, so " glon" is one word-initial token;
- a shared `prefix` (for example the whole training corpus in context) is tokenized on its own and
  its key/value cache computed once; every request's context is tokenized after it. Plain scoring
  of the same token ids (`use_cache_prefix=False`) gives the same numbers up to float error;
- a sequence starts with the BOS token when the tokenizer adds one by default (Gemma, Llama 3);
  otherwise an empty context with no prefix is replaced by BOS (or EOS when there is none), so the
  first continuation token is still predicted from something.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Sequence

import torch
from safetensors import SafetensorError

from iclft import IclftError
from iclft.models import generation
from iclft.models.registry import ModelSource, model_identity, resolve

log = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class ContinuationScore:
    logprob: float  # sum over continuation tokens of log p(token | everything before it)
    n_tokens: int
    n_bytes: int


def pick_device(device: str = "auto") -> torch.device:
    """`device` as a torch device; one this machine lacks is an error before any work."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise IclftError(f"unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda" and (not torch.cuda.is_available() or (dev.index or 0) >= torch.cuda.device_count()):
        have = f"{torch.cuda.device_count()} CUDA device(s)" if torch.cuda.is_available() else "no CUDA device"
        raise IclftError(f"device {device!r}: this machine has {have} (torch {torch.__version__}); "
                         f"use auto or cpu")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise IclftError(f"device {device!r}: MPS is not available on this machine; use auto or cpu")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise IclftError(f"device {device!r}: iclft runs on cpu, cuda or mps")
    return dev


def pick_dtype(dtype: str, device: torch.device) -> torch.dtype:
    if dtype == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    if dtype not in DTYPES:
        raise IclftError(f"unknown dtype {dtype!r}; use auto, {', '.join(DTYPES)}")
    return DTYPES[dtype]


def tokenizer_adds_bos(tok) -> bool:
    """Whether a Hugging Face tokenizer starts a text with BOS by default: such models expect it."""
    if tok.bos_token_id is None:
        return False
    ids = tok("a")["input_ids"]
    return bool(ids) and ids[0] == tok.bos_token_id


def planned_identity(name: str, dtype: str = "auto", device: str = "auto", trust_remote_code: bool = False,
                     model: "HFModel | None" = None) -> tuple[dict, str]:
    """(HFModel.identity(), the source's note) of the weights `name` names, as `load` would place
    them, without loading them (a study keys its cells before it knows whether any must be
    computed); from `model` where it is loaded already. Keyed by `name` as the config gives it."""
    if model is not None:
        source, dev, dt = model.source, model.device, model.model.dtype
    else:
        source, dev = resolve(name), pick_device(device)  # resolve may hash a whole GGUF file: once
        dt = pick_dtype(dtype, dev)
    return model_identity(name, source, dev.type, str(dt), trust_remote_code), source.note


class HFModel:
    """A loaded model and tokenizer. Build one with `HFModel.load(name)`."""

    can_finetune = True

    def __init__(self, model, tokenizer, source: ModelSource, name: str = "", trust_remote_code: bool = False):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.source = source
        self.name = name or source.label  # as the config names it: part of the cache key
        self.trust_remote_code = trust_remote_code

    def finetuned_copy(self) -> "HFModel":
        """A copy with weights of its own, to train while this one stays as loaded: what every
        finetuning condition trains (a served model has none: `can_finetune` is False)."""
        return HFModel(copy.deepcopy(self.model), self.tokenizer, self.source, self.name, self.trust_remote_code)

    def generate(self, prompts: Sequence[str], prefix: str = "", **kwargs) -> generation.Generations:
        """Continuations of prefix + prompt (iclft.models.generation.generate: sampling, stop
        strings, the shared prefix computed once)."""
        return generation.generate(self, prompts, prefix, **kwargs)

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, name: str, dtype: str = "auto", device: str = "auto",
             trust_remote_code: bool = False) -> "HFModel":
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        source = resolve(name)
        dev = pick_device(device)
        kwargs = {"gguf_file": source.gguf_file} if source.gguf_file else {}
        hf_logging.set_verbosity_error()
        try:
            tokenizer = AutoTokenizer.from_pretrained(source.path, trust_remote_code=trust_remote_code, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(
                source.path, dtype=pick_dtype(dtype, dev), trust_remote_code=trust_remote_code, **kwargs)
        except (OSError, ValueError, SafetensorError) as e:  # missing, damaged or truncated files
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise IclftError(f"could not load model {name!r}: {first}") from None
        return cls(model.to(dev), tokenizer, source, name, trust_remote_code)

    def identity(self) -> dict:
        """The model as found on disk, with device and dtype: what a cache key needs."""
        return model_identity(self.name, self.source, self.device.type, str(self.model.dtype),
                              self.trust_remote_code)

    def facts(self) -> dict:
        """What a summary reports about the model."""
        return {"label": self.source.label, "dtype": str(self.model.dtype), "device": str(self.device),
                "context_window": self.max_length}

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def max_length(self) -> int:
        """The context window in tokens."""
        n = getattr(self.model.config, "max_position_embeddings", None)
        return int(n) if n else int(min(self.tokenizer.model_max_length, 2048))

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def chat_prompt(self, user_text: str) -> str:
        """The text before the assistant's reply to one user message, under the chat template."""
        return self.tokenizer.apply_chat_template(
            [{"role": "user", "content": user_text}], tokenize=False, add_generation_prompt=True)

    # ----------------------------------------------------------- tokenization
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(self.encode(t)) for t in texts]

    def encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"] if text else []

    @property
    def adds_bos(self) -> bool:
        """Whether the tokenizer starts a text with BOS by default: such models expect it."""
        return tokenizer_adds_bos(self.tokenizer)

    def encode_start(self, text: str) -> list[int]:
        """Token ids of a text that starts a sequence: with BOS where the model expects one."""
        ids = self.encode(text)
        if self.adds_bos and ids[:1] != [self.tokenizer.bos_token_id]:
            ids = [self.tokenizer.bos_token_id] + ids
        return ids

    def _start_id(self) -> int:
        tok = self.tokenizer
        start = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        if start is None:
            raise IclftError("the tokenizer has neither a BOS nor an EOS token to score an empty context")
        return start

    def encode_pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        """Token ids of (context, continuation), with the boundary handled as lm-eval does."""
        n_space = len(context) - len(context.rstrip())
        if n_space:
            continuation = context[-n_space:] + continuation
            context = context[:-n_space]
        ctx = self.encode(context)
        whole = self.encode(context + continuation)
        if whole[: len(ctx)] == ctx and len(whole) > len(ctx):
            return ctx, whole[len(ctx):]
        return ctx, self.encode(continuation)  # the boundary merged into one token: score it apart

    # ---------------------------------------------------------------- scoring
    def loglikelihood(self, requests: Sequence[tuple[str, str]], prefix: str = "",
                      batch_size: int = 16, use_cache_prefix: bool = True,
                      progress: str | None = None) -> list[ContinuationScore]:
        """Score each continuation given `prefix + context`; the prefix is encoded separately.

        With `use_cache_prefix` the prefix's key/value cache is computed once and shared by every
        request; otherwise each request recomputes it (the per-request baseline of `iclft bench`).
        """
        prefix_ids = self.encode_start(prefix) if prefix else []
        pairs = [self.encode_pair(c, x) for c, x in requests]
        for (ctx, cont), (_, text) in zip(pairs, requests):
            if not cont:
                raise IclftError(f"empty continuation {text!r}: nothing to score")
        if not prefix_ids:
            start = [self.tokenizer.bos_token_id] if self.adds_bos else []
            pairs = [((start + ctx) or [self._start_id()], cont) for ctx, cont in pairs]
        longest = len(prefix_ids) + max((len(c) + len(x) for c, x in pairs), default=0)
        if longest > self.max_length:
            raise IclftError(f"a scoring request needs {longest} tokens; the model's context window is "
                             f"{self.max_length}")
        if prefix_ids and use_cache_prefix:
            logprobs = self._score_on_prefix(prefix_ids, pairs, batch_size, progress)
        else:
            seqs = [(prefix_ids + ctx, cont) for ctx, cont in pairs]
            logprobs = self._score_plain(seqs, batch_size, progress)
        return [ContinuationScore(lp, len(cont), len(text.encode("utf-8")))
                for lp, (_, cont), (_, text) in zip(logprobs, pairs, requests)]

    def _batches(self, n: int, lengths: list[int], batch_size: int, progress: str | None):
        """Indices in batches of similar length (longest first), so padding wastes little."""
        from tqdm.auto import tqdm

        order = sorted(range(n), key=lambda i: -lengths[i])
        chunks = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        return tqdm(chunks, desc=progress, disable=progress is None, leave=False, unit="batch")

    @torch.inference_mode()
    def _score_plain(self, seqs: list[tuple[list[int], list[int]]], batch_size: int,
                     progress: str | None) -> list[float]:
        out = [0.0] * len(seqs)
        lengths = [len(c) + len(x) for c, x in seqs]
        for idx in self._batches(len(seqs), lengths, batch_size, progress):
            rows = [seqs[i][0] + seqs[i][1] for i in idx]
            ids, mask = self._pad(rows)
            logits = self.model(input_ids=ids, attention_mask=mask).logits  # (B, T, V)
            for b, i in enumerate(idx):
                ctx, cont = seqs[i]
                # the token at position t is predicted by the logits at t-1
                pred = logits[b, len(ctx) - 1: len(ctx) + len(cont) - 1]  # (n_cont, V)
                out[i] = self._sum_logprob(pred, cont)
        return out

    @torch.inference_mode()
    def _score_on_prefix(self, prefix_ids: list[int], pairs: list[tuple[list[int], list[int]]],
                         batch_size: int, progress: str | None) -> list[float]:
        """Score every request on one key/value cache of the prefix, computed once.

        Requests are packed side by side into one row after the prefix; a 4D attention mask lets
        each request see the whole prefix and its own earlier tokens only, and position ids restart
        at len(prefix) for each request. After each pack the cache is cropped back to the prefix.
        Models with sliding-window layers (whose caches cannot be cropped) get a copy of the cache
        per request instead.
        """
        P = len(prefix_ids)
        prefix = torch.tensor([prefix_ids], device=self.device)
        first = self.model(input_ids=prefix, use_cache=True, logits_to_keep=1)
        cache, last_logits = first.past_key_values, first.logits[0, -1]  # last_logits: (V,)
        if any(getattr(cache, "is_sliding", None) or []):
            return self._score_on_copied_prefix(P, cache, last_logits, pairs, batch_size, progress)
        out = [0.0] * len(pairs)
        lengths = [len(c) + len(x) for c, x in pairs]
        for pack in self._packs(lengths, self.pack_tokens, progress):
            rows = [pairs[i][0] + pairs[i][1] for i in pack]
            S = sum(len(r) for r in rows)
            ids = torch.tensor([[t for r in rows for t in r]], device=self.device)  # (1, S)
            positions = torch.tensor([[P + k for r in rows for k in range(len(r))]], device=self.device)
            allowed = torch.zeros(S, P + S, dtype=torch.bool, device=self.device)
            allowed[:, :P] = True
            o = 0
            for r in rows:  # block-diagonal causal attention among the packed requests
                allowed[o:o + len(r), P + o:P + o + len(r)] = torch.tril(
                    torch.ones(len(r), len(r), dtype=torch.bool, device=self.device))
                o += len(r)
            mask = torch.zeros(S, P + S, dtype=self.model.dtype, device=self.device)
            mask.masked_fill_(~allowed, torch.finfo(self.model.dtype).min)
            logits = self.model(input_ids=ids, attention_mask=mask[None, None], position_ids=positions,
                                past_key_values=cache, use_cache=True).logits[0]  # (S, V)
            cache.crop(-S)  # drop the pack, keep the prefix
            o = 0
            for i, r in zip(pack, rows):
                ctx, cont = pairs[i]
                # entry 0 is the prediction made at the prefix's last token
                row = torch.cat([last_logits[None], logits[o:o + len(r)]], dim=0)  # (len(r) + 1, V)
                out[i] = self._sum_logprob(row[len(ctx): len(ctx) + len(cont)], cont)
                o += len(r)
        return out

    pack_tokens = 1024  # tokens of requests scored together on the shared prefix

    def _packs(self, lengths: list[int], budget: int, progress: str | None):
        """Consecutive groups of request indices whose lengths add up to at most `budget`."""
        from tqdm.auto import tqdm

        packs, cur, used = [], [], 0
        for i, n in enumerate(lengths):
            if cur and used + n > budget:
                packs.append(cur)
                cur, used = [], 0
            cur.append(i)
            used += n
        if cur:
            packs.append(cur)
        return tqdm(packs, desc=progress, disable=progress is None, leave=False, unit="pack")

    def _score_on_copied_prefix(self, P, cache, last_logits, pairs, batch_size, progress) -> list[float]:
        # A copy of the cache per row: keep a batch's copies within about 2 GB.
        per_row = self._kv_bytes_per_token() * (P + max(len(c) + len(x) for c, x in pairs))
        batch_size = max(1, min(batch_size, int(2e9 // max(per_row, 1))))
        out = [0.0] * len(pairs)
        lengths = [len(c) + len(x) for c, x in pairs]
        for idx in self._batches(len(pairs), lengths, batch_size, progress):
            rows = [pairs[i][0] + pairs[i][1] for i in idx]
            ids, mask = self._pad(rows)
            B, S = ids.shape
            batch_cache = copy.deepcopy(cache)
            batch_cache.batch_repeat_interleave(B)
            full_mask = torch.cat([torch.ones(B, P, dtype=mask.dtype, device=self.device), mask], dim=1)
            positions = torch.arange(P, P + S, device=self.device).expand(B, S)
            logits = self.model(input_ids=ids, attention_mask=full_mask, position_ids=positions,
                                past_key_values=batch_cache, use_cache=True).logits  # (B, S, V)
            for b, i in enumerate(idx):
                ctx, cont = pairs[i]
                row = torch.cat([last_logits[None], logits[b]], dim=0)  # (S + 1, V)
                out[i] = self._sum_logprob(row[len(ctx): len(ctx) + len(cont)], cont)
        return out

    def _kv_bytes_per_token(self) -> int:
        cfg = self.model.config.get_text_config()
        heads = getattr(cfg, "num_key_value_heads", None) or cfg.num_attention_heads
        head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
        itemsize = torch.finfo(self.model.dtype).bits // 8
        return 2 * cfg.num_hidden_layers * heads * head_dim * itemsize

    def _pad(self, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-pad rows into (ids, attention_mask), both (B, T)."""
        T = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        ids = torch.full((len(rows), T), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), T), dtype=torch.long)
        for b, r in enumerate(rows):
            ids[b, : len(r)] = torch.tensor(r)
            mask[b, : len(r)] = 1
        return ids.to(self.device), mask.to(self.device)

    @staticmethod
    def _sum_logprob(pred_logits: torch.Tensor, targets: list[int]) -> float:
        logprobs = torch.log_softmax(pred_logits.float(), dim=-1)  # (n, V)
        tgt = torch.tensor(targets, device=pred_logits.device)
        return float(logprobs.gather(1, tgt[:, None]).sum())
