"""OpenAI Chat Completions client against the fake and recorded responses."""

from __future__ import annotations

import pytest

from codedoc_action.errors import IncompleteAnswerError, ProviderError
from codedoc_action.providers.base import CompletionRequest, Message
from codedoc_action.providers.openai_format import is_reasoning_model, read_usage
from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import KEY, PICK_SCHEMA, Connect, ask


def test_openai_complete_sends_bearer_key(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)

    completion = connection.provider.complete(ask("gpt-4o", temperature=0.2))

    request = openai_fake.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json["messages"][0] == {
        "role": "system",
        "content": "You write documentation.",
    }
    assert request.json["temperature"] == 0.2
    assert request.json["max_completion_tokens"] == 1000
    assert completion.request_id is not None
    assert completion.request_id.startswith("req_")
    assert completion.usage == openai_fake.usage_served[-1]


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"])
def test_openai_reasoning_model_omits_temperature(
    openai_fake: FakeProviderServer, connect: Connect, model: str
) -> None:
    connection = connect(openai_fake)

    completion = connection.provider.complete(ask(model, temperature=0.2))

    body = openai_fake.requests[-1].json
    assert len(openai_fake.requests) == 1
    assert "temperature" not in body
    assert "max_tokens" not in body
    assert body["max_completion_tokens"] == 1000
    assert completion.usage.reasoning_tokens > 0
    assert completion.usage == openai_fake.usage_served[-1]


def test_openai_reasoning_family_names() -> None:
    assert is_reasoning_model("o3-mini-2025-01-31")
    assert is_reasoning_model("gpt-5.1")
    assert not is_reasoning_model("gpt-4o")
    assert not is_reasoning_model("gpt-4.1-mini")
    assert not is_reasoning_model("omni-moderation-latest")


def test_openai_system_role_folded_after_rejection(connect: Connect) -> None:
    with FakeProviderServer(kind="openai", api_key=KEY, models=["o1-mini"]) as fake:
        connection = connect(fake)

        completion = connection.provider.complete(ask("o1-mini"))
        again = connection.provider.complete(ask("o1-mini"))

        assert [request.json["messages"][0]["role"] for request in fake.requests] == [
            "system",
            "user",
            "user",
        ]
        assert (
            fake.requests[1]
            .json["messages"][0]["content"]
            .startswith("You write documentation.\n\n")
        )
        assert completion.text
        assert again.text


def test_openai_structured_answer_uses_json_schema(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)

    completion = connection.provider.complete(
        ask("gpt-4o", json_schema=PICK_SCHEMA, schema_name="pick files")
    )

    response_format = openai_fake.requests[-1].json["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "pick_files"
    assert response_format["json_schema"]["strict"] is True
    assert completion.data == {"files": [{"path": "example", "reason": "example"}]}


def test_openai_loose_schema_is_not_strict(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    loose = {"type": "object", "properties": {"files": {"type": "array"}}}

    completion = connection.provider.complete(ask("gpt-4o", json_schema=loose))

    spec = openai_fake.requests[-1].json["response_format"]["json_schema"]
    assert spec["strict"] is False
    assert completion.data is not None


def test_openai_rejected_strict_schema_sent_loose(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    openai_fake.add_fault(
        400,
        {
            "error": {
                "message": "Invalid schema for response_format 'answer': In "
                "context=('properties', 'files'), 'minItems' is not permitted.",
                "type": "invalid_request_error",
                "param": "response_format",
                "code": None,
            }
        },
    )

    completion = connection.provider.complete(ask("gpt-4o", json_schema=PICK_SCHEMA))

    first, second = openai_fake.requests
    assert first.json["response_format"]["json_schema"]["strict"] is True
    assert second.json["response_format"]["json_schema"]["strict"] is False
    assert completion.data is not None


def test_openai_length_finish_is_truncated(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)

    with pytest.raises(IncompleteAnswerError, match="truncated") as caught:
        connection.provider.complete(ask("gpt-4o", max_output_tokens=4))

    assert "length" in str(caught.value)
    assert caught.value.usage == openai_fake.usage_served[-1]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"finish_reason": "content_filter", "message": {"content": ""}}, "blocked"),
        (
            {
                "finish_reason": "stop",
                "message": {"content": None, "refusal": "I can't help with that."},
            },
            "refused",
        ),
        ({"finish_reason": "stop", "message": {"content": "  "}}, "empty"),
    ],
)
def test_openai_unusable_choice_raises(
    openai_fake: FakeProviderServer,
    connect: Connect,
    choice: dict[str, object],
    expected: str,
) -> None:
    connection = connect(openai_fake)
    openai_fake.add_fault(200, {"model": "gpt-4o", "choices": [choice]})

    with pytest.raises(IncompleteAnswerError, match=expected):
        connection.provider.complete(ask("gpt-4o"))


