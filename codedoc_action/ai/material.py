"""The material a run can send: change list, page outline, diffs and files.

Every piece of source text passes through ``scrub_text`` here, before any
prompt is built from it, and each piece carries its token estimate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from codedoc_action.ai.limits import Limits
from codedoc_action.ai.scrub import is_secret_file, scrub_texts
from codedoc_action.ai.tokens import estimate_tokens
from codedoc_action.changes.model import ChangedFile, ChangeSet
from codedoc_action.repomap import RepoMap, run_git
from codedoc_action.symbols import extract_symbols

STATUS_LETTERS = {
    "added": "A",
    "modified": "M",
    "deleted": "D",
    "renamed": "R",
    "copied": "C",
    "type-changed": "T",
}
DIFF_PATHS_PER_GIT_CALL = 200


@dataclass(frozen=True)
class Pick:
    """A file the selection kept, and whether the range changed it."""

    path: str
    reason: str
    changed: bool


@dataclass(frozen=True)
class Item:
    """One piece of material: a file, its signatures, or its diff, scrubbed."""

    path: str
    kind: str  # "file", "signatures" or "diff"
    text: str
    tokens: int
    # SHA-256 digests of the secret values replaced in ``text``.
    secrets: frozenset[str] = field(default=frozenset(), repr=False)


def is_pure_rename(changed: ChangedFile) -> bool:
    return (
        changed.status == "renamed"
        and changed.old_path is not None
        and changed.added_lines == 0
        and changed.removed_lines == 0
    )


def relevant_changes(changes: ChangeSet) -> list[ChangedFile]:
    """Return the changes worth documenting: text files, not secrets, not moves."""
    return [
        changed
        for changed in changes.files
        if not changed.binary
        and not changed.submodule
        and not is_secret_file(changed.path)
        and not is_pure_rename(changed)
    ]


def render_change_list(files: list[ChangedFile], budget_tokens: int) -> str:
    """List changes, largest first, within ``budget_tokens``; summarise the rest."""
    ordered = sorted(files, key=lambda c: (-(c.added_lines + c.removed_lines), c.path))
    lines: list[str] = []
    for index, changed in enumerate(ordered):
        line = _change_line(changed)
        cost = estimate_tokens(line + "\n")
        if cost > budget_tokens:
            lines.append(_remainder_line(ordered[index:]))
            break
        lines.append(line)
        budget_tokens -= cost
    return "\n".join(lines) if lines else "(no changed files)"


def _change_line(changed: ChangedFile) -> str:
    letter = STATUS_LETTERS.get(changed.status, "?")
    path = changed.path
    if changed.old_path and changed.status in ("renamed", "copied"):
        path = f"{changed.old_path} -> {changed.path}"
    return f"{letter} {path} (+{changed.added_lines} -{changed.removed_lines})"


def _remainder_line(rest: list[ChangedFile]) -> str:
    folders = Counter(
        str(PurePosixPath(c.path).parent) + "/" if "/" in c.path else "(root)"
        for c in rest
    )
    top = ", ".join(f"{folder} {count}" for folder, count in folders.most_common(8))
    return f"... and {len(rest):,} smaller changes, by folder: {top}"


def page_outline(section: str) -> str:
    """Return the headings of ``section``, one a line, or a note that it is empty."""
    headings = [
        line.strip()
        for line in section.splitlines()
        if re.match(r"^#{1,6}\s+\S", line.strip())
    ]
    return "\n".join(headings) if headings else "(the section has no headings yet)"


def file_items(
    repo_map: RepoMap,
    paths: Iterable[str],
    redactions: Counter[str],
    max_tokens: int | None = None,
    counted: Mapping[str, frozenset[str]] | None = None,
) -> list[Item]:
    """Read ``paths`` at head and return each as a scrubbed full-text item.

    A file over ``max_tokens`` keeps its first lines and then the signatures
    of all its top-level symbols, so a large module still shows its interface.
    The cut happens before scrubbing, so text that is not sent is not scanned.
    Secrets whose digests ``counted`` lists under the same path (found in the
    file's diff already) are not added to ``redactions`` again.
    """
    texts = list(repo_map.read_text(paths).items())
    if max_tokens is not None:
        texts = [(path, cap_file_text(path, text, max_tokens)) for path, text in texts]
    return _scrubbed_items(texts, "file", redactions, counted)


def cap_file_text(path: str, text: str, max_tokens: int) -> str:
    """Cut a long file to its head plus the signatures of all its symbols."""
    if estimate_tokens(text) <= max_tokens:
        return text
    signatures = "\n".join(
        symbol.signature for symbol in extract_symbols(path, text.encode())
    )
    head_budget = max(max_tokens - estimate_tokens(signatures), max_tokens // 2)
    kept: list[str] = []
    used = 0
    lines = text.splitlines()
    for line in lines:
        cost = estimate_tokens(line + "\n")
        if used + cost > head_budget:
            break
        kept.append(line)
        used += cost
    note = (
        f"[... {len(lines) - len(kept)} more lines cut; the top-level "
        "signatures of the whole file follow]"
    )
    capped = "\n".join([*kept, note, signatures])
    if estimate_tokens(capped) > max_tokens:
        capped = capped[: int(max_tokens * 3.2 / 1.15)]
    return capped


def signature_items(
    repo_map: RepoMap, paths: Iterable[str], redactions: Counter[str]
) -> list[Item]:
    """Return the top-level signatures of ``paths`` as scrubbed items."""
    texts = [
        (path, "\n".join(symbol.signature for symbol in symbols))
        for path, symbols in repo_map.symbols(paths).items()
        if symbols
    ]
    return _scrubbed_items(texts, "signatures", redactions)


def _scrubbed_items(
    texts: list[tuple[str, str]],
    kind: str,
    redactions: Counter[str],
    counted: Mapping[str, frozenset[str]] | None = None,
) -> list[Item]:
    """Scrub ``texts`` and count each secret once per file into ``redactions``."""
    items: list[Item] = []
    for (path, _), scrubbed in zip(texts, scrub_texts(texts), strict=True):
        already = counted.get(path, frozenset()) if counted else frozenset()
        redactions.update(
            secret_kind
            for digest, secret_kind in scrubbed.digests.items()
            if digest not in already
        )
        tokens = estimate_tokens(scrubbed.text)
        secrets = frozenset(scrubbed.digests)
        items.append(Item(path, kind, scrubbed.text, tokens, secrets))
    return items


def diff_items(
    repo_map: RepoMap,
    base: str,
    files: list[ChangedFile],
    *,
    max_lines: int,
    budget_tokens: int,
    redactions: Counter[str],
) -> list[Item]:
    """Return the scrubbed diff of each file, until about ``budget_tokens``."""
    chosen: list[ChangedFile] = []
    planned = 0
    # A deleted file's diff is its old text, which documents nothing at head;
    # the change list already names it as deleted.
    for changed in (c for c in files if c.status != "deleted"):
        lines = min(changed.added_lines + changed.removed_lines, max_lines) + 8
        planned += estimate_tokens("x" * 40) * lines
        if planned > budget_tokens and chosen:
            break
        chosen.append(changed)
    texts: list[tuple[str, str]] = []
    for start in range(0, len(chosen), DIFF_PATHS_PER_GIT_CALL):
        batch = chosen[start : start + DIFF_PATHS_PER_GIT_CALL]
        texts.extend(_diff_batch(repo_map, base, batch, max_lines))
    return _scrubbed_items(texts, "diff", redactions)


def _diff_batch(
    repo_map: RepoMap, base: str, batch: list[ChangedFile], max_lines: int
) -> list[tuple[str, str]]:
    """Return ``(path, diff text)`` of each file in ``batch``, cut to ``max_lines``."""
    pathspecs: list[str] = []
    for changed in batch:
        pathspecs.append(changed.path)
        if changed.old_path:
            pathspecs.append(changed.old_path)
    # Without core.quotePath=false, git writes non-ASCII paths as quoted octal
    # escapes in the diff headers, and they would not match the change list.
    output = run_git(
        repo_map.repo_root,
        "-c",
        "core.quotePath=false",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--find-renames",
        "-U2",
        base,
        repo_map.head,
        "--",
        *[f":(literal){path}" for path in pathspecs],
    ).decode("utf-8", errors="replace")
    texts: list[tuple[str, str]] = []
    for path, text in _split_diff(output).items():
        if is_secret_file(path):
            continue
        lines = text.splitlines()
        if len(lines) > max_lines:
            hidden = len(lines) - max_lines
            lines = [*lines[:max_lines], f"[... {hidden} more diff lines cut]"]
        texts.append((path, "\n".join(lines)))
    return texts


def removed_lines_only(item: Item) -> Item:
    """Keep the hunk headers and removed lines of a diff item.

    Used for files whose full text at head is sent too: the added lines are
    in that text already, so only what was removed is new information.
    """
    kept = [
        line
        for line in item.text.splitlines()
        if line.startswith(("@@", "-")) and not line.startswith("---")
    ]
    text = "\n".join(["(removed lines only; the file's text at head follows)", *kept])
    return Item(item.path, "removed", text, estimate_tokens(text), item.secrets)


def _split_diff(output: str) -> dict[str, str]:
    """Split ``git diff`` output into the part of each file, by path at head."""
    parts: dict[str, str] = {}
    for chunk in re.split(r"(?m)^(?=diff --git )", output):
        if not chunk.startswith("diff --git "):
            continue
        match = re.search(r"(?m)^\+\+\+ b/(.+)$", chunk) or re.search(
            r"^diff --git a/.+? b/(.+)$", chunk, re.MULTILINE
        )
        if match is None:
            continue
        parts[match.group(1).strip()] = chunk
    return parts


def prepare_diffs(
    repo_map: RepoMap,
    relevant: list[ChangedFile],
    base: str | None,
    mode: str,
    limits: Limits,
) -> tuple[list[Item], Counter[str]]:
    """Read and scrub the diffs of the relevant changes, largest change first.

    The diffs do not depend on the selection, so this runs while the select
    call is waiting for the provider.
    """
    redactions: Counter[str] = Counter()
    if mode == "full" or base is None:
        return [], redactions
    ordered = sorted(relevant, key=lambda c: -(c.added_lines + c.removed_lines))
    diffs = diff_items(
        repo_map,
        base,
        ordered,
        max_lines=limits.diff_file_max_lines,
        budget_tokens=limits.call_input_tokens * (1 + limits.max_summary_calls),
        redactions=redactions,
    )
    return diffs, redactions


def build_items(
    repo_map: RepoMap,
    picks: tuple[Pick, ...],
    diffs: list[Item],
    mode: str,
    limits: Limits,
    redactions: Counter[str],
) -> list[Item]:
    """Collect the material in order of value: what fits first is kept first.

    With diffs (update mode with a base commit): the removed lines of the
    picked changed files, their full text, the signatures of picked unchanged
    neighbours, then the diffs of the other changed files. Without: the full
    text of every pick.
    """
    if mode == "full" or not diffs:
        paths = [pick.path for pick in picks]
        return file_items(repo_map, paths, redactions, limits.file_tokens)
    picked_changed = [pick.path for pick in picks if pick.changed]
    picked_set = set(picked_changed)
    neighbours = [pick.path for pick in picks if not pick.changed]
    diff_by_path = {item.path: item for item in diffs}
    counted = {item.path: item.secrets for item in diffs}
    return [
        *(
            removed_lines_only(diff_by_path[p])
            for p in picked_changed
            if p in diff_by_path
        ),
        *file_items(repo_map, picked_changed, redactions, limits.file_tokens, counted),
        *signature_items(repo_map, neighbours, redactions),
        *(item for item in diffs if item.path not in picked_set),
    ]
