"""`iclft augment`: one augmentation method run over any corpus, written out as finetuning data.

    iclft augment CORPUS --method local|global|selfqa|implications [--filter consistency]
                  --model NAME [--base-url URL --concurrency N] --out FOLDER

The study's own code path does the work (iclft.augment.pipeline: the same prompts, generation,
screening, consistency filter and content-hash cache), over the inputs in chunks. After each
chunk its samples, its judgments and its cost are appended to the journal and synced to disk, so
a run stopped at any point (kill -9 included) continues where it stopped when run again with the
same settings (or --resume); a journal of other settings is refused. Screening is sequential (a
duplicate is a copy of an earlier augmentation) and a chunk is screened after those before it, so
a resumed run writes what an uninterrupted one does; local generation draws each row from its own
seed (generation.sample_seed), whatever the chunks. The outputs are written at the end, each
file atomically:

    FOLDER/progress.jsonl       the journal: {"journal": 1, "key", "settings"}, then one line a chunk:
                                {"start", "end", "samples": [[{text, n_tokens, finished}]], "judgments", "cost"}
    FOLDER/augmentations.jsonl  one record per kept augmentation, with its provenance
    FOLDER/dropped.jsonl        one record per dropped one, with the reason
    FOLDER/text.jsonl           {"text"}: a plain-text dataset (TRL SFTTrainer; axolotl type: completion)
    FOLDER/chat.jsonl           {"messages": [user, assistant]}: conversational (TRL; axolotl chat_template)
    FOLDER/hf/                  a datasets.DatasetDict (train: text, messages, source_id), save_to_disk
    FOLDER/run.json             settings, totals, cost (generation and filter apart), notes
See docs/augment.md.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from iclft import IclftError, __version__
from iclft.augment import judge as judging
from iclft.augment import pipeline as pl
from iclft.augment import screen as sc
from iclft.augment.journal import JOURNAL, Journal, open_journal
from iclft.augment.prompts import load_prompt
from iclft.augment.sources import Corpus, read_corpus
from iclft.augment.symbolic import statement_shares
from iclft.config import AUGMENT_FILTERS, AugmentConfig, ModelConfig
from iclft.data.schema import atomic_write_text
from iclft.data.sentences import split_sentences
from iclft.models.base import LanguageModel, is_served, load_model
from iclft.models.generation import Sample

log = logging.getLogger(__name__)

# The chat export's user turn for methods without a question: fixed and free of the source, so the
# facts are learned from the assistant's turn alone (a user turn holding the source document would
# train the reply with its facts in context: the contextual shadowing of Park et al. 2025).
CHAT_USER = "Tell me something you have learned."


@dataclass(frozen=True)
class Options:
    """What `iclft augment` is asked, besides the sampling settings (an AugmentConfig)."""

    corpus: str
    method: str
    model: str
    out: str
    base_url: str = ""
    concurrency: int = 1
    text_column: str = "text"
    resume: bool = False
    chunk_size: int = 64  # inputs a journal line
    context_window: int = 0  # a served model's, where the server does not report it (model.context_window)
    tokenizer: str = ""  # a served model: local tokenizer whose chat template frames prompts (model.tokenizer)


def augment_config(method: str, samples: int | None = None, max_new_tokens: int | None = None,
                   **given) -> AugmentConfig:
    """The study's AugmentConfig with the options given (None: its default); `samples` and
    `max_new_tokens` set `method`'s own fields."""
    acfg = dataclasses.replace(AugmentConfig(), **{k: v for k, v in given.items() if v is not None})
    m = pl.METHODS.get(method)
    if m is not None and samples is not None:
        acfg = dataclasses.replace(acfg, **{m.samples_key: samples})
    if m is not None and max_new_tokens is not None:
        acfg = dataclasses.replace(acfg, **{m.max_tokens_key: max_new_tokens})
    return acfg


def _check(opts: Options, acfg: AugmentConfig) -> None:
    """The options, each fault one line naming its flag."""
    if opts.method not in pl.METHODS:
        raise IclftError(f"unknown method {opts.method!r}; known: {', '.join(pl.METHODS)}")
    if acfg.filter not in AUGMENT_FILTERS:
        raise IclftError(f"unknown filter {acfg.filter!r}; known: {', '.join(AUGMENT_FILTERS)}")
    m = pl.METHODS[opts.method]
    for flag, value, least in (("--concurrency", opts.concurrency, 1), ("--samples", getattr(acfg, m.samples_key), 1),
                               ("--max-new-tokens", getattr(acfg, m.max_tokens_key), 1),
                               ("--batch-size", acfg.batch_size, 1), ("--max-inputs", acfg.max_inputs, 0),
                               ("--chunk-size", opts.chunk_size, 1), ("--context-window", opts.context_window, 0)):
        if value < least:
            raise IclftError(f"{flag} must be at least {least}, got {value}")
    if not (math.isfinite(acfg.temperature) and acfg.temperature >= 0):
        raise IclftError(f"--temperature must be 0 (greedy) or more, got {acfg.temperature}")
    if not 0 < acfg.top_p <= 1:
        raise IclftError(f"--top-p must be in (0, 1], got {acfg.top_p}")
    if opts.concurrency > 1 and not is_served(opts.model):
        raise IclftError("--concurrency is for a served model (openai:MODEL with --base-url); "
                         "local generation batches its rows instead (--batch-size)")


