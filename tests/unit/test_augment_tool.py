"""`iclft augment`: each kind of corpus, each output form read back, provenance, a run killed with
SIGKILL and resumed (a real subprocess on the tiny model), a served model at several requests in
flight, and the faults, each one line and exit 2."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_server import Fake, server  # noqa: F401 (a fixture)
from iclft.augment.sources import read_corpus
from iclft.augment.tool import CHAT_USER, JOURNAL
from iclft.cli import main
from iclft.data import generate
from iclft.data.schema import save_dataset
from test_augment_methods import fake, truthful_judge  # noqa: F401 (fixtures)

OUTPUTS = ("augmentations.jsonl", "dropped.jsonl", "text.jsonl", "chat.jsonl")


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def _jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _error(capsys, argv) -> str:
    """The one error line of a failed command (progress bars of a model loaded before may precede it)."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("iclft: error: ")]
    assert "Traceback" not in err and len(errors) == 1, err
    return errors[0]


def test_each_kind_of_corpus_reads_as_documents_with_ids(tmp_path):
    folder = tmp_path / "notes"
    (folder / "b").mkdir(parents=True)
    (folder / "b" / "two.md").write_text("Zib are a kind of fep.\n")
    (folder / "one.txt").write_text("Dax are heavier than wug.")
    (folder / "blank.txt").write_text("  \n")
    (folder / "skip.csv").write_text("not, a, document")
    c = read_corpus(str(folder))
    assert (c.kind, [(d.id, d.text) for d in c.documents], c.blank) == (
        "text files", [("b/two.md", "Zib are a kind of fep."), ("one.txt", "Dax are heavier than wug.")], 1)
    lines = _jsonl(tmp_path / "c.jsonl", [{"text": "A b.", "id": "x"}, {"text": "C d."}])
    assert [(d.id, d.text) for d in read_corpus(str(lines)).documents] == [("x", "A b."), ("2", "C d.")]
    body = _jsonl(tmp_path / "body.jsonl", [{"body": "E f."}])
    assert read_corpus(str(body), text_column="body").documents[0].text == "E f."
    ds = generate("simple_reversal", n_facts=2, docs_per_fact=1)
    c = read_corpus(str(save_dataset(ds, tmp_path / "ds")))
    assert c.kind == "iclft dataset" and [d.id for d in c.documents] == [d.id for d in ds.train]
    assert c.dataset is not None and c.dataset.train == ds.train  # its checker judges augmentations
    datasets = pytest.importorskip("datasets")
    rows = datasets.Dataset.from_dict({"id": ["p", "q"], "content": ["G h.", "I j."]})
    datasets.DatasetDict({"train": rows}).save_to_disk(str(tmp_path / "hf"))
    c = read_corpus(str(tmp_path / "hf"), text_column="content")
    assert (c.kind, [(d.id, d.text) for d in c.documents]) == ("hf dataset", [("p", "G h."), ("q", "I j.")])


