"""The text of the review comment: marker, section diff and usage summary."""

from __future__ import annotations

import difflib
import re

# GitHub rejects comment bodies over 65,536 characters; GitLab allows 1,000,000.
GITHUB_MAX_BODY = 65_536
GITLAB_MAX_BODY = 1_000_000
_JOB_NAME = re.compile(r"[^A-Za-z0-9._-]")
_BACKTICKS = re.compile(r"`{3,}")


def review_marker(job_name: str | None) -> str:
    """Return the hidden HTML comment that identifies a job's review comment.

    Characters outside ``[A-Za-z0-9._-]`` become ``_`` so the name cannot end
    the HTML comment early.
    """
    name = _JOB_NAME.sub("_", job_name or "") or "default"
    return f"<!-- codedoc:{name} -->"


def section_diff(old_markdown: str, new_markdown: str) -> list[str]:
    """Return a unified diff of the section Markdown, one line per item."""
    lines = difflib.unified_diff(
        old_markdown.splitlines(),
        new_markdown.splitlines(),
        fromfile="page section (current)",
        tofile="page section (proposed)",
        lineterm="",
    )
    return list(lines)


def _fence(lines: list[str]) -> str:
    """Return a backtick fence longer than any backtick run in ``lines``."""
    longest = max(
        (len(m.group()) for line in lines for m in _BACKTICKS.finditer(line)), default=0
    )
    return "`" * max(3, longest + 1)


def _count(lines: list[str], sign: str) -> int:
    # The first two lines are the ---/+++ file headers.
    return sum(1 for line in lines[2:] if line.startswith(sign))


def render_review(
    job_name: str | None,
    old_markdown: str,
    new_markdown: str,
    summary_markdown: str,
    max_chars: int = GITHUB_MAX_BODY,
) -> str:
    """Render the comment body; a diff that would not fit is cut at a line.

    The summary is kept whole, because it contains the usage table, and the
    diff gets the room that remains under ``max_chars``.
    """
    marker = review_marker(job_name)
    label = f" for job `{job_name}`" if job_name else ""
    diff = section_diff(old_markdown, new_markdown)
    if not diff:
        change = "The run proposes no change to the page section."
        head = [marker, f"### codedoc: page preview{label}", "", change, ""]
        return "\n".join([*head, summary_markdown.rstrip(), ""])

    added = _count(diff, "+")
    removed = _count(diff, "-")
    head = [
        marker,
        f"### codedoc: proposed page change{label}",
        "",
        "Nothing was written to Confluence. The page is updated when this change "
        "runs on the publish branch.",
        "",
    ]
    fence = _fence(diff)
    summary = (
        f"<summary>Section diff: {added} line(s) added, {removed} removed</summary>"
    )
    opening = ["<details>", summary, "", f"{fence}diff"]
    closing = [fence, "</details>", ""]
    tail = [summary_markdown.rstrip(), ""]
    fixed = len("\n".join([*head, *opening, *closing, *tail])) + 200
    shown, cut = _fit(diff, max_chars - fixed)
    if cut:
        closing.insert(
            1, f"The diff was cut after {len(shown)} of {len(diff)} lines to fit."
        )
    return "\n".join([*head, *opening, *shown, *closing, *tail])


def _fit(lines: list[str], room: int) -> tuple[list[str], bool]:
    total = 0
    for index, line in enumerate(lines):
        total += len(line) + 1
        if total > room:
            return lines[:index], True
    return lines, False
