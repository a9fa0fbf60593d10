"""Generation on a shared prefix cache, loss masking for (context, target) examples, and LoRA."""
import copy

import pytest
import torch

from iclft import IclftError
from iclft.config import FinetuneConfig
from iclft.conditions.finetune_split import split_examples
from iclft.models.generation import generate
from iclft.models.hf import HFModel
from iclft.models.train import Example, encode_example, finetune

PREFIX = "Did you know that femp are older than glon.\n\n" * 10
PROMPTS = ["Fact: glon are wider than femp.\nRephrasing:", "Fact: x\nRephrasing:",
           "Fact: femp femp are older and older than glon\nR:"]


@pytest.fixture(scope="module")
def peaked_model(tiny_model):
    """The tiny model with large random weights: its greedy outputs vary from token to token, so
    comparing two decoding paths is not a comparison of one repeated token."""
    model = copy.deepcopy(tiny_model.model)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.3, generator=g)
    return HFModel(model, tiny_model.tokenizer, tiny_model.source)


def _texts(gens):
    return [[s.text for s in row] for row in gens.samples]


@pytest.mark.parametrize("sampling", [dict(), dict(temperature=1.0, top_p=0.9, n_samples=2)])
def test_shared_prefix_generation_equals_recomputation(peaked_model, sampling):
    runs = {(cached, batch): generate(peaked_model, PROMPTS, prefix=PREFIX, max_new_tokens=10, seed=3,
                                      use_cache_prefix=cached, batch_size=batch, **sampling)
            for cached in (True, False) for batch in (1, 3)}
    for batch in (1, 3):
        assert _texts(runs[True, batch]) == _texts(runs[False, batch])
    if not sampling:  # greedy output does not depend on how prompts are batched either
        assert _texts(runs[True, 1]) == _texts(runs[True, 3])
    texts = [t for row in _texts(runs[True, 3]) for t in row]
    assert len(set(texts)) == len(texts) and all(len(set(t)) > 2 for t in texts)  # varied, not one token
    # the prefix is read once on the cache, once per row without it
    assert runs[True, 3].tokens_read < runs[False, 3].tokens_read
    assert runs[True, 3].tokens_written == runs[False, 3].tokens_written > 0


def test_packed_decoding_equals_transformers_generate(peaked_model, monkeypatch):
    """Greedy packed decoding on the shared cache gives what transformers' own `generate` gives
    (the path sliding-window models take); sampled rows do not depend on how they are grouped."""
    from iclft.models import generation as g

    packed = generate(peaked_model, PROMPTS, prefix=PREFIX, max_new_tokens=10)
    grouped = [generate(peaked_model, PROMPTS, prefix=PREFIX, max_new_tokens=10, temperature=1.0, seed=5,
                        batch_size=b) for b in (1, 2, 3)]
    monkeypatch.setattr(g, "_has_sliding_layers", lambda model: True)
    for cached in (True, False):
        assert _texts(generate(peaked_model, PROMPTS, prefix=PREFIX, max_new_tokens=10,
                               use_cache_prefix=cached)) == _texts(packed)
    assert _texts(grouped[0]) == _texts(grouped[1]) == _texts(grouped[2])


def test_same_seed_same_samples_other_seed_other_samples(peaked_model):
    def run(seed):
        return _texts(generate(peaked_model, PROMPTS, max_new_tokens=8, temperature=1.0, seed=seed))
    assert run(1) == run(1) != run(2)


def test_stop_strings_end_an_output_and_max_new_tokens_truncates(peaked_model):
    [[free]] = generate(peaked_model, PROMPTS[:1], max_new_tokens=12).samples
    assert not free.finished and free.n_tokens == 12
    stop = free.text[3:5]
    [[stopped]] = generate(peaked_model, PROMPTS[:1], max_new_tokens=12, stop=[stop]).samples
    assert stopped.finished and stopped.text == free.text[: free.text.index(stop)]
    assert stopped.n_tokens < 12


