"""A fake GitLab REST API (v4) for merge request notes, served on 127.0.0.1.

It speaks the wire format python-gitlab reads: note objects, paged with
``Link`` and ``X-Next-Page`` headers. It is strict where GitLab is. A missing
or unknown ``PRIVATE-TOKEN`` gets 401, a token without the api scope gets 403
``insufficient_scope`` on writes, unknown projects and merge requests get
404, and a note body over 1,000,000 characters gets 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.github_comments import FakeServer, Recorded

MAX_NOTE = 1_000_000


@dataclass
class Note:
    id: int
    body: str
    author: str
    system: bool = False


@dataclass
class FakeGitLab(FakeServer):
    """Notes of merge requests in one project.

    ``tokens`` maps each accepted token to its scopes. ``page_cap`` lowers
    GitLab's cap of 100 items a page so tests force pagination.
    """

    project_id: str = "42"
    tokens: dict[str, set[str]] = field(default_factory=lambda: {"good-token": {"api"}})
    merge_requests: set[int] = field(default_factory=lambda: {5})
    page_cap: int = 100
    notes: dict[int, list[Note]] = field(default_factory=dict)
    bot: str = "project_42_bot"
    link_host: str = "127.0.0.1"  # the host named in pagination links
    redirect_to: str = ""  # when set, listing notes answers 302 to this URL

    def __post_init__(self) -> None:
        FakeServer.__init__(self)
        self._next_id = 3000

    @property
    def api_url(self) -> str:
        return self.origin + "/api/v4"

    def add_note(
        self, iid: int, body: str, author: str = "someone", system: bool = False
    ) -> Note:
        self._next_id += 1
        note = Note(self._next_id, body, author, system)
        self.notes.setdefault(iid, []).append(note)
        return note

    def all_notes(self) -> Iterator[tuple[int, Note]]:
        for iid, notes in self.notes.items():
            for note in notes:
                yield iid, note

    def handle(self, handler: BaseHTTPRequestHandler, request: Recorded) -> None:
        scopes = self.tokens.get(request.headers.get("private-token", ""))
        if scopes is None:
            self.reply(handler, 401, {"message": "401 Unauthorized"})
            return
        writes = request.method in ("POST", "PUT")
        if writes and "api" not in scopes:
            self.reply(
                handler,
                403,
                {
                    "error": "insufficient_scope",
                    "error_description": "The request requires higher privileges "
                    "than provided by the access token.",
                    "scope": "api",
                },
            )
            return
        prefix = f"/api/v4/projects/{self.project_id}/merge_requests/"
        if not request.path.startswith(prefix):
            self.reply(handler, 404, {"message": "404 Project Not Found"})
            return
        rest = request.path.removeprefix(prefix).split("/")
        if not rest[0].isdigit() or int(rest[0]) not in self.merge_requests:
            self.reply(handler, 404, {"message": "404 Not found"})
            return
        self._route(handler, request, int(rest[0]), rest[1:])

    def _route(
        self,
        handler: BaseHTTPRequestHandler,
        request: Recorded,
        iid: int,
        rest: list[str],
    ) -> None:
        if rest == ["notes"] and request.method == "GET" and self.redirect_to:
            handler.send_response(302)
            handler.send_header("Location", self.redirect_to)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif rest == ["notes"] and request.method == "GET":
            self._list(handler, request, iid)
        elif rest == ["notes"] and request.method == "POST":
            self._create(handler, request, iid)
        elif len(rest) == 2 and rest[0] == "notes" and request.method == "PUT":
            self._update(handler, request, iid, int(rest[1]))
        else:
            self.reply(handler, 404, {"message": "404 Not found"})

    def _note_json(self, iid: int, note: Note) -> dict[str, Any]:
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "author": {"id": 1, "username": note.author},
            "created_at": "2026-01-02T03:04:05.000Z",
            "updated_at": "2026-01-02T03:04:05.000Z",
            "system": note.system,
            "noteable_id": 9000 + iid,
            "noteable_type": "MergeRequest",
            "noteable_iid": iid,
            "project_id": int(self.project_id),
        }

    def _list(
        self, handler: BaseHTTPRequestHandler, request: Recorded, iid: int
    ) -> None:
        per_page = min(int(request.query.get("per_page", ["20"])[0]), self.page_cap)
        page = int(request.query.get("page", ["1"])[0])
        notes = list(self.notes.get(iid, []))
        if request.query.get("sort", ["desc"])[0] == "desc":
            notes.reverse()
        chunk = notes[(page - 1) * per_page : page * per_page]
        pages = max(1, -(-len(notes) // per_page))
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(notes)),
            "X-Total-Pages": str(pages),
            "X-Next-Page": str(page + 1) if page < pages else "",
        }
        if page < pages:
            query = "&".join(
                f"{key}={values[0]}"
                for key, values in request.query.items()
                if key not in ("page", "per_page")
            )
            origin = f"http://{self.link_host}:{self.port}"
            path = f"{origin}/api/v4/projects/{self.project_id}/merge_requests"
            link = f"{path}/{iid}/notes?{query}&page={page + 1}&per_page={per_page}"
            headers["Link"] = f'<{link}>; rel="next"'
        payload = [self._note_json(iid, note) for note in chunk]
        self.reply(handler, 200, payload, headers)

    def _body(self, handler: BaseHTTPRequestHandler, request: Recorded) -> str | None:
        body = request.body
        text = body.get("body") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text:
            self.reply(handler, 400, {"error": "body is missing"})
            return None
        if len(text) > MAX_NOTE:
            self.reply(handler, 400, {"message": {"note": ["is too long"]}})
            return None
        return text

    def _create(
        self, handler: BaseHTTPRequestHandler, request: Recorded, iid: int
    ) -> None:
        text = self._body(handler, request)
        if text is None:
            return
        note = self.add_note(iid, text, self.bot)
        self.reply(handler, 201, self._note_json(iid, note))

    def _update(
        self,
        handler: BaseHTTPRequestHandler,
        request: Recorded,
        iid: int,
        note_id: int,
    ) -> None:
        text = self._body(handler, request)
        if text is None:
            return
        for note in self.notes.get(iid, []):
            if note.id == note_id:
                if note.author != self.bot:
                    self.reply(handler, 403, {"message": "403 Forbidden"})
                    return
                note.body = text
                self.reply(handler, 200, self._note_json(iid, note))
                return
        self.reply(handler, 404, {"message": "404 Not found"})
