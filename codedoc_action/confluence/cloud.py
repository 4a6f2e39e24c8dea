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
    Reply,
    StoredProperty,
    check_title,
    read_reply,
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

    def _client(self, base_url: str, max_retries: int = 4) -> HttpClient:
        return HttpClient(
            service="confluence",
            base_url=base_url,
            allowed=self._allowed,
            auth=self._auth,
            headers={"Accept": "application/json"},
            sleep=self._sleep,
            timeout=self._timeout,
            transport=self._transport,
            max_retries=max_retries,
        )

    def close(self) -> None:
        self._http.close()

    # Identity

    def check_identity(self) -> None:
        """Raise ConfluenceAuthError unless the credentials name a known user.

        A site that rejects the credentials gets one more try through the API
        gateway, where scoped API tokens work.
        """
        try:
            reply = self._current_user(self._http)
        except ConfluenceAuthError as exc:
            reply = self._current_user_via_gateway(exc)
        except PageNotFoundError as exc:
            raise self._not_cloud_error() from exc
        if reply.data.get("type") == "anonymous":
            raise ConfluenceAuthError(
                "Confluence served the credentials as an anonymous user. Set "
                "confluence-user to the account's e-mail and confluence-token to "
                "an API token of that account."
            )
        logger.info("Confluence Cloud account: %s", reply.text("accountId"))

    def _current_user(self, http: HttpClient) -> Reply:
        response = send(http, "GET", "/rest/api/user/current", "check the credentials")
        return read_reply(response, "the current user")

    def _current_user_via_gateway(self, site_error: ConfluenceAuthError) -> Reply:
        """Check the credentials through the gateway; raise a Cloud auth error.

        The gateway gets no retries: the site already rejected the
        credentials, and waiting on an unreachable gateway only delays that.
        """
        cloud_id = self._cloud_id()
        if cloud_id is None:
            raise self._auth_error(site_error, "") from site_error
        gateway = f"{self.gateway_url}/ex/confluence/{cloud_id}/wiki"
        logger.info("the site rejected the credentials, trying the API gateway")
        probe = self._client(gateway, max_retries=0)
        try:
            reply = self._current_user(probe)
        except ConfluenceAuthError as exc:
            raise self._auth_error(exc, "and through the API gateway") from exc
        except ConfluenceError as exc:
            # The gateway failed to respond, so the site's rejection is the error.
            logger.warning("the API gateway failed: %s", exc)
            note = "(the API gateway could not be reached to try a scoped token)"
            raise self._auth_error(site_error, note) from exc
        finally:
            probe.close()
        self._http.close()
        self._http = self._client(gateway)
        return reply

    def _auth_error(
        self, error: ConfluenceAuthError, where: str
    ) -> ConfluenceAuthError:
        status = f" ({error.status})" if error.status else ""
        where = f" {where}" if where else ""
        return ConfluenceAuthError(
            f"Confluence Cloud rejected the credentials{status} at {self.site_url}"
            f"{where}. Check confluence-user (the e-mail of the Atlassian "
            "account) and confluence-token (an API token of that account, "
            "not its password).",
            status=error.status,
        )

    def _not_cloud_error(self) -> ConfluenceError:
        """Return the error for a site without the Cloud REST API under /wiki.

        A Data Center site serves ``/rest/api`` without ``/wiki`` in front, so
        a non-404 response there means confluence-user was set by mistake.
        """
        root = self.site_url.removesuffix("/wiki")
        try:
            response = self._http.request("GET", root + "/rest/api/user/current")
            status: int | None = response.status_code
        except httpx.HTTPError as exc:
            logger.debug("probing for Data Center failed: %s", type(exc).__name__)
            status = None
        if status is not None and status != 404:
            return ConfluenceError(
                f"{root} looks like Confluence Data Center or Server: its REST "
                f"API responds at {root}/rest/api, and {self.site_url}/rest/api "
                "does not exist. confluence-user is set, which selects "
                "Confluence Cloud; for Data Center leave confluence-user empty "
                "and set confluence-token to a personal access token."
            )
        return ConfluenceError(
            f"found no Confluence REST API at {self.site_url}/rest/api (404). "
            "Check confluence-url: on Cloud it is https://SITE.atlassian.net/wiki. "
            "For Data Center leave confluence-user empty.",
            status=404,
        )

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

    def _page(self, reply: Reply, space_key: str = "", *, body: bool) -> Page:
        """Build a Page; ``body`` makes the storage body required."""
        page_id = reply.text("id")
        base = reply.text("_links.base", default="") or self.site_url
        webui = reply.text("_links.webui", default="")
        if not webui:
            webui = f"/pages/viewpage.action?pageId={page_id}"
        storage = "body.storage.value"
        return Page(
            page_id=page_id,
            title=reply.text("title"),
            version=reply.number("version.number"),
            body=reply.text(storage) if body else reply.text(storage, default=""),
            space_key=space_key,
            url=base + webui,
            parent_id=reply.text("parentId", default="") or None,
            space_id=reply.text("spaceId", default=""),
        )

    def get_page(self, page_id: str) -> Page:
        response = send(
            self._http,
            "GET",
            f"/api/v2/pages/{page_id}",
            f"read page {page_id}",
            page_id=page_id,
            params={"body-format": "storage"},
        )
        return self._page(read_reply(response, f"page {page_id}"), body=True)

    def _space_id(self, space_key: str) -> str:
        if space_key in self._space_ids:
            return self._space_ids[space_key]
        subject = f"space {space_key}"
        response = send(
            self._http,
            "GET",
            "/api/v2/spaces",
            f"look up {subject}",
            params={"keys": space_key},
        )
        results = read_reply(response, subject).items("results")
        if not results:
            raise PageNotFoundError(
                f"space {space_key!r} was not found or is not visible to the "
                "account. Check confluence-space (the space key, not its name)."
            )
        self._space_ids[space_key] = results[0].text("id")
        return self._space_ids[space_key]

    def find_page(self, space_key: str, title: str) -> Page | None:
        space_id = self._space_id(space_key)
        subject = f"the pages titled {title!r} in space {space_key}"
        params = {"space-id": space_id, "title": title, "body-format": "storage"}
        response = send(
            self._http, "GET", "/api/v2/pages", f"find {subject}", params=params
        )
        results = read_reply(response, subject).items("results")
        if len(results) > 1:
            raise ConfluenceError(
                f"{len(results)} pages are titled {title!r} in space {space_key}; "
                "set confluence-page to the id of the one to update."
            )
        return self._page(results[0], space_key, body=True) if results else None

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
        subject = f"page {title!r} in space {space_key}"
        try:
            response = send(
                self._http, "POST", "/api/v2/pages", f"create {subject}", json=payload
            )
        except ConfluenceError as exc:
            clearer = title_taken_error(exc, title, space_key)
            if clearer is None:
                raise
            raise clearer from exc
        return self._page(read_reply(response, subject), space_key, body=False)

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
        response = send(
            self._http,
            "PUT",
            f"/api/v2/pages/{page.page_id}",
            f"update page {page.page_id}",
            page_id=page.page_id,
            json=payload,
        )
        reply = read_reply(response, f"page {page.page_id}")
        return self._page(reply, page.space_key, body=False)

    # Properties and labels

    def get_property(self, page_id: str, key: str) -> StoredProperty | None:
        subject = f"content property {key} of page {page_id}"
        response = send(
            self._http,
            "GET",
            f"/api/v2/pages/{page_id}/properties",
            f"read the {subject}",
            page_id=page_id,
            params={"key": key},
        )
        for item in read_reply(response, subject).items("results"):
            if item.data.get("key") == key:
                return StoredProperty(
                    key=key,
                    value=item.data.get("value"),
                    version=item.number("version.number"),
                    property_id=item.text("id"),
                )
        return None

    def set_property(
        self, page_id: str, key: str, value: Any, current: StoredProperty | None
    ) -> None:
        action = f"write the content property {key} of page {page_id}"
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
        action = f"add the label {label} to page {page_id}"
        send(self._http, "POST", path, action, page_id=page_id, json=payload)
