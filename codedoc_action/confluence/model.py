"""Values exchanged between the run and the Confluence publisher."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionRecord:
    """The content property stored on the page after each successful write."""

    commit: str
    digest: str  # sha256 of the managed section's storage XHTML as written
    provider: str
    model: str
    tool_version: str
    time: str  # ISO 8601, UTC


@dataclass(frozen=True)
class PageState:
    """The target page as read before writing."""

    page_id: str
    title: str
    version: int
    url: str
    section_markdown: str  # managed section read back as Markdown; "" when absent
    record: SectionRecord | None
    hand_edited: bool  # the section no longer matches the stored digest
    has_section: bool
    # Blocks of the section (paragraphs, list items) that the last run did not
    # write, so a person wrote them. Empty when unknown or when nothing was edited.
    hand_written: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublishResult:
    page_id: str
    url: str
    version: int
    updated: bool  # False when the section was already identical
    created: bool = False
    hand_edited: bool = False
