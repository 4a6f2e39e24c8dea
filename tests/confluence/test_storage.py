"""Markdown to storage format: escaping, links, code, alerts, lists, headings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from codedoc_action.confluence.storage import (
    is_allowed_url,
    render_storage,
    slugify,
)
from codedoc_action.confluence.xhtml import AC, is_well_formed, parse_fragment


def _root(markdown: str, **options: object) -> ET.Element:
    storage = render_storage(markdown, **options)  # type: ignore[arg-type]
    assert is_well_formed(storage), storage
    return parse_fragment(storage)


def _code_text(root: ET.Element) -> str:
    body = root.find(f".//{AC}plain-text-body")
    assert body is not None
    return "".join(body.itertext())


@pytest.mark.parametrize(
    "fragment",
    ["List<T>", "<placeholder>", "</br>", "<script>alert(1)</script>", "<b>x</b>"],
)
def test_render_raw_html_escaped_as_text(fragment: str) -> None:
    root = _root(f"before {fragment} after")
    paragraph = root.find("p")
    assert paragraph is not None
    assert "".join(paragraph.itertext()) == f"before {fragment} after"
    assert len(list(paragraph)) == 0


def test_render_html_block_escaped_as_text() -> None:
    root = _root("<script>\nalert(1)\n</script>\n")
    assert root.find(".//script") is None
    assert "<script>" in "".join(root.itertext())


def test_render_code_keeps_cdata_terminator() -> None:
    code = 'x = "]]>" + "]]]]>" + "]]"\n'
    root = _root(f"```python\n{code}```\n")
    assert _code_text(root) == code.removesuffix("\n")


def test_render_code_language_cloud_names() -> None:
    root = _root("```ts\nlet a = 1\n```\n", flavor="cloud")
    parameter = root.find(f".//{AC}parameter[@{AC}name='language']")
    assert parameter is not None
    assert parameter.text == "typescript"


def test_render_code_language_datacenter_names() -> None:
    root = _root("```ts\nlet a = 1\n```\n", flavor="datacenter")
    parameter = root.find(f".//{AC}parameter[@{AC}name='language']")
    assert parameter is not None
    assert parameter.text == "javascript"


def test_render_code_unknown_language_omitted() -> None:
    root = _root("```yaml\na: 1\n```\n", flavor="datacenter")
    assert root.find(f".//{AC}parameter[@{AC}name='language']") is None


@pytest.mark.parametrize(
    ("kind", "macro"),
    [
        ("NOTE", "info"),
        ("TIP", "tip"),
        ("IMPORTANT", "panel"),
        ("WARNING", "note"),
        ("CAUTION", "warning"),
    ],
)
def test_render_alert_macro(kind: str, macro: str) -> None:
    root = _root(f"> [!{kind}]\n> Body text.\n")
    element = root.find(f"{AC}structured-macro")
    assert element is not None
    assert element.get(f"{AC}name") == macro
    assert "Body text." in "".join(element.itertext())
    assert kind.capitalize() not in "".join(element.itertext())


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,AAAA",
        "vbscript:x",
        "ftp://example.com",
        "file:///etc/passwd",
    ],
)
def test_allowed_url_rejects_other_schemes(url: str) -> None:
    assert not is_allowed_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://example.com", "http://x", "mailto:a@b.c", "docs/a.md", "#anchor", "/x"],
)
def test_allowed_url_accepts_web_mail_relative(url: str) -> None:
    assert is_allowed_url(url)


def test_render_link_disallowed_scheme_plain_text() -> None:
    root = _root("[text](ftp://example.com/file)")
    assert root.find(".//a") is None
    assert "".join(root.itertext()) == "text"


def test_render_link_anchor_uses_ac_link() -> None:
    root = _root("[go](#setup)")
    link = root.find(f".//{AC}link")
    assert link is not None
    assert link.get(f"{AC}anchor") == "setup"


def test_render_image_data_uri_dropped() -> None:
    root = _root("![alt](data:image/png;base64,AAAA)")
    assert root.find(f".//{AC}image") is None


def test_render_autolinks_bare_url_and_email() -> None:
    root = _root("see https://example.com and a@example.com")
    hrefs = [link.get("href") for link in root.iter("a")]
    assert hrefs == ["https://example.com", "mailto:a@example.com"]


def test_render_softbreak_is_space() -> None:
    root = _root("one\ntwo")
    paragraph = root.find("p")
    assert paragraph is not None
    assert paragraph.text == "one two"


def test_render_nested_list_two_space_indent() -> None:
    root = _root("- a\n  - b\n    - c\n")
    assert root.find("ul/li/ul/li/ul/li") is not None


def test_render_task_list_statuses() -> None:
    root = _root("- [ ] open\n- [x] done\n")
    statuses = [element.text for element in root.iter(f"{AC}task-status")]
    assert statuses == ["incomplete", "complete"]


def test_render_table_header_and_alignment() -> None:
    root = _root("| a | b |\n| :-: | --: |\n| 1 | 2 |\n")
    headers = root.findall("table/tbody/tr/th")
    assert [header.text for header in headers] == ["a", "b"]
    cells = root.findall("table/tbody/tr/td")
    assert cells[0].get("style") == "text-align: center;"


def test_render_strikethrough() -> None:
    root = _root("~~gone~~")
    span = root.find("p/span")
    assert span is not None
    assert "line-through" in (span.get("style") or "")


def test_render_toc_option_first() -> None:
    root = _root("# A\n", toc=True)
    first = root[0]
    assert first.get(f"{AC}name") == "toc"


def test_render_heading_anchor_unique() -> None:
    root = _root("# Same\n\n# Same\n")
    names = [element.text for element in root.iter(f"{AC}parameter") if element.text]
    assert names == ["same", "same-1"]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Setup & install: step 1!", "setup--install-step-1"),
        ("Émojis 🎉 ok", "émojis--ok"),
        ("🎉", "section"),
        ("snake_case and-dash", "snake_case-and-dash"),
    ],
)
def test_slugify_github_style(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_render_invalid_xml_characters_replaced() -> None:
    storage = render_storage("bad \x01 char and `\x02` and\n```\n\x0b\n```\n")
    assert is_well_formed(storage)
    assert "\ufffd" in storage
