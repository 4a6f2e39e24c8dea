"""Commit history queries that fetch what a shallow clone lacks.

CI checkouts are often shallow: ``actions/checkout`` fetches one commit by
default, and GitLab fetches 20 for new projects (``GIT_DEPTH``). A missing
commit is fetched by its id. A history query (ancestor, merge base) that the
visible history cannot answer runs again after deepening the clone, up to the
full history.
"""

from __future__ import annotations

import logging

from codedoc_action.changes.git import Git
from codedoc_action.errors import GitError

logger = logging.getLogger(__name__)

FETCH_DEPTH = 50  # commits fetched with a missing commit in a shallow clone
DEEPEN_STEPS = (200, 2000)  # further commits per deepening, then --unshallow

CHECKOUT_FIX = (
    "fetch the full history: set fetch-depth: 0 on actions/checkout (GitHub), "
    "or GIT_DEPTH: 0 in the job variables (GitLab)"
)


class History:
    """History queries on one clone that fetch missing commits and history."""

    def __init__(self, git: Git) -> None:
        self.git = git
        self._deepen_steps = list(DEEPEN_STEPS)
        self._exhausted = False

    def ensure_commit(self, ref: str) -> str | None:
        """Return the full id of ``ref``, fetching it when missing; None if absent."""
        found = self.git.resolve_commit(ref)
        if found is not None:
            return found
        if not self.git.has_remote():
            logger.info("commit %s is missing and there is no remote to fetch", ref)
            return None
        depth = (f"--depth={FETCH_DEPTH}",) if self.git.is_shallow() else ()
        try:
            self.git.fetch(ref, depth_args=depth)
        except GitError as exc:
            logger.warning("fetch of %s failed: %s", ref, exc)
            return None
        return self.git.resolve_commit(ref) or self.git.resolve_commit("FETCH_HEAD")

    def ensure_branch(self, branch: str) -> str | None:
        """Return the tip of remote branch ``branch``, fetching it when missing."""
        tracking = f"refs/remotes/{self.git.remote}/{branch}"
        found = self.git.resolve_commit(tracking)
        if found is not None or not self.git.has_remote():
            return found
        depth = (f"--depth={FETCH_DEPTH}",) if self.git.is_shallow() else ()
        try:
            self.git.fetch(f"+refs/heads/{branch}:{tracking}", depth_args=depth)
        except GitError as exc:
            logger.warning("fetch of branch %s failed: %s", branch, exc)
            return None
        return self.git.resolve_commit(tracking)

    def deepen(self, *commits: str) -> bool:
        """Fetch more history behind ``commits``; False when there is no more."""
        if self._exhausted or not self.git.has_remote() or not self.git.is_shallow():
            self._exhausted = True
            return False
        if self._deepen_steps:
            depth_args: tuple[str, ...] = (f"--deepen={self._deepen_steps.pop(0)}",)
        else:
            depth_args = ("--unshallow",)
            self._exhausted = True
        logger.info("deepening the shallow clone (%s)", depth_args[0])
        try:
            self.git.fetch(*commits, depth_args=depth_args)
        except GitError as exc:
            logger.warning("deepening the clone failed: %s", exc)
            self._exhausted = True
            return False
        return True

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is in the history of ``descendant``."""
        while True:
            if self.git.is_ancestor(ancestor, descendant):
                return True
            if not self.deepen(ancestor, descendant):
                return False

    def merge_base(self, first: str, second: str) -> str | None:
        """Return the best common ancestor, deepening a shallow clone to find it."""
        while True:
            found = self.git.merge_base(first, second)
            if found is not None:
                return found
            if not self.deepen(first, second):
                return None

    def has_parent(self, commit: str) -> bool:
        """True unless ``commit`` is a root commit (first commit of a history)."""
        parents = self.git.text("rev-list", "--parents", "-n", "1", commit).split()
        if len(parents) > 1:
            return True
        # In a shallow clone the boundary commit shows no parents either.
        shallow_file = self.git.text("rev-parse", "--git-path", "shallow")
        path = self.git.workdir / shallow_file
        if not path.is_file():
            return False
        return commit in path.read_text(encoding="ascii").split()
