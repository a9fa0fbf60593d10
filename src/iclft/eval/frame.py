"""The question frame: how every condition asks a test item, so that the documents are the only
difference between `icl` and the other conditions.

Under the model's chat template (`icl.chat_template`: auto uses it where the model has one):

    <user> [{header}\\n\\n{doc 1}\\n\\n...{doc n}\\n\\n]{instruction} <assistant> {prompt} {choice}

Without one, plain text:

    [{header}\\n\\n{doc 1}\\n\\n...{doc n}\\n\\n]{instruction}\\n\\n{prompt} {choice}

The bracketed part is the documents: `icl` has it, `pretrained` and every finetuned condition do
not (they see the same header-less turn, with the same instruction). Finetuning still trains on the
plain documents, as the paper did. The DC-PMI baseline ("Answer:" in place of the prompt) is scored
in the same frame without documents, so a choice's prior is measured where the choice is scored.

`scoring.frame: icl_only` restores the layout before issue 13, for comparing with older runs:
only `icl` uses the frame; the others score the bare statement (no template, no instruction) and
every baseline is plain "Answer:".
"""
from __future__ import annotations

import logging
import random
from typing import Sequence

from iclft import IclftError
from iclft.eval.multiple_choice import MCContext

FRAMES = ("same", "icl_only")
log = logging.getLogger(__name__)


def use_chat(model, setting: str) -> bool:
    if setting == "on" and not model.has_chat_template:
        raise IclftError("icl.chat_template is on, but the model has no chat template")
    return setting == "on" or (setting == "auto" and model.has_chat_template)


def user_text(docs: Sequence[str] | None, icl_cfg) -> str:
    """The documents block (when there are documents) and the instruction."""
    block = f"{icl_cfg.header}\n\n" + "\n\n".join(docs) + "\n\n" if docs else ""
    return block + icl_cfg.instruction


def frame_prefix(model, docs: Sequence[str] | None, icl_cfg) -> str:
    """The text before the item's prompt: the user turn under the chat template, else plain text."""
    user = user_text(docs, icl_cfg)
    return model.chat_prompt(user) if use_chat(model, icl_cfg.chat_template) else user + "\n\n"


def frame_name(model, icl_cfg, frame: str, with_docs: bool) -> str:
    """What the summary says about how a condition asked its questions."""
    if frame == "icl_only" and not with_docs:
        return "bare statement (scoring.frame=icl_only: no template, no instruction)"
    kind = "chat template" if use_chat(model, icl_cfg.chat_template) else "plain text"
    return f"{kind}, instruction {icl_cfg.instruction!r}, {'with' if with_docs else 'no'} documents"


def question_context(model, icl_cfg, frame: str, prefix: str | None = None) -> MCContext:
    """How a condition asks: `prefix` is the frame with documents (`icl`, from `frame_prefix`);
    None asks with no documents (pretrained and finetuned models)."""
    if frame not in FRAMES:
        raise IclftError(f"scoring.frame must be {' or '.join(FRAMES)}, got {frame!r}")
    if frame == "icl_only":
        return MCContext(prefix=prefix or "", item_context=lambda item: item.prompt)
    bare = frame_prefix(model, None, icl_cfg)
    return MCContext(prefix=bare if prefix is None else prefix, item_context=lambda item: item.prompt,
                     domain_prefix=bare)


def frame_of(model, cfg, with_docs: bool) -> str:
    return frame_name(model, cfg.icl, cfg.scoring.frame, with_docs)


def largest_fitting_subsample(docs: Sequence[str], fits, rng_label: str) -> list[str]:
    """The largest seeded subsample of `docs` (in their order) whose prefix `fits` (a predicate on a
    list of documents): a binary search over prefixes of one seeded permutation, so a document kept
    at size k is kept at every larger size. Empty when not even one fits."""
    order = random.Random(rng_label).sample(range(len(docs)), len(docs))
    lo, hi = 0, len(docs)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits([docs[i] for i in sorted(order[:mid])]):
            lo = mid
        else:
            hi = mid - 1
    return [docs[i] for i in sorted(order[:lo])]


def fit_prefix(model, docs: Sequence[str], prefix_of, budget: int, what: str, rng_label: str, seed: int,
               refuse=None) -> tuple[str, list[str]]:
    """(prefix, notes): `prefix_of(docs)` where it fits in `budget` tokens, else `prefix_of` the
    largest seeded subsample that does (largest_fitting_subsample), with a note, logged, saying so.
    `refuse(n_tokens)`, where given, is called instead of subsampling (it raises)."""
    full = prefix_of(docs)
    [n_full] = model.count_tokens([full])
    if n_full <= budget:
        return full, []
    if refuse is not None:
        refuse(n_full)
    kept = largest_fitting_subsample(docs, lambda ds: model.count_tokens([prefix_of(ds)])[0] <= budget,
                                     f"{rng_label}:{seed}")
    if not kept:
        raise IclftError(f"{what}: not even one document fits the context window of {model.max_length}")
    note = (f"{what}: the corpus ({n_full} tokens) does not fit the window; {len(kept)} of {len(docs)} "
            f"documents in context, subsampled with seed {seed}")
    log.warning(note)
    return prefix_of(kept), [note]


def fit_documents(model, dataset, icl_cfg, seed: int) -> tuple[str, list[str]]:
    """The prefix with as many documents as fit; notes say what was left out and why."""
    docs = [d.text for d in dataset.train]
    if icl_cfg.order == "shuffled":
        random.Random(f"icl-order:{seed}").shuffle(docs)
    question = max(model.count_tokens([f"{it.prompt} {c}" for it in dataset.test for c in it.choices]))
    budget = model.max_length - question - icl_cfg.reserve_tokens - 8  # 8: template/boundary slack

    def refuse(n_prefix: int) -> None:
        raise IclftError(
            f"icl: the {len(docs)} training documents of {dataset.name} take {n_prefix} tokens in context, "
            f"but the model's window of {model.max_length} tokens leaves {budget} after the longest question "
            f"({question} tokens); set icl.subsample=true to use a seeded subsample, or use a smaller dataset")

    return fit_prefix(model, docs, lambda ds: frame_prefix(model, ds, icl_cfg), budget, f"icl: {dataset.name}",
                      "icl-subsample", seed, None if icl_cfg.subsample else refuse)
