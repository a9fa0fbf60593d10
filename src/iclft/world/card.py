"""The model card (README.md) of a world-model folder."""
from __future__ import annotations

import json
from pathlib import Path

from iclft import __version__
from iclft.world import corpus
from iclft.world.config import WorldConfig
from iclft.world.probes import EVAL_SEED


def write_card(folder: Path, cfg: WorldConfig, facts: dict) -> None:
    last = facts["log"][-1] if facts["log"] else {}
    acc = "\n".join(f"| {k} | {v:.3f} |" for k, v in {**last.get("heldout", {}), **last.get("background", {})}.items())
    c = cfg.corpus
    if c.wording != "study":
        what = f"""of synthetic episodes in pretraining wording only (iclft.world.wording: no document or question
preamble, comparative, header, instruction or augmentation-prompt wording of iclft's datasets and study
occurs in it): random worlds of nonsense-word comparisons stated as notes and asked about (forwards and
reversed), a background world of {c.background_facts} facts that recur across the corpus ({c.background_two_way:.0%} stated
both ways, the rest only forwards; asked with notes and closed book), its own tasks of restating notes,
turning them around and inferring from a collection, and warm-ups for looking back (word lists and notes
shown twice).{_category_sentence(c)} Its words come from a second grammar ({'6-7' if c.words == 'disjoint' else '4-5'} letters) that no
dataset draws from, at any seed, so every study fact and word is new to it."""
    else:
        what = f"""of synthetic episodes: many random worlds of nonsense-word facts (comparisons with converses,
syllogisms, category trees with inherited properties), each stated as documents and then asked about
(forwards, reversed, by deduction) in the layout of iclft's `icl` condition, plus iclft's local and
global augmentation prompts continued with a world's rephrasings, reversals and inferences, and
warm-ups for looking back (word lists and documents shown twice, as the corpus mix says). The
sentence templates are iclft's datasets' own. Every word of the reserved study datasets
({', '.join(c.reserve_presets)} presets, seeds 0-{c.reserve_seeds - 1}) is excluded from
pretraining, so their facts are new to it."""
    origin, again = "trained from scratch", f"`iclft world pretrain --preset {cfg.name}`"
    if cfg.train.init_from:
        base = _base_facts(cfg.train.init_from)
        origin = (f"continued from the world model `{base.get('config', {}).get('name', cfg.train.init_from)}`"
                  f"{' (' + format(base['tokens'], ',') + ' tokens, ' + str(base['steps']) + ' steps)' if 'tokens' in base else ''},"
                  f" its tokenizer and weights,")
        again = (f"`iclft world pretrain --preset {base.get('config', {}).get('name', 'BASE')} --out BASE`, then "
                 f"`iclft world pretrain --preset {cfg.name} train.init_from=BASE`")
    (folder / "README.md").write_text(f"""---
library_name: transformers
tags: [iclft, synthetic, from-scratch]
---
# {cfg.name}: a world model made by iclft {__version__}

A {facts['parameters'] / 1e6:.2f}M-parameter Llama-architecture decoder {origin} trained by
`iclft world pretrain` on {facts['tokens']:,} tokens ({facts['steps']} steps of {cfg.train.batch_size} rows{f', from corpus row {cfg.train.first_row}' if cfg.train.first_row else ''})
{what}

Tokenizer: byte-level BPE, {facts['vocab_size']} tokens, {"the base model's" if cfg.train.init_from else f"trained on the first {cfg.corpus.tokenizer_episodes} episodes"}; one special token `<|endoftext|>` (BOS, EOS, padding); no chat template.

Training: AdamW (fused), peak learning rate {cfg.train.learning_rate}, warmup {cfg.train.warmup_steps} steps, {"constant after" if cfg.train.min_lr_ratio == 1 else f"cosine decay to {cfg.train.min_lr_ratio} of the peak"}, float32, seed {cfg.seed}, initial weights std {cfg.model.initializer_range}; answer tokens weighted 1 and the
rest {cfg.train.other_weight}; episodes {'isolated from' if cfg.train.isolate_episodes or cfg.train.split_episodes else 'attending to'} the
episodes packed before them; the first {cfg.corpus.warmup_rows} rows drawn from {cfg.corpus.warmup_mix or 'the mix'},
then from {cfg.corpus.mix}; world sizes capped from {corpus.MIN_SIZE} up to {cfg.corpus.max_size} over the first
{cfg.corpus.curriculum_rows} rows; {facts['seconds'] / 60:.1f} minutes on {facts['device']},
{facts['tokens_per_second']:.0f} tokens/s. Corpus fingerprint (sha256 of the first 200 episodes):
`{facts['corpus_sha256']}`.

Copy accuracy at the end (next-token accuracy on the repeated half of held-out word lists, an
induction head's job): {last.get('copy', 'not measured')}.

Held-out accuracy at the end (in context: datasets at seed {EVAL_SEED}, summed log-likelihood;
background: its facts asked closed book in evaluation wording, where it has one; `heldout.png` draws
it at every evaluation against the corpus tokens seen, and `log.jsonl` lists it):

| dataset/split | accuracy |
|---|---|
{acc}

The full config is in `world.json`; to make it again: `iclft world pretrain CONFIG.yaml` with that
config, or {again}.
""")


def _category_sentence(c) -> str:
    """The category kind, where the mix has it: what its episodes state and ask."""
    if not c.mix.get("category") and not c.warmup_mix.get("category"):
        return ""
    asked = "recalled, reworded and turned around"
    if not c.category_deduced:
        asked += " (no inherited properties asked)"
    else:
        times = "" if c.category_deduced == 1 else f"{c.category_deduced:g} times "
        links = "" if not c.category_hops else f" (at most {c.category_hops} parent link{'s' * (c.category_hops > 1)} up)"
        asked += f", and {times}as many inherited properties{links}"
    share = f"{c.mix['category']:.0%} of the mix" if c.mix.get("category") else "in the warm-up rows only"
    return (f"\nCategory trees ({share}): a taxonomy of nonsense-word categories,"
            f" each category's parent link and own traits, parts and acts stated as notes, then {asked}.")


def _base_facts(init_from: str) -> dict:
    """The base model's world.json (config, tokens, steps), or {} where it has none."""
    path = Path(init_from).expanduser() / "world.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
