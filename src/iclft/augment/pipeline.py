"""Augmentation methods: prompts in, filtered augmentations (with provenance and cost) out. One code
path per method, shared by the study's conditions (`augment`) and `iclft augment` (iclft.augment.tool).

    local         for every distinct training sentence: the few-shot prompt iclft/prompts/local_v1.txt,
                  then the sentence; the model writes a rephrasing and a reversal (one augmentation a line)
    global        the training corpus in context (a seeded subsample when it does not fit the window),
                  then one document; the model writes inferences linking it to the rest of the corpus,
                  one augmentation (a short reasoning trace) per output; done for every document
    selfqa        for every document: questions it answers, with their answers (selfqa_v1.txt); each
                  pair one augmentation, finetuned on as "Q: question A: answer"
    implications  for every document: statements that follow from it, one a line (implications_v1.txt)
`augment.max_inputs` limits any of them to a seeded sample of sentences or documents (noted in the run).

The writer is the model being studied, or `augment.teacher` when one is named. Generations are read
from the content-hash cache when present (store.py). The filter then drops outputs that are
truncated (hit max_new_tokens), empty, unpaired (a question without an answer, or the reverse), or
verbatim duplicates of a training document, a training sentence or an earlier kept augmentation;
with `augment.filter: consistency` the writer then judges every augmentation left with the corpus
in context (judge.py) and finetuning keeps those it judges true. Every output is recorded with its verdict.
"""
from __future__ import annotations

import dataclasses
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Sequence

from iclft.augment import judge as judging
from iclft.augment import store
from iclft.augment.prompts import PromptTemplate, load_prompt
from iclft.augment.screen import (Output, apply_judgments, drop_reasons, judge_units, kept_units, originals_seen,
                                  record, screen)
from iclft.augment.symbolic import statement_shares
from iclft.data.sentences import split_sentences
from iclft.eval.frame import fit_prefix
from iclft.models import generation
from iclft.models.base import LanguageModel, follows_weights, is_served, load_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Method:
    name: str
    slot: str  # what one input is, and the prompt's placeholder for it: "sentence" or "document"
    corpus: bool  # whether the whole corpus fills the prompt's {corpus}, in the shared prefix
    prompt_key: str  # the AugmentConfig fields that set it
    samples_key: str
    max_tokens_key: str


METHODS = {m.name: m for m in (
    Method("local", "sentence", False, "local_prompt", "samples_per_sentence", "local_max_new_tokens"),
    Method("global", "document", True, "global_prompt", "samples_per_document", "global_max_new_tokens"),
    Method("selfqa", "document", False, "selfqa_prompt", "samples_per_document", "selfqa_max_new_tokens"),
    Method("implications", "document", False, "implications_prompt", "samples_per_document",
           "implications_max_new_tokens"),
)}


@dataclass
class Plan:
    """What a method will ask the writer: the shared prefix, then one prompt per input."""

    method: Method
    prompt: PromptTemplate
    sources: list[str]  # per input: the sentence or document it is about
    source_ids: list[str]  # per input: the document it comes from (for a sentence, the first holding it)
    prefix: str
    prompts: list[str]
    n_samples: int
    max_new_tokens: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Augmentation:
    texts: list[str]  # kept augmentations, ready to finetune on
    records: list[dict]  # one per generated output, with its verdict and provenance (the run's JSONL)
    cost: dict
    notes: list[str] = field(default_factory=list)


def writer(model: LanguageModel, cfg) -> LanguageModel:
    """The model that writes the augmentations: `augment.teacher` when one is named; else the studied
    model (`model.name`), which is `model` itself unless finetuning trains other weights
    (`finetune.model`, e.g. local weights beside a served model.name)."""
    name = cfg.augment.teacher or (cfg.model.name if cfg.finetune.model else None)
    if name is None:
        return model
    return load_model(dataclasses.replace(cfg.model, name=name,
                                          base_url=cfg.model.base_url if is_served(name) else None))


def sample_inputs(items: list, limit: int, seed: int, what: str) -> tuple[list, list[str]]:
    """All items, or a seeded sample of `limit` in their original order; notes say which."""
    if not limit or len(items) <= limit:
        return items, []
    keep = set(random.Random(f"augment-inputs:{seed}").sample(range(len(items)), limit))
    note = f"augment: {limit} of {len(items)} {what} augmented (augment.max_inputs, seeded sample, seed {seed})"
    return [x for i, x in enumerate(items) if i in keep], [note]


def fit_corpus(gen: LanguageModel, prompt: PromptTemplate, docs: list[str], budget: int,
               seed: int) -> tuple[str, list[str]]:
    """The prompt prefix with the whole corpus, or with the largest seeded subsample that fits
    `budget` tokens; notes say what was left out."""
    return fit_prefix(gen, docs, lambda kept: prompt.split("document", corpus="\n\n".join(kept))[0], budget,
                      "augment global", "augment-global-subsample", seed)


