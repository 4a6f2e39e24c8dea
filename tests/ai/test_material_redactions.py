"""Redaction counts over the material of one run."""

from __future__ import annotations

from pathlib import Path

from codedoc_action.ai.limits import Limits
from codedoc_action.ai.material import (
    Pick,
    build_items,
    prepare_diffs,
    relevant_changes,
    render_change_list,
)
from codedoc_action.repomap import build_repo_map
from tests.ai.repo import change_set, commit, init_repo

SECRET = "Rm0vedTokenValue8812XQ"


def test_build_items_counts_secret_once(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    base = commit(root, {"app.ini": "[auth]\nuser = app\n"})
    head = commit(
        root, {"app.ini": f"[auth]\nuser = app\napi_token = {SECRET}\n# {SECRET}\n"}
    )
    changes = change_set(root, base, head)
    repo_map = build_repo_map(root, head)
    relevant = relevant_changes(changes)

    diffs, redactions = prepare_diffs(repo_map, relevant, base, "update", Limits())
    picks = (Pick("app.ini", "changed", True),)
    items = build_items(repo_map, picks, diffs, "update", Limits(), redactions)

    assert [item.kind for item in items] == ["removed", "file"]
    assert all(SECRET not in item.text for item in [*diffs, *items])
    assert redactions == {"secret-assignment": 1}


def test_secret_file_name_left_out_everywhere(tmp_path: Path) -> None:
    name = "keys/AKIAFILENAME00000001.txt"
    root = init_repo(tmp_path / "repo")
    base = commit(root, {"README.md": "hello\n"})
    head = commit(root, {name: "not a key\n", "src/app.py": "x = 1\n"})
    changes = change_set(root, base, head)
    repo_map = build_repo_map(root, head)
    relevant = relevant_changes(changes)

    diffs, _ = prepare_diffs(repo_map, relevant, base, "update", Limits())

    assert [changed.path for changed in relevant] == ["src/app.py"]
    assert "AKIAFILENAME00000001" not in render_change_list(relevant, 1_000)
    assert all("AKIAFILENAME00000001" not in item.text for item in diffs)
    assert all(item.path != name for item in diffs)
