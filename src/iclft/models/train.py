"""Finetuning of a causal LM, full or LoRA, run under Hugging Face `accelerate`.

An example is either a plain text (the loss covers every token, and the EOS that ends it) or a
`Example(context, target)` pair: the loss covers the target only, its context tokens get label
-100. Padding is always masked. Batches group examples of similar length so padding wastes little
compute, and their order is reshuffled each epoch from a seeded local RNG.

Launched as several processes (`accelerate launch`, torchrun), training is data parallel: every
process builds the same batches, the prepared data loader gives process k batches k, k+n, ...
(the last round is completed with the first batches so every process steps together), gradients
are averaged, and every process ends with the same weights and reports the statistics of all.

With `ft.method == "lora"` the model is wrapped by peft (`LoraConfig` from `ft.lora_*`), only the
adapter weights train, and the adapters are merged into the weights afterwards, so the result
scores like any plain model.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence, Union

import torch

from iclft.models.hf import HFModel


class Example(NamedTuple):
    """A training example whose loss covers `target` only; `context` is what it is conditioned on.
    Tokenized as scoring tokenizes a (context, continuation) pair (`HFModel.encode_pair`)."""

    context: str
    target: str


TrainItem = Union[str, Example]


@dataclass
class TrainStats:
    steps: int = 0
    tokens: int = 0  # non-padding tokens seen, summed over epochs
    padded_tokens: int = 0  # tokens computed, padding included
    loss_tokens: int = 0  # tokens the loss covered (targets only, for Example items)
    trainable_parameters: int = 0
    seconds: float = 0.0
    epoch_loss: list[float] = field(default_factory=list)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def length_bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of indices with similar lengths, in random order; ties broken at random."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def encode_example(hf: HFModel, item: TrainItem, eos: list[int]) -> tuple[list[int], list[int]]:
    """(token ids, labels) of one example; labels are -100 where the loss does not look. An example
    starts with BOS where the model expects one, as scoring does (`HFModel.encode_start`)."""
    if isinstance(item, Example) and item.context:
        ctx, tgt = hf.encode_pair(item.context, item.target)
        ctx = ([hf.tokenizer.bos_token_id] if hf.adds_bos else []) + ctx
        return ctx + tgt + eos, [-100] * len(ctx) + tgt + eos
    ids = hf.encode_start(item.target if isinstance(item, Example) else item) + eos
    return ids, list(ids)


def _collate(rows: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    T = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), T), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), T), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.long)
    for b, (r, lab) in enumerate(rows):
        ids[b, : len(r)] = torch.tensor(r)
        labels[b, : len(r)] = torch.tensor(lab)
        mask[b, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _with_lora(model, ft):
    """The model wrapped with LoRA adapters; only the adapters require gradients."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=ft.lora_rank, lora_alpha=ft.lora_alpha, lora_dropout=ft.lora_dropout,
                        target_modules=list(ft.lora_target_modules), task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def _mean_over_processes(acc, values: list[float]) -> float:
    if acc.num_processes == 1:
        return sum(values) / len(values)
    total = acc.reduce(torch.tensor([sum(values), len(values)], dtype=torch.float64, device=acc.device), "sum")
    return float(total[0] / total[1])


def _sum_over_processes(acc, stats: TrainStats) -> None:
    """Token counts of every process (steps are counted once: the processes step together)."""
    if acc.num_processes > 1:
        counts = torch.tensor([stats.tokens, stats.padded_tokens, stats.loss_tokens], dtype=torch.float64,
                              device=acc.device)
        stats.tokens, stats.padded_tokens, stats.loss_tokens = (int(c) for c in acc.reduce(counts, "sum").tolist())


def finetune(hf: HFModel, examples: Sequence[TrainItem], ft, seed: int, progress: str | None = None) -> TrainStats:
    """Train `hf.model` in place on `examples` with AdamW and a linear warmup/decay schedule."""
    from accelerate import Accelerator
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    tok = hf.tokenizer
    eos = [tok.eos_token_id] if ft.add_eos and tok.eos_token_id is not None else []
    rows = [encode_example(hf, item, eos) for item in examples]
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
    torch.manual_seed(seed)  # LoRA's adapter initialisation draws from the global RNG
    acc = Accelerator(cpu=hf.device.type == "cpu")
    model = _with_lora(hf.model, ft) if ft.method == "lora" else hf.model
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    # The fused kernel makes the optimizer step about 4x cheaper on a CPU (measured: 0.09 s vs 0.41 s
    # per step for 135M parameters); short documents make that step a large share of the time.
    opt = torch.optim.AdamW(params, lr=ft.learning_rate, weight_decay=ft.weight_decay,
                            fused=hf.device.type in ("cpu", "cuda"))
    steps_per_epoch = -(-len(rows) // ft.batch_size)
    total = ft.epochs * steps_per_epoch
    sched = get_linear_schedule_with_warmup(opt, int(ft.warmup_ratio * total), total)
    model, opt, sched = acc.prepare(model, opt, sched)
    stats = TrainStats(trainable_parameters=sum(p.numel() for p in params))
    bar = tqdm(total=total, desc=progress, disable=progress is None or not acc.is_local_main_process, unit="step")
    t0 = time.perf_counter()
    for epoch in range(ft.epochs):
        rng = random.Random(f"finetune:{seed}:{epoch}")
        batches = length_bucketed_batches([len(ids) for ids, _ in rows], ft.batch_size, rng)
        loader = acc.prepare(DataLoader(rows, batch_sampler=batches, collate_fn=lambda b: _collate(b, pad_id)))
        losses = []
        for batch in loader:
            loss = model(**batch).loss
            acc.backward(loss)
            acc.clip_grad_norm_(params, ft.max_grad_norm)
            opt.step()
            sched.step()
            opt.zero_grad()
            losses.append(float(loss.detach()))
            stats.steps += 1
            stats.tokens += int(batch["attention_mask"].sum())
            stats.padded_tokens += batch["input_ids"].numel()
            stats.loss_tokens += int((batch["labels"] != -100).sum())
            bar.set_postfix(loss=f"{losses[-1]:.3f}", epoch=epoch + 1)
            bar.update()
        stats.epoch_loss.append(_mean_over_processes(acc, losses))
    bar.close()
    _sum_over_processes(acc, stats)
    stats.seconds = time.perf_counter() - t0
    model = acc.unwrap_model(model)
    hf.model = (model.merge_and_unload() if ft.method == "lora" else model).eval()
    return stats
