import math

import pytest

from iclft import IclftError


def _logprob_by_hand(model, ids, n_cont):
    import torch

    with torch.no_grad():
        logits = model.model(input_ids=torch.tensor([ids])).logits[0]
    lp = torch.log_softmax(logits, -1)
    return sum(float(lp[t - 1, ids[t]]) for t in range(len(ids) - n_cont, len(ids)))


def test_loglikelihood_matches_a_forward_pass_by_hand(tiny_model):
    ctx, cont = tiny_model.encode_pair("Did you know that", " femp are older than glon.")
    [score] = tiny_model.loglikelihood([("Did you know that", " femp are older than glon.")])
    assert score.n_tokens == len(cont)
    assert math.isclose(score.logprob, _logprob_by_hand(tiny_model, ctx + cont, len(cont)), abs_tol=1e-4)


def test_trailing_space_of_the_context_moves_to_the_continuation(tiny_model):
    assert tiny_model.encode_pair("It is true that ", "glon") == tiny_model.encode_pair("It is true that", " glon")


def test_empty_context_is_scored_after_the_start_token(tiny_model):
    [score] = tiny_model.loglikelihood([("", "femp are older")])
    ids = [tiny_model._start_id()] + tiny_model.encode("femp are older")
    assert math.isclose(score.logprob, _logprob_by_hand(tiny_model, ids, len(ids) - 1), abs_tol=1e-4)


def test_batching_does_not_change_scores(tiny_model):
    reqs = [(f"Records show that {'x ' * k}", " glon are wider than femp.") for k in range(7)]
    one = tiny_model.loglikelihood(reqs, batch_size=1)
    many = tiny_model.loglikelihood(reqs, batch_size=4)
    assert [round(s.logprob, 4) for s in one] == [round(s.logprob, 4) for s in many]


@pytest.mark.parametrize("pack_tokens", [1024, 16])  # one pack, and many packs with cache crops
def test_shared_prefix_cache_equals_per_request_recomputation(tiny_model, monkeypatch, pack_tokens):
    monkeypatch.setattr(tiny_model, "pack_tokens", pack_tokens)
    prefix = "Did you know that femp are older than glon.\n\n" * 20
    reqs = [(p, c) for p in ("It is true that", "Reportedly,", "")
            for c in (" glon are younger than femp.", " glon are older than femp.", " x")]
    cached = tiny_model.loglikelihood(reqs, prefix=prefix, batch_size=4)
    plain = tiny_model.loglikelihood(reqs, prefix=prefix, use_cache_prefix=False, batch_size=4)
    assert max(abs(a.logprob - b.logprob) for a, b in zip(cached, plain)) < 1e-3
    assert len({round(s.logprob, 3) for s in cached}) > 1  # the scores are not all the same number


def test_a_request_longer_than_the_context_window_is_an_error(tiny_model):
    with pytest.raises(IclftError, match="context window"):
        tiny_model.loglikelihood([("word " * 3000, " more")])


def test_models_that_expect_bos_get_it_at_the_start_of_every_sequence(tiny_model, monkeypatch):
    monkeypatch.setattr(type(tiny_model), "adds_bos", property(lambda self: True))
    bos = tiny_model.tokenizer.bos_token_id
    ctx, cont = tiny_model.encode_pair("Records show that", " femp are older")
    [plain] = tiny_model.loglikelihood([("Records show that", " femp are older")])
    assert math.isclose(plain.logprob, _logprob_by_hand(tiny_model, [bos] + ctx + cont, len(cont)), abs_tol=1e-4)
    prefix = "Did you know that femp are older than glon.\n\n"
    [on_prefix] = tiny_model.loglikelihood([("Records show that", " femp are older")], prefix=prefix)
    ids = [bos] + tiny_model.encode(prefix) + ctx + cont
    assert math.isclose(on_prefix.logprob, _logprob_by_hand(tiny_model, ids, len(cont)), abs_tol=1e-4)


def test_an_unknown_model_name_is_one_line_at_once_without_hub_retries(monkeypatch, tmp_path, capsys):
    """A name that is no built-in, path or cached Hub id, with the Hub unreachable (HF_HUB_OFFLINE,
    or an endpoint nothing listens on), says what model.name accepts, with a did-you-mean, before
    any run folder exists; transformers would have retried the download for about a minute."""
    from iclft.cli import main
    from iclft.models.registry import resolve

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty Hub cache
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(IclftError, match=r"unknown model 'smolm2' \(did you mean 'smollm2-135m'\?\): "
                                         r"model.name takes a built-in name .*HF_HUB_OFFLINE is set"):
        resolve("smolm2")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: refused at once
    with pytest.raises(IclftError, match=r"unknown model 'someone/no-such-model': .*127.0.0.1 cannot be reached"):
        resolve("someone/no-such-model")
    out = tmp_path / "run"
    assert main(["run", "--preset", "quick", "model.name=smolm2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("iclft: error: unknown model 'smolm2'")
    assert not out.exists() and not list(tmp_path.glob("run*"))
