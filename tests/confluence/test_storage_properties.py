"""Property tests: any Markdown gives well-formed, safe storage that reads back."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedoc_action.confluence.readback import storage_to_markdown
from codedoc_action.confluence.storage import is_allowed_url, render_storage
from codedoc_action.confluence.xhtml import AC, RI, is_well_formed, parse_fragment

ALLOWED_TAGS = {
    "root", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table",
    "tbody", "tr", "th", "td", "blockquote", "hr", "br", "strong", "em", "code",
    "span", "a",
    *(AC + name for name in (
        "structured-macro", "parameter", "rich-text-body", "plain-text-body",
        "link", "link-body", "image", "task-list", "task", "task-id",
        "task-status", "task-body",
    )),
    RI + "url",
}  # fmt: skip
ALLOWED_MACROS = {"anchor", "code", "info", "tip", "note", "warning", "panel", "toc"}

FRAGMENTS = [
    "# ", "## ", "> ", "> [!NOTE]\n> ", "- ", "  - ", "1. ", "- [ ] ", "- [x] ",
    "```", "```python\n", "~~~\n", "    ", "|", "| a | b |\n| - | - |\n", "---",
    "*", "**", "_", "~~", "`", "[", "]", "(", ")", "![", "](", "<", ">", "&",
    "&amp;", "&nbsp;", "&#0;", "\\", "]]>", "<![CDATA[", "<script>", "</br>",
    "List<T>", "javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x",
    "vbscript:x", "https://example.com", "mailto:a@b.c", "www.example.com",
    "a@b.co", "#anchor", "[^1]", "[^1]: note", "\n", "\n\n", " ", "\t", "🎉",
    "\x00", "\x0b", "\ufffe", "text", "word ", "\r\n",
]  # fmt: skip

markdown_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40
).map("".join)

# Text without control characters, which the renderer replaces, for the round
# trip: the replacement changes the text that emphasis rules see.
printable = st.characters(exclude_categories=["Cc", "Cs"])
printable_markdown = st.lists(
    st.one_of(
        st.sampled_from([f for f in FRAGMENTS if f.isprintable() or f in "\n\n"]),
        st.sampled_from(["[a](https://example.com/x&amp;y)", "<https://example.com>"]),
        st.text(printable, max_size=8),
    ),
    max_size=40,
).map("".join)


def _check_safe(root: ET.Element) -> None:
    for element in root.iter():
        assert element.tag in ALLOWED_TAGS, element.tag
        if element.tag == AC + "structured-macro":
            assert element.get(AC + "name") in ALLOWED_MACROS
        for name in ("href", RI + "value"):
            value = element.get(name)
            if value is not None:
                assert is_allowed_url(value), value
        for name in element.attrib:
            assert not name.lower().startswith("on"), name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdown_text)
def test_storage_any_markdown_well_formed_and_safe(markdown: str) -> None:
    for flavor in ("cloud", "datacenter"):
        storage = render_storage(markdown, flavor=flavor)
        assert is_well_formed(storage)
        _check_safe(parse_fragment(storage))


def _no_bare_url_or_footnote(text: str) -> bool:
    # Footnotes and text resembling bare URLs are known not to round-trip
    # exactly; see escape_markdown.
    # A task item that opens with a nested list has no Markdown form either.
    if re.search(r"\[[ x]\] *([-*+]|\d+[.)])( |$)", text):
        return False
    return not any(part in text for part in ("[^", "www.", "://", "@", "mailto:"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(printable_markdown.filter(_no_bare_url_or_footnote))
def test_storage_readback_renders_same_storage(markdown: str) -> None:
    storage = render_storage(markdown)
    assert render_storage(storage_to_markdown(storage)) == storage
