"""`finetune_aug_local`: finetuning on the training documents plus, for every distinct training
sentence, the rephrasings and reversals a model writes from a few-shot prompt (paper section 3).

The writer is the model being studied unless `augment.teacher` names another; see
`iclft.augment.pipeline` for the prompt, the filter, the cache and what the cost records.
"""
from __future__ import annotations

from iclft.augment.pipeline import augment_local
from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_with_augmentation


def run(model, dataset, cfg) -> ConditionResult:
    return train_with_augmentation(model, dataset, cfg, augment_local(model, dataset, cfg), "finetune_aug_local")
