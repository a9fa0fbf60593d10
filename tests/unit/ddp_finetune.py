"""Finetune the tiny model in one process of a data-parallel group (test_distributed.py launches two).

    python -m torch.distributed.run --standalone --nproc_per_node 2 ddp_finetune.py MODEL_DIR OUT_DIR

Each rank writes OUT_DIR/rank{R}.json: the examples of every batch it trained on (as indices into
the training set), its loss by epoch, and a hash of its final weights.
"""
import hashlib
import json
import os
import sys
from pathlib import Path

import torch

from iclft.config import FinetuneConfig
from iclft.data import generate
from iclft.models import train
from iclft.models.hf import HFModel


def main(model_dir: str, out: str) -> None:
    hf = HFModel.load(model_dir, dtype="float32", device="cpu")
    texts = [d.text for d in generate("simple_reversal", seed=0, n_facts=8, docs_per_fact=2).train]
    ft = FinetuneConfig(epochs=3, learning_rate=3e-3, batch_size=4, warmup_ratio=0.0)
    eos = [hf.tokenizer.eos_token_id]
    index = {tuple(train.encode_example(hf, t, eos)[0]): i for i, t in enumerate(texts)}
    seen, collate = [], train._collate

    def recording(rows, pad_id):
        seen.append(sorted(index[tuple(ids)] for ids, _ in rows))
        return collate(rows, pad_id)
    train._collate = recording
    stats = train.finetune(hf, texts, ft, seed=0)
    weights = hashlib.sha256()
    for name, tensor in sorted(hf.model.state_dict().items()):
        weights.update(name.encode() + tensor.detach().contiguous().numpy().tobytes())
    rank = int(os.environ.get("RANK", "0"))
    record = {"rank": rank, "world_size": int(os.environ.get("WORLD_SIZE", "1")), "n_examples": len(texts),
              "epochs": ft.epochs, "batches": seen, "epoch_loss": stats.epoch_loss, "steps": stats.steps,
              "tokens": stats.tokens, "weights": weights.hexdigest(), "threads": torch.get_num_threads()}
    Path(out, f"rank{rank}.json").write_text(json.dumps(record))


if __name__ == "__main__":
    main(*sys.argv[1:3])
