"""Finetuning with two CPU processes (torch.distributed, gloo): data parallelism really happens.

`accelerate launch --cpu` starts a single process unless MPI is set up, so the two processes are
started with torchrun (`python -m torch.distributed.run`), as `accelerate launch --multi_gpu` starts
them on GPUs; Accelerator picks the group up from the environment either way. `iclft run` itself
refuses to be one of several processes (every one would write the same run folder).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

from iclft.cli import main

CONFTEST = __import__("conftest")
SCRIPT = Path(__file__).with_name("ddp_finetune.py")


def _launch(prefix: list[str], model_dir: Path, out: Path) -> list[dict]:
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(CONFTEST.REPO / "src"), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([*prefix, str(SCRIPT), str(model_dir), str(out)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(p.read_text()) for p in sorted(out.glob("rank*.json"))]


def test_two_processes_split_the_batches_and_end_with_the_same_weights(tiny_model_dir, tmp_path):
    (alone,) = _launch([sys.executable], tiny_model_dir, tmp_path / "one")
    ranks = _launch([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
                    tiny_model_dir, tmp_path / "two")
    assert [r["rank"] for r in ranks] == [0, 1] and {r["world_size"] for r in ranks} == {2}
    assert alone["world_size"] == 1

    # each epoch's batches are the single process's, dealt alternately: rank k trains on batches k, k+2
    per_epoch = len(alone["batches"]) // alone["epochs"]
    assert per_epoch == 4  # 16 documents in batches of 4
    for epoch in range(alone["epochs"]):
        batches = alone["batches"][epoch * per_epoch:(epoch + 1) * per_epoch]
        halves = [r["batches"][epoch * per_epoch // 2:(epoch + 1) * per_epoch // 2] for r in ranks]
        assert halves == [batches[0::2], batches[1::2]]
        seen = [i for half in halves for batch in half for i in batch]
        assert sorted(seen) == list(range(alone["n_examples"]))  # every example once per epoch

    assert ranks[0]["weights"] == ranks[1]["weights"] != alone["weights"]
    assert ranks[0]["epoch_loss"] == ranks[1]["epoch_loss"]  # the loss of both halves, on both ranks
    assert ranks[0]["epoch_loss"][-1] < ranks[0]["epoch_loss"][0]
    assert ranks[0]["steps"] == ranks[1]["steps"] == alone["steps"] // 2
    assert ranks[0]["tokens"] == ranks[1]["tokens"] == alone["tokens"]  # all processes' tokens, counted once


def test_a_run_refuses_to_be_one_of_several_processes(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("WORLD_SIZE", "2")  # as accelerate launch or torchrun set it
    assert main(["run", "--preset", "quick", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "one of 2 processes" in err[0] and "--shard K/N" in err[0]
    assert not list(tmp_path.iterdir())
