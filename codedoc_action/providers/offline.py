"""The built-in offline writer: a structural document with no AI call.

The document is built from the repository map and the change set alone. It
gives an overview of the layout and what changed in the range. Then it lists
the changed files with their top-level symbols, or, for a whole-tree range,
the main modules by directory followed by a compact list of the other files.
The same inputs always give the same text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import quote

from codedoc_action.changes.model import ChangedFile, ChangeSet
from codedoc_action.maplayout import format_size
from codedoc_action.repomap import RepoMap
from codedoc_action.symbols import Symbol

MAX_LISTED_FILES = 200
MAX_LAYOUT_DIRECTORIES = 30
MAX_SYMBOLS_PER_FILE = 15
# A whole-tree document describes this many files in detail and names the
# rest, up to MAX_NAMES_PER_DIRECTORY per directory in MAX_LISTED_DIRECTORIES.
MAX_MAIN_MODULES = 40
MAX_LISTED_DIRECTORIES = 40
MAX_NAMES_PER_DIRECTORY = 12
# Files under these top-level folders, or whose names mark them as tests or
# fixtures, rank after the source code when main modules are chosen.
SUPPORTING_FOLDERS = frozenset({"tests", "test", "spec", "docs", "examples", "bench"})
SUPPORTING_NAME = re.compile(
    r"(?i)(?:^|[/_.\-])(?:tests?|fixtures?|conftest)(?:[/_.\-]|$)"
)
CODE_SUFFIXES = frozenset(
    {".py", ".js", ".jsx", ".mjs", ".ts", ".tsx", ".go", ".java", ".kt", ".rs",
     ".rb", ".php", ".cs", ".c", ".h", ".cc", ".cpp", ".hpp", ".swift", ".scala"}
)  # fmt: skip


# ASCII punctuation that can start or end Markdown syntax inside link text.
# An underscore between two letters or digits never starts emphasis in
# CommonMark, so ``test_plan.py`` keeps its underscore unescaped.
MARKDOWN_SPECIAL = re.compile(r"[\\`*\[\]()<>#!|~&{}]|(?<![^\W_])_|_(?![^\W_])")


def source_link(path: str, head: str, template: str | None) -> str:
    """Return the link target of ``path`` at ``head``: the template, else the path.

    The path is percent-encoded except for ``/``, so spaces, parentheses and
    non-ASCII letters in file names keep the Markdown link whole.
    """
    target = quote(path, safe="/")
    if not template:
        return target
    return template.replace("{commit}", head).replace("{path}", target)


def escape_markdown(text: str) -> str:
    """Backslash-escape the characters of ``text`` that Markdown would parse."""
    return MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(0), text)


def code_span(text: str) -> str:
    """Return ``text`` as a Markdown code span, even when it contains backticks.

    The fence is one backtick longer than the longest run inside, and a space
    pads text that starts or ends with a backtick, as CommonMark requires.
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def write_offline_document(
    repo_map: RepoMap,
    changes: ChangeSet,
    *,
    page_title: str,
    source_link_template: str | None = None,
) -> str:
    """Write the structural document for ``changes`` at ``repo_map.head``."""
    if changes.range.base is None:
        details = [
            _main_modules(repo_map, changes, source_link_template),
            _other_files(repo_map, changes),
        ]
    else:
        details = [_changed_files(repo_map, changes, source_link_template)]
    sections = [_overview(repo_map, page_title), _changes(changes), *details]
    return "\n\n".join(section for section in sections if section) + "\n"


