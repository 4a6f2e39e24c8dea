"""Fixtures for range and listing tests: a bare remote, a clone that pushes,
and CI event environments built from real GitHub payload shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.githost import FakeGitHub, serve
from tests.gitrepo import clone, commit_files, git, init_repo

FIXTURES = Path(__file__).parent.parent / "fixtures" / "github-events"


@dataclass
class Remote:
    """A bare ``origin`` and a ``dev`` clone whose main has commits c1..c3."""

    root: Path
    bare: Path
    dev: Path
    shas: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def commit(self, name: str, files: Mapping[str, str | bytes | None]) -> str:
        self.shas[name] = commit_files(self.dev, files, name)
        return self.shas[name]

    def push(self, *args: str) -> None:
        git(self.dev, "push", "--quiet", "origin", *args)

    def checkout(self, name: str, sha: str, *, depth: int | None = None) -> Path:
        """Make a CI-style checkout: fetch ``sha`` (optionally shallow), detach."""
        target = init_repo(self.root / name)
        git(target, "remote", "add", "origin", self.url)
        depth_args = [f"--depth={depth}"] if depth else []
        git(target, "fetch", "--quiet", "--no-tags", *depth_args, "origin", sha)
        git(target, "checkout", "--quiet", "--detach", sha)
        return target

    def full_clone(self, name: str) -> Path:
        return clone(self.url, self.root / name)


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    bare = init_repo(tmp_path / "origin.git", bare=True)
    dev = clone(bare, tmp_path / "dev")
    made = Remote(root=tmp_path, bare=bare, dev=dev)
    made.commit("c1", {"README.md": "# Project\n", "src/app.py": "print(1)\n"})
    made.commit("c2", {"src/app.py": "print(2)\n", "src/util.py": "X = 1\n"})
    made.commit("c3", {"docs/guide.md": "Guide\n", "src/util.py": "X = 2\n"})
    made.push("HEAD:main")
    return made


def load_payload(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(
        (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    )
    return payload


def github_env(
    tmp_path: Path,
    event_name: str,
    payload: dict[str, Any],
    *,
    sha: str,
    ref: str = "refs/heads/main",
    default_branch: str = "main",
) -> dict[str, str]:
    """Write ``payload`` to a file and return the variables GitHub would set."""
    payload.setdefault("repository", {})["default_branch"] = default_branch
    path = tmp_path / f"event-{event_name}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_SHA": sha,
        "GITHUB_REF": ref,
        "GITHUB_REPOSITORY": "octo/project",
        "GITHUB_API_URL": "https://api.github.com",
        "GITHUB_SERVER_URL": "https://github.com",
    }


@pytest.fixture
def fake_github(remote: Remote) -> Iterator[FakeGitHub]:
    yield from serve(FakeGitHub(repo_path=remote.bare))
