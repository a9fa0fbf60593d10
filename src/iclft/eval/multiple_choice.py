"""Multiple-choice scoring by likelihood: the choices are never shown, each is scored as a
continuation of the prompt, and the highest-scoring choice is the model's answer.

Three scores per choice, reported side by side (style of lm-evaluation-harness `acc`/`acc_norm`):
    sum   log p(choice | context)                          summed over the choice's tokens
    mean  log p(choice | context) / n_tokens(choice)       per-token normalised
    pmi   log p(choice | context) - log p(choice | "Answer:")
          domain-conditional PMI (Holtzman et al., 2021), as used by Lampinen et al. 2024 for these
          data: it removes the model's prior preference for some answer strings.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from iclft.data.schema import TestItem
from iclft.models.hf import HFModel

SCORINGS = ("sum", "mean", "pmi")
DOMAIN_PROMPT = "Answer:"


@dataclass(frozen=True)
class MCContext:
    """How a condition shows an item to the model: a shared prefix (maybe empty) and the
    per-item context that follows it."""

    prefix: str
    item_context: Callable[[TestItem], str]


def _argmax(xs: Sequence[float]) -> int:
    return max(range(len(xs)), key=lambda i: xs[i])


def score_items(model: HFModel, items: Sequence[TestItem], ctx: MCContext, batch_size: int = 16,
                progress: str | None = None) -> list[dict]:
    """Score every choice of every item; return one record per item with all scores."""
    requests = [(ctx.item_context(it), " " + choice) for it in items for choice in it.choices]
    scores = model.loglikelihood(requests, prefix=ctx.prefix, batch_size=batch_size, progress=progress)
    distinct = sorted({c for it in items for c in it.choices})
    prior = dict(zip(distinct, model.loglikelihood([(DOMAIN_PROMPT, " " + c) for c in distinct],
                                                    batch_size=batch_size)))
    records, k = [], 0
    for it in items:
        sc = scores[k: k + len(it.choices)]
        k += len(it.choices)
        by = {
            "sum": [s.logprob for s in sc],
            "mean": [s.logprob / s.n_tokens for s in sc],
            "pmi": [s.logprob - prior[c].logprob for s, c in zip(sc, it.choices)],
        }
        pred = {name: _argmax(v) for name, v in by.items()}
        records.append({
            "item_id": it.id, "split": it.split, "prompt": it.prompt, "choices": list(it.choices),
            "answer": it.answer, "valid": list(it.valid), "chance": it.chance,
            "n_tokens": [s.n_tokens for s in sc], "scores": by, "pred": pred,
            "correct": {name: p in it.valid for name, p in pred.items()},
        })
    return records
