"""Fake Anthropic Messages API: /v1/models, /v1/messages, /v1/messages/count_tokens."""

from __future__ import annotations

import json
import re
from typing import Any

from codedoc_action.usage import Usage
from tests.fakes.providers.dialects import Dialect, as_text, truncate
from tests.fakes.providers.server import (
    FakeRequest,
    FakeResponse,
    count_tokens,
    fixture_body,
)

API_VERSIONS = ("2023-06-01", "2023-01-01")
TOP_LEVEL_FIELDS = frozenset(
    {
        "model",
        "max_tokens",
        "messages",
        "system",
        "temperature",
        "tools",
        "tool_choice",
        "metadata",
        "stop_sequences",
        "stream",
        "top_k",
        "top_p",
        "thinking",
        "cache_control",
        "service_tier",
    }
)
MAX_CACHE_BREAKPOINTS = 4
DATED = re.compile(r"-\d{8}$")


class AnthropicDialect(Dialect):
    kind = "anthropic"

    def default_models(self) -> list[str]:
        body = fixture_body("anthropic/models_list.json")
        return [item["id"] for item in body["data"]]

    def error_body(self, status: int, message: str) -> Any:
        kinds = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            429: "rate_limit_error",
            529: "overloaded_error",
        }
        kind = kinds.get(status, "api_error")
        return {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": f"req_fake{self.next_id():06d}",
        }

    def _error(self, status: int, message: str) -> FakeResponse:
        body = self.error_body(status, message)
        return FakeResponse(status, body, {"request-id": body["request_id"]})

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.headers.get("x-api-key") != self.fake.api_key:
            body = fixture_body("anthropic/error_401_authentication_error.json")
            return FakeResponse(401, body, {"request-id": body["request_id"]})
        version = request.headers.get("anthropic-version")
        if version is None:
            return self._error(400, "anthropic-version: header is required")
        if version not in API_VERSIONS:
            return self._error(400, f"anthropic-version: invalid version {version!r}")
        route = (request.method, request.path)
        if route == ("GET", "/v1/models"):
            return self._models(request)
        if route == ("POST", "/v1/messages"):
            return self._messages(request, count_only=False)
        if route == ("POST", "/v1/messages/count_tokens"):
            return self._messages(request, count_only=True)
        return self._error(404, f"Not found: {request.method} {request.path}")

    def _models(self, request: FakeRequest) -> FakeResponse:
        ids = self.model_ids()
        after = request.query.get("after_id")
        start = ids.index(after) + 1 if after in ids else 0
        limit = int(request.query.get("limit") or 20)
        chunk, more = self.page(ids, limit, start)
        data = [
            {"type": "model", "id": model, "display_name": model, "created_at": ""}
            for model in chunk
        ]
        body = {
            "data": data,
            "has_more": more,
            "first_id": chunk[0] if chunk else None,
            "last_id": chunk[-1] if chunk else None,
        }
        return FakeResponse(200, body, {"request-id": f"req_fake{self.next_id():06d}"})

    def _known(self, model: str) -> bool:
        ids = self.model_ids()
        return model in ids or any(DATED.sub("", known) == model for known in ids)

    def _messages(self, request: FakeRequest, *, count_only: bool) -> FakeResponse:
        body = request.json
        if not isinstance(body, dict):
            return self._error(400, "Invalid JSON body")
        problem = _validate(body, count_only=count_only)
        if problem:
            return self._error(400, problem)
        model = str(body["model"])
        if not self._known(model):
            error = fixture_body("anthropic/error_404_model_not_found.json")
            error = json.loads(json.dumps(error).replace("claude-sonet-4-5", model))
            return FakeResponse(404, error, {"request-id": error["request_id"]})
        blocks = _prompt_blocks(body)
        prompt = "".join(text for text, _ in blocks)
        total = count_tokens(prompt)
        if total > self.fake.context_window:
            return self._error(
                400,
                f"prompt is too long: {total} tokens > "
                f"{self.fake.context_window} maximum",
            )
        if count_only:
            return FakeResponse(200, {"input_tokens": total})
        limit = int(body["max_tokens"])
        if limit > self.fake.max_output_tokens:
            return self._error(
                400,
                f"max_tokens: {limit} > {self.fake.max_output_tokens}, which is the "
                f"maximum allowed number of output tokens for {model}",
            )
        return self._answer(request, body, blocks, prompt, total)

    def _answer(
        self,
        request: FakeRequest,
        body: dict[str, Any],
        blocks: list[tuple[str, bool]],
        prompt: str,
        total: int,
    ) -> FakeResponse:
        model = str(body["model"])
        cache_read, cache_write = self._cache(blocks)
        tool = (body.get("tool_choice") or {}).get("name")
        schema = None
        if tool:
            schema = next(t["input_schema"] for t in body["tools"] if t["name"] == tool)
        answer = self.answer(request, prompt, model, schema)
        limit = int(body["max_tokens"])
        stop_reason = "end_turn"
        if tool and isinstance(answer, dict):
            content = [
                {"type": "tool_use", "id": "toolu_fake", "name": tool, "input": answer}
            ]
            stop_reason = "tool_use"
            output = count_tokens(json.dumps(answer))
        else:
            text = as_text(answer)
            output = count_tokens(text)
            if output > limit:
                text, output, stop_reason = truncate(text, limit), limit, "max_tokens"
            content = [{"type": "text", "text": text}]
        usage = {
            "input_tokens": total - cache_read - cache_write,
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
            "output_tokens": output,
        }
        self.fake.record_usage(
            Usage(
                input_tokens=total,
                output_tokens=output,
                cache_read_tokens=cache_read,
                cache_write_tokens=cache_write,
            )
        )
        answer_body = {
            "id": f"msg_fake{self.next_id():06d}",
            "type": "message",
            "role": "assistant",
            "model": _dated(model, self.model_ids()),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }
        return FakeResponse(
            200, answer_body, {"request-id": f"req_fake{self.next_id():06d}"}
        )

    def _cache(self, blocks: list[tuple[str, bool]]) -> tuple[int, int]:
        marks = [index for index, (_, marked) in enumerate(blocks) if marked]
        if not marks:
            return 0, 0
        prefix = "".join(text for text, _ in blocks[: marks[-1] + 1])
        return self.cache_lookup(prefix)


