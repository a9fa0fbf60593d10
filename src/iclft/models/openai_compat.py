"""A model behind an OpenAI-compatible completions server (vLLM, llama.cpp's server, a hosted one).

`model.name: openai:MODEL` with `model.base_url: http://HOST:PORT/v1`; the key, if the server wants
one, comes from the environment variable `model.api_key_env` (default OPENAI_API_KEY) and is never
written anywhere.

Scoring is lm-evaluation-harness's `local-completions` method in strings: one completions request
per (prefix + context + continuation) with `echo: true`, `logprobs: 1` and `max_tokens: 1`; the
server returns every prompt token with its log-probability and character offset, and

    log p(continuation | prefix + context) = sum of token_logprobs over the prompt tokens
                                             that start at or after len(prefix + context)

(the one generated token is not part of the prompt, so it is left out). A token that straddles the
boundary (the server merged the last context character with the first continuation character) is
counted with the continuation. A server that returns no prompt log-probabilities is an error at
the first request, naming what it returned. Before its first scoring request iclft checks that the
server's prompt log-probabilities are its model's (`check_alignment`). Measured on 2026-11-30 with
llama-cpp-python's server (0.3.36): for a model that starts prompts with BOS (Gemma 3) the echo is
right, and scores agree with local weights of the same GGUF file (README, "A served model"); for a
model without BOS (SmolLM2) every prompt token gets the log-probability of the distribution that
*follows* it (off by one, its open issue #1983), and llama.cpp's own server returns none for the
prompt (its issue #27174). Either would score at chance without a word, so both are refused for
scoring, and either can still generate. Where the server caches prompt prefixes (llama.cpp and
vLLM do), the shared in-context documents are evaluated once by the server.

Every request is bounded and retried as iclft.models.transport says (model.timeout,
model.max_retries). The weights behind a model id are fingerprinted by the log-probabilities of a fixed prompt (one
request), which the cell cache key holds (`identity`).

Generation is one completions request per prompt batch (`n` samples, `temperature`, `top_p`,
`seed`, `stop`), or one per prompt with several in flight (`concurrency`). Finetuning needs local
weights: this backend cannot train.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from iclft import IclftError
from iclft.models import SERVED
from iclft.models.generation import Generations, Sample
from iclft.models.hf import ContinuationScore, tokenizer_adds_bos
from iclft.models.transport import Refused, Server, check_base_url, request

__all__ = ["OpenAIModel", "Server"]

log = logging.getLogger(__name__)
PROBE = "The capital of France is"
FINGERPRINT_PROMPT = "A fixed prompt whose log-probabilities change with the weights: the quick brown fox, 1 2 3."
FINGERPRINT_DECIMALS = 2  # nats rounded so: a server's own noise rarely moves them, new weights do
ALIGNMENT_TOLERANCE = 0.05  # nats: one server, one model, the same token; only rounding may differ


class OpenAIModel:
    """The backend contract (iclft.models.base.LanguageModel) over HTTP."""

    can_finetune = False

    def __init__(self, server: Server, context_window: int = 0, tokenizer=None):
        self.server = server
        self.tokenizer = tokenizer  # local HF tokenizer, for the chat template only (optional)
        self._lists: bool | None = None  # whether the server takes several prompts per request
        self._aligned = False  # whether the server's prompt log-probabilities passed check_alignment
        self._fingerprint: str | None | bool = False  # False: not asked yet
        self._info = self._model_info()
        self._version = self._server_version()
        self._window = context_window or self._reported_window()

    @classmethod
    def load(cls, name: str, base_url: str, api_key_env: str = "OPENAI_API_KEY", context_window: int = 0,
             tokenizer: str = "", timeout=None, max_retries: int = 3) -> "OpenAIModel":
        """`timeout`: model.timeout (connect, read, total seconds); None: the defaults."""
        if not name.startswith(SERVED) or not name[len(SERVED):]:
            raise IclftError(f"model.name {name!r}: a served model is named openai:MODEL")
        if not base_url:
            raise IclftError(f"model.name {name!r} needs model.base_url (for example http://127.0.0.1:8000/v1)")
        base_url = check_base_url(base_url)
        tok = None
        if tokenizer:
            from transformers import AutoTokenizer

            from iclft.models.registry import resolve

            src = resolve(tokenizer)
            kwargs = {"gguf_file": src.gguf_file} if src.gguf_file else {}
            tok = AutoTokenizer.from_pretrained(src.path, **kwargs)
        times = {} if timeout is None else {"connect_timeout": timeout.connect, "read_timeout": timeout.read,
                                           "total_timeout": timeout.total}
        return cls(Server(base_url, name[len(SERVED):], api_key_env, max_retries=max_retries, **times),
                   context_window, tok)

    # ---------------------------------------------------------------- HTTP
    def _model_info(self) -> dict:
        models = request(self.server, "/models").get("data", [])
        ids = [m.get("id") for m in models]
        if self.server.model not in ids:
            raise IclftError(f"{self.server.base_url}: serves {', '.join(map(str, ids)) or 'no model'}, "
                             f"not {self.server.model!r}")
        return next(m for m in models if m.get("id") == self.server.model)

    def _server_version(self) -> dict:
        """What the server says of its own version, where it says it: vLLM at /version, llama.cpp's
        server at /props (build_info), and the HTTP `server` header of the models request; a server
        that reports none is recorded as such, and is then told apart by its URL and model only."""
        root = self.server.base_url.removesuffix("/v1")
        out = {}
        for path, field in (("/version", "version"), ("/props", "build_info")):
            try:
                with urllib.request.urlopen(root + path, timeout=5) as resp:
                    value = json.loads(resp.read().decode("utf-8")).get(field)
                if value:
                    out[field] = str(value)
            except (OSError, ValueError, AttributeError):  # absent, not JSON, not a mapping
                pass
        try:
            with urllib.request.urlopen(f"{self.server.base_url}/models", timeout=5) as resp:
                if resp.headers.get("server"):
                    out["http_server"] = resp.headers["server"]
        except OSError:
            pass
        return out or {"version": "not reported"}

    def _reported_window(self) -> int:
        info = self._info
        n = info.get("max_model_len") or (info.get("meta") or {}).get("n_ctx") or (info.get("meta") or {}).get(
            "n_ctx_train")
        if not n:
            raise IclftError(f"{self.server.base_url} does not report the context window of "
                             f"{self.server.model!r}; set model.context_window")
        return int(n)

    # ---------------------------------------------------------------- the contract
    @property
    def max_length(self) -> int:
        return self._window

    @property
    def has_chat_template(self) -> bool:
        return bool(self.tokenizer is not None and getattr(self.tokenizer, "chat_template", None))

    def chat_prompt(self, user_text: str) -> str:
        if not self.has_chat_template:
            raise IclftError("no chat template: give model.tokenizer (a local tokenizer with one)")
        text = self.tokenizer.apply_chat_template(
            [{"role": "user", "content": user_text}], tokenize=False, add_generation_prompt=True)
        bos = self.tokenizer.bos_token
        if bos and text.startswith(bos) and tokenizer_adds_bos(self.tokenizer):
            # the server starts every prompt with BOS itself for such a model (llama.cpp and vLLM
            # do); the template's own would make two, and every score would be of another sequence
            text = text[len(bos):]
        return text

    def identity(self) -> dict:
        """What a cache key needs: the server, the model id, what the server says of it and of its
        own version, and the fingerprint of the weights it serves (None where it gives none)."""
        return {"backend": "openai", "base_url": self.server.base_url, "model": self.server.model,
                "server_model": {k: self._info.get(k) for k in sorted(self._info) if k != "permission"},
                "server_version": self._version, "fingerprint": self.fingerprint()}

    def fingerprint(self) -> str | None:
        """A digest of the server's log-probabilities of FINGERPRINT_PROMPT, rounded to
        FINGERPRINT_DECIMALS nats, asked once (one request): other weights behind the same model id
        and URL give another, though the server reports nothing else that changes with them. None
        where the server gives no log-probabilities or refuses the request."""
        if self._fingerprint is False:
            self._fingerprint = self._ask_fingerprint()
        return self._fingerprint

    def _ask_fingerprint(self) -> str | None:
        fields = {"echo": True, "logprobs": 1, "max_tokens": 1, "temperature": 0.0}
        try:
            answer = request(self.server, "/completions", {"model": self.server.model, "prompt": [FINGERPRINT_PROMPT],
                                                    **fields})
        except Refused as e:
            log.info("no fingerprint of the served weights: %s", e)
            return None
        choices = answer.get("choices")
        first = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        lp = first.get("logprobs") if isinstance(first.get("logprobs"), dict) else {}
        values = [round(v, FINGERPRINT_DECIMALS) + 0.0 for v in lp.get("token_logprobs") or []
                  if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not values:
            return None
        probe = json.dumps({"tokens": lp.get("tokens"), "logprobs": values}, sort_keys=True)
        return hashlib.sha256(probe.encode()).hexdigest()[:16]

    def facts(self) -> dict:
        return {"label": f"{self.server.model} (served at {self.server.base_url})", "dtype": "as served",
                "device": self.server.base_url, "context_window": self.max_length,
                "server_model_id": self.server.model, "server_version": self._version}

    def count_tokens(self, texts: Sequence[str], batch_size: int = 16) -> list[int]:
        """Tokens of each text as the server counts them (echoed prompt tokens, less the generated one)."""
        out = []
        for i in range(0, len(texts), batch_size):
            batch = list(texts[i:i + batch_size])
            out += [sum(1 for off in c["logprobs"]["text_offset"] if off < len(t))
                    for t, c in zip(batch, self._echo(batch))]
        return out

    def _completions(self, prompts: list[str], fields: dict, per_prompt: int = 1) -> tuple[list[dict], dict]:
        """(choices in prompt order, usage) for `prompts`, `per_prompt` choices each: one request for
        all of them where the server takes a list of prompts, else one request per prompt (llama.cpp's
        Python server takes one; found out at the first request of several, then remembered)."""
        def post(batch: list[str], retries: int | None = None) -> tuple[list[dict], dict]:  # noqa: E306
            out = request(self.server, "/completions", {"model": self.server.model, "prompt": batch, **fields}, retries)
            choices = sorted(out.get("choices", []), key=lambda c: c.get("index", 0))
            if len(choices) != len(batch) * per_prompt:
                raise IclftError(f"{self.server.base_url}: {len(choices)} completions for {len(batch)} "
                                 f"prompts x {per_prompt}")
            return choices, out.get("usage") or {}

        if len(prompts) > 1 and self._lists is not False:
            try:
                found = post(prompts, retries=None if self._lists else 0)
                self._lists = True
                return found
            except IclftError as e:
                if self._lists:
                    raise
                log.info("%s takes one prompt per request (%s)", self.server.base_url, e)
                self._lists = False
        choices, usage = [], {}
        for p in prompts:
            c, u = post([p])
            choices += c
            for k, v in u.items():
                usage[k] = usage.get(k, 0) + v if isinstance(v, int) else v
        return choices, usage

    def _echo(self, prompts: list[str]) -> list[dict]:
        choices, _ = self._completions(prompts, {"echo": True, "logprobs": 1, "max_tokens": 1, "temperature": 0.0})
        for c in choices:
            lp = c.get("logprobs") or {}
            if not lp.get("token_logprobs") or not lp.get("text_offset"):
                raise IclftError(f"{self.server.base_url}: the server returned no prompt log-probabilities "
                                 f"(echo with logprobs); it cannot score (llama.cpp: start the server "
                                 f"with logits_all)")
        return choices

    def check_alignment(self, prompt: str = PROBE) -> tuple[float, float] | None:
        """A server's prompt log-probabilities checked against its own: the greedy next token's
        log-probability as generated, and as the last prompt token of prompt + that token. They
        must agree; llama-cpp-python's server reports each prompt token's log-probability under the
        distribution that follows it (its issue #1983), which this finds. Returns the two values,
        or None where the tokenization gives no token starting at the boundary (nothing to compare)."""
        gen, _ = self._completions([prompt], {"max_tokens": 1, "temperature": 0.0, "logprobs": 1})
        lp = gen[0].get("logprobs") or {}
        if not lp.get("token_logprobs") or lp["token_logprobs"][0] is None:
            raise IclftError(f"{self.server.base_url}: no log-probability for a generated token; it cannot score")
        token, generated = gen[0].get("text", ""), lp["token_logprobs"][0]
        echo = self._echo([prompt + token])[0]["logprobs"]
        at = [k for k, off in enumerate(echo["text_offset"]) if off == len(prompt)]
        if not token or not at or echo["token_logprobs"][at[0]] is None:
            return None
        echoed = echo["token_logprobs"][at[0]]
        if abs(echoed - generated) > ALIGNMENT_TOLERANCE:
            raise IclftError(
                f"{self.server.base_url}: its prompt log-probabilities are not those of its own model "
                f"({token!r} after {prompt!r}: {generated:.3f} when generated, {echoed:.3f} when echoed; "
                f"llama-cpp-python's server does this for models that start prompts without BOS, its issue "
                f"#1983), so it cannot score; a server whose echo is right can (vLLM; llama-cpp-python serving "
                f"a model with BOS, such as Gemma), and this one can still generate")
        return generated, echoed

    def loglikelihood(self, requests: Sequence[tuple[str, str]], prefix: str = "", batch_size: int = 16,
                      progress: str | None = None, **_) -> list[ContinuationScore]:
        """log p(continuation | prefix + context) for each (context, continuation), `batch_size`
        prompts per request. The first call checks the server's alignment (`check_alignment`)."""
        from tqdm import tqdm

        if not self._aligned:
            self.check_alignment()
            self._aligned = True
        out: list[ContinuationScore] = []
        starts = list(range(0, len(requests), batch_size))
        for i in tqdm(starts, desc=progress, unit="request", leave=False, disable=progress is None):
            batch = requests[i:i + batch_size]
            texts = [prefix + ctx + cont for ctx, cont in batch]
            for (ctx, cont), text, choice in zip(batch, texts, self._echo(texts)):
                if not cont:
                    raise IclftError(f"empty continuation after {ctx[-40:]!r}: nothing to score")
                out.append(_continuation_score(choice["logprobs"], len(prefix) + len(ctx), len(text), cont))
        return out

    def generate(self, prompts: Sequence[str], prefix: str = "", max_new_tokens: int = 64,
                 temperature: float = 0.0, top_p: float = 1.0, seed: int = 0, stop: Sequence[str] = (),
                 n_samples: int = 1, batch_size: int = 8, progress: str | None = None, concurrency: int = 1,
                 **_) -> Generations:
        """`n_samples` continuations of prefix + prompt for each prompt, in prompt order: `batch_size`
        prompts a request, one request after another; or, with `concurrency` above 1, one request per
        prompt, at most `concurrency` of them in flight at once (each retried as any request is)."""
        t0, samples, read, written = time.perf_counter(), [], 0, 0
        fields = {"max_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p, "seed": seed,
                  "n": n_samples, **({"stop": list(stop)} if stop else {})}
        size = 1 if concurrency > 1 else batch_size
        batches = [[prefix + p for p in prompts[i:i + size]] for i in range(0, len(prompts), size)]

        def ask(batch: list[str]) -> tuple[list[dict], dict]:
            return self._completions(batch, fields, per_prompt=n_samples)

        if concurrency > 1:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                answers = list(pool.map(ask, batches))  # in the order of the batches
        else:
            answers = map(ask, batches)  # lazily: one request after another, as they are read
        for batch, (choices, usage) in zip(batches, answers):
            read += usage.get("prompt_tokens", 0)
            written += usage.get("completion_tokens", 0)
            per = max(1, usage.get("completion_tokens", 0) // max(1, len(choices)))
            for k in range(len(batch)):
                row = choices[k * n_samples:(k + 1) * n_samples]
                samples.append([Sample(c.get("text", "").strip(), per, c.get("finish_reason") == "stop")
                                for c in row])
        return Generations(samples, read, written, time.perf_counter() - t0)


def _continuation_score(logprobs: dict, boundary: int, end: int, continuation: str) -> ContinuationScore:
    """Sum the log-probabilities of the prompt tokens from `boundary` (character offset) to `end`;
    a token starting before the boundary but reaching past it belongs to the continuation."""
    offsets, values, tokens = logprobs["text_offset"], logprobs["token_logprobs"], logprobs.get("tokens") or []
    total, n = 0.0, 0
    for k, (off, lp) in enumerate(zip(offsets, values)):
        if off >= end:
            break  # the generated token
        token_end = offsets[k + 1] if k + 1 < len(offsets) else off + len(tokens[k] if k < len(tokens) else "")
        if off >= boundary or token_end > boundary:
            if lp is None:
                raise IclftError("the server gave no log-probability for a continuation token")
            total += lp
            n += 1
    if n == 0:
        raise IclftError(f"no continuation tokens found for {continuation!r} in the server's answer")
    return ContinuationScore(total, n, len(continuation.encode("utf-8")))
