"""Fake Gemini API: models list, generateContent and countTokens under /v1beta."""

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

ROUTE = re.compile(r"/v1beta/models/([^/:]+):(generateContent|countTokens)")
TOP_LEVEL_FIELDS = frozenset(
    {
        "contents",
        "systemInstruction",
        "generationConfig",
        "safetySettings",
        "tools",
        "toolConfig",
        "cachedContent",
    }
)
CONFIG_FIELDS = frozenset(
    {
        "maxOutputTokens",
        "temperature",
        "topP",
        "topK",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "stopSequences",
        "candidateCount",
        "thinkingConfig",
        "responseModalities",
        "seed",
    }
)
SCHEMA_FIELDS = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "nullable",
        "enum",
        "maxItems",
        "minItems",
        "properties",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "example",
        "anyOf",
        "propertyOrdering",
        "default",
        "items",
        "minimum",
        "maximum",
    }
)
THINKING_MODEL = re.compile(r"gemini-(2\.5|3)")
METHODS = (
    ("embedding", ["embedContent", "countTokens"]),
    ("imagen", ["predict"]),
    ("veo", ["predictLongRunning"]),
    ("aqa", ["generateAnswer"]),
)


def _methods(model: str) -> list[str]:
    for marker, methods in METHODS:
        if marker in model:
            return methods
    return ["generateContent", "countTokens"]


def schema_problem(schema: Any, path: str) -> str:
    """Return the API's message for a field Gemini's Schema lacks, or ""."""
    if not isinstance(schema, dict):
        return ""
    for name, value in schema.items():
        if name not in SCHEMA_FIELDS:
            return (
                f'Invalid JSON payload received. Unknown name "{name}" at '
                f"'{path}': Cannot find field."
            )
        children: list[Any] = []
        if name == "properties" and isinstance(value, dict):
            children = list(value.values())
        elif name == "items":
            children = [value]
        elif name == "anyOf" and isinstance(value, list):
            children = value
        for child in children:
            problem = schema_problem(child, path)
            if problem:
                return problem
    return ""


