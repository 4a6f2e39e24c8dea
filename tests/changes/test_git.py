"""The git runner: errors, redaction, fetch credentials, foreign owners."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from codedoc_action.changes.git import FetchAuth, Git, redact
from codedoc_action.errors import GitError
from tests.gitrepo import commit_files, git, init_repo

TOKEN = "ghs_s3cr3tTokenValue123"
ISOLATED_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str | None]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def git_http_server() -> Iterator[tuple[str, list[str | None]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    seen: list[str | None] = []
    server.seen = seen  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()
    thread.join()


def _repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    commit_files(repo, {"a.txt": "a\n"}, "first")
    return repo


def test_git_error_names_command_and_stderr(tmp_path: Path) -> None:
    runner = Git(_repo(tmp_path), environ=ISOLATED_ENV)
    with pytest.raises(GitError) as caught:
        runner.run("show", "no-such-ref")
    message = str(caught.value)
    assert "git show no-such-ref failed" in message
    assert "exit 128" in message
    assert "no-such-ref" in message


def test_git_resolve_commit_missing_is_none(tmp_path: Path) -> None:
    runner = Git(_repo(tmp_path), environ=ISOLATED_ENV)
    assert runner.resolve_commit("f" * 40) is None
    assert runner.resolve_commit("HEAD") == git(runner.workdir, "rev-parse", "HEAD")


def test_git_workspace_owned_by_other_user(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root")
    repo = _repo(tmp_path)
    subprocess.run(["chown", "-R", "65534:65534", str(repo)], check=True)
    plain = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"],
        capture_output=True,
        env=ISOLATED_ENV,
        check=False,
    )
    assert plain.returncode != 0
    assert b"dubious ownership" in plain.stderr
    assert Git(repo, environ=ISOLATED_ENV).resolve_commit("HEAD") is not None


def test_git_ignores_inherited_git_dir(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    other = init_repo(tmp_path / "other")
    environ = {**ISOLATED_ENV, "GIT_DIR": str(other / ".git")}
    head = Git(repo, environ=environ).resolve_commit("HEAD")
    assert head == git(repo, "rev-parse", "HEAD")


def test_git_non_ascii_output_unquoted(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    commit_files(repo, {"dïr/naïve file.txt": "x\n"}, "second")
    records = Git(repo, environ=ISOLATED_ENV).records("ls-files", "-z")
    assert "dïr/naïve file.txt" in records


def test_git_fetch_sends_scoped_auth_header(
    tmp_path: Path, git_http_server: tuple[str, list[str | None]]
) -> None:
    url, seen = git_http_server
    repo = _repo(tmp_path)
    git(repo, "remote", "add", "origin", f"{url}/octo/project.git")
    auth = FetchAuth("x-access-token", SecretStr(TOKEN), scope_url=url)
    runner = Git(repo, environ=ISOLATED_ENV, fetch_auth=auth)
    with pytest.raises(GitError) as caught:
        runner.fetch("main")
    expected = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert seen
    assert seen[0] == f"basic {expected}"
    assert TOKEN not in str(caught.value)
    assert expected not in str(caught.value)


def test_git_fetch_auth_not_sent_to_other_host(
    tmp_path: Path, git_http_server: tuple[str, list[str | None]]
) -> None:
    url, seen = git_http_server
    repo = _repo(tmp_path)
    git(repo, "remote", "add", "origin", f"{url}/octo/project.git")
    auth = FetchAuth("x-access-token", SecretStr(TOKEN), scope_url="https://github.com")
    with pytest.raises(GitError):
        Git(repo, environ=ISOLATED_ENV, fetch_auth=auth).fetch("main")
    assert seen
    assert seen[0] is None


def test_git_fetch_error_redacts_url_token(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    remote = f"http://x-access-token:{TOKEN}@127.0.0.1:9/octo/project.git"
    git(repo, "remote", "add", "origin", remote)
    auth = FetchAuth("x-access-token", SecretStr(TOKEN))
    runner = Git(repo, environ=ISOLATED_ENV, fetch_auth=auth, timeout=30)
    with pytest.raises(GitError) as caught:
        runner.fetch("main")
    assert TOKEN not in str(caught.value)
    assert "git fetch" in str(caught.value)


def test_git_fetch_auth_repr_hides_token() -> None:
    auth = FetchAuth("x-access-token", SecretStr(TOKEN))
    assert TOKEN not in repr(auth)


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        (f"fatal: unable to access 'https://user:{TOKEN}@github.com/x'", TOKEN),
        (f"http.extraheader=Authorization: basic {TOKEN}", TOKEN),
        (f"Authorization: Bearer {TOKEN}", TOKEN),
    ],
)
def test_redact_removes_tokens(text: str, hidden: str) -> None:
    assert hidden not in redact(text)


def test_git_stream_blob_heads_limits_bytes(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    commit_files(repo, {"big.txt": "z" * 300_000, "small.txt": "tiny\n"}, "blobs")
    big = git(repo, "rev-parse", "HEAD:big.txt")
    small = git(repo, "rev-parse", "HEAD:small.txt")
    heads = dict(Git(repo, environ=ISOLATED_ENV).stream_blob_heads([big, small], 10))
    assert heads[big] == b"z" * 10
    assert heads[small] == b"tiny\n"


def test_git_fetch_runs_no_repository_hooks(tmp_path: Path) -> None:
    source = _repo(tmp_path)
    repo = init_repo(tmp_path / "clone")
    git(repo, "remote", "add", "origin", source.as_uri())
    marker = tmp_path / "hook-ran"
    hook = repo / ".git" / "hooks" / "reference-transaction"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    Git(repo, environ=ISOLATED_ENV).fetch("main")
    assert Git(repo, environ=ISOLATED_ENV).resolve_commit("FETCH_HEAD") is not None
    assert not marker.exists()
