"""The job summary: what the run did and what it cost, short enough to scan."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codedoc_action.changes.model import CommitRange, SkippedFile
from codedoc_action.providers.offline import code_span
from codedoc_action.usage import UsageLedger

# GitHub caps a step summary at 1 MiB; the preview keeps well inside it.
PREVIEW_MAX_CHARS = 200_000


@dataclass(frozen=True)
class PickedFile:
    path: str
    reason: str


@dataclass
class RunReport:
    """Everything the summary and the step outputs are made from."""

    result: str
    job: str = ""
    failed: bool = False
    provider: str = ""
    model: str = ""
    page_id: str = ""
    page_url: str = ""
    page_title: str = ""
    page_version: int | None = None
    updated: bool = False
    commit_range: CommitRange | None = None
    changed_files: int = 0
    picked: Sequence[PickedFile] = ()
    ledger: UsageLedger = field(default_factory=UsageLedger)
    max_tokens: int | None = None
    max_cost: float | None = None
    redactions: Mapping[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: Sequence[SkippedFile] = ()
    left_out: Sequence[str] = ()
    markdown_path: Path | None = None
    preview_path: Path | None = None
    preview_markdown: str = ""
    hand_edited: bool = False
    hosts: Sequence[str] = ()

    def outputs(self) -> dict[str, str]:
        """Return the step outputs named in action.yml."""
        total = self.ledger.total
        cost = self.ledger.cost_usd
        return {
            "page-id": self.page_id,
            "page-url": self.page_url,
            "page-version": "" if self.page_version is None else str(self.page_version),
            "updated": "true" if self.updated else "false",
            "selected-files": json.dumps([pick.path for pick in self.picked]),
            "input-tokens": str(total.input_tokens),
            "output-tokens": str(total.output_tokens),
            "total-tokens": str(total.total_tokens),
            "cost-usd": "" if cost is None else f"{cost:.6f}",
        }


def _cell(text: str) -> str:
    """Make text safe in a table cell; tags from the model show as text."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _code(text: str) -> str:
    """Return a table-safe code span, whatever backticks or bars the text holds."""
    return code_span(text.replace("|", "\\|").replace("\n", " ").strip())


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "(start)"


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def render_summary(report: RunReport, *, public: bool = False) -> str:
    """Render the Markdown job summary.

    ``public`` leaves out runner paths and the host list, for text that others
    read, such as a pull request comment.
    """
    heading = f"## codedoc: job {_code(report.job)}" if report.job else "## codedoc"
    lines = [heading, "", report.result, ""]
    if report.commit_range is not None:
        span = (
            f"`{_short(report.commit_range.base)}..{_short(report.commit_range.head)}`"
        )
        lines.append(
            f"Commits: {span} ({report.commit_range.reason}); "
            f"{report.changed_files} changed file(s) considered."
        )
        lines.append("")
    if report.provider:
        model = f" `{report.model}`" if report.model else ""
        lines.extend([f"Provider: {report.provider}{model}", ""])
    if report.hand_edited:
        lines.extend(
            [
                "> [!NOTE]",
                "> The managed section was edited by hand since the last run. "
                "The edited text was the current section for this run; the page "
                "history keeps every earlier version.",
                "",
            ]
        )
    lines.extend(_picked_table(report.picked))
    lines.extend(_preview_block(report.preview_markdown))
    lines.extend(_calls_table(report))
    lines.extend(_notes(report, public))
    return "\n".join(lines).rstrip() + "\n"


def _picked_table(picked: Sequence[PickedFile]) -> list[str]:
    if not picked:
        return []
    lines = ["### Files read", "", "| file | reason |", "| --- | --- |"]
    lines.extend(f"| {_code(p.path)} | {_cell(p.reason)} |" for p in picked)
    lines.append("")
    return lines


def _preview_block(markdown: str) -> list[str]:
    """Show the page that was not written, folded, within the summary's size cap."""
    if not markdown.strip():
        return []
    text = markdown
    if len(text) > PREVIEW_MAX_CHARS:
        text = (
            text[:PREVIEW_MAX_CHARS] + "\n\n(cut here; the whole page is in the file)"
        )
    # A fence keeps the model's text inert: raw HTML in it is shown, not rendered.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [
        "<details><summary>Page preview (Markdown)</summary>",
        "",
        f"{fence}markdown",
        text.rstrip(),
        fence,
        "",
        "</details>",
        "",
    ]


def _calls_table(report: RunReport) -> list[str]:
    ledger = report.ledger
    if not ledger.calls:
        return ["AI calls: none (0 tokens, $0.00).", ""]
    lines = [
        "### AI calls",
        "",
        "| stage | model | input | cached | output | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for call in ledger.calls:
        usage = call.usage
        lines.append(
            f"| {call.stage} | {_code(call.model)} | {usage.input_tokens:,} | "
            f"{usage.cache_read_tokens:,} | {usage.output_tokens:,} | "
            f"{call.seconds:.1f} |"
        )
    total = ledger.total
    seconds = sum(call.seconds for call in ledger.calls)
    lines.append(
        f"| **total** | | **{total.input_tokens:,}** | "
        f"**{total.cache_read_tokens:,}** | **{total.output_tokens:,}** | "
        f"**{seconds:.1f}** |"
    )
    lines.append("")
    cost = ledger.cost_usd
    budget_parts = []
    if report.max_tokens:
        share = 100 * total.total_tokens / report.max_tokens
        budget_parts.append(f"{share:.0f}% of max-tokens {report.max_tokens:,}")
    if report.max_cost and cost is not None:
        budget_parts.append(
            f"{100 * cost / report.max_cost:.0f}% of max-cost ${report.max_cost:.6g}"
        )
    budget = f" ({'; '.join(budget_parts)})" if budget_parts else ""
    lines.append(
        f"Total: {total.total_tokens:,} tokens, estimated cost {_money(cost)}{budget}."
    )
    lines.append("")
    return lines


def _notes(report: RunReport, public: bool) -> list[str]:
    lines: list[str] = []
    redacted = sum(report.redactions.values())
    if redacted:
        kinds = ", ".join(
            f"{kind}: {count}" for kind, count in sorted(report.redactions.items())
        )
        lines.append(
            f"Secrets scrubbed before sending: {redacted} ({kinds}). "
            "Their values are not shown anywhere."
        )
    if report.skipped:
        shown = ", ".join(
            f"{_code(s.path)} ({s.reason})" for s in list(report.skipped)[:20]
        )
        more = len(report.skipped) - 20
        extra = f" and {more} more" if more > 0 else ""
        lines.append(f"Files not read: {shown}{extra}.")
    if report.left_out:
        shown = ", ".join(_code(p) for p in list(report.left_out)[:20])
        lines.append(f"Left out to fit the budget: {shown}.")
    if report.warnings:
        lines.extend(["", "### Warnings", ""])
        lines.extend(f"- {_cell(warning)}" for warning in report.warnings)
    if public:
        return [*lines, ""] if lines else lines
    if report.markdown_path is not None:
        lines.extend(["", f"Generated Markdown: `{report.markdown_path}`"])
    if report.preview_path is not None:
        lines.append(f"Rendered page preview: `{report.preview_path}`")
    if report.hosts:
        lines.append("Hosts allowed: " + ", ".join(f"`{h}`" for h in report.hosts))
    return [*lines, ""] if lines else lines
