"""Local and global augmentation: prompts in, filtered augmentations (with provenance and cost) out.

    local   for every distinct training sentence: the few-shot prompt iclft/prompts/local_v1.txt,
            then the sentence; the model writes a rephrasing and a reversal (one augmentation a line)
    global  the training corpus in context (a seeded subsample when it does not fit the window),
            then one document; the model writes inferences linking it to the rest of the corpus,
            one augmentation (a short reasoning trace) per output; done for every document
`augment.max_inputs` limits either to a seeded sample of sentences or documents (noted in the run).

The writer is the model being studied, or `augment.teacher` when one is named. Generations are read
from the content-hash cache when present (store.py). The filter then drops outputs that are
truncated (hit max_new_tokens), empty, or verbatim duplicates of a training document, a training
sentence or an earlier kept augmentation; every output is recorded with its verdict.
"""
from __future__ import annotations

import dataclasses
import logging
import random
import time
from dataclasses import dataclass, field

from iclft.augment import store
from iclft.augment.prompts import PromptTemplate, load_prompt
from iclft.augment.symbolic import statement_shares
from iclft.data.sentences import split_sentences
from iclft.eval.frame import fit_prefix
from iclft.models import generation
from iclft.models.base import LanguageModel, follows_weights, is_served, load_model

log = logging.getLogger(__name__)


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


def _generate(gen: LanguageModel, prompt: PromptTemplate, prefix: str, items: list[str], n_samples: int,
              max_new_tokens: int, acfg, progress: str,
              cache_blind: bool = False) -> tuple[list[list[generation.Sample]], dict, dict]:
    """Samples for every item (from the cache when it has them), their cost, and their provenance.
    A served writer without a fingerprint of its weights is not cached unless `cache_blind`
    (model.cache_without_fingerprint): its entries would outlive a change of weights."""
    identity = gen.identity()
    use_cache = acfg.use_cache and (cache_blind or follows_weights(identity))
    if acfg.use_cache and not use_cache:
        log.warning("augment: %s gives no fingerprint of the weights of %r: its augmentations are generated "
                    "afresh, not cached (model.cache_without_fingerprint=true caches them)",
                    identity.get("base_url"), identity.get("model"))
    provenance = {"prompt_file": prompt.file, "prompt_version": prompt.version, "model": identity,
                  "temperature": acfg.temperature, "top_p": acfg.top_p, "max_new_tokens": max_new_tokens,
                  "n_samples": n_samples, "batch_size": acfg.batch_size, "seed": acfg.seed,
                  "stop": list(prompt.stop), "decoder": generation.DECODER}
    key = store.content_key({**provenance, "prompt_text": prompt.text, "prefix": prefix, "inputs": items})
    provenance["cache_key"] = key
    path = store.cache_file(acfg.cache_dir, prompt.name, key)
    cached = store.read_cache(path, key) if use_cache else None
    if cached is not None and len(cached[0]) != len(items):
        log.warning("augment: cache entry %s holds %d rows for %d inputs: generating again",
                    path, len(cached[0]), len(items))
        cached = None
    if cached is not None:
        log.info("augment: %d inputs read from the cache %s", len(items), path)
        samples, cost = cached
        return samples, {**cost, "from_cache": True}, provenance
    g = gen.generate(items, prefix=prefix, max_new_tokens=max_new_tokens, temperature=acfg.temperature,
                     top_p=acfg.top_p, seed=acfg.seed, stop=prompt.stop, n_samples=n_samples,
                     batch_size=acfg.batch_size, progress=progress)
    cost = {"seconds": round(g.seconds, 2), "tokens_read": g.tokens_read, "tokens_written": g.tokens_written}
    if use_cache:
        try:
            store.write_cache(path, key, provenance, cost, g.samples)
        except OSError as e:  # disk full, read-only: the run keeps what was generated
            log.warning("augment: could not write the cache entry %s (%s): kept in the run only", path, e)
    return g.samples, {**cost, "from_cache": False}, provenance


def _units(prompt: PromptTemplate, s: generation.Sample) -> list[tuple[str, str | None]]:
    """The augmentations in one output, each with the reason to drop it (None: keep so far)."""
    if not s.finished:
        return [(s.text, "truncated")]
    units = prompt.outputs(s.text)
    if not any(units):
        return [("", "empty")]  # an output with nothing in it counts once
    return [(u, None if u else "empty") for u in units]


def filter_outputs(prompt: PromptTemplate, inputs: list[str], samples: list[list[generation.Sample]],
                   originals: list[str], provenance: dict) -> tuple[list[str], list[dict], dict[str, int]]:
    """(kept augmentations, one record per output, dropped counts by reason). Duplicates are
    verbatim (white space normalised) copies of an original or of an augmentation kept before."""
    seen = {" ".join(o.split()) for o in originals}
    kept, records, dropped = [], [], {"truncated": 0, "empty": 0, "duplicate": 0}
    for text_in, row in zip(inputs, samples):
        for k, s in enumerate(row):
            rec = {"input": text_in, "sample": k, "output": s.text, "n_tokens": s.n_tokens, "finished": s.finished,
                   "kept": [], "dropped": [], "provenance": provenance}
            for unit, reason in _units(prompt, s):
                reason = reason or ("duplicate" if unit in seen else None)
                if reason:
                    rec["dropped"].append({"text": unit, "reason": reason})
                    dropped[reason] += 1
                else:
                    seen.add(unit)
                    kept.append(unit)
                    rec["kept"].append(unit)
            records.append(rec)
    return kept, records, dropped


