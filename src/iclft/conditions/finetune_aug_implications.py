"""`finetune_aug_implications` (beyond Lampinen et al.): finetuning on the training documents plus,
for every document, the statements a model writes as following from it, one a line (the
implications protocol of System-2 finetuning, Park et al. 2025, arXiv 2505.01812).

See `iclft.augment.pipeline` for the prompt, the filter (augment.filter: consistency included), the
cache and what the cost records.
"""
from __future__ import annotations

from iclft.augment.pipeline import augment
from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_with_augmentation


def run(model, dataset, cfg) -> ConditionResult:
    return train_with_augmentation(model, dataset, cfg, augment(model, dataset, cfg, "implications"),
                                   "finetune_aug_implications")
