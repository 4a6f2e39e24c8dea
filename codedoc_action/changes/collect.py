"""From a CI event to the change set: range, git listing, API fallback."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import SecretStr

from codedoc_action.changes.files import list_changes
from codedoc_action.changes.filters import DEFAULT_MAX_FILE_BYTES, FileFilter
from codedoc_action.changes.git import FetchAuth, Git
from codedoc_action.changes.model import ChangeSet
from codedoc_action.changes.range import MissingCommitError, NothingToDo, resolve_range
from codedoc_action.ci.events import CiEvent
from codedoc_action.errors import GitError
from codedoc_action.githost.base import GitHost
from codedoc_action.githost.github import GitHubHost
from codedoc_action.githost.gitlab import GitLabHost
from codedoc_action.http import HostAllowList

logger = logging.getLogger(__name__)


def collect_changes(
    git: Git,
    event: CiEvent,
    *,
    base: str = "",
    head: str = "",
    paths: Sequence[str] = (),
    exclude: Sequence[str] = (),
    last_documented_commit: str | None = None,
    host: GitHost | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ChangeSet | NothingToDo:
    """Resolve the range and list its files, asking ``host`` when git cannot.

    NOTE: files listed by the API fallback are not in the local object
    store, so git cannot read their ``blob`` ids. Read them from the working
    tree, which is ``head`` or a test merge commit on top of it.
    """
    try:
        resolved = resolve_range(git, event, base, head, last_documented_commit)
    except MissingCommitError as exc:
        if host is None:
            raise GitError(
                f"{exc}. No Git host API is configured to list the files instead"
            ) from exc
        logger.warning("%s; asking the %s API for the changed files", exc, host.name)
        listing = host.changed_files(exc.wanted, exc.pull_number)
        kept, skipped = FileFilter(paths, exclude, max_file_bytes).split(listing.files)
        return ChangeSet(
            range=exc.wanted,
            files=tuple(kept),
            skipped=tuple(skipped),
            truncated=listing.truncated,
            note=listing.note,
        )
    if isinstance(resolved, NothingToDo):
        logger.info("%s", resolved.reason)
        return resolved
    return list_changes(git, resolved, paths, exclude, max_file_bytes=max_file_bytes)


def fetch_auth_for(event: CiEvent, token: SecretStr | None) -> FetchAuth | None:
    """Return fetch credentials for the event's Git server, if a token is given."""
    if token is None or not event.server_url:
        return None
    if event.platform == "github":
        return FetchAuth("x-access-token", token, scope_url=event.server_url)
    if event.platform == "gitlab":
        return FetchAuth("gitlab-ci-token", token, scope_url=event.server_url)
    return None


def host_for(
    event: CiEvent,
    token: SecretStr | None,
    allowed: HostAllowList,
    *,
    gitlab_job_token: bool = False,
) -> GitHost | None:
    """Return the API client for the event's platform, or None for local runs."""
    if event.platform == "github":
        return GitHubHost(
            api_url=event.api_url,
            repository=event.repository,
            token=token,
            allowed=allowed,
        )
    if event.platform == "gitlab" and event.server_url:
        return GitLabHost(
            server_url=event.server_url,
            project_id=event.project_id,
            token=token,
            allowed=allowed,
            job_token=gitlab_job_token,
        )
    return None
