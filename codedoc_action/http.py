"""One HTTP client per remote service: allowed origins, timeouts and retries.

Every request of a run goes through ``HttpClient``. It rejects any origin
(scheme, host and port) that is not on the run's allow-list and any redirect
to another origin. It retries rate limits and server errors with
``Retry-After`` first and capped exponential backoff with jitter otherwise,
and never puts a header value into a log line or an error.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import requests
import requests.adapters

from codedoc_action.errors import EgressError, SettingsError

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 529})
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=300.0, write=60.0, pool=10.0)
# A server that closes the connection without a response raises
# RemoteProtocolError, which is not a NetworkError but recovers the same way.
TRANSIENT_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class HttpLimits:
    """Run-wide overrides of every client's timeout and retries.

    ``None`` keeps each client's own value. ``timeout`` is seconds for each
    of connect, read, write and pool. ``max_retry_wait`` caps any single wait
    between attempts, ``Retry-After`` included.
    """

    timeout: float | None = None
    max_retries: int | None = None
    max_retry_wait: float | None = None


TIMEOUT_VARIABLE = "CODEDOC_HTTP_TIMEOUT"
RETRIES_VARIABLE = "CODEDOC_MAX_RETRIES"
RETRY_WAIT_VARIABLE = "CODEDOC_MAX_RETRY_WAIT"
_limits = HttpLimits()


def limits_from_env(env: Mapping[str, str]) -> HttpLimits:
    """Read the HTTP limits from the environment; raise SettingsError if invalid."""
    problems: list[str] = []
    timeout = _read_number(env, TIMEOUT_VARIABLE, problems, positive=True)
    retries = _read_number(env, RETRIES_VARIABLE, problems, integer=True)
    retry_wait = _read_number(env, RETRY_WAIT_VARIABLE, problems)
    if problems:
        raise SettingsError(problems)
    return HttpLimits(
        timeout=timeout,
        max_retries=None if retries is None else int(retries),
        max_retry_wait=retry_wait,
    )


def _read_number(
    env: Mapping[str, str],
    variable: str,
    problems: list[str],
    *,
    integer: bool = False,
    positive: bool = False,
) -> float | None:
    raw = env.get(variable, "").strip()
    if not raw:
        return None
    try:
        number = float(int(raw)) if integer else float(raw)
    except ValueError:
        number = float("nan")
    lowest_ok = number > 0 if positive else number >= 0
    if not lowest_ok or number == float("inf"):
        expected = "a whole number of retries, 0 or more" if integer else "seconds"
        if positive:
            expected += ", more than 0"
        problems.append(f"{variable}: invalid value {raw!r}; expected {expected}")
        return None
    return number


def set_limits(limits: HttpLimits) -> None:
    """Apply ``limits`` to every HttpClient built afterwards in this process.

    The composition root calls this once per run, before any client exists,
    so the many client constructors need no extra parameter.
    """
    global _limits
    _limits = limits


def current_limits() -> HttpLimits:
    return _limits


DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, order=True)
class Origin:
    """A scheme, host and port: what a browser would call an origin."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: httpx.URL | str) -> Origin | None:
        """Return the origin of an http(s) URL, or None for any other URL."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return None
        scheme = parsed.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parsed.host:
            return None
        port = parsed.port or DEFAULT_PORTS[scheme]
        return cls(scheme, parsed.host.lower(), port)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == DEFAULT_PORTS[self.scheme]:
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"


class HostAllowList:
    """Origins a run may contact, printed at start and checked on every request.

    ``add`` takes a URL, whose scheme, host and port are allowed, or a bare
    host such as ``api.github.com``, which allows https on port 443 only.
    """

    def __init__(self, hosts: Iterable[str] = ()) -> None:
        self._origins: set[Origin] = set()
        for host in hosts:
            self.add(host)

    def add(self, host_or_url: str) -> None:
        value = host_or_url.strip()
        if not value:
            return
        origin = Origin.of(value if "//" in value else f"https://{value}")
        if origin is not None:
            self._origins.add(origin)

    def allows(self, url: httpx.URL | str) -> bool:
        """Return whether the origin of ``url`` is on the list."""
        origin = Origin.of(url)
        return origin is not None and origin in self._origins

    def __contains__(self, item: object) -> bool:
        """Check a URL by its origin, or a bare host against every origin's host.

        The bare-host form serves the Git host clients, whose libraries send
        requests outside ``HttpClient`` and are checked once by host.
        """
        if isinstance(item, httpx.URL):
            return self.allows(item)
        if not isinstance(item, str):
            return False
        if "//" in item:
            return self.allows(item)
        host = item.strip().lower()
        return any(origin.host == host for origin in self._origins)

    def __iter__(self) -> Iterator[str]:
        return iter(str(origin) for origin in sorted(self._origins))

    def check(self, request: httpx.Request) -> None:
        if self.allows(request.url):
            return
        raise EgressError(self.blocked_message(request.url))

    def blocked_message(self, url: httpx.URL | str) -> str:
        """Return the error text for a request to ``url`` that is not allowed."""
        origin = Origin.of(url)
        if origin is None:
            parsed = httpx.URL(url)
            blocked = f"{parsed.scheme}://{parsed.host}"
        else:
            blocked = str(origin)
        allowed = ", ".join(self) or "none"
        reason = "its host is not one of the hosts this run may contact"
        if origin is not None and origin.host in self:
            reason = "its host is allowed, but not with this scheme and port"
        return (
            f"blocked a request to {blocked}: {reason} (allowed origins: "
            f"{allowed}). Set api-base-url or confluence-url to this address "
            "if it is intended."
        )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return seconds to wait from a Retry-After value (seconds or HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class HttpClient:
    """An httpx client bound to one service, with egress checks and retries.

    ``should_retry`` may veto a retry for a response the status alone would
    retry (an exhausted quota answers 429 but never recovers by waiting).
    ``retry_delay`` may supply a delay parsed from the body (Gemini RetryInfo).
    ``retry_post_read_timeouts`` set to False raises a read timeout of a POST
    at once, because the server already has the request and may still be
    running, and billing, it (an AI generation).
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        allowed: HostAllowList,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        should_retry: Callable[[httpx.Response], bool] | None = None,
        retry_delay: Callable[[httpx.Response], float | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        retry_post_read_timeouts: bool = True,
    ) -> None:
        limits = _limits
        if limits.timeout is not None:
            timeout = httpx.Timeout(limits.timeout)
        if limits.max_retries is not None:
            max_retries = limits.max_retries
        if limits.max_retry_wait is not None:
            backoff_cap = min(backoff_cap, limits.max_retry_wait)
        self.service = service
        self.retry_post_read_timeouts = retry_post_read_timeouts
        self.allowed = allowed
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._should_retry = should_retry
        self._retry_delay = retry_delay
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url,
            headers=headers,
            auth=auth,
            timeout=timeout,
            follow_redirects=True,
            event_hooks={"request": [allowed.check], "response": [_check_redirect]},
            transport=transport,
        )

    @property
    def base_url(self) -> httpx.URL:
        return self._client.base_url

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * (2**attempt))
        # Retry jitter needs no cryptographic randomness.
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311  # nosec B311

    def _delay_for(self, response: httpx.Response, attempt: int) -> float:
        delay = parse_retry_after(response.headers.get("retry-after"))
        if delay is None and self._retry_delay is not None:
            delay = self._retry_delay(response)
        if delay is None:
            delay = self._backoff(attempt)
        return min(delay, self.backoff_cap)

    def _may_retry(self, method: str, exc: Exception) -> bool:
        if isinstance(exc, httpx.ReadTimeout) and method.upper() == "POST":
            return self.retry_post_read_timeouts
        return True

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request, retrying transient failures; return the last response.

        Transport errors that outlast the retries are re-raised as httpx
        exceptions for the caller to translate with its own wording.
        """
        attempt = 0
        while True:
            try:
                response = self._client.request(method, url, **kwargs)
            except TRANSIENT_ERRORS as exc:
                if attempt >= self.max_retries or not self._may_retry(method, exc):
                    raise
                delay = self._backoff(attempt)
                logger.warning(
                    "%s %s %s failed (%s), retry %d/%d in %.1f s",
                    self.service,
                    method,
                    _path(url),
                    type(exc).__name__,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                self._sleep(delay)
                attempt += 1
                continue

            logger.info(
                "%s %s %s -> %d",
                self.service,
                method,
                response.request.url.path,
                response.status_code,
            )
            retryable = response.status_code in RETRY_STATUSES
            if retryable and self._should_retry is not None:
                retryable = self._should_retry(response)
            if not retryable or attempt >= self.max_retries:
                return response
            delay = self._delay_for(response, attempt)
            logger.warning(
                "%s %s %s returned %d, retry %d/%d in %.1f s",
                self.service,
                method,
                response.request.url.path,
                response.status_code,
                attempt + 1,
                self.max_retries,
                delay,
            )
            response.close()
            self._sleep(delay)
            attempt += 1


def _check_redirect(response: httpx.Response) -> None:
    """Raise EgressError for a redirect that leaves the origin of the request.

    httpx drops ``Authorization`` on a cross-origin redirect but keeps custom
    key headers such as ``x-api-key``, so following a redirect to another port
    or scheme would hand one service's key to another, or send it unencrypted.
    """
    if not response.has_redirect_location:
        return
    source = response.request.url
    target = source.join(response.headers["location"])
    problem = cross_origin_problem(source, target)
    if problem is not None:
        raise EgressError(
            f"{problem}. Set api-base-url or confluence-url to the final address."
        )


def cross_origin_problem(source: httpx.URL, target: httpx.URL) -> str | None:
    """Return why a redirect from ``source`` to ``target`` is blocked, or None.

    Only a redirect within the same scheme, host and port is allowed.
    """
    source_origin = Origin.of(source)
    target_origin = Origin.of(target)
    if source_origin is not None and source_origin == target_origin:
        return None
    shown_source = str(source_origin or f"{source.scheme}://{source.host}")
    shown_target = str(target_origin or f"{target.scheme}://{target.host}")
    if source.scheme == "https" and target.scheme != "https":
        return (
            f"blocked a redirect from {shown_source} to {shown_target}: it "
            "leaves https, so the credentials would be sent unencrypted"
        )
    return (
        f"blocked a redirect from {shown_source} to {shown_target}: a client "
        "follows redirects only within the scheme, host and port it was built "
        "for, so its credentials never reach another server"
    )


class _AllowListAdapter(requests.adapters.HTTPAdapter):
    """Check every request a ``requests`` session sends against the allow-list."""

    def __init__(self, allowed: HostAllowList) -> None:
        super().__init__()
        self._allowed = allowed

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        url = request.url or ""
        if not self._allowed.allows(url):
            raise EgressError(self._allowed.blocked_message(url))
        return super().send(request, *args, **kwargs)


def reject_cross_origin_redirect(response: requests.Response, **_: Any) -> None:
    """Raise EgressError for a ``requests`` redirect that leaves the origin.

    Install it as a response hook of a ``requests`` session.
    """
    if not response.is_redirect:
        return
    source = httpx.URL(response.url)
    target = source.join(response.headers.get("location", ""))
    problem = cross_origin_problem(source, target)
    if problem is not None:
        # requests would close it after following; raising here skips that.
        response.close()
        raise EgressError(
            f"{problem}. Set the Git host's API URL variable to the final address."
        )


# The earlier name, still imported by the GitLab merge request notes client.
reject_cross_host_redirect = reject_cross_origin_redirect


def guarded_session(allowed: HostAllowList) -> requests.Session:
    """Return a ``requests`` session held to the same rules as ``HttpClient``.

    For client libraries built on ``requests`` (python-gitlab): every request
    must go to an allowed origin, and no redirect may leave the origin,
    because requests keeps custom token headers such as ``PRIVATE-TOKEN``
    across hosts.
    """
    session = requests.Session()
    adapter = _AllowListAdapter(allowed)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.hooks["response"].append(reject_cross_origin_redirect)
    return session


def _path(url: str) -> str:
    return url.split("?", 1)[0]
