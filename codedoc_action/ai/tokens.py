"""Offline token estimates for prompts and source text.

No tokenizer ships here for every provider (tiktoken downloads its encoding
files at first use, and Anthropic's and Gemini's tokenizers are not public), so
the estimate divides the UTF-8 size by a fixed ratio and adds a margin. Callers
that need the provider's own figure use ``count_request_tokens``, which calls
``Provider.count_tokens`` first.
"""

from __future__ import annotations

import logging
import math

from codedoc_action.errors import ProviderError
from codedoc_action.providers.base import CompletionRequest, Provider

logger = logging.getLogger(__name__)

# NOTE: 3.2 bytes per token is an estimate for source code and English prose
# under BPE tokenizers of the cl100k/o200k family. Dense text (minified code,
# base64, CJK) tokenizes worse, which the margin only partly covers. On the two
# recorded requests in tests/fixtures/ai the estimate was 1.77 times
# Anthropic's count and 1.13 times OpenAI's count for digit-heavy text.
BYTES_PER_TOKEN = 3.2
SAFETY_MARGIN = 1.15
MESSAGE_OVERHEAD_TOKENS = 8


def estimate_tokens(text: str) -> int:
    """Estimate the tokens of ``text``, rounded up, margin included."""
    if not text:
        return 0
    size = len(text.encode("utf-8"))
    return math.ceil(size / BYTES_PER_TOKEN * SAFETY_MARGIN)


def estimate_size_tokens(size_bytes: int) -> int:
    """Estimate the tokens of a file of ``size_bytes`` without reading it."""
    if size_bytes <= 0:
        return 0
    return math.ceil(size_bytes / BYTES_PER_TOKEN * SAFETY_MARGIN)


def estimate_request_tokens(request: CompletionRequest) -> int:
    """Estimate the input tokens of one request: system, messages, schema."""
    total = estimate_tokens(request.system) + MESSAGE_OVERHEAD_TOKENS
    for message in request.messages:
        total += estimate_tokens(message.text) + MESSAGE_OVERHEAD_TOKENS
    if request.json_schema is not None:
        total += estimate_tokens(repr(request.json_schema))
    return total


def count_request_tokens(provider: Provider | None, request: CompletionRequest) -> int:
    """Return the larger of the provider's count and the offline estimate.

    The larger figure is kept so a budget check never relies on a count that
    is lower than what the offline estimate expects. A failing count endpoint
    is logged and the estimate used instead, because counting is advisory.
    """
    estimate = estimate_request_tokens(request)
    if provider is None:
        return estimate
    try:
        counted = provider.count_tokens(request)
    except ProviderError as error:
        logger.info("token count endpoint failed, using the estimate: %s", error)
        return estimate
    if counted is None:
        return estimate
    return max(counted, estimate)
