"""codedoc plan: the matrix of config jobs whose paths the range changes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from codedoc_action.changes.model import ChangedFile, ChangeSet, CommitRange
from codedoc_action.changes.range import NothingToDo
from codedoc_action.ci.platform import GitHubPlatform, GitLabPlatform, Platform
from codedoc_action.config import Job, job_settings
from codedoc_action.errors import SettingsError
from codedoc_action.main import main
from codedoc_action.plan import gitlab_matrix, run_plan, select_jobs
from codedoc_action.settings import build_settings
from tests.gitrepo import commit_files, init_repo

CONFIG = """\
jobs:
  - name: api
    paths: ["src/api/**"]
  - name: cli
    paths: ["src/cli/**"]
  - name: overview
  - name: rest
    paths: ["src/**"]
    exclude: ["src/api/**"]
"""


def config_jobs() -> list[Job]:
    return job_settings(yaml.safe_load(CONFIG), {})


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository whose second commit changes only src/api."""
    path = init_repo(tmp_path / "repo")
    first = commit_files(
        path,
        {"src/api/client.py": "x = 1\n", "src/cli/main.py": "y = 1\n", "README": "r\n"},
    )
    second = commit_files(path, {"src/api/client.py": "x = 2\n"})
    return path, first, second


def github_env(tmp_path: Path, repo: Path, before: str, after: str) -> dict[str, str]:
    payload = {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "repository": {"default_branch": "main", "full_name": "octo/repo"},
    }
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": after,
        "GITHUB_REPOSITORY": "octo/repo",
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        # Keeps the API fallback on loopback should the range ever need it.
        "GITHUB_API_URL": "http://127.0.0.1:9",
    }


def gitlab_env(tmp_path: Path, repo: Path, before: str, after: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_BEFORE_SHA": before,
        "CI_COMMIT_SHA": after,
        "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main",
        "CI_PROJECT_DIR": str(repo),
        "CODEDOC_OUTPUT_DIR": str(tmp_path / "report"),
        "CI_SERVER_URL": "http://127.0.0.1:9",
        "CI_PROJECT_ID": "42",
    }


def last_line(stream: io.StringIO) -> object:
    return json.loads(stream.getvalue().strip().splitlines()[-1])


def test_run_plan_github_matrix_and_output(
    tmp_path: Path, repo: tuple[Path, str, str]
) -> None:
    path, first, second = repo
    env = github_env(tmp_path, path, first, second)
    stream = io.StringIO()
    platform = GitHubPlatform(env=env, stream=stream)
    jobs = config_jobs()
    assert run_plan(jobs[0].settings, jobs, platform, env) == 0
    expected = {"include": [{"job": "api"}, {"job": "overview"}]}
    assert last_line(stream) == expected
    outputs = Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines()
    assert f"matrix={json.dumps(expected, separators=(',', ':'))}" in outputs
    assert "count=2" in outputs
    assert 'jobs=["api", "overview"]' in outputs


def test_run_plan_gitlab_writes_parallel_matrix(
    tmp_path: Path, repo: tuple[Path, str, str]
) -> None:
    path, first, second = repo
    env = gitlab_env(tmp_path, path, first, second)
    stream = io.StringIO()
    platform = GitLabPlatform(env=env, stream=stream)
    jobs = config_jobs()
    run_plan(jobs[0].settings, jobs, platform, env)
    report = tmp_path / "report"
    fragment = yaml.safe_load((report / "codedoc-matrix.yml").read_text("utf-8"))
    hidden = fragment[".codedoc-matrix"]
    assert hidden["parallel"] == {"matrix": [{"CODEDOC_JOB": ["api", "overview"]}]}
    assert hidden["rules"] == [{"when": "on_success"}]
    dotenv = (report / "codedoc.env").read_text(encoding="utf-8")
    assert "CODEDOC_COUNT=2" in dotenv
    assert json.loads((report / "plan.json").read_text("utf-8")) == last_line(stream)


def test_run_plan_whole_tree_on_first_commit(tmp_path: Path) -> None:
    path = init_repo(tmp_path / "repo")
    only = commit_files(path, {"src/cli/main.py": "y = 1\n"})
    env = github_env(tmp_path, path, "0" * 40, only)
    stream = io.StringIO()
    jobs = config_jobs()
    run_plan(jobs[0].settings, jobs, GitHubPlatform(env=env, stream=stream), env)
    names = [entry["job"] for entry in last_line(stream)["include"]]  # type: ignore[index]
    assert names == ["cli", "overview", "rest"]


def test_run_plan_tag_push_plans_nothing(
    tmp_path: Path, repo: tuple[Path, str, str]
) -> None:
    path, first, second = repo
    env = gitlab_env(tmp_path, path, first, second)
    env["CI_COMMIT_TAG"] = "v1.0"
    stream = io.StringIO()
    jobs = config_jobs()
    run_plan(jobs[0].settings, jobs, GitLabPlatform(env=env, stream=stream), env)
    assert last_line(stream) == {"include": []}
    text = (tmp_path / "report" / "codedoc-matrix.yml").read_text("utf-8")
    fragment = yaml.safe_load(text)
    assert fragment[".codedoc-matrix"] == {"rules": [{"when": "never"}]}
    assert "codedoc-nothing-to-document" in fragment


def test_run_plan_without_jobs_is_settings_error(tmp_path: Path) -> None:
    platform = Platform(env={"CODEDOC_OUTPUT_DIR": str(tmp_path)})
    with pytest.raises(SettingsError) as caught:
        run_plan(build_settings({}), [], platform, {})
    assert "config" in caught.value.problems[0]


def _changes(*files: ChangedFile, truncated: bool = False) -> ChangeSet:
    return ChangeSet(
        range=CommitRange("a" * 40, "b" * 40, "test"),
        files=tuple(files),
        truncated=truncated,
    )


def test_select_jobs_rename_matches_old_path() -> None:
    moved = ChangedFile("lib/client.py", "renamed", old_path="src/api/client.py")
    names = [job.name for job in select_jobs(config_jobs(), _changes(moved))]
    assert "api" in names
    assert "cli" not in names


def test_select_jobs_exclude_stops_match() -> None:
    change = ChangedFile("src/api/client.py", "modified")
    names = [job.name for job in select_jobs(config_jobs(), _changes(change))]
    assert "rest" not in names


def test_select_jobs_truncated_listing_plans_all() -> None:
    change = ChangedFile("README", "modified")
    selected = select_jobs(config_jobs(), _changes(change, truncated=True))
    assert len(selected) == 4


def test_select_jobs_nothing_to_do() -> None:
    assert select_jobs(config_jobs(), NothingToDo("tag push")) == []


def test_select_jobs_no_changes_keeps_jobs_without_paths() -> None:
    names = [job.name for job in select_jobs(config_jobs(), _changes())]
    assert names == ["overview"]


def test_gitlab_matrix_lists_names() -> None:
    hidden = gitlab_matrix(["a", "b"])[".codedoc-matrix"]
    assert hidden == {
        "parallel": {"matrix": [{"CODEDOC_JOB": ["a", "b"]}]},
        "rules": [{"when": "on_success"}],
    }


def test_plan_command_end_to_end(tmp_path: Path, repo: tuple[Path, str, str]) -> None:
    path, first, second = repo
    (tmp_path / "codedoc.yml").write_text(CONFIG, encoding="utf-8")
    env = github_env(tmp_path, path, first, second)
    stream = io.StringIO()
    code = main(["plan", "--config", str(tmp_path / "codedoc.yml")], env, stream)
    assert code == 0
    assert last_line(stream) == {"include": [{"job": "api"}, {"job": "overview"}]}
