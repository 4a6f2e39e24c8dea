"""The offline writer on a whole-tree range, and on this repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from codedoc_action.ai.checks import check_page
from codedoc_action.changes.model import (
    ChangedFile,
    ChangeSet,
    CommitRange,
    SkippedFile,
)
from codedoc_action.providers.offline import (
    MAX_MAIN_MODULES,
    plural,
    write_offline_document,
)
from codedoc_action.repomap import build_repo_map
from tests.ai.repo import change_set, commit, init_repo

README = """# Demo

## Several pages: fan-out with `codedoc plan`

## .gitlab-ci.yml

## ci/child.yml
"""


def _tree(count: int) -> dict[str, str]:
    files = {"README.md": README}
    for number in range(count):
        body = "".join(f"def step_{n}():\n    pass\n\n" for n in range(number + 1))
        files[f"pkg/mod_{number:02}.py"] = body
        files[f"tests/test_mod_{number:02}.py"] = body * 3
    return files


def test_whole_tree_main_modules_bounded(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    head = commit(root, _tree(45))
    changes = change_set(root, None, head)
    repo_map = build_repo_map(root, head)

    markdown = write_offline_document(repo_map, changes, page_title="Demo")

    main = markdown.split("## Main modules", 1)[1].split("## Other files", 1)[0]
    assert main.count("\n- [") == MAX_MAIN_MODULES
    assert main.index("[README.md]") < main.index("[mod_44.py]")
    assert "[mod_44.py](pkg/mod_44.py)" in main
    assert re.search(r"`step_14` \(function\), \d+ more\n", main)
    assert "[test_mod_44.py]" not in main
    other = markdown.split("## Other files", 1)[1]
    assert "- `tests/` (" in other
    assert "## Changed files" not in markdown


def test_whole_tree_headings_plain_text(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    head = commit(root, _tree(2))
    changes = change_set(root, None, head)
    repo_map = build_repo_map(root, head)

    markdown = write_offline_document(repo_map, changes, page_title="Demo")

    assert "Sections: Demo; Several pages: fan-out with \\`codedoc plan\\`" in markdown
    assert "`.gitlab-ci.yml`" not in markdown
    assert check_page(markdown, repo_map, strict=True) == []


def test_changes_pluralised(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    base = commit(root, {"a.py": "x = 1\n"})
    head = commit(root, {"a.py": "x = 2\n"})
    one = ChangeSet(
        CommitRange(base, head, "test"),
        (ChangedFile("a.py", "modified", added_lines=1, removed_lines=1),),
        skipped=(SkippedFile("logo.png", "binary"),),
    )

    markdown = write_offline_document(build_repo_map(root, head), one, page_title="")

    assert "1 file changed (1 modified)" in markdown
    assert "1 file was skipped" in markdown
    assert "1 files" not in markdown


def test_plural_forms() -> None:
    assert plural(1, "file") == "1 file"
    assert plural(2, "file") == "2 files"
    assert plural(1_200, "file") == "1,200 files"


def _project_root() -> Path | None:
    here = Path(__file__).resolve().parent
    completed = subprocess.run(
        ["git", "-C", str(here), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        return None
    return Path(completed.stdout.strip())


def test_offline_document_this_repository_strict() -> None:
    root = _project_root()
    if root is None or not (root / "codedoc_action").is_dir():
        pytest.skip("the tests do not run from a git checkout of this project")
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    changes = change_set(root, None, head)
    repo_map = build_repo_map(root, head)

    markdown = write_offline_document(repo_map, changes, page_title="codedoc-action")

    assert check_page(markdown, repo_map, strict=True) == []
    assert len(markdown.splitlines()) < 250
    assert markdown.count("\n- [") <= MAX_MAIN_MODULES
