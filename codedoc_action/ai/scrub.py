"""Secrets scrubbing for every text that goes into an AI request.

Two layers find secrets. Our own patterns (in ``scrub_patterns``) cover what
must never leak in any context. They match private key blocks (PEM and
PuTTY), passwords in connection strings, DSNs and on the command lines of
``curl``, ``mysql``, ``sshpass`` and ``twine``, ``.netrc`` entries,
hard-coded ``Authorization`` and ``X-Api-Key`` headers, JWTs, the token
formats of AWS, Azure Storage, GitHub, GitLab, Slack, OpenAI, Anthropic,
Google, Stripe, PyPI and npm, and values assigned to secret-like names:
quoted or bare (.ini, .properties, .env, YAML, Dockerfile ``ENV``), in XML
elements and attributes, and as literals passed to setters and to calls such
as PHP ``define``. Every line-anchored pattern accepts CRLF line endings.
Then detect-secrets (the Yelp scanner, 1.5) runs its plugins and heuristic
filters over the lines that could still hold one, except lines that only
name a secret, such as a Kubernetes ``secretName:``. Each secret is
replaced by a placeholder such as ``[REDACTED:aws-key]``. A result keeps,
by kind, how many distinct secret values a text contained, and a SHA-256
digest of each value so that callers can count a secret sent twice (in a
diff and in the file's text) only once.
"""

from __future__ import annotations

import hashlib
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

