"""Secret formats of Dockerfiles, setters, XML, command lines and DSNs.

Each case is checked with LF and CRLF line endings and as removed and added
diff lines, and the values in ``KEPT`` are ordinary code that must stay.
"""

from __future__ import annotations

import pytest

from codedoc_action.ai.scrub import scrub_text

# (path, text, secret value, text expected after scrubbing)
SECRETS = [
    (
        "Dockerfile",
        "FROM python:3.12\nENV API_TOKEN=DockerEnvTok3n4471\n",
        "DockerEnvTok3n4471",
        "FROM python:3.12\nENV API_TOKEN=[REDACTED:secret-assignment]\n",
    ),
    (
        "Dockerfile",
        "FROM python:3.12\nENV API_TOKEN DockerEnvSpace9921\n",
        "DockerEnvSpace9921",
        "FROM python:3.12\nENV API_TOKEN [REDACTED:secret-assignment]\n",
    ),
    (
        "wp-config.php",
        "define( 'DB_PASSWORD', 'WpConfigPassw0rd55' );\n",
        "WpConfigPassw0rd55",
        "define( 'DB_PASSWORD', '[REDACTED:secret-assignment]' );\n",
    ),
    (
        "settings.py",
        'os.environ.setdefault("SECRET_KEY", "DjSetdefault8812abcQ")\n',
        "DjSetdefault8812abcQ",
        'os.environ.setdefault("SECRET_KEY", "[REDACTED:secret-assignment]")\n',
    ),
    (
        "main.go",
        'os.Setenv("API_TOKEN", "GoSetenvTok3n8812")\n',
        "GoSetenvTok3n8812",
        'os.Setenv("API_TOKEN", "[REDACTED:secret-assignment]")\n',
    ),
    (
        "Db.java",
        'ds.setPassword("JavaSetterPassw0rd1");\n',
        "JavaSetterPassw0rd1",
        'ds.setPassword("[REDACTED:secret-assignment]");\n',
    ),
    (
        "web.config",
        '<add key="ApiToken" value="DotnetAppSettingTok9" />\n',
        "DotnetAppSettingTok9",
        '<add key="ApiToken" value="[REDACTED:secret-assignment]" />\n',
    ),
    (
        "context.xml",
        '<property name="password" value="SpringBeanPassw0rd" />\n',
        "SpringBeanPassw0rd",
        '<property name="password" value="[REDACTED:secret-assignment]" />\n',
    ),
    (
        "settings.xml",
        '<password encrypted="false">AttrXmlPassw0rd7</password>\n',
        "AttrXmlPassw0rd7",
        '<password encrypted="false">[REDACTED:secret-assignment]</password>\n',
    ),
    (
        "settings.xml",
        "<password><![CDATA[CdataPassw0rd881]]></password>\n",
        "CdataPassw0rd881",
        "<password><![CDATA[[REDACTED:secret-assignment]]]></password>\n",
    ),
    (
        "pom.xml",
        '<entry key="db.password">EntryXmlPassw0rd3</entry>\n',
        "EntryXmlPassw0rd3",
        '<entry key="db.password">[REDACTED:secret-assignment]</entry>\n',
    ),
    (
        "deploy.sh",
        "curl -uadmin:CurlNoSpacePass881 https://ci.example.com\n",
        "CurlNoSpacePass881",
        "curl -uadmin:[REDACTED:connection-password] https://ci.example.com\n",
    ),
    (
        "deploy.sh",
        "curl https://ci.example.com \\\n  -u admin:CurlNextLinePass55\n",
        "CurlNextLinePass55",
        "curl https://ci.example.com \\\n  -u admin:[REDACTED:connection-password]\n",
    ),
    (
        "deploy.sh",
        "mysql -u root -pMysqlInlinePass99 app < dump.sql\n",
        "MysqlInlinePass99",
        "mysql -u root -p[REDACTED:connection-password] app < dump.sql\n",
    ),
    (
        "deploy.sh",
        "mysqldump --password=MysqlDumpPass77 app\n",
        "MysqlDumpPass77",
        "mysqldump --password=[REDACTED:connection-password] app\n",
    ),
    (
        "main.go",
        'dsn := "app:GoDsnPassw0rd2@/dbname"\n',
        "GoDsnPassw0rd2",
        'dsn := "app:[REDACTED:connection-password]@/dbname"\n',
    ),
    (
        "client.py",
        'requests.get(url, auth=("admin", "PyAuthTuplePass77"))\n',
        "PyAuthTuplePass77",
        'requests.get(url, auth=("admin", "[REDACTED:connection-password]"))\n',
    ),
    (
        "Mail.cs",
        'var c = new NetworkCredential("svc", "CsNetCredPass2024");\n',
        "CsNetCredPass2024",
        'var c = new NetworkCredential("svc", "[REDACTED:connection-password]");\n',
    ),
    (
        "deploy.sh",
        "docker run -e API_TOKEN=DockerRunTok3n55 img\n",
        "DockerRunTok3n55",
        "docker run -e API_TOKEN=[REDACTED:secret-assignment] img\n",
    ),
    (
        "train.sh",
        "HF_TOKEN=HfInlineTok3nValue9 python train.py\n",
        "HfInlineTok3nValue9",
        "HF_TOKEN=[REDACTED:secret-assignment] python train.py\n",
    ),
    (
        "api.sh",
        "http -a admin:HttpieAuthPass773 GET https://x.example.com\n",
        "HttpieAuthPass773",
        "http -a admin:[REDACTED:connection-password] GET https://x.example.com\n",
    ),
    (
        "deploy.sh",
        "sshpass -p 'SshpassSecret771' ssh app@host\n",
        "SshpassSecret771",
        "sshpass -p '[REDACTED:connection-password]' ssh app@host\n",
    ),
    (
        "netrc.txt",
        "machine api.example.org login me password NetrcPassw0rd81\n",
        "NetrcPassw0rd81",
        "machine api.example.org login me password [REDACTED:connection-password]\n",
    ),
    (
        "gpg.ini",
        "passphrase = GpgPassphrase77x\n",
        "GpgPassphrase77x",
        "passphrase = [REDACTED:secret-assignment]\n",
    ),
    (
        "db.properties",
        "jdbc.url=jdbc:oracle:thin:scott/OracleThinPass9@db:1521/orcl\n",
        "OracleThinPass9",
        "jdbc.url=jdbc:oracle:thin:scott/[REDACTED:connection-password]@db:1521/orcl\n",
    ),
    (
        "deploy.sh",
        'curl -H "X-Api-Key: CurlHeaderApiKey8812" https://x.example.com\n',
        "CurlHeaderApiKey8812",
        'curl -H "X-Api-Key: [REDACTED:secret-assignment]" https://x.example.com\n',
    ),
    (
        "Main.kt",
        'val apiKey = """KotlinRawApiKey9912"""\n',
        "KotlinRawApiKey9912",
        'val apiKey = """[REDACTED:secret-assignment]"""\n',
    ),
    (
        "Storage.cs",
        'var cs = "AccountName=acct;AccountKey=q8Zr3k1mN0pXv7YtW2sLb5HcJ9fGd4Ea==;";\n',
        "q8Zr3k1mN0pXv7YtW2sLb5HcJ9fGd4Ea==",
        'var cs = "AccountName=acct;AccountKey=[REDACTED:azure-key];";\n',
    ),
]

