"""Text generation behind the same string contract as scoring.

    generate(model, prompts, prefix=..., max_new_tokens=..., temperature=..., top_p=..., seed=...,
             stop=..., n_samples=...) -> Generations

Rules, as in `HFModel.loglikelihood`:
- the shared `prefix` (a few-shot header, or a whole corpus) is tokenized on its own and each prompt
  after it. With `use_cache_prefix` its key/value cache is computed once and every row decodes on
  it; `use_cache_prefix=False` recomputes the prefix for every row (the baseline `iclft bench`
  compares with). Both give the same outputs;
- decoding is packed, as scoring is: the rows of a group (one per prompt and sample) sit side by
  side in one sequence after the prefix, a 4D attention mask lets each token see the prefix and its
  own row only, and each step feeds one new token per unfinished row. The prefix cache is held once,
  not copied per row, so a step reads it once whatever the number of rows. After a group the cache
  is cropped back to the prefix. Models with sliding-window layers (whose caches cannot be cropped)
  use transformers' `generate` with a copy of the prefix cache per row instead;
- an empty prefix and prompt would leave nothing to condition on: the prompt must not be empty;
- a sample ends at EOS, at the first `stop` string (cut off, not returned), or after
  `max_new_tokens`; only the last case is `finished=False` (truncated). Leading white space is
  dropped and never matches a stop string, so "\n\n" ends an output, not its first line break;
- samples are reproducible and do not depend on batching: each row draws from its own generator,
  seeded from (seed, prompt, sample index). `temperature=0` is greedy decoding, which does not
  depend on the seed.
"""
from __future__ import annotations

import copy
import hashlib
import time
from dataclasses import dataclass
from typing import Sequence

import torch

from iclft import IclftError

# `model` below is an iclft.models.hf.HFModel, named only in annotations: hf imports this module
# (HFModel.generate), so this one cannot import hf back.


DECODER = "packed-v1"  # the decoding algorithm: part of every cache key that generated text feeds


@dataclass(frozen=True)
class Sample:
    text: str  # the generated text; leading white space, the stop string and EOS removed
    n_tokens: int  # tokens generated (the EOS that ended it included)
    finished: bool  # False when it hit max_new_tokens before EOS or a stop string


@dataclass
class Generations:
    samples: list[list[Sample]]  # per prompt, `n_samples` each
    tokens_read: int = 0  # prompt tokens run through the model (the prefix once when cached)
    tokens_written: int = 0
    seconds: float = 0.0


