"""Layout of the repository map: which directories are listed, within a budget.

The map starts with the root directory and opens directories one by one, in
order of interest: those holding focus files (the changed ones) first, then
shallow before deep, then cheap before costly. A directory that does not fit
stays one summary line. A directory too large to list in full (the root, or
one holding focus files) is listed in part, focus entries first, with one
line counting what is hidden. Every line's cost is counted, so the layout
stays within its budget whatever the size or shape of the tree.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from codedoc_action.ai.tokens import estimate_tokens


@dataclass(frozen=True)
class TreeEntry:
    """One file of the head tree."""

    path: str
    size: int
    blob: str


def format_size(size: int) -> str:
    if size < 1024:
        return str(size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}K"
    return f"{size / (1024 * 1024):.1f}M"


@dataclass
class Directory:
    path: str  # "" for the root, else "a/b/" with the trailing slash
    depth: int
    files: list[TreeEntry] = field(default_factory=list)
    children: list[Directory] = field(default_factory=list)
    file_count: int = 0
    total_size: int = 0
    extensions: Counter[str] = field(default_factory=Counter)
    has_focus: bool = False


def build_directory_tree(entries: Iterable[TreeEntry], focus: set[str]) -> Directory:
    """Group ``entries`` into directories with file counts, sizes and focus marks."""
    root = Directory("", 0)
    directories = {"": root}
    for entry in sorted(entries, key=lambda e: e.path):
        cut = entry.path.rfind("/")
        parent = _ensure_directory(directories, entry.path[: cut + 1])
        parent.files.append(entry)
    for directory in sorted(directories.values(), key=lambda d: -d.depth):
        directory.file_count += len(directory.files)
        directory.total_size += sum(entry.size for entry in directory.files)
        directory.extensions.update(_extension(e.path) for e in directory.files)
        if any(entry.path in focus for entry in directory.files):
            directory.has_focus = True
        if directory.path:
            parent = directories[_parent_key(directory.path)]
            parent.file_count += directory.file_count
            parent.total_size += directory.total_size
            parent.extensions.update(directory.extensions)
            parent.has_focus = parent.has_focus or directory.has_focus
    return root


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else name


def _parent_key(directory_path: str) -> str:
    """Return the key of the parent of ``a/b/`` (``a/``), or "" for the root."""
    cut = directory_path.rfind("/", 0, len(directory_path) - 1)
    return directory_path[: cut + 1]


def _ensure_directory(directories: dict[str, Directory], key: str) -> Directory:
    """Return the directory with key ``key`` (``a/b/``), creating its ancestors."""
    existing = directories.get(key)
    if existing is not None:
        return existing
    parent = _ensure_directory(directories, _parent_key(key))
    created = Directory(key, key.count("/"))
    directories[key] = created
    parent.children.append(created)
    return created


def file_line(entry: TreeEntry, symbols: str | None = None) -> str:
    line = f"  {entry.path.rsplit('/', 1)[-1]} {format_size(entry.size)}"
    return f"{line}: {symbols}" if symbols else line


def collapsed_line(directory: Directory) -> str:
    kinds = ", ".join(f"{ext} {n}" for ext, n in directory.extensions.most_common(3))
    return (
        f"{directory.path} [{directory.file_count:,} files, "
        f"{format_size(directory.total_size)}: {kinds}]"
    )


def _cost(line: str) -> int:
    return estimate_tokens(line + "\n")


@dataclass
class _Opened:
    files: list[TreeEntry]
    children: list[Directory]


@dataclass
class Layout:
    """The directories chosen for listing, and the tokens their lines cost."""

    root: Directory
    opened: dict[str, _Opened]
    cost: int

    def listed_paths(self) -> list[str]:
        return [entry.path for block in self.opened.values() for entry in block.files]

    def render_lines(self, symbols: dict[str, str]) -> list[str]:
        lines: list[str] = []
        self._render(self.root, symbols, lines)
        return lines

    def _render(
        self, directory: Directory, symbols: dict[str, str], lines: list[str]
    ) -> None:
        block = self.opened[directory.path]
        if directory.path:
            lines.append(directory.path)
        lines.extend(file_line(e, symbols.get(e.path)) for e in block.files)
        hidden_files = len(directory.files) - len(block.files)
        if hidden_files:
            lines.append(_more_files_line(hidden_files))
        for child in sorted(block.children, key=lambda c: c.path):
            if child.path in self.opened:
                self._render(child, symbols, lines)
            else:
                lines.append(collapsed_line(child))
        hidden = [c for c in directory.children if c not in block.children]
        if hidden:
            lines.append(_more_directories_line(hidden))


def _more_files_line(count: int) -> str:
    return f"  ... {count:,} more files"


def _more_directories_line(hidden: list[Directory]) -> str:
    files = sum(d.file_count for d in hidden)
    size = format_size(sum(d.total_size for d in hidden))
    return f"... {len(hidden):,} more directories, {files:,} files, {size}"


def _full_block(directory: Directory) -> tuple[_Opened, int]:
    cost = _cost(directory.path) if directory.path else 0
    cost += sum(_cost(file_line(e)) for e in directory.files)
    cost += sum(_cost(collapsed_line(c)) for c in directory.children)
    return _Opened(list(directory.files), list(directory.children)), cost


def _partial_block(
    directory: Directory, budget: int, focus: set[str]
) -> tuple[_Opened, int]:
    """List what fits of ``directory``: focus entries first, then the largest."""
    cost = _cost(directory.path) if directory.path else 0
    cost += _cost(_more_files_line(len(directory.files)))
    cost += _cost(_more_directories_line(directory.children))
    children = sorted(
        directory.children, key=lambda c: (not c.has_focus, -c.total_size)
    )
    files = sorted(directory.files, key=lambda e: (e.path not in focus, -e.size))
    shown_children: list[Directory] = []
    shown_files: list[TreeEntry] = []
    for child in children:
        line_cost = _cost(collapsed_line(child))
        if not child.has_focus or cost + line_cost > budget:
            break
        shown_children.append(child)
        cost += line_cost
    for entry in files:
        line_cost = _cost(file_line(entry))
        if cost + line_cost > budget:
            break
        shown_files.append(entry)
        cost += line_cost
    for child in children[len(shown_children) :]:
        line_cost = _cost(collapsed_line(child))
        if cost + line_cost > budget:
            break
        shown_children.append(child)
        cost += line_cost
    shown_files.sort(key=lambda e: e.path)
    return _Opened(shown_files, shown_children), cost


def open_directories(root: Directory, budget: int, focus: set[str]) -> Layout:
    """Choose the directories to list within ``budget`` tokens."""
    opened: dict[str, _Opened] = {}
    spent = 0
    queue: list[tuple[bool, int, int, str, Directory]] = [(False, 0, 0, "", root)]
    while queue:
        *_, directory = heapq.heappop(queue)
        # Opening a shown directory replaces its summary line by its block.
        refund = _cost(collapsed_line(directory)) if directory.path else 0
        block, cost = _full_block(directory)
        if spent + cost - refund > budget:
            if not (directory.has_focus or not directory.path):
                continue
            block, cost = _partial_block(directory, budget - spent + refund, focus)
            if spent + cost - refund > budget and directory.path:
                continue
        opened[directory.path] = block
        spent += cost - refund
        for child in block.children:
            _, child_cost = _full_block(child)
            heapq.heappush(
                queue, (not child.has_focus, child.depth, child_cost, child.path, child)
            )
    return Layout(root, opened, spent)
