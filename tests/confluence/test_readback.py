"""Storage format back to Markdown: our output exactly, people's text kept."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from codedoc_action.confluence.readback import storage_to_markdown
from codedoc_action.confluence.storage import render_storage
from tests.confluence.golden import golden_inputs

ROUND_TRIP = [path for path in golden_inputs() if path.stem != "footnotes"]


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
@pytest.mark.parametrize("source", ROUND_TRIP, ids=lambda path: path.stem)
def test_readback_golden_round_trip(source: Path, flavor: str) -> None:
    storage = render_storage(source.read_text(encoding="utf-8"), flavor=flavor)  # type: ignore[arg-type]
    markdown = storage_to_markdown(storage)
    assert render_storage(markdown, flavor=flavor) == storage  # type: ignore[arg-type]


def test_readback_alert_kind_kept() -> None:
    markdown = storage_to_markdown(render_storage("> [!CAUTION]\n> Careful.\n"))
    assert markdown.startswith("> [!CAUTION]")
    assert "Careful." in markdown


def test_readback_code_language_kept() -> None:
    markdown = storage_to_markdown(render_storage("```python\nx = 1\n```\n"))
    assert markdown == "```python\nx = 1\n```\n"


def test_readback_unknown_macro_placeholder_and_text() -> None:
    storage = (
        '<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">More'
        "</ac:parameter><ac:rich-text-body><p>Hidden text by a person.</p>"
        "</ac:rich-text-body></ac:structured-macro>"
    )
    markdown = storage_to_markdown(storage)
    assert "Confluence macro: expand" in markdown
    assert "Hidden text by a person." in markdown


def test_readback_inline_unknown_macro_placeholder() -> None:
    storage = (
        '<p>Status: <ac:structured-macro ac:name="status"><ac:parameter '
        'ac:name="title">DONE</ac:parameter></ac:structured-macro> today</p>'
    )
    markdown = storage_to_markdown(storage)
    assert "Status:" in markdown
    assert "Confluence macro: status" in markdown
    assert "today" in markdown


def test_readback_page_link_keeps_text() -> None:
    storage = (
        '<p>See <ac:link><ri:page ri:content-title="Runbook"/><ac:plain-text-link-body>'
        "<![CDATA[the runbook]]></ac:plain-text-link-body></ac:link>.</p>"
    )
    assert storage_to_markdown(storage) == "See the runbook.\n"


def test_readback_attachment_image_placeholder() -> None:
    storage = '<p><ac:image><ri:attachment ri:filename="diagram.png"/></ac:image></p>'
    assert "image: diagram.png" in storage_to_markdown(storage)


def test_readback_html_entities_and_comment_markers() -> None:
    storage = (
        '<p>a&nbsp;b &mdash; <ac:inline-comment-marker ac:ref="1">marked'
        "</ac:inline-comment-marker> text</p>"
    )
    markdown = storage_to_markdown(storage)
    assert "\u2014" in markdown
    assert "marked text" in markdown


def test_readback_person_formatting_kept() -> None:
    storage = (
        "<p><b>bold</b>, <i>italic</i>, <u>under</u>, <s>gone</s>, <code>x</code>"
        "</p><pre>pre text</pre>"
    )
    markdown = storage_to_markdown(storage)
    assert "**bold**" in markdown
    assert "*italic*" in markdown
    assert "under" in markdown
    assert "~~gone~~" in markdown
    assert "`x`" in markdown
    assert "pre text" in markdown


def test_readback_table_with_pipes_and_lists() -> None:
    storage = (
        "<table><tbody><tr><th>h|1</th><th>h2</th></tr><tr><td><ul><li>a</li>"
        "<li>b</li></ul></td><td>c</td></tr></tbody></table>"
    )
    markdown = storage_to_markdown(storage)
    assert "h\\|1" in markdown
    rendered = render_storage(markdown)
    assert "<th>h|1</th>" in rendered


def test_readback_layout_text_kept() -> None:
    storage = (
        "<ac:layout><ac:layout-section ac:type='two_equal'><ac:layout-cell><p>left"
        "</p></ac:layout-cell><ac:layout-cell><p>right</p></ac:layout-cell>"
        "</ac:layout-section></ac:layout>"
    )
    markdown = storage_to_markdown(storage)
    assert "left" in markdown
    assert "right" in markdown


def test_readback_malformed_raises() -> None:
    with pytest.raises(ET.ParseError):
        storage_to_markdown("<p>unclosed")


def test_readback_empty_section() -> None:
    assert storage_to_markdown("") == ""
