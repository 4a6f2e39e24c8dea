"""Secret formats in config files and diffs, and values that must stay."""

from __future__ import annotations

import pytest

from codedoc_action.ai.scrub import is_secret_file, scrub_text, scrub_texts

# (path, text, secret value, text expected after scrubbing)
SECRETS = [
    (
        "config/legacy.ini",
        "[auth]\napi_token = Rm0vedTokenValue8812XQ\n",
        "Rm0vedTokenValue8812XQ",
        "[auth]\napi_token = [REDACTED:secret-assignment]\n",
    ),
    (
        "app.yaml",
        "service:\n  api_token: Rm0vedTokenValue8812XQ  # rotated monthly\n",
        "Rm0vedTokenValue8812XQ",
        "service:\n  api_token: [REDACTED:secret-assignment]  # rotated monthly\n",
    ),
    (
        "kubeconfig",
        "users:\n- name: admin\n  user:\n    token: kU8sT0kenValue9900abcdXYZ\n",
        "kU8sT0kenValue9900abcdXYZ",
        "users:\n- name: admin\n  user:\n    token: [REDACTED:secret-assignment]\n",
    ),
    (
        "docker-compose.yml",
        "environment:\n  - API_TOKEN=ComposeTok3nValue77\n",
        "ComposeTok3nValue77",
        "environment:\n  - API_TOKEN=[REDACTED:secret-assignment]\n",
    ),
    (
        "app.properties",
        "api.token=Rm0vedTokenValue8812XQ\n",
        "Rm0vedTokenValue8812XQ",
        "api.token=[REDACTED:secret-assignment]\n",
    ),
    (
        ".env.example",
        "export DB_PASSWORD=s3cr3t-Value\n",
        "s3cr3t-Value",
        "export DB_PASSWORD=[REDACTED:secret-assignment]\n",
    ),
    (
        "settings.xml",
        "<server><password>MvnPlainPass4471</password></server>\n",
        "MvnPlainPass4471",
        "<server><password>[REDACTED:secret-assignment]</password></server>\n",
    ),
    (
        "db.py",
        'URL = "postgres://app:pgPassw0rd7@db:5432/app"\n',
        "pgPassw0rd7",
        'URL = "postgres://app:[REDACTED:connection-password]@db:5432/app"\n',
    ),
    (
        "db.js",
        "const uri = `mongodb+srv://admin:M0ngoSecret55@cluster0.example.net/db`;\n",
        "M0ngoSecret55",
        "const uri = `mongodb+srv://admin:[REDACTED:connection-password]"
        "@cluster0.example.net/db`;\n",
    ),
    (
        "Db.java",
        'String url = "jdbc:mysql://db:3306/app?user=app&password=JdbcPw0rd42";\n',
        "JdbcPw0rd42",
        'String url = "jdbc:mysql://db:3306/app?user=app&password='
        '[REDACTED:connection-password]";\n',
    ),
    (
        "Db.cs",
        'var cs = "Server=db;Database=app;User Id=sa;Password=SqlS3rverPw;";\n',
        "SqlS3rverPw",
        'var cs = "Server=db;Database=app;User Id=sa;'
        'Password=[REDACTED:connection-password];";\n',
    ),
    (
        "main.go",
        'const dsn = "user:GoDsnPassw0rd@tcp(db:3306)/app"\n',
        "GoDsnPassw0rd",
        'const dsn = "user:[REDACTED:connection-password]@tcp(db:3306)/app"\n',
    ),
    (
        "client.py",
        'headers = {"Authorization": "Bearer abc123DEF456ghi789JKL0"}\n',
        "abc123DEF456ghi789JKL0",
        'headers = {"Authorization": "Bearer [REDACTED:authorization-header]"}\n',
    ),
    (
        "deploy.sh",
        "curl -u admin:CurlPassw0rd991 https://ci.example.com/api\n",
        "CurlPassw0rd991",
        "curl -u admin:[REDACTED:connection-password] https://ci.example.com/api\n",
    ),
    (
        "app.js",
        "new Client({ apiKey: process.env.KEY || 'JsFallbackKey8812abcd' })\n",
        "JsFallbackKey8812abcd",
        "new Client({ apiKey: process.env.KEY || '[REDACTED:secret-assignment]' })\n",
    ),
]


@pytest.mark.parametrize(("path", "text", "secret", "expected"), SECRETS)
def test_scrub_config_formats(path: str, text: str, secret: str, expected: str) -> None:
    result = scrub_text(text, path)
    assert secret not in result.text
    assert result.text == expected
    assert sum(result.counts.values()) == 1


@pytest.mark.parametrize(("path", "text", "secret", "expected"), SECRETS)
@pytest.mark.parametrize("marker", ["+", "-", " "])
def test_scrub_diff_lines(
    path: str, text: str, secret: str, expected: str, marker: str
) -> None:
    lines = text.splitlines()
    diff = "\n".join(
        [f"--- a/{path}", f"+++ b/{path}", "@@ -1,2 +1,2 @@"]
        + [marker + line for line in lines]
    )
    result = scrub_text(diff, path)
    assert secret not in result.text
    expected_lines = [marker + line for line in expected.splitlines()]
    assert result.text.splitlines()[3:] == expected_lines


