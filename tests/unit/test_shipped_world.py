"""The world model shipped inside iclft: its files are the ones its sums name, its record says how
it was made (the `fair` preset, then `fair_wide` and `fair_long` from it, then a fourth stage: fair_long
in the `varied` wording with more long worlds, then a fifth: the fourth's command with the rotary
base raised), and the study backend loads and scores it; the same for `world_taxonomy`, that model
continued twice on a corpus with category trees (docs/world-model.md, runs S6d and S7b)."""
from __future__ import annotations

import hashlib
import json

import pytest

from iclft import IclftError
from iclft.models.registry import SHIPPED_WORLD, SHIPPED_WORLD_TAXONOMY, resolve
from iclft.world.config import dump, load_world_config

# The fifth stage's command line (README, "A world we control"; docs/world-model.md, run Q2): the
# fourth's (run P4, rows from 61,000) on the next rows with the rotary base raised.
STAGE_FIVE = ["corpus.wording=varied", "corpus.mix={drill: 0.05, comparison: 0.4, background: 0.25, local: 0.1, "
              "global: 0.1, list: 0.05, repeat: 0.05}", "model.rope_theta=500000", "train.first_row=63000",
              "train.steps=600", "train.eval_every=200"]


# The taxonomy variant's two stages (docs/world-model.md, runs S6d and S7b), from the shipped model.
TAXONOMY_STAGES = [
    ["model.rope_theta=500000", "corpus.category_deduced=0", "train.learning_rate=1.0e-3", "train.min_lr_ratio=0.1",
     "train.steps=600", "train.eval_every=200"],
    ["model.rope_theta=500000", "corpus.mix={drill: 0.02, comparison: 0.4, background: 0.25, local: 0.03, "
     "global: 0.03, list: 0.01, repeat: 0.01, category: 0.25}", "corpus.category_deduced=0",
     "train.learning_rate=3.0e-4", "train.min_lr_ratio=0.1", "train.first_row=82000", "train.steps=300",
     "train.eval_every=300"],
]


def _sums(folder) -> dict[str, str]:
    sums = dict(line.split("  ")[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md"} <= set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    return sums


def test_shipped_files_match_their_sums_and_the_card_names_command_and_hash():
    sums = _sums(SHIPPED_WORLD)
    card = (SHIPPED_WORLD / "README.md").read_text()
    assert "iclft world pretrain --preset fair --out FAIR" in card and sums["model.safetensors"] in card
    assert "iclft world pretrain --preset fair_wide train.init_from=FAIR --out WIDE" in card
    assert "iclft world pretrain --preset fair_long train.init_from=WIDE --out LONG" in card
    assert "iclft world pretrain --preset fair_long corpus.wording=varied" in card
    assert "model.rope_theta=500000 train.init_from=STAGE4 train.first_row=63000" in card


def test_shipped_model_was_made_by_its_fifth_stage_command_and_logged_its_heldout_curve():
    # settings added since default to what the shipped run did, so the resolved configs are equal;
    # the base folder (train.init_from) is the one the run read
    shipped = load_world_config(str(SHIPPED_WORLD / "world.yaml"))
    stage = load_world_config(preset="fair_long", overrides=[*STAGE_FIVE, f"train.init_from={shipped.train.init_from}"])
    assert dump(shipped) == dump(stage)
    facts = json.loads((SHIPPED_WORLD / "world.json").read_text())
    assert facts["steps"] == stage.train.steps == 600
    curve = [e for e in facts["log"] if "heldout" in e]
    assert curve and curve[-1]["step"] == facts["steps"]
    assert {"simple_reversal/forward", "simple_reversal/reversal"} <= set(curve[-1]["heldout"])
    assert {"background/recall", "background/reversal_one_way"} <= set(curve[-1]["background"])


def test_world_resolves_to_the_shipped_model_and_scores():
    from iclft.data import generate
    from iclft.eval.multiple_choice import MCContext, score_items
    from iclft.models.hf import HFModel

    assert resolve("world").path == str(SHIPPED_WORLD)
    model = HFModel.load("world", dtype="float32", device="cpu")
    ds = generate("simple_reversal", seed=0, n_facts=2, docs_per_fact=1)
    records = score_items(model, list(ds.test), MCContext("", lambda it: it.prompt))
    assert len(records) == len(ds.test) and all(len(r["scores"]["sum"]) == 2 for r in records)


def test_taxonomy_variant_matches_its_sums_was_made_by_its_two_stages_and_says_what_it_costs(monkeypatch, tmp_path):
    sums = _sums(SHIPPED_WORLD_TAXONOMY)
    card = (SHIPPED_WORLD_TAXONOMY / "README.md").read_text()
    assert "`model.name: world_taxonomy`" in card and sums["model.safetensors"] in card
    assert "Category trees (25% of the mix)" in card and "no inherited properties asked" in card
    assert "train.init_from=WORLD" in card and "train.init_from=S6D" in card
    assert "50 facts: 0.92 against 0.99" in card
    shipped = load_world_config(str(SHIPPED_WORLD_TAXONOMY / "world.yaml"))
    stage = load_world_config(preset="fair_category",
                              overrides=[*TAXONOMY_STAGES[1], f"train.init_from={shipped.train.init_from}"])
    assert dump(shipped) == dump(stage)
    facts = json.loads((SHIPPED_WORLD_TAXONOMY / "world.json").read_text())
    assert facts["steps"] == 300 and shipped.corpus.words == "disjoint"
    # its base, stage S6d: the card gives its size, and the card's first command is TAXONOMY_STAGES[0]
    assert "continued from the world model `fair_category` (3,409,025 tokens, 600 steps)" in card
    assert " ".join(TAXONOMY_STAGES[0]) + " --out S6D" in card
    # the same tokenizer as `world`'s, so one tokenization of a study's words holds for both
    assert (SHIPPED_WORLD_TAXONOMY / "tokenizer.json").read_bytes() == (SHIPPED_WORLD / "tokenizer.json").read_bytes()
    assert resolve("world_taxonomy").path == str(SHIPPED_WORLD_TAXONOMY)
    monkeypatch.setattr("iclft.models.registry.SHIPPED_WORLD_TAXONOMY", tmp_path / "absent")
    with pytest.raises(IclftError, match="'world_taxonomy' is missing .* --preset fair_category"):
        resolve("world_taxonomy")
