"""One provider's HTTP client plus what its error messages need."""

from __future__ import annotations

import time
from typing import Any

import httpx

from codedoc_action.errors import ProviderError
from codedoc_action.http import TRANSIENT_ERRORS, HttpClient
from codedoc_action.providers.http_errors import ErrorContext, error_for, request_id_of


class Wire:
    """Send JSON requests for one provider and translate every failure.

    Transport errors that outlast the client's retries become ``ProviderError``
    naming the host and whether the request timed out or could not connect.
    Unsuccessful responses go through ``http_errors.error_for``.
    """

    def __init__(self, provider: str, http: HttpClient, secrets: tuple[str, ...]):
        self.provider = provider
        self.http = http
        self.secrets = secrets

    def send(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request (with the client's retries) and return the response."""
        host = self.http.base_url.host
        try:
            return self.http.request(method, path, json=body, params=params)
        except TRANSIENT_ERRORS as exc:
            not_retried = not self.http.retry_post_read_timeouts
            if isinstance(exc, httpx.ReadTimeout) and method == "POST" and not_retried:
                raise ProviderError(
                    f"{self.provider}: the request to {host} timed out waiting for "
                    "the response (ReadTimeout). It was not retried, because "
                    "the provider may still be generating, and billing, it. Rerun "
                    "later, or lower max-files so the answer is shorter.",
                    provider=self.provider,
                ) from exc
            if isinstance(exc, httpx.TimeoutException):
                failure = f"timed out ({type(exc).__name__})"
            else:
                failure = f"failed to connect or was cut off ({type(exc).__name__})"
            raise ProviderError(
                f"{self.provider}: the request to {host} {failure} after "
                f"{self.http.max_retries} retries. Check api-base-url and that "
                f"the runner can reach {host}, then rerun.",
                provider=self.provider,
            ) from exc

    def check(
        self,
        response: httpx.Response,
        *,
        model: str = "",
        input_name: str = "model",
    ) -> dict[str, Any]:
        """Raise for an unsuccessful response; return the JSON object otherwise."""
        if not response.is_success:
            context = ErrorContext(
                provider=self.provider,
                model=model,
                input_name=input_name,
                secrets=self.secrets,
                retries=self.http.max_retries,
            )
            raise error_for(response, context)
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(
                f"{self.provider} returned a body that is not JSON (HTTP "
                f"{response.status_code}, content type "
                f"{response.headers.get('content-type', 'none')!r}). Check "
                "api-base-url: it must point at the API, not a web page or proxy "
                "login.",
                provider=self.provider,
                status=response.status_code,
                request_id=request_id_of(response),
            ) from exc
        if not isinstance(body, dict):
            raise ProviderError(
                f"{self.provider} returned JSON that is not an object (HTTP "
                f"{response.status_code}). Check api-base-url.",
                provider=self.provider,
                status=response.status_code,
                request_id=request_id_of(response),
            )
        return body

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        model: str = "",
        input_name: str = "model",
    ) -> tuple[dict[str, Any], httpx.Response]:
        """Send a request and return its JSON object and the response."""
        response = self.send(method, path, body=body, params=params)
        return self.check(response, model=model, input_name=input_name), response


def input_name_for(stage: str) -> str:
    """Return the input that sets the model of a stage (selection or writing)."""
    return "selection-model" if stage.startswith("select") else "model"


def elapsed_since(start: float) -> float:
    return round(time.monotonic() - start, 3)
