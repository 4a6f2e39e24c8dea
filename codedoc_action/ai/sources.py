"""Source links under each section and path remapping for pure renames."""

from __future__ import annotations

import re
from collections.abc import Iterable

from codedoc_action.changes.model import ChangedFile
from codedoc_action.providers.offline import source_link
from codedoc_action.repomap import RepoMap

SOURCES_LINE = re.compile(r"(?im)^[ \t]*\**sources?\**:\**[ \t]*(?P<list>.*)$")


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
        for raw in re.split(r"[,;]", match.group("list")):
            path = _clean(raw)
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
    text = raw.strip().strip("*").strip()
    link = re.match(r"^\[(?P<label>[^\]]*)\]\((?P<href>[^)]*)\)$", text)
    if link is not None:
        text = link.group("label")
    return text.strip().strip("`").strip().removeprefix("./")


def _render(paths: list[str], head: str, template: str | None) -> str:
    if not paths:
        return ""
    links = ", ".join(
        f"[`{path}`]({source_link(path, head, template)})" for path in paths
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
