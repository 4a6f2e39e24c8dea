"""Model checks against live lists, the registry and the models command."""

from __future__ import annotations

import io

import pytest
from pydantic import SecretStr

from codedoc_action.commands.models import run_models
from codedoc_action.errors import (
    EgressError,
    ModelNotFoundError,
    ProviderAuthError,
    SettingsError,
)
from codedoc_action.http import HostAllowList
from codedoc_action.providers.models import check_model, resolve_model
from codedoc_action.providers.registry import close_provider, create_provider
from codedoc_action.settings import Settings
from tests.fakes.providers import FakeProviderServer
from tests.providers.helpers import KEY, Connect


def test_check_model_suggests_closest_ids(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)

    with pytest.raises(ModelNotFoundError) as caught:
        check_model(connection.provider, "claude-sonet-4-5")

    message = str(caught.value)
    assert message.startswith(
        "model: 'claude-sonet-4-5' is not a model anthropic offers for this key"
    )
    assert "claude-sonnet-4-5-20250929" in message
    assert "Set model to one of them" in message
    assert "claude-3-haiku-20240307" not in message.split("closest")[0]


def test_check_model_names_selection_input(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)

    with pytest.raises(ModelNotFoundError) as caught:
        check_model(connection.provider, "gpt-4o-mnii", input_name="selection-model")

    message = str(caught.value)
    assert message.startswith("selection-model:")
    assert "gpt-4o-mini" in message
    assert "Set selection-model" in message


def test_check_model_accepts_alias_and_prefix(
    anthropic_fake: FakeProviderServer,
    google_fake: FakeProviderServer,
    connect: Connect,
) -> None:
    claude = connect(anthropic_fake).provider
    gemini = connect(google_fake).provider

    assert check_model(claude, "claude-sonnet-4-5").id == "claude-sonnet-4-5-20250929"
    assert check_model(gemini, "models/gemini-2.5-pro").id == "gemini-2.5-pro"


def test_check_model_rejects_filtered_model(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)

    with pytest.raises(ModelNotFoundError) as caught:
        check_model(connection.provider, "imagen-4.0-generate-001")

    assert "imagen-4.0-generate-001" in str(caught.value)


def test_check_model_azure_deployment_passes(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake)

    assert check_model(connection.provider, "prod-writer").id == "prod-writer"


@pytest.mark.parametrize("kind", ["anthropic", "openai", "google", "openai-compatible"])
def test_resolve_model_default_is_listed(kind: str, connect: Connect) -> None:
    models = {
        "anthropic": None,
        "openai": None,
        "google": None,
        "openai-compatible": ["llama3.2:latest"],
    }[kind]
    with FakeProviderServer(kind=kind, api_key=KEY, models=models) as fake:
        connection = connect(fake)

        chosen = resolve_model(connection.provider, "")

        assert chosen.id in fake.models


def test_registry_adds_host_and_default_url() -> None:
    allowed = HostAllowList()
    settings = Settings(provider="google", api_key=SecretStr("k"))

    provider = create_provider(settings, allowed)
    close_provider(provider)

    assert "generativelanguage.googleapis.com" in allowed
    assert provider.name == "google"


def test_registry_base_url_override(anthropic_fake: FakeProviderServer) -> None:
    allowed = HostAllowList(["confluence.example.com"])
    settings = Settings(
        provider="anthropic",
        api_key=SecretStr(KEY),
        api_base_url=anthropic_fake.base_url,
    )

    provider = create_provider(settings, allowed)
    try:
        provider.list_models()
    finally:
        close_provider(provider)

    assert "127.0.0.1" in allowed
    assert "api.anthropic.com" not in allowed


def test_registry_requests_stay_on_allowed_hosts(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    http = connection.provider._wire.http  # type: ignore[attr-defined]

    with pytest.raises(EgressError, match="not one of the hosts"):
        http.request("GET", "http://169.254.169.254/latest/meta-data")

    assert openai_fake.requests == []


def test_registry_rejects_offline() -> None:
    with pytest.raises(SettingsError, match="provider: 'offline'"):
        create_provider(Settings(provider="offline"), HostAllowList())


def test_run_models_prints_text_models(anthropic_fake: FakeProviderServer) -> None:
    settings = Settings(
        provider="anthropic",
        api_key=SecretStr(KEY),
        api_base_url=anthropic_fake.base_url,
    )
    out = io.StringIO()

    code = run_models(settings, HostAllowList(), out)

    lines = out.getvalue().splitlines()
    assert code == 0
    assert len(lines) == len(anthropic_fake.models)
    default = next(line for line in lines if "(default)" in line)
    assert default.startswith("claude-sonnet-4-5-20250929")
    assert "200,000 tokens context" in default


def test_run_models_gemini_context_from_list(google_fake: FakeProviderServer) -> None:
    settings = Settings(
        provider="google", api_key=SecretStr(KEY), api_base_url=google_fake.base_url
    )
    out = io.StringIO()

    run_models(settings, HostAllowList(), out)

    text = out.getvalue()
    assert "gemini-2.5-flash" in text
    assert "imagen" not in text
    assert "embedding" not in text


def test_run_models_bad_key_raises(openai_fake: FakeProviderServer) -> None:
    settings = Settings(
        provider="openai", api_key=SecretStr("wrong"), api_base_url=openai_fake.base_url
    )

    with pytest.raises(ProviderAuthError, match="HTTP 401"):
        run_models(settings, HostAllowList(), io.StringIO())
