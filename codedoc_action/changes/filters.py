"""Rules that decide which changed files may be read: globs, secrets, generated files.

The rules here use names and listing data only (status, binary flag, size),
so the Git host API fallback applies the same ones as the local git listing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pathspec

from codedoc_action.changes.model import ChangedFile, SkippedFile

DEFAULT_MAX_FILE_BYTES = 1024 * 1024

# Files that must never be read, even when the paths input matches them:
# private keys, certificates with keys, dotenv files and credential stores.
SECRET_PATTERNS = (
    ".env",
    ".env.*",
    ".envrc",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "credentials",
    "credentials.*",
    "*.credentials",
    ".netrc",
    ".pgpass",
    ".pypirc",
    ".git-credentials",
)
GENERATED_PATTERNS = (
    # lock files
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "uv.lock",
    "Cargo.lock",
    "Gemfile.lock",
    "composer.lock",
    "go.sum",
    "flake.lock",
    # minified bundles and source maps
    "*.min.js",
    "*.min.css",
    "*.js.map",
    "*.css.map",
    # protocol buffer and gRPC output
    "*_pb2.py",
    "*_pb2.pyi",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.pb.cc",
    "*.pb.h",
    # vendored dependencies
    "vendor/",
    "vendored/",
    "_vendor/",
    "node_modules/",
    "third_party/",
    "bower_components/",
)
# Markers of generated code, searched in the first lines of a file.
GENERATED_HEADER = re.compile(
    r"@generated|DO NOT EDIT"
    r"|(?i:\bauto-?generated\b)"
    r"|(?i:\b(?:this|the) file (?:is|was|has been) (?:automatically )?generated\b)"
    r"|(?im:^\W*generated (?:by|with|from)\b)"
)
GENERATED_HEADER_LINES = 5
GENERATED_HEADER_BYTES = 1024


def _spec(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines([p for p in patterns if p.strip()])


SECRET_SPEC = _spec(SECRET_PATTERNS)
GENERATED_SPEC = _spec(GENERATED_PATTERNS)


class FileFilter:
    """The job's path globs plus the fixed secret, generated and size rules.

    ``paths`` and ``exclude`` are gitignore-style globs; an empty ``paths``
    matches every file. A rename matches ``paths`` when either its old or its
    new path does.
    """

    def __init__(
        self,
        paths: Sequence[str] = (),
        exclude: Sequence[str] = (),
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        self.paths = tuple(paths)
        self.exclude = tuple(exclude)
        self.max_file_bytes = max_file_bytes
        self._paths_spec = _spec(self.paths) if self.paths else None
        self._exclude_spec = _spec(self.exclude)

    def reason_to_skip(self, change: ChangedFile) -> str | None:
        """Return why ``change`` must not be read, or None to keep it."""
        names = [change.path] + ([change.old_path] if change.old_path else [])
        if any(SECRET_SPEC.match_file(name) for name in names):
            return "secret file"
        paths = self._paths_spec
        if paths is not None and not any(paths.match_file(n) for n in names):
            return "not in paths"
        if self._exclude_spec.match_file(change.path):
            return "excluded"
        if GENERATED_SPEC.match_file(change.path):
            return "generated"
        if change.submodule or change.status == "deleted":
            return None
        if change.binary:
            return "binary"
        if change.size > self.max_file_bytes:
            return "too large"
        return None

    def split(
        self, changes: Iterable[ChangedFile]
    ) -> tuple[list[ChangedFile], list[SkippedFile]]:
        """Split ``changes`` into files to keep and files skipped with a reason."""
        kept: list[ChangedFile] = []
        skipped: list[SkippedFile] = []
        for change in changes:
            reason = self.reason_to_skip(change)
            if reason is None:
                kept.append(change)
            else:
                skipped.append(SkippedFile(change.path, reason))
        return kept, skipped


def has_generated_header(head: bytes) -> bool:
    """True when the first lines of a file mark it as generated."""
    text = head[:GENERATED_HEADER_BYTES].decode("utf-8", "replace")
    first_lines = "\n".join(text.splitlines()[:GENERATED_HEADER_LINES])
    return GENERATED_HEADER.search(first_lines) is not None
