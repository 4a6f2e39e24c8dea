from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from codedoc_action.ai.material import (
    Item,
    cap_file_text,
    diff_items,
    page_outline,
    relevant_changes,
    removed_lines_only,
    render_change_list,
)
from codedoc_action.ai.tokens import estimate_tokens
from codedoc_action.changes.model import ChangedFile, ChangeSet, CommitRange
from codedoc_action.errors import GitError
from codedoc_action.repomap import build_repo_map
from tests.ai.repo import change_set, commit, init_repo


def test_relevant_changes_filters() -> None:
    files = (
        ChangedFile("src/a.py", "modified", added_lines=3),
        ChangedFile("logo.png", "modified", binary=True),
        ChangedFile("vendor/lib", "modified", submodule=True),
        ChangedFile("deploy/.env", "modified", added_lines=1),
        ChangedFile("src/b.py", "renamed", old_path="b.py"),
        ChangedFile("src/c.py", "renamed", old_path="c.py", added_lines=2),
        ChangedFile("src/d.py", "deleted", removed_lines=9),
    )
    changes = ChangeSet(CommitRange("a", "b", "test"), files)

    paths = [changed.path for changed in relevant_changes(changes)]

    assert paths == ["src/a.py", "src/c.py", "src/d.py"]


def test_render_change_list_within_budget() -> None:
    files = [
        ChangedFile(f"pkg{n % 3}/module_{n}.py", "modified", added_lines=n)
        for n in range(500)
    ]

    text = render_change_list(files, 300)

    assert estimate_tokens(text) <= 340
    assert text.startswith("M pkg1/module_499.py (+499 -0)")
    assert "smaller changes, by folder" in text


def test_render_change_list_rename_arrow() -> None:
    files = [ChangedFile("new/x.py", "renamed", old_path="old/x.py", added_lines=1)]

    assert render_change_list(files, 100) == "R old/x.py -> new/x.py (+1 -0)"


def test_page_outline_headings_only() -> None:
    section = "intro\n## Setup\ntext\n### Step `one`\n#not a heading\n"

    assert page_outline(section) == "## Setup\n### Step `one`"
    assert page_outline("no headings") == "(the section has no headings yet)"


def test_removed_lines_only_keeps_hunks() -> None:
    diff = (
        "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n"
        "@@ -1,2 +1,2 @@\n-old = 1\n+new = 1\n context\n"
    )
    item = Item("x.py", "diff", diff, estimate_tokens(diff))

    removed = removed_lines_only(item)

    assert "@@ -1,2 +1,2 @@" in removed.text
    assert "-old = 1" in removed.text
    assert "+new = 1" not in removed.text
    assert "--- a/x.py" not in removed.text
    assert removed.kind == "removed"


def test_cap_file_text_keeps_signatures() -> None:
    body = "".join(
        f"def function_{n}(value):\n    return value + {n}\n\n" for n in range(400)
    )
    text = '"""Module docstring."""\n\n' + body

    capped = cap_file_text("big.py", text, 1_000)

    assert estimate_tokens(capped) <= 1_000
    assert capped.startswith('"""Module docstring."""')
    assert "more lines cut" in capped
    assert "def function_39(value):" in capped


def test_cap_file_text_short_unchanged() -> None:
    assert cap_file_text("a.py", "x = 1\n", 1_000) == "x = 1\n"


def test_diff_items_non_ascii_path(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    base = commit(root, {"docs/café.py": "x = 1\n"})
    head = commit(root, {"docs/café.py": "x = 2\n"})
    changes = change_set(root, base, head)
    redactions: Counter[str] = Counter()

    items = diff_items(
        build_repo_map(root, head),
        base,
        list(changes.files),
        max_lines=50,
        budget_tokens=1_000,
        redactions=redactions,
    )

    assert [item.path for item in items] == ["docs/café.py"]
    assert "+x = 2" in items[0].text


def test_diff_items_unknown_base(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    head = commit(root, {"a.py": "x = 1\n"})
    changed = [ChangedFile("a.py", "modified", added_lines=1)]

    with pytest.raises(GitError, match="git diff failed"):
        diff_items(
            build_repo_map(root, head),
            "f" * 40,
            changed,
            max_lines=50,
            budget_tokens=1_000,
            redactions=Counter(),
        )
