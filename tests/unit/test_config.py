import pytest

from iclft import IclftError
from iclft.config import StudyConfig, load_config, preset_names


def test_every_preset_loads():
    assert "quick" in preset_names()
    for name in preset_names():
        assert isinstance(load_config(preset=name), StudyConfig)


def test_overrides_use_dotted_keys_and_yaml_values():
    cfg = load_config(preset="quick", overrides=["finetune.epochs=2", "finetune.learning_rate=3e-4",
                                                 "conditions=[icl]", "icl.chat_template=false"])
    assert (cfg.finetune.epochs, cfg.finetune.learning_rate, cfg.conditions) == (2, 3e-4, ["icl"])
    assert cfg.icl.chat_template == "off"


def test_datasets_may_be_given_by_name(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("datasets: [simple_reversal]\nconditions: [pretrained]\n")
    cfg = load_config(str(path))
    assert cfg.datasets[0].name == "simple_reversal" and cfg.datasets[0].params == {}


@pytest.mark.parametrize("overrides, message", [
    (["finetune.epoch=2"], "unknown config key 'finetune.epoch' .*did you mean 'epochs'"),
    (["finetune.epochs=two"], "finetune.epochs must be int"),
    (["finetune.epochs=0"], "at least 1"),
    (["conditions=[icl, telepathy]"], "unknown condition 'telepathy'"),
    (["datasets=[nonsense_set]"], "unknown dataset 'nonsense_set'"),
    (["datasets=[{name: simple_reversal, params: {n_fact: 3}}]"], "no parameter 'n_fact'"),
    (["icl.chat_template=maybe"], "chat_template must be auto, on or off"),
    (["finetune.learning_rate=-1"], "must be a positive finite number"),
    (["finetune.learning_rate=.inf"], "finetune.learning_rate must be a positive finite number, got inf"),
    (["finetune.learning_rate=.nan"], "finetune.learning_rate must be a positive finite number, got nan"),
    (["finetune.max_grad_norm=-1"], "finetune.max_grad_norm must be a positive finite number"),
    (["finetune.weight_decay=.inf"], "finetune.weight_decay must be a finite number"),
    (["augment.temperature=.nan"], "augment.temperature must be 0"),
    (["epochs"], "must look like key=value"),
    (["icl.reserve_tokens=-5"], "icl.reserve_tokens must be 0 or more, got -5"),
    (["model.api_key_env=''"], "model.api_key_env must name an environment variable"),
    (["model.timeout.read=0"], "model.timeout.read must be a positive number of seconds, got 0"),
    (["model.timeout.total=.inf"], "model.timeout.total must be a positive number of seconds, got inf"),
    (["model.timeout=30"], "config section model.timeout must be a mapping"),
    (["model.max_retries=-1"], "model.max_retries must be 0 .no retry. or more, got -1"),
])
def test_bad_configs_are_one_line_errors(overrides, message):
    with pytest.raises(IclftError, match=message):
        load_config(preset="quick", overrides=overrides)


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nfinetune: {epochs: 2\n")
    with pytest.raises(IclftError, match=r"bad.yaml: line \d+ malformed YAML"):
        load_config(str(path))


def test_missing_config_file_and_unknown_preset():
    with pytest.raises(IclftError, match="config file not found"):
        load_config("/nonexistent/study.yaml")
    with pytest.raises(IclftError, match="unknown preset 'quik'"):
        load_config(preset="quik")


def test_a_key_given_twice_or_a_file_not_in_utf8_is_one_line_exit_2(tmp_path, capsys):
    """PyYAML keeps the last of two equal keys, so a section written twice lost the first without a
    word; a config in another encoding raised a traceback. Both are now one line and exit 2, and
    the run writes nothing."""
    from iclft.cli import main

    twice = tmp_path / "twice.yaml"
    twice.write_text("name: x\nfinetune: {epochs: 2}\nmodel: {name: smollm2-135m}\nfinetune: {learning_rate: 1.0e-3}\n")
    with pytest.raises(IclftError, match=r"twice.yaml: line 4 malformed YAML \(key 'finetune' given twice\)"):
        load_config(str(twice))
    nested = tmp_path / "nested.yaml"
    nested.write_text("finetune:\n  epochs: 2\n  epochs: 3\n")
    with pytest.raises(IclftError, match="key 'epochs' given twice"):
        load_config(str(nested))
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    out = tmp_path / "runs"
    for path in (twice, latin):
        assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("iclft: error: ") for e in err)
    assert "latin.yaml: not UTF-8 text" in err[1]
    assert not out.exists()


def test_paper_preset_trains_as_the_paper_did():
    from iclft.data import generate
    from iclft.models.train import total_steps

    cfg = load_config(preset="paper")
    ft = cfg.finetune
    assert (ft.learning_rate, ft.batch_size, ft.method) == (3e-4, 16, "lora") and ft.eval_every > 0
    sizes = {d.name: len(generate(d.name, seed=0, **d.params).train) for d in cfg.datasets}
    steps = {name: total_steps(n, ft) for name, n in sizes.items()}
    assert steps == {"simple_reversal": 315, "syllogism": 200, "semantic_structure": 690, "process": 200}
    assert total_steps(10 * sizes["semantic_structure"], ft) == 1000  # an augmented corpus: capped
