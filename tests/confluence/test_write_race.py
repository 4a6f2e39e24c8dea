"""A person edits the page while a run writes it: edits in the section survive.

The edit lands just before the run's PUT, so the fake returns 409 for the
stale version, as Confluence does, and the publisher re-reads the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from codedoc_action.confluence.client import ConfluenceClient, Page
from codedoc_action.confluence.model import SectionRecord
from codedoc_action.confluence.publish import Publisher, open_publisher
from codedoc_action.confluence.section import END_MARKER
from codedoc_action.errors import VersionConflictError
from codedoc_action.http import HostAllowList
from codedoc_action.settings import Settings
from tests.fakes.confluence import FakeConfluence

USER = "me@example.com"
TOKEN = "race-token-123"
RECORD = SectionRecord("c0ffee", "", "offline", "", "0.1.0", "2026-01-01T00:00:00Z")
HAND_TEXT = "<p>Hand-written intro.</p>"

Edit = Callable[[str], str]


class EditBeforeWrite:
    """Wrap a client so that a person edits the page just before each PUT."""

    def __init__(self, client: ConfluenceClient, fake: FakeConfluence) -> None:
        self._client = client
        self._fake = fake
        self.edits: list[Edit] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_page(self, page: Page, body: str, message: str) -> Page:
        if self.edits:
            edit = self.edits.pop(0)
            current = self._fake.page(page.page_id)["body"]
            self._fake.set_body(page.page_id, edit(current), "concurrent edit")
        return self._client.update_page(page, body, message)


@pytest.fixture(params=["cloud", "datacenter"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeConfluence]:
    with FakeConfluence(kind=request.param, user=USER, token=TOKEN) as server:
        yield server


def _publisher(fake: FakeConfluence, page_id: str) -> Publisher:
    settings = Settings(
        confluence_url=fake.base_url,
        confluence_user=USER if fake.kind == "cloud" else "",
        confluence_token=SecretStr(TOKEN),
        confluence_page=page_id,
    )
    return open_publisher(
        settings,
        HostAllowList(),
        sleep=lambda seconds: None,
        gateway_url=fake.gateway_url,
        timeout=2.0,
    )


def _page_with_section(fake: FakeConfluence) -> str:
    page_id = fake.add_page(title="Docs", body=HAND_TEXT)
    with _publisher(fake, page_id) as publisher:
        publisher.publish("First text.", RECORD, "first run")
    return page_id


def _edit_inside(body: str) -> str:
    return body.replace(END_MARKER, "<p>RACE-INSIDE edit.</p>" + END_MARKER)


def _edit_outside(body: str) -> str:
    return body + "<p>RACE-OUTSIDE edit.</p>"


def _puts(fake: FakeConfluence) -> int:
    return sum(1 for method, path, _, _ in fake.requests if method == "PUT")


def test_race_inside_edit_stops_write(fake: FakeConfluence) -> None:
    page_id = _page_with_section(fake)
    with _publisher(fake, page_id) as publisher:
        publisher.read()
        racing = EditBeforeWrite(publisher.client, fake)
        racing.edits.append(lambda body: _edit_outside(_edit_inside(body)))
        publisher.client = racing
        puts_before = _puts(fake)
        with pytest.raises(VersionConflictError) as caught:
            publisher.publish("Second text.", RECORD, "second run")
    body = fake.page(page_id)["body"]
    message = str(caught.value)
    assert "RACE-INSIDE" in body
    assert "RACE-OUTSIDE" in body
    assert "Second text." not in body
    assert _puts(fake) - puts_before == 1
    assert f"page {page_id}" in message
    assert "edited in Confluence during this run" in message
    assert "Markdown is kept" in message
    assert "Run again" in message


def test_race_outside_edit_merged(fake: FakeConfluence) -> None:
    page_id = _page_with_section(fake)
    with _publisher(fake, page_id) as publisher:
        publisher.read()
        racing = EditBeforeWrite(publisher.client, fake)
        racing.edits.append(_edit_outside)
        publisher.client = racing
        result = publisher.publish("Second text.", RECORD, "second run")
    body = fake.page(page_id)["body"]
    assert result.updated
    assert body.startswith(HAND_TEXT)
    assert "RACE-OUTSIDE" in body
    assert "<p>Second text.</p>" in body
    assert "First text." not in body


def test_race_edit_before_publish_stops(fake: FakeConfluence) -> None:
    # The edit lands while the AI writes, between read and publish.
    page_id = _page_with_section(fake)
    with _publisher(fake, page_id) as publisher:
        publisher.read()
        fake.set_body(page_id, _edit_inside(fake.page(page_id)["body"]))
        puts_before = _puts(fake)
        with pytest.raises(VersionConflictError, match="edited in Confluence"):
            publisher.publish("Second text.", RECORD, "second run")
    assert _puts(fake) == puts_before
    assert "RACE-INSIDE" in fake.page(page_id)["body"]


def test_race_attribute_rewrite_not_an_edit(fake: FakeConfluence) -> None:
    # Editors add attributes such as local-id without changing the text.
    page_id = _page_with_section(fake)
    with _publisher(fake, page_id) as publisher:
        publisher.read()
        racing = EditBeforeWrite(publisher.client, fake)
        racing.edits.append(
            lambda body: body.replace(
                "<p>First text.</p>", '<p local-id="a1b2">First text.</p>'
            )
        )
        publisher.client = racing
        result = publisher.publish("Second text.", RECORD, "second run")
    assert result.updated
    assert "<p>Second text.</p>" in fake.page(page_id)["body"]


def test_race_publish_twice_same_publisher(fake: FakeConfluence) -> None:
    page_id = _page_with_section(fake)
    with _publisher(fake, page_id) as publisher:
        publisher.read()
        publisher.publish("Second text.", RECORD, "second run")
        result = publisher.publish("Third text.", RECORD, "third run")
    assert result.updated
    assert "<p>Third text.</p>" in fake.page(page_id)["body"]
