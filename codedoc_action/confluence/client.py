"""Shared parts of the Cloud and Data Center clients: page values and error mapping."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from codedoc_action.errors import (
    ConfluenceAuthError,
    ConfluenceError,
    PageNotFoundError,
    VersionConflictError,
)
from codedoc_action.http import HttpClient

logger = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 255
LABEL = "codedoc-action"


@dataclass(frozen=True)
class Page:
    """A page as read from Confluence, storage format body included."""

    page_id: str
    title: str
    version: int
    body: str
    space_key: str
    url: str
    parent_id: str | None = None
    space_id: str = ""  # Cloud's numeric space id; empty on Data Center


@dataclass(frozen=True)
class StoredProperty:
    """A content property's JSON value and its version number."""

    key: str
    value: Any
    version: int
    property_id: str = ""


class ConfluenceClient(Protocol):
    """The calls the publisher makes, implemented per deployment kind."""

    def check_identity(self) -> None: ...
    def get_page(self, page_id: str) -> Page: ...
    def find_page(self, space_key: str, title: str) -> Page | None: ...
    def create_page(
        self, space_key: str, title: str, body: str, parent_id: str | None
    ) -> Page: ...
    def update_page(self, page: Page, body: str, message: str) -> Page: ...
    def get_property(self, page_id: str, key: str) -> StoredProperty | None: ...
    def set_property(
        self, page_id: str, key: str, value: Any, current: StoredProperty | None
    ) -> None: ...
    def add_label(self, page_id: str, label: str) -> None: ...
    def close(self) -> None: ...


def server_message(response: httpx.Response) -> str:
    """Return the error text of a v1 or v2 error body, or the status phrase.

    v1 returns ``{"statusCode": 400, "message": "..."}``, and v2 returns
    ``{"errors": [{"status": 400, "code": "...", "title": "...",
    "detail": "..."}]}``.
    """
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = response.text.strip()
        return text[:300] if text else response.reason_phrase
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            parts = []
            for error in errors:
                if isinstance(error, dict):
                    parts.append(str(error.get("detail") or error.get("title") or ""))
            text = "; ".join(part for part in parts if part)
            if text:
                return text[:300]
        message = data.get("message")
        if message:
            return str(message)[:300]
    return response.reason_phrase


def raise_for_status(
    response: httpx.Response,
    action: str,
    *,
    page_id: str | None = None,
    body_size: int | None = None,
) -> None:
    """Raise the ConfluenceError subclass for an error response, else return."""
    status = response.status_code
    if status < 400:
        return
    where = f" on page {page_id}" if page_id else ""
    detail = server_message(response)
    logger.debug("Confluence error body for %s: %s", action, response.text[:2000])
    if status in (401, 403):
        raise ConfluenceAuthError(
            f"Confluence rejected the credentials while trying to {action}{where} "
            f"({status}: {detail}). Check confluence-token, confluence-user "
            "(e-mail for Cloud, empty for a Data Center personal access token) "
            "and the account's permission on the page.",
            status=status,
            page_id=page_id,
        )
    if status == 404:
        raise PageNotFoundError(
            f"Confluence found nothing to {action}{where} (404: {detail}). Check "
            "confluence-page, or confluence-space and confluence-title, and "
            "that the account can view the page.",
            status=status,
            page_id=page_id,
        )
    if status == 409:
        raise VersionConflictError(
            f"the page changed while trying to {action}{where} (409: {detail}).",
            status=status,
            page_id=page_id,
        )
    if status == 413:
        size = f" of {body_size} bytes" if body_size is not None else ""
        raise ConfluenceError(
            f"Confluence rejected the request body{size} as too large while "
            f"trying to {action}{where} (413: {detail}). Shorten the generated "
            "documentation, e.g. with fewer paths or a lower max-files.",
            status=status,
            page_id=page_id,
        )
    raise ConfluenceError(
        f"Confluence failed to {action}{where} ({status}: {detail}).",
        status=status,
        page_id=page_id,
    )


def send(
    http: HttpClient,
    method: str,
    path: str,
    action: str,
    *,
    page_id: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request and translate transport errors and error statuses."""
    body_size = None
    if "json" in kwargs:
        body_size = len(json.dumps(kwargs["json"]).encode("utf-8"))
    try:
        response = http.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise ConfluenceError(
            f"Confluence timed out while trying to {action}"
            f"{f' on page {page_id}' if page_id else ''}; the retries ran out. "
            "Try again later or check confluence-url.",
            page_id=page_id,
        ) from exc
    except httpx.HTTPError as exc:
        raise ConfluenceError(
            f"could not reach Confluence to {action}: {type(exc).__name__}. "
            "Check confluence-url and the runner's network.",
            page_id=page_id,
        ) from exc
    raise_for_status(response, action, page_id=page_id, body_size=body_size)
    return response


def json_object(response: httpx.Response, action: str) -> dict[str, Any]:
    """Return the response's JSON object, or raise ConfluenceError."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfluenceError(
            f"Confluence returned a body that is not JSON while trying to {action}."
        ) from exc
    if not isinstance(data, dict):
        raise ConfluenceError(
            f"Confluence returned an unexpected JSON value while trying to {action}."
        )
    return data


def check_title(title: str) -> None:
    """Raise ConfluenceError when a title is longer than Confluence allows."""
    if len(title) > MAX_TITLE_LENGTH:
        raise ConfluenceError(
            f"the page title is {len(title)} characters long; Confluence allows at "
            f"most {MAX_TITLE_LENGTH}. Shorten confluence-title."
        )


def title_taken_error(
    error: ConfluenceError, title: str, space_key: str
) -> ConfluenceError | None:
    """Return a clearer error when a create failed on a title already in use."""
    if error.status == 400 and "already exists" in str(error).lower():
        return ConfluenceError(
            f"a page titled {title!r} already exists in space {space_key}, "
            "but it was not found when looking it up (it may be in the trash "
            "or not visible to the account). Set confluence-page to its id, or "
            "choose another confluence-title.",
            status=400,
        )
    return None
