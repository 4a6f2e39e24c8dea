"""OpenAI-compatible servers: optional key, fenced JSON fallback, model lists."""

from __future__ import annotations

import pytest

from codedoc_action.errors import ModelNotFoundError, ProviderAuthError
from codedoc_action.providers.models import check_model, resolve_model
from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import PICK_SCHEMA, Connect, ask

MODEL = "qwen3:14b"


def test_compatible_without_key_sends_no_auth(
    compatible_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(compatible_fake, api_key=None)

    completion = connection.provider.complete(ask(MODEL))

    request = compatible_fake.requests[-1]
    assert "authorization" not in request.headers
    assert request.json["max_tokens"] == 1000
    assert completion.usage == compatible_fake.usage_served[-1]


def test_compatible_key_is_bearer(connect: Connect) -> None:
    with FakeProviderServer(kind="openai-compatible", api_key="local-key") as fake:
        connection = connect(fake, api_key="local-key")

        connection.provider.complete(ask(MODEL))

        assert fake.requests[-1].headers["authorization"] == "Bearer local-key"


def test_compatible_wrong_key_is_auth_error(connect: Connect) -> None:
    with FakeProviderServer(kind="openai-compatible", api_key="local-key") as fake:
        connection = connect(fake, api_key="other-key")

        with pytest.raises(ProviderAuthError, match="HTTP 401"):
            connection.provider.complete(ask(MODEL))


def test_compatible_json_schema_supported(
    compatible_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(compatible_fake, api_key=None)

    completion = connection.provider.complete(ask(MODEL, json_schema=PICK_SCHEMA))

    assert "response_format" in compatible_fake.requests[-1].json
    assert completion.data == {"files": [{"path": "example", "reason": "example"}]}


def test_compatible_rejected_schema_falls_back_to_fence(connect: Connect) -> None:
    with FakeProviderServer(
        kind="openai-compatible", api_key=None, structured_output="reject"
    ) as fake:
        connection = connect(fake, api_key=None)

        first = connection.provider.complete(ask(MODEL, json_schema=PICK_SCHEMA))
        second = connection.provider.complete(ask(MODEL, json_schema=PICK_SCHEMA))

        strict, loose, fallback, reused = fake.requests
        assert strict.json["response_format"]["json_schema"]["strict"] is True
        assert loose.json["response_format"]["json_schema"]["strict"] is False
        assert "response_format" not in fallback.json
        assert "```json" in fallback.json["messages"][0]["content"]
        assert "response_format" not in reused.json
        assert first.data == {"files": [{"path": "example", "reason": "example"}]}
        assert second.data == first.data
        assert len(fake.usage_served) == 2


def test_compatible_ignored_schema_parses_fence(connect: Connect) -> None:
    with FakeProviderServer(
        kind="openai-compatible", api_key=None, structured_output="ignore"
    ) as fake:
        connection = connect(fake, api_key=None)
        fake.reply = lambda request: {"files": []}

        completion = connection.provider.complete(ask(MODEL, json_schema=PICK_SCHEMA))

        assert completion.text.startswith("Here is the answer.")
        assert completion.data == {"files": []}


def test_compatible_unknown_model_is_not_found(
    compatible_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(compatible_fake, api_key=None)

    with pytest.raises(ModelNotFoundError, match="try pulling it first"):
        connection.provider.complete(ask("qwen9"))


def test_compatible_models_drop_embeddings(
    compatible_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(compatible_fake, api_key=None)

    ids = [model.id for model in connection.provider.list_models()]

    assert ids == ["llama3.2:latest", "qwen3:14b"]


def test_compatible_llamacpp_context_window(
    compatible_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(compatible_fake, api_key=None)
    recorded = load_fixture("openai_compatible/llamacpp_v1_models.json")
    compatible_fake.add_fault(200, recorded["response"]["body"])

    models = connection.provider.list_models()

    assert models[0].id == "/home/void/models/qwen3/14B-Q4KM.gguf"
    assert models[0].context_window == 40960


def test_compatible_resolve_single_model(connect: Connect) -> None:
    with FakeProviderServer(
        kind="openai-compatible", api_key=None, models=["llama3.2:latest"]
    ) as fake:
        connection = connect(fake, api_key=None)

        chosen = resolve_model(connection.provider, "")

        assert chosen.id == "llama3.2:latest"


def test_compatible_resolve_needs_model_when_several(
    compatible_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(compatible_fake, api_key=None)

    with pytest.raises(
        ModelNotFoundError, match="model: missing, and openai-compatible has no default"
    ) as caught:
        resolve_model(connection.provider, "")

    assert "qwen3:14b" in str(caught.value)


def test_compatible_check_empty_model_uses_only_one(connect: Connect) -> None:
    with FakeProviderServer(
        kind="openai-compatible", api_key=None, models=["mistral:7b"]
    ) as fake:
        connection = connect(fake, api_key=None)

        assert check_model(connection.provider, "").id == "mistral:7b"
