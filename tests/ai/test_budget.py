from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from codedoc_action.ai.budget import Budget, BudgetExceededError, CallEstimate, Price
from codedoc_action.ai.tokens import (
    count_request_tokens,
    estimate_request_tokens,
    estimate_tokens,
)
from codedoc_action.errors import BudgetError, ProviderError
from codedoc_action.providers.base import CompletionRequest, Message
from codedoc_action.usage import Usage, UsageLedger
from tests.ai.fakes import FakeProvider


def test_estimate_tokens_grows_with_text() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a") >= 1
    assert estimate_tokens("word " * 100) > estimate_tokens("word " * 10)


def test_estimate_tokens_counts_utf8_bytes() -> None:
    assert estimate_tokens("é" * 100) > estimate_tokens("e" * 100)


def test_estimate_tokens_above_plain_ratio() -> None:
    text = "def handler(event, context):\n    return None\n" * 50

    assert estimate_tokens(text) > len(text.encode()) / 3.2


def test_count_request_tokens_prefers_larger() -> None:
    request = CompletionRequest(
        model="fake-model",
        system="system",
        messages=(Message("user", "x" * 4000),),
        max_output_tokens=10,
    )
    estimate = estimate_request_tokens(request)

    dense = FakeProvider(count_endpoint=True, bytes_per_token=0.5)
    sparse = FakeProvider(count_endpoint=True, bytes_per_token=100.0)

    assert count_request_tokens(dense, request) > estimate
    assert count_request_tokens(sparse, request) == estimate
    assert count_request_tokens(None, request) == estimate


def test_count_request_tokens_falls_back_on_error() -> None:
    class FailingCounter(FakeProvider):
        def count_tokens(self, request: CompletionRequest) -> int | None:
            raise ProviderError("count endpoint down", provider="fake", status=503)

    request = CompletionRequest("fake-model", "s", (Message("user", "hi"),), 5)

    assert count_request_tokens(FailingCounter(), request) == estimate_request_tokens(
        request
    )


def test_budget_reserve_rejects_overrun() -> None:
    budget = Budget(max_tokens=1_000)
    budget.reserve(CallEstimate("select", 400, 100))

    with pytest.raises(BudgetExceededError) as raised:
        budget.reserve(CallEstimate("write", 400, 200))

    assert raised.value.needed == 1_100
    assert raised.value.limit == 1_000
    assert raised.value.setting == "max-tokens"
    assert "1,100" in str(raised.value)
    assert "write call" in str(raised.value)


def test_budget_record_replaces_reservation() -> None:
    budget = Budget(max_tokens=1_000)
    call = CallEstimate("select", 400, 300)
    budget.reserve(call)

    budget.record(call, Usage(input_tokens=350, output_tokens=50))

    assert budget.spent_tokens == 400
    assert budget.remaining_tokens() == 600


def test_budget_cost_limit() -> None:
    price = Price(input=3e-6, output=15e-6)
    budget = Budget(max_cost=0.01, price=price)
    budget.reserve(CallEstimate("select", 1_000, 100))

    with pytest.raises(BudgetExceededError) as raised:
        budget.reserve(CallEstimate("write", 2_000, 1_000))

    assert raised.value.setting == "max-cost"
    assert "max-cost" in str(raised.value)


def test_budget_cost_without_price_rejected() -> None:
    with pytest.raises(BudgetError, match="price-input"):
        Budget(max_cost=1.0)


def test_budget_cost_counts_cache_write_rate() -> None:
    price = Price(input=1e-6, output=2e-6, cache_write=4e-6)
    budget = Budget(max_cost=0.0039, price=price)

    with pytest.raises(BudgetExceededError):
        budget.reserve(CallEstimate("write", 1_000, 0))


def test_budget_check_plan_names_stages() -> None:
    budget = Budget(max_tokens=5_000)
    calls = [CallEstimate("select", 2_000, 500), CallEstimate("write", 3_000, 1_000)]

    with pytest.raises(BudgetExceededError) as raised:
        budget.check_plan(calls)

    assert "select 2,500" in str(raised.value)
    assert "write 4,000" in str(raised.value)
    assert raised.value.needed == 6_500


def test_budget_parallel_reservations_never_overrun() -> None:
    budget = Budget(max_tokens=10_000)
    accepted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        call = CallEstimate("summarise", 700, 300)
        try:
            budget.reserve(call)
        except BudgetError:
            return
        budget.record(call, Usage(700, 300))
        with lock:
            accepted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(accepted) == 10
    assert budget.spent_tokens == 10_000


def test_budget_record_ledger_counts_earlier_calls() -> None:
    from codedoc_action.usage import CallRecord

    ledger = UsageLedger()
    ledger.add(CallRecord("write", "fake", "m", Usage(600, 100), 1.0))
    budget = Budget(max_tokens=1_000)

    budget.record_ledger(ledger)

    assert budget.remaining_tokens() == 300


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ai"


def _recorded(name: str) -> tuple[CompletionRequest, int]:
    """Return a recorded request as ours, and the input tokens the provider counted."""
    recorded = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    body = recorded["request"]["body"]
    system = body.get("system", "")
    if isinstance(system, list):
        system = "\n".join(block["text"] for block in system)
    messages = []
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, list):
            content = "\n".join(block["text"] for block in content if "text" in block)
        if message["role"] == "system":
            system = f"{system}\n{content}".strip()
        elif message["role"] == "assistant":
            messages.append(Message("assistant", content))
        else:
            messages.append(Message("user", content))
    response = recorded["response"]["body"]
    counted = response.get("input_tokens") or response["usage"]["prompt_tokens"]
    request = CompletionRequest("model", system, tuple(messages), 1)
    return request, int(counted)


@pytest.mark.parametrize(
    "name",
    ["anthropic_count_tokens_ok.json", "openai_chat_completion_cache_write.json"],
)
def test_estimate_request_tokens_above_recorded(name: str) -> None:
    request, counted = _recorded(name)

    assert estimate_request_tokens(request) >= counted
