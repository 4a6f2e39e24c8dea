"""Confluence failures become errors that say what failed, where, and the fix.

Covers rejected credentials, malformed responses, a Data Center URL given
with confluence-user, and the wording of status errors.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr

from codedoc_action.confluence.model import SectionRecord
from codedoc_action.confluence.publish import Publisher, open_publisher
from codedoc_action.errors import (
    ConfluenceAuthError,
    ConfluenceError,
    PageNotFoundError,
)
from codedoc_action.http import HostAllowList
from codedoc_action.settings import Settings
from tests.fakes.confluence import FakeConfluence

USER = "me@example.com"
TOKEN = "errors-token-123"
RECORD = SectionRecord("c0ffee", "", "offline", "", "0.1.0", "2026-01-01T00:00:00Z")


@dataclass
class Env:
    fake: FakeConfluence
    sleeps: list[float] = field(default_factory=list)

    def publisher(self, gateway_url: str | None = None, **inputs: Any) -> Publisher:
        values: dict[str, Any] = {
            "confluence_url": self.fake.base_url,
            "confluence_user": USER if self.fake.kind == "cloud" else "",
            "confluence_token": TOKEN,
        }
        values.update(inputs)
        return open_publisher(
            Settings(**values),
            HostAllowList(),
            sleep=self.sleeps.append,
            gateway_url=gateway_url or self.fake.gateway_url,
            timeout=2.0,
        )


@pytest.fixture(params=["cloud", "datacenter"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    with FakeConfluence(kind=request.param, user=USER, token=TOKEN) as fake:
        yield Env(fake)


@pytest.fixture
def cloud() -> Iterator[Env]:
    with FakeConfluence(kind="cloud", user=USER, token=TOKEN) as fake:
        yield Env(fake)


def _closed_port_url() -> str:
    """Return a loopback URL on a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# Rejected credentials


def test_cloud_wrong_token_unreachable_gateway(cloud: Env) -> None:
    page_id = cloud.fake.add_page(title="Docs", body="")
    gateway = _closed_port_url()
    with (
        cloud.publisher(
            gateway, confluence_page=page_id, confluence_token="wrong"
        ) as publisher,
        pytest.raises(ConfluenceAuthError) as caught,
    ):
        publisher.read()
    message = str(caught.value)
    assert cloud.sleeps == []
    assert caught.value.status == 401
    assert "confluence-user" in message
    assert "confluence-token" in message
    assert "network" not in message
    assert "wrong" not in message


def test_cloud_wrong_token_gateway_rejects(cloud: Env) -> None:
    page_id = cloud.fake.add_page(title="Docs", body="")
    with (
        cloud.publisher(confluence_page=page_id, confluence_token="wrong") as publisher,
        pytest.raises(ConfluenceAuthError) as caught,
    ):
        publisher.read()
    message = str(caught.value)
    gateway_calls = [path for _, path, _, _ in cloud.fake.requests if "/ex/" in path]
    assert cloud.sleeps == []
    assert len(gateway_calls) == 1
    assert "API gateway" in message
    assert "confluence-user" in message
    assert "confluence-token" in message


def test_forbidden_page_names_permission(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(403, method="PUT")
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceAuthError) as caught,
    ):
        publisher.publish("Text.", RECORD, "m")
    message = str(caught.value)
    assert env.sleeps == []
    assert message.startswith(f"could not update page {page_id}: ")
    assert "permission" in message


# Malformed responses


def _page_reply(env: Env, page_id: str) -> dict[str, Any]:
    """Return a well-formed page response of the fake's kind."""
    reply: dict[str, Any] = {
        "id": page_id,
        "title": "Docs",
        "version": {"number": 1},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}},
    }
    if env.fake.kind == "datacenter":
        reply["space"] = {"key": "DOC"}
    return reply


def _without(reply: dict[str, Any], path: str) -> dict[str, Any]:
    names = path.split(".")
    inner = reply
    for name in names[:-1]:
        inner = inner[name]
    del inner[names[-1]]
    return reply


