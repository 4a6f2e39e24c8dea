"""GitLabHost against the fake GitLab API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from codedoc_action.changes.model import CommitRange
from codedoc_action.errors import EgressError, GitHostError
from codedoc_action.githost.gitlab import GitLabHost
from codedoc_action.http import HostAllowList
from tests.changes.conftest import Remote
from tests.fakes.githost import FakeGitLab, PullRequest, serve_gitlab
from tests.gitrepo import git

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(200))


@pytest.fixture
def fake_gitlab(remote: Remote) -> Iterator[FakeGitLab]:
    yield from serve_gitlab(FakeGitLab(repo_path=remote.bare))


def _host(fake: FakeGitLab, token: str | None = None, job: bool = False) -> GitLabHost:
    return GitLabHost(
        server_url=fake.url,
        project_id=fake.project_id,
        token=SecretStr(token or fake.token),
        allowed=HostAllowList([fake.url]),
        job_token=job,
    )


def test_gitlab_compare_lists_files(remote: Remote, fake_gitlab: FakeGitLab) -> None:
    base = remote.shas["c3"]
    remote.commit("g1", {"src/app.py": None, "img/logo.png": PNG_BYTES})
    content = (remote.dev / "src/util.py").read_text() * 30
    remote.commit("g2", {"src/util.py": content, "README.md": "# New\n"})
    remote.push("HEAD:main")
    listing = _host(fake_gitlab).changed_files(
        CommitRange(base, remote.shas["g2"], "push")
    )
    files = {change.path: change for change in listing.files}
    assert files["src/app.py"].status == "deleted"
    assert files["img/logo.png"].status == "added"
    assert files["img/logo.png"].binary is True
    assert files["README.md"].added_lines == 1
    assert files["README.md"].removed_lines == 1
    assert files["src/util.py"].added_lines == 29
    assert listing.truncated is False
    assert any("repository/compare" in r for r in fake_gitlab.requests)


def test_gitlab_compare_at_limit_truncated(
    remote: Remote, fake_gitlab: FakeGitLab
) -> None:
    fake_gitlab.diff_max_files = 5
    many = {f"many/f{i}.txt": f"{i}\n" for i in range(8)}
    base = remote.shas["c3"]
    head = remote.commit("many", many)
    remote.push("HEAD:main")
    host = GitLabHost(
        server_url=fake_gitlab.url,
        project_id=fake_gitlab.project_id,
        token=SecretStr(fake_gitlab.token),
        allowed=HostAllowList([fake_gitlab.url]),
        diff_file_limit=5,
    )
    listing = host.changed_files(CommitRange(base, head, "push"))
    assert len(listing.files) == 5
    assert listing.truncated is True
    assert "diff limit" in listing.note


def test_gitlab_retries_server_error(remote: Remote, fake_gitlab: FakeGitLab) -> None:
    fake_gitlab.fail_next(502)
    listing = _host(fake_gitlab).changed_files(
        CommitRange(remote.shas["c2"], remote.shas["c3"], "push")
    )
    assert {change.path for change in listing.files} == {
        "docs/guide.md",
        "src/util.py",
    }
    assert len(fake_gitlab.requests) == 2


def test_gitlab_merge_request_diffs_paged(
    remote: Remote, fake_gitlab: FakeGitLab
) -> None:
    git(remote.dev, "checkout", "--quiet", "-b", "topic", remote.shas["c2"])
    head = remote.commit("mr", {f"mr/f{i:03d}.py": "x\n" for i in range(130)})
    remote.push("topic")
    fake_gitlab.merge_requests[7] = PullRequest(base=remote.shas["c3"], head=head)
    listing = _host(fake_gitlab, job=True).changed_files(
        CommitRange(None, head, "merge request"), 7
    )
    assert len(listing.files) == 130
    assert listing.truncated is False
    assert "!7" in listing.note
    pages = [r for r in fake_gitlab.requests if "/diffs" in r]
    assert len(pages) == 2


def test_gitlab_bad_token(remote: Remote, fake_gitlab: FakeGitLab) -> None:
    wrong = "glpat-wrong-value"
    with pytest.raises(GitHostError) as caught:
        _host(fake_gitlab, token=wrong).changed_files(
            CommitRange(remote.shas["c1"], remote.shas["c3"], "push")
        )
    assert "401" in str(caught.value)
    assert wrong not in str(caught.value)


def test_gitlab_unknown_project(remote: Remote, fake_gitlab: FakeGitLab) -> None:
    host = GitLabHost(
        server_url=fake_gitlab.url,
        project_id="999",
        token=SecretStr(fake_gitlab.token),
        allowed=HostAllowList([fake_gitlab.url]),
    )
    with pytest.raises(GitHostError, match="CI_PROJECT_ID"):
        host.changed_files(CommitRange(remote.shas["c1"], remote.shas["c3"], "push"))


def test_gitlab_host_not_allowed(fake_gitlab: FakeGitLab) -> None:
    with pytest.raises(EgressError):
        GitLabHost(
            server_url=fake_gitlab.url,
            project_id=fake_gitlab.project_id,
            token=None,
            allowed=HostAllowList(["gitlab.com"]),
        )
    assert fake_gitlab.requests == []
