"""The consistency filter: the model judges each augmentation with the corpus in context, and
finetuning keeps those it judges true (augment.filter: consistency; `iclft augment --filter consistency`).

The judgment is scored, not generated. With the judge prompt (iclft/prompts/consistency_v1.txt)
ending "Statement: {statement}\\nIs the statement true according to the documents? Answer:",

    p_yes = exp(log p(" Yes")) / (exp(log p(" Yes")) + exp(log p(" No")))
          = 1 / (1 + exp(log p(" No") - log p(" Yes")))

normalised over the two answers (the rest of the vocabulary is ignored); a statement is consistent
when p_yes > 0.5 (a tie is not). Scoring is deterministic, so a judgment never depends on sampling,
batching or chunking. The corpus is the shared prefix, its key/value cache computed once; a corpus
that does not fit the window is subsampled with a seed (as global augmentation's, with its own
label) and a note says so.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Sequence

from iclft.augment.prompts import PromptTemplate
from iclft.eval.frame import fit_prefix
from iclft.models.base import LanguageModel

YES, NO = " Yes", " No"


@dataclass(frozen=True)
class Judgment:
    consistent: bool
    p_yes: float  # normalised over " Yes" and " No"

    def as_dict(self) -> dict:
        return {"consistent": self.consistent, "p_yes": self.p_yes}


@dataclass
class Frame:
    """The judge prompt with the corpus filled in: the shared prefix and the per-statement template."""

    prompt: PromptTemplate
    prefix: str
    template: str  # holds {statement}
    context_tokens: int
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.prompt.name} (version {self.prompt.version})"


def frame(model: LanguageModel, prompt: PromptTemplate, docs: Sequence[str], longest_statement: int,
          seed: int) -> Frame:
    """The judge's prefix with the whole corpus, or with the largest seeded subsample that leaves
    room for a statement of `longest_statement` tokens (at most an output's max_new_tokens)."""
    template = prompt.split("statement", corpus="")[1]
    [item] = model.count_tokens([template.format(statement="") + YES])
    budget = model.max_length - item - longest_statement - 8  # 8: tokenization boundary slack
    prefix, notes = fit_prefix(model, list(docs), lambda kept: prompt.split("statement", corpus="\n\n".join(kept))[0],
                               budget, "augment filter", "augment-filter-subsample", seed)
    return Frame(prompt, prefix, template, model.count_tokens([prefix])[0], notes)


def judge(model: LanguageModel, fr: Frame, statements: Sequence[str],
          batch_size: int = 8) -> tuple[list[Judgment], dict]:
    """One judgment per statement, and the cost: seconds, and tokens read (the corpus prefix once,
    then each statement's prompt with both answers)."""
    t0 = time.perf_counter()
    if not statements:
        return [], {"seconds": 0.0, "tokens_read": 0}
    contexts = [fr.template.format(statement=s) for s in statements]
    requests = [(c, answer) for c in contexts for answer in (YES, NO)]
    scores = model.loglikelihood(requests, prefix=fr.prefix, batch_size=batch_size)
    out = []
    for k in range(len(statements)):
        yes, no = scores[2 * k].logprob, scores[2 * k + 1].logprob
        p_yes = 1.0 / (1.0 + math.exp(min(no - yes, 700.0)))  # 700: exp stays finite
        out.append(Judgment(yes > no, round(p_yes, 4)))
    tokens = fr.context_tokens + 2 * sum(model.count_tokens(contexts)) + sum(s.n_tokens for s in scores)
    return out, {"seconds": round(time.perf_counter() - t0, 2), "tokens_read": tokens}
