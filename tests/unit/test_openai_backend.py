"""The OpenAI-compatible backend against a fake completions server in this process: the echo/logprobs
arithmetic, the boundary rule, batching, retries, and one-line errors."""
import json
import re

import pytest
from fake_server import Fake, server  # noqa: F401 (a fixture)

from iclft import IclftError
from iclft.models.openai_compat import OpenAIModel, Server, _continuation_score
from iclft.models.transport import request


def test_scores_are_the_summed_logprobs_of_the_continuation_tokens(server):
    model = OpenAIModel.load("openai:fake-model", server)
    assert model.max_length == 512 and not model.has_chat_template and model.can_finetune is False
    reqs = [("Fact: glon are wider than", " femp"), ("Q:", " a b"), ("x", "y")]
    scores = model.loglikelihood(reqs, prefix="Docs. ", batch_size=2)
    assert [s.logprob for s in scores] == [-5.0, -4.0, -3.0]  # " femp"; " a" + " b"; " xy" straddles: whole
    assert [s.n_tokens for s in scores] == [1, 2, 1]
    probe, calls = Fake.calls[:2], Fake.calls[2:]  # the alignment check first: generate, then echo
    assert probe[0]["prompt"] == ["The capital of France is"] and probe[1]["prompt"] == ["The capital of France is out0.0"]
    assert [len(c["prompt"]) for c in calls] == [2, 1]  # batches of 2
    assert calls[0]["prompt"][0] == "Docs. Fact: glon are wider than femp" and calls[0]["echo"]


def test_a_server_that_takes_one_prompt_per_request_is_asked_one_at_a_time(server):
    Fake.one_prompt = True
    model = OpenAIModel.load("openai:fake-model", server)
    reqs = [("Fact: glon are wider than", " femp"), ("Q:", " a b"), ("x", "y")]
    assert [s.logprob for s in model.loglikelihood(reqs, prefix="Docs. ", batch_size=3)] == [-5.0, -4.0, -3.0]
    assert [len(c["prompt"]) for c in Fake.calls[2:]] == [3, 1, 1, 1]  # tried once as a list, never again
    out = model.generate(["p1", "p2"], n_samples=2)
    assert [len(row) for row in out.samples] == [2, 2] and [len(c["prompt"]) for c in Fake.calls[6:]] == [1, 1]


def test_a_token_straddling_the_boundary_counts_with_the_continuation():
    lp = {"text_offset": [0, 2, 5, 9], "token_logprobs": [None, -1.0, -2.0, -9.0], "tokens": ["ab", "cde", "fghi", "!"]}
    # boundary inside "cde" (offset 3): "cde" and "fghi" are the continuation, "!" is generated
    assert _continuation_score(lp, 3, 9, "defghi").logprob == -3.0
    assert _continuation_score(lp, 5, 9, "fghi").logprob == -2.0


def test_transient_server_errors_are_retried(server, monkeypatch):
    monkeypatch.setattr("iclft.models.openai_compat.time.sleep", lambda s: None)
    model = OpenAIModel.load("openai:fake-model", server)
    Fake.fail_first = 2
    assert model.loglikelihood([("a", " b")])[0].logprob == -2.0
    assert len(Fake.calls) == 2 + 3  # the alignment check, then the request twice refused


def test_generation_returns_n_samples_per_prompt(server):
    model = OpenAIModel.load("openai:fake-model", server)
    out = model.generate(["p1", "p2"], prefix="ctx ", n_samples=2, temperature=1.0, stop=["\n"])
    assert [[s.text for s in row] for row in out.samples] == [["out0.0", "out0.1"], ["out1.0", "out1.1"]]
    assert Fake.calls[0]["prompt"] == ["ctx p1", "ctx p2"] and Fake.calls[0]["stop"] == ["\n"]
    assert out.tokens_written == 8


def test_a_server_whose_prompt_logprobs_are_off_by_one_is_refused_for_scoring_but_generates(server):
    Fake.off_by_one = True
    model = OpenAIModel.load("openai:fake-model", server)
    with pytest.raises(IclftError, match=r"' out0.0' after 'The capital of France is': -4.000 when generated, -1.000 "
                                         r"when echoed; .*issue #1983\), so it cannot score"):
        model.loglikelihood([("a", " b")])
    assert model.generate(["p1"]).samples[0][0].text == "out0.0"


