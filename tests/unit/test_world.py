"""The world model: corpus determinism and disjointness from the study's data, a few pretraining steps
on the tiny preset writing an ordinary model folder, resume, and loading through the usual backend."""
from __future__ import annotations

import json
import re

import pytest
import torch

from iclft import IclftError
from iclft.config import load_config
from iclft.data import generate
from iclft.world import corpus
from iclft.world.config import load_world_config
from iclft.world.pretrain import pretrain
from iclft.world.stream import Stream, corpus_fingerprint, reserved

TINY = ["train.steps=4", "train.checkpoint_every=2"]


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory):
    """The tiny preset trained for 4 steps without interruption."""
    out = tmp_path_factory.mktemp("world") / "tiny"
    return pretrain(load_world_config(preset="tiny", overrides=TINY), out=str(out), progress=False)


def test_corpus_is_byte_identical_for_a_seed_and_differs_across_seeds():
    cfg = load_world_config(preset="tiny")
    a, b = Stream(cfg), Stream(cfg)
    assert [a.episode(i).text for i in range(30)] == [b.episode(i).text for i in range(30)]
    assert corpus_fingerprint(a, 30) == corpus_fingerprint(b, 30)
    other = Stream(load_world_config(preset="tiny", overrides=["seed=1"]))
    assert corpus_fingerprint(other, 30) != corpus_fingerprint(a, 30)
    kinds = {a.episode(i).kind for i in range(60)}
    assert kinds == set(cfg.corpus.mix)


def test_episode_answers_follow_from_its_documents():
    """In a comparison world every answer states a documented fact, forwards or reversed."""
    pool = corpus.word_pool(frozenset())
    for i in range(20):
        ep = corpus.episode(0, i, pool, {"comparison": 1.0}, 0.3)
        docs, questions = ep.text.split("Use the facts in the documents above")
        for start, end in ep.answers:
            a, form, b = re.fullmatch(r"(\w+) are (.+) than (\w+)\.", ep.text[start:end]).groups()
            from iclft.data.simple_reversal import converse
            assert f"{a} are {form} than {b}." in docs or f"{b} are {converse(form)} than {a}." in docs


def test_drill_asks_every_fact_once_and_answers_follow_from_its_documents():
    """A drill world states each fact once and asks each once, forward or reversed, the question
    naming the subject; both directions occur."""
    from iclft.data.simple_reversal import _STATEMENT, converse

    pool = corpus.word_pool(frozenset())
    directions = set()
    for i in range(30):
        ep = corpus.episode(0, i, pool, {"drill": 1.0}, 1.0)
        docs, questions = ep.text.split("Use the facts in the documents above")
        facts = [m.groups() for m in _STATEMENT.finditer(docs)]
        assert 2 <= len(facts) <= 12 and len(ep.answers) == len(facts)
        asked = set()
        for start, end in ep.answers:
            subject = ep.text[:start].split()[-1]
            form, b = re.fullmatch(r"are (.+) than (\w+)\.", ep.text[start:end]).groups()
            forward = (subject, form, b) in facts
            assert forward or (b, converse(form), subject) in facts
            directions.add(forward)
            asked.add(frozenset((subject, b)))
        assert asked == {frozenset((a, b)) for a, _, b in facts}
    assert directions == {True, False}


def test_pretraining_never_uses_a_word_of_the_micro_study():
    """The disjointness check: no word of the micro (or quick) preset's datasets, at seeds 0-4,
    is in the pretraining word pool, and none appears in pretraining text; so no test fact does."""
    cfg = load_world_config(preset="world_v1")
    study_words = set()
    for d in load_config(preset="micro").datasets:
        study_words |= set(generate(d.name, seed=0, **d.params).meta["words"])
    assert study_words and study_words <= reserved(cfg)
    stream = Stream(cfg)
    assert not study_words & set(stream.pool)
    assert not {w.rstrip("s") for w in study_words} & {w.rstrip("s") for w in stream.pool}
    seen = set()
    for i in range(150):
        seen |= set(re.findall(r"[a-z]+", stream.episode(i).text.lower()))
    assert not study_words & seen
    # the check can fail: a pool without the reservation does contain study words
    assert study_words & set(corpus.word_pool(frozenset()))


