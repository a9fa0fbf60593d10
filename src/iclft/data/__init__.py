"""Dataset generators, registered by name in one place and imported lazily."""
from __future__ import annotations

import importlib
import inspect
from typing import Any, Callable

from iclft import IclftError
from iclft.data.schema import Dataset, Document, TestItem, load_dataset, save_dataset

__all__ = ["Dataset", "Document", "TestItem", "GENERATORS", "generate", "generator_params",
           "load_dataset", "save_dataset"]

# name -> module with `generate(seed=..., **params) -> Dataset` and a docstring that shows an example.
GENERATORS: dict[str, str] = {
    "simple_reversal": "iclft.data.simple_reversal",
    "syllogism": "iclft.data.syllogism",
    "semantic_structure": "iclft.data.semantic_structure",
    "reversal_curse": "iclft.data.reversal_curse",
    "process": "iclft.data.process",
}


def _generator(name: str) -> Callable[..., Dataset]:
    if name not in GENERATORS:
        raise IclftError(f"unknown dataset {name!r}; known: {', '.join(sorted(GENERATORS))}")
    return importlib.import_module(GENERATORS[name]).generate


def generator_params(name: str) -> dict[str, Any]:
    """The generator's parameters and their defaults (the paper's sizes)."""
    sig = inspect.signature(_generator(name))
    return {k: p.default for k, p in sig.parameters.items() if k != "seed"}


def generate(name: str, seed: int = 0, **params: Any) -> Dataset:
    """Generate dataset `name`; unknown names and unknown parameters are errors."""
    known = generator_params(name)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise IclftError(f"dataset {name!r} has no parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
    return _generator(name)(seed=seed, **params)
