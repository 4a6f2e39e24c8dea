"""The .codedoc.yml file: shape errors name file, job and key; precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.config import job_settings, load_config_file
from codedoc_action.errors import SettingsError
from codedoc_action.main import load_settings

VALID = """\
defaults:
  provider: offline
  model: default-model
  max-files: 10
jobs:
  - name: api
    paths: ["src/api/**"]
    model: api-model
  - name: cli
    paths: src/cli/**, docs/cli/**
"""


def write(tmp_path: Path, text: str, name: str = ".codedoc.yml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        config = load_config_file(path)
        job_settings(config, {})
    return caught.value.problems


def test_config_valid_file_builds_jobs(tmp_path: Path) -> None:
    config = load_config_file(write(tmp_path, VALID))
    jobs = job_settings(config, {})
    assert [job.name for job in jobs] == ["api", "cli"]
    assert jobs[0].settings.paths == ["src/api/**"]
    assert jobs[1].settings.paths == ["src/cli/**", "docs/cli/**"]
    assert jobs[1].settings.max_files == 10


def test_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_config_file(str(tmp_path / "absent.yml"))
    assert "absent.yml not found" in caught.value.problems[0]


def test_config_relative_path_uses_workspace(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    config = load_config_file(".codedoc.yml", workspace=str(tmp_path))
    assert len(config["jobs"]) == 2


def test_config_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "jobs:\n  - name: api\n    paths: [unclosed\n")
    assert len(problems) == 1
    assert ".codedoc.yml is not valid YAML" in problems[0]
    assert "at line" in problems[0]


def test_config_duplicate_key_in_job(tmp_path: Path) -> None:
    text = "jobs:\n  - name: api\n    model: a\n    model: b\n"
    problems = problems_of(tmp_path, text)
    assert "duplicate key 'model'" in problems[0]
    assert "at line 4" in problems[0]


def test_config_not_a_mapping(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "- name: api\n")
    assert "must be a mapping" in problems[0]


def test_config_unknown_top_level_key(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "job:\n  - name: api\n")
    assert len(problems) == 1
    assert ".codedoc.yml" in problems[0]
    assert "unknown key 'job'" in problems[0]


def test_config_unknown_job_key_suggests(tmp_path: Path) -> None:
    text = "jobs:\n  - name: api\n    confluence_page: '1'\n"
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert "job 'api'" in problems[0]
    assert "unknown key 'confluence_page'" in problems[0]
    assert "did you mean 'confluence-page'?" in problems[0]


def test_config_input_not_allowed_per_job(tmp_path: Path) -> None:
    text = "jobs:\n  - name: api\n    provider: openai\n"
    problems = problems_of(tmp_path, text)
    assert "job 'api'" in problems[0]
    assert "unknown key 'provider'" in problems[0]


@pytest.mark.parametrize("key", ["api-key", "confluence-token", "github_token"])
def test_config_secret_in_file(tmp_path: Path, key: str) -> None:
    text = f"defaults:\n  {key}: sk-leaked-value\njobs:\n  - name: api\n"
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert "defaults" in problems[0]
    assert f"{key} must not be stored in a file" in problems[0]
    assert "sk-leaked-value" not in problems[0]


def test_config_secret_in_job(tmp_path: Path) -> None:
    text = "jobs:\n  - name: api\n    api-key: sk-leaked-value\n"
    problems = problems_of(tmp_path, text)
    assert "job 'api'" in problems[0]
    assert "sk-leaked-value" not in problems[0]


def test_config_config_key_in_defaults(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "defaults:\n  config: other.yml\n")
    assert "unknown key 'config'" in problems[0]


def test_config_duplicate_job_names(tmp_path: Path) -> None:
    text = "jobs:\n  - name: api\n  - name: cli\n  - name: api\n"
    problems = problems_of(tmp_path, text)
    assert problems == [
        f"config: {tmp_path / '.codedoc.yml'}: job 'api': duplicate job name"
    ]


def test_config_missing_job_name(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "jobs:\n  - paths: [a]\n")
    assert "jobs[0]: missing name" in problems[0]


@pytest.mark.parametrize("name", ["../escape", "a b", "-lead", "x" * 65, "ä"])
def test_config_invalid_job_name(tmp_path: Path, name: str) -> None:
    problems = problems_of(tmp_path, f"jobs:\n  - name: '{name}'\n")
    assert "invalid name" in problems[0]


def test_config_job_name_list_is_missing(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "jobs:\n  - name: [a, b]\n")
    assert "jobs[0]: missing name" in problems[0]


def test_config_jobs_not_a_list(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "jobs:\n  api:\n    paths: [a]\n")
    assert "jobs must be a list" in problems[0]


def test_config_defaults_not_a_mapping(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "defaults: [provider]\n")
    assert "defaults must be a mapping" in problems[0]


def test_config_wrong_types_name_job_and_key(tmp_path: Path) -> None:
    text = (
        "jobs:\n"
        "  - name: api\n"
        "    max-files: many\n"
        "    mode: sideways\n"
        "  - name: cli\n"
        "    max-tokens: -5\n"
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) == 3
    assert any("job 'api': max-files:" in p for p in problems)
    assert any("job 'api': mode:" in p for p in problems)
    assert any("job 'cli': max-tokens:" in p for p in problems)
    assert all(str(tmp_path / ".codedoc.yml") in p for p in problems)


def test_config_all_shape_problems_at_once(tmp_path: Path) -> None:
    text = (
        "extra: 1\n"
        "defaults:\n  api-key: x\n"
        "jobs:\n  - name: a\n    colour: red\n  - name: a\n"
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) == 4


def test_config_job_filter_unknown(tmp_path: Path) -> None:
    config = load_config_file(write(tmp_path, VALID))
    with pytest.raises(SettingsError) as caught:
        job_settings(config, {}, only="web")
    assert "'web' not found" in caught.value.problems[0]
    assert "api, cli" in caught.value.problems[0]


def test_config_precedence_job_over_flag(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    _, jobs = load_settings({"config": path, "model": "flag-model"}, {})
    assert jobs[0].settings.model == "api-model"
    assert jobs[1].settings.model == "flag-model"


def test_config_precedence_env_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    env = {"CODEDOC_CONFIG": path, "CODEDOC_MAX_FILES": "3"}
    _, jobs = load_settings({}, env)
    assert jobs[1].settings.max_files == 3


def test_config_precedence_flag_over_env(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    env = {"CODEDOC_CONFIG": path, "CODEDOC_MODEL": "env-model"}
    _, jobs = load_settings({"model": "flag-model"}, env)
    assert jobs[1].settings.model == "flag-model"
    _, jobs = load_settings({}, env)
    assert jobs[1].settings.model == "env-model"


def test_config_defaults_apply_without_flags(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    _, jobs = load_settings({"config": path}, {})
    assert jobs[1].settings.model == "default-model"


def test_config_only_defaults_give_single_run(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults:\n  max-files: 4\n")
    settings, jobs = load_settings({"config": path}, {})
    assert jobs == []
    assert settings.max_files == 4


def test_config_github_action_input_env(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    env = {"INPUT_CONFIG": path, "INPUT_MAX-FILES": "7"}
    _, jobs = load_settings({}, env)
    assert jobs[1].settings.max_files == 7


def test_config_run_one_job(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    settings, jobs = load_settings({"config": path}, {}, job="cli")
    assert [job.name for job in jobs] == ["cli"]
    assert settings.paths == ["src/cli/**", "docs/cli/**"]
