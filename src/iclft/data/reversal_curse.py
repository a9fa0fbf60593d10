"""The fictional-celebrity reversal-curse data of Berglund et al. (2023), read from the public files.

Lampinen et al. 2025 (section 2.3) finetune on Berglund's full training set and test reversals with
4-way multiple choice. Every training line is a prompt/completion pair about one of 90 invented people:

    training     "Daphne Barrington, known far and wide for being" + " the acclaimed director of ..."
    p2d_reverse  'Immersed in the world of directing the virtual reality masterpiece, "A Journey Through Time.",'
                 -> Daphne Barrington (correct) / Uriah Hawthorne / Mason Caldwell / Eliza Thorne

People come in three groups of 30: "p2d" (trained name -> description only), "d2p" (description ->
name only) and "both". Test splits, 300 items each (30 people x 10 held-out templates):
    p2d_reverse  description -> name of a p2d person (the paper's test: the reversed direction)
    d2p_reverse  name -> description of a d2p person (reversed direction)
    p2d, d2p     the trained direction, with new templates (controls)

Name distractors are drawn from all other people by default: d2p and "both" names are training
completions, which is why plain finetuning scores below chance in the paper. Description distractors
are other people's descriptions under the same template, so every choice fits the prompt grammatically.

Choices are stored without the files' leading space; `prompt + " " + choice` is the natural text.
The data are never copied into this package: `path` is a local folder holding the files, or the Hub
dataset id "lberglund/reversal_curse" (downloaded with huggingface_hub).
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from iclft import IclftError
from iclft.data.schema import Dataset, Document, TestItem, read_utf8

VERSION = "1"
HUB_ID = "lberglund/reversal_curse"
HUB_FOLDER = "name_description_dataset"  # the files' folder inside the Hub dataset
TRAIN_FILE = "all_prompts_train.jsonl"
BOTH_FILE = "both_prompts_test.jsonl"  # only read to learn the "both" group's names and descriptions
DISTRACTOR_POOLS = ("all", "same_group")


class Split(NamedTuple):
    name: str
    file: str
    group: str  # the people it tests
    asks_for: str  # "name": the prompt describes, the choices are names; "description": the reverse


SPLITS = (
    Split("p2d_reverse", "p2d_reverse_prompts_test.jsonl", "p2d", "name"),
    Split("p2d", "p2d_prompts_test.jsonl", "p2d", "description"),
    Split("d2p", "d2p_prompts_test.jsonl", "d2p", "name"),
    Split("d2p_reverse", "d2p_reverse_prompts_test.jsonl", "d2p", "description"),
)
FILES = (TRAIN_FILE, *(s.file for s in SPLITS), BOTH_FILE)
_HUB_ID_SHAPE = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


class Record(NamedTuple):
    line: int
    prompt: str
    completion: str


@dataclass
class Person:
    name: str
    group: str
    # template ("The trailblazer known as {name} was once") -> this person's description under it
    descriptions: dict[str, str] = field(default_factory=dict)


# ---- reading the files ---------------------------------------------------------------------------

def _parse_line(path: Path, lineno: int, line: str) -> Record:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise IclftError(f"{path}:{lineno}: malformed JSON ({e.msg})") from None
    if not isinstance(obj, dict):
        raise IclftError(f"{path}:{lineno}: expected a JSON object with 'prompt' and 'completion'")
    for key in ("prompt", "completion"):
        if key not in obj:
            raise IclftError(f"{path}:{lineno}: missing key {key!r}")
        if not isinstance(obj[key], str):
            raise IclftError(f"{path}:{lineno}: {key!r} is not a string")
    return Record(lineno, obj["prompt"], obj["completion"])


def read_records(path: Path) -> list[Record]:
    """One Record per non-empty line; any malformed line is an IclftError naming file and line."""
    if not path.is_file():
        raise IclftError(f"{path}: file not found (expected Berglund et al.'s {path.name})")
    lines = read_utf8(path, "reversal-curse data file").split("\n")
    return [_parse_line(path, n, line) for n, line in enumerate(lines, 1) if line.strip()]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(hub_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise IclftError("reversal_curse: loading from the Hub needs huggingface_hub "
                         "(pip install huggingface_hub), or pass a local folder") from None
    try:
        root = snapshot_download(repo_id=hub_id, repo_type="dataset", allow_patterns=[f"{HUB_FOLDER}/*"])
    except Exception as e:  # offline, unknown repository, authentication: all reported the same way
        reason = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}" if str(e) else type(e).__name__
        raise IclftError(f"reversal_curse: could not download {hub_id!r} from the Hugging Face Hub "
                         f"({reason}); pass a local folder holding the files instead") from None
    return Path(root) / HUB_FOLDER


def locate(path: str | Path | None) -> tuple[Path, str | None]:
    """The folder holding the files, and the Hub id when they came from the Hub."""
    if path is None:
        raise IclftError(f"reversal_curse needs path=FOLDER (a local copy of Berglund et al.'s files) "
                         f"or path={HUB_ID} (downloads from the Hugging Face Hub)")
    folder = Path(path).expanduser()
    if folder.is_dir():
        if not (folder / TRAIN_FILE).exists() and (folder / HUB_FOLDER / TRAIN_FILE).exists():
            folder = folder / HUB_FOLDER  # a clone of the whole Hub dataset
        return folder, None
    if folder.exists():
        raise IclftError(f"reversal_curse: {path} is a file; pass the folder holding {TRAIN_FILE}")
    if _HUB_ID_SHAPE.fullmatch(str(path)):
        return _download(str(path)), str(path)
    raise IclftError(f"reversal_curse: folder {path} not found")


# ---- who is who ----------------------------------------------------------------------------------

def _natural(record: Record) -> tuple[str, str]:
    """(prompt, choice) such that prompt + " " + choice is the natural text (the files put the
    space at the start of the completion)."""
    return record.prompt.rstrip(), record.completion.strip()


def _template(prompt: str, name: str) -> str:
    return prompt.replace(name, "{name}", 1)


def _name_in(prompt: str, templates: list[str]) -> str | None:
    """The name filling one of the name-first templates, or None when the prompt fits none."""
    for template in templates:
        prefix, suffix = template.split("{name}")
        if prompt.startswith(prefix) and prompt.endswith(suffix) and len(prompt) > len(prefix) + len(suffix):
            return prompt[len(prefix):len(prompt) - len(suffix)]
    return None


def find_people(records: dict[str, list[Record]], folder: Path) -> dict[str, Person]:
    """The 90 people: names from the description -> name test files, their descriptions per template
    from the name -> description files (and the "both" group's names from the templates)."""
    people: dict[str, Person] = {}
    for split in SPLITS:
        if split.asks_for == "name":
            for r in records[split.file]:
                name = _natural(r)[1]
                people.setdefault(name, Person(name, split.group))
    templates: set[str] = set()
    for split in SPLITS:
        if split.asks_for == "description":
            for r in records[split.file]:
                person = _person_named_in(r.prompt, people, folder / split.file, r.line)
                prompt, description = _natural(r)
                template = _template(prompt, person.name)
                templates.add(template)
                person.descriptions[template] = description
    for r in records[BOTH_FILE]:
        prompt, description = _natural(r)
        name = _name_in(prompt, sorted(templates))
        if name is not None:  # the description-first lines of this file are not needed
            person = people.setdefault(name, Person(name, "both"))
            person.descriptions[_template(prompt, name)] = description
    return people


def _person_named_in(text: str, people: dict[str, Person], path: Path, line: int) -> Person:
    named = [p for name, p in people.items() if name in text]
    if len(named) != 1:
        raise IclftError(f"{path}:{line}: names {len(named)} of the known people, expected exactly one")
    return named[0]


# ---- documents and items -------------------------------------------------------------------------

def _documents(records: list[Record], people: dict[str, Person], path: Path) -> list[Document]:
    docs = []
    for r in records:
        person = _person_named_in(r.prompt + r.completion, people, path, r.line)
        direction = "p2d" if person.name in r.prompt else "d2p"
        meta = {"prompt": r.prompt, "completion": r.completion, "name": person.name,
                "group": person.group, "direction": direction}
        docs.append(Document(id=f"train-{r.line:04d}", text=r.prompt + r.completion, meta=meta))
    return docs


def _with_answer(rng: random.Random, correct: str, distractors: list[str]) -> tuple[list[str], int]:
    answer = rng.randrange(len(distractors) + 1)
    return distractors[:answer] + [correct] + distractors[answer:], answer


def _distractor_pool(everyone: list[Person], person: Person, template: str | None,
                     distractors_from: str) -> list[Person]:
    """The other people (of the same group, for "same_group"); for description choices, only those
    with a description under the item's template."""
    return [p for p in everyone if p is not person
            and (distractors_from == "all" or p.group == person.group)
            and (template is None or template in p.descriptions)]


def _items(split: Split, records: list[Record], people: dict[str, Person], rng: random.Random,
           n_distractors: int, distractors_from: str, path: Path) -> list[TestItem]:
    everyone = sorted(people.values(), key=lambda p: p.name)
    items = []
    for r in records:
        prompt, correct = _natural(r)
        person = people[correct] if split.asks_for == "name" else _person_named_in(prompt, people, path, r.line)
        template = _template(prompt, person.name) if split.asks_for == "description" else None
        pool = _distractor_pool(everyone, person, template, distractors_from)
        if len(pool) < n_distractors:
            raise IclftError(f"{path}:{r.line}: only {len(pool)} other people to draw "
                             f"{n_distractors} distractors from")
        others = rng.sample(pool, n_distractors)
        distractors = [p.name if template is None else p.descriptions[template] for p in others]
        choices, answer = _with_answer(rng, correct, distractors)
        meta = {"name": person.name, "group": person.group, "asks_for": split.asks_for,
                "file": split.file, "line": r.line}
        items.append(TestItem(id=f"{split.name}-{r.line:03d}", split=split.name, prompt=prompt,
                              choices=choices, answer=answer, meta=meta))
    return items


def choose_people(people: dict[str, Person], n_people: int | None, seed: int) -> dict[str, Person]:
    """All people, or a seeded sample of `n_people` from each group (p2d, d2p, both)."""
    if n_people is None:
        return people
    rng = random.Random(f"reversal_curse-people:{seed}")
    chosen = set()
    groups = {g: sorted(n for n, p in people.items() if p.group == g) for g in ("p2d", "d2p", "both")}
    fewest = min(len(names) for names in groups.values())
    if n_people > fewest:  # a silent "everyone" would report a sample that was never drawn
        raise IclftError(f"reversal_curse: n_people={n_people} is more than the largest accepted, {fewest} "
                         f"(the people in the smallest group; null keeps everyone)")
    for names in groups.values():
        chosen.update(rng.sample(names, n_people))
    return {n: p for n, p in people.items() if n in chosen}


def _is_about(record: Record, split: Split, people: dict[str, Person], kept: dict[str, Person], path: Path) -> bool:
    if split.asks_for == "name":
        return _natural(record)[1] in kept
    return _person_named_in(record.prompt, people, path, record.line).name in kept


def generate(seed: int = 0, path: str | None = None, n_distractors: int = 3,
             distractors_from: str = "all", n_people: int | None = None) -> Dataset:
    """Load the data from `path` (a folder, or the Hub id "lberglund/reversal_curse"); `seed` only
    picks the distractors and the position of the correct choice. `distractors_from="same_group"`
    draws them from the tested person's group only (a control for the completion-name prior).
    `n_people` keeps a seeded sample of that many people per group (None: all 30): their training
    documents and test items, with distractors drawn among them."""
    if not isinstance(n_distractors, int) or n_distractors < 1:
        raise IclftError(f"reversal_curse: n_distractors must be a positive integer, got {n_distractors!r}")
    if distractors_from not in DISTRACTOR_POOLS:
        raise IclftError(f"reversal_curse: distractors_from must be one of {', '.join(DISTRACTOR_POOLS)}, "
                         f"got {distractors_from!r}")
    if n_people is not None and (not isinstance(n_people, int) or n_people < 2):
        raise IclftError(f"reversal_curse: n_people must be null (everyone) or an integer of at least 2, "
                         f"got {n_people!r}")
    folder, hub_id = locate(path)
    records = {name: read_records(folder / name) for name in FILES}
    everyone = find_people(records, folder)
    people = choose_people(everyone, n_people, seed)
    rng = random.Random(f"reversal_curse:{seed}")
    docs = [d for d in _documents(records[TRAIN_FILE], everyone, folder / TRAIN_FILE) if d.meta["name"] in people]
    items = []
    for split in SPLITS:
        mine = [r for r in records[split.file] if _is_about(r, split, everyone, people, folder / split.file)]
        items += _items(split, mine, people, rng, n_distractors, distractors_from, folder / split.file)
    source = {"path": str(folder.resolve()), "hub_id": hub_id,
              "sha256": {name: _sha256(folder / name) for name in FILES}}
    meta = {"generator": "reversal_curse", "version": VERSION, "seed": seed,
            "params": {"path": None if path is None else str(path), "n_distractors": n_distractors,
                       "distractors_from": distractors_from, "n_people": n_people},
            "words": [], "generalization_splits": ["p2d_reverse", "d2p_reverse"], "source": source}
    return Dataset(name="reversal_curse", train=tuple(docs), test=tuple(items), meta=meta)


# ---- the symbolic check --------------------------------------------------------------------------

def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def markers_of(texts_by_name: dict[str, list[str]]) -> dict[str, str]:
    """word -> the one person whose training documents use it (template words are shared, so dropped)."""
    owners: dict[str, set[str]] = {}
    for name, texts in texts_by_name.items():
        for text in texts:
            for word in _tokens(text):
                owners.setdefault(word, set()).add(name)
    return {word: next(iter(names)) for word, names in owners.items() if len(names) == 1}


def described(text: str, markers: dict[str, str]) -> str | None:
    """The person whose marker words the text uses most, or None when no one leads."""
    top = Counter(markers[w] for w in _tokens(text) if w in markers).most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


def _check_item(item: TestItem, people: set[str], markers: dict[str, str]) -> list[str]:
    asks_for_name = any(c in people for c in item.choices)
    if asks_for_name:
        subject = described(item.prompt, markers)
    else:
        named = [name for name in people if name in item.prompt]
        subject = named[0] if len(named) == 1 else None
    if subject is None:
        return [f"{item.id}: the prompt does not single out one person of the training data"]
    problems = []
    for i, choice in enumerate(item.choices):
        if asks_for_name and choice not in people:
            problems.append(f"{item.id}: choice {choice!r} is no person of the training data")
            continue
        who = choice if asks_for_name else described(choice, markers)
        if i in item.valid and who != subject:
            problems.append(f"{item.id}: correct choice {choice!r} is not about {subject}, "
                            f"whom the training data link to the prompt")
        elif i not in item.valid and who == subject:
            problems.append(f"{item.id}: distractor {choice!r} is about {subject}, "
                            f"whom the training data link to the prompt")
    return problems


def check(ds: Dataset) -> list[str]:
    """Each correct choice is the person (or a description of the person) that the training
    documents link to the prompt; no distractor is. Links come from the training text alone: a
    description belongs to the person whose documents share its distinctive words."""
    problems: list[str] = []
    texts_by_name: dict[str, list[str]] = {}
    for doc in ds.train:
        name = doc.meta.get("name")
        if not name or name not in doc.text:
            problems.append(f"{doc.id}: the person in meta ({name!r}) does not occur in the text")
            continue
        texts_by_name.setdefault(name, []).append(doc.text)
    markers = markers_of(texts_by_name)
    for item in ds.test:
        problems += _check_item(item, set(texts_by_name), markers)
    return problems
