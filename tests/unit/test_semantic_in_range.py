"""semantic_structure's options for small models: `one_tokenization` (every nonsense word is one
" word" wherever it appears) and `distractors="cooccurring"` (choosing by co-occurrence with the
prompt no longer solves rephrased and category-reversal items). Defaults stay the paper's data,
byte for byte."""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

import pytest

from iclft import IclftError
from iclft.cli import main
from iclft.data import generate as generate_by_name
from iclft.data import save_dataset
from iclft.data import semantic_structure as ss
from iclft.data.checker import check_dataset
from iclft.data.semantic_statements import oracle_statements
from iclft.eval.shortcuts import cooccurrence_scores, expected_correct, most_frequent_scores
from iclft.models.registry import SHIPPED_WORLD

SEEDS = range(20)
SMALL = 120  # documents: the fewest above the 110 categories, so every fact is still stated
_LETTERS = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=None)
def _made(seed: int, **options):
    return ss.generate(seed, n_docs=SMALL, **options)


def _texts(ds) -> list[str]:
    """Every text a model reads: the documents, and each item's prompt followed by a choice as
    scoring puts them (iclft.eval.multiple_choice: prompt + " " + choice)."""
    return [d.text for d in ds.train] + [f"{it.prompt} {c}" for it in ds.test for c in it.choices]


def _misplaced(text: str, words: set[str]) -> list[str]:
    """Occurrences of a nonsense word that are not lowercase right after a space (a word ends where
    its run of letters does, so what follows is never a letter)."""
    return [m.group() for m in _LETTERS.finditer(text)
            if m.group().lower() in words and (m.group() not in words or text[m.start() - 1: m.start()] != " ")]


# ---- defaults -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed, params", [(0, {}), (3, {"n_choices": 3}), (1, {"taxonomy": "micro", "n_holdout": 2})])
def test_defaults_are_the_same_bytes_as_without_the_options(seed, params, tmp_path):
    n_docs = 15 if params.get("taxonomy") else SMALL
    plain = save_dataset(ss.generate(seed, n_docs=n_docs, **params), tmp_path / "plain")
    named = save_dataset(ss.generate(seed, n_docs=n_docs, one_tokenization=False, distractors="paper", **params),
                         tmp_path / "named")
    for name in ("train.jsonl", "test.jsonl", "meta.json"):
        assert (plain / name).read_bytes() == (named / name).read_bytes(), name
    meta = (plain / "meta.json").read_text()
    assert "one_tokenization" not in meta and "distractors" not in meta


def test_options_are_recorded_in_meta():
    ds = _made(0, one_tokenization=True, distractors="cooccurring")
    assert ds.meta["params"]["one_tokenization"] is True and ds.meta["params"]["distractors"] == "cooccurring"
    assert set(ds.meta["fallback_distractors"]) == {"rephrased", "reversal"}


# ---- one tokenization -----------------------------------------------------------------------------

def test_one_tokenization_every_word_is_lowercase_after_a_space():
    for seed in SEEDS:
        ds = _made(seed, one_tokenization=True)
        words = set(ds.meta["words"])
        texts = _texts(ds) + oracle_statements(ds)
        bad = [(t, w) for t in texts for w in _misplaced(t, words)]
        assert bad == [], f"seed {seed}: {bad[:3]}"
        assert words <= {m.group() for t in texts for m in _LETTERS.finditer(t)}  # each word was looked at
    paper = _made(0)  # the check can fail: the paper's data starts sentences with a capitalized word
    assert any(_misplaced(t, set(paper.meta["words"])) for t in _texts(paper))


def _token_spans(tok, texts: list[str], words: set[str]) -> tuple[dict[str, set[tuple]], int]:
    """word (lowercased) -> the token id sequences its occurrences were given: the tokens from the
    one holding the space before it (or its first letter) to the one holding its last letter, or
    "straddles" where a token reaches past either end; and how many occurrences were looked at."""
    seen: dict[str, set[tuple]] = defaultdict(set)
    n = 0
    for text, enc in zip(texts, tok.backend_tokenizer.encode_batch(texts, add_special_tokens=False)):
        for m in _LETTERS.finditer(text):
            if m.group().lower() not in words:
                continue
            start, end = m.start() - (text[m.start() - 1: m.start()] == " "), m.end()
            first, last = enc.char_to_token(start), enc.char_to_token(end - 1)
            exact = enc.offsets[first][0] == start and enc.offsets[last][1] == end
            seen[m.group().lower()].add(tuple(enc.ids[first:last + 1]) if exact else ("straddles",))
            n += 1
    return seen, n


