"""Fake GitHub and GitLab REST APIs on 127.0.0.1 whose responses are computed
from a real git repository.

It serves the endpoints the changed-files fallback uses, with GitHub's wire
format, pagination (``Link`` headers) and caps:

- ``GET /repos/{owner}/{repo}/compare/{base}...{head}``: at most 300 files,
  commits paged (default 250 a page);
- ``GET /repos/{owner}/{repo}/commits/{sha}``: files paged, 300 a page, at
  most 3000;
- ``GET /repos/{owner}/{repo}/pulls/{number}`` and ``.../files``: files paged
  (default 30, at most 100 a page), at most 3000.

Like GitHub it rejects a wrong token (401), unknown commits and pulls (404)
and unknown paths (404). ``fail_next`` injects error responses.

``FakeGitLab`` serves ``GET /api/v4/projects/:id/repository/compare`` and the
paged ``GET /api/v4/projects/:id/merge_requests/:iid/diffs``.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

COMPARE_FILE_CAP = 300
COMMIT_FILE_CAP = 3000
PULL_FILE_CAP = 3000


@dataclass
class PullRequest:
    base: str
    head: str


@dataclass
class FakeGitHub:
    """State of the fake: the repository, token, pulls, faults and a request log."""

    repo_path: Path
    repository: str = "octo/project"
    token: str = "ghs_fake_token"
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)
    url: str = ""
    _diff_cache: dict[tuple[str, str], list[dict[str, Any]]] = field(
        default_factory=dict
    )

    def fail_next(self, status: int, count: int = 1) -> None:
        self.faults.extend([status] * count)

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(self.repo_path), *args],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise LookupError(result.stderr.decode(errors="replace"))
        return result.stdout.decode("utf-8", "surrogateescape")

    def commit_exists(self, sha: str) -> bool:
        try:
            self.git("cat-file", "-e", f"{sha}^{{commit}}")
        except LookupError:
            return False
        return True

    def file_entries(self, base: str, head: str) -> list[dict[str, Any]]:
        """Files of ``base..head`` in GitHub's format, from git diff."""
        if (base, head) not in self._diff_cache:
            self._diff_cache[base, head] = self._diff(base, head)
        return self._diff_cache[base, head]

    def _diff(self, base: str, head: str) -> list[dict[str, Any]]:
        raw = self.git("diff", "--raw", "-z", "-M", "--no-abbrev", base, head)
        numstat = self.git("diff", "--numstat", "-z", "-M", base, head)
        counts = _parse_numstat(numstat)
        entries = []
        for status, old, new, blob in _parse_raw(raw):
            added, removed = counts.get(new, (0, 0))
            entry: dict[str, Any] = {
                "sha": blob,
                "filename": new,
                "status": status,
                "additions": added if added >= 0 else 0,
                "deletions": removed if removed >= 0 else 0,
                "changes": max(added, 0) + max(removed, 0),
            }
            if added >= 0 and added + removed > 0:
                entry["patch"] = "@@ -1 +1 @@"
            if old is not None:
                entry["previous_filename"] = old
            entries.append(entry)
        return entries

    def commit_body(self, sha: str) -> dict[str, Any]:
        parents = self.git("rev-list", "--parents", "-n", "1", sha).split()[1:]
        return {
            "sha": sha,
            "url": f"{self.url}/repos/{self.repository}/commits/{sha}",
            "commit": {"message": self.git("log", "-1", "--format=%s", sha).strip()},
            "parents": [{"sha": parent} for parent in parents],
        }


def _parse_raw(output: str) -> Iterator[tuple[str, str | None, str, str]]:
    names = {"A": "added", "D": "removed", "M": "modified", "R": "renamed"}
    tokens = output.split("\0")
    index = 0
    while index < len(tokens) and tokens[index].startswith(":"):
        fields = tokens[index][1:].split(" ")
        letter = fields[4][0]
        if letter == "R":
            old, new = tokens[index + 1], tokens[index + 2]
            index += 3
        else:
            old, new = None, tokens[index + 1]
            index += 2
        blob = fields[2] if letter == "D" else fields[3]
        yield names.get(letter, "changed"), old, new, blob


