"""Changed files from the GitHub REST API, through PyGithub.

Used when git cannot list them (a commit missing from a shallow clone that
could not be fetched). The API caps its lists. A comparison returns at most
300 files, so a capped comparison is rebuilt from its commits, which list at
most 3000 files each. A pull request lists at most 3000 files.
"""

from __future__ import annotations

import logging
from typing import Any

import github
import requests
from github import Auth, Github, GithubException
from pydantic import SecretStr

from codedoc_action.changes.model import ChangedFile, CommitRange, FileStatus
from codedoc_action.errors import GitHostError
from codedoc_action.githost.base import HostListing, NetChanges, check_api_host
from codedoc_action.http import HostAllowList

logger = logging.getLogger(__name__)

COMPARE_FILE_CAP = 300
COMMIT_FILE_CAP = 3000
COMMIT_PAGE_SIZE = 300  # the maximum page size of a commit's files
PULL_FILE_CAP = 3000
# Commits fetched one by one when a comparison is capped: one request or more
# each, so a long range is cut here and reported as truncated.
MAX_COMMITS_WALKED = 250
STATUS_NAMES: dict[str, FileStatus] = {
    "added": "added",
    "removed": "deleted",
    "modified": "modified",
    "changed": "modified",
    "renamed": "renamed",
    "copied": "copied",
}


class GitHubHost:
    """Lists changed files of one repository through the GitHub API.

    ``seconds_between_requests`` is PyGithub's pause between requests; its
    default there is 0.25 s.
    """

    name = "GitHub"

    def __init__(
        self,
        *,
        api_url: str,
        repository: str,
        token: SecretStr | None,
        allowed: HostAllowList,
        timeout: int = 30,
        retries: int = 3,
        per_page: int = 100,
        seconds_between_requests: float = 0.25,
    ) -> None:
        if not repository or "/" not in repository:
            raise GitHostError(
                f"invalid GitHub repository {repository!r}: expected OWNER/NAME, "
                "as GITHUB_REPOSITORY sets it"
            )
        check_api_host(api_url, allowed, "GitHub")
        self.repository = repository
        self._github = Github(
            auth=Auth.Token(token.get_secret_value()) if token else None,
            base_url=api_url.rstrip("/"),
            timeout=timeout,
            retry=retries,
            per_page=per_page,
            lazy=True,
            seconds_between_requests=seconds_between_requests,
        )

    def close(self) -> None:
        self._github.close()

    def changed_files(
        self, commit_range: CommitRange, pull_number: int | None = None
    ) -> HostListing:
        """List the files of pull request ``pull_number``, else of the range."""
        try:
            if pull_number is not None:
                return self._pull_files(pull_number)
            if commit_range.base is None:
                raise GitHostError(
                    "the GitHub API cannot list a whole tree as a change; fetch "
                    "the full history (fetch-depth: 0 on actions/checkout)"
                )
            return self._compare_files(commit_range.base, commit_range.head)
        except GithubException as exc:
            raise _translate(exc, self.repository) from exc
        except requests.RequestException as exc:
            raise GitHostError(
                f"GitHub API request for {self.repository} failed: "
                f"{type(exc).__name__}; check that the API URL is reachable"
            ) from exc
        except (AssertionError, TypeError, KeyError, ValueError) as exc:
            # PyGithub raises these on a response it cannot use: a redirect,
            # an empty or non-JSON body, or a page link to another host.
            raise GitHostError(
                f"GitHub API for {self.repository} returned a response PyGithub "
                f"cannot use ({type(exc).__name__}); check GITHUB_API_URL points "
                "at the API, not a proxy or web page"
            ) from exc

    def _repo(self) -> Any:
        return self._github.get_repo(self.repository)

    def _pull_files(self, number: int) -> HostListing:
        pull = self._repo().get_pull(number)
        total = int(pull.changed_files)
        files = tuple(_changed_file(item.raw_data) for item in pull.get_files())
        logger.info("GitHub pull request %d: %d of %d files", number, len(files), total)
        if total > len(files):
            return HostListing(
                files,
                truncated=True,
                note=(
                    f"pull request #{number} changes {total} files; the GitHub API "
                    f"lists at most {PULL_FILE_CAP}, so {total - len(files)} are "
                    "missing"
                ),
            )
        return HostListing(files, note=f"listed by the GitHub API (pull #{number})")

    def _compare_files(self, base: str, head: str) -> HostListing:
        comparison = self._repo().compare(base, head)
        listed = comparison.raw_data.get("files") or []
        if len(listed) < COMPARE_FILE_CAP:
            files = tuple(_changed_file(item) for item in listed)
            logger.info("GitHub compare %s...%s: %d files", base, head, len(files))
            return HostListing(files, note="listed by the GitHub compare API")
        logger.info(
            "GitHub compare %s...%s hit the %d-file cap; listing its commits",
            base,
            head,
            COMPARE_FILE_CAP,
        )
        return self._files_by_commit(comparison)

    def _files_by_commit(self, comparison: Any) -> HostListing:
        net = NetChanges()
        walked = 0
        capped_commits = 0
        total = int(comparison.total_commits)
        for commit in comparison.commits:
            if walked >= MAX_COMMITS_WALKED:
                break
            walked += 1
            if len(commit.raw_data.get("parents") or []) > 1:
                continue  # merged commits are listed on their own
            detail = self._repo().get_commit(
                commit.sha, commit_files_per_page=COMMIT_PAGE_SIZE
            )
            files = [_changed_file(item.raw_data) for item in detail.files]
            if len(files) >= COMMIT_FILE_CAP:
                capped_commits += 1
            net.add_commit(files)
        notes = []
        if walked < total:
            notes.append(f"only the first {walked} of {total} commits were read")
        if capped_commits:
            notes.append(
                f"{capped_commits} commits list {COMMIT_FILE_CAP} files, the API's cap"
            )
        if notes:
            return HostListing(
                net.files(),
                truncated=True,
                note="GitHub API listing cut: " + "; ".join(notes),
            )
        return HostListing(
            net.files(),
            note=f"combined from {walked} commits by the GitHub API (compare "
            f"lists at most {COMPARE_FILE_CAP} files)",
        )


