"""`pretrained`: the test items alone, no training data. A contamination check: with nonsense
words nothing can be known, so accuracy should sit near chance. The items are asked in the same
frame as in `icl`, without the documents (iclft.eval.frame)."""
from __future__ import annotations

import time

from iclft.conditions import ConditionResult
from iclft.eval.frame import frame_of, question_context
from iclft.eval.multiple_choice import score_items


def run(model, dataset, cfg) -> ConditionResult:
    t0 = time.perf_counter()
    ctx = question_context(model, cfg.icl, cfg.scoring.frame)
    records = score_items(model, dataset.test, ctx, cfg.scoring.batch_size,
                          progress=f"{dataset.name} pretrained: scoring")
    return ConditionResult(records, cost={"eval_seconds": time.perf_counter() - t0,
                                          "question_frame": frame_of(model, cfg, with_docs=False)})
