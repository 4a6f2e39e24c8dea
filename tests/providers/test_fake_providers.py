"""The fake providers reject what the real services reject, with their bodies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import KEY

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def _claude(model: str = "claude-sonnet-4-5-20250929", **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 100, "messages": MESSAGES, **extra}


def test_fake_anthropic_rejects_missing_key(client: httpx.Client) -> None:
    with FakeProviderServer(kind="anthropic", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/v1/messages",
            json=_claude(),
            headers={"anthropic-version": "2023-06-01"},
        )

    recorded = load_fixture("anthropic/error_401_authentication_error.json")
    assert response.status_code == 401
    assert response.json() == recorded["response"]["body"]


def test_fake_anthropic_requires_version(client: httpx.Client) -> None:
    with FakeProviderServer(kind="anthropic", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/v1/messages", json=_claude(), headers={"x-api-key": KEY}
        )

    assert response.status_code == 400
    assert "anthropic-version" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (_claude(stream_options={}), "Extra inputs are not permitted"),
        ({"model": "claude-sonnet-4-5", "messages": MESSAGES}, "max_tokens: Field"),
        (_claude(temperature=1.5), "temperature"),
        (_claude(messages=[{"role": "system", "content": "x"}]), "role"),
        (_claude(max_tokens=10**6), "maximum allowed number of output tokens"),
    ],
)
def test_fake_anthropic_rejects_malformed_body(
    client: httpx.Client, body: dict[str, Any], words: str
) -> None:
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    with FakeProviderServer(kind="anthropic", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/v1/messages", json=body, headers=headers
        )

    assert response.status_code == 400
    assert words in response.json()["error"]["message"]


def test_fake_anthropic_unknown_model_is_real_404(client: httpx.Client) -> None:
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    with FakeProviderServer(kind="anthropic", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/v1/messages", json=_claude("claude-x"), headers=headers
        )

    assert response.status_code == 404
    assert response.json()["error"] == {
        "message": "model: claude-x",
        "type": "not_found_error",
    }


@pytest.mark.parametrize(
    ("model", "extra", "fixture"),
    [
        ("o3-mini", {"max_tokens": 10}, "openai/error_400_max_tokens_unsupported.json"),
        (
            "gpt-5",
            {"temperature": 0.2},
            "openai/error_400_temperature_unsupported.json",
        ),
    ],
)
def test_fake_openai_reasoning_model_rules(
    client: httpx.Client, model: str, extra: dict[str, Any], fixture: str
) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/chat/completions",
            json={"model": model, "messages": MESSAGES, **extra},
            headers={"authorization": f"Bearer {KEY}"},
        )

    assert response.status_code == 400
    assert response.json() == load_fixture(fixture)["response"]["body"]


def test_fake_openai_rejects_wrong_key_with_masked_echo(client: httpx.Client) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        response = client.get(
            f"{fake.base_url}/models",
            headers={"authorization": "Bearer sk-wrong-123456"},
        )

    message = response.json()["error"]["message"]
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert "sk-wrong-123456" not in message
    assert message.startswith("Incorrect API key provided: sk-")


def test_fake_openai_strict_schema_must_be_closed(client: httpx.Client) -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "strict": True,
            "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
        },
    }
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/chat/completions",
            json={
                "model": "gpt-4o",
                "messages": MESSAGES,
                "response_format": response_format,
            },
            headers={"authorization": f"Bearer {KEY}"},
        )

    assert response.status_code == 400
    assert "additionalProperties" in response.json()["error"]["message"]


def test_fake_openai_context_length(client: httpx.Client) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY, context_window=10) as fake:
        response = client.post(
            f"{fake.base_url}/chat/completions",
            json={
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": "x" * 100}],
            },
            headers={"authorization": f"Bearer {KEY}"},
        )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "context_length_exceeded"


def test_fake_google_rejects_key_in_url(client: httpx.Client) -> None:
    with FakeProviderServer(kind="google", api_key=KEY) as fake:
        response = client.get(f"{fake.base_url}/models", params={"key": KEY})

    assert response.status_code == 400
    assert "URL" in response.json()["error"]["message"]


def test_fake_google_wrong_key_is_real_400(client: httpx.Client) -> None:
    with FakeProviderServer(kind="google", api_key=KEY) as fake:
        response = client.get(
            f"{fake.base_url}/models", headers={"x-goog-api-key": "no"}
        )

    recorded = load_fixture("gemini/error_400_api_key_invalid.json")
    assert response.status_code == 400
    assert response.json() == recorded["response"]["body"]


def test_fake_google_rejects_json_schema_keywords(client: httpx.Client) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseSchema": {"type": "OBJECT", "additionalProperties": False},
        },
    }
    with FakeProviderServer(kind="google", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/models/gemini-2.5-flash:generateContent",
            json=body,
            headers={"x-goog-api-key": KEY},
        )

    assert response.status_code == 400
    assert 'Unknown name "additionalProperties"' in response.json()["error"]["message"]


def test_fake_google_embedding_cannot_generate(client: httpx.Client) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    with FakeProviderServer(kind="google", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/models/gemini-embedding-001:generateContent",
            json=body,
            headers={"x-goog-api-key": KEY},
        )

    assert response.status_code == 404
    assert "not supported for generateContent" in response.json()["error"]["message"]


def test_fake_azure_requires_api_version(client: httpx.Client) -> None:
    with FakeProviderServer(kind="azure-openai", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/openai/deployments/gpt-4o/chat/completions",
            json={"messages": MESSAGES},
            headers={"api-key": KEY},
        )

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Resource not found"


def test_fake_azure_rejects_bearer_auth(client: httpx.Client) -> None:
    with FakeProviderServer(kind="azure-openai", api_key=KEY) as fake:
        response = client.post(
            f"{fake.base_url}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-12-01-preview"},
            json={"messages": MESSAGES},
            headers={"authorization": f"Bearer {KEY}"},
        )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "401"


def test_fake_faults_served_in_order(client: httpx.Client) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY) as fake:
        fake.add_fault(503, {"error": {"message": "busy"}}, {"retry-after": "2"})
        fake.add_fault(500)
        headers = {"authorization": f"Bearer {KEY}"}

        first = client.get(f"{fake.base_url}/models", headers=headers)
        second = client.get(f"{fake.base_url}/models", headers=headers)
        third = client.get(f"{fake.base_url}/models", headers=headers)

        assert (first.status_code, first.headers["retry-after"]) == (503, "2")
        assert second.status_code == 500
        assert "fault injected" in second.json()["error"]["message"]
        assert third.status_code == 200
        assert len(fake.requests) == 3


def test_fake_timeout_holds_until_client_gives_up() -> None:
    with FakeProviderServer(kind="openai", api_key=KEY, hold_seconds=2) as fake:
        fake.add_timeout()
        with httpx.Client(timeout=0.2) as http, pytest.raises(httpx.ReadTimeout):
            http.get(f"{fake.base_url}/models")