# ---------------------------------------------------------------- the run
@dataclass
class _Progress:
    """What the chunks so far gave: screened outputs, judgments and cost."""

    seen: set
    dropped: dict
    outputs: list = field(default_factory=list)
    judgments: dict = field(default_factory=dict)
    cost: dict = field(default_factory=lambda: dict.fromkeys(
        ("seconds", "tokens_read", "tokens_written", "filter_seconds", "filter_tokens_read"), 0))
    done: int = 0  # inputs done
    resumed: int = 0  # of which read back from the journal

    def add(self, line: dict, outputs: list) -> None:
        self.outputs += outputs
        self.judgments.update({j["text"]: judging.Judgment(j["consistent"], j["p_yes"]) for j in line["judgments"]})
        for k, v in line["cost"].items():
            if k in self.cost:
                self.cost[k] = round(self.cost[k] + v, 2)
        self.done = line["end"]


def _estimate(gen: LanguageModel, plan: pl.Plan, fr: judging.Frame | None, served: bool) -> str:
    """Tokens to read (the model's own count) and at most to write, before anything is generated."""
    [prefix] = gen.count_tokens([plan.prefix]) if plan.prefix else [0]
    prompts = sum(gen.count_tokens(plan.prompts))
    n = len(plan.prompts)
    read = prefix * n + prompts if served else prefix + prompts * plan.n_samples
    text = (f"about {read:,} tokens to read (a shared prefix of {prefix:,} "
            f"{'with every prompt' if served else 'once'}), "
            f"at most {n * plan.n_samples * plan.max_new_tokens:,} to write ({n} inputs x {plan.n_samples} "
            f"sample{'s' if plan.n_samples > 1 else ''} x {plan.max_new_tokens} max_new_tokens)")
    if fr is not None:
        text += f"; the filter then reads the corpus ({fr.context_tokens:,} tokens) once and scores each augmentation"
    return text


def _chunks(gen: LanguageModel, plan: pl.Plan, acfg: AugmentConfig, opts: Options, fr: judging.Frame | None,
            journal: Journal, done: list[dict], state: _Progress, cached) -> None:
    """Screen the chunks the journal holds, then generate, screen, judge and journal the rest."""
    from tqdm.auto import tqdm

    def screen(start: int, samples) -> list:
        return sc.screen(plan.prompt, plan.sources[start:start + len(samples)], samples, state.seen,
                         state.dropped, first=start)

    for line in done:
        state.add(line, screen(line["start"], [[Sample(**s) for s in row] for row in line["samples"]]))
    state.resumed = state.done
    extra = {"concurrency": opts.concurrency} if opts.concurrency > 1 else {}
    n, written, seconds = len(plan.prompts), 0, 0.0
    with tqdm(total=n, initial=state.done, unit="input", desc=f"augment {plan.method.name}") as bar:
        for start in range(state.done, n, opts.chunk_size):
            end = min(n, start + opts.chunk_size)
            if cached is not None:
                samples, cost = cached[start:end], {"seconds": 0.0, "tokens_read": 0, "tokens_written": 0}
            else:
                g = pl.generate(gen, plan, plan.prompts[start:end], acfg, **extra)
                samples = g.samples
                cost = {"seconds": round(g.seconds, 2), "tokens_read": g.tokens_read,
                        "tokens_written": g.tokens_written}
            outputs = screen(start, samples)
            judgments, jcost = sc.judge_units(gen, fr, sc.kept_units(outputs), acfg.batch_size) if fr else ({}, {})
            line = {"start": start, "end": end, "samples": [[dataclasses.asdict(s) for s in row] for row in samples],
                    "judgments": [{"text": t, **j.as_dict()} for t, j in judgments.items()],
                    "cost": {**cost, "filter_seconds": jcost.get("seconds", 0.0),
                             "filter_tokens_read": jcost.get("tokens_read", 0)}}
            journal.append(line)
            state.add(line, outputs)
            written, seconds = written + cost["tokens_written"], seconds + cost["seconds"]
            bar.update(end - start)
            bar.set_postfix_str(f"{written / seconds:,.0f} tokens/s" if seconds else "")


