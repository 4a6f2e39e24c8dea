"""The GitLab CI/CD component, run by gitlab-ci-local in a real pipeline.

Each test builds a git repository whose .gitlab-ci.yml includes
templates/codedoc.yml with ``include: local``, and runs it with
gitlab-ci-local 4.60.1 and the shell executor, with codedoc installed from
this checkout into a virtual environment on PATH. The provider is offline,
and every GitLab URL points at 127.0.0.1.

Set CODEDOC_GITLAB_TESTS=1 to run them; .ci/steps/40-gitlab.sh installs
gitlab-ci-local and rsync first.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from tests.fakes.gitlab_api import FakeGitLab
from tests.gitrepo import commit_files, git, init_repo

pytestmark = pytest.mark.skipif(
    os.environ.get("CODEDOC_GITLAB_TESTS") != "1",
    reason="set CODEDOC_GITLAB_TESTS=1 to run the component under gitlab-ci-local",
)

ROOT = Path(__file__).resolve().parents[2]
COMPONENT = ROOT / "templates" / "codedoc.yml"
# The child pipeline as docs/gitlab.md shows it. The job's own rules (the
# component's) would win over the extended ones, hence the !reference.
CHILD_JOB = """\
codedoc:
  extends: .codedoc-matrix
  rules: !reference [.codedoc-matrix, rules]
"""
CONFIG = """\
jobs:
  - name: api
    paths: ["src/api/**"]
  - name: cli
    paths: ["src/cli/**"]
