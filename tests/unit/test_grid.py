"""Grids over models and seeds: points from the config, a 2 x 2 grid end to end, its report, resume."""
import json
import shutil

import pytest
import yaml

from iclft import IclftError
from iclft import conditions as conditions_mod
from iclft.cli import main
from iclft.config import GridConfig, dump, load_config
from iclft.runner.grid import grid_cells, grid_points, model_labels
from iclft.runner.plan import plan_points
from iclft.runner.run import run_study
from iclft.study import resume_study

build_tiny_model = __import__("conftest").build_tiny_model
SMALL = ["datasets=[{name: simple_reversal, params: {n_facts: 6, docs_per_fact: 2}}]", "finetune.epochs=1",
         "finetune.batch_size=4", "model.device=cpu", "model.dtype=float32"]


def _cfg(*extra):
    return load_config(preset="quick", overrides=[*SMALL, *extra])


def _items(run):
    return {p.name: p.read_bytes() for p in sorted((run / "items").glob("*.jsonl"))}


def _summary(run):
    return json.loads((run / "summary.json").read_text())


@pytest.fixture
def calls(monkeypatch):
    """The conditions run, in order (a cell read back from a partial folder runs none)."""
    seen, get = [], conditions_mod.get
    monkeypatch.setattr(conditions_mod, "get", lambda name: seen.append(name) or get(name))
    return seen


# ---------------------------------------------------------------- the config and the plan
def test_grid_points_go_model_by_model_each_an_ordinary_config():
    cfg = _cfg("grid.models=[smollm2-135m, gemma3-270m]", "grid.seeds=[0, 1]", "conditions=[pretrained, icl]")
    points = grid_points(cfg)
    labels = ["smollm2-135m__seed0", "smollm2-135m__seed1", "gemma3-270m__seed0", "gemma3-270m__seed1"]
    assert [p.label for p in points] == labels
    assert [p.folder for p in points] == [f"points/{label}" for label in labels]
    assert [(p.cfg.model.name, p.cfg.seed) for p in points] == [
        ("smollm2-135m", 0), ("smollm2-135m", 1), ("gemma3-270m", 0), ("gemma3-270m", 1)]
    for p in points:
        assert p.cfg.grid == GridConfig() and p.cfg.finetune == cfg.finetune and p.cfg.datasets == cfg.datasets
        written = dump(p.cfg)
        assert "grid" not in yaml.safe_load(written)  # a point's config.yaml is an ordinary run's
        assert load_config(overrides=[f"{k}={json.dumps(v)}" for k, v in yaml.safe_load(written).items()]) == p.cfg
    assert cfg.grid.seeds == [0, 1] and cfg.model.name == "smollm2-135m"  # the grid config is left as it was
    assert yaml.safe_load(dump(cfg))["grid"] == {"models": ["smollm2-135m", "gemma3-270m"], "seeds": [0, 1]}
    cells = [str(c) for c in grid_cells(cfg)]
    assert cells[:3] == ["points/smollm2-135m__seed0/simple_reversal__pretrained",
                         "points/smollm2-135m__seed0/simple_reversal__icl",
                         "points/smollm2-135m__seed1/simple_reversal__pretrained"]
    assert len(cells) == len(set(cells)) == 4 * 2


@pytest.mark.parametrize("axes", [[], ["grid.seeds=[3]"], ["grid.models=[gemma3-270m]", "grid.seeds=[0]"]])
def test_a_config_with_one_point_is_an_ordinary_run(axes):
    cfg = _cfg(*axes)
    (point,) = grid_points(cfg)
    assert point.folder == "" and point.cfg.grid == GridConfig()
    assert (point.cfg.seed, point.cfg.model.name) == ((cfg.grid.seeds or [cfg.seed])[0],
                                                      (cfg.grid.models or [cfg.model.name])[0])
    assert [str(c) for c in grid_cells(cfg)] == [f"simple_reversal__{c}" for c in cfg.conditions]
    if not axes:
        assert "grid" not in yaml.safe_load(dump(cfg))  # config.yaml as before grids existed


def test_model_labels_are_folder_names_and_distinct():
    assert model_labels(["Qwen/Qwen2.5-0.5B-Instruct", "/models/a/final", "/models/b/final", "~/m/x y.gguf"]) == [
        "Qwen2.5-0.5B-Instruct", "final-2", "final-3", "x_y.gguf"]


@pytest.mark.parametrize("override, message", [
    ("grid.seeds=[1, 2, 1]", "grid.seeds lists 1 twice"),
    ("grid.models=[smollm2-135m, smollm2-135m]", "grid.models lists 'smollm2-135m' twice"),
    ("grid.models=['']", "grid.models: a model name is empty"),
    ("grid.seed=[1]", "unknown config key 'grid.seed' .*did you mean 'seeds'"),
    ("grid.seeds=[one]", r"grid.seeds\[0\] must be int"),
    ("grid.seeds=3", "grid.seeds must be a list"),
    ("grid=[0, 1]", "config section grid must be a mapping"),
])
def test_bad_grids_are_one_line_errors(override, message):
    with pytest.raises(IclftError, match=message) as err:
        _cfg(override)
    assert "\n" not in str(err.value)


