"""GitLab specifics: the merge request a pipeline runs for, and its notes.

``CiEvent`` (``ci/events.py``) carries the commit range of a GitLab run. This
module reads the merge request variables it leaves out (target and source
project, web URL) and writes the one note a job keeps on the merge request,
through python-gitlab.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import gitlab
import gitlab.exceptions
import requests
import requests.adapters
from pydantic import SecretStr

from codedoc_action.errors import EgressError, GitHostError
from codedoc_action.http import HostAllowList, reject_cross_host_redirect

logger = logging.getLogger(__name__)

API_SUFFIX = "/api/v4"
NOTES_PER_PAGE = 100
AUTH_FIX = (
    "set the CODEDOC_GITHUB_TOKEN CI/CD variable (the github-token input) to a "
    "project or personal access token with the api scope; the job token "
    "CI_JOB_TOKEN cannot write merge request notes"
)


@dataclass(frozen=True)
class MergeRequest:
    """The merge request of a ``merge_request_event`` pipeline.

    ``project_id`` is the target project, where the merge request and its
    notes live. ``source_project_id`` differs from it for a fork.
    """

    api_url: str
    project_id: str
    iid: int
    source_project_id: str
    web_url: str = ""

    @property
    def server_url(self) -> str:
        """The base URL python-gitlab expects: the API URL without /api/v4."""
        return self.api_url.removesuffix(API_SUFFIX)

    @property
    def from_fork(self) -> bool:
        return self.source_project_id != self.project_id


def merge_request_from_env(env: Mapping[str, str]) -> MergeRequest | None:
    """Read the merge request from ``CI_MERGE_REQUEST_*``; None outside one.

    Branch pipelines and merged-results pipelines without the variables
    return None, so callers treat them as ordinary runs.
    """
    iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
    if env.get("GITLAB_CI") != "true" or not iid.isdigit():
        return None
    project_id = (
        env.get("CI_MERGE_REQUEST_PROJECT_ID", "").strip()
        or env.get("CI_PROJECT_ID", "").strip()
    )
    source = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "").strip() or project_id
    return MergeRequest(
        api_url=api_url_from_env(env),
        project_id=project_id,
        iid=int(iid),
        source_project_id=source,
        web_url=env.get("CI_MERGE_REQUEST_PROJECT_URL", "").strip(),
    )


def api_url_from_env(env: Mapping[str, str]) -> str:
    """Return the v4 API URL: ``CI_API_V4_URL``, else ``CI_SERVER_URL``/api/v4."""
    api_url = env.get("CI_API_V4_URL", "").strip().rstrip("/")
    if api_url:
        return api_url
    server = env.get("CI_SERVER_URL", "").strip().rstrip("/")
    if not server:
        raise GitHostError(
            "CI_API_V4_URL and CI_SERVER_URL are both missing; GitLab sets them in "
            "every job, so check that the job does not unset them"
        )
    return server + API_SUFFIX


class _AllowListAdapter(requests.adapters.HTTPAdapter):
    """Reject requests to hosts off the run's allow-list.

    Every request python-gitlab sends passes through here, including the
    redirects requests follows and the pages named in ``Link`` headers.
    """

    def __init__(self, allowed: HostAllowList) -> None:
        super().__init__(max_retries=0)
        self._allowed = allowed

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        host = urllib.parse.urlsplit(request.url or "").hostname or ""
        if host not in self._allowed:
            raise EgressError(
                f"blocked a request to {host!r}: it is not the GitLab API host of "
                "this run"
            )
        return super().send(request, stream, timeout, verify, cert, proxies)


class MergeRequestNotes:
    """Find, create and update the one note a job keeps on a merge request."""

    def __init__(
        self,
        merge_request: MergeRequest,
        token: SecretStr,
        allowed: HostAllowList,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
    ) -> None:
        self.merge_request = merge_request
        session = requests.Session()
        adapter = _AllowListAdapter(allowed)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        # The adapter sees each request but not that it follows a redirect; a
        # redirect to another allowed host would carry PRIVATE-TOKEN there.
        session.hooks["response"].append(reject_cross_host_redirect)
        self._client = gitlab.Gitlab(
            url=merge_request.server_url,
            private_token=token.get_secret_value(),
            session=session,
            timeout=timeout,
            retry_transient_errors=True,
            per_page=NOTES_PER_PAGE,
            # Pagination links name GitLab's external_url, which may differ
            # from the API URL the job was given; keep requests on the latter.
            keep_base_url=True,
        )
        self._session = session
        # python-gitlab takes the retry count per request, not per client.
        self._retries = {"max_retries": max_retries}

    def close(self) -> None:
        self._session.close()

    def upsert(self, marker: str, body: str) -> str:
        """Update the note whose body starts with ``marker``, else create one.

        Returns the web URL of the note.
        """
        notes = self._call("read the notes of", self._notes)
        found = self._call("read the notes of", lambda: _first_marked(notes, marker))
        if found is None:
            note_id = self._call("create a note on", lambda: self._create(body))
            logger.info("created note %s on %s", note_id, self._label())
        else:
            note_id = found
            self._call("update a note on", lambda: self._update(found, body))
            logger.info("updated note %s on %s", note_id, self._label())
        return self._note_url(note_id)

    def _merge_request(self) -> Any:
        project = self._client.projects.get(self.merge_request.project_id, lazy=True)
        return project.mergerequests.get(self.merge_request.iid, lazy=True)

    def _notes(self) -> Iterator[Any]:
        manager = self._merge_request().notes
        listing = manager.list(
            iterator=True, sort="asc", order_by="created_at", **self._retries
        )
        return iter(listing)

    def _create(self, body: str) -> int:
        note = self._merge_request().notes.create({"body": body}, **self._retries)
        return int(note.id)

    def _update(self, note_id: int, body: str) -> None:
        self._merge_request().notes.update(note_id, {"body": body}, **self._retries)

    def _note_url(self, note_id: int) -> str:
        base = self.merge_request.web_url
        if not base:
            return f"{self._label()} note {note_id}"
        return f"{base}/-/merge_requests/{self.merge_request.iid}#note_{note_id}"

    def _label(self) -> str:
        mr = self.merge_request
        return f"merge request !{mr.iid} of project {mr.project_id}"

    def _call(self, action: str, function: Callable[[], Any]) -> Any:
        try:
            return function()
        except gitlab.exceptions.GitlabAuthenticationError as exc:
            raise GitHostError(
                f"GitLab rejected the token (HTTP {exc.response_code}) while trying "
                f"to {action} {self._label()}; {AUTH_FIX}"
            ) from exc
        except gitlab.exceptions.GitlabError as exc:
            raise _translate(exc, action, self._label()) from exc
        except requests.RequestException as exc:
            raise GitHostError(
                f"could not {action} {self._label()} at "
                f"{self.merge_request.api_url}: {type(exc).__name__}"
            ) from exc


def _first_marked(notes: Iterator[Any], marker: str) -> int | None:
    """Return the id of the first user note whose body starts with ``marker``."""
    for note in notes:
        if getattr(note, "system", False):
            continue
        body = str(getattr(note, "body", "") or "")
        if body.startswith(marker):
            return int(note.id)
    return None


def _translate(
    exc: gitlab.exceptions.GitlabError, action: str, label: str
) -> Exception:
    status = exc.response_code
    if status == 403:
        return GitHostError(
            f"GitLab rejected the request to {action} {label} (HTTP 403): the token "
            f"lacks the api scope or Reporter access to the project; {AUTH_FIX}"
        )
    if status == 404:
        return GitHostError(
            f"GitLab could not {action} {label} (HTTP 404): the project or merge "
            "request is not visible to the token; check CI_MERGE_REQUEST_PROJECT_ID "
            "and the token's project membership"
        )
    detail = f"HTTP {status}" if status else type(exc).__name__
    return GitHostError(f"GitLab failed to {action} {label} ({detail})")