def sample_seed(seed: int, text: str) -> int:
    """A torch seed from (seed, text), stable across runs and machines."""
    digest = hashlib.sha256(f"{seed}\x00{text}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def _stopping_criteria(tokenizer, n_prompt: int, stop: Sequence[str]):
    """Stops a row once its generated text contains any stop string (decoding the text, so a stop
    string split across tokens is caught too)."""
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopOnText(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs) -> torch.BoolTensor:
            texts = tokenizer.batch_decode(input_ids[:, n_prompt:], skip_special_tokens=True)
            return torch.tensor([any(s in t.lstrip() for s in stop) for t in texts], device=input_ids.device)

    return StoppingCriteriaList([StopOnText()]) if stop else None


def _read_row(tokenizer, new_ids: list[int], eos_ids: set[int], stop: Sequence[str],
              max_new_tokens: int) -> Sample:
    """One generated row as a Sample: cut at EOS (rows that stopped early are padded with it)
    and at the first stop string."""
    n = next((i for i, t in enumerate(new_ids) if t in eos_ids), len(new_ids))
    text = tokenizer.decode(new_ids[:n], skip_special_tokens=True).lstrip()
    cuts = [text.index(s) for s in stop if s in text]
    if cuts:
        return Sample(text[: min(cuts)], n, True)
    ended_by_eos = n < len(new_ids)
    return Sample(text, n + ended_by_eos, ended_by_eos or n < max_new_tokens)


def _generation_config(model: HFModel, max_new_tokens: int, temperature: float, top_p: float):
    """Our own GenerationConfig (a model's shipped defaults, such as a temperature, are ignored),
    and the token ids that mark where a row has ended (EOS, and the padding after it)."""
    from transformers import GenerationConfig

    tok = model.tokenizer
    eos = model.model.generation_config.eos_token_id
    eos = eos if eos is not None else tok.eos_token_id
    if eos is None:
        raise IclftError("the model has no EOS token, so generation could not tell where an output ends")
    eos_ids = eos if isinstance(eos, list) else [eos]
    pad = tok.pad_token_id if tok.pad_token_id is not None else eos_ids[0]
    if temperature > 0:  # top_k=0: no top-k cut, only top_p
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": 0}
    else:
        sampling = {"do_sample": False}
    config = GenerationConfig(max_new_tokens=max_new_tokens, eos_token_id=eos_ids, pad_token_id=pad, **sampling)
    return config, set(eos_ids) | {pad}


def _rows(prefix_ids: list[int], prompts: list[list[int]], n_samples: int, pad_id: int):
    """(ids, attention_mask), both (len(prompts) * n_samples, T): prefix, then padding, then the
    prompt. Padding sits between prefix and prompt so the prefix cache fits every row; position
    ids follow the mask (transformers counts only unmasked tokens), so a row computes as unpadded."""
    width = max(len(p) for p in prompts)
    ids, mask = [], []
    for p in prompts:
        pad = width - len(p)
        ids += [prefix_ids + [pad_id] * pad + p] * n_samples
        mask += [[1] * len(prefix_ids) + [0] * pad + [1] * len(p)] * n_samples
    return torch.tensor(ids), torch.tensor(mask)


@torch.inference_mode()
def generate(model: HFModel, prompts: Sequence[str], prefix: str = "", max_new_tokens: int = 64,
             temperature: float = 0.0, top_p: float = 1.0, seed: int = 0, stop: Sequence[str] = (),
             n_samples: int = 1, use_cache_prefix: bool = True, batch_size: int = 8,
             progress: str | None = None) -> Generations:
    """Continue `prefix + prompt` for each prompt, `n_samples` times each, `batch_size` prompts
    at a time."""
    if max_new_tokens < 1 or n_samples < 1 or batch_size < 1:
        raise IclftError("generation needs max_new_tokens, n_samples and batch_size of at least 1")
    if any(not p for p in prompts):
        raise IclftError("an empty prompt: nothing to generate from")
    config, eos_ids = _generation_config(model, max_new_tokens, temperature, top_p)
    t0 = time.perf_counter()
    # a sequence starts with BOS where the model expects one (HFModel.encode_start), as in scoring
    prefix_ids = model.encode_start(prefix) if prefix else []
    encoded = [model.encode(p) if prefix_ids else model.encode_start(p) for p in prompts]
    longest = len(prefix_ids) + max((len(p) for p in encoded), default=0) + max_new_tokens
    if longest > model.max_length:
        raise IclftError(f"generation needs {longest} tokens (prompt and max_new_tokens={max_new_tokens}); "
                         f"the model's context window is {model.max_length}")
    job = _Job(model, config, eos_ids, tuple(stop), max_new_tokens, temperature, top_p)
    if _has_sliding_layers(model.model):
        out = _generate_with_hf(job, prefix_ids, encoded, prompts, seed, n_samples, use_cache_prefix,
                                batch_size, progress)
    else:
        rows = [(p, sample_seed(seed, f"{text}\x00{k}")) for p, text in zip(encoded, prompts)
                for k in range(n_samples)]
        out = _generate_packed(job, prefix_ids, rows, use_cache_prefix, batch_size * n_samples, progress)
        out.samples = [out.samples[i:i + n_samples] for i in range(0, len(rows), n_samples)]
    out.seconds = time.perf_counter() - t0
    return out


@dataclass(frozen=True)
class _Job:
    """What every generation path needs to know besides the rows."""

    model: HFModel
    config: object  # transformers.GenerationConfig
    eos_ids: set
    stop: tuple
    max_new_tokens: int
    temperature: float
    top_p: float


def _has_sliding_layers(model) -> bool:
    cfg = model.config.get_text_config()
    if "sliding_attention" in (getattr(cfg, "layer_types", None) or []):
        return True
    return getattr(cfg, "sliding_window", None) is not None and getattr(cfg, "use_sliding_window", True)


def _next_token(logits: torch.Tensor, job: _Job, gen: torch.Generator) -> int:
    """Greedy, or a draw from the temperature-scaled distribution cut to its top-p nucleus."""
    if job.temperature <= 0:
        return int(logits.argmax())
    probs = torch.softmax(logits.float() / job.temperature, dim=-1)
    if job.top_p < 1.0:
        sorted_p, order = probs.sort(descending=True)
        outside = sorted_p.cumsum(0) - sorted_p > job.top_p  # tokens after the nucleus is full
        sorted_p[outside] = 0.0
        probs = torch.zeros_like(probs).scatter_(0, order, sorted_p)
    return int(torch.multinomial(probs, 1, generator=gen))


class _Row:
    """One row being decoded: its cache positions, its generated tokens, its generator."""

    def __init__(self, prompt: list[int], seed: int, start: int):
        self.prompt, self.new = prompt, []
        self.gen = torch.Generator().manual_seed(seed)
        self.slots = list(range(start, start + len(prompt)))  # where its tokens sit in the cache
        self.done = False

    def take(self, token: int, job: _Job, tokenizer) -> None:
        self.new.append(token)
        if token in job.eos_ids or len(self.new) >= job.max_new_tokens:
            self.done = True
        elif job.stop:
            text = tokenizer.decode(self.new, skip_special_tokens=True).lstrip()
            self.done = any(s in text for s in job.stop)


def _generate_packed(job: _Job, prefix_ids: list[int], rows: list[tuple[list[int], int]],
                     use_cache_prefix: bool, group_size: int, progress: str | None) -> Generations:
    """Rows decoded side by side on one prefix cache (or, without it, each on its own prefix)."""
    from tqdm.auto import tqdm

    hf, out = job.model, Generations(samples=[])
    cache, P = None, 0
    if prefix_ids and use_cache_prefix:
        first = hf.model(input_ids=torch.tensor([prefix_ids], device=hf.device), use_cache=True, logits_to_keep=1)
        cache, P = first.past_key_values, len(prefix_ids)
        out.tokens_read += P
    elif prefix_ids:  # the baseline: every row reads the whole prefix itself
        rows, group_size = [(prefix_ids + p, s) for p, s in rows], 1
    groups = [rows[i:i + group_size] for i in range(0, len(rows), group_size)]
    for group in tqdm(groups, desc=progress, disable=progress is None, leave=False, unit="batch"):
        group_cache = cache if cache is not None else _empty_cache(hf.model)
        out.tokens_read += sum(len(p) for p, _ in group)
        done = _decode_group(job, group_cache, P, group)
        if cache is not None:
            cache.crop(P - cache.get_seq_length())  # drop the group, keep the prefix
        for row in done:
            sample = _read_row(hf.tokenizer, row.new, job.eos_ids, job.stop, job.max_new_tokens)
            out.tokens_written += sample.n_tokens
            out.samples.append(sample)
    return out


def _empty_cache(model):
    from transformers import DynamicCache

    return DynamicCache(config=model.config)


def _decode_group(job: _Job, cache, P: int, group: list[tuple[list[int], int]]) -> list[_Row]:
    """Decode a group of rows on `cache` (holding P prefix tokens); each step feeds one token per
    unfinished row, with a mask that lets it see the prefix and its own row's earlier tokens."""
    hf, dev = job.model, job.model.device
    rows, used = [], P
    for prompt, seed in group:
        rows.append(_Row(prompt, seed, used))
        used += len(prompt)
    feed = [(r, t, k) for r in rows for k, t in enumerate(r.prompt)]  # (row, token, its index in the row)
    live = rows
    while live:
        before = cache.get_seq_length()
        total = before + len(feed)
        allowed = torch.zeros(len(feed), total, dtype=torch.bool)
        allowed[:, :P] = True
        for i, (r, _, k) in enumerate(feed):
            allowed[i, r.slots[:k + 1]] = True
        mask = torch.zeros(len(feed), total, dtype=hf.model.dtype)
        mask.masked_fill_(~allowed, torch.finfo(hf.model.dtype).min)
        ends, seen = [], set()  # each live row's last fed token: where its next token is predicted
        for i in range(len(feed) - 1, -1, -1):
            if id(feed[i][0]) not in seen:
                seen.add(id(feed[i][0]))
                ends.append(i)
        ends.reverse()
        logits = hf.model(input_ids=torch.tensor([[t for _, t, _ in feed]], device=dev),
                          position_ids=torch.tensor([[P + k for _, _, k in feed]], device=dev),
                          attention_mask=mask[None, None].to(dev), past_key_values=cache, use_cache=True,
                          logits_to_keep=torch.tensor(ends, device=dev)).logits[0]  # (len(ends), V)
        for j, i in enumerate(ends):
            r = feed[i][0]
            r.take(_next_token(logits[j], job, r.gen), job, hf.tokenizer)
        live = [r for r in rows if not r.done]
        feed = []
        for slot, r in enumerate(live, start=total):
            r.slots.append(slot)
            feed.append((r, r.new[-1], len(r.prompt) + len(r.new) - 1))
    return rows


def _generate_with_hf(job: _Job, prefix_ids, encoded, prompts, seed, n_samples, use_cache_prefix,
                      batch_size, progress) -> Generations:
    """transformers' `generate`, a copy of the prefix cache per row (for sliding-window models)."""
    from tqdm.auto import tqdm

    model, config = job.model, job.config
    longest = len(prefix_ids) + max((len(p) for p in encoded), default=0) + job.max_new_tokens
    out = Generations(samples=[])
    cache = None
    if prefix_ids and use_cache_prefix:
        cache = model.model(input_ids=torch.tensor([prefix_ids], device=model.device), use_cache=True).past_key_values
        out.tokens_read += len(prefix_ids)
        # copies of the prefix cache for one batch: keep them within about 2 GB
        per_row = model._kv_bytes_per_token() * longest
        batch_size = max(1, min(batch_size, int(2e9 // max(per_row * n_samples, 1))))
    starts = range(0, len(prompts), batch_size)
    for i in tqdm(starts, desc=progress, disable=progress is None, leave=False, unit="batch"):
        batch = encoded[i:i + batch_size]
        ids, mask = _rows(prefix_ids, batch, n_samples, config.pad_token_id)  # (B * n_samples, T)
        kwargs = {}
        if cache is not None:
            past = copy.deepcopy(cache)  # generate appends to the cache it is given
            past.batch_repeat_interleave(ids.shape[0])
            kwargs["past_key_values"] = past
        out.tokens_read += sum(len(p) for p in batch) * n_samples + (0 if cache is not None else
                                                                     len(prefix_ids) * ids.shape[0])
        torch.manual_seed(sample_seed(seed, "\x00".join(prompts[i:i + batch_size])))
        gen = model.model.generate(input_ids=ids.to(model.device), attention_mask=mask.to(model.device),
                                   generation_config=config, **kwargs,
                                   stopping_criteria=_stopping_criteria(model.tokenizer, ids.shape[1], job.stop))
        new = gen[:, ids.shape[1]:].tolist()  # (B * n_samples, new)
        samples = [_read_row(model.tokenizer, row, job.eos_ids, job.stop, job.max_new_tokens) for row in new]
        out.tokens_written += sum(s.n_tokens for s in samples)
        out.samples += [samples[k:k + n_samples] for k in range(0, len(samples), n_samples)]
    return out