def test_the_models_axis_keys_every_point_apart(tiny_model, tiny_model_dir, tmp_path):
    other = build_tiny_model(tmp_path / "tiny-b", seed=1)
    cfg = _cfg(f"grid.models=[{tiny_model_dir}, {other}]", "grid.seeds=[0, 1]", "conditions=[pretrained, icl]")
    plans = plan_points(grid_points(cfg))
    assert [(p.cfg.model.name, p.cfg.seed) for p in plans] == [
        (str(tiny_model_dir), 0), (str(tiny_model_dir), 1), (str(other), 0), (str(other), 1)]
    assert [p.cells[0].parts["model"]["path"] for p in plans] == [str(tiny_model_dir)] * 2 + [str(other)] * 2
    keys = [c.key for p in plans for c in p.cells]
    assert len(set(keys)) == 8  # model and seed both enter every cell's key
    with pytest.raises(IclftError, match="a loaded model serves one model name"):
        plan_points(grid_points(cfg), model=tiny_model)


# ---------------------------------------------------------------- end to end
def test_a_two_by_two_grid_writes_one_ordinary_run_per_point(tiny_model_dir, tmp_path, capsys):
    other = build_tiny_model(tmp_path / "tiny-b", seed=1)
    config = tmp_path / "grid.yaml"
    config.write_text(f"name: g\ngrid: {{models: ['{tiny_model_dir}', '{other}'], seeds: [0, 1]}}\n"
                      "conditions: [pretrained, icl, finetune]\ncache_dir: null\n")
    out = tmp_path / "grid"
    assert main(["run", str(config), *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    labels = [f"{m}__seed{s}" for m in (tiny_model_dir.name, "tiny-b") for s in (0, 1)]
    assert all(label in printed for label in labels) and f"results: {out}" in printed

    assert load_config(str(out / "config.yaml")).grid == GridConfig([str(tiny_model_dir), str(other)], [0, 1])
    index = json.loads((out / "grid.json").read_text())
    assert [(p["label"], p["folder"]) for p in index["points"]] == [(lb, f"points/{lb}") for lb in labels]
    assert sorted(p.name for p in (out / "points").iterdir()) == sorted(labels)
    assert not list(tmp_path.rglob("*.partial"))
    for point in index["points"]:
        run = out / point["folder"]
        summary = _summary(run)
        assert (summary["model"]["name"], summary["seed"]) == (point["model"], point["seed"])
        assert {r["condition"] for r in summary["results"]} == {"pretrained", "icl", "finetune"}
        cfg = load_config(str(run / "config.yaml"))
        assert (cfg.model.name, cfg.seed, cfg.grid) == (point["model"], point["seed"], GridConfig())
    seed0, seed1 = (out / "points" / lb / "data" / "simple_reversal" / "train.jsonl" for lb in labels[:2])
    assert seed0.read_text() != seed1.read_text()  # the seed generates the data

    # a point is exactly the run its own config makes alone
    alone = run_study(load_config(str(out / "points" / labels[3] / "config.yaml")), out=str(tmp_path / "alone"))
    assert _items(alone) == _items(out / "points" / labels[3])
    assert _summary(alone)["results"] == _summary(out / "points" / labels[3])["results"]

    pytest.importorskip("matplotlib")
    assert main(["report", str(out)]) == 0
    page = (out / "report" / "index.html").read_text()
    for name in (tiny_model_dir.name, "tiny-b"):
        assert f"{name} seed 0" in page and f"{name} seed 1" in page


def test_an_interrupted_grid_resumes_only_what_is_missing(tiny_model, tiny_model_dir, tmp_path, calls):
    cfg = _cfg(f"model.name={tiny_model_dir}", "grid.seeds=[0, 1, 2]", "conditions=[pretrained, icl]",
               "cache_dir=null")
    whole = run_study(cfg, out=str(tmp_path / "grid"), model=tiny_model)
    points = [whole / p.folder for p in grid_points(cfg)]
    before = [(_items(p), _summary(p)["results"]) for p in points]
    assert calls == ["pretrained", "icl"] * 3

    # stopped during the second point (its icl cell unfinished), before the third began
    work = whole.rename(tmp_path / "grid.partial")
    second, third = (work / "points" / p.name for p in points[1:])
    (second / "summary.json").unlink()
    (second / "items" / "simple_reversal__icl.jsonl").unlink()
    second.rename(second.with_name(second.name + ".partial"))
    shutil.rmtree(third)
    (work / "table.txt").unlink()
    calls.clear()

    assert resume_study(tmp_path / "grid", model=tiny_model) == whole
    assert calls == ["icl", "pretrained", "icl"]  # the first point and the second's pretrained cell are kept
    assert [(_items(p), _summary(p)["results"]) for p in points] == before
    assert "resuming" in (whole / "run.log").read_text() and (whole / "table.txt").is_file()
    assert not list(tmp_path.rglob("*.partial"))
