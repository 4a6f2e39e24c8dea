"""Anthropic through the Messages API (https://api.anthropic.com/v1/messages).

Requests carry ``x-api-key`` and ``anthropic-version``. The end of the
cacheable prefix gets ``cache_control`` so repeated calls of a run read the
shared context from the prompt cache. Structured answers come from a forced
call of one tool whose input schema is the requested JSON schema.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from codedoc_action.providers.base import Completion, CompletionRequest, ModelInfo
from codedoc_action.providers.finish import (
    EMPTY,
    REFUSED,
    TRUNCATED,
    Incomplete,
    incomplete_error,
)
from codedoc_action.providers.http_errors import request_id_of
from codedoc_action.providers.structured import schema_name
from codedoc_action.providers.wire import Wire, elapsed_since, input_name_for
from codedoc_action.usage import Usage

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
PAGE_SIZE = 1000
COMPLETE_STOP_REASONS = frozenset({"end_turn", "stop_sequence", "tool_use"})
TRUNCATED_STOP_REASONS = frozenset({"max_tokens", "model_context_window_exceeded"})
CACHE_CONTROL = {"type": "ephemeral"}


class AnthropicProvider:
    """Claude models, ``x-api-key`` header."""

    name = "anthropic"
    # Claude Sonnet 4.5, pinned to its dated id so a run's output does not change
    # when Anthropic moves the alias; /v1/models lists dated ids only.
    default_model = "claude-sonnet-4-5-20250929"

    def __init__(self, wire: Wire) -> None:
        self._wire = wire

    def close(self) -> None:
        """Close the HTTP connections; the provider cannot be used afterwards."""
        self._wire.http.close()

    def list_models(self) -> list[ModelInfo]:
        """Return every model of the key, following has_more/after_id pages."""
        models: list[ModelInfo] = []
        params = {"limit": str(PAGE_SIZE)}
        while True:
            body, _ = self._wire.call("GET", "v1/models", params=params)
            for item in body.get("data") or []:
                if isinstance(item, dict) and item.get("id"):
                    models.append(_model_info(item))
            last_id = body.get("last_id")
            if not body.get("has_more") or not last_id:
                return models
            params = {"limit": str(PAGE_SIZE), "after_id": str(last_id)}

    def count_tokens(self, request: CompletionRequest) -> int | None:
        body = build_body(request)
        for field in ("max_tokens", "temperature"):
            body.pop(field, None)
        answer, _ = self._wire.call(
            "POST",
            "v1/messages/count_tokens",
            body=body,
            model=request.model,
            input_name=input_name_for(request.stage),
        )
        return int(answer.get("input_tokens") or 0)

    def complete(self, request: CompletionRequest) -> Completion:
        start = time.monotonic()
        body, response = self._wire.call(
            "POST",
            "v1/messages",
            body=build_body(request),
            model=request.model,
            input_name=input_name_for(request.stage),
        )
        request_id = request_id_of(response, body)
        usage = read_usage(body.get("usage"))
        model = str(body.get("model") or request.model)
        stop_reason = str(body.get("stop_reason") or "")
        text, data = _read_content(body.get("content"), request)
        problem = _incomplete(stop_reason, text, data, request)
        if problem is not None:
            raise incomplete_error(
                problem,
                provider=self.name,
                model=model,
                usage=usage,
                request_id=request_id,
            )
        seconds = elapsed_since(start)
        logger.info(
            "anthropic %s completion: %d input (%d cache read, %d cache write), "
            "%d output tokens in %.1f s",
            model,
            usage.input_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.output_tokens,
            seconds,
        )
        return Completion(
            text=text,
            usage=usage,
            model=model,
            seconds=seconds,
            finish_reason=stop_reason,
            request_id=request_id,
            data=data,
        )


def build_body(request: CompletionRequest) -> dict[str, Any]:
    """Return the Messages API body, with cache_control ending the shared prefix."""
    messages: list[dict[str, Any]] = [
        {"role": message.role, "content": [{"type": "text", "text": message.text}]}
        for message in request.messages
    ]
    if 0 < request.cacheable_prefix <= len(messages):
        last_block = messages[request.cacheable_prefix - 1]["content"][-1]
        last_block["cache_control"] = dict(CACHE_CONTROL)
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_output_tokens,
        "messages": messages,
    }
    if request.system:
        body["system"] = [{"type": "text", "text": request.system}]
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.json_schema is not None:
        name = schema_name(request.schema_name)
        body["tools"] = [
            {
                "name": name,
                "description": "Record the answer in the required structure.",
                "input_schema": request.json_schema,
            }
        ]
        body["tool_choice"] = {"type": "tool", "name": name}
    return body


def read_usage(usage: object) -> Usage:
    """Normalise Anthropic usage.

    Anthropic reports cache reads and writes on top of ``input_tokens``, so the
    prompt's size is the sum of the three. ``output_tokens`` already includes
    thinking, which newer responses break out in ``output_tokens_details``.
    """
    if not isinstance(usage, dict):
        logger.warning("anthropic returned no usage; this call counts as 0 tokens")
        return Usage()
    cache_read = int(usage.get("cache_read_input_tokens") or 0)
    cache_write = int(usage.get("cache_creation_input_tokens") or 0)
    details = usage.get("output_tokens_details") or {}
    return Usage(
        input_tokens=int(usage.get("input_tokens") or 0) + cache_read + cache_write,
        output_tokens=int(usage.get("output_tokens") or 0),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=int(details.get("thinking_tokens") or 0),
    )


def _read_content(
    content: object, request: CompletionRequest
) -> tuple[str, dict[str, Any] | None]:
    """Return the answer text and, for structured requests, the tool input."""
    texts: list[str] = []
    data: dict[str, Any] | None = None
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text") or ""))
        elif block.get("type") == "tool_use" and isinstance(block.get("input"), dict):
            data = block["input"]
    if request.json_schema is not None and data is not None:
        return json.dumps(data, ensure_ascii=False), data
    return "".join(texts), None


def _incomplete(
    stop_reason: str,
    text: str,
    data: dict[str, Any] | None,
    request: CompletionRequest,
) -> Incomplete | None:
    if stop_reason in TRUNCATED_STOP_REASONS:
        return Incomplete(TRUNCATED, stop_reason)
    if stop_reason == "refusal":
        return Incomplete(REFUSED, stop_reason)
    if stop_reason not in COMPLETE_STOP_REASONS:
        # pause_turn and any reason added later: the turn did not finish.
        return Incomplete(EMPTY if not text else TRUNCATED, stop_reason or "none")
    if request.json_schema is not None and data is None:
        return Incomplete(EMPTY, f"{stop_reason} without the forced tool call")
    if not text.strip():
        return Incomplete(EMPTY, stop_reason)
    return None


def _model_info(item: dict[str, Any]) -> ModelInfo:
    context = item.get("max_input_tokens")
    output = item.get("max_tokens")
    return ModelInfo(
        id=str(item["id"]),
        display_name=str(item.get("display_name") or ""),
        context_window=context if isinstance(context, int) else None,
        max_output_tokens=output if isinstance(output, int) else None,
    )
