"""`iclft bench`: the performance figures, each measured in one run on the same inputs.

    icl_scoring_speedup        shared-prefix ICL scoring vs per-request recomputation of the context
    icl_max_score_diff_nats    the largest difference between the two, over the requests both scored
    icl_peak_memory_gb         peak resident memory of the process after ICL at the full window
    global_augmentation_speedup  global augmentation with the corpus cache computed once vs per document
    finetune_tokens_per_second training throughput on the study's documents
    finetune_mfu               model FLOPs per second / the machine's measured matmul rate
    world_tokens_per_second    pretraining throughput of the `world` preset's model on its corpus
    world_mfu                  its model FLOPs per second / the measured matmul rate
    world_speedup              pretraining now against the shipped model's run, on the same rows
    served_requests_per_second scoring requests a served model (openai:MODEL) answers per second on a
                               shared in-context prefix, one request at a time
    served_prefix_reuse_speedup  the first request's time (the server reads the whole prefix) / the
                               mean time of the later ones (it reuses its cache of the prefix)

Per-request recomputation of a several-thousand-token context takes tens of seconds a request, so it
is timed on a seeded sample of requests (`baseline_requests`) and compared per request; the sample's
scores are compared with the shared-prefix scores of the same requests.
"""
from __future__ import annotations

import dataclasses
import random
import resource
import time
from dataclasses import dataclass

import torch

from iclft.config import FinetuneConfig, IclConfig
from iclft.data import generate


SECTIONS = ("icl", "generation", "finetune", "world")


@dataclass
class Figure:
    name: str
    value: float
    detail: str

    def line(self) -> str:
        return f"{self.name}: {self.value:.4g}  ({self.detail})"


