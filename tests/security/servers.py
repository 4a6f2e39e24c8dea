"""A small scriptable HTTP server for egress tests: it records every request
and responds with what the route function of the test returns.

Bind one at 127.0.0.2 as the "other host" a hostile redirect or link points
to; the test then asserts it received nothing.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    """A scripted response.

    ``raw`` bytes replace the JSON body, ``reset`` drops the connection
    unanswered, and ``delay`` seconds pass before either.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    reset: bool = False
    delay: float = 0.0


Route = Callable[[str, str], Answer]


def not_found(method: str, path: str) -> Answer:
    return Answer(404, {"message": "Not Found"})


class RecordingServer:
    """An HTTP server on ``host`` (port 0) in a thread, used as a context manager.

    ``requests`` lists ``(method, path)`` of every request received.
    """

    def __init__(self, host: str = "127.0.0.1", route: Route = not_found) -> None:
        self.route = route
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                with server._lock:
                    server.requests.append((self.command, self.path))

                answer = server.route(self.command, urlsplit(self.path).path)
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.reset:
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, linger
                    )
                    self.close_connection = True
                    return

                data = b""
                headers = dict(answer.headers)
                if answer.raw is not None:
                    data = answer.raw
                    headers.setdefault("content-type", "application/json")
                elif answer.body is not None:
                    data = json.dumps(answer.body).encode()
                    headers.setdefault("content-type", "application/json")

                self.send_response(answer.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler
