"""Provider clients wired to a fake server, with their retry sleeps recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codedoc_action.http import HostAllowList
from codedoc_action.providers.base import CompletionRequest, Message, Provider
from codedoc_action.providers.registry import create_provider
from codedoc_action.settings import Settings
from tests.fakes.providers import FakeProviderServer

KEY = "sk-test-0123456789abcdef"


@dataclass
class Connection:
    """A provider client talking to a fake, with the delays it slept."""

    provider: Provider
    fake: FakeProviderServer
    allowed: HostAllowList
    delays: list[float] = field(default_factory=list)


def connect(
    fake: FakeProviderServer,
    *,
    api_key: str | None = KEY,
    base_url: str | None = None,
    model: str = "",
    timeout: float = 2.0,
    max_retries: int = 3,
) -> Connection:
    """Return a provider for ``fake`` whose retries sleep into a list."""
    delays: list[float] = []
    values: dict[str, Any] = {
        "provider": fake.kind,
        "api_base_url": base_url if base_url is not None else fake.base_url,
        "model": model or ("gpt-4o" if fake.kind == "azure-openai" else ""),
    }
    if api_key is not None:
        values["api_key"] = api_key
    allowed = HostAllowList()
    provider = create_provider(
        Settings(**values),
        allowed,
        sleep=delays.append,
        timeout=timeout,
        max_retries=max_retries,
    )
    return Connection(provider, fake, allowed, delays)


def ask(
    model: str,
    text: str = "Describe the repository.",
    *,
    max_output_tokens: int = 1000,
    **options: Any,
) -> CompletionRequest:
    """Return a one-message request with a short system prompt."""
    return CompletionRequest(
        model=model,
        system="You write documentation.",
        messages=(Message("user", text),),
        max_output_tokens=max_output_tokens,
        **options,
    )


PICK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "reason": {"type": "string"},
                },
                "required": ["path", "reason"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["files"],
    "additionalProperties": False,
}


# The type of the ``connect`` fixture.
Connect = Callable[..., Connection]
