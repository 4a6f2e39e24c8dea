"""Chat Completions, the wire format of OpenAI, Azure OpenAI and compatible servers.

``ChatCompletionsProvider`` builds the request, reads the response and usage,
and adapts to a model that rejects an option. When the server returns 400
naming ``max_tokens``, ``temperature``, the system role, strict mode or
``response_format``, the request is sent again without that option, and the
change is kept for the model's later calls. Subclasses choose the URL, the
defaults and the models.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from codedoc_action.providers.base import Completion, CompletionRequest, ModelInfo
from codedoc_action.providers.finish import (
    BLOCKED,
    EMPTY,
    REFUSED,
    TRUNCATED,
    Incomplete,
    incomplete_error,
)
from codedoc_action.providers.http_errors import ErrorBody, read_error, request_id_of
from codedoc_action.providers.structured import (
    fenced_json_instruction,
    is_strict_compatible,
    parse_json_object,
    schema_name,
)
from codedoc_action.providers.wire import Wire, elapsed_since, input_name_for
from codedoc_action.usage import Usage

logger = logging.getLogger(__name__)

# OpenAI's reasoning families take max_completion_tokens and reject temperature.
REASONING_MODEL = re.compile(r"^(o\d+|gpt-5)([.-]|$)")
UNSUPPORTED_CODES = frozenset({"unsupported_parameter", "unsupported_value"})
# Sends per call: the first, plus one per option a server may reject (token
# field, temperature, system role, strict schema, response_format).
MAX_ADAPTATIONS = 6


def is_reasoning_model(model: str) -> bool:
    """True for OpenAI's o-series and gpt-5 families."""
    return bool(REASONING_MODEL.match(model))


@dataclass
class ChatOptions:
    """Request options for one model, narrowed when the server rejects one."""

    max_completion_tokens: bool = False
    send_temperature: bool = True
    system_role: bool = True
    json_schema: bool = True
    strict_schema: bool = True


