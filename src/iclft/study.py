"""The study's entry points, above the run and shard code: run a study, or finish any interrupted
folder (a run, a grid or a shard) where it stopped."""
from __future__ import annotations

from pathlib import Path

from iclft.config import StudyConfig
from iclft.runner.folders import unfinished
from iclft.runner.run import resume_run, run_study
from iclft.runner.shards import SHARD_FILE, resume_shard, run_shard

__all__ = ["run", "resume_study", "run_study", "run_shard"]


def resume_study(run_dir: str | Path, model=None) -> Path:
    """Finish an interrupted run, grid or shard: cells with an items file are read back, the others run."""
    work, final = unfinished(run_dir)
    if (work / SHARD_FILE).is_file():
        return resume_shard(work, model)
    return resume_run(work, final, model)


def run(cfg: StudyConfig, out: str | None = None, shard=None, model=None) -> Path:
    """The whole study into one folder, or one shard of it (`shard`: iclft.runner.grid.Shard)."""
    if shard is not None:
        return run_shard(cfg, shard, out=out, model=model)
    return run_study(cfg, out=out, model=model)
