"""Job summary and step outputs."""

from __future__ import annotations

import io
import json
from pathlib import Path

from codedoc_action.changes.model import CommitRange
from codedoc_action.ci.platform import GitHubPlatform
from codedoc_action.report import PickedFile, RunReport, render_summary
from codedoc_action.usage import CallRecord, Usage, UsageLedger


def _ledger(*costs: float | None) -> UsageLedger:
    ledger = UsageLedger()
    for index, cost in enumerate(costs):
        usage = Usage(
            input_tokens=1000 * (index + 1), output_tokens=100, cache_read_tokens=10
        )
        ledger.add(CallRecord("write", "anthropic", "m-1", usage, 1.5, "req", cost))
    return ledger


def test_report_totals_and_budget_share() -> None:
    report = RunReport(
        result="Updated.",
        ledger=_ledger(0.01, 0.02),
        max_tokens=10_000,
        commit_range=CommitRange("a" * 40, "b" * 40, "push"),
        picked=[PickedFile("src/a|b.py", "changed\nheavily")],
    )
    summary = render_summary(report)
    assert "| **total** | | **3,000** | **20** | **200** | **3.0** |" in summary
    assert (
        "Total: 3,200 tokens, estimated cost $0.0300 (32% of max-tokens 10,000)."
        in summary
    )
    assert "`src/a\\|b.py` | changed heavily |" in summary
    assert "`aaaaaaaaaaaa..bbbbbbbbbbbb`" in summary


def test_report_unknown_price_never_zero() -> None:
    report = RunReport(result="Updated.", ledger=_ledger(0.01, None))
    summary = render_summary(report)
    assert "estimated cost unknown" in summary
    assert report.outputs()["cost-usd"] == ""


def test_report_outputs_match_ledger() -> None:
    report = RunReport(
        result="x", ledger=_ledger(0.5), picked=[PickedFile("a.py", "r")]
    )
    outputs = report.outputs()
    assert outputs["input-tokens"] == "1000"
    assert outputs["output-tokens"] == "100"
    assert outputs["total-tokens"] == "1100"
    assert outputs["cost-usd"] == "0.500000"
    assert json.loads(outputs["selected-files"]) == ["a.py"]


def test_report_redactions_counted_not_shown() -> None:
    report = RunReport(result="x", redactions={"aws-key": 2, "private-key": 1})
    summary = render_summary(report)
    assert "Secrets scrubbed before sending: 3 (aws-key: 2, private-key: 1)." in summary


def test_platform_multiline_output_uses_delimiter(tmp_path: Path) -> None:
    output = tmp_path / "out"
    platform = GitHubPlatform(env={"GITHUB_OUTPUT": str(output)}, stream=io.StringIO())
    platform.write_outputs({"one": "1", "many": "a\nb"})
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "one=1"
    name, delimiter = lines[1].split("<<")
    assert name == "many"
    assert lines[2:5] == ["a", "b", delimiter]


def test_platform_log_line_cannot_start_command() -> None:
    import logging

    from codedoc_action.ci.platform import AnnotatingFormatter

    platform = GitHubPlatform(env={}, stream=io.StringIO())
    formatter = AnnotatingFormatter(platform)
    record = logging.LogRecord(
        "codedoc_action", logging.INFO, __file__, 1, "read %s", ("a\n::error::x",), None
    )
    text = formatter.format(record)
    assert "\n::" not in text
    assert ": :error::x" in text


def test_report_preview_is_fenced() -> None:
    report = RunReport(
        result="x", preview_markdown="# T\n\n<img src=x onerror=y>\n```\n"
    )
    summary = render_summary(report)
    assert "````markdown\n# T" in summary
    assert "<img src=x onerror=y>" in summary.split("````markdown")[1]


def test_report_backtick_names_stay_code() -> None:
    report = RunReport(result="x", picked=[PickedFile("a`b.py", "r")])
    assert "| ``a`b.py`` | r |" in render_summary(report)


def test_report_reason_tags_shown_as_text() -> None:
    report = RunReport(result="x", picked=[PickedFile("a<b>.py", "<img src=x>")])
    summary = render_summary(report)
    assert "| `a<b>.py` | &lt;img src=x&gt; |" in summary


def test_platform_carriage_return_cannot_start_command() -> None:
    import logging

    from codedoc_action.ci.platform import AnnotatingFormatter

    platform = GitHubPlatform(env={}, stream=io.StringIO())
    formatter = AnnotatingFormatter(platform)
    record = logging.LogRecord(
        "codedoc_action", logging.ERROR, __file__, 1, "bad %s", ("x\r::error::y",), None
    )
    text = formatter.format(record)
    assert "\r" not in text
    assert text.startswith("::error::")
    assert text.count("::error::") == 1


def test_report_public_summary_hides_runner_details() -> None:
    report = RunReport(
        result="x",
        job="api",
        markdown_path=Path("/runner/tmp/page.md"),
        hosts=["https://wiki.example.com"],
    )
    private = render_summary(report)
    public = render_summary(report, public=True)
    assert private.startswith("## codedoc: job `api`")
    assert "/runner/tmp/page.md" in private
    assert "/runner/tmp/page.md" not in public
    assert "wiki.example.com" not in public
