"""`finetune_aug_global`: finetuning on the training documents plus, for every document, a short
reasoning trace a model writes with the whole corpus in context: inferences linking the document
to the rest of the corpus (paper section 3).

The corpus prefix's key/value cache is computed once and shared by every document; a corpus that
does not fit the window is subsampled with a logged seed. See `iclft.augment.pipeline`.
"""
from __future__ import annotations

from iclft.augment.pipeline import augment_global
from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_with_augmentation


def run(model, dataset, cfg) -> ConditionResult:
    return train_with_augmentation(model, dataset, cfg, augment_global(model, dataset, cfg), "finetune_aug_global")
