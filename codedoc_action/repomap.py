"""A compact map of the repository at the head commit, fitted to a token budget.

The map lists paths with sizes and top-level symbols. When the whole listing
does not fit, directories are collapsed into one summary line each, opened in
order of interest: directories on the way to the files of the change first,
then shallow before deep. Symbols are extracted only for the files that end up
listed, so the work grows with the budget, not with the repository. Symbols
are cached by git blob id, which is the same for the same content at any path.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Collection, Iterable
from pathlib import Path

from codedoc_action.ai.scrub import is_secret_file
from codedoc_action.ai.tokens import estimate_tokens
from codedoc_action.errors import GitError
from codedoc_action.maplayout import (
    TreeEntry,
    build_directory_tree,
    format_size,
    open_directories,
)
from codedoc_action.symbols import Symbol, extract_symbols

__all__ = [
    "RepoMap",
    "SymbolCache",
    "TreeEntry",
    "build_repo_map",
    "format_size",
    "is_binary",
    "list_tree",
    "read_blobs",
    "run_git",
]

logger = logging.getLogger(__name__)

MAX_SYMBOL_FILE_BYTES = 1_000_000
STRUCTURE_SHARE = 0.6
SYMBOL_NAMES_PER_FILE = 12


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
        command = _subcommand(args)
        raise GitError(f"git {command} failed in {repo_root}: {message}") from error
    except OSError as error:
        raise GitError(f"git could not be started: {error}; install git") from error
    return completed.stdout


def _subcommand(args: tuple[str, ...]) -> str:
    """Return the git subcommand in ``args``, skipping options and ``-c`` values."""
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg == "-c":
            skip_next = True
        elif not arg.startswith("-"):
            return arg
    return "command"


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
        self._directories = _parent_directories(self.entries)

    def exists(self, path: str) -> bool:
        """Tell whether ``path`` is a file or directory at head."""
        path = path.strip().strip("/")
        return path in self.entries or path in self._directories

    def has_file_name(self, name: str) -> bool:
        """Tell whether some file at head has the base name ``name``."""
        if self._file_names is None:
            self._file_names = {path.rsplit("/", 1)[-1] for path in self.entries}
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
        focus_set = set(focus)
        root = build_directory_tree(self.entries.values(), focus_set)
        header = (
            f"Repository at {self.head[:12]}: {len(self.entries):,} files, "
            f"{format_size(root.total_size)}. Sizes in bytes (K = KiB, M = MiB). "
            "A line 'dir/ [N files ...]' is a directory not listed in full."
        )
        header_cost = estimate_tokens(header + "\n")
        structure_budget = int(budget_tokens * STRUCTURE_SHARE) - header_cost
        layout = open_directories(root, structure_budget, focus_set)
        symbol_budget = budget_tokens - header_cost - layout.cost
        symbols = self._fit_symbols(layout.listed_paths(), focus_set, symbol_budget)
        return "\n".join([header, *layout.render_lines(symbols)]) + "\n"

    def _fit_symbols(
        self, listed: list[str], focus: set[str], budget: int
    ) -> dict[str, str]:
        # Changed files first, then source before tests, then shallow first.
        ordered = sorted(
            listed,
            key=lambda path: (
                path not in focus,
                _is_test_path(path),
                path.count("/"),
                path,
            ),
        )
        fitted: dict[str, str] = {}
        batch_size = 64
        for start in range(0, len(ordered), batch_size):
            if budget <= 0:
                break
            batch = self.symbols(ordered[start : start + batch_size])
            for path in ordered[start : start + batch_size]:
                names = [
                    symbol.name
                    for symbol in batch.get(path, ())
                    if not symbol.name.startswith("_")
                ]
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


def _is_test_path(path: str) -> bool:
    parts = path.lower().split("/")
    name = parts[-1]
    return (
        any(part in ("test", "tests", "testing", "__tests__", "spec") for part in parts)
        or name.startswith("test_")
        or name.rsplit(".", 1)[0].endswith(("_test", ".test", ".spec"))
    )


def _parent_directories(paths: Iterable[str]) -> set[str]:
    """Return every directory that contains a path, without trailing slashes."""
    directories: set[str] = set()
    for path in paths:
        end = path.rfind("/")
        while end > 0:
            directory = path[:end]
            if directory in directories:
                break
            directories.add(directory)
            end = path.rfind("/", 0, end)
    return directories


def build_repo_map(
    repo_root: Path, head: str, cache: SymbolCache | None = None
) -> RepoMap:
    """List the tree of ``head`` in ``repo_root``; symbols are read later, on demand."""
    entries = list_tree(repo_root, head)
    logger.info("repository map of %s: %d files", head[:12], len(entries))
    return RepoMap(repo_root, head, entries, cache)
