"""Study configuration: typed dataclasses with defaults, YAML files, dotted CLI overrides.

    iclft run --preset quick finetune.epochs=2 model.name=gemma3-270m

Unknown keys, wrong types and malformed YAML are errors (IclftError, one line). The resolved
config is written beside the results (`config.yaml` in the run folder).
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Union

import yaml

from iclft import IclftError

CONDITIONS = ("pretrained", "icl", "finetune", "finetune_split", "finetune_aug_local", "finetune_aug_global",
              "finetune_aug_selfqa", "finetune_aug_implications", "finetune_aug_oracle")
AUGMENT_FILTERS = ("none", "consistency")
FINETUNE_METHODS = ("full", "lora")
SPLIT_MODES = ("independent", "cumulative")


def finetunes(condition: str) -> bool:
    """Whether a condition trains weights (every one but pretrained and icl)."""
    return condition not in ("pretrained", "icl")


@dataclass
class TimeoutConfig:
    """How long a served model's request may take, in seconds."""

    connect: float = 10.0  # to open the connection
    read: float = 120.0  # for each part of the answer (the first byte of a long scoring request included)
    total: float = 600.0  # for one request, every retry and wait included


@dataclass
class ModelConfig:
    name: str = "smollm2-135m"  # built-in name, local folder, .gguf file or Hub id
    dtype: str = "auto"  # auto: bfloat16 on a GPU that supports it, else float32
    device: str = "auto"  # auto: cuda when present, else cpu
    trust_remote_code: bool = False
    # served models (name openai:MODEL): the server's OpenAI-compatible URL, the environment variable
    # holding its key (never written anywhere), its context window where the server does not report
    # it, and a local tokenizer (any name above) whose chat template frames the questions
    base_url: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    context_window: int = 0
    tokenizer: str = ""
    timeout: TimeoutConfig = field(default_factory=TimeoutConfig)
    max_retries: int = 3  # a request that failed (no connection, a timeout, HTTP 429 or 5xx) is sent again
    # A served model's cells are cached under a fingerprint of its weights (the log-probabilities of
    # a fixed prompt); a server that gives none has its cells recomputed each run unless this is true.
    cache_without_fingerprint: bool = False


@dataclass
class DatasetConfig:
    """A generated dataset (`name` a generator, `params` its parameters), or with `path` a dataset
    folder to load (docs/data-format.md): then `name` renames it (default: its meta.json's name, else
    the folder's) and `params` stays empty. A relative path is resolved against the current directory
    when the config is loaded, so config.yaml records where the data was read."""

    name: str = "simple_reversal"
    params: dict = field(default_factory=dict)  # generator parameters; defaults are the paper's sizes
    limit: int = 0  # score at most this many test items per split (seeded sample); 0: all
    path: str = ""


@dataclass
class IclConfig:
    """The question frame. chat_template and instruction apply to every condition (see
    iclft.eval.frame); the header and the documents to `icl` only."""

    chat_template: str = "auto"  # auto: use the model's chat template when it has one; on; off
    header: str = "Here are some documents:"
    instruction: str = "Use the facts in the documents above to complete the following statement."
    subsample: bool = False  # when the corpus does not fit: subsample documents (seeded) or stop
    reserve_tokens: int = 0  # tokens kept free beyond the longest question (0: just what it needs)
    # Order of the documents in context: as the dataset lists them, or shuffled with the run's seed
    # (a model that favours what it read last then sees no dataset-made pattern, e.g. one person's
    # documents closing the context in the reversal-curse data).
    order: str = "dataset"


