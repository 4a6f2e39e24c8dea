from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.ai.sources import link_prefix, link_sources, remap_renames
from codedoc_action.changes.model import ChangedFile
from codedoc_action.repomap import RepoMap, build_repo_map
from tests.ai.repo import commit, init_repo

TEMPLATE = "https://github.com/acme/app/blob/{commit}/{path}"


@pytest.fixture
def repo_map(tmp_path: Path) -> RepoMap:
    root = init_repo(tmp_path / "repo")
    head = commit(root, {"app/cli.py": "x = 1\n", "app/core.py": "y = 2\n"})
    return build_repo_map(root, head)


def test_link_sources_links_each_section(repo_map: RepoMap) -> None:
    markdown = (
        "## CLI\n\ntext\n\nSources: `app/cli.py`\n\n"
        "## Core\n\ntext\n\n**Sources:** `app/core.py`, `app/gone.py`\n"
    )
    warnings: list[str] = []

    linked = link_sources(markdown, repo_map, [], TEMPLATE, warnings)

    head = repo_map.head
    cli = f"[`app/cli.py`](https://github.com/acme/app/blob/{head}/app/cli.py)"
    core = f"[`app/core.py`](https://github.com/acme/app/blob/{head}/app/core.py)"
    assert f"Sources: {cli}\n" in linked
    assert f"Sources: {core}\n" in linked
    assert "gone.py" not in linked
    assert warnings == ["dropped source 'app/gone.py': not a file at head"]


def test_link_sources_relative_without_template(repo_map: RepoMap) -> None:
    linked = link_sources("## A\n\nSources: app/cli.py\n", repo_map, [], None, [])

    assert "Sources: [`app/cli.py`](app/cli.py)" in linked


def test_link_sources_appends_when_missing(repo_map: RepoMap) -> None:
    linked = link_sources(
        "## A\n\ntext\n", repo_map, ["app/core.py", "nope.py"], None, []
    )

    assert linked.endswith("Sources: [`app/core.py`](app/core.py)\n")


def test_link_prefix_forms() -> None:
    assert link_prefix(TEMPLATE, "abc") == "https://github.com/acme/app/blob/abc/"
    assert link_prefix(None, "abc") == ""
    assert link_prefix("https://x/no-placeholder", "abc") == ""


def test_remap_renames_whole_paths_only() -> None:
    section = (
        "`src/io.py` reads; `src/io.pyc` and `lib/src/io.py` stay; "
        "see [io](src/io.py).\n"
    )
    rename = ChangedFile("pkg/io.py", "renamed", old_path="src/io.py")

    remapped = remap_renames(section, [rename])

    assert "`pkg/io.py` reads" in remapped
    assert "`src/io.pyc`" in remapped
    assert "`lib/src/io.py`" in remapped
    assert "[io](pkg/io.py)" in remapped
