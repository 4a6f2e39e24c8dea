"""The managed section: markers, merge, digest and inline comment markers."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codedoc_action.confluence.section import (
    END_MARKER,
    END_NAME,
    START_MARKER,
    START_NAME,
    digest,
    find_section,
    keep_inline_comments,
    merge,
    text_digest,
)
from codedoc_action.confluence.storage import render_storage
from codedoc_action.errors import ConfluenceError

SECTION = render_storage("# Generated\n\nOld text.\n")


def _editor_marker(name: str) -> str:
    """A marker as the Cloud editor writes it back: new attributes, spacing."""
    return (
        '<p class="x">\n  <ac:structured-macro ac:macro-id="0f3c-11" '
        'ac:name="anchor" ac:schema-version="1" data-layout="default">'
        f'<ac:parameter ac:name="">{name}</ac:parameter></ac:structured-macro>\n</p>'
    )


def test_merge_appends_when_markers_missing() -> None:
    body = "<p>hand text</p>"
    merged = merge(body, SECTION)
    assert merged == body + START_MARKER + SECTION + END_MARKER


def test_merge_replaces_only_section() -> None:
    body = "<p>before</p>" + START_MARKER + SECTION + END_MARKER + "<p>after</p>"
    merged = merge(body, "<p>new</p>")
    assert merged == "<p>before</p>" + START_MARKER + "<p>new</p>" + END_MARKER + (
        "<p>after</p>"
    )


def test_find_section_after_editor_round_trip() -> None:
    start, end = _editor_marker(START_NAME), _editor_marker(END_NAME)
    body = "<h1>Intro</h1>" + start + SECTION + end + "<p>tail</p>"
    span = find_section(body)
    assert span is not None
    assert span.content(body) == SECTION
    merged = merge(body, "<p>new</p>")
    assert merged == "<h1>Intro</h1>" + start + "<p>new</p>" + end + "<p>tail</p>"


def test_find_section_unwrapped_macro_marker() -> None:
    start = START_MARKER.removeprefix("<p>").removesuffix("</p>")
    end = END_MARKER.removeprefix("<p>").removesuffix("</p>")
    body = start + SECTION + end
    span = find_section(body)
    assert span is not None
    assert span.content(body) == SECTION


def test_find_section_missing_end_raises() -> None:
    with pytest.raises(ConfluenceError, match="end marker"):
        find_section("<p>a</p>" + START_MARKER + SECTION, page_id="42")


def test_find_section_missing_start_raises() -> None:
    with pytest.raises(ConfluenceError, match="start marker"):
        find_section(SECTION + END_MARKER, page_id="42")


def test_find_section_wrong_order_raises() -> None:
    with pytest.raises(ConfluenceError, match="page 42"):
        find_section(END_MARKER + SECTION + START_MARKER, page_id="42")


def test_find_section_ignores_other_anchors() -> None:
    other = START_MARKER.replace(START_NAME, "codedoc-section-starts-here")
    assert find_section("<p>x</p>" + other) is None


def test_digest_is_sha256_of_storage() -> None:
    expected = hashlib.sha256(b"<p>a</p>").hexdigest()
    assert digest("<p>a</p>") == expected
    assert digest("<p>a</p>") != digest("<p>b</p>")


def test_text_digest_ignores_editor_attributes() -> None:
    edited = SECTION.replace(
        'ac:name="anchor"', 'ac:name="anchor" ac:macro-id="1a2b" ac:schema-version="1"'
    )
    assert digest(edited) != digest(SECTION)
    assert text_digest(edited) == text_digest(SECTION)


def test_text_digest_sees_text_change() -> None:
    edited = SECTION.replace("Old text.", "Edited by hand.")
    assert text_digest(edited) != text_digest(SECTION)


def test_keep_inline_comments_unchanged_paragraph() -> None:
    old = render_storage("Intro.\n\nThe build uses make and ninja.\n\nEnd.").replace(
        "make and",
        '<ac:inline-comment-marker ac:ref="c-1">make and</ac:inline-comment-marker>',
    )
    new = render_storage("New intro.\n\nThe build uses make and ninja.\n\nEnd.")
    result = keep_inline_comments(old, new)
    assert (
        '<p>The build uses <ac:inline-comment-marker ac:ref="c-1">make and'
        "</ac:inline-comment-marker> ninja.</p>"
    ) in result
    assert "<p>New intro.</p>" in result


def test_keep_inline_comments_changed_paragraph_dropped() -> None:
    old = render_storage("The build uses make.").replace(
        "make", '<ac:inline-comment-marker ac:ref="c-2">make</ac:inline-comment-marker>'
    )
    new = render_storage("The build uses bazel.")
    assert keep_inline_comments(old, new) == new


def test_keep_inline_comments_heading_and_escaped_text() -> None:
    old = render_storage("## Use List<T> & co").replace(
        "List&lt;T&gt;",
        '<ac:inline-comment-marker ac:ref="c-3">List&lt;T&gt;'
        "</ac:inline-comment-marker>",
    )
    new = render_storage("## Use List<T> & co")
    result = keep_inline_comments(old, new)
    assert (
        '<ac:inline-comment-marker ac:ref="c-3">List&lt;T&gt;'
        "</ac:inline-comment-marker>"
    ) in result


@pytest.mark.parametrize(
    "markdown",
    [
        "- first item\n- keep this item\n",
        "| a | b |\n| - | - |\n| x | keep this item |\n",
        "- [ ] keep this item\n- [x] done\n",
    ],
)
def test_keep_inline_comments_list_and_table(markdown: str) -> None:
    marker = (
        '<ac:inline-comment-marker ac:ref="c-4">this item</ac:inline-comment-marker>'
    )
    old = render_storage(markdown).replace("this item", marker)
    new = render_storage(markdown + "\nA new paragraph.\n")
    result = keep_inline_comments(old, new)
    assert marker in result
    assert result.count("ac:inline-comment-marker ac:ref") == 1


def test_keep_inline_comments_nested_list_item_skipped() -> None:
    old = render_storage("- outer text\n  - inner\n").replace(
        "outer",
        '<ac:inline-comment-marker ac:ref="c-5">outer</ac:inline-comment-marker>',
    )
    new = render_storage("- outer text\n  - inner\n")
    assert keep_inline_comments(old, new) == new


page_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200).filter(
    lambda text: "codedoc-section" not in text
)


@settings(max_examples=200, deadline=None)
@given(page_text, page_text, page_text)
def test_merge_keeps_outside_identical(before: str, after: str, section: str) -> None:
    body = before + START_MARKER + "<p>old</p>" + END_MARKER + after
    merged = merge(body, section)
    assert merged.startswith(before + START_MARKER)
    assert merged.endswith(END_MARKER + after)
    assert merged == before + START_MARKER + section + END_MARKER + after


@settings(max_examples=200, deadline=None)
@given(page_text, page_text)
def test_merge_without_markers_keeps_body(body: str, section: str) -> None:
    merged = merge(body, section)
    assert merged.startswith(body)
    span = find_section(merged)
    assert span is not None
    assert span.content(merged) == section
