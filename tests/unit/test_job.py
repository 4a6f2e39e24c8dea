"""Local preview files of a job."""

from __future__ import annotations

from pathlib import Path

from codedoc_action.job import JobFiles, write_preview


def test_preview_images_become_links(tmp_path: Path) -> None:
    files = JobFiles(folder=tmp_path, stem="page")
    markdown = "![pixel](http://127.0.0.9/p.png)\n\n![x](javascript:alert(1))\n"
    write_preview(markdown, "<p/>", files, "T")
    page = files.preview.read_text(encoding="utf-8")
    assert "<img" not in page
    assert '<a href="http://127.0.0.9/p.png">pixel</a>' in page
    assert 'href="javascript' not in page


def test_preview_title_escaped(tmp_path: Path) -> None:
    files = JobFiles(folder=tmp_path, stem="page")
    write_preview("# Hi\n", "<p/>", files, "<b>Docs</b>")
    page = files.preview.read_text(encoding="utf-8")
    assert "<title>&lt;b&gt;Docs&lt;/b&gt;</title>" in page
