"""The life of a result folder (a run, a grid, a shard): written as NAME.partial, renamed when whole.

A folder without the `.partial` suffix is always complete. An interrupted NAME.partial can be
reopened and finished (`iclft run --resume`); its log file continues.
"""
from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Callable

from iclft import IclftError
from iclft.data.schema import atomic_write_text

log = logging.getLogger("iclft")
PARTIAL = ".partial"


def _one_process() -> None:
    """A result folder is written by one process. Under `accelerate launch` or torchrun every process
    would run the whole study and write the same folder, so that is refused (shards use many GPUs)."""
    try:
        n = int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        n = 1
    if n > 1:
        raise IclftError(f"this is one of {n} processes (WORLD_SIZE={n}), but iclft writes a run from one "
                         f"process: run it without accelerate launch or torchrun, one shard per GPU "
                         f"(CUDA_VISIBLE_DEVICES=K iclft run CONFIG --shard K/N)")


def partial_of(final: Path) -> Path:
    return final.with_name(final.name + PARTIAL)


def new_folder_name(out: str | None, output_dir: str, default_name: str) -> Path:
    """`out`, or OUTPUT_DIR/DEFAULT_NAME; an existing folder is an error."""
    _one_process()
    final = Path(out) if out is not None else Path(output_dir) / default_name
    if final.exists():
        raise IclftError(f"{final}: run folder already exists; choose another --out")
    return final


def timestamped(name: str) -> str:
    return f"{name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def unfinished(folder: str | Path) -> tuple[Path, Path]:
    """(NAME.partial, NAME) for either name; errors unless only the partial folder exists."""
    _one_process()
    p = Path(folder)
    work, final = (p, p.with_name(p.name[:-len(PARTIAL)])) if p.name.endswith(PARTIAL) else (partial_of(p), p)
    if final.exists():
        raise IclftError(f"{final}: the run is complete already; nothing to resume")
    if not work.is_dir():
        raise IclftError(f"{work}: no unfinished run folder here")
    if not (work / "config.yaml").is_file():
        raise IclftError(f"{work}: config.yaml missing (the run stopped before it started); start it again")
    return work, final


def start_folder(final: Path, config_text: str) -> Path:
    """A fresh FINAL.partial holding config.yaml (an earlier partial folder of that name is replaced)."""
    work = partial_of(final)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    atomic_write_text(work / "config.yaml", config_text)
    return work


def _add_log_file(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")  # appends: a resumed run continues the log
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    return handler


def complete_folder(work: Path, fill: Callable[[Path], None], fresh: bool) -> Path:
    """Run `fill(work)` with a log file in `work`, then rename `work` to its final name.

    fresh: `work` was just started; bad input found on the way (IclftError) removes it. Otherwise it
    is an interrupted folder being finished: the writes its interruption cut short are removed
    first, and it is kept whatever happens.
    """
    handler = _add_log_file(work / "run.log")
    try:
        if not fresh:
            for tmp in work.rglob(".*.tmp"):
                tmp.unlink()
            log.info("resuming %s", work)
        fill(work)
    except IclftError:
        if fresh:
            shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    final = work.with_name(work.name[:-len(PARTIAL)])
    os.rename(work, final)
    return final
