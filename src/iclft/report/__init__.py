"""The report of a run, or a comparison of runs: figures, a self-contained HTML page, a markdown summary.

    iclft report RUN_DIR                  RUN_DIR/report/{index.html, report.md, figures/DATASET.png|pdf}
    iclft report RUN_A RUN_B [--out DIR]  the same files in DIR (default ./report-compare)
    iclft report GRID_DIR                 the grid's points side by side, in GRID_DIR/report

Only finished run folders are read (see iclft.runner.run); the run folder itself is never changed
except for the report/ folder written into it by default. A report is written only into a new or
empty folder, or one a report was written into before (it holds REPORT_MARKER): nothing a user
keeps in a folder is replaced.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from iclft import IclftError
from iclft.data.schema import atomic_write_text
from iclft.report.runs import Run, load_runs

__all__ = ["write_report", "report_command"]

DEFAULT_COMPARE_OUT = Path("report-compare")
REPORT_MARKER = ".iclft-report"
DATASET_FILES = ("train.jsonl", "test.jsonl", "meta.json")  # a folder holding them is a dataset's


def _claim(out: Path) -> None:
    """Make `out` a report folder, or refuse in one line: it must be new, empty, or marked as one."""
    if out.exists() and not out.is_dir():
        raise IclftError(f"{out}: exists and is not a folder; choose another --out")
    inside = next((p for p in out.absolute().parents if all((p / f).is_file() for f in DATASET_FILES)), None)
    if inside is not None:
        raise IclftError(f"{out}: inside the dataset folder {inside}; choose another --out")
    if out.is_dir() and not (out / REPORT_MARKER).is_file():
        held = sorted(p.name for p in out.iterdir())
        if held:
            shown = ", ".join(held[:4]) + (", ..." if len(held) > 4 else "")
            raise IclftError(f"{out}: holds files a report did not write ({shown}); iclft writes a report into a "
                             f"new or empty folder, or one holding its {REPORT_MARKER} file; choose another --out")
    try:
        atomic_write_text(out / REPORT_MARKER, "A report by iclft: `iclft report` may write into this folder again.\n")
    except OSError as e:
        raise IclftError(f"{out}: cannot write the report there ({e.strerror})") from None


def _file_stem(dataset: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", dataset)


def _draw(runs: list[Run], scoring: str, folder: Path) -> dict[str, list[Path]]:
    """Each dataset's figure (one run) or grouped figure (several), as PNG and PDF in `folder`."""
    from iclft.report import figures

    colours = figures.condition_colours([c for run in runs for c in run.conditions])
    drawn = {}
    for dataset in dict.fromkeys(d for run in runs for d in run.datasets):
        if len(runs) == 1:
            fig = figures.dataset_figure(runs[0], dataset, scoring, colours)
        else:
            fig = figures.comparison_figure(runs, dataset, scoring, colours)
        drawn[dataset] = figures.save_figure(fig, folder, _file_stem(dataset))
        curve = figures.curve_figure(runs[0], dataset, scoring, colours) if len(runs) == 1 else None
        if curve is not None:  # after the bar figure: drawn[dataset][0] stays the one the pages show
            drawn[dataset] += figures.save_figure(curve, folder, _file_stem(dataset) + "_curve")
    return drawn


def _check_scoring(runs: list[Run], scoring: str | None) -> str:
    scoring = scoring or runs[0].summary.get("primary_scoring", "sum")
    for run in runs:
        if scoring not in run.scorings():
            raise IclftError(f"{run.path}: no {scoring!r} scoring; it has {', '.join(run.scorings())}")
    return scoring


def build_report(run_dirs: list[str | Path], out: str | Path | None = None,
                 scoring: str | None = None) -> list[Path]:
    """Write the report and return every file written, index.html first."""
    if not run_dirs:
        raise IclftError("give at least one run folder")
    if importlib.util.find_spec("matplotlib") is None:
        raise IclftError("the report draws its figures with matplotlib: pip install 'matplotlib>=3.7'")
    from iclft.report import html, markdown

    runs = load_runs(run_dirs)
    scoring = _check_scoring(runs, scoring)
    if out is None:  # one folder (a run, or a grid of runs) keeps its report inside
        out = Path(run_dirs[0]) / "report" if len(run_dirs) == 1 else DEFAULT_COMPARE_OUT
    out = Path(out)
    _claim(out)
    try:
        drawn = _draw(runs, scoring, out / "figures")
        pngs = {d: paths[0] for d, paths in drawn.items()}
        links = {d: f"figures/{png.name}" for d, png in pngs.items()}
        if len(runs) == 1:
            page, summary = html.run_page(runs[0], scoring, pngs), markdown.run_markdown(runs[0], scoring, links)
        else:
            page = html.comparison_page(runs, scoring, pngs)
            summary = markdown.comparison_markdown(runs, scoring, links)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        # load_run checks what every report reads; this names a run whose files hold something else
        where = ", ".join(str(r.path) for r in runs)
        raise IclftError(f"{where}: summary.json or an items file holds something a report cannot read "
                         f"({type(e).__name__}: {e})") from None
    atomic_write_text(out / "index.html", page)
    atomic_write_text(out / "report.md", summary)
    return [out / "index.html", out / "report.md"] + [p for paths in drawn.values() for p in paths]


def write_report(run_dirs: list[str | Path], out: str | Path | None = None, scoring: str | None = None) -> Path:
    """Write the report of one run, or the comparison of several; return its index.html.

    out: the report folder (default RUN_DIR/report for one run, ./report-compare for several).
    scoring: sum, mean or pmi, the one drawn and listed first (default: the first run's primary).
    """
    return build_report(run_dirs, out, scoring)[0]


def report_command(run_dirs: list[str | Path], out: str | Path | None = None, scoring: str | None = None) -> int:
    """`iclft report`: write the report and print the paths written."""
    for path in build_report(run_dirs, out, scoring):
        print(path)
    return 0
