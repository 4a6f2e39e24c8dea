"""End-to-end tests of the built image, run the way a GitHub runner runs it.

These tests need an image built by .ci/steps/30-container.sh (tag from
CODEDOC_IMAGE) and buildah, so they run only with CODEDOC_CONTAINER_TESTS=1.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.container.git_server import GitHttpServer
from tests.container.runner import (
    RunnerFolders,
    action_inputs,
    image_name,
    run_container,
    runner_environment,
    tools_available,
)
from tests.fakes.confluence import FakeConfluence
from tests.fakes.github_comments import FakeGitHub
from tests.fakes.providers import FakeProviderServer
from tests.gitrepo import git

pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(
        os.environ.get("CODEDOC_CONTAINER_TESTS") != "1",
        reason="set CODEDOC_CONTAINER_TESTS=1 (and build the image) to run",
    ),
    pytest.mark.skipif(not tools_available(), reason="buildah is not installed"),
]

GITHUB_TOKEN = "ghs_" + "containerTestToken0123456789abcdef"
PROVIDER_KEY = "sk-" + "containerTestProviderKey0123456789"
CONFLUENCE_TOKEN = "ATATT" + "containerTestConfluenceToken0123"
RUNNER_UID = 1001

BASE_FILES = {
    "README.md": "# Inventory service\n\nTracks stock levels.\n",
    "inventory/__init__.py": "",
    "inventory/store.py": (
        "class StockStore:\n"
        "    def reserve(self, sku: str, count: int) -> bool:\n"
        "        return count > 0\n"
    ),
}
HEAD_FILES = {
    "inventory/store.py": (
        "class StockStore:\n"
        "    def reserve(self, sku: str, count: int) -> bool:\n"
        "        return count > 0\n\n"
        "    def release(self, sku: str) -> None:\n"
        "        pass\n"
    ),
    "inventory/api.py": (
        "from inventory.store import StockStore\n\n\n"
        "def create_app(store: StockStore) -> object:\n"
        "    return object()\n"
    ),
}


class _GitHubApiRecorder(BaseHTTPRequestHandler):
    """Fake GitHub API that records every request path and returns 503."""

    def _record(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        self.send_response(503)
        self.send_header("content-length", "0")
        self.end_headers()

    do_GET = do_POST = do_PATCH = _record

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def github_api() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GitHubApiRecorder)
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def _chown_tree(root: Path, uid: int) -> None:
    """Give the checkout to another user, as the runner's checkout is."""
    os.chown(root, uid, uid)
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


@pytest.fixture
def pushed(tmp_path: Path) -> tuple[RunnerFolders, str, str]:
    """A checkout with two commits, the push event between them, and folders."""
    workspace = tmp_path / "work" / "inventory"
    workspace.mkdir(parents=True)
    git(workspace, "init", "--quiet")
    before = _commit(workspace, BASE_FILES, "Add the stock store")
    after = _commit(workspace, HEAD_FILES, "Add release and the API")
    _chown_tree(workspace, RUNNER_UID)
    folders = RunnerFolders.create(tmp_path / "runner", workspace)
    folders.write_event(_push_event(before, after))
    return folders, before, after


def _push_event(before: str, after: str) -> dict[str, Any]:
    return {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "created": False,
        "deleted": False,
        "forced": False,
        "repository": {
            "name": "inventory",
            "full_name": "octo-org/inventory",
            "default_branch": "main",
            "owner": {"login": "octo-org"},
        },
        "head_commit": {"id": after, "message": "Add release and the API"},
    }


def _push_env(
    folders: RunnerFolders, after: str, api: ThreadingHTTPServer, **inputs: str
) -> dict[str, str]:
    api_url = f"http://127.0.0.1:{api.server_address[1]}"
    env = runner_environment(
        folders, event_name="push", sha=after, ref="refs/heads/main", api_url=api_url
    )
    env.update(action_inputs(inputs, github_token=GITHUB_TOKEN))
    return env


