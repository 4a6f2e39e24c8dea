"""Confluence Cloud client: REST v2, with v1 only for what v2 lacks.

v2 serves pages, spaces and content properties. Adding a label and reading
the current user have no v2 call, so they use v1 (``/wiki/rest/api``).

Classic API tokens authenticate with basic auth (account e-mail and token) on
the site itself. Scoped API tokens are rejected there and only work through
the gateway ``https://api.atlassian.com/ex/confluence/{cloudId}/wiki``. So
when the site rejects the credentials, the client reads the site's cloud id
from ``{site}/_edge/tenant_info`` and tries the gateway once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx

from codedoc_action.confluence.client import (
    Page,
    StoredProperty,
    check_title,
    json_object,
    send,
    title_taken_error,
)
from codedoc_action.errors import (
    ConfluenceAuthError,
    ConfluenceError,
    PageNotFoundError,
)
from codedoc_action.http import DEFAULT_TIMEOUT, HostAllowList, HttpClient

logger = logging.getLogger(__name__)

GATEWAY_URL = "https://api.atlassian.com"


class CloudClient:
    """Pages and properties over REST v2 of one Confluence Cloud site."""

    def __init__(
        self,
        site_url: str,
        user: str,
        token: str,
        allowed: HostAllowList,
        *,
        sleep: Callable[[float], None],
        gateway_url: str = GATEWAY_URL,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        # site_url is the confluence-url input, which ends with /wiki on Cloud.
        self.site_url = site_url.rstrip("/")
        if not self.site_url.endswith("/wiki"):
            self.site_url += "/wiki"
        self.gateway_url = gateway_url.rstrip("/")
        self._allowed = allowed
        self._auth = httpx.BasicAuth(user, token)
        self._sleep = sleep
        self._timeout = timeout
        self._space_ids: dict[str, str] = {}
        self._transport = transport
        self._http = self._client(self.site_url)

    def _client(self, base_url: str) -> HttpClient:
        return HttpClient(
            service="confluence",
            base_url=base_url,
            allowed=self._allowed,
            auth=self._auth,
            headers={"Accept": "application/json"},
            sleep=self._sleep,
            timeout=self._timeout,
            transport=self._transport,
        )

    def close(self) -> None:
        self._http.close()

    # Identity

    def check_identity(self) -> None:
        """Raise ConfluenceAuthError unless the credentials name a known user."""
        try:
            data = self._current_user()
        except ConfluenceAuthError:
            cloud_id = self._cloud_id()
            if cloud_id is None:
                raise
            logger.info("site rejected the token, trying the API gateway")
            self._http.close()
            self._http = self._client(
                f"{self.gateway_url}/ex/confluence/{cloud_id}/wiki"
            )
            data = self._current_user()
        if data.get("type") == "anonymous":
            raise ConfluenceAuthError(
                "Confluence served the credentials as an anonymous user. Set "
                "confluence-user to the account's e-mail and confluence-token to "
                "an API token of that account."
            )
        logger.info("Confluence Cloud account: %s", data.get("accountId", "?"))

    def _current_user(self) -> dict[str, Any]:
        action = "check the credentials"
        response = send(self._http, "GET", "/rest/api/user/current", action)
        return json_object(response, action)

    def _cloud_id(self) -> str | None:
        """Return the site's cloud id from its public tenant_info, or None."""
        site_root = self.site_url.removesuffix("/wiki")
        try:
            response = self._http.request("GET", site_root + "/_edge/tenant_info")
        except httpx.HTTPError as exc:
            logger.debug("reading tenant_info failed: %s", type(exc).__name__)
            return None
        if response.status_code != 200:
            logger.debug("tenant_info returned %d", response.status_code)
            return None
        try:
            cloud_id = response.json().get("cloudId")
        except (ValueError, AttributeError):
            return None
        return str(cloud_id) if cloud_id else None

    # Pages

    def _page(self, data: dict[str, Any], space_key: str = "") -> Page:
        links = data.get("_links") or {}
        base = str(links.get("base") or self.site_url)
        webui = str(links.get("webui") or f"/pages/viewpage.action?pageId={data['id']}")
        body = ((data.get("body") or {}).get("storage") or {}).get("value", "")
        parent = data.get("parentId")
        return Page(
            page_id=str(data["id"]),
            title=str(data.get("title", "")),
            version=int((data.get("version") or {}).get("number", 0)),
            body=str(body),
            space_key=space_key,
            url=base + webui,
            parent_id=str(parent) if parent else None,
            space_id=str(data.get("spaceId") or ""),
        )

    def get_page(self, page_id: str) -> Page:
        action = "read the page"
        response = send(
            self._http,
            "GET",
            f"/api/v2/pages/{page_id}",
            action,
            page_id=page_id,
            params={"body-format": "storage"},
        )
        return self._page(json_object(response, action))

    def _space_id(self, space_key: str) -> str:
        if space_key in self._space_ids:
            return self._space_ids[space_key]
        action = f"look up space {space_key}"
        response = send(
            self._http, "GET", "/api/v2/spaces", action, params={"keys": space_key}
        )
        results = json_object(response, action).get("results") or []
        if not results:
            raise PageNotFoundError(
                f"space {space_key!r} was not found or is not visible to the "
                "account. Check confluence-space (the space key, not its name)."
            )
        self._space_ids[space_key] = str(results[0]["id"])
        return self._space_ids[space_key]

    def find_page(self, space_key: str, title: str) -> Page | None:
        space_id = self._space_id(space_key)
        action = f"find the page titled {title!r} in space {space_key}"
        params = {"space-id": space_id, "title": title, "body-format": "storage"}
        response = send(self._http, "GET", "/api/v2/pages", action, params=params)
        results = json_object(response, action).get("results") or []
        if len(results) > 1:
            raise ConfluenceError(
                f"{len(results)} pages are titled {title!r} in space {space_key}; "
                "set confluence-page to the id of the one to update."
            )
        return self._page(results[0], space_key) if results else None

    def create_page(
        self, space_key: str, title: str, body: str, parent_id: str | None
    ) -> Page:
        check_title(title)
        payload: dict[str, Any] = {
            "spaceId": self._space_id(space_key),
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": body},
        }
        if parent_id:
            payload["parentId"] = parent_id
        action = f"create the page {title!r} in space {space_key}"
        try:
            response = send(self._http, "POST", "/api/v2/pages", action, json=payload)
        except ConfluenceError as exc:
            clearer = title_taken_error(exc, title, space_key)
            if clearer is None:
                raise
            raise clearer from exc
        return self._page(json_object(response, action), space_key)

    def update_page(self, page: Page, body: str, message: str) -> Page:
        # NOTE: v2's update request has no minorEdit flag (its version object
        # takes number and message only), so watchers may be notified. v1's
        # PUT /wiki/rest/api/content/{id} takes version.minorEdit, but
        # Atlassian is retiring the v1 page calls, so v2 is used.
        check_title(page.title)
        payload = {
            "id": page.page_id,
            "status": "current",
            "title": page.title,
            "body": {"representation": "storage", "value": body},
            "version": {"number": page.version + 1, "message": message},
        }
        action = "update the page"
        response = send(
            self._http,
            "PUT",
            f"/api/v2/pages/{page.page_id}",
            action,
            page_id=page.page_id,
            json=payload,
        )
        return self._page(json_object(response, action), page.space_key)

    # Properties and labels

    def get_property(self, page_id: str, key: str) -> StoredProperty | None:
        action = f"read the content property {key}"
        response = send(
            self._http,
            "GET",
            f"/api/v2/pages/{page_id}/properties",
            action,
            page_id=page_id,
            params={"key": key},
        )
        for item in json_object(response, action).get("results") or []:
            if item.get("key") == key:
                return StoredProperty(
                    key=key,
                    value=item.get("value"),
                    version=int((item.get("version") or {}).get("number", 1)),
                    property_id=str(item.get("id", "")),
                )
        return None

    def set_property(
        self, page_id: str, key: str, value: Any, current: StoredProperty | None
    ) -> None:
        action = f"write the content property {key}"
        base = f"/api/v2/pages/{page_id}/properties"
        if current is None:
            payload: dict[str, Any] = {"key": key, "value": value}
            send(self._http, "POST", base, action, page_id=page_id, json=payload)
            return
        payload = {
            "key": key,
            "value": value,
            "version": {"number": current.version + 1, "message": "codedoc-action"},
        }
        path = f"{base}/{current.property_id}"
        send(self._http, "PUT", path, action, page_id=page_id, json=payload)

    def add_label(self, page_id: str, label: str) -> None:
        path = f"/rest/api/content/{page_id}/label"
        payload = [{"prefix": "global", "name": label}]
        send(self._http, "POST", path, "add a label", page_id=page_id, json=payload)
