"""Pronounceable nonsense words that are not English words.

Words are built from English-like syllables (onset + vowel + coda) and kept only when they are
4-5 letters long and unknown to the `wordfreq` English word list (Zipf frequency 0, so not even a
rare word, a name or a common typo). Example, seed 0: a pool such as "femp", "glon", "strob", "vaskt"...

Generation uses a local `random.Random` so the global RNG is never touched.
"""
from __future__ import annotations

import random
from functools import lru_cache

from iclft import IclftError

ONSETS = ("b", "bl", "br", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "k", "kl", "kr", "l", "m",
          "n", "p", "pl", "pr", "r", "s", "sk", "sl", "sm", "sn", "sp", "st", "t", "tr", "v", "z")
VOWELS = ("a", "e", "i", "o", "u")
CODAS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "s", "t", "x", "ft", "lb", "lk", "lm", "lp",
         "mp", "nd", "nk", "nt", "rb", "rd", "rk", "rm", "rn", "sk", "sp", "st")
# Two-syllable shapes (CV + CV(C)) give a second, softer family of words ("dax"-like but longer).
SECOND_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z")


def is_english(word: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") > 0 or zipf_frequency(word + "s", "en") > 0


@lru_cache(maxsize=1)
def candidates() -> tuple[str, ...]:
    """Every word the syllable grammar produces, in a fixed order (before filtering)."""
    words = set()
    for o in ONSETS:
        for v in VOWELS:
            for c in CODAS:
                words.add(o + v + c)
            for o2 in SECOND_ONSETS:
                for v2 in VOWELS:
                    words.add(o + v + o2 + v2)
    return tuple(sorted(w for w in words if 4 <= len(w) <= 5))


def is_pronounceable(word: str) -> bool:
    return word in _candidate_set()


@lru_cache(maxsize=1)
def _candidate_set() -> frozenset[str]:
    return frozenset(candidates())


def is_valid_nonsense(word: str) -> bool:
    """The checker's rule: 4-5 letters, produced by the syllable grammar, not an English word."""
    return 4 <= len(word) <= 5 and is_pronounceable(word) and not is_english(word)


def nonsense_words(n: int, seed: int, exclude: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Return `n` distinct nonsense words, a deterministic function of (n, seed, exclude).

    Raises IclftError when the grammar cannot supply that many words.
    """
    rng = random.Random(f"nonsense-words:{seed}")
    pool = list(candidates())
    rng.shuffle(pool)
    out: list[str] = []
    # Avoid words that differ only by a trailing "s", so plurals never collide.
    seen_stems: set[str] = {w.rstrip("s") for w in exclude}
    for w in pool:
        stem = w.rstrip("s")
        if w in exclude or stem in seen_stems or is_english(w):
            continue
        out.append(w)
        seen_stems.add(stem)
        if len(out) == n:
            return out
    raise IclftError(f"asked for {n} nonsense words, but the word grammar supplies only {len(out)}")
