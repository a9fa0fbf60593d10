"""`finetune_aug_global`: finetuning on the training documents plus, for every document, a short
reasoning trace a model writes with the whole corpus in context: inferences linking the document
to the rest of the corpus (paper section 3).

The corpus prefix's key/value cache is computed once and shared by every document; a corpus that
does not fit the window is subsampled with a logged seed. See `iclft.augment.pipeline`.
"""
from __future__ import annotations

from iclft.augment.pipeline import augment_global
from iclft.augment.store import records_jsonl
from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_and_score


def run(model, dataset, cfg) -> ConditionResult:
    aug = augment_global(model, dataset, cfg)
    examples = [d.text for d in dataset.train] + aug.texts
    files = {f"augment/{dataset.name}__finetune_aug_global.jsonl": records_jsonl(aug.records)}
    return train_and_score(model, dataset, examples, cfg, "finetune_aug_global", cost=aug.cost,
                           notes=aug.notes, files=files)