def test_openai_no_choices_is_empty(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    openai_fake.add_fault(200, {"model": "gpt-4o", "choices": []})

    with pytest.raises(IncompleteAnswerError, match="empty"):
        connection.provider.complete(ask("gpt-4o"))


def test_openai_invalid_json_answer_raises(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    openai_fake.reply = lambda request: "no JSON here"

    with pytest.raises(ProviderError, match="not a JSON object"):
        connection.provider.complete(ask("gpt-4o", json_schema=PICK_SCHEMA))


def test_openai_prompt_cache_read_from_fake(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)
    shared = Message("user", "Repository map line.\n" * 400)

    for question in ("Pick files.", "Write the page."):
        connection.provider.complete(
            CompletionRequest(
                model="gpt-4o",
                system="You write documentation.",
                messages=(shared, Message("user", question)),
                max_output_tokens=500,
            )
        )

    first, second = openai_fake.usage_served
    assert first.cache_read_tokens == 0
    assert second.cache_read_tokens > 1000
    assert second.input_tokens > second.cache_read_tokens


def test_openai_recorded_usage_cache_is_subset() -> None:
    read = load_fixture("openai/chat_completion_cache_read.json")
    write = load_fixture("openai/chat_completion_cache_write.json")

    read_usage_ = read_usage(read["response"]["body"]["usage"], provider="openai")
    write_usage = read_usage(write["response"]["body"]["usage"], provider="openai")

    assert read_usage_.input_tokens == 4020
    assert read_usage_.cache_read_tokens == 4012
    assert write_usage.input_tokens == 4020
    assert write_usage.cache_write_tokens == 4012
    assert write_usage.cache_read_tokens == 0


def test_openai_recorded_reasoning_usage() -> None:
    recorded = load_fixture(
        "openai/chat_completion_reasoning_max_completion_tokens.json"
    )

    usage = read_usage(recorded["response"]["body"]["usage"], provider="openai")

    assert usage.output_tokens == 87
    assert usage.reasoning_tokens == 64
    assert usage.input_tokens == 7


def test_openai_count_tokens_is_none(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)

    assert connection.provider.count_tokens(ask("gpt-4o")) is None
    assert openai_fake.requests == []


def test_openai_models_are_text_only(
    openai_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(openai_fake)

    ids = {model.id for model in connection.provider.list_models()}

    for kept in ("gpt-4o", "gpt-5", "o3-mini", "gpt-4.1-nano", "gpt-5-mini"):
        assert kept in ids
    for dropped in (
        "text-embedding-3-small",
        "tts-1",
        "whisper-1",
        "dall-e-3",
        "omni-moderation-latest",
        "gpt-image-1",
        "gpt-4o-realtime-preview",
        "gpt-4o-audio-preview",
        "gpt-4o-transcribe",
        "sora-2",
        "davinci-002",
        "gpt-3.5-turbo-instruct",
        "gpt-5-codex",
        "o1-pro",
        "gpt-5-pro",
    ):
        assert dropped not in ids
    assert connection.provider.default_model in ids