class ChatCompletionsProvider:
    """Shared client for every ``/chat/completions`` server."""

    name = "openai"
    default_model = ""

    def __init__(self, wire: Wire) -> None:
        self._wire = wire
        self._options: dict[str, ChatOptions] = {}

    # Hooks for subclasses.

    def chat_path(self, model: str) -> str:
        return "chat/completions"

    def query(self) -> dict[str, str] | None:
        return None

    def models_path(self) -> str:
        return "models"

    def initial_options(self, model: str) -> ChatOptions:
        return ChatOptions()

    def is_text_model(self, model: dict[str, Any]) -> bool:
        return True

    # Provider protocol.

    def close(self) -> None:
        """Close the HTTP connections; the provider cannot be used afterwards."""
        self._wire.http.close()

    def list_models(self) -> list[ModelInfo]:
        body, _ = self._wire.call("GET", self.models_path(), params=self.query())
        models = [item for item in body.get("data") or [] if isinstance(item, dict)]
        found = [
            _model_info(item)
            for item in models
            if item.get("id") and self.is_text_model(item)
        ]
        return sorted(found, key=lambda info: info.id)

    def count_tokens(self, request: CompletionRequest) -> int | None:
        return None

    def complete(self, request: CompletionRequest) -> Completion:
        options = self._options.setdefault(
            request.model, self.initial_options(request.model)
        )
        input_name = input_name_for(request.stage)
        start = time.monotonic()
        for _ in range(MAX_ADAPTATIONS):
            response = self._wire.send(
                "POST",
                self.chat_path(request.model),
                body=self.build_body(request, options),
                params=self.query(),
            )
            if response.status_code == 400 and self._adapt(
                options, read_error(response), request
            ):
                continue
            break
        body = self._wire.check(response, model=request.model, input_name=input_name)
        return self._read_completion(
            body,
            request,
            request_id=request_id_of(response, body),
            seconds=elapsed_since(start),
            fenced=request.json_schema is not None and not options.json_schema,
        )

    # Request.

    def build_body(
        self, request: CompletionRequest, options: ChatOptions
    ) -> dict[str, Any]:
        """Return the JSON body of a chat completion request."""
        system = request.system
        if request.json_schema is not None and not options.json_schema:
            system = (
                f"{system}\n\n{fenced_json_instruction(request.json_schema)}".strip()
            )
        messages: list[dict[str, Any]] = []
        texts = [(message.role, message.text) for message in request.messages]
        if system and options.system_role:
            messages.append({"role": "system", "content": system})
        elif system and texts and texts[0][0] == "user":
            texts[0] = ("user", f"{system}\n\n{texts[0][1]}")
        elif system:
            texts.insert(0, ("user", system))
        messages += [{"role": role, "content": text} for role, text in texts]
        body: dict[str, Any] = {"model": request.model, "messages": messages}
        if options.max_completion_tokens:
            body["max_completion_tokens"] = request.max_output_tokens
        else:
            body["max_tokens"] = request.max_output_tokens
        if request.temperature is not None and options.send_temperature:
            body["temperature"] = request.temperature
        if request.json_schema is not None and options.json_schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": schema_name(request.schema_name),
                    "schema": request.json_schema,
                    "strict": options.strict_schema
                    and is_strict_compatible(request.json_schema),
                },
            }
        return body

    def _adapt(
        self, options: ChatOptions, error: ErrorBody, request: CompletionRequest
    ) -> bool:
        """Drop the option a 400 names; return False when none applies."""
        change = _rejected_option(error, options, request)
        if change == "max_tokens":
            options.max_completion_tokens = True
        elif change == "max_completion_tokens":
            options.max_completion_tokens = False
        elif change == "temperature":
            options.send_temperature = False
        elif change == "system role":
            options.system_role = False
        elif change == "strict schema":
            options.strict_schema = False
        elif change == "response_format":
            options.json_schema = False
        else:
            return False
        logger.info(
            "%s model %s rejected %s (%s); sending the request again without it",
            self.name,
            request.model,
            change,
            error.code or "HTTP 400",
        )
        return True

    # Answer.

    def _read_completion(
        self,
        body: dict[str, Any],
        request: CompletionRequest,
        *,
        request_id: str | None,
        seconds: float,
        fenced: bool,
    ) -> Completion:
        usage = read_usage(body.get("usage"), provider=self.name)
        model = str(body.get("model") or request.model)
        choices = body.get("choices") or []
        choice = choices[0] if choices and isinstance(choices[0], dict) else {}
        message = choice.get("message") or {}
        finish_reason = str(choice.get("finish_reason") or "")
        text = _content_text(message.get("content"))
        problem = _incomplete(choices, finish_reason, message, text)
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
        logger.info(
            "%s %s completion: %d input, %d cached, %d output tokens in %.1f s%s",
            self.name,
            model,
            usage.input_tokens,
            usage.cache_read_tokens,
            usage.output_tokens,
            seconds,
            " (JSON from a fenced block)" if fenced and data is not None else "",
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


def _rejected_option(
    error: ErrorBody, options: ChatOptions, request: CompletionRequest
) -> str:
    """Return the option a 400 rejects, if this client can do without it."""
    message = error.message.lower()
    unsupported = error.code in UNSUPPORTED_CODES or "unsupported" in message
    names_max_tokens = error.param == "max_tokens" or "'max_tokens'" in message
    names_completion_tokens = error.param == "max_completion_tokens" or (
        "unrecognized" in message and "max_completion_tokens" in message
    )
    names_system = error.param.startswith("messages") and "'system'" in message
    names_format = "response_format" in f"{error.param} {message}" or (
        "json_schema" in message
    )
    if names_max_tokens and not options.max_completion_tokens:
        return "max_tokens"
    if names_completion_tokens and options.max_completion_tokens:
        return "max_completion_tokens"
    if error.param == "temperature" and unsupported and options.send_temperature:
        return "temperature"
    if names_system and unsupported and options.system_role:
        return "system role"
    if names_format and request.json_schema is not None and options.json_schema:
        # A schema strict mode cannot express is first sent without strict, and
        # only a server that rejects json_schema altogether gets the fence.
        strict = options.strict_schema and is_strict_compatible(request.json_schema)
        return "strict schema" if strict else "response_format"
    return ""


def _incomplete(
    choices: list[Any], finish_reason: str, message: dict[str, Any], text: str
) -> Incomplete | None:
    if not choices:
        return Incomplete(EMPTY, "no choices")
    if message.get("refusal"):
        return Incomplete(REFUSED, f"refusal: {message['refusal']}")
    if finish_reason == "length":
        return Incomplete(TRUNCATED, finish_reason)
    if finish_reason == "content_filter":
        return Incomplete(BLOCKED, finish_reason)
    if not text.strip():
        return Incomplete(EMPTY, finish_reason or "no content")
    return None


def _content_text(content: object) -> str:
    """Return the text of a message whose content is a string or a part list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") in ("text", "output_text")
        ]
        return "".join(parts)
    return ""


def read_usage(usage: object, *, provider: str) -> Usage:
    """Normalise Chat Completions usage.

    ``prompt_tokens`` already contains the cached tokens, and
    ``completion_tokens`` already contains the reasoning tokens.
    """
    if not isinstance(usage, dict):
        logger.warning("%s returned no usage; this call counts as 0 tokens", provider)
        return Usage()
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        cache_read_tokens=int(prompt_details.get("cached_tokens") or 0),
        cache_write_tokens=int(prompt_details.get("cache_write_tokens") or 0),
        reasoning_tokens=int(completion_details.get("reasoning_tokens") or 0),
    )


def _model_info(item: dict[str, Any]) -> ModelInfo:
    """Build a ModelInfo, reading the context sizes servers add to /models."""
    context = None
    meta = item.get("meta")
    for value in (
        item.get("context_window"),
        item.get("max_model_len"),
        item.get("context_length"),
        meta.get("n_ctx_train") if isinstance(meta, dict) else None,
    ):
        if isinstance(value, int) and value > 0:
            context = value
            break
    return ModelInfo(id=str(item["id"]), context_window=context)
