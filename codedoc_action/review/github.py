"""The one pull request comment a job keeps on GitHub, through PyGithub.

PyGithub sends requests with its own ``requests`` session rather than our
``HttpClient``. It rejects redirects to another host and only follows
pagination links on the host of ``base_url``, and ``post_review`` checks that
host against the run's allow-list before the client is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import github
import github.Auth
import requests
from github import BadCredentialsException, GithubException
from pydantic import SecretStr

from codedoc_action.errors import GitHostError

logger = logging.getLogger(__name__)

COMMENTS_PER_PAGE = 100
AUTH_FIX = (
    "set the github-token input (default ${{ github.token }}) to a token that may "
    "write pull request comments, and give the workflow "
    "'permissions: pull-requests: write'"
)
T = TypeVar("T")


@dataclass(frozen=True)
class PullRequest:
    """A pull request on a GitHub or GitHub Enterprise Server instance."""

    api_url: str
    repository: str  # owner/name
    number: int


class PullRequestComments:
    """Find, create and update the one comment a job keeps on a pull request."""

    def __init__(
        self,
        pull_request: PullRequest,
        token: SecretStr,
        *,
        timeout: int = 30,
        retry: int | None = 3,
        seconds_between_requests: float | None = 0.25,
        seconds_between_writes: float | None = 1.0,
    ) -> None:
        self.pull_request = pull_request
        self._client = github.Github(
            auth=github.Auth.Token(token.get_secret_value()),
            base_url=pull_request.api_url,
            timeout=timeout,
            retry=retry,
            per_page=COMMENTS_PER_PAGE,
            lazy=True,
            # PyGithub's defaults, which keep clear of GitHub's secondary limits.
            seconds_between_requests=seconds_between_requests,
            seconds_between_writes=seconds_between_writes,
        )

    def close(self) -> None:
        self._client.close()

    def upsert(self, marker: str, body: str) -> str:
        """Update the comment whose body starts with ``marker``, else create one.

        Returns the comment's web URL.
        """
        issue = self._call("read", self._issue)
        comment = self._call(
            "read the comments of", lambda: _first_marked(issue, marker)
        )
        if comment is None:
            created = self._call("comment on", lambda: issue.create_comment(body))
            return self._confirmed(created, "created")
        self._call("update a comment on", lambda: comment.edit(body))
        return self._confirmed(comment, "updated")

    def _confirmed(self, comment: Any, action: str) -> str:
        """Return the comment's URL, or raise GitHostError when the response has none.

        A redirect or an empty response leaves PyGithub with a comment object
        that has no id, and the run must not report a comment it never saw.
        """
        url = comment.html_url
        if comment.id is None or not url:
            raise GitHostError(
                f"GitHub returned no comment after the request that {action} it on "
                f"{self._label()}; check that GITHUB_API_URL names the API host "
                "and that no proxy redirects it"
            )
        logger.info("%s comment %s on %s", action, comment.id, self._label())
        return str(url)

    def _issue(self) -> Any:
        # The client is lazy: no request is sent until the comments are listed.
        repo = self._client.get_repo(self.pull_request.repository)
        return repo.get_issue(self.pull_request.number)

    def _label(self) -> str:
        pr = self.pull_request
        return f"pull request #{pr.number} of {pr.repository}"

    def _call(self, action: str, function: Callable[[], T]) -> T:
        try:
            return function()
        except BadCredentialsException as exc:
            raise GitHostError(
                f"GitHub rejected the token (HTTP 401) while trying to {action} "
                f"{self._label()}; {AUTH_FIX}"
            ) from exc
        except GithubException as exc:
            raise _translate(exc, action, self._label()) from exc
        except requests.RequestException as exc:
            raise GitHostError(
                f"could not {action} {self._label()} at "
                f"{self.pull_request.api_url}: {type(exc).__name__}"
            ) from exc
        except AssertionError as exc:
            # PyGithub asserts that pagination links stay on the API host.
            raise GitHostError(
                f"GitHub sent an unexpected response while trying to {action} "
                f"{self._label()} (PyGithub check failed: {exc}); check that "
                "GITHUB_API_URL names the API host that serves the links"
            ) from exc


def _first_marked(issue: Any, marker: str) -> Any:
    """Return the first comment whose body starts with ``marker``, else None."""
    for comment in issue.get_comments():
        if (comment.body or "").startswith(marker):
            return comment
    return None


def _translate(exc: GithubException, action: str, label: str) -> GitHostError:
    status = exc.status
    if status == 403:
        return GitHostError(
            f"GitHub rejected the request to {action} {label} (HTTP 403): the token "
            f"may not write comments there, or the rate limit is spent; {AUTH_FIX}"
        )
    if status == 404:
        return GitHostError(
            f"GitHub could not {action} {label} (HTTP 404): the repository or pull "
            "request is not visible to the token; check GITHUB_REPOSITORY and "
            "the token's repository access"
        )
    return GitHostError(f"GitHub failed to {action} {label} (HTTP {status})")
