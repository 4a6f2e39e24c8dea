"""A comment the API never returned is not reported as posted."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from codedoc_action.errors import GitHostError
from codedoc_action.review.github import PullRequest, PullRequestComments


def _comments() -> PullRequestComments:
    pull = PullRequest(
        api_url="http://127.0.0.1:9", repository="octo-org/sample", number=7
    )
    return PullRequestComments(pull, SecretStr("ghs_confirm_test_token"))


def test_review_comment_without_id_fails() -> None:
    comments = _comments()
    empty = SimpleNamespace(id=None, html_url=None)
    with pytest.raises(GitHostError, match="returned no comment"):
        comments._confirmed(empty, "created")
    comments.close()


def test_review_comment_with_id_returns_url() -> None:
    comments = _comments()
    posted = SimpleNamespace(id=5, html_url="https://github.com/o/r/pull/7#c5")
    assert comments._confirmed(posted, "created") == posted.html_url
    comments.close()
