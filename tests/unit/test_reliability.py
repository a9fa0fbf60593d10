"""Nothing lost, nothing silently wrong: every fault a user can cause is one clear line (exit 2), and
no finished work is lost or half-written. docs/reliability.md lists the promises and these tests."""
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap

import pytest
from fake_server import Fake, server  # noqa: F401 (a fixture)

from iclft import IclftError
from iclft import conditions as conditions_mod
from iclft.cli import main
from iclft.data import GENERATORS, generate, generator_params

REPO = __import__("conftest").REPO
SMALL = ["datasets=[{name: simple_reversal, params: {n_facts: 6, docs_per_fact: 2}}]",
         "conditions=[pretrained, icl]", "model.device=cpu", "model.dtype=float32"]


def _run_argv(model_dir, tmp_path, out, *extra):
    return ["run", "--preset", "quick", f"model.name={model_dir}", *SMALL, f"cache_dir={tmp_path / 'cache'}",
            *extra, "--out", str(out)]


def _error(capsys) -> str:
    """The one error line a failed command printed (progress bars and warnings may come before it)."""
    return _error_in(capsys.readouterr().err)


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in ("run.log", ".lock")}


@pytest.fixture(scope="module")
def finished(tiny_model_dir, tmp_path_factory):
    """A finished run of two cells, computed once for this module (no cell cache)."""
    root = tmp_path_factory.mktemp("finished")
    argv = ["run", "--preset", "quick", f"model.name={tiny_model_dir}", *SMALL, "cache_dir=null",
            "--out", str(root / "run")]
    assert main(argv) == 0
    return root / "run"


def _interrupted(finished, tmp_path, drop="simple_reversal__icl"):
    """A copy of `finished` as an interrupted run left it: NAME.partial, cell `drop` not yet written."""
    work = shutil.copytree(finished, tmp_path / "run.partial")
    (work / "summary.json").unlink()
    (work / "table.txt").unlink()
    if drop:
        (work / "items" / f"{drop}.jsonl").unlink()
    return work


HOLD = textwrap.dedent("""
    import fcntl, json, os, socket, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": "now"}).encode())
    print("held", flush=True)
    time.sleep(120)
""")


