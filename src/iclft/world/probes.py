"""What a pretraining run measures as it goes: held-out in-context accuracy on the micro study's
datasets at seed EVAL_SEED, copy accuracy, and (with a background world) what the weights know.

A fair corpus (corpus.wording other than study) is measured in evaluation wording only, on worlds whose
words it cannot contain: simple reversals with the regular comparatives at 20 and 40 facts, asked
as the study asks them, and its background facts asked closed book, in the study's own frame for
pretrained and finetuned models (its instruction, then an evaluation question preamble)."""
from __future__ import annotations

import torch

from iclft.world import corpus
from iclft.world.stream import Stream


EVAL_SEED = 10_000
# The micro study's datasets at their sizes, but at seed EVAL_SEED: other words, other facts.
EVAL_DATASETS = (("simple_reversal", {"n_facts": 20, "docs_per_fact": 2}),
                 ("syllogism", {"n_items": 20}),
                 ("semantic_structure", {"taxonomy": "micro", "n_docs": 15, "n_holdout": 2}))


# A fair corpus's held-out worlds: (label, dataset, params), evaluation wording.
FAIR_EVAL_DATASETS = (("simple_reversal", "simple_reversal", {"n_facts": 20, "docs_per_fact": 2, "features": "regular"}),
                      ("simple_reversal@40", "simple_reversal", {"n_facts": 40, "docs_per_fact": 2, "features": "regular"}))
# ... and, when the corpus writes syllogisms in its own wording (the `logic` kind), syllogisms as the
# datasets ask them: the paper's split and the judged one (does a stated conclusion follow?).
FAIR_LOGIC_DATASETS = (("syllogism", "syllogism", {"n_items": 10, "n_judged": 20}),)


def eval_datasets(fair: bool = False, logic: bool = False) -> list[tuple[str, object]]:
    """(label, dataset) of the held-out worlds (`logic`: a fair corpus that writes syllogisms)."""
    from iclft.data import generate

    if fair:
        return [(label, generate(name, seed=EVAL_SEED, **params))
                for label, name, params in FAIR_EVAL_DATASETS + (FAIR_LOGIC_DATASETS if logic else ())]
    return [(name, generate(name, seed=EVAL_SEED, **params)) for name, params in EVAL_DATASETS]


def background_items(background, wording) -> list:
    """The background facts as the study asks its items, in evaluation wording (a seeded question
    preamble of the datasets'): every fact forwards ("recall"), and reversed, apart for the facts
    stated only forwards ("reversal_one_way") and those stated both ways ("reversal_two_way")."""
    import random

    from iclft.data.schema import TestItem
    from iclft.data.simple_reversal import TEST_PREAMBLES, statement

    rng, items = random.Random(f"background-items:{EVAL_SEED}"), []
    for k, f in enumerate(background.facts):
        conv = wording.converse(f.form)
        for split, right, wrong in (("recall", statement(f.a, f.form, f.b), statement(f.a, conv, f.b)),
                                    ("reversal_two_way" if f.two_way else "reversal_one_way",
                                     statement(f.b, conv, f.a), statement(f.b, f.form, f.a))):
            answer = rng.randrange(2)
            choices = (right + ".", wrong + ".") if answer == 0 else (wrong + ".", right + ".")
            items.append(TestItem(f"bg{k}-{split}", split, rng.choice(TEST_PREAMBLES), choices, answer))
    return items


@torch.inference_mode()
def background_accuracy(model, tokenizer, items) -> dict[str, float]:
    """Closed-book accuracy on the background items, in the pretrained condition's frame."""
    from iclft.config import IclConfig
    from iclft.eval.multiple_choice import MCContext, score_items
    from iclft.models.hf import HFModel
    from iclft.models.registry import ModelSource

    was_training = model.training
    hf = HFModel(model, tokenizer, ModelSource("world (training)", ""))
    records = score_items(hf, items, MCContext(IclConfig().instruction + "\n\n", lambda it: it.prompt))
    model.train(was_training)
    return _per_split("background", records)


def _per_split(label: str, records) -> dict[str, float]:
    out = {}
    for split in sorted({r["split"] for r in records}):
        rs = [r for r in records if r["split"] == split]
        out[f"{label}/{split}"] = round(sum(r["correct"]["sum"] for r in rs) / len(rs), 3)
    return out


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
    for label, ds in datasets:
        items = [it for it in ds.test][:120]
        prefix, _ = fit_documents(hf, ds, IclConfig(subsample=True), EVAL_SEED)
        out.update(_per_split(label, score_items(hf, items, MCContext(prefix, lambda it: it.prompt))))
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
        ep = corpus.episode(EVAL_SEED, i, stream.pool, {"list": 1.0}, 0.3, wording=stream.wording)
        enc = stream.tokenizer(ep.text, add_special_tokens=False, return_offsets_mapping=True)
        ids = torch.tensor([enc["input_ids"]], device=model.device)
        predicted = model(input_ids=ids).logits[0, :-1].argmax(-1)
        (start, end), = ep.answers
        for t, (a, b) in enumerate(enc["offset_mapping"][1:], start=1):
            if start <= a < end:
                right, total = right + int(predicted[t - 1] == ids[0, t]), total + 1
    model.train(was_training)
    return round(right / total, 3)


@torch.inference_mode()
def worlds_accuracy(model, tokenizer, worlds) -> dict[str, tuple[float, int]]:
    """(accuracy, items) per split, splits in the order they first come, over (prefix, items) worlds
    a probe built itself, each item asked in context after its world's prefix (summed log-likelihood)."""
    from iclft.eval.multiple_choice import MCContext, score_items
    from iclft.models.hf import HFModel
    from iclft.models.registry import ModelSource

    was_training = model.training
    hf = HFModel(model, tokenizer, ModelSource("world (probe)", ""))
    right: dict[str, list[bool]] = {}
    for prefix, items in worlds:
        for r in score_items(hf, items, MCContext(prefix, lambda it: it.prompt)):
            right.setdefault(r["split"], []).append(r["correct"]["sum"])
    model.train(was_training)
    return {split: (round(sum(v) / len(v), 3), len(v)) for split, v in right.items()}
