"""`pretrained`: the test items alone, no training data. A contamination check: with nonsense
words nothing can be known, so accuracy should sit near chance."""
from __future__ import annotations

import time

from iclft.conditions import ConditionResult
from iclft.eval.multiple_choice import MCContext, score_items


def plain_context() -> MCContext:
    """Items as plain text, the format finetuning trains on: the prompt, then the choice."""
    return MCContext(prefix="", item_context=lambda item: item.prompt)


def run(model, dataset, cfg) -> ConditionResult:
    t0 = time.perf_counter()
    records = score_items(model, dataset.test, plain_context(), cfg.scoring.batch_size,
                          progress=f"{dataset.name} pretrained: scoring")
    return ConditionResult(records, cost={"eval_seconds": time.perf_counter() - t0})