def _parse_numstat(output: str) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    tokens = output.split("\0")
    index = 0
    while index < len(tokens) and tokens[index]:
        added, removed, path = tokens[index].split("\t", 2)
        index += 1
        if not path:
            path = tokens[index + 1]
            index += 2
        if added == "-":
            counts[path] = (-1, -1)
        else:
            counts[path] = (int(added), int(removed))
    return counts


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, link: str = "") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if link:
            self.send_header("Link", link)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.requests.append(self.path)
        auth = self.headers.get("Authorization", "")
        if auth not in (f"token {fake.token}", f"Bearer {fake.token}"):
            self._send(401, {"message": "Bad credentials"})
            return
        if fake.faults:
            self._send(fake.faults.pop(0), {"message": "injected fault"})
            return
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        prefix = f"/repos/{fake.repository}/"
        if not parts.path.startswith(prefix):
            self._send(404, {"message": "Not Found"})
            return
        route = parts.path[len(prefix) :]
        try:
            self._route(fake, route, query, parts.path)
        except LookupError:
            self._send(404, {"message": "Not Found"})

    def _route(
        self, fake: FakeGitHub, route: str, query: dict[str, str], path: str
    ) -> None:
        if match := re.fullmatch(r"compare/([0-9a-f]+)\.\.\.([0-9a-f]+)", route):
            self._compare(fake, match[1], match[2], query, path)
        elif match := re.fullmatch(r"commits/([0-9a-f]+)", route):
            self._commit(fake, match[1], query, path)
        elif match := re.fullmatch(r"pulls/(\d+)", route):
            self._pull(fake, int(match[1]))
        elif match := re.fullmatch(r"pulls/(\d+)/files", route):
            self._pull_files(fake, int(match[1]), query, path)
        else:
            self._send(404, {"message": "Not Found"})

    def _page(
        self, items: list[Any], query: dict[str, str], default: int, maximum: int
    ) -> tuple[list[Any], int, int]:
        per_page = min(int(query.get("per_page", default)), maximum)
        page = int(query.get("page", 1))
        start = (page - 1) * per_page
        return items[start : start + per_page], page, per_page

    def _link(self, path: str, page: int, per_page: int, total: int) -> str:
        if page * per_page >= total:
            return ""
        base = self.server.fake.url
        return f'<{base}{path}?page={page + 1}&per_page={per_page}>; rel="next"'

    def _compare(
        self, fake: FakeGitHub, base: str, head: str, query: dict[str, str], path: str
    ) -> None:
        if not (fake.commit_exists(base) and fake.commit_exists(head)):
            self._send(404, {"message": "Not Found"})
            return
        merge_base = fake.git("merge-base", base, head).strip()
        shas = fake.git("rev-list", "--reverse", f"{base}..{head}").split()
        commits, page, per_page = self._page(shas, query, 250, 1000)
        body = {
            "url": f"{fake.url}{path}",
            "status": "ahead",
            "ahead_by": len(shas),
            "behind_by": 0,
            "total_commits": len(shas),
            "merge_base_commit": fake.commit_body(merge_base),
            "commits": [fake.commit_body(sha) for sha in commits],
            "files": fake.file_entries(merge_base, head)[:COMPARE_FILE_CAP],
        }
        self._send(200, body, self._link(path, page, per_page, len(shas)))

    def _commit(
        self, fake: FakeGitHub, sha: str, query: dict[str, str], path: str
    ) -> None:
        if not fake.commit_exists(sha):
            self._send(422, {"message": f"No commit found for SHA: {sha}"})
            return
        body = fake.commit_body(sha)
        parents = body["parents"]
        parent = (
            parents[0]["sha"]
            if parents
            else fake.git("hash-object", "-t", "tree", "/dev/null").strip()
        )
        files = fake.file_entries(parent, sha)[:COMMIT_FILE_CAP]
        page_files, page, per_page = self._page(files, query, 300, 300)
        body["files"] = page_files
        self._send(200, body, self._link(path, page, per_page, len(files)))

    def _pull(self, fake: FakeGitHub, number: int) -> None:
        pull = fake.pulls.get(number)
        if pull is None:
            self._send(404, {"message": "Not Found"})
            return
        merge_base = fake.git("merge-base", pull.base, pull.head).strip()
        changed = len(fake.file_entries(merge_base, pull.head))
        self._send(
            200,
            {
                "number": number,
                "url": f"{fake.url}/repos/{fake.repository}/pulls/{number}",
                "state": "open",
                "changed_files": changed,
                "base": {"sha": pull.base},
                "head": {"sha": pull.head},
            },
        )

    def _pull_files(
        self, fake: FakeGitHub, number: int, query: dict[str, str], path: str
    ) -> None:
        pull = fake.pulls.get(number)
        if pull is None:
            self._send(404, {"message": "Not Found"})
            return
        merge_base = fake.git("merge-base", pull.base, pull.head).strip()
        files = fake.file_entries(merge_base, pull.head)[:PULL_FILE_CAP]
        page_files, page, per_page = self._page(files, query, 30, 100)
        self._send(200, page_files, self._link(path, page, per_page, len(files)))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