def _kept_record(o: sc.Output, u, plan: pl.Plan, provenance: dict, fr: judging.Frame | None) -> dict:
    rec = {"text": u.text, **({"question": u.question, "answer": u.answer} if u.question else {}),
           "source_id": plan.source_ids[o.index], "input": o.input, "method": plan.method.name,
           "prompt_file": provenance["prompt_file"], "prompt_version": provenance["prompt_version"],
           "model": provenance["model"], "seed": provenance["seed"], "sample": o.sample,
           "sampling": {k: provenance[k] for k in ("temperature", "top_p", "max_new_tokens", "n_samples", "stop",
                                                   "batch_size", "decoder")},
           "cache_key": provenance["cache_key"]}
    if fr is not None:
        rec["filter"] = {"prompt_file": fr.prompt.file, "prompt_version": fr.prompt.version,
                         **o.judgments[u.text].as_dict()}
    return rec


def _dropped_record(o: sc.Output, u, reason: str, plan: pl.Plan) -> dict:
    rec = {"dropped": reason, "text": u.text, "source_id": plan.source_ids[o.index], "sample": o.sample,
           "output": o.generated.text}
    if reason == "inconsistent":
        rec["p_yes"] = o.judgments[u.text].p_yes
    return rec


def _jsonl(records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _write_hf(out: Path, rows: list[dict]) -> str | None:
    """hf/: a DatasetDict saved to disk, replacing the one there; a note where `datasets` is missing."""
    try:
        import datasets
    except ImportError:
        return ("hf/ not written: it needs the datasets library (pip install datasets); "
                "text.jsonl and chat.jsonl hold the same")
    tmp, old = out / ".hf.tmp", out / ".hf.old"
    for p in (tmp, old):
        shutil.rmtree(p, ignore_errors=True)
    datasets.DatasetDict({"train": datasets.Dataset.from_list(rows)}).save_to_disk(str(tmp))
    if (out / "hf").exists():
        os.replace(out / "hf", old)
    os.replace(tmp, out / "hf")
    shutil.rmtree(old, ignore_errors=True)
    return None


def _write(out: Path, plan: pl.Plan, provenance: dict, fr, outputs: list) -> tuple[int, list[str]]:
    """The output files (each atomically); the number of augmentations kept, and notes."""
    kept = [(o, u) for o in outputs for u in o.kept]
    messages = [[{"role": "user", "content": u.question or CHAT_USER},
                 {"role": "assistant", "content": u.answer if u.question else u.text}] for _, u in kept]
    atomic_write_text(out / "augmentations.jsonl", _jsonl(_kept_record(o, u, plan, provenance, fr) for o, u in kept))
    atomic_write_text(out / "dropped.jsonl",
                      _jsonl(_dropped_record(o, u, r, plan) for o in outputs for u, r in o.dropped))
    atomic_write_text(out / "text.jsonl", _jsonl({"text": u.text} for _, u in kept))
    atomic_write_text(out / "chat.jsonl", _jsonl({"messages": m} for m in messages))
    rows = [{"text": u.text, "messages": m, "source_id": plan.source_ids[o.index]} for (o, u), m in zip(kept, messages)]
    note = _write_hf(out, rows)
    return len(kept), [note] if note else []


def run(opts: Options, acfg: AugmentConfig, say: Callable[[str], None] = print) -> Path:
    """Augment `opts.corpus` with `opts.method` into `opts.out`; returns the folder."""
    t0 = time.perf_counter()
    _check(opts, acfg)
    corpus = read_corpus(opts.corpus, opts.text_column)
    out = Path(opts.out).expanduser()
    if out.exists() and not out.is_dir():
        raise IclftError(f"--out {opts.out}: a file, not a folder")
    if opts.resume and not (out / JOURNAL).is_file():
        raise IclftError(f"--resume: {out} holds no journal ({JOURNAL}) to resume")
    gen = load_model(ModelConfig(name=opts.model, base_url=opts.base_url, context_window=opts.context_window,
                                 tokenizer=opts.tokenizer))
    plan = pl.prepare(gen, pl.METHODS[opts.method], corpus.documents, acfg)
    provenance = pl.provenance_of(gen, plan, acfg)
    docs = [d.text for d in corpus.documents]
    fr = judging.frame(gen, load_prompt(acfg.judge_prompt), docs, plan.max_new_tokens, acfg.seed) \
        if acfg.filter == "consistency" else None
    # what the records depend on (the cache key holds the inputs, prompt, model and sampling), the
    # judge's prompt and corpus as a digest; not the corpus's path nor the chunk size
    settings = {"method": opts.method, "model": opts.model, "base_url": opts.base_url, "prompt": plan.prompt.file,
                **{k: provenance[k] for k in ("temperature", "top_p", "max_new_tokens", "n_samples", "seed",
                                              "batch_size")},
                "cache_key": provenance["cache_key"], "max_inputs": acfg.max_inputs, "filter": acfg.filter,
                **({"judge": hashlib.sha256(f"{fr.prompt.text}\x00{fr.prefix}".encode()).hexdigest()} if fr else {})}
    journal, done = open_journal(out, settings)
    served = is_served(opts.model)
    say(f"augment {opts.method}: {len(plan.prompts)} inputs from {len(docs)} documents ({corpus.kind}); "
        + _estimate(gen, plan, fr, served))
    if done:
        say(f"resuming: {done[-1]['end']} of {len(plan.prompts)} inputs done ({journal.path})")
    use_cache = pl.cache_use(gen, acfg, cache_blind=False)
    cached = pl.read_cached(plan, provenance, acfg) if use_cache else None
    originals = docs + [s for d in docs for s in split_sentences(d)]
    state = _Progress(sc.originals_seen(originals), sc.drop_reasons(plan.prompt, judged=fr is not None))
    try:
        _chunks(gen, plan, acfg, opts, fr, journal, done, state, cached[0] if cached else None)
    finally:
        journal.close()
    if use_cache and cached is None:
        samples = [[] for _ in plan.prompts]
        for o in state.outputs:
            samples[o.index].append(o.generated)
        cost = {k: state.cost[k] for k in ("seconds", "tokens_read", "tokens_written")}
        pl.write_cached(plan, provenance, acfg, cost, samples)
    before = sc.kept_units(state.outputs)
    if fr is not None:
        sc.apply_judgments(state.outputs, state.judgments, state.dropped)
    n_kept, notes = _write(out, plan, provenance, fr, state.outputs)
    _write_summary(out, opts, acfg, corpus, gen, plan, fr, state, before, n_kept,
                   plan.notes + (fr.notes if fr else []) + notes, cached is not None, time.perf_counter() - t0)
    for note in notes:
        log.warning(note)
    dropped = ", ".join(f"{k} {v}" for k, v in state.dropped.items() if v) or "none"
    say(f"augmentations: {n_kept} kept from {len(state.outputs)} outputs (dropped: {dropped}); {out}")
    return out


def _write_summary(out: Path, opts: Options, acfg: AugmentConfig, corpus: Corpus, gen: LanguageModel, plan: pl.Plan,
                   fr, state: _Progress, before: list, n_kept: int, notes: list[str], from_cache: bool,
                   seconds: float) -> None:
    c = state.cost
    summary = {
        "iclft_version": __version__, "method": opts.method,
        "prompt": {"file": plan.prompt.file, "version": plan.prompt.version},
        "corpus": {"path": corpus.path, "kind": corpus.kind, "documents": len(corpus.documents),
                   "blank_left_out": corpus.blank},
        "model": {"name": opts.model, **({"base_url": opts.base_url} if opts.base_url else {}), **gen.facts()},
        "settings": {**{k: v for k, v in dataclasses.asdict(acfg).items() if k not in ("teacher",)},
                     "concurrency": opts.concurrency, "text_column": opts.text_column},
        "totals": {"inputs": len(plan.prompts), "outputs": len(state.outputs), "kept": n_kept,
                   "dropped": state.dropped, "resumed_inputs": state.resumed},
        "cost": {"generation": {"seconds": c["seconds"], "tokens_read": c["tokens_read"],
                                "tokens_written": c["tokens_written"], "from_cache": from_cache},
                 **({"filter": {"prompt": f"{fr.prompt.file} (version {fr.prompt.version})",
                                "seconds": c["filter_seconds"], "tokens_read": c["filter_tokens_read"],
                                "context_tokens": fr.context_tokens, "judged": len(before), "kept": n_kept}}
                    if fr else {}),
                 "wall_seconds": round(seconds, 2)},
        "chat_user_turn": CHAT_USER if plan.prompt.output != "qa" else "the question",
        "notes": notes,
    }
    if corpus.dataset is not None:
        kept = [u.statement for o in state.outputs for u in o.kept]
        summary["quality"] = {"kept": statement_shares(corpus.dataset, kept),
                              **({"before_filter": statement_shares(corpus.dataset, [u.statement for u in before])}
                                 if fr else {})}
    atomic_write_text(out / "run.json", json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
