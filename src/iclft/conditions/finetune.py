"""`finetune`: finetuning (full or LoRA) on the plain training documents, then the test items
asked in the same frame as in `icl`, without the documents (iclft.eval.frame).

`train_and_score` is the shared step of every finetuning condition: the model being studied is
copied first, so the other conditions keep the pretrained weights.
"""
from __future__ import annotations

import json
import time
from typing import Sequence

from iclft.conditions import ConditionResult
from iclft.eval.frame import frame_of, question_context
from iclft.eval.multiple_choice import score_items
from iclft.models.hf import HFModel
from iclft.models.train import TrainItem, finetune


def curve_point(records: list[dict], stats) -> dict:
    """One point of a learning curve: steps and tokens so far, accuracy per split and scoring
    ([any valid, strict])."""
    splits: dict[str, dict] = {}
    for split in dict.fromkeys(r["split"] for r in records):
        rs = [r for r in records if r["split"] == split]
        splits[split] = {s: [round(sum(r["correct"][s] for r in rs) / len(rs), 4),
                             round(sum(r["strict"][s] for r in rs) / len(rs), 4)] for s in rs[0]["correct"]}
    return {"step": stats.steps, "tokens": stats.tokens, "splits": splits}


def train_and_score(model: HFModel, dataset, examples: Sequence[TrainItem], cfg, condition: str,
                    cost: dict | None = None, notes: Sequence[str] = (),
                    files: dict[str, str] | None = None) -> ConditionResult:
    """Finetune a copy of `model` on `examples` and score the test items; `cost` adds to the
    training and scoring cost (e.g. what augmentation spent). With `finetune.eval_every`, the test
    items are also scored before training, every N steps and after the last step: the learning
    curve, saved as curves/DATASET__CONDITION.json."""
    tuned = model.finetuned_copy()
    ctx = question_context(tuned, cfg.icl, cfg.scoring.frame)
    curve: list[dict] = []

    def on_eval(stats) -> None:
        curve.append(curve_point(score_items(tuned, dataset.test, ctx, cfg.scoring.batch_size), stats))

    stats = finetune(tuned, examples, cfg.finetune, cfg.seed, progress=f"{dataset.name} {condition}: training",
                     on_eval=on_eval if cfg.finetune.eval_every else None)
    t0 = time.perf_counter()
    records = score_items(tuned, dataset.test, ctx, cfg.scoring.batch_size,
                          progress=f"{dataset.name} {condition}: scoring")
    files = dict(files or {})
    if curve:
        files[f"curves/{dataset.name}__{condition}.json"] = json.dumps(curve, indent=1) + "\n"
    cost = {**(cost or {}), "train_method": cfg.finetune.method, "train_examples": len(examples),
            "trainable_parameters": stats.trainable_parameters, "train_seconds": stats.seconds,
            "train_tokens": stats.tokens, "train_loss_tokens": stats.loss_tokens, "train_steps": stats.steps,
            "train_tokens_per_second": stats.tokens_per_second, "epoch_loss": stats.epoch_loss,
            "eval_seconds": time.perf_counter() - t0, "question_frame": frame_of(tuned, cfg, with_docs=False)}
    if curve:
        cost["curve_eval_seconds"] = stats.eval_seconds
    del tuned
    return ConditionResult(records, cost=cost, notes=list(notes), files=files)


def train_with_augmentation(model: HFModel, dataset, cfg, aug, condition: str) -> ConditionResult:
    """Finetune on the training documents plus a model's augmentations (`aug`, an
    iclft.augment.pipeline result); its records are saved beside the run as augment/DATASET__CONDITION.jsonl."""
    from iclft.augment.store import records_jsonl

    files = {f"augment/{dataset.name}__{condition}.jsonl": records_jsonl(aug.records)}
    return train_and_score(model, dataset, [d.text for d in dataset.train] + aug.texts, cfg, condition,
                           cost=aug.cost, notes=aug.notes, files=files)


def run(model: HFModel, dataset, cfg) -> ConditionResult:
    return train_and_score(model, dataset, [d.text for d in dataset.train], cfg, "finetune")
