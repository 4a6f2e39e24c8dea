"""Egress by origin: scheme, host and port must all match the allow-list.

Two loopback servers on different ports of 127.0.0.1 stand for two services
on one host. A request or redirect that reaches the second one when only the
first is allowed is a leak, because a custom key header such as ``x-api-key``
would go along.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests

from codedoc_action.errors import EgressError
from codedoc_action.http import HostAllowList, HttpClient, Origin, guarded_session
from tests.security.servers import Answer, RecordingServer

KEY_HEADERS = {"x-api-key": "sk-test-origin-key"}


def _ok(method: str, path: str) -> Answer:
    return Answer(200, {"path": path})


@pytest.fixture
def other_port() -> Iterator[RecordingServer]:
    with RecordingServer("127.0.0.1", _ok) as server:
        yield server


def _redirecting_to(target: str, status: int = 307) -> RecordingServer:
    def route(method: str, path: str) -> Answer:
        return Answer(status, headers={"location": target + path})

    return RecordingServer("127.0.0.1", route)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_other_port_blocked(
    other_port: RecordingServer, status: int
) -> None:
    with _redirecting_to(other_port.origin, status) as first:
        allowed = HostAllowList([first.origin])
        with (
            HttpClient(
                service="t",
                base_url=first.origin,
                allowed=allowed,
                headers=KEY_HEADERS,
                max_retries=0,
            ) as http,
            pytest.raises(EgressError, match="blocked a redirect") as caught,
        ):
            http.request("POST", "/v1/messages", json={"a": 1})
        assert len(first.requests) == 1
    assert other_port.requests == []
    assert other_port.origin in str(caught.value)
    assert "sk-test" not in str(caught.value)


def test_redirect_to_other_port_blocked_when_allowed(
    other_port: RecordingServer,
) -> None:
    # Both origins are on the list, but a client's key is for its own origin.
    with _redirecting_to(other_port.origin) as first:
        allowed = HostAllowList([first.origin, other_port.origin])
        with (
            HttpClient(
                service="t",
                base_url=first.origin,
                allowed=allowed,
                headers=KEY_HEADERS,
                max_retries=0,
            ) as http,
            pytest.raises(EgressError),
        ):
            http.request("GET", "/models")
    assert other_port.requests == []


def test_request_to_other_port_blocked(other_port: RecordingServer) -> None:
    with RecordingServer("127.0.0.1", _ok) as first:
        allowed = HostAllowList([first.origin])
        with (
            HttpClient(service="t", base_url=first.origin, allowed=allowed) as http,
            pytest.raises(EgressError, match="scheme and port") as caught,
        ):
            http.request("GET", other_port.origin + "/models")
    assert other_port.requests == []
    assert first.origin in str(caught.value)


def test_same_origin_redirect_followed() -> None:
    def route(method: str, path: str) -> Answer:
        if path == "/old":
            return Answer(308, headers={"location": "/new"})
        return Answer(200, {"path": path})

    with RecordingServer("127.0.0.1", route) as server:
        allowed = HostAllowList([server.origin])
        with HttpClient(service="t", base_url=server.origin, allowed=allowed) as http:
            response = http.request("GET", "/old")
    assert response.json() == {"path": "/new"}


def _mock_redirect(location: str, seen: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/start":
            return httpx.Response(302, headers={"location": location})
        return httpx.Response(200, json={})

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    "location",
    [
        "http://api.example.com/next",
        "http://api.example.com:443/next",
        "https://api.example.com:8443/next",
    ],
)
def test_redirect_scheme_or_port_change_blocked(location: str) -> None:
    seen: list[str] = []
    allowed = HostAllowList(
        ["api.example.com", "http://api.example.com", "https://api.example.com:8443"]
    )
    with (
        HttpClient(
            service="t",
            base_url="https://api.example.com",
            allowed=allowed,
            headers=KEY_HEADERS,
            transport=_mock_redirect(location, seen),
        ) as http,
        pytest.raises(EgressError, match="blocked a redirect") as caught,
    ):
        http.request("GET", "/start")
    assert seen == ["https://api.example.com/start"]
    if location.startswith("http:"):
        assert "unencrypted" in str(caught.value)


def test_allow_list_bare_host_means_https_443() -> None:
    allowed = HostAllowList(["api.example.com"])
    assert allowed.allows("https://api.example.com/v1")
    assert allowed.allows("https://api.example.com:443/v1")
    assert not allowed.allows("http://api.example.com/v1")
    assert not allowed.allows("https://api.example.com:8443/v1")
    assert list(allowed) == ["https://api.example.com"]


def test_allow_list_url_keeps_scheme_and_port() -> None:
    allowed = HostAllowList(["http://127.0.0.1:8080/v1", "HTTPS://Conf.Example/wiki"])
    assert allowed.allows("http://127.0.0.1:8080/other")
    assert not allowed.allows("http://127.0.0.1:8081/v1")
    assert not allowed.allows("https://127.0.0.1:8080/v1")
    assert allowed.allows("https://conf.example/rest/api")
    assert list(allowed) == ["http://127.0.0.1:8080", "https://conf.example"]


def test_allow_list_contains_host_or_url() -> None:
    allowed = HostAllowList(["http://127.0.0.1:8080"])
    assert "127.0.0.1" in allowed
    assert "http://127.0.0.1:8080/x" in allowed
    assert "http://127.0.0.1:9090/x" not in allowed
    assert "127.0.0.2" not in allowed


def test_allow_list_ignores_other_schemes() -> None:
    allowed = HostAllowList(["ftp://files.example.com", "file:///etc/passwd"])
    assert list(allowed) == []
    assert Origin.of("ftp://files.example.com") is None


def test_origin_shows_ipv6_with_brackets() -> None:
    origin = Origin.of("http://[::1]:8080/x")
    assert origin is not None
    assert str(origin) == "http://[::1]:8080"


def test_guarded_session_blocks_other_port(other_port: RecordingServer) -> None:
    with _redirecting_to(other_port.origin) as first:
        session = guarded_session(HostAllowList([first.origin]))
        with session, pytest.raises(EgressError, match="blocked a redirect"):
            session.get(first.origin + "/api/v4/projects", headers=KEY_HEADERS)
        with session, pytest.raises(EgressError, match="blocked a request"):
            session.get(other_port.origin + "/api/v4/projects")
    assert other_port.requests == []


def test_guarded_session_follows_same_origin() -> None:
    def route(method: str, path: str) -> Answer:
        if path == "/old":
            return Answer(302, headers={"location": "/new"})
        return Answer(200, {"path": path})

    with RecordingServer("127.0.0.1", route) as server:
        session = guarded_session(HostAllowList([server.origin]))
        with session:
            response: requests.Response = session.get(server.origin + "/old")
    assert response.json() == {"path": "/new"}
