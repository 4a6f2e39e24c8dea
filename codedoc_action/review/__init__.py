"""Review before publishing: one comment on the pull or merge request.

With ``comment: true`` a pull request (GitHub) or merge request (GitLab) run
posts the proposed change to the page section and the usage table as one
comment, and writes nothing to Confluence. A hidden marker finds the comment
again, so every later push updates it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx

from codedoc_action.ci.gitlab import AUTH_FIX as GITLAB_AUTH_FIX
from codedoc_action.ci.gitlab import MergeRequestNotes
from codedoc_action.errors import GitHostError, SettingsError
from codedoc_action.githost.base import check_api_host
from codedoc_action.http import HostAllowList
from codedoc_action.review.body import (
    GITHUB_MAX_BODY,
    GITLAB_MAX_BODY,
    render_review,
    review_marker,
)
from codedoc_action.review.github import AUTH_FIX as GITHUB_AUTH_FIX
from codedoc_action.review.github import PullRequestComments
from codedoc_action.review.publish import should_publish
from codedoc_action.review.target import (
    ReviewTarget,
    find_review_target,
    fork_without_secrets,
    missing_secrets,
)
from codedoc_action.settings import Settings

logger = logging.getLogger(__name__)

__all__ = [
    "ReviewTarget",
    "allow_review_host",
    "find_review_target",
    "fork_without_secrets",
    "missing_secrets",
    "post_review",
    "review_marker",
    "should_publish",
]


def allow_review_host(allowed: HostAllowList, env: Mapping[str, str]) -> str | None:
    """Add the origin of the Git host's API to ``allowed`` for a review target.

    Call it while the run's clients are built, so the origin is in the list
    the run prints at start. Returns the API's host, or None outside a pull or
    merge request.
    """
    target = find_review_target(env)
    if target is None:
        return None
    host = httpx.URL(target.api_url).host
    allowed.add(target.api_url)
    return host


def post_review(
    settings: Settings,
    platform_name: str,
    env: Mapping[str, str],
    allowed: HostAllowList,
    job_name: str | None,
    old_markdown: str,
    new_markdown: str,
    summary_markdown: str,
) -> str:
    """Post or update the job's review comment; return the comment's URL.

    Raises SettingsError when the run is not a pull or merge request or has
    no token, EgressError when the API host is not in ``allowed``, and
    GitHostError when the API call fails.
    """
    target = find_review_target(env)
    if target is None or target.platform != platform_name:
        raise SettingsError(
            [
                "comment: true needs a pull request (GitHub) or merge request "
                f"(GitLab) run, but this {platform_name} run is neither; set "
                "comment only for those events"
            ]
        )
    service = "GitHub" if target.platform == "github" else "GitLab"
    check_api_host(target.api_url, allowed, service)
    token = settings.github_token
    if token is None:
        fix = GITHUB_AUTH_FIX if target.platform == "github" else GITLAB_AUTH_FIX
        raise SettingsError(
            [f"github-token: missing; comment: true posts through the API, so {fix}"]
        )
    marker = review_marker(job_name)
    if target.pull_request is not None:
        body = render_review(
            job_name, old_markdown, new_markdown, summary_markdown, GITHUB_MAX_BODY
        )
        comments = PullRequestComments(target.pull_request, token)
        try:
            return comments.upsert(marker, body)
        finally:
            comments.close()
    if target.merge_request is None:
        raise GitHostError(f"no pull or merge request found for {target.label}")
    body = render_review(
        job_name, old_markdown, new_markdown, summary_markdown, GITLAB_MAX_BODY
    )
    notes = MergeRequestNotes(target.merge_request, token, allowed)
    try:
        return notes.upsert(marker, body)
    finally:
        notes.close()
