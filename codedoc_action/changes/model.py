"""Values describing a commit range and the files it changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FileStatus = Literal[
    "added", "modified", "deleted", "renamed", "copied", "type-changed"
]


@dataclass(frozen=True)
class CommitRange:
    """Commits to document: ``base`` is None when the whole tree is new to us."""

    base: str | None
    head: str
    reason: str  # human-readable origin, e.g. "push: before..after"


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: FileStatus
    old_path: str | None = None
    added_lines: int = 0
    removed_lines: int = 0
    binary: bool = False
    size: int = 0
    blob: str | None = None  # git blob id at head; None when deleted
    submodule: bool = False


@dataclass(frozen=True)
class SkippedFile:
    path: str
    # "binary", "generated", "too large", "secret file", "excluded" (by the
    # exclude input) or "not in paths" (outside the paths input)
    reason: str


@dataclass(frozen=True)
class ChangeSet:
    range: CommitRange
    files: tuple[ChangedFile, ...]
    skipped: tuple[SkippedFile, ...] = ()
    truncated: bool = False  # True when an API listing was cut by its cap
    note: str = ""  # one line for the summary: how the listing was obtained or cut
