"""The served backend against a real OpenAI-compatible server: llama.cpp's, from the PyPI package
llama-cpp-python[server] (built into the virtual environment by `make test`), serving the embedded
GGUF files of SmolLM2-135M and Gemma 3 270M on 127.0.0.1, started and stopped here.

What it measured (2026-11-30, llama-cpp-python 0.3.36): for SmolLM2 (no BOS token) its echoed prompt
log-probabilities are off by one (each prompt token's log-probability under the distribution that
follows it; its issue #1983), so iclft refuses to score through it, with one line, instead of scoring
at chance; the echoed values equal local weights' same-position values within QUANTIZATION nats,
which pins down what the server does; generation through it works and starts as local weights do.
For Gemma (prompts start with BOS) the echo is right: quick-study items pick the same choices as
local weights, every choice within AGREEMENT nats, and a study runs through it, with the finetuned
condition on local weights (finetune.model)."""
import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow
ALIAS = "smollm2-135m"
QUANTIZATION = 0.5  # nats: Q4_1 kernels in llama.cpp against the same file dequantized to float32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serve(model: str, alias: str, folder):
    """llama-cpp-python's server on `model` (a built-in name) at 127.0.0.1, stopped on exit."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python[server] is not installed (make test installs it)")
    from iclft.models.registry import resolve

    src = resolve(model)  # a package that is not installed is an IclftError: a failure, as make test installs it
    port, log = _free_port(), folder / "server.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", f"{src.path}/{src.gguf_file}", "--model_alias", alias,
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--logits_all", "true",
         "--n_threads", "1", "--n_batch", "512"],
        stdout=subprocess.DEVNULL, stderr=log.open("w"))  # a file: a full pipe would stall the server
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"the llama.cpp server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                    json.loads(r.read())
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the llama.cpp server did not answer in 120 s: {log.read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with _serve("smollm2-135m", ALIAS, tmp_path_factory.mktemp("llama-server")) as url:
        yield url


def _local(name: str):
    """The same GGUF file as local weights, dequantized to float32."""
    from iclft.models.hf import HFModel

    return HFModel.load(name, dtype="float32", device="cpu")


@pytest.fixture(scope="module")
def local():
    return _local("smollm2-135m")


def test_scoring_is_refused_because_the_servers_echo_is_off_by_one(server, local):
    import torch

    from iclft import IclftError
    from iclft.models.openai_compat import OpenAIModel

    served = OpenAIModel.load(f"openai:{ALIAS}", server, context_window=2048)
    with pytest.raises(IclftError, match=r"when generated, .* when echoed; .*issue #1983\), so it cannot score"):
        served.loglikelihood([("It is true that glon are wider than", " femp.")])
    # what the server returns: token i's log-probability at position i, not i - 1
    text = "It is true that glon are wider than femp."
    echo = served._echo([text])[0]["logprobs"]
    ids = local.encode(text)
    assert [local.tokenizer.decode([i]) for i in ids] == echo["tokens"][:len(ids)]
    with torch.no_grad():
        logp = local.model(torch.tensor([ids])).logits[0].log_softmax(-1)  # (T, vocab)
    same = [logp[i, ids[i]].item() for i in range(1, len(ids))]
    right = [logp[i - 1, ids[i]].item() for i in range(1, len(ids))]
    served_values = echo["token_logprobs"][1:len(ids)]
    off = max(abs(a - b) for a, b in zip(served_values, same))
    print(f"echo vs local same-position: max |diff| {off:.3f} nats; vs the right position: "
          f"{max(abs(a - b) for a, b in zip(served_values, right)):.3f}")
    assert off < QUANTIZATION < max(abs(a - b) for a, b in zip(served_values, right))


def test_generation_through_the_server_starts_with_one_of_local_weights_likeliest_tokens(server, local):
    """Greedy generation through the server begins with one of the three tokens local weights rank
    highest next (the Q4_1 kernels may reorder close ones: measured, the greedy continuations of "def add(a, b):"
    and "Water boils at" differ from local float32 weights' after the first token)."""
    import torch

    from iclft.models.openai_compat import OpenAIModel

    served = OpenAIModel.load(f"openai:{ALIAS}", server, context_window=2048)
    prompts = ["The capital of France is", "Once upon a time", "The largest planet in the solar system is",
               "My favourite colour is"]  # each followed by a word, not white space or digits
    there = served.generate(prompts, max_new_tokens=4)
    assert there.tokens_written > 0
    for prompt, row in zip(prompts, there.samples):
        with torch.no_grad():
            logits = local.model(torch.tensor([local.encode(prompt)])).logits[0, -1]
        top = [local.tokenizer.decode([i]).strip() for i in logits.topk(3).indices.tolist()]
        assert any(t and row[0].text.startswith(t) for t in top), (prompt, row[0].text, top)


def test_a_study_through_the_server_stops_with_one_line_and_leaves_nothing(server, tmp_path, capsys):
    from iclft.cli import main

    argv = ["run", "--preset", "quick", f"model.name=openai:{ALIAS}", f"model.base_url={server}",
            "model.tokenizer=smollm2-135m", "model.context_window=2048", "conditions=[pretrained, icl]", "cache_dir=null",
            "datasets=[{name: simple_reversal, params: {n_facts: 8, docs_per_fact: 2}}]", "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("iclft: error:")]
    assert len(errors) == 1 and "so it cannot score" in errors[0]
    assert not list(tmp_path.glob("run*"))


# ---------------------------------------------------------------- a server whose echo is right
# Gemma 3 270M starts every prompt with BOS, and llama-cpp-python's echo is right for such a model
# (its off-by-one drops the BOS row; for a model without BOS it drops the first real one), so this
# server passes the alignment check and scores. Measured agreement with the same GGUF file
# dequantized into torch: see README ("Served models") and benchmarks/backend_agreement.py.
GEMMA = "gemma"
# nats per choice (a statement's summed log-likelihood, about 8 tokens): Q4_K_M kernels with 8-bit
# activations in llama.cpp against the same file dequantized to float32. Measured over the quick
# study's 32 pretrained items (64 choices): median 0.30, 95th percentile 0.97, largest 1.33.
AGREEMENT = 2.0


@pytest.fixture(scope="module")
def gemma_server(tmp_path_factory):
    with _serve("gemma3-270m", GEMMA, tmp_path_factory.mktemp("gemma-server")) as url:
        yield url


@pytest.fixture(scope="module")
def gemma_local():
    return _local("gemma3-270m")


def test_a_server_with_a_right_echo_scores_as_local_weights_do(gemma_server, gemma_local):
    """Quick-study items asked in the study's frame (the instruction; plain text): through the
    server and through local weights of the same file, every item picks the same choice and every
    choice's log-likelihood agrees within AGREEMENT nats."""
    from iclft.config import IclConfig
    from iclft.data import generate
    from iclft.eval.frame import question_context
    from iclft.models.openai_compat import OpenAIModel

    served = OpenAIModel.load(f"openai:{GEMMA}", gemma_server, context_window=2048, tokenizer="gemma3-270m")
    generated, echoed = served.check_alignment()  # passes: the echoed value is the generated one
    assert abs(generated - echoed) <= 0.05
    items = generate("simple_reversal", seed=0, n_facts=16, docs_per_fact=2).test[:8]  # the quick study's first items
    scores, frames = {}, []
    for name, model in (("served", served), ("local", gemma_local)):
        ctx = question_context(model, IclConfig(), "same")
        frames.append(ctx.prefix)
        requests = [(ctx.item_context(it), " " + c) for it in items for c in it.choices]
        scores[name] = [s.logprob for s in model.loglikelihood(requests, prefix=ctx.prefix)]
    assert frames[0] == frames[1]  # plain text: this GGUF file carries no chat template
    diffs = [abs(a - b) for a, b in zip(scores["served"], scores["local"])]
    print(f"served vs local, {len(diffs)} choices: max |diff| {max(diffs):.3f} nats, "
          f"mean {sum(diffs) / len(diffs):.3f}")
    assert max(diffs) < AGREEMENT
    k = 0
    for it in items:
        n = len(it.choices)
        pick = [max(range(n), key=lambda i: scores[name][k + i]) for name in ("served", "local")]
        assert pick[0] == pick[1], (it.id, scores["served"][k:k + n], scores["local"][k:k + n])
        k += n


def test_a_study_runs_through_the_server_with_local_finetuning(gemma_server, tmp_path):
    """icl scored by the server, augmentations written by it, finetune_aug_local trained and scored
    on the same model's local weights (finetune.model): a whole run folder, both models named."""
    from iclft.cli import main

    run = tmp_path / "run"
    argv = ["run", "--preset", "quick", f"model.name=openai:{GEMMA}", f"model.base_url={gemma_server}",
            "model.tokenizer=gemma3-270m", "model.context_window=2048", "finetune.model=gemma3-270m",
            "finetune.epochs=1", "conditions=[icl, finetune_aug_local]", "cache_dir=null",
            f"augment.cache_dir={tmp_path / 'aug'}", "augment.local_max_new_tokens=32",
            "datasets=[{name: simple_reversal, params: {n_facts: 2, docs_per_fact: 1}}]", "--out", str(run)]
    assert main(argv) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["model"]["server_model_id"] == GEMMA and summary["model"]["device"] == gemma_server
    assert summary["model"]["finetune_model"]["name"] == "gemma3-270m"
    assert {r["condition"] for r in summary["results"]} == {"icl", "finetune_aug_local"}
    aug = [json.loads(line) for line in (run / "augment" / "simple_reversal__finetune_aug_local.jsonl").read_text().splitlines()]
    assert aug and all(r["provenance"]["model"]["base_url"] == gemma_server for r in aug)
    assert all(r["output"] for r in aug)  # the served model wrote something for every sentence


def test_imported_data_through_the_server_every_method_and_a_study(server, tmp_path):
    """Data iclft did not generate (the fictional corpus of tests/fixtures, imported) through a served
    model: `iclft augment` with every method on SmolLM2's server (it generates right; only its
    scoring is refused), two requests in flight; then a study whose self-QA augmentations the server
    writes and whose finetuning and scoring are local weights of the same model (finetune.model).
    Scoring through llama-cpp-python is slow (README, "Speed") and is tested above on generated data;
    every condition on this corpus runs on local weights in tests/unit/test_user_data_e2e.py."""
    from conftest import REPO
    from iclft.cli import main

    fictional = REPO / "tests" / "fixtures" / "fictional"
    data = tmp_path / "marrowby"
    assert main(["data", "import", "jsonl", "--documents", str(fictional / "documents.jsonl"), "--questions",
                 str(fictional / "questions.jsonl"), "--oracle", str(fictional / "oracle.jsonl"), "--out", str(data)]) == 0
    served = ["--model", f"openai:{ALIAS}", "--base-url", server, "--context-window", "2048"]
    for method in ("local", "global", "selfqa", "implications"):
        out = tmp_path / f"aug-{method}"
        assert main(["augment", str(data), "--method", method, *served, "--concurrency", "2", "--max-inputs", "2",
                     "--max-new-tokens", "24", "--no-cache", "--out", str(out)]) == 0
        facts = json.loads((out / "run.json").read_text())
        assert facts["totals"]["inputs"] == 2 and facts["settings"]["concurrency"] == 2
        assert facts["cost"]["generation"]["tokens_written"] > 0
        assert (out / "chat.jsonl").is_file() and (out / "text.jsonl").is_file()
    run = tmp_path / "run"
    assert main(["run", "--preset", "quick", f"model.name=openai:{ALIAS}", f"model.base_url={server}",
                 "model.context_window=2048", "finetune.model=smollm2-135m", "finetune.epochs=1",
                 f"datasets=[{{path: {data}, limit: 1}}]", "cache_dir=null", "conditions=[finetune_aug_selfqa]",
                 "augment.max_inputs=2", "augment.selfqa_max_new_tokens=24", f"augment.cache_dir={tmp_path / 'aug'}",
                 "--out", str(run)]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert {(r["condition"], r["split"]) for r in summary["results"]} == \
        {("finetune_aug_selfqa", s) for s in ("recall", "reversal", "inference")}
    assert {s["name"] for s in summary["shortcuts"]} >= {"verbatim", "cooccurrence"}
    aug = [json.loads(line) for line in (run / "augment" / "marrowby__finetune_aug_selfqa.jsonl").read_text().splitlines()]
    assert aug and all(r["provenance"]["model"]["base_url"] == server for r in aug)