def test_outputs_provenance_and_filter(tiny_model_dir, fake, truthful_judge, tmp_path, capsys):
    datasets = pytest.importorskip("datasets")
    ds = generate("simple_reversal", n_facts=3, docs_per_fact=2)
    truthful_judge.dataset = ds
    out = tmp_path / "out"
    assert main(["augment", str(save_dataset(ds, tmp_path / "ds")), "--method", "selfqa", "--model", str(tiny_model_dir),
                 "--out", str(out), "--no-cache", "--filter", "consistency", "--temperature", "0.5", "--seed", "3"]) == 0
    said = capsys.readouterr().out
    assert "augment selfqa: 6 inputs from 6 documents (iclft dataset); about" in said
    assert "at most 768 to write (6 inputs x 1 sample x 128 max_new_tokens)" in said
    assert f"augmentations: 3 kept from 6 outputs (dropped: duplicate 6, inconsistent 3); {out}" in said
    kept = _lines(out / "augmentations.jsonl")
    assert len(kept) == 3  # 2 pairs a fact, each fact twice (duplicates dropped), the contradiction judged false
    r = kept[0]
    assert r["text"] == f"Q: {r['question']} A: {r['answer']}" and r["source_id"] in {d.id for d in ds.train}
    assert (r["method"], r["prompt_file"], r["prompt_version"], r["seed"], r["sample"]) == (
        "selfqa", "iclft/prompts/selfqa_v1.txt", "1", 3, 0)
    assert r["model"]["name"] == str(tiny_model_dir) and r["sampling"]["temperature"] == 0.5
    assert r["filter"] == {"prompt_file": "iclft/prompts/consistency_v1.txt", "prompt_version": "1",
                           "consistent": True, "p_yes": 0.9}
    dropped = _lines(out / "dropped.jsonl")
    assert sorted(d["dropped"] for d in dropped) == ["duplicate"] * 6 + ["inconsistent"] * 3
    assert _lines(out / "text.jsonl") == [{"text": k["text"]} for k in kept]
    chat = datasets.load_dataset("json", data_files=str(out / "chat.jsonl"))["train"]
    assert chat[0]["messages"] == [{"role": "user", "content": r["question"]},
                                   {"role": "assistant", "content": r["answer"]}]
    hf = datasets.load_from_disk(str(out / "hf"))
    assert hf["train"]["text"] == [k["text"] for k in kept] and hf["train"][0]["messages"] == chat[0]["messages"]
    summary = json.loads((out / "run.json").read_text())
    assert summary["totals"]["kept"] == 3 and summary["totals"]["dropped"]["inconsistent"] == 3
    assert summary["cost"]["generation"]["tokens_written"] == 120 and summary["cost"]["filter"]["judged"] == 6
    assert summary["quality"]["before_filter"]["entailed"] == 0.5 and summary["quality"]["kept"]["entailed"] == 1.0


def test_a_rerun_reads_the_journal_and_other_settings_are_refused(tiny_model_dir, fake, tmp_path, capsys):
    corpus = _jsonl(tmp_path / "c.jsonl", [{"text": f"Did you know that dax{i} are older than wug{i}."} for i in range(5)])
    args = ["augment", str(corpus), "--method", "implications", "--model", str(tiny_model_dir), "--out",
            str(tmp_path / "out"), "--no-cache", "--chunk-size", "2"]
    assert main(args) == 0
    first = {f: (tmp_path / "out" / f).read_text() for f in OUTPUTS}
    chat = _lines(tmp_path / "out" / "chat.jsonl")
    assert chat[0]["messages"][0] == {"role": "user", "content": CHAT_USER}
    assert [c["start"] for c in _lines(tmp_path / "out" / JOURNAL)[1:]] == [0, 2, 4]
    capsys.readouterr()
    assert main(args) == 0 and len(fake.calls) == 3  # nothing generated again
    assert "resuming: 5 of 5 inputs done" in capsys.readouterr().out
    assert {f: (tmp_path / "out" / f).read_text() for f in OUTPUTS} == first
    line = _error(capsys, args + ["--temperature", "0.2"])
    assert "was written with other settings (they differ in: cache_key, temperature)" in line


