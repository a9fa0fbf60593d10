"""The world model (a small Llama built from the config) and its learning-rate schedule."""
from __future__ import annotations

import math

import torch

from iclft.world.config import WorldConfig


def build_model(cfg: WorldConfig, tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    m = cfg.model
    torch.manual_seed(cfg.seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=m.hidden_size, intermediate_size=m.intermediate_size,
                         num_hidden_layers=m.num_hidden_layers, num_attention_heads=m.num_attention_heads,
                         num_key_value_heads=m.num_attention_heads, max_position_embeddings=m.max_position_embeddings,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
                         initializer_range=m.initializer_range, rope_theta=m.rope_theta)
    return LlamaForCausalLM(config)


def lr_at(step: int, cfg: WorldConfig) -> float:
    """Linear warmup, then cosine decay to min_lr_ratio of the peak."""
    t = cfg.train
    if step < t.warmup_steps:
        return t.learning_rate * (step + 1) / t.warmup_steps
    progress = (step - t.warmup_steps) / max(1, t.steps - t.warmup_steps)
    return t.learning_rate * (t.min_lr_ratio + (1 - t.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
