"""The review path end to end: codedoc's main on a pull request run.

The repository is real, the provider is offline, and the GitHub API is the
loopback fake, so the test covers event, range, writer and comment together.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from codedoc_action.main import main
from codedoc_action.review import review_marker
from tests.fakes.github_comments import FakeGitHub
from tests.gitrepo import commit_files, init_repo
from tests.review.conftest import load_payload


def pull_request_env(
    tmp_path: Path, api_url: str, head_repo: str = "octo/repo"
) -> dict[str, str]:
    """Return the environment of a pull_request run over a real repository."""
    repo = init_repo(tmp_path / "repo")
    base = commit_files(repo, {"src/api.py": "def get():\n    return 1\n"}, "base")
    head = commit_files(
        repo, {"src/api.py": "def get(timeout=5):\n    return 1\n"}, "head"
    )
    payload = load_payload("pull_request-opened.json")
    pull = payload["pull_request"]
    pull["number"] = 7
    pull["base"]["sha"] = base
    pull["head"]["sha"] = head
    pull["base"]["repo"]["full_name"] = "octo/repo"
    pull["head"]["repo"]["full_name"] = head_repo
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    (tmp_path / "summary.md").write_text("", encoding="utf-8")
    (tmp_path / "output").write_text("", encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo/repo",
        "GITHUB_REF": "refs/pull/7/merge",
        "GITHUB_SHA": head,
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": api_url,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "INPUT_PROVIDER": "offline",
        "INPUT_COMMENT": "true",
        "INPUT_GITHUB-TOKEN": "good-token",
    }


def test_review_run_posts_one_comment(fake_github: FakeGitHub, tmp_path: Path) -> None:
    env = pull_request_env(tmp_path, fake_github.api_url)
    first = main([], env, io.StringIO())
    second = main([], env, io.StringIO())
    assert first == 0
    assert second == 0
    comments = fake_github.comments[7]
    assert len(comments) == 1
    assert comments[0].body.startswith(review_marker(None))
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert "#issuecomment-" in summary


def test_review_run_token_never_printed(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = pull_request_env(tmp_path, fake_github.api_url)
    env["INPUT_GITHUB-TOKEN"] = "wrong-token-value"
    stream = io.StringIO()
    code = main([], env, stream)
    assert code == 1
    output = stream.getvalue()
    assert "github-token" in output
    assert "wrong-token-value" not in output.replace(
        "::add-mask::wrong-token-value", ""
    )
    assert fake_github.comments.get(7, []) == []


def test_review_run_fork_without_key_exits_zero(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = pull_request_env(tmp_path, fake_github.api_url, head_repo="stranger/repo")
    env["INPUT_PROVIDER"] = "anthropic"
    env["INPUT_API-KEY"] = ""
    stream = io.StringIO()
    code = main([], env, stream)
    assert code == 0, stream.getvalue()
    assert "fork" in stream.getvalue()
    assert fake_github.requests == []
