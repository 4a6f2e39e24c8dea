"""Real git repositories in a temporary folder, and change sets read from them."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from codedoc_action.changes.model import ChangedFile, ChangeSet, CommitRange

STATUS = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "T": "type-changed",
}


def git(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, check=True, text=True
    )
    return completed.stdout.strip()


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "config", "commit.gpgsign", "false")
    return root


def commit(root: Path, files: Mapping[str, str | None], message: str = "change") -> str:
    """Write (or delete, for None) ``files`` and commit; return the commit id."""
    for path, content in files.items():
        target = root / path
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def change_set(root: Path, base: str | None, head: str) -> ChangeSet:
    """Read the changes of ``base..head`` the way the run's change listing does."""
    if base is None:
        tree = git(
            root, "-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", head
        ).splitlines()
        files = tuple(ChangedFile(path, "added", added_lines=1) for path in tree)
        return ChangeSet(CommitRange(None, head, "test"), files)
    status_lines = git(
        root, "-c", "core.quotePath=false", "diff", "--name-status", "-M", base, head
    ).splitlines()
    numstat: dict[str, tuple[str, str]] = {}
    fields = git(root, "diff", "--numstat", "-z", "-M", base, head).split("\0")
    index = 0
    while index < len(fields) and fields[index]:
        added, removed, path = fields[index].split("\t", 2)
        if not path:  # a rename: the old and new paths follow
            path = fields[index + 2]
            index += 2
        numstat[path] = (added, removed)
        index += 1
    changed: list[ChangedFile] = []
    for line in status_lines:
        parts = line.split("\t")
        letter = parts[0][0]
        path = parts[-1]
        old_path = parts[1] if letter == "R" else None
        added, removed = numstat.get(path, ("0", "0"))
        binary = added == "-"
        changed.append(
            ChangedFile(
                path,
                STATUS[letter],  # type: ignore[arg-type]
                old_path=old_path,
                added_lines=0 if binary else int(added),
                removed_lines=0 if binary else int(removed),
                binary=binary,
            )
        )
    return ChangeSet(CommitRange(base, head, "test"), tuple(changed))


def synthetic_tree(root: Path, paths: list[str], contents: list[str]) -> str:
    """Commit ``paths`` in one go, file i containing ``contents[i % len(contents)]``.

    Blobs are written once and the index is filled with ``update-index
    --index-info``, so trees of tens of thousands of files take a second.
    """
    blobs = [
        subprocess.run(
            ["git", "-C", str(root), "hash-object", "-w", "--stdin"],
            input=content,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.strip()
        for content in contents
    ]
    index_info = "".join(
        f"100644 {blobs[i % len(blobs)]}\t{path}\n" for i, path in enumerate(paths)
    )
    subprocess.run(
        ["git", "-C", str(root), "update-index", "--add", "--index-info"],
        input=index_info,
        check=True,
        text=True,
    )
    tree = git(root, "write-tree")
    parent = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    arguments = ["commit-tree", tree, "-m", "synthetic"]
    if parent:
        arguments += ["-p", parent]
    head = git(root, *arguments)
    git(root, "update-ref", "HEAD", head)
    return head
