"""Changed files of a commit range, listed by git.

One ``git diff --raw --numstat -z`` gives status, rename source, blob ids and
line counts; ``git cat-file --batch-check`` adds sizes; ``git check-attr``
adds the ``linguist-generated`` and ``linguist-vendored`` attributes. Object
ids and paths go to git on stdin, never as arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from codedoc_action.changes.filters import (
    DEFAULT_MAX_FILE_BYTES,
    GENERATED_HEADER_BYTES,
    FileFilter,
    has_generated_header,
)
from codedoc_action.changes.git import Git
from codedoc_action.changes.model import (
    ChangedFile,
    ChangeSet,
    CommitRange,
    FileStatus,
    SkippedFile,
)
from codedoc_action.errors import GitError

logger = logging.getLogger(__name__)

SUBMODULE_MODE = "160000"
RENAME_LIMIT = 5000  # pairs git considers for inexact renames (diff.renameLimit)
STATUS_NAMES: dict[str, FileStatus] = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type-changed",
}
GENERATED_ATTRIBUTES = ("linguist-generated", "linguist-vendored")


@dataclass
class _Entry:
    status: FileStatus
    path: str
    old_path: str | None
    new_mode: str
    new_blob: str | None
    added: int = 0
    removed: int = 0
    binary: bool = False


def list_changes(
    git: Git,
    commit_range: CommitRange,
    paths: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ChangeSet:
    """List the files ``commit_range`` changes, split into kept and skipped.

    With ``base`` None every tracked file at ``head`` is listed as added.
    Submodules are listed with ``submodule=True`` and never read. Secret,
    generated, binary and oversize files go to ``skipped`` with the reason.
    """
    base = commit_range.base or git.empty_tree()
    entries = _diff_entries(git, base, commit_range.head)
    sizes = _blob_sizes(git, [e.new_blob for e in entries if _has_content(e)])
    changes = [_to_changed_file(entry, sizes) for entry in entries]

    file_filter = FileFilter(paths, exclude, max_file_bytes)
    kept, skipped = file_filter.split(changes)
    kept, attribute_skipped = _skip_by_attributes(git, kept)
    kept, header_skipped = _skip_generated_headers(git, kept)
    skipped.extend(attribute_skipped)
    skipped.extend(header_skipped)

    logger.info(
        "%s: %d changed files, %d skipped",
        commit_range.reason or "range",
        len(kept),
        len(skipped),
    )
    return ChangeSet(
        range=commit_range,
        files=tuple(sorted(kept, key=lambda change: change.path)),
        skipped=tuple(sorted(skipped, key=lambda item: item.path)),
    )


def _has_content(entry: _Entry) -> bool:
    return entry.new_blob is not None and entry.new_mode != SUBMODULE_MODE


def _diff_entries(git: Git, base: str, head: str) -> list[_Entry]:
    records = git.records(
        "diff",
        "--raw",
        "--numstat",
        "-z",
        "--no-abbrev",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
        "-M",
        f"-l{RENAME_LIMIT}",
        base,
        head,
        "--",
    )
    return _parse_raw_numstat(iter(records))


def _parse_raw_numstat(records: Iterator[str]) -> list[_Entry]:
    """Parse ``--raw --numstat -z`` output: raw entries first, then numstat."""
    entries: list[_Entry] = []
    by_path: dict[str, _Entry] = {}
    for record in records:
        if record.startswith(":"):
            entry = _parse_raw(record, records)
            entries.append(entry)
            by_path[entry.path] = entry
            continue
        added, removed, path = record.split("\t", 2)
        if path == "":  # a rename: the old and the new path follow
            next(records)
            path = next(records)
        entry_for_path = by_path.get(path)
        if entry_for_path is None:
            raise GitError(f"git diff --numstat listed {path!r} without a raw entry")
        if added == "-" and removed == "-":
            entry_for_path.binary = True
        else:
            entry_for_path.added = int(added)
            entry_for_path.removed = int(removed)
    return entries


def _parse_raw(record: str, records: Iterator[str]) -> _Entry:
    # ":old_mode new_mode old_blob new_blob STATUS[score]", then 1 or 2 paths.
    _old_mode, new_mode, _old_blob, new_blob, status_field = record[1:].split(" ")
    letter = status_field[0]
    status = STATUS_NAMES.get(letter)
    if status is None:
        raise GitError(f"git diff reported an unexpected status {status_field!r}")
    old_path = None
    path = next(records)
    if letter in "RC":
        old_path, path = path, next(records)
    is_deleted = letter == "D"
    return _Entry(
        status=status,
        path=path,
        old_path=old_path,
        new_mode=new_mode,
        new_blob=None if is_deleted else new_blob,
    )


def _blob_sizes(git: Git, blobs: Sequence[str | None]) -> dict[str, int]:
    unique_blobs = sorted({blob for blob in blobs if blob})
    if not unique_blobs:
        return {}
    stdin = "".join(f"{blob}\n" for blob in unique_blobs).encode("ascii")
    lines = git.text(
        "cat-file", "--batch-check=%(objectname) %(objectsize)", stdin=stdin
    ).splitlines()
    sizes: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def _to_changed_file(entry: _Entry, sizes: dict[str, int]) -> ChangedFile:
    submodule = entry.new_mode == SUBMODULE_MODE
    return ChangedFile(
        path=entry.path,
        status=entry.status,
        old_path=entry.old_path,
        added_lines=0 if submodule else entry.added,
        removed_lines=0 if submodule else entry.removed,
        binary=entry.binary,
        size=sizes.get(entry.new_blob or "", 0),
        blob=entry.new_blob,
        submodule=submodule,
    )


def _skip_by_attributes(
    git: Git, changes: list[ChangedFile]
) -> tuple[list[ChangedFile], list[SkippedFile]]:
    """Skip files marked ``linguist-generated`` or ``linguist-vendored``.

    NOTE: git 2.39 reads .gitattributes from the working tree, so the rules
    are those of the checkout, which is ``head`` in a CI run.
    """
    if not changes:
        return changes, []
    stdin = "".join(f"{change.path}\0" for change in changes).encode(
        "utf-8", "surrogateescape"
    )
    records = git.records(
        "check-attr", "-z", "--stdin", *GENERATED_ATTRIBUTES, stdin=stdin
    )
    marked = {
        records[i]
        for i in range(0, len(records) - 2, 3)
        if records[i + 2] in ("set", "true")
    }
    kept = [change for change in changes if change.path not in marked]
    skipped = [
        SkippedFile(change.path, "generated")
        for change in changes
        if change.path in marked
    ]
    return kept, skipped


def _skip_generated_headers(
    git: Git, changes: list[ChangedFile]
) -> tuple[list[ChangedFile], list[SkippedFile]]:
    """Skip text files whose first lines mark them as generated."""
    readable = [c for c in changes if c.blob and not c.submodule and not c.binary]
    blobs = sorted({change.blob for change in readable if change.blob})
    generated_blobs = {
        blob
        for blob, head in git.stream_blob_heads(blobs, GENERATED_HEADER_BYTES)
        if has_generated_header(head)
    }
    kept = [c for c in changes if c.blob not in generated_blobs or c.submodule]
    skipped = [
        SkippedFile(c.path, "generated")
        for c in changes
        if c.blob in generated_blobs and not c.submodule
    ]
    return kept, skipped
