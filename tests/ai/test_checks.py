from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.ai.checks import check_page, classify, link_path, page_mentions
from codedoc_action.errors import StrictCheckError
from codedoc_action.repomap import RepoMap, build_repo_map
from tests.ai.repo import commit, init_repo

FILES = {
    "src/billing/invoice.py": (
        "class InvoiceBuilder:\n"
        "    def add_line(self, amount: int) -> None:\n"
        "        self.total_cents = amount\n"
    ),
    "src/billing/__init__.py": "",
    "README.md": "# Billing\n",
}


@pytest.fixture
def repo_map(tmp_path: Path) -> RepoMap:
    root = init_repo(tmp_path / "repo")
    head = commit(root, FILES)
    return build_repo_map(root, head)


@pytest.mark.parametrize(
    ("span", "kind", "text"),
    [
        ("InvoiceBuilder", "identifier", "InvoiceBuilder"),
        ("add_line()", "identifier", "add_line"),
        ("InvoiceBuilder.add_line", "identifier", "InvoiceBuilder.add_line"),
        ("src/billing/invoice.py", "path", "src/billing/invoice.py"),
        ("./src/billing/invoice.py:12", "path", "src/billing/invoice.py"),
        ("invoice.py", "path", "invoice.py"),
        ("src/billing/", "path", "src/billing/"),
    ],
)
def test_classify_kinds(span: str, kind: str, text: str) -> None:
    mention = classify(span)

    assert mention is not None
    assert mention.kind == kind
    assert mention.text == text


@pytest.mark.parametrize(
    "span",
    [
        "pip install billing",
        "True",
        "None",
        "--max-files",
        "$HOME",
        "https://x.org/a",
        "f70eab5d8633",
        "c0ffee1",
        "1.5",
        "",
    ],
)
def test_classify_ignores(span: str) -> None:
    assert classify(span) is None


def test_link_path_kinds() -> None:
    prefix = "https://github.com/acme/billing/blob/abc/"

    assert link_path(prefix + "src/a.py#L3", prefix) == "src/a.py"
    assert link_path("src/a.py", prefix) == "src/a.py"
    assert link_path("https://example.com/x", prefix) is None
    assert link_path("#section", prefix) is None
    assert link_path("mailto:a@b.c", prefix) is None


def test_page_mentions_skips_fenced_code() -> None:
    markdown = (
        "Use `InvoiceBuilder`.\n\n```python\nx = `NotChecked`\n```\n\n"
        "| a | b |\n| --- | --- |\n| `in_table` | [doc](docs/x.md) |\n"
    )

    mentions = {mention.text for mention in page_mentions(markdown)}

    assert mentions == {"InvoiceBuilder", "in_table", "docs/x.md"}


def test_check_page_accepts_existing(repo_map: RepoMap) -> None:
    markdown = (
        "## Billing\n\n`InvoiceBuilder.add_line()` sets `total_cents` in "
        "`src/billing/invoice.py` ([source](src/billing/invoice.py)). "
        "See `README.md` and `src/billing/`.\n"
    )

    assert check_page(markdown, repo_map, strict=True) == []


def test_check_page_warns_on_missing(repo_map: RepoMap) -> None:
    markdown = (
        "`InvoiceBuilder` calls `apply_discount` from `src/billing/discount.py`; "
        "see [tax](src/billing/tax.py).\n"
    )

    warnings = check_page(markdown, repo_map, strict=False)

    assert len(warnings) == 3
    assert any("'apply_discount'" in warning for warning in warnings)
    assert any("'src/billing/discount.py'" in warning for warning in warnings)
    assert any("'src/billing/tax.py'" in warning for warning in warnings)


def test_check_page_strict_raises(repo_map: RepoMap) -> None:
    markdown = "`InvoiceBuilder` and `refund_everything`.\n"

    with pytest.raises(StrictCheckError) as raised:
        check_page(markdown, repo_map, strict=True)

    assert raised.value.problems == [
        f"the page names the identifier 'refund_everything', which does not appear "
        f"in the repository at {repo_map.head[:12]}"
    ]
    assert "strict" in str(raised.value)


def test_check_page_template_links(repo_map: RepoMap) -> None:
    prefix = f"https://github.com/acme/billing/blob/{repo_map.head}/"
    markdown = f"[ok]({prefix}README.md) and [bad]({prefix}MISSING.md)\n"

    warnings = check_page(markdown, repo_map, strict=False, link_prefix=prefix)

    assert len(warnings) == 1
    assert "MISSING.md" in warnings[0]


def test_check_page_allows_removed_paths(repo_map: RepoMap) -> None:
    markdown = "`src/billing/legacy.py` was removed; `src/billing/tax.py` too.\n"

    warnings = check_page(
        markdown, repo_map, strict=False, removed_paths={"src/billing/legacy.py"}
    )

    assert len(warnings) == 1
    assert "src/billing/tax.py" in warnings[0]
