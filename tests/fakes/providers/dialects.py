"""What the fake providers share: default answers, prompt caching and model lists."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from typing import TYPE_CHECKING, Any

from tests.fakes.providers.server import FakeRequest, FakeResponse, count_tokens

if TYPE_CHECKING:
    from tests.fakes.providers.server import FakeProviderServer

# The providers cache a prompt prefix only from this size on (Anthropic Sonnet,
# OpenAI and Gemini Flash all start at 1,024 tokens).
CACHE_MIN_TOKENS = 1024


def example_from_schema(schema: Any, definitions: dict[str, Any] | None = None) -> Any:
    """Return a small value that satisfies a JSON schema (objects fully filled)."""
    if not isinstance(schema, dict):
        return None
    if definitions is None:
        definitions = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    if "$ref" in schema:
        target = definitions.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return example_from_schema(target, definitions)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return example_from_schema(schema[key][0], definitions)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), "null")
    kind = str(kind).lower()  # Gemini's Schema spells types in capitals
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {
            name: example_from_schema(value, definitions)
            for name, value in properties.items()
        }
    if kind == "array":
        count = max(1, int(schema.get("minItems") or 0))
        item = example_from_schema(
            schema.get("items") or {"type": "string"}, definitions
        )
        return [item for _ in range(count)]
    return {
        "string": "example",
        "integer": max(1, int(schema.get("minimum") or 0)),
        "number": float(schema.get("minimum") or 1.0),
        "boolean": True,
        "null": None,
    }.get(kind, "example")


def default_text(prompt: str, model: str) -> str:
    """Return the fake's deterministic Markdown answer to a prompt."""
    digest = hashlib.sha256(prompt.encode()).hexdigest()[:12]
    return (
        "# Repository overview\n\n"
        f"This section was written by the fake model `{model}`.\n\n"
        "## Summary\n\n"
        f"- The prompt had {len(prompt):,} characters.\n"
        f"- Prompt digest: `{digest}`.\n"
    )


class Dialect:
    """Base of one wire format: routing, auth and error shapes are per kind."""

    base_path = ""
    kind = ""

    def __init__(self, fake: FakeProviderServer, models: list[str] | None) -> None:
        self.fake = fake
        self._model_ids = list(models) if models is not None else self.default_models()
        self._cached_prefixes: set[str] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def default_models(self) -> list[str]:
        raise NotImplementedError

    def model_ids(self) -> list[str]:
        return list(self._model_ids)

    def error_body(self, status: int, message: str) -> Any:
        raise NotImplementedError

    def handle(self, request: FakeRequest) -> FakeResponse:
        raise NotImplementedError

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def answer(
        self,
        request: FakeRequest,
        prompt: str,
        model: str,
        schema: dict[str, Any] | None,
    ) -> str | dict[str, Any]:
        """Return the test's reply, or the default text or schema example."""
        if self.fake.reply is not None:
            return self.fake.reply(request)
        if schema is not None:
            value = example_from_schema(schema)
            return value if isinstance(value, dict) else {"value": value}
        return default_text(prompt, model)

    def cache_lookup(self, prefix: str) -> tuple[int, int]:
        """Return (tokens read, tokens written) for a cacheable prompt prefix."""
        tokens = count_tokens(prefix)
        if tokens < CACHE_MIN_TOKENS:
            return 0, 0
        key = hashlib.sha256(prefix.encode()).hexdigest()
        with self._lock:
            if key in self._cached_prefixes:
                return tokens, 0
            self._cached_prefixes.add(key)
        return 0, tokens

    def page(
        self, items: list[Any], requested: int, start: int
    ) -> tuple[list[Any], bool]:
        """Return one page of a model list and whether more follow."""
        size = max(1, requested)
        if self.fake.page_size is not None:
            size = min(size, self.fake.page_size)
        chunk = items[start : start + size]
        return chunk, start + size < len(items)


def truncate(text: str, max_tokens: int) -> str:
    """Cut text to what fits in ``max_tokens`` at four characters per token."""
    return text[: max(0, max_tokens * 4)]


def as_text(answer: str | dict[str, Any]) -> str:
    return answer if isinstance(answer, str) else json.dumps(answer)


def make_dialect(fake: FakeProviderServer, models: list[str] | None) -> Dialect:
    from tests.fakes.providers.anthropic_fake import AnthropicDialect
    from tests.fakes.providers.google_fake import GoogleDialect
    from tests.fakes.providers.openai_fake import (
        AzureDialect,
        CompatibleDialect,
        OpenAIDialect,
    )

    dialects: dict[str, type[Dialect]] = {
        "anthropic": AnthropicDialect,
        "openai": OpenAIDialect,
        "google": GoogleDialect,
        "azure-openai": AzureDialect,
        "openai-compatible": CompatibleDialect,
    }
    return dialects[fake.kind](fake, models)
