"""Page targets: ids, Cloud and Data Center URLs, space and title."""

from __future__ import annotations

import pytest

from codedoc_action.confluence.target import parse_page_reference, resolve_target
from codedoc_action.errors import SettingsError

CLOUD = "https://example.atlassian.net/wiki"
DATACENTER = "https://confluence.example.com"


@pytest.mark.parametrize(
    ("value", "base", "page_id"),
    [
        ("123456", CLOUD, "123456"),
        (f"{CLOUD}/spaces/DOC/pages/98765/Runbook+Page", CLOUD, "98765"),
        (f"{CLOUD}/spaces/DOC/pages/98765", CLOUD, "98765"),
        (f"{CLOUD}/spaces/DOC/pages/edit-v2/98765", CLOUD, "98765"),
        (f"{DATACENTER}/pages/viewpage.action?pageId=4242", DATACENTER, "4242"),
        (f"{DATACENTER}/ctx/pages/viewpage.action?pageId=7&x=1", DATACENTER, "7"),
    ],
)
def test_parse_page_reference_ids(value: str, base: str, page_id: str) -> None:
    assert parse_page_reference(value, base).page_id == page_id


def test_parse_page_reference_display_url() -> None:
    target = parse_page_reference(f"{DATACENTER}/display/OPS/Deploy+Guide", DATACENTER)
    assert target.page_id == ""
    assert target.space_key == "OPS"
    assert target.title == "Deploy Guide"


def test_parse_page_reference_other_host_rejected() -> None:
    with pytest.raises(SettingsError, match="confluence-page"):
        parse_page_reference("https://evil.example.net/wiki/spaces/A/pages/1", CLOUD)


@pytest.mark.parametrize("value", ["not a page", "ftp://x/1", f"{CLOUD}/spaces/DOC"])
def test_parse_page_reference_invalid(value: str) -> None:
    with pytest.raises(SettingsError, match="confluence-page"):
        parse_page_reference(value, CLOUD)


def test_resolve_target_space_title_creates() -> None:
    target = resolve_target("", "DOC", "Docs", "555", CLOUD)
    assert target.create_missing
    assert target.parent_id == "555"


def test_resolve_target_page_url_never_creates() -> None:
    target = resolve_target(f"{DATACENTER}/display/OPS/Guide", "", "", "", DATACENTER)
    assert not target.create_missing


def test_resolve_target_long_title_rejected() -> None:
    with pytest.raises(SettingsError, match="255"):
        resolve_target("", "DOC", "x" * 256, "", CLOUD)


def test_resolve_target_parent_url() -> None:
    parent = f"{CLOUD}/spaces/DOC/pages/31337/Parent"
    assert resolve_target("", "DOC", "T", parent, CLOUD).parent_id == "31337"
