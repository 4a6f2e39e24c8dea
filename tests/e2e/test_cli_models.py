"""`codedoc models` against each fake provider, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.fakes.providers import FakeProviderServer

CASES = {
    "anthropic": ("claude-sonnet-4-5-20250929", "sk-ant-models-0001"),
    "openai": ("gpt-5-mini", "sk-proj-models-0001"),
    "google": ("gemini-2.5-flash", "AIza-models-0000001"),
    "azure-openai": ("docs-gpt-4o", "azure-models-key-001"),
    "openai-compatible": ("llama3.1:8b", ""),
}


def _codedoc(*args: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), "CODEDOC_API_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "codedoc_action", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("kind", sorted(CASES))
def test_models_command_lists_model(kind: str) -> None:
    model, key = CASES[kind]
    with FakeProviderServer(kind, api_key=key or None, models=[model]) as fake:
        run = _codedoc(
            "models", "--provider", kind, "--api-base-url", fake.base_url, key=key
        )
    assert run.returncode == 0, run.stdout + run.stderr
    listed = [line.split()[0] for line in run.stdout.splitlines() if line.strip()]
    if kind != "azure-openai":
        assert model in listed
    if key:
        assert key not in run.stdout + run.stderr


@pytest.mark.parametrize("kind", ["anthropic", "openai", "google"])
def test_models_command_bad_key_exit_1(kind: str) -> None:
    model, key = CASES[kind]
    with FakeProviderServer(kind, api_key=key, models=[model]) as fake:
        run = _codedoc(
            "models",
            "--provider",
            kind,
            "--api-base-url",
            fake.base_url,
            key="wrong-key-0000000000",
        )
    assert run.returncode == 1
    assert "wrong-key-0000000000" not in run.stdout + run.stderr
    assert "key" in (run.stdout + run.stderr).lower()
