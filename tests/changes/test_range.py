"""resolve_range on real repositories, one table row per CI situation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from codedoc_action.changes.git import Git
from codedoc_action.changes.range import (
    MissingCommitError,
    NothingToDo,
    resolve_range,
)
from codedoc_action.ci.events import CiEvent, event_from_env
from codedoc_action.errors import GitError
from tests.changes.conftest import Remote, github_env, load_payload
from tests.gitrepo import ZERO_SHA, commit_files, git, init_repo


@dataclass
class Situation:
    """What a case builds: the checkout, the event and the expected range."""

    workdir: Path
    event: CiEvent
    base: str | None = None
    head: str = ""
    reason: str = ""
    nothing: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)


def _push_event(
    tmp_path: Path, before: str, after: str, ref: str = "refs/heads/main", **extra: Any
) -> CiEvent:
    payload = load_payload("push-normal")
    payload.update(before=before, after=after, ref=ref, **extra)
    return event_from_env(github_env(tmp_path, "push", payload, sha=after, ref=ref))


def normal_push(remote: Remote, tmp_path: Path) -> Situation:
    c2, c3 = remote.shas["c2"], remote.shas["c3"]
    workdir = remote.full_clone("ci")
    return Situation(
        workdir, _push_event(tmp_path, c2, c3), base=c2, head=c3, reason="push:"
    )


def new_branch(remote: Remote, tmp_path: Path) -> Situation:
    git(remote.dev, "checkout", "--quiet", "-b", "feature", remote.shas["c2"])
    remote.commit("f1", {"src/feature.py": "F = 1\n"})
    remote.commit("f2", {"src/feature.py": "F = 2\n"})
    remote.push("feature")
    payload = load_payload("push-new-branch")
    payload.update(before=ZERO_SHA, after=remote.shas["f2"], ref="refs/heads/feature")
    env = github_env(
        tmp_path, "push", payload, sha=remote.shas["f2"], ref="refs/heads/feature"
    )
    workdir = remote.checkout("ci", remote.shas["f2"], depth=1)
    return Situation(
        workdir,
        event_from_env(env),
        base=remote.shas["c2"],
        head=remote.shas["f2"],
        reason="new branch",
    )


def _force_push(remote: Remote) -> tuple[str, str]:
    """Rewrite main: drop c3, commit c3b on c2 instead, force-push it."""
    stale = remote.shas["c3"]
    git(remote.dev, "reset", "--quiet", "--hard", remote.shas["c2"])
    rewritten = remote.commit("c3b", {"src/rewritten.py": "R = 1\n"})
    remote.push("--force", "HEAD:main")
    return stale, rewritten


def force_push(remote: Remote, tmp_path: Path) -> Situation:
    stale, rewritten = _force_push(remote)
    payload = load_payload("push-forced")
    payload.update(before=stale, after=rewritten, ref="refs/heads/main")
    env = github_env(tmp_path, "push", payload, sha=rewritten)
    workdir = remote.checkout("ci", rewritten, depth=1)
    return Situation(
        workdir,
        event_from_env(env),
        base=remote.shas["c2"],
        head=rewritten,
        reason="force push",
    )


def force_push_unflagged(remote: Remote, tmp_path: Path) -> Situation:
    stale, rewritten = _force_push(remote)
    env = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_SHA": rewritten,
        "CI_COMMIT_BEFORE_SHA": stale,
        "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main",
    }
    workdir = remote.checkout("ci", rewritten, depth=1)
    return Situation(
        workdir,
        event_from_env(env),
        base=remote.shas["c2"],
        head=rewritten,
        reason="force push",
    )


def tag_push(remote: Remote, tmp_path: Path) -> Situation:
    git(remote.dev, "tag", "v1.0")
    remote.push("v1.0")
    payload = load_payload("push-normal")
    payload.update(ref="refs/tags/v1.0", before=ZERO_SHA, after=remote.shas["c3"])
    env = github_env(
        tmp_path, "push", payload, sha=remote.shas["c3"], ref="refs/tags/v1.0"
    )
    return Situation(remote.full_clone("ci"), event_from_env(env), nothing=True)


def branch_deletion(remote: Remote, tmp_path: Path) -> Situation:
    payload = load_payload("push-delete-tag")
    payload.update(ref="refs/heads/old", before=remote.shas["c3"])
    env = github_env(
        tmp_path, "push", payload, sha=remote.shas["c3"], ref="refs/heads/old"
    )
    return Situation(remote.full_clone("ci"), event_from_env(env), nothing=True)


def _pull_request_refs(remote: Remote) -> tuple[str, str, str]:
    """Make a PR branch from c2, move main on, and publish refs/pull/1/merge."""
    git(remote.dev, "checkout", "--quiet", "-b", "topic", remote.shas["c2"])
    head = remote.commit("p1", {"src/topic.py": "T = 1\n"})
    git(remote.dev, "checkout", "--quiet", "main")
    base_tip = remote.commit("c4", {"README.md": "# Project v2\n"})
    git(remote.dev, "merge", "--quiet", "--no-edit", "--no-ff", "topic")
    merge = git(remote.dev, "rev-parse", "HEAD")
    git(remote.dev, "reset", "--quiet", "--hard", base_tip)
    remote.push("main", "topic", f"{merge}:refs/pull/1/merge")
    return base_tip, head, merge


def pull_request_merge_checkout(remote: Remote, tmp_path: Path) -> Situation:
    base_tip, head, merge = _pull_request_refs(remote)
    payload = load_payload("pull_request-synchronize")
    payload["pull_request"]["base"]["sha"] = base_tip
    payload["pull_request"]["head"]["sha"] = head
    env = github_env(
        tmp_path, "pull_request", payload, sha=merge, ref="refs/pull/1/merge"
    )
    workdir = remote.checkout("ci", merge, depth=1)
    return Situation(
        workdir,
        event_from_env(env),
        base=remote.shas["c2"],
        head=head,
        reason="pull request",
    )


def merge_group(remote: Remote, tmp_path: Path) -> Situation:
    base_tip, _head, merge = _pull_request_refs(remote)
    payload = load_payload("merge_group-checks_requested")
    payload["merge_group"].update(base_sha=base_tip, head_sha=merge)
    env = github_env(tmp_path, "merge_group", payload, sha=merge)
    workdir = remote.checkout("ci", merge, depth=1)
    return Situation(
        workdir, event_from_env(env), base=base_tip, head=merge, reason="merge group"
    )


def dispatch_with_stored_commit(remote: Remote, tmp_path: Path) -> Situation:
    payload = load_payload("workflow_dispatch")
    env = github_env(tmp_path, "workflow_dispatch", payload, sha=remote.shas["c3"])
    return Situation(
        remote.checkout("ci", remote.shas["c3"], depth=1),
        event_from_env(env),
        base=remote.shas["c1"],
        head=remote.shas["c3"],
        reason="since last documented",
        kwargs={"last_documented_commit": remote.shas["c1"]},
    )


def dispatch_without_stored_commit(remote: Remote, tmp_path: Path) -> Situation:
    payload = load_payload("workflow_dispatch")
    env = github_env(tmp_path, "workflow_dispatch", payload, sha=remote.shas["c3"])
    return Situation(
        remote.full_clone("ci"),
        event_from_env(env),
        base=None,
        head=remote.shas["c3"],
        reason="whole tree",
    )


def schedule(remote: Remote, tmp_path: Path) -> Situation:
    payload = {"schedule": "30 5 * * 1"}
    env = github_env(tmp_path, "schedule", payload, sha=remote.shas["c3"])
    return Situation(
        remote.full_clone("ci"),
        event_from_env(env),
        base=remote.shas["c2"],
        head=remote.shas["c3"],
        reason="scheduled run",
        kwargs={"last_documented_commit": remote.shas["c2"]},
    )


def first_commit(remote: Remote, tmp_path: Path) -> Situation:
    fresh = init_repo(tmp_path / "fresh")
    only = commit_files(fresh, {"main.py": "print('hi')\n"}, "first")
    payload = load_payload("push-new-branch")
    payload.update(before=ZERO_SHA, after=only, ref="refs/heads/main")
    env = github_env(tmp_path, "push", payload, sha=only)
    return Situation(
        fresh, event_from_env(env), base=None, head=only, reason="first commit"
    )


def shallow_push_fetches_before(remote: Remote, tmp_path: Path) -> Situation:
    c2, c3 = remote.shas["c2"], remote.shas["c3"]
    workdir = remote.root / "ci"
    git(remote.root, "clone", "--quiet", "--depth", "1", remote.url, str(workdir))
    return Situation(
        workdir, _push_event(tmp_path, c2, c3), base=c2, head=c3, reason="push:"
    )


def explicit_inputs(remote: Remote, tmp_path: Path) -> Situation:
    c1, c2, c3 = remote.shas["c1"], remote.shas["c2"], remote.shas["c3"]
    return Situation(
        remote.checkout("ci", c3, depth=1),
        _push_event(tmp_path, c2, c3),
        base=c1,
        head=c2,
        reason="inputs:",
        kwargs={"settings_base": c1, "settings_head": c2},
    )


def gitlab_merge_request(remote: Remote, tmp_path: Path) -> Situation:
    _base_tip, head, _merge = _pull_request_refs(remote)
    env = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_COMMIT_SHA": head,
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": remote.shas["c2"],
        "CI_MERGE_REQUEST_IID": "7",
        "CI_COMMIT_BEFORE_SHA": ZERO_SHA,
        "CI_DEFAULT_BRANCH": "main",
    }
    workdir = remote.checkout("ci", head, depth=20)
    return Situation(
        workdir,
        event_from_env(env),
        base=remote.shas["c2"],
        head=head,
        reason="pull request",
    )


def local_run(remote: Remote, tmp_path: Path) -> Situation:
    return Situation(
        remote.full_clone("ci"),
        event_from_env({}),
        base=remote.shas["c2"],
        head=remote.shas["c3"],
        reason="local run",
        kwargs={"last_documented_commit": remote.shas["c2"]},
    )


CASES: list[Callable[[Remote, Path], Situation]] = [
    normal_push,
    new_branch,
    force_push,
    force_push_unflagged,
    tag_push,
    branch_deletion,
    pull_request_merge_checkout,
    merge_group,
    dispatch_with_stored_commit,
    dispatch_without_stored_commit,
    schedule,
    first_commit,
    shallow_push_fetches_before,
    explicit_inputs,
    gitlab_merge_request,
    local_run,
]


@pytest.mark.parametrize("build", CASES, ids=[case.__name__ for case in CASES])
def test_resolve_range_event(
    build: Callable[[Remote, Path], Situation], remote: Remote, tmp_path: Path
) -> None:
    situation = build(remote, tmp_path)
    result = resolve_range(Git(situation.workdir), situation.event, **situation.kwargs)
    if situation.nothing:
        assert isinstance(result, NothingToDo)
        assert "nothing to document" in result.reason
        return
    assert not isinstance(result, NothingToDo)
    assert result.base == situation.base
    assert result.head == situation.head
    assert situation.reason in result.reason


def test_resolve_range_force_push_never_uses_stale_tip(
    remote: Remote, tmp_path: Path
) -> None:
    situation = force_push(remote, tmp_path)
    stale = situation.event.before
    result = resolve_range(Git(situation.workdir), situation.event)
    assert not isinstance(result, NothingToDo)
    assert result.base != stale


def test_resolve_range_unfetchable_commit_raises(
    remote: Remote, tmp_path: Path
) -> None:
    c2, c3 = remote.shas["c2"], remote.shas["c3"]
    workdir = remote.root / "ci"
    git(remote.root, "clone", "--quiet", "--depth", "1", remote.url, str(workdir))
    git(workdir, "remote", "set-url", "origin", (tmp_path / "gone.git").as_uri())
    with pytest.raises(MissingCommitError) as caught:
        resolve_range(Git(workdir), _push_event(tmp_path, c2, c3))
    message = str(caught.value)
    assert c2 in message
    assert "fetch-depth: 0" in message
    assert "GIT_DEPTH: 0" in message
    assert caught.value.wanted.base == c2
    assert caught.value.wanted.head == c3


def test_resolve_range_stored_commit_gone_lists_whole_tree(
    remote: Remote, tmp_path: Path
) -> None:
    situation = dispatch_without_stored_commit(remote, tmp_path)
    result = resolve_range(
        Git(situation.workdir), situation.event, last_documented_commit="ab" * 20
    )
    assert not isinstance(result, NothingToDo)
    assert result.base is None
    assert "last commit gone" in result.reason


def test_resolve_range_shallow_deepens_for_ancestry(
    remote: Remote, tmp_path: Path
) -> None:
    for index in range(5):
        remote.commit(f"d{index}", {"src/deep.py": f"D = {index}\n"})
    remote.push("HEAD:main")
    head = remote.shas["d4"]
    workdir = remote.checkout("ci", head, depth=1)
    env = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_SHA": head,
        "CI_COMMIT_BEFORE_SHA": remote.shas["c1"],
        "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main",
    }
    result = resolve_range(Git(workdir), event_from_env(env))
    assert not isinstance(result, NothingToDo)
    assert result.base == remote.shas["c1"]
    assert result.reason.startswith("push:")


def test_resolve_range_outside_repository(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-repo"
    folder.mkdir()
    event = event_from_env({})
    with pytest.raises(GitError, match="not a git working tree"):
        resolve_range(Git(folder, environ={"PATH": "/usr/bin:/bin"}), event)


def test_resolve_range_push_catches_up_skipped_runs(
    remote: Remote, tmp_path: Path
) -> None:
    c1, c2, c3 = remote.shas["c1"], remote.shas["c2"], remote.shas["c3"]
    workdir = remote.checkout("ci", c3, depth=1)
    found = resolve_range(
        Git(workdir), _push_event(tmp_path, c2, c3), last_documented_commit=c1
    )
    assert not isinstance(found, NothingToDo)
    assert found.base == c1
    assert found.head == c3
    assert "last documented commit" in found.reason


def test_resolve_range_push_ignores_non_ancestor_record(
    remote: Remote, tmp_path: Path
) -> None:
    c2, c3 = remote.shas["c2"], remote.shas["c3"]
    workdir = remote.full_clone("ci")
    found = resolve_range(
        Git(workdir), _push_event(tmp_path, c2, c3), last_documented_commit=c3
    )
    assert not isinstance(found, NothingToDo)
    assert found.base == c2
    assert found.head == c3
