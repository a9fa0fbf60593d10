"""Screening generated outputs: the augmentations read from each output (the prompt's parser), kept
or dropped with a reason, and the consistency filter's judgments applied. Shared by the study
(iclft.augment.pipeline) and `iclft augment` (iclft.augment.tool), which screens in chunks.

    reasons to drop   truncated (hit max_new_tokens), empty, unanswered / unasked (half a
                      question-answer pair), duplicate (a verbatim copy, white space normalised, of
                      a training document or sentence or of an augmentation kept before),
                      inconsistent (judged false by the consistency filter)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from iclft.augment import judge as judging
from iclft.augment.prompts import PromptTemplate, Unit
from iclft.models import generation
from iclft.models.base import LanguageModel


@dataclass
class Output:
    """One generated output and what became of the augmentations in it."""

    input: str
    sample: int
    generated: generation.Sample
    index: int = 0  # the input's place among the plan's inputs
    kept: list[Unit] = field(default_factory=list)
    dropped: list[tuple[Unit, str]] = field(default_factory=list)  # (unit, reason)
    judgments: dict[str, judging.Judgment] = field(default_factory=dict)  # unit text -> judgment


def _units(prompt: PromptTemplate, s: generation.Sample) -> list[tuple[Unit, str | None]]:
    """The augmentations in one output, each with the reason to drop it (None: keep so far)."""
    if not s.finished:
        return [(Unit(s.text), "truncated")]
    units = prompt.units(s.text)
    if not any(u.text for u in units):
        return [(Unit(""), "empty")]  # an output with nothing in it counts once
    return [(u, u.problem or (None if u.text else "empty")) for u in units]


def drop_reasons(prompt: PromptTemplate, judged: bool = False) -> dict[str, int]:
    """Dropped counts by reason, every reason the prompt's output kind can give at 0."""
    reasons = ["truncated", "empty", "duplicate"] + (["unanswered", "unasked"] if prompt.output == "qa" else [])
    return dict.fromkeys(reasons + (["inconsistent"] if judged else []), 0)


def originals_seen(originals: Sequence[str]) -> set[str]:
    """The texts an augmentation must not repeat, white space normalised."""
    return {" ".join(o.split()) for o in originals}


def screen(prompt: PromptTemplate, inputs: Sequence[str], samples: Sequence[Sequence[generation.Sample]],
           seen: set[str], dropped: dict[str, int], first: int = 0) -> list[Output]:
    """Every output with its units kept or dropped (truncated, empty, unpaired, duplicate). `seen`
    (the originals and the units kept before) grows with each unit kept, so that screening the
    inputs in chunks, in order, gives what screening them at once does; `first`: the place of the
    first of `inputs` among all."""
    outputs = []
    for i, (text_in, row) in enumerate(zip(inputs, samples), first):
        for k, s in enumerate(row):
            o = Output(text_in, k, s, i)
            for unit, reason in _units(prompt, s):
                reason = reason or ("duplicate" if unit.text in seen else None)
                if reason:
                    o.dropped.append((unit, reason))
                    dropped[reason] = dropped.get(reason, 0) + 1
                else:
                    seen.add(unit.text)
                    o.kept.append(unit)
            outputs.append(o)
    return outputs


def kept_units(outputs: Sequence[Output]) -> list[Unit]:
    return [u for o in outputs for u in o.kept]


def apply_judgments(outputs: Sequence[Output], judgments: dict[str, judging.Judgment], dropped: dict[str, int]) -> None:
    """Move the units judged inconsistent from kept to dropped; every output keeps its units' judgments."""
    for o in outputs:
        o.judgments = {u.text: judgments[u.text] for u in o.kept}
        inconsistent = [u for u in o.kept if not judgments[u.text].consistent]
        o.kept = [u for u in o.kept if judgments[u.text].consistent]
        o.dropped += [(u, "inconsistent") for u in inconsistent]
        dropped["inconsistent"] = dropped.get("inconsistent", 0) + len(inconsistent)


def judge_units(gen: LanguageModel, fr: judging.Frame, units: Sequence[Unit],
                batch_size: int) -> tuple[dict[str, judging.Judgment], dict]:
    """Judgments by unit text (each distinct statement scored once), and their cost."""
    statements = list(dict.fromkeys(u.statement for u in units))
    found, cost = judging.judge(gen, fr, statements, batch_size)
    by_statement = dict(zip(statements, found))
    return {u.text: by_statement[u.statement] for u in units}, cost


def record(o: Output, provenance: dict) -> dict:
    """One line of the run's augment/DATASET__CONDITION.jsonl."""
    rec = {"input": o.input, "sample": o.sample, "output": o.generated.text, "n_tokens": o.generated.n_tokens,
           "finished": o.generated.finished, "kept": [u.text for u in o.kept],
           "dropped": [{"text": u.text, "reason": r,
                        **({"p_yes": o.judgments[u.text].p_yes} if r == "inconsistent" else {})} for u, r in o.dropped],
           "provenance": provenance}
    if any(u.question for u in o.kept):
        rec["pairs"] = [{"question": u.question, "answer": u.answer} for u in o.kept]
    if o.judgments:
        rec["judgments"] = [{"text": t, **j.as_dict()} for t, j in o.judgments.items()]
    return rec
