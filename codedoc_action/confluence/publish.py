"""The Confluence side of a run: read the page, write the managed section.

``open_publisher`` builds the client for Cloud or Data Center from the
settings. ``Publisher.read`` returns the page state that the writer revises,
and ``Publisher.publish`` writes a new section. ``render_page_preview``
renders what would be written, for dry runs.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import httpx

from codedoc_action.confluence.client import (
    LABEL,
    ConfluenceClient,
    Page,
    StoredProperty,
)
from codedoc_action.confluence.cloud import GATEWAY_URL, CloudClient
from codedoc_action.confluence.datacenter import DataCenterClient
from codedoc_action.confluence.languages import Flavor
from codedoc_action.confluence.model import PageState, PublishResult, SectionRecord
from codedoc_action.confluence.readback import storage_to_markdown
from codedoc_action.confluence.section import (
    END_MARKER,
    START_MARKER,
    added_blocks,
    block_digests,
    digest,
    find_section,
    keep_inline_comments,
    merge,
    text_digest,
)
from codedoc_action.confluence.storage import render_storage
from codedoc_action.confluence.target import PageTarget, resolve_target
from codedoc_action.errors import (
    ConfluenceError,
    PageNotFoundError,
    SettingsError,
    VersionConflictError,
)
from codedoc_action.http import DEFAULT_TIMEOUT, HostAllowList
from codedoc_action.settings import Settings

logger = logging.getLogger(__name__)

PROPERTY_KEY = "codedoc-action"
MAX_CONFLICT_RETRIES = 3


def render_page_preview(
    markdown: str, *, flavor: Flavor = "cloud", toc: bool = False
) -> str:
    """Return the storage format of the managed section for ``markdown``.

    ``toc`` puts a table-of-contents macro at the top of the section.
    """
    return render_storage(markdown, flavor=flavor, toc=toc)


def _record_from(value: Any) -> SectionRecord | None:
    if not isinstance(value, dict):
        return None
    fields = [field.name for field in dataclasses.fields(SectionRecord)]
    if not all(isinstance(value.get(name), str) for name in fields):
        return None
    return SectionRecord(**{name: value[name] for name in fields})


class Publisher:
    """Reads and writes one target page through a Cloud or Data Center client."""

    def __init__(
        self,
        client: ConfluenceClient,
        target: PageTarget,
        flavor: Flavor,
        *,
        toc: bool = False,
    ) -> None:
        self.client = client
        self.target = target
        self.flavor = flavor
        self.toc = toc  # a table-of-contents macro at the top of the section
        self._identity_checked = False
        # The managed section as ``read`` found it, by page id, so a write
        # can tell whether someone edited it while the run was generating.
        self._read_sections: dict[str, str] = {}

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_identity(self) -> None:
        if not self._identity_checked:
            self.client.check_identity()
            self._identity_checked = True

    def _find(self) -> Page | None:
        """Return the target page, or None when a space+title page is missing."""
        self._check_identity()
        if self.target.page_id:
            return self.client.get_page(self.target.page_id)
        page = self.client.find_page(self.target.space_key, self.target.title)
        if page is None and not self.target.create_missing:
            raise PageNotFoundError(
                f"{self.target.describe()} was not found. Check confluence-page.",
                status=404,
            )
        parent = self.target.parent_id
        if page is not None and parent and page.parent_id not in (None, parent):
            # Same title elsewhere in the space: someone else's page, not ours.
            raise ConfluenceError(
                f"{self.target.describe()} exists under page {page.parent_id}, not "
                f"under confluence-parent {parent}, so it was not changed. Choose "
                "another confluence-title, move the page, or set confluence-page "
                "to its id if it is the page to document.",
                page_id=page.page_id,
            )
        return page

    def _check_parent(self) -> None:
        """Fail before any AI call when the page to create has no valid parent."""
        parent = self.target.parent_id
        if not parent:
            return
        try:
            self.client.get_page(parent)
        except PageNotFoundError as exc:
            raise PageNotFoundError(
                f"confluence-parent {parent} was not found, so "
                f"{self.target.describe()} cannot be created under it. Check "
                "confluence-parent.",
                status=404,
                page_id=parent,
            ) from exc

    def read(self) -> PageState:
        """Read the target page: section as Markdown, record, hand-edit flag.

        A space+title target that does not exist yet gives a state with an
        empty page_id and version 0; ``publish`` then creates the page.
        """
        page = self._find()
        if page is None:
            self._check_parent()
            return PageState("", self.target.title, 0, "", "", None, False, False)
        stored = self.client.get_property(page.page_id, PROPERTY_KEY)
        record = _record_from(stored.value) if stored else None
        span = find_section(page.body, page_id=page.page_id)
        section = span.content(page.body) if span else ""
        self._read_sections[page.page_id] = section
        hand_edited = span is not None and _hand_edited(section, stored)
        if hand_edited:
            logger.warning(
                "the managed section of page %s was edited by hand since the "
                "last run; the edited text is the current section for this run",
                page.page_id,
            )
        section_markdown = _section_markdown(section, page.page_id)
        return PageState(
            page_id=page.page_id,
            title=page.title,
            version=page.version,
            url=page.url,
            section_markdown=section_markdown,
            record=record,
            hand_edited=hand_edited,
            has_section=span is not None,
            hand_written=_hand_written(section_markdown, stored, hand_edited),
        )

    def publish(
        self, markdown: str, record: SectionRecord, message: str
    ) -> PublishResult:
        """Write the section, then the record; skip the write when unchanged.

        Raises VersionConflictError, writing nothing, when the section on the
        page was edited since ``read`` returned it.
        """
        rendered = render_storage(markdown, flavor=self.flavor, toc=self.toc)
        page = self._find()
        if page is None:
            return self._create(rendered, record)
        stored = self.client.get_property(page.page_id, PROPERTY_KEY)
        span = find_section(page.body, page_id=page.page_id)
        current = span.content(page.body) if span else ""
        hand_edited = span is not None and _hand_edited(current, stored)
        baseline = self._read_sections.get(page.page_id, current)
        page, section, updated = self._write_section(page, rendered, message, baseline)
        self._read_sections[page.page_id] = section
        only_if_moved = not updated
        self._write_record(page.page_id, record, section, stored, only_if_moved)
        if updated:
            logger.info("page %s updated to version %d", page.page_id, page.version)
        else:
            logger.info("page %s: section unchanged, no new version", page.page_id)
        return PublishResult(
            page.page_id, page.url, page.version, updated, hand_edited=hand_edited
        )

    def _write_section(
        self, page: Page, rendered: str, message: str, baseline: str
    ) -> tuple[Page, str, bool]:
        """Merge the section into the page and write it, re-reading on 409.

        Returns the page as written, the section and whether a version was
        written. After a 409, a re-read page that already carries the section
        counts as written, because the earlier attempt may have landed.
        ``baseline`` is the section the run started from: if the page's
        section differs from it, someone edited the section during the run,
        and VersionConflictError is raised instead of overwriting the edit.
        """
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            span = find_section(page.body, page_id=page.page_id)
            old_section = span.content(page.body) if span else ""
            section = keep_inline_comments(old_section, rendered)
            if span is not None and digest(old_section) == digest(section):
                return page, section, attempt > 0
            if _section_changed(baseline, old_section):
                raise _edited_during_run(page.page_id)
            body = merge(page.body, section, page_id=page.page_id)
            try:
                return self.client.update_page(page, body, message), section, True
            except VersionConflictError:
                if attempt == MAX_CONFLICT_RETRIES:
                    raise VersionConflictError(
                        f"could not update page {page.page_id}: it was changed "
                        f"by someone else during each of {attempt + 1} "
                        "attempts. Run again.",
                        status=409,
                        page_id=page.page_id,
                    ) from None
                logger.warning(
                    "page %s changed while writing, re-reading (retry %d/%d)",
                    page.page_id,
                    attempt + 1,
                    MAX_CONFLICT_RETRIES,
                )
                page = self.client.get_page(page.page_id)
        raise AssertionError("unreachable: the loop returns or raises")

    def _create(self, section: str, record: SectionRecord) -> PublishResult:
        target = self.target
        body = START_MARKER + section + END_MARKER
        page = self.client.create_page(
            target.space_key, target.title, body, target.parent_id or None
        )
        self.client.add_label(page.page_id, LABEL)
        self._write_record(page.page_id, record, section, None)
        logger.info("created page %s (%s)", page.page_id, page.title)
        return PublishResult(page.page_id, page.url, page.version, True, created=True)

    def _write_record(
        self,
        page_id: str,
        record: SectionRecord,
        section: str,
        stored: StoredProperty | None,
        only_if_moved: bool = False,
    ) -> None:
        """Store the record with the section's digests in the content property.

        With ``only_if_moved``, a stored record of the same commit is kept, so
        an unchanged run writes nothing at all.
        """
        record = dataclasses.replace(record, digest=digest(section))
        old = _record_from(stored.value) if stored else None
        if only_if_moved and old is not None and old.commit == record.commit:
            return
        value = dataclasses.asdict(record) | {
            "text_digest": text_digest(section),
            "blocks": block_digests(_section_markdown(section, page_id)),
        }
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            try:
                self.client.set_property(page_id, PROPERTY_KEY, value, stored)
                return
            except VersionConflictError:
                if attempt == MAX_CONFLICT_RETRIES:
                    raise
                stored = self.client.get_property(page_id, PROPERTY_KEY)


def _section_markdown(section: str, page_id: str) -> str:
    try:
        return storage_to_markdown(section) if section else ""
    except ET.ParseError as exc:
        raise ConfluenceError(
            f"the managed section of page {page_id} is not well-formed XHTML "
            f"({exc}). Fix the section in the Confluence editor, or delete it "
            "with both markers to have it written anew.",
            page_id=page_id,
        ) from exc


def _section_changed(before: str, after: str) -> bool:
    """Return whether the managed section was edited between two reads.

    Editors rewrite storage attributes without changing the text, so only a
    change of both the storage and the text counts.
    """
    if digest(before) == digest(after):
        return False
    return text_digest(before) != text_digest(after)


def _edited_during_run(page_id: str) -> VersionConflictError:
    return VersionConflictError(
        f"could not update page {page_id}: its managed section was edited in "
        "Confluence during this run, and writing would overwrite that edit. "
        "Nothing was written and the generated Markdown is kept. Run again, "
        "so that the writer starts from the edited section.",
        status=409,
        page_id=page_id,
    )


def _hand_written(
    section_markdown: str, stored: StoredProperty | None, hand_edited: bool
) -> tuple[str, ...]:
    """Return the section's blocks the last run did not write."""
    if not hand_edited or stored is None or not isinstance(stored.value, dict):
        return ()
    known = stored.value.get("blocks")
    if not isinstance(known, list) or not all(isinstance(k, str) for k in known):
        return ()
    return added_blocks(section_markdown, known)


