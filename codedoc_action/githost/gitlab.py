"""Changed files from the GitLab REST API (v4), through python-gitlab.

Used when git cannot list them. The compare endpoint lists the diffs of the
range from its merge base. Merge requests use the paginated
``merge_requests/:iid/diffs`` endpoint, which replaced the deprecated
``merge_requests/:iid/changes`` in GitLab 15.7.
"""

from __future__ import annotations

import logging
from typing import Any

import gitlab
import requests
from pydantic import SecretStr

from codedoc_action.changes.model import ChangedFile, CommitRange, FileStatus
from codedoc_action.errors import GitHostError
from codedoc_action.githost.base import HostListing, check_api_host
from codedoc_action.http import HostAllowList, guarded_session

logger = logging.getLogger(__name__)

# GitLab cuts API diffs at "Maximum diff files", 1000 by default and at most
# 3000 (docs.gitlab.com/administration/diff_limits). NOTE: an instance may set
# another value, so a listing of this length is reported as possibly cut.
DIFF_FILE_LIMIT = 1000


class GitLabHost:
    """Lists changed files of one project through the GitLab API."""

    name = "GitLab"

    def __init__(
        self,
        *,
        server_url: str,
        project_id: str,
        token: SecretStr | None,
        allowed: HostAllowList,
        job_token: bool = False,
        timeout: float = 30.0,
        per_page: int = 100,
        diff_file_limit: int = DIFF_FILE_LIMIT,
    ) -> None:
        if not project_id:
            raise GitHostError(
                "GitLab project id is missing; GitLab sets CI_PROJECT_ID in every job"
            )
        check_api_host(server_url, allowed, "GitLab")
        secret = token.get_secret_value() if token else None
        self.project_id = project_id
        self.per_page = per_page
        self.diff_file_limit = diff_file_limit
        self._gitlab = gitlab.Gitlab(
            url=server_url.rstrip("/"),
            private_token=None if job_token else secret,
            job_token=secret if job_token else None,
            timeout=timeout,
            retry_transient_errors=True,
            # requests would follow a redirect to any host with PRIVATE-TOKEN.
            session=guarded_session(allowed),
        )

    def close(self) -> None:
        self._gitlab.session.close()

    def changed_files(
        self, commit_range: CommitRange, pull_number: int | None = None
    ) -> HostListing:
        """List the files of merge request ``pull_number``, else of the range."""
        try:
            if pull_number is not None:
                return self._merge_request_files(pull_number)
            if commit_range.base is None:
                raise GitHostError(
                    "the GitLab API cannot list a whole tree as a change; fetch the "
                    "full history (GIT_DEPTH: 0 in the job variables)"
                )
            return self._compare_files(commit_range.base, commit_range.head)
        except gitlab.GitlabError as exc:
            raise _translate(exc, self.project_id) from exc
        except requests.RequestException as exc:
            raise GitHostError(
                f"GitLab API request for project {self.project_id} failed: "
                f"{type(exc).__name__}; check that CI_SERVER_URL is reachable"
            ) from exc

    def _compare_files(self, base: str, head: str) -> HostListing:
        project = self._gitlab.projects.get(self.project_id, lazy=True)
        result = project.repository_compare(base, head)
        if not isinstance(result, dict):
            raise GitHostError("GitLab compare returned an unexpected response")
        diffs = result.get("diffs") or []
        files = tuple(_changed_file(item) for item in diffs)
        logger.info("GitLab compare %s...%s: %d files", base, head, len(files))
        if result.get("compare_timeout"):
            return HostListing(
                files, truncated=True, note="GitLab compare timed out: list cut"
            )
        return self._limited(files, "GitLab compare API")

    def _merge_request_files(self, iid: int) -> HostListing:
        path = f"/projects/{self.project_id}/merge_requests/{iid}/diffs"
        items = self._gitlab.http_list(
            path, iterator=True, query_data={"per_page": self.per_page}
        )
        files = tuple(_changed_file(item) for item in items if isinstance(item, dict))
        logger.info("GitLab merge request !%d: %d files", iid, len(files))
        return self._limited(files, f"GitLab API (merge request !{iid})")

    def _limited(self, files: tuple[ChangedFile, ...], source: str) -> HostListing:
        if len(files) >= self.diff_file_limit:
            return HostListing(
                files,
                truncated=True,
                note=(
                    f"{source} listed {len(files)} files, GitLab's diff limit; "
                    "more may be missing"
                ),
            )
        return HostListing(files, note=f"listed by the {source}")


def _status(item: dict[str, Any]) -> FileStatus:
    if item.get("new_file"):
        return "added"
    if item.get("deleted_file"):
        return "deleted"
    if item.get("renamed_file"):
        return "renamed"
    return "modified"


def _changed_file(item: dict[str, Any]) -> ChangedFile:
    """Build a ChangedFile from one diff entry, counting lines from its patch.

    NOTE: GitLab omits or shortens the patch of a file over its diff limits
    (``too_large`` or ``collapsed``), so such a file's line counts may be low.
    """
    status = _status(item)
    diff = str(item.get("diff") or "")
    added = removed = 0
    for line in diff.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    binary = diff.startswith("Binary files") or "\nBinary files" in diff
    return ChangedFile(
        path=str(item.get("new_path") or item.get("old_path")),
        status=status,
        old_path=str(item["old_path"]) if status == "renamed" else None,
        added_lines=added,
        removed_lines=removed,
        binary=binary,
        submodule=item.get("b_mode") == "160000",
    )


def _translate(exc: gitlab.GitlabError, project_id: str) -> GitHostError:
    status = exc.response_code
    if isinstance(exc, gitlab.GitlabAuthenticationError) or status == 401:
        fix = "set the API token to a valid token with read_api"
    elif status == 403:
        fix = "give the API token read_api access to the project"
    elif status == 404:
        fix = "check CI_PROJECT_ID and that the token can read the project"
    else:
        fix = "retry the run; GitLab may be having trouble"
    return GitHostError(
        f"GitLab API request for project {project_id} failed with status "
        f"{status}: {exc.error_message}; {fix}"
    )
