"""The markdown summary (report.md): the same tables as the HTML page, figures linked as PNG files."""
from __future__ import annotations

from iclft.report.runs import Run, format_started
from iclft.report.seeds import seed_groups, seeds_table
from iclft.report.tables import (Table, accuracy_table, comparison_table, cost_table, dataset_facts, run_facts,
                                 curve_table, runs_table, shortcut_table)


def _cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table_markdown(table: Table) -> str:
    """A pipe table; rows of the primary scoring in bold."""
    lines = ["| " + " | ".join(_cell(h) for h in table.head) + " |",
             "|" + "|".join("---" for _ in table.head) + "|"]
    for i, row in enumerate(table.rows):
        bold = i < len(table.emphasis) and table.emphasis[i]
        lines.append("| " + " | ".join(f"**{_cell(c)}**" if bold else _cell(c) for c in row) + " |")
    if table.caption:
        lines += ["", f"*{_cell(table.caption)}*"]
    return "\n".join(lines)


def _figure(dataset: str, link: str, scoring: str) -> str:
    return f"![{_cell(dataset)}: accuracy by the {scoring} scoring]({link})  \n[PDF]({link[:-4]}.pdf)"


def run_markdown(run: Run, scoring: str, figure_links: dict[str, str]) -> str:
    """report.md for one run; `figure_links` maps each dataset to its PNG, relative to report.md."""
    s = run.summary
    out = [f"# iclft report: {_cell(s.get('name', run.path.name))}", "",
           f"{_cell(run.model_label)} · seed {s.get('seed', '?')} · {format_started(s.get('started'))}", ""]
    out += [f"- **{k}**: {_cell(v)}" for k, v in run_facts(run)]
    if s.get("notes"):
        out += ["", "**Notes**", ""] + [f"- {_cell(n)}" for n in s["notes"]]
    for dataset in run.datasets:
        out += ["", f"## {_cell(dataset)}", "", _cell(dataset_facts(run, dataset)), "",
                _figure(dataset, figure_links[dataset], scoring), "",
                "### Accuracy", "", table_markdown(accuracy_table(run, dataset, scoring)), ""]
        shortcuts = shortcut_table(run, dataset)
        if shortcuts:
            out += ["### Shortcut baselines", "", table_markdown(shortcuts), ""]
        curves = curve_table(run, dataset, scoring)
        if curves:
            link = figure_links[dataset][:-4] + "_curve.png"
            out += ["### Learning curves", "", f"![{_cell(dataset)}: accuracy during finetuning]({link})", "",
                    table_markdown(curves), ""]
        out += ["### Cost", "", table_markdown(cost_table(run, dataset))]
    out += ["", "Per-item scores and a sample of the model's mistakes: index.html beside this file.", ""]
    return "\n".join(out)


def comparison_markdown(runs: list[Run], scoring: str, figure_links: dict[str, str]) -> str:
    datasets = list(dict.fromkeys(d for run in runs for d in run.datasets))
    out = [f"# iclft comparison: {len(runs)} runs"]
    for dataset in datasets:
        out += ["", f"## {_cell(dataset)}"]
        for model, group in seed_groups(runs).items():
            out += ["", f"### {_cell(model)}: mean over seeds", "", table_markdown(seeds_table(group, dataset, scoring))]
        out += ["", _figure(dataset, figure_links[dataset], scoring), "",
                table_markdown(comparison_table(runs, dataset, scoring))]
    out += ["", "## Runs", "", table_markdown(runs_table(runs))]
    return "\n".join(out) + "\n"
