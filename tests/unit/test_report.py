"""The report of a run folder made with the tiny model: files, numbers, self-containment, errors."""
import json
import re
import shutil

import pytest

pytest.importorskip("matplotlib", reason="the report needs matplotlib (pip install 'matplotlib>=3.7')")

from iclft import IclftError  # noqa: E402
from iclft.config import load_config  # noqa: E402
from iclft.report import report_command, write_report  # noqa: E402
from iclft.runner.run import run_study  # noqa: E402

CONDITIONS = ("pretrained", "icl", "finetune")
SPLITS = ("forward", "reversal")


def _study(tiny_model, tiny_model_dir, out, seed, conditions):
    cfg = load_config(preset="quick", overrides=[
        f"model.name={tiny_model_dir}", "datasets=[{name: simple_reversal, params: {n_facts: 6, docs_per_fact: 2}}]",
        "finetune.epochs=1", "finetune.batch_size=4", f"seed={seed}", f"conditions=[{', '.join(conditions)}]"])
    return run_study(cfg, out=str(out), model=tiny_model)


@pytest.fixture(scope="module")
def runs(tiny_model, tiny_model_dir, tmp_path_factory):
    """Two finished run folders, made once for this module: seed 0 with every condition, seed 1
    without finetuning (a comparison must show the gap)."""
    root = tmp_path_factory.mktemp("report-runs")
    return [_study(tiny_model, tiny_model_dir, root / "run0", 0, CONDITIONS),
            _study(tiny_model, tiny_model_dir, root / "run1", 1, CONDITIONS[:2])]


@pytest.fixture(scope="module")
def report(runs, tmp_path_factory):
    """The report of the first run, written into a copy of it (the default place, RUN_DIR/report)."""
    run = shutil.copytree(runs[0], tmp_path_factory.mktemp("report") / "run0")
    return write_report([run], None)


def test_one_run_writes_page_summary_and_figures(report):
    assert report.name == "index.html" and report.parent.name == "report"
    md = (report.parent / "report.md").read_text()
    assert "![simple_reversal" in md and "(figures/simple_reversal.png)" in md
    png, pdf = report.parent / "figures" / "simple_reversal.png", report.parent / "figures" / "simple_reversal.pdf"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000


def test_page_shows_every_condition_split_and_the_recomputed_accuracy(report):
    page = report.read_text()
    for name in (*CONDITIONS, *SPLITS, "sum", "mean", "pmi"):
        assert f">{name}<" in page
    items = [json.loads(x) for x in (report.parent.parent / "items" / "simple_reversal__icl.jsonl").open()]
    reversal = [i for i in items if i["split"] == "reversal"]
    acc = sum(max(range(2), key=lambda k: i["scores"]["pmi"][k]) in i["valid"] for i in reversal) / len(reversal)
    assert f"{acc:.2f} [" in page
    summary = json.loads((report.parent.parent / "summary.json").read_text())
    for row in summary["results"]:
        s = row["scores"]["pmi"]
        assert f"{s['accuracy']:.2f} [{s['ci_low']:.2f},\u00a0{s['ci_high']:.2f}]" in page
    assert page.count("<details") >= len(CONDITIONS) * len(SPLITS)  # a sample of items per split and condition
    assert "✓ correct" in page and "▶ pick" in page


def test_page_is_self_contained(report):
    page = report.read_text()
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page)
    assert links and all(not link.startswith(("http", "//")) for link in links)
    assert "<link" not in page and "<script" not in page
    assert 'src="data:image/png;base64,' in page


def test_text_from_the_run_is_escaped(runs, tmp_path):
    run = shutil.copytree(runs[0], tmp_path / "run")
    summary = json.loads((run / "summary.json").read_text())
    summary["notes"].append("<script>alert('x')</script> & more")
    (run / "summary.json").write_text(json.dumps(summary))
    page = write_report([run], tmp_path / "out").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page


def test_scoring_can_be_chosen_and_must_exist(runs, tmp_path):
    page = write_report([runs[0]], tmp_path / "pmi", scoring="mean").read_text()
    assert "accuracy by the mean scoring" in page
    with pytest.raises(IclftError, match="no 'best' scoring"):
        write_report([runs[0]], tmp_path / "bad", scoring="best")


