"""`icl`: all training documents in the context, then an instruction, then the test prompt.

Under the model's chat template (the default where it has one) the documents and instruction are
the user's message and the test prompt starts the assistant's reply:

    <user> Here are some documents:\n\n{doc 1}\n\n{doc 2}...\n\n{instruction} <assistant> {prompt} {choice}

Every other condition asks in the same frame without the documents (iclft.eval.frame).

The documents are the shared prefix: its key/value cache is computed once for all items.
The corpus is never truncated silently: if it does not fit the context window, documents are
subsampled with a logged seed when `icl.subsample` allows it, otherwise the run stops with the
token counts. `icl.order: shuffled` shows the documents in a seeded random order instead of the
dataset's.
"""
from __future__ import annotations

import time

from iclft.conditions import ConditionResult
from iclft.eval.frame import fit_documents, frame_of, question_context
from iclft.eval.multiple_choice import score_items


def run(model, dataset, cfg) -> ConditionResult:
    t0 = time.perf_counter()
    prefix, notes = fit_documents(model, dataset, cfg.icl, cfg.seed)
    ctx = question_context(model, cfg.icl, cfg.scoring.frame, prefix)
    records = score_items(model, dataset.test, ctx, cfg.scoring.batch_size,
                          progress=f"{dataset.name} icl: scoring")
    cost = {"eval_seconds": time.perf_counter() - t0, "context_tokens": model.count_tokens([prefix])[0],
            "question_frame": frame_of(model, cfg, with_docs=True)}
    return ConditionResult(records, cost=cost, notes=notes)
