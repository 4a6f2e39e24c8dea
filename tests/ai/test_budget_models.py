"""Calls to the selection model are priced at that model's price."""

from __future__ import annotations

from codedoc_action.ai.budget import Budget, CallEstimate
from codedoc_action.pricing import Price
from codedoc_action.usage import Usage

MAIN = Price(input=3e-6, output=15e-6)
CHEAP = Price(input=1e-6, output=5e-6)


def test_budget_prices_each_model() -> None:
    budget = Budget(price=MAIN)
    budget.model_prices["small-model"] = CHEAP
    usage = Usage(input_tokens=1000, output_tokens=100)

    select = CallEstimate("select", 1000, 100, model="small-model")
    budget.reserve(select)
    assert budget.record(select, usage) == 1000 * 1e-6 + 100 * 5e-6

    write = CallEstimate("write", 1000, 100, model="big-model")
    budget.reserve(write)
    assert budget.record(write, usage) == 1000 * 3e-6 + 100 * 15e-6


def test_budget_unknown_model_price_is_none() -> None:
    budget = Budget(price=MAIN)
    budget.model_prices["unlisted"] = None
    call = CallEstimate("select", 10, 10, model="unlisted")
    budget.reserve(call)
    assert budget.record(call, Usage(input_tokens=10, output_tokens=10)) is None
