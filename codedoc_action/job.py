"""One documentation job, from commit range to page and summary."""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt

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
    """Where a job keeps what it produced, so nothing paid for is lost."""

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
    """Run the single job, or every config job; return the worst exit code."""
    if not jobs:
        report = run_job(settings, platform, env, name=None)
        _finish(platform, [report])
        return 0
    reports: list[RunReport] = []
    worst = 0
    for job in jobs:
        logger.info("job %s", job.name)
        try:
            reports.append(run_job(job.settings, platform, env, name=job.name))
        except CodedocError as exc:
            logger.error("job %s failed: %s", job.name, exc)
            reports.append(RunReport(result=f"Job `{job.name}` failed: {exc}"))
            worst = max(worst, exc.exit_code)
    _finish(platform, reports)
    return worst


def _finish(platform: Platform, reports: list[RunReport]) -> None:
    summary = "\n".join(render_summary(report) for report in reports)
    path = platform.write_summary(summary)
    logger.info("summary written to %s", path)
    if len(reports) == 1:
        platform.write_outputs(reports[0].outputs())
    else:
        merged = reports[-1].outputs()
        platform.write_outputs(merged)


def run_job(
    settings: Settings, platform: Platform, env: Mapping[str, str], name: str | None
) -> RunReport:
    """Document one range into one page; raise CodedocError on failure."""
    from codedoc_action.pipeline import Pipeline

    files = JobFiles(folder=platform.output_dir, stem=name or "page")
    allowed = HostAllowList()
    pipeline = Pipeline(settings, platform, env, allowed, files, job_name=name)
    try:
        return pipeline.run()
    finally:
        pipeline.close()


def write_preview(markdown: str, storage: str, files: JobFiles, title: str) -> None:
    """Write the rendered page beside the Markdown: storage XHTML and HTML."""
    files.storage.write_text(storage, encoding="utf-8")
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    page = (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}</body></html>\n"
    )
    files.preview.write_text(page, encoding="utf-8")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


__all__ = ["JobFiles", "PickedFile", "run_job", "run_jobs", "write_preview"]
_ = __version__
