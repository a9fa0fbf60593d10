"""Augmented finetuning data: text the model (or a teacher) writes from the training set in
context, filtered, cached by content hash and recorded with provenance; plus the oracle
augmentations that the datasets' symbolic checkers write.

    prompts.py   the versioned prompt files in iclft/prompts/, and how an output is read
    store.py     the content-hash cache and the run's JSONL
    screen.py    each output's augmentations kept or dropped, with the reason
    judge.py     the consistency filter: the model judges each augmentation, the corpus in context
    pipeline.py  the methods (local, global, selfqa, implications): generate, screen, judge, count
                 cost and quality
    symbolic.py  statement quality shares and oracle statements, from each dataset's checker
    tool.py      `iclft augment`: a method over any corpus (sources.py), resumable (journal.py)

Nothing is imported here, so reading a config (which checks prompt names) stays light.
"""
