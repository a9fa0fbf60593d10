"""The life of a result folder (a run, a grid, a shard): written as NAME.partial, renamed when whole.

A folder without the `.partial` suffix is always complete. An interrupted NAME.partial can be
reopened and finished (`iclft run --resume`); its log file continues. A fresh run never replaces
one (its finished cells would be lost): it refuses and points to `--resume`.

A folder has one writer: NAME.partial/.lock, locked with flock(2) for as long as the writer works
on it and naming the process and host, refuses a second writer at once. The OS drops the lock
when its process ends, however it ends, so a lock left by a killed run is never in the way; the
next writer reports the dead one it takes over from.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import socket
from datetime import datetime
from pathlib import Path
from typing import Callable

from iclft import IclftError
from iclft.data.schema import atomic_write_text

log = logging.getLogger("iclft")
PARTIAL = ".partial"
LOCK = ".lock"
_held: dict[Path, int] = {}  # folder -> descriptor of its locked .lock file, for this process


def _writer() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": datetime.now().isoformat(timespec="seconds")}


def _describe(text: str) -> str:
    try:
        w = json.loads(text)
        return f"pid {w['pid']} on {w['host']}, since {w['since']}"
    except (ValueError, KeyError, TypeError):
        return "a process that left no name"


def _written(fd: int) -> str:
    """What the lock file open at `fd` says of its writer (empty for a new file)."""
    return os.pread(fd, 4096, 0).decode("utf-8", "replace")


def _busy(folder: Path, holder: str) -> IclftError:
    return IclftError(f"{folder}: another iclft process is writing it ({holder}); wait for it to end, "
                      f"or choose another --out")


def lock(folder: Path) -> None:
    """Become `folder`'s one writer until `unlock` (or the end of this process); another live
    writer is an error naming it."""
    key = folder.resolve()
    if key in _held:
        return
    path = folder / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise IclftError(f"{folder}: cannot create its lock file ({e.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _describe(_written(fd))
        os.close(fd)
        raise _busy(folder, holder) from None
    before = _written(fd)
    if before.strip():
        log.warning("%s: its last writer (%s) ended without finishing; continuing its work", folder,
                    _describe(before))
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(_writer()).encode(), 0)
    _held[key] = fd


def unlock(folder: Path) -> None:
    """Remove the lock file (the folder is whole, or gone) and release the lock."""
    fd = _held.pop(folder.resolve(), None)
    if fd is None:
        return
    try:
        (folder / LOCK).unlink(missing_ok=True)
    finally:
        os.close(fd)


def _live_writer(folder: Path) -> str | None:
    """Who holds `folder`'s lock now, if anyone does (the lock file is only looked at)."""
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None
    except OSError:
        return _describe(_written(fd))
    finally:
        os.close(fd)


def _moved(old: Path, new: Path) -> None:
    """`old` was renamed `new`: a lock held on it stays held under the new name."""
    fd = _held.pop(old.resolve(), None)
    if fd is not None:
        _held[new.resolve()] = fd


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
    """A fresh FINAL.partial holding config.yaml, locked by this process. An interrupted run's
    partial folder of that name is never replaced: its finished work would be lost."""
    work = partial_of(final)
    try:
        work.mkdir(parents=True)  # atomic: of two runs started on one name, one gets here
    except FileExistsError:
        holder = _live_writer(work)
        if holder:
            raise _busy(work, holder) from None
        if (work / "config.yaml").exists() or not work.is_dir():
            raise IclftError(f"{work}: an interrupted run is there; finish it with `iclft run --resume "
                             f"{work}` (its finished cells are kept), or remove it, or choose another --out") from None
        # else a run stopped before it wrote anything: this one takes the empty folder over, below
    except OSError as e:
        raise IclftError(f"{work}: cannot create the run folder ({e.strerror})") from None
    lock(work)
    try:
        atomic_write_text(work / "config.yaml", config_text)
    except OSError as e:
        raise IclftError(f"{work}: cannot write to the run folder ({e.strerror})") from None
    return work


def _add_log_file(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")  # appends: a resumed run continues the log
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    return handler


class KeptWork(IclftError):
    """A run that failed after finishing some cells: its partial folder is kept for --resume."""

    def __init__(self, cause: str, work: Path, n_cells: int):
        self.cause = cause
        super().__init__(f"{cause}; the {n_cells} finished cell(s) are kept in {work}: once the cause is fixed, "
                         f"`iclft run --resume {work}` continues")


def _finished_cells(work: Path) -> int:
    """Cells whose items file is written (a grid's points included): the work a failure must keep."""
    return sum(1 for _ in work.rglob("items/*.jsonl"))


def _as_error(e: BaseException) -> str:
    """The one-line cause of an IclftError or OSError."""
    if isinstance(e, KeptWork):
        return e.cause
    if isinstance(e, OSError):
        return f"{e.filename}: {e.strerror or e}" if e.filename else str(e.strerror or e)
    return str(e)


def complete_folder(work: Path, fill: Callable[[Path], None], fresh: bool, keep_cells: bool = False) -> Path:
    """Run `fill(work)` with a log file in `work`, then rename `work` to its final name.

    fresh: `work` was just started; a failure (IclftError, OSError) on the way removes it, unless
    `keep_cells` and some cell was finished: then it stays for `iclft run --resume`, and the error
    says so. Otherwise it is an interrupted folder being finished: the writes its interruption cut
    short are removed first, and it is kept whatever happens.
    """
    final = work.with_name(work.name[:-len(PARTIAL)])
    lock(work)
    if final.exists():  # another writer finished it while this one waited to begin
        unlock(work)
        raise IclftError(f"{final}: the run is complete already; nothing to resume")
    handler = _add_log_file(work / "run.log")
    try:
        if not fresh:
            for tmp in work.rglob(".*.tmp"):
                tmp.unlink()
            log.info("resuming %s", work)
        fill(work)
    except (IclftError, OSError) as e:
        cause, done = _as_error(e), _finished_cells(work)
        log.info("stopped: %s", cause)  # into run.log; the console gets the error line
        if fresh and not (keep_cells and done):
            logging.getLogger().removeHandler(handler)
            handler.close()
            shutil.rmtree(work, ignore_errors=True)
            unlock(work)
            if isinstance(e, IclftError) and not isinstance(e, KeptWork):
                raise
            raise IclftError(cause) from None
        unlock(work)  # this writer is done with it; the next --resume takes it over
        if (keep_cells or not fresh) and done:
            raise KeptWork(cause, work, done) from None
        raise
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    os.rename(work, final)
    _moved(work, final)
    unlock(final)
    return final
