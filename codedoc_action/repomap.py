"""A compact map of the repository at the head commit, fitted to a token budget.

The map lists paths with sizes and top-level symbols. When the whole listing
does not fit, directories are collapsed into one summary line each, opened in
order of interest: directories on the way to the files of the change first,
then shallow before deep. Symbols are extracted only for the files that end up
listed, so the work grows with the budget, not with the repository. Symbols
are cached by git blob id, which is the same for the same content at any path.
"""

from __future__ import annotations

import heapq
import json
import logging
import subprocess
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from codedoc_action.ai.scrub import is_secret_file
from codedoc_action.ai.tokens import estimate_tokens
from codedoc_action.errors import GitError
from codedoc_action.symbols import Symbol, extract_symbols

logger = logging.getLogger(__name__)

MAX_SYMBOL_FILE_BYTES = 1_000_000
STRUCTURE_SHARE = 0.6
SYMBOL_NAMES_PER_FILE = 12


@dataclass(frozen=True)
class TreeEntry:
    """One file of the head tree."""

    path: str
    size: int
    blob: str


class SymbolCache:
    """Symbols by git blob id, optionally kept in a JSON file between runs."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._symbols: dict[str, tuple[Symbol, ...]] = {}
        if path is not None and path.is_file():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            for blob, items in raw.items():
                self._symbols[blob] = tuple(Symbol(*item) for item in items)
        except (OSError, ValueError, TypeError) as error:
            logger.warning(
                "symbol cache %s unreadable, starting empty: %s", path, error
            )

    def get(self, blob: str) -> tuple[Symbol, ...] | None:
        return self._symbols.get(blob)

    def put(self, blob: str, symbols: tuple[Symbol, ...]) -> None:
        self._symbols[blob] = symbols

    def save(self) -> None:
        if self.path is None:
            return
        raw = {
            blob: [[s.name, s.kind, s.signature] for s in symbols]
            for blob, symbols in self._symbols.items()
        }
        self.path.write_text(json.dumps(raw), encoding="utf-8")


def run_git(repo_root: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    """Run git in ``repo_root`` and return its standard output."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(repo_root), *args],
            input=input_bytes,
            capture_output=True,
            check=True,
        )
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode("utf-8", errors="replace").strip()
        raise GitError(f"git {args[0]} failed in {repo_root}: {message}") from error
    except OSError as error:
        raise GitError(f"git could not be started: {error}; install git") from error
    return completed.stdout


def list_tree(repo_root: Path, head: str) -> list[TreeEntry]:
    """List the files of ``head`` with their sizes and blob ids, submodules left out."""
    output = run_git(repo_root, "ls-tree", "-r", "-l", "-z", "--full-tree", head)
    entries: list[TreeEntry] = []
    for record in output.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        _mode, kind, blob, size = meta.split()
        if kind != b"blob":
            continue
        path = raw_path.decode("utf-8", errors="replace")
        entries.append(TreeEntry(path, int(size), blob.decode("ascii")))
    return entries