def serve(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    """Run ``fake`` on 127.0.0.1 with port 0 until the generator is closed."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class FakeGitLab:
    """A fake GitLab REST API (v4) serving compare and merge request diffs.

    Accepts ``PRIVATE-TOKEN`` or ``JOB-TOKEN`` equal to ``token`` (else 401).
    ``diff_max_files`` stands for GitLab's diff limit on compare results.
    """

    repo_path: Path
    project_id: str = "42"
    token: str = "glpat-fake-token"
    merge_requests: dict[int, PullRequest] = field(default_factory=dict)
    diff_max_files: int = 1000
    requests: list[str] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)
    url: str = ""

    def fail_next(self, status: int, count: int = 1) -> None:
        self.faults.extend([status] * count)

    def diffs(self, base: str, head: str) -> list[dict[str, Any]]:
        helper = FakeGitHub(repo_path=self.repo_path)
        entries = []
        for item in helper.file_entries(base, head):
            old = item.get("previous_filename", item["filename"])
            patch = helper.git(
                "diff", "-M", "--no-color", base, head, "--", old, item["filename"]
            )
            body = patch[patch.find("@@") :] if "@@" in patch else ""
            if "Binary files" in patch:
                body = patch[patch.find("Binary files") :]
            status = item["status"]
            entries.append(
                {
                    "old_path": old,
                    "new_path": item["filename"],
                    "a_mode": "000000" if status == "added" else "100644",
                    "b_mode": "000000" if status == "removed" else "100644",
                    "new_file": status == "added",
                    "renamed_file": status == "renamed",
                    "deleted_file": status == "removed",
                    "diff": body,
                }
            )
        return entries


class _GitLabHandler(BaseHTTPRequestHandler):
    server: _GitLabServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.requests.append(self.path)
        given = self.headers.get("PRIVATE-TOKEN") or self.headers.get("JOB-TOKEN")
        if given != fake.token:
            self._send(401, {"message": "401 Unauthorized"})
            return
        if fake.faults:
            self._send(fake.faults.pop(0), {"message": "injected fault"})
            return
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        prefix = f"/api/v4/projects/{fake.project_id}/"
        route = parts.path.removeprefix(prefix)
        if route == parts.path:
            self._send(404, {"message": "404 Project Not Found"})
        elif route == "repository/compare":
            self._compare(fake, query)
        elif match := re.fullmatch(r"merge_requests/(\d+)/diffs", route):
            self._merge_request_diffs(fake, int(match[1]), query, parts.path)
        else:
            self._send(404, {"error": "404 Not Found"})

    def _compare(self, fake: FakeGitLab, query: dict[str, str]) -> None:
        base, head = query.get("from", ""), query.get("to", "")
        helper = FakeGitHub(repo_path=fake.repo_path)
        if not (helper.commit_exists(base) and helper.commit_exists(head)):
            self._send(404, {"message": "404 Ref Not Found"})
            return
        merge_base = helper.git("merge-base", base, head).strip()
        diffs = fake.diffs(merge_base, head)[: fake.diff_max_files]
        body = {
            "commit": helper.commit_body(head),
            "commits": [],
            "diffs": diffs,
            "compare_timeout": False,
            "compare_same_ref": base == head,
        }
        self._send(200, body)

    def _merge_request_diffs(
        self, fake: FakeGitLab, iid: int, query: dict[str, str], path: str
    ) -> None:
        request = fake.merge_requests.get(iid)
        if request is None:
            self._send(404, {"message": "404 Not found"})
            return
        helper = FakeGitHub(repo_path=fake.repo_path)
        merge_base = helper.git("merge-base", request.base, request.head).strip()
        diffs = fake.diffs(merge_base, request.head)
        per_page = min(int(query.get("per_page", 20)), 100)
        page = int(query.get("page", 1))
        items = diffs[(page - 1) * per_page : page * per_page]
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(diffs)),
        }
        if page * per_page < len(diffs):
            headers["X-Next-Page"] = str(page + 1)
            headers["Link"] = (
                f'<{fake.url}{path}?page={page + 1}&per_page={per_page}>; rel="next"'
            )
        self._send(200, items, headers)


class _GitLabServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitLab


def serve_gitlab(fake: FakeGitLab) -> Iterator[FakeGitLab]:
    """Run ``fake`` on 127.0.0.1 with port 0 until the generator is closed."""
    server = _GitLabServer(("127.0.0.1", 0), _GitLabHandler)
    server.fake = fake
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
