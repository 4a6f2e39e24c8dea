"""The interface every AI provider implements.

Callers build a ``CompletionRequest`` and get a ``Completion`` back; they never
see a provider's JSON or an httpx exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from codedoc_action.errors import ProviderError
from codedoc_action.usage import Usage


@dataclass(frozen=True)
class Message:
    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class CompletionRequest:
    """One call to the model.

    ``cacheable_prefix`` is the number of leading messages shared by the calls of
    a run; providers with explicit prompt caching mark the end of that prefix.
    ``json_schema`` asks for structured output through the provider's own
    mechanism (tool use, JSON schema, response schema); ``Completion.data`` then
    holds the parsed object.
    """

    model: str
    system: str
    messages: tuple[Message, ...]
    max_output_tokens: int
    stage: str = "write"
    json_schema: dict[str, Any] | None = None
    schema_name: str = "answer"
    cacheable_prefix: int = 0
    temperature: float | None = None


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage
    model: str
    seconds: float
    finish_reason: str
    request_id: str | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModelInfo:
    id: str
    display_name: str = ""
    context_window: int | None = None
    max_output_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    """An AI provider for one run: a base URL, a key and a fixed HTTP client."""

    name: str
    default_model: str

    def list_models(self) -> list[ModelInfo]:
        """Return the text-generation models this key can use, all pages."""
        ...

    def complete(self, request: CompletionRequest) -> Completion:
        """Send one request; raise a ``ProviderError`` subclass on failure."""
        ...

    def count_tokens(self, request: CompletionRequest) -> int | None:
        """Return the provider's count of input tokens, or None when it has none."""
        ...


class ContextLengthError(ProviderError):
    """The prompt is longer than the model's context window.

    A ``ProviderError`` subclass, so callers that do not split prompts treat it
    as any other provider failure; callers that can shorten the prompt catch it.
    """
