"""The scoring maths: the Wilson interval, accuracy and chance, and the choice of answer under the
three scorings (sum, mean, domain-conditional PMI) on hand-made score tables.

No model is loaded: `score_items` only calls `model.loglikelihood`, so a fake model that looks the
scores up in a table stands in for one.
"""
from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from iclft.data.schema import TestItem
from iclft.eval.metrics import Z95, accuracy, wilson_interval
from iclft.eval.multiple_choice import DOMAIN_PROMPT, MCContext, score_items
from iclft.models.hf import ContinuationScore
from iclft.eval.metrics import summarize


# ---- the Wilson score interval -------------------------------------------------------------------

# Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
# methods", Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no continuity
# correction), 95% intervals, printed to four decimals.
NEWCOMBE_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


def _wilson_by_quadratic(k: int, n: int, z: float) -> tuple[float, float]:
    """The bounds as the two roots in p of (k/n - p)^2 = z^2 p (1 - p) / n, i.e. the p at which the
    score test statistic is exactly z; written apart from the library's centre/half-width form."""
    phat = k / n
    a = 1 + z * z / n
    b = -(2 * phat + z * z / n)
    c = phat * phat
    root = math.sqrt(b * b - 4 * a * c)
    return ((-b - root) / (2 * a), (-b + root) / (2 * a))


def test_z95_is_the_975th_percentile_of_the_standard_normal():
    assert Z95 == pytest.approx(NormalDist().inv_cdf(0.975), abs=1e-12)


@pytest.mark.parametrize("k,n,low,high", NEWCOMBE_TABLE_I)
def test_wilson_matches_newcombe_1998_table_1(k, n, low, high):
    got = wilson_interval(k, n)
    # Published to 4 decimals: the rounded value must be the printed one.
    assert round(got[0], 4) == low
    assert round(got[1], 4) == high


@pytest.mark.parametrize("k,n,low,high", NEWCOMBE_TABLE_I)
def test_the_published_values_follow_from_the_score_test_quadratic(k, n, low, high):
    # The table is reproduced by the formula written independently, so the table check above tests
    # the library, not a transcription error.
    lo, hi = _wilson_by_quadratic(k, n, Z95)
    assert (round(max(lo, 0.0), 4), round(hi, 4)) == (low, high)


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (1, 2), (3, 4), (7, 10), (0, 69), (35, 69), (69, 69),
                                 (123, 1000), (999, 1000)])
@pytest.mark.parametrize("z", [1.0, Z95, 2.575829303549])
def test_wilson_equals_the_roots_of_the_score_test(k, n, z):
    lo, hi = _wilson_by_quadratic(k, n, z)
    got = wilson_interval(k, n, z)
    assert got[0] == pytest.approx(max(lo, 0.0), abs=1e-12)
    assert got[1] == pytest.approx(min(hi, 1.0), abs=1e-12)
    # And at each interior bound the score statistic is exactly z.
    for bound in got:
        if 0.0 < bound < 1.0:
            assert abs(k / n - bound) / math.sqrt(bound * (1 - bound) / n) == pytest.approx(z, rel=1e-9)


def test_wilson_with_no_trials_is_the_whole_unit_interval():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("n", [1, 2, 5, 20, 69, 1000])
def test_wilson_at_zero_and_all_successes(n):
    lo0, hi0 = wilson_interval(0, n)
    loN, hiN = wilson_interval(n, n)
    assert lo0 == 0.0 and hiN == 1.0
    # The closed forms: at k = 0 the upper bound is z^2 / (n + z^2); at k = n the lower is n / (n + z^2).
    assert hi0 == pytest.approx(Z95 ** 2 / (n + Z95 ** 2), abs=1e-12)
    assert loN == pytest.approx(n / (n + Z95 ** 2), abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 29, 69, 263])
def test_wilson_is_inside_the_unit_interval_contains_the_estimate_and_is_symmetric(n):
    previous = None
    for k in range(n + 1):
        lo, hi = wilson_interval(k, n)
        assert 0.0 <= lo <= k / n <= hi <= 1.0
        assert lo < hi
        # Swapping successes and failures mirrors the interval.
        mlo, mhi = wilson_interval(n - k, n)
        assert (lo, hi) == pytest.approx((1 - mhi, 1 - mlo), abs=1e-12)
        # More successes move both bounds up.
        if previous is not None:
            assert lo > previous[0] and hi > previous[1]
        previous = (lo, hi)


def test_wilson_narrows_with_more_trials_and_widens_with_z():
    width = lambda k, n, z=Z95: wilson_interval(k, n, z)[1] - wilson_interval(k, n, z)[0]  # noqa: E731
    assert width(500, 1000) < width(50, 100) < width(5, 10)
    assert width(5, 10, 1.0) < width(5, 10) < width(5, 10, 3.0)
    # z = 0 collapses the interval to the point estimate.
    assert wilson_interval(3, 10, 0.0) == pytest.approx((0.3, 0.3), abs=1e-15)


# ---- accuracy and chance ----------------------------------------------------------------------------

