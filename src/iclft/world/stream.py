"""The world corpus as training rows: episodes packed whole into rows of up to corpus.max_tokens
tokens, a pure function of (seed, row), so a resumed run regenerates exactly the rows that were next."""
from __future__ import annotations

import hashlib
from typing import NamedTuple

from iclft import IclftError
from iclft.world import corpus
from iclft.world.config import WorldConfig
from iclft.world.wording import WORDINGS


def reserved(cfg: WorldConfig) -> frozenset[str]:
    """Every word of the reserved presets' datasets, at seeds 0 .. reserve_seeds-1."""
    from iclft.config import load_config

    datasets = [d for p in cfg.corpus.reserve_presets for d in load_config(preset=p).datasets]
    return corpus.reserved_words(datasets, range(cfg.corpus.reserve_seeds))


ROW_EPISODES = 64  # row b packs episodes b*64, b*64+1, ...


class Tokens(NamedTuple):
    ids: list[int]
    answer: list[bool]  # the token is (part of) an answer to a question about the episode's world
    positions: list[int]  # position within its episode: 0 where each packed episode starts


class Stream:
    """The corpus of one config: episode i, and its token ids."""

    def __init__(self, cfg: WorldConfig, tokenizer=None):
        self.cfg = cfg
        c = cfg.corpus
        self.wording = WORDINGS[c.wording]
        pool = corpus.disjoint_pool() if c.words == "disjoint" else corpus.word_pool(reserved(cfg))
        self.background = corpus.background_world(cfg.seed, pool, c.background_facts, c.background_two_way,
                                                  WORDINGS[c.background_wording or c.wording]) if c.background_facts else None
        # random worlds never reuse a background word, which would give it other facts
        taken = self.background.words if self.background else frozenset()
        self.pool = tuple(w for w in pool if w not in taken)
        self.tokenizer = tokenizer

    def max_size(self, index: int) -> float:
        """The largest world episode `index` may draw: the curriculum's cap at its row."""
        c = self.cfg.corpus
        if not c.curriculum_rows:
            return c.max_size
        share = min(1.0, (index // ROW_EPISODES) / c.curriculum_rows)
        return corpus.MIN_SIZE + share * (c.max_size - corpus.MIN_SIZE)

    def mix(self, index: int) -> dict[str, float]:
        """The mix of kinds episode `index` draws from: warmup_mix for the first warmup_rows rows."""
        c = self.cfg.corpus
        return c.warmup_mix if c.warmup_mix and index // ROW_EPISODES < c.warmup_rows else c.mix

    def episode(self, index: int, attempt: int = 0) -> corpus.Episode:
        return corpus.episode(self.cfg.seed, index, self.pool, self.mix(index), self.max_size(index), attempt=attempt,
                              wording=self.wording, background=self.background, max_facts=self.cfg.corpus.max_facts,
                              min_facts=self.cfg.corpus.min_facts,
                              category=(self.cfg.corpus.category_deduced, self.cfg.corpus.category_hops))

    def tokens(self, index: int) -> Tokens:
        """Episode `index` tokenized, EOS at the end, its answer tokens marked; an episode longer than
        max_tokens is replaced by another draw (never truncated)."""
        tok = self.tokenizer
        for attempt in range(100):
            ep = self.episode(index, attempt)
            enc = tok(ep.text, add_special_tokens=False, return_offsets_mapping=True)
            if len(enc["input_ids"]) < self.cfg.corpus.max_tokens:
                answer = [any(a < e and b > s for s, e in ep.answers) for a, b in enc["offset_mapping"]]
                n = len(enc["input_ids"]) + 1
                return Tokens(enc["input_ids"] + [tok.eos_token_id], answer + [False], list(range(n)))
        raise IclftError(f"corpus.max_tokens={self.cfg.corpus.max_tokens} is too small for this corpus: "
                         "100 draws in a row were longer; raise it or lower corpus.max_size")

    def row(self, block: int) -> Tokens:
        """One training row of at most max_tokens: whole episodes block*64, block*64+1, ... packed
        while they fit (after the first that does not, three more draws try to fill the rest)."""
        ids, answer, positions, misses = [], [], [], 0
        for k in range(ROW_EPISODES):
            t = self.tokens(block * ROW_EPISODES + k)
            if len(ids) + len(t.ids) <= self.cfg.corpus.max_tokens:
                ids, answer, positions = ids + t.ids, answer + t.answer, positions + t.positions
            else:
                misses += 1
                if misses > 3:
                    break
        return Tokens(ids, answer, positions)


def corpus_fingerprint(stream: Stream, n: int = 200) -> str:
    """sha256 of the first n episodes' text, one blank-line-separated file: the same for a seed."""
    h = hashlib.sha256()
    for i in range(n):
        h.update(stream.episode(i).text.encode("utf-8") + b"\n\n")
    return h.hexdigest()