ENDINGS = ["\n", "\r\n"]


@pytest.mark.parametrize(("path", "text", "secret", "expected"), SECRETS)
@pytest.mark.parametrize("ending", ENDINGS, ids=["lf", "crlf"])
def test_scrub_more_formats(
    path: str, text: str, secret: str, expected: str, ending: str
) -> None:
    result = scrub_text(text.replace("\n", ending), path)
    assert secret not in result.text
    assert result.text == expected.replace("\n", ending)
    assert sum(result.counts.values()) == 1


@pytest.mark.parametrize(("path", "text", "secret", "expected"), SECRETS)
@pytest.mark.parametrize("ending", ENDINGS, ids=["lf", "crlf"])
@pytest.mark.parametrize("marker", ["+", "-"])
def test_scrub_more_formats_diff(
    path: str, text: str, secret: str, expected: str, ending: str, marker: str
) -> None:
    diff = "".join(marker + line + ending for line in text.splitlines())
    result = scrub_text("@@ -1,2 +1,2 @@" + ending + diff, path)
    assert secret not in result.text
    expected_diff = "".join(marker + line + ending for line in expected.splitlines())
    assert result.text == "@@ -1,2 +1,2 @@" + ending + expected_diff


def test_scrub_pypi_token_putty_key() -> None:
    pypi = "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZjEyLTM0NTYtNzg5MC1hYmNkLWVmMTIzNDU2Nzg5MAAC"
    putty = (
        "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPrivate-Lines: 1\n"
        "AAAAgQCPuttyPrivateBody0123456789abcdefghijkl\nPrivate-MAC: 0a1b2c3d\n"
    )
    published = scrub_text(f"twine upload -u __token__ -p {pypi}\n", "publish.sh")
    key_file = scrub_text(putty, "notes.txt")
    assert pypi not in published.text
    assert sum(published.counts.values()) == 1
    assert "AAAAgQCPuttyPrivateBody" not in key_file.text
    assert key_file.counts["private-key"] == 1


# Code and configuration that only look like secrets.
KEPT = [
    (
        "ingress.yaml",
        "tls:\n  - hosts: [docs.example.org]\n    secretName: docs-tls-2024\n",
    ),
    ("ssh.yaml", "signing_key: ed25519\nalgorithms: [ed25519, rsa]\n"),
    (
        "Auth.java",
        "private final Token oauth2AccessToken;\nreturn oauth2AccessToken.value();\n",
    ),
    ("deploy.sh", "mysql -u root -p app < dump.sql\n"),
    ("deploy.sh", "curl --user-agent app/1.0 https://x.example.com\n"),
    ("Db.java", "ds.setPassword(config.password());\n"),
    ("web.config", '<add key="ApiToken" value="${API_TOKEN}" />\n'),
    ("Dockerfile", "ENV API_TOKEN=${API_TOKEN}\n"),
    ("version.txt", "token: 1.2.3-beta4\n"),
    ("docs.md", "Use http -a to send credentials.\n"),
]


@pytest.mark.parametrize(("path", "text"), KEPT)
@pytest.mark.parametrize("ending", ENDINGS, ids=["lf", "crlf"])
def test_scrub_more_keeps_code(path: str, text: str, ending: str) -> None:
    result = scrub_text(text.replace("\n", ending), path)
    assert result.text == text.replace("\n", ending)
    assert not result.counts
