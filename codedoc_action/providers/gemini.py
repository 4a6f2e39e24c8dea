"""Google Gemini through the Gemini API (generativelanguage.googleapis.com/v1beta).

The key travels in the ``x-goog-api-key`` header and never in the URL, so it
cannot end up in proxy or server access logs. Structured answers use
``responseMimeType`` with a ``responseSchema`` translated from JSON Schema.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any
from urllib.parse import quote

from codedoc_action.errors import ProviderError
from codedoc_action.providers.base import Completion, CompletionRequest, ModelInfo
from codedoc_action.providers.finish import (
    BLOCKED,
    EMPTY,
    PROMPT_BLOCKED,
    TRUNCATED,
    Incomplete,
    incomplete_error,
)
from codedoc_action.providers.http_errors import request_id_of
from codedoc_action.providers.structured import parse_json_object
from codedoc_action.providers.wire import Wire, elapsed_since, input_name_for
from codedoc_action.usage import Usage

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"
PAGE_SIZE = 1000
BLOCK_REASONS = frozenset(
    {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
)
# Models that list generateContent but do not write text: image, speech and
# music generation, live audio, robotics and computer-use agents.
NOT_TEXT_MODEL = re.compile(
    r"embedding|imagen|veo|aqa|tts|image|nano-banana|lyria|native-audio|-live"
    r"|robotics|computer-use|deep-research"
)
# JSON Schema keywords that Gemini's Schema object also has.
SCHEMA_KEYWORDS = (
    "description",
    "enum",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "required",
    "minProperties",
    "maxProperties",
    "title",
)
SCHEMA_FORMATS = frozenset({"enum", "date-time", "int32", "int64", "float", "double"})
MAX_SCHEMA_DEPTH = 32


def model_id(model: str) -> str:
    """Return the model id without the ``models/`` prefix the API lists."""
    return model.removeprefix("models/")


def is_gemini_text_model(item: dict[str, Any]) -> bool:
    methods = item.get("supportedGenerationMethods") or []
    name = model_id(str(item.get("name", "")))
    return "generateContent" in methods and not NOT_TEXT_MODEL.search(name)


class GeminiProvider:
    """Gemini models, ``x-goog-api-key`` header."""

    name = "google"
    # gemini-2.5-flash: the stable Flash model, cheap enough for whole-repository
    # documentation with a 1M-token context; set model to gemini-2.5-pro for
    # harder repositories.
    default_model = "gemini-2.5-flash"

    def __init__(self, wire: Wire) -> None:
        self._wire = wire

    def close(self) -> None:
        """Close the HTTP connections; the provider cannot be used afterwards."""
        self._wire.http.close()

    def list_models(self) -> list[ModelInfo]:
        """Return the text models of the key, following nextPageToken pages."""
        models: list[ModelInfo] = []
        params = {"pageSize": str(PAGE_SIZE)}
        while True:
            body, _ = self._wire.call("GET", "models", params=params)
            for item in body.get("models") or []:
                if isinstance(item, dict) and is_gemini_text_model(item):
                    models.append(_model_info(item))
            token = body.get("nextPageToken")
            if not token:
                return models
            params = {"pageSize": str(PAGE_SIZE), "pageToken": str(token)}

    def count_tokens(self, request: CompletionRequest) -> int | None:
        generate = build_body(request)
        generate.pop("generationConfig", None)
        generate["model"] = f"models/{model_id(request.model)}"
        body, _ = self._wire.call(
            "POST",
            f"models/{quote(model_id(request.model), safe='')}:countTokens",
            body={"generateContentRequest": generate},
            model=request.model,
            input_name=input_name_for(request.stage),
        )
        return int(body.get("totalTokens") or 0)

    def complete(self, request: CompletionRequest) -> Completion:
        start = time.monotonic()
        body, response = self._wire.call(
            "POST",
            f"models/{quote(model_id(request.model), safe='')}:generateContent",
            body=build_body(request),
            model=request.model,
            input_name=input_name_for(request.stage),
        )
        request_id = request_id_of(response, body)
        usage = read_usage(body.get("usageMetadata"))
        model = str(body.get("modelVersion") or model_id(request.model))
        candidates = body.get("candidates") or []
        candidate = (
            candidates[0] if candidates and isinstance(candidates[0], dict) else {}
        )
        finish_reason = str(candidate.get("finishReason") or "")
        text = _candidate_text(candidate)
        problem = _incomplete(body, candidate, finish_reason, text)
        if problem is not None:
            raise incomplete_error(
                problem,
                provider=self.name,
                model=model,
                usage=usage,
                request_id=request_id,
            )
        data = None
        if request.json_schema is not None:
            data = parse_json_object(text, provider=self.name, request_id=request_id)
        seconds = elapsed_since(start)
        logger.info(
            "google %s completion: %d input (%d cached), %d output (%d thinking) "
            "tokens in %.1f s",
            model,
            usage.input_tokens,
            usage.cache_read_tokens,
            usage.output_tokens,
            usage.reasoning_tokens,
            seconds,
        )
        return Completion(
            text=text,
            usage=usage,
            model=model,
            seconds=seconds,
            finish_reason=finish_reason,
            request_id=request_id,
            data=data,
        )


def build_body(request: CompletionRequest) -> dict[str, Any]:
    """Return the generateContent body."""
    contents = [
        {
            "role": "model" if message.role == "assistant" else "user",
            "parts": [{"text": message.text}],
        }
        for message in request.messages
    ]
    config: dict[str, Any] = {"maxOutputTokens": request.max_output_tokens}
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.json_schema is not None:
        config["responseMimeType"] = "application/json"
        config["responseSchema"] = to_gemini_schema(request.json_schema)
    body: dict[str, Any] = {"contents": contents, "generationConfig": config}
    if request.system:
        body["systemInstruction"] = {"parts": [{"text": request.system}]}
    return body


def to_gemini_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate a JSON Schema into Gemini's Schema object (an OpenAPI subset).

    Local ``$ref`` into ``$defs`` or ``definitions`` is inlined, a ``null`` type
    becomes ``nullable``, and keywords Gemini rejects (``additionalProperties``,
    ``$schema``, ``default``, unknown formats) are dropped.
    """
    definitions = dict(schema.get("definitions") or {})
    definitions.update(schema.get("$defs") or {})
    return _convert(schema, definitions, 0)