def _assert_no_secret(text: str, where: str) -> None:
    for secret in (GITHUB_TOKEN, PROVIDER_KEY, CONFLUENCE_TOKEN):
        assert secret not in text, f"a secret appears in {where}"


def _log_without_masks(stdout: str) -> str:
    lines = stdout.splitlines()
    return "\n".join(line for line in lines if not line.startswith("::add-mask::"))


def test_image_offline_dry_run_writes_summary(
    pushed: tuple[RunnerFolders, str, str], github_api: ThreadingHTTPServer
) -> None:
    folders, before, after = pushed
    env = _push_env(
        folders, after, github_api, provider="offline", **{"dry-run": "true"}
    )

    run = run_container(image_name(), folders, env, network=False)

    assert run.returncode == 0, run.stdout + run.stderr
    assert folders.summary.strip(), "the job summary is empty"
    assert before[:7] in folders.summary
    assert after[:7] in folders.summary
    outputs = folders.outputs
    assert outputs["updated"] == "false"
    assert outputs["total-tokens"] == "0"
    assert isinstance(json.loads(outputs["selected-files"]), list)
    _assert_no_secret(_log_without_masks(run.stdout) + run.stderr, "the log")
    _assert_no_secret(folders.summary, "the summary")


def test_image_masks_github_token(
    pushed: tuple[RunnerFolders, str, str], github_api: ThreadingHTTPServer
) -> None:
    folders, _, after = pushed
    env = _push_env(
        folders, after, github_api, provider="offline", **{"dry-run": "true"}
    )

    run = run_container(image_name(), folders, env)

    assert f"::add-mask::{GITHUB_TOKEN}" in run.stdout


def test_image_git_trusts_foreign_checkout(
    pushed: tuple[RunnerFolders, str, str], github_api: ThreadingHTTPServer
) -> None:
    folders, _, after = pushed
    assert folders.workspace.stat().st_uid == RUNNER_UID
    env = _push_env(folders, after, github_api)

    run = run_container(
        image_name(), folders, env, command=["git", "rev-parse", "HEAD"], network=False
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == after


def test_image_comments_on_pull_request(
    pushed: tuple[RunnerFolders, str, str],
) -> None:
    folders, before, after = pushed
    github = FakeGitHub(
        repository="octo-org/inventory", tokens={GITHUB_TOKEN: "write"}, pulls={7}
    )
    repository = {"full_name": "octo-org/inventory"}
    folders.write_event(
        {
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "base": {"sha": before, "ref": "main", "repo": repository},
                "head": {"sha": after, "ref": "feature", "repo": repository},
            },
            "repository": {**repository, "default_branch": "main"},
        }
    )
    github.start()
    try:
        env = runner_environment(
            folders,
            event_name="pull_request",
            sha=after,
            ref="refs/pull/7/merge",
            api_url=github.api_url,
        )
        env.update(
            action_inputs(
                {"provider": "offline", "comment": "true"}, github_token=GITHUB_TOKEN
            )
        )

        first = run_container(image_name(), folders, env)
        second = run_container(image_name(), folders, env)
    finally:
        github.stop()

    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    comments = github.comments[7]
    assert len(comments) == 1, "the second run must update the first comment"
    assert comments[0].body.strip()
    _assert_no_secret(comments[0].body, "the comment")
    _assert_no_secret(_log_without_masks(first.stdout) + first.stderr, "the log")


def test_image_invalid_settings_exit_2(
    pushed: tuple[RunnerFolders, str, str], github_api: ThreadingHTTPServer
) -> None:
    folders, _, after = pushed
    env = _push_env(folders, after, github_api, provider="anthropic", mode="sideways")

    run = run_container(image_name(), folders, env, network=False)

    assert run.returncode == 2, run.stdout + run.stderr
    assert "api-key" in run.stdout
    assert "mode" in run.stdout


