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

import logging
import random
import time

from iclft import IclftError
from iclft.conditions import ConditionResult
from iclft.eval.frame import frame_of, frame_prefix, question_context
from iclft.eval.multiple_choice import score_items

log = logging.getLogger(__name__)


def build_prefix(model, docs: list[str], icl_cfg) -> str:
    return frame_prefix(model, docs, icl_cfg)


def fit_documents(model, dataset, icl_cfg, seed: int) -> tuple[str, list[str]]:
    """The prefix with as many documents as fit; notes say what was left out and why."""
    docs = [d.text for d in dataset.train]
    if icl_cfg.order == "shuffled":
        random.Random(f"icl-order:{seed}").shuffle(docs)
    question = max(model.count_tokens([f"{it.prompt} {c}" for it in dataset.test for c in it.choices]))
    budget = model.max_length - question - icl_cfg.reserve_tokens - 8  # 8: template/boundary slack
    prefix = build_prefix(model, docs, icl_cfg)
    [n_prefix] = model.count_tokens([prefix])
    if n_prefix <= budget:
        return prefix, []
    if not icl_cfg.subsample:
        raise IclftError(
            f"icl: the {len(docs)} training documents of {dataset.name} take {n_prefix} tokens in context, "
            f"but the model's window of {model.max_length} tokens leaves {budget} after the longest question "
            f"({question} tokens); set icl.subsample=true to use a seeded subsample, or use a smaller dataset")
    rng = random.Random(f"icl-subsample:{seed}")
    order = rng.sample(range(len(docs)), len(docs))
    lo, hi = 0, len(docs)  # binary search for the largest prefix of `order` that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        kept = [docs[i] for i in sorted(order[:mid])]
        if model.count_tokens([build_prefix(model, kept, icl_cfg)])[0] <= budget:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        raise IclftError(f"icl: not even one training document fits the context window of {model.max_length}")
    kept = [docs[i] for i in sorted(order[:lo])]
    note = (f"icl: {dataset.name}: the corpus ({n_prefix} tokens) does not fit the window; used {lo} of "
            f"{len(docs)} documents, subsampled with seed {seed}")
    log.warning(note)
    return build_prefix(model, kept, icl_cfg), [note]


def run(model, dataset, cfg) -> ConditionResult:
    t0 = time.perf_counter()
    prefix, notes = fit_documents(model, dataset, cfg.icl, cfg.seed)
    ctx = question_context(model, cfg.icl, cfg.scoring.frame, prefix)
    records = score_items(model, dataset.test, ctx, cfg.scoring.batch_size,
                          progress=f"{dataset.name} icl: scoring")
    cost = {"eval_seconds": time.perf_counter() - t0, "context_tokens": model.count_tokens([prefix])[0],
            "question_frame": frame_of(model, cfg, with_docs=True)}
    return ConditionResult(records, cost=cost, notes=notes)
