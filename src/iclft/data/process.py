"""The paper's preliminary process-knowledge dataset (Lampinen et al., 2025, section 2.5).

A made-up, derivative-like procedure (a "derivatoid") named with a nonsense word, say the
zorp-derivative, over functions built from nonsense unary operators applied to a multiple of x.
The rules, like a derivative table but unusual:

    operator rule   each operator f has a partner operator p(f) and a constant c(f):
                    the zorp-derivative of f(u) is c(f) p(f)(u) times the zorp-derivative of u.
                    The partners form one cycle over all operators (blik -> vosk -> tmef -> ... -> blik),
                    so no operator is its own partner.
    argument rule   the zorp-derivative of kx is k.
    sum rule        the zorp-derivative of u + v is the zorp-derivative of u MINUS that of v.
    chain           applying an operator rule at a compound u = g(kx) multiplies by g's result.

Expressions have three shapes: f(kx) (one rule), f(ax) + g(bx) (sum rule, two operators) and
f(g(kx)) (chain, two operators), k in 1..9. A worked example with the rules blik -> 4 vosk,
tmef -> 5 blik (products keep their factors outer first):

    blik(3x)              4 vosk(3x) times 3                     = 12 vosk(3x)
    blik(3x) + tmef(2x)   12 vosk(3x) minus 5 blik(2x) times 2   = 12 vosk(3x) - 10 blik(2x)
    blik(tmef(3x))        4 vosk(tmef(3x)) times 15 blik(3x)     = 60 vosk(tmef(3x)) blik(3x)

Training documents are worked examples that show their steps and state each operator rule used:

    "The zorp-derivative of blik(3x) + tmef(2x) is found as follows. By the sum rule, the
     zorp-derivative of a sum u + v is the zorp-derivative of u minus the zorp-derivative of v.
     By the blik rule, the zorp-derivative of blik(u) is 4 vosk(u) times the zorp-derivative of u.
     Here u = 3x, whose zorp-derivative is 3. So the zorp-derivative of blik(3x) is 12 vosk(3x).
     By the tmef rule, [...] So the zorp-derivative of tmef(2x) is 10 blik(2x).
     So the zorp-derivative of blik(3x) + tmef(2x) is 12 vosk(3x) - 10 blik(2x)."

The operators are paired off at random (a seeded matching: each operator loses one partner), and
those held-out pairs never occur together in training, in either shape or order. Training shows
every operator alone at least once and every other pair in both shapes and orders at least once.
A smaller n_train (at least n_operators + 2, for a corpus that fits a small model's context) shows
every operator alone and n_train - n_operators trained combinations, as many sums as chains (one
more sum when odd), each combination at most once; the in_distribution split then draws from the
combinations shown.

    compositional     expressions that combine a held-out pair (each rule, the sum rule and the
                      chain were all trained, that combination never)
    in_distribution   a trained two-operator combination (same shape and order) on new multiples,
                      with as many sums and chains as the compositional split has

Test prompt "The zorp-derivative of blik(3x) + tmef(2x) is"; four choices: the correct result and
three distractors, each the result of one wrong procedure, chosen from different error kinds where
possible: another operator's rule, the ordinary sum rule (plus), the sum taken in the wrong order,
a missing chain factor, a missing inner multiple k, or no switch to the partner operator.
Every random choice comes from one local RNG seeded with `seed`.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import combinations, product

from iclft import IclftError
from iclft.data.schema import Dataset, Document, TestItem
from iclft.data.words import nonsense_words

VERSION = "1"
LIMITS = {"n_operators": 30, "n_train": 100_000, "n_test": 100_000}
MULTIPLES = range(1, 10)  # k in "kx"
CONSTANTS = range(2, 6)   # c(f) in each operator rule


# ---- expressions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Var:
    k: int


@dataclass(frozen=True)
class Op:
    name: str
    arg: "Expr"


@dataclass(frozen=True)
class Sum:
    left: "Expr"
    right: "Expr"


Expr = Var | Op | Sum


def fmt(e: Expr) -> str:
    if isinstance(e, Var):
        return "x" if e.k == 1 else f"{e.k}x"
    if isinstance(e, Op):
        return f"{e.name}({fmt(e.arg)})"
    return f"{fmt(e.left)} + {fmt(e.right)}"


_OP_TEXT = re.compile(r"([a-z]+)\((.+)\)")
_VAR_TEXT = re.compile(r"([1-9]\d*)?x")
_TERM_SEP = re.compile(r" ([+-]) ")
_INT = re.compile(r"-?\d+")


@lru_cache(maxsize=1 << 14)  # the checker parses the same subexpressions many times
def parse(text: str) -> Expr:
    """Inverse of fmt; raises ValueError on anything outside the grammar."""
    depth = 0
    for i, ch in enumerate(text if " + " in text else ""):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith(" + ", i):
            return Sum(parse(text[:i]), parse(text[i + 3:]))
    if m := _OP_TEXT.fullmatch(text):
        return Op(m.group(1), parse(m.group(2)))
    if m := _VAR_TEXT.fullmatch(text):
        return Var(int(m.group(1) or 1))
    raise ValueError(f"not an expression: {text!r}")


def combo(e: Expr) -> tuple[str, tuple[str, ...]]:
    """(shape, operators in order) of an expression of one of the three shapes."""
    match e:
        case Op(f, Var()):
            return "single", (f,)
        case Op(f, Op(g, Var())):
            return "chain", (f, g)
        case Sum(Op(f, Var()), Op(g, Var())):
            return "sum", (f, g)
    raise ValueError(f"expression outside the three shapes: {fmt(e)}")


# ---- the procedure, correct and deliberately wrong ---------------------------------------------

@dataclass(frozen=True)
class Rule:
    partner: str
    constant: int


@dataclass(frozen=True)
class Procedure:
    """The derivatoid; the flags switch on one kind of mistake each (for distractors)."""

    rules: dict[str, Rule]
    sum_sign: int = -1          # +1: the ordinary sum rule
    swap_sum: bool = False      # v's result first
    chain: bool = True          # False: forget to multiply by the derivatoid of the argument
    inner: bool = True          # False: the derivatoid of kx taken as 1
    switch: bool = True         # False: f stays f instead of becoming its partner


Term = tuple[int, tuple[str, ...]]  # (signed coefficient, factors)


def derive(e: Expr, proc: Procedure) -> list[Term]:
    if isinstance(e, Var):
        return [(e.k if proc.inner else 1, ())]
    if isinstance(e, Op):
        rule = proc.rules[e.name]
        head = f"{rule.partner if proc.switch else e.name}({fmt(e.arg)})"
        # A missing chain factor drops the derivatoid of a compound argument; forgetting k is `inner`.
        inner = derive(e.arg, proc) if proc.chain or isinstance(e.arg, Var) else [(1, ())]
        return [(rule.constant * c, (head, *fs)) for c, fs in inner]
    left, right = derive(e.left, proc), derive(e.right, proc)
    if proc.swap_sum:
        left, right = right, left
    return left + [(proc.sum_sign * c, fs) for c, fs in right]


def show(terms: list[Term]) -> str:
    parts = []
    for i, (c, fs) in enumerate(terms):
        sign = ("-" if c < 0 else "") if i == 0 else (" - " if c < 0 else " + ")
        parts.append(sign + " ".join([str(abs(c)), *fs]))
    return "".join(parts)


def meaning(terms: list[Term]) -> frozenset[Term]:
    """Like terms combined, factor order and term order ignored: two results mean the same exactly
    when their meanings are equal, however the products are written."""
    total: dict[tuple[str, ...], int] = {}
    for c, fs in terms:
        key = tuple(sorted(fs))
        total[key] = total.get(key, 0) + c
    return frozenset((c, k) for k, c in total.items() if c)


def read_result(result: str) -> list[Term]:
    """Inverse of show (a trailing period allowed); raises ValueError on anything else."""
    pieces = _TERM_SEP.split(result.removesuffix("."))
    terms = []
    for sign, term in zip(["+", *pieces[1::2]], pieces[0::2]):
        coef, *factors = term.split(" ")
        if not _INT.fullmatch(coef):
            raise ValueError(f"not a result: {result!r}")
        terms.append(((-1 if sign == "-" else 1) * int(coef), tuple(factors)))
    return terms


def normal(result: str) -> frozenset[Term]:
    return meaning(read_result(result))


# ---- generation ---------------------------------------------------------------------------------

def _rules(rng: random.Random, ops: list[str]) -> dict[str, Rule]:
    """Partners follow one seeded cycle through all operators, so none is its own partner."""
    cycle = ops[:]
    rng.shuffle(cycle)
    return {f: Rule(cycle[(i + 1) % len(cycle)], rng.choice(CONSTANTS)) for i, f in enumerate(cycle)}


def _heldout_pairs(rng: random.Random, ops: list[str]) -> list[frozenset[str]]:
    """A seeded matching: every operator (all but one, if odd) is held out with one partner."""
    order = ops[:]
    rng.shuffle(order)
    return [frozenset(order[i:i + 2]) for i in range(0, len(order) - 1, 2)]


def _pair_combos(pairs: list[frozenset[str]]) -> list[tuple[str, tuple[str, ...]]]:
    return [(shape, (f, g)) for pair in pairs for f, g in (sorted(pair), sorted(pair)[::-1])
            for shape in ("sum", "chain")]


Key = tuple[tuple[str, tuple[str, ...]], tuple[int, ...]]  # (combination, multiples)


def build(key: Key) -> Expr:
    """The expression of a combination with the given multiples."""
    (shape, ops), ks = key
    if shape == "single":
        return Op(ops[0], Var(ks[0]))
    if shape == "chain":
        return Op(ops[0], Op(ops[1], Var(ks[0])))
    return Sum(Op(ops[0], Var(ks[0])), Op(ops[1], Var(ks[1])))


def _draw(rng: random.Random, combos, n: int, what: str, exclude: set[Key] = frozenset()) -> list[Key]:
    """n distinct expressions (as keys), round robin over the combinations in a seeded order, so
    every combination is used once before any is used twice (as far as its multiples allow)."""
    pools = [[(c, ks) for ks in product(MULTIPLES, repeat=2 if c[0] == "sum" else 1)
              if (c, ks) not in exclude] for c in combos]
    supply = sum(map(len, pools))
    if supply < n:
        raise IclftError(f"process: {what} asks for {n} distinct expressions, but its combinations "
                         f"allow only {supply}")
    order = list(range(len(pools)))
    rng.shuffle(order)
    out: list[Key] = []
    while len(out) < n:
        for i in order:
            if pools[i] and len(out) < n:
                out.append(pools[i].pop(rng.randrange(len(pools[i]))))
    return out


def _matched(rng: random.Random, like: list[Key], combos, exclude: set[Key]) -> list[Key]:
    """As many sums and chains as `like` has, so that two splits differ only in their operators."""
    out = []
    for shape in ("sum", "chain"):
        count = sum(c[0] == shape for c, _ in like)
        out += _draw(rng, [c for c in combos if c[0] == shape], count,
                     f"the in_distribution split ({shape})", exclude)
    rng.shuffle(out)
    return out


def explain(e: Expr, proc: Procedure, name: str) -> list[str]:
    """The worked steps for e, ending with 'So the <name>-derivative of e is <result>.'"""
    d = f"the {name}-derivative"
    if isinstance(e, Op):
        rule = proc.rules[e.name]
        steps = [f"By the {e.name} rule, {d} of {e.name}(u) is {rule.constant} {rule.partner}(u) "
                 f"times {d} of u."]
        if isinstance(e.arg, Var):
            steps.append(f"Here u = {fmt(e.arg)}, whose {name}-derivative is {e.arg.k}.")
        else:
            steps += [f"Here u = {fmt(e.arg)}."] + explain(e.arg, proc, name)
    else:
        steps = [f"By the sum rule, {d} of a sum u + v is {d} of u minus {d} of v."]
        steps += explain(e.left, proc, name) + explain(e.right, proc, name)
    return steps + [f"So {d} of {fmt(e)} is {show(derive(e, proc))}."]


def document_text(e: Expr, proc: Procedure, name: str) -> str:
    return " ".join([f"The {name}-derivative of {fmt(e)} is found as follows.", *explain(e, proc, name)])


MISTAKES = {"ordinary sum rule": {"sum_sign": 1}, "sum in the wrong order": {"swap_sum": True},
            "no chain factor": {"chain": False}, "no inner multiple": {"inner": False},
            "no partner switch": {"switch": False}}


def _distractors(rng: random.Random, e: Expr, proc: Procedure, ops: list[str]) -> list[tuple[str, str]]:
    """Three (kind, result) pairs from wrong procedures: one per kind, kinds in a seeded order,
    skipping any mistake that happens to give the correct result or an earlier distractor."""
    present = combo(e)[1]
    # An operator absent from e lends its rule, so a sum never gets two like terms.
    borrowed = [(f, h) for f in present for h in ops if h not in present]
    rng.shuffle(borrowed)
    kinds = [*MISTAKES, "another operator's rule"]
    rng.shuffle(kinds)

    def wrong():  # lazily: most items need only the first three or four
        for k in kinds:
            f, h = borrowed[0]
            yield k, replace(proc, **MISTAKES[k]) if k in MISTAKES else \
                replace(proc, rules={**proc.rules, f: proc.rules[h]})
        # Fallbacks: more borrowed rules, in case fewer than three kinds differ from the truth.
        for f, h in borrowed[1:]:
            yield "another operator's rule", replace(proc, rules={**proc.rules, f: proc.rules[h]})

    seen = {meaning(derive(e, proc))}
    out: list[tuple[str, str]] = []
    for kind, p in wrong():
        terms = derive(e, p)
        if meaning(terms) not in seen:
            seen.add(meaning(terms))
            out.append((kind, show(terms)))
            if len(out) == 3:
                return out
    raise AssertionError(f"fewer than three distractors for {fmt(e)}")  # n_operators >= 4 prevents it


def _item(rng: random.Random, item_id: str, split: str, e: Expr, proc: Procedure, ops: list[str],
          name: str) -> TestItem:
    choices = [("correct", show(derive(e, proc))), *_distractors(rng, e, proc, ops)]
    rng.shuffle(choices)
    shape, used = combo(e)
    meta = {"expression": fmt(e), "shape": shape, "operators": list(used),
            "choice_kinds": [k for k, _ in choices]}
    return TestItem(id=item_id, split=split, prompt=f"The {name}-derivative of {fmt(e)} is",
                    choices=tuple(t + "." for _, t in choices),
                    answer=[k for k, _ in choices].index("correct"), meta=meta)


def _check_params(n_operators: int, n_train: int, n_test: int) -> None:
    if n_operators < 4:
        raise IclftError(f"process: n_operators must be at least 4 (distractors borrow the rule of an "
                         f"operator absent from the expression), got {n_operators}")
    if n_test < 1:
        raise IclftError(f"process: n_test must be at least 1, got {n_test}")
    if n_train < n_operators + 2:
        raise IclftError(f"process: n_train must be at least {n_operators + 2} with {n_operators} operators "
                         f"(every operator alone, one sum and one chain), got {n_train}")


def _full_coverage(n_operators: int) -> int:
    """Training documents that show every operator alone and every trained pair in 2 shapes x 2 orders."""
    return n_operators + 4 * (n_operators * (n_operators - 1) // 2 - n_operators // 2)


def _training(rng: random.Random, ops: list[str], trained: list[frozenset[str]], n_train: int) -> list[Key]:
    """The training expressions: every combination round robin (the docstring), or below full
    coverage every operator alone, then as many sums as chains, each combination once."""
    singles = [("single", (f,)) for f in ops]
    if n_train >= _full_coverage(len(ops)):
        return _draw(rng, singles + _pair_combos(trained), n_train, "n_train")
    pairs = n_train - len(ops)
    out = _draw(rng, singles, len(ops), "n_train")
    for shape, count in (("sum", pairs - pairs // 2), ("chain", pairs // 2)):
        combos = [c for c in _pair_combos(trained) if c[0] == shape]
        rng.shuffle(combos)
        out += _draw(rng, combos[:count], count, "n_train")
    return out


def generate(seed: int = 0, n_operators: int = 6, n_train: int = 100, n_test: int = 100) -> Dataset:
    """Generate the dataset: n_train worked examples, n_test items in each of the two splits."""
    _check_params(n_operators, n_train, n_test)
    rng = random.Random(f"process:{seed}")
    try:
        words = nonsense_words(n_operators + 1, seed=rng.randrange(2**32))
    except IclftError:
        raise IclftError(f"process: n_operators={n_operators} needs more nonsense words than the word "
                         "grammar supplies") from None
    name, ops = words[0], words[1:]
    proc = Procedure(_rules(rng, ops))
    heldout = _heldout_pairs(rng, ops)
    trained = [frozenset(p) for p in combinations(ops, 2) if frozenset(p) not in heldout]
    train = _training(rng, ops, trained, n_train)
    rng.shuffle(train)
    shown = {key[0] for key in train}
    docs = [Document(id=f"d{i}", text=document_text(build(key), proc, name),
                     meta={"expression": fmt(build(key)), "shape": key[0][0], "operators": list(key[0][1])})
            for i, key in enumerate(train)]
    tests = {"compositional": _draw(rng, _pair_combos(heldout), n_test, "the compositional split")}
    tests["in_distribution"] = _matched(rng, tests["compositional"], [c for c in _pair_combos(trained) if c in shown],
                                        set(train))
    items = [_item(rng, f"{split}-{i}", split, build(key), proc, ops, name)
             for split in ("in_distribution", "compositional") for i, key in enumerate(tests[split])]
    meta = {"generator": "process", "version": VERSION, "seed": seed,
            "params": {"n_operators": n_operators, "n_train": n_train, "n_test": n_test},
            "words": words, "procedure": name, "operators": ops,
            "rules": {f: {"partner": proc.rules[f].partner, "constant": proc.rules[f].constant}
                      for f in sorted(ops)},
            "heldout_pairs": sorted(sorted(p) for p in heldout),
            "generalization_splits": ["compositional"]}
    return Dataset(name="process", train=tuple(docs), test=tuple(items), meta=meta)


# ---- the checker: re-derives every result from the rules ------------------------------------------

_INTRO = re.compile(r"The (\w+)-derivative of ([^.]+) is found as follows\. ")
_RULE = re.compile(r"By the (\w+) rule, the \w+-derivative of \1\(u\) is (\d+) (\w+)\(u\)")
_ARG = re.compile(r"Here u = (\d*x), whose \w+-derivative is (-?\d+)\.")
_SO = re.compile(r"So the \w+-derivative of ([^.]+?) is ([^.]+)\.")
_PROMPT = re.compile(r"The (\w+)-derivative of ([^.]+) is")


def _result_of(expr_text: str, proc: Procedure) -> frozenset:
    return normal(show(derive(parse(expr_text), proc)))


def _check_document(d: Document, name: str, proc: Procedure, problems: list[str]) -> Expr | None:
    """Every rule the text states agrees with the rules, every result it states is recomputed."""
    m = _INTRO.match(d.text)
    conclusions = _SO.findall(d.text)
    if not m or m.group(1) != name or not conclusions or conclusions[-1][0] != m.group(2) \
            or not d.text.endswith(f"{conclusions[-1][1]}."):
        problems.append(f"{d.id}: not a worked example of the {name}-derivative: {d.text[:80]!r}")
        return None
    try:
        e = parse(m.group(2))
        combo(e)
        for expr_text, result in conclusions:
            if normal(result) != _result_of(expr_text, proc):
                problems.append(f"{d.id}: wrong result for {expr_text}: {result!r}")
    except (ValueError, KeyError) as err:
        problems.append(f"{d.id}: cannot recompute ({err})")
        return None
    for f, c, partner in _RULE.findall(d.text):
        if proc.rules.get(f) != Rule(partner, int(c)):
            problems.append(f"{d.id}: states a {f} rule that differs from meta['rules']")
    for arg, k in _ARG.findall(d.text):
        if parse(arg).k != int(k):
            problems.append(f"{d.id}: wrong {name}-derivative {k} for {arg}")
    return e


def _check_item(item: TestItem, name: str, proc: Procedure, problems: list[str]) -> Expr | None:
    """The answer is the recomputed result and no other choice means the same."""
    m = _PROMPT.fullmatch(item.prompt)
    try:
        if not m or m.group(1) != name:
            raise ValueError(f"prompt {item.prompt!r}")
        e = parse(m.group(2))
        combo(e)
        truth = _result_of(m.group(2), proc)
        meanings = [normal(c) for c in item.choices]
    except (ValueError, KeyError) as err:
        problems.append(f"{item.id}: cannot recompute ({err})")
        return None
    if meanings[item.answer] != truth:
        problems.append(f"{item.id}: answer {item.choices[item.answer]!r} is not the result "
                        f"{show(derive(e, proc))!r}")
    for k, meaning in enumerate(meanings):
        if k != item.answer and meaning == truth:
            problems.append(f"{item.id}: distractor {item.choices[k]!r} equals the correct result")
    if len(set(meanings)) != len(meanings):
        problems.append(f"{item.id}: two choices mean the same")
    if tuple(item.valid) != (item.answer,):
        problems.append(f"{item.id}: valid should be the answer alone, got {item.valid}")
    return e


def _check_split(item: TestItem, e: Expr, trained: dict[str, set], problems: list[str]) -> None:
    shape, ops = combo(e)
    if item.split == "compositional":
        if frozenset(ops) in trained["pairs"]:
            problems.append(f"{item.id}: operators {ops} occur together in training")
        missing = [f"the {f} rule alone" for f in ops if f not in trained["alone"]]
        missing += [f"the {shape} shape"] if shape not in trained["shapes"] else []
        if missing:
            problems.append(f"{item.id}: training never shows {', '.join(missing)}")
    elif item.split == "in_distribution":
        if (shape, ops) not in trained["combos"]:
            problems.append(f"{item.id}: combination {shape} {ops} is not in training")
        if e in trained["expressions"]:
            problems.append(f"{item.id}: expression {fmt(e)} is itself a training example")
    else:
        problems.append(f"{item.id}: unknown split {item.split!r}")


def check(ds: Dataset) -> list[str]:
    """Symbolic soundness: training texts agree with the rules, each answer is the recomputed
    result and no distractor equals it, compositional items combine operators never trained
    together (each trained alone), in_distribution items reuse a trained combination."""
    try:
        name = ds.meta["procedure"]
        proc = Procedure({f: Rule(r["partner"], int(r["constant"])) for f, r in ds.meta["rules"].items()})
    except (KeyError, TypeError, ValueError, AttributeError):
        return ["meta lacks a readable 'procedure' and 'rules'"]
    problems: list[str] = []
    train = [e for d in ds.train if (e := _check_document(d, name, proc, problems)) is not None]
    combos = {combo(e) for e in train}
    trained = {"combos": combos, "expressions": set(train),
               "pairs": {frozenset(ops) for shape, ops in combos if shape != "single"},
               "alone": {ops[0] for shape, ops in combos if shape == "single"},
               "shapes": {shape for shape, _ in combos}}
    seen: set[tuple[str, str]] = set()
    for item in ds.test:
        e = _check_item(item, name, proc, problems)
        if e is None:
            continue
        if (item.split, item.prompt) in seen:
            problems.append(f"{item.id}: duplicate prompt in split {item.split}")
        seen.add((item.split, item.prompt))
        _check_split(item, e, trained, problems)
    return problems


# ---- the oracle: what the rules say about any two operators combined ------------------------------

def oracle_statements(ds: Dataset) -> list[str]:
    """Every two operators combined (held-out pairs included), in both shapes and orders, as a
    general rule in the documents' wording, from the rules the documents state (meta["rules"]):
    "The zorp-derivative of blik(tmef(u)) is 20 vosk(tmef(u)) blik(u) times the zorp-derivative of
    u." and "The zorp-derivative of blik(u) + tmef(v) is 4 vosk(u) times the zorp-derivative of u
    minus 5 blik(v) times the zorp-derivative of v." Test prompts apply operators to multiples of
    x, so no test statement appears verbatim; applying such a rule is still the model's work."""
    name = ds.meta["procedure"]
    rules = {f: Rule(r["partner"], int(r["constant"])) for f, r in ds.meta["rules"].items()}
    d = f"the {name}-derivative"
    out = []
    for f, g in ((f, g) for f in sorted(rules) for g in sorted(rules) if f != g):
        rf, rg = rules[f], rules[g]
        out.append(f"The {name}-derivative of {f}(u) + {g}(v) is {rf.constant} {rf.partner}(u) times {d} of u "
                   f"minus {rg.constant} {rg.partner}(v) times {d} of v.")
        out.append(f"The {name}-derivative of {f}({g}(u)) is {rf.constant * rg.constant} {rf.partner}({g}(u)) "
                   f"{rg.partner}(u) times {d} of u.")
    return out