def test_image_publishes_through_fakes(
    pushed: tuple[RunnerFolders, str, str], github_api: ThreadingHTTPServer
) -> None:
    folders, _, after = pushed
    provider = FakeProviderServer("openai-compatible", api_key=PROVIDER_KEY)
    confluence = FakeConfluence("cloud", token=CONFLUENCE_TOKEN)
    with provider, confluence:
        page_id = confluence.add_page("Inventory", "<p>Hand-written intro.</p>")
        env = _push_env(
            folders,
            after,
            github_api,
            provider="openai-compatible",
            model=provider.models[0],
            **{
                "api-key": PROVIDER_KEY,
                "api-base-url": provider.base_url,
                "confluence-url": confluence.base_url,
                "confluence-user": confluence.user,
                "confluence-token": CONFLUENCE_TOKEN,
                "confluence-page": page_id,
            },
        )

        run = run_container(image_name(), folders, env)

        assert run.returncode == 0, run.stdout + run.stderr
        assert provider.requests, "the provider fake got no request"
        outputs = folders.outputs
        assert outputs["page-id"] == page_id
        assert outputs["updated"] == "true"
        assert int(outputs["total-tokens"]) > 0
        assert int(outputs["page-version"]) == confluence.page(page_id)["version"]
        assert "Hand-written intro." in confluence.page(page_id)["body"]
    # The push event and the full history give the range without the API.
    assert github_api.paths == []  # type: ignore[attr-defined]
    _assert_no_secret(_log_without_masks(run.stdout) + run.stderr, "the log")
    _assert_no_secret(folders.summary, "the summary")
    _assert_no_secret(json.dumps(outputs), "the outputs")


def _shallow_checkout(tmp_path: Path) -> tuple[Path, Path, str, str]:
    """Create a bare origin with two commits and a clone of only the last one.

    Returns the folder of origins, the clone and the two commit ids.
    """
    source = tmp_path / "source"
    source.mkdir()
    git(source, "init", "--quiet")
    before = _commit(source, BASE_FILES, "Add the stock store")
    after = _commit(source, HEAD_FILES, "Add release and the API")
    origins = tmp_path / "origins"
    origin = origins / "inventory.git"
    origins.mkdir()
    git(origins, "clone", "--quiet", "--bare", str(source), str(origin))
    workspace = tmp_path / "work" / "inventory"
    workspace.parent.mkdir(parents=True)
    git(
        workspace.parent,
        "clone",
        "--quiet",
        "--depth=1",
        f"file://{origin}",
        str(workspace),
    )
    return origins, workspace, before, after


def test_image_fetches_missing_commit_over_http(
    tmp_path: Path, github_api: ThreadingHTTPServer
) -> None:
    origins, workspace, before, after = _shallow_checkout(tmp_path)
    assert git(workspace, "rev-parse", "--is-shallow-repository") == "true"
    assert before not in git(workspace, "rev-list", "--all")
    server = GitHttpServer(origins, "x-access-token", GITHUB_TOKEN)
    with server:
        origin_url = f"{server.base_url}/inventory.git"
        git(workspace, "remote", "set-url", "origin", origin_url)
        _chown_tree(workspace, RUNNER_UID)
        folders = RunnerFolders.create(tmp_path / "runner", workspace)
        folders.write_event(_push_event(before, after))
        env = runner_environment(
            folders,
            event_name="push",
            sha=after,
            ref="refs/heads/main",
            api_url=f"http://127.0.0.1:{github_api.server_address[1]}",
            server_url=server.base_url,
        )
        inputs = {"provider": "offline", "dry-run": "true"}
        env.update(action_inputs(inputs, github_token=GITHUB_TOKEN))

        run = run_container(image_name(), folders, env)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "fetch of" not in run.stdout + run.stderr
    upload_packs = [
        request
        for request in server.requests
        if request.method == "POST" and request.path.endswith("/git-upload-pack")
    ]
    assert upload_packs, "git in the container sent no fetch request"
    unauthorized = [request for request in server.requests if not request.authorized]
    assert unauthorized == [], "a request to the git server lacked the token"
    assert before[:7] in folders.summary
    # The range came from the fetched history, not from the compare API.
    assert github_api.paths == []  # type: ignore[attr-defined]
    _assert_no_secret(_log_without_masks(run.stdout) + run.stderr, "the log")
