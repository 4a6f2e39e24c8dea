"""Regular expressions for the secrets that our own scrubbing layer finds.

Each pattern either matches a whole token of a known format, or has a group
named ``secret`` for the part to replace, so the name, quotes and separators
around a value stay in place. The diff marker of a line (``+``, ``-`` or a
space) counts as ordinary leading text, so removed and added lines are
scrubbed like file contents.
"""

from __future__ import annotations

import re

PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----"
    r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|.*\Z)",
    re.DOTALL,
)
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
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

# Credentials in a URL: scheme://user:password@host.
URL_PASSWORD = re.compile(
    r"\b(?P<scheme>[a-z][a-z0-9+.\-]{1,30})://(?P<user>[^\s:/@'\"<>]*):"
    r"(?P<secret>[^\s@/'\"<>]+)@",
    re.IGNORECASE,
)
# Go's MySQL driver form: user:password@tcp(host:port)/db.
DSN_PASSWORD = re.compile(
    r"(?<![\w/:])(?P<user>[\w.\-]+):(?P<secret>[^\s:@/'\"<>]+)@(?:tcp|unix)\("
)
# A password parameter in a JDBC URL, an ODBC or ADO.NET connection string,
# or a query string: ``?password=...``, ``;Pwd=...``.
PARAMETER_PASSWORD = re.compile(
    r"(?i)(?:[?&;]|(?<=[\"'`]))[ \t]*(?:password|passwd|pwd)[ \t]*=[ \t]*"
    r"(?P<secret>[^;&\s\"'`]+)"
)

SENSITIVE_NAME = (
    r"[A-Za-z0-9_.\-]*(?:secret|passw(?:or)?d|pwd|token|api[_\-]?key|apikey|"
    r"access[_\-]?key|private[_\-]?key|credential|auth[_\-]?key|signing[_\-]?key)"
    r"[A-Za-z0-9_.\-]*"
)
# A name that ends in a secret word, for values without quotes: ``API_TOKEN``,
# ``db.password``, ``clientSecret``, but not ``token_url`` or ``password_file``.
SENSITIVE_NAME_END = (
    r"[A-Za-z0-9_.\-]*?(?:secret|passw(?:or)?d|pwd|token|api[_.\-]?key|"
    r"access[_.\-]?key|private[_.\-]?key|secret[_.\-]?key|auth[_.\-]?key|"
    r"signing[_.\-]?key|credentials?)"
)
QUOTED_ASSIGNMENT = re.compile(
    rf"(?i)\b{SENSITIVE_NAME}[\"']?\s*(?::=|=>|[:=])\s*(?P<quote>[\"'`])"
    r"(?P<secret>[^\"'`\s]{8,})(?P=quote)"
)
# ``name = value``, ``name: value`` or ``NAME=value`` with a bare value that
# ends the line (or comes before a comment): .ini, .properties, .env, YAML,
# docker-compose ``environment`` lists and kubeconfig ``token:`` entries.
BARE_ASSIGNMENT = re.compile(
    r"(?im)^[+\- ]?[ \t]*(?:-[ \t]+)?(?:export[ \t]+|set[ \t]+)?"
    rf"[\"']?(?P<name>{SENSITIVE_NAME_END})[\"']?[ \t]*(?::=|[:=])[ \t]*"
    r"(?P<secret>[^\s\"'`#;,]+)[ \t]*(?=$|[#;])"
)
# A literal fallback after a variable: ``apiKey: process.env.KEY || 'value'``.
FALLBACK_ASSIGNMENT = re.compile(
    rf"(?i)\b{SENSITIVE_NAME}[\"']?\s*(?::=|=>|[:=])[^\n]*?(?:\|\||\?\?|\bor\b)"
    r"\s*(?P<quote>[\"'`])(?P<secret>[^\"'`\s]{8,})(?P=quote)"
)
# ``<password>value</password>`` and the like in XML.
XML_ELEMENT = re.compile(
    rf"(?i)<(?P<tag>{SENSITIVE_NAME_END})>[ \t]*(?P<secret>[^<>\s]+)[ \t]*</(?P=tag)>"
)
# A hard-coded HTTP credential: ``Authorization: Bearer <token>``.
AUTHORIZATION = re.compile(
    r"(?i)\b(?:bearer|token|basic)[ \t]+(?P<secret>[A-Za-z0-9\-._~+/]{16,}=*)"
    r"(?![A-Za-z0-9\-._~+/=])"
)
# ``curl -u user:password`` and ``--user user:password``.
CURL_USER = re.compile(
    r"(?i)\bcurl\b[^\n]*?[ \t](?:-u|--user)(?:[ \t]+|=)[\"']?[^\s:\"'`]*:"
    r"(?P<secret>[^\s\"'`]+)"
)

# Values that are code, references or documentation placeholders rather than
# secrets, for the patterns that match a value after a secret-like name.
PLACEHOLDER_WORDS = frozenset(
    {
        "changeme",
        "change_me",
        "change-me",
        "password",
        "secret",
        "token",
        "none",
        "null",
        "nil",
        "true",
        "false",
        "required",
        "optional",
        "example",
        "dummy",
        "placeholder",
        "redacted",
        "hidden",
        "string",
        "undefined",
        "value",
    }
)
PLACEHOLDER_VALUE = re.compile(
    r"(?i)^(?:x{3,}|\*{3,}|\.{3,}|-+|_+)$|changeme|change[_\-]me|xxxx|\*\*\*|"
    r"^(?:your|my|some|example|dummy|fake|sample|test|placeholder)[_\-.]|"
    r"[_\-.](?:here|placeholder)$|redacted|example"
)
CODE_VALUE = re.compile(
    r"[()\[\]{}<>$%@]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|://|^[/~.]|"
    r"^[\d.,_:]+[A-Za-z]{0,3}$"
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_\-]*$")
# Lower-case words joined by ``_``, ``-`` or ``.``: dictionary keys and names
# such as "context_window" or "github-token", even between quotes.
LOWER_WORDS = re.compile(r"^[a-z]+(?:[_\-.][a-z]+)*$")