def _changed_file(item: dict[str, Any]) -> ChangedFile:
    """Build a ChangedFile from one entry of a files list."""
    status = STATUS_NAMES.get(str(item.get("status")), "modified")
    additions = int(item.get("additions") or 0)
    deletions = int(item.get("deletions") or 0)
    # The API sends no patch for binary files, nor for a pure rename or an
    # empty file; only the first case has content to skip.
    binary = (
        "patch" not in item
        and additions + deletions == 0
        and status in ("added", "modified")
    )
    return ChangedFile(
        path=str(item["filename"]),
        status=status,
        old_path=item.get("previous_filename"),
        added_lines=additions,
        removed_lines=deletions,
        binary=binary,
        blob=None if status == "deleted" else item.get("sha"),
    )


def _translate(exc: GithubException, repository: str) -> GitHostError:
    status = exc.status
    if isinstance(exc, github.BadCredentialsException) or status == 401:
        fix = "set github-token to a valid token"
    elif status == 403:
        fix = (
            "give github-token contents: read and pull-requests: read, or wait for "
            "the rate limit to reset"
        )
    elif status == 404:
        fix = "check the repository name and that github-token can read it"
    elif status == 422:
        fix = "check that both commits exist on GitHub (pushed, not rewritten)"
    else:
        fix = "retry the run; GitHub may be having trouble"
    message = ""
    if isinstance(exc.data, dict):
        message = str(exc.data.get("message") or "")
    return GitHostError(
        f"GitHub API request for {repository} failed with status {status}"
        f"{': ' + message if message else ''}; {fix}"
    )
