from __future__ import annotations

from pathlib import Path

from codedoc_action.changes.model import ChangeSet, CommitRange
from codedoc_action.providers.offline import source_link, write_offline_document
from codedoc_action.repomap import build_repo_map
from tests.ai.repo import change_set, commit, init_repo


def test_offline_document_structure(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    base = commit(
        root, {"svc/api.py": "def serve():\n    pass\n", "README.md": "# S\n"}
    )
    head = commit(
        root,
        {
            "svc/api.py": "def serve():\n    pass\n\nclass Router:\n    pass\n",
            "svc/db.go": "package svc\n\nfunc Connect() error { return nil }\n",
            "README.md": None,
        },
    )
    changes = change_set(root, base, head)
    repo_map = build_repo_map(root, head)
    template = "https://git.example/blob/{commit}/{path}"

    markdown = write_offline_document(
        repo_map, changes, page_title="Service", source_link_template=template
    )

    assert markdown.startswith("## Overview of Service\n")
    assert f"`{base[:12]}..{head[:12]}`" in markdown
    assert "3 files changed (1 added, 1 deleted, 1 modified)" in markdown
    assert f"(https://git.example/blob/{head}/svc/db.go)" in markdown
    assert "`serve` (function), `Router` (class)" in markdown
    assert "`Connect` (function)" in markdown
    assert "- `README.md`: deleted" in markdown
    assert "| `svc/` | 2 |" in markdown


def test_offline_document_deterministic(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    head = commit(root, {f"m{n}.py": f"def f{n}():\n    pass\n" for n in range(30)})
    changes = change_set(root, None, head)

    first = write_offline_document(build_repo_map(root, head), changes, page_title="X")
    second = write_offline_document(build_repo_map(root, head), changes, page_title="X")

    assert first == second
    assert "the whole tree" in first


def test_offline_document_no_changes(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    head = commit(root, {"a.py": "x = 1\n"})
    changes = ChangeSet(CommitRange(head, head, "manual"), ())

    markdown = write_offline_document(
        build_repo_map(root, head), changes, page_title=""
    )

    assert "No documented file changed in this range." in markdown
    assert "## Changed files" not in markdown


def test_source_link_forms() -> None:
    assert source_link("a/b.py", "c0ffee", None) == "a/b.py"
    assert source_link("a/b.py", "c0ffee", "https://h/{commit}/{path}") == (
        "https://h/c0ffee/a/b.py"
    )
