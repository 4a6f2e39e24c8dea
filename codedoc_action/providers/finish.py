"""Incomplete answers: truncated, refused, blocked or empty.

An incomplete answer was still billed, so the exception carries the usage of
the call in ``usage`` (a ``usage.Usage``) for the caller's ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from codedoc_action.errors import IncompleteAnswerError
from codedoc_action.usage import Usage

TRUNCATED = "truncated"
REFUSED = "refused"
BLOCKED = "blocked"
PROMPT_BLOCKED = "prompt_blocked"
EMPTY = "empty"

FIXES = {
    TRUNCATED: (
        "The answer reached the output limit; narrow paths or lower max-files "
        "so the page needs fewer tokens, or set model to one with a larger "
        "output limit."
    ),
    REFUSED: (
        "The model refused to answer; review instructions and the files sent "
        "(exclude sensitive ones), then rerun."
    ),
    BLOCKED: (
        "The provider's safety filter blocked the answer; exclude the files that "
        "trigger it with exclude, then rerun."
    ),
    PROMPT_BLOCKED: (
        "The provider's safety filter blocked the prompt before any answer; "
        "exclude the files that trigger it with exclude, then rerun."
    ),
    EMPTY: "The model returned no text; rerun, or set model to another model.",
}


@dataclass(frozen=True)
class Incomplete:
    """Why an answer is unusable: one of the kinds above and the raw reason."""

    kind: str
    reason: str


def incomplete_error(
    incomplete: Incomplete,
    *,
    provider: str,
    model: str,
    usage: Usage,
    request_id: str | None,
) -> IncompleteAnswerError:
    """Return the exception for an incomplete answer, with the call's usage."""
    where = f" (request id {request_id})" if request_id else ""
    error = IncompleteAnswerError(
        f"{provider} model {model!r} returned an incomplete answer{where}: "
        f"{incomplete.kind} (finish reason {incomplete.reason}). "
        f"{FIXES[incomplete.kind]}",
        provider=provider,
        request_id=request_id,
    )
    error.usage = usage  # type: ignore[attr-defined]
    error.reason = incomplete.reason  # type: ignore[attr-defined]
    return error
