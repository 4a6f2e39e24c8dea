"""Helpers that build real git repositories in a test's tmp_path.

``make_release_repo`` commits two releases of a PyPI package in turn, which
gives a real diff between releases. Source distributions are downloaded once
with pip into ``tests/.cache/sdists`` (gitignored) and reused. When the
download is impossible (no network, no pip), the calling test is skipped.

Every git command here runs with a fixed identity and fixed dates, and
without the user's global configuration, so commit ids are reproducible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SDIST_CACHE = Path(__file__).parent / ".cache" / "sdists"
ZERO_SHA = "0" * 40
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}
# Local file:// remotes and submodules need this since git 2.38.1.
GIT_OPTIONS = ("-c", "protocol.file.allow=always", "-c", "init.defaultBranch=main")


@dataclass(frozen=True)
class RepoInfo:
    """A repository with two commits: ``old_sha`` then ``new_sha``."""

    path: Path
    old_sha: str
    new_sha: str


def git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    """Run git in ``repo`` with the test identity; return stripped stdout."""
    environment = {**os.environ, **GIT_ENV}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        environment.pop(name, None)
    result = subprocess.run(
        ["git", *GIT_OPTIONS, "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"git {' '.join(args)} failed in {repo}: "
            f"{result.stderr.decode(errors='replace')}"
        )
    return result.stdout.decode("utf-8", "surrogateescape").strip()


def init_repo(path: Path, *, bare: bool = False) -> Path:
    """Create an empty repository on branch ``main`` at ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", *(["--bare"] if bare else []))
    return path


def write_files(repo: Path, files: Mapping[str, str | bytes | None]) -> None:
    """Write text or bytes to each path; None deletes the file."""
    for name, content in files.items():
        target = repo / name
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def commit_files(
    repo: Path, files: Mapping[str, str | bytes | None], message: str = "change"
) -> str:
    """Apply ``files`` (see write_files), commit everything, return the commit id."""
    write_files(repo, files)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def clone(source: Path | str, target: Path, *args: str) -> Path:
    """Clone ``source`` (a path or URL) into ``target`` with extra arguments."""
    git(target.parent, "clone", "--quiet", *args, str(source), str(target))
    return target


def download_sdist(package: str, version: str) -> Path:
    """Return the cached sdist of ``package==version``, downloading it once.

    Skips the calling test when pip cannot download it.
    """
    SDIST_CACHE.mkdir(parents=True, exist_ok=True)
    cached = _find_sdist(SDIST_CACHE, package, version)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(dir=SDIST_CACHE) as scratch:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"{package}=={version}",
                "-d",
                scratch,
            ],
            capture_output=True,
            check=False,
            timeout=300,
        )
        downloaded = _find_sdist(Path(scratch), package, version)
        if result.returncode != 0 or downloaded is None:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            pytest.skip(
                f"cannot download the sdist of {package}=={version}: "
                f"{detail[-1] if detail else 'no file'}"
            )
        # Rename into place, so parallel workers never see a partial file.
        final = SDIST_CACHE / downloaded.name
        os.replace(downloaded, final)
        return final


def _find_sdist(folder: Path, package: str, version: str) -> Path | None:
    names = {package.lower(), package.lower().replace("-", "_")}
    for candidate in sorted(folder.glob("*.tar.gz")):
        stem = candidate.name.removesuffix(".tar.gz")
        name, _, found_version = stem.rpartition("-")
        if name.lower() in names and found_version == version:
            return candidate
    return None


def extract_sdist(sdist: Path, target: Path) -> None:
    """Extract ``sdist`` into ``target``, dropping its top-level folder."""
    with tarfile.open(sdist) as archive, tempfile.TemporaryDirectory() as scratch:
        archive.extractall(scratch, filter="data")
        (top,) = Path(scratch).iterdir()
        shutil.copytree(top, target, dirs_exist_ok=True)


def make_release_repo(
    tmp_path: Path,
    package: str = "attrs",
    old: str = "23.1.0",
    new: str = "23.2.0",
) -> RepoInfo:
    """Make a repository at ``tmp_path/package`` with two releases committed.

    The first commit holds the ``old`` sdist, the second the ``new`` one
    (files removed between releases are deleted). Skips the test when either
    sdist cannot be downloaded.
    """
    old_sdist = download_sdist(package, old)
    new_sdist = download_sdist(package, new)
    repo = init_repo(tmp_path / package)
    extract_sdist(old_sdist, repo)
    git(repo, "add", "--all", "--force")
    git(repo, "commit", "--quiet", "-m", f"Release {package} {old}")
    old_sha = git(repo, "rev-parse", "HEAD")

    git(repo, "rm", "-r", "--quiet", "--cached", ".")
    for child in repo.iterdir():
        if child.name == ".git":
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    extract_sdist(new_sdist, repo)
    git(repo, "add", "--all", "--force")
    git(repo, "commit", "--quiet", "-m", f"Release {package} {new}")
    return RepoInfo(path=repo, old_sha=old_sha, new_sha=git(repo, "rev-parse", "HEAD"))
