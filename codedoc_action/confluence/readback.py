"""Confluence storage format back to Markdown, for revising a section.

What ``render_storage`` writes reads back to Markdown that renders to the same
storage again, with two exceptions: footnotes come back as plain links and
list items, and text resembling a bare URL may link differently (see
``escape_markdown``). Content that a person added keeps its text: a macro this
module does not know becomes a one-line placeholder followed by the text of
its body, and unknown elements keep their text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from codedoc_action.confluence.markdown_syntax import (
    blockquote,
    code_span,
    escape_markdown,
    fence,
    link_destination,
    list_item,
    wrap_inline,
)
from codedoc_action.confluence.xhtml import AC, RI, element_text, parse_fragment

# Panel macros back to GitHub alert kinds; see ALERT_MACROS in storage.py.
_ALERT_KINDS = {"info": "NOTE", "tip": "TIP", "note": "WARNING", "warning": "CAUTION"}
_IMPORTANT_BACKGROUND = "#eae6ff"

_BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote",
     "hr", "pre", "div", "section", AC + "task-list", AC + "layout",
     AC + "layout-section", AC + "layout-cell"}
)  # fmt: skip
_MARKDOWN_SPACE = " \t\n"
_LIST_TAGS = frozenset({"ul", "ol", AC + "task-list"})
_SKIPPED_MACROS = frozenset({"anchor", "toc"})


def _macro_name(element: ET.Element) -> str:
    return element.get(AC + "name", "")


def _macro_parameter(element: ET.Element, name: str) -> str:
    for child in element:
        if child.tag == AC + "parameter" and child.get(AC + "name") == name:
            return element_text(child)
    return ""


def _macro_body(element: ET.Element) -> ET.Element | None:
    for child in element:
        if child.tag in (AC + "rich-text-body", AC + "plain-text-body"):
            return child
    return None


class MarkdownWriter:
    """Walks a parsed storage fragment and writes Markdown blocks."""

    def __init__(self) -> None:
        # Two lists in a row with the same bullet would parse as one list, so
        # a list right after another uses "*" and ")" in place of "-" and ".".
        self._after_list = False

    def _next_bullet(self) -> tuple[str, str]:
        return ("*", ")") if self._after_list else ("-", ".")

    def blocks(self, parent: ET.Element) -> list[str]:
        """Convert the children of ``parent`` into Markdown blocks."""
        blocks: list[str] = []
        inline: list[ET.Element | str] = []
        if parent.text and parent.text.strip(_MARKDOWN_SPACE):
            inline.append(parent.text)
        previous_list = False
        for child in parent:
            if self._is_block(child):
                self._flush(inline, blocks)
                is_list = child.tag in _LIST_TAGS
                self._after_list = previous_list and is_list and not inline
                block = self.block(child)
                self._after_list = False
                if block:
                    blocks.append(block)
                    previous_list = is_list and not self._uses_alternate(block)
            else:
                inline.append(child)
            if child.tail and child.tail.strip(_MARKDOWN_SPACE):
                inline.append(child.tail)
        self._flush(inline, blocks)
        return blocks

    @staticmethod
    def _uses_alternate(block: str) -> bool:
        return block.startswith("* ") or bool(re.match(r"\d+\) ", block))

    def _flush(self, inline: list[ET.Element | str], blocks: list[str]) -> None:
        if inline:
            text = self.inline_items(inline, tails=False).strip(_MARKDOWN_SPACE)
            if text:
                blocks.append(text)
            inline.clear()

    def _is_block(self, element: ET.Element) -> bool:
        if element.tag in _BLOCK_TAGS:
            return True
        if element.tag == AC + "structured-macro":
            return _macro_name(element) not in _SKIPPED_MACROS
        return False

    def block(self, element: ET.Element) -> str:
        """Convert one block element."""
        tag = element.tag
        if tag == "p":
            return self.inline(element).strip(_MARKDOWN_SPACE)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = self.inline(element).strip(_MARKDOWN_SPACE)
            return ("#" * int(tag[1]) + " " + text).rstrip()
        if tag == "hr":
            return "---"
        if tag in ("ul", "ol"):
            return self._list(element)
        if tag == AC + "task-list":
            return self._task_list(element)
        if tag == "table":
            return _TableWriter(self).table(element)
        if tag == "blockquote":
            return blockquote("\n\n".join(self.blocks(element)))
        if tag == "pre":
            return fence(element_text(element), "")
        if tag == AC + "structured-macro":
            return self._macro(element)
        return "\n\n".join(self.blocks(element))

    # Macros

    def _macro(self, element: ET.Element) -> str:
        name = _macro_name(element)
        body = _macro_body(element)
        if name in ("code", "noformat"):
            text = element_text(body) if body is not None else ""
            return fence(text, _macro_parameter(element, "language"))
        kind = _ALERT_KINDS.get(name)
        background = _macro_parameter(element, "bgColor").lower()
        if name == "panel" and background == _IMPORTANT_BACKGROUND:
            kind = "IMPORTANT"
        inner = self.blocks(body) if body is not None else []
        if kind is not None:
            return blockquote("\n\n".join([f"[!{kind}]", *inner]))
        placeholder = f"\\[Confluence macro: {escape_markdown(name or 'unknown')}\\]"
        if body is not None and body.tag == AC + "plain-text-body":
            return placeholder + "\n\n" + fence(element_text(body), "")
        return "\n\n".join([placeholder, *inner])

    # Lists

    def _list(self, element: ET.Element) -> str:
        ordered = element.tag == "ol"
        number = int(element.get("start", "1") or 1) if ordered else 0
        items: list[str] = []
        loose = _is_loose(element, "li")
        bullet, delimiter = self._next_bullet()
        for child in element:
            if child.tag != "li":
                continue
            marker = f"{number}{delimiter} " if ordered else f"{bullet} "
            number += 1
            items.append(list_item(marker, self.blocks(child), loose=loose))
        return ("\n\n" if loose else "\n").join(items)

    def _task_list(self, element: ET.Element) -> str:
        items: list[str] = []
        loose = any(
            _is_loose(task, AC + "task-body") for task in element.iter(AC + "task")
        )
        bullet, _ = self._next_bullet()
        for task in element:
            if task.tag != AC + "task":
                continue
            status = body = None
            for part in task:
                if part.tag == AC + "task-status":
                    status = element_text(part).strip()
                elif part.tag == AC + "task-body":
                    body = part
            box = "[x]" if status == "complete" else "[ ]"
            marker = f"{bullet} {box} "
            blocks = self.blocks(body) if body is not None else []
            # Nested blocks align with the text after "- ", not after the box.
            items.append(list_item(marker, blocks or [""], indent="  ", loose=loose))
        return ("\n\n" if loose else "\n").join(items)

    # Inline

    def inline(self, element: ET.Element) -> str:
        """Convert an element's mixed content to one line of Markdown."""
        items: list[ET.Element | str] = []
        if element.text:
            items.append(element.text)
        for child in element:
            items.append(child)
            if child.tail:
                items.append(child.tail)
        return self.inline_items(items, tails=False)

    def inline_items(self, items: list[ET.Element | str], *, tails: bool) -> str:
        parts: list[str] = []
        for item in items:
            if isinstance(item, str):
                parts.append(escape_markdown(item))
                continue
            parts.append(self.inline_element(item))
            if tails and item.tail:
                parts.append(escape_markdown(item.tail))
        return "".join(parts)

    def inline_element(self, element: ET.Element) -> str:
        tag = element.tag
        if tag in ("strong", "b"):
            return wrap_inline("**", self.inline(element))
        if tag in ("em", "i"):
            return wrap_inline("*", self.inline(element))
        if tag in ("s", "del", "strike") or (
            tag == "span" and "line-through" in element.get("style", "")
        ):
            return wrap_inline("~~", self.inline(element))
        if tag == "code":
            return code_span(element_text(element))
        if tag == "br":
            return "\\\n"
        if tag == "a":
            return self._link(self.inline(element), element.get("href", ""), element)
        if tag == AC + "link":
            return self._confluence_link(element)
        if tag == AC + "image":
            return _image(element)
        if tag == AC + "structured-macro":
            name = _macro_name(element)
            if name in _SKIPPED_MACROS:
                return ""
            return f"\\[Confluence macro: {escape_markdown(name or 'unknown')}\\]"
        if tag in (AC + "inline-comment-marker", "span", "u", "sup", "sub"):
            return self.inline(element)
        if tag in _BLOCK_TAGS:
            return " ".join(self.blocks(element))
        return escape_markdown(element_text(element))

    def _link(self, text: str, href: str, element: ET.Element) -> str:
        if not href:
            return text
        title = element.get("title")
        title_part = ' "' + title.replace('"', '\\"') + '"' if title else ""
        return f"[{text}]({link_destination(href)}{title_part})"

    def _confluence_link(self, element: ET.Element) -> str:
        body_text = ""
        target_title = ""
        for child in element:
            if child.tag == AC + "link-body":
                body_text = self.inline(child)
            elif child.tag == AC + "plain-text-link-body":
                body_text = escape_markdown(element_text(child))
            elif child.tag in (RI + "page", RI + "attachment", RI + "space"):
                target_title = (
                    child.get(RI + "content-title")
                    or child.get(RI + "filename")
                    or child.get(RI + "space-key")
                    or ""
                )
        text = body_text or escape_markdown(target_title)
        anchor = element.get(AC + "anchor")
        if anchor and not target_title:
            return (
                f"[{text or escape_markdown(anchor)}]({link_destination('#' + anchor)})"
            )
        return text


