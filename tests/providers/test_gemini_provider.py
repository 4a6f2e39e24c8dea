"""Gemini client against the fake and recorded responses."""

from __future__ import annotations

from typing import Any

import pytest

from codedoc_action.errors import IncompleteAnswerError
from codedoc_action.providers.base import CompletionRequest, Message
from codedoc_action.providers.gemini import read_usage, to_gemini_schema
from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import KEY, PICK_SCHEMA, Connect, ask

MODEL = "gemini-2.5-flash"


def test_gemini_key_in_header_not_url(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)

    completion = connection.provider.complete(ask(MODEL))

    request = google_fake.requests[-1]
    assert request.path == f"/v1beta/models/{MODEL}:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert "key" not in request.query
    assert KEY not in request.path
    assert request.json["systemInstruction"] == {
        "parts": [{"text": "You write documentation."}]
    }
    assert completion.text.startswith("# Repository overview")
    assert completion.usage == google_fake.usage_served[-1]


def test_gemini_thinking_tokens_count_as_output(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)

    completion = connection.provider.complete(ask(MODEL))

    served = google_fake.usage_served[-1]
    assert completion.usage.reasoning_tokens > 0
    assert completion.usage.output_tokens == served.output_tokens
    assert completion.usage.output_tokens > completion.usage.reasoning_tokens


def test_gemini_models_prefix_is_stripped(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)

    connection.provider.complete(ask(f"models/{MODEL}"))

    assert google_fake.requests[-1].path == f"/v1beta/models/{MODEL}:generateContent"


def test_gemini_structured_answer_uses_response_schema(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)

    completion = connection.provider.complete(ask(MODEL, json_schema=PICK_SCHEMA))

    config = google_fake.requests[-1].json["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert "additionalProperties" not in str(config["responseSchema"])
    assert config["responseSchema"]["type"] == "OBJECT"
    assert completion.data == {"files": [{"path": "example", "reason": "example"}]}


def test_gemini_schema_translation() -> None:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "title": {"type": ["string", "null"], "format": "uri"},
            "kind": {"const": "page"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["title"],
        "additionalProperties": False,
        "$defs": {"Item": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    }

    translated = to_gemini_schema(schema)

    assert translated["propertyOrdering"] == ["title", "kind", "items", "note"]
    assert translated["properties"]["title"] == {"type": "STRING", "nullable": True}
    assert translated["properties"]["kind"] == {"enum": ["page"]}
    assert translated["properties"]["items"]["items"]["properties"]["n"] == {
        "type": "INTEGER"
    }
    assert translated["properties"]["note"] == {"type": "STRING", "nullable": True}
    assert "additionalProperties" not in translated
    assert "$schema" not in translated


def test_gemini_max_tokens_is_truncated(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)

    with pytest.raises(IncompleteAnswerError, match="MAX_TOKENS") as caught:
        connection.provider.complete(ask(MODEL, max_output_tokens=30))

    assert caught.value.usage == google_fake.usage_served[-1]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("gemini/generate_content_max_tokens.json", "truncated"),
        ("gemini/generate_content_max_tokens_thinking_no_parts.json", "truncated"),
        ("gemini/generate_content_prompt_blocked.json", "prompt_blocked"),
        ("gemini/generate_content_safety_blocked_candidate.json", "blocked"),
    ],
)
def test_gemini_recorded_incomplete_answers(
    google_fake: FakeProviderServer, connect: Connect, fixture: str, expected: str
) -> None:
    connection = connect(google_fake)
    google_fake.add_fault(200, load_fixture(fixture)["response"]["body"])

    with pytest.raises(IncompleteAnswerError, match=f": {expected} ") as caught:
        connection.provider.complete(ask(MODEL))

    assert caught.value.provider == "google"


def test_gemini_empty_candidate_list_is_empty(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)
    google_fake.add_fault(200, {"candidates": [], "usageMetadata": {}})

    with pytest.raises(IncompleteAnswerError, match="no candidates"):
        connection.provider.complete(ask(MODEL))


def test_gemini_recorded_usage() -> None:
    ok = load_fixture("gemini/generate_content_ok.json")["response"]["body"]
    cached = load_fixture("gemini/generate_content_cached_content.json")["response"]

    plain = read_usage(ok["usageMetadata"])
    with_cache = read_usage(cached["body"]["usageMetadata"])

    assert plain.input_tokens == 3
    assert plain.output_tokens == 9 + 271
    assert plain.reasoning_tokens == 271
    assert plain.total_tokens == ok["usageMetadata"]["totalTokenCount"]
    assert with_cache.input_tokens == 3520
    assert with_cache.cache_read_tokens == 3512
    assert with_cache.output_tokens == 2 + 42


def test_gemini_recorded_answer_parses(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)
    recorded = load_fixture("gemini/generate_content_ok.json")["response"]["body"]
    google_fake.add_fault(200, recorded)

    completion = connection.provider.complete(ask(MODEL))

    assert completion.text == "Hello! How can I help you today?"
    assert completion.request_id == "0kfEaIKnDLLVjMcPq5jJwQM"
    assert completion.usage.output_tokens == 280


def test_gemini_implicit_cache_is_read(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)
    shared = Message("user", "Repository map line.\n" * 400)

    for question in ("Pick files.", "Write the page."):
        connection.provider.complete(
            CompletionRequest(
                model=MODEL,
                system="You write documentation.",
                messages=(shared, Message("user", question)),
                max_output_tokens=500,
            )
        )

    first, second = (call for call in google_fake.usage_served)
    assert first.cache_read_tokens == 0
    assert second.cache_read_tokens > 1000


def test_gemini_count_tokens_matches_fake(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)
    request = ask(MODEL, "y" * 3000)

    counted = connection.provider.count_tokens(request)
    completion = connection.provider.complete(request)

    assert google_fake.requests[0].path == f"/v1beta/models/{MODEL}:countTokens"
    assert counted == completion.usage.input_tokens


def test_gemini_models_follow_pages_and_filter(connect: Connect) -> None:
    with FakeProviderServer(kind="google", api_key=KEY, page_size=7) as fake:
        connection = connect(fake)

        ids = [model.id for model in connection.provider.list_models()]

        assert len(fake.requests) == (len(fake.models) + 6) // 7
        assert fake.requests[1].query["pageToken"] == "7"
        assert "gemini-2.5-flash" in ids
        assert "gemini-3-pro-preview" in ids
        for dropped in (
            "gemini-embedding-001",
            "imagen-4.0-generate-001",
            "veo-3.1-generate-preview",
            "aqa",
            "gemini-2.5-flash-preview-tts",
            "gemini-2.5-flash-image",
            "lyria-3-pro-preview",
        ):
            assert dropped not in ids


def test_gemini_recorded_model_list_filter(
    google_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(google_fake)
    recorded = load_fixture("gemini/models_list_page1.json")["response"]["body"]
    recorded.pop("nextPageToken")
    google_fake.add_fault(200, recorded)

    models = {model.id: model for model in connection.provider.list_models()}

    assert models["gemini-2.5-pro"].context_window == 1048576
    assert models["gemini-2.5-pro"].max_output_tokens == 65536
    assert "gemini-embedding-2" not in models
    assert "nano-banana-pro-preview" not in models
