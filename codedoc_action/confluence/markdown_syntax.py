"""Markdown syntax for text read back from storage format: escapes, code
spans, fences, link destinations, list items and block quotes."""

from __future__ import annotations

import re

# Characters escaped in Markdown text so that they read back as text.
_ESCAPED = re.compile(r"([\\`*_\[\]<>&|~#])")
# Whitespace other than space, tab and newline (str.isspace() is true for
# these): the parser strips it at the ends of a paragraph, so it is written as
# a numeric character reference. NEL (U+0085) stays as it is, because HTML
# reads the reference &#133; as U+2026.
_AS_REFERENCE = re.compile(
    "[\x0b\x0c\r\x1c-\x1f\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_LINE_START = re.compile(r"^( *)([>+=\-]|\d+[.)])")


def escape_markdown(text: str) -> str:
    """Escape text so that Markdown parses it back as the same text.

    NOTE: GFM autolinks are found in the source, escapes included, so a text
    that resembles a URL next to escaped punctuation ("https://x.com_y")
    may gain or change a link when read back.
    """
    text = _ESCAPED.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))
    text = _AS_REFERENCE.sub(lambda match: f"&#{ord(match.group(0))};", text)
    return _LINE_START.sub(
        lambda match: match.group(1) + _escape_marker(match.group(2)), text
    )


def _escape_marker(marker: str) -> str:
    if marker[0].isdigit():
        return marker[:-1] + "\\" + marker[-1]
    return "\\" + marker


def wrap_inline(delimiter: str, text: str) -> str:
    if not text.strip():
        return text
    return f"{delimiter}{text}{delimiter}"


def code_span(text: str) -> str:
    text = text.replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if (
        text.startswith("`")
        or text.endswith("`")
        or (text.startswith(" ") and text.endswith(" ") and text.strip())
    ):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def fence(text: str, language: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def link_destination(url: str) -> str:
    url = url.replace("\\", "\\\\").replace("&", "\\&")
    if re.search(r"[\s()<>]", url) or not url:
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def list_item(
    marker: str, blocks: list[str], indent: str = "", *, loose: bool = False
) -> str:
    indent = indent or " " * len(marker)
    first, *rest = blocks or [""]
    if re.match(r"([-*+]|\d+[.)])( |$)", first):
        # An item that opens with a list starts it on the next line: "- - -"
        # on one line would be a thematic break.
        lines = [marker.rstrip(), indent_block(first, indent, first_line=True)]
    else:
        lines = [marker + indent_block(first, indent, first_line=False)]
    for block in rest:
        if loose:
            lines.append("")
        lines.append(indent_block(block, indent, first_line=True))
    return "\n".join(lines)


def indent_block(text: str, indent: str, *, first_line: bool) -> str:
    lines = text.split("\n")
    out = [(indent + line if line else line) for line in lines]
    if not first_line:
        out[0] = lines[0]
    return "\n".join(out)


def blockquote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))
