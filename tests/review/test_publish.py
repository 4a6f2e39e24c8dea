"""should_publish: only runs on the publish branch write to Confluence."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from codedoc_action.review import should_publish
from codedoc_action.settings import Settings, build_settings
from tests.review.conftest import github_pull_env, gitlab_mr_env, load_payload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONFLUENCE = {
    "confluence-url": "https://c.example/wiki",
    "confluence-page": "123",
    "confluence-token": "t",
}


def publishing(**extra: str) -> Settings:
    values = dict(CONFLUENCE)
    values.update({key.replace("_", "-"): value for key, value in extra.items()})
    return build_settings(values)


def github_push_env(tmp_path: Path, ref: str = "refs/heads/master") -> dict[str, str]:
    payload = load_payload("push-normal.json")
    payload["ref"] = ref
    path = tmp_path / "push.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REF": ref,
        "GITHUB_SHA": payload["after"],
        "GITHUB_REPOSITORY": "octo/repo",
    }


def gitlab_branch_env(branch: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_SHA": "c" * 40,
        "CI_COMMIT_BRANCH": branch,
        "CI_COMMIT_REF_NAME": branch,
        "CI_DEFAULT_BRANCH": "main",
    }


def test_should_publish_github_default_branch(tmp_path: Path) -> None:
    decision, reason = should_publish(publishing(), github_push_env(tmp_path))
    assert decision
    assert "master" in reason


def test_should_publish_github_other_branch(tmp_path: Path) -> None:
    env = github_push_env(tmp_path, "refs/heads/feature")
    decision, reason = should_publish(publishing(), env)
    assert not decision
    assert "feature" in reason
    assert "publish-branch" in reason


def test_should_publish_github_publish_branch_input(tmp_path: Path) -> None:
    env = github_push_env(tmp_path, "refs/heads/release")
    decision, _ = should_publish(publishing(publish_branch="release"), env)
    assert decision
    env = github_push_env(tmp_path, "refs/heads/master")
    decision, reason = should_publish(publishing(publish_branch="release"), env)
    assert not decision
    assert "release" in reason


def test_should_publish_github_tag(tmp_path: Path) -> None:
    env = github_push_env(tmp_path, "refs/tags/v1.0")
    decision, reason = should_publish(publishing(), env)
    assert not decision
    assert "tag" in reason


def test_should_publish_github_pull_request(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, "https://api.github.com")
    decision, reason = should_publish(publishing(comment="true"), env)
    assert not decision
    assert "pull request" in reason
    assert "comment" in reason


def test_should_publish_gitlab_default_branch() -> None:
    decision, _ = should_publish(publishing(), gitlab_branch_env("main"))
    assert decision


def test_should_publish_gitlab_other_branch() -> None:
    decision, reason = should_publish(publishing(), gitlab_branch_env("dev"))
    assert not decision
    assert "dev" in reason
    assert "main" in reason


def test_should_publish_gitlab_merge_request() -> None:
    env = gitlab_mr_env("https://gitlab.example/api/v4")
    decision, reason = should_publish(publishing(), env)
    assert not decision
    assert "merge request" in reason


def test_should_publish_gitlab_unknown_default_branch() -> None:
    env = gitlab_branch_env("main")
    del env["CI_DEFAULT_BRANCH"]
    decision, reason = should_publish(publishing(), env)
    assert not decision
    assert "publish-branch: main" in reason


@pytest.mark.parametrize(
    ("values", "word"),
    [({"dry-run": "true", **CONFLUENCE}, "dry-run"), ({}, "Confluence")],
)
def test_should_publish_preview_runs(
    tmp_path: Path, values: dict[str, str], word: str
) -> None:
    decision, reason = should_publish(build_settings(values), github_push_env(tmp_path))
    assert not decision
    assert word in reason


def _git_repo(path: Path, branch: str) -> None:
    subprocess.run(
        ["git", "init", "-q", "-b", branch, str(path)], check=True, capture_output=True
    )


def test_should_publish_local_run(tmp_path: Path) -> None:
    _git_repo(tmp_path, "work")
    env = {"CODEDOC_WORKSPACE": str(tmp_path)}
    assert should_publish(publishing(), env)[0]
    assert should_publish(publishing(publish_branch="work"), env)[0]
    decision, reason = should_publish(publishing(publish_branch="main"), env)
    assert not decision
    assert "work" in reason


def test_should_publish_comment_on_push_still_publishes(tmp_path: Path) -> None:
    # One workflow may serve pull requests (comment) and pushes (publish).
    decision, _ = should_publish(publishing(comment="true"), github_push_env(tmp_path))
    assert decision


def test_should_publish_github_merge_queue_branch(tmp_path: Path) -> None:
    ref = "refs/heads/gh-readonly-queue/master/pr-104-abc"
    decision, reason = should_publish(publishing(), github_push_env(tmp_path, ref))
    assert not decision
    assert "gh-readonly-queue" in reason


def _github_event_env(
    tmp_path: Path, name: str, payload: dict[str, object]
) -> dict[str, str]:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REPOSITORY": "octo/repo",
    }


def test_should_publish_merge_group_never(tmp_path: Path) -> None:
    fixture = FIXTURES / "github-events" / "merge_group-checks_requested.json"
    payload = json.loads(fixture.read_text(encoding="utf-8"))
    env = _github_event_env(tmp_path, "merge_group", payload)
    env["GITHUB_REF"] = str(payload["merge_group"]["head_ref"])
    decision, reason = should_publish(publishing(), env)
    assert not decision
    assert "merge queue" in reason
    assert "set publish-branch" not in reason


def test_should_publish_schedule_without_repository(tmp_path: Path) -> None:
    env = _github_event_env(tmp_path, "schedule", {"schedule": "0 6 * * 1"})
    decision, reason = should_publish(publishing(), env)
    assert decision, reason
