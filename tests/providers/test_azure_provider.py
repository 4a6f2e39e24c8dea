"""Azure OpenAI client: deployment URLs, the versionless v1 path, errors."""

from __future__ import annotations

import pytest

from codedoc_action.errors import (
    IncompleteAnswerError,
    ModelNotFoundError,
    ProviderError,
)
from codedoc_action.providers.azure import DEFAULT_API_VERSION, split_base_url
from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import KEY, PICK_SCHEMA, Connect, ask


def test_azure_deployment_url_has_api_version(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake, model="gpt-4o")

    completion = connection.provider.complete(ask("gpt-4o"))

    request = azure_fake.requests[-1]
    assert request.path == "/openai/deployments/gpt-4o/chat/completions"
    assert request.query == {"api-version": DEFAULT_API_VERSION}
    assert request.headers["api-key"] == KEY
    assert "authorization" not in request.headers
    assert completion.usage == azure_fake.usage_served[-1]
    assert completion.request_id is not None


def test_azure_api_version_from_base_url(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    base_url = f"{azure_fake.base_url}?api-version=2025-04-01-preview"
    connection = connect(azure_fake, base_url=base_url)

    connection.provider.complete(ask("gpt-4o"))

    assert azure_fake.requests[-1].query == {"api-version": "2025-04-01-preview"}


def test_azure_v1_path_has_no_api_version(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake, base_url=f"{azure_fake.base_url}/openai/v1")

    completion = connection.provider.complete(ask("o3-mini", json_schema=PICK_SCHEMA))
    models = connection.provider.list_models()

    chat, listing = azure_fake.requests
    assert chat.path == "/openai/v1/chat/completions"
    assert chat.query == {}
    assert chat.json["model"] == "o3-mini"
    assert listing.path == "/openai/v1/models"
    assert completion.data is not None
    assert {model.id for model in models} == {"gpt-4o", "o3-mini"}


def test_azure_old_api_version_is_rejected(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    base_url = f"{azure_fake.base_url}?api-version=2024-06-01"
    connection = connect(azure_fake, base_url=base_url)

    with pytest.raises(ProviderError, match="newer API version") as caught:
        connection.provider.complete(ask("o3-mini"))

    assert caught.value.status == 400
    assert "api-base-url" in str(caught.value)


def test_azure_unknown_deployment_names_input(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake)

    with pytest.raises(ModelNotFoundError, match="deployment 'writer'") as caught:
        connection.provider.complete(ask("writer", stage="write"))

    assert "Set model to the name of a deployment" in str(caught.value)
    assert caught.value.request_id is not None


def test_azure_prompt_filter_is_incomplete(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake)
    recorded = load_fixture("azure/error_400_content_filter.json")
    azure_fake.add_fault(400, recorded["response"]["body"])

    with pytest.raises(IncompleteAnswerError, match="content_filter"):
        connection.provider.complete(ask("gpt-4o"))


def test_azure_completion_filter_is_incomplete(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake)
    recorded = load_fixture("azure/chat_completion_ok.json")["response"]["body"]
    recorded["choices"][0]["finish_reason"] = "content_filter"
    azure_fake.add_fault(200, recorded, {"apim-request-id": "filter-1"})

    with pytest.raises(IncompleteAnswerError, match="blocked") as caught:
        connection.provider.complete(ask("gpt-4o"))

    assert caught.value.request_id == "filter-1"


def test_azure_recorded_answer_parses(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake)
    recorded = load_fixture("azure/chat_completion_ok.json")["response"]
    azure_fake.add_fault(200, recorded["body"], recorded["headers"])

    completion = connection.provider.complete(ask("gpt-4o"))

    assert completion.text == "The capital of France is **Paris**."
    assert completion.model == "gpt-4o-2024-11-20"
    assert completion.request_id == "1d93fae1-cb8e-4789-8fb6-d26577a3cb77"
    assert completion.usage.input_tokens == 14
    assert completion.usage.output_tokens == 9


def test_azure_max_completion_tokens_falls_back(
    azure_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(azure_fake)
    azure_fake.add_fault(
        400,
        {
            "error": {
                "code": "BadRequest",
                "message": "Unrecognized request argument supplied: "
                "max_completion_tokens",
            }
        },
    )

    connection.provider.complete(ask("gpt-4o"))

    first, second = azure_fake.requests
    assert "max_completion_tokens" in first.json
    assert second.json["max_tokens"] == 1000
    assert "max_completion_tokens" not in second.json


def test_azure_split_base_url() -> None:
    assert split_base_url("https://r.openai.azure.com") == (
        "https://r.openai.azure.com",
        DEFAULT_API_VERSION,
    )
    assert split_base_url("https://r.openai.azure.com/?api-version=2025-01-01") == (
        "https://r.openai.azure.com",
        "2025-01-01",
    )
    assert split_base_url("https://r.openai.azure.com/openai/v1/") == (
        "https://r.openai.azure.com/openai/v1",
        None,
    )
