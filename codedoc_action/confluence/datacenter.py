"""Confluence Data Center and Server client: REST v1 with a personal access token."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import httpx

from codedoc_action.confluence.client import (
    Page,
    Reply,
    StoredProperty,
    check_title,
    read_reply,
    send,
    title_taken_error,
)
from codedoc_action.errors import ConfluenceAuthError, ConfluenceError
from codedoc_action.http import DEFAULT_TIMEOUT, HostAllowList, HttpClient

logger = logging.getLogger(__name__)

_EXPAND = "body.storage,version,space,ancestors"


class DataCenterClient:
    """REST v1 under ``{base}/rest/api`` with ``Authorization: Bearer``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        allowed: HostAllowList,
        *,
        sleep: Callable[[float], None],
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = HttpClient(
            service="confluence",
            base_url=self.base_url + "/rest/api",
            allowed=allowed,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            sleep=sleep,
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def check_identity(self) -> None:
        """Raise ConfluenceAuthError unless the token maps to a known user.

        Data Center may serve a request with an unknown token as anonymous
        instead of rejecting it, so a 200 alone proves nothing.
        """
        response = send(self._http, "GET", "/user/current", "check the token")
        data = read_reply(response, "the current user").data
        if data.get("type") == "anonymous" or not (
            data.get("username") or data.get("userKey")
        ):
            raise ConfluenceAuthError(
                "Confluence served the personal access token as an anonymous "
                "user, so the token is invalid or expired. Create a new token "
                "and set confluence-token; leave confluence-user empty for Data "
                "Center."
            )
        logger.info("Confluence Data Center user: %s", data.get("username"))

    def _page(self, reply: Reply, *, body: bool) -> Page:
        """Build a Page; ``body`` makes the storage body and space required."""
        page_id = reply.text("id")
        base = reply.text("_links.base", default="") or self.base_url
        webui = reply.text("_links.webui", default="")
        if not webui:
            webui = f"/pages/viewpage.action?pageId={page_id}"
        ancestors = reply.items("ancestors")
        storage = "body.storage.value"
        return Page(
            page_id=page_id,
            title=reply.text("title"),
            version=reply.number("version.number"),
            body=reply.text(storage) if body else reply.text(storage, default=""),
            space_key=reply.text("space.key") if body else "",
            url=base + webui,
            parent_id=ancestors[-1].text("id") if ancestors else None,
        )

    def get_page(self, page_id: str) -> Page:
        response = send(
            self._http,
            "GET",
            f"/content/{page_id}",
            f"read page {page_id}",
            page_id=page_id,
            params={"expand": _EXPAND},
        )
        return self._page(read_reply(response, f"page {page_id}"), body=True)

    def find_page(self, space_key: str, title: str) -> Page | None:
        subject = f"the pages titled {title!r} in space {space_key}"
        params = {"spaceKey": space_key, "title": title, "type": "page"}
        params["expand"] = _EXPAND
        response = send(self._http, "GET", "/content", f"find {subject}", params=params)
        results = read_reply(response, subject).items("results")
        if len(results) > 1:
            raise ConfluenceError(
                f"{len(results)} pages are titled {title!r} in space {space_key}; "
                "set confluence-page to the id of the one to update."
            )
        return self._page(results[0], body=True) if results else None

    def create_page(
        self, space_key: str, title: str, body: str, parent_id: str | None
    ) -> Page:
        check_title(title)
        payload: dict[str, Any] = {
            "type": "page",
            "title": title,
            "space": {"key": space_key},
            "body": {"storage": {"value": body, "representation": "storage"}},
        }
        if parent_id:
            payload["ancestors"] = [{"id": parent_id}]
        subject = f"page {title!r} in space {space_key}"
        try:
            response = send(
                self._http, "POST", "/content", f"create {subject}", json=payload
            )
        except ConfluenceError as exc:
            clearer = title_taken_error(exc, title, space_key)
            if clearer is None:
                raise
            raise clearer from exc
        page = self._page(read_reply(response, subject), body=False)
        return dataclasses.replace(page, space_key=space_key)

    def update_page(self, page: Page, body: str, message: str) -> Page:
        check_title(page.title)
        payload = {
            "id": page.page_id,
            "type": "page",
            "title": page.title,
            "space": {"key": page.space_key},
            "body": {"storage": {"value": body, "representation": "storage"}},
            # A minor edit sends no notification to the page's watchers.
            "version": {
                "number": page.version + 1,
                "message": message,
                "minorEdit": True,
            },
        }
        response = send(
            self._http,
            "PUT",
            f"/content/{page.page_id}",
            f"update page {page.page_id}",
            page_id=page.page_id,
            json=payload,
        )
        updated = self._page(read_reply(response, f"page {page.page_id}"), body=False)
        return dataclasses.replace(updated, space_key=page.space_key)

    def get_property(self, page_id: str, key: str) -> StoredProperty | None:
        subject = f"content property {key} of page {page_id}"
        try:
            response = send(
                self._http,
                "GET",
                f"/content/{page_id}/property/{key}",
                f"read the {subject}",
                page_id=page_id,
            )
        except ConfluenceError as exc:
            if exc.status == 404:
                return None
            raise
        reply = read_reply(response, subject)
        return StoredProperty(
            key=key,
            value=reply.data.get("value"),
            version=reply.number("version.number"),
        )

    def set_property(
        self, page_id: str, key: str, value: Any, current: StoredProperty | None
    ) -> None:
        action = f"write the content property {key} of page {page_id}"
        if current is None:
            payload: dict[str, Any] = {"key": key, "value": value}
            path = f"/content/{page_id}/property"
            send(self._http, "POST", path, action, page_id=page_id, json=payload)
            return
        payload = {
            "key": key,
            "value": value,
            "version": {"number": current.version + 1, "minorEdit": True},
        }
        path = f"/content/{page_id}/property/{key}"
        send(self._http, "PUT", path, action, page_id=page_id, json=payload)

    def add_label(self, page_id: str, label: str) -> None:
        path = f"/content/{page_id}/label"
        payload = [{"prefix": "global", "name": label}]
        action = f"add the label {label} to page {page_id}"
        send(self._http, "POST", path, action, page_id=page_id, json=payload)
