"""Configuration of `iclft world pretrain`: typed dataclasses, YAML presets (iclft/world/presets) and
dotted overrides, through the same machinery as study configs (iclft.config).

    iclft world pretrain --preset fair train.steps=2000 model.hidden_size=192
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import yaml

from iclft import IclftError
from iclft.config import compose, preset_names
from iclft.world.corpus import KINDS, PRETRAIN_KINDS
from iclft.world.wording import WORDINGS

DEFAULT_ROOT = "~/.cache/iclft/world"  # `--out` default: DEFAULT_ROOT/NAME


@dataclass
class WorldModelConfig:
    """A Llama-architecture decoder (transformers LlamaConfig); a few million parameters."""

    hidden_size: int = 128
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 512
    vocab_size: int = 1024  # byte-level BPE, trained on the corpus
    max_position_embeddings: int = 4096
    # Standard deviation of the initial weights. transformers' 0.02 suits ~768-wide models; at 128
    # wide it starts attention scores near zero, and attention then takes long to learn to look back.
    initializer_range: float = 0.02
    # The base of the rotary position embedding's frequencies. A continued run may raise it (the
    # "adjusted base frequency" of long-context training) so that more of each head's dimensions
    # rotate slowly enough to match content thousands of tokens apart.
    rope_theta: float = 10000.0


@dataclass
class CorpusConfig:
    mix: dict = field(default_factory=lambda: {"comparison": 0.15, "drill": 0.1, "syllogism": 0.15, "taxonomy": 0.2,
                                               "local": 0.1, "global": 0.1, "repeat": 0.1, "list": 0.1})
    max_size: float = 1.0  # largest world, as a fraction of the largest sizes in corpus._world
    # Curriculum: the largest world grows linearly from min_size to max_size over the first
    # curriculum_rows training rows (0: every row draws sizes up to max_size).
    curriculum_rows: int = 0
    # The first warmup_rows rows draw their kinds from warmup_mix instead of mix ({}: no warm-up),
    # e.g. mostly `list` and `repeat` episodes, from which looking back is learned fastest.
    warmup_mix: dict = field(default_factory=dict)
    warmup_rows: int = 0
    max_tokens: int = 1024  # training row length; episodes are packed whole, never truncated
    tokenizer_episodes: int = 2000  # the first N episodes train the tokenizer
    # Words the pretraining never uses: every word of these presets' datasets at seeds 0..N-1
    # (words: grammar), or none by construction (words: disjoint, iclft.world.corpus.disjoint_pool:
    # a second grammar whose 6-7-letter words no dataset can draw).
    reserve_presets: list[str] = field(default_factory=lambda: ["micro", "quick"])
    reserve_seeds: int = 5
    words: str = "grammar"
    # study: the datasets' own wording (the first world models); pretrain: only the pretraining side
    # of every wording family (iclft.world.wording), so the study asks in wording never seen; broad:
    # the pretraining side written combinatorially, hundreds of forms a family (iclft.data.wording).
    wording: str = "study"
    max_facts: int = 16  # the largest comparison world (at max_size 1)
    # The smallest world of a `comparison` episode (2: sizes as drawn). Raising it makes every such
    # world long, so that more questions ask about documents far back (other kinds keep their sizes).
    min_facts: int = 2
    # Inherited questions a `category` world asks per stated fact it asks (1: as many; 0: none, every
    # question a lookup of a stated fact, as stated, reworded or turned around).
    category_deduced: float = 1.0
    # ... each across at most this many parent links (0: any; 1: a property of the parent only).
    category_hops: int = 0
    # A persistent background world (pretrain wording only): this many facts, this share of them
    # stated both ways, recurring across the corpus in `background` episodes (0: none).
    background_facts: int = 0
    background_two_way: float = 0.3
    # The wording the background world's relations are drawn from (empty: corpus.wording): a second
    # stage in another wording keeps the world its base learned by naming the base's wording here.
    background_wording: str = ""


@dataclass
class TrainConfig:
    steps: int = 1000
    batch_size: int = 4  # rows of corpus.max_tokens tokens per optimizer step
    learning_rate: float = 2e-3
    min_lr_ratio: float = 0.1  # cosine decay to this share of the peak
    warmup_steps: int = 50
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    # Loss weight of every token that is not an answer to a question (documents, questions, the
    # augmentation prompts), against 1 for answer tokens: below 1, the loss leans on what in-context
    # reasoning predicts rather than on nonsense words no model can predict.
    other_weight: float = 1.0
    # Each packed episode attends only to itself, from position 0 (position ids restart; transformers
    # masks across them), rather than to the episodes packed before it in its row.
    isolate_episodes: bool = False
    # Each packed episode computed as its own sequence (episodes grouped by length, padded at the
    # end) rather than rows with a block-diagonal mask: isolated as above, and faster (README,
    # `iclft bench --only world`), with one loss term less per episode (its first token, predicted
    # from the end of an unrelated episode). Off in the `world` preset, which reproduces the
    # shipped weights.
    split_episodes: bool = False
    # Steps of copying random token sequences shown twice (benchmarks/copy_probe.py) before the
    # corpus, to grow an induction head first (0: none). Not counted in `steps` or the time limit.
    copy_warmup_steps: int = 0
    # Where finished copy warm-ups are kept, keyed by everything they depend on (model shape, vocab
    # size, seed, steps, optimizer settings, torch version), so a run with a new corpus recipe starts
    # from the same warmed-up weights in seconds instead of minutes (null: always compute it).
    warmup_cache: str | None = "~/.cache/iclft/world/warmups"
    eval_every: int = 100  # held-out in-context accuracy (0: only at the end)
    checkpoint_every: int = 100
    time_limit_minutes: float = 0.0  # stop early (and save) after this long; 0: no limit
    # torch CPU threads while pretraining on a CPU (0: torch's default, one per core or
    # OMP_NUM_THREADS). Threads spin-wait for each other, so on cores other jobs share, more is slower.
    threads: int = 0
    # A second stage: a world model folder (another run's, of this model shape) whose tokenizer and
    # weights start this run, which then trains `steps` more on this config's corpus; no tokenizer
    # is trained and no copy warm-up runs. Empty: from scratch.
    init_from: str = ""
    # The first corpus row this run reads (a second stage reads rows its first never read).
    first_row: int = 0


@dataclass
class WorldConfig:
    name: str = "world"
    seed: int = 0
    model: WorldModelConfig = field(default_factory=WorldModelConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


def world_preset_names() -> list[str]:
    return preset_names("iclft.world.presets")


def load_world_config(path: str | None = None, preset: str | None = None, overrides: list[str] = ()) -> WorldConfig:
    """Compose a preset or file, then `key=value` overrides (values parsed as YAML)."""
    cfg = compose(WorldConfig, "iclft.world.presets", path, preset, overrides, what="world preset",
                  example="train.steps=200")
    validate(cfg)
    return cfg


def validate(cfg: WorldConfig) -> None:
    m, t, c = cfg.model, cfg.train, cfg.corpus
    for name, value in (("model.hidden_size", m.hidden_size), ("model.num_hidden_layers", m.num_hidden_layers),
                        ("model.num_attention_heads", m.num_attention_heads), ("train.steps", t.steps),
                        ("train.batch_size", t.batch_size), ("corpus.tokenizer_episodes", c.tokenizer_episodes)):
        if value < 1:
            raise IclftError(f"{name} must be at least 1, got {value}")
    if m.hidden_size % m.num_attention_heads:
        raise IclftError(f"model.hidden_size ({m.hidden_size}) must be a multiple of model.num_attention_heads "
                         f"({m.num_attention_heads})")
    if m.vocab_size < 300:
        raise IclftError(f"model.vocab_size must be at least 300 (256 bytes, special tokens, merges), got {m.vocab_size}")
    for name, mix in (("corpus.mix", c.mix), ("corpus.warmup_mix", c.warmup_mix)):
        if name == "corpus.warmup_mix" and not mix:
            continue
        if not isinstance(mix, dict) or set(mix) - set(KINDS) or not mix \
                or not all(isinstance(w, (int, float)) and w >= 0 for w in mix.values()) or not sum(mix.values()) > 0:
            raise IclftError(f"{name} must weigh some of {', '.join(KINDS)} with non-negative numbers, got {mix}")
    for name, value in (("corpus.curriculum_rows", c.curriculum_rows), ("corpus.warmup_rows", c.warmup_rows),
                        ("train.threads", t.threads), ("train.copy_warmup_steps", t.copy_warmup_steps),
                        ("train.eval_every", t.eval_every), ("train.checkpoint_every", t.checkpoint_every),
                        ("train.warmup_steps", t.warmup_steps), ("train.time_limit_minutes", t.time_limit_minutes),
                        ("train.first_row", t.first_row)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise IclftError(f"{name} must be 0 or more, got {value}")
    if c.max_tokens < 64:  # checked before a tokenizer is trained or a folder locked
        raise IclftError(f"corpus.max_tokens must be at least 64 (a training row holds whole episodes), got {c.max_tokens}")
    if c.words not in ("grammar", "disjoint") or c.wording not in WORDINGS:
        raise IclftError(f"corpus.words must be grammar or disjoint and corpus.wording {' or '.join(WORDINGS)}, "
                         f"got {c.words!r} and {c.wording!r}")
    if c.wording != "study":
        kinds = {k for m in (c.mix, c.warmup_mix) for k, weight in m.items() if weight}
        if kinds - set(PRETRAIN_KINDS):
            raise IclftError(f"corpus.wording={c.wording} writes only {', '.join(PRETRAIN_KINDS)} episodes; "
                             f"the mix asks for {', '.join(sorted(kinds - set(PRETRAIN_KINDS)))}")
    if c.background_wording and c.background_wording not in WORDINGS:
        raise IclftError(f"corpus.background_wording must be empty (corpus.wording's) or {' or '.join(WORDINGS)}, "
                         f"got {c.background_wording!r}")
    if c.background_facts < 0 or not 0 <= c.background_two_way <= 1 or c.max_facts < 2:
        raise IclftError("corpus.background_facts must be 0 or more, corpus.background_two_way in [0, 1] and "
                         "corpus.max_facts at least 2")
    if type(c.category_hops) is not int or c.category_hops < 0:
        raise IclftError(f"corpus.category_hops must be a whole number >= 0, got {c.category_hops!r}")
    if not 0 <= c.category_deduced <= 10:
        raise IclftError(f"corpus.category_deduced must be between 0 and 10, got {c.category_deduced}")
    if not 2 <= c.min_facts <= c.max_facts:
        raise IclftError(f"corpus.min_facts must be between 2 and corpus.max_facts ({c.max_facts}), got {c.min_facts}")
    if (c.mix.get("background") or c.warmup_mix.get("background")) and not (c.background_facts and c.wording != "study"):
        raise IclftError("background episodes need corpus.background_facts > 0 and a pretraining corpus.wording")
    if not 0 < c.max_size <= 1:
        raise IclftError(f"corpus.max_size must be in (0, 1], got {c.max_size}")
    if not 0 < t.other_weight <= 1:
        raise IclftError(f"train.other_weight must be in (0, 1], got {t.other_weight}")
    for name, value in (("train.learning_rate", t.learning_rate), ("train.max_grad_norm", t.max_grad_norm),
                        ("model.initializer_range", m.initializer_range), ("model.rope_theta", m.rope_theta)):
        if not (math.isfinite(value) and value > 0):
            raise IclftError(f"{name} must be a positive finite number, got {value}")
    if not (math.isfinite(t.weight_decay) and t.weight_decay >= 0):
        raise IclftError(f"train.weight_decay must be a finite number, 0 or more, got {t.weight_decay}")
    if not 0 <= t.min_lr_ratio <= 1:
        raise IclftError(f"train.min_lr_ratio must be in [0, 1], got {t.min_lr_ratio}")


def dump(cfg: WorldConfig) -> str:
    return yaml.safe_dump(dataclasses.asdict(cfg), sort_keys=False)