def prepare(gen: LanguageModel, method: Method, docs: Sequence, acfg) -> Plan:
    """The prompts `method` sends for `docs` (each with .id and .text): for local every distinct
    sentence, else every document (a seeded sample of them with augment.max_inputs)."""
    prompt = load_prompt(getattr(acfg, method.prompt_key))
    if method.slot == "sentence":
        first = {}
        for d in docs:
            for s in split_sentences(d.text):
                first.setdefault(s, d.id)
        pairs, what = list(first.items()), "distinct sentences"
    else:
        pairs, what = [(d.text, d.id) for d in docs], "documents"
    pairs, notes = sample_inputs(pairs, acfg.max_inputs, acfg.seed, what)
    max_new_tokens = getattr(acfg, method.max_tokens_key)
    if method.corpus:
        template = prompt.split(method.slot, corpus="")[1]
        prompts = [template.format(**{method.slot: s}) for s, _ in pairs]
        longest = max(gen.count_tokens(prompts))
        budget = gen.max_length - longest - max_new_tokens - 8  # 8: tokenization boundary slack
        prefix, fit_notes = fit_corpus(gen, prompt, [d.text for d in docs], budget, acfg.seed)
        notes += fit_notes
    else:
        prefix, template = prompt.split(method.slot)
        prompts = [template.format(**{method.slot: s}) for s, _ in pairs]
    return Plan(method, prompt, [s for s, _ in pairs], [i for _, i in pairs], prefix, prompts,
                getattr(acfg, method.samples_key), max_new_tokens, notes)


def provenance_of(gen: LanguageModel, plan: Plan, acfg) -> dict:
    """What the outputs depend on, with the content-hash key of it all (`cache_key`)."""
    prompt = plan.prompt
    provenance = {"prompt_file": prompt.file, "prompt_version": prompt.version, "model": gen.identity(),
                  "temperature": acfg.temperature, "top_p": acfg.top_p, "max_new_tokens": plan.max_new_tokens,
                  "n_samples": plan.n_samples, "batch_size": acfg.batch_size, "seed": acfg.seed,
                  "stop": list(prompt.stop), "decoder": generation.DECODER}
    key = store.content_key({**provenance, "prompt_text": prompt.text, "prefix": plan.prefix, "inputs": plan.prompts})
    return {**provenance, "cache_key": key}


def cache_use(gen: LanguageModel, acfg, cache_blind: bool) -> bool:
    """Whether to read and write the cache: a served writer without a fingerprint of its weights is
    not cached unless `cache_blind` (model.cache_without_fingerprint): its entries would outlive a
    change of weights."""
    identity = gen.identity()
    use = acfg.use_cache and (cache_blind or follows_weights(identity))
    if acfg.use_cache and not use:
        log.warning("augment: %s gives no fingerprint of the weights of %r: its augmentations are generated "
                    "afresh, not cached (model.cache_without_fingerprint=true caches them)",
                    identity.get("base_url"), identity.get("model"))
    return use


def read_cached(plan: Plan, provenance: dict, acfg) -> tuple[list[list[generation.Sample]], dict] | None:
    path = store.cache_file(acfg.cache_dir, plan.prompt.name, provenance["cache_key"])
    cached = store.read_cache(path, provenance["cache_key"])
    if cached is not None and len(cached[0]) != len(plan.prompts):
        log.warning("augment: cache entry %s holds %d rows for %d inputs: generating again",
                    path, len(cached[0]), len(plan.prompts))
        return None
    if cached is not None:
        log.info("augment: %d inputs read from the cache %s", len(plan.prompts), path)
    return cached


def write_cached(plan: Plan, provenance: dict, acfg, cost: dict, samples: list[list[generation.Sample]]) -> None:
    path = store.cache_file(acfg.cache_dir, plan.prompt.name, provenance["cache_key"])
    try:
        store.write_cache(path, provenance["cache_key"], provenance, cost, samples)
    except OSError as e:  # disk full, read-only: the run keeps what was generated
        log.warning("augment: could not write the cache entry %s (%s): kept in the run only", path, e)


def generate(gen: LanguageModel, plan: Plan, prompts: Sequence[str], acfg, progress: str | None = None,
             **extra) -> generation.Generations:
    """The writer's samples for `prompts` (all of the plan's, or a chunk of them)."""
    return gen.generate(list(prompts), prefix=plan.prefix, max_new_tokens=plan.max_new_tokens,
                        temperature=acfg.temperature, top_p=acfg.top_p, seed=acfg.seed, stop=plan.prompt.stop,
                        n_samples=plan.n_samples, batch_size=acfg.batch_size, progress=progress, **extra)


def _generate(gen: LanguageModel, plan: Plan, acfg, progress: str,
              cache_blind: bool = False) -> tuple[list[list[generation.Sample]], dict, dict]:
    """Samples for every input (from the cache when it has them), their cost, and their provenance."""
    provenance = provenance_of(gen, plan, acfg)
    use_cache = cache_use(gen, acfg, cache_blind)
    cached = read_cached(plan, provenance, acfg) if use_cache else None
    if cached is not None:
        samples, cost = cached
        return samples, {**cost, "from_cache": True}, provenance
    g = generate(gen, plan, plan.prompts, acfg, progress)
    cost = {"seconds": round(g.seconds, 2), "tokens_read": g.tokens_read, "tokens_written": g.tokens_written}
    if use_cache:
        write_cached(plan, provenance, acfg, cost, g.samples)
    return g.samples, {**cost, "from_cache": False}, provenance


