"""Secrets scrubbing for every text that goes into an AI request.

Two layers find secrets. Our own patterns cover what must never leak in any
context. They match private key blocks, passwords in connection strings, JWTs,
the token formats of AWS, GitHub, GitLab, Slack, OpenAI, Anthropic, Google and
Stripe, and high-entropy string literals assigned to secret-like names. Then
detect-secrets (the Yelp scanner, 1.5) runs its plugins and heuristic filters
over the lines that could still hold one. Each secret is replaced by a
placeholder such as ``[REDACTED:aws-key]``, and only counts by kind are kept.
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from detect_secrets.core.scan import scan_file
from detect_secrets.settings import default_settings

logger = logging.getLogger(__name__)

PLACEHOLDER = "[REDACTED:{kind}]"
# detect-secrets keeps its settings in a process-wide object.
_DETECT_SECRETS_LOCK = threading.Lock()
MIN_SECRET_LENGTH = 6
ASSIGNMENT_MIN_ENTROPY = 3.0

SECRET_FILE_NAMES = frozenset(
    {
        ".env",
        ".netrc",
        "_netrc",
        ".pgpass",
        ".htpasswd",
        ".pypirc",
        ".npmrc",
        ".git-credentials",
        "credentials.json",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
    }
)
SECRET_SUFFIXES = frozenset(
    {".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".kdbx", ".der"}
)
ENV_EXAMPLE_SUFFIXES = frozenset({"example", "sample", "template", "dist"})


def is_secret_file(path: str) -> bool:
    """Tell whether ``path`` names a file whose content is never read or sent.

    Matches key and certificate files by suffix, SSH private keys, credential
    files of common tools, and ``.env`` files except ``.env.example`` and the
    like, which hold variable names for documentation.
    """
    name = PurePosixPath(path).name.lower()
    if name in SECRET_FILE_NAMES:
        return True
    if name.startswith(".env."):
        return name.rsplit(".", 1)[-1] not in ENV_EXAMPLE_SUFFIXES
    if name.startswith("id_") and name.endswith(("_rsa", "_dsa", "_ed25519")):
        return True
    return PurePosixPath(name).suffix in SECRET_SUFFIXES


@dataclass
class ScrubResult:
    """Scrubbed text and how many secrets of each kind were replaced."""

    text: str
    counts: Counter[str] = field(default_factory=Counter)


_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----"
    r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|.*\Z)",
    re.DOTALL,
)
_CONNECTION_PASSWORD = re.compile(
    r"\b(?P<scheme>[a-z][a-z0-9+.\-]{1,30})://(?P<user>[^\s:/@'\"<>]*):"
    r"(?P<secret>[^\s@/'\"<>]+)@",
    re.IGNORECASE,
)
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    (
        "aws-secret-key",
        re.compile(
            r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?"
            r"(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    (
        "github-token",
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})"
        ),
    ),
    ("gitlab-token", re.compile(r"\bgl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_\-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}")),
    (
        "slack-webhook",
        re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]{20,}"),
    ),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("stripe-key", re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}")),
    (
        "jwt",
        re.compile(
            r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"
        ),
    ),
)
_SENSITIVE_NAME = (
    r"[A-Za-z0-9_.\-]*(?:secret|passw(?:or)?d|pwd|token|api[_\-]?key|apikey|"
    r"access[_\-]?key|private[_\-]?key|credential|auth[_\-]?key|signing[_\-]?key)"
    r"[A-Za-z0-9_.\-]*"
)
_SECRET_ASSIGNMENT = re.compile(
    rf"(?i)\b{_SENSITIVE_NAME}[\"']?\s*(?::=|=>|[:=])\s*(?P<quote>[\"'`])"
    r"(?P<secret>[^\"'`\s]{8,})(?P=quote)"
)
# Lines worth a detect-secrets pass: a quoted literal of 8 or more characters
# without spaces, a long value after '=' or ':', credentials in a URL, a
# secret-like word, or a long run that mixes letters and digits. Its plugins
# look for quoted high-entropy strings, keyword assignments and token formats,
# which all fall under one of these, so other lines are not scanned.
_CANDIDATE_LINE = re.compile(
    r"[\"'`][^\"'`\s]{8,}[\"'`]|[:=]\s*[^\s\"'`]{12,}|://[^\s]*@|"
    r"(?i:secret|passw|pwd|token|api.?key|auth|cred|private)|"
    r"(?=[A-Za-z_\-]*\d)[A-Za-z0-9+/_\-]{24,}"
)
_DETECT_SECRETS_KINDS = {
    "AWS Access Key": "aws-key",
    "Azure Storage Account access key": "azure-key",
    "Basic Auth Credentials": "connection-password",
    "GitHub Token": "github-token",
    "GitLab Token": "gitlab-token",
    "JSON Web Token": "jwt",
    "Private Key": "private-key",
    "Secret Keyword": "secret-assignment",
    "Slack Token": "slack-token",
    "Base64 High Entropy String": "high-entropy-string",
    "Hex High Entropy String": "high-entropy-string",
    "OpenAI Token": "openai-key",
    "Stripe Access Key": "stripe-key",
}


def shannon_entropy(value: str) -> float:
    """Return the Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in counts.values())


