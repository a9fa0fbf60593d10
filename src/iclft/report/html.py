"""The HTML report: one self-contained page (figures inlined as base64 PNG, CSS inline, nothing
fetched from elsewhere) for a run, or for a comparison of several runs.

Every string that comes from a run folder passes through `_e` (html.escape) on its way in.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from iclft.report.figures import DPI
from iclft.report.runs import Run, format_started, sample_items
from iclft.report.seeds import seed_groups, seeds_table
from iclft.report.tables import (MISSING, Table, accuracy_table, comparison_table, cost_table, dataset_facts,
                                 curve_table, run_facts, runs_table, shortcut_table)

ITEMS_SHOWN = 5  # per split and condition
SHOWN_PPI = 115  # CSS pixels per figure inch (printed size would be 96)

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
       max-width: 1120px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { margin-top: 2.2em; border-bottom: 2px solid #e4e4e4; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.4em; }
.sub { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 0.92em; }
th, td { border: 1px solid #d9d9d9; padding: 3px 9px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
tr.primary td { background: #f7fbff; font-weight: 600; }
table.facts th { width: 150px; background: #fafafa; }
.caption { color: #555; font-size: 0.86em; margin: 2px 0 14px; }
.notes { background: #fff8e1; border-left: 4px solid #f0b400; padding: 8px 14px; margin: 14px 0; }
.notes ul { margin: 4px 0; padding-left: 20px; }
figure { margin: 10px 0 4px; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.86em; }
details { margin: 6px 0; } summary { cursor: pointer; }
details.split { border: 1px solid #e4e4e4; border-radius: 4px; padding: 4px 10px; }
.item { border-top: 1px solid #eee; padding: 8px 0; }
.item-head { font-size: 0.88em; color: #555; }
.verdict-wrong { color: #b3261e; font-weight: 600; } .verdict-right { color: #1e7b34; font-weight: 600; }
.prompt { white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em;
          background: #f7f7f7; padding: 4px 8px; margin: 4px 0; }
table.choices td.text { white-space: pre-wrap; }
tr.valid td { background: #e8f5e9; } tr.pick-wrong td { background: #fdecea; }
td.best { font-weight: 700; text-decoration: underline; }
.key { font-size: 0.86em; color: #555; }
pre.config { background: #f7f7f7; padding: 8px 12px; font-size: 0.85em; overflow-x: auto; }
nav a { margin-right: 14px; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _anchor(dataset: str) -> str:
    return "ds-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in dataset)


def _cell(text: str) -> str:
    if text[:1].isdigit() or text == MISSING:
        # "0.42 [0.29, 0.58]" may break before its interval, nowhere else
        return '<td class="num">' + _e(text.replace(", ", ",\u00a0")) + "</td>"
    return f"<td>{_e(text)}</td>"


def table_html(table: Table, css_class: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in table.head)
    rows = []
    for i, row in enumerate(table.rows):
        primary = i < len(table.emphasis) and table.emphasis[i]
        cells = "".join(_cell(c) for c in row)
        rows.append(f'<tr{" class=primary" if primary else ""}>{cells}</tr>')
    caption = f'<p class="caption">{_e(table.caption)}</p>' if table.caption else ""
    return (f'<div class="scroll"><table class="{_e(css_class)}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>{caption}')


def figure_html(png: Path, caption: str) -> str:
    """The PNG inlined, shown a little larger than printed so that its text matches the page's."""
    raw = png.read_bytes()
    width = int.from_bytes(raw[16:20], "big") * SHOWN_PPI // DPI  # PNG header: IHDR width at bytes 16-19
    data = base64.b64encode(raw).decode("ascii")
    return (f'<figure><img alt="{_e(caption)}" width="{width}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)} (also as figures/{_e(png.stem)}.pdf beside this page)</figcaption></figure>")


def _facts_html(facts: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    return f'<table class="facts">{rows}</table>'


def _notes_html(notes: list[str]) -> str:
    if not notes:
        return ""
    return '<div class="notes"><b>Notes</b><ul>' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul></div>"


def _item_html(record: dict, scorings: list[str]) -> str:
    """One test item: its prompt, and each choice with its scores; the correct choices shaded
    green, the model's pick (by the first scoring) marked, red when wrong."""
    first = scorings[0]
    pick, valid = record["pred"][first], set(record["valid"])
    rows = []
    for k, choice in enumerate(record["choices"]):
        marks = ("✓ correct" if k in valid else "") + (" ▶ pick" if k == pick else "")
        css = "valid" if k in valid else "pick-wrong" if k == pick else ""
        scores = "".join(
            f'<td class="num{" best" if record["pred"][s] == k else ""}">{record["scores"][s][k]:.2f}</td>'
            for s in scorings)
        tokens = record.get("n_tokens", [""] * len(record["choices"]))[k]
        rows.append(f'<tr class="{css}"><td>{_e(marks.strip())}</td><td class="text">{_e(choice)}</td>'
                    f'{scores}<td class="num">{_e(tokens)}</td></tr>')
    ok = record["correct"][first]
    verdict = '<span class="verdict-right">✓ right</span>' if ok else '<span class="verdict-wrong">✗ wrong</span>'
    head = "".join(f"<th>{_e(s)}</th>" for s in scorings)
    return (f'<div class="item"><div class="item-head">{verdict} · item {_e(record["item_id"])} · '
            f'chance {record["chance"]:.2f}</div><div class="prompt">{_e(record["prompt"])}</div>'
            f'<table class="choices"><thead><tr><th></th><th>choice (continues the prompt)</th>{head}'
            f"<th>tokens</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def items_html(run: Run, dataset: str, scoring: str) -> str:
    """A browsable sample of items per split and condition, mistakes first."""
    scorings = run.scorings(scoring)
    blocks = []
    for split in run.splits(dataset):
        for condition in [c for c in run.conditions if any(r["condition"] == c for r in run.rows(dataset))]:
            records = [r for r in run.items(dataset, condition) if r["split"] == split]
            wrong = sum(not r["correct"][scoring] for r in records)
            shown = sample_items(records, scoring, ITEMS_SHOWN)
            blocks.append(f'<details class="split"><summary><b>{_e(split)}</b> · {_e(condition)}: '
                          f"{wrong} of {len(records)} wrong by {_e(scoring)}, showing {len(shown)}</summary>"
                          + "".join(_item_html(r, scorings) for r in shown) + "</details>")
    key = ('<p class="key">Green: a correct choice. ▶: the model\'s pick by the '
           f"{_e(scoring)} score, red when wrong. Underlined: the highest score in each column.</p>")
    return f"<details><summary><b>Sample items</b></summary>{key}{''.join(blocks)}</details>"


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def _nav(datasets: list[str]) -> str:
    if len(datasets) < 2:
        return ""
    return "<nav>" + "".join(f'<a href="#{_anchor(d)}">{_e(d)}</a>' for d in datasets) + "</nav>"


def run_page(run: Run, scoring: str, figures: dict[str, Path]) -> str:
    """The page for one run; `figures` maps each dataset to its PNG."""
    s = run.summary
    parts = [f"<h1>iclft report: {_e(s.get('name', run.path.name))}</h1>",
             f'<p class="sub">{_e(run.model_label)} · seed {_e(s.get("seed", "?"))} · '
             f"{_e(format_started(s.get('started')))}</p>",
             _notes_html(s.get("notes", [])), _facts_html(run_facts(run))]
    config = run.path / "config.yaml"
    if config.is_file():
        parts.append(f'<details><summary>Resolved config (config.yaml)</summary><pre class="config">'
                     f"{_e(config.read_text(encoding='utf-8'))}</pre></details>")
    parts.append(_nav(run.datasets))
    for dataset in run.datasets:
        parts += [f'<h2 id="{_anchor(dataset)}">{_e(dataset)}</h2>',
                  f'<p class="sub">{_e(dataset_facts(run, dataset))}</p>',
                  figure_html(figures[dataset], f"{dataset}: accuracy by the {scoring} scoring, bars with 95% "
                                                f"confidence intervals, chance dashed"),
                  "<h3>Accuracy</h3>", table_html(accuracy_table(run, dataset, scoring))]
        shortcuts = shortcut_table(run, dataset)
        if shortcuts:
            parts += ["<h3>Shortcut baselines</h3>", table_html(shortcuts)]
        curves = curve_table(run, dataset, scoring)
        if curves:
            png = figures[dataset]
            parts += ["<h3>Learning curves</h3>",
                      figure_html(png.with_name(png.stem + "_curve.png"), f"{dataset}: accuracy during finetuning"),
                      table_html(curves)]
        parts += ["<h3>Cost</h3>", table_html(cost_table(run, dataset)), items_html(run, dataset, scoring)]
    return _page(f"iclft report: {s.get('name', run.path.name)}", "\n".join(parts))


def comparison_page(runs: list[Run], scoring: str, figures: dict[str, Path]) -> str:
    """The page comparing runs: per dataset, the mean over seeds where a model has several (first:
    it is what a reader of a grid over seeds came for), a panel per run and a column per run; the
    table of runs at the end."""
    datasets = list(dict.fromkeys(d for run in runs for d in run.datasets))
    parts = [f"<h1>iclft comparison: {len(runs)} runs</h1>",
             f'<p class="sub">{_e(" · ".join(r.label for r in runs))}</p>', _nav(datasets)]
    for dataset in datasets:
        parts.append(f'<h2 id="{_anchor(dataset)}">{_e(dataset)}</h2>')
        for model, group in seed_groups(runs).items():
            parts += [f"<h3>{_e(model)}: mean over seeds</h3>", table_html(seeds_table(group, dataset, scoring))]
        parts += [figure_html(figures[dataset], f"{dataset}: accuracy by the {scoring} scoring, one panel "
                                                f"per run, 95% confidence intervals, chance dashed"),
                  table_html(comparison_table(runs, dataset, scoring))]
    parts += ["<h2>Runs</h2>", table_html(runs_table(runs))]
    return _page(f"iclft comparison: {', '.join(r.label for r in runs)}", "\n".join(parts))
