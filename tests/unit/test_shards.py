"""Shards (`iclft run --shard I/N`) and `iclft merge`: merged shards equal the unsharded run."""
import json
import shutil

import pytest

from iclft import IclftError
from iclft import conditions as conditions_mod
from iclft.cli import main
from iclft.config import load_config
from iclft.runner.grid import Shard, grid_cells, parse_shard, shard_cells
from iclft.runner.run import run_study
from iclft.study import resume_study
from iclft.runner.shards import merge_shards, run_shard

SMALL = ["datasets=[{name: simple_reversal, params: {n_facts: 6, docs_per_fact: 2}}]", "finetune.epochs=1",
         "finetune.batch_size=4", "model.device=cpu", "model.dtype=float32", "cache_dir=null"]
GRID = ["grid.seeds=[0, 1]", "conditions=[pretrained, icl, finetune_aug_oracle]"]  # oracle: extra files too


def _overrides(tiny_model_dir, *extra):
    return [f"model.name={tiny_model_dir}", *SMALL, *extra]


def _cfg(tiny_model_dir, *extra):
    return load_config(preset="quick", overrides=_overrides(tiny_model_dir, *extra))


def _files(folder, skip=("run.log",)):
    """Every file under `folder` by relative path, with its bytes (logs and reports left out)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in skip}


@pytest.fixture(scope="module")
def grid(tiny_model, tiny_model_dir, tmp_path_factory):
    """A 2-seed grid run whole, and as shards 0/2 and 1/2 (made once for this module)."""
    root = tmp_path_factory.mktemp("shards")
    cfg = _cfg(tiny_model_dir, *GRID)
    whole = run_study(cfg, out=str(root / "whole"), model=tiny_model)
    shards = [run_shard(cfg, Shard(i, 2), out=str(root / f"shard{i}"), model=tiny_model) for i in range(2)]
    return cfg, whole, shards


@pytest.mark.parametrize("text", ["0/0", "3/2", "2/2", "x", "1/", "1/2/3", " "])
def test_bad_shard_values_are_one_line_errors(text, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IclftError, match="give I/N with 0 <= I < N"):
        parse_shard(text)
    assert main(["run", "--preset", "quick", f"--shard={text}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("iclft: error: --shard")
    assert not list(tmp_path.iterdir())


def test_shards_deal_every_cell_once_round_robin(tiny_model_dir):
    cfg = _cfg(tiny_model_dir, *GRID)
    cells = grid_cells(cfg)
    assert len(cells) == 6 and parse_shard("1/4") == Shard(1, 4)
    for n in (1, 2, 4, 7):  # 7 shards for 6 cells: the last gets none
        dealt = [shard_cells(cfg, Shard(i, n)) for i in range(n)]
        assert sorted(c for d in dealt for c in d) == sorted(cells)
        assert [len(d) for d in dealt] == [len(cells[i::n]) for i in range(n)]
    assert shard_cells(cfg, Shard(1, 2)) == [cells[1], cells[3], cells[5]]


def test_a_shard_holds_only_its_cells(grid):
    cfg, _, shards = grid
    for i, shard in enumerate(shards):
        record = json.loads((shard / "shard.json").read_text())
        assert (record["shard"], record["of"]) == (i, 2)
        mine = {str(c) for c in shard_cells(cfg, Shard(i, 2))}
        assert {"/".join(c) for c in record["cells"]} == mine
        written = {str(p.relative_to(shard))[:-len(".jsonl")].replace("/items/", "/")
                   for p in shard.rglob("items/*.jsonl")}
        assert written == mine
        assert not list(shard.rglob("summary.json"))  # a shard is not a run: merge summarizes
        assert (shard / "config.yaml").read_text() == (shards[0] / "config.yaml").read_text()


def test_merged_shards_equal_the_unsharded_grid(grid, tmp_path, capsys):
    cfg, whole, shards = grid
    assert main(["merge", str(shards[1]), str(shards[0]), "--out", str(tmp_path / "merged")]) == 0
    merged = tmp_path / "merged"
    assert f"results: {merged}" in capsys.readouterr().out
    files, expected = _files(merged), _files(whole)
    assert files.keys() == expected.keys()  # the same layout, file for file
    for path in expected:  # items, augmentations, data, configs, index, tables (cells/ and summaries hold times)
        if "/cells/" not in path and not path.endswith("summary.json"):
            assert files[path] == expected[path], path
    for point in ("points/tiny-llama0__seed0", "points/tiny-llama0__seed1"):
        a, b = (json.loads((run / point / "summary.json").read_text()) for run in (whole, merged))
        assert b["results"] == a["results"] and b["seed"] == a["seed"] and b["model"] == a["model"]
        assert b["costs"].keys() == a["costs"].keys()
        assert any(n.startswith("merged from shards 0/2, 1/2") for n in b["notes"])


def test_merging_with_a_shard_missing_names_the_missing_cells(grid, tmp_path, capsys):
    cfg, _, shards = grid
    with pytest.raises(IclftError) as err:
        merge_shards([shards[0]], out=str(tmp_path / "m"))
    message = str(err.value)
    assert message.startswith("3 cells missing: ") and "shards given: 0/2" in message
    for cell in shard_cells(cfg, Shard(1, 2)):
        assert str(cell) in message
    assert main(["merge", str(shards[1]), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "points/tiny-llama0__seed0/simple_reversal__pretrained" in err[0]
    assert not list(tmp_path.iterdir())


def test_merge_refuses_mixed_configs_repeated_or_unfinished_shards(grid, tmp_path):
    _, whole, shards = grid
    other = shutil.copytree(shards[1], tmp_path / "other")
    config = other / "config.yaml"
    config.write_text(config.read_text().replace("epochs: 1", "epochs: 3"))
    with pytest.raises(IclftError, match="come from different configs"):
        merge_shards([shards[0], other], out=str(tmp_path / "m"))
    with pytest.raises(IclftError, match="is in two shards"):
        merge_shards([shards[0], shards[0], shards[1]], out=str(tmp_path / "m"))
    with pytest.raises(IclftError, match="not a shard folder"):
        merge_shards([whole], out=str(tmp_path / "m"))
    unfinished = shutil.copytree(shards[1], tmp_path / "s1.partial")
    with pytest.raises(IclftError, match="an unfinished shard; finish it with iclft run --resume"):
        merge_shards([shards[0], unfinished], out=str(tmp_path / "m"))
    with pytest.raises(IclftError, match="run folder already exists"):
        merge_shards(shards, out=str(whole))
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.partial").exists()


def test_a_single_run_shards_and_merges_through_the_cli(tiny_model_dir, tmp_path, capsys):
    base = ["run", "--preset", "quick", *_overrides(tiny_model_dir, "conditions=[pretrained, icl]")]
    assert main([*base, "--out", str(tmp_path / "whole")]) == 0
    for i in range(3):  # 2 cells, 3 shards: shard 2/3 is empty, and merges all the same
        assert main([*base, "--shard", f"{i}/3", "--out", str(tmp_path / f"s{i}")]) == 0
    assert json.loads((tmp_path / "s2" / "shard.json").read_text())["cells"] == []
    capsys.readouterr()
    assert main(["merge", *(str(tmp_path / f"s{i}") for i in range(3)), "--out", str(tmp_path / "merged")]) == 0
    assert "pretrained" in capsys.readouterr().out  # the table, as iclft run prints it
    whole, merged = _files(tmp_path / "whole"), _files(tmp_path / "merged")
    assert merged.keys() == whole.keys() and "items/simple_reversal__icl.jsonl" in merged  # an ordinary run
    assert all(merged[p] == whole[p] for p in whole if p.startswith(("items/", "data/")) or p == "config.yaml")
    summaries = [json.loads(files["summary.json"]) for files in (whole, merged)]
    assert summaries[0]["results"] == summaries[1]["results"]


def test_an_interrupted_shard_resumes(grid, tiny_model, tmp_path, monkeypatch):
    _, _, shards = grid
    work = shutil.copytree(shards[1], tmp_path / "s1.partial")  # as if stopped before its last cell
    (work / "points" / "tiny-llama0__seed0" / "items" / "simple_reversal__icl.jsonl").unlink()
    seen, get = [], conditions_mod.get
    monkeypatch.setattr(conditions_mod, "get", lambda name: seen.append(name) or get(name))
    done = resume_study(tmp_path / "s1", model=tiny_model)
    assert done == tmp_path / "s1" and seen == ["icl"]
    before, after = _files(shards[1]), _files(done)
    assert after.keys() == before.keys()
    assert all(after[p] == before[p] for p in before if "/items/" in p)
    assert "resuming" in (done / "run.log").read_text()
