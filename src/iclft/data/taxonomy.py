"""A category taxonomy with inherited properties: the world behind the semantic_structure dataset.

The YAML file lists categories, one a line (see taxonomy.yaml):

    categories:
      - {name: animal, properties: [can move, can breathe]}
      - {name: bird, parent: animal, properties: [has feathers, can lay eggs]}

A category has its own properties ("has feathers") and every property of its ancestors ("can move").
Loading validates the file and reports the first problem as one IclftError line: a malformed entry,
a duplicate name, an unknown parent, a cycle, a property listed again below an ancestor that already
has it, or a property word that is also a category name (the rendered sentences would be ambiguous).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import yaml

from iclft import IclftError
from iclft.data.schema import read_utf8

RELATIONS = ("is", "has", "can")  # property relations; category inclusion is the fourth, "isa"
MIN_PROPERTIES, MAX_PROPERTIES = 1, 6  # per category, as in the paper


class Fact(NamedTuple):
    subject: str
    relation: str  # "isa" (subject is a kind of object), or one of RELATIONS
    object: str


@dataclass(frozen=True)
class Category:
    name: str
    parent: str | None
    properties: tuple[tuple[str, str], ...]  # (relation, object), e.g. ("has", "feathers")


@dataclass(frozen=True)
class Taxonomy:
    """Categories in file order; every parent is a known category and there is no cycle."""

    categories: tuple[Category, ...]

    @cached_property
    def by_name(self) -> dict[str, Category]:
        return {c.name: c for c in self.categories}

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {c.name: [] for c in self.categories}
        for c in self.categories:
            if c.parent is not None:
                out[c.parent].append(c.name)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def ancestors(self) -> dict[str, tuple[str, ...]]:
        """Each category's ancestors, nearest first: robin -> (songbird, bird, animal, living thing)."""
        out: dict[str, tuple[str, ...]] = {}
        for c in self.categories:
            chain, parent = [], c.parent
            while parent is not None:
                chain.append(parent)
                parent = self.by_name[parent].parent
            out[c.name] = tuple(chain)
        return out

    @cached_property
    def properties(self) -> dict[str, frozenset[tuple[str, str]]]:
        """Each category's properties, its own and inherited."""
        return {c.name: frozenset(p for a in (c.name, *self.ancestors[c.name])
                                  for p in self.by_name[a].properties)
                for c in self.categories}

    def direct_facts(self) -> dict[str, list[Fact]]:
        """Each category's parent link, then its own properties: the facts that are not inherited."""
        return {c.name: ([Fact(c.name, "isa", c.parent)] if c.parent else [])
                + [Fact(c.name, rel, obj) for rel, obj in c.properties] for c in self.categories}

    def deductions(self, name: str) -> list[tuple[str, Fact, list[Fact]]]:
        """(type, conclusion, premises) for each fact about `name` that follows from its ancestors:
        "membership_k" (a kind of its k-th ancestor, k >= 2) and "inheritance_k" (a property of its
        k-th ancestor); the premises are the k parent links and the ancestor's property."""
        out, chain = [], []
        for hops, (child, ancestor) in enumerate(zip((name, *self.ancestors[name]), self.ancestors[name]), 1):
            chain.append(Fact(child, "isa", ancestor))
            if hops >= 2:
                out.append((f"membership_{hops}", Fact(name, "isa", ancestor), list(chain)))
            for rel, obj in self.by_name[ancestor].properties:
                out.append((f"inheritance_{hops}", Fact(name, rel, obj), [*chain, Fact(ancestor, rel, obj)]))
        return out

    def leaves(self) -> list[str]:
        return [c.name for c in self.categories if not self.children[c.name]]

    def words(self) -> list[str]:
        """Every content word or phrase, categories first, each once, in file order."""
        seen = dict.fromkeys(c.name for c in self.categories)
        seen.update(dict.fromkeys(obj for c in self.categories for _, obj in c.properties))
        return list(seen)

    def renamed(self, mapping: dict[str, str]) -> Taxonomy:
        """The same taxonomy with every word replaced through `mapping` (real -> nonsense)."""
        return Taxonomy(tuple(
            Category(mapping[c.name], None if c.parent is None else mapping[c.parent],
                     tuple((rel, mapping[obj]) for rel, obj in c.properties))
            for c in self.categories))

    def without_properties_of(self, names: set[str]) -> Taxonomy:
        return Taxonomy(tuple(Category(c.name, c.parent, ()) if c.name in names else c
                              for c in self.categories))


