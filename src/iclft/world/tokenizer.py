"""The world model's tokenizer: byte-level BPE trained on the pretraining corpus with `tokenizers`.

Byte-level, so a word never seen in training (every test word) still tokenizes, into known pieces.
Saved as a transformers PreTrainedTokenizerFast with one special token, <|endoftext|>, serving as
BOS, EOS and padding. It adds no BOS by itself and has no chat template, so the study shows the
model plain text, as pretraining did.
"""
from __future__ import annotations

from typing import Iterable

SPECIAL = "<|endoftext|>"


def train_tokenizer(texts: Iterable[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[SPECIAL], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=SPECIAL, eos_token=SPECIAL,
                                   pad_token=SPECIAL)
