"""Token and cost budget of a run, checked before every AI call.

A call is allowed only when what was already spent, plus the call's input
estimate, plus its maximum output, stays within ``max-tokens`` and
``max-cost``. Output is bounded by ``max_output_tokens`` on the request, so the
worst case of every call is known before it is sent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from codedoc_action.errors import BudgetError
from codedoc_action.pricing import Price, cost
from codedoc_action.usage import Usage, UsageLedger

__all__ = [
    "Budget",
    "BudgetExceededError",
    "CallEstimate",
    "Price",
    "worst_case_cost",
]


class BudgetExceededError(BudgetError):
    """A planned call or run over the budget, with the figures in attributes."""

    def __init__(self, message: str, *, needed: float, limit: float, setting: str):
        self.needed = needed
        self.limit = limit
        self.setting = setting
        super().__init__(message)


def worst_case_cost(price: Price, input_tokens: int, output_tokens: int) -> float:
    """Return the highest cost a call of this size can have under ``price``.

    Input may be billed as a cache write, which some providers charge above
    the plain input rate, so the higher of the two rates is used.
    """
    input_rate = max(price.input, price.cache_write or 0.0)
    return input_tokens * input_rate + output_tokens * price.output


@dataclass(frozen=True)
class CallEstimate:
    """The worst case of one planned call: input estimate and maximum output."""

    stage: str
    input_tokens: int
    max_output_tokens: int
    model: str = ""  # priced by ``Budget.model_prices`` when listed there

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.max_output_tokens


class Budget:
    """Limits on the tokens and dollars of a run; None means no limit.

    ``reserve`` and ``record`` are thread-safe, so parallel summary calls can
    share one budget. A reservation counts the call's worst case until the call
    is recorded with its real usage.
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        price: Price | None = None,
    ) -> None:
        if max_cost is not None and price is None:
            raise BudgetError(
                f"max-cost is set to {max_cost} USD but the model has no known "
                "price; set price-input and price-output, or use max-tokens"
            )
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.price = price
        # Prices of models other than the main one (the selection model).
        self.model_prices: dict[str, Price | None] = {}
        self._lock = threading.Lock()
        self._spent_tokens = 0
        self._spent_cost = 0.0
        self._reserved_tokens = 0
        self._reserved_cost = 0.0

    @property
    def spent_tokens(self) -> int:
        return self._spent_tokens

    @property
    def spent_cost(self) -> float:
        return self._spent_cost

    def remaining_tokens(self) -> int | None:
        """Tokens still free after spending and reservations, or None if unlimited."""
        with self._lock:
            return self._remaining_tokens_locked()

    def _remaining_tokens_locked(self) -> int | None:
        if self.max_tokens is None:
            return None
        return self.max_tokens - self._spent_tokens - self._reserved_tokens

    def check_plan(self, calls: list[CallEstimate]) -> None:
        """Raise ``BudgetError`` when the planned calls cannot fit, before any call."""
        tokens = sum(call.total_tokens for call in calls)
        stages = ", ".join(f"{call.stage} {call.total_tokens:,}" for call in calls)
        self._check(tokens, self._cost(calls), f"the run (estimate by call: {stages})")

    def reserve(self, call: CallEstimate) -> None:
        """Hold the worst case of ``call``, or raise ``BudgetError`` before sending."""
        with self._lock:
            self._check(
                self._spent_tokens + self._reserved_tokens + call.total_tokens,
                self._spent_cost + self._reserved_cost + self._cost([call]),
                f"the {call.stage} call (input {call.input_tokens:,} + max output "
                f"{call.max_output_tokens:,} tokens, {self._spent_tokens:,} "
                "already spent)",
            )
            self._reserved_tokens += call.total_tokens
            self._reserved_cost += self._cost([call])

    def release(self, call: CallEstimate) -> None:
        """Drop the reservation of a call that failed before it was charged."""
        with self._lock:
            self._reserved_tokens -= call.total_tokens
            self._reserved_cost -= self._cost([call])

    def record(self, call: CallEstimate, usage: Usage) -> float | None:
        """Replace the reservation of ``call`` by its real usage; return its cost."""
        price = self.price_of(call)
        call_cost = cost(usage, price) if price is not None else None
        with self._lock:
            self._reserved_tokens -= call.total_tokens
            self._reserved_cost -= self._cost([call])
            self._spent_tokens += usage.total_tokens
            self._spent_cost += call_cost or 0.0
        return call_cost

    def record_ledger(self, ledger: UsageLedger) -> None:
        """Count calls already in ``ledger`` (made earlier in the run) as spent."""
        with self._lock:
            self._spent_tokens += ledger.total.total_tokens
            self._spent_cost += ledger.cost_usd or 0.0

    def price_of(self, call: CallEstimate) -> Price | None:
        """Return the price of the model ``call`` goes to."""
        if call.model in self.model_prices:
            return self.model_prices[call.model]
        return self.price

    def _cost(self, calls: list[CallEstimate]) -> float:
        total = 0.0
        for call in calls:
            price = self.price_of(call)
            if price is not None:
                total += worst_case_cost(
                    price, call.input_tokens, call.max_output_tokens
                )
        return total

    def _check(self, tokens: int, cost: float, what: str) -> None:
        if self.max_tokens is not None and tokens > self.max_tokens:
            raise BudgetExceededError(
                f"token budget exceeded: {what} needs up to {tokens:,} tokens but "
                f"max-tokens is {self.max_tokens:,}; raise max-tokens to at least "
                f"{tokens:,}, or lower max-files",
                needed=tokens,
                limit=self.max_tokens,
                setting="max-tokens",
            )
        if self.max_cost is not None and cost > self.max_cost:
            raise BudgetExceededError(
                f"cost budget exceeded: {what} may cost up to {cost:.4f} USD but "
                f"max-cost is {self.max_cost:.4f} USD; raise max-cost to at least "
                f"{cost:.4f}, or lower max-files",
                needed=cost,
                limit=self.max_cost,
                setting="max-cost",
            )
