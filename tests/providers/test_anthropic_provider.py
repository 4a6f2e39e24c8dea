"""Anthropic Messages API client against the fake and recorded responses."""

from __future__ import annotations

import pytest

from codedoc_action.errors import IncompleteAnswerError, ModelNotFoundError
from codedoc_action.providers.anthropic import read_usage
from codedoc_action.providers.base import CompletionRequest, Message
from tests.fakes.providers import FakeProviderServer, load_fixture
from tests.providers.helpers import KEY, PICK_SCHEMA, Connect, ask

MODEL = "claude-sonnet-4-5-20250929"


def test_anthropic_complete_sends_key_and_version(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)

    completion = connection.provider.complete(ask(MODEL))

    request = anthropic_fake.requests[-1]
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert completion.text.startswith("# Repository overview")
    assert completion.finish_reason == "end_turn"
    assert completion.request_id is not None
    assert completion.usage == anthropic_fake.usage_served[-1]


def test_anthropic_alias_is_accepted(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)

    completion = connection.provider.complete(ask("claude-sonnet-4-5"))

    assert completion.model == MODEL


def test_anthropic_cache_control_ends_shared_prefix(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    shared = "Repository map line.\n" * 400
    first = CompletionRequest(
        model=MODEL,
        system="You write documentation.",
        messages=(Message("user", shared), Message("user", "Pick files.")),
        max_output_tokens=500,
        cacheable_prefix=1,
    )
    second = CompletionRequest(
        model=MODEL,
        system="You write documentation.",
        messages=(Message("user", shared), Message("user", "Write the page.")),
        max_output_tokens=500,
        cacheable_prefix=1,
    )

    written = connection.provider.complete(first).usage
    read = connection.provider.complete(second).usage

    messages = anthropic_fake.requests[0].json["messages"]
    assert messages[0]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in messages[1]["content"][-1]
    assert written.cache_write_tokens > 1000
    assert written.cache_read_tokens == 0
    assert read.cache_read_tokens == written.cache_write_tokens
    assert read.cache_write_tokens == 0
    assert read == anthropic_fake.usage_served[1]
    assert read.input_tokens > read.cache_read_tokens


def test_anthropic_structured_answer_uses_forced_tool(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    anthropic_fake.reply = lambda request: {
        "files": [{"path": "src/app.py", "reason": "entry point"}]
    }

    completion = connection.provider.complete(
        ask(MODEL, json_schema=PICK_SCHEMA, schema_name="pick files")
    )

    body = anthropic_fake.requests[-1].json
    assert body["tool_choice"] == {"type": "tool", "name": "pick_files"}
    assert body["tools"][0]["input_schema"] == PICK_SCHEMA
    assert completion.data == {
        "files": [{"path": "src/app.py", "reason": "entry point"}]
    }
    assert completion.finish_reason == "tool_use"


def test_anthropic_structured_without_tool_call_is_incomplete(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    anthropic_fake.reply = lambda request: "I would rather describe it in prose."

    with pytest.raises(IncompleteAnswerError, match="without the forced tool call"):
        connection.provider.complete(ask(MODEL, json_schema=PICK_SCHEMA))


def test_anthropic_truncated_answer_raises_with_usage(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)

    with pytest.raises(IncompleteAnswerError, match="truncated") as caught:
        connection.provider.complete(ask(MODEL, max_output_tokens=5))

    assert "max_tokens" in str(caught.value)
    assert caught.value.usage == anthropic_fake.usage_served[-1]  # type: ignore[attr-defined]


def test_anthropic_refusal_raises(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    body = load_fixture("anthropic/messages_nonstream_adaptive_thinking.json")
    refusal = body["response"]["body"] | {"stop_reason": "refusal"}
    anthropic_fake.add_fault(200, refusal)

    with pytest.raises(IncompleteAnswerError, match="refused"):
        connection.provider.complete(ask(MODEL))


def test_anthropic_recorded_usage_counts_cache_on_top() -> None:
    read = load_fixture("anthropic/messages_nonstream_cache_read.json")
    write = load_fixture("anthropic/messages_nonstream_cache_write.json")

    read_usage_ = read_usage(read["response"]["body"]["usage"])
    write_usage = read_usage(write["response"]["body"]["usage"])

    assert read_usage_.input_tokens == 3 + 1111
    assert read_usage_.cache_read_tokens == 1111
    assert write_usage.input_tokens == 3 + 1111 + 418
    assert write_usage.cache_write_tokens == 418
    assert write_usage.output_tokens == 33


def test_anthropic_recorded_thinking_tokens_are_reasoning() -> None:
    recorded = load_fixture("anthropic/messages_nonstream_adaptive_thinking.json")

    usage = read_usage(recorded["response"]["body"]["usage"])

    assert usage.output_tokens == 44
    assert usage.reasoning_tokens == 33
    assert usage.input_tokens == 13


def test_anthropic_recorded_answer_parses(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    recorded = load_fixture("anthropic/messages_nonstream_cache_write.json")
    anthropic_fake.add_fault(200, recorded["response"]["body"])

    completion = connection.provider.complete(ask(MODEL))

    assert completion.text.startswith("Python is a beginner-friendly")
    assert completion.usage.cache_read_tokens == 1111
    assert completion.model == MODEL


def test_anthropic_count_tokens_matches_fake(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    request = ask(MODEL, "x" * 4000)

    counted = connection.provider.count_tokens(request)
    completion = connection.provider.complete(request)

    assert anthropic_fake.requests[0].path == "/v1/messages/count_tokens"
    assert "max_tokens" not in anthropic_fake.requests[0].json
    assert counted == completion.usage.input_tokens


def test_anthropic_count_tokens_unknown_model(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)
    body = load_fixture("anthropic/error_404_count_tokens_model_not_found.json")
    anthropic_fake.add_fault(404, body["response"]["body"])

    with pytest.raises(ModelNotFoundError) as caught:
        connection.provider.count_tokens(ask("claude-does-not-exist"))

    assert caught.value.request_id == "req_011CVEA3SF7rnb3DuBZytqQa"
    assert "claude-does-not-exist" in str(caught.value)


def test_anthropic_models_follow_pages(connect: Connect) -> None:
    with FakeProviderServer(kind="anthropic", api_key=KEY, page_size=2) as fake:
        connection = connect(fake)

        models = connection.provider.list_models()

        assert [model.id for model in models] == fake.models
        assert len(fake.requests) == (len(fake.models) + 1) // 2
        assert fake.requests[1].query["after_id"] == fake.models[1]


def test_anthropic_default_model_is_listed(
    anthropic_fake: FakeProviderServer, connect: Connect
) -> None:
    connection = connect(anthropic_fake)

    ids = [model.id for model in connection.provider.list_models()]

    assert connection.provider.default_model in ids
