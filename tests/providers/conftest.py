"""Fake provider servers, one fixture per wire format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from codedoc_action.providers.registry import close_provider
from tests.fakes.providers import FakeProviderServer
from tests.providers import helpers
from tests.providers.helpers import KEY, Connection


@pytest.fixture
def connect() -> Iterator[Callable[..., Connection]]:
    """Return ``helpers.connect``, closing every client it made at teardown."""
    made: list[Connection] = []

    def make(fake: FakeProviderServer, **options: Any) -> Connection:
        connection = helpers.connect(fake, **options)
        made.append(connection)
        return connection

    yield make
    for connection in made:
        close_provider(connection.provider)


@pytest.fixture
def anthropic_fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(kind="anthropic", api_key=KEY) as fake:
        yield fake


@pytest.fixture
def openai_fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        yield fake


@pytest.fixture
def google_fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(kind="google", api_key=KEY) as fake:
        yield fake


@pytest.fixture
def azure_fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(kind="azure-openai", api_key=KEY) as fake:
        yield fake


@pytest.fixture
def compatible_fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(kind="openai-compatible", api_key=None) as fake:
        yield fake
