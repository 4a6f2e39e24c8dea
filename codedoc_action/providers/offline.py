"""The built-in offline writer: a structural document with no AI call.

The document is built from the repository map and the change set alone: what
changed in the range, the changed files with their top-level symbols, and an
overview of the layout. The same inputs always give the same text.
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from codedoc_action.changes.model import ChangedFile, ChangeSet
from codedoc_action.maplayout import format_size
from codedoc_action.repomap import RepoMap

MAX_LISTED_FILES = 200
MAX_LAYOUT_DIRECTORIES = 30
MAX_SYMBOLS_PER_FILE = 15


def source_link(path: str, head: str, template: str | None) -> str:
    """Return the link target of ``path`` at ``head``: the template, else the path."""
    if not template:
        return path
    return template.replace("{commit}", head).replace("{path}", path)


def write_offline_document(
    repo_map: RepoMap,
    changes: ChangeSet,
    *,
    page_title: str,
    source_link_template: str | None = None,
) -> str:
    """Write the structural document for ``changes`` at ``repo_map.head``."""
    sections = [
        _overview(repo_map, page_title),
        _changes(changes),
        _changed_files(repo_map, changes, source_link_template),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _overview(repo_map: RepoMap, page_title: str) -> str:
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for entry in repo_map.entries.values():
        top = entry.path.split("/", 1)[0] + "/" if "/" in entry.path else "(root)"
        sizes[top] += entry.size
        counts[top] += 1
    title = f" of {page_title}" if page_title else ""
    lines = [
        f"## Overview{title}",
        "",
        f"Documented at commit `{repo_map.head[:12]}`: {len(repo_map.entries):,} "
        f"files, {format_size(sum(sizes.values()))} bytes in total.",
        "",
        "| directory | files | size |",
        "| --- | ---: | ---: |",
    ]
    for directory in sorted(counts)[:MAX_LAYOUT_DIRECTORIES]:
        size = format_size(sizes[directory])
        lines.append(f"| `{directory}` | {counts[directory]:,} | {size} |")
    if len(counts) > MAX_LAYOUT_DIRECTORIES:
        lines.append(f"| {len(counts) - MAX_LAYOUT_DIRECTORIES} more | | |")
    return "\n".join(lines)


def _changes(changes: ChangeSet) -> str:
    commit_range = changes.range
    if commit_range.base is None:
        span = f"the whole tree at `{commit_range.head[:12]}`"
    else:
        span = f"`{commit_range.base[:12]}..{commit_range.head[:12]}`"
    statuses = Counter(changed.status for changed in changes.files)
    added = sum(changed.added_lines for changed in changes.files)
    removed = sum(changed.removed_lines for changed in changes.files)
    lines = ["## Changes", "", f"Range: {span}."]
    if not changes.files:
        lines.append("No documented file changed in this range.")
        return "\n".join(lines)
    by_status = ", ".join(
        f"{count} {status}" for status, count in sorted(statuses.items())
    )
    lines.append(
        f"{len(changes.files):,} files changed ({by_status}), "
        f"+{added:,} and -{removed:,} lines."
    )
    if changes.skipped:
        lines.append(
            f"{len(changes.skipped):,} files were skipped "
            "(binary, generated or excluded)."
        )
    if changes.truncated:
        lines.append("The change list was cut by its cap, so this list is incomplete.")
    return "\n".join(lines)


def _changed_files(repo_map: RepoMap, changes: ChangeSet, template: str | None) -> str:
    listed = sorted(
        changes.files, key=lambda c: (-(c.added_lines + c.removed_lines), c.path)
    )[:MAX_LISTED_FILES]
    if not listed:
        return ""
    symbols = repo_map.symbols(c.path for c in listed if c.status != "deleted")
    lines = ["## Changed files", ""]
    for changed in sorted(listed, key=lambda c: c.path):
        lines.append(_file_line(changed, repo_map.head, template))
        names = [
            symbol
            for symbol in symbols.get(changed.path, ())
            if not symbol.name.startswith("_")
        ]
        if names:
            shown = ", ".join(
                f"`{s.name}` ({s.kind})" for s in names[:MAX_SYMBOLS_PER_FILE]
            )
            more = len(names) - MAX_SYMBOLS_PER_FILE
            lines.append(
                f"  - Top-level symbols: {shown}"
                + (f", {more} more" if more > 0 else "")
            )
    hidden = len(changes.files) - len(listed)
    if hidden > 0:
        lines.append(f"- {hidden:,} more files, with fewer changed lines.")
    return "\n".join(lines)


def _file_line(changed: ChangedFile, head: str, template: str | None) -> str:
    counts = f"+{changed.added_lines}/-{changed.removed_lines}"
    if changed.status == "deleted":
        return f"- `{changed.path}`: deleted ({counts})"
    link = source_link(changed.path, head, template)
    name = PurePosixPath(changed.path).name
    status: str = changed.status
    if changed.old_path:
        status += f" from `{changed.old_path}`"
    return f"- [{name}]({link}) `{changed.path}`: {status} ({counts})"
