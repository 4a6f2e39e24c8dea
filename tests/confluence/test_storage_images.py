"""Images in the AI's Markdown are written as links, never embedded."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from codedoc_action.confluence.storage import render_storage
from codedoc_action.confluence.xhtml import AC, RI, parse_fragment


def _root(markdown: str) -> ET.Element:
    return parse_fragment(render_storage(markdown))


@pytest.mark.parametrize(
    ("markdown", "href", "label"),
    [
        (
            "![](http://attacker.example/pixel.png)",
            "http://attacker.example/pixel.png",
            "http://attacker.example/pixel.png",
        ),
        (
            "![alt text](https://example.com/a.png)",
            "https://example.com/a.png",
            "alt text",
        ),
        ("![diagram](docs/arch.png)", "docs/arch.png", "diagram"),
        (
            '![chart](https://example.com/c.png "Load")',
            "https://example.com/c.png",
            "chart",
        ),
    ],
)
def test_image_rendered_as_link(markdown: str, href: str, label: str) -> None:
    root = _root(markdown)

    assert root.find(f".//{AC}image") is None
    assert root.find(f".//{RI}url") is None
    links = list(root.iter("a"))
    assert len(links) == 1
    assert links[0].get("href") == href
    assert "".join(links[0].itertext()) == label


def test_image_title_kept_on_link() -> None:
    root = _root('![chart](https://example.com/c.png "Load")')
    link = root.find(".//a")
    assert link is not None
    assert link.get("title") == "Load"


@pytest.mark.parametrize(
    "source", ["javascript:alert(1)", "data:image/png;base64,AAAA", "file:///etc/x"]
)
def test_image_blocked_scheme_plain_text(source: str) -> None:
    root = _root(f"![alt]({source})")
    assert root.find(f".//{AC}image") is None
    assert root.find(".//a") is None
    assert "alt" in "".join(root.itertext())


def test_image_inside_link_not_nested() -> None:
    root = _root("[![badge](https://example.com/b.svg)](https://example.com/ci)")
    links = list(root.iter("a"))
    assert [link.get("href") for link in links] == ["https://example.com/ci"]
    assert list(links[0]) == []
    assert "".join(links[0].itertext()) == "badge"