def _convert(
    schema: dict[str, Any], definitions: dict[str, Any], depth: int
) -> dict[str, Any]:
    if depth > MAX_SCHEMA_DEPTH:
        raise ProviderError(
            "the JSON schema for a structured answer nests deeper than "
            f"{MAX_SCHEMA_DEPTH} levels or refers to itself, which Gemini's "
            "responseSchema cannot express. This is a codedoc-action bug.",
            provider="google",
        )
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = definitions.get(ref.rsplit("/", 1)[-1], {})
        return _convert(target, definitions, depth + 1)
    out: dict[str, Any] = {}
    kind = schema.get("type")
    if isinstance(kind, list):
        if "null" in kind:
            out["nullable"] = True
        kind = next((item for item in kind if item != "null"), "null")
    if isinstance(kind, str):
        out["type"] = kind.upper()
    for keyword in SCHEMA_KEYWORDS:
        if keyword in schema:
            out[keyword] = schema[keyword]
    if "const" in schema:
        out["enum"] = [schema["const"]]
    if schema.get("format") in SCHEMA_FORMATS:
        out["format"] = schema["format"]
    properties = schema.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {
            name: _convert(value, definitions, depth + 1)
            for name, value in properties.items()
        }
        out["propertyOrdering"] = list(properties)
    if isinstance(schema.get("items"), dict):
        out["items"] = _convert(schema["items"], definitions, depth + 1)
    variants = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(variants, list):
        kept = [item for item in variants if item.get("type") != "null"]
        if len(kept) < len(variants):
            out["nullable"] = True
        if len(kept) == 1:
            out.update(_convert(kept[0], definitions, depth + 1))
        elif kept:
            out["anyOf"] = [_convert(item, definitions, depth + 1) for item in kept]
    return out


def read_usage(metadata: object) -> Usage:
    """Normalise Gemini usage metadata.

    ``promptTokenCount`` already contains ``cachedContentTokenCount``, but
    ``thoughtsTokenCount`` is outside ``candidatesTokenCount``, so the output
    is their sum.
    """
    if not isinstance(metadata, dict):
        logger.warning("google returned no usage; this call counts as 0 tokens")
        return Usage()
    thoughts = int(metadata.get("thoughtsTokenCount") or 0)
    return Usage(
        input_tokens=int(metadata.get("promptTokenCount") or 0),
        output_tokens=int(metadata.get("candidatesTokenCount") or 0) + thoughts,
        cache_read_tokens=int(metadata.get("cachedContentTokenCount") or 0),
        reasoning_tokens=thoughts,
    )


def _candidate_text(candidate: dict[str, Any]) -> str:
    content = candidate.get("content") or {}
    parts = content.get("parts") if isinstance(content, dict) else None
    texts = [
        str(part.get("text") or "")
        for part in parts or []
        if isinstance(part, dict) and not part.get("thought")
    ]
    return "".join(texts)


def _incomplete(
    body: dict[str, Any], candidate: dict[str, Any], finish_reason: str, text: str
) -> Incomplete | None:
    if not body.get("candidates"):
        feedback = body.get("promptFeedback") or {}
        block_reason = (
            feedback.get("blockReason") if isinstance(feedback, dict) else None
        )
        if block_reason:
            return Incomplete(PROMPT_BLOCKED, f"blockReason {block_reason}")
        return Incomplete(EMPTY, "no candidates")
    if finish_reason == "MAX_TOKENS":
        return Incomplete(TRUNCATED, finish_reason)
    if finish_reason in BLOCK_REASONS:
        return Incomplete(BLOCKED, finish_reason)
    if finish_reason not in ("STOP", ""):
        return Incomplete(EMPTY, finish_reason)
    if not text.strip():
        return Incomplete(EMPTY, finish_reason or "no text")
    return None


def _model_info(item: dict[str, Any]) -> ModelInfo:
    context = item.get("inputTokenLimit")
    output = item.get("outputTokenLimit")
    return ModelInfo(
        id=model_id(str(item["name"])),
        display_name=str(item.get("displayName") or ""),
        context_window=context if isinstance(context, int) else None,
        max_output_tokens=output if isinstance(output, int) else None,
        extra={"thinking": bool(item.get("thinking"))},
    )