@pytest.mark.parametrize("path", ["id", "title", "version.number", "body.storage"])
def test_page_reply_missing_field(env: Env, path: str) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    bad = _without(_page_reply(env, page_id), path)
    env.fake.add_fault(200, body=bad, method="GET", path_contains=f"/{page_id}")
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError) as caught,
    ):
        publisher.read()
    expected_field = "body.storage.value" if path == "body.storage" else path
    assert str(caught.value).startswith(
        f"unexpected response from Confluence to GET page {page_id}: "
        f"missing {expected_field}."
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"version": {"number": "2"}}, "version.number is not a whole number"),
        ({"version": {"number": True}}, "version.number is not a whole number"),
        ({"title": ["Docs"]}, "title is not a string"),
        ({"version": 3}, "missing version.number"),
    ],
)
def test_page_reply_wrong_type(env: Env, body: dict[str, Any], problem: str) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    bad = _page_reply(env, page_id) | body
    env.fake.add_fault(200, body=bad, method="GET", path_contains=f"/{page_id}")
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError, match=re.escape(problem)),
    ):
        publisher.read()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("[1, 2]", "expected a JSON object, got list"), ("<html>", "not JSON")],
)
def test_page_reply_not_object(env: Env, raw: str, problem: str) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(200, body=raw, method="GET", path_contains=f"/{page_id}")
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError, match=re.escape(problem)) as caught,
    ):
        publisher.read()
    assert f"to GET page {page_id}" in str(caught.value)


def test_update_reply_missing_version(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    bad = _without(_page_reply(env, page_id), "version")
    env.fake.add_fault(200, body=bad, method="PUT")
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError, match=r"missing version\.number"),
    ):
        publisher.publish("Text.", RECORD, "m")


def test_cloud_user_reply_without_account(cloud: Env) -> None:
    page_id = cloud.fake.add_page(title="Docs", body="")
    cloud.fake.add_fault(200, body={"data": []}, path_contains="/user/current")
    with (
        cloud.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError) as caught,
    ):
        publisher.read()
    assert str(caught.value).startswith(
        "unexpected response from Confluence to GET the current user: "
        "missing accountId."
    )


def test_cloud_property_reply_item_malformed(cloud: Env) -> None:
    page_id = cloud.fake.add_page(title="Docs", body="")
    item = {"id": "7", "key": "codedoc-action", "value": {}, "version": {}}
    cloud.fake.add_fault(
        200, body={"results": [item]}, method="GET", path_contains="/properties"
    )
    with (
        cloud.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError, match=r"missing results\[0\]\.version\.number"),
    ):
        publisher.read()


def test_cloud_space_reply_results_not_list(cloud: Env) -> None:
    cloud.fake.add_page(title="Other", body="", space="DOC")
    cloud.fake.add_fault(200, body={"results": {"id": "1"}}, path_contains="/spaces")
    with (
        cloud.publisher(confluence_space="DOC", confluence_title="New") as publisher,
        pytest.raises(ConfluenceError, match="to GET space DOC: results is not a list"),
    ):
        publisher.read()


# Data Center URL given with confluence-user


def test_datacenter_url_with_user_explained() -> None:
    with FakeConfluence(kind="datacenter", token=TOKEN) as fake:
        page_id = fake.add_page(title="Docs", body="")
        settings = Settings(
            confluence_url=fake.base_url,
            confluence_user=USER,
            confluence_token=SecretStr(TOKEN),
            confluence_page=page_id,
        )
        with (
            open_publisher(
                settings, HostAllowList(), sleep=lambda s: None
            ) as publisher,
            pytest.raises(ConfluenceError) as caught,
        ):
            publisher.read()
    message = str(caught.value)
    assert not isinstance(caught.value, PageNotFoundError)
    assert "Data Center" in message
    assert "confluence-user is set, which selects Confluence Cloud" in message
    assert "leave confluence-user empty" in message
    assert "confluence-page" not in message


def test_cloud_url_wrong_path_not_found(cloud: Env) -> None:
    page_id = cloud.fake.add_page(title="Docs", body="")
    url = cloud.fake.root_url + "/nothing"
    with (
        cloud.publisher(confluence_url=url, confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError) as caught,
    ):
        publisher.read()
    message = str(caught.value)
    assert "found no Confluence REST API" in message
    assert "Check confluence-url" in message
    assert "Data Center or Server" not in message


# Wording of status errors


def test_missing_page_message(env: Env) -> None:
    with (
        env.publisher(confluence_page="999999") as publisher,
        pytest.raises(PageNotFoundError) as caught,
    ):
        publisher.read()
    message = str(caught.value)
    assert message.startswith("could not read page 999999: ")
    assert "on page" not in message
    assert "confluence-page" in message


def test_server_error_message(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(500, method="PUT", times=10)
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError) as caught,
    ):
        publisher.publish("Text.", RECORD, "m")
    message = str(caught.value)
    assert message.startswith(f"could not update page {page_id}: ")
    assert "500" in message
    assert "run again later" in message
    assert "on page" not in message


def test_unreachable_site_message(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    url = _closed_port_url()
    with (
        env.publisher(confluence_url=url, confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError) as caught,
    ):
        publisher.read()
    message = str(caught.value)
    assert message.startswith("could not check the ")
    assert url in message
    assert "Check confluence-url" in message