# ---------------------------------------------------------------- one writer, nothing replaced
def test_a_second_writer_is_refused_and_a_dead_writers_lock_is_reported_and_taken_over(
        finished, tiny_model_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    work = _interrupted(finished, tmp_path)
    before = _files(work)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(work / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["run", "--resume", str(work)]) == 2
        line = _error(capsys)
        assert "another iclft process is writing it" in line and f"pid {holder.pid} on {socket.gethostname()}" in line
        assert _files(work) == before  # nothing touched
    finally:
        holder.kill()
        holder.wait()
    # the holder died holding it: its lock file is left, naming it; the next writer reports and goes on
    assert main(["run", "--resume", str(work)]) == 0
    err = capsys.readouterr().err
    assert f"its last writer (pid {holder.pid} on" in err and "ended without finishing" in err
    final = tmp_path / "run"
    assert not work.exists() and not (final / ".lock").exists()
    assert _files(final)["items/simple_reversal__icl.jsonl"] == _files(finished)["items/simple_reversal__icl.jsonl"]


def test_a_world_model_folder_has_one_writer(tmp_path, capsys):
    folder = tmp_path / "world"
    folder.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(folder / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["world", "pretrain", "--preset", "tiny", "--out", str(folder), "train.steps=2"]) == 2
        assert f"another iclft process is writing it (pid {holder.pid} on" in _error(capsys)
        assert sorted(p.name for p in folder.iterdir()) == [".lock"]
    finally:
        holder.kill()
        holder.wait()


def test_a_fresh_run_never_replaces_an_interrupted_one(finished, tiny_model_dir, tmp_path, capsys):
    work = _interrupted(finished, tmp_path)
    before = _files(work)
    assert main(_run_argv(tiny_model_dir, tmp_path, tmp_path / "run")) == 2
    line = _error(capsys)
    assert "an interrupted run is there" in line and f"iclft run --resume {work}" in line
    assert _files(work) == before and not (tmp_path / "run").exists()


def test_two_runs_started_on_one_folder_at_once_leave_one_consistent_folder(tiny_model_dir, tmp_path):
    """Two processes, different seeds, one --out: one run finishes, the other is refused with one
    line, and the folder's config, data, items and summary all belong to the same run."""
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "iclft", *_run_argv(tiny_model_dir, tmp_path, out, f"seed={s}")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in (1, 2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    refused = next(err for rc, err in results if rc == 2)
    assert "Traceback" not in refused and len([x for x in refused.splitlines() if "iclft: error" in x]) == 1
    summary = json.loads((out / "summary.json").read_text())
    seed = summary["seed"]
    assert f"seed: {seed}" in (out / "config.yaml").read_text()
    assert json.loads((out / "data" / "simple_reversal" / "meta.json").read_text())["seed"] == seed
    n = {r["condition"]: r["n"] for r in summary["results"] if r["split"] == "forward"}
    for cond in ("pretrained", "icl"):
        records = (out / "items" / f"simple_reversal__{cond}.jsonl").read_text().splitlines()
        assert sum(json.loads(r)["split"] == "forward" for r in records) == n[cond]
    assert not (tmp_path / "run.partial").exists() and not (out / ".lock").exists()


# ---------------------------------------------------------------- damaged files are recomputed
DAMAGE = {
    "cut mid-line": lambda p: p.write_bytes(p.read_bytes()[:-40]),
    "a line short": lambda p: p.write_text("".join(p.read_text().splitlines(keepends=True)[:-1])),
    "not UTF-8": lambda p: p.write_bytes(b"\xff\xfe" + p.read_bytes()),
    "empty": lambda p: p.write_bytes(b""),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("which", ["items", "cells"])
def test_a_damaged_cell_file_in_a_partial_folder_is_recomputed_with_a_warning(
        damage, which, finished, tiny_model_dir, tmp_path, capsys):
    work = _interrupted(finished, tmp_path, drop=None)
    path = work / which / ("simple_reversal__pretrained" + (".jsonl" if which == "items" else ".json"))
    DAMAGE[damage](path)
    assert main(["run", "--resume", str(work)]) == 0
    err = capsys.readouterr().err
    assert f"{path}: " in err and "recomputing the cell" in err
    assert _files(tmp_path / "run")["items/simple_reversal__pretrained.jsonl"] == \
        _files(finished)["items/simple_reversal__pretrained.jsonl"]


def test_a_short_cache_entry_is_recomputed_and_the_table_agrees_with_the_records(tiny_model_dir, tmp_path, capsys):
    assert main(_run_argv(tiny_model_dir, tmp_path, tmp_path / "a")) == 0
    [entry] = [p for p in (tmp_path / "cache").glob("*.json") if '"condition": "icl"' in p.read_text()]
    data = json.loads(entry.read_text())
    data["records"] = data["records"][:3]
    entry.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(_run_argv(tiny_model_dir, tmp_path, tmp_path / "b")) == 0
    assert "holds 3 records where simple_reversal__icl has 12 items: recomputing" in capsys.readouterr().err
    records = (tmp_path / "b" / "items" / "simple_reversal__icl.jsonl").read_text().splitlines()
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert len(records) == 12 == sum(r["n"] for r in summary["results"] if r["condition"] == "icl")
    assert (tmp_path / "b" / "items" / "simple_reversal__icl.jsonl").read_bytes() == \
        (tmp_path / "a" / "items" / "simple_reversal__icl.jsonl").read_bytes()


def test_a_cache_that_cannot_be_written_keeps_the_computed_cells_in_the_run(tiny_model_dir, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    argv = _run_argv(tiny_model_dir, tmp_path, tmp_path / "run")
    argv[argv.index(f"cache_dir={tmp_path / 'cache'}")] = f"cache_dir={blocker / 'cache'}"
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("could not write") == 2 and "kept in the run only" in err
    assert len((tmp_path / "run" / "items" / "simple_reversal__icl.jsonl").read_text().splitlines()) == 12


# ---------------------------------------------------------------- shards
@pytest.fixture(scope="module")
def shards(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    base = ["run", "--preset", "quick", f"model.name={tiny_model_dir}", *SMALL, "cache_dir=null"]
    for i in range(2):
        assert main([*base, "--shard", f"{i}/2", "--out", str(root / f"s{i}")]) == 0
    return root


def test_merging_a_truncated_items_file_is_one_line_naming_it(shards, tmp_path, capsys):
    copy = shutil.copytree(shards, tmp_path / "shards")
    items = next((copy / "s0").rglob("items/*.jsonl"))
    items.write_bytes(items.read_bytes()[:-30])
    assert main(["merge", str(copy / "s0"), str(copy / "s1"), "--out", str(tmp_path / "merged")]) == 2
    line = _error(capsys)
    assert str(items) in line and "damaged" in line and "computed again" in line
    assert not (tmp_path / "merged").exists() and not (tmp_path / "merged.partial").exists()


def test_a_damaged_shard_record_in_a_partial_shard_is_one_line(shards, tmp_path, capsys):
    work = shutil.copytree(shards / "s0", tmp_path / "s0.partial")
    (work / "shard.json").write_text('{"shard": 0, "of"')
    assert main(["run", "--resume", str(work)]) == 2
    line = _error(capsys)
    assert "shard.json: damaged" in line and (work / "config.yaml").is_file()


def test_a_damaged_cell_in_a_partial_shard_is_recomputed(shards, tiny_model_dir, tmp_path, capsys):
    work = shutil.copytree(shards / "s1", tmp_path / "s1.partial")
    items = next(work.rglob("items/*.jsonl"))
    good = items.read_bytes()
    items.write_bytes(good[:-30])
    assert main(["run", "--resume", str(work)]) == 0
    assert "recomputing the cell" in capsys.readouterr().err
    assert (tmp_path / "s1" / items.relative_to(work)).read_bytes() == good


# ---------------------------------------------------------------- nonsense refused before any work
def test_non_finite_scores_are_an_error_naming_the_cell_never_an_accuracy(tiny_model_dir, tmp_path, capsys):
    from safetensors.torch import load_file, save_file

    broken = shutil.copytree(tiny_model_dir, tmp_path / "nan-model")
    weights = load_file(broken / "model.safetensors")
    weights["model.norm.weight"][:] = float("nan")
    save_file(weights, broken / "model.safetensors", metadata={"format": "pt"})
    assert main(_run_argv(broken, tmp_path, tmp_path / "run")) == 2
    line = _error(capsys)
    assert "simple_reversal__pretrained: item" in line and "non-finite sum score" in line
    assert not (tmp_path / "run").exists() and not (tmp_path / "run.partial").exists()


@pytest.mark.parametrize("name, params, message", [
    ("semantic_structure", {"n_docs": 10**9}, "n_docs=1000000000 is more than the largest accepted, 100000"),
    ("semantic_structure", {"n_choices": 13}, "n_choices=13 is more than the largest accepted, 12"),
    ("simple_reversal", {"n_facts": 4001}, "n_facts=4001 is more than the largest accepted, 4000"),
    ("syllogism", {"n_items": 3001}, "n_items=3001 is more than the largest accepted, 3000"),
    ("process", {"n_operators": 31}, "n_operators=31 is more than the largest accepted, 30"),
    ("process", {"n_train": 100_001}, "n_train=100001 is more than the largest accepted, 100000"),
    ("process", {"n_test": 100_001}, "n_test=100001 is more than the largest accepted, 100000"),
    ("reversal_curse", {"n_people": 31}, "n_people=31 is more than the largest accepted, 30"),
    ("simple_reversal", {"n_facts": "abc"}, "n_facts must be an integer, got 'abc'"),
    ("simple_reversal", {"n_facts": 2.5}, "n_facts must be an integer, got 2.5"),
    ("simple_reversal", {"n_facts": True}, "n_facts must be an integer, got True"),
    ("reversal_curse", {"path": 5}, "path must be a string or null, got 5"),
    ("semantic_structure", {"taxonomy": [1]}, "taxonomy must be a string or null, got [1]"),
    ("reversal_curse", {"n_people": "x"}, "n_people must be an integer or null, got 'x'"),
])
def test_generator_sizes_and_types_are_checked_before_any_work(name, params, message, capsys):
    if name == "reversal_curse" and "path" not in params:
        params = {**params, "path": str(REPO.parent / "shared" / "data" / "reversal_curse")}
    with pytest.raises(IclftError, match=message.replace("[", r"\[").replace("]", r"\]")):
        generate(name, **params)
    argv = ["data", "generate", name, *(f"{k}={v}" for k, v in params.items())]
    if not isinstance(params.get("taxonomy", ""), list):
        assert main(argv) == 2 and message in _error(capsys)


def test_every_generator_size_has_a_largest_accepted_value_that_works():
    """Each integer parameter of a generator without a data-given bound has a LIMITS entry, and the
    cheap ones generate at exactly that value."""
    import importlib

    for name, module in GENERATORS.items():
        limits = getattr(importlib.import_module(module), "LIMITS", {})
        ints = [k for k, v in generator_params(name).items() if type(v) is int]
        if name == "reversal_curse":  # bounded by the data: n_distractors by the people, checked there
            continue
        assert set(ints) - {"n_holdout", "docs_per_fact"} <= set(limits), name
    assert len(generate("simple_reversal", n_facts=4000, docs_per_fact=1).test) == 8000
    assert len(generate("syllogism", n_items=3000).test) == 3000
    assert len(generate("process", n_operators=30, n_train=1710, n_test=1).train) == 1710


@pytest.mark.parametrize("overrides, message", [
    (["conditions=[]"], "the config names no condition"),
    (["model.device=cuda:7"], "device 'cuda:7': this machine has"),
    (["model.device=tpu"], "unknown device 'tpu'"),
])
def test_config_faults_are_one_line_before_any_folder(overrides, message, tiny_model_dir, tmp_path, capsys):
    import torch

    if "cuda" in overrides[0] and torch.cuda.device_count() > 7:
        pytest.skip("this machine has 8 GPUs")
    assert main(_run_argv(tiny_model_dir, tmp_path, tmp_path / "run", *overrides)) == 2
    assert message in _error(capsys)
    assert not list(tmp_path.glob("run*"))


def test_truncated_weights_are_one_line(tiny_model_dir, tmp_path, capsys):
    broken = shutil.copytree(tiny_model_dir, tmp_path / "truncated")
    (broken / "model.safetensors").write_bytes((tiny_model_dir / "model.safetensors").read_bytes()[:3000])
    assert main(_run_argv(broken, tmp_path, tmp_path / "run")) == 2
    assert f"could not load model '{broken}'" in _error(capsys)
    assert not list(tmp_path.glob("run*"))


def test_unwritable_output_locations_are_one_line(tmp_path, tiny_model_dir, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cases = [
        (_run_argv(tiny_model_dir, tmp_path, blocker / "run"), "run.partial: cannot create the run folder"),
        (["data", "generate", "syllogism", "--out", str(blocker / "data")], "a-file/data: Not a directory"),
        (["world", "pretrain", "--preset", "tiny", "--out", str(blocker / "w")], "cannot create the model folder"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        assert message in _error(capsys)
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("kind", ["reversal_curse", "taxonomy", "dataset"])
def test_data_files_that_are_not_utf8_are_one_line(kind, tmp_path, capsys):
    from iclft.data import load_dataset, save_dataset

    if kind == "reversal_curse":
        folder = shutil.copytree(REPO.parent / "shared" / "data" / "reversal_curse", tmp_path / "rc")
        bad = folder / "p2d_prompts_test.jsonl"
        bad.write_bytes(bad.read_bytes() + b"\xff\n")
        call = lambda: generate("reversal_curse", path=str(folder))  # noqa: E731
    elif kind == "taxonomy":
        bad = tmp_path / "taxonomy.yaml"
        bad.write_bytes(b"categories:\n  - {name: b\xe9e}\n")
        call = lambda: generate("semantic_structure", taxonomy=str(bad))  # noqa: E731
    else:
        save_dataset(generate("syllogism", n_items=3), tmp_path / "ds")
        bad = tmp_path / "ds" / "test.jsonl"
        bad.write_bytes(b"\xff" + bad.read_bytes())
        call = lambda: load_dataset(tmp_path / "ds")  # noqa: E731
    with pytest.raises(IclftError, match=f"{bad}: not UTF-8 text"):
        call()


# ---------------------------------------------------------------- a failing cell never costs finished work
def _served_argv(server, out, *extra):
    return ["run", "--preset", "quick", "model.name=openai:fake-model", f"model.base_url={server}",
            "datasets=[{name: simple_reversal, params: {n_facts: 4, docs_per_fact: 1}}]",
            "conditions=[pretrained, icl]", "cache_dir=null", "model.timeout.read=0.5", "model.max_retries=1",
            *extra, "--out", str(out)]


@pytest.mark.parametrize("fault", ["500", "malformed", "never", "cut"])
def test_a_served_fault_in_one_cell_keeps_the_finished_cells_and_resume_continues(
        fault, server, tmp_path, capsys, monkeypatch):
    """The icl cell's requests fail (the fault server answers every one holding the documents with
    `fault`): the run ends in one line, after a warning at each retry; run.partial keeps the finished
    pretrained cell; once the server is well, --resume reads it back and finishes."""
    monkeypatch.setattr("iclft.models.openai_compat.time.sleep", lambda s: None)
    Fake.fault, Fake.fault_on = fault, "Here are some documents"
    assert main(_served_argv(server, tmp_path / "run")) == 2
    err = capsys.readouterr().err
    line = _error_in(err)
    work = tmp_path / "run.partial"
    assert "the 1 finished cell(s) are kept in" in line and f"iclft run --resume {work}" in line
    assert "asking again" in err and "(retry 1 of 1, model.max_retries)" in err
    assert (work / "items" / "simple_reversal__pretrained.jsonl").is_file()
    assert not (work / "items" / "simple_reversal__icl.jsonl").exists()
    pretrained = (work / "items" / "simple_reversal__pretrained.jsonl").read_bytes()
    assert main(_served_argv(server, tmp_path / "run")) == 2  # a fresh run on it is refused
    assert "an interrupted run is there" in _error(capsys)
    Fake.fault = None
    assert main(["run", "--resume", str(work)]) == 0
    done = tmp_path / "run"
    assert (done / "items" / "simple_reversal__pretrained.jsonl").read_bytes() == pretrained
    assert len((done / "items" / "simple_reversal__icl.jsonl").read_text().splitlines()) == 8
    assert "simple_reversal__pretrained: read back from the interrupted run" in (done / "run.log").read_text()


def _error_in(err: str) -> str:
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("iclft: error: ")]
    assert len(errors) == 1, err
    return errors[0]


@pytest.mark.parametrize("failing", ["simple_reversal__pretrained", "simple_reversal__icl"])
def test_an_os_error_in_a_fresh_run_leaves_a_resumable_partial_or_nothing(
        failing, tiny_model_dir, tmp_path, capsys, monkeypatch):
    """A disk that fills while a cell is written: one line; the partial folder stays where a cell
    was finished (and --resume then finishes the run), and nothing is left where none was."""
    import errno

    from iclft.runner import cell as cell_mod

    real = cell_mod.write_cell

    def full_disk(work, cell, result):
        if cell.name == failing:
            raise OSError(errno.ENOSPC, "No space left on device", str(work / "items" / f"{cell.name}.jsonl"))
        real(work, cell, result)

    monkeypatch.setattr(cell_mod, "write_cell", full_disk)
    argv = ["run", "--preset", "quick", f"model.name={tiny_model_dir}", *SMALL, "cache_dir=null",
            "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    line = _error(capsys)
    assert "No space left on device" in line and f"{failing}.jsonl" in line
    work = tmp_path / "run.partial"
    if failing == "simple_reversal__pretrained":
        assert not list(tmp_path.glob("run*"))
        return
    assert "--resume" in line and (work / "items" / "simple_reversal__pretrained.jsonl").is_file()
    monkeypatch.setattr(cell_mod, "write_cell", real)
    assert main(["run", "--resume", str(work)]) == 0
    assert (tmp_path / "run" / "items" / "simple_reversal__icl.jsonl").is_file()


def test_a_cache_path_too_long_is_a_warning_and_the_run_completes(tiny_model_dir, tmp_path, capsys):
    argv = _run_argv(tiny_model_dir, tmp_path, tmp_path / "run")
    argv[argv.index(f"cache_dir={tmp_path / 'cache'}")] = f"cache_dir={tmp_path / ('x' * 300)}"
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "File name too long" in err and "Traceback" not in err
    assert len((tmp_path / "run" / "items" / "simple_reversal__icl.jsonl").read_text().splitlines()) == 12


def test_a_full_cache_disk_leaves_no_temporary_files(tiny_model_dir, tmp_path, capsys, monkeypatch):
    """Every write into the cache folder fails as on a full disk: the cells stay in the run, and the
    cache folder holds no half-written temporary file."""
    import errno

    real = os.fdopen
    cache = str(tmp_path / "cache")

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, *args, **kwargs):
        f = real(fd, *args, **kwargs)
        return Full(f) if os.readlink(f"/proc/self/fd/{fd}").startswith(cache) else f

    monkeypatch.setattr(os, "fdopen", fdopen)
    assert main(_run_argv(tiny_model_dir, tmp_path, tmp_path / "run")) == 0
    assert capsys.readouterr().err.count("No space left on device") == 2
    assert (tmp_path / "cache").is_dir() and not list((tmp_path / "cache").iterdir())
    assert len((tmp_path / "run" / "items" / "simple_reversal__icl.jsonl").read_text().splitlines()) == 12


# ---------------------------------------------------------------- nothing a user owns is replaced
@pytest.mark.parametrize("command", [["data", "generate", "syllogism", "n_items=3"],
                                     ["data", "export", "DATASET", "--format", "lm-eval"]])
def test_data_commands_never_write_over_a_users_folder(command, tmp_path, capsys):
    """generate and export write only into a new or empty folder (generate: or one that holds the very
    same data); a folder of the user's, or another dataset, is refused in one line and left as it was."""
    from iclft.data import save_dataset

    dataset = save_dataset(generate("syllogism", n_items=4, seed=1), tmp_path / "dataset")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "train.jsonl").write_text("my own file")
    argv = [str(dataset) if word == "DATASET" else word for word in command]
    for folder in (mine, dataset):
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        assert main([*argv, "--out", str(folder)]) == 2
        assert str(folder) in _error(capsys)
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert main([*argv, "--out", str(tmp_path / "new")]) == 0


def test_validating_a_dataset_whose_meta_is_a_list_is_one_line(tmp_path, capsys):
    from iclft.data import save_dataset

    folder = save_dataset(generate("syllogism", n_items=3), tmp_path / "ds")
    (folder / "meta.json").write_text("[1, 2]")
    # validate reports a damaged dataset as a problem it found (exit 1), as it does malformed JSON
    assert main(["data", "validate", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "meta.json: must be a JSON object" in captured.out + captured.err