"""


@pytest.fixture(scope="module")
def codedoc_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the bin folder of a virtual environment with codedoc installed.

    The package comes from this checkout. Its dependencies come from the
    running interpreter's site-packages through a .pth file, so pip downloads
    only its build backend.
    """
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    purelib = subprocess.run(
        [
            str(folder / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    paths = "\n".join(site.getsitepackages())
    (Path(purelib) / "codedoc-deps.pth").write_text(paths + "\n", encoding="utf-8")
    subprocess.run(
        [str(folder / "bin" / "pip"), "install", "--quiet", "--no-deps", str(ROOT)],
        check=True,
    )
    return folder / "bin"


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    server = FakeGitLab(page_cap=2)
    server.start()
    yield server
    server.stop()


def make_repo(path: Path, pipeline: str) -> tuple[Path, str, str]:
    """Create a repository with the component; return it and its two commits."""
    repo = init_repo(path)
    (repo / "templates").mkdir()
    shutil.copy(COMPONENT, repo / "templates" / "codedoc.yml")
    first = commit_files(
        repo,
        {
            ".codedoc.yml": CONFIG,
            ".gitlab-ci.yml": pipeline,
            "src/api/client.py": "def fetch():\n    return 1\n",
            "src/cli/main.py": "def main():\n    return 0\n",
        },
        "first",
    )
    second = commit_files(
        repo, {"src/api/client.py": "def fetch(retries=3):\n    return 1\n"}, "second"
    )
    return repo, first, second


def run_pipeline(
    repo: Path,
    codedoc_bin: Path,
    api_url: str,
    variables: Mapping[str, str] = (),  # type: ignore[assignment]
    jobs: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run gitlab-ci-local in ``repo``; return the finished process."""
    # gitlab-ci-local gives jobs with an image CI_PROJECT_DIR=/builds/...,
    # even under the shell executor, where the job really runs in --cwd.
    # GitLab itself starts the script in CI_PROJECT_DIR, so set it to match.
    ci_variables = {
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(repo),
        "CI_SERVER_URL": api_url.removesuffix("/api/v4"),
        "CI_API_V4_URL": api_url,
        "CI_PROJECT_ID": "42",
        **dict(variables),
    }
    command = [
        "gitlab-ci-local",
        "--home",
        str(repo.parent / "gcl-home"),
        "--shell-executor-no-image",
        "--force-shell-executor",
        "--no-color",
    ]
    for name, value in ci_variables.items():
        command.extend(["--variable", f"{name}={value}"])
    command.extend(jobs)
    environment = dict(os.environ)
    environment["PATH"] = f"{codedoc_bin}{os.pathsep}{environment['PATH']}"
    return subprocess.run(
        command,
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def artifacts(repo: Path, job: str) -> Path:
    return repo / ".gitlab-ci-local" / "artifacts" / job / "codedoc-report"


def dotenv(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text("utf-8").splitlines())
    return {key: value for key, value in pairs}


def include(**inputs: object) -> str:
    return yaml.safe_dump(
        {"include": [{"local": "templates/codedoc.yml", "inputs": inputs}]},
        sort_keys=False,
    )


def child_pipeline(**inputs: object) -> str:
    """Return a child pipeline: the component, the plan's matrix, the job."""
    included = yaml.safe_load(include(**{"dry-run": True, **inputs}))
    included["include"].append({"local": "codedoc-matrix.yml"})
    return yaml.safe_dump(included, sort_keys=False) + CHILD_JOB


def test_component_plan_writes_matrix_and_dotenv(
    tmp_path: Path, codedoc_bin: Path, fake_gitlab: FakeGitLab
) -> None:
    pipeline = include(provider="offline", command="plan", config=".codedoc.yml")
    repo, first, _ = make_repo(tmp_path / "repo", pipeline)
    result = run_pipeline(
        repo,
        codedoc_bin,
        fake_gitlab.api_url,
        {"CI_COMMIT_BEFORE_SHA": first},
        ("codedoc",),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = artifacts(repo, "codedoc")
    matrix = yaml.safe_load((report / "codedoc-matrix.yml").read_text("utf-8"))
    hidden = matrix[".codedoc-matrix"]
    assert hidden["parallel"] == {"matrix": [{"CODEDOC_JOB": ["api"]}]}
    values = dotenv(report / "codedoc.env")
    assert json.loads(values["CODEDOC_MATRIX"]) == {"include": [{"job": "api"}]}
    assert values["CODEDOC_COUNT"] == "1"
    assert fake_gitlab.requests == []


def test_component_run_offline_dry_run(
    tmp_path: Path, codedoc_bin: Path, fake_gitlab: FakeGitLab
) -> None:
    pipeline = include(
        provider="offline",
        **{"dry-run": True},
        instructions="Audience: operators; keep it 'short'",
    )
    repo, first, _ = make_repo(tmp_path / "repo", pipeline)
    result = run_pipeline(
        repo,
        codedoc_bin,
        fake_gitlab.api_url,
        {"CI_COMMIT_BEFORE_SHA": first},
        ("codedoc",),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = artifacts(repo, "codedoc")
    assert (report / "summary.md").is_file()
    values = dotenv(report / "codedoc.env")
    assert values["CODEDOC_UPDATED"] == "false"
    assert values["CODEDOC_TOTAL_TOKENS"] == "0"
    assert list(report.glob("*.md"))
    assert fake_gitlab.requests == []


def test_component_fan_out_child_pipeline(
    tmp_path: Path, codedoc_bin: Path, fake_gitlab: FakeGitLab
) -> None:
    plan = include(provider="offline", command="plan", config=".codedoc.yml")
    repo, first, _ = make_repo(tmp_path / "repo", plan)
    variables = {"CI_COMMIT_BEFORE_SHA": first}
    planned = run_pipeline(repo, codedoc_bin, fake_gitlab.api_url, variables)
    assert planned.returncode == 0, planned.stdout + planned.stderr

    # The child pipeline: the component once more, extended by the matrix.
    shutil.copy(
        artifacts(repo, "codedoc") / "codedoc-matrix.yml", repo / "codedoc-matrix.yml"
    )
    child = child_pipeline(provider="offline", config=".codedoc.yml")
    (repo / ".gitlab-ci.yml").write_text(child, encoding="utf-8")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "child pipeline")
    shutil.rmtree(repo / ".gitlab-ci-local")
    result = run_pipeline(repo, codedoc_bin, fake_gitlab.api_url, variables)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "codedoc: [api]" in result.stdout
    assert "codedoc: [cli]" not in result.stdout
    assert "PASS  codedoc: [api]" in result.stdout


def test_component_empty_plan_child_pipeline(
    tmp_path: Path, codedoc_bin: Path, fake_gitlab: FakeGitLab
) -> None:
    from codedoc_action.plan import write_gitlab_matrix

    repo, _, _ = make_repo(tmp_path / "repo", "")
    write_gitlab_matrix(repo, [])
    child = child_pipeline(provider="offline")
    (repo / ".gitlab-ci.yml").write_text(child, encoding="utf-8")
    result = run_pipeline(repo, codedoc_bin, fake_gitlab.api_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  codedoc-nothing-to-document" in result.stdout
    assert "codedoc starting" not in result.stdout


def test_component_merge_request_note(
    tmp_path: Path, codedoc_bin: Path, fake_gitlab: FakeGitLab
) -> None:
    pipeline = include(provider="offline", comment=True)
    repo, first, second = make_repo(tmp_path / "repo", pipeline)
    fake_gitlab.add_note(5, "first remark")
    fake_gitlab.add_note(5, "second remark")
    fake_gitlab.add_note(5, "third remark")
    variables = {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "5",
        "CI_MERGE_REQUEST_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": first,
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": second,
        "CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.example/group/project",
        "CODEDOC_GITHUB_TOKEN": "good-token",
    }
    for _ in range(2):
        result = run_pipeline(
            repo, codedoc_bin, fake_gitlab.api_url, variables, ("codedoc",)
        )
        assert result.returncode == 0, result.stdout + result.stderr
    notes = fake_gitlab.notes[5]
    assert len(notes) == 4
    assert notes[3].body.startswith("<!-- codedoc:")
    assert "good-token" not in result.stdout
