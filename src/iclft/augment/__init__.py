"""Augmented finetuning data: text the model (or a teacher) writes from the training set in
context, filtered, cached by content hash and recorded with provenance; plus the oracle
augmentations that the datasets' symbolic checkers write.

    prompts.py   the versioned prompt files in iclft/prompts/
    store.py     the content-hash cache and the run's JSONL
    pipeline.py  augment_local / augment_global: generate, filter, count cost and quality
    symbolic.py  statement quality shares and oracle statements, from each dataset's checker

Nothing is imported here, so reading a config (which checks prompt names) stays light.
"""
