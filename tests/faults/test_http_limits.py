"""CODEDOC_HTTP_TIMEOUT, CODEDOC_MAX_RETRIES and CODEDOC_MAX_RETRY_WAIT."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest

from codedoc_action.http import (
    HostAllowList,
    HttpClient,
    HttpLimits,
    current_limits,
    set_limits,
)
from codedoc_action.main import main
from tests.security.servers import Answer, RecordingServer


@pytest.fixture(autouse=True)
def restore_limits() -> Iterator[None]:
    before = current_limits()
    yield
    set_limits(before)


def test_limits_apply_to_new_clients() -> None:
    set_limits(HttpLimits(timeout=2.5, max_retries=0, max_retry_wait=0.1))
    client = HttpClient(
        service="t",
        base_url="http://127.0.0.1:9",
        allowed=HostAllowList(["http://127.0.0.1:9"]),
        timeout=httpx.Timeout(300.0),
        max_retries=4,
        backoff_cap=60.0,
    )
    with client:
        assert client.max_retries == 0
        assert client.backoff_cap == 0.1
        assert client._client.timeout == httpx.Timeout(2.5)


def test_limits_unset_keep_client_values() -> None:
    set_limits(HttpLimits())
    with HttpClient(
        service="t",
        base_url="http://127.0.0.1:9",
        allowed=HostAllowList(["http://127.0.0.1:9"]),
        max_retries=4,
    ) as client:
        assert client.max_retries == 4
        assert client.backoff_cap == 60.0


def test_limits_bound_retry_after_wait() -> None:
    waits: list[float] = []
    answers = iter([Answer(503, {}, {"retry-after": "120"}), Answer(200, {})])
    set_limits(HttpLimits(max_retries=1, max_retry_wait=0.01))
    with RecordingServer("127.0.0.1", lambda method, path: next(answers)) as server:
        client = HttpClient(
            service="t",
            base_url=server.origin,
            allowed=HostAllowList([server.origin]),
            sleep=waits.append,
        )
        with client:
            response = client.request("GET", "/")
    assert response.status_code == 200
    assert waits == [0.01]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CODEDOC_HTTP_TIMEOUT", "0"),
        ("CODEDOC_HTTP_TIMEOUT", "soon"),
        ("CODEDOC_MAX_RETRIES", "-1"),
        ("CODEDOC_MAX_RETRIES", "2.5"),
        ("CODEDOC_MAX_RETRY_WAIT", "inf"),
    ],
)
def test_limits_invalid_value_exit_2(variable: str, value: str) -> None:
    stream = io.StringIO()
    code = main(
        ["run"], env={variable: value, "CODEDOC_PROVIDER": "offline"}, stream=stream
    )
    assert code == 2
    assert variable in stream.getvalue()
    assert repr(value) in stream.getvalue()