def matmul_flops_per_second(n: int = 1024, seconds: float = 3.0, dtype=torch.float32) -> float:
    """The machine's dense matmul rate, measured with square float32 matrices."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b  # warm-up
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    return 2 * n ** 3 * reps / (time.perf_counter() - t0)


def bench_icl(model, baseline_requests: int = 4, seed: int = 0) -> list[Figure]:
    """ICL scoring of the paper-sized simple-reversal test with as many documents as fit."""
    from iclft.eval.frame import fit_documents

    ds = generate("simple_reversal", seed=seed)
    prefix, notes = fit_documents(model, ds, IclConfig(subsample=True), seed)
    requests = [(it.prompt, " " + c) for it in ds.test for c in it.choices]
    n_ctx = len(model.encode(prefix))
    t0 = time.perf_counter()
    shared = model.loglikelihood(requests, prefix=prefix)
    t_shared = time.perf_counter() - t0
    sample = sorted(random.Random(seed).sample(range(len(requests)), baseline_requests))
    t0 = time.perf_counter()
    plain = model.loglikelihood([requests[i] for i in sample], prefix=prefix, use_cache_prefix=False,
                                batch_size=1)
    t_plain = time.perf_counter() - t0
    per_shared, per_plain = t_shared / len(requests), t_plain / len(sample)
    diff = max(abs(shared[i].logprob - p.logprob) for i, p in zip(sample, plain))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    return [
        Figure("icl_scoring_speedup", per_plain / per_shared,
               f"{len(requests)} requests on a {n_ctx}-token context: shared prefix {t_shared:.1f} s "
               f"({per_shared:.3f} s/request); recomputation {t_plain:.1f} s for {len(sample)} sampled "
               f"requests ({per_plain:.2f} s/request)"),
        Figure("icl_max_score_diff_nats", diff, f"over the {len(sample)} requests scored both ways"),
        Figure("icl_peak_memory_gb", peak, "peak resident memory of this process so far"),
    ]


def bench_generation(model, n_docs: int = 16, baseline_docs: int = 2, max_new_tokens: int = 48,
                     seed: int = 0) -> list[Figure]:
    """Global augmentation: the corpus in context, then inferences for each of `n_docs` documents,
    with the corpus cache computed once versus recomputed for every document (greedy decoding, so
    both write the same text)."""
    from iclft.augment.pipeline import fit_corpus
    from iclft.augment.prompts import load_prompt

    ds = generate("simple_reversal", seed=seed)
    prompt = load_prompt("global_v1")
    docs = [d.text for d in ds.train]
    template = prompt.split("document", corpus="")[1]
    inputs = [template.format(document=d) for d in docs[:n_docs]]
    budget = model.max_length - max(len(model.encode(x)) for x in inputs) - max_new_tokens - 8
    prefix, _ = fit_corpus(model, prompt, docs, budget, seed)
    n_ctx = len(model.encode(prefix))
    kw = dict(prefix=prefix, max_new_tokens=max_new_tokens, temperature=0.0, stop=prompt.stop)
    shared = model.generate(inputs, **kw)
    plain = model.generate(inputs[:baseline_docs], use_cache_prefix=False, batch_size=1, **kw)
    per_shared, per_plain = shared.seconds / n_docs, plain.seconds / baseline_docs
    same = all(a[0].text == b[0].text for a, b in zip(shared.samples, plain.samples))
    return [
        Figure("global_augmentation_speedup", per_plain / per_shared,
               f"{n_docs} documents on a {n_ctx}-token corpus: shared prefix {shared.seconds:.1f} s "
               f"({per_shared:.2f} s/document, prefix included); recomputation {plain.seconds:.1f} s for "
               f"{baseline_docs} documents ({per_plain:.2f} s/document); same text: {same}"),
    ]


def bench_finetune(model, n_facts: int = 20, epochs: int = 1, seed: int = 0) -> list[Figure]:
    """Finetuning throughput on simple-reversal documents, and its share of the matmul rate."""
    from iclft.models.train import finetune, finetune_flops_per_token

    ds = generate("simple_reversal", seed=seed, n_facts=n_facts)
    tuned = model.finetuned_copy()
    stats = finetune(tuned, [d.text for d in ds.train], FinetuneConfig(epochs=epochs), seed)
    del tuned
    seq = stats.padded_tokens / max(stats.steps, 1) / FinetuneConfig().batch_size
    flops = finetune_flops_per_token(model, int(seq)) * stats.padded_tokens / stats.seconds
    peak = matmul_flops_per_second()
    return [
        Figure("finetune_tokens_per_second", stats.tokens_per_second,
               f"{stats.tokens} document tokens in {stats.seconds:.1f} s, {stats.steps} steps"),
        Figure("finetune_mfu", flops / peak,
               f"{flops / 1e9:.1f} GFLOP/s of model FLOPs vs {peak / 1e9:.1f} GFLOP/s measured matmul rate"),
    ]


def bench_world(steps: int = 6, preset: str = "world_v1") -> list[Figure]:
    """World-model pretraining throughput: `steps` optimizer steps (after one warm-up step) of the
    preset's model and rows, with a tokenizer trained on 200 episodes (rows of the same length), on
    the preset's `train.threads`."""
    from iclft.world.config import load_world_config
    from iclft.world.pretrain import cpu_threads

    cfg = load_world_config(preset=preset)
    with cpu_threads(cfg.train.threads):  # as `iclft world pretrain` runs it
        return _bench_world(cfg, steps)


def _baseline_world_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """The world loss as the shipped model's run computed it (classes on axis 1, a transposed copy):
    the baseline the speed-up is measured against."""
    logits = model(input_ids=batch["input_ids"], position_ids=batch.get("position_ids"), use_cache=False).logits[:, :-1]
    targets, w = batch["input_ids"][:, 1:], batch["weights"][:, 1:]
    nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2).float(), targets, reduction="none")
    return (nll * w).sum() / w.sum()