def plural(count: int, noun: str) -> str:
    """Return ``count`` and ``noun``, with an "s" unless the count is one."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _overview(repo_map: RepoMap, page_title: str) -> str:
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for entry in repo_map.entries.values():
        top = entry.path.split("/", 1)[0] + "/" if "/" in entry.path else "(root)"
        sizes[top] += entry.size
        counts[top] += 1
    title = f" of {escape_markdown(page_title)}" if page_title else ""
    lines = [
        f"## Overview{title}",
        "",
        f"Documented at commit `{repo_map.head[:12]}`: "
        f"{plural(len(repo_map.entries), 'file')}, "
        f"{format_size(sum(sizes.values()))} bytes in total.",
        "",
        "| directory | files | size |",
        "| --- | ---: | ---: |",
    ]
    for directory in sorted(counts)[:MAX_LAYOUT_DIRECTORIES]:
        size = format_size(sizes[directory])
        name = code_span(directory.replace("|", "\\|"))
        lines.append(f"| {name} | {counts[directory]:,} | {size} |")
    if len(counts) > MAX_LAYOUT_DIRECTORIES:
        lines.append(f"| {len(counts) - MAX_LAYOUT_DIRECTORIES:,} more | | |")
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
        f"{count:,} {status}" for status, count in sorted(statuses.items())
    )
    if commit_range.base is None:
        lines.append(f"{plural(len(changes.files), 'file')}, {added:,} lines.")
    else:
        lines.append(
            f"{plural(len(changes.files), 'file')} changed ({by_status}), "
            f"+{added:,} and -{removed:,} lines."
        )

    if changes.skipped:
        skipped = len(changes.skipped)
        verb = "was" if skipped == 1 else "were"
        lines.append(
            f"{plural(skipped, 'file')} {verb} skipped (binary, generated or excluded)."
        )
    if changes.truncated:
        lines.append("The change list was cut by its cap, so this list is incomplete.")
    return "\n".join(lines)


def _main_module_key(path: str, size: int) -> tuple[bool, bool, bool, int, str]:
    readme = "/" not in path and path.lower().startswith("readme")
    supporting = (
        path.split("/", 1)[0] in SUPPORTING_FOLDERS
        or SUPPORTING_NAME.search(path) is not None
    )
    code = PurePosixPath(path).suffix.lower() in CODE_SUFFIXES
    return (not readme, supporting, not code, -size, path)


def _main_paths(repo_map: RepoMap, changes: ChangeSet) -> list[str]:
    """Return the files a whole-tree document describes in detail.

    The top-level README comes first, then source code, other files, and
    last tests, docs and examples, larger files before smaller ones within
    each group. The size is a stand-in for how
    central a module is, since the writer reads no imports.
    """
    present = [
        changed.path
        for changed in changes.files
        if changed.status != "deleted" and changed.path in repo_map.entries
    ]
    ranked = sorted(
        present,
        key=lambda path: _main_module_key(path, repo_map.entries[path].size),
    )
    return ranked[:MAX_MAIN_MODULES]


def _main_modules(repo_map: RepoMap, changes: ChangeSet, template: str | None) -> str:
    paths = _main_paths(repo_map, changes)
    if not paths:
        return ""
    symbols = repo_map.symbols(paths)
    lines = [
        "## Main modules",
        "",
        f"{plural(len(paths), 'main file')} by directory, with their top-level "
        "symbols: the README, then the largest source files, then the rest.",
    ]
    by_directory: dict[str, list[str]] = {}
    for path in sorted(paths):
        by_directory.setdefault(_directory(path), []).append(path)
    for directory in sorted(by_directory, key=_directory_order):
        members = by_directory[directory]
        lines += ["", f"### {code_span(directory)}", ""]
        for path in members:
            size = format_size(repo_map.entries[path].size)
            link = source_link(path, repo_map.head, template)
            name = escape_markdown(PurePosixPath(path).name)
            lines.append(f"- [{name}]({link}) ({size} bytes)")
            listed = _symbol_list(symbols.get(path, ()))
            if listed:
                lines.append(f"  - {listed}")
    return "\n".join(lines)


def _other_files(repo_map: RepoMap, changes: ChangeSet) -> str:
    main = set(_main_paths(repo_map, changes))
    by_directory: dict[str, list[str]] = {}
    for changed in sorted(changes.files, key=lambda c: c.path):
        if changed.path not in main and changed.status != "deleted":
            name = PurePosixPath(changed.path).name
            by_directory.setdefault(_directory(changed.path), []).append(name)
    if not by_directory:
        return ""
    lines = ["## Other files", ""]
    ordered = sorted(by_directory, key=_directory_order)
    for directory in ordered[:MAX_LISTED_DIRECTORIES]:
        names = by_directory[directory]
        shown = ", ".join(escape_markdown(n) for n in names[:MAX_NAMES_PER_DIRECTORY])
        more = len(names) - MAX_NAMES_PER_DIRECTORY
        tail = f" and {more:,} more" if more > 0 else ""
        lines.append(f"- {code_span(directory)} ({len(names):,}): {shown}{tail}")
    hidden = len(by_directory) - MAX_LISTED_DIRECTORIES
    if hidden > 0:
        noun = "directory" if hidden == 1 else "directories"
        lines.append(f"- {hidden:,} more {noun} not listed")
    return "\n".join(lines)


def _directory_order(directory: str) -> tuple[bool, str]:
    return (directory != "(root)", directory)


def _directory(path: str) -> str:
    parent = PurePosixPath(path).parent
    return "(root)" if str(parent) == "." else f"{parent}/"


def _symbol_list(symbols: Sequence[Symbol]) -> str:
    """Describe a file's public symbols; headings go in plain text, not code."""
    code = [s for s in symbols if s.kind != "heading" and not s.name.startswith("_")]
    headings = [s.name for s in symbols if s.kind == "heading"]
    if code:
        shown = ", ".join(
            f"{code_span(s.name)} ({s.kind})" for s in code[:MAX_SYMBOLS_PER_FILE]
        )
        more = len(code) - MAX_SYMBOLS_PER_FILE
        return f"Top-level symbols: {shown}" + (f", {more:,} more" if more > 0 else "")
    if headings:
        # Headings are prose, so a code span would make the page check take a
        # heading such as ".gitlab-ci.yml" for a path.
        shown = "; ".join(escape_markdown(h) for h in headings[:MAX_SYMBOLS_PER_FILE])
        more = len(headings) - MAX_SYMBOLS_PER_FILE
        return f"Sections: {shown}" + (f"; {more:,} more" if more > 0 else "")
    return ""


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
        described = _symbol_list(symbols.get(changed.path, ()))
        if described:
            lines.append(f"  - {described}")
    hidden = len(changes.files) - len(listed)
    if hidden > 0:
        lines.append(f"- {plural(hidden, 'more file')}, with fewer changed lines.")
    return "\n".join(lines)


def _file_line(changed: ChangedFile, head: str, template: str | None) -> str:
    counts = f"+{changed.added_lines}/-{changed.removed_lines}"
    if changed.status == "deleted":
        return f"- {code_span(changed.path)}: deleted ({counts})"
    link = source_link(changed.path, head, template)
    name = escape_markdown(PurePosixPath(changed.path).name)
    status: str = changed.status
    if changed.old_path:
        status += f" from {code_span(changed.old_path)}"
    return f"- [{name}]({link}) {code_span(changed.path)}: {status} ({counts})"
