from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from codedoc_action.ai.pipeline import GenerationInput
from codedoc_action.changes.model import ChangeSet
from tests.ai.repo import change_set, commit, init_repo

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "Zq8vR2mN5tY7wX1cB4nM6kL9pJ3hG0fD2sA1"
DB_PASSWORD = "s3cr3t-Pa55w0rd-xyz"
PRIVATE_KEY_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
API_TOKEN = "Qm9vbGVhbkZsYWdzQXJlTm90U2VjcmV0cw9x"
SECRETS = (AWS_KEY, GITHUB_TOKEN, DB_PASSWORD, PRIVATE_KEY_BODY, API_TOKEN)

BASE_FILES = {
    "README.md": "# Inventory service\n\nTracks stock levels.\n",
    "inventory/__init__.py": "",
    "inventory/store.py": (
        "class StockStore:\n"
        "    def reserve(self, sku: str, count: int) -> bool:\n"
        "        return count > 0\n"
    ),
    "inventory/api.py": (
        "from inventory.store import StockStore\n\n"
        "def create_app(store: StockStore) -> object:\n"
        "    return object()\n"
    ),
    "web/client.ts": "export function fetchStock(sku: string): number { return 1 }\n",
    "tools/report.go": 'package tools\n\nfunc BuildReport() string { return "" }\n',
}
HEAD_CHANGES = {
    "inventory/store.py": (
        "class StockStore:\n"
        "    def reserve(self, sku: str, count: int) -> bool:\n"
        "        return count > 0\n\n"
        "    def release(self, sku: str) -> None:\n"
        "        pass\n"
    ),
    "inventory/settings.py": (
        f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
        f'GITHUB_TOKEN = "{GITHUB_TOKEN}"\n'
        f'DATABASE_URL = "postgresql://inventory:{DB_PASSWORD}@db.internal:5432/stock"\n'
        f'api_token = "{API_TOKEN}"\n'
        'SIGNING_KEY = """-----BEGIN RSA PRIVATE KEY-----\n'
        f"{PRIVATE_KEY_BODY}\n"
        '-----END RSA PRIVATE KEY-----"""\n\n'
        "def load_settings() -> dict[str, str]:\n"
        "    return {}\n"
    ),
    ".env": f"AWS_SECRET={AWS_KEY}\n",
    "deploy/server.pem": (
        f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY_BODY}\n-----END PRIVATE KEY-----\n"
    ),
}
SECTION = (
    "## Overview\n\nThe `StockStore` keeps stock.\n\n"
    "## API\n\nSee `inventory/api.py`.\n"
)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, str, str]:
    root = init_repo(tmp_path / "repo")
    base = commit(root, BASE_FILES, "base")
    head = commit(root, HEAD_CHANGES, "head")
    return root, base, head


def make_input(root: Path, changes: ChangeSet, **overrides: object) -> GenerationInput:
    inputs = GenerationInput(
        repo_root=root,
        head=changes.range.head,
        changes=changes,
        current_section=SECTION,
        page_title="Inventory",
        mode="update",
        instructions="",
        language="",
        max_files=10,
        model="fake-model",
        selection_model="fake-small",
        strict=False,
        source_link_template=None,
    )
    return replace(inputs, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def project_input(project: tuple[Path, str, str]) -> GenerationInput:
    root, base, head = project
    return make_input(root, change_set(root, base, head))
