"""What a pretraining run measures as it goes: held-out in-context accuracy on the micro study's
datasets at seed EVAL_SEED, and copy accuracy."""
from __future__ import annotations

import torch

from iclft.world import corpus
from iclft.world.stream import Stream


EVAL_SEED = 10_000
# The micro study's datasets at their sizes, but at seed EVAL_SEED: other words, other facts.
EVAL_DATASETS = (("simple_reversal", {"n_facts": 20, "docs_per_fact": 2}),
                 ("syllogism", {"n_items": 20}),
                 ("semantic_structure", {"taxonomy": "micro", "n_docs": 15, "n_holdout": 2}))


def eval_datasets():
    from iclft.data import generate

    return [generate(name, seed=EVAL_SEED, **params) for name, params in EVAL_DATASETS]


@torch.inference_mode()
def heldout_accuracy(model, tokenizer, datasets) -> dict[str, float]:
    """Accuracy per dataset and split of in-context scoring (the icl condition's layout)."""
    from iclft.config import IclConfig
    from iclft.eval.frame import fit_documents
    from iclft.eval.multiple_choice import MCContext, score_items
    from iclft.models.hf import HFModel
    from iclft.models.registry import ModelSource

    was_training = model.training
    hf = HFModel(model, tokenizer, ModelSource("world (training)", ""))
    out = {}
    for ds in datasets:
        items = [it for it in ds.test][:120]
        prefix, _ = fit_documents(hf, ds, IclConfig(subsample=True), EVAL_SEED)
        records = score_items(hf, items, MCContext(prefix, lambda it: it.prompt))
        for split in sorted({r["split"] for r in records}):
            rs = [r for r in records if r["split"] == split]
            out[f"{ds.name}/{split}"] = round(sum(r["correct"]["sum"] for r in rs) / len(rs), 3)
    model.train(was_training)
    return out


@torch.inference_mode()
def copy_accuracy(model, stream: Stream, n: int = 16) -> float:
    """Next-token accuracy on the repeated half of `n` word-list episodes drawn at seed EVAL_SEED:
    how well the model copies what its context said (an induction head's job), the first skill
    in-context reasoning needs. Chance is near 0; 1 is perfect copying."""
    was_training = model.training
    model.eval()
    right = total = 0
    for i in range(n):
        ep = corpus.episode(EVAL_SEED, i, stream.pool, {"list": 1.0}, 0.3)
        enc = stream.tokenizer(ep.text, add_special_tokens=False, return_offsets_mapping=True)
        ids = torch.tensor([enc["input_ids"]], device=model.device)
        predicted = model(input_ids=ids).logits[0, :-1].argmax(-1)
        (start, end), = ep.answers
        for t, (a, b) in enumerate(enc["offset_mapping"][1:], start=1):
            if start <= a < end:
                right, total = right + int(predicted[t - 1] == ids[0, t]), total + 1
    model.train(was_training)
    return round(right / total, 3)
