"""Golden files: Markdown in, canonical storage XHTML out.

Set CODEDOC_REGENERATE_GOLDEN=1 to rewrite the expected files from the
current renderer, then review the diff before committing it.

In links.md the images come out as ``<a>`` links, not ``<ac:image>``: an
embedded image is fetched by every viewer's browser, so a URL chosen by the
model could carry data out without a click.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from codedoc_action.confluence.xhtml import AC_NAMESPACE, RI_NAMESPACE

GOLDEN_DIR = Path(__file__).parent.parent / "fixtures" / "confluence" / "golden"
REGENERATE = os.environ.get("CODEDOC_REGENERATE_GOLDEN") == "1"


def wrap(fragment: str) -> str:
    """Wrap a storage fragment in a root that declares ac: and ri:."""
    return (
        f'<root xmlns:ac="{AC_NAMESPACE}" xmlns:ri="{RI_NAMESPACE}">{fragment}</root>'
    )


def canonical(fragment: str) -> str:
    """Return the C14N 2.0 form of a fragment, one block element per line."""
    text = ET.canonicalize(xml_data=wrap(fragment))
    return text.replace("><", ">\n<")


def golden_inputs() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.md"))