class GoogleDialect(Dialect):
    kind = "google"
    base_path = "/v1beta"

    def default_models(self) -> list[str]:
        body = fixture_body("gemini/models_list_page1.json")
        return [item["name"].removeprefix("models/") for item in body["models"]]

    def error_body(self, status: int, message: str) -> Any:
        names = {
            400: "INVALID_ARGUMENT",
            403: "PERMISSION_DENIED",
            404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            503: "UNAVAILABLE",
        }
        return {
            "error": {
                "code": status,
                "message": message,
                "status": names.get(status, "UNKNOWN"),
            }
        }

    def _error(self, status: int, message: str) -> FakeResponse:
        return FakeResponse(status, self.error_body(status, message))

    def handle(self, request: FakeRequest) -> FakeResponse:
        if "key" in request.query:
            # Stricter than Google, which accepts ?key=: the product promises
            # that the key never travels in a URL, where logs would keep it.
            return self._error(
                400, "fake: the API key must not be sent in the URL query"
            )
        if request.headers.get("x-goog-api-key") != self.fake.api_key:
            return FakeResponse(
                400, fixture_body("gemini/error_400_api_key_invalid.json")
            )
        if (request.method, request.path) == ("GET", "/v1beta/models"):
            return self._models(request)
        match = ROUTE.fullmatch(request.path)
        if request.method == "POST" and match:
            model, method = match.groups()
            if model not in self.model_ids() or method not in _methods(model):
                body = fixture_body("gemini/error_404_model_not_found.json")
                body["error"]["message"] = (
                    f"models/{model} is not found for API version v1beta, or is not "
                    f"supported for {method}. Call ModelService.ListModels to see the "
                    "list of available models and their supported methods."
                )
                return FakeResponse(404, body)
            return self._generate(request, model, count_only=method == "countTokens")
        return self._error(404, f"Method not found: {request.method} {request.path}")

    def _models(self, request: FakeRequest) -> FakeResponse:
        ids = self.model_ids()
        start = int(request.query.get("pageToken") or 0)
        chunk, more = self.page(ids, int(request.query.get("pageSize") or 50), start)
        models = [
            {
                "name": f"models/{model}",
                "displayName": model,
                "inputTokenLimit": self.fake.context_window,
                "outputTokenLimit": self.fake.max_output_tokens,
                "supportedGenerationMethods": _methods(model),
            }
            for model in chunk
        ]
        body: dict[str, Any] = {"models": models}
        if more:
            body["nextPageToken"] = str(start + len(chunk))
        return FakeResponse(200, body)

    def _generate(
        self, request: FakeRequest, model: str, *, count_only: bool
    ) -> FakeResponse:
        body = request.json
        if not isinstance(body, dict):
            return self._error(400, "Invalid JSON payload received.")
        if count_only:
            body = body.get("generateContentRequest", body)
        problem = _validate(body)
        if problem:
            return self._error(400, problem)
        config = body.get("generationConfig") or {}
        prompt = _prompt(body)
        total = count_tokens(prompt)
        if total > self.fake.context_window:
            return self._error(
                400,
                f"The input token count ({total}) exceeds the maximum number of tokens "
                f"allowed ({self.fake.context_window}).",
            )
        if count_only:
            return FakeResponse(200, {"totalTokens": total})
        return FakeResponse(
            200, self._answer(request, body, config, model, prompt, total)
        )

    def _answer(
        self,
        request: FakeRequest,
        body: dict[str, Any],
        config: dict[str, Any],
        model: str,
        prompt: str,
        total: int,
    ) -> dict[str, Any]:
        contents = body["contents"]
        prefix = _text(body.get("systemInstruction")) + "".join(
            _text(content) for content in contents[:-1]
        )
        cached, _ = self.cache_lookup(prefix)
        schema = config.get("responseSchema")
        text = as_text(self.answer(request, prompt, model, schema))
        thoughts = 8 + total % 16 if THINKING_MODEL.search(model) else 0
        limit = config.get("maxOutputTokens")
        visible = count_tokens(text)
        finish_reason = "STOP"
        if limit is not None and visible + thoughts > limit:
            visible = max(0, limit - thoughts)
            text, finish_reason = truncate(text, visible), "MAX_TOKENS"
        self.fake.record_usage(
            Usage(
                input_tokens=total,
                output_tokens=visible + thoughts,
                cache_read_tokens=cached,
                reasoning_tokens=thoughts,
            )
        )
        usage: dict[str, Any] = {
            "promptTokenCount": total,
            "candidatesTokenCount": visible,
            "totalTokenCount": total + visible + thoughts,
        }
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        if cached:
            usage["cachedContentTokenCount"] = cached
        parts = [{"text": text}] if text else []
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": parts},
                    "finishReason": finish_reason,
                    "index": 0,
                }
            ],
            "usageMetadata": usage,
            "modelVersion": model,
            "responseId": f"fake{self.next_id():06d}",
        }


def _text(content: Any) -> str:
    if not isinstance(content, dict):
        return ""
    return "".join(str(part.get("text", "")) for part in content.get("parts") or [])


def _prompt(body: dict[str, Any]) -> str:
    config = body.get("generationConfig") or {}
    text = _text(body.get("systemInstruction"))
    text += "".join(_text(content) for content in body["contents"])
    if config.get("responseSchema"):
        text += json.dumps(config["responseSchema"])
    return text


def _validate(body: dict[str, Any]) -> str:
    for name in body:
        if name not in TOP_LEVEL_FIELDS and name != "model":
            return (
                f'Invalid JSON payload received. Unknown name "{name}": '
                "Cannot find field."
            )
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        return "* GenerateContentRequest.contents: contents is not specified"
    for index, content in enumerate(contents):
        if content.get("role") not in ("user", "model"):
            return f"Please use a valid role: user, model. (contents[{index}])"
        if not content.get("parts"):
            return (
                f"* GenerateContentRequest.contents[{index}].parts: "
                "contents.parts must not be empty."
            )
    config = body.get("generationConfig") or {}
    for name in config:
        if name not in CONFIG_FIELDS:
            return (
                f'Invalid JSON payload received. Unknown name "{name}" at '
                "'generation_config': Cannot find field."
            )
    if "responseSchema" in config:
        if config.get("responseMimeType") != "application/json":
            return (
                "* GenerationConfig.response_schema: responseMimeType must be "
                "application/json when a response schema is set."
            )
        return schema_problem(
            config["responseSchema"], "generation_config.response_schema"
        )
    return ""
