"""Build the provider a run's settings name, over one ``HttpClient``."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from codedoc_action import __version__
from codedoc_action.errors import SettingsError
from codedoc_action.http import HostAllowList, HttpClient
from codedoc_action.providers import anthropic, gemini, openai
from codedoc_action.providers.anthropic import AnthropicProvider
from codedoc_action.providers.azure import AzureOpenAIProvider, split_base_url
from codedoc_action.providers.base import Provider
from codedoc_action.providers.compatible import CompatibleProvider
from codedoc_action.providers.gemini import GeminiProvider
from codedoc_action.providers.http_errors import retry_delay, should_retry
from codedoc_action.providers.openai import OpenAIProvider
from codedoc_action.providers.wire import Wire
from codedoc_action.settings import Settings

DEFAULT_BASE_URLS = {
    "anthropic": anthropic.DEFAULT_BASE_URL,
    "openai": openai.DEFAULT_BASE_URL,
    "google": gemini.DEFAULT_BASE_URL,
}
USER_AGENT = f"codedoc-action/{__version__}"
# Responses are read whole (no streaming), and a long page can take minutes to
# generate. The Anthropic SDKs require streaming for calls expected to run over
# 10 minutes, so 600 s is the longest read worth waiting for.
PROVIDER_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=10.0)


def create_provider(
    settings: Settings,
    allowed: HostAllowList,
    *,
    sleep: Callable[[float], None] = time.sleep,
    timeout: httpx.Timeout | float = PROVIDER_TIMEOUT,
    max_retries: int = 4,
) -> Provider:
    """Return the provider of ``settings`` and add its host to ``allowed``.

    ``settings.api_base_url`` overrides the provider's default base URL (Azure
    and compatible servers have none). ``sleep`` and ``timeout`` reach the HTTP
    client, so tests can record retry delays and shorten waits.
    """
    name = settings.provider
    if name == "offline":
        raise SettingsError(
            [
                "provider: 'offline' writes without an AI provider, so it has no "
                "models; set provider to anthropic, openai, google, azure-openai "
                "or openai-compatible"
            ]
        )
    base_url = settings.api_base_url or DEFAULT_BASE_URLS.get(name, "")
    if not base_url:
        raise SettingsError([f"api-base-url: missing; {name} needs the server's URL"])
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    api_version: str | None = None
    if name == "azure-openai":
        base_url, api_version = split_base_url(base_url)
    allowed.add(base_url)
    http = HttpClient(
        service=name,
        base_url=base_url.rstrip("/") + "/",
        allowed=allowed,
        headers=_auth_headers(name, key),
        timeout=timeout,
        max_retries=max_retries,
        should_retry=should_retry,
        retry_delay=retry_delay,
        sleep=sleep,
        # A generation that timed out may still run and be billed, so sending
        # it again could pay twice; the other transport errors are retried.
        retry_post_read_timeouts=False,
    )
    wire = Wire(name, http, (key,) if key else ())
    if name == "anthropic":
        return AnthropicProvider(wire)
    if name == "openai":
        return OpenAIProvider(wire)
    if name == "google":
        return GeminiProvider(wire)
    if name == "azure-openai":
        return AzureOpenAIProvider(wire, api_version)
    return CompatibleProvider(wire)


def _auth_headers(name: str, key: str) -> dict[str, str]:
    headers = {"user-agent": USER_AGENT}
    if name == "anthropic":
        headers["x-api-key"] = key
        headers["anthropic-version"] = anthropic.API_VERSION
    elif name == "google":
        headers["x-goog-api-key"] = key
    elif name == "azure-openai":
        headers["api-key"] = key
    elif key:
        headers["authorization"] = f"Bearer {key}"
    return headers


def close_provider(provider: Provider) -> None:
    """Close the provider's HTTP connections, for providers that hold any."""
    close = getattr(provider, "close", None)
    if callable(close):
        close()
