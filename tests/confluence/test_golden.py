"""Markdown fixtures rendered and compared with canonical expected XHTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.confluence.languages import Flavor
from codedoc_action.confluence.storage import render_storage
from tests.confluence.golden import REGENERATE, canonical, golden_inputs

FLAVORS: tuple[Flavor, ...] = ("cloud", "datacenter")


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("source", golden_inputs(), ids=lambda path: path.stem)
def test_golden_renders_expected_storage(source: Path, flavor: Flavor) -> None:
    expected_path = source.with_suffix(f".{flavor}.xml")
    actual = canonical(
        render_storage(source.read_text(encoding="utf-8"), flavor=flavor)
    )
    if REGENERATE:
        expected_path.write_text(actual + "\n", encoding="utf-8")
    expected = expected_path.read_text(encoding="utf-8").rstrip("\n")
    assert actual == expected


def test_golden_fixtures_present() -> None:
    assert len(golden_inputs()) >= 8
