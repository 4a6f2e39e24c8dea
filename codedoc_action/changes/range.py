"""The commit range to document, from the CI event and the settings.

==============================  =============================================
event                           range
==============================  =============================================
push                            before..after
push of a new branch            merge base with the default branch..after
force push                      merge base of before and after..after
pull or merge request           merge base of base and head..head
merge group                     merge base of base_sha and head_sha..head_sha
manual, schedule, local run     last documented commit..HEAD, else whole tree
tag push, branch deletion       nothing to do
==============================  =============================================

The ``base`` and ``head`` inputs override the event. A range endpoint missing
from a shallow clone is fetched; when that fails the caller gets a
``MissingCommitError`` carrying the range, so it can ask the Git host's API.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from codedoc_action.changes.git import Git
from codedoc_action.changes.history import CHECKOUT_FIX, History
from codedoc_action.changes.model import CommitRange
from codedoc_action.ci.events import CiEvent
from codedoc_action.errors import GitError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NothingToDo:
    """An event that leaves nothing to document, with the reason to report."""

    reason: str


class MissingCommitError(GitError):
    """A range endpoint is neither in the checkout nor fetchable.

    ``wanted`` is the range as the event names it (ids not checked), and
    ``pull_number`` is the pull or merge request, so an API can list the files.
    """

    def __init__(
        self, message: str, wanted: CommitRange, pull_number: int | None = None
    ) -> None:
        super().__init__(message)
        self.wanted = wanted
        self.pull_number = pull_number


def _short(commit: str) -> str:
    return commit[:12]


def _label(commit: str | None) -> str:
    return _short(commit) if commit else "(whole tree)"


def resolve_range(
    git: Git,
    event: CiEvent,
    settings_base: str = "",
    settings_head: str = "",
    last_documented_commit: str | None = None,
) -> CommitRange | NothingToDo:
    """Work out the commits to document; see the module table for each event."""
    git.check_repository()
    result = _resolve(
        History(git), event, settings_base, settings_head, last_documented_commit
    )
    logger.info("commit range: %s", result.reason)
    return result


def _resolve(
    history: History,
    event: CiEvent,
    settings_base: str,
    settings_head: str,
    last_documented_commit: str | None,
) -> CommitRange | NothingToDo:
    if settings_head.strip():
        event = _with_head(event, settings_head.strip())
    if settings_base.strip():
        return _explicit_range(history, event, settings_base.strip())
    if event.kind == "tag":
        return NothingToDo(f"tag push ({event.ref or 'tag'}): nothing to document")
    if event.kind == "branch_deleted":
        return NothingToDo(
            f"branch deletion ({event.ref or 'branch'}): nothing to document"
        )
    if event.kind == "push":
        return _catch_up(history, _push_range(history, event), last_documented_commit)
    if event.kind in ("pull_request", "merge_group"):
        return _request_range(history, event)
    return _since_last_run(history, event, last_documented_commit)


def _require(
    history: History,
    ref: str,
    role: str,
    wanted: CommitRange,
    pull_number: int | None = None,
) -> str:
    commit = history.ensure_commit(ref)
    if commit is None:
        raise MissingCommitError(
            f"commit {ref} ({role}) is not in the checkout and could not be "
            f"fetched; {CHECKOUT_FIX}",
            wanted,
            pull_number,
        )
    return commit


def _event_head(event: CiEvent) -> str:
    if event.kind == "push" and event.after:
        return event.after
    if event.kind in ("pull_request", "merge_group") and event.head:
        return event.head
    return event.sha or "HEAD"


def _explicit_range(history: History, event: CiEvent, base: str) -> CommitRange:
    head_ref = _event_head(event)
    wanted = CommitRange(base=base, head=head_ref, reason="inputs: base..head")
    head = _require(history, head_ref, "the head input or event head", wanted)
    base_commit = _require(history, base, "the base input", wanted)
    return CommitRange(
        base=base_commit,
        head=head,
        reason=f"inputs: {_short(base_commit)}..{_short(head)}",
    )


def _with_head(event: CiEvent, head: str) -> CiEvent:
    """Return ``event`` with its head commit replaced by the head input."""
    if event.does_nothing:
        event = replace(event, kind="manual")
    if event.kind == "push":
        return replace(event, after=head)
    if event.kind in ("pull_request", "merge_group"):
        return replace(event, head=head)
    return replace(event, sha=head)


def _catch_up(
    history: History, pushed: CommitRange, last_documented_commit: str | None
) -> CommitRange:
    """Start a push range at the last documented commit when that is older.

    CI cancels or skips runs (concurrency groups, failures), so the commits of
    an earlier push may never have reached the page. When the commit recorded
    on the page is an ancestor of the push's base, the range reaches back to
    it. Otherwise (a force push, another branch) the push range is kept.
    """
    last = last_documented_commit
    if not last or pushed.base is None or last == pushed.base:
        return pushed
    found = history.ensure_commit(last)
    if found is None or found == pushed.base:
        return pushed
    if not history.is_ancestor(found, pushed.base):
        return pushed
    return CommitRange(
        base=found,
        head=pushed.head,
        reason=(
            f"push, from the last documented commit: "
            f"{_short(found)}..{_short(pushed.head)}"
        ),
    )


def _push_range(history: History, event: CiEvent) -> CommitRange:
    after = event.after or event.sha
    wanted = CommitRange(base=event.before, head=after, reason="push")
    head = _require(history, after, "the pushed commit", wanted)
    if event.before is None:
        return _new_branch_range(history, event, head)

    before = _require(history, event.before, "the commit before the push", wanted)
    forced = event.forced
    if forced is None:
        forced = not history.is_ancestor(before, head)
    if not forced:
        return CommitRange(
            base=before, head=head, reason=f"push: {_short(before)}..{_short(head)}"
        )
    base = history.merge_base(before, head)
    if base is not None:
        return CommitRange(
            base=base,
            head=head,
            reason=f"force push: merge base {_short(base)}..{_short(head)}",
        )
    logger.warning(
        "force push: %s and %s share no history; using the default branch instead",
        _short(before),
        _short(head),
    )
    return _new_branch_range(history, event, head)


def _new_branch_range(history: History, event: CiEvent, head: str) -> CommitRange:
    """Range for a branch without a usable "before": fork point..head."""
    default = event.default_branch
    if not default or event.branch == default:
        if not history.has_parent(head):
            return CommitRange(base=None, head=head, reason="first commit: whole tree")
        return CommitRange(
            base=None,
            head=head,
            reason="new default branch: whole tree",
        )
    default_tip = history.ensure_branch(default)
    base = history.merge_base(default_tip, head) if default_tip else None
    if base is None:
        logger.warning(
            "new branch %s shares no history with %s; documenting the whole tree",
            event.branch or head,
            default,
        )
        return CommitRange(base=None, head=head, reason="new branch: whole tree")
    return CommitRange(
        base=base,
        head=head,
        reason=f"new branch: merge base with {default} {_short(base)}..{_short(head)}",
    )


def _request_range(history: History, event: CiEvent) -> CommitRange:
    kind = "merge group" if event.kind == "merge_group" else "pull request"
    if event.base is None or event.head is None:
        raise GitError(
            f"the {kind} event names no base and head commits; set the base and "
            "head inputs"
        )
    wanted = CommitRange(base=event.base, head=event.head, reason=kind)
    head = _require(history, event.head, f"{kind} head", wanted, event.pull_number)
    base_tip = _require(history, event.base, f"{kind} base", wanted, event.pull_number)
    base = history.merge_base(base_tip, head)
    if base is None:
        logger.warning(
            "%s: %s and %s share no visible history; comparing the tips",
            kind,
            _short(base_tip),
            _short(head),
        )
        base = base_tip
    return CommitRange(
        base=base, head=head, reason=f"{kind}: {_short(base)}..{_short(head)}"
    )


def _since_last_run(
    history: History, event: CiEvent, last_documented_commit: str | None
) -> CommitRange:
    label = {"schedule": "scheduled run", "local": "local run"}.get(
        event.kind, "manual run"
    )
    head_ref = event.sha or "HEAD"
    wanted = CommitRange(base=last_documented_commit, head=head_ref, reason=label)
    head = _require(history, head_ref, "the checked-out commit", wanted)
    if not last_documented_commit:
        return CommitRange(base=None, head=head, reason=f"{label}: whole tree")

    last = history.ensure_commit(last_documented_commit)
    if last is None:
        logger.warning(
            "the last documented commit %s is not in the repository any more; "
            "documenting the whole tree",
            _short(last_documented_commit),
        )
        return CommitRange(
            base=None, head=head, reason=f"{label}: whole tree (last commit gone)"
        )
    base = last if history.is_ancestor(last, head) else history.merge_base(last, head)
    return CommitRange(
        base=base,
        head=head,
        reason=f"{label}: since last documented {_label(base)}..{_short(head)}",
    )