def test_generation_errors_are_one_line(tiny_model):
    with pytest.raises(IclftError, match="empty prompt"):
        generate(tiny_model, ["a", ""])
    with pytest.raises(IclftError, match="context window"):
        generate(tiny_model, ["a"], prefix="glon " * 1000, max_new_tokens=2000)


def test_cumulative_split_masks_the_context(tiny_model):
    docs = ["Did you know that femp are older than glon. Records show that glon are wider than femp."]
    assert split_examples(docs, "independent") == ["Did you know that femp are older than glon.",
                                                   "Records show that glon are wider than femp."]
    first, second = split_examples(docs, "cumulative")
    assert first == "Did you know that femp are older than glon."
    assert second == Example("Did you know that femp are older than glon. ",
                             "Records show that glon are wider than femp.")
    eos = [tiny_model.tokenizer.eos_token_id]
    ids, labels = encode_example(tiny_model, second, eos)
    ctx, tgt = tiny_model.encode_pair(*second)
    assert ids == ctx + tgt + eos
    assert labels == [-100] * len(ctx) + tgt + eos
    plain_ids, plain_labels = encode_example(tiny_model, first, eos)
    assert plain_ids == plain_labels  # a plain text: the loss covers every token


def test_lora_trains_only_the_adapters_and_leaves_the_base_model_alone(tiny_model):
    before = {k: v.clone() for k, v in tiny_model.model.state_dict().items()}
    tuned = HFModel(copy.deepcopy(tiny_model.model), tiny_model.tokenizer, tiny_model.source)
    ft = FinetuneConfig(epochs=2, batch_size=4, learning_rate=1e-2, method="lora", lora_rank=2,
                        lora_target_modules=["q_proj", "v_proj"])
    stats = finetune(tuned, ["femp are older than glon."] * 8, ft, seed=0)
    layers, hidden, kv = 2, 32, 2 * 8  # tiny Llama: q_proj 32 -> 32, v_proj 32 -> 16 (2 heads of 8)
    assert stats.trainable_parameters == layers * 2 * ((hidden + hidden) + (hidden + kv))
    after = tuned.model.state_dict()
    assert set(after) == set(before)  # merged back: a plain model again, no adapter weights left
    for name, w in before.items():
        if any(t in name for t in ("q_proj", "v_proj")):
            delta = after[name] - w
            assert delta.abs().max() > 0 and torch.linalg.matrix_rank(delta) <= 2
        else:
            assert torch.equal(after[name], w), name  # embeddings, norms, other projections untouched
    assert all(torch.equal(v, before[k]) for k, v in tiny_model.model.state_dict().items())


def test_models_that_expect_bos_train_and_generate_after_it(tiny_model, monkeypatch):
    monkeypatch.setattr(type(tiny_model), "adds_bos", property(lambda self: True))
    bos, eos = tiny_model.tokenizer.bos_token_id, [tiny_model.tokenizer.eos_token_id]
    ids, _ = encode_example(tiny_model, "femp are older.", eos)
    assert ids == [bos] + tiny_model.encode("femp are older.") + eos
    ids, labels = encode_example(tiny_model, Example("Records show that", " femp are older."), eos)
    assert ids[0] == bos and labels[0] == -100
    seen = []
    real = tiny_model.model.forward
    monkeypatch.setattr(tiny_model.model, "forward", lambda **kw: seen.append(kw["input_ids"]) or real(**kw))
    generate(tiny_model, ["Fact: x"], max_new_tokens=2)
    first_of_second = len(seen)
    generate(tiny_model, ["Fact: x"], prefix="Facts:\n", max_new_tokens=2)
    # the first sequence each generation feeds starts with BOS, and no later feed repeats it
    assert int(seen[0][0, 0]) == bos and int(seen[first_of_second][0, 0]) == bos
    assert sum(int((ids == bos).sum()) for ids in seen) == 2
