"""Marker paragraphs that the editor padded still bound the section."""

from __future__ import annotations

import pytest

from codedoc_action.confluence.section import END_MARKER, START_MARKER, merge

PADDINGS = ["&nbsp;", " &#160; ", "<br/>", "\u00a0", "<br />&nbsp;"]


@pytest.mark.parametrize("padding", PADDINGS)
def test_marker_padding_stays_outside_section(padding: str) -> None:
    start = START_MARKER.replace("</p>", f"{padding}</p>")
    end = END_MARKER.replace("<p>", f"<p>{padding}")
    body = f"<p>before</p>{start}<p>old</p>{end}<p>after</p>"
    merged = merge(body, "<p>new</p>")
    assert merged == f"<p>before</p>{start}<p>new</p>{end}<p>after</p>"
