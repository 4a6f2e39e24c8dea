from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.ai.budget import Budget
from codedoc_action.ai.select import (
    PickedFile,
    build_selection_request,
    select_files,
    validate_picks,
)
from codedoc_action.changes.model import ChangedFile
from codedoc_action.repomap import RepoMap, build_repo_map
from codedoc_action.usage import UsageLedger
from tests.ai.fakes import FakeProvider
from tests.ai.repo import commit, init_repo

FILES = {
    "src/app/main.py": "def main() -> None:\n    pass\n",
    "src/app/util.py": "def helper() -> int:\n    return 1\n",
    "src/other/util.py": "def other() -> int:\n    return 2\n",
    "docs/index.md": "# Docs\n",
    "config/.env": "TOKEN=x\n",
}
CHANGES = [ChangedFile("src/app/util.py", "modified", added_lines=3, removed_lines=1)]


@pytest.fixture
def repo_map(tmp_path: Path) -> RepoMap:
    root = init_repo(tmp_path / "repo")
    head = commit(root, FILES)
    return build_repo_map(root, head)


def test_validate_picks_drops_missing(repo_map: RepoMap) -> None:
    warnings: list[str] = []
    raw = [PickedFile(path="src/app/nope.py"), PickedFile(path="src/app/main.py")]

    picks = validate_picks(raw, repo_map, CHANGES, 10, warnings)

    assert [pick.path for pick in picks] == ["src/app/main.py"]
    assert len(warnings) == 1
    assert "src/app/nope.py" in warnings[0]


def test_validate_picks_orders_changed_first(repo_map: RepoMap) -> None:
    raw = [
        PickedFile(path="src/app/main.py", reason="entry"),
        PickedFile(path="src/app/util.py", reason="changed"),
    ]

    picks = validate_picks(raw, repo_map, CHANGES, 10, [])

    assert [pick.path for pick in picks] == ["src/app/util.py", "src/app/main.py"]
    assert picks[0].changed is True
    assert picks[1].changed is False
    assert picks[1].reason == "entry"


def test_validate_picks_resolves_unique_suffix(repo_map: RepoMap) -> None:
    warnings: list[str] = []
    raw = [
        PickedFile(path="./app/main.py"),
        PickedFile(path="util.py"),
        PickedFile(path="`docs/index.md`"),
    ]

    picks = validate_picks(raw, repo_map, CHANGES, 10, warnings)

    assert [pick.path for pick in picks] == ["src/app/main.py", "docs/index.md"]
    assert any("'util.py'" in warning for warning in warnings)


def test_validate_picks_rejects_secret_and_outside(repo_map: RepoMap) -> None:
    warnings: list[str] = []
    raw = [
        PickedFile(path="config/.env"),
        PickedFile(path="../../etc/passwd"),
        PickedFile(path="/etc/passwd"),
    ]

    picks = validate_picks(raw, repo_map, CHANGES, 10, warnings)

    assert picks == []
    assert len(warnings) == 3


def test_validate_picks_caps_and_dedupes(repo_map: RepoMap) -> None:
    warnings: list[str] = []
    raw = [PickedFile(path=path) for path in FILES if not path.endswith(".env")]
    raw.append(PickedFile(path="src/app/main.py"))

    picks = validate_picks(raw, repo_map, CHANGES, 2, warnings)

    assert len(picks) == 2
    assert picks[0].path == "src/app/util.py"
    assert any("max-files" in warning for warning in warnings)


def test_build_selection_request_contents(repo_map: RepoMap) -> None:
    request = build_selection_request(
        model="fake-small",
        repository_map=repo_map.render(2_000),
        changes=CHANGES,
        current_section="## Usage\n\ntext\n### Details\n",
        instructions="Focus on the CLI.",
        max_files=5,
        change_list_tokens=500,
        max_output_tokens=500,
    )

    task = request.messages[-1].text
    assert request.stage == "select"
    assert request.json_schema is not None
    assert "M src/app/util.py (+3 -1)" in task
    assert "## Usage\n### Details" in task
    assert "Focus on the CLI." in task
    assert "at most 5 files" in task


def test_select_files_invalid_answer_falls_back(repo_map: RepoMap) -> None:
    def broken(request: object) -> tuple[str, None]:
        return "I think you should read main.py", None

    provider = FakeProvider(responder=broken)
    request = build_selection_request(
        model="fake-small",
        repository_map=repo_map.render(2_000),
        changes=CHANGES,
        current_section="",
        instructions="",
        max_files=5,
        change_list_tokens=500,
        max_output_tokens=500,
    )

    outcome = select_files(
        provider,
        request,
        repo_map=repo_map,
        changes=CHANGES,
        max_files=5,
        ledger=UsageLedger(),
        budget=Budget(),
    )

    assert [pick.path for pick in outcome.picks] == ["src/app/util.py"]
    assert any("not valid JSON" in warning for warning in outcome.warnings)


def test_select_files_reads_fenced_json_text(repo_map: RepoMap) -> None:
    def fenced(request: object) -> tuple[str, None]:
        return (
            '```json\n{"files": [{"path": "src/app/main.py", "reason": "r"}]}\n```',
            None,
        )

    provider = FakeProvider(responder=fenced)
    request = build_selection_request(
        model="fake-small",
        repository_map=repo_map.render(2_000),
        changes=CHANGES,
        current_section="",
        instructions="",
        max_files=5,
        change_list_tokens=500,
        max_output_tokens=500,
    )

    outcome = select_files(
        provider,
        request,
        repo_map=repo_map,
        changes=CHANGES,
        max_files=5,
        ledger=UsageLedger(),
        budget=Budget(),
    )

    assert [pick.path for pick in outcome.picks] == ["src/app/main.py"]
    assert outcome.warnings == ()