def _item(id_, choices, answer, valid=()) -> TestItem:
    return TestItem(id=id_, split="s", prompt=f"prompt {id_}", choices=tuple(choices), answer=answer,
                    valid=tuple(valid))


def test_chance_is_valid_choices_over_choices():
    six = [f"c{i}" for i in range(6)]
    assert _item("a", six, 2).chance == pytest.approx(1 / 6)  # valid defaults to the answer alone
    assert _item("b", six, 2, (2, 5)).chance == pytest.approx(2 / 6)
    assert _item("c", six[:4], 0, (0, 1, 3)).chance == pytest.approx(3 / 4)
    assert _item("d", six[:2], 1, (0, 1)).chance == 1.0


def test_accuracy_on_a_hand_made_table():
    # Four items: six choices one valid; six choices two valid (a mirror pair); four choices one
    # valid; two choices one valid.
    items = [_item("a", "abcdef", 0), _item("b", "abcdef", 1, (1, 4)),
             _item("c", "abcd", 3), _item("d", "ab", 0)]
    predicted = [0, 4, 2, 0]  # right, right (the second valid choice), wrong, right
    correct = [p in it.valid for p, it in zip(predicted, items)]
    assert correct == [True, True, False, True]
    a = accuracy(correct, [it.chance for it in items])
    assert a.n == 4
    assert a.accuracy == 0.75
    assert a.chance == pytest.approx((1 / 6 + 2 / 6 + 1 / 4 + 1 / 2) / 4)  # = 5/16
    assert a.chance == pytest.approx(5 / 16)
    assert (a.ci_low, a.ci_high) == pytest.approx(wilson_interval(3, 4))
    assert (round(a.ci_low, 4), round(a.ci_high, 4)) == (0.3006, 0.9544)


def test_accuracy_of_nothing_is_undefined_with_the_whole_interval():
    a = accuracy([], [])
    assert a.n == 0 and math.isnan(a.accuracy) and math.isnan(a.chance)
    assert (a.ci_low, a.ci_high) == (0.0, 1.0)


def test_accuracy_all_right_and_all_wrong():
    right = accuracy([True] * 5, [0.5] * 5)
    wrong = accuracy([False] * 5, [0.25] * 5)
    assert (right.accuracy, right.ci_high, right.chance) == (1.0, 1.0, 0.5)
    assert (wrong.accuracy, wrong.ci_low, wrong.chance) == (0.0, 0.0, 0.25)


# ---- choosing the answer: sum, mean and PMI -----------------------------------------------------------

class TableModel:
    """Stands in for HFModel: `loglikelihood` looks each (context, continuation) up in a table of
    (logprob, n_tokens) and records how it was called. An unknown request is a KeyError, so the
    test also pins which requests score_items makes."""

    def __init__(self, conditional: dict, prior: dict):
        self.conditional = conditional  # (context, choice) -> (logprob, n_tokens)
        self.prior = prior              # choice -> (logprob, n_tokens) after DOMAIN_PROMPT
        self.calls = []

    def loglikelihood(self, requests, prefix="", batch_size=16, use_cache_prefix=True, progress=None):
        self.calls.append((list(requests), prefix))
        out = []
        for ctx, cont in requests:
            assert cont.startswith(" "), cont  # choices are continuations after a space
            choice = cont[1:]
            if ctx == DOMAIN_PROMPT and prefix == "":
                lp, n = self.prior[choice]
            else:
                lp, n = self.conditional[(prefix + ctx, choice)]
            out.append(ContinuationScore(lp, n, len(cont.encode())))
        return out


# Item "x": the three scorings pick three different choices.
#   choice  logprob  tokens  mean   prior  pmi
#   cheap    -3.0      1     -3.0   -0.5   -2.5    <- sum
#   wordy    -4.0      4     -1.0   -3.0   -1.0    <- mean
#   rare     -5.0      2     -2.5   -6.0   +1.0    <- pmi (the valid one)
# Item "y": two valid choices (a mirror pair); raw likelihood picks an invalid one that the model
# likes anywhere, PMI picks the second valid choice (not the canonical answer).
#   choice           logprob  tokens  prior  pmi
#   No a are b.       -6.0      3     -5.0   -1.0
#   No b are a.       -5.5      3     -5.0   -0.5   <- pmi (valid, not the answer)
#   All a are b.      -2.0      3     -0.5   -1.5   <- sum, mean
#   Some a are b.     -7.0      3     -4.0   -3.0
# Item "z": the choices of "x" in another order with other scores; the prior is looked up by the
# choice's text (shared with "x"), not by its position.
#   choice  logprob  tokens  prior  pmi
#   rare     -7.0      2     -6.0   -1.0
#   wordy    -3.5      4     -3.0   -0.5   <- pmi, mean (-0.875)
#   cheap    -1.5      1     -0.5   -1.0   <- sum
PREFIX = "Some training text. "
ITEMS = [
    TestItem(id="x", split="one", prompt="Question x:", choices=("cheap", "wordy", "rare"), answer=2),
    TestItem(id="y", split="two", prompt="Question y:",
             choices=("No a are b.", "No b are a.", "All a are b.", "Some a are b."), answer=0, valid=(0, 1)),
    TestItem(id="z", split="one", prompt="Question z:", choices=("rare", "wordy", "cheap"), answer=0),
]
CONDITIONAL = {
    (PREFIX + "Question x:", "cheap"): (-3.0, 1),
    (PREFIX + "Question x:", "wordy"): (-4.0, 4),
    (PREFIX + "Question x:", "rare"): (-5.0, 2),
    (PREFIX + "Question y:", "No a are b."): (-6.0, 3),
    (PREFIX + "Question y:", "No b are a."): (-5.5, 3),
    (PREFIX + "Question y:", "All a are b."): (-2.0, 3),
    (PREFIX + "Question y:", "Some a are b."): (-7.0, 3),
    (PREFIX + "Question z:", "rare"): (-7.0, 2),
    (PREFIX + "Question z:", "wordy"): (-3.5, 4),
    (PREFIX + "Question z:", "cheap"): (-1.5, 1),
}
PRIOR = {"cheap": (-0.5, 1), "wordy": (-3.0, 4), "rare": (-6.0, 2),
         "No a are b.": (-5.0, 3), "No b are a.": (-5.0, 3), "All a are b.": (-0.5, 3), "Some a are b.": (-4.0, 3)}


