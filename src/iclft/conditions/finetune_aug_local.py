"""`finetune_aug_local`: finetuning on the training documents plus, for every distinct training
sentence, the rephrasings and reversals a model writes from a few-shot prompt (paper section 3).

The writer is the model being studied unless `augment.teacher` names another; see
`iclft.augment.pipeline` for the prompt, the filter, the cache and what the cost records.
"""
from __future__ import annotations

from iclft.augment.pipeline import augment_local
from iclft.augment.store import records_jsonl
from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_and_score


def run(model, dataset, cfg) -> ConditionResult:
    aug = augment_local(model, dataset, cfg)
    examples = [d.text for d in dataset.train] + aug.texts
    files = {f"augment/{dataset.name}__finetune_aug_local.jsonl": records_jsonl(aug.records)}
    return train_and_score(model, dataset, examples, cfg, "finetune_aug_local", cost=aug.cost,
                           notes=aug.notes, files=files)
