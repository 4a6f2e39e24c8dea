"""The managed section of a page: markers, merge, digest and inline comments.

The section is bounded by two anchor macros with fixed names. Anchor macros
are ordinary macros that both the Cloud editor and the Data Center editor keep
through an edit, parameter included. The editors add attributes such as
``ac:macro-id``, ``ac:schema-version`` or ``ac:local-id``, and the Cloud editor
wraps an inline macro in a paragraph. The alternatives do not hold: the editors
drop HTML comments, ``ac:placeholder`` is instructional text meant for
templates, and a layout section is merged or removed whenever someone changes
the page layout. So the markers are written in a paragraph of their own, and
the matcher accepts any extra attributes, whitespace and the wrapping
paragraph.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from codedoc_action.confluence.readback import storage_to_markdown
from codedoc_action.confluence.storage import anchor_macro
from codedoc_action.confluence.xhtml import (
    AC,
    escape_attribute,
    escape_text,
    parse_fragment,
)
from codedoc_action.errors import ConfluenceError

logger = logging.getLogger(__name__)

START_NAME = "codedoc-section-start"
END_NAME = "codedoc-section-end"
START_MARKER = f"<p>{anchor_macro(START_NAME)}</p>"
END_MARKER = f"<p>{anchor_macro(END_NAME)}</p>"


def _marker_pattern(name: str) -> re.Pattern[str]:
    not_macro_end = r"(?:(?!</ac:structured-macro>).)*?"
    macro = (
        r'<ac:structured-macro\b[^>]*?\bac:name="anchor"[^>]*>'
        + not_macro_end
        + r"<ac:parameter\b[^>]*>\s*"
        + re.escape(name)
        + r"\s*</ac:parameter>"
        + not_macro_end
        + r"</ac:structured-macro>"
    )
    # The editor may leave a non-breaking space or a line break beside the
    # anchor in its paragraph; the paragraph still belongs to the marker.
    filler = r"(?:\s|&nbsp;|&#160;|\u00a0|<br\s*/?>)*"
    return re.compile(rf"<p\b[^>]*>{filler}{macro}{filler}</p>|{macro}", re.DOTALL)


_START = _marker_pattern(START_NAME)
_END = _marker_pattern(END_NAME)


@dataclass(frozen=True)
class SectionSpan:
    """Offsets of the managed section's content inside a page body."""

    start: int  # first character after the start marker
    end: int  # first character of the end marker

    def content(self, body: str) -> str:
        return body[self.start : self.end]


def find_section(body: str, *, page_id: str | None = None) -> SectionSpan | None:
    """Locate the section between the markers; None when neither is present.

    Raises ConfluenceError when only one marker is present or they are in the
    wrong order, because guessing the section's extent could delete text
    that a person wrote.
    """
    start = _START.search(body)
    end = _END.search(body, start.end() if start else 0)
    if start is None and end is None:
        if _END.search(body):
            raise _marker_error("the start marker is missing", page_id)
        return None
    if start is None:
        raise _marker_error("the start marker is missing", page_id)
    if end is None:
        reason = "the end marker is missing or placed before the start marker"
        raise _marker_error(reason, page_id)
    return SectionSpan(start=start.end(), end=end.start())


def _marker_error(reason: str, page_id: str | None) -> ConfluenceError:
    return ConfluenceError(
        f"cannot find the managed section on page {page_id or '(unknown)'}: "
        f"{reason}. Restore the anchor macros named {START_NAME!r} and "
        f"{END_NAME!r} around the generated text, or delete both to have "
        "the section appended anew.",
        page_id=page_id,
    )


def merge(body: str, section: str, *, page_id: str | None = None) -> str:
    """Return the page body with the managed section replaced by ``section``.

    Everything outside the markers, the markers included, is kept byte for
    byte. A body without markers gets markers and section appended.
    """
    span = find_section(body, page_id=page_id)
    if span is None:
        return body + START_MARKER + section + END_MARKER
    return body[: span.start] + section + body[span.end :]


def digest(section: str) -> str:
    """Return the sha256 hex digest of a section's storage format."""
    return hashlib.sha256(section.encode("utf-8")).hexdigest()


def text_digest(section: str) -> str:
    """Return the sha256 of the section read back as Markdown.

    Editors add attributes (macro ids, schema versions) that change the
    storage but not the text, so hand edits are judged on this digest too.
    """
    try:
        markdown = storage_to_markdown(section)
    except ET.ParseError:
        markdown = section
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()


LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def markdown_blocks(markdown: str) -> list[str]:
    """Split Markdown into blocks, whitespace folded.

    Blocks are separated by blank lines, and each list item is a block of its
    own, so an item added to a list is distinguished from the items around it.
    """
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", markdown):
        current: list[str] = []
        for line in chunk.splitlines():
            if LIST_ITEM.match(line) and current:
                blocks.append(" ".join(" ".join(current).split()))
                current = []
            current.append(line)
        if current:
            blocks.append(" ".join(" ".join(current).split()))
    return [block for block in blocks if block]