def _hand_edited(section: str, stored: StoredProperty | None) -> bool:
    """Return whether the section differs from what the last run wrote."""
    if stored is None or not isinstance(stored.value, dict):
        return False
    if stored.value.get("digest") == digest(section):
        return False
    # Editors rewrite storage attributes without changing the text, so the
    # text digest decides.
    return stored.value.get("text_digest") != text_digest(section)


def open_publisher(
    settings: Settings,
    allowed: HostAllowList,
    *,
    sleep: Callable[[float], None] = time.sleep,
    gateway_url: str = GATEWAY_URL,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> Publisher:
    """Build the publisher for the settings and allow the Confluence host(s).

    An empty confluence-user means Data Center with a personal access token;
    otherwise Cloud with basic auth. ``gateway_url`` replaces
    https://api.atlassian.com, for tests.
    """
    if not settings.confluence_url or settings.confluence_token is None:
        raise SettingsError(
            [
                "confluence-url and confluence-token: both are needed to publish; "
                "set them, or set dry-run: true"
            ]
        )
    target = resolve_target(
        settings.confluence_page,
        settings.confluence_space,
        settings.confluence_title,
        settings.confluence_parent,
        settings.confluence_url,
    )
    token = settings.confluence_token.get_secret_value()
    allowed.add(settings.confluence_url)
    client: ConfluenceClient
    if settings.confluence_user:
        allowed.add(gateway_url)
        client = CloudClient(
            settings.confluence_url,
            settings.confluence_user,
            token,
            allowed,
            sleep=sleep,
            gateway_url=gateway_url,
            timeout=timeout,
            transport=transport,
        )
        return Publisher(client, target, "cloud")
    client = DataCenterClient(
        settings.confluence_url,
        token,
        allowed,
        sleep=sleep,
        timeout=timeout,
        transport=transport,
    )
    return Publisher(client, target, "datacenter")
