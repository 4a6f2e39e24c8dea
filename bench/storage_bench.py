"""Benchmark: Markdown to Confluence storage format, ours beside md2conf.

Corpus: every Markdown file (README and docs) in the source distributions of
the PyPI packages listed in PACKAGES, downloaded once with
``pip download --no-deps --no-binary :all:`` into bench/.cache/storage_bench.

For each converter the script measures:

- converted: share of files converted without an exception;
- well-formed: share of files whose output parses as XML inside a root that
  declares the ac: and ri: namespaces, with no named entities. A second share
  allows HTML named entities such as &nbsp;;
- preserved: for headings, code blocks, tables, links and list items, the
  count found in the output as a share of the count in the Markdown source
  (counted with markdown-it-py's GFM parse), summed over the corpus;
- raw HTML: files whose output contains an element that is neither storage
  format nor the HTML subset the converters write (a raw tag passed through);
- speed: best of three passes over the corpus.

markdown-to-confluence (module md2conf) is a benchmark-only dependency:
``/work/venv/bin/pip install markdown-to-confluence``.

Run: ``/work/venv/bin/python bench/storage_bench.py [--max-files N]``
"""

from __future__ import annotations

import argparse
import logging
import platform
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.gfm import gfm_plugin

from codedoc_action.confluence.storage import render_storage
from codedoc_action.confluence.xhtml import AC, is_well_formed, parse_fragment

CACHE = Path(__file__).parent / ".cache" / "storage_bench"
PACKAGES = [
    "httpx==0.29.0",
    "rich==15.0.0",
    "typer==0.29.2",
    "fastapi==0.165.0",
    "black==26.10.1",
    "mkdocs==1.6.1",
    "markdown-it-py==4.3.0",
    "mdit-py-plugins==0.7.0",
    "attrs==26.1.0",
    "starlette==1.10.0",
    "uvicorn==0.55.0",
    "pydantic-settings==2.16.3",
    "textual==8.2.8",
    "pipx==1.18.4",
    "hatchling==1.33.0",
]
CONSTRUCTS = ("headings", "code blocks", "tables", "links", "list items")
KNOWN_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "thead",
    "tbody", "tr", "th", "td", "blockquote", "hr", "br", "strong", "em", "code",
    "span", "a", "sup", "sub", "del", "s", "u", "pre", "colgroup", "col", "root",
}  # fmt: skip

Converter = Callable[[Path, str], str]


def download_corpus() -> list[Path]:
    """Download the sdists when missing and extract their Markdown files."""
    sdists = CACHE / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    for requirement in PACKAGES:
        name = requirement.split("==")[0].replace("-", "_").lower()
        if any(
            name in path.name.lower().replace("-", "_") for path in sdists.iterdir()
        ):
            continue
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
             ":all:", "--quiet", "-d", str(sdists), requirement],
            check=True,
        )  # fmt: skip
    corpus = CACHE / "markdown"
    if not corpus.exists():
        corpus.mkdir()
        for archive in sorted(sdists.iterdir()):
            _extract_markdown(archive, corpus / archive.name.split(".tar")[0])
    return sorted(corpus.rglob("*.md"))


def _extract_markdown(archive: Path, target: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            for name in bundle.namelist():
                if name.endswith(".md") and ".." not in name:
                    bundle.extract(name, target)
        return
    with tarfile.open(archive) as bundle:
        members = [
            member
            for member in bundle.getmembers()
            if member.isfile()
            and member.name.endswith(".md")
            and ".." not in member.name
        ]
        bundle.extractall(target, members=members, filter="data")


_PARSER = MarkdownIt("commonmark", {"html": False}).use(gfm_plugin)


def source_counts(markdown: str) -> dict[str, int]:
    counts = dict.fromkeys(CONSTRUCTS, 0)
    for token in _PARSER.parse(markdown):
        if token.type == "heading_open":
            counts["headings"] += 1
        elif token.type in ("fence", "code_block"):
            counts["code blocks"] += 1
        elif token.type == "table_open":
            counts["tables"] += 1
        elif token.type == "list_item_open":
            counts["list items"] += 1
        elif token.type == "inline":
            children = token.children or []
            counts["links"] += sum(1 for child in children if child.type == "link_open")
    return counts


def output_counts(root: ET.Element) -> dict[str, int]:
    counts = dict.fromkeys(CONSTRUCTS, 0)
    for element in root.iter():
        tag = element.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            counts["headings"] += 1
        elif tag == "pre" or (
            tag == AC + "structured-macro"
            and element.get(AC + "name") in ("code", "noformat")
        ):
            counts["code blocks"] += 1
        elif tag == "table":
            counts["tables"] += 1
        elif tag in ("a", AC + "link"):
            counts["links"] += 1
        elif tag in ("li", AC + "task"):
            counts["list items"] += 1
    return counts


def has_raw_html(root: ET.Element) -> bool:
    return any(
        isinstance(element.tag, str)
        and not element.tag.startswith("{")
        and element.tag not in KNOWN_TAGS
        for element in root.iter()
    )


def ours(path: Path, markdown: str) -> str:
    return render_storage(markdown, flavor="cloud")


def md2conf_converter() -> Converter:
    from md2conf.collection import ConfluencePageCollection, ConfluenceUserCollection
    from md2conf.converter import ConfluenceDocument
    from md2conf.metadata import ConfluenceSiteMetadata
    from md2conf.options import ProcessorOptions
    from md2conf.options_converter import ConverterOptions
    from md2conf.scanner import Scanner

    # Heading anchors on, as ours writes them; nothing that needs a network,
    # a diagram renderer or the other pages of a site.
    options = ProcessorOptions(
        generated_by=None,
        converter=ConverterOptions(
            heading_anchors=True,
            force_valid_url=False,
            force_valid_language=False,
            render_drawio=False,
            render_mermaid=False,
            render_plantuml=False,
            render_latex=False,
            render_other=False,
        ),
    )
    site = ConfluenceSiteMetadata("example.atlassian.net", "/wiki/", "DOC")

    def convert(path: Path, markdown: str) -> str:
        document = ConfluenceDocument(
            path,
            Scanner().read(path),
            options,
            path.parent,
            site,
            ConfluencePageCollection(),
            ConfluenceUserCollection(),
        )
        return str(document.xhtml())

    return convert


@dataclass
class Result:
    name: str
    files: int = 0
    converted: int = 0
    well_formed: int = 0
    well_formed_entities: int = 0
    raw_html: int = 0
    seconds: float = 0.0
    source: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONSTRUCTS, 0))
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONSTRUCTS, 0))
    # Per file: (source counts, output counts or None when conversion failed).
    per_file: list[tuple[dict[str, int], dict[str, int] | None]] = field(
        default_factory=list
    )


