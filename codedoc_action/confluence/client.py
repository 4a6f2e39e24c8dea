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
from codedoc_action.http import HttpClient, Origin

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
    """Raise the ConfluenceError subclass for an error response, else return.

    ``action`` names what failed with its object, such as "read page 123",
    and the message reads "could not read page 123: ...".
    """
    status = response.status_code
    if status < 400:
        return
    detail = f"{status}: {server_message(response)}"
    logger.debug("Confluence error body for %s: %s", action, response.text[:2000])
    failed = f"could not {action}"
    if status == 401:
        raise ConfluenceAuthError(
            f"{failed}: Confluence rejected the credentials ({detail}). Check "
            "confluence-token, and confluence-user: the account's e-mail for "
            "Cloud, empty for a Data Center personal access token.",
            status=status,
            page_id=page_id,
        )
    if status == 403:
        raise ConfluenceAuthError(
            f"{failed}: Confluence denied the account access ({detail}). Give "
            "the account of confluence-token permission to view and edit the "
            "page and its space, or use a token with more scopes.",
            status=status,
            page_id=page_id,
        )
    if status == 404:
        raise PageNotFoundError(
            f"{failed}: not found ({detail}). Check "
            "confluence-page, or confluence-space and confluence-title, and "
            "that the account can view the page.",
            status=status,
            page_id=page_id,
        )
    if status == 409:
        raise VersionConflictError(
            f"{failed}: the page was changed by someone else at the same time "
            f"({detail}). Run again.",
            status=status,
            page_id=page_id,
        )
    if status == 413:
        size = f" of {body_size} bytes" if body_size is not None else ""
        raise ConfluenceError(
            f"{failed}: Confluence rejected the request body{size} as too "
            f"large ({detail}). Shorten the generated documentation, for "
            "example with fewer paths or a lower max-files.",
            status=status,
            page_id=page_id,
        )
    if status >= 500:
        advice = "Confluence failed with a server error; run again later."
    else:
        advice = "Check the Confluence inputs against the server's message."
    raise ConfluenceError(
        f"{failed}: Confluence returned an error ({detail}). {advice}",
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
    site = Origin.of(http.base_url) or http.base_url
    body_size = None
    if "json" in kwargs:
        body_size = len(json.dumps(kwargs["json"]).encode("utf-8"))
    try:
        response = http.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise ConfluenceError(
            f"could not {action}: Confluence at {site} timed out and "
            "the retries ran out. Run again later, or check confluence-url.",
            page_id=page_id,
        ) from exc
    except httpx.HTTPError as exc:
        raise ConfluenceError(
            f"could not {action}: Confluence at {site} could not be "
            f"reached ({type(exc).__name__}). Check confluence-url and the "
            "runner's network.",
            page_id=page_id,
        ) from exc
    raise_for_status(response, action, page_id=page_id, body_size=body_size)
    return response


class Reply:
    """The JSON object of one response, with field access that names the call.

    A missing or mistyped field raises ConfluenceError that names the call
    ("GET page 123") and the field path ("version.number").
    """

    def __init__(self, data: dict[str, Any], call: str, prefix: str = "") -> None:
        self.data = data
        self.call = call
        self._prefix = prefix

    def error(self, problem: str) -> ConfluenceError:
        return ConfluenceError(
            f"unexpected response from Confluence to {self.call}: {problem}. "
            "Check that confluence-url is the Confluence site itself and not a "
            "proxy or login page."
        )

    def _find(self, path: str) -> Any:
        value: Any = self.data
        for name in path.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value

    def text(self, path: str, default: str | None = None) -> str:
        """Return a string field. Ids given as numbers become strings."""
        value = self._find(path)
        if value is None:
            if default is None:
                raise self.error(f"missing {self._prefix}{path}")
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error(f"{self._prefix}{path} is not a string")
        return str(value)

    def number(self, path: str) -> int:
        """Return a required integer field."""
        value = self._find(path)
        if value is None:
            raise self.error(f"missing {self._prefix}{path}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{self._prefix}{path} is not a whole number")
        return value

    def items(self, path: str) -> list[Reply]:
        """Return the objects of a list field. A missing list counts as empty."""
        value = self._find(path)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"{self._prefix}{path} is not a list")
        replies = []
        for index, item in enumerate(value):
            where = f"{self._prefix}{path}[{index}]"
            if not isinstance(item, dict):
                raise self.error(f"{where} is not an object")
            replies.append(Reply(item, self.call, where + "."))
        return replies


def read_reply(response: httpx.Response, subject: str) -> Reply:
    """Return the response's JSON object as a Reply, or raise ConfluenceError.

    ``subject`` names what was requested, such as "page 123"; the request's
    method is put in front of it in messages.
    """
    reply = Reply({}, f"{response.request.method} {subject}")
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise reply.error("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise reply.error(f"expected a JSON object, got {type(data).__name__}")
    return Reply(data, reply.call)


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
