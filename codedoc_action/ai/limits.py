"""Size limits of the AI calls of one run, in estimated tokens."""

from __future__ import annotations

from dataclasses import dataclass, replace

from codedoc_action.pricing import Price

# Room left in the context window for the per-message framing that providers
# add and our estimate does not see.
CONTEXT_MARGIN_TOKENS = 1_000


@dataclass(frozen=True)
class Limits:
    """Caps on each kind of call; the defaults fit models with 128K contexts.

    ``call_input_tokens`` bounds the input of every single call, so material
    that does not fit one write call is summarised in batches first, in at most
    ``max_summary_calls`` calls. ``file_tokens`` caps the full text of one
    file: a longer file is sent as its first lines plus its signatures.
    """

    call_input_tokens: int = 64_000
    map_tokens: int = 6_000
    change_list_tokens: int = 3_000
    section_tokens: int = 12_000
    select_output_tokens: int = 2_000
    summary_output_tokens: int = 1_500
    write_output_tokens: int = 8_000
    max_summary_calls: int = 8
    file_tokens: int = 6_000
    diff_file_max_lines: int = 400


def limits_for(price: Price | None, base: Limits | None = None) -> Limits:
    """Fit ``base`` (default ``Limits()``) to the model's context and output limits.

    The price table records each model's context window and maximum output
    where known; without them ``base`` is returned unchanged.
    """
    limits = base or Limits()
    if price is None:
        return limits
    if price.max_output_tokens:
        limits = replace(
            limits,
            write_output_tokens=min(
                limits.write_output_tokens, price.max_output_tokens
            ),
            summary_output_tokens=min(
                limits.summary_output_tokens, price.max_output_tokens
            ),
            select_output_tokens=min(
                limits.select_output_tokens, price.max_output_tokens
            ),
        )
    if price.context_window:
        room = price.context_window - limits.write_output_tokens - CONTEXT_MARGIN_TOKENS
        limits = replace(
            limits,
            call_input_tokens=max(min(limits.call_input_tokens, room), 1_000),
            map_tokens=max(min(limits.map_tokens, room // 8), 200),
        )
    return limits
