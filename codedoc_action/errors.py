"""Exceptions raised by codedoc-action.

Every failure the run can meet is one of these, so the composition root can map
it to an exit code and a message without knowing where it came from::

    CodedocError                 exit 1 unless stated
    ├── SettingsError            exit 2: invalid inputs, all problems listed at once
    ├── GitError                 git failed or a commit is missing from the checkout
    ├── EventError               the CI event payload cannot be read
    ├── EgressError              a request to a host outside the allowed list
    ├── BudgetError              the estimate or the spend is over max-tokens/max-cost
    ├── StrictCheckError         strict: the page names files or identifiers not at head
    ├── ProviderError            the AI provider failed
    │   ├── ProviderAuthError    the key was rejected
    │   ├── ModelNotFoundError   the model is not in the provider's list
    │   ├── RateLimitError       429 or overload, after the retries ran out
    │   └── IncompleteAnswerError  truncated, refused, blocked or empty answer
    ├── ConfluenceError          the Confluence API failed
    │   ├── ConfluenceAuthError
    │   ├── PageNotFoundError
    │   └── VersionConflictError stale version, after the retries ran out
    └── GitHostError             the GitHub or GitLab API failed

Third-party exceptions (httpx, pydantic, PyGithub, python-gitlab) are translated
into these where they enter, with ``raise ... from``. Messages never contain a key.
"""

from __future__ import annotations


class CodedocError(Exception):
    """Base class: a failure whose message names the fix."""

    exit_code = 1


class SettingsError(CodedocError):
    """Invalid settings. ``problems`` contains one line per input, each with its fix."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(f"invalid settings ({len(self.problems)}):\n{lines}")


class GitError(CodedocError):
    """git failed, or a commit the range needs is not in the checkout."""


class EventError(CodedocError):
    """The CI event payload is missing or malformed."""


class EgressError(CodedocError):
    """A request was about to leave for a host that is not on the allowed list."""


class BudgetError(CodedocError):
    """The run would spend more than ``max-tokens`` or ``max-cost`` allows."""


class StrictCheckError(CodedocError):
    """With ``strict``, the generated page names files or identifiers not at head."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        # The rejected page, set where it is known, so the run can keep it.
        self.markdown = ""
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(
            f"strict check failed: the generated page names {len(self.problems)} "
            "files or identifiers that are not in the repository at head; set "
            f"strict: false to publish with warnings instead:\n{lines}"
        )


class ProviderError(CodedocError):
    """The AI provider returned an error or an unusable answer."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.request_id = request_id
        super().__init__(message)


class ProviderAuthError(ProviderError):
    """The provider rejected the API key."""


class ModelNotFoundError(ProviderError):
    """The model id is not offered by the provider for this key."""


class RateLimitError(ProviderError):
    """Rate limit, quota or overload that outlasted the retries."""


class IncompleteAnswerError(ProviderError):
    """The answer was truncated, refused, blocked or empty."""


class ConfluenceError(CodedocError):
    """The Confluence API returned an error."""

    def __init__(
        self, message: str, *, status: int | None = None, page_id: str | None = None
    ) -> None:
        self.status = status
        self.page_id = page_id
        super().__init__(message)


class ConfluenceAuthError(ConfluenceError):
    """Confluence rejected the credentials, or served them as anonymous."""


class PageNotFoundError(ConfluenceError):
    """The target page does not exist or is not visible to the account."""


class VersionConflictError(ConfluenceError):
    """The page changed under us more often than the retries allow."""


class GitHostError(CodedocError):
    """The GitHub or GitLab API failed."""
