"""Multiple-choice scoring by likelihood: the choices are never shown, each is scored as a
continuation of the prompt, and the highest-scoring choice is the model's answer.

Three scores per choice, reported side by side (style of lm-evaluation-harness `acc`/`acc_norm`):
    sum   log p(choice | context)                          summed over the choice's tokens
    mean  log p(choice | context) / n_tokens(choice)       per-token normalised
    pmi   log p(choice | context) - log p(choice | "Answer:")
          domain-conditional PMI (Holtzman et al., 2021), as used by Lampinen et al. 2024 for these
          data: it removes the model's prior preference for some answer strings. The baseline
          "Answer:" is scored after `MCContext.domain_prefix`, the condition's question frame
          without documents (iclft.eval.frame), so the prior is measured where the choice is.

Two accuracies per scoring, for items with several valid choices (syllogisms' mirror conclusions):
    correct  the top choice is any valid one              chance: n_valid / n_choices
    strict   the canonical answer scores strictly above every invalid choice (the other valid
             choices may rank anywhere)                   chance: 1 / (n_invalid + 1)
With one valid choice the two coincide (a tie for the top counts as wrong in `strict` only).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from iclft.data.schema import TestItem
from iclft.models.base import LanguageModel

SCORINGS = ("sum", "mean", "pmi")
DOMAIN_PROMPT = "Answer:"


@dataclass(frozen=True)
class MCContext:
    """How a condition shows an item to the model: a shared prefix (maybe empty) and the
    per-item context that follows it."""

    prefix: str
    item_context: Callable[[TestItem], str]
    domain_prefix: str = ""  # what the DC-PMI baseline "Answer:" follows


def _argmax(xs: Sequence[float]) -> int:
    return max(range(len(xs)), key=lambda i: xs[i])


def strict_correct(scores: Sequence[float], answer: int, valid: Sequence[int]) -> bool:
    """The canonical answer scores strictly above every invalid choice."""
    invalid = [s for i, s in enumerate(scores) if i not in valid]
    return all(scores[answer] > s for s in invalid)


def strict_chance(n_choices: int, n_valid: int) -> float:
    """The chance that `strict_correct` holds under a random order of the choices: the canonical
    answer must come first among itself and the invalid choices."""
    return 1.0 / (n_choices - n_valid + 1)


def score_items(model: LanguageModel, items: Sequence[TestItem], ctx: MCContext, batch_size: int = 16,
                progress: str | None = None) -> list[dict]:
    """Score every choice of every item; return one record per item with all scores."""
    requests = [(ctx.item_context(it), " " + choice) for it in items for choice in it.choices]
    scores = model.loglikelihood(requests, prefix=ctx.prefix, batch_size=batch_size, progress=progress)
    distinct = sorted({c for it in items for c in it.choices})
    prior = dict(zip(distinct, model.loglikelihood([(DOMAIN_PROMPT, " " + c) for c in distinct],
                                                    prefix=ctx.domain_prefix, batch_size=batch_size)))
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
            "strict": {name: strict_correct(v, it.answer, it.valid) for name, v in by.items()},
            "strict_chance": strict_chance(len(it.choices), len(it.valid)),
        })
    return records