@pytest.mark.parametrize(("path", "text", "secret", "expected"), SECRETS)
def test_scrub_config_formats_crlf(
    path: str, text: str, secret: str, expected: str
) -> None:
    result = scrub_text(text.replace("\n", "\r\n"), path)
    assert secret not in result.text
    assert result.text == expected.replace("\n", "\r\n")
    assert sum(result.counts.values()) == 1


@pytest.mark.parametrize(("path", "text", "secret", "expected"), SECRETS)
@pytest.mark.parametrize("marker", ["+", "-", " "])
def test_scrub_diff_lines_crlf(
    path: str, text: str, secret: str, expected: str, marker: str
) -> None:
    lines = text.splitlines()
    diff = "\r\n".join(
        [f"--- a/{path}", f"+++ b/{path}", "@@ -1,2 +1,2 @@"]
        + [marker + line for line in lines]
    )
    result = scrub_text(diff + "\r\n", path)
    assert secret not in result.text
    expected_lines = [marker + line for line in expected.splitlines()]
    assert result.text.split("\r\n")[3:-1] == expected_lines


def test_scrub_removed_quoted_token() -> None:
    diff = (
        '@@ -1,2 +1,1 @@\n-api_token = "Rm0vedTokenValue8812XQ"\n+api_token = env()\n'
    )
    result = scrub_text(diff, "settings.py")
    assert "Rm0vedTokenValue8812XQ" not in result.text
    assert '-api_token = "[REDACTED:secret-assignment]"' in result.text


KEPT = [
    ("views.py", 'token = request.headers["X-Token"]\n'),
    ("cli.py", "password = getpass()\n"),
    ("model.py", "class Login:\n    password: str\n    token: str | None = None\n"),
    ("ci.yml", "env:\n  API_TOKEN: ${{ secrets.API_TOKEN }}\n"),
    ("settings.py", 'token = os.environ["TOKEN"]\n'),
    ("README.md", "api_token: <your-token>\n"),
    ("app.ini", "password = changeme\n"),
    ("app.ini", "password = xxx\n"),
    ("app.ini", "api_token = xxxxxxxxxxxxxxxx\n"),
    ("config.yaml", "max_tokens: 4096\ntoken_url: https://auth.example.com/token\n"),
    ("config.yaml", "password_file: /run/secrets/db_password\n"),
    ("config.py", "api_token = settings.api_token\n"),
    ("compose.yml", "environment:\n  - DB_PASSWORD=${DB_PASSWORD}\n"),
    ("deploy.sh", 'curl -u "$USER:$PASSWORD" https://ci.example.com\n'),
    ("client.py", 'headers = {"Authorization": f"Bearer {token}"}\n'),
    ("Db.java", 'String url = "jdbc:mysql://db/app?user=app&password=" + pw;\n'),
    ("pom.xml", "<password>${env.MVN_PASSWORD}</password>\n"),
    ("docs.md", "Send the token in the `Authorization` header.\n"),
    ("prices.py", 'FIELDS = {"max_input_tokens": "context_window"}\n'),
    ("kinds.py", 'KINDS = {"GitHub Token": "github-token"}\n'),
    ("docs.md", "Run ``curl -u user:password`` with your own account.\n"),
]


@pytest.mark.parametrize(("path", "text"), KEPT)
def test_scrub_keeps_non_secrets(path: str, text: str) -> None:
    result = scrub_text(text, path)
    assert result.text == text
    assert not result.counts


def test_scrub_counts_distinct_values() -> None:
    text = (
        "api_token = Rm0vedTokenValue8812XQ\n"
        "# the same value again: Rm0vedTokenValue8812XQ\n"
        "backup_token = Rm0vedTokenValue8812XQ\n"
        "password = An0therValue55\n"
    )
    result = scrub_text(text, "app.ini")
    assert "Rm0vedTokenValue8812XQ" not in result.text
    assert "An0therValue55" not in result.text
    assert result.counts["secret-assignment"] == 2
    assert len(result.digests) == 2


def test_scrub_digests_match_across_texts() -> None:
    file_text = "api_token = Rm0vedTokenValue8812XQ\n"
    diff_text = "@@ -0,0 +1 @@\n+api_token = Rm0vedTokenValue8812XQ\n"
    as_file, as_diff = scrub_texts([("app.ini", file_text), ("app.ini", diff_text)])
    assert as_file.digests == as_diff.digests
    assert "Rm0vedTokenValue8812XQ" not in repr(as_file)


def test_is_secret_file_secret_in_name() -> None:
    assert is_secret_file("keys/AKIAFILENAME00000001.txt")
    assert not is_secret_file("keys/README.txt")
    assert not is_secret_file("src/token_store.py")
