"""Fake Chat Completions servers: OpenAI, Azure OpenAI and a compatible server."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from codedoc_action.usage import Usage
from tests.fakes.providers.dialects import Dialect, as_text, truncate
from tests.fakes.providers.server import (
    FakeRequest,
    FakeResponse,
    count_tokens,
    fixture_body,
)

REASONING = re.compile(r"^(o\d+|gpt-5)([.-]|$)")
ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def strict_problem(schema: Any, path: str = "") -> str:
    """Return why OpenAI's strict mode rejects a schema, or ""."""
    if isinstance(schema, list):
        for item in schema:
            problem = strict_problem(item, path)
            if problem:
                return problem
        return ""
    if not isinstance(schema, dict):
        return ""
    if schema.get("type") == "object" or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            return (
                f"In context=({path}), 'additionalProperties' is required to be "
                "supplied and to be false."
            )
        properties = schema.get("properties") or {}
        missing = [
            name for name in properties if name not in (schema.get("required") or [])
        ]
        if missing:
            return (
                f"In context=({path}), 'required' is required to be supplied and "
                "to be an array including every key in properties. Missing "
                f"'{missing[0]}'."
            )
    for key, value in schema.items():
        problem = strict_problem(value, f"{path}, '{key}'" if path else f"'{key}'")
        if problem:
            return problem
    return ""


