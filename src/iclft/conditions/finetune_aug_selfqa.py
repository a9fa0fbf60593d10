"""`finetune_aug_selfqa` (beyond Lampinen et al.): finetuning on the training documents plus, for
every document, the question-answer pairs a model writes about it from a few-shot prompt (the
Self-QA protocol of System-2 finetuning, Park et al. 2025, arXiv 2505.01812), each pair trained on
as "Q: question A: answer".

See `iclft.augment.pipeline` for the prompt, the filter (augment.filter: consistency included), the
cache and what the cost records.
"""
from __future__ import annotations

from iclft.augment.pipeline import augment
from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_with_augmentation


def run(model, dataset, cfg) -> ConditionResult:
    return train_with_augmentation(model, dataset, cfg, augment(model, dataset, cfg, "selfqa"), "finetune_aug_selfqa")