class _TableWriter:
    def __init__(self, writer: MarkdownWriter) -> None:
        self._writer = writer

    def table(self, element: ET.Element) -> str:
        rows = [row for row in element.iter("tr")]
        if not rows:
            return ""
        cells = [[cell for cell in row if cell.tag in ("th", "td")] for row in rows]
        width = max(len(row) for row in cells)
        if width == 0:
            return ""
        lines = []
        for row in cells:
            texts = [self._cell(cell) for cell in row]
            texts += [""] * (width - len(texts))
            lines.append("| " + " | ".join(texts) + " |")
        aligns = [_alignment(cell) for cell in cells[0]]
        aligns += ["---"] * (width - len(aligns))
        lines.insert(1, "| " + " | ".join(aligns) + " |")
        return "\n".join(lines)

    def _cell(self, cell: ET.Element) -> str:
        blocks = self._writer.blocks(cell)
        text = " ".join(block.replace("\n", " ") for block in blocks)
        return text.replace("|", "\\|") if "\\|" not in text else text


def _alignment(cell: ET.Element) -> str:
    style = cell.get("style", "").replace(" ", "")
    if "text-align:center" in style:
        return ":-:"
    if "text-align:right" in style:
        return "--:"
    if "text-align:left" in style:
        return ":--"
    return "---"


def _image(element: ET.Element) -> str:
    alt = escape_markdown(element.get(AC + "alt", ""))
    for child in element:
        if child.tag == RI + "url":
            source = child.get(RI + "value", "")
            title = element.get(AC + "title")
            title_part = ' "' + title.replace('"', '\\"') + '"' if title else ""
            return f"![{alt}]({link_destination(source)}{title_part})"
        if child.tag == RI + "attachment":
            name = escape_markdown(child.get(RI + "filename", ""))
            return f"\\[image: {name}\\]"
    return alt


def _is_loose(element: ET.Element, item_tag: str) -> bool:
    """Return whether a list's items contain paragraphs, as a loose list's do."""
    return any(
        child.tag == "p" for item in element if item.tag == item_tag for child in item
    )


def storage_to_markdown(storage: str) -> str:
    """Convert a storage format fragment to Markdown.

    Raises ``xml.etree.ElementTree.ParseError`` when the fragment is not
    well-formed.
    """
    root = parse_fragment(storage)
    blocks = MarkdownWriter().blocks(root)
    return "\n\n".join(blocks) + ("\n" if blocks else "")