def plain_words(markdown: str) -> str:
    """Return the words of Markdown text without markup, lower-cased.

    Used to ask whether a passage survives a rewrite that changed only its
    markup (list markers, emphasis, entities).
    """
    text = html.unescape(markdown)
    text = re.sub(r"[*_`#>|~\[\]()!\\]|^\s*(?:[-+]|\d+[.)])\s+", " ", text, flags=re.M)
    return " ".join(text.lower().split())


def block_digests(markdown: str) -> list[str]:
    """Return a short digest of each block, to tell later which ones were added."""
    return [
        hashlib.sha256(block.encode("utf-8")).hexdigest()[:16]
        for block in markdown_blocks(markdown)
    ]


def added_blocks(markdown: str, known_digests: list[str]) -> tuple[str, ...]:
    """Return the blocks of ``markdown`` whose digest is not in ``known_digests``."""
    known = set(known_digests)
    blocks = markdown_blocks(markdown)
    digests = block_digests(markdown)
    return tuple(
        block for block, key in zip(blocks, digests, strict=True) if key not in known
    )


# Inline comments


@dataclass(frozen=True)
class CommentMarker:
    reference: str
    text: str


# Elements whose text a comment can anchor to: paragraphs, headings, and list
# items, task bodies and table cells that contain no nested block.
_TEXT_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th")
_NESTED_BLOCKS = frozenset({"p", "ul", "ol", "table", AC + "task-list"})
_TEXT_BLOCK = re.compile(
    r"<(p|h[1-6]|li|td|th|ac:task-body)(\s[^>]*)?>"
    r"((?:(?!<(?:p|ul|ol|li|table|ac:task-list)[\s>/]|</\1>).)*)</\1>",
    re.DOTALL,
)
_TAG_OR_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>|<[^>]+>)", re.DOTALL)


def _visible_text(element: ET.Element) -> str:
    """Return the text of an element without macro parameters."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != AC + "parameter":
            parts.append(_visible_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _old_markers(section: str) -> dict[str, list[CommentMarker]]:
    """Map each commented paragraph's text to its comment markers."""
    try:
        root = parse_fragment(section)
    except ET.ParseError:
        return {}
    found: dict[str, list[CommentMarker]] = {}
    for tag in (*_TEXT_TAGS, AC + "task-body"):
        for element in root.iter(tag):
            if any(child.tag in _NESTED_BLOCKS for child in element):
                continue
            markers = [
                CommentMarker(marker.get(AC + "ref", ""), _visible_text(marker))
                for marker in element.iter(AC + "inline-comment-marker")
            ]
            markers = [marker for marker in markers if marker.reference]
            if markers:
                found.setdefault(_visible_text(element), markers)
    return found


def _wrap_markers(inner: str, markers: list[CommentMarker]) -> tuple[str, int]:
    """Wrap each marker's text where it occurs within one text run."""
    pieces = _TAG_OR_CDATA.split(inner)
    wrapped = 0
    for marker in markers:
        needle = escape_text(marker.text)
        if not needle:
            continue
        for position, piece in enumerate(pieces):
            if position % 2 == 1 or needle not in piece:
                continue
            before, _, after = piece.partition(needle)
            reference = escape_attribute(marker.reference)
            opening = f'<ac:inline-comment-marker ac:ref="{reference}">'
            pieces[position : position + 1] = [
                before,
                opening,
                needle,
                "</ac:inline-comment-marker>",
                after,
            ]
            wrapped += 1
            break
    return "".join(pieces), wrapped


def keep_inline_comments(old_section: str, new_section: str) -> str:
    """Re-anchor inline comments of paragraphs whose text did not change.

    A paragraph, heading, list item or table cell of ``new_section`` with the
    same text as a commented one in ``old_section`` gets the old comment
    markers around the same words. Comments on changed text, and comments
    whose words span formatting (part bold, part plain), are not carried
    over, and Confluence then shows them as detached from the text.
    """
    old = _old_markers(old_section)
    if not old:
        return new_section
    anchored_count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal anchored_count
        tag, attributes, inner = match.group(1), match.group(2) or "", match.group(3)
        try:
            text = _visible_text(parse_fragment(inner))
        except ET.ParseError:
            return match.group(0)
        markers = old.get(text)
        if not markers:
            return match.group(0)
        inner, wrapped = _wrap_markers(inner, markers)
        anchored_count += wrapped
        return f"<{tag}{attributes}>{inner}</{tag}>"

    result = _TEXT_BLOCK.sub(replace, new_section)
    total = sum(len(markers) for markers in old.values())
    logger.info("kept %d of %d inline comments anchored", anchored_count, total)
    return result
