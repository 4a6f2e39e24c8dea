"""action.yml must declare exactly the inputs and outputs the code reads and writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from codedoc_action.report import RunReport
from codedoc_action.settings import INPUT_NAMES, Settings, build_settings

ACTION_YML = Path(__file__).resolve().parents[2] / "action.yml"


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))
    return data


def test_action_inputs_match_settings(action: dict[str, Any]) -> None:
    declared = list(action["inputs"])
    assert sorted(declared) == sorted(INPUT_NAMES)


def test_action_outputs_match_report(action: dict[str, Any]) -> None:
    written = RunReport(result="").outputs()
    assert sorted(action["outputs"]) == sorted(written)


def test_action_inputs_describe_default(action: dict[str, Any]) -> None:
    for name, spec in action["inputs"].items():
        assert "Default:" in spec["description"], f"{name}: no default described"
        assert spec.get("required") is False, f"{name}: must be optional"


def test_action_outputs_described(action: dict[str, Any]) -> None:
    for name, spec in action["outputs"].items():
        assert spec["description"].strip(), f"{name}: empty description"


def test_action_defaults_equal_settings_defaults(action: dict[str, Any]) -> None:
    """A workflow that leaves an input out gets what the CLI gets without it."""
    code_defaults = Settings(provider="offline")
    for name, spec in action["inputs"].items():
        if "default" not in spec or name == "github-token":
            continue
        from_action = build_settings({"provider": "offline", name: spec["default"]})
        field = name.replace("-", "_")
        assert getattr(from_action, field) == getattr(code_defaults, field), name


def test_action_github_token_defaults_to_workflow_token(
    action: dict[str, Any],
) -> None:
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"


def test_action_runs_dockerfile(action: dict[str, Any]) -> None:
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
