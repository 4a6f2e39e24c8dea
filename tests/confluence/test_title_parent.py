"""A page found by title under another parent is left alone."""

from __future__ import annotations

import pytest

from codedoc_action.confluence.publish import open_publisher
from codedoc_action.errors import ConfluenceError
from codedoc_action.http import HostAllowList
from codedoc_action.settings import build_settings
from tests.fakes.confluence import FakeConfluence


@pytest.mark.parametrize("kind", ["cloud", "datacenter"])
def test_title_under_other_parent_rejected(kind: str) -> None:
    with FakeConfluence(kind, token="t") as fake:
        ours = fake.add_page("Docs home", space="DOC")
        other = fake.add_page("Team notes", space="DOC")
        theirs = fake.add_page(
            "API", body="<p>theirs</p>", space="DOC", parent_id=other
        )
        settings = build_settings(
            {
                "confluence-url": fake.base_url,
                "confluence-user": fake.user if kind == "cloud" else "",
                "confluence-token": "t",
                "confluence-space": "DOC",
                "confluence-title": "API",
                "confluence-parent": ours,
            }
        )
        publisher = open_publisher(settings, HostAllowList(), sleep=lambda _: None)
        with pytest.raises(ConfluenceError, match="not under confluence-parent"):
            publisher.read()
        publisher.close()
        assert fake.page(theirs)["body"] == "<p>theirs</p>"


@pytest.mark.parametrize("kind", ["cloud", "datacenter"])
def test_missing_parent_fails_on_read(kind: str) -> None:
    with FakeConfluence(kind, token="t") as fake:
        fake.add_page("Home", space="DOC")
        settings = build_settings(
            {
                "confluence-url": fake.base_url,
                "confluence-user": fake.user if kind == "cloud" else "",
                "confluence-token": "t",
                "confluence-space": "DOC",
                "confluence-title": "New page",
                "confluence-parent": "424242",
            }
        )
        publisher = open_publisher(settings, HostAllowList(), sleep=lambda _: None)
        with pytest.raises(ConfluenceError, match="confluence-parent 424242 was not"):
            publisher.read()
        publisher.close()