def test_one_tokenization_gives_each_word_one_token_sequence_in_the_world_tokenizer(monkeypatch):
    """Tokenizes every full text (documents; prompt + " " + choice) with the shipped world model's
    tokenizer and reads off the tokens of each occurrence: one sequence per word, the same as " word"
    alone (10 seeds, for time; the test above reads 20). The paper's data gives some words two."""
    transformers = pytest.importorskip("transformers")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    tok = transformers.AutoTokenizer.from_pretrained(SHIPPED_WORLD)
    total = 0
    for seed in SEEDS[:10]:
        ds = _made(seed, one_tokenization=True)
        words = set(ds.meta["words"])
        seen, n = _token_spans(tok, _texts(ds), words)
        total += n
        assert set(seen) == words, f"seed {seed}: words never seen {sorted(words - set(seen))[:3]}"
        for w, ids in seen.items():
            assert ids == {tuple(tok(" " + w)["input_ids"])}, f"seed {seed}: {w!r} tokenized as {ids}"
    assert total > 50_000
    paper = _made(0)
    seen, _ = _token_spans(tok, _texts(paper), set(paper.meta["words"]))
    assert sum(len(ids) > 1 for ids in seen.values()) > len(seen) / 2  # capitalized or starting a text


# ---- co-occurring distractors ---------------------------------------------------------------------

def _accuracy(datasets, rule, keep) -> float:
    """A shortcut's expected accuracy (ties broken at random) over the items `keep` selects."""
    hits = [expected_correct(s, it)[0] for ds in datasets for s, it in zip(rule(ds), ds.test) if keep(it)]
    return sum(hits) / len(hits)


def test_cooccurring_distractors_take_the_cooccurrence_shortcut_to_near_chance():
    """Choosing the choice that shares most training sentences with the prompt's word solves every
    rephrased and reversal item of the paper's data (5 seeds), but not the cooccurring data (20),
    where choosing against it does not win either. A property reversal is the exception the module
    documents: the answer, the property's holder, is in every sentence naming the property."""
    paper = [_made(seed) for seed in SEEDS[:5]]
    near = [_made(seed, distractors="cooccurring") for seed in SEEDS]
    scores = {id(ds): cooccurrence_scores(ds) for ds in paper + near}
    rules = {"cooccurrence": lambda ds: scores[id(ds)], "against": lambda ds: [[-x for x in s] for s in scores[id(ds)]],
             "most_frequent": most_frequent_scores}
    rephrased = lambda it: it.split == "rephrased"  # noqa: E731
    category_reversal = lambda it: it.meta["type"] == "category_reversal"  # noqa: E731
    for keep in (rephrased, category_reversal):
        assert _accuracy(paper, rules["cooccurrence"], keep) == 1.0
        assert _accuracy(near, rules["cooccurrence"], keep) <= 0.6
        assert _accuracy(near, rules["against"], keep) <= 0.3
        assert _accuracy(near, rules["most_frequent"], keep) <= 0.6
    assert _accuracy(near, rules["most_frequent"], lambda it: it.split == "reversal") <= 0.6
    deduced = lambda it: it.split in ("syllogism", "category_holdout")  # noqa: E731
    assert _accuracy(near, rules["cooccurrence"], deduced) == 0.25  # no sentence shares answer or distractor


def test_cooccurring_distractors_are_counted_where_the_paper_rule_fills_in():
    ds = _made(1, distractors="cooccurring")
    for split, tally in ds.meta["fallback_distractors"].items():
        items = [it for it in ds.test if it.split == split]
        assert tally["items"] == sum(it.meta["cooccurring"]["fallback"] > 0 for it in items)
        assert tally["distractors"] == sum(it.meta["cooccurring"]["fallback"] for it in items)
    assert all("cooccurring" not in it.meta for it in ds.test if it.split in ("syllogism", "category_holdout"))


@pytest.mark.parametrize("options", [{"one_tokenization": True}, {"distractors": "cooccurring"},
                                     {"one_tokenization": True, "distractors": "cooccurring"}])
def test_checker_passes_on_the_variants(options):
    for seed in range(4):
        assert check_dataset(_made(seed, **options)) == [], seed
    micro = ss.generate(0, n_docs=15, n_holdout=2, taxonomy="micro", **options)
    assert check_dataset(micro) == []


def test_cli_generates_and_validates_a_variant(tmp_path, capsys):
    out = tmp_path / "ss"
    assert main(["data", "generate", "semantic_structure", "--seed", "3", "n_docs=200", "one_tokenization=true",
                 "distractors=cooccurring", "--out", str(out)]) == 0
    assert main(["data", "validate", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ok: semantic_structure seed 3")


# ---- bad values -----------------------------------------------------------------------------------

@pytest.mark.parametrize("params, message", [
    ({"one_tokenization": "maybe"}, "one_tokenization must be true or false, got 'maybe'"),
    ({"one_tokenization": 1}, "one_tokenization must be true or false, got 1"),
    ({"one_tokenization": None}, "one_tokenization must be true or false, got None"),
    ({"distractors": "random"}, "distractors must be paper or cooccurring, got 'random'"),
    ({"distractors": None}, "distractors must be"),
])
def test_bad_values_are_one_line(params, message, tmp_path, capsys):
    for make in (lambda: ss.generate(0, **params), lambda: generate_by_name("semantic_structure", **params)):
        with pytest.raises(IclftError, match=message) as err:
            make()
        assert "\n" not in str(err.value)
    argv = ["data", "generate", "semantic_structure", *(f"{k}={v}" for k, v in params.items()),
            "--out", str(tmp_path / "x")]
    assert main(argv) == 2 and "semantic_structure:" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