def _bench_world(cfg, steps: int) -> list[Figure]:
    """The same rows trained two ways from the same initial weights: as the shipped model's run did
    (rows with a block-diagonal mask, `_baseline_world_loss`), and as pretraining does now (each
    episode its own sequence, train.split_episodes, and iclft.world.batches.weighted_loss)."""
    from iclft.models.train import training_flops_per_token
    from iclft.world.batches import step_batches, weighted_loss
    from iclft.world.model import build_model
    from iclft.world.stream import Stream
    from iclft.world.tokenizer import train_tokenizer

    stream = Stream(cfg)
    stream.tokenizer = train_tokenizer((stream.episode(i).text for i in range(200)), cfg.model.vocab_size)
    rows = [[stream.row(step * cfg.train.batch_size + b) for b in range(cfg.train.batch_size)]
            for step in range(steps + 1)]
    before = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, split_episodes=False, isolate_episodes=True))
    now = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, split_episodes=True))

    def timed(run, loss_of) -> tuple[int, float, torch.nn.Module]:
        model = build_model(run, stream.tokenizer).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
        tokens, t0 = 0, 0.0
        for step, step_rows in enumerate(rows):
            if step == 1:
                tokens, t0 = 0, time.perf_counter()
            loss_of(model, step_batches(step_rows, stream.tokenizer.pad_token_id, run)).backward()
            opt.step()
            opt.zero_grad()
            tokens += sum(len(r.ids) for r in step_rows)
        return tokens, time.perf_counter() - t0, model

    old_tokens, old_seconds, _ = timed(before, lambda m, batches: _baseline_world_loss(m, batches[0]))
    tokens, seconds, model = timed(now, weighted_loss)
    flops = training_flops_per_token(model, cfg.corpus.max_tokens) * tokens / seconds
    peak = matmul_flops_per_second()
    n = sum(p.numel() for p in model.parameters())
    return [
        Figure("world_tokens_per_second", tokens / seconds,
               f"{tokens} tokens in {seconds:.1f} s, {steps} steps of {cfg.train.batch_size} rows of up to "
               f"{cfg.corpus.max_tokens} tokens ({cfg.name} preset), {n / 1e6:.2f}M parameters, "
               f"{torch.get_num_threads()} threads, episodes split"),
        Figure("world_mfu", flops / peak,
               f"{flops / 1e9:.2f} GFLOP/s of model FLOPs vs {peak / 1e9:.1f} GFLOP/s measured matmul rate"),
        Figure("world_speedup", (tokens / seconds) / (old_tokens / old_seconds),
               f"pretraining now (episodes split, the loss on the last axis) {tokens / seconds:.0f} tokens/s against "
               f"{old_tokens / old_seconds:.0f} as the shipped model's run trained (isolated rows, its loss), "
               f"the same rows and initial weights"),
    ]


def bench_served(model, n_requests: int = 24, n_docs: int = 60, seed: int = 0) -> list[Figure]:
    """Scoring through a served model: requests on one shared prefix of documents, one at a time."""
    ds = generate("simple_reversal", seed=seed, n_facts=max(1, -(-n_docs // 3)), docs_per_fact=3)
    prefix = "\n\n".join(d.text for d in ds.train[:n_docs]) + "\n\n"
    requests = [(it.prompt, " " + c) for it in ds.test for c in it.choices][:n_requests]
    [n_ctx] = model.count_tokens([prefix])
    times = []
    for r in requests:
        t0 = time.perf_counter()
        model.loglikelihood([r], prefix=prefix, batch_size=1)
        times.append(time.perf_counter() - t0)
    later = sum(times[1:]) / (len(times) - 1)
    return [
        Figure("served_requests_per_second", len(times) / sum(times),
               f"{len(times)} requests on a {n_ctx}-token prefix at {model.facts()['device']}, one at a time"),
        Figure("served_prefix_reuse_speedup", times[0] / later,
               f"first request {times[0]:.2f} s (reads the prefix), later ones {later:.3f} s on average"),
    ]


def run_bench(model_name: str = "smollm2-135m", only: tuple[str, ...] = SECTIONS,
              baseline_requests: int = 4, base_url: str = "", context_window: int = 0,
              served_requests: int = 24, served_documents: int = 60) -> list[Figure]:
    from iclft.config import ModelConfig
    from iclft.models.base import is_served, load_model
    from iclft.models.hf import HFModel

    if is_served(model_name):  # only what a served model can do: scoring and generation over HTTP
        served = load_model(ModelConfig(name=model_name, base_url=base_url, context_window=context_window))
        return bench_served(served, served_requests, served_documents)
    figures: list[Figure] = []
    if "world" in only:  # needs no study model
        figures += bench_world()
    if not set(only) - {"world"}:
        return figures
    model = HFModel.load(model_name, dtype="float32")
    if "icl" in only:
        figures += bench_icl(model, baseline_requests)
    if "generation" in only:
        figures += bench_generation(model)
    if "finetune" in only:
        figures += bench_finetune(model)
    return figures