def _quality_note(ds, prompt: PromptTemplate, n_outputs: int, kept: list[str], quality: dict | None) -> str:
    note = f"augment {prompt.name}: {ds.name}: {len(kept)} augmentations kept from {n_outputs} outputs"
    if quality:
        note += (f"; of their {quality['n_statements']} statements the training facts entail {quality['entailed']:.0%}, "
                 f"contradict {quality['contradicted']:.0%}, neither {quality['other']:.0%}")
    return note


def _finish(ds, prompt: PromptTemplate, inputs: list[str], samples: list[list[generation.Sample]],
            gen_cost: dict, provenance: dict, started: float, writer_label: str) -> Augmentation:
    originals = [d.text for d in ds.train] + [s for d in ds.train for s in split_sentences(d.text)]
    kept, records, dropped = filter_outputs(prompt, inputs, samples, originals, provenance)
    quality = statement_shares(ds, kept)
    n_outputs = sum(len(r) for r in samples)
    cost = {"augment_model": writer_label, "augment_prompt": f"{prompt.name} (version {prompt.version})",
            "augment_from_cache": gen_cost["from_cache"], "augment_seconds": gen_cost.get("seconds"),
            "augment_tokens_read": gen_cost.get("tokens_read"), "augment_tokens_written": gen_cost.get("tokens_written"),
            "augment_seconds_this_run": round(time.perf_counter() - started, 2), "augment_inputs": len(inputs),
            "augment_outputs": n_outputs, "augment_kept": len(kept), "augment_dropped": dropped,
            "augment_quality": quality}
    return Augmentation(kept, records, cost, [_quality_note(ds, prompt, n_outputs, kept, quality)])


def sample_inputs(items: list[str], limit: int, seed: int, what: str) -> tuple[list[str], list[str]]:
    """All items, or a seeded sample of `limit` in their original order; notes say which."""
    if not limit or len(items) <= limit:
        return items, []
    keep = set(random.Random(f"augment-inputs:{seed}").sample(range(len(items)), limit))
    note = f"augment: {limit} of {len(items)} {what} augmented (augment.max_inputs, seeded sample, seed {seed})"
    return [x for i, x in enumerate(items) if i in keep], [note]


def augment_local(model: LanguageModel, ds, cfg) -> Augmentation:
    """Rephrasings and reversals of every distinct training sentence."""
    t0 = time.perf_counter()
    acfg, prompt = cfg.augment, load_prompt(cfg.augment.local_prompt)
    gen = writer(model, cfg)
    sentences = list(dict.fromkeys(s for d in ds.train for s in split_sentences(d.text)))
    sentences, notes = sample_inputs(sentences, acfg.max_inputs, acfg.seed, "distinct sentences")
    prefix, template = prompt.split("sentence")
    inputs = [template.format(sentence=s) for s in sentences]
    samples, gen_cost, provenance = _generate(gen, prompt, prefix, inputs, acfg.samples_per_sentence,
                                              acfg.local_max_new_tokens, acfg, f"{ds.name} augment local",
                                              cfg.model.cache_without_fingerprint)
    out = _finish(ds, prompt, sentences, samples, gen_cost, provenance, t0, gen.facts()["label"])
    out.notes += notes
    return out


def fit_corpus(gen: LanguageModel, prompt: PromptTemplate, docs: list[str], budget: int, seed: int) -> tuple[str, list[str]]:
    """The prompt prefix with the whole corpus, or with the largest seeded subsample that fits
    `budget` tokens; notes say what was left out."""
    return fit_prefix(gen, docs, lambda kept: prompt.split("document", corpus="\n\n".join(kept))[0], budget,
                      "augment global", "augment-global-subsample", seed)


def augment_global(model: LanguageModel, ds, cfg) -> Augmentation:
    """Inferences linking each training document to the rest of the corpus, the corpus in context."""
    t0 = time.perf_counter()
    acfg, prompt = cfg.augment, load_prompt(cfg.augment.global_prompt)
    gen = writer(model, cfg)
    docs = [d.text for d in ds.train]
    chosen, notes = sample_inputs(docs, acfg.max_inputs, acfg.seed, "documents")
    template = prompt.split("document", corpus="")[1]
    inputs = [template.format(document=d) for d in chosen]
    longest = max(gen.count_tokens(inputs))
    budget = gen.max_length - longest - acfg.global_max_new_tokens - 8  # 8: tokenization boundary slack
    prefix, fit_notes = fit_corpus(gen, prompt, docs, budget, acfg.seed)
    samples, gen_cost, provenance = _generate(gen, prompt, prefix, inputs, acfg.samples_per_document,
                                              acfg.global_max_new_tokens, acfg, f"{ds.name} augment global",
                                              cfg.model.cache_without_fingerprint)
    out = _finish(ds, prompt, chosen, samples, gen_cost, provenance, t0, gen.facts()["label"])
    notes += fit_notes
    out.cost["augment_context_tokens"] = gen.count_tokens([prefix])[0]
    out.notes += notes
    return out
