"""The target page named by the settings: an id, a page URL, or space and title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_plus, urlsplit

from codedoc_action.confluence.client import MAX_TITLE_LENGTH
from codedoc_action.errors import SettingsError

_CLOUD_PAGE = re.compile(r"/spaces/([^/]+)/pages/(?:edit-v2/)?(\d+)(?:/|$)")
_DISPLAY_PAGE = re.compile(r"/display/([^/]+)/([^/?#]+)")


@dataclass(frozen=True)
class PageTarget:
    """Either ``page_id``, or ``space_key`` and ``title`` (with an optional parent)."""

    page_id: str = ""
    space_key: str = ""
    title: str = ""
    parent_id: str = ""
    create_missing: bool = False  # only a space+title target may be created

    def describe(self) -> str:
        if self.page_id:
            return f"page {self.page_id}"
        return f"page {self.title!r} in space {self.space_key}"


def parse_page_reference(value: str, confluence_url: str) -> PageTarget:
    """Parse the confluence-page input: a numeric id or a page URL.

    Accepted URLs: Cloud ``/wiki/spaces/KEY/pages/123/Title``, Data Center
    ``/pages/viewpage.action?pageId=123`` and ``/display/KEY/Title``. A URL
    must be on the host of confluence-url, so no other host is contacted.
    """
    value = value.strip()
    if value.isdigit():
        return PageTarget(page_id=value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            [
                f"confluence-page: invalid value {value!r}; expected a numeric page "
                "id or the page's URL"
            ]
        )
    expected_host = urlsplit(confluence_url).hostname
    if expected_host and parts.hostname.lower() != expected_host.lower():
        raise SettingsError(
            [
                f"confluence-page: the URL is on host {parts.hostname!r} but "
                f"confluence-url is on {expected_host!r}; use a page of the same "
                "site or change confluence-url"
            ]
        )
    page_ids = parse_qs(parts.query).get("pageId")
    if page_ids and page_ids[0].isdigit():
        return PageTarget(page_id=page_ids[0])
    match = _CLOUD_PAGE.search(parts.path)
    if match:
        return PageTarget(page_id=match.group(2))
    match = _DISPLAY_PAGE.search(parts.path)
    if match:
        return PageTarget(
            space_key=unquote_plus(match.group(1)), title=unquote_plus(match.group(2))
        )
    raise SettingsError(
        [
            f"confluence-page: cannot find a page id in {value!r}; expected a URL "
            "like .../wiki/spaces/KEY/pages/123/Title, "
            ".../pages/viewpage.action?pageId=123 or .../display/KEY/Title, or "
            "set the numeric page id"
        ]
    )


def resolve_target(
    page: str, space: str, title: str, parent: str, confluence_url: str
) -> PageTarget:
    """Build the target from the settings; raise SettingsError when invalid."""
    if page:
        target = parse_page_reference(page, confluence_url)
    elif space and title:
        target = PageTarget(space_key=space.strip(), title=title.strip())
    else:
        raise SettingsError(
            [
                "confluence-page: missing; set a page id or URL, or both "
                "confluence-space and confluence-title"
            ]
        )
    if len(target.title) > MAX_TITLE_LENGTH:
        raise SettingsError(
            [
                f"confluence-title: {len(target.title)} characters long; "
                f"Confluence allows at most {MAX_TITLE_LENGTH}, so shorten it"
            ]
        )
    parent_id = parent.strip()
    if parent_id and not parent_id.isdigit():
        parent_id = parse_page_reference(parent_id, confluence_url).page_id
        if not parent_id:
            raise SettingsError(
                ["confluence-parent: expected a numeric page id or a page URL"]
            )
    return PageTarget(
        target.page_id,
        target.space_key,
        target.title,
        parent_id,
        create_missing=not page,
    )
