"""Augmentation prompts: readable, versioned text files in `iclft/prompts/`.

A prompt file is the prompt text after a header of "# " lines. Header lines of the form
"# key: value" set:
    version  the prompt's version, recorded with every augmentation (a new wording gets a new
             file, local_v2.txt, so old runs stay reproducible)
    output   "lines": each output line is one augmentation; "text": the whole output is one;
             "qa": question-answer pairs, the output continuing the prompt's last "Q:" line, then
             lines "A: ...", "Q: ...", ... (a line without a label continues the one before); each
             pair is one augmentation, finetuned on as "Q: question A: answer"
    labels   comma-separated line labels to remove from outputs ("Reversal: ...")
    stop     a JSON list of strings that end an output
The one placeholder written per item ({sentence} or {document}) splits the text: everything before
the line holding it is the shared prefix (its key/value cache is computed once), the rest is the
per-item prompt. Other placeholders ({corpus}) are filled once, in the prefix. The prompt ends
where the file's text ends (trailing newlines removed): the model continues "Rephrasing:" on the
same line.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from iclft import IclftError


def prompt_names() -> list[str]:
    return sorted(p.name[:-4] for p in resources.files("iclft.prompts").iterdir() if p.name.endswith(".txt"))


OUTPUTS = ("lines", "text", "qa")
_QA_LINE = re.compile(r"^\s*(Q|A):\s*(.*)$")


@dataclass(frozen=True)
class Unit:
    """One augmentation read from a generated output."""

    text: str  # what is finetuned on, white space normalised
    question: str = ""  # a question-answer pair's parts ("" for other outputs)
    answer: str = ""
    problem: str = ""  # why it cannot be used: "unanswered" (a question alone), "unasked" (an answer alone); or ""

    @property
    def statement(self) -> str:
        """What the symbolic checker and the consistency filter judge: a pair's answer (the fact it
        states; the question may presuppose, not state), else the text."""
        return self.answer if self.question else self.text


def qa_text(question: str, answer: str) -> str:
    """A pair as finetuning text: labelled, so the question is not learned as a statement, and in
    the order the prompt and a chat turn put them."""
    return f"Q: {question} A: {answer}"


def _qa_units(generated: str) -> list[Unit]:
    """Question-answer pairs from an output that continues a "Q:" line."""
    fields: list[list[str]] = []  # [label, text] in order
    for k, line in enumerate(generated.splitlines()):
        m = _QA_LINE.match(line)
        if m:
            fields.append([m.group(1), m.group(2)])
        elif k == 0:
            fields.append(["Q", line])
        elif fields:
            fields[-1][1] += " " + line
    out = []
    for i, (label, text) in enumerate(fields):
        text = " ".join(text.split())
        if label == "A":
            if i == 0 or fields[i - 1][0] != "Q":
                out.append(Unit(f"A: {text}", problem="unasked"))
            continue  # else taken with its question
        answer = fields[i + 1][1] if i + 1 < len(fields) and fields[i + 1][0] == "A" else ""
        answer = " ".join(answer.split())
        if not text:
            out.append(Unit(""))
        elif not answer:
            out.append(Unit(f"Q: {text}", problem="unanswered"))
        else:
            out.append(Unit(qa_text(text, answer), text, answer))
    return out


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # file name without .txt
    version: str
    text: str  # the prompt, header removed
    output: str  # "lines", "text" or "qa"
    labels: tuple[str, ...]
    stop: tuple[str, ...]

    @property
    def file(self) -> str:
        return f"iclft/prompts/{self.name}.txt"

    def split(self, item_slot: str, **fill: str) -> tuple[str, str]:
        """(prefix, per-item template): the prefix filled with `fill`, the template still holding
        `{item_slot}`."""
        marker = "{" + item_slot + "}"
        at = self.text.find(marker)
        if at < 0:
            raise IclftError(f"{self.file}: the prompt has no {marker} placeholder")
        line_start = self.text.rfind("\n", 0, at) + 1
        prefix, item = self.text[:line_start], self.text[line_start:]
        return prefix.format(**fill), item

    def units(self, generated: str) -> list[Unit]:
        """The augmentations in one generated text: its lines, labels removed; the whole text; or
        its question-answer pairs."""
        if self.output == "text":
            return [Unit(" ".join(generated.split()))]
        if self.output == "qa":
            return _qa_units(generated)
        label = re.compile(rf"^\s*(?:{'|'.join(map(re.escape, self.labels))}):\s*") if self.labels else None
        lines = [label.sub("", line) if label else line for line in generated.splitlines()]
        return [Unit(" ".join(line.split())) for line in lines]


def load_prompt(name: str) -> PromptTemplate:
    if name not in prompt_names():
        raise IclftError(f"unknown augmentation prompt {name!r}; known: {', '.join(prompt_names())}")
    raw = resources.files("iclft.prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8")
    lines = raw.splitlines(keepends=True)
    n_header = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    header = {}
    for line in lines[:n_header]:
        m = re.match(r"# (version|output|labels|stop): (.*)", line.rstrip("\n"))
        if m:
            header[m.group(1)] = m.group(2).strip()
    try:
        stop = tuple(json.loads(header.get("stop", "[]")))
    except json.JSONDecodeError:
        raise IclftError(f"iclft/prompts/{name}.txt: the stop header is not a JSON list of strings") from None
    if "version" not in header or header.get("output", "text") not in OUTPUTS:
        raise IclftError(f"iclft/prompts/{name}.txt: the header needs '# version: N' and output lines, text or qa")
    labels = tuple(x.strip() for x in header.get("labels", "").split(",") if x.strip())
    text = "".join(lines[n_header:]).rstrip("\n")  # the file's last newline would start the output
    return PromptTemplate(name, header["version"], text, header.get("output", "text"), labels, stop)
