"""Retry rules of the provider clients, with the sleeps recorded instead of slept."""

from __future__ import annotations

import email.utils
import socket
import time

import pytest

from codedoc_action.errors import (
    ProviderAuthError,
    ProviderError,
    RateLimitError,
)
from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import KEY, Connect, ask

GPT = "gpt-4o"
CLAUDE = "claude-sonnet-4-5-20250929"
GEMINI = "gemini-2.5-flash"


def test_retry_after_seconds_honoured(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    openai_fake.add_fault(429, headers={"retry-after": "3"})

    completion = connection.provider.complete(ask(GPT))

    assert connection.delays == [3.0]
    assert completion.text
    assert len(openai_fake.requests) == 2


def test_retry_after_http_date_honoured(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    anthropic_fake.add_fault(503, headers={"retry-after": when})

    connection.provider.complete(ask(CLAUDE))

    [delay] = connection.delays
    assert 3.0 < delay <= 5.5


def test_retry_after_ms_honoured(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    openai_fake.add_fault(429, headers={"retry-after-ms": "250"})

    connection.provider.complete(ask(GPT))

    assert connection.delays == [0.25]


def test_retry_gemini_retry_info_delay(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)
    recorded = load_fixture("gemini/error_429_retry_info.json")["response"]
    google_fake.add_fault(429, recorded["body"], times=2)

    connection.provider.complete(ask(GEMINI))

    assert connection.delays == [7.0, 7.0]


def test_retry_openai_message_delay(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    recorded = load_fixture("openai/error_429_rate_limit_exceeded.json")["response"]
    openai_fake.add_fault(429, recorded["body"])

    connection.provider.complete(ask(GPT))

    assert connection.delays == [1.574]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 529])
def test_retry_server_errors_with_backoff(
    anthropic_fake: FakeProviderServer, connect: Connect, status: int
) -> None:
    connection = connect(anthropic_fake, max_retries=3)
    anthropic_fake.add_fault(status, times=3)

    completion = connection.provider.complete(ask(CLAUDE))

    assert completion.text
    assert len(connection.delays) == 3
    for attempt, delay in enumerate(connection.delays):
        ceiling = 2.0**attempt
        assert ceiling / 2 <= delay <= ceiling


def test_retry_rate_limit_exhausted_raises(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake, max_retries=2)
    openai_fake.add_fault(429, headers={"retry-after": "1"}, times=3)

    with pytest.raises(RateLimitError, match="outlasted 2 retries"):
        connection.provider.complete(ask(GPT))

    assert connection.delays == [1.0, 1.0]
    assert len(openai_fake.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_retry_never_on_client_errors(
    openai_fake: FakeProviderServer, connect: Connect, status: int
) -> None:
    connection = connect(openai_fake)
    openai_fake.add_fault(status, times=2)

    with pytest.raises(ProviderError):
        connection.provider.complete(ask(GPT))

    assert connection.delays == []
    assert len(openai_fake.requests) == 1


def test_retry_never_on_insufficient_quota(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    recorded = load_fixture("openai/error_429_insufficient_quota.json")["response"]
    openai_fake.add_fault(429, recorded["body"], headers={"retry-after": "1"})

    with pytest.raises(RateLimitError, match="billing"):
        connection.provider.complete(ask(GPT))

    assert connection.delays == []
    assert len(openai_fake.requests) == 1


def test_retry_never_on_gemini_daily_quota(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)
    recorded = load_fixture("gemini/error_429_quota_per_day.json")["response"]
    google_fake.add_fault(429, recorded["body"])

    with pytest.raises(RateLimitError, match="daily quota"):
        connection.provider.complete(ask(GEMINI))

    assert connection.delays == []
    assert len(google_fake.requests) == 1


def test_retry_never_when_anthropic_says_so(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    anthropic_fake.add_fault(529, headers={"x-should-retry": "false"})

    with pytest.raises(RateLimitError):
        connection.provider.complete(ask(CLAUDE))

    assert connection.delays == []


def test_retry_timeout_then_answer(connect: Connect) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY, hold_seconds=2.0) as fake:
        # Long enough that the successful retry never times out on a busy machine.
        connection = connect(fake, timeout=0.5)
        fake.add_timeout()

        models = connection.provider.list_models()

        assert models
        assert len(connection.delays) == 1
        assert len(fake.requests) == 2


def test_retry_timeout_exhausted_names_host(connect: Connect) -> None:
    with FakeProviderServer(kind="google", api_key=KEY, hold_seconds=1.0) as fake:
        connection = connect(fake, timeout=0.2, max_retries=1)
        fake.add_timeout(times=2)

        with pytest.raises(ProviderError, match="timed out") as caught:
            connection.provider.list_models()

        assert "127.0.0.1" in str(caught.value)
        assert "after 1 retries" in str(caught.value)
        assert len(fake.requests) == 2


@pytest.mark.parametrize("kind", ["anthropic", "google", "openai"])
def test_retry_never_on_generation_timeout(kind: str, connect: Connect) -> None:
    model = {"anthropic": CLAUDE, "google": GEMINI, "openai": GPT}[kind]
    with FakeProviderServer(kind=kind, api_key=KEY, hold_seconds=1.0) as fake:
        connection = connect(fake, timeout=0.2)
        fake.add_timeout()

        with pytest.raises(ProviderError, match="not retried") as caught:
            connection.provider.complete(ask(model))

        assert "127.0.0.1" in str(caught.value)
        assert connection.delays == []
        assert len(fake.requests) == 1


def test_retry_reset_then_answer(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    anthropic_fake.add_reset(times=2)

    completion = connection.provider.complete(ask(CLAUDE))

    assert completion.text
    assert len(connection.delays) == 2


def test_retry_reset_exhausted_raises(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake, max_retries=1)
    anthropic_fake.add_reset(times=2)

    with pytest.raises(ProviderError, match="cut off") as caught:
        connection.provider.complete(ask(CLAUDE))

    assert "127.0.0.1" in str(caught.value)


def test_retry_connection_refused_names_host(connect: Connect) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        connection = connect(
            fake, base_url=f"http://127.0.0.1:{port}/v1", max_retries=1
        )

        with pytest.raises(ProviderError, match="failed to connect") as caught:
            connection.provider.complete(ask(GPT))

        assert "127.0.0.1" in str(caught.value)
        assert fake.requests == []


def test_retry_auth_error_is_not_retried(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake, api_key="wrong-key")

    with pytest.raises(ProviderAuthError):
        connection.provider.complete(ask(GEMINI))

    assert connection.delays == []
