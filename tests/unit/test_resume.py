"""Fault-tolerant runs: the cell cache (hits, misses, concurrent writers) and `iclft run --resume`."""
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from iclft import conditions as conditions_mod
from iclft.runner.cell import CellCache, CellResult
from iclft.cli import main
from iclft.config import load_config
from iclft.models.hf import HFModel
from iclft.runner.run import run_study
from iclft.study import resume_study

SRC = __import__("conftest").REPO / "src"
SMALL = ["datasets=[{name: simple_reversal, params: {n_facts: 6, docs_per_fact: 2}}]",
         "finetune.epochs=2", "finetune.batch_size=4", "model.device=cpu", "model.dtype=float32"]


def _overrides(tiny_model_dir, cache, *extra):
    return [f"model.name={tiny_model_dir}", *SMALL, f"cache_dir={cache}", *extra]


def _cfg(tiny_model_dir, cache, *extra):
    return load_config(preset="quick", overrides=_overrides(tiny_model_dir, cache, *extra))


@pytest.fixture
def calls(monkeypatch):
    """The conditions run, in order (a cell read from the cache or a partial folder runs none)."""
    seen, get = [], conditions_mod.get

    def counting(name):
        seen.append(name)
        return get(name)
    monkeypatch.setattr(conditions_mod, "get", counting)
    return seen


