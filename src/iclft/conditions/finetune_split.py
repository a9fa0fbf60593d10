"""`finetune_split`: finetuning with every training sentence its own example (paper section 3).

    independent (default)  "A. B. C." -> "A.", "B.", "C."
    cumulative             "A. B. C." -> "A.", ("A.", " B."), ("A. B.", " C."): each sentence after
                           the earlier text of its document, the loss on that sentence only

Both turn an n-sentence document into n examples. Sentences are split by
`iclft.data.sentences.split_sentences` (bullet and Q/A lines count as sentences).
"""
from __future__ import annotations

from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_and_score
from iclft.data.sentences import split_sentences
from iclft.models.train import Example, TrainItem


def split_examples(docs: list[str], mode: str) -> list[TrainItem]:
    out: list[TrainItem] = []
    for text in docs:
        at = 0
        for i, sentence in enumerate(split_sentences(text)):
            at = text.index(sentence, at)  # the context is the document's own text before it
            out.append(Example(text[:at], sentence) if mode == "cumulative" and i else sentence)
            at += len(sentence)
    return out


def run(model, dataset, cfg) -> ConditionResult:
    docs = [d.text for d in dataset.train]
    examples = split_examples(docs, cfg.finetune.split)
    notes = []
    if len(examples) == len(docs):
        notes.append(f"finetune_split: {dataset.name}: every document is one sentence, so splitting "
                     f"changes nothing (the same data as finetune)")
    return train_and_score(model, dataset, examples, cfg, "finetune_split",
                           cost={"split": cfg.finetune.split, "documents": len(docs)}, notes=notes)