@pytest.fixture()
def scored():
    model = TableModel(CONDITIONAL, PRIOR)
    records = score_items(model, ITEMS, MCContext(PREFIX, lambda it: it.prompt))
    return model, {r["item_id"]: r for r in records}


def test_each_scoring_is_the_formula_on_the_table(scored):
    _, rec = scored
    assert rec["x"]["scores"] == {"sum": [-3.0, -4.0, -5.0], "mean": [-3.0, -1.0, -2.5],
                                  "pmi": [-2.5, -1.0, 1.0]}
    assert rec["y"]["scores"] == {"sum": [-6.0, -5.5, -2.0, -7.0], "mean": [-2.0, -5.5 / 3, -2.0 / 3, -7.0 / 3],
                                  "pmi": [-1.0, -0.5, -1.5, -3.0]}
    assert rec["z"]["scores"] == {"sum": [-7.0, -3.5, -1.5], "mean": [-3.5, -0.875, -1.5],
                                  "pmi": [-1.0, -0.5, -1.0]}
    assert rec["x"]["n_tokens"] == [1, 4, 2]


def test_pmi_and_likelihood_pick_different_answers(scored):
    _, rec = scored
    assert rec["x"]["pred"] == {"sum": 0, "mean": 1, "pmi": 2}
    assert rec["x"]["correct"] == {"sum": False, "mean": False, "pmi": True}


def test_a_second_valid_choice_counts_as_correct(scored):
    _, rec = scored
    y = rec["y"]
    assert y["pred"] == {"sum": 2, "mean": 2, "pmi": 1}
    assert y["answer"] == 0 and y["valid"] == [0, 1]
    assert y["correct"] == {"sum": False, "mean": False, "pmi": True}
    assert y["chance"] == 0.5


def test_the_prior_belongs_to_the_choice_text_not_its_position(scored):
    _, rec = scored
    # Had "z" used "x"'s priors by position (-0.5, -3.0, -6.0), pmi would be [-6.5, -0.5, 4.5] and
    # pick "cheap".
    assert rec["z"]["pred"] == {"sum": 2, "mean": 1, "pmi": 1}
    assert rec["z"]["correct"] == {"sum": False, "mean": False, "pmi": False}


def test_requests_prefix_and_domain_prompt(scored):
    model, _ = scored
    # One batch of conditional requests under the shared prefix, then each distinct choice once
    # after the domain prompt with no prefix.
    (conditional, prefix), (prior, prior_prefix) = model.calls
    assert prefix == PREFIX and prior_prefix == ""
    assert conditional == [(it.prompt, " " + c) for it in ITEMS for c in it.choices]
    assert sorted(prior) == sorted((DOMAIN_PROMPT, " " + c) for c in PRIOR)
    assert len(prior) == len(PRIOR)  # "x" and "z" share their three choices: scored once


def test_summary_per_split_from_the_records(scored):
    _, rec = scored
    rows = {r["split"]: r for r in summarize(list(rec.values()), "toy", "icl")}
    one, two = rows["one"], rows["two"]  # split "one": items x and z; "two": item y
    assert (one["n"], two["n"]) == (2, 1)
    assert one["chance"] == pytest.approx(1 / 3) and two["chance"] == 0.5
    assert one["scores"]["pmi"]["accuracy"] == 0.5 and one["scores"]["sum"]["accuracy"] == 0.0
    assert two["scores"]["pmi"]["accuracy"] == 1.0 and two["scores"]["mean"]["accuracy"] == 0.0
    lo, hi = wilson_interval(1, 2)
    assert (one["scores"]["pmi"]["ci_low"], one["scores"]["pmi"]["ci_high"]) == pytest.approx((lo, hi))