@pytest.fixture
def no_model_load(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded although no cell needed it")
    monkeypatch.setattr(HFModel, "load", refuse)


def _items(run):
    return {p.name: p.read_bytes() for p in sorted((run / "items").glob("*.jsonl"))}


def _summary(run):
    return json.loads((run / "summary.json").read_text())


def test_a_run_killed_mid_grid_resumes_to_the_uninterrupted_results(tiny_model_dir, tmp_path, calls):
    out, grid = tmp_path / "run", ["conditions=[pretrained, icl, finetune]", "finetune.epochs=8"]
    argv = [sys.executable, "-m", "iclft.cli", "run", "--preset", "quick", "--out", str(out),
            *_overrides(tiny_model_dir, tmp_path / "cache", *grid)]
    items = tmp_path / "run.partial" / "items"
    with open(tmp_path / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(argv, env={**os.environ, "PYTHONPATH": str(SRC)}, stdout=subprocess.DEVNULL,
                                stderr=err)
        deadline = time.monotonic() + 300
        while not (items.is_dir() and any(items.glob("*.jsonl"))):
            assert proc.poll() is None, (tmp_path / "stderr.txt").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finished = {p.name.split("__")[1][:-len(".jsonl")] for p in items.glob("*.jsonl")}
    assert not out.exists() and "pretrained" in finished and len(finished) < 3

    assert main(["run", "--resume", str(out)]) == 0
    assert not calls or not set(calls) & finished  # finished cells are read back, not recomputed
    reference = run_study(_cfg(tiny_model_dir, "null", *grid), out=str(tmp_path / "reference"))
    assert _items(out) == _items(reference) and len(_items(out)) == 3
    assert _summary(out)["results"] == _summary(reference)["results"]
    assert any("resumed run" in n for n in _summary(out)["notes"])
    assert "resuming" in (out / "run.log").read_text()
    assert not (tmp_path / "run.partial").exists()


def test_resume_of_a_partial_folder_with_every_cell_done_loads_no_model(tiny_model, tiny_model_dir, tmp_path,
                                                                        calls, no_model_load):
    cfg = _cfg(tiny_model_dir, "null", "conditions=[pretrained, icl]")
    done = run_study(cfg, out=str(tmp_path / "run"), model=tiny_model)
    before = _summary(done)
    (done / "summary.json").unlink()
    partial = done.rename(tmp_path / "run.partial")
    calls.clear()
    run = resume_study(partial)  # the .partial name works too
    assert calls == [] and run == tmp_path / "run"
    after = _summary(run)
    assert after["results"] == before["results"] and after["model"] == before["model"]
    assert after["costs"] == before["costs"]


def test_a_second_run_reuses_every_cell_and_a_wider_grid_computes_only_the_new_one(
        tiny_model, tiny_model_dir, tmp_path, calls, monkeypatch):
    cache = tmp_path / "cache"
    first = run_study(_cfg(tiny_model_dir, cache, "conditions=[pretrained, icl]"), out=str(tmp_path / "a"),
                      model=tiny_model)
    assert calls == ["pretrained", "icl"] and len(list(cache.glob("*.json"))) == 2
    calls.clear()
    with monkeypatch.context() as m:
        m.setattr(HFModel, "load", lambda *a, **k: pytest.fail("the model was loaded for cached cells"))
        second = run_study(_cfg(tiny_model_dir, cache, "conditions=[pretrained, icl]", "name=again"),
                           out=str(tmp_path / "b"))
    assert calls == []
    assert _items(second) == _items(first)
    s1, s2 = _summary(first), _summary(second)
    assert s2["results"] == s1["results"] and s2["model"] == s1["model"]
    for cond in ("pretrained", "icl"):
        assert s2["costs"]["simple_reversal"][cond] == {**s1["costs"]["simple_reversal"][cond], "from_cache": True}
    assert any("2 of 2 cells reused from the cell cache" in n for n in s2["notes"])

    wider = run_study(_cfg(tiny_model_dir, cache, "conditions=[pretrained, icl, finetune]"),
                      out=str(tmp_path / "c"), model=tiny_model)
    assert calls == ["finetune"]
    assert "from_cache" not in _summary(wider)["costs"]["simple_reversal"]["finetune"]


@pytest.mark.parametrize("change", ["seed=1", "finetune.learning_rate=2e-4", "scoring.batch_size=3"])
def test_a_changed_input_misses_the_cache(change, tiny_model, tiny_model_dir, tmp_path, calls):
    cache = tmp_path / "cache"
    run_study(_cfg(tiny_model_dir, cache, "conditions=[pretrained]"), out=str(tmp_path / "a"), model=tiny_model)
    run_study(_cfg(tiny_model_dir, cache, "conditions=[pretrained]", change), out=str(tmp_path / "b"),
              model=tiny_model)
    assert calls == ["pretrained", "pretrained"] and len(list(cache.glob("*.json"))) == 2


KEY = "0" * 64
ENTRY = CellResult(records=[{"id": f"item-{i}", "scores": {"sum": [-1.5 * i, -0.25]}} for i in range(1500)],
                   cost={"seconds": 1.0}, notes=["a note"], files={"augment/x.jsonl": "{}\n" * 500},
                   model={"label": "m"})


def _write_many(folder, n):
    cache = CellCache(folder)
    for _ in range(n):
        cache.put(KEY, {"what": "test"}, ENTRY)


def test_concurrent_writers_of_one_entry_leave_it_readable(tmp_path):
    ctx = multiprocessing.get_context("fork")
    writers = [ctx.Process(target=_write_many, args=(tmp_path, 25)) for _ in range(2)]
    for w in writers:
        w.start()
    cache, reads = CellCache(tmp_path), 0
    while any(w.is_alive() for w in writers):
        got = cache.get(KEY)
        if got is not None:
            assert got == ENTRY
            reads += 1
    for w in writers:
        w.join()
        assert w.exitcode == 0
    assert cache.get(KEY) == ENTRY and reads > 0
    assert [p.name for p in tmp_path.iterdir()] == [f"{KEY}.json"]  # no temporary file left over


VARIANTS = {f"{k:064x}": [CellResult(records=[{"id": f"{k}-{i}", "scores": {"sum": [-0.5 * i, -1.0]}}
                                              for i in range(2000)], cost={"writer": w}, notes=[f"key {k}"])
                          for w in range(2)] for k in range(2)}


def _put_and_get(folder, writer, rounds):
    """Write this writer's variant of each key and read every key back, over and over; exit 1 on a
    torn read (one that is neither writer's whole entry)."""
    cache = CellCache(folder)
    for _ in range(rounds):
        for key, variants in VARIANTS.items():
            cache.put(key, {"key": key}, variants[writer])
            for other, others in VARIANTS.items():
                got = cache.get(other)
                if got not in others and not (got is None and not cache.path(other).exists()):
                    sys.exit(1)  # None for an existing file: unreadable (get swallows the parse error)


def test_two_processes_putting_and_getting_the_same_keys_always_read_whole_entries(tmp_path):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_put_and_get, args=(tmp_path, w, 20)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]
    cache = CellCache(tmp_path)
    for key, variants in VARIANTS.items():
        assert cache.get(key) in variants
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{key}.json" for key in VARIANTS)


def test_an_unreadable_entry_is_a_miss(tmp_path):
    cache = CellCache(tmp_path)
    cache.path(KEY).write_text('{"entry_version": 1, "key": "0000', encoding="utf-8")
    assert cache.get(KEY) is None


def _broken_partial(tmp_path, config):
    folder = tmp_path / "run.partial"
    folder.mkdir()
    if config is not None:
        (folder / "config.yaml").write_text(config)
    return tmp_path / "run"


@pytest.mark.parametrize("case, message", [
    ("missing", "no unfinished run folder here"),
    ("no-config", "config.yaml missing"),
    ("malformed", "malformed YAML"),
    ("unknown-key", "unknown config key 'wat'"),
    ("extra-args", "--resume takes only the run folder"),
])
def test_resume_errors_are_one_line_and_exit_2(case, message, tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["run", "--resume", str(run)]
    if case == "no-config":
        _broken_partial(tmp_path, None)
    elif case == "malformed":
        _broken_partial(tmp_path, "seed: [1, 2\nname: x\n")
    elif case == "unknown-key":
        _broken_partial(tmp_path, "wat: 1\n")
    elif case == "extra-args":
        argv += ["seed=3"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("iclft: error: ") and message in err[0]
    if case != "missing" and case != "extra-args":
        assert (tmp_path / "run.partial").is_dir()  # a partial folder is never deleted by a failed resume


def test_resume_of_a_complete_run_is_an_error(tiny_model, tiny_model_dir, tmp_path, capsys):
    run = run_study(_cfg(tiny_model_dir, "null", "conditions=[pretrained]"), out=str(tmp_path / "run"),
                    model=tiny_model)
    assert main(["run", "--resume", str(run)]) == 2
    assert "the run is complete already" in capsys.readouterr().err