def scrub_text(text: str, path: str = "", *, detect: bool = True) -> ScrubResult:
    """Replace the secrets in ``text`` by placeholders and count them by kind.

    ``path`` gives detect-secrets the file type, which some plugins use to pick
    their patterns. Every occurrence of a found secret value is replaced, so a
    value repeated elsewhere in the text is caught too. ``detect=False`` skips
    detect-secrets and applies only our own patterns, for text with no string
    literals such as the repository map.
    """
    return scrub_texts([(path, text)], detect=detect)[0]


def scrub_texts(
    texts: Sequence[tuple[str, str]], *, detect: bool = True
) -> list[ScrubResult]:
    """Scrub several ``(path, text)`` pairs with one detect-secrets pass per file type.

    A secret value found in one text is replaced in all of them.
    """
    results = [_scrub_own_patterns(text) for _, text in texts]
    by_suffix: dict[str, list[int]] = {}
    for index, (path, _) in enumerate(texts):
        suffix = PurePosixPath(path).suffix.lower() if path else ".txt"
        by_suffix.setdefault(suffix or ".txt", []).append(index)
    found: dict[str, str] = {}
    for suffix, indexes in by_suffix.items() if detect else ():
        lines = [
            line
            for index in indexes
            for line in results[index].text.splitlines()
            if _CANDIDATE_LINE.search(line)
        ]
        found.update(_detect_secrets(lines, suffix))
    # Longer values first, so a value that contains another is replaced whole.
    ordered = sorted(found, key=len, reverse=True)
    for (path, _), result in zip(texts, results, strict=True):
        for value in ordered:
            occurrences = result.text.count(value)
            if occurrences:
                kind = found[value]
                result.text = result.text.replace(value, PLACEHOLDER.format(kind=kind))
                result.counts[kind] += occurrences
        if result.counts:
            logger.info("scrubbed %s: %s", path or "text", dict(result.counts))
    return results


def _scrub_own_patterns(text: str) -> ScrubResult:
    result = ScrubResult(text)
    _replace_pattern(result, _PRIVATE_KEY, "private-key", whole=True)
    _replace_pattern(result, _CONNECTION_PASSWORD, "connection-password")
    for kind, pattern in _TOKEN_PATTERNS:
        _replace_pattern(
            result, pattern, kind, whole="secret" not in pattern.groupindex
        )
    _replace_pattern(
        result,
        _SECRET_ASSIGNMENT,
        "secret-assignment",
        keep=lambda value: shannon_entropy(value) >= ASSIGNMENT_MIN_ENTROPY,
    )
    return result


def _replace_pattern(
    result: ScrubResult,
    pattern: re.Pattern[str],
    kind: str,
    *,
    whole: bool = False,
    keep: Callable[[str], bool] | None = None,
) -> None:
    placeholder = PLACEHOLDER.format(kind=kind)
    found: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        if whole:
            result.counts[kind] += 1
            return placeholder
        secret = match.group("secret")
        if secret.startswith("[REDACTED:") or (keep is not None and not keep(secret)):
            return match.group(0)
        result.counts[kind] += 1
        found.add(secret)
        start, end = match.span("secret")
        offset = match.start()
        whole_match = match.group(0)
        return whole_match[: start - offset] + placeholder + whole_match[end - offset :]

    result.text = pattern.sub(substitute, result.text)
    # The same value elsewhere (a comment, a second config key) goes too.
    for secret in sorted(found, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH and secret in result.text:
            result.counts[kind] += result.text.count(secret)
            result.text = result.text.replace(secret, placeholder)


def _detect_secrets(lines: list[str], suffix: str) -> dict[str, str]:
    """Run detect-secrets over ``lines`` as one file; return values and kinds."""
    if not lines:
        return {}
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="codedoc-scrub-") as folder:
        scratch = Path(folder) / f"scan{suffix}"
        scratch.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with _DETECT_SECRETS_LOCK, default_settings():
            for secret in scan_file(str(scratch)):
                value = secret.secret_value or ""
                if len(value) < MIN_SECRET_LENGTH or "REDACTED" in value:
                    continue
                found[value] = _DETECT_SECRETS_KINDS.get(secret.type, "secret")
    return found
