"""Translation of provider HTTP errors into codedoc-action exceptions.

Every provider wraps its errors in JSON of its own shape (Anthropic
``{"type": "error", "error": {...}}``, OpenAI and Azure ``{"error": {...}}``,
Gemini ``{"error": {"status", "details"}}``, Ollama ``{"error": "text"}``).
``read_error`` flattens them into one ``ErrorBody``. ``error_for`` then picks
the exception class and writes a message naming the provider, the HTTP status,
the request id and the input to change. Keys are scrubbed from every message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from codedoc_action.errors import (
    IncompleteAnswerError,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderError,
    RateLimitError,
)
from codedoc_action.providers.base import ContextLengthError

REQUEST_ID_HEADERS = (
    "request-id",
    "x-request-id",
    "apim-request-id",
    "x-ms-request-id",
)
CONTEXT_LENGTH_PHRASES = (
    "prompt is too long",
    "maximum context length",
    "exceeds the maximum number of tokens",
    "context window",
    "context length",
)
# OpenAI echoes a masked form of a rejected key ("provided: sk-pro****abcd").
ECHOED_KEY = re.compile(r"(api key provided:?)\s*\S+", re.IGNORECASE)
GOOGLE_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")
TRY_AGAIN_IN = re.compile(r"try again in (\d+(?:\.\d+)?)(ms|s)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ErrorBody:
    """The fields of an error response, whatever the provider's JSON shape.

    ``code`` is the OpenAI or Azure error code, or the Gemini status name.
    ``reasons`` and ``quota_ids`` come from Gemini's ErrorInfo and QuotaFailure
    details; ``retry_delay`` is Gemini's RetryInfo delay in seconds.
    """

    message: str = ""
    code: str = ""
    type: str = ""
    param: str = ""
    reasons: tuple[str, ...] = ()
    quota_ids: tuple[str, ...] = ()
    retry_delay: float | None = None
    request_id: str | None = None
    is_json: bool = True


def request_id_of(response: httpx.Response, body: Any = None) -> str | None:
    """Return the provider's request id from the headers, else from the body."""
    for header in REQUEST_ID_HEADERS:
        value = response.headers.get(header)
        if value:
            return str(value)
    if isinstance(body, dict):
        for key in ("request_id", "responseId"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def read_error(response: httpx.Response) -> ErrorBody:
    """Parse an error response body into an ``ErrorBody``."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        # A proxy or a wrong path returns HTML, so keep a short, flat excerpt.
        excerpt = " ".join(response.text.split())[:200]
        return ErrorBody(message=excerpt, is_json=False)
    if not isinstance(body, dict):
        return ErrorBody(message=str(body)[:500])
    error = body.get("error", body)
    request_id = body.get("request_id") if isinstance(body, dict) else None
    if isinstance(error, str):
        return ErrorBody(message=error, request_id=_text(request_id) or None)
    if not isinstance(error, dict):
        return ErrorBody(message=str(error)[:500])
    details = error.get("details")
    reasons, quota_ids, retry_delay = _google_details(details)
    code = error.get("code")
    status = error.get("status")
    # Gemini puts the number in "code" and the name in "status"; OpenAI and
    # Azure put the name in "code" (OpenRouter puts a number there).
    name = status if isinstance(status, str) and status else code
    message = _text(error.get("message"))
    metadata = error.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("raw"), str):
        # OpenRouter puts the upstream provider's own message here.
        message = f"{message}: {metadata['raw']}"
    return ErrorBody(
        message=message,
        code=_text(name),
        type=_text(error.get("type")),
        param=_text(error.get("param")),
        reasons=reasons,
        quota_ids=quota_ids,
        retry_delay=retry_delay,
        request_id=_text(request_id) or None,
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _google_details(
    details: object,
) -> tuple[tuple[str, ...], tuple[str, ...], float | None]:
    reasons: list[str] = []
    quota_ids: list[str] = []
    retry_delay: float | None = None
    if not isinstance(details, list):
        return (), (), None
    for detail in details:
        if not isinstance(detail, dict):
            continue
        kind = str(detail.get("@type", ""))
        if kind.endswith("google.rpc.ErrorInfo") and detail.get("reason"):
            reasons.append(str(detail["reason"]))
        elif kind.endswith("google.rpc.QuotaFailure"):
            for violation in detail.get("violations") or []:
                if isinstance(violation, dict) and violation.get("quotaId"):
                    quota_ids.append(str(violation["quotaId"]))
        elif kind.endswith("google.rpc.RetryInfo"):
            match = GOOGLE_DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                retry_delay = float(match.group(1))
    return tuple(reasons), tuple(quota_ids), retry_delay


def redact(text: str, secrets: Iterable[str]) -> str:
    """Remove every secret, and any key a provider echoes back, from text."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return ECHOED_KEY.sub(r"\1 [redacted]", text)


def is_permanent_quota(error: ErrorBody) -> bool:
    """True for quota errors that waiting does not clear.

    OpenAI returns 429 ``insufficient_quota`` when the account has no credit.
    Gemini names the exhausted quotas, and an id containing ``PerDay`` is a
    daily limit that the client's minutes of backoff cannot outlast.
    """
    if "insufficient_quota" in (error.code, error.type):
        return True
    return any("PerDay" in quota_id for quota_id in error.quota_ids)


def should_retry(response: httpx.Response) -> bool:
    """Veto retries the status alone would allow (see ``HttpClient``)."""
    if response.headers.get("x-should-retry", "").lower() == "false":
        return False
    return not is_permanent_quota(read_error(response))


def retry_delay(response: httpx.Response) -> float | None:
    """Return the wait a provider asked for outside ``Retry-After``, in seconds.

    Sources, in order: OpenAI's ``retry-after-ms`` header, Gemini's RetryInfo
    detail, and OpenAI's "Please try again in 1.5s" message text.
    """
    milliseconds = response.headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    error = read_error(response)
    if error.retry_delay is not None:
        return error.retry_delay
    match = TRY_AGAIN_IN.search(error.message)
    if match:
        amount = float(match.group(1))
        return amount / 1000 if match.group(2).lower() == "ms" else amount
    return None


@dataclass(frozen=True)
class ErrorContext:
    """The call an error belongs to, so the message can name the input to fix."""

    provider: str
    model: str = ""
    input_name: str = "model"
    secrets: tuple[str, ...] = ()
    retries: int = 0


def error_for(response: httpx.Response, context: ErrorContext) -> ProviderError:
    """Return the exception for an unsuccessful response."""
    error = read_error(response)
    status = response.status_code
    request_id = request_id_of(response) or error.request_id
    detail = redact(error.message, context.secrets).strip().rstrip(".")
    detail = detail or "no error message"
    where = f"{context.provider} returned HTTP {status}"
    if request_id:
        where += f" (request id {request_id})"
    kind, explanation = _classify(status, error, detail, context)
    return kind(
        f"{where}: {explanation}",
        provider=context.provider,
        status=status,
        request_id=request_id,
    )


def _classify(
    status: int, error: ErrorBody, detail: str, context: ErrorContext
) -> tuple[type[ProviderError], str]:
    """Return the exception class and the message after "returned HTTP n"."""
    if status in (401, 403) or "API_KEY_INVALID" in error.reasons:
        return ProviderAuthError, (
            f"the API key was rejected ({detail}). Set api-key to a valid "
            f"{context.provider} key with access to this model, and check "
            "api-base-url if you set it."
        )
    if status in (429, 529) or error.type == "overloaded_error":
        return RateLimitError, f"{detail}. {_rate_limit_fix(status, error, context)}"
    if error.code == "DeploymentNotFound":
        return ModelNotFoundError, (
            f"deployment {context.model!r} was not found ({detail}). Set "
            f"{context.input_name} to the name of a deployment of this Azure "
            "resource, exactly as listed under Deployments."
        )
    if error.code == "model_not_found" or (
        status == 404 and error.is_json and "model" in error.message.lower()
    ):
        return ModelNotFoundError, (
            f"model {context.model!r} was not found ({detail}). Set "
            f"{context.input_name} to an id that `codedoc models --provider "
            f"{context.provider}` lists."
        )
    if error.code == "content_filter":
        return IncompleteAnswerError, (
            f"the prompt was blocked by the content filter (content_filter: "
            f"{detail}). Exclude the files that trigger it with exclude, or "
            "adjust the content filter of the deployment."
        )
    if status in (400, 413) and _is_context_length(error):
        return ContextLengthError, (
            f"the prompt is longer than the context window of {context.model!r} "
            f"({detail}). Lower max-files, narrow paths, or set "
            f"{context.input_name} to a model with a larger context window."
        )
    if status == 404:
        return ProviderError, (
            f"{detail}. The URL path was not found; check api-base-url."
        )
    if status >= 500:
        return ProviderError, (
            f"{detail}. The provider had a server error that outlasted "
            f"{context.retries} retries; rerun later."
        )
    fix = "Check the model and its options; this may be a codedoc-action bug."
    if "api version" in detail.lower() or "api-version" in detail.lower():
        fix = (
            "Set a newer API version in api-base-url, e.g. "
            "https://NAME.openai.azure.com?api-version=2024-12-01-preview."
        )
    return ProviderError, f"the request was rejected: {detail}. {fix}"


def _is_context_length(error: ErrorBody) -> bool:
    if error.code == "context_length_exceeded":
        return True
    message = error.message.lower()
    return any(phrase in message for phrase in CONTEXT_LENGTH_PHRASES)


def _rate_limit_fix(status: int, error: ErrorBody, context: ErrorContext) -> str:
    if "insufficient_quota" in (error.code, error.type):
        return (
            "The account has no credit left, and retrying does not help: add "
            "credit or raise the spending limit in the provider's billing settings."
        )
    daily = [quota_id for quota_id in error.quota_ids if "PerDay" in quota_id]
    if daily:
        return (
            f"A daily quota is used up ({', '.join(daily)}), and retrying today "
            "does not help: rerun after it resets, or move the key to a paid tier."
        )
    if status == 529 or error.type == "overloaded_error":
        return (
            f"The provider was overloaded through {context.retries} retries; "
            "rerun later."
        )
    return (
        f"The rate limit outlasted {context.retries} retries; rerun later, lower "
        "max-files, or raise the limits of the key."
    )
