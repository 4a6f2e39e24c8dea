from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codedoc_action.ai.scrub import is_secret_file, scrub_text, shannon_entropy

CASES = [
    ("aws-key", 'key = "AKIAIOSFODNN7EXAMPLE"', "AKIAIOSFODNN7EXAMPLE"),
    (
        "aws-secret-key",
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "github-token",
        "token: ghp_Zq8vR2mN5tY7wX1cB4nM6kL9pJ3hG0fD2sA1",
        "ghp_Zq8vR2mN5tY7wX1cB4nM6kL9pJ3hG0fD2sA1",
    ),
    (
        "github-token",
        "GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    ),
    ("gitlab-token", "x = 'glpat-Ab3dE6gH9jK2mN5pQ8sT'", "glpat-Ab3dE6gH9jK2mN5pQ8sT"),
    (
        "slack-token",
        "SLACK = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKl'",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKl",
    ),
    (
        "jwt",
        "auth = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
        ".dozjgNryP4J3jVmNHl0w5N'",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    ),
    (
        "connection-password",
        'DSN = "postgresql://app:Tr0ub4dor-3@db:5432/app"',
        "Tr0ub4dor-3",
    ),
    (
        "connection-password",
        "redis://:an0ther-Secret@cache:6379/0",
        "an0ther-Secret",
    ),
    (
        "anthropic-key",
        "ANTHROPIC = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx'",
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    (
        "openai-key",
        "OPENAI = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123'",
        "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123",
    ),
    (
        "google-api-key",
        "key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
    ),
    (
        "secret-assignment",
        'client_secret = "Qm9vbGVhbkZsYWdzQXJlTm90U2VjcmV0cw9x"',
        "Qm9vbGVhbkZsYWdzQXJlTm90U2VjcmV0cw9x",
    ),
]


@pytest.mark.parametrize(("kind", "line", "secret"), CASES)
def test_scrub_text_replaces_each_kind(kind: str, line: str, secret: str) -> None:
    result = scrub_text(line + "\n", "config.py")

    assert secret not in result.text
    assert f"[REDACTED:{kind}]" in result.text
    assert result.counts[kind] >= 1


def test_scrub_text_private_key_block() -> None:
    text = (
        "KEY = '''\n-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        "-----END OPENSSH PRIVATE KEY-----\n'''\nnext_line = 1\n"
    )

    result = scrub_text(text, "keys.py")

    assert "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ" not in result.text
    assert "[REDACTED:private-key]" in result.text
    assert "next_line = 1" in result.text
    assert result.counts["private-key"] == 1


def test_scrub_text_unterminated_private_key() -> None:
    text = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0t\n"
    )

    result = scrub_text(text)

    assert "MIIEowIBAAKCAQEAu1SU1" not in result.text


def test_scrub_text_replaces_repeated_value() -> None:
    text = (
        'password = "correct-Horse-battery-9"\n'
        "# the default is correct-Horse-battery-9 for local use\n"
    )

    result = scrub_text(text, "app.py")

    assert "correct-Horse-battery-9" not in result.text


def test_scrub_text_leaves_ordinary_code() -> None:
    text = (
        "def get_mapping_from_secret_type_to_class(registry: dict) -> dict:\n"
        "    token_count = len(registry)\n"
        "    password_field = form.fields['password']\n"
        "    url = 'https://example.com/api/v2/items'\n"
        "    return {name: cls for name, cls in registry.items()}\n"
    )

    result = scrub_text(text, "app.py")

    assert result.text == text
    assert not result.counts


def test_scrub_text_low_entropy_assignment_kept() -> None:
    text = 'token_name = "aaaaaaaaaaaa"\n'

    result = scrub_text(text, "app.py")

    assert "[REDACTED:secret-assignment]" not in result.text


def test_shannon_entropy_bounds() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "config/.env.production",
        "certs/server.pem",
        "deploy/tls.key",
        "home/.ssh/id_rsa",
        "keys/id_ed25519",
        "store.p12",
        ".netrc",
        ".git-credentials",
    ],
)
def test_is_secret_file_matches(path: str) -> None:
    assert is_secret_file(path)


@pytest.mark.parametrize(
    "path",
    [
        ".env.example",
        ".env.sample",
        "src/keys.py",
        "docs/env.md",
        "keyboard.py",
        "id_rsa.pub",
        "README.md",
    ],
)
def test_is_secret_file_ignores(path: str) -> None:
    assert not is_secret_file(path)


def test_scrub_text_own_patterns_only() -> None:
    text = 'AKIAIOSFODNN7EXAMPLE\npassword = "hunter2hunter2"\n'

    result = scrub_text(text, "map.txt", detect=False)

    assert "AKIAIOSFODNN7EXAMPLE" not in result.text
    assert "hunter2hunter2" in result.text
    assert scrub_text(text, "map.txt").text.count("REDACTED") == 2


SECRET_LINES = [
    ('aws = "{}"', "AKIA" + "QWERTYUIOPASDFGH"),
    ("token: {}", "ghp_" + "Zq8vR2mN5tY7wX1cB4nM6kL9pJ3hG0fD2sA1"),
    ("url = 'mysql://root:{}@db/app'", "Xy9-Pw_42zzq"),
    ('client_secret = "{}"', "Qm9vbGVhbkZsYWdzQXJlTm90U2VjcmV0cw9x"),
    ("SLACK={}", "xoxp-123456789012-abcdefABCDEF"),
]


@settings(max_examples=80, deadline=None)
@given(
    before=st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    after=st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    choice=st.integers(min_value=0, max_value=len(SECRET_LINES) - 1),
    suffix=st.sampled_from(["app.py", "config.yaml", "main.go", "notes.md", ""]),
)
def test_scrub_text_planted_secret_removed(
    before: str, after: str, choice: int, suffix: str
) -> None:
    template, secret = SECRET_LINES[choice]
    text = f"{before}\n{template.format(secret)}\n{after}"

    result = scrub_text(text, suffix)

    assert secret not in result.text
    assert sum(result.counts.values()) >= 1