def filter_outputs(prompt: PromptTemplate, inputs: list[str], samples: list[list[generation.Sample]],
                   originals: list[str], provenance: dict) -> tuple[list[str], list[dict], dict[str, int]]:
    """(kept augmentations, one record per output, dropped counts by reason). Duplicates are
    verbatim (white space normalised) copies of an original or of an augmentation kept before."""
    dropped = drop_reasons(prompt)
    outputs = screen(prompt, inputs, samples, originals_seen(originals), dropped)
    return [u.text for u in kept_units(outputs)], [record(o, provenance) for o in outputs], dropped


def _shares_text(q: dict) -> str:
    return f"entail {q['entailed']:.0%}, contradict {q['contradicted']:.0%}, neither {q['other']:.0%}"


def _quality_note(ds, prompt: PromptTemplate, n_outputs: int, kept: list[str], quality: dict | None,
                  filtered: dict | None = None) -> str:
    note = f"augment {prompt.name}: {ds.name}: {len(kept)} augmentations kept from {n_outputs} outputs"
    if quality:
        note += f"; of their {quality['n_statements']} statements the training facts {_shares_text(quality)}"
    if filtered:
        note += f"; the consistency filter ({filtered['augment_filter']}) kept {filtered['augment_filter_kept']} " \
                f"of {filtered['augment_filter_judged']}"
        before = filtered.get("augment_quality_before_filter")
        if before:
            note += f" (before it the training facts {_shares_text(before)})"
    return note


def _filter_study(gen: LanguageModel, ds, plan: Plan, outputs: list[Output], dropped: dict, acfg) -> dict:
    """The consistency filter on a study's augmentations; its cost and the quality before it."""
    units = kept_units(outputs)
    fr = judging.frame(gen, load_prompt(acfg.judge_prompt), [d.text for d in ds.train], plan.max_new_tokens,
                       acfg.seed)
    judgments, cost = judge_units(gen, fr, units, acfg.batch_size)
    apply_judgments(outputs, judgments, dropped)
    return {"augment_filter": fr.label, "augment_filter_judged": len(units),
            "augment_filter_kept": len(kept_units(outputs)), "augment_filter_seconds": cost["seconds"],
            "augment_filter_tokens_read": cost["tokens_read"], "augment_filter_context_tokens": fr.context_tokens,
            "augment_quality_before_filter": statement_shares(ds, [u.statement for u in units]),
            "notes": fr.notes}


def augment(model: LanguageModel, ds, cfg, method: str) -> Augmentation:
    """The augmentations `method` writes for the training set of `ds`, filtered, with their cost
    and notes (augment.filter: consistency judges them too)."""
    t0 = time.perf_counter()
    acfg, gen = cfg.augment, writer(model, cfg)
    plan = prepare(gen, METHODS[method], ds.train, acfg)
    samples, gen_cost, provenance = _generate(gen, plan, acfg, f"{ds.name} augment {method}",
                                              cfg.model.cache_without_fingerprint)
    originals = [d.text for d in ds.train] + [s for d in ds.train for s in split_sentences(d.text)]
    dropped = drop_reasons(plan.prompt, judged=acfg.filter == "consistency")
    outputs = screen(plan.prompt, plan.sources, samples, originals_seen(originals), dropped)
    filtered = _filter_study(gen, ds, plan, outputs, dropped, acfg) if acfg.filter == "consistency" else {}
    filter_notes = filtered.pop("notes", [])
    kept = kept_units(outputs)
    quality = statement_shares(ds, [u.statement for u in kept])
    n_outputs = sum(len(r) for r in samples)
    cost = {"augment_model": gen.facts()["label"],
            "augment_prompt": f"{plan.prompt.name} (version {plan.prompt.version})",
            "augment_from_cache": gen_cost["from_cache"], "augment_seconds": gen_cost.get("seconds"),
            "augment_tokens_read": gen_cost.get("tokens_read"),
            "augment_tokens_written": gen_cost.get("tokens_written"),
            "augment_seconds_this_run": round(time.perf_counter() - t0, 2), "augment_inputs": len(plan.sources),
            "augment_outputs": n_outputs, "augment_kept": len(kept), "augment_dropped": dropped,
            "augment_quality": quality, **filtered}
    if plan.method.corpus:
        cost["augment_context_tokens"] = gen.count_tokens([plan.prefix])[0]
    texts = [u.text for u in kept]
    note = _quality_note(ds, plan.prompt, n_outputs, texts, quality, filtered)
    return Augmentation(texts, [record(o, provenance) for o in outputs], cost, [note] + plan.notes + filter_notes)


def augment_local(model: LanguageModel, ds, cfg) -> Augmentation:
    """Rephrasings and reversals of every distinct training sentence."""
    return augment(model, ds, cfg, "local")


def augment_global(model: LanguageModel, ds, cfg) -> Augmentation:
    """Inferences linking each training document to the rest of the corpus, the corpus in context."""
    return augment(model, ds, cfg, "global")
