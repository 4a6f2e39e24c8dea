"""Every recorded provider error, served by the fake, through the real clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from codedoc_action.errors import (
    IncompleteAnswerError,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderError,
    RateLimitError,
)
from codedoc_action.providers.base import ContextLengthError
from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import KEY, Connect, ask

MAX_RETRIES = 3
MODELS = {
    "anthropic": "claude-sonnet-4-5-20250929",
    "openai": "gpt-4o",
    "google": "gemini-2.5-flash",
    "azure-openai": "gpt-4o",
    "openai-compatible": "qwen3:14b",
}


@dataclass(frozen=True)
class Case:
    kind: str
    fixture: str
    error: type[ProviderError]
    words: str
    retried: bool = False


CASES = [
    Case(
        "anthropic",
        "anthropic/error_400_invalid_request.json",
        ProviderError,
        "rejected",
    ),
    Case(
        "anthropic",
        "anthropic/error_400_prompt_too_long.json",
        ContextLengthError,
        "context window",
    ),
    Case(
        "anthropic",
        "anthropic/error_401_authentication_error.json",
        ProviderAuthError,
        "Set api-key",
    ),
    Case(
        "anthropic",
        "anthropic/error_404_count_tokens_model_not_found.json",
        ModelNotFoundError,
        "Set model",
    ),
    Case(
        "anthropic",
        "anthropic/error_404_model_not_found.json",
        ModelNotFoundError,
        "claude-sonet-4-5",
    ),
    Case(
        "anthropic",
        "anthropic/error_529_overloaded.json",
        RateLimitError,
        "overloaded",
        retried=True,
    ),
    Case(
        "azure-openai",
        "azure/error_400_api_version_too_old.json",
        ProviderError,
        "api-version",
    ),
    Case(
        "azure-openai",
        "azure/error_400_content_filter.json",
        IncompleteAnswerError,
        "content filter",
    ),
    Case(
        "azure-openai",
        "azure/error_404_deployment_not_found.json",
        ModelNotFoundError,
        "deployment",
    ),
    Case(
        "google",
        "gemini/error_400_api_key_invalid.json",
        ProviderAuthError,
        "Set api-key",
    ),
    Case(
        "google",
        "gemini/error_404_count_tokens_model_not_found.json",
        ModelNotFoundError,
        "ListModels",
    ),
    Case(
        "google",
        "gemini/error_404_model_not_found.json",
        ModelNotFoundError,
        "Set model",
    ),
    Case(
        "google",
        "gemini/error_429_resource_exhausted_minimal.json",
        RateLimitError,
        "outlasted 3 retries",
        retried=True,
    ),
    Case(
        "google",
        "gemini/error_429_quota_per_day.json",
        RateLimitError,
        "daily quota",
    ),
    Case(
        "openai",
        "openai/error_400_context_length_exceeded.json",
        ContextLengthError,
        "max-files",
    ),
    Case(
        "openai",
        "openai/error_400_model_not_found_responses.json",
        ModelNotFoundError,
        "Set model",
    ),
    Case(
        "openai",
        "openai/error_400_temperature_out_of_range.json",
        ProviderError,
        "temperature",
    ),
    Case(
        "openai", "openai/error_401_invalid_api_key.json", ProviderAuthError, "api-key"
    ),
    Case(
        "openai",
        "openai/error_404_model_not_found_chat.json",
        ModelNotFoundError,
        "does not exist",
    ),
    Case(
        "openai",
        "openai/error_429_insufficient_quota.json",
        RateLimitError,
        "billing",
    ),
    Case(
        "openai",
        "openai/error_429_rate_limit_exceeded.json",
        RateLimitError,
        "outlasted 3 retries",
        retried=True,
    ),
    Case(
        "openai-compatible",
        "openai_compatible/openrouter_error_429.json",
        RateLimitError,
        "temporarily rate-limited upstream",
        retried=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.fixture)
def test_provider_error_sample_translated(case: Case, connect: Connect) -> None:
    recorded = load_fixture(case.fixture)["response"]
    with FakeProviderServer(kind=case.kind, api_key=KEY) as fake:
        connection = connect(fake, max_retries=MAX_RETRIES)
        times = MAX_RETRIES + 1 if case.retried else 1
        fake.add_fault(recorded["status"], recorded["body"], recorded["headers"], times)

        with pytest.raises(case.error) as caught:
            connection.provider.complete(ask(MODELS[case.kind]))

        message = str(caught.value)
        assert type(caught.value) is case.error
        assert case.words in message
        assert caught.value.provider == case.kind
        assert caught.value.status == recorded["status"]
        assert f"HTTP {recorded['status']}" in message
        assert case.kind in message
        assert KEY not in message
        assert len(fake.requests) == times
        assert len(connection.delays) == times - 1


def test_provider_error_request_id_from_header(connect: Connect) -> None:
    recorded = load_fixture("anthropic/error_401_authentication_error.json")["response"]
    with FakeProviderServer(kind="anthropic", api_key=KEY) as fake:
        connection = connect(fake)
        fake.add_fault(401, recorded["body"], {"request-id": "req_from_header"})

        with pytest.raises(ProviderAuthError) as caught:
            connection.provider.complete(ask(MODELS["anthropic"]))

        assert caught.value.request_id == "req_from_header"
        assert "request id req_from_header" in str(caught.value)


def test_provider_error_request_id_from_body(connect: Connect) -> None:
    recorded = load_fixture("anthropic/error_404_model_not_found.json")["response"]
    with FakeProviderServer(kind="anthropic", api_key=KEY) as fake:
        connection = connect(fake)
        fake.add_fault(404, recorded["body"])

        with pytest.raises(ModelNotFoundError) as caught:
            connection.provider.complete(ask("claude-sonet-4-5"))

        assert caught.value.request_id == "req_011CdufXo8Y2LVfY2veyuQWG"


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_provider_error_wrong_key_never_echoed(kind: str, connect: Connect) -> None:
    wrong = "sk-wrong-key-9876543210"
    with FakeProviderServer(kind=kind, api_key=KEY) as fake:
        connection = connect(fake, api_key=wrong, model=MODELS[kind])

        with pytest.raises(ProviderAuthError) as caught:
            connection.provider.complete(ask(MODELS[kind]))

        message = str(caught.value)
        assert wrong not in message
        assert wrong[-4:] not in message
        assert caught.value.status in (400, 401)
        assert len(fake.requests) == 1


def test_provider_error_echoed_key_redacted(connect: Connect) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        connection = connect(fake)
        fake.add_fault(400, {"error": {"message": f"bad header Bearer {KEY} here"}})

        with pytest.raises(ProviderError) as caught:
            connection.provider.complete(ask("gpt-4o"))

        assert KEY not in str(caught.value)
        assert "[redacted]" in str(caught.value)


def test_provider_error_selection_stage_names_input(connect: Connect) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        connection = connect(fake)

        with pytest.raises(ModelNotFoundError) as caught:
            connection.provider.complete(ask("gpt-4o-typo", stage="select"))

        assert "Set selection-model" in str(caught.value)


def test_provider_error_non_json_body(connect: Connect) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        connection = connect(fake)
        fake.add_fault(200, "<html>proxy login</html>")

        with pytest.raises(ProviderError, match="not JSON") as caught:
            connection.provider.complete(ask("gpt-4o"))

        assert "api-base-url" in str(caught.value)


@pytest.mark.parametrize(
    ("option", "fixture"),
    [
        ("temperature", "openai/error_400_temperature_unsupported.json"),
        ("system", "openai/error_400_unsupported_value_system_role.json"),
    ],
)
def test_provider_error_unsupported_option_adapted(
    option: str, fixture: str, connect: Connect
) -> None:
    recorded = load_fixture(fixture)["response"]
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        connection = connect(fake)
        fake.add_fault(400, recorded["body"])

        completion = connection.provider.complete(ask("gpt-4o", temperature=0.3))

        first, second = fake.requests
        assert option in str(first.json)
        assert option not in str(second.json)
        assert completion.text


def test_provider_error_max_tokens_unsupported_adapted(connect: Connect) -> None:
    recorded = load_fixture("openai/error_400_max_tokens_unsupported.json")["response"]
    with FakeProviderServer(kind="openai-compatible", api_key=None) as fake:
        connection = connect(fake, api_key=None)
        fake.add_fault(400, recorded["body"])

        connection.provider.complete(ask("qwen3:14b"))
        connection.provider.complete(ask("qwen3:14b"))

        first, second, third = fake.requests
        assert "max_tokens" in first.json
        assert second.json["max_completion_tokens"] == 1000
        assert "max_tokens" not in third.json


def test_provider_error_context_length_from_fake(connect: Connect) -> None:
    for kind in MODELS:
        with FakeProviderServer(kind=kind, api_key=KEY, context_window=100) as fake:
            connection = connect(fake, model=MODELS[kind])

            with pytest.raises(ContextLengthError) as caught:
                connection.provider.complete(ask(MODELS[kind], "z" * 2000))

            assert caught.value.status == 400, kind
            assert "context window" in str(caught.value), kind


def test_provider_error_html_404_blames_url(connect: Connect) -> None:
    with FakeProviderServer(kind="google", api_key=KEY) as fake:
        connection = connect(fake)
        page = "<html><body>The requested URL /models/x was not found.</body></html>"
        fake.add_fault(404, page)

        with pytest.raises(ProviderError) as caught:
            connection.provider.complete(ask(MODELS["google"]))

        assert type(caught.value) is ProviderError
        assert "check api-base-url" in str(caught.value)
