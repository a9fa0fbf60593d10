"""The one contract every backend keeps, in strings (lm-evaluation-harness's `LM` in spirit), and
the place a backend is chosen by name.

    loglikelihood(requests, prefix)  log p(continuation | prefix + context) per (context, continuation);
                                     a trailing space of the context belongs to the continuation
    generate(prompts, prefix, ...)   continuations of prefix + prompt
    count_tokens(texts)              tokens per text, as this backend's model counts them
    chat_prompt(user_text)           the text before the assistant's reply, under the chat template
    identity()                       what a cache key needs to tell this model from any other
    facts()                          what a summary reports: label, dtype, device, context_window
    max_length, has_chat_template, can_finetune

Backends: `HFModel` (local weights: a built-in name, a folder, a .gguf file, a Hub id; the only
one that can be finetuned) and `OpenAIModel` (`openai:MODEL` at `model.base_url`). Nothing outside
iclft.models reaches into a backend beyond this contract, except finetuning, which needs local
weights (`can_finetune`).
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from iclft import IclftError
from iclft.models import SERVED


@runtime_checkable
class LanguageModel(Protocol):
    can_finetune: bool

    @property
    def max_length(self) -> int: ...

    @property
    def has_chat_template(self) -> bool: ...

    def chat_prompt(self, user_text: str) -> str: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def loglikelihood(self, requests: Sequence[tuple[str, str]], prefix: str = "", batch_size: int = 16,
                      progress: str | None = None): ...

    def generate(self, prompts: Sequence[str], prefix: str = "", **kwargs): ...

    def identity(self) -> dict: ...

    def facts(self) -> dict: ...


def is_served(name: str) -> bool:
    return name.startswith(SERVED)


def follows_weights(identity: dict) -> bool:
    """Whether `identity` changes when the weights do, so that a cache may key by it: local weights'
    always does (their files' sizes and times), a served model's where it holds a fingerprint."""
    return identity.get("backend") != "openai" or bool(identity.get("fingerprint"))


def load_model(m) -> LanguageModel:
    """The backend `m` (a ModelConfig) names, loaded."""
    if is_served(m.name):
        from iclft.models.openai_compat import OpenAIModel

        return OpenAIModel.load(m.name, m.base_url, m.api_key_env, m.context_window, m.tokenizer, m.timeout,
                                m.max_retries)
    if m.base_url:
        raise IclftError(f"model.base_url is for served models (model.name: openai:MODEL), not {m.name!r}")
    from iclft.models.hf import HFModel

    return HFModel.load(m.name, m.dtype, m.device, m.trust_remote_code)


def planned_identity(m, model: LanguageModel | None = None) -> tuple[dict, str]:
    """(identity, note) of the model `m` (a ModelConfig) names: its identity() for a cache key, and
    what a summary says of its weights (e.g. that they were dequantized; "" if nothing). A served
    model is asked (one request); local weights are found on disk, once, and not loaded; `model`, if
    given, is that model loaded already."""
    if is_served(m.name):
        return (model or load_model(m)).identity(), ""
    from iclft.models.hf import planned_identity as local

    return local(m.name, m.dtype, m.device, m.trust_remote_code, model)
