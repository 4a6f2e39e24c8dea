"""A git runner: argument lists, NUL-separated output and redacted errors.

Every command runs without a shell, with ``LC_ALL=C`` so messages are stable,
``safe.directory=*`` so a workspace owned by another user (the usual case in a
container action) is accepted, and ``core.quotepath=off`` so non-ASCII names
come back as they are. Paths never go on the command line in bulk: callers
feed object names or paths on stdin, so thousands of files cannot overflow the
argument list.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import SecretStr

from codedoc_action.errors import GitError

logger = logging.getLogger(__name__)

ZERO_SHA_PATTERN = re.compile(r"^0+$")
DEFAULT_TIMEOUT_SECONDS = 900.0
# Variables that would point git at another repository than ``workdir``.
REPOSITORY_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
_AUTH_HEADER = re.compile(r"(?i)(authorization:\s*\w+\s+)\S+")


def is_zero_sha(value: str | None) -> bool:
    """True for the all-zero object id git hosts send for "no commit"."""
    return bool(value) and ZERO_SHA_PATTERN.match(value or "") is not None


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove tokens from ``text``: known secrets, URL user info, auth headers."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _URL_USERINFO.sub(r"\g<scheme>***@", text)
    return _AUTH_HEADER.sub(r"\g<1>***", text)


@dataclass(frozen=True)
class FetchAuth:
    """HTTP basic credentials sent as ``http.extraheader`` on fetches only.

    GitHub accepts ``x-access-token`` with the workflow token; GitLab accepts
    ``gitlab-ci-token`` with the job token. The header travels in
    ``GIT_CONFIG_*`` variables, never on the command line, and only to URLs
    under ``scope_url`` (the Git host's server URL) when it is set.
    """

    username: str
    token: SecretStr
    scope_url: str = ""

    def config_key(self) -> str:
        if self.scope_url:
            return f"http.{self.scope_url.rstrip('/')}/.extraheader"
        return "http.extraheader"

    def header(self) -> str:
        raw = f"{self.username}:{self.token.get_secret_value()}".encode()
        return "Authorization: basic " + base64.b64encode(raw).decode("ascii")

    def secrets(self) -> tuple[str, ...]:
        header_value = self.header().split(" ", 2)[2]
        return (self.token.get_secret_value(), header_value)


class Git:
    """Runs git in one working tree and turns failures into ``GitError``."""

    def __init__(
        self,
        workdir: str | Path,
        *,
        environ: Mapping[str, str] | None = None,
        fetch_auth: FetchAuth | None = None,
        remote: str = "origin",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.workdir = Path(workdir)
        self.fetch_auth = fetch_auth
        self.remote = remote
        self.timeout = timeout
        base = dict(os.environ if environ is None else environ)
        for name in REPOSITORY_VARIABLES:
            base.pop(name, None)
        base.update(LC_ALL="C", LANG="C", GIT_TERMINAL_PROMPT="0")
        self._env = base

    def _command(self, args: Sequence[str]) -> list[str]:
        return [
            "git",
            "-c",
            "safe.directory=*",
            "-c",
            "core.quotepath=off",
            "-c",
            "color.ui=false",
            # Repository config must not run programs on our behalf: no
            # fsmonitor daemon, no hooks (fetch runs reference-transaction).
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-C",
            str(self.workdir),
            *args,
        ]

    def _secrets(self) -> tuple[str, ...]:
        return self.fetch_auth.secrets() if self.fetch_auth else ()

    def _error(self, args: Sequence[str], detail: str) -> GitError:
        command = redact(" ".join(args), self._secrets())
        return GitError(f"git {command} failed: {redact(detail, self._secrets())}")

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git ARGS``; raise GitError on a non-zero exit when ``check``."""
        environment = {**self._env, **(env or {})}
        logger.debug("git %s", redact(" ".join(args), self._secrets()))
        try:
            result = subprocess.run(
                self._command(args),
                input=stdin,
                capture_output=True,
                env=environment,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise GitError(
                "git is not installed or not on PATH; install git in the job image"
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise self._error(args, f"timed out after {self.timeout:.0f} s") from exc
        if check and result.returncode != 0:
            stderr = result.stderr.decode("utf-8", "replace").strip()
            raise self._error(args, f"exit {result.returncode}: {stderr}")
        return result

    def text(self, *args: str, stdin: bytes | None = None) -> str:
        """Run git and return its stdout stripped of surrounding whitespace."""
        output = self.run(*args, stdin=stdin).stdout
        return output.decode("utf-8", "surrogateescape").strip()

    def records(self, *args: str, stdin: bytes | None = None) -> list[str]:
        """Run a ``-z`` git command and return its NUL-separated records."""
        output = self.run(*args, stdin=stdin).stdout.decode("utf-8", "surrogateescape")
        if output.endswith("\0"):
            output = output[:-1]
        return output.split("\0") if output else []

    def resolve_commit(self, ref: str) -> str | None:
        """Return the full id of commit ``ref``, or None when it is missing."""
        result = self.run(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            check=False,
        )
        if result.returncode != 0:
            return None
        return result.stdout.decode("ascii").strip()

    def check_repository(self) -> None:
        """Raise GitError unless ``workdir`` is inside a git working tree."""
        result = self.run("rev-parse", "--is-inside-work-tree", check=False)
        if result.returncode != 0 or result.stdout.strip() != b"true":
            raise GitError(
                f"{self.workdir} is not a git working tree; check out the "
                "repository before this step (actions/checkout on GitHub), or "
                "run codedoc from inside a clone"
            )

    def has_commit(self, ref: str) -> bool:
        return self.resolve_commit(ref) is not None

    def is_shallow(self) -> bool:
        return self.text("rev-parse", "--is-shallow-repository") == "true"

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        result = self.run(
            "merge-base", "--is-ancestor", ancestor, descendant, check=False
        )
        if result.returncode > 1:
            stderr = result.stderr.decode("utf-8", "replace").strip()
            raise self._error(["merge-base", "--is-ancestor"], stderr)
        return result.returncode == 0

    def merge_base(self, first: str, second: str) -> str | None:
        """Return the best common ancestor, or None when none is visible."""
        result = self.run("merge-base", first, second, check=False)
        if result.returncode == 1:
            return None
        if result.returncode != 0:
            stderr = result.stderr.decode("utf-8", "replace").strip()
            raise self._error(["merge-base", first, second], stderr)
        return result.stdout.decode("ascii").strip()

    def empty_tree(self) -> str:
        """Return the id of the empty tree in this repository's hash format."""
        return self.text("hash-object", "-t", "tree", "--stdin", stdin=b"")

    def has_remote(self) -> bool:
        result = self.run("remote", "get-url", self.remote, check=False)
        return result.returncode == 0

    def fetch(self, *refspecs: str, depth_args: Sequence[str] = ()) -> None:
        """Fetch from the remote with the fetch credentials, if any."""
        env: dict[str, str] = {}
        if self.fetch_auth is not None:
            auth = self.fetch_auth
            env = _config_env(self._env, auth.config_key(), auth.header())
        self.run(
            "fetch",
            "--no-tags",
            "--no-recurse-submodules",
            "--quiet",
            *depth_args,
            # Refspecs may come from the page's record, which page editors can
            # change: never let one be read as an option.
            "--end-of-options",
            self.remote,
            *refspecs,
            env=env,
        )

    def stream_blob_heads(
        self, blob_ids: Sequence[str], limit: int
    ) -> Iterator[tuple[str, bytes]]:
        """Yield the first ``limit`` bytes of each blob and discard the rest.

        Uses one ``git cat-file --batch`` process, fed on stdin from a thread so
        neither pipe can fill up and block the other.
        """
        if not blob_ids:
            return
        process = subprocess.Popen(
            self._command(["cat-file", "--batch"]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self._env,
        )
        assert process.stdin is not None and process.stdout is not None
        payload = "".join(f"{blob}\n" for blob in blob_ids).encode("ascii")
        writer = threading.Thread(
            target=_write_and_close, args=(process.stdin, payload)
        )
        writer.start()
        try:
            for blob in blob_ids:
                yield blob, _read_batch_entry(process.stdout, blob, limit)
        finally:
            process.stdout.close()
            writer.join()
            process.wait()


def _write_and_close(pipe: IO[bytes], payload: bytes) -> None:
    # A reader that stops early closes stdout, and git then exits: both
    # writing and closing may then raise BrokenPipeError, which is expected.
    with contextlib.suppress(BrokenPipeError):
        pipe.write(payload)
    with contextlib.suppress(BrokenPipeError):
        pipe.close()


def _read_batch_entry(stdout: IO[bytes], blob: str, limit: int) -> bytes:
    """Read one ``cat-file --batch`` entry and keep its first ``limit`` bytes."""
    header = stdout.readline().decode("ascii", "replace").split()
    if len(header) < 3 or header[1] == "missing":
        return b""
    remaining = int(header[2])
    head = b""
    while remaining > 0:
        chunk = stdout.read(min(remaining, 65536))
        if not chunk:
            raise GitError(f"git cat-file --batch ended early while reading {blob}")
        if len(head) < limit:
            head += chunk[: limit - len(head)]
        remaining -= len(chunk)
    stdout.read(1)  # the newline git writes after each object
    return head


def _config_env(base: Mapping[str, str], key: str, value: str) -> dict[str, str]:
    """Add one setting through ``GIT_CONFIG_COUNT``, keeping any already set."""
    try:
        index = int(base.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        index = 0
    return {
        "GIT_CONFIG_COUNT": str(index + 1),
        f"GIT_CONFIG_KEY_{index}": key,
        f"GIT_CONFIG_VALUE_{index}": value,
    }
