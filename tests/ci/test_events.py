"""event_from_env: GitHub payload files, GitLab variables and local runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codedoc_action.ci.events import CiEvent, event_from_env
from codedoc_action.errors import EventError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "github-events"
ZERO = "0" * 40
SHA_A = "a" * 40
SHA_B = "b" * 40


def _github(name: str, fixture: str, **env: str) -> CiEvent:
    return event_from_env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": name,
            "GITHUB_EVENT_PATH": str(FIXTURES / f"{fixture}.json"),
            "GITHUB_SHA": SHA_A,
            "GITHUB_REF": "refs/heads/master",
            "GITHUB_REPOSITORY": "octo/project",
            **env,
        }
    )


def _payload(fixture: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{fixture}.json").read_text())
    return data


def test_event_push_normal() -> None:
    payload = _payload("push-normal")
    event = _github("push", "push-normal")
    assert event.platform == "github"
    assert event.kind == "push"
    assert event.before == payload["before"]
    assert event.after == payload["after"]
    assert event.forced is False
    assert event.created is False
    assert event.branch == "master"
    assert event.default_branch == payload["repository"]["default_branch"]
    assert event.api_url == "https://api.github.com"
    assert event.server_url == "https://github.com"


def test_event_push_new_branch_has_no_before() -> None:
    event = _github("push", "push-new-branch")
    assert event.kind == "push"
    assert event.before is None
    assert event.created is True


def test_event_push_forced_flag() -> None:
    payload = _payload("push-forced")
    event = _github("push", "push-forced")
    assert event.forced is True
    assert event.before == payload["before"]


def test_event_tag_deletion_does_nothing() -> None:
    event = _github("push", "push-delete-tag")
    assert event.kind == "tag"
    assert event.does_nothing is True


def test_event_branch_deletion_does_nothing(tmp_path: Path) -> None:
    payload = _payload("push-delete-tag")
    payload["ref"] = "refs/heads/feature"
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    event = _github("push", "push-delete-tag", GITHUB_EVENT_PATH=str(path))
    assert event.kind == "branch_deleted"
    assert event.does_nothing is True


@pytest.mark.parametrize("fixture", ["pull_request-opened", "pull_request-synchronize"])
@pytest.mark.parametrize("name", ["pull_request", "pull_request_target"])
def test_event_pull_request(name: str, fixture: str) -> None:
    pull = _payload(fixture)["pull_request"]
    event = _github(name, fixture, GITHUB_REF="refs/pull/2/merge")
    assert event.kind == "pull_request"
    assert event.name == name
    assert event.base == pull["base"]["sha"]
    assert event.head == pull["head"]["sha"]
    assert event.pull_number == pull["number"]
    assert event.sha == SHA_A
    assert event.branch == ""


def test_event_merge_group() -> None:
    group = _payload("merge_group-checks_requested")["merge_group"]
    event = _github("merge_group", "merge_group-checks_requested")
    assert event.kind == "merge_group"
    assert event.base == group["base_sha"]
    assert event.head == group["head_sha"]


def test_event_workflow_dispatch_inputs(tmp_path: Path) -> None:
    payload = _payload("workflow_dispatch")
    payload["inputs"] = {"max_files": 5, "mode": "full", "dry-run": True, "name": "x"}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    event = _github(
        "workflow_dispatch", "workflow_dispatch", GITHUB_EVENT_PATH=str(path)
    )
    assert event.kind == "manual"
    assert event.inputs["max_files"] == "5"
    assert event.inputs["dry-run"] == "true"
    overrides = event.input_overrides(("max-files", "mode", "dry-run"))
    assert overrides == {"max-files": "5", "mode": "full", "dry-run": "true"}


def test_event_workflow_dispatch_fixture_inputs() -> None:
    event = _github("workflow_dispatch", "workflow_dispatch")
    assert dict(event.inputs) == _payload("workflow_dispatch")["inputs"]


def test_event_schedule(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"schedule": "0 3 * * *"}))
    event = _github("schedule", "push-normal", GITHUB_EVENT_PATH=str(path))
    assert event.kind == "schedule"
    assert event.default_branch == ""


def test_event_api_urls_from_env() -> None:
    event = _github(
        "push",
        "push-normal",
        GITHUB_API_URL="https://ghe.example.com/api/v3",
        GITHUB_SERVER_URL="https://ghe.example.com",
    )
    assert event.api_url == "https://ghe.example.com/api/v3"
    assert event.server_url == "https://ghe.example.com"
    assert event.repository == "octo/project"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        (
            '{"pull_request": {"base": {}, "head": {"sha": "x"}}}',
            "pull_request.base.sha",
        ),
        ('{"pull_request": "text"}', "pull_request is missing"),
    ],
)
def test_event_malformed_payload(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "event.json"
    path.write_text(content)
    with pytest.raises(EventError) as caught:
        _github("pull_request", "push-normal", GITHUB_EVENT_PATH=str(path))
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)


def test_event_malformed_merge_group(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"merge_group": {"base_sha": SHA_A}}))
    with pytest.raises(EventError) as caught:
        _github("merge_group", "push-normal", GITHUB_EVENT_PATH=str(path))
    assert "merge_group.head_sha" in str(caught.value)
    assert "base and head inputs" in str(caught.value)


def test_event_missing_payload_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(EventError) as caught:
        _github("push", "push-normal", GITHUB_EVENT_PATH=str(missing))
    assert str(missing) in str(caught.value)
    assert "GITHUB_EVENT_PATH" in str(caught.value)


def test_event_missing_event_name() -> None:
    with pytest.raises(EventError, match="GITHUB_EVENT_NAME"):
        event_from_env({"GITHUB_ACTIONS": "true"})


def _gitlab(**env: str) -> CiEvent:
    return event_from_env(
        {
            "GITLAB_CI": "true",
            "CI_COMMIT_SHA": SHA_A,
            "CI_DEFAULT_BRANCH": "main",
            "CI_PROJECT_ID": "42",
            "CI_PROJECT_PATH": "group/project",
            "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
            "CI_SERVER_URL": "https://gitlab.example.com",
            **env,
        }
    )


@pytest.mark.parametrize(
    ("env", "kind", "before", "base", "head"),
    [
        (
            {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": SHA_B},
            "push",
            SHA_B,
            None,
            None,
        ),
        (
            {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": ZERO},
            "push",
            None,
            None,
            None,
        ),
        (
            {
                "CI_PIPELINE_SOURCE": "merge_request_event",
                "CI_MERGE_REQUEST_DIFF_BASE_SHA": SHA_B,
                "CI_MERGE_REQUEST_IID": "9",
                "CI_COMMIT_BEFORE_SHA": ZERO,
            },
            "pull_request",
            None,
            SHA_B,
            SHA_A,
        ),
        (
            {"CI_PIPELINE_SOURCE": "web", "CI_COMMIT_BEFORE_SHA": ZERO},
            "manual",
            None,
            None,
            None,
        ),
        ({"CI_PIPELINE_SOURCE": "schedule"}, "schedule", None, None, None),
        (
            {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1"},
            "tag",
            None,
            None,
            None,
        ),
    ],
)
def test_event_gitlab(
    env: dict[str, str],
    kind: str,
    before: str | None,
    base: str | None,
    head: str | None,
) -> None:
    event = _gitlab(**env)
    assert event.platform == "gitlab"
    assert event.kind == kind
    assert event.before == before
    assert event.base == base
    assert event.head == head
    assert event.project_id == "42"
    assert event.server_url == "https://gitlab.example.com"


def test_event_gitlab_merged_results_head() -> None:
    event = _gitlab(
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_MERGE_REQUEST_DIFF_BASE_SHA=SHA_B,
        CI_MERGE_REQUEST_SOURCE_BRANCH_SHA="c" * 40,
        CI_MERGE_REQUEST_IID="3",
    )
    assert event.head == "c" * 40
    assert event.pull_number == 3


def test_event_gitlab_merge_request_without_base() -> None:
    with pytest.raises(EventError, match="CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        _gitlab(CI_PIPELINE_SOURCE="merge_request_event")


def test_event_gitlab_invalid_sha() -> None:
    with pytest.raises(EventError, match="CI_COMMIT_BEFORE_SHA"):
        _gitlab(CI_PIPELINE_SOURCE="push", CI_COMMIT_BEFORE_SHA="nope")


def test_event_local() -> None:
    event = event_from_env({"HOME": "/root"})
    assert event.platform == "local"
    assert event.kind == "local"
    assert event.sha == "HEAD"