def _parse_property(where: str, text: object) -> tuple[str, str]:
    relation, _, obj = str(text).strip().partition(" ")
    if not isinstance(text, str) or relation not in RELATIONS or not obj.strip():
        raise IclftError(f"{where}: property {text!r} must read 'is <adjective>', 'has <noun>' "
                         f"or 'can <verb>'")
    return relation, " ".join(obj.split())


def _parse_entry(where: str, entry: object) -> Category:
    if not isinstance(entry, dict):
        raise IclftError(f"{where}: expected a mapping with name, parent, properties; got {entry!r}")
    unknown = sorted(set(entry) - {"name", "parent", "properties"})
    if unknown:
        raise IclftError(f"{where}: unknown key {unknown[0]!r} (known: name, parent, properties)")
    name, parent, props = entry.get("name"), entry.get("parent"), entry.get("properties")
    if not isinstance(name, str) or not name.strip():
        raise IclftError(f"{where}: 'name' must be a non-empty string, got {name!r}")
    if parent is not None and (not isinstance(parent, str) or not parent.strip()):
        raise IclftError(f"{where} ({name}): 'parent' must be a category name, got {parent!r}")
    if not isinstance(props, list) or not MIN_PROPERTIES <= len(props) <= MAX_PROPERTIES:
        raise IclftError(f"{where} ({name}): 'properties' must be a list of "
                         f"{MIN_PROPERTIES}-{MAX_PROPERTIES} entries, got {props!r}")
    parsed = tuple(_parse_property(f"{where} ({name})", p) for p in props)
    if len(set(parsed)) < len(parsed):
        raise IclftError(f"{where} ({name}): a property is listed twice")
    return Category(" ".join(name.split()), None if parent is None else " ".join(parent.split()), parsed)


def _validate(cats: list[Category], source: str) -> Taxonomy:
    names: set[str] = set()
    for c in cats:
        if c.name in names:
            raise IclftError(f"{source}: duplicate category {c.name!r}")
        names.add(c.name)
    for c in cats:
        if c.parent is not None and c.parent not in names:
            raise IclftError(f"{source}: category {c.name!r} has unknown parent {c.parent!r}")
    parent_of = {c.name: c.parent for c in cats}
    for c in cats:
        path, node = [c.name], c.parent
        while node is not None:
            if node in path:
                cycle = " -> ".join(path[path.index(node):] + [node])
                raise IclftError(f"{source}: cycle in the category tree: {cycle}")
            path.append(node)
            node = parent_of[node]
    tax = Taxonomy(tuple(cats))
    for c in cats:
        for a in tax.ancestors[c.name]:
            again = set(c.properties) & set(tax.by_name[a].properties)
            if again:
                rel, obj = sorted(again)[0]
                raise IclftError(f"{source}: {c.name!r} lists '{rel} {obj}', which it already "
                                 f"inherits from {a!r}")
        clash = names & {obj for _, obj in c.properties}
        if clash:
            raise IclftError(f"{source}: property word {sorted(clash)[0]!r} of {c.name!r} is also "
                             f"a category name")
    return tax


def _parse(text: str, source: str) -> Taxonomy:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise IclftError(f"{source}: malformed YAML ({' '.join(str(e).split())})") from None
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list) or not data["categories"]:
        raise IclftError(f"{source}: expected a top-level 'categories:' list")
    unknown = sorted(set(data) - {"categories"})
    if unknown:
        raise IclftError(f"{source}: unknown top-level key {unknown[0]!r}")
    cats = [_parse_entry(f"{source}: categories[{i}]", e) for i, e in enumerate(data["categories"])]
    return _validate(cats, source)


@lru_cache(maxsize=1)
def _packaged() -> Taxonomy:
    return _parse(resources.files("iclft.data").joinpath("taxonomy.yaml").read_text("utf-8"), "taxonomy.yaml")


def packaged_taxonomies() -> list[str]:
    """Names of the smaller taxonomies shipped beside taxonomy.yaml (taxonomy_NAME.yaml)."""
    return sorted(p.name[9:-5] for p in resources.files("iclft.data").iterdir()
                  if p.name.startswith("taxonomy_") and p.name.endswith(".yaml"))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy YAML file; None means the packaged taxonomy.yaml (read once),
    and a bare name such as "micro" a packaged taxonomy_NAME.yaml."""
    if path is None:
        return _packaged()
    if str(path) in packaged_taxonomies():
        name = f"taxonomy_{path}.yaml"
        return _parse(resources.files("iclft.data").joinpath(name).read_text("utf-8"), name)
    return _parse(read_utf8(path, "taxonomy"), str(path))
