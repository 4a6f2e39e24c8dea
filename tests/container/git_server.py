"""A Git smart-HTTP server on 127.0.0.1 that requires a token, like GitHub.

Each request runs the host's ``git http-backend`` as a CGI program, so clients
speak the real protocol (v2 when they send the ``Git-Protocol`` header). Only
fetches are served, because ``http.receivepack`` keeps its default, which
rejects pushes when REMOTE_USER is unset.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit


@dataclass(frozen=True)
class GitRequest:
    method: str
    path: str
    authorized: bool


@dataclass
class GitHttpServer:
    """Git server for the bare repositories under ``root``, for ``token`` only."""

    root: Path
    username: str
    token: str
    requests: list[GitRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the git server is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def expected_authorization(self) -> str:
        credentials = f"{self.username}:{self.token}".encode()
        return "basic " + base64.b64encode(credentials).decode("ascii")

    def __enter__(self) -> GitHttpServer:
        handler = type("Handler", (_GitBackendHandler,), {"git_server": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _GitBackendHandler(BaseHTTPRequestHandler):
    git_server: GitHttpServer

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        if "content-length" not in self.headers:
            # Git sends chunked bodies only above http.postBuffer (1 MiB).
            self._reply(411, b"content-length required\n")
            return
        self._serve(self.rfile.read(int(self.headers["content-length"])))

    def _serve(self, body: bytes) -> None:
        server = self.git_server
        authorization = self.headers.get("authorization", "")
        authorized = authorization.lower() == server.expected_authorization().lower()
        url = urlsplit(self.path)
        server.requests.append(GitRequest(self.command, url.path, authorized))
        if not authorized:
            self._reply(401, b"authentication required\n", realm=True)
            return
        completed = subprocess.run(
            ["git", "http-backend"],
            input=body,
            capture_output=True,
            env=self._cgi_environment(url.path, url.query, len(body)),
            check=False,
            timeout=60,
        )
        self._relay(completed.stdout)

    def _cgi_environment(self, path: str, query: str, length: int) -> dict[str, str]:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.git_server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(length),
            "REMOTE_ADDR": self.client_address[0],
        }
        for header, variable in (
            ("git-protocol", "GIT_PROTOCOL"),
            ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ):
            if header in self.headers:
                environment[variable] = self.headers[header]
        return environment

    def _relay(self, output: bytes) -> None:
        """Send CGI output (header lines, a blank line, the body) as the response."""
        head, separator, body = output.partition(b"\r\n\r\n")
        if not separator:
            head, _, body = output.partition(b"\n\n")
        status = 200
        headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _reply(self, status: int, body: bytes, realm: bool = False) -> None:
        self.send_response(status)
        if realm:
            self.send_header("www-authenticate", 'Basic realm="git"')
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return
