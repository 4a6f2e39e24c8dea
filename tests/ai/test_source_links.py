"""Links to files whose names contain spaces, brackets, backticks or accents."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from codedoc_action.ai.checks import check_page
from codedoc_action.ai.sources import link_prefix, link_sources
from codedoc_action.changes.model import ChangeSet, CommitRange
from codedoc_action.providers.offline import (
    code_span,
    escape_markdown,
    source_link,
    write_offline_document,
)
from codedoc_action.repomap import RepoMap, build_repo_map
from tests.ai.repo import change_set, commit, init_repo

ODD_NAMES = [
    "docs/my notes ü.md",
    "src/report (final).py",
    "src/list[1].py",
    "src/tick`name`.py",
    "src/a_b*c.py",
    "src/日本語 ファイル.txt",
    "src/semi;colon,comma.py",
]
TEMPLATE = "https://git.example/acme/app/blob/{commit}/{path}"


def _links(markdown: str) -> list[tuple[str, str]]:
    """Return ``(text, href)`` of every link, as a CommonMark parser reads it."""
    found: list[tuple[str, str]] = []
    for block in MarkdownIt("commonmark").parse(markdown):
        children = block.children or []
        for index, token in enumerate(children):
            if token.type != "link_open":
                continue
            text = []
            for inner in children[index + 1 :]:
                if inner.type == "link_close":
                    break
                text.append(inner.content)
            found.append(("".join(text), str(token.attrGet("href"))))
    return found


@pytest.fixture
def odd_repo(tmp_path: Path) -> RepoMap:
    root = init_repo(tmp_path / "repo")
    head = commit(root, {name: "value = 1\n" for name in ODD_NAMES})
    return build_repo_map(root, head)


@pytest.mark.parametrize("name", ODD_NAMES)
def test_source_link_percent_encoded(name: str) -> None:
    target = source_link(name, "abc", None)
    assert " " not in target
    assert "(" not in target
    assert ")" not in target
    assert target.count("/") == name.count("/")
    assert (
        MarkdownIt("commonmark").renderInline(f"[x]({target})").startswith("<a href=")
    )


def test_source_link_template_encodes_path() -> None:
    link = source_link("docs/my notes.md", "c0ffee", TEMPLATE)
    assert link == "https://git.example/acme/app/blob/c0ffee/docs/my%20notes.md"


@pytest.mark.parametrize(
    "text", ["a*b", "[x](y)", "tick`s`", "_lead", "__init__.py", "back\\slash", "<b>"]
)
def test_escape_markdown_reads_back(text: str) -> None:
    rendered = MarkdownIt("commonmark").parse(escape_markdown(text))
    inline = rendered[1].children or []
    assert [token.type for token in inline] == ["text"]
    assert inline[0].content == text


@pytest.mark.parametrize("text", ["plain", "a`b", "``x", "y`", "a``b`c"])
def test_code_span_reads_back(text: str) -> None:
    inline = MarkdownIt("commonmark").parse(code_span(text))[1].children or []
    assert [token.type for token in inline] == ["code_inline"]
    assert inline[0].content == text


@pytest.mark.parametrize("template", [None, TEMPLATE])
def test_link_sources_odd_names(odd_repo: RepoMap, template: str | None) -> None:
    listed = ", ".join(ODD_NAMES[:-1])
    warnings: list[str] = []

    linked = link_sources(f"## A\n\nSources: {listed}\n", odd_repo, [], template, [])
    relinked = link_sources(linked, odd_repo, [], template, warnings)

    links = _links(linked)
    assert [text for text, _ in links] == ODD_NAMES[:-1]
    for name, (_, href) in zip(ODD_NAMES, links, strict=False):
        assert href == source_link(name, odd_repo.head, template)
    assert relinked == linked
    assert warnings == []


def test_link_sources_fallback_comma_name(odd_repo: RepoMap) -> None:
    name = "src/semi;colon,comma.py"
    linked = link_sources("## A\n\ntext\n", odd_repo, [name], None, [])
    again = link_sources(linked, odd_repo, [], None, [])

    assert _links(linked) == [(name, source_link(name, odd_repo.head, None))]
    assert again == linked


@pytest.mark.parametrize("template", [None, TEMPLATE])
def test_check_page_accepts_encoded_links(
    odd_repo: RepoMap, template: str | None
) -> None:
    fallback = ODD_NAMES
    linked = link_sources("## A\n\ntext\n", odd_repo, fallback, template, [])

    problems = check_page(
        linked,
        odd_repo,
        strict=True,
        link_prefix=link_prefix(template, odd_repo.head),
    )

    assert problems == []


@pytest.mark.parametrize("base_commit", [True, False])
def test_offline_document_odd_names(tmp_path: Path, base_commit: bool) -> None:
    root = init_repo(tmp_path / "repo")
    base = commit(root, {"README.md": "# Demo\n"})
    head = commit(root, {name: "value = 1\n" for name in ODD_NAMES})
    changes = change_set(root, base if base_commit else None, head)
    repo_map = build_repo_map(root, head)

    markdown = write_offline_document(repo_map, changes, page_title="Odd (names)")

    links = dict((href, text) for text, href in _links(markdown))
    for name in ODD_NAMES:
        href = source_link(name, head, None)
        assert href in links
        assert links[href] == name.rsplit("/", 1)[-1]
    assert check_page(markdown, repo_map, strict=True) == []


def test_offline_document_changed_file_code_span(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    base = commit(root, {"README.md": "# Demo\n"})
    head = commit(root, {"src/tick`name`.py": "value = 1\n"})
    changes = ChangeSet(
        CommitRange(base, head, "test"), change_set(root, base, head).files
    )

    markdown = write_offline_document(
        build_repo_map(root, head), changes, page_title=""
    )

    assert "``src/tick`name`.py``" in markdown
