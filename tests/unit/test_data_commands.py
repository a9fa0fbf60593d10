"""The `iclft data ...` command functions: output lines and exit codes."""
import json

import pytest

from iclft import IclftError
from iclft.data import commands


def test_list_shows_every_dataset_with_defaults(capsys):
    assert commands.data_list() == 0
    out = capsys.readouterr().out
    assert "simple_reversal" in out and "n_facts=100 docs_per_fact=10" in out
    assert "reversal_curse" in out and "n_distractors=3" in out


def test_parse_value():
    assert commands.parse_value("20") == 20
    assert commands.parse_value("true") is True
    assert commands.parse_value("null") is None
    assert commands.parse_value("") == ""
    assert commands.parse_value("lberglund/reversal_curse") == "lberglund/reversal_curse"


def test_generate_validate_show(tmp_path, capsys):
    out = tmp_path / "ds"
    assert commands.data_generate("simple_reversal", 3, out, {"n_facts": "5"}) == 0
    assert capsys.readouterr().out == f"wrote {out}: simple_reversal seed 3: train 50, forward 5, reversal 5\n"
    assert commands.data_validate(out) == 0
    assert capsys.readouterr().out == "ok: simple_reversal seed 3: train 50, forward 5, reversal 5\n"
    assert commands.data_show(out, "reversal", 2) == 0
    shown = capsys.readouterr().out
    assert shown.count("[reversal]") == 2 and "[forward]" not in shown and "training documents:" in shown


def test_generate_refuses_other_data_but_accepts_the_same(tmp_path, capsys):
    out = tmp_path / "ds"
    commands.data_generate("simple_reversal", 0, out, {"n_facts": "5"})
    assert commands.data_generate("simple_reversal", 0, out, {"n_facts": "5"}) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("unchanged ")
    with pytest.raises(IclftError, match="not empty and holds other data"):
        commands.data_generate("simple_reversal", 1, out, {"n_facts": "5"})


def test_validate_reports_problems(tmp_path, capsys):
    out = tmp_path / "ds"
    commands.data_generate("simple_reversal", 0, out, {"n_facts": "5"})
    meta = json.loads((out / "meta.json").read_text())
    meta["words"].append("house")
    (out / "meta.json").write_text(json.dumps(meta))
    capsys.readouterr()
    assert commands.data_validate(out) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("meta words: 'house'") and lines[-1] == f"1 problem(s) in {out}"


def test_show_unknown_split(tmp_path):
    commands.data_generate("simple_reversal", 0, tmp_path / "ds", {"n_facts": "5"})
    with pytest.raises(IclftError, match="no test split 'sideways'; splits: forward, reversal"):
        commands.data_show(tmp_path / "ds", "sideways")


def test_export_prints_the_run_command(tmp_path, capsys):
    commands.data_generate("simple_reversal", 0, tmp_path / "ds", {"n_facts": "5"})
    assert commands.data_export(tmp_path / "ds", "lm-eval", tmp_path / "lm") == 0
    assert f"lm_eval --include_path {tmp_path / 'lm'} --tasks iclft_simple_reversal_forward," \
        in capsys.readouterr().out


def test_generator_parameters_as_options_or_key_value(tmp_path, capsys):
    from iclft.cli import main

    assert main(["data", "generate", "simple_reversal", "--n_facts", "5", "--docs_per_fact=2",
                 "--out", str(tmp_path / "a")]) == 0
    assert main(["data", "generate", "simple_reversal", "n_facts=5", "docs_per_fact=2",
                 "--out", str(tmp_path / "b")]) == 0
    for name in ("train.jsonl", "test.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert json.loads((tmp_path / "a" / "meta.json").read_text())["sizes"]["train"] == 10
    assert main(["data", "generate", "simple_reversal", "--bogus", "3", "--out", str(tmp_path / "c")]) == 2
    assert "no parameter 'bogus'" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
