"""The world model shipped inside iclft: its files are the ones its sums name, its record says how
it was made (the `fair` preset, then the `fair_wide` preset from it), and the study backend loads and
scores it."""
from __future__ import annotations

import hashlib
import json

from iclft.models.registry import SHIPPED_WORLD, resolve
from iclft.world.config import dump, load_world_config


def test_shipped_files_match_their_sums_and_the_card_names_command_and_hash():
    sums = dict(line.split("  ")[::-1] for line in (SHIPPED_WORLD / "SHA256SUMS").read_text().splitlines())
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md"} <= set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((SHIPPED_WORLD / name).read_bytes()).hexdigest() == digest, name
    card = (SHIPPED_WORLD / "README.md").read_text()
    assert "iclft world pretrain --preset fair --out BASE" in card and sums["model.safetensors"] in card
    assert "iclft world pretrain --preset fair_wide train.init_from=BASE" in card


def test_shipped_model_was_made_by_the_fair_wide_preset_and_logged_its_heldout_curve():
    # settings added since default to what the shipped run did, so the resolved configs are equal
    shipped = load_world_config(str(SHIPPED_WORLD / "world.yaml"))
    assert dump(shipped) == dump(load_world_config(preset="fair_wide"))
    facts = json.loads((SHIPPED_WORLD / "world.json").read_text())
    assert facts["steps"] == load_world_config(preset="fair_wide").train.steps
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
