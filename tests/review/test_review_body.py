"""render_review and review_marker: the comment text itself."""

from __future__ import annotations

from codedoc_action.review.body import render_review, review_marker, section_diff

SUMMARY = "## codedoc\n\nTotal: 1,234 tokens.\n"


def test_review_marker_job_name() -> None:
    assert review_marker("api") == "<!-- codedoc:api -->"


def test_review_marker_without_job() -> None:
    assert review_marker(None) == "<!-- codedoc:default -->"


def test_review_marker_cannot_close_comment() -> None:
    marker = review_marker("x --> <script>")
    assert marker.count("-->") == 1
    assert marker.endswith(" -->")
    assert "<script>" not in marker


def test_render_review_counts_lines() -> None:
    body = render_review("api", "a\nb\nc\n", "a\nB\nc\nd\n", SUMMARY)
    assert "2 line(s) added, 1 removed" in body
    assert body.startswith("<!-- codedoc:api -->\n")
    assert "Total: 1,234 tokens." in body


def test_render_review_no_change() -> None:
    body = render_review("api", "same\n", "same\n", SUMMARY)
    assert "no change" in body
    assert "<details>" not in body
    assert "Total: 1,234 tokens." in body


def test_render_review_fence_outlasts_backticks() -> None:
    old = "text\n"
    new = "text\n````python\nprint()\n````\n"
    body = render_review(None, old, new, SUMMARY)
    assert "`````diff" in body
    lines = body.splitlines()
    assert lines.count("`````") == 1


def test_render_review_added_line_starting_with_plus() -> None:
    body = render_review("api", "a\n", "a\n++b\n", SUMMARY)
    assert "1 line(s) added, 0 removed" in body


def test_render_review_cuts_diff_to_limit() -> None:
    old = "".join(f"line {i}\n" for i in range(500))
    new = "".join(f"LINE {i}\n" for i in range(500))
    body = render_review("api", old, new, SUMMARY, max_chars=3_000)
    assert len(body) <= 3_000
    assert "The diff was cut after" in body
    assert body.rstrip().endswith("Total: 1,234 tokens.")


def test_section_diff_headers() -> None:
    lines = section_diff("a\n", "b\n")
    assert lines[0] == "--- page section (current)"
    assert lines[1] == "+++ page section (proposed)"
