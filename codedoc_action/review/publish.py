"""Whether this run may write to Confluence, with the reason for the summary."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from codedoc_action.changes.git import Git
from codedoc_action.ci.events import CiEvent, event_from_env
from codedoc_action.errors import GitError
from codedoc_action.settings import Settings


def should_publish(
    settings: Settings, env: Mapping[str, str], event: CiEvent | None = None
) -> tuple[bool, str]:
    """Decide whether the run writes to Confluence; return (decision, reason).

    Only runs on ``publish-branch`` write, and that input defaults to the
    repository's default branch (the event payload on GitHub,
    ``CI_DEFAULT_BRANCH`` on GitLab). Pull and merge request runs, tags and
    detached checkouts never write. A local run writes unless
    ``publish-branch`` is set and names another branch than the checkout's.
    ``comment: true`` only stops the write on pull and merge requests.
    """
    if settings.dry_run:
        return False, "dry-run is true, so the page was rendered to a file only."
    if not settings.confluence_given:
        return False, "no Confluence input is set, so the page was rendered only."
    event = event if event is not None else event_from_env(env)
    if event.kind == "pull_request":
        request_kind = "pull" if event.platform == "github" else "merge"
        action = "The proposed change is in the comment." if settings.comment else ""
        reason = f"runs on a {request_kind} request never write to Confluence. {action}"
        reason = reason.rstrip()
        return False, reason[0].upper() + reason[1:]
    if event.platform == "local":
        return _local_decision(settings, env)
    if event.does_nothing:
        return False, f"a {event.kind.replace('_', ' ')} event leaves nothing to write."
    if event.kind == "merge_group":
        return False, (
            "merge queue runs check a change before it lands, so nothing was "
            "written; the push to the publish branch after the merge writes the page"
        )
    branch = event.branch
    if not branch:
        ref = event.ref or "the checked-out commit"
        return False, f"{ref} is not a branch, so nothing was written to Confluence."
    target = settings.publish_branch or event.default_branch
    if not target and event.kind == "schedule" and event.platform == "github":
        # GitHub runs scheduled workflows on the default branch only, even when
        # the payload lacks the repository object that names it.
        target = branch
    if not target:
        return False, (
            "the repository's default branch is unknown, so nothing was written; "
            f"set publish-branch: {branch} to write from this branch"
        )
    if branch != target:
        return False, (
            f"branch {branch} is not the publish branch {target}, so nothing was "
            f"written to Confluence; set publish-branch: {branch} to write from it"
        )
    return True, f"branch {branch} is the publish branch."


def _local_decision(settings: Settings, env: Mapping[str, str]) -> tuple[bool, str]:
    if not settings.publish_branch:
        return True, "local run without publish-branch."
    workspace = Path(env.get("CODEDOC_WORKSPACE") or Path.cwd())
    try:
        result = Git(workspace).run(
            "symbolic-ref", "--quiet", "--short", "HEAD", check=False
        )
    except GitError as exc:
        return False, f"cannot read the current branch ({exc}), so nothing was written."
    branch = result.stdout.decode("utf-8", "replace").strip()
    if branch == settings.publish_branch:
        return True, f"branch {branch} is the publish branch."
    current = f"branch {branch}" if branch else "a detached HEAD"
    return False, (
        f"{current} is not the publish branch {settings.publish_branch}, so nothing "
        "was written to Confluence."
    )
