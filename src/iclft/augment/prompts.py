"""Augmentation prompts: readable, versioned text files in `iclft/prompts/`.

A prompt file is the prompt text after a header of "# " lines. Header lines of the form
"# key: value" set:
    version  the prompt's version, recorded with every augmentation (a new wording gets a new
             file, local_v2.txt, so old runs stay reproducible)
    output   "lines": each output line is one augmentation; "text": the whole output is one
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


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # file name without .txt
    version: str
    text: str  # the prompt, header removed
    output: str  # "lines" or "text"
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

    def outputs(self, generated: str) -> list[str]:
        """The augmentations in one generated text: its lines, labels removed, or the whole text."""
        if self.output == "text":
            return [" ".join(generated.split())]
        label = re.compile(rf"^\s*(?:{'|'.join(map(re.escape, self.labels))}):\s*") if self.labels else None
        lines = [label.sub("", line) if label else line for line in generated.splitlines()]
        return [" ".join(line.split()) for line in lines]


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
    if "version" not in header or header.get("output", "text") not in ("lines", "text"):
        raise IclftError(f"iclft/prompts/{name}.txt: the header needs '# version: N' and output lines or text")
    labels = tuple(x.strip() for x in header.get("labels", "").split(",") if x.strip())
    text = "".join(lines[n_header:]).rstrip("\n")  # the file's last newline would start the output
    return PromptTemplate(name, header["version"], text, header.get("output", "text"), labels, stop)
