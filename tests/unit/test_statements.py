"""The datasets' statement checkers: oracle statements are entailed, and generated sentences are
told apart into entailed, contradicted and other."""
import pytest
from conftest import SHARED_DATA

from iclft.augment.symbolic import oracle_statements, statement_shares
from iclft.data import generate, statements_module

RC = SHARED_DATA / "reversal_curse"
DATASETS = {
    "simple_reversal": dict(n_facts=8, docs_per_fact=3),
    "syllogism": dict(n_items=20),
    "semantic_structure": dict(n_docs=120),
    "reversal_curse": dict(path=str(RC), n_people=2),
}


def _dataset(name):
    if name == "reversal_curse" and not RC.is_dir():
        pytest.skip(f"{RC} not present")
    return generate(name, seed=1, **DATASETS[name])


def _classify(ds, sentences):
    return statements_module(ds.name).classify_statements(ds, sentences)


@pytest.mark.parametrize("name", DATASETS)
def test_every_oracle_statement_is_entailed_and_new(name):
    ds = _dataset(name)
    oracle = oracle_statements(ds)
    assert len(oracle) >= len({d.text for d in ds.train}) // 2
    shares = statement_shares(ds, oracle)
    assert (shares["entailed"], shares["contradicted"], shares["other"]) == (1.0, 0.0, 0.0)
    assert shares["n_statements"] >= len(oracle)
    assert not set(oracle) & {d.text for d in ds.train}
    assert oracle == oracle_statements(ds)  # deterministic


def test_simple_reversal_verdicts():
    ds = _dataset("simple_reversal")
    f = ds.train[0].meta
    a, b, form = f["a"], f["b"], f["form"]
    from iclft.data.simple_reversal import converse
    assert _classify(ds, [f"Reportedly, {b} are {converse(form)} than {a}.", f"{b} are {form} than {a}.",
                          f"{a} are {form} than {b}, so {b} are {form} than {a}.", "Glorp are taller than zib.",
                          "I like turtles."]) == ["entailed", "contradicted", "contradicted", "other", "other"]


def test_syllogism_verdicts():
    ds = _dataset("syllogism")
    doc = next(d for d in ds.train if d.meta["form"] == "AA-1")  # All M are P, All S are M
    s, m, p = doc.meta["subject"], doc.meta["middle"], doc.meta["predicate"]
    other = next(d for d in ds.train if d is not doc).meta["subject"]
    assert _classify(ds, [f"All {s} are {p}.", f"All {m} are {p}.", f"All {p} are {s}.",
                          f"All {s} are {other}.", "Some cats are dogs."]) == \
        ["entailed", "entailed", "other", "other", "other"]  # Boolean semantics: All P are S is possible


def test_semantic_structure_verdicts_parse_a_reasoning_trace():
    ds = _dataset("semantic_structure")
    from iclft.data.semantic_structure import Knowledge, read_training
    stated, _ = read_training(ds, [])
    known = Knowledge(stated)
    child, parent = next((f.subject, f.object) for f in sorted(stated) if f.relation == "isa"
                         and known.own.get(f.object))
    rel, prop = sorted(known.own[parent])[0]
    verb = {"is": "are", "has": "have", "can": "can"}[rel]
    trace = (f"I learned earlier that {parent} {verb} {prop}, and this document says {child} are a kind of "
             f"{parent}, therefore {child} {verb} {prop}.")
    assert _classify(ds, [trace, f"{parent.capitalize()} are a kind of {child}.", f"Blorp are a kind of {parent}."]) \
        == ["entailed", "contradicted", "other"]


def test_reversal_curse_verdicts():
    ds = _dataset("reversal_curse")
    oracle = oracle_statements(ds)
    names = sorted({d.meta["name"] for d in ds.train})
    one = oracle[0]
    owner = next(n for n in names if n in one)
    swapped = one.replace(owner, next(n for n in names if n != owner))
    assert _classify(ds, [one, swapped, f"{owner} likes tea.", "Nobody in particular."]) == \
        ["entailed", "contradicted", "other", "other"]


def test_reversal_curse_slice_keeps_its_people_and_defaults_unchanged():
    ds = _dataset("reversal_curse")
    people = {d.meta["name"] for d in ds.train}
    assert len(people) == 6 and {d.meta["group"] for d in ds.train} == {"p2d", "d2p", "both"}
    assert ds.sizes()["test"] == {"p2d_reverse": 20, "p2d": 20, "d2p": 20, "d2p_reverse": 20}
    assert all(it.meta["name"] in people for it in ds.test)
    assert all(c in people for it in ds.test if it.split == "p2d_reverse" for c in it.choices)
    full = generate("reversal_curse", seed=1, path=str(RC))
    assert len(full.train) == 3600 and len(full.test) == 1200


def test_oracle_overlap_counts_the_test_statements_written_verbatim():
    from iclft.augment.symbolic import oracle_overlap

    ds = _dataset("simple_reversal")  # the oracle writes every trained fact reversed, after a preamble
    assert oracle_overlap(ds) == {"forward": {"verbatim": 0, "n": 8, "share": 0.0},
                                  "reversal": {"verbatim": 8, "n": 8, "share": 1.0}}
    syl = _dataset("syllogism")  # every valid conclusion: the canonical answers all
    assert oracle_overlap(syl)["syllogism"]["share"] == 1.0
    sem = generate("semantic_structure", seed=0)
    overlap = oracle_overlap(sem)
    assert overlap["rephrased"]["verbatim"] == overlap["reversal"]["verbatim"] == 0
    # deductions are asked in training wording, one of 2-3 per relation: about half written verbatim
    assert (overlap["syllogism"]["verbatim"], overlap["syllogism"]["n"]) == (426, 928)
    assert (overlap["category_holdout"]["verbatim"], overlap["category_holdout"]["n"]) == (47, 97)
    # the process oracle states rules over u and v, never a test's multiples of x
    assert {row["share"] for row in oracle_overlap(generate("process", seed=0)).values()} == {0.0}


def test_semantic_oracle_never_uses_a_test_wording():
    from iclft.data import semantic_text as text

    ds = _dataset("semantic_structure")
    uses = {text.parse_statement(text.normalize(s))[0].use for s in oracle_statements(ds)}
    assert uses == {"train", "augment"}
    test_wordings = {it.meta["template"] for it in ds.test if it.split in ("rephrased", "reversal")}
    assert all(t.use in ("rephrase", "reverse") for t in text.TEMPLATES if t.text in test_wordings)