from codedoc_action.ai import scrub_patterns as patterns

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
    like, which hold variable names for documentation. A path that contains
    a secret itself (an AWS key id as a file name) is treated the same way.
    The repository map then shows its name redacted, and no other part of a
    request names it, because its content and diff are never sent.
    """
    if _scrub_own_patterns(path).counts:
        return True
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
    """Scrubbed text, with the distinct secret values it contained.

    ``counts`` contains the number of distinct values per kind, however often each
    occurred. ``digests`` maps the SHA-256 hex digest of each value to its kind.
    """

    text: str
    counts: Counter[str] = field(default_factory=Counter)
    digests: dict[str, str] = field(default_factory=dict, repr=False)

    def record(self, value: str, kind: str) -> None:
        """Note one found secret ``value``; a value already noted is not counted."""
        digest = secret_digest(value)
        if digest not in self.digests:
            self.digests[digest] = kind
            self.counts[kind] += 1


def secret_digest(value: str) -> str:
    """Return the SHA-256 hex digest that identifies a secret without holding it.

    A value of several lines (a private key block) is identified by its long
    base64 runs only, so the block in a diff, whose lines start with ``+``,
    and the same block in the file's text count as one secret.
    """
    if "\n" in value:
        value = "".join(re.findall(r"[A-Za-z0-9/=]{16,}", value)) or value
    return hashlib.sha256(value.encode("utf-8", errors="replace")).hexdigest()


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
            if _CANDIDATE_LINE.search(line) and not patterns.REFERENCE_LINE.match(line)
        ]
        found.update(_detect_secrets(lines, suffix))
    # Longer values first, so a value that contains another is replaced whole.
    ordered = sorted(found, key=len, reverse=True)
    for (path, _), result in zip(texts, results, strict=True):
        for value in ordered:
            if value in result.text:
                kind = found[value]
                result.text = result.text.replace(value, PLACEHOLDER.format(kind=kind))
                result.record(value, kind)
        if result.counts:
            logger.info("scrubbed %r: %s", path or "text", dict(result.counts))
    return results


def _is_placeholder(value: str) -> bool:
    """Tell whether ``value`` is a stand-in such as ``<your-token>`` or an algorithm.

    Algorithm names such as ``ed25519`` follow key-like names as settings.
    """
    return (
        value.lower() in patterns.PLACEHOLDER_WORDS
        or patterns.PLACEHOLDER_VALUE.search(value) is not None
        or patterns.ALGORITHM_NAME.match(value) is not None
    )


def _is_literal_secret(value: str) -> bool:
    """Tell whether a value in a credential context is a real literal.

    Used where the context already names a credential (``curl -u``, a URL's
    password, ``<password>``), so only stand-ins and variable references
    such as ``$PASS`` or ``${{ secrets.X }}`` are kept.
    """
    return not _is_placeholder(value) and not value.startswith(("$", "%", "{{"))


def _is_assigned_secret(value: str) -> bool:
    """Tell whether a bare value after a secret-like name looks like a secret.

    Code (calls, subscripts, attribute chains, ``${...}``), paths, URLs,
    numbers and type names are not. A value of only letters, ``_`` and
    ``-`` is taken for an identifier or a word, so a password without any
    digit or symbol is missed here. detect-secrets still scans such lines.
    """
    return (
        len(value) >= MIN_SECRET_LENGTH
        and not _is_placeholder(value)
        and patterns.CODE_VALUE.search(value) is None
        and patterns.IDENTIFIER.match(value) is None
    )


def _is_quoted_secret(value: str) -> bool:
    """Tell whether a quoted value after a secret-like name looks like a secret."""
    return (
        shannon_entropy(value) >= ASSIGNMENT_MIN_ENTROPY
        and not _is_placeholder(value)
        and patterns.LOWER_WORDS.match(value) is None
    )


def _has_letter_and_digit(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _scrub_own_patterns(text: str) -> ScrubResult:
    result = ScrubResult(text)
    _replace_pattern(result, patterns.PRIVATE_KEY, "private-key", whole=True)
    _replace_pattern(result, patterns.PUTTY_KEY, "private-key", whole=True)
    for pattern in (
        patterns.URL_PASSWORD,
        patterns.DSN_PASSWORD,
        patterns.ORACLE_THIN_PASSWORD,
        patterns.USER_PASSWORD_PAIR,
        patterns.PARAMETER_PASSWORD,
        patterns.CURL_USER,
        patterns.MYSQL_PASSWORD,
        patterns.CLI_PASSWORD,
        patterns.HTTPIE_AUTH,
        patterns.NETRC_PASSWORD,
    ):
        _replace_pattern(
            result, pattern, "connection-password", keep=_is_literal_secret
        )
    for kind, pattern in patterns.TOKEN_PATTERNS:
        _replace_pattern(
            result, pattern, kind, whole="secret" not in pattern.groupindex
        )
    _replace_pattern(
        result,
        patterns.AUTHORIZATION,
        "authorization-header",
        keep=lambda value: _has_letter_and_digit(value) and _is_literal_secret(value),
    )
    for pattern in (
        patterns.QUOTED_ASSIGNMENT,
        patterns.FALLBACK_ASSIGNMENT,
        patterns.CALL_NAME_VALUE,
        patterns.SETTER_CALL,
    ):
        _replace_pattern(
            result,
            pattern,
            "secret-assignment",
            keep=_is_quoted_secret,
        )
    for pattern in (
        patterns.BARE_ASSIGNMENT,
        patterns.DOCKER_ENV_SPACE,
        patterns.ENV_VARIABLE,
        patterns.API_KEY_HEADER,
    ):
        _replace_pattern(result, pattern, "secret-assignment", keep=_is_assigned_secret)
    for pattern in (
        patterns.XML_ELEMENT,
        patterns.XML_KEY_VALUE,
        patterns.XML_KEYED_ELEMENT,
    ):
        _replace_pattern(result, pattern, "secret-assignment", keep=_is_literal_secret)
    return result


def _replace_pattern(
    result: ScrubResult,
    pattern: re.Pattern[str],
    kind: str,
    *,
    whole: bool = False,
    keep: Callable[[str], bool] | None = None,
) -> None:
    """Replace each match of ``pattern`` in ``result``, or its ``secret`` group.

    ``keep`` decides whether a matched value is a secret worth replacing.
    """
    placeholder = PLACEHOLDER.format(kind=kind)
    found: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        if whole:
            result.record(match.group(0), kind)
            return placeholder
        secret = match.group("secret")
        if "[REDACTED:" in secret or (keep is not None and not keep(secret)):
            return match.group(0)
        result.record(secret, kind)
        found.add(secret)
        start, end = match.span("secret")
        offset = match.start()
        whole_match = match.group(0)
        return whole_match[: start - offset] + placeholder + whole_match[end - offset :]

    result.text = pattern.sub(substitute, result.text)
    # The same value elsewhere (a comment, a second config key) goes too.
    for secret in sorted(found, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH and secret in result.text:
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
                if _is_placeholder(value):
                    continue
                found[value] = _DETECT_SECRETS_KINDS.get(secret.type, "secret")
    return found
