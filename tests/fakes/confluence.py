"""A fake Confluence on 127.0.0.1: Cloud (REST v2 plus the v1 calls we use) or
Data Center (REST v1), strict like the real services.

It rejects bad credentials, stale version numbers (409), malformed storage
XHTML (400), titles over 255 characters and duplicate titles in a space. On
demand it injects faults: any status with headers and body, a dropped
connection (``add_reset``), or a delay that
makes the client time out.

Cloud serves the site under ``/wiki`` and the API gateway form
``/ex/confluence/{cloud_id}/wiki/...`` on the same port, plus the public
``/_edge/tenant_info``. With ``scoped=True`` the token works only through the
gateway, like a scoped API token. Data Center serves a wrong token as an
anonymous user, like a server that allows anonymous access.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import struct
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from codedoc_action.confluence.xhtml import parse_fragment

Reply = tuple[int, dict[str, str], Any]

MAX_TITLE = 255
# The status of a fault that closes the connection without any response.
RESET = 0


@dataclass
class _Page:
    page_id: str
    title: str
    body: str
    space: str
    parent_id: str | None
    version: int = 1
    versions: list[dict[str, Any]] = field(default_factory=list)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


@dataclass
class _Fault:
    status: int
    headers: dict[str, str]
    body: Any
    times: int
    method: str | None
    path_contains: str | None
    delay: float


class _ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class FakeConfluence:
    """A running fake; use as a context manager."""

    def __init__(
        self,
        kind: str = "cloud",
        user: str = "me@example.com",
        token: str = "t",  # noqa: S107 - a test credential
        *,
        scoped: bool = False,
        cloud_id: str = "0c1d-fake-cloud",
        max_body_bytes: int = 5_000_000,
    ) -> None:
        if kind not in ("cloud", "datacenter"):
            raise ValueError(f"kind must be 'cloud' or 'datacenter', not {kind!r}")
        self.kind = kind
        self.user = user
        self.token = token
        self.scoped = scoped
        self.cloud_id = cloud_id
        self.max_body_bytes = max_body_bytes
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self._pages: dict[str, _Page] = {}
        self._spaces: dict[str, str] = {}
        self._faults: list[_Fault] = []
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    # Lifecycle

    def __enter__(self) -> FakeConfluence:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """The confluence-url to configure (Cloud: ends with /wiki)."""
        return self.root_url + "/wiki" if self.kind == "cloud" else self.root_url

    @property
    def gateway_url(self) -> str:
        """The stand-in for https://api.atlassian.com (same port, path prefix)."""
        return self.root_url

    # Test API

    def add_page(
        self,
        title: str,
        body: str = "",
        space: str = "DOC",
        parent_id: str | None = None,
    ) -> str:
        with self._lock:
            self._space_id(space)
            page_id = self._new_id()
            page = _Page(page_id, title, body, space, parent_id)
            page.versions.append({"number": 1, "message": "", "minorEdit": False})
            self._pages[page_id] = page
            return page_id

    def page(self, page_id: str) -> dict[str, Any]:
        with self._lock:
            page = self._pages[page_id]
            return {
                "title": page.title,
                "body": page.body,
                "version": page.version,
                "space": page.space,
                "parent_id": page.parent_id,
                "labels": list(page.labels),
            }

    def set_body(self, page_id: str, body: str, message: str = "hand edit") -> None:
        """Edit a page as a person would, making a new version."""
        with self._lock:
            page = self._pages[page_id]
            page.body = body
            page.version += 1
            page.versions.append(
                {"number": page.version, "message": message, "minorEdit": False}
            )

    def versions(self, page_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(version) for version in self._pages[page_id].versions]

    def properties(self, page_id: str) -> dict[str, Any]:
        with self._lock:
            stored = self._pages[page_id].properties
            return {key: item["value"] for key, item in stored.items()}

    def page_ids(self) -> list[str]:
        with self._lock:
            return list(self._pages)

    def add_fault(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` matching requests fail with ``status``.

        ``delay`` seconds pass before the response, so a client with a shorter
        read timeout times out.
        """
        fault = _Fault(
            status, dict(headers or {}), body, times, method, path_contains, delay
        )
        with self._lock:
            self._faults.append(fault)

    def add_reset(
        self,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Drop the connection of the next ``times`` matching requests unanswered."""
        self.add_fault(RESET, times=times, method=method, path_contains=path_contains)

    # Internals shared by both kinds

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def _space_id(self, key: str) -> str:
        if key not in self._spaces:
            self._spaces[key] = str(900 + len(self._spaces))
        return self._spaces[key]

    def _space_key(self, space_id: str) -> str | None:
        for key, value in self._spaces.items():
            if value == space_id:
                return key
        return None

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method and fault.method.upper() != method:
                    continue
                if fault.path_contains and fault.path_contains not in path:
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _get(self, page_id: str) -> _Page:
        page = self._pages.get(page_id)
        if page is None:
            raise _ApiError(404, f"No content found with id: {page_id}")
        return page

    def _check_title(self, title: Any, space: str, page_id: str | None) -> str:
        if not isinstance(title, str) or not title.strip():
            raise _ApiError(400, "Title is required")
        if len(title) > MAX_TITLE:
            raise _ApiError(400, "Title cannot be longer than 255 characters")
        for other in self._pages.values():
            if (
                other.space == space
                and other.title == title
                and other.page_id != page_id
            ):
                raise _ApiError(
                    400,
                    f"A page with this title already exists: A page already exists "
                    f"with the title {title} in the space with key {space}",
                )
        return title

    @staticmethod
    def _check_storage(body: Any) -> str:
        if not isinstance(body, str):
            raise _ApiError(400, "body value must be a string")
        try:
            parse_fragment(body)
        except ET.ParseError as exc:
            raise _ApiError(400, f"Error parsing xhtml: {exc}") from None
        return body

    def _write_version(self, page: _Page, version: Any, *, minor: bool) -> None:
        if not isinstance(version, dict) or not isinstance(version.get("number"), int):
            raise _ApiError(400, "version.number is required")
        if version["number"] != page.version + 1:
            raise _ApiError(
                409,
                f"Version must be incremented on update. Current version is: "
                f"{page.version}",
            )
        page.version = version["number"]
        page.versions.append(
            {
                "number": page.version,
                "message": str(version.get("message", "")),
                "minorEdit": bool(version.get("minorEdit", False)) and minor,
            }
        )

    def _set_property(
        self, page: _Page, key: str, value: Any, version: Any, *, create: bool
    ) -> dict[str, Any]:
        if not key or len(key) > 255:
            raise _ApiError(400, "property key must be 1 to 255 characters")
        existing = page.properties.get(key)
        if create:
            if existing is not None:
                raise _ApiError(409, f"Cannot add a property with key '{key}'")
            item = {"id": self._new_id(), "key": key, "value": value, "version": 1}
        else:
            if existing is None:
                raise _ApiError(404, f"No property found with key: {key}")
            number = version.get("number") if isinstance(version, dict) else None
            if number != existing["version"] + 1:
                raise _ApiError(409, "Version must be incremented on update.")
            item = {**existing, "value": value, "version": number}
        page.properties[key] = item
        return item

    # Routing

    def _handle(
        self, method: str, raw_path: str, headers: dict[str, str], data: Any
    ) -> Reply:
        parts = urlsplit(raw_path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        path = parts.path
        if self.kind == "datacenter":
            return _DataCenterApi(self).route(method, path, query, headers, data)
        return _CloudApi(self).route(method, path, query, headers, data)


class _CloudApi:
    def __init__(self, fake: FakeConfluence) -> None:
        self.fake = fake

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        data: Any,
    ) -> Reply:
        if path == "/_edge/tenant_info" and method == "GET":
            return 200, {}, {"cloudId": self.fake.cloud_id}
        prefix = f"/ex/confluence/{self.fake.cloud_id}/wiki"
        via_gateway = path.startswith(prefix)
        if via_gateway:
            path = path[len(prefix) :]
        elif path.startswith("/wiki"):
            path = path[len("/wiki") :]
        else:
            return _v2_error(404, "Not Found")
        if not self._authorized(headers, via_gateway):
            return _v2_error(401, "Unauthorized; scope does not match")
        try:
            with self.fake._lock:
                return self._dispatch(method, path, query, data)
        except _ApiError as exc:
            if path.startswith("/rest/api"):
                return _v1_error(exc.status, exc.message)
            return _v2_error(exc.status, exc.message)

    def _authorized(self, headers: dict[str, str], via_gateway: bool) -> bool:
        if self.fake.scoped and not via_gateway:
            return False
        expected = base64.b64encode(
            f"{self.fake.user}:{self.fake.token}".encode()
        ).decode()
        return headers.get("authorization", "") == f"Basic {expected}"

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], data: Any
    ) -> Reply:
        fake = self.fake
        if path == "/rest/api/user/current" and method == "GET":
            return 200, {}, {"type": "known", "accountId": "557058:fake"}
        match = re.fullmatch(r"/rest/api/content/(\d+)/label", path)
        if match and method == "POST":
            page = fake._get(match.group(1))
            if not isinstance(data, list) or not all(
                isinstance(item, dict) and item.get("name") for item in data
            ):
                raise _ApiError(400, "labels must be a list of {prefix, name}")
            page.labels.extend(str(item["name"]) for item in data)
            return 200, {}, {"results": [{"name": name} for name in page.labels]}
        if path == "/api/v2/spaces" and method == "GET":
            keys = [key for key in query.get("keys", "").split(",") if key]
            found = [
                {"id": fake._spaces[key], "key": key}
                for key in keys
                if key in fake._spaces
            ]
            return 200, {}, {"results": found, "_links": {}}
        if path == "/api/v2/pages":
            if method == "GET":
                return self._search(query)
            if method == "POST":
                return self._create(data)
        match = re.fullmatch(r"/api/v2/pages/(\d+)", path)
        if match:
            page = fake._get(match.group(1))
            if method == "GET":
                storage = query.get("body-format") == "storage"
                return 200, {}, self._page_json(page, storage)
            if method == "PUT":
                return self._update(page, data)
        match = re.fullmatch(r"/api/v2/pages/(\d+)/properties(?:/(\d+))?", path)
        if match:
            return self._property(
                fake._get(match.group(1)), match.group(2), method, query, data
            )
        raise _ApiError(404, f"no route for {method} {path}")

    def _page_json(self, page: _Page, storage: bool) -> dict[str, Any]:
        result: dict[str, Any] = {
            "id": page.page_id,
            "status": "current",
            "title": page.title,
            "spaceId": self.fake._space_id(page.space),
            "parentId": page.parent_id,
            "version": {"number": page.version, "message": "", "minorEdit": False},
            "_links": {
                "webui": f"/spaces/{page.space}/pages/{page.page_id}",
                "base": self.fake.base_url,
            },
        }
        if storage:
            result["body"] = {
                "storage": {"representation": "storage", "value": page.body}
            }
        return result

    def _search(self, query: dict[str, str]) -> Reply:
        space = self.fake._space_key(query.get("space-id", ""))
        title = query.get("title")
        storage = query.get("body-format") == "storage"
        results = [
            self._page_json(page, storage)
            for page in self.fake._pages.values()
            if (space is None or page.space == space)
            and (title is None or page.title == title)
        ]
        return 200, {}, {"results": results, "_links": {}}

    def _create(self, data: Any) -> Reply:
        if not isinstance(data, dict) or not data.get("spaceId"):
            raise _ApiError(400, "spaceId is required")
        space = self.fake._space_key(str(data["spaceId"]))
        if space is None:
            raise _ApiError(404, "Space not found")
        body = data.get("body") or {}
        if body.get("representation") != "storage":
            raise _ApiError(400, "body.representation must be storage")
        title = self.fake._check_title(data.get("title"), space, None)
        value = self.fake._check_storage(body.get("value"))
        parent = data.get("parentId")
        if parent is not None:
            self.fake._get(str(parent))
        page = _Page(self.fake._new_id(), title, value, space, parent)
        page.versions.append({"number": 1, "message": "", "minorEdit": False})
        self.fake._pages[page.page_id] = page
        return 200, {}, self._page_json(page, True)

    def _update(self, page: _Page, data: Any) -> Reply:
        required = ("id", "status", "title", "body", "version")
        if not isinstance(data, dict) or any(key not in data for key in required):
            raise _ApiError(400, f"request must contain {', '.join(required)}")
        if str(data["id"]) != page.page_id:
            raise _ApiError(400, "id in body does not match the path")
        body = data["body"]
        if not isinstance(body, dict) or body.get("representation") != "storage":
            raise _ApiError(400, "body.representation must be storage")
        title = self.fake._check_title(data["title"], page.space, page.page_id)
        value = self.fake._check_storage(body.get("value"))
        self.fake._write_version(page, data["version"], minor=False)
        page.title = title
        page.body = value
        return 200, {}, self._page_json(page, True)

    def _property(
        self,
        page: _Page,
        property_id: str | None,
        method: str,
        query: dict[str, str],
        data: Any,
    ) -> Reply:
        if property_id is None and method == "GET":
            key = query.get("key")
            items = [
                _v2_property(item)
                for item in page.properties.values()
                if key is None or item["key"] == key
            ]
            return 200, {}, {"results": items, "_links": {}}
        if not isinstance(data, dict) or "value" not in data:
            raise _ApiError(400, "value is required")
        if property_id is None and method == "POST":
            item = self.fake._set_property(
                page, str(data.get("key", "")), data["value"], None, create=True
            )
            return 200, {}, _v2_property(item)
        if property_id is not None and method == "PUT":
            for item in page.properties.values():
                if item["id"] == property_id:
                    if data.get("key", item["key"]) != item["key"]:
                        raise _ApiError(400, "key cannot change")
                    updated = self.fake._set_property(
                        page,
                        item["key"],
                        data["value"],
                        data.get("version"),
                        create=False,
                    )
                    return 200, {}, _v2_property(updated)
            raise _ApiError(404, f"No property found with id: {property_id}")
        raise _ApiError(405, "method not allowed")


class _DataCenterApi:
    def __init__(self, fake: FakeConfluence) -> None:
        self.fake = fake

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        data: Any,
    ) -> Reply:
        if not path.startswith("/rest/api/"):
            return _v1_error(404, "Not Found")
        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return _v1_error(401, "Basic or Bearer authentication is required")
        anonymous = authorization != f"Bearer {self.fake.token}"
        path = path[len("/rest/api") :]
        if path == "/user/current" and method == "GET":
            if anonymous:
                return 200, {}, {"type": "anonymous", "displayName": "Anonymous"}
            return 200, {}, {"type": "known", "username": "me", "userKey": "k1"}
        if anonymous:
            # Anonymous users see no page and may write nothing.
            status = 404 if method == "GET" else 401
            return _v1_error(status, "Not permitted for anonymous users")
        try:
            with self.fake._lock:
                return self._dispatch(method, path, query, data)
        except _ApiError as exc:
            return _v1_error(exc.status, exc.message)

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], data: Any
    ) -> Reply:
        fake = self.fake
        expand = query.get("expand", "")
        if path == "/content" and method == "GET":
            results = [
                self._page_json(page, expand)
                for page in fake._pages.values()
                if page.space == query.get("spaceKey", page.space)
                and page.title == query.get("title", page.title)
            ]
            return 200, {}, {"results": results, "size": len(results), "start": 0}
        if path == "/content" and method == "POST":
            return self._create(data)
        match = re.fullmatch(r"/content/(\d+)", path)
        if match:
            page = fake._get(match.group(1))
            if method == "GET":
                return 200, {}, self._page_json(page, expand)
            if method == "PUT":
                return self._update(page, data)
        match = re.fullmatch(r"/content/(\d+)/label", path)
        if match and method == "POST":
            page = fake._get(match.group(1))
            if not isinstance(data, list):
                raise _ApiError(400, "labels must be a list")
            page.labels.extend(str(item.get("name")) for item in data)
            return 200, {}, {"results": [{"name": name} for name in page.labels]}
        match = re.fullmatch(r"/content/(\d+)/property(?:/([^/]+))?", path)
        if match:
            return self._property(
                fake._get(match.group(1)), match.group(2), method, data
            )
        raise _ApiError(404, f"no route for {method} {path}")

    def _page_json(self, page: _Page, expand: str) -> dict[str, Any]:
        result: dict[str, Any] = {
            "id": page.page_id,
            "type": "page",
            "status": "current",
            "title": page.title,
            "_links": {
                "webui": f"/pages/viewpage.action?pageId={page.page_id}",
                "base": self.fake.base_url,
            },
        }
        fields = set(expand.split(","))
        if "version" in fields:
            result["version"] = {"number": page.version, "minorEdit": False}
        if "space" in fields:
            result["space"] = {"key": page.space}
        if "ancestors" in fields:
            result["ancestors"] = [{"id": page.parent_id}] if page.parent_id else []
        if "body.storage" in fields:
            result["body"] = {
                "storage": {"value": page.body, "representation": "storage"}
            }
        return result

    def _storage(self, data: dict[str, Any]) -> str:
        storage = (data.get("body") or {}).get("storage") or {}
        if storage.get("representation") != "storage":
            raise _ApiError(400, "body.storage.representation must be storage")
        return self.fake._check_storage(storage.get("value"))

    def _create(self, data: Any) -> Reply:
        if not isinstance(data, dict) or data.get("type") != "page":
            raise _ApiError(400, "type must be page")
        space = (data.get("space") or {}).get("key")
        if space not in self.fake._spaces:
            raise _ApiError(404, f"No space with key : {space}")
        title = self.fake._check_title(data.get("title"), space, None)
        value = self._storage(data)
        ancestors = data.get("ancestors") or []
        parent = str(ancestors[-1]["id"]) if ancestors else None
        if parent is not None:
            self.fake._get(parent)
        page = _Page(self.fake._new_id(), title, value, space, parent)
        page.versions.append({"number": 1, "message": "", "minorEdit": False})
        self.fake._pages[page.page_id] = page
        return 200, {}, self._page_json(page, "body.storage,version,space,ancestors")

    def _update(self, page: _Page, data: Any) -> Reply:
        if not isinstance(data, dict) or data.get("type") != "page":
            raise _ApiError(400, "type must be page")
        title = self.fake._check_title(data.get("title"), page.space, page.page_id)
        value = self._storage(data)
        self.fake._write_version(page, data.get("version"), minor=True)
        page.title = title
        page.body = value
        return 200, {}, self._page_json(page, "body.storage,version,space,ancestors")

    def _property(self, page: _Page, key: str | None, method: str, data: Any) -> Reply:
        if key is not None and method == "GET":
            item = page.properties.get(key)
            if item is None:
                raise _ApiError(404, f"No property found with key: {key}")
            return 200, {}, _v1_property(item)
        if not isinstance(data, dict) or "value" not in data:
            raise _ApiError(400, "value is required")
        if key is None and method == "POST":
            item = self.fake._set_property(
                page, str(data.get("key", "")), data["value"], None, create=True
            )
            return 200, {}, _v1_property(item)
        if key is not None and method == "PUT":
            item = self.fake._set_property(
                page, key, data["value"], data.get("version"), create=False
            )
            return 200, {}, _v1_property(item)
        raise _ApiError(405, "method not allowed")


def _v2_property(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "key": item["key"],
        "value": item["value"],
        "version": {"number": item["version"]},
    }


def _v1_property(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": item["key"],
        "value": item["value"],
        "version": {"number": item["version"]},
    }


def _v1_error(status: int, message: str) -> Reply:
    return status, {}, {"statusCode": status, "message": message}


def _v2_error(status: int, message: str) -> Reply:
    return (
        status,
        {},
        {"errors": [{"status": status, "title": message, "detail": message}]},
    )


def _handler_for(fake: FakeConfluence) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            data: Any = None
            if raw:
                try:
                    data = json.loads(raw)
                except ValueError:
                    self._reply(*_v1_error(400, "body is not JSON"))
                    return
            fake.requests.append((self.command, self.path, headers, data))
            fault = fake._take_fault(self.command, self.path)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.status == RESET:
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, linger
                    )
                    self.close_connection = True
                    return
                body = fault.body
                if body is None:
                    body = _v1_error(fault.status, "injected fault")[2]
                self._reply(fault.status, fault.headers, body)
                return
            if length > fake.max_body_bytes:
                self._reply(*_v1_error(413, "Request entity too large"))
                return
            self._reply(*fake._handle(self.command, self.path, headers, data))

        def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            if isinstance(body, str):
                payload = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                return

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
