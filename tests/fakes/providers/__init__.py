"""Fake AI provider servers on 127.0.0.1 for tests of every layer.

Typical use::

    with FakeProviderServer(kind="anthropic", api_key="k") as fake:
        settings = {"provider": "anthropic", "api-key": "k",
                    "api-base-url": fake.base_url}
        fake.reply = lambda request: "# Page\n"  # or a dict for JSON answers
        fake.add_fault(529)                       # served before normal answers
        ...
        assert fake.usage_served                  # usage as the client reads it

``kind`` is one of "anthropic", "openai", "google", "azure-openai" and
"openai-compatible". For azure-openai, ``models`` are deployment names and
``base_url`` is the resource URL.
"""

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
