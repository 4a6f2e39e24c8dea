"""Checks on the generated page: every named file and identifier exists at head.

Code spans that look like identifiers (``Settings``, ``load_config()``,
``Budget.reserve``) must appear as whole words in some file at head. Code spans
and links that look like paths must be files or directories at head. Anything
else is reported as a warning, or raised with ``strict``.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from codedoc_action.errors import GitError, StrictCheckError
from codedoc_action.repomap import RepoMap

logger = logging.getLogger(__name__)

IDENTIFIER = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|#)[A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?:\(\))?$"
)
PATH = re.compile(r"^(?:[\w.\-]+/)*[\w.\-]+/?$")
FILE_NAME = re.compile(
    r"^[\w.\-]+\.(?:py|pyi|js|jsx|mjs|ts|tsx|go|rs|java|kt|rb|php|cs|c|h|cc|cpp|"
    r"hpp|swift|scala|sh|md|rst|txt|toml|ya?ml|json|cfg|ini|lock|sql|proto|html|css)$"
)
# Words that are language literals or keywords, never repository identifiers.
COMMON_WORDS = frozenset(
    {
        "True", "False", "None", "true", "false", "null", "nil", "undefined",
        "self", "this", "cls", "async", "await", "return", "yield", "import",
        "def", "class", "function", "const", "let", "var", "int", "str", "bool",
        "float", "dict", "list", "tuple", "string", "number", "object", "void",
    }
)  # fmt: skip
GREP_IDENTIFIERS_PER_CALL = 200
# Abbreviated or full commit ids, which pages name and which are no identifiers.
COMMIT_ID = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class Mention:
    text: str
    kind: str  # "identifier" or "path"


def page_mentions(markdown: str, link_prefix: str = "") -> list[Mention]:
    """Return the identifiers and paths the page names in code spans and links."""
    mentions: dict[str, Mention] = {}
    for token in _inline_tokens(markdown):
        if token.type == "code_inline":
            mention = classify(token.content.strip())
            if mention is not None:
                mentions.setdefault(mention.text, mention)
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            path = link_path(href, link_prefix)
            if path:
                mentions.setdefault(path, Mention(path, "path"))
    return list(mentions.values())


def _inline_tokens(markdown: str) -> Iterator[Token]:
    for block in MarkdownIt("commonmark").enable("table").parse(markdown):
        yield from block.children or ()


def classify(span: str) -> Mention | None:
    """Tell what a code span names: a path, an identifier, or nothing checkable."""
    if not span or any(char.isspace() for char in span) or span in COMMON_WORDS:
        return None
    if span.startswith(("http:", "https:", "-", "$")):
        return None
    if COMMIT_ID.match(span):
        return None
    candidate = re.sub(r":\d+$", "", span).removeprefix("./")
    if "/" in candidate and PATH.match(candidate):
        return Mention(candidate, "path")
    if FILE_NAME.match(candidate):
        return Mention(candidate, "path")
    match = IDENTIFIER.match(span)
    if match is None:
        return None
    return Mention(match.group("name"), "identifier")


def link_path(href: str, link_prefix: str) -> str | None:
    """Return the repository path a link points to, or None for other links.

    Link targets are percent-encoded, so the path is decoded before it is
    compared with the files at head.
    """
    if link_prefix and href.startswith(link_prefix):
        return unquote(href[len(link_prefix) :].split("#", 1)[0]) or None
    if re.match(r"^[a-z][a-z0-9+.\-]*:", href, re.IGNORECASE) or href.startswith(
        ("#", "/", "//")
    ):
        return None
    path = unquote(href.split("#", 1)[0]).removeprefix("./")
    return path or None


def check_page(
    markdown: str,
    repo_map: RepoMap,
    *,
    strict: bool,
    link_prefix: str = "",
    removed_paths: Collection[str] = (),
) -> list[str]:
    """Return a warning per missing mention; raise ``StrictCheckError`` if strict.

    ``removed_paths`` (files deleted or moved away in the range) may be named
    without a warning, so the page can say what was removed.
    """
    mentions = page_mentions(markdown, link_prefix)
    problems: list[str] = []
    identifiers: list[str] = []
    for mention in mentions:
        if mention.kind == "path" and mention.text in removed_paths:
            continue
        if mention.kind == "path":
            if not _path_exists(mention.text, repo_map):
                problems.append(
                    f"the page names the path {mention.text!r}, which "
                    f"is not in the repository at {repo_map.head[:12]}"
                )
        else:
            identifiers.append(mention.text)
    for name in sorted(missing_identifiers(identifiers, repo_map)):
        problems.append(
            f"the page names the identifier {name!r}, which does not "
            f"appear in the repository at {repo_map.head[:12]}"
        )
    if problems and strict:
        raise StrictCheckError(problems)
    for problem in problems:
        logger.warning("%s", problem)
    return problems


def _path_exists(path: str, repo_map: RepoMap) -> bool:
    if repo_map.exists(path):
        return True
    # A bare file name counts when some file at head has that name.
    return "/" not in path and repo_map.has_file_name(path)


def missing_identifiers(names: list[str], repo_map: RepoMap) -> set[str]:
    """Return the names whose last part is not a whole word in any file at head."""
    last_parts = {name: re.split(r"\.|::|#", name)[-1] for name in names}
    known = repo_map.cached_symbol_names()
    unknown = sorted({part for part in last_parts.values() if part not in known})
    found: set[str] = set()
    for start in range(0, len(unknown), GREP_IDENTIFIERS_PER_CALL):
        found |= _grep_words(
            repo_map, unknown[start : start + GREP_IDENTIFIERS_PER_CALL]
        )
    return {
        name
        for name, part in last_parts.items()
        if part not in known and part not in found
    }


def _grep_words(repo_map: RepoMap, words: list[str]) -> set[str]:
    """Return which of ``words`` occur as whole words in a text file at head."""
    if not words:
        return set()
    arguments = ["git", "-C", str(repo_map.repo_root), "grep", "-I", "-h", "-o"]
    arguments += ["-w", "-F", "--no-color"]
    for word in words:
        arguments.extend(["-e", word])
    arguments.append(repo_map.head)
    try:
        completed = subprocess.run(arguments, capture_output=True, check=False)
    except OSError as error:
        raise GitError(f"git could not be started: {error}; install git") from error
    # git grep exits 1 when nothing matches and 2 or more on errors.
    if completed.returncode > 1:
        message = completed.stderr.decode("utf-8", errors="replace").strip()
        raise GitError(f"git grep failed at {repo_map.head[:12]}: {message}")
    lines = completed.stdout.decode("utf-8", errors="replace").splitlines()
    return {line.rsplit(":", 1)[-1] for line in lines}