def test_a_run_killed_with_sigkill_resumes_to_what_an_uninterrupted_run_writes(tiny_model_dir, tmp_path):
    corpus = _jsonl(tmp_path / "c.jsonl", [{"text": f"Records show that dax{i} are older than wug{i}.", "id": f"d{i}"}
                                           for i in range(40)])
    env = {**os.environ, "OMP_NUM_THREADS": "1"}

    def command(out):
        return [sys.executable, "-m", "iclft", "augment", str(corpus), "--method", "local", "--model",
                str(tiny_model_dir), "--out", str(out), "--no-cache", "--samples", "2", "--temperature", "1.0",
                "--max-new-tokens", "24", "--chunk-size", "1"]

    journal = tmp_path / "a" / JOURNAL
    proc = subprocess.Popen(command(tmp_path / "a"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if journal.is_file() and journal.read_bytes().count(b"\n") >= 4:  # the header and 3 chunks
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    assert proc.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    done = journal.read_bytes().count(b"\n") - 1
    assert 3 <= done < 40 and not (tmp_path / "a" / "augmentations.jsonl").exists()
    with open(journal, "ab") as f:  # as if the kill had landed in the middle of writing a line
        f.write(b'{"start": 99, "end": 100, "samp')
    subprocess.run(command(tmp_path / "a") + ["--resume"], env=env, check=True, capture_output=True)
    subprocess.run(command(tmp_path / "b"), env=env, check=True, capture_output=True)
    for name in OUTPUTS:
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text(), name
    chunks = _lines(journal)[1:]
    assert [(c["start"], c["end"]) for c in chunks] == [(i, i + 1) for i in range(40)]  # each input once
    assert len(_lines(tmp_path / "a" / "dropped.jsonl")) + len(_lines(tmp_path / "a" / "augmentations.jsonl")) >= 80
    summary = json.loads((tmp_path / "a" / "run.json").read_text())
    assert summary["totals"]["resumed_inputs"] == done and summary["totals"]["outputs"] == 80


def test_a_served_model_with_requests_in_flight_writes_what_one_at_a_time_does(server, tmp_path, capsys):  # noqa: F811
    Fake.by_prompt = True  # outputs depend on the prompt, not on its place in a request
    corpus = _jsonl(tmp_path / "c.jsonl", [{"text": f"Dax{i} are older than wug{i}."} for i in range(7)])
    runs = {}
    for concurrency in (3, 1):
        Fake.calls = []
        out = tmp_path / f"c{concurrency}"
        assert main(["augment", str(corpus), "--method", "implications", "--model", "openai:fake-model", "--base-url",
                     server, "--concurrency", str(concurrency), "--out", str(out), "--no-cache", "--samples", "2"]) == 0
        runs[concurrency] = [c for c in Fake.calls if not c.get("echo") and c.get("max_tokens") == 96]
        assert (out / "augmentations.jsonl").read_text() == (tmp_path / "c3" / "augmentations.jsonl").read_text()
    assert [len(c["prompt"]) for c in runs[3]] == [1] * 7  # one prompt a request, three at a time
    assert [len(c["prompt"]) for c in runs[1]] == [7]  # as before: one batch (augment.batch_size 8)
    assert all(c["n"] == 2 for c in runs[3] + runs[1])
    kept = _lines(tmp_path / "c1" / "augmentations.jsonl")
    assert len(kept) == 14 and kept[0]["model"]["backend"] == "openai"


def test_faults_are_one_line_and_exit_2(tiny_model_dir, tmp_path, capsys):
    model = ["--model", str(tiny_model_dir), "--out", str(tmp_path / "out")]
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.txt").write_text("\n")
    corpus = str(_jsonl(tmp_path / "c.jsonl", [{"text": "Dax are older than wug."}]))
    assert "no-such: corpus not found" in _error(capsys, ["augment", str(tmp_path / "no-such"), "--method", "local", *model])
    assert "no documents in this corpus" in _error(capsys, ["augment", str(tmp_path / "empty"), "--method", "local", *model])
    assert "unknown method 'summary'; known: local, global, selfqa, implications" in _error(
        capsys, ["augment", corpus, "--method", "summary", *model])
    assert "--concurrency must be at least 1, got 0" in _error(
        capsys, ["augment", corpus, "--method", "local", "--concurrency", "0", *model])
    assert "--concurrency is for a served model" in _error(
        capsys, ["augment", corpus, "--method", "local", "--concurrency", "2", *model])
    assert "unknown filter 'strict'" in _error(capsys, ["augment", corpus, "--method", "local", "--filter", "strict", *model])
    assert "--resume: " in _error(capsys, ["augment", corpus, "--method", "local", "--resume", *model])
    bad = _jsonl(tmp_path / "bad.jsonl", [{"txt": "no text field"}])
    assert "bad.jsonl:1: a line must be a JSON object with a string field 'text'" in _error(
        capsys, ["augment", str(bad), "--method", "local", *model])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    assert "not empty and holds no augment journal" in _error(capsys, ["augment", corpus, "--method", "local", *model])
