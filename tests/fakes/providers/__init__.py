"""Fake AI provider servers on 127.0.0.1 for tests of every layer."""

from tests.fakes.providers.server import (
    FakeProviderServer,
    FakeRequest,
    FakeResponse,
    count_tokens,
    load_fixture,
)

__all__ = [
    "FakeProviderServer",
    "FakeRequest",
    "FakeResponse",
    "count_tokens",
    "load_fixture",
]
