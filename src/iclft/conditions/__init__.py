"""Learning conditions, one readable procedure each.

Every condition is a function `run(model, dataset, cfg) -> ConditionResult`: it exposes the model
to the training documents in its own way (not at all, in context, by finetuning, by finetuning on
split or augmented documents) and scores the test items by likelihood.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class ConditionResult:
    records: list[dict]  # one per test item, from eval.multiple_choice.score_items
    cost: dict = field(default_factory=dict)  # seconds and tokens spent, by phase
    notes: list[str] = field(default_factory=list)  # what a reader must know (subsampling, ...)
    files: dict[str, str] = field(default_factory=dict)  # run-folder path -> text (augmentations, ...)
    model: dict = field(default_factory=dict)  # label, dtype, device, context_window: set by the runner


_MODULES = {"pretrained": "iclft.conditions.pretrained", "icl": "iclft.conditions.icl",
            "finetune": "iclft.conditions.finetune", "finetune_split": "iclft.conditions.finetune_split",
            "finetune_aug_local": "iclft.conditions.finetune_aug_local",
            "finetune_aug_global": "iclft.conditions.finetune_aug_global",
            "finetune_aug_selfqa": "iclft.conditions.finetune_aug_selfqa",
            "finetune_aug_implications": "iclft.conditions.finetune_aug_implications",
            "finetune_aug_oracle": "iclft.conditions.finetune_aug_oracle"}


def get(name: str) -> Callable:
    return importlib.import_module(_MODULES[name]).run
