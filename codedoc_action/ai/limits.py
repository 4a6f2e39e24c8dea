"""Size limits of the AI calls of one run, in estimated tokens."""

from __future__ import annotations

from dataclasses import dataclass


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
