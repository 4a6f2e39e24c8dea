"""An in-process fake AI provider for the pipeline tests.

It behaves like a strict provider: unknown models, empty output limits and
requests over its context window are rejected. Usage is computed from the
request text, completions are deterministic, each call can sleep, and every
request is recorded so tests can search what would have been sent.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codedoc_action.errors import ModelNotFoundError, ProviderError
from codedoc_action.providers.base import Completion, CompletionRequest, ModelInfo
from codedoc_action.usage import Usage

Responder = Callable[[CompletionRequest], tuple[str, dict[str, Any] | None]]

CHANGE_LINE = re.compile(r"^[AMDRCT] (?:\S+ -> )?(?P<path>\S+) \(\+\d+ -\d+\)$", re.M)
BLOCK_LABEL = re.compile(r"^(?:File|Diff of|Signatures of) (?P<path>\S+):$", re.M)


def request_text(request: CompletionRequest) -> str:
    """Return everything a request would send, as one string."""
    parts = [request.system, *(message.text for message in request.messages)]
    if request.json_schema is not None:
        parts.append(repr(request.json_schema))
    return "\n".join(parts)


@dataclass
class FakeProvider:
    """A deterministic provider; ``bytes_per_token`` sets how usage is counted."""

    name: str = "fake"
    default_model: str = "fake-model"
    models: tuple[str, ...] = ("fake-model", "fake-small")
    delay_seconds: float = 0.0
    bytes_per_token: float = 4.0
    context_window: int = 200_000
    picks: list[dict[str, str]] | None = None
    count_endpoint: bool = False
    responder: Responder | None = None
    requests: list[CompletionRequest] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def list_models(self) -> list[ModelInfo]:
        return [
            ModelInfo(model, context_window=self.context_window)
            for model in self.models
        ]

    def count_tokens(self, request: CompletionRequest) -> int | None:
        if not self.count_endpoint:
            return None
        return self._input_tokens(request)

    def _input_tokens(self, request: CompletionRequest) -> int:
        size = len(request_text(request).encode("utf-8"))
        return math.ceil(size / self.bytes_per_token)

    def complete(self, request: CompletionRequest) -> Completion:
        self._validate(request)
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay_seconds:
                time.sleep(self.delay_seconds)
            text, data = (self.responder or default_answer)(request)
            if (
                request.json_schema is not None
                and data is None
                and self.picks is not None
            ):
                data = {"files": self.picks}
            if (
                request.stage == "select"
                and self.picks is not None
                and self.responder is None
            ):
                data = {"files": self.picks}
                text = repr(data)
        finally:
            with self._lock:
                self._in_flight -= 1
        output_tokens = min(
            math.ceil(len(text.encode("utf-8")) / self.bytes_per_token) or 1,
            request.max_output_tokens,
        )
        return Completion(
            text=text,
            usage=Usage(self._input_tokens(request), output_tokens),
            model=request.model,
            seconds=self.delay_seconds,
            finish_reason="stop",
            request_id=f"fake-{len(self.requests)}",
            data=data,
        )

    def _validate(self, request: CompletionRequest) -> None:
        if request.model not in self.models:
            raise ModelNotFoundError(
                f"model {request.model!r} not found; "
                f"available: {', '.join(self.models)}",
                provider=self.name,
                status=404,
            )
        if request.max_output_tokens <= 0:
            raise ProviderError(
                "max_output_tokens must be positive", provider=self.name, status=400
            )
        if not request.messages or request.messages[-1].role != "user":
            raise ProviderError(
                "the last message must come from the user",
                provider=self.name,
                status=400,
            )
        roles = [message.role for message in request.messages]
        if any(first == second for first, second in itertools.pairwise(roles)):
            raise ProviderError("roles must alternate", provider=self.name, status=400)
        total = self._input_tokens(request) + request.max_output_tokens
        if total > self.context_window:
            raise ProviderError(
                f"prompt is too long: {total} tokens > {self.context_window} maximum",
                provider=self.name,
                status=400,
            )


def default_answer(request: CompletionRequest) -> tuple[str, dict[str, Any] | None]:
    """Build a completion from the request: pick changed files, summarise, write."""
    task = request.messages[-1].text
    if request.stage == "select":
        paths = CHANGE_LINE.findall(task)
        data = {"files": [{"path": path, "reason": "changed"} for path in paths[:5]]}
        return repr(data), data
    labels = list(dict.fromkeys(BLOCK_LABEL.findall(task)))
    if request.stage == "summarise":
        return "\n".join(f"### `{path}`\nSummary of `{path}`." for path in labels), None
    summary_paths = re.findall(r"^### `(?P<path>[^`]+)`$", task, re.M)
    paths = list(dict.fromkeys(labels + summary_paths))
    body = "\n".join(f"- `{path}` is part of this change." for path in paths)
    sources = ", ".join(f"`{path}`" for path in paths)
    return (
        f"## Overview\n\n{body or 'Nothing to document.'}\n\nSources: {sources}\n",
        None,
    )
