"""A tampered page record must never reach git as an option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.action_env import FIXTURES, action_env, push_payload, run_action
from tests.fakes.confluence import FakeConfluence
from tests.gitrepo import RepoInfo, clone, make_release_repo

TOKEN = "ATATT-record-test-token-01"


@pytest.fixture(scope="module")
def release_repo(tmp_path_factory: pytest.TempPathFactory) -> RepoInfo:
    return make_release_repo(tmp_path_factory.mktemp("repo"), "attrs")


def _offline_inputs(confluence: FakeConfluence, page_id: str) -> dict[str, str]:
    """Return inputs for an offline run that publishes to ``page_id``."""
    return {
        "provider": "offline",
        "confluence-url": confluence.base_url,
        "confluence-user": confluence.user,
        "confluence-token": TOKEN,
        "confluence-page": page_id,
    }


@pytest.mark.parametrize("event", ["push", "workflow_dispatch"])
def test_page_record_option_never_runs(
    event: str, release_repo: RepoInfo, tmp_path: Path
) -> None:
    marker = tmp_path / "upload-pack-ran"
    work = clone(f"file://{release_repo.path}", tmp_path / "work", "--depth", "1")
    with FakeConfluence("cloud", token=TOKEN) as confluence:
        page_id = confluence.add_page("Docs", "<p>hand</p>")
        inputs = _offline_inputs(confluence, page_id)
        payload = push_payload(release_repo.old_sha, release_repo.new_sha)
        env = action_env(
            work, tmp_path / "home", "push", payload, inputs, release_repo.new_sha
        )
        first = run_action(env)
        assert first.returncode == 0, first.log

        stored = confluence._pages[page_id].properties["codedoc-action"]
        stored["value"] = {
            **stored["value"],
            "commit": f"--upload-pack=touch {marker};:",
        }
        if event == "workflow_dispatch":
            payload = json.loads((FIXTURES / "workflow_dispatch.json").read_text())
        else:
            payload = push_payload(release_repo.new_sha, release_repo.new_sha)
        env = action_env(
            work, tmp_path / "home", event, payload, inputs, release_repo.new_sha
        )
        second = run_action(env)
    assert not marker.exists()
    assert "not a commit id" in second.summary


def test_offline_keeps_hand_edited_section(
    release_repo: RepoInfo, tmp_path: Path
) -> None:
    with FakeConfluence("cloud", token=TOKEN) as confluence:
        page_id = confluence.add_page("Docs", "<p>outside</p>")
        inputs = _offline_inputs(confluence, page_id)
        payload = push_payload(release_repo.old_sha, release_repo.new_sha)
        env = action_env(
            release_repo.path,
            tmp_path / "home",
            "push",
            payload,
            inputs,
            release_repo.new_sha,
        )
        first = run_action(env)
        assert first.returncode == 0, first.log

        body = confluence.page(page_id)["body"]
        end = body.index("codedoc-section-end")
        paragraph = body.rindex("<p", 0, end)
        edited = body[:paragraph] + "<p>A person added this.</p>" + body[paragraph:]
        confluence.set_body(page_id, edited)
        version = confluence.page(page_id)["version"]

        second = run_action(env)
        assert second.returncode == 0, second.log
        assert confluence.page(page_id)["version"] == version
        assert "A person added this." in confluence.page(page_id)["body"]
        assert "offline writer cannot keep those edits" in second.summary


def test_paths_without_match_spend_nothing(
    release_repo: RepoInfo, tmp_path: Path
) -> None:
    with FakeConfluence("cloud", token=TOKEN) as confluence:
        page_id = confluence.add_page("Docs", "<p>outside</p>")
        inputs = _offline_inputs(confluence, page_id)
        inputs["paths"] = "no/such/dir/**"
        payload = push_payload(release_repo.old_sha, release_repo.new_sha)
        env = action_env(
            release_repo.path,
            tmp_path / "home",
            "push",
            payload,
            inputs,
            release_repo.new_sha,
        )
        run = run_action(env)
        assert run.returncode == 0, run.log
        assert "no change in the range matches paths" in run.summary
        assert confluence.page(page_id)["version"] == 1
        assert run.outputs["updated"] == "false"