@dataclass
class FinetuneConfig:
    # The local weights the finetuned conditions train (a built-in name, folder, .gguf file or Hub id,
    # with model.dtype and model.device); None: model.name's. Needed when model.name is served: then
    # the served model still answers pretrained and icl and writes the augmentations.
    model: Optional[str] = None
    epochs: int = 3
    learning_rate: float = 1e-4
    batch_size: int = 8
    weight_decay: float = 0.0
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    add_eos: bool = True  # end each training document with the EOS token
    method: str = "full"  # full: every weight trains; lora: low-rank adapters (peft), merged afterwards
    lora_rank: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.0
    lora_target_modules: list[str] = field(default_factory=lambda: [
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    split: str = "independent"  # finetune_split: each sentence alone, or after its document's earlier ones
    # Optimizer steps: `epochs` passes, raised to min_steps and capped at max_steps (0: no bound);
    # the paper trained 200-1,000 steps depending on dataset size and loss.
    min_steps: int = 0
    max_steps: int = 0
    eval_every: int = 0  # score the test splits every N optimizer steps (a learning curve); 0: only at the end


@dataclass
class AugmentConfig:
    """How the finetune_aug_* conditions (all but the oracle) and `iclft augment` write their
    augmentations (see iclft.augment)."""

    teacher: Optional[str] = None  # None: the model being studied writes its own augmentations
    local_prompt: str = "local_v1"  # a prompt file in iclft/prompts, without .txt
    global_prompt: str = "global_v1"
    selfqa_prompt: str = "selfqa_v1"
    implications_prompt: str = "implications_v1"
    temperature: float = 0.7  # 0: greedy
    top_p: float = 0.95
    local_max_new_tokens: int = 48
    global_max_new_tokens: int = 96
    selfqa_max_new_tokens: int = 128
    implications_max_new_tokens: int = 96
    # none, or consistency: the writer judges each augmentation with the training corpus in context
    # (judge_prompt; log p(" Yes") against log p(" No"), iclft.augment.judge) and finetuning keeps
    # those it judges true; for every augmented condition but the oracle
    filter: str = "none"
    judge_prompt: str = "consistency_v1"
    samples_per_sentence: int = 1
    samples_per_document: int = 1
    batch_size: int = 8  # prompts generated together (one row per prompt and sample)
    max_inputs: int = 0  # augment a seeded sample of at most this many sentences/documents; 0: all
    seed: int = 0
    cache_dir: str = "~/.cache/iclft/augment"
    use_cache: bool = True  # reuse augmentations generated before from the same inputs


@dataclass
class ScoringConfig:
    batch_size: int = 16
    primary: str = "sum"  # sum | mean | pmi: the score the summary table shows first
    # same: every condition asks in icl's frame (chat turn or plain text, same instruction), only icl
    # has the documents; icl_only: the layout before issue 13 (the others score the bare statement)
    frame: str = "same"


@dataclass
class GridConfig:
    """Axes a study runs over; each (model, seed) point is an ordinary run (see iclft.runner.grid).
    An empty list means the single value of `model.name` or `seed`."""

    models: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)


@dataclass
class StudyConfig:
    name: str = "study"
    seed: int = 0
    model: ModelConfig = field(default_factory=ModelConfig)
    grid: GridConfig = field(default_factory=GridConfig)
    datasets: list[DatasetConfig] = field(default_factory=lambda: [DatasetConfig()])
    conditions: list[str] = field(default_factory=lambda: list(CONDITIONS))
    icl: IclConfig = field(default_factory=IclConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    output_dir: str = "runs"
    cache_dir: Optional[str] = "~/.cache/iclft/cells"  # finished cells, by content hash; null: none


def _fail_unknown(key: str, known: list[str], where: str):
    hint = difflib.get_close_matches(key, known, n=1)
    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise IclftError(f"unknown config key '{where}{key}'{extra}; known: {', '.join(known)}")


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is Union:  # Optional[X]: None, or an X
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else _coerce(value, inner, where)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where + ".")
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise IclftError(f"config key {where} must be a list, got {value!r}")
        return [_coerce(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise IclftError(f"config key {where} must be a mapping, got {value!r}")
        return dict(value)
    if tp is float and isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return float(value)  # YAML 1.1 reads "3e-4" as a string
        except ValueError:
            pass
    if tp is str and isinstance(value, bool) and where.endswith("chat_template"):
        return "on" if value else "off"
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise IclftError(f"config key {where} must be {tp.__name__}, got {value!r}")
    return value


def _build(cls, data: Any, where: str = ""):
    if isinstance(data, str) and cls is DatasetConfig:
        data = {"name": data}
    if cls is DatasetConfig and isinstance(data, dict) and "path" in data:
        data = {"name": "", **data}  # a folder is named after itself unless given a name
    if not isinstance(data, dict):
        raise IclftError(f"config section {where.rstrip('.') or 'root'} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            _fail_unknown(str(key), names, where)
        kwargs[key] = _coerce(value, hints[key], where + key)
    return cls(**kwargs)


def _merge(base: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    node = base
    for p in parts[:-1]:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise IclftError(f"override {key}: {p} is not a section")
    node[parts[-1]] = value


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last one
    silently, so a section written twice would lose the first)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} given twice",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, source: str) -> dict:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise IclftError(f"{source}:{where} malformed YAML ({getattr(e, 'problem', e)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise IclftError(f"{source}: a config must be a YAML mapping")
    return data


def preset_names(package: str = "iclft.presets") -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(package).iterdir() if p.name.endswith(".yaml"))


def compose(cls, package: str, path: str | None = None, preset: str | None = None, overrides: list[str] = (),
            what: str = "preset", example: str = "finetune.epochs=2"):
    """The dataclass `cls` from a preset of `package` (a folder of NAME.yaml) or a YAML file, then
    `key=value` overrides (values parsed as YAML); unknown keys are rejected. `what` and `example`
    word the error messages."""
    if path and preset:
        raise IclftError("give either a config file or --preset, not both")
    data: dict = {}
    if preset:
        if preset not in preset_names(package):
            raise IclftError(f"unknown {what} {preset!r}; known: {', '.join(preset_names(package))}")
        data = parse_yaml(resources.files(package).joinpath(f"{preset}.yaml").read_text(), preset)
    elif path:
        p = Path(path)
        if not p.is_file():
            raise IclftError(f"{path}: config file not found")
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise IclftError(f"{path}: not UTF-8 text (byte {e.start}); a config is a UTF-8 YAML file") from None
        data = parse_yaml(text, path)
    for ov in overrides:
        if "=" not in ov:
            raise IclftError(f"override {ov!r} must look like key=value (for example {example})")
        key, raw = ov.split("=", 1)
        _merge(data, key.strip(), parse_yaml(f"v: {raw}", f"override {key}")["v"] if raw else "")
    return _build(cls, data)


def load_config(path: str | None = None, preset: str | None = None, overrides: list[str] = ()) -> StudyConfig:
    """Compose preset or file, then `key=value` overrides (values parsed as YAML)."""
    cfg = compose(StudyConfig, "iclft.presets", path, preset, overrides)
    resolve_paths(cfg)
    validate(cfg)
    return cfg


def resolve_paths(cfg: StudyConfig) -> None:
    """Each dataset folder (`path`) made absolute, and named (meta.json's name, else the folder's)
    where the entry gives no name; a folder that is not there is one line."""
    from iclft.data.userdata import dataset_name

    for i, d in enumerate(cfg.datasets):
        if not d.path:
            continue
        folder = Path(d.path).expanduser()
        if not folder.is_dir():
            raise IclftError(f"datasets[{i}].path: {d.path}: dataset folder not found")
        d.path = str(folder.resolve())
        d.name = d.name or dataset_name(folder)


def validate(cfg: StudyConfig) -> None:
    """Checks that need more than types; dataset names are checked when they are generated."""
    _validate_models(cfg)
    _validate_study(cfg)
    if cfg.icl.reserve_tokens < 0:
        raise IclftError(f"icl.reserve_tokens must be 0 or more, got {cfg.icl.reserve_tokens}")
    if cfg.icl.order not in ("dataset", "shuffled"):
        raise IclftError(f"icl.order must be dataset or shuffled, got {cfg.icl.order!r}")
    if cfg.icl.chat_template not in ("auto", "on", "off"):
        raise IclftError(f"icl.chat_template must be auto, on or off, got {cfg.icl.chat_template!r}")
    _one_of("scoring.frame", cfg.scoring.frame, ("same", "icl_only"))
    if cfg.scoring.primary not in ("sum", "mean", "pmi"):
        raise IclftError(f"scoring.primary must be sum, mean or pmi, got {cfg.scoring.primary!r}")
    if cfg.scoring.batch_size < 1:
        raise IclftError(f"scoring.batch_size must be at least 1, got {cfg.scoring.batch_size}")
    _validate_finetune(cfg.finetune)
    _validate_augment(cfg.augment)
    _validate_grid(cfg.grid)


def _validate_models(cfg: StudyConfig) -> None:
    """A served model.name needs local weights for the finetuned conditions (finetune.model)."""
    from iclft.models.base import is_served

    tuned = [c for c in cfg.conditions if finetunes(c)]
    if cfg.finetune.model is not None and (not cfg.finetune.model.strip() or is_served(cfg.finetune.model)):
        raise IclftError(f"finetune.model names the local weights finetuning trains (a built-in name, folder, "
                         f".gguf file or Hub id), not {cfg.finetune.model!r}")
    if is_served(cfg.model.name) and tuned and cfg.finetune.model is None:
        raise IclftError(f"{', '.join(tuned)}: finetuning needs local weights, and {cfg.model.name} is served; "
                         f"name them in finetune.model (e.g. the same model's local file), or run pretrained "
                         f"and icl only")
    if cfg.model.context_window < 0:
        raise IclftError(f"model.context_window must be 0 (as the server reports) or more, got {cfg.model.context_window}")
    if not cfg.model.api_key_env.strip():
        raise IclftError("model.api_key_env must name an environment variable (default OPENAI_API_KEY), got ''")
    for name in ("connect", "read", "total"):
        value = getattr(cfg.model.timeout, name)
        if not (math.isfinite(value) and value > 0):
            raise IclftError(f"model.timeout.{name} must be a positive number of seconds, got {value}")
    if cfg.model.max_retries < 0:
        raise IclftError(f"model.max_retries must be 0 (no retry) or more, got {cfg.model.max_retries}")


def _validate_study(cfg: StudyConfig) -> None:
    """Conditions known and listed once; datasets with valid parameters and what their conditions need."""
    from iclft.data import check_params, statements_module

    if not cfg.conditions:
        raise IclftError(f"the config names no condition; known: {', '.join(CONDITIONS)}")
    for c in cfg.conditions:
        if c not in CONDITIONS:
            raise IclftError(f"unknown condition {c!r}; known: {', '.join(CONDITIONS)}")
    if len(set(cfg.conditions)) != len(cfg.conditions):
        raise IclftError("a condition is listed twice")
    if not cfg.datasets:
        raise IclftError("the config names no dataset")
    for d in cfg.datasets:
        if d.limit < 0:
            raise IclftError(f"dataset {d.name!r}: limit must be 0 (all items) or more, got {d.limit}")
        if d.path:
            _validate_folder(d, "finetune_aug_oracle" in cfg.conditions)
            continue
        check_params(d.name, d.params)  # names, types and sizes, before any work
        if "finetune_aug_oracle" in cfg.conditions and \
                not hasattr(statements_module(d.name), "oracle_statements"):
            raise IclftError(f"finetune_aug_oracle: dataset {d.name!r} has no oracle statements; "
                             f"leave out the condition or the dataset")
    names = [d.name for d in cfg.datasets]
    twice = [n for i, n in enumerate(names) if n in names[:i]]
    if twice:
        raise IclftError(f"two datasets are named {twice[0]!r} (their cells would clash); a dataset "
                         f"folder (path) takes another with `name`")


def _validate_folder(d: DatasetConfig, oracle: bool) -> None:
    """A dataset folder entry (`path`, resolved by resolve_paths): no generator parameters, a name
    that can name files, and oracle statements where finetune_aug_oracle needs them."""
    from iclft.data.userdata import check_name, has_oracle

    if d.params:
        raise IclftError(f"dataset {d.path}: params are a generator's; a dataset folder takes none, got {d.params}")
    folder = Path(d.path)
    if not folder.is_dir():
        raise IclftError(f"dataset {d.path}: dataset folder not found")
    check_name(d.name, folder)
    if oracle and not has_oracle(folder):
        raise IclftError(f"finetune_aug_oracle: dataset {d.name!r} ({d.path}) has no oracle.jsonl (its oracle "
                         f"statements, docs/data-format.md); add one, or leave out the condition or the dataset")


def _validate_finetune(ft: FinetuneConfig) -> None:
    for name, value in (("finetune.epochs", ft.epochs), ("finetune.batch_size", ft.batch_size)):
        if value < 1:
            raise IclftError(f"{name} must be at least 1, got {value}")
    for name, value in (("finetune.learning_rate", ft.learning_rate), ("finetune.max_grad_norm", ft.max_grad_norm)):
        if not (math.isfinite(value) and value > 0):
            raise IclftError(f"{name} must be a positive finite number, got {value}")
    if not (math.isfinite(ft.weight_decay) and ft.weight_decay >= 0):
        raise IclftError(f"finetune.weight_decay must be a finite number, 0 or more, got {ft.weight_decay}")
    for name in ("min_steps", "max_steps", "eval_every"):
        if getattr(ft, name) < 0:
            raise IclftError(f"finetune.{name} must be 0 (off) or more, got {getattr(ft, name)}")
    if ft.min_steps and ft.max_steps and ft.min_steps > ft.max_steps:
        raise IclftError(f"finetune.min_steps ({ft.min_steps}) is above finetune.max_steps ({ft.max_steps})")
    if not 0 <= ft.warmup_ratio < 1:
        raise IclftError(f"finetune.warmup_ratio must be in [0, 1), got {ft.warmup_ratio}")
    _validate_finetune_method(ft)


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise IclftError(f"{name} must be {' or '.join(allowed)}, got {value!r}")


def _validate_finetune_method(ft: FinetuneConfig) -> None:
    """finetune.method and finetune.split, and the LoRA settings."""
    _one_of("finetune.method", ft.method, FINETUNE_METHODS)
    _one_of("finetune.split", ft.split, SPLIT_MODES)
    if ft.lora_rank < 1:
        raise IclftError(f"finetune.lora_rank must be at least 1, got {ft.lora_rank}")
    if not ft.lora_alpha > 0:
        raise IclftError(f"finetune.lora_alpha must be positive, got {ft.lora_alpha}")
    if not 0 <= ft.lora_dropout < 1:
        raise IclftError(f"finetune.lora_dropout must be in [0, 1), got {ft.lora_dropout}")
    if not ft.lora_target_modules or not all(ft.lora_target_modules):
        raise IclftError("finetune.lora_target_modules must name at least one module, e.g. [q_proj, v_proj]")


def _validate_augment(aug: AugmentConfig) -> None:
    from iclft.augment.prompts import prompt_names

    for key in ("local_prompt", "global_prompt", "selfqa_prompt", "implications_prompt", "judge_prompt"):
        if getattr(aug, key) not in prompt_names():
            raise IclftError(f"augment.{key}: unknown prompt {getattr(aug, key)!r}; known: {', '.join(prompt_names())}")
    if not (math.isfinite(aug.temperature) and aug.temperature >= 0):
        raise IclftError(f"augment.temperature must be 0 (greedy) or more, got {aug.temperature}")
    if not 0 < aug.top_p <= 1:
        raise IclftError(f"augment.top_p must be in (0, 1], got {aug.top_p}")
    _one_of("augment.filter", aug.filter, AUGMENT_FILTERS)
    for key in ("local_max_new_tokens", "global_max_new_tokens", "selfqa_max_new_tokens",
                "implications_max_new_tokens", "samples_per_sentence", "samples_per_document", "batch_size"):
        if getattr(aug, key) < 1:
            raise IclftError(f"augment.{key} must be at least 1, got {getattr(aug, key)}")
    if aug.max_inputs < 0:
        raise IclftError(f"augment.max_inputs must be 0 (all) or more, got {aug.max_inputs}")
    if aug.teacher is not None and not aug.teacher.strip():
        raise IclftError("augment.teacher must be a model name or null")


def _validate_grid(grid: GridConfig) -> None:
    for key, values in (("models", grid.models), ("seeds", grid.seeds)):
        twice = [v for i, v in enumerate(values) if v in values[:i]]
        if twice:
            raise IclftError(f"grid.{key} lists {twice[0]!r} twice")
    if not all(m.strip() for m in grid.models):
        raise IclftError("grid.models: a model name is empty")


def to_dict(cfg: StudyConfig) -> dict:
    """The config as plain data; an empty grid is left out, so a one-model, one-seed study writes
    the same config.yaml as before grids existed."""
    out = dataclasses.asdict(cfg)
    if not cfg.grid.models and not cfg.grid.seeds:
        del out["grid"]
    for d in out["datasets"]:  # likewise a generated dataset's entry: no empty path
        if not d["path"]:
            del d["path"]
    return out


def dump(cfg: StudyConfig) -> str:
    return yaml.safe_dump(to_dict(cfg), sort_keys=False)


def finetuned_model(cfg: "StudyConfig") -> Optional[ModelConfig]:
    """The local weights the finetuned conditions train when they are not model.name's
    (finetune.model), with model.dtype, model.device and model.trust_remote_code; else None."""
    if cfg.finetune.model is None:
        return None
    return dataclasses.replace(cfg.model, name=cfg.finetune.model, base_url="")
