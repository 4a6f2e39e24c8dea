"""Redaction counts and removed secrets over a whole AI run."""

from __future__ import annotations

from pathlib import Path

from codedoc_action.ai.budget import Budget
from codedoc_action.ai.pipeline import generate
from codedoc_action.usage import UsageLedger
from tests.ai.conftest import BASE_FILES, HEAD_CHANGES, make_input
from tests.ai.fakes import FakeProvider, request_text
from tests.ai.repo import change_set, commit, init_repo

REMOVED_TOKEN = "Rm0vedTokenValue8812XQ"
KEY_FILE = "keys/AKIAFILENAME00000001.txt"


def test_generate_counts_each_secret_once(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    base_files = {
        **BASE_FILES,
        "config/legacy.ini": f"[auth]\nuser = app\napi_token = {REMOVED_TOKEN}\n",
    }
    base = commit(root, base_files, "base")
    head_files = {
        **HEAD_CHANGES,
        "config/legacy.ini": "[auth]\nuser = app\n",
        KEY_FILE: "rotated\n",
    }
    head = commit(root, head_files, "head")
    inputs = make_input(root, change_set(root, base, head))
    provider = FakeProvider()

    result = generate(provider, inputs, UsageLedger(), Budget())

    texts = [request_text(request) for request in provider.requests]
    assert all(REMOVED_TOKEN not in text for text in texts)
    assert all("AKIAFILENAME00000001" not in text for text in texts)
    # settings.py contains one AWS key, and the key file's name is a second one.
    assert result.redactions["aws-key"] == 2
    assert result.redactions["github-token"] == 1
    assert result.redactions["connection-password"] == 1
    assert result.redactions["private-key"] == 1
    # api_token in settings.py, and the removed api_token line of legacy.ini.
    assert result.redactions["secret-assignment"] == 2
