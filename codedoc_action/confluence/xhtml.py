"""XML helpers for Confluence storage format: escaping, CDATA and parsing.

Storage format is XHTML with two extra namespaces, ``ac:`` (macros, links,
images) and ``ri:`` (resource identifiers). A page body is a fragment without
namespace declarations, so parsing wraps it in a root element that declares
both prefixes.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET

AC_NAMESPACE = "http://atlassian.com/content"
RI_NAMESPACE = "http://atlassian.com/resource/identifier"
AC = "{" + AC_NAMESPACE + "}"
RI = "{" + RI_NAMESPACE + "}"

_ROOT_OPEN = f'<root xmlns:ac="{AC_NAMESPACE}" xmlns:ri="{RI_NAMESPACE}">'
_ROOT_CLOSE = "</root>"

# Characters that XML 1.0 forbids anywhere in a document, CDATA included.
_INVALID_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]",
)
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


def clean_text(text: str) -> str:
    """Replace characters that XML 1.0 forbids with U+FFFD."""
    return _INVALID_XML.sub("\ufffd", text)


def escape_text(text: str) -> str:
    """Escape text for an element body."""
    text = clean_text(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """Escape a value for a double-quoted attribute."""
    return escape_text(value).replace('"', "&quot;")


def cdata(text: str) -> str:
    """Wrap text in CDATA, splitting it wherever it contains ``]]>``.

    ``]]>`` would end the section early, so it is written as ``]]`` closing one
    section and ``>`` opening the next: the parsed text is unchanged.
    """
    text = clean_text(text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _numeric_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    codepoint = html.entities.name2codepoint.get(name)
    if codepoint is None:
        return match.group(0)
    return f"&#{codepoint};"


def parse_fragment(fragment: str) -> ET.Element:
    """Parse a storage format fragment; raise ``ET.ParseError`` when malformed.

    HTML named entities (``&nbsp;``), which Confluence writes but XML does not
    define, are turned into numeric references first.
    """
    pieces = _CDATA.split(fragment)
    for position in range(0, len(pieces), 2):
        pieces[position] = _NAMED_ENTITY.sub(_numeric_entity, pieces[position])
    text = "".join(pieces)
    # The fragment sits inside our root element, so it cannot declare a
    # DOCTYPE or entities of its own: no entity expansion, no external fetch.
    return ET.fromstring(_ROOT_OPEN + text + _ROOT_CLOSE)  # noqa: S314  # nosec B314


def is_well_formed(fragment: str) -> bool:
    """Return whether the fragment parses as XML with no named entities."""
    try:
        ET.fromstring(_ROOT_OPEN + fragment + _ROOT_CLOSE)  # noqa: S314  # nosec B314
    except ET.ParseError:
        return False
    return True


def element_text(element: ET.Element) -> str:
    """Return all text inside an element, tags removed."""
    return "".join(element.itertext())
