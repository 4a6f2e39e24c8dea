"""One documentation job, from commit range to page and summary."""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from codedoc_action import __version__
from codedoc_action.ci.platform import Platform
from codedoc_action.config import Job
from codedoc_action.errors import CodedocError
from codedoc_action.http import HostAllowList
from codedoc_action.report import PickedFile, RunReport, render_summary
from codedoc_action.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class JobFiles:
    """Output files of one job, kept so that nothing paid for is lost."""

    folder: Path
    stem: str

    @property
    def markdown(self) -> Path:
        return self.folder / f"{self.stem}.md"

    @property
    def storage(self) -> Path:
        return self.folder / f"{self.stem}.storage.xml"

    @property
    def preview(self) -> Path:
        return self.folder / f"{self.stem}.preview.html"


def run_jobs(
    settings: Settings, jobs: list[Job], platform: Platform, env: Mapping[str, str]
) -> int:
    """Run the single job, or every config job; return the worst exit code.

    The summary and outputs are written even when a job fails, so the tokens
    already spent and the saved Markdown are reported. A single job's error
    is then re-raised for the caller to log. With several jobs, each failure
    is logged here and the other jobs still run.
    """
    entries: list[tuple[str | None, Settings]] = [(None, settings)]
    if jobs:
        entries = [(job.name, job.settings) for job in jobs]
    reports: list[RunReport] = []
    worst = 0
    single_error: Exception | None = None
    for name, job_settings in entries:
        if name is not None:
            logger.info("job %s", name)
        try:
            reports.append(run_job(job_settings, platform, env, name=name))
        except Exception as exc:
            report = getattr(exc, "report", None)
            if not isinstance(report, RunReport):
                report = RunReport(result="", job=name or "")
            report.failed = True
            report.result = f"Failed: {exc}"
            reports.append(report)
            if name is None:
                single_error = exc
            else:
                logger.error("job %s failed: %s", name, exc)
                code = exc.exit_code if isinstance(exc, CodedocError) else 1
                worst = max(worst, code)
    _finish(platform, reports)
    if single_error is not None:
        raise single_error
    return worst


def _finish(platform: Platform, reports: list[RunReport]) -> None:
    summary = "\n".join(render_summary(report) for report in reports)
    if len(reports) > 1:
        failed = sum(1 for report in reports if report.failed)
        written = sum(1 for report in reports if report.updated)
        overview = (
            f"# codedoc: {len(reports)} jobs, {written} page(s) written, "
            f"{failed} failed\n\n"
        )
        summary = overview + summary
    path = platform.write_summary(summary)
    logger.info("summary written to %s", path)
    if len(reports) == 1:
        platform.write_outputs(reports[0].outputs())
    else:
        platform.write_outputs(combined_outputs(reports))


def combined_outputs(reports: list[RunReport]) -> dict[str, str]:
    """Merge the outputs of several jobs: sums, unions and comma-joined pages."""
    outputs = [report.outputs() for report in reports]
    selected: list[str] = []
    for output in outputs:
        for path in json.loads(output["selected-files"]):
            if path not in selected:
                selected.append(path)
    costs = [output["cost-usd"] for output in outputs]
    known_cost = all(costs)
    merged = {
        name: ",".join(output[name] for output in outputs)
        for name in ("page-id", "page-url", "page-version")
    }
    merged["updated"] = (
        "true" if any(o["updated"] == "true" for o in outputs) else "false"
    )
    merged["selected-files"] = json.dumps(selected)
    for name in ("input-tokens", "output-tokens", "total-tokens"):
        merged[name] = str(sum(int(output[name]) for output in outputs))
    merged["cost-usd"] = (
        f"{sum(float(cost) for cost in costs):.6f}" if known_cost else ""
    )
    return merged


def run_job(
    settings: Settings, platform: Platform, env: Mapping[str, str], name: str | None
) -> RunReport:
    """Document one range into one page; raise on failure with ``.report`` set."""
    from codedoc_action.pipeline import Pipeline

    files = JobFiles(folder=platform.output_dir, stem=name or "page")
    allowed = HostAllowList()
    pipeline = Pipeline(settings, platform, env, allowed, files, job_name=name)
    try:
        return pipeline.run()
    except Exception as exc:
        exc.report = pipeline.report  # type: ignore[attr-defined]
        raise
    finally:
        pipeline.close()


def write_preview(markdown: str, storage: str, files: JobFiles, title: str) -> None:
    """Write the rendered page beside the Markdown: storage XHTML and HTML."""
    files.storage.write_text(storage, encoding="utf-8")
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    # Images become links, as on the page: the preview must not load a picture
    # from a host the model chose.
    renderer.add_render_rule("image", _image_as_link)
    body = renderer.render(markdown)
    page = (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}</body></html>\n"
    )
    files.preview.write_text(page, encoding="utf-8")


def _image_as_link(
    self: Any, tokens: Sequence[Token], index: int, options: Any, env: Any
) -> str:
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    text = html.escape(token.content or source)
    if not re.match(r"^(https?:|mailto:|[^:]*$)", source):
        return text
    return f'<a href="{html.escape(source, quote=True)}">{text}</a>'


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


__all__ = ["JobFiles", "PickedFile", "run_job", "run_jobs", "write_preview"]
_ = __version__
