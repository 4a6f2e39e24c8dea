"""A fake AI provider: a real HTTP server on 127.0.0.1, strict like the service.

One ``FakeProviderServer`` speaks one wire format, chosen by ``kind``. It
rejects what the real service rejects: bad auth, unknown models, options a
model does not take and prompts over the context window. Other requests get a
deterministic reply and token usage computed from the request (about four
characters per token), so tests can compare totals. Queued faults (statuses,
timeouts, dropped connections) are served before normal responses.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from codedoc_action.usage import Usage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "providers"
KINDS = ("anthropic", "openai", "google", "azure-openai", "openai-compatible")


@dataclass
class FakeRequest:
    """One request the fake received; header names are lower case."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Reply = Callable[[FakeRequest], "str | dict[str, Any]"]


@dataclass
class _Fault:
    action: str  # "respond", "timeout" or "reset"
    response: FakeResponse | None = None
    path: str | None = None  # only requests to this exact path, if set


def load_fixture(name: str) -> dict[str, Any]:
    """Return the recorded exchange ``name`` (e.g. "openai/models_list.json")."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def fixture_body(name: str) -> Any:
    return load_fixture(name)["response"]["body"]


def count_tokens(text: str) -> int:
    """Estimate tokens as the fake reports them: one per four characters."""
    return max(1, (len(text) + 3) // 4) if text else 0


class FakeProviderServer:
    """A provider API on 127.0.0.1 in a thread; use it as a context manager.

    ``models`` are the ids the fake serves (for azure-openai: deployment names).
    ``context_window`` and ``max_output_tokens`` apply to every model.
    ``structured_output`` sets how an openai-compatible fake treats
    ``response_format`` json_schema: "json_schema" (supported), "reject" (400)
    or "ignore" (returns prose with a fenced JSON block).
    ``page_size`` caps model list pages, to exercise pagination.
    ``hold_seconds`` bounds how long a timeout fault holds a request.

    ``reply`` may return text or, for structured requests, a dict. ``requests``
    lists every request received, faults included. ``usage_served`` gets one
    ``Usage`` per generation the fake answered itself with HTTP 200, truncated
    ones included, and none for faults.
    """

    def __init__(
        self,
        kind: str,
        api_key: str | None = "k",
        models: list[str] | None = None,
        *,
        context_window: int = 200_000,
        max_output_tokens: int = 64_000,
        structured_output: str = "json_schema",
        page_size: int | None = None,
        hold_seconds: float = 5.0,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        from tests.fakes.providers.dialects import make_dialect

        self.kind = kind
        self.api_key = api_key
        self.context_window = context_window
        self.max_output_tokens = max_output_tokens
        self.structured_output = structured_output
        self.page_size = page_size
        self.hold_seconds = hold_seconds
        self.reply: Reply | None = None
        self.requests: list[FakeRequest] = []
        self.usage_served: list[Usage] = []
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._dialect = make_dialect(self, models)
        self.models: list[str] = self._dialect.model_ids()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    # Life cycle.

    def __enter__(self) -> FakeProviderServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The value for api-base-url (for azure-openai: the resource URL)."""
        root = f"http://127.0.0.1:{self.port}"
        return root + self._dialect.base_path

    # Fault injection.

    def add_fault(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        path: str | None = None,
    ) -> None:
        """Serve ``status`` with ``body`` (JSON object or text) to the next requests.

        Without a body, the provider's own error shape for that status is used.
        With ``path``, only requests to that exact path get the fault.
        """
        if body is None:
            body = self._dialect.error_body(
                status, f"fault injected by the test: {status}"
            )
        response = FakeResponse(status, body, dict(headers or {}))
        with self._lock:
            self._faults.extend(_Fault("respond", response, path) for _ in range(times))

    def add_timeout(self, times: int = 1, path: str | None = None) -> None:
        """Hold the next requests (to ``path``) unanswered until the client gives up."""
        with self._lock:
            self._faults.extend(_Fault("timeout", path=path) for _ in range(times))

    def add_reset(self, times: int = 1, path: str | None = None) -> None:
        """Drop the connection of the next requests (to ``path``) without a response."""
        with self._lock:
            self._faults.extend(_Fault("reset", path=path) for _ in range(times))

    # Used by the handler.

    def _next_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or fault.path == path:
                    self._faults.remove(fault)
                    return fault
            return None

    def _record(self, request: FakeRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def record_usage(self, usage: Usage) -> None:
        with self._lock:
            self.usage_served.append(usage)

    def handle(self, request: FakeRequest) -> FakeResponse:
        return self._dialect.handle(request)


def _handler_for(fake: FakeProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = raw.decode("utf-8", "replace")
            request = FakeRequest(
                method=method,
                path=parts.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                json=payload,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            )
            fake._record(request)
            fault = fake._next_fault(parts.path)
            if fault is not None and fault.action == "timeout":
                fake._closing.wait(fake.hold_seconds)
                self.close_connection = True
                return
            if fault is not None and fault.action == "reset":
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.close_connection = True
                return
            if fault is not None and fault.response is not None:
                response = fault.response
            else:
                response = fake.handle(request)
            self._write(response)

        def _write(self, response: FakeResponse) -> None:
            if isinstance(response.body, (dict, list)):
                data = json.dumps(response.body).encode()
                content_type = "application/json"
            else:
                data = str(response.body or "").encode()
                content_type = "text/plain; charset=utf-8"
            self.send_response(response.status)
            headers = {"content-type": content_type, **response.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