def _dated(model: str, ids: list[str]) -> str:
    for known in ids:
        if DATED.sub("", known) == model:
            return known
    return model


def _prompt_blocks(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """Return the prompt as (text, has cache_control) in cache order."""
    blocks: list[tuple[str, bool]] = []
    if body.get("tools"):
        blocks.append((json.dumps(body["tools"]), False))
    system = body.get("system")
    if isinstance(system, str):
        blocks.append((system, False))
    for block in system if isinstance(system, list) else []:
        blocks.append((str(block.get("text", "")), "cache_control" in block))
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            blocks.append((content, False))
            continue
        for block in content:
            blocks.append((str(block.get("text", "")), "cache_control" in block))
    return blocks


def _validate(body: dict[str, Any], *, count_only: bool) -> str:
    """Return the API's message for an invalid body, or "" when it is valid."""
    for name in body:
        if name not in TOP_LEVEL_FIELDS:
            return f"{name}: Extra inputs are not permitted"
    required = (
        ("model", "messages") if count_only else ("model", "max_tokens", "messages")
    )
    for name in required:
        if name not in body:
            return f"{name}: Field required"
    if not count_only and (
        not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1
    ):
        return "max_tokens: Input should be a valid integer greater than 0"
    temperature = body.get("temperature")
    if temperature is not None and not 0 <= temperature <= 1:
        return "temperature: Input should be less than or equal to 1"
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for index, message in enumerate(messages):
        if message.get("role") not in ("user", "assistant"):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'"
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if block.get("type") != "text" or not isinstance(
                    block.get("text"), str
                ):
                    return f"messages.{index}.content: text blocks need a text string"
                if block.get("text") == "":
                    return (
                        f"messages.{index}.content: text content blocks must be "
                        "non-empty"
                    )
        elif not isinstance(content, str):
            return f"messages.{index}.content: Input should be a valid list"
    marks = json.dumps(body).count('"cache_control"')
    if marks > MAX_CACHE_BREAKPOINTS:
        return (
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be "
            f"provided. Found {marks}."
        )
    choice = body.get("tool_choice")
    if choice is not None:
        names = [tool.get("name") for tool in body.get("tools") or []]
        if choice.get("type") == "tool" and choice.get("name") not in names:
            return f"tool_choice: tool {choice.get('name')!r} is not in tools"
    return ""
