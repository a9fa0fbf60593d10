"""Checkpoints: safetensors weights and optimizer state, JSON progress written last (state.json
names the step's tensor files), so an interruption never pairs new weights with old progress."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from iclft import IclftError


def save_checkpoint(folder: Path, model, opt, progress: dict) -> None:
    """Weights and optimizer tensors in safetensors, `progress` (step, tokens, seconds, log) and the
    optimizer's plain settings in JSON: nothing a resume reads can run code. The tensor files are
    named by step and written first; state.json, written atomically last, names them, and only then
    are the previous step's files removed: an interruption at any point leaves a whole checkpoint."""
    from safetensors.torch import save_file, save_model

    ck = folder / "checkpoint"
    ck.mkdir(parents=True, exist_ok=True)
    state = opt.state_dict()
    tensors, slots = {}, {}
    for index, per_param in state["state"].items():
        for name, value in per_param.items():
            key = f"{index}.{name}"
            if torch.is_tensor(value):
                tensors[key] = value.detach().cpu().contiguous()
            else:
                slots[key] = value
    files = {"model": f"model-{progress['step']}.safetensors", "optimizer": f"optimizer-{progress['step']}.safetensors"}
    meta = {**progress, "files": files, "optimizer_param_groups": state["param_groups"], "optimizer_slots": slots}
    for name, write in ((files["model"], lambda t: save_model(model, str(t))),
                        (files["optimizer"], lambda t: save_file(tensors, str(t))),
                        ("state.json", lambda t: t.write_text(json.dumps(meta)))):
        tmp = ck / f"{name}.tmp"
        write(tmp)
        tmp.replace(ck / name)
    for old in ck.glob("*.safetensors"):
        if old.name not in files.values():
            old.unlink()


def load_checkpoint(folder: Path, model, opt) -> dict:
    """Load a checkpoint into `model` and `opt`; returns its progress. A missing or damaged
    checkpoint is one IclftError naming the file."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, load_model

    ck = folder / "checkpoint"
    if not (ck / "state.json").is_file():
        raise IclftError(f"{folder}: no checkpoint to resume from (checkpoint/state.json)")
    try:
        state = json.loads((ck / "state.json").read_text())
        files = state.pop("files")
        _check_shapes(model, ck / files["model"])
        load_model(model, str(ck / files["model"]))
        tensors = load_file(str(ck / files["optimizer"]))
        per_param: dict[int, dict] = {}
        for key, value in [*tensors.items(), *state.pop("optimizer_slots").items()]:
            index, name = key.split(".", 1)
            per_param.setdefault(int(index), {})[name] = value
        opt.load_state_dict({"state": per_param, "param_groups": state.pop("optimizer_param_groups")})
        return state
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, SafetensorError) as e:
        raise IclftError(f"{ck}: damaged checkpoint, cannot resume ({type(e).__name__}: {e})") from None


def _check_shapes(model, weights: Path) -> None:
    """A sound checkpoint of another model (the config changed since it was written) is named as
    such, in one line, before loading would list every tensor that differs."""
    from safetensors import safe_open

    with safe_open(str(weights), framework="pt") as f:
        saved = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    differ = sorted(k for k in saved.keys() & ours.keys() if saved[k] != ours[k])
    if differ:
        k = differ[0]
        raise IclftError(f"{weights.parent}: the checkpoint is of a model of another shape ({len(differ)} tensors "
                         f"differ, e.g. {k}: {saved[k]} saved, {ours[k]} now): resume with the config it was made "
                         f"with (world.yaml or the run's overrides), or start a new --out")
