"""A fake GitHub REST API for pull request comments, served on 127.0.0.1.

It speaks the wire format PyGithub reads: issue and issue-comment objects,
paged with ``Link`` headers. It is strict where GitHub is. Unknown tokens get
401, read-only tokens get 403 on writes, bodies over 65,536 characters get
422, and unknown repositories and issues get 404. ``fail_next`` injects error
statuses.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 65_536


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeServer:
    """A threaded HTTP server whose handler calls ``self.handle``."""

    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.requests: list[Recorded] = []
        self.fail_next: list[tuple[str, int]] = []  # (method, status)
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        request = Recorded(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(request)
            injected = self._injected(request.method)
        if injected is not None:
            self.reply(handler, injected, {"message": "injected failure"})
            return
        with self._lock:
            self.handle(handler, request)

    def _injected(self, method: str) -> int | None:
        for index, (wanted, status) in enumerate(self.fail_next):
            if wanted == method:
                del self.fail_next[index]
                return status
        return None

    def handle(self, handler: BaseHTTPRequestHandler, request: Recorded) -> None:
        raise NotImplementedError

    def reply(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


@dataclass
class Comment:
    id: int
    body: str
    author: str


@dataclass
class FakeGitHub(FakeServer):
    """Issue comments of one repository's pull requests.

    ``tokens`` maps each accepted token to "write" or "read". ``page_cap``
    lowers GitHub's cap of 100 items a page so tests force pagination.
    ``prefix`` is "/api/v3" to act as GitHub Enterprise Server.
    """

    repository: str = "octo/repo"
    tokens: dict[str, str] = field(default_factory=lambda: {"good-token": "write"})
    pulls: set[int] = field(default_factory=lambda: {7})
    page_cap: int = 100
    prefix: str = ""
    comments: dict[int, list[Comment]] = field(default_factory=dict)
    bot: str = "github-actions[bot]"
    link_host: str = "127.0.0.1"  # the host named in pagination links

    def __post_init__(self) -> None:
        FakeServer.__init__(self)
        self._next_id = 1000

    @property
    def api_url(self) -> str:
        return self.origin + self.prefix

    def add_comment(self, number: int, body: str, author: str = "someone") -> Comment:
        self._next_id += 1
        comment = Comment(self._next_id, body, author)
        self.comments.setdefault(number, []).append(comment)
        return comment

    def all_comments(self) -> Iterator[tuple[int, Comment]]:
        for number, comments in self.comments.items():
            for comment in comments:
                yield number, comment

    def handle(self, handler: BaseHTTPRequestHandler, request: Recorded) -> None:
        access = self._access(request)
        if access is None:
            self.reply(handler, 401, {"message": "Bad credentials"})
            return
        path = request.path.removeprefix(self.prefix)
        repo_prefix = f"/repos/{self.repository}/issues/"
        if not request.path.startswith(self.prefix) or not path.startswith(repo_prefix):
            self.reply(handler, 404, {"message": "Not Found"})
            return
        rest = path.removeprefix(repo_prefix).split("/")
        if request.method in ("POST", "PATCH") and access != "write":
            message = "Resource not accessible by integration"
            self.reply(handler, 403, {"message": message})
            return
        self._route(handler, request, rest)

    def _access(self, request: Recorded) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.tokens.get(token)

    def _route(
        self, handler: BaseHTTPRequestHandler, request: Recorded, rest: list[str]
    ) -> None:
        method = request.method
        if rest[0] == "comments" and len(rest) == 2 and method == "PATCH":
            self._edit(handler, request, int(rest[1]))
        elif len(rest) == 1 and rest[0].isdigit() and method == "GET":
            self._issue(handler, int(rest[0]))
        elif len(rest) == 2 and rest[1] == "comments" and rest[0].isdigit():
            number = int(rest[0])
            if number not in self.pulls:
                self.reply(handler, 404, {"message": "Not Found"})
            elif method == "GET":
                self._list(handler, request, number)
            elif method == "POST":
                self._create(handler, request, number)
            else:
                self.reply(handler, 404, {"message": "Not Found"})
        else:
            self.reply(handler, 404, {"message": "Not Found"})

    def _issue(self, handler: BaseHTTPRequestHandler, number: int) -> None:
        if number not in self.pulls:
            self.reply(handler, 404, {"message": "Not Found"})
            return
        base = f"{self.api_url}/repos/{self.repository}"
        self.reply(
            handler,
            200,
            {
                "id": 50000 + number,
                "number": number,
                "title": "Change the API",
                "state": "open",
                "url": f"{base}/issues/{number}",
                "html_url": f"https://github.example/{self.repository}/pull/{number}",
                "comments_url": f"{base}/issues/{number}/comments",
                "pull_request": {"url": f"{base}/pulls/{number}"},
            },
        )

    def _comment_json(self, number: int, comment: Comment) -> dict[str, Any]:
        base = f"{self.api_url}/repos/{self.repository}"
        html = f"https://github.example/{self.repository}/pull/{number}"
        return {
            "id": comment.id,
            "body": comment.body,
            "user": {"login": comment.author, "type": "Bot"},
            "url": f"{base}/issues/comments/{comment.id}",
            "html_url": f"{html}#issuecomment-{comment.id}",
            "issue_url": f"{base}/issues/{number}",
            "created_at": "2026-01-02T03:04:05Z",
            "updated_at": "2026-01-02T03:04:05Z",
        }

    def _list(
        self, handler: BaseHTTPRequestHandler, request: Recorded, number: int
    ) -> None:
        per_page = min(int(request.query.get("per_page", ["30"])[0]), self.page_cap)
        page = int(request.query.get("page", ["1"])[0])
        comments = self.comments.get(number, [])
        chunk = comments[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(comments):
            origin = f"http://{self.link_host}:{self.port}{self.prefix}"
            path = f"{origin}/repos/{self.repository}/issues/{number}/comments"
            link = f"{path}?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{link}>; rel="next"'
        payload = [self._comment_json(number, c) for c in chunk]
        self.reply(handler, 200, payload, headers)

    def _valid_body(self, handler: BaseHTTPRequestHandler, request: Recorded) -> bool:
        body = request.body
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            self.reply(handler, 422, {"message": "Invalid request: body missing"})
            return False
        if len(body["body"]) > MAX_BODY:
            message = "Body is too long (maximum is 65536 characters)"
            self.reply(handler, 422, {"message": message})
            return False
        return True

    def _create(
        self, handler: BaseHTTPRequestHandler, request: Recorded, number: int
    ) -> None:
        if not self._valid_body(handler, request):
            return
        comment = self.add_comment(number, request.body["body"], self.bot)
        self.reply(handler, 201, self._comment_json(number, comment))

    def _edit(
        self, handler: BaseHTTPRequestHandler, request: Recorded, comment_id: int
    ) -> None:
        if not self._valid_body(handler, request):
            return
        for number, comment in self.all_comments():
            if comment.id == comment_id:
                if comment.author != self.bot:
                    message = "Resource not accessible by integration"
                    self.reply(handler, 403, {"message": message})
                    return
                comment.body = request.body["body"]
                self.reply(handler, 200, self._comment_json(number, comment))
                return
        self.reply(handler, 404, {"message": "Not Found"})
