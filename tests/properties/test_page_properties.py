"""Property tests on what reaches the page: Markdown to storage format, and
the merge of the managed section into any page body."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from codedoc_action.confluence.readback import storage_to_markdown
from codedoc_action.confluence.section import (
    END_MARKER,
    START_MARKER,
    find_section,
    merge,
)
from codedoc_action.confluence.storage import render_storage
from codedoc_action.confluence.xhtml import AC, RI, parse_fragment
from codedoc_action.errors import ConfluenceError

BOUNDED = settings(max_examples=200, deadline=None)

# Tags the renderer may emit. Any other tag is raw HTML that got through.
KNOWN_TAGS = {
    "root", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table",
    "thead", "tbody", "tr", "th", "td", "blockquote", "hr", "br", "strong", "em",
    "code", "del", "s", "span", "a", "sup", "sub", "pre",
    *(AC + name for name in (
        "structured-macro", "parameter", "rich-text-body", "plain-text-body",
        "link", "link-body", "plain-text-link-body", "image", "task-list",
        "task", "task-id", "task-status", "task-body",
    )),
    RI + "url", RI + "page", RI + "attachment",
}  # fmt: skip
KNOWN_MACROS = {"anchor", "code", "info", "tip", "note", "warning", "panel", "toc"}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")
URL_ATTRIBUTES = {"href", "src", RI + "value", RI + "filename"}

# Pieces that stress the parser and the sanitizer when glued together.
MARKDOWN_PIECES = [
    "# ", "## ", "> ", "- ", "1. ", "- [ ] ", "```", "```js\n", "    ", "|", "---",
    "| a | b |\n| - | - |\n", "*", "**", "_", "~~", "`", "[", "]", "(", ")", "![",
    "<", ">", "&", "&amp;", "&#0;", "&nbsp;", "\\", "]]>", "<![CDATA[", "<script>",
    "</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:x'>",
    '<ac:structured-macro ac:name="html">', "<!--", "-->", "<?xml?>",
    "javascript:alert(1)", "JaVaScRiPt:", "java\tscript:", "data:text/html,x",
    "vbscript:x", "file:///etc/passwd", "https://example.com", "mailto:a@b.c",
    "<https://x.y>", "<javascript:alert(2)>", "www.example.com", "[^1]", "[^1]: n",
    "> [!NOTE]\n> ", "\n", "\n\n", " ", "\t", "\x00", "\x0b", "\ufffe", "\u2028",
    "💥", "text", "{{", "}}", "$(", "`rm -rf /`",
]  # fmt: skip
markdown_text = st.lists(
    st.one_of(st.sampled_from(MARKDOWN_PIECES), st.text(max_size=6)), max_size=40
).map("".join)
links = st.builds(
    "[{}]({})".format,
    st.text(max_size=5),
    st.one_of(
        st.sampled_from(MARKDOWN_PIECES),
        st.text(max_size=20),
        st.from_regex(r"[a-zA-Z]{1,10}:[^\s()]{0,10}", fullmatch=True),
    ),
)
page_markdown = st.lists(st.one_of(markdown_text, links), max_size=6).map("\n".join)


@BOUNDED
@given(page_markdown)
def test_storage_is_well_formed_and_inert(markdown: str) -> None:
    storage = render_storage(markdown)
    root = parse_fragment(storage)
    for element in root.iter():
        assert element.tag in KNOWN_TAGS, element.tag
        if element.tag == AC + "structured-macro":
            assert element.get(AC + "name") in KNOWN_MACROS
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            scheme = SCHEME.match(value)
            if name in URL_ATTRIBUTES and scheme:
                assert scheme.group(1).lower() in ALLOWED_SCHEMES, value


@BOUNDED
@given(page_markdown)
def test_storage_reads_back_without_error(markdown: str) -> None:
    storage = render_storage(markdown)
    assert isinstance(storage_to_markdown(storage), str)


# Page bodies as people and other tools leave them: paragraphs, raw text,
# macros, entities, CDATA, and stray copies of our marker names.
BODY_PIECES = [
    "<p>hand text</p>", "<p>", "</p>", "<h1>Title</h1>", "&nbsp;", "&amp;", "x",
    "<ac:structured-macro ac:name=\"anchor\"><ac:parameter ac:name=\"\">other"
    "</ac:parameter></ac:structured-macro>",
    '<ac:structured-macro ac:name="info" ac:macro-id="1"><ac:rich-text-body>'
    "<p>note</p></ac:rich-text-body></ac:structured-macro>",
    "<![CDATA[codedoc-section-start]]>", "codedoc-section-end", "\n", " ", "💥",
    '<table><tbody><tr><td>cell</td></tr></tbody></table>',
]  # fmt: skip
page_text = st.lists(
    st.one_of(st.sampled_from(BODY_PIECES), st.text(max_size=10)), max_size=12
).map("".join)
section_text = st.one_of(page_markdown.map(render_storage), st.text(max_size=30))


@BOUNDED
@given(page_text, page_text, page_text, section_text)
def test_merge_keeps_text_outside_markers(
    before: str, old_section: str, after: str, new_section: str
) -> None:
    body = before + START_MARKER + old_section + END_MARKER + after
    try:
        span = find_section(body)
    except ConfluenceError:
        return  # old_section contains marker-like text, as the tests below cover
    if span is None:
        return
    merged = merge(body, new_section)
    assert merged[: span.start] == body[: span.start]
    assert merged[span.start + len(new_section) :] == body[span.end :]
    assert merged.startswith(before + START_MARKER)
    assert merged.endswith(END_MARKER + after)


@BOUNDED
@given(page_text, section_text)
def test_merge_appends_to_body_without_markers(body: str, section: str) -> None:
    try:
        span = find_section(body)
    except ConfluenceError:
        return
    if span is not None:
        return
    merged = merge(body, section)
    assert merged == body + START_MARKER + section + END_MARKER
    again = merge(merged, section)
    assert again == merged


@BOUNDED
@given(page_text, section_text)
def test_merge_one_marker_raises_not_guesses(text: str, section: str) -> None:
    for body in (text + START_MARKER, END_MARKER + text, END_MARKER + START_MARKER):
        try:
            span = find_section(body)
        except ConfluenceError as exc:
            assert "codedoc-section-start" in str(exc)
            continue
        # The text itself supplied the missing marker, so the merge is an
        # ordinary replace that keeps what is outside.
        assert span is not None
        merged = merge(body, section)
        assert merged[: span.start] == body[: span.start]