def _schema_in_prompt(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return a JSON schema the prompt tells the model to follow, if any.

    Like a model following instructions, the fake looks for the words "JSON
    schema" and reads the JSON object that comes after them.
    """
    text = _content_text(messages[0].get("content"))
    position = text.find("JSON schema")
    start = text.find("{", position) if position >= 0 else -1
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        )
    return ""


class OpenAIDialect(Dialect):
    kind = "openai"
    base_path = "/v1"

    def default_models(self) -> list[str]:
        return [item["id"] for item in fixture_body("openai/models_list.json")["data"]]

    def error_body(self, status: int, message: str) -> Any:
        return {
            "error": {
                "message": message,
                "type": "invalid_request_error" if status < 500 else "server_error",
                "param": None,
                "code": None,
            }
        }

    def request_headers(self) -> dict[str, str]:
        return {"x-request-id": f"req_{uuid.uuid4().hex}"}

    def respond(self, status: int, body: Any) -> FakeResponse:
        return FakeResponse(status, body, self.request_headers())

    # Auth and routing.

    def unauthorized(self, request: FakeRequest) -> FakeResponse | None:
        header = request.headers.get("authorization", "")
        if header == f"Bearer {self.fake.api_key}":
            return None
        if not header.startswith("Bearer "):
            return self.respond(
                401,
                self.error_body(
                    401,
                    "You didn't provide an API key. You need to provide your API key "
                    "in an Authorization header using Bearer auth.",
                ),
            )
        given = header.removeprefix("Bearer ")
        body = fixture_body("openai/error_401_invalid_api_key.json")
        masked = given[:3] + "*" * max(0, len(given) - 7) + given[-4:]
        body["error"]["message"] = body["error"]["message"].replace("BADTOKEN", masked)
        return self.respond(401, body)

    def handle(self, request: FakeRequest) -> FakeResponse:
        rejected = self.unauthorized(request)
        if rejected is not None:
            return rejected
        route = (request.method, request.path)
        if route == ("GET", "/v1/models"):
            return self.respond(200, self.models_body())
        if route == ("POST", "/v1/chat/completions"):
            return self.chat(request, model=None)
        return self.respond(
            404, self.error_body(404, f"Invalid URL ({request.method} {request.path})")
        )

    def models_body(self) -> dict[str, Any]:
        data = [
            {"id": model, "object": "model", "created": 0, "owned_by": "system"}
            for model in self.model_ids()
        ]
        return {"object": "list", "data": data}

    # Chat completions.

    def unknown_model(self, model: str) -> FakeResponse:
        body = fixture_body("openai/error_404_model_not_found_chat.json")
        body["error"]["message"] = body["error"]["message"].replace(
            "gpt-5.2-proo", model
        )
        return self.respond(404, body)

    def is_reasoning(self, model: str) -> bool:
        return bool(REASONING.match(model))

    def model_problem(self, model: str, body: dict[str, Any]) -> FakeResponse | None:
        """Return the 400 a model gives for options it does not take."""
        temperature = body.get("temperature")
        if temperature is not None and not 0 <= temperature <= 2:
            error = fixture_body("openai/error_400_temperature_out_of_range.json")
            error["error"]["message"] = error["error"]["message"].replace(
                "-1", str(temperature)
            )
            return self.respond(400, error)
        if not self.is_reasoning(model):
            return None
        if "max_tokens" in body:
            return self.respond(
                400, fixture_body("openai/error_400_max_tokens_unsupported.json")
            )
        if temperature is not None and temperature != 1:
            return self.respond(
                400, fixture_body("openai/error_400_temperature_unsupported.json")
            )
        roles = [message.get("role") for message in body["messages"]]
        if model.startswith("o1-mini") and "system" in roles:
            return self.respond(
                400, fixture_body("openai/error_400_unsupported_value_system_role.json")
            )
        return None

    def chat(self, request: FakeRequest, *, model: str | None) -> FakeResponse:
        body = request.json
        if not isinstance(body, dict):
            return self.respond(
                400,
                self.error_body(
                    400, "We could not parse the JSON body of your request."
                ),
            )
        model = model or body.get("model")
        if not model:
            return self.respond(
                400, self.error_body(400, "you must provide a model parameter")
            )
        if model not in self.model_ids():
            return self.unknown_model(str(model))
        problem = self.validate(body)
        if problem:
            return self.respond(400, self.error_body(400, problem))
        rejected = self.model_problem(str(model), body)
        if rejected is not None:
            return rejected
        schema, format_problem = self.response_schema(body)
        if format_problem is not None:
            return format_problem
        prompt = "".join(_content_text(m.get("content")) for m in body["messages"])
        prompt += json.dumps(body.get("response_format") or "")
        total = count_tokens(prompt)
        if total > self.fake.context_window:
            error = fixture_body("openai/error_400_context_length_exceeded.json")
            error["error"]["message"] = (
                f"This model's maximum context length is {self.fake.context_window} "
                f"tokens. However, your messages resulted in {total} tokens. Please "
                "reduce the length of the messages."
            )
            return self.respond(400, error)
        return self.respond(
            200, self.completion(request, body, str(model), prompt, total, schema)
        )

    def validate(self, body: dict[str, Any]) -> str:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "[] is too short - 'messages'"
        for index, message in enumerate(messages):
            if message.get("role") not in ROLES:
                return (
                    f"Invalid value: '{message.get('role')}'. Supported values are: "
                    "'system', 'assistant', 'user', 'tool', 'developer'. "
                    f"(messages[{index}].role)"
                )
            if not isinstance(message.get("content"), (str, list)):
                return f"Invalid type for 'messages[{index}].content'"
        return ""

    def response_schema(
        self, body: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, FakeResponse | None]:
        """Return the requested JSON schema, or the 400 for a malformed one."""
        response_format = body.get("response_format")
        if response_format is None:
            return None, None
        if response_format.get("type") != "json_schema":
            return None, None
        spec = response_format.get("json_schema") or {}
        name = str(spec.get("name", ""))
        if not SCHEMA_NAME.match(name):
            return None, self.respond(
                400,
                self.error_body(
                    400,
                    "Invalid 'response_format.json_schema.name': string does not "
                    "match pattern. Expected a string that matches the pattern "
                    "'^[a-zA-Z0-9_-]+$'.",
                ),
            )
        schema = spec.get("schema")
        if not isinstance(schema, dict):
            return None, self.respond(
                400,
                self.error_body(
                    400,
                    "Missing required parameter: 'response_format.json_schema.schema'.",
                ),
            )
        problem = strict_problem(schema) if spec.get("strict") else ""
        if problem:
            return None, self.respond(
                400,
                self.error_body(
                    400, f"Invalid schema for response_format '{name}': {problem}"
                ),
            )
        return schema, None

    def completion(
        self,
        request: FakeRequest,
        body: dict[str, Any],
        model: str,
        prompt: str,
        total: int,
        schema: dict[str, Any] | None,
    ) -> dict[str, Any]:
        prefix = "".join(_content_text(m.get("content")) for m in body["messages"][:-1])
        cached, _ = self.cache_lookup(prefix)
        text = as_text(self.answer(request, prompt, model, schema))
        reasoning = 8 + total % 16 if self.is_reasoning(model) else 0
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        visible = count_tokens(text)
        finish_reason = "stop"
        if limit is not None and visible + reasoning > limit:
            visible = max(0, limit - reasoning)
            text, finish_reason = truncate(text, visible), "length"
        self.fake.record_usage(
            Usage(
                input_tokens=total,
                output_tokens=visible + reasoning,
                cache_read_tokens=cached,
                reasoning_tokens=reasoning,
            )
        )
        return {
            "id": f"chatcmpl-fake{self.next_id():06d}",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": total,
                "completion_tokens": visible + reasoning,
                "total_tokens": total + visible + reasoning,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": reasoning},
            },
        }


class AzureDialect(OpenAIDialect):
    """An Azure OpenAI resource; ``models`` are deployment names."""

    kind = "azure-openai"
    base_path = ""
    # Reasoning deployments need this api-version or newer.
    REASONING_API_VERSION = "2024-12-01-preview"

    def default_models(self) -> list[str]:
        return ["gpt-4o", "o3-mini"]

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"code": str(status), "message": message}}

    def request_headers(self) -> dict[str, str]:
        return {"apim-request-id": str(uuid.uuid4())}

    def unauthorized(self, request: FakeRequest) -> FakeResponse | None:
        if request.headers.get("api-key") == self.fake.api_key:
            return None
        return self.respond(
            401,
            self.error_body(
                401,
                "Access denied due to invalid subscription key or wrong API endpoint. "
                "Make sure to provide a valid key for an active subscription and use a "
                "correct regional API endpoint for your resource.",
            ),
        )

    def handle(self, request: FakeRequest) -> FakeResponse:
        rejected = self.unauthorized(request)
        if rejected is not None:
            return rejected
        version = request.query.get("api-version")
        path = request.path
        if path.startswith("/openai/v1/"):
            # The fake's own rule: the v1 path is versionless, so a client that
            # still sends api-version is mixing the two URL forms.
            if version is not None:
                return self.respond(
                    400,
                    self.error_body(
                        400,
                        "api-version query parameter is not allowed when using "
                        "the /openai/v1 path",
                    ),
                )
            if (request.method, path) == ("GET", "/openai/v1/models"):
                return self.respond(200, self.models_body())
            if (request.method, path) == ("POST", "/openai/v1/chat/completions"):
                return self.chat(request, model=None)
            return self.respond(404, self.error_body(404, "Resource not found"))
        if version is None:
            return self.respond(404, self.error_body(404, "Resource not found"))
        if (request.method, path) == ("GET", "/openai/models"):
            return self.respond(200, self.models_body())
        match = re.fullmatch(r"/openai/deployments/([^/]+)/chat/completions", path)
        if request.method == "POST" and match:
            deployment = match.group(1)
            too_old = version < self.REASONING_API_VERSION
            known = deployment in self.model_ids()
            if known and self.is_reasoning(deployment) and too_old:
                return self.respond(
                    400, fixture_body("azure/error_400_api_version_too_old.json")
                )
            return self.chat(request, model=deployment)
        return self.respond(404, self.error_body(404, "Resource not found"))

    def models_body(self) -> dict[str, Any]:
        data = [
            {
                "id": model,
                "object": "model",
                "capabilities": {"chat_completion": "embedding" not in model},
                "lifecycle_status": "generally-available",
            }
            for model in self.model_ids()
        ]
        return {"object": "list", "data": data}

    def unknown_model(self, model: str) -> FakeResponse:
        return self.respond(
            404, fixture_body("azure/error_404_deployment_not_found.json")
        )


class CompatibleDialect(OpenAIDialect):
    """A self-hosted server (Ollama, vLLM) with an optional key."""

    kind = "openai-compatible"

    def default_models(self) -> list[str]:
        return ["qwen3:14b", "llama3.2:latest", "nomic-embed-text:latest"]

    def request_headers(self) -> dict[str, str]:
        return {}

    def unauthorized(self, request: FakeRequest) -> FakeResponse | None:
        if not self.fake.api_key:
            return None
        if request.headers.get("authorization") == f"Bearer {self.fake.api_key}":
            return None
        return self.respond(401, {"error": "Unauthorized"})

    def is_reasoning(self, model: str) -> bool:
        return False

    def unknown_model(self, model: str) -> FakeResponse:
        return self.respond(
            404,
            {
                "error": {
                    "message": f'model "{model}" not found, try pulling it first',
                    "type": "api_error",
                    "param": None,
                    "code": None,
                }
            },
        )

    def response_schema(
        self, body: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, FakeResponse | None]:
        mode = self.fake.structured_output
        has_format = (body.get("response_format") or {}).get("type") == "json_schema"
        if mode == "reject" and has_format:
            return None, self.respond(
                400,
                self.error_body(
                    400,
                    "response_format type 'json_schema' is not supported by "
                    "this server",
                ),
            )
        if mode == "ignore" and has_format:
            schema = body["response_format"]["json_schema"]["schema"]
            return {"__fenced__": schema}, None
        schema, problem = super().response_schema(body)
        if schema is None and problem is None:
            requested = _schema_in_prompt(body["messages"])
            if requested is not None:
                return {"__fenced__": requested}, None
        return schema, problem

    def answer(
        self,
        request: FakeRequest,
        prompt: str,
        model: str,
        schema: dict[str, Any] | None,
    ) -> str | dict[str, Any]:
        if schema is not None and "__fenced__" in schema:
            value = super().answer(request, prompt, model, schema["__fenced__"])
            if isinstance(value, dict):
                fenced = json.dumps(value, indent=1)
                return f"Here is the answer.\n\n```json\n{fenced}\n```\n"
            return value
        return super().answer(request, prompt, model, schema)
