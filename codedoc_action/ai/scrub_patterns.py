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
# A PuTTY key file (.ppk) up to its closing ``Private-MAC`` line.
PUTTY_KEY = re.compile(
    r"PuTTY-User-Key-File-\d+:.*?(?:Private-MAC:[^\n]*|\Z)",
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
    ("pypi-token", re.compile(r"\bpypi-AgE[A-Za-z0-9_\-]{50,}")),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    (
        "azure-key",
        re.compile(
            r"(?i)\b(?:AccountKey|SharedAccessKey)=(?P<secret>[A-Za-z0-9+/]{20,}={0,2})"
        ),
    ),
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
# Go's MySQL driver form: user:password@tcp(host:port)/db or user:password@/db.
DSN_PASSWORD = re.compile(
    r"(?<![\w/:])(?P<user>[\w.\-]+):(?P<secret>[^\s:@/'\"<>]+)@(?:(?:tcp|unix)\(|/)"
)
# Oracle's thin JDBC form: jdbc:oracle:thin:user/password@host.
ORACLE_THIN_PASSWORD = re.compile(
    r"(?i)jdbc:oracle:thin:(?P<user>[\w.\-$]+)/(?P<secret>[^\s@/'\"<>]+)@"
)
# A user name and a password literal passed together: Python
# ``auth=("user", "pw")``, .NET ``new NetworkCredential("user", "pw")``.
USER_PASSWORD_PAIR = re.compile(
    r"(?:\bauth\s*=\s*\(|\b(?:NetworkCredential|HTTPBasicAuth|HTTPDigestAuth|"
    r"BasicAuth|UsernamePasswordCredentials|PasswordAuthentication)\()"
    r"\s*[\"'][^\"'\n]*[\"']\s*,\s*(?P<quote>[\"'])(?P<secret>[^\"'\s]{6,})(?P=quote)"
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
    r"signing[_.\-]?key|credentials?|passphrase)"
)
# The quote may be a triple quote, as in Kotlin, Python and TOML multi-line strings.
QUOTED_ASSIGNMENT = re.compile(
    rf"(?i)\b{SENSITIVE_NAME}[\"']?\s*(?::=|=>|[:=])\s*"
    r"(?P<quote>\"\"\"|'''|[\"'`])"
    r"(?P<secret>[^\"'`\s]{8,})(?P=quote)"
)
# ``name = value``, ``name: value`` or ``NAME=value`` with a bare value that
# ends the line (or comes before a comment): .ini, .properties, .env, YAML,
# docker-compose ``environment`` lists, kubeconfig ``token:`` entries and
# Dockerfile ``ENV``/``ARG``. ``\r?$`` lets CRLF line endings match too,
# because ``$`` in MULTILINE mode matches only before ``\n``.
# NOTE: a value on a later line (YAML block scalar, heredoc) is not matched.
BARE_ASSIGNMENT = re.compile(
    r"(?im)^[+\- ]?[ \t]*(?:-[ \t]+)?(?:export[ \t]+|set[ \t]+|env[ \t]+|arg[ \t]+)?"
    rf"[\"']?(?P<name>{SENSITIVE_NAME_END})[\"']?[ \t]*(?::=|[:=])[ \t]*"
    r"(?P<secret>[^\s\"'`#;,]+)[ \t]*(?=\r?$|[#;])"
)
# Dockerfile ``ENV NAME value``, the legacy form without ``=``.
DOCKER_ENV_SPACE = re.compile(
    rf"(?im)^[+\- ]?[ \t]*ENV[ \t]+(?P<name>{SENSITIVE_NAME_END})[ \t]+"
    r"(?P<secret>[^\s\"'`=]+)[ \t]*(?=\r?$)"
)
# An upper-case environment variable set inline: ``docker run -e API_TOKEN=v``,
# ``HF_TOKEN=v python train.py``, also on a diff line.
ENV_VARIABLE = re.compile(
    r"(?m)(?:(?<=^[+\-])|(?<![\w.\-]))(?P<name>[A-Z][A-Z0-9_]*(?:TOKEN|SECRET|"
    r"PASSWORD|PASSWD|PASS|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|PASSPHRASE))="
    r"(?P<secret>[^\s\"'`;&|]+)"
)
# A literal passed with a secret-like name: PHP ``define('DB_PASSWORD', 'v')``,
# ``os.environ.setdefault("SECRET_KEY", "v")``, Go ``os.Setenv("API_TOKEN", "v")``.
CALL_NAME_VALUE = re.compile(
    rf"(?i)\b\w+\(\s*[\"']{SENSITIVE_NAME}[\"']\s*,\s*(?P<quote>[\"'`])"
    r"(?P<secret>[^\"'`\s]{8,})(?P=quote)"
)
# A setter called with a literal: ``ds.setPassword("v")``, ``set_api_key('v')``.
SETTER_CALL = re.compile(
    rf"(?i)\bset_?{SENSITIVE_NAME_END}\(\s*(?P<quote>[\"'`])"
    r"(?P<secret>[^\"'`\s]{8,})(?P=quote)\s*\)"
)
# A literal fallback after a variable: ``apiKey: process.env.KEY || 'value'``.
FALLBACK_ASSIGNMENT = re.compile(
    rf"(?i)\b{SENSITIVE_NAME}[\"']?\s*(?::=|=>|[:=])[^\n]*?(?:\|\||\?\?|\bor\b)"
    r"\s*(?P<quote>[\"'`])(?P<secret>[^\"'`\s]{8,})(?P=quote)"
)
# ``<password>value</password>`` and the like in XML, with attributes, CDATA
# or the value on a line of its own.
XML_ELEMENT = re.compile(
    rf"(?i)<(?P<tag>{SENSITIVE_NAME_END})(?:\s[^<>]*)?>\s*(?:<!\[CDATA\[)?"
    r"(?P<secret>[^<>\s\]]+)(?:\]\]>)?\s*</(?P=tag)>"
)
# A ``key``/``name`` attribute with a secret-like name and a ``value``
# attribute: .NET ``<add key="ApiToken" value="v"/>``, Spring
# ``<property name="password" value="v"/>``.
XML_KEY_VALUE = re.compile(
    r"(?i)<[\w:.\-]+\s[^<>]*?\b(?:key|name)\s*=\s*[\"']"
    rf"{SENSITIVE_NAME_END}[\"'][^<>]*?\bvalue\s*=\s*(?P<quote>[\"'])"
    r"(?P<secret>[^\"'<>]+)(?P=quote)"
)
# An element whose ``key``/``name`` attribute has a secret-like name:
# ``<entry key="db.password">v</entry>``.
XML_KEYED_ELEMENT = re.compile(
    r"(?i)<(?P<tag>[\w:.\-]+)\s[^<>]*?\b(?:key|name)\s*=\s*[\"']"
    rf"{SENSITIVE_NAME_END}[\"'][^<>/]*>\s*(?P<secret>[^<>\s]+)\s*</(?P=tag)>"
)
# A hard-coded HTTP credential: ``Authorization: Bearer <token>``. The value
# must end a string or the line, so a declaration such as ``Token
# oauth2AccessToken;`` is not taken for a header.
AUTHORIZATION = re.compile(
    r"(?im)\b(?:bearer|token|basic)[ \t]+(?P<secret>[A-Za-z0-9\-._~+/]{16,}=*)"
    r"(?![A-Za-z0-9\-._~+/=])(?=[ \t]*(?:[\"'`\\]|\r?$))"
)
# ``curl -u user:password``, ``-uuser:password`` and ``--user user:password``.
CURL_USER = re.compile(
    r"(?i)\bcurl\b(?:[^\n]|\\\r?\n)*?[ \t](?:-u(?:[ \t]+|=)?|--user(?:[ \t]+|=))"
    r"[\"']?[^\s:\"'`]*:(?P<secret>[^\s\"'`]+)"
)
# An API key header: ``X-Api-Key: v``, ``"x-auth-token": "v"``.
API_KEY_HEADER = re.compile(
    r"(?i)\bx-[a-z\-]*(?:api-?key|token|secret)[\"']?[ \t]*:[ \t]*[\"']?"
    r"(?P<secret>[^\s\"'`]{8,})"
)
# ``mysql -pPASS`` and ``--password=PASS``. ``-p`` followed by a space makes
# the client prompt, and the next word is then the database name.
MYSQL_PASSWORD = re.compile(
    r"\b(?:mysql\w*|mariadb\w*)\b[^\n]*?[ \t](?:-p|--password=)[\"']?"
    r"(?P<secret>[^\s\"'`]+)"
)
# ``sshpass -p PASS`` and ``twine upload -p PASS``.
CLI_PASSWORD = re.compile(
    r"\b(?:sshpass|twine)\b[^\n]*?[ \t](?:-p|--password)(?:[ \t]+|=)[\"']?"
    r"(?P<secret>[^\s\"'`]+)"
)
# A ``.netrc`` entry: ``machine host login user password PASS``.
# HTTPie ``http -a user:password`` and ``--auth user:password``.
HTTPIE_AUTH = re.compile(
    r"(?m)(?:^[+\- ]?|[;&|(]|\bsudo)[ \t]*https?[ \t][^\n]*?(?:-a|--auth)"
    r"(?:[ \t]+|=)[\"']?[^\s:\"'`]*:(?P<secret>[^\s\"'`]+)"
)
NETRC_PASSWORD = re.compile(
    r"\b(?:machine|login)[ \t]+\S+[^\n]*?[ \t]password[ \t]+(?P<secret>[^\s\"'`]+)"
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
# The last alternative is a version number such as ``1.2.3-beta4``.
CODE_VALUE = re.compile(
    r"[()\[\]{}<>$%@]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|://|^[/~.]|"
    r"^[\d.,_:]+[A-Za-z]{0,3}$|^v?\d+(?:\.\d+)+(?:[\-+][A-Za-z0-9.]+)?$"
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_\-]*$")
# Lower-case words joined by ``_``, ``-`` or ``.``: dictionary keys and names
# such as "context_window" or "github-token", even between quotes.
LOWER_WORDS = re.compile(r"^[a-z]+(?:[_\-.][a-z]+)*$")
# Algorithm names that follow key-like names (``signing_key: ed25519``).
ALGORITHM_NAME = re.compile(
    r"(?i)^(?:ed25519|ed448|x25519|x448|curve25519|secp\d+[rk]\d|p-?\d{3}|"
    r"rsa(?:-?\d+)?|ecdsa(?:-sha2-nistp\d+)?|ssh-(?:rsa|ed25519|dss)|"
    r"[hrpe]s\d{3}|sha-?\d+|md5|aes-?\d+(?:-[a-z]+)?|hmac-?sha-?\d+)$"
)
# Lines that name a secret by reference rather than holding one, such as a
# Kubernetes ``secretName: docs-tls`` or ``password_file: ...``. They are not
# handed to detect-secrets, whose keyword plugin would take the name for the
# secret.
REFERENCE_LINE = re.compile(
    r"(?i)^[+\- ]?[ \t]*(?:-[ \t]+)?[\"']?[\w.\-]*(?:secret|token|passw(?:or)?d|key)"
    r"[_.\-]?(?:name|ref|file|path)[\"']?[ \t]*[:=][ \t]*[\"']?[\w.\-/]*[\"']?"
    r"[ \t]*\r?$"
)