@pytest.mark.parametrize("case, message", [
    ("no-logprobs", "returned no prompt log-probabilities"),
    ("wrong-model", "serves fake-model, not 'other'"),
    ("no-url", "needs model.base_url"),
    ("unreachable", "cannot be reached"),
])
def test_server_faults_are_one_line(case, message, server, monkeypatch):
    monkeypatch.setattr("iclft.models.openai_compat.time.sleep", lambda s: None)
    name, url = "openai:fake-model", server
    if case == "wrong-model":
        name = "openai:other"
    elif case == "no-url":
        url = ""
    elif case == "unreachable":
        url = "http://127.0.0.1:9/v1"
    with pytest.raises(IclftError, match=message):
        model = OpenAIModel.load(name, url)
        Fake.logprobs = case != "no-logprobs"
        model.loglikelihood([("a", " b")])


def test_identity_names_the_server_and_model_and_never_the_key(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    model = OpenAIModel.load("openai:fake-model", server)
    ident = json.dumps(model.identity())
    assert "fake-model" in ident and server in ident and "sk-secret" not in ident


def test_a_served_model_refuses_the_finetuned_conditions_before_any_work(tmp_path, capsys):
    from iclft.cli import main

    assert main(["run", "--preset", "quick", "model.name=openai:fake-model", "model.base_url=http://127.0.0.1:9/v1",
                 "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "finetune, finetune_split" in err[0] and "finetuning needs local weights" in err[0]
    assert not list(tmp_path.iterdir())


def test_a_study_runs_through_the_served_backend(server, tmp_path):
    """pretrained and icl cells end to end through the fake server: every item scored, the run
    records the server and model, and the served model's identity keys the cache."""
    from iclft.cli import main

    argv = ["run", "--preset", "quick", "model.name=openai:fake-model", f"model.base_url={server}",
            "datasets=[{name: simple_reversal, params: {n_facts: 4, docs_per_fact: 2}}]",
            "conditions=[pretrained, icl]", f"cache_dir={tmp_path / 'cache'}", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["model"]["device"] == server and summary["model"]["context_window"] == 512
    assert {r["condition"] for r in summary["results"]} == {"pretrained", "icl"}
    icl = [json.loads(line) for line in (tmp_path / "run" / "items" / "simple_reversal__icl.jsonl").read_text().splitlines()]
    assert len(icl) == 8 and all(len(r["scores"]["sum"]) == 2 for r in icl)
    echoed = [p for c in Fake.calls if c.get("echo") for p in c["prompt"]]
    assert any(p.startswith("Here are some documents") for p in echoed)  # icl asked after the documents
    entry = next((tmp_path / "cache").glob("*.json")).read_text()
    assert '"backend": "openai"' in entry and server in entry


def test_bench_reports_a_served_models_request_rate(server):
    from iclft.bench import run_bench

    figures = {f.name: f for f in run_bench("openai:fake-model", base_url=server)}
    assert set(figures) == {"served_requests_per_second", "served_prefix_reuse_speedup"}
    assert figures["served_requests_per_second"].value > 0 and figures["served_prefix_reuse_speedup"].value > 0
    assert len([c for c in Fake.calls if c.get("echo")]) == 1 + 1 + 24  # prefix counted, check, 24 requests


def test_finetuned_conditions_train_local_weights_beside_a_served_model(server, tiny_model_dir, tmp_path):
    """finetune.model: pretrained is scored by the server, the augmentations are written by the
    server, and the finetuned condition trains (and is scored on) the local weights; both models key
    the finetuned cell and the summary names both."""
    from iclft.cli import main

    argv = ["run", "--preset", "quick", "model.name=openai:fake-model", f"model.base_url={server}",
            f"finetune.model={tiny_model_dir}", "finetune.epochs=1", "augment.local_max_new_tokens=8",
            "datasets=[{name: simple_reversal, params: {n_facts: 2, docs_per_fact: 1}}]",
            "conditions=[pretrained, finetune_aug_local]", f"cache_dir={tmp_path / 'cache'}",
            f"augment.cache_dir={tmp_path / 'aug'}", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    run = tmp_path / "run"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["model"]["device"] == server
    assert summary["model"]["finetune_model"]["name"] == str(tiny_model_dir)
    assert summary["model"]["finetune_model"]["device"] == "cpu"
    aug = [json.loads(line) for line in (run / "augment" / "simple_reversal__finetune_aug_local.jsonl").read_text().splitlines()]
    assert aug and all(r["provenance"]["model"]["backend"] == "openai" for r in aug)  # the server wrote them
    generated = [c for c in Fake.calls if not c.get("echo") and c["max_tokens"] == 8]  # not the alignment probe
    assert generated and all(p.endswith("Rephrasing:") for c in generated for p in c["prompt"])
    cells = {p.stem: json.loads(p.read_text()) for p in (run / "cells").glob("*.json")}
    assert cells["simple_reversal__finetune_aug_local"]["model"]["device"] == "cpu"
    assert cells["simple_reversal__pretrained"]["model"]["device"] == server
    entries = [json.loads(p.read_text()) for p in (tmp_path / "cache").glob("*.json")]
    tuned = [e for e in entries if e["key_parts"]["condition"] == "finetune_aug_local"]
    assert tuned[0]["key_parts"]["finetuned_model"]["name"] == str(tiny_model_dir)
    assert "finetuned_model" not in next(e for e in entries if e["key_parts"]["condition"] == "pretrained")["key_parts"]


@pytest.mark.parametrize("override, message", [
    ("finetune.model=openai:other", "finetune.model names the local weights finetuning trains"),
    ("finetune.model=' '", "finetune.model names the local weights finetuning trains"),
])
def test_finetune_model_must_name_local_weights(override, message):
    from iclft.config import load_config

    with pytest.raises(IclftError, match=message):
        load_config(preset="quick", overrides=[override])


class _Template:
    """A tokenizer's chat template whose text starts with BOS, as Gemma's and Llama's do."""

    bos_token, bos_token_id, chat_template = "<s>", 1, "(a template)"

    def __init__(self, adds_bos: bool):
        self.adds_bos = adds_bos

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True):
        return f"<s>[user]{messages[0]['content']}[assistant]"

    def __call__(self, text):
        return {"input_ids": ([1] if self.adds_bos else []) + [5]}


def test_the_chat_frame_leaves_out_a_bos_the_server_adds_itself(server):
    """A model whose tokenizer starts every text with BOS gets it from the server too (llama.cpp and
    vLLM add it): the template's own would make two. A model without one keeps its template whole."""
    model = OpenAIModel(Server(server, "fake-model"), tokenizer=_Template(adds_bos=True))
    assert model.chat_prompt("hi") == "[user]hi[assistant]"
    model.tokenizer = _Template(adds_bos=False)
    assert model.chat_prompt("hi") == "<s>[user]hi[assistant]"


def test_the_report_names_the_server_and_the_finetuned_weights(server, tiny_model_dir, tmp_path):
    from iclft.cli import main
    from iclft.report.runs import load_run
    from iclft.report.tables import run_facts

    argv = ["run", "--preset", "quick", "model.name=openai:fake-model", f"model.base_url={server}",
            f"finetune.model={tiny_model_dir}", "finetune.epochs=1", "cache_dir=null",
            "datasets=[{name: simple_reversal, params: {n_facts: 2, docs_per_fact: 1}}]",
            "conditions=[pretrained, finetune]", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    facts = dict(run_facts(load_run(tmp_path / "run")))
    assert "BaseHTTP" in facts["server"]  # the HTTP server header of the fake server
    assert facts["finetuned weights"].startswith(f"{tiny_model_dir} (") and "on cpu" in facts["finetuned weights"]


# ---------------------------------------------------------------- faults (tests/fake_server.py)
def _quick(server, **times):
    """A model with short timeouts and one retry, so that each fault ends within seconds."""
    times = {"connect_timeout": 2.0, "read_timeout": 0.5, "total_timeout": 20.0, "max_retries": 1, **times}
    return OpenAIModel(Server(server, "fake-model", **times))


@pytest.mark.parametrize("fault, message", [
    ("500", r"HTTP 500 from the server \(.*fault 500.*\) after 2 tries \(model.max_retries: 1\)"),
    ("malformed", r"the server's answer is not JSON .* after 2 tries"),
    ("never", r"no answer within 0.5 s \(model.timeout.read\) after 2 tries"),
    ("cut", r"the connection ended before the answer was whole \(IncompleteRead\) after 2 tries"),
    ("slow", r"no whole answer within 1.5 s \(model.timeout.total\), retries included"),
])
def test_each_served_fault_is_retried_with_a_line_then_one_error(fault, message, server, monkeypatch, caplog):
    """Each fault the fault server makes is asked again (a warning line saying what was waited for)
    and then ends in one IclftError naming it; a body trickled byte by byte, each in time for the
    read timeout, is bounded by the whole-request timeout."""
    monkeypatch.setattr("iclft.models.openai_compat.time.sleep", lambda s: None)
    model = _quick(server, total_timeout=1.5 if fault == "slow" else 20.0)
    model._aligned = True  # straight to the scoring request
    Fake.fault = fault
    with pytest.raises(IclftError, match=message):
        model.loglikelihood([("a", " b")])
    retries = [r.getMessage() for r in caplog.records if "asking again" in r.getMessage()]
    assert len(Fake.calls) == (1 if fault == "slow" else 2)
    assert len(retries) == len(Fake.calls) - 1
    assert all("(retry 1 of 1, model.max_retries)" in line for line in retries)


def test_connect_and_read_timeouts_are_kept_apart(server, monkeypatch):
    """A server that takes connections but never answers waits model.timeout.read, once per try; a
    host that never completes the connection waits model.timeout.connect (both named)."""
    import socket

    monkeypatch.setattr("iclft.models.openai_compat.time.sleep", lambda s: None)
    model = _quick(server, read_timeout=0.3, max_retries=0)
    Fake.fault = "never"
    with pytest.raises(IclftError, match=r"no answer within 0.3 s \(model.timeout.read\) \(no retry\)"):
        request(model.server, "/completions", {"model": "fake-model", "prompt": ["x"]})

    def unanswered(self):
        raise socket.timeout("timed out")

    monkeypatch.setattr("http.client.HTTPConnection.connect", unanswered)
    with pytest.raises(IclftError, match=r"no connection within 2 s \(model.timeout.connect\)"):
        request(model.server, "/models")


def test_timeouts_and_retries_come_from_the_config(server):
    from iclft.config import load_config
    from iclft.models.base import load_model

    cfg = load_config(preset="quick", overrides=["model.name=openai:fake-model", f"model.base_url={server}",
                                                 "conditions=[pretrained]", "model.timeout.read=7",
                                                 "model.timeout.connect=3", "model.max_retries=0"])
    s = load_model(cfg.model).server
    assert (s.connect_timeout, s.read_timeout, s.total_timeout, s.max_retries) == (3.0, 7.0, 600.0, 0)
    defaults = load_config(preset="quick").model
    assert (defaults.timeout.connect, defaults.timeout.read, defaults.max_retries) == (10.0, 120.0, 3)


@pytest.mark.parametrize("key_set", [False, True])
def test_a_401_names_the_key_variable(key_set, server, monkeypatch):
    monkeypatch.delenv("MY_SERVER_KEY", raising=False)
    if key_set:
        monkeypatch.setenv("MY_SERVER_KEY", "sk-wrong")
    model = OpenAIModel(Server(server, "fake-model", api_key_env="MY_SERVER_KEY"))
    Fake.fault = "401"
    message = ("refused the key in MY_SERVER_KEY" if key_set else
               "set the environment variable MY_SERVER_KEY (model.api_key_env), which is unset")
    with pytest.raises(IclftError, match=re.escape(message)):
        model.loglikelihood([("a", " b")])
    assert len(Fake.calls) == 1  # asking again would not help


@pytest.mark.parametrize("url", ["localhost:8000/v1", "127.0.0.1:8000", "ftp://host/v1", "http://", "http://h:port/v1"])
def test_a_base_url_that_is_not_a_url_is_named_so(url, tmp_path, capsys):
    from iclft.cli import main

    with pytest.raises(IclftError, match=r"is not an http\(s\) URL"):
        OpenAIModel.load("openai:fake-model", url)
    assert main(["run", "--preset", "quick", "model.name=openai:fake-model", f"model.base_url={url}",
                 "conditions=[pretrained]", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not an http(s) URL" in err[0] and "JSON" not in err[0]
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- the served weights' fingerprint
def test_the_fingerprint_follows_the_weights_and_is_one_request(server):
    model = OpenAIModel.load("openai:fake-model", server)
    first = model.identity()["fingerprint"]
    assert first and model.identity()["fingerprint"] == first and len(Fake.calls) == 1  # asked once
    Fake.scale = 1.5  # new weights behind the same id and URL; the server reports nothing else
    again = OpenAIModel.load("openai:fake-model", server)
    assert again.identity()["fingerprint"] != first
    Fake.logprobs = False
    assert OpenAIModel.load("openai:fake-model", server).identity()["fingerprint"] is None


def test_new_weights_behind_the_same_model_id_are_computed_afresh_not_taken_from_the_cache(server, tmp_path):
    from iclft.cli import main

    argv = ["run", "--preset", "quick", "model.name=openai:fake-model", f"model.base_url={server}",
            "datasets=[{name: simple_reversal, params: {n_facts: 2, docs_per_fact: 1}}]",
            "conditions=[pretrained]", f"cache_dir={tmp_path / 'cache'}"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    Fake.scale = 2.0
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    scores = {}
    for run in ("a", "b"):
        record = json.loads((tmp_path / run / "items" / "simple_reversal__pretrained.jsonl").read_text().splitlines()[0])
        scores[run] = record["scores"]["sum"]
    assert scores["b"] == [2 * s for s in scores["a"]]
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2


def test_a_served_model_without_a_fingerprint_is_cached_only_when_asked(server, tmp_path, caplog):
    from iclft.config import load_config
    from iclft.runner.cell import Cell, CellCache, cell_cache

    Fake.logprobs = False
    ident = OpenAIModel.load("openai:fake-model", server).identity()
    cells = [Cell(None, "pretrained", "k", {"model": ident})]
    base = ["model.name=openai:fake-model", f"model.base_url={server}", "conditions=[pretrained]",
            f"cache_dir={tmp_path / 'cache'}"]
    assert cell_cache(load_config(preset="quick", overrides=base), cells) is None
    assert "model.cache_without_fingerprint=true caches them anyway" in caplog.text
    opted = load_config(preset="quick", overrides=[*base, "model.cache_without_fingerprint=true"])
    assert isinstance(cell_cache(opted, cells), CellCache)
    Fake.logprobs = True
    fingerprinted = [Cell(None, "pretrained", "k", {"model": OpenAIModel.load("openai:fake-model", server).identity()})]
    assert isinstance(cell_cache(load_config(preset="quick", overrides=base), fingerprinted), CellCache)


def test_requests_go_through_the_proxy_the_environment_names(server, monkeypatch):
    for var in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("http_proxy", server.removesuffix("/v1"))  # the fake server plays the proxy
    model = OpenAIModel.load("openai:fake-model", "http://no-such-host.invalid:8000/v1")
    assert model.loglikelihood([("a", " b")])[0].logprob == -2.0


@pytest.mark.parametrize("opted_in", [False, True])
def test_a_served_writer_without_a_fingerprint_has_its_augmentations_cached_only_when_asked(
        opted_in, server, tiny_model_dir, tmp_path, capsys):
    """A server that gives no log-probabilities still writes augmentations (the finetuned condition
    trains local weights); neither its augmentations nor its cells are cached unless
    model.cache_without_fingerprint says so."""
    from iclft.cli import main

    Fake.logprobs = False
    argv = ["run", "--preset", "quick", "model.name=openai:fake-model", f"model.base_url={server}",
            f"finetune.model={tiny_model_dir}", "finetune.epochs=1", "augment.local_max_new_tokens=8",
            "datasets=[{name: simple_reversal, params: {n_facts: 2, docs_per_fact: 1}}]",
            "conditions=[finetune_aug_local]", f"cache_dir={tmp_path / 'cache'}",
            f"augment.cache_dir={tmp_path / 'aug'}", f"model.cache_without_fingerprint={str(opted_in).lower()}",
            "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    err = capsys.readouterr().err
    cached = [p for folder in ("cache", "aug") for p in (tmp_path / folder).rglob("*.json")]
    if opted_in:
        assert len(cached) == 2 and "cache_without_fingerprint" not in err
    else:
        assert not cached and err.count("model.cache_without_fingerprint=true caches") == 2  # cells, augmentations