def test_pretrain_writes_a_folder_the_study_backend_loads_and_scores(tiny_world):
    from iclft.models.hf import HFModel

    for name in ("config.json", "model.safetensors", "tokenizer.json", "README.md", "world.json", "log.jsonl",
                 "heldout.png"):
        assert (tiny_world / name).is_file(), name
    assert (tiny_world / "heldout.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "trained from scratch" in (tiny_world / "README.md").read_text()
    last = json.loads((tiny_world / "log.jsonl").read_text().splitlines()[-1])
    assert 0 <= last["copy"] <= 1 and set(last["heldout"]) >= {"simple_reversal/forward", "simple_reversal/reversal"}
    model = HFModel.load(str(tiny_world), dtype="float32", device="cpu")
    assert not model.has_chat_template and not model.adds_bos
    assert model.tokenizer.eos_token_id is not None and model.tokenizer.pad_token_id is not None
    # a word the tokenizer never saw still tokenizes and scores
    scores = model.loglikelihood([("It is true that", " zzqx are heavier than femp."),
                                  ("It is true that", " femp are heavier than zzqx.")])
    assert all(s.logprob < 0 and s.n_tokens > 1 for s in scores)


def test_resume_continues_to_the_same_weights(tiny_world, tmp_path):
    """Interrupted after 2 of 4 steps and resumed: the same weights as the uninterrupted run, so
    training is deterministic on CPU and resume regenerates exactly the batches that were next."""
    from safetensors.torch import load_file

    cfg = load_world_config(preset="tiny", overrides=TINY)
    out = tmp_path / "resumed"
    pretrain(cfg, out=str(out), progress=False, stop_at=2)
    assert not (out / "model.safetensors").exists()
    with pytest.raises(IclftError, match="--resume"):
        pretrain(cfg, out=str(out), progress=False)
    pretrain(cfg, out=str(out), resume=True, progress=False)
    a, b = load_file(tiny_world / "model.safetensors"), load_file(out / "model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    # and the same log: the running mean of the loss carried over the interruption
    last = [json.loads(line) for line in (tiny_world / "log.jsonl").read_text().splitlines()][-1]
    resumed = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()][-1]
    assert last["step"] == resumed["step"] == 4 and last["loss"] == resumed["loss"]
    # a sound checkpoint of another shape is named as such, in one line
    other = tmp_path / "other"
    pretrain(cfg, out=str(other), progress=False, stop_at=2)
    with pytest.raises(IclftError, match="model of another shape") as e:
        pretrain(load_world_config(preset="tiny", overrides=[*TINY, "model.intermediate_size=96"]), out=str(other),
                 resume=True, progress=False)
    assert "\n" not in str(e.value)
    fresh = load_file(pretrain(load_world_config(preset="tiny", overrides=[*TINY, "train.steps=2"]),
                               out=str(tmp_path / "short"), progress=False) / "model.safetensors")
    assert not all(torch.equal(a[k], fresh[k]) for k in a)


def test_a_second_stage_starts_from_its_base_and_reads_new_rows(tiny_world, tmp_path):
    """train.init_from: the base's tokenizer and weights start the run (one tiny step away from them,
    nearer than a fresh model is); train.first_row moves the rows read; a folder that is not a world model,
    or holds another shape, is one line."""
    from safetensors.torch import load_file

    base = load_file(tiny_world / "model.safetensors")
    cfg = load_world_config(preset="tiny", overrides=["train.steps=1", f"train.init_from={tiny_world}",
                                                      "train.first_row=1000", "train.learning_rate=1e-6"])
    second = pretrain(cfg, out=str(tmp_path / "second"), progress=False)
    assert (second / "tokenizer.json").read_text() == (tiny_world / "tokenizer.json").read_text()
    after = load_file(second / "model.safetensors")
    moved = max((after[k] - base[k]).abs().max().item() for k in base)
    assert 0 < moved < 1e-5  # one step of Adam at 1e-6 from the base
    fresh = load_file(pretrain(load_world_config(preset="tiny", overrides=["train.steps=1"]),
                               out=str(tmp_path / "fresh"), progress=False) / "model.safetensors")
    assert max((fresh[k] - base[k]).abs().max().item() for k in base) > 1e-3
    for overrides, message in (([f"train.init_from={tmp_path}"], "is not a world model folder"),
                               ([f"train.init_from={tiny_world}", "model.intermediate_size=96"], "another shape")):
        with pytest.raises(IclftError, match=message) as e:
            pretrain(load_world_config(preset="tiny", overrides=["train.steps=1", *overrides]),
                     out=str(tmp_path / f"bad{len(overrides)}"), progress=False)
        assert "\n" not in str(e.value)
    with pytest.raises(IclftError, match="train.first_row must be 0 or more"):
        load_world_config(preset="tiny", overrides=["train.first_row=-1"])


def test_cli_errors_are_one_line(capsys, tmp_path, monkeypatch):
    from iclft.cli import main
    from iclft.models.registry import resolve

    assert main(["world", "pretrain", "--preset", "nope"]) == 2
    assert main(["world", "pretrain", "--preset", "tiny", "model.hidden_size=30"]) == 2
    for bad in ("train.time_limit_minutes=-1", "train.eval_every=-5", "train.checkpoint_every=-1",
                "train.warmup_steps=-2", "corpus.max_tokens=0"):
        out = tmp_path / bad.split("=")[0]
        assert main(["world", "pretrain", "--preset", "tiny", "--out", str(out), bad]) == 2, bad
        assert not out.exists(), bad  # refused before any file, tokenizer or lock
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 7 and all(e.startswith("iclft: error: ") for e in err)
    monkeypatch.setattr("iclft.models.registry.SHIPPED_WORLD", tmp_path / "absent")
    with pytest.raises(IclftError, match="iclft world pretrain --preset fair"):
        resolve("world")


def test_split_episodes_compute_the_isolated_rows_loss_less_the_cross_episode_terms(tiny_world, tmp_path):
    """Each episode on its own sequence gives the loss of isolated packed rows once the terms that
    predict an episode's first token from the episode before it are dropped; groups keep within the
    slot budget; training with it runs, and a run with it differs from one without."""
    from iclft.world.batches import _batch, episodes_of, split_batches, weighted_loss
    from iclft.world.model import build_model
    from iclft.world.tokenizer import train_tokenizer

    cfg = load_world_config(preset="tiny", overrides=["corpus.max_tokens=512", "corpus.max_size=0.3"])
    stream = Stream(cfg)
    stream.tokenizer = train_tokenizer((stream.episode(i).text for i in range(50)), cfg.model.vocab_size)
    rows = [stream.row(b) for b in range(3)]
    episodes = episodes_of(rows)
    assert len(episodes) > len(rows) and sum(len(e.ids) for e in episodes) == sum(len(r.ids) for r in rows)
    assert all(e.positions == list(range(len(e.ids))) for e in episodes)
    pad = stream.tokenizer.pad_token_id
    groups = split_batches(rows, pad, 0.1, 512)
    assert all(g["input_ids"].numel() <= 512 or len(g["input_ids"]) == 1 for g in groups)
    assert sum(int((g["weights"] > 0).sum()) for g in groups) == sum(len(e.ids) for e in episodes)
    model = build_model(cfg, stream.tokenizer).eval()
    isolated = _batch(rows, pad, 0.1, isolate=True)
    # predicting ids[t] at a later episode's start: a term only the packed rows have
    starts = isolated["position_ids"] == 0
    starts[:, 0] = False
    isolated["weights"][starts] = 0.0
    with torch.no_grad():
        assert torch.allclose(weighted_loss(model, groups), weighted_loss(model, isolated), atol=1e-5)
    from safetensors.torch import load_file

    folder = pretrain(load_world_config(preset="tiny", overrides=[*TINY, "train.split_episodes=true"]),
                      out=str(tmp_path / "split"), progress=False)
    a, b = load_file(tiny_world / "model.safetensors"), load_file(folder / "model.safetensors")
    assert a.keys() == b.keys() and not all(torch.equal(a[k], b[k]) for k in a)


def test_answer_tokens_are_marked_and_weighted():
    """Stream.tokens marks exactly the tokens of an episode's answers; with every weight 1 the
    weighted loss is the model's own mean loss, and down-weighting the rest changes it."""
    from iclft.world.batches import _batch, weighted_loss
    from iclft.world.model import build_model
    from iclft.world.tokenizer import train_tokenizer

    cfg = load_world_config(preset="tiny", overrides=["corpus.mix={comparison: 1.0}"])
    stream = Stream(cfg)
    stream.tokenizer = train_tokenizer((stream.episode(i).text for i in range(20)), cfg.model.vocab_size)
    ep, t = stream.episode(0), stream.tokens(0)
    marked = stream.tokenizer.decode([i for i, a in zip(t.ids, t.answer) if a])
    assert marked.split() == " ".join(ep.text[s:e] for s, e in ep.answers).split()
    assert 0 < sum(t.answer) < len(t.ids)
    model = build_model(cfg, stream.tokenizer)
    rows = [stream.row(0), stream.row(1)]
    batch = _batch(rows, stream.tokenizer.pad_token_id)
    labels = batch["input_ids"].masked_fill(batch["weights"] == 0, -100)
    reference = model(input_ids=batch["input_ids"], labels=labels).loss
    assert torch.allclose(weighted_loss(model, batch), reference, atol=1e-5)
    assert not torch.allclose(weighted_loss(model, _batch(rows, stream.tokenizer.pad_token_id, 0.1)), reference)


@pytest.mark.parametrize("kind", ["repeat", "list"])
def test_warm_up_episodes_answer_with_a_copy_of_what_they_said_before(kind):
    pool = corpus.word_pool(frozenset())
    for i in range(20):
        ep = corpus.episode(0, i, pool, {kind: 1.0}, max_size=0.4)
        assert ep.kind == kind and ep.answers
        for start, end in ep.answers:
            assert ep.text[start:end].rstrip(".") in ep.text[:start]


def test_warm_up_mix_covers_the_first_rows_only():
    from iclft.world.stream import ROW_EPISODES

    cfg = load_world_config(preset="tiny", overrides=["corpus.warmup_mix={list: 1.0}", "corpus.warmup_rows=2",
                                                      "corpus.mix={comparison: 1.0}"])
    stream = Stream(cfg)
    assert {stream.episode(i).kind for i in range(2 * ROW_EPISODES)} == {"list"}
    assert {stream.episode(i).kind for i in range(2 * ROW_EPISODES, 3 * ROW_EPISODES)} == {"comparison"}
    with pytest.raises(IclftError, match="corpus.warmup_mix must weigh"):
        load_world_config(preset="tiny", overrides=["corpus.warmup_mix={lists: 1.0}"])


def test_copy_warmup_runs_before_the_corpus_and_is_logged(tmp_path):
    cfg = load_world_config(preset="tiny", overrides=[*TINY, "train.copy_warmup_steps=100",
                                                      f"train.warmup_cache={tmp_path / 'warmups'}"])
    folder = pretrain(cfg, out=str(tmp_path / "w"), progress=False)
    lines = [json.loads(x) for x in (folder / "log.jsonl").read_text().splitlines()]
    assert lines[0]["copy_warmup_step"] == 100 and 0 <= lines[0]["copy"] <= 1 and lines[0]["loss"] > 0
    assert "heldout" in lines[-1]
    with pytest.raises(IclftError, match="train.copy_warmup_steps must be 0 or more"):
        load_world_config(preset="tiny", overrides=["train.copy_warmup_steps=-1"])
    for bad, message in (("train.learning_rate=.inf", "train.learning_rate must be a positive finite number"),
                         ("train.max_grad_norm=-1", "train.max_grad_norm must be a positive finite number"),
                         ("model.initializer_range=.nan", "model.initializer_range must be a positive finite"),
                         ("train.weight_decay=.inf", "train.weight_decay must be a finite number")):
        with pytest.raises(IclftError, match=message):
            load_world_config(preset="tiny", overrides=[bad])


def test_isolated_episodes_see_only_themselves_from_position_zero():
    """With train.isolate_episodes, an episode packed after others gets the logits it gets alone."""
    from iclft.world.batches import _batch
    from iclft.world.model import build_model
    from iclft.world.tokenizer import train_tokenizer

    cfg = load_world_config(preset="tiny", overrides=["corpus.mix={comparison: 1.0}", "corpus.max_size=0.2"])
    stream = Stream(cfg)
    stream.tokenizer = train_tokenizer((stream.episode(i).text for i in range(20)), cfg.model.vocab_size)
    model = build_model(cfg, stream.tokenizer).eval()
    row = stream.row(0)
    starts = [i for i, p in enumerate(row.positions) if p == 0]
    assert len(starts) >= 2 and starts[0] == 0
    last = starts[-1]
    alone = model(input_ids=torch.tensor([row.ids[last:]])).logits[0]
    batch = _batch([row], stream.tokenizer.pad_token_id, isolate=True)
    packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits[0, last:]
    assert torch.allclose(packed, alone, atol=1e-4)
    shared = model(input_ids=batch["input_ids"], use_cache=False).logits[0, last:]  # without isolation it sees the others
    assert not torch.allclose(shared, alone, atol=1e-4)


def test_curriculum_grows_the_worlds_and_threads_are_restored():
    from iclft.world.pretrain import cpu_threads

    cfg = load_world_config(preset="tiny", overrides=["corpus.max_size=0.8", "corpus.curriculum_rows=10"])
    stream = Stream(cfg)
    assert stream.max_size(0) == corpus.MIN_SIZE and stream.max_size(64 * 5) == pytest.approx(0.475)
    assert stream.max_size(64 * 10) == stream.max_size(64 * 99) == 0.8
    assert Stream(load_world_config(preset="tiny", overrides=["corpus.max_size=0.8"])).max_size(0) == 0.8
    before = torch.get_num_threads()
    with cpu_threads(before + 1):
        assert torch.get_num_threads() == before + 1
    assert torch.get_num_threads() == before


def test_copy_warmup_is_cached_and_a_cached_run_ends_with_the_same_weights(tmp_path):
    """The second run reads the warm-up from the cache (its log says so) and, the warm-up being a
    pure function of its key, ends with exactly the weights of the run that computed it."""
    from safetensors.torch import load_file

    over = [*TINY, "train.copy_warmup_steps=30", f"train.warmup_cache={tmp_path / 'warmups'}"]
    cfg = load_world_config(preset="tiny", overrides=over)
    first = pretrain(cfg, out=str(tmp_path / "a"), progress=False)
    assert len(list((tmp_path / "warmups").glob("*.safetensors"))) == 1
    second = pretrain(cfg, out=str(tmp_path / "b"), progress=False)
    logs = [[json.loads(x) for x in (f / "log.jsonl").read_text().splitlines()] for f in (first, second)]
    assert not logs[0][0].get("cached") and logs[1][0]["cached"] is True
    assert logs[0][0]["copy"] == logs[1][0]["copy"]
    a, b = load_file(first / "model.safetensors"), load_file(second / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    other = load_world_config(preset="tiny", overrides=[*over, "train.copy_warmup_steps=20"])
    pretrain(other, out=str(tmp_path / "c"), progress=False)  # another key: computed, cached beside
    assert len(list((tmp_path / "warmups").glob("*.safetensors"))) == 2


def test_checkpoints_hold_no_pickle_and_resume_refuses_damage(tmp_path):
    """A checkpoint is safetensors and JSON only; a crafted pickle beside it is never loaded; a
    damaged one, or none, is one IclftError before any work."""
    import pickle

    cfg = load_world_config(preset="tiny", overrides=TINY)
    out = tmp_path / "run"
    pretrain(cfg, out=str(out), progress=False, stop_at=2)
    ck = out / "checkpoint"
    assert sorted(p.name for p in ck.iterdir()) == ["model-2.safetensors", "optimizer-2.safetensors", "state.json"]
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (ck / "state.pt").write_bytes(pickle.dumps(Payload()))
    pretrain(cfg, out=str(out), resume=True, progress=False)
    assert not marker.exists() and (out / "model.safetensors").is_file()

    assert sorted(p.name for p in ck.iterdir()) == ["model-4.safetensors", "optimizer-4.safetensors",
                                                    "state.json", "state.pt"]  # step 2's files removed
    (ck / "optimizer-4.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(IclftError, match="damaged checkpoint"):
        pretrain(cfg, out=str(out), resume=True, progress=False)
    empty = tmp_path / "empty"
    with pytest.raises(IclftError, match="no checkpoint to resume from"):
        pretrain(cfg, out=str(empty), resume=True, progress=False)
    assert not empty.exists()  # refused before the tokenizer or any file was made


def test_a_checkpoint_interrupted_while_saving_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    """Killed after the new weights were written but before state.json: the folder still resumes
    from the previous step's weights and optimizer, which state.json names."""
    import safetensors.torch

    cfg = load_world_config(preset="tiny", overrides=TINY)
    out = tmp_path / "run"
    pretrain(cfg, out=str(out), progress=False, stop_at=2)

    save_file = safetensors.torch.save_file

    def dies_on_the_optimizer(tensors, filename, *args, **kwargs):
        if "optimizer" in str(filename):
            raise KeyboardInterrupt
        return save_file(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(safetensors.torch, "save_file", dies_on_the_optimizer)  # after the weights
    with pytest.raises(KeyboardInterrupt):
        pretrain(cfg, out=str(out), resume=True, progress=False)
    monkeypatch.undo()
    ck = out / "checkpoint"
    assert json.loads((ck / "state.json").read_text())["step"] == 2 and (ck / "model-4.safetensors").exists()
    resumed = pretrain(cfg, out=str(out), resume=True, progress=False)
    from safetensors.torch import load_file

    fresh = pretrain(cfg, out=str(tmp_path / "whole"), progress=False)
    a, b = load_file(resumed / "model.safetensors"), load_file(fresh / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
