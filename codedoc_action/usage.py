"""Token usage per AI call, normalised across providers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Usage:
    """Tokens of one call.

    ``input_tokens`` counts every prompt token, cached ones included, so the
    total is comparable between providers. ``cache_read_tokens`` and
    ``cache_write_tokens`` are the parts of ``input_tokens`` served from or
    written to the provider's prompt cache. ``reasoning_tokens`` is the part of
    ``output_tokens`` spent on thinking (Gemini reports it outside the
    candidate count; the adapter adds it in).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
        )


@dataclass(frozen=True)
class CallRecord:
    """One AI call as the summary shows it."""

    stage: str
    provider: str
    model: str
    usage: Usage
    seconds: float
    request_id: str | None = None
    cost_usd: float | None = None


@dataclass
class UsageLedger:
    """Every AI call of a run, in order."""

    calls: list[CallRecord] = field(default_factory=list)

    def add(self, record: CallRecord) -> None:
        self.calls.append(record)

    @property
    def total(self) -> Usage:
        total = Usage()
        for call in self.calls:
            total = total + call.usage
        return total

    @property
    def cost_usd(self) -> float | None:
        """Summed cost, or None when any call has an unknown price."""
        costs = [call.cost_usd for call in self.calls]
        if any(cost is None for cost in costs):
            return None
        return sum(cost for cost in costs if cost is not None)
