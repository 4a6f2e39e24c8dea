"""One small repository, a fake provider and a fake Confluence, run through
entrypoint.py in a subprocess exactly as the Docker action runs it.

Shared by the security and fault tests. The environment shortens every HTTP
timeout and retry wait (CODEDOC_HTTP_TIMEOUT, CODEDOC_MAX_RETRIES,
CODEDOC_MAX_RETRY_WAIT), so a fault costs a second, not minutes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.action_env import ActionRun, action_env, push_payload, run_action
from tests.fakes.confluence import FakeConfluence
from tests.fakes.providers import FakeProviderServer
from tests.gitrepo import RepoInfo, commit_files, init_repo
from tests.security.servers import RecordingServer

API_KEY = "sk-ant-sec-0123456789abcdefSECRET"
CONFLUENCE_TOKEN = "ATATT-sec-confluence-token-SECRET-77"
GITHUB_TOKEN = "ghs_sec_github_token_SECRET_000000"
CONFLUENCE_USER = "docs-bot@example.com"
MODEL = "claude-sonnet-4-5-20250929"
HAND_TEXT = "<p>Written by a person: keep this paragraph.</p>"
FAST_LIMITS = {
    "CODEDOC_HTTP_TIMEOUT": "2",
    "CODEDOC_MAX_RETRIES": "1",
    "CODEDOC_MAX_RETRY_WAIT": "0.05",
}

OLD_FILES = {
    "README.md": "# sample\n\nA tiny library for tests.\n",
    "sample/__init__.py": '"""Sample package."""\n\nVERSION = "1.0"\n',
    "sample/core.py": (
        '"""Core helpers."""\n\n\ndef add(a: int, b: int) -> int:\n'
        '    """Return the sum."""\n    return a + b\n'
    ),
}
NEW_FILES = {
    "sample/__init__.py": '"""Sample package."""\n\nVERSION = "1.1"\n',
    "sample/core.py": (
        '"""Core helpers."""\n\n\ndef add(a: int, b: int) -> int:\n'
        '    """Return the sum."""\n    return a + b\n\n\n'
        'def sub(a: int, b: int) -> int:\n    """Return the difference."""\n'
        "    return a - b\n"
    ),
}


def secret_forms() -> dict[str, str]:
    """Return every secret of a run and the encoded forms it travels in."""
    basic = f"{CONFLUENCE_USER}:{CONFLUENCE_TOKEN}".encode()
    fetch = f"x-access-token:{GITHUB_TOKEN}".encode()
    return {
        "api-key": API_KEY,
        "confluence-token": CONFLUENCE_TOKEN,
        "github-token": GITHUB_TOKEN,
        "confluence basic auth": base64.b64encode(basic).decode(),
        "git fetch basic auth": base64.b64encode(fetch).decode(),
    }


def make_small_repo(path: Path, extra: Mapping[str, str] | None = None) -> RepoInfo:
    """Commit a three-file package, then a change to it (plus ``extra`` files)."""
    init_repo(path)
    old = commit_files(path, OLD_FILES, "release 1.0")
    new = commit_files(path, {**NEW_FILES, **(extra or {})}, "release 1.1")
    return RepoInfo(path=path, old_sha=old, new_sha=new)


@dataclass
class Scene:
    """A repository and the running fakes; ``run`` starts the action once."""

    repo: RepoInfo
    home: Path
    provider: FakeProviderServer
    confluence: FakeConfluence
    github_api: RecordingServer
    page_id: str
    inputs: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(
        self,
        workspace: Path | None = None,
        payload: Mapping[str, object] | None = None,
    ) -> dict[str, str]:
        """Return the step's environment; the defaults push old..new of the repo."""
        env = action_env(
            workspace=workspace or self.repo.path,
            home=self.home,
            event_name="push",
            payload=payload or push_payload(self.repo.old_sha, self.repo.new_sha),
            inputs=self.inputs,
            sha=self.repo.new_sha,
        )
        env.update(FAST_LIMITS)
        # A loopback stand-in, so an API fallback never leaves the machine.
        env["GITHUB_API_URL"] = self.github_api.origin
        env["CODEDOC_ATLASSIAN_API_URL"] = self.confluence.gateway_url
        env.update(self.extra_env)
        return env

    def run(self, env: Mapping[str, str] | None = None) -> ActionRun:
        return run_action(env or self.env(), timeout=60)

    def written_files(self) -> Iterator[Path]:
        """Yield every file under the runner home and the workspace."""
        for root in (self.home, self.repo.path):
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    yield path


def default_inputs(
    provider: FakeProviderServer, confluence: FakeConfluence, page_id: str
) -> dict[str, str]:
    return {
        "provider": "anthropic",
        "api-key": API_KEY,
        "model": MODEL,
        "api-base-url": provider.base_url,
        "confluence-url": confluence.base_url,
        "confluence-user": CONFLUENCE_USER,
        "confluence-token": CONFLUENCE_TOKEN,
        "confluence-page": page_id,
        "max-tokens": "400000",
        "github-token": GITHUB_TOKEN,
    }


class SceneBuilder:
    """Starts the fakes for one test and closes them at the end."""

    def __init__(self, tmp_path: Path, stack: ExitStack) -> None:
        self.tmp_path = tmp_path
        self.stack = stack

    def build(
        self,
        *,
        provider_kind: str = "anthropic",
        provider_key: str = API_KEY,
        extra_files: Mapping[str, str] | None = None,
        hold_seconds: float = 4.0,
        confluence_kind: str = "cloud",
    ) -> Scene:
        repo = make_small_repo(self.tmp_path / "repo", extra_files)
        provider = self.stack.enter_context(
            FakeProviderServer(
                provider_kind,
                api_key=provider_key,
                models=[MODEL] if provider_kind == "anthropic" else None,
                hold_seconds=hold_seconds,
            )
        )
        confluence = self.stack.enter_context(
            FakeConfluence(
                confluence_kind, user=CONFLUENCE_USER, token=CONFLUENCE_TOKEN
            )
        )
        github_api = self.stack.enter_context(RecordingServer("127.0.0.1"))
        page_id = confluence.add_page("sample", body=HAND_TEXT, space="DOC")
        inputs = default_inputs(provider, confluence, page_id)
        if confluence_kind == "datacenter":
            inputs["confluence-user"] = ""  # a personal access token, as Bearer
        return Scene(
            repo=repo,
            home=self.tmp_path / "home",
            provider=provider,
            confluence=confluence,
            github_api=github_api,
            page_id=page_id,
            inputs=inputs,
        )