def read_blobs(repo_root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """Read blobs with one ``git cat-file --batch`` process."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    output = run_git(
        repo_root, "cat-file", "--batch", input_bytes="\n".join(wanted).encode() + b"\n"
    )
    contents: dict[str, bytes] = {}
    position = 0
    for _ in wanted:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        position = header_end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        contents[header[0].decode("ascii")] = output[position : position + size]
        position += size + 1
    return contents


def is_binary(content: bytes) -> bool:
    return b"\0" in content[:8000]


def format_size(size: int) -> str:
    if size < 1024:
        return str(size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}K"
    return f"{size / (1024 * 1024):.1f}M"


@dataclass
class _Directory:
    path: str  # "" for the root, else "a/b/" with the trailing slash
    depth: int
    files: list[TreeEntry] = field(default_factory=list)
    children: list[_Directory] = field(default_factory=list)
    file_count: int = 0
    total_size: int = 0
    extensions: Counter[str] = field(default_factory=Counter)
    has_focus: bool = False


class RepoMap:
    """The files of one commit, with symbols read on demand."""

    def __init__(
        self,
        repo_root: Path,
        head: str,
        entries: list[TreeEntry],
        cache: SymbolCache | None = None,
    ) -> None:
        self.repo_root = repo_root
        self.head = head
        self.entries = {entry.path: entry for entry in entries}
        self.cache = cache if cache is not None else SymbolCache()
        self._file_names: set[str] | None = None
        self._directories = {
            str(parent)
            for path in self.entries
            for parent in PurePosixPath(path).parents
        }

    def exists(self, path: str) -> bool:
        """Tell whether ``path`` is a file or directory at head."""
        path = path.strip().strip("/")
        return path in self.entries or path in self._directories

    def has_file_name(self, name: str) -> bool:
        """Tell whether some file at head has the base name ``name``."""
        if self._file_names is None:
            self._file_names = {PurePosixPath(path).name for path in self.entries}
        return name in self._file_names

    def cached_symbol_names(self) -> set[str]:
        """Return the names of the symbols already extracted from files at head."""
        names: set[str] = set()
        for entry in self.entries.values():
            for symbol in self.cache.get(entry.blob) or ():
                names.add(symbol.name)
        return names

    def symbols(self, paths: Iterable[str]) -> dict[str, tuple[Symbol, ...]]:
        """Return symbols of ``paths``, reading and parsing only uncached blobs."""
        found: dict[str, tuple[Symbol, ...]] = {}
        to_read: dict[str, str] = {}
        for path in paths:
            entry = self.entries.get(path)
            if entry is None or is_secret_file(path):
                continue
            cached = self.cache.get(entry.blob)
            if cached is not None:
                found[path] = cached
            elif entry.size <= MAX_SYMBOL_FILE_BYTES:
                to_read[path] = entry.blob
            else:
                found[path] = ()
        contents = read_blobs(self.repo_root, to_read.values())
        for path, blob in to_read.items():
            content = contents.get(blob, b"")
            symbols = () if is_binary(content) else extract_symbols(path, content)
            self.cache.put(blob, symbols)
            found[path] = symbols
        return found

    def read_text(self, paths: Iterable[str]) -> dict[str, str]:
        """Return the text of ``paths`` at head; binary and secret files left out."""
        wanted = {
            path: self.entries[path].blob
            for path in paths
            if path in self.entries and not is_secret_file(path)
        }
        contents = read_blobs(self.repo_root, wanted.values())
        texts: dict[str, str] = {}
        for path, blob in wanted.items():
            content = contents.get(blob)
            if content is not None and not is_binary(content):
                texts[path] = content.decode("utf-8", errors="replace")
        return texts

    def render(self, budget_tokens: int, focus: Collection[str] = ()) -> str:
        """Render the map in at most about ``budget_tokens`` tokens.

        ``focus`` paths (the changed files) are listed and given symbols first.
        """
        root = self._build_tree(set(focus))
        header = (
            f"Repository at {self.head[:12]}: {len(self.entries):,} files, "
            f"{format_size(root.total_size)}. Sizes in bytes (K = KiB, M = MiB). "
            "A line 'dir/ [N files ...]' is a directory not listed in full.\n"
        )
        structure_budget = int(budget_tokens * STRUCTURE_SHARE) - estimate_tokens(
            header
        )
        opened, listed, used = _open_directories(root, structure_budget, set(focus))
        symbol_budget = budget_tokens - used - estimate_tokens(header)
        symbols = self._fit_symbols(listed, focus, symbol_budget)
        lines = [header.rstrip("\n")]
        _render_directory(root, opened, listed, symbols, lines)
        return "\n".join(lines) + "\n"

    def _build_tree(self, focus: set[str]) -> _Directory:
        root = _Directory("", 0)
        directories = {"": root}
        for path in sorted(self.entries):
            entry = self.entries[path]
            parent = _ensure_directory(directories, PurePosixPath(path).parent)
            parent.files.append(entry)
        for directory in sorted(directories.values(), key=lambda d: -d.depth):
            directory.file_count += len(directory.files)
            directory.total_size += sum(entry.size for entry in directory.files)
            directory.extensions.update(_extension(e.path) for e in directory.files)
            directory.has_focus = directory.has_focus or any(
                entry.path in focus for entry in directory.files
            )
            if directory.path:
                parent = directories[_parent_key(directory.path)]
                parent.file_count += directory.file_count
                parent.total_size += directory.total_size
                parent.extensions.update(directory.extensions)
                parent.has_focus = parent.has_focus or directory.has_focus
        return root

    def _fit_symbols(
        self, listed: dict[str, list[TreeEntry]], focus: Collection[str], budget: int
    ) -> dict[str, str]:
        ordered = [entry.path for entries in listed.values() for entry in entries]
        focus_set = set(focus)
        ordered.sort(key=lambda path: (path not in focus_set, path.count("/"), path))
        fitted: dict[str, str] = {}
        batch_size = 64
        for start in range(0, len(ordered), batch_size):
            if budget <= 0:
                break
            batch = self.symbols(ordered[start : start + batch_size])
            for path in ordered[start : start + batch_size]:
                names = [symbol.name for symbol in batch.get(path, ())]
                if not names:
                    continue
                text = ", ".join(names[:SYMBOL_NAMES_PER_FILE])
                if len(names) > SYMBOL_NAMES_PER_FILE:
                    text += f", +{len(names) - SYMBOL_NAMES_PER_FILE}"
                cost = estimate_tokens(": " + text)
                if cost > budget:
                    continue
                fitted[path] = text
                budget -= cost
        return fitted


def _extension(path: str) -> str:
    return PurePosixPath(path).suffix or PurePosixPath(path).name


def _parent_key(directory_path: str) -> str:
    parent = str(PurePosixPath(directory_path.rstrip("/")).parent)
    return "" if parent == "." else parent + "/"


def _ensure_directory(
    directories: dict[str, _Directory], path: PurePosixPath
) -> _Directory:
    key = "" if str(path) == "." else f"{path}/"
    existing = directories.get(key)
    if existing is not None:
        return existing
    parent = _ensure_directory(directories, path.parent)
    created = _Directory(key, key.count("/"))
    directories[key] = created
    parent.children.append(created)
    return created


def _file_line(entry: TreeEntry, symbols: str | None = None) -> str:
    name = PurePosixPath(entry.path).name
    line = f"  {name} {format_size(entry.size)}"
    return f"{line}: {symbols}" if symbols else line


def _collapsed_line(directory: _Directory) -> str:
    kinds = ", ".join(f"{ext} {n}" for ext, n in directory.extensions.most_common(3))
    return (
        f"{directory.path} [{directory.file_count:,} files, "
        f"{format_size(directory.total_size)}: {kinds}]"
    )


def _block_cost(
    directory: _Directory, opened: set[str], listed: dict[str, list[TreeEntry]]
) -> int:
    """Tokens of an opened directory's own lines: header, files, collapsed children."""
    cost = estimate_tokens(directory.path + "\n")
    cost += sum(estimate_tokens(_file_line(e) + "\n") for e in listed[directory.path])
    hidden = len(directory.files) - len(listed[directory.path])
    if hidden:
        cost += estimate_tokens(f"  ... {hidden} more files\n")
    for child in directory.children:
        if child.path not in opened:
            cost += estimate_tokens(_collapsed_line(child) + "\n")
    return cost


def _open_cost(directory: _Directory) -> tuple[int, int]:
    """Return the full cost of opening ``directory`` and the cost it replaces."""
    cost = estimate_tokens(directory.path + "\n")
    cost += sum(estimate_tokens(_file_line(e) + "\n") for e in directory.files)
    cost += sum(estimate_tokens(_collapsed_line(c) + "\n") for c in directory.children)
    return cost, estimate_tokens(_collapsed_line(directory) + "\n")


def _partial_listing(
    directory: _Directory, budget: int, focus: set[str]
) -> list[TreeEntry]:
    ordered = sorted(directory.files, key=lambda e: (e.path not in focus, -e.size))
    chosen: list[TreeEntry] = []
    for entry in ordered:
        cost = estimate_tokens(_file_line(entry) + "\n")
        if cost > budget and entry.path not in focus:
            break
        chosen.append(entry)
        budget -= cost
    return sorted(chosen, key=lambda e: e.path)


def _open_directories(
    root: _Directory, budget: int, focus: set[str]
) -> tuple[set[str], dict[str, list[TreeEntry]], int]:
    """Pick which directories to list within ``budget`` tokens; return the cost too."""
    initial_budget = budget
    opened: set[str] = set()
    listed: dict[str, list[TreeEntry]] = {}
    queue: list[tuple[bool, int, int, str, _Directory]] = []
    cost, _replaced = _open_cost(root)
    heapq.heappush(queue, (False, 0, cost, root.path, root))
    first = True
    while queue:
        _, _, _, _, directory = heapq.heappop(queue)
        cost, replaced = _open_cost(directory)
        delta = cost - (0 if first else replaced)
        if delta <= budget:
            listed[directory.path] = directory.files
        elif directory.has_focus or first:
            child_lines = sum(
                estimate_tokens(_collapsed_line(c) + "\n") for c in directory.children
            )
            header = estimate_tokens(directory.path + "\n") - (0 if first else replaced)
            listed[directory.path] = _partial_listing(
                directory, budget - child_lines - header, focus
            )
            delta = _block_cost(directory, opened | {directory.path}, listed) - (
                0 if first else replaced
            )
        else:
            continue
        first = False
        opened.add(directory.path)
        budget -= delta
        for child in directory.children:
            child_cost, child_replaced = _open_cost(child)
            key = (not child.has_focus, child.depth, child_cost - child_replaced)
            heapq.heappush(queue, (*key, child.path, child))
    return opened, listed, initial_budget - budget


def _render_directory(
    directory: _Directory,
    opened: set[str],
    listed: dict[str, list[TreeEntry]],
    symbols: dict[str, str],
    lines: list[str],
) -> None:
    if directory.path:
        lines.append(directory.path)
    shown = listed[directory.path]
    for entry in shown:
        lines.append(_file_line(entry, symbols.get(entry.path)))
    hidden = len(directory.files) - len(shown)
    if hidden:
        lines.append(f"  ... {hidden} more files")
    for child in sorted(directory.children, key=lambda c: c.path):
        if child.path in opened:
            _render_directory(child, opened, listed, symbols, lines)
        else:
            lines.append(_collapsed_line(child))


def build_repo_map(
    repo_root: Path, head: str, cache: SymbolCache | None = None
) -> RepoMap:
    """List the tree of ``head`` in ``repo_root``; symbols are read later, on demand."""
    entries = list_tree(repo_root, head)
    logger.info("repository map of %s: %d files", head[:12], len(entries))
    return RepoMap(repo_root, head, entries, cache)
