"""Cloud and Data Center specifics: gateway, anonymous tokens, minor edits."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from codedoc_action.confluence.model import SectionRecord
from codedoc_action.confluence.publish import Publisher, open_publisher
from codedoc_action.errors import ConfluenceAuthError, EgressError, SettingsError
from codedoc_action.http import HostAllowList
from codedoc_action.settings import Settings
from tests.fakes.confluence import FakeConfluence

USER = "me@example.com"
TOKEN = "t0k3n"
RECORD = SectionRecord("abc", "", "offline", "", "0.1.0", "2026-01-01T00:00:00Z")


def _open(
    fake: FakeConfluence, allowed: HostAllowList | None = None, **inputs: Any
) -> Publisher:
    values: dict[str, Any] = {
        "confluence_url": fake.base_url,
        "confluence_user": USER if fake.kind == "cloud" else "",
        "confluence_token": TOKEN,
    }
    values.update(inputs)
    return open_publisher(
        Settings(**values),
        allowed if allowed is not None else HostAllowList(),
        sleep=lambda seconds: None,
        gateway_url=fake.gateway_url,
        timeout=2.0,
    )


def test_cloud_scoped_token_uses_gateway() -> None:
    with FakeConfluence(kind="cloud", user=USER, token=TOKEN, scoped=True) as fake:
        page_id = fake.add_page(title="Docs", body="")
        with _open(fake, confluence_page=page_id) as publisher:
            result = publisher.publish("Text.", RECORD, "m")
        paths = [path for _, path, _, _ in fake.requests]
    assert result.updated
    assert "/_edge/tenant_info" in paths
    gateway = f"/ex/confluence/{fake.cloud_id}/wiki/api/v2/pages/{page_id}"
    assert any(path.startswith(gateway) for path in paths)


def test_cloud_scoped_token_bad_token_auth_error() -> None:
    with FakeConfluence(kind="cloud", user=USER, token="other", scoped=True) as fake:
        page_id = fake.add_page(title="Docs", body="")
        with (
            _open(fake, confluence_page=page_id) as publisher,
            pytest.raises(ConfluenceAuthError),
        ):
            publisher.read()


def test_cloud_uses_basic_auth_on_site() -> None:
    with FakeConfluence(kind="cloud", user=USER, token=TOKEN) as fake:
        page_id = fake.add_page(title="Docs", body="")
        with _open(fake, confluence_page=page_id) as publisher:
            publisher.read()
        headers = [headers for _, _, headers, _ in fake.requests]
        paths = [path for _, path, _, _ in fake.requests]
    assert all(header["authorization"].startswith("Basic ") for header in headers)
    assert all(path.startswith("/wiki/") for path in paths)


def test_cloud_update_sends_v2_shape() -> None:
    with FakeConfluence(kind="cloud", user=USER, token=TOKEN) as fake:
        page_id = fake.add_page(title="Docs", body="")
        with _open(fake, confluence_page=page_id) as publisher:
            publisher.publish("Text.", RECORD, "codedoc: abc")
        puts = [body for verb, _, _, body in fake.requests if verb == "PUT"]
    assert puts[0]["version"] == {"number": 2, "message": "codedoc: abc"}
    assert puts[0]["body"]["representation"] == "storage"
    assert puts[0]["status"] == "current"


def test_datacenter_anonymous_token_auth_error() -> None:
    with FakeConfluence(kind="datacenter", token=TOKEN) as fake:
        page_id = fake.add_page(title="Docs", body="")
        settings = Settings(
            confluence_url=fake.base_url,
            confluence_token=SecretStr("expired"),
            confluence_page=page_id,
        )
        with (
            open_publisher(
                settings, HostAllowList(), sleep=lambda s: None
            ) as publisher,
            pytest.raises(ConfluenceAuthError, match="anonymous"),
        ):
            publisher.read()
        first = fake.requests[0]
    assert first[1] == "/rest/api/user/current"
    assert first[2]["authorization"] == "Bearer expired"


def test_datacenter_update_is_minor_edit() -> None:
    with FakeConfluence(kind="datacenter", token=TOKEN) as fake:
        page_id = fake.add_page(title="Docs", body="")
        with _open(fake, confluence_page=page_id) as publisher:
            publisher.publish("Text.", RECORD, "codedoc: abc")
        versions = fake.versions(page_id)
    assert versions[-1] == {"number": 2, "message": "codedoc: abc", "minorEdit": True}


def test_page_url_other_host_rejected() -> None:
    with FakeConfluence(kind="datacenter", token=TOKEN) as fake:
        url = "https://elsewhere.example.com/pages/viewpage.action?pageId=1"
        with pytest.raises(SettingsError, match="confluence-page"):
            _open(fake, confluence_page=url)


def test_allow_list_blocks_other_hosts() -> None:
    with FakeConfluence(kind="datacenter", token=TOKEN) as fake:
        allowed = HostAllowList()
        page_id = fake.add_page(title="Docs", body="")
        with _open(fake, allowed, confluence_page=page_id) as publisher:
            publisher.read()
            client = publisher.client._http  # type: ignore[attr-defined]
            with pytest.raises(EgressError):
                client.request("GET", "http://192.0.2.1/rest/api/content")
