"""The Git host protocol, its result type and helpers shared by the clients."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

import httpx

from codedoc_action.changes.model import ChangedFile, CommitRange
from codedoc_action.errors import EgressError
from codedoc_action.http import HostAllowList


@dataclass(frozen=True)
class HostListing:
    """Changed files as a Git host API lists them.

    ``truncated`` is True when the API cut the list at one of its caps, and
    ``note`` names the cap in one line for the summary.
    """

    files: tuple[ChangedFile, ...]
    truncated: bool = False
    note: str = ""


class GitHost(Protocol):
    """A Git host API that lists the files of a range or a pull request."""

    name: str

    def changed_files(
        self, commit_range: CommitRange, pull_number: int | None = None
    ) -> HostListing:
        """List the files changed by ``pull_number`` if given, else the range."""
        ...


def check_api_host(api_url: str, allowed: HostAllowList, service: str) -> None:
    """Raise EgressError unless the host of ``api_url`` is on the allow-list.

    The GitHub and GitLab client libraries send requests through their own
    HTTP stacks, outside ``HttpClient``, so the host is checked here once,
    before a client exists.
    """
    host = httpx.URL(api_url).host
    if not host or host not in allowed:
        allowed_hosts = ", ".join(allowed) or "none"
        raise EgressError(
            f"{service} API host {host or api_url!r} is not one of the hosts this "
            f"run may contact ({allowed_hosts}); add it to the allowed hosts, or check "
            "the API URL variable of the CI platform"
        )


class NetChanges:
    """Combines per-commit file lists, oldest first, into the range's net change.

    NOTE: line counts are summed over commits, so they are an upper bound of
    the net diff. A file added and later deleted in the range drops out.
    """

    def __init__(self) -> None:
        self._files: dict[str, ChangedFile] = {}

    def add_commit(self, files: Iterable[ChangedFile]) -> None:
        for change in files:
            self._add(change)

    def _add(self, change: ChangedFile) -> None:
        source = change.old_path if change.status == "renamed" else change.path
        earlier = self._files.pop(source or change.path, None)
        if earlier is None:
            self._files[change.path] = change
            return
        status = change.status
        old_path = earlier.old_path if earlier.status == "renamed" else change.old_path
        if earlier.status == "added":
            if change.status == "deleted":
                return
            status = "added"
            old_path = None
        elif earlier.status == "deleted" and change.status == "added":
            status = "modified"
        elif earlier.status == "renamed" and change.status == "modified":
            status = "renamed"
        if status == "renamed" and old_path == change.path:
            status, old_path = "modified", None
        self._files[change.path] = replace(
            change,
            status=status,
            old_path=old_path,
            added_lines=earlier.added_lines + change.added_lines,
            removed_lines=earlier.removed_lines + change.removed_lines,
        )

    def files(self) -> tuple[ChangedFile, ...]:
        return tuple(sorted(self._files.values(), key=lambda change: change.path))
