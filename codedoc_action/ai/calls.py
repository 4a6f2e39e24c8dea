"""One AI call: budget reservation, the request, and its ledger record."""

from __future__ import annotations

import logging
import time

from codedoc_action.ai.budget import Budget, CallEstimate
from codedoc_action.ai.tokens import count_request_tokens
from codedoc_action.providers.base import Completion, CompletionRequest, Provider
from codedoc_action.usage import CallRecord, Usage, UsageLedger

logger = logging.getLogger(__name__)


def call_model(
    provider: Provider,
    request: CompletionRequest,
    ledger: UsageLedger,
    budget: Budget,
) -> Completion:
    """Reserve the worst case of ``request`` in the budget, send it, record the call.

    Raises ``BudgetError`` before sending when the call could overrun the budget.
    A call that fails keeps its worst case counted as spent, because a provider
    may bill a call that then fails (a truncated or blocked answer).
    """
    estimate = CallEstimate(
        request.stage,
        count_request_tokens(provider, request),
        request.max_output_tokens,
        model=request.model,
    )
    budget.reserve(estimate)
    started = time.monotonic()
    try:
        completion = provider.complete(request)
    except BaseException:
        worst_case = Usage(estimate.input_tokens, estimate.max_output_tokens)
        budget.record(estimate, worst_case)
        raise
    seconds = time.monotonic() - started
    cost = budget.record(estimate, completion.usage)
    ledger.add(
        CallRecord(
            stage=request.stage,
            provider=provider.name,
            model=completion.model or request.model,
            usage=completion.usage,
            seconds=completion.seconds or seconds,
            request_id=completion.request_id,
            cost_usd=cost,
        )
    )
    logger.info(
        "%s call to %s: %d input, %d output tokens in %.1f s",
        request.stage,
        request.model,
        completion.usage.input_tokens,
        completion.usage.output_tokens,
        seconds,
    )
    return completion
