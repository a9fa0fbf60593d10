"""table.txt: a run's accuracy table as plain text, as `iclft run` prints it."""
from __future__ import annotations

from typing import Sequence

from iclft.results import metrics


def _columns(head: list[str], lines: list[list[str]]) -> list[str]:
    widths = [max(len(x) for x in col) for col in zip(head, *lines)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*row) for row in lines]


def format_table(results: list[dict], conditions: list[str], scoring: str, shortcuts: Sequence[dict] = (),
                 frames: Sequence[str] = ()) -> str:
    """Accuracy [95% CI] per dataset and split (rows) and condition (columns): any valid choice, and
    for splits with several valid choices a second, strict row; then the shortcut baselines (no
    model) and how the questions were asked."""
    cell = {(r["dataset"], r["split"], r["condition"]): r for r in results}
    keys = list(dict.fromkeys((r["dataset"], r["split"]) for r in results))
    head = ["dataset", "split", "metric", "n", "chance"] + conditions
    lines = []
    for ds, split in keys:
        any_row = next(r for r in results if (r["dataset"], r["split"]) == (ds, split))
        for metric, chance, pick in metrics(any_row):
            row = [ds, split, metric, str(any_row["n"]), f"{chance:.2f}"]
            for c in conditions:
                r = cell.get((ds, split, c))
                if r is None:
                    row.append("-")
                else:
                    s = pick(r["scores"][scoring])
                    row.append(f"{s['accuracy']:.2f} [{s['ci_low']:.2f}, {s['ci_high']:.2f}]")
            lines.append(row)
    out = _columns(head, lines)
    out.append(f"(accuracy by {scoring} log-likelihood, 95% Wilson interval; strict: the canonical answer "
               f"above every invalid choice, shown where items have several valid choices)")
    if shortcuts:
        rows = [[s["dataset"], s["split"], s["name"], str(s["n"]), f"{s['chance']:.2f}", f"{s['accuracy']:.2f}",
                 f"{s['strict_chance']:.2f}", f"{s['strict']:.2f}"] for s in shortcuts]
        out += ["", "shortcut baselines (from the items alone, no model; expected accuracy over random tie-breaks):"]
        out += _columns(["dataset", "split", "shortcut", "n", "chance", "any valid", "strict chance", "strict"], rows)
    for f in frames:
        out.append(f"question frame: {f}")
    return "\n".join(out)