def measure(name: str, convert: Converter, corpus: list[tuple[Path, str]]) -> Result:
    result = Result(name, files=len(corpus))
    outputs: list[str | None] = []
    for path, markdown in corpus:
        try:
            outputs.append(convert(path, markdown))
        except Exception:  # a failed conversion is a data point
            outputs.append(None)
    for (_, markdown), output in zip(corpus, outputs, strict=True):
        counts = source_counts(markdown)
        for construct in CONSTRUCTS:
            result.source[construct] += counts[construct]
        if output is None:
            result.per_file.append((counts, None))
            continue
        result.converted += 1
        result.well_formed += is_well_formed(output)
        try:
            root = parse_fragment(output)
        except ET.ParseError:
            result.per_file.append((counts, None))
            continue
        result.well_formed_entities += 1
        result.raw_html += has_raw_html(root)
        found = output_counts(root)
        result.per_file.append((counts, found))
        for construct in CONSTRUCTS:
            result.found[construct] += min(found[construct], counts[construct])
    result.seconds = min(_timed_pass(convert, corpus) for _ in range(3))
    return result


def _timed_pass(convert: Converter, corpus: list[tuple[Path, str]]) -> float:
    start = time.perf_counter()
    for path, markdown in corpus:
        try:
            convert(path, markdown)
        except Exception:  # noqa: S112 - timing includes failed files
            continue
    return time.perf_counter() - start


def report(results: list[Result]) -> str:
    def share(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f} %" if whole else "n/a"

    names = [result.name for result in results]
    lines = [
        "| measure | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    rows: list[tuple[str, list[str]]] = [
        ("files converted", [share(r.converted, r.files) for r in results]),
        (
            "well-formed XML, no entities",
            [share(r.well_formed, r.files) for r in results],
        ),
        (
            "well-formed XML, HTML entities allowed",
            [share(r.well_formed_entities, r.files) for r in results],
        ),
        ("files with raw HTML elements", [share(r.raw_html, r.files) for r in results]),
    ]
    for construct in CONSTRUCTS:
        rows.append(
            (
                f"{construct} preserved",
                [share(r.found[construct], r.source[construct]) for r in results],
            )
        )
    rows.extend(_shared_file_rows(results, share))
    rows.append(
        ("seconds for the corpus (best of 3)", [f"{r.seconds:.2f}" for r in results])
    )
    for label, cells in rows:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    baseline = results[0].seconds
    for other in results[1:]:
        if baseline:
            lines.append("")
            lines.append(f"Speed ratio {other.name} / {results[0].name}: "
                         f"{other.seconds / baseline:.2f}")  # fmt: skip
    return "\n".join(lines)


def _shared_file_rows(
    results: list[Result], share: Callable[[int, int], str]
) -> list[tuple[str, list[str]]]:
    """Return the preserved shares over the files that every converter read."""
    both = [
        all(result.per_file[index][1] is not None for result in results)
        for index in range(results[0].files)
    ]
    rows = [(f"files every converter read: {sum(both)}", ["" for _ in results])]
    for construct in CONSTRUCTS:
        cells = []
        for result in results:
            kept = [
                pair for pair, read in zip(result.per_file, both, strict=True) if read
            ]
            source = sum(counts[construct] for counts, _ in kept)
            found = sum(
                min(counts[construct], (output or {}).get(construct, 0))
                for counts, output in kept
            )
            cells.append(share(found, source))
        rows.append((f"{construct} preserved, in those files", cells))
    return rows


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import os

    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-files", type=int, default=0, help="0 means all")
    arguments = parser.parse_args()
    logging.disable(logging.WARNING)  # md2conf warns per unresolved link
    paths = download_corpus()
    if arguments.max_files:
        paths = paths[: arguments.max_files]
    corpus = [
        (path, path.read_text(encoding="utf-8", errors="replace")) for path in paths
    ]
    total = sum(len(markdown.encode()) for _, markdown in corpus)
    results = [measure("codedoc", ours, corpus)]
    results.append(measure("md2conf", md2conf_converter(), corpus))
    print(f"Corpus: {len(corpus)} Markdown files, {total / 1e6:.2f} MB, "
          f"from {len(PACKAGES)} sdists")  # fmt: skip
    print(f"Machine: {machine()}")
    print()
    print(report(results))


if __name__ == "__main__":
    main()
