"""Source links under each section and path remapping for pure renames."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from codedoc_action.changes.model import ChangedFile
from codedoc_action.providers.offline import code_span, source_link
from codedoc_action.repomap import RepoMap

SOURCES_LINE = re.compile(r"(?im)^[ \t]*\**sources?\**:\**[ \t]*(?P<list>.*)$")
# One entry of a Sources list: a Markdown link, a code span, or plain text up
# to the next comma or semicolon. Links and code spans may contain commas and
# semicolons, which then belong to the path.
SOURCE_ENTRY = re.compile(
    r"\[(?:\\.|`[^`]*`|[^\]\\])*\]\([^)]*\)|(?P<fence>`+).+?(?P=fence)|[^,;]+"
)
LINK = re.compile(r"^\[(?P<label>(?:\\.|`[^`]*`|[^\]\\])*)\]\((?P<href>[^)]*)\)$")
CODE_SPAN = re.compile(r"^(?P<fence>`+)(?P<text>.+?)(?P=fence)$", re.DOTALL)


def link_prefix(template: str | None, head: str) -> str:
    """Return the part of a link that comes before the path, for the checks."""
    if not template or "{path}" not in template:
        return ""
    return template.split("{path}", 1)[0].replace("{commit}", head)


def link_sources(
    markdown: str,
    repo_map: RepoMap,
    fallback_paths: Iterable[str],
    template: str | None,
    warnings: list[str],
) -> str:
    """Turn each 'Sources:' line into links to the files at head.

    Paths that are not files at head are dropped with a warning. A page with
    no 'Sources:' line at all gets one at the end, naming ``fallback_paths``.
    """

    def replace(match: re.Match[str]) -> str:
        paths = []
        for entry in SOURCE_ENTRY.finditer(match.group("list")):
            path = _clean(entry.group(0))
            if not path:
                continue
            if path in repo_map.entries:
                paths.append(path)
            else:
                warnings.append(f"dropped source {path!r}: not a file at head")
        return _render(paths, repo_map.head, template)

    if SOURCES_LINE.search(markdown):
        linked = SOURCES_LINE.sub(replace, markdown)
        return re.sub(r"\n{3,}", "\n\n", linked).strip() + "\n"
    paths = [path for path in dict.fromkeys(fallback_paths) if path in repo_map.entries]
    if not paths:
        return markdown.strip() + "\n"
    return markdown.strip() + "\n\n" + _render(paths, repo_map.head, template) + "\n"


def _clean(raw: str) -> str:
    """Return the path that one Sources entry names, without its Markdown."""
    text = raw.strip().strip("*").strip()
    link = LINK.match(text)
    if link is not None:
        text = link.group("label").strip()
        if not CODE_SPAN.match(text):
            text = re.sub(r"\\(.)", r"\1", text)
    span = CODE_SPAN.match(text)
    if span is not None:
        text = span.group("text")
        # CommonMark strips one space on each side when both are present.
        if text.startswith(" ") and text.endswith(" ") and text.strip():
            text = text[1:-1]
    else:
        text = unquote(text) if "%" in text and " " not in text else text
    return text.strip().removeprefix("./")


def _render(paths: list[str], head: str, template: str | None) -> str:
    if not paths:
        return ""
    links = ", ".join(
        f"[{code_span(path)}]({source_link(path, head, template)})" for path in paths
    )
    return f"Sources: {links}"


def remap_renames(section: str, renames: Iterable[ChangedFile]) -> str:
    """Replace old paths by new ones in ``section`` for files moved unchanged."""
    for changed in renames:
        if not changed.old_path:
            continue
        pattern = re.compile(
            rf"(?<![\w./\-]){re.escape(changed.old_path)}(?![\w/\-]|\.\w)"
        )
        replacement = changed.path.replace("\\", "\\\\")
        section = pattern.sub(replacement, section)
    return section
