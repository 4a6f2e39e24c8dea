"""Secrets: no key, token or basic-auth form of one leaves the run, whatever
fails.

Every scenario runs entrypoint.py in a subprocess, then searches stdout,
stderr, the job summary, the step outputs and every file under the runner's
home and the workspace for each secret. The only allowed occurrence is the
``::add-mask::`` line that asks GitHub to hide it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.e2e.action_env import ActionRun
from tests.security.harness import (
    API_KEY,
    CONFLUENCE_TOKEN,
    GITHUB_TOKEN,
    Scene,
    SceneBuilder,
    secret_forms,
)


@dataclass(frozen=True)
class Failure:
    """A way to make the run fail, its exit code and a phrase of its message."""

    prepare: Callable[[Scene], None]
    exit_code: int
    message: str
    provider_kind: str = "anthropic"
    confluence_kind: str = "cloud"


def _wrong_provider_key(scene: Scene) -> None:
    scene.provider.api_key = "sk-ant-someone-elses-key"


def _gemini_invalid_key(scene: Scene) -> None:
    scene.provider.api_key = "AIza-someone-elses-key"
    scene.inputs.update(provider="google", model="", **{"api-base-url": ""})
    scene.inputs["api-base-url"] = scene.provider.base_url


def _openai_wrong_key(scene: Scene) -> None:
    scene.provider.api_key = "sk-proj-someone-elses-key"
    scene.inputs.update(provider="openai", model="")
    scene.inputs["api-base-url"] = scene.provider.base_url


def _budget_too_small(scene: Scene) -> None:
    scene.inputs["max-tokens"] = "50"


def _unknown_model(scene: Scene) -> None:
    scene.inputs["model"] = "claude-no-such-model"


def _rate_limited(scene: Scene) -> None:
    scene.provider.add_fault(429, headers={"retry-after": "0"}, times=4)


def _server_errors(scene: Scene) -> None:
    scene.provider.add_fault(500, times=4)


def _provider_timeouts(scene: Scene) -> None:
    scene.provider.add_timeout(times=2)


def _error_echoes_key(scene: Scene) -> None:
    body = {
        "type": "error",
        "error": {
            "type": "authentication_error",
            "message": f"invalid x-api-key {API_KEY} (Bearer {GITHUB_TOKEN})",
        },
    }
    scene.provider.add_fault(401, body=body)


def _provider_not_json(scene: Scene) -> None:
    scene.provider.add_fault(200, body='{"data": [ truncated')


def _confluence_wrong_token(scene: Scene) -> None:
    scene.confluence.token = "ATATT-someone-elses-token"


def _confluence_forbidden(scene: Scene) -> None:
    scene.confluence.add_fault(403, path_contains="/pages/", method="GET")


def _confluence_missing_page(scene: Scene) -> None:
    scene.inputs["confluence-page"] = "999999"


def _confluence_conflicts(scene: Scene) -> None:
    scene.confluence.add_fault(409, method="PUT", times=20)


def _confluence_too_large(scene: Scene) -> None:
    scene.confluence.add_fault(413, method="PUT")


def _confluence_echoes_auth(scene: Scene) -> None:
    basic = secret_forms()["confluence basic auth"]
    body = {"message": f"rejected Authorization: Basic {basic} for {CONFLUENCE_TOKEN}"}
    scene.confluence.add_fault(400, body=body, method="PUT")


def _confluence_not_json(scene: Scene) -> None:
    scene.confluence.add_fault(
        200, body="<html>login</html>", path_contains="/pages/", method="GET"
    )


def _missing_commit(scene: Scene) -> None:
    scene.extra_env["GITHUB_EVENT_NAME"] = "push"
    scene.inputs["base"] = "1" * 40


def _invalid_settings(scene: Scene) -> None:
    scene.inputs["max-files"] = "lots"
    scene.inputs["mode"] = "sideways"


def _unexpected_exception(scene: Scene) -> None:
    # RUNNER_TEMP names a file, so creating the output folder raises OSError.
    blocker = scene.home / "not-a-folder"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("x", encoding="utf-8")
    scene.extra_env["RUNNER_TEMP"] = str(blocker)


def _succeed(scene: Scene) -> None:
    return None


FAILURES = {
    "success": Failure(_succeed, 0, "updated to version 2"),
    "provider 401": Failure(_wrong_provider_key, 1, "api-key"),
    "gemini API_KEY_INVALID": Failure(
        _gemini_invalid_key, 1, "api-key", provider_kind="google"
    ),
    "model not found": Failure(_unknown_model, 1, "claude-no-such-model"),
    "429 exhausted": Failure(_rate_limited, 1, "429"),
    "5xx exhausted": Failure(_server_errors, 1, "500"),
    "timeouts": Failure(_provider_timeouts, 1, "timed out"),
    "error body echoes key": Failure(_error_echoes_key, 1, "api-key"),
    "provider malformed JSON": Failure(_provider_not_json, 1, "not JSON"),
    "openai 401": Failure(_openai_wrong_key, 1, "api-key", provider_kind="openai"),
    "budget exceeded": Failure(_budget_too_small, 1, "max-tokens"),
    "confluence 401": Failure(_confluence_wrong_token, 1, "confluence-token"),
    "data center 401": Failure(
        _confluence_wrong_token, 1, "confluence-token", confluence_kind="datacenter"
    ),
    "data center success": Failure(
        _succeed, 0, "updated to version 2", confluence_kind="datacenter"
    ),
    "confluence 403": Failure(_confluence_forbidden, 1, "403"),
    "confluence 404": Failure(_confluence_missing_page, 1, "999999"),
    "confluence 409 exhausted": Failure(_confluence_conflicts, 1, "409"),
    "confluence 413": Failure(_confluence_too_large, 1, "413"),
    "confluence error echoes auth": Failure(_confluence_echoes_auth, 1, "400"),
    "confluence malformed JSON": Failure(_confluence_not_json, 1, "JSON"),
    "git missing commit": Failure(_missing_commit, 1, "1111111"),
    "invalid settings": Failure(_invalid_settings, 2, "max-files"),
    "unexpected exception": Failure(_unexpected_exception, 1, "unexpected error"),
}


def _leaks(scene: Scene, run: ActionRun) -> list[str]:
    """Return "secret name in place" for every secret found outside a mask line."""
    stdout = "\n".join(
        line for line in run.stdout.splitlines() if not line.startswith("::add-mask::")
    )
    places = {
        "stdout": stdout,
        "stderr": run.stderr,
        "summary": run.summary,
        "outputs": repr(run.outputs),
    }
    for path in scene.written_files():
        places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    found = []
    for name, secret in secret_forms().items():
        for place, text in places.items():
            if secret in text:
                found.append(f"{name} in {place}")
    return found


@pytest.mark.parametrize("case", list(FAILURES), ids=list(FAILURES))
def test_secrets_never_leak_in_any_outcome(scenes: SceneBuilder, case: str) -> None:
    failure = FAILURES[case]
    scene = scenes.build(
        provider_kind=failure.provider_kind, confluence_kind=failure.confluence_kind
    )
    failure.prepare(scene)
    run = scene.run()
    assert run.returncode == failure.exit_code, run.log
    assert failure.message in run.log, run.log
    assert _leaks(scene, run) == []
    for secret in (API_KEY, CONFLUENCE_TOKEN, GITHUB_TOKEN):
        assert f"::add-mask::{secret}" in run.stdout
    if case != "unexpected exception":
        assert "Traceback" not in run.log


def test_secrets_gemini_key_never_in_url(scenes: SceneBuilder) -> None:
    scene = scenes.build(provider_kind="google")
    _gemini_invalid_key(scene)
    scene.provider.api_key = API_KEY
    scene.run()
    assert scene.provider.requests
    for request in scene.provider.requests:
        assert "key" not in request.query
        assert API_KEY not in request.path
        assert request.headers.get("x-goog-api-key") == API_KEY


def test_secrets_repr_of_settings_hides_keys() -> None:
    from codedoc_action.settings import build_settings

    settings = build_settings(
        {
            "provider": "anthropic",
            "api-key": API_KEY,
            "confluence-url": "https://example.atlassian.net/wiki",
            "confluence-token": CONFLUENCE_TOKEN,
            "confluence-page": "1",
            "github-token": GITHUB_TOKEN,
        }
    )
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        for secret in (API_KEY, CONFLUENCE_TOKEN, GITHUB_TOKEN):
            assert secret not in text


def test_secrets_search_finds_planted_secret(scenes: SceneBuilder) -> None:
    scene = scenes.build()
    planted = scene.home / "runner_temp" / "codedoc" / "planted.txt"
    planted.parent.mkdir(parents=True)
    planted.write_text(secret_forms()["confluence basic auth"], encoding="utf-8")
    run = ActionRun(
        0, f"::add-mask::{API_KEY}\nok {GITHUB_TOKEN}\n", "", "", {}, planted
    )
    assert _leaks(scene, run) == [
        "github-token in stdout",
        f"confluence basic auth in {planted}",
    ]


AWS_KEY_ID = "AKIAZ7Q3EXAMPLE4KEY9"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA7sGn3fakefakefakefakefakefakefakefakefakefake\n"
    "-----END RSA PRIVATE KEY-----\n"
)
LEAKY_FILES = {
    "sample/settings.py": (
        '"""Deployment settings."""\n\n'
        f'AWS_ACCESS_KEY_ID = "{AWS_KEY_ID}"\n'
        f'SIGNING_KEY = """{PRIVATE_KEY}"""\n'
    ),
    "deploy/server.pem": PRIVATE_KEY,
    ".env.production": f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n",
}


def test_secrets_in_source_scrubbed_before_sending(scenes: SceneBuilder) -> None:
    scene = scenes.build(extra_files=LEAKY_FILES)
    picks = [
        {"path": path, "reason": "changed"}
        for path in ("sample/settings.py", "deploy/server.pem", ".env.production")
    ]
    scene.provider.reply = lambda request: (
        {"files": picks}
        if isinstance(request.json, dict) and request.json.get("tool_choice")
        else "# Sample\n\nSettings are read from the environment.\n"
    )
    run = scene.run()
    assert run.returncode == 0, run.log
    sent = "\n".join(str(request.json) for request in scene.provider.requests)
    assert "sample/settings.py" in sent
    assert AWS_KEY_ID not in sent
    assert "MIIEowIBAAKCAQEA" not in sent
    for place in (run.log, run.summary, repr(run.outputs)):
        assert AWS_KEY_ID not in place
        assert "MIIEowIBAAKCAQEA" not in place
    assert "Secrets scrubbed before sending" in run.summary
    assert "`deploy/server.pem` (secret file)" in run.summary
    assert "`.env.production` (secret file)" in run.summary