def test_comparison_of_two_runs(runs, tiny_model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert report_command(runs, None) == 0
    printed = capsys.readouterr().out.split()
    assert printed[:2] == ["report-compare/index.html", "report-compare/report.md"]
    assert "report-compare/figures/simple_reversal.pdf" in printed
    out = tmp_path / "report-compare"
    page = (out / "index.html").read_text()
    labels = [f"{tiny_model_dir.name} seed 0", f"{tiny_model_dir.name} seed 1"]  # model name and seed
    for text in (*labels, *CONDITIONS, *SPLITS):
        assert text in page
    summary = json.loads((runs[1] / "summary.json").read_text())
    s = summary["results"][-1]["scores"][summary["primary_scoring"]]
    assert f"{s['accuracy']:.2f} [{s['ci_low']:.2f},\u00a0{s['ci_high']:.2f}]" in page
    assert (out / "figures" / "simple_reversal.png").stat().st_size > 5000
    md = (out / "report.md").read_text()
    assert f"| {labels[0]} | {labels[1]} |" in md
    assert re.search(r"\| forward \| finetune \| 6 \| 0\.50 \| [0-9.]+ \[[0-9., ]+\] \| – \|", md)  # not in run 1


@pytest.mark.parametrize("make, message", [
    (lambda tmp, run: tmp / "nowhere", "no such run folder"),
    (lambda tmp, run: shutil.copytree(run, tmp / "r.partial"), "unfinished run"),
    (lambda tmp, run: (tmp / "empty").mkdir() or tmp / "empty", "no summary.json"),
])
def test_missing_or_unfinished_run_is_a_one_line_error(make, message, runs, tmp_path):
    with pytest.raises(IclftError, match=message) as err:
        write_report([make(tmp_path, runs[0])], tmp_path / "out")
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- nothing a user owns is replaced
def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("iclft: error: ")]
    assert len(lines) == 1, err
    return lines[0]


def test_a_report_is_never_written_over_a_users_files(runs, tmp_path, capsys):
    """A folder holding the user's own index.html and report.md, or a dataset folder, is refused in
    one line and left as it was; a new folder works, and so does writing the same report again."""
    from iclft.cli import main
    from iclft.data import generate, save_dataset

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my page")
    (mine / "report.md").write_text("my notes")
    dataset = save_dataset(generate("syllogism", n_items=3), tmp_path / "dataset")
    for folder in (mine, dataset):
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        assert main(["report", str(runs[0]), "--out", str(folder)]) == 2
        line = _one_error_line(capsys)
        assert f"{folder}: holds files a report did not write" in line and "choose another --out" in line
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert main(["report", str(runs[0]), "--out", str(dataset / "report")]) == 2
    assert f"inside the dataset folder {dataset}" in _one_error_line(capsys) and not (dataset / "report").exists()
    out = tmp_path / "new"
    for _ in range(2):  # its own folder again: written over
        assert main(["report", str(runs[0]), "--out", str(out)]) == 0
    assert (out / "index.html").is_file() and (out / ".iclft-report").is_file()


def _damaged_copy(run, tmp_path, edit):
    copy = shutil.copytree(run, tmp_path / "run")
    summary = json.loads((copy / "summary.json").read_text())
    edit(copy, summary)
    (copy / "summary.json").write_text(json.dumps(summary))
    return copy


def _truncate_items(copy, summary):
    items = copy / "items" / "simple_reversal__icl.jsonl"
    items.write_bytes(items.read_bytes()[:-40])


@pytest.mark.parametrize("edit, message", [
    (_truncate_items, r"simple_reversal__icl.jsonl:\d+: damaged, not a whole items file"),
    (lambda c, s: s.update(results={"a": 1}), r"summary.json: 'results' is not a list"),
    (lambda c, s: s.update(conditions="icl"), r"summary.json: 'conditions' is not a list of names"),
    (lambda c, s: s.update(model=["x"]), r"summary.json: 'model' is not an object with a name"),
    (lambda c, s: s.update(notes="a note"), r"summary.json: 'notes' is not a list"),
    (lambda c, s: s.update(schema_version="1"), r"summary.json: 'schema_version' is not a number"),
    (lambda c, s: s["results"][0].update(n="6"), r"summary.json: results\[0\].n is not of the type"),
    (lambda c, s: s["results"][1]["scores"].update(sum=0.5), r"summary.json: results\[1\].scores.sum is not"),
    (lambda c, s: s["results"][2].pop("split"), r"summary.json: results\[2\] has no 'split' field"),
    (lambda c, s: s["results"][0].pop("chance"), r"summary.json: results\[0\] has no 'chance' field"),
    (lambda c, s: s["results"][0]["scores"]["mean"].pop("ci_low"), r"results\[0\].scores.mean is not an object"),
])
def test_a_damaged_run_folder_is_one_line_never_a_traceback(edit, message, runs, tmp_path, capsys):
    from iclft.cli import main

    copy = _damaged_copy(runs[0], tmp_path, edit)
    assert main(["report", str(copy)]) == 2
    assert re.search(message, _one_error_line(capsys))
    assert not (copy / "report" / "index.html").exists()
