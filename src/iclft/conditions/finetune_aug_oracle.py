"""`finetune_aug_oracle` (beyond the paper): finetuning on the training documents plus the
dataset's own symbolic facts and their entailments rendered as sentences (reversals, valid
conclusions, inherited properties), in place of model-written text. An upper bound on what
augmentation can add: every added statement is entailed by the training facts. A dataset folder
(iclft.data.userdata) brings its own oracle statements in oracle.jsonl.
"""
from __future__ import annotations

import time

from iclft.augment.store import records_jsonl
from iclft.augment.symbolic import oracle_statements, statement_shares
from iclft.conditions import ConditionResult
from iclft.conditions.finetune import train_and_score


def run(model, dataset, cfg) -> ConditionResult:
    t0 = time.perf_counter()
    originals = {d.text for d in dataset.train}
    texts = [s for s in dict.fromkeys(oracle_statements(dataset)) if s not in originals]
    source = "oracle.jsonl" if "oracle" in dataset.meta else "oracle_statements"
    provenance = {"source": source, "generator": dataset.meta.get("generator"),
                  "version": dataset.meta.get("version"), "seed": dataset.meta.get("seed")}
    files = {f"augment/{dataset.name}__finetune_aug_oracle.jsonl":
             records_jsonl([{"kept": [t], "provenance": provenance} for t in texts])}
    cost = {"augment_model": "oracle", "augment_kept": len(texts), "augment_seconds": round(time.perf_counter() - t0, 2),
            "augment_tokens_read": 0, "augment_tokens_written": 0,
            "augment_quality": statement_shares(dataset, texts)}
    examples = [d.text for d in dataset.train] + texts
    return train_and_score(model, dataset, examples, cfg, "finetune_aug_oracle", cost=cost, files=files)
