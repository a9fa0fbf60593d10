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


# name -> the module that reads statements about a dataset (classify_statements, oracle_statements;
# see iclft.augment.symbolic), where it is not the generator's own module
STATEMENTS: dict[str, str] = {
    "reversal_curse": "iclft.data.reversal_curse_statements",
    "semantic_structure": "iclft.data.semantic_statements",
}


def _module(name: str):
    """The generator module of dataset `name`; an unknown name is an error."""
    if name not in GENERATORS:
        raise IclftError(f"unknown dataset {name!r}; known: {', '.join(sorted(GENERATORS))}")
    return importlib.import_module(GENERATORS[name])


def statements_module(name: str):
    """The module with a dataset's statement checker and oracle (either may be absent)."""
    return importlib.import_module(STATEMENTS[name]) if name in STATEMENTS else _module(name)


def _generator(name: str) -> Callable[..., Dataset]:
    return _module(name).generate


def generator_params(name: str) -> dict[str, Any]:
    """The generator's parameters and their defaults (the paper's sizes)."""
    sig = inspect.signature(_generator(name))
    return {k: p.default for k, p in sig.parameters.items() if k != "seed"}


# The types a generator's annotation (a string: the modules use postponed annotations) accepts.
_TYPES = {"int": "an integer", "str": "a string", "Path": "a string", "None": "null", "float": "a number",
          "bool": "true or false"}


def _accepts(annotation: str, value: Any) -> bool:
    names = [t.strip() for t in annotation.split("|")]
    return (("None" in names and value is None) or ("int" in names and type(value) is int)
            or (("str" in names or "Path" in names) and isinstance(value, str))
            or ("float" in names and type(value) in (int, float)) or ("bool" in names and type(value) is bool))


def check_params(name: str, params: dict[str, Any]) -> None:
    """Before any work: every parameter known, of a type its annotation accepts (an integer for
    `int`, never a bool), and at most the generator's largest accepted size (its module's LIMITS), so that a
    mistyped or enormous value is one line at once, never a traceback or memory growing unbounded."""
    module = _module(name)
    known = {k: p for k, p in inspect.signature(module.generate).parameters.items() if k != "seed"}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise IclftError(f"dataset {name!r} has no parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
    limits = getattr(module, "LIMITS", {})
    for key, value in params.items():
        kinds = str(known[key].annotation)
        if not _accepts(kinds, value):
            wanted = " or ".join(dict.fromkeys(_TYPES.get(t.strip(), t.strip()) for t in kinds.split("|")))
            raise IclftError(f"{name}: {key} must be {wanted}, got {value!r}")
        if key in limits and value > limits[key]:
            raise IclftError(f"{name}: {key}={value} is more than the largest accepted, {limits[key]}")


def generate(name: str, seed: int = 0, **params: Any) -> Dataset:
    """Generate dataset `name`; unknown names and parameters, wrong types and sizes are errors."""
    if type(seed) is not int:
        raise IclftError(f"seed must be an integer, got {seed!r}")
    check_params(name, params)
    return _generator(name)(seed=seed, **params)
