"""The composition root: settings sources, masking and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from codedoc_action.main import load_settings, main


def _dispatch_env(tmp_path: Path, inputs: dict[str, str]) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"ref": "refs/heads/main", "inputs": inputs}), encoding="utf-8"
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "0" * 39 + "1",
        "GITHUB_REF": "refs/heads/main",
    }


def test_main_dispatch_inputs_beat_variables(tmp_path: Path) -> None:
    env = _dispatch_env(tmp_path, {"max_files": "3", "language": "German"})
    env["INPUT_MAX-FILES"] = "9"
    env["INPUT_MODE"] = "full"
    settings, jobs = load_settings({}, env)
    assert settings.max_files == 3
    assert settings.language == "German"
    assert settings.mode == "full"
    assert jobs == []


def test_main_flags_beat_dispatch_inputs(tmp_path: Path) -> None:
    env = _dispatch_env(tmp_path, {"max-files": "3"})
    settings, _ = load_settings({"max-files": "4"}, env)
    assert settings.max_files == 4


def test_main_invalid_settings_exit_2() -> None:
    stream = io.StringIO()
    code = main(["run", "--provider", "openai", "--max-files", "0"], {}, stream)
    text = stream.getvalue()
    assert code == 2
    assert "max-files" in text
    assert "api-key: missing" in text


def test_main_masks_rejected_key_before_validation() -> None:
    stream = io.StringIO()
    env = {"GITHUB_ACTIONS": "true", "INPUT_API-KEY": "sk-rejected-secret-1234"}
    code = main(["run", "--provider", "nonsense"], env, stream)
    text = stream.getvalue()
    assert code == 2
    assert text.startswith("::add-mask::sk-rejected-secret-1234\n")
    assert text.count("sk-rejected-secret-1234") == 1


def test_main_unknown_command_exit_2() -> None:
    stream = io.StringIO()
    assert main(["publish-everything"], {}, stream) == 2


def test_main_missing_config_file_exit_2(tmp_path: Path) -> None:
    stream = io.StringIO()
    code = main(["run", "--config", str(tmp_path / "absent.yml")], {}, stream)
    assert code == 2
    assert "absent.yml not found" in stream.getvalue()


def test_main_unexpected_error_exit_1(tmp_path: Path) -> None:
    stream = io.StringIO()
    env = {"CODEDOC_WORKSPACE": str(tmp_path / "not-a-repo")}
    (tmp_path / "not-a-repo").mkdir()
    code = main(["run"], env, stream)
    assert code == 1
    assert "error" in stream.getvalue().lower()


def test_main_invalid_settings_write_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "INPUT_MAX-TOKENS": "0",
    }
    assert main(["run"], env, io.StringIO()) == 2
    text = summary.read_text(encoding="utf-8")
    assert "Invalid settings" in text
    assert "max-tokens: expected a number of at least 1; got '0'" in text
    assert "updated=false" in outputs.read_text(encoding="utf-8")


def test_cli_every_input_has_help() -> None:
    from codedoc_action.cli import HELP
    from codedoc_action.settings import INPUT_NAMES

    missing = [name for name in INPUT_NAMES if not HELP.get(name)]
    assert missing == []


def test_main_plan_needs_no_credentials(tmp_path: Path) -> None:
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("A = 1\n", encoding="utf-8")
    (repo / ".codedoc.yml").write_text(
        "defaults:\n"
        "  provider: anthropic\n"
        "  confluence-url: https://example.atlassian.net/wiki\n"
        "jobs:\n"
        "  - name: app\n"
        "    paths: [src/**]\n"
        '    confluence-page: "1"\n',
        encoding="utf-8",
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    stream = io.StringIO()
    env = {"CODEDOC_WORKSPACE": str(repo), "CODEDOC_OUTPUT_DIR": str(tmp_path / "o")}
    code = main(["plan", "--config", str(repo / ".codedoc.yml")], env, stream)
    assert code == 0, stream.getvalue()
    matrix = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert matrix == {"include": [{"job": "app"}]}


def test_main_dispatch_cannot_change_hosts(tmp_path: Path) -> None:
    env = _dispatch_env(
        tmp_path,
        {"api_base_url": "http://127.0.0.2:9", "provider": "openai", "model": "m2"},
    )
    env["INPUT_API-BASE-URL"] = "http://127.0.0.1:8"
    env["INPUT_API-KEY"] = "k"
    env["INPUT_PROVIDER"] = "openai-compatible"
    settings, _ = load_settings({}, env)
    assert settings.api_base_url == "http://127.0.0.1:8"
    assert settings.provider == "openai-compatible"
    assert settings.model == "m2"
