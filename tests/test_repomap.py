from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from codedoc_action import repomap
from codedoc_action.ai.tokens import estimate_tokens
from codedoc_action.errors import GitError
from codedoc_action.repomap import (
    SymbolCache,
    build_repo_map,
    format_size,
    list_tree,
    read_blobs,
)
from codedoc_action.symbols import extract_symbols
from tests.ai.repo import commit, init_repo, synthetic_tree

SOURCES = {
    "app/main.py": (
        "import os\n\nLIMIT = 3\n\nclass Server(Base):\n    def start(self): ...\n"
        "    def _hidden(self): ...\n\nasync def serve(port: int) -> None:\n    pass\n"
    ),
    "web/ui.ts": (
        "export function render(x: number): string { return '' }\n"
        "export interface Props { a: number }\nexport const VERSION = '1';\n"
        "type Alias = string;\nexport default class Widget {}\n"
    ),
    "web/old.js": "function legacy() {}\nclass Thing {}\n",
    "svc/handler.go": (
        "package svc\n\nfunc Handle() error { return nil }\n"
        "type Request struct{}\nfunc (r *Request) Validate() bool { return true }\n"
    ),
    "core/lib.rs": "pub fn parse() {}\npub struct Parser;\npub trait Visit {}\n",
    "core/App.java": "package core;\npublic class App {\n  public void run() {}\n}\n",
    "lib/tool.rb": "module Tools\nend\nclass Runner\nend\n",
    "docs/guide.md": "# Guide\n\n## Install\n\ntext\n\n### Deep\n",
    "data/blob.bin": "\0\1\2binary",
}


@pytest.fixture
def small_repo(tmp_path: Path) -> tuple[Path, str]:
    root = init_repo(tmp_path / "repo")
    head = commit(root, SOURCES, "init")
    return root, head


def names(path: str) -> list[str]:
    return [symbol.name for symbol in extract_symbols(path, SOURCES[path].encode())]


def test_extract_symbols_python() -> None:
    symbols = extract_symbols("app/main.py", SOURCES["app/main.py"].encode())

    assert [s.name for s in symbols] == ["LIMIT", "Server", "serve"]
    server = symbols[1]
    assert server.kind == "class"
    assert "start" in server.signature
    assert "_hidden" not in server.signature
    assert symbols[2].signature.startswith("async def serve(port: int)")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("web/ui.ts", ["render", "Props", "VERSION", "Alias", "Widget"]),
        ("web/old.js", ["legacy", "Thing"]),
        ("svc/handler.go", ["Handle", "Request", "Validate"]),
        ("core/lib.rs", ["parse", "Parser", "Visit"]),
        ("core/App.java", ["App"]),
        ("lib/tool.rb", ["Tools", "Runner"]),
        ("docs/guide.md", ["Guide", "Install"]),
    ],
)
def test_extract_symbols_languages(path: str, expected: list[str]) -> None:
    assert names(path) == expected


def test_extract_symbols_syntax_error_falls_back() -> None:
    source = b"def ok():\n    pass\nclass Broken(:\n"

    assert [s.name for s in extract_symbols("x.py", source)] == ["ok", "Broken"]


def test_list_tree_sizes_and_blobs(small_repo: tuple[Path, str]) -> None:
    root, head = small_repo

    entries = {entry.path: entry for entry in list_tree(root, head)}

    assert set(entries) == set(SOURCES)
    assert entries["web/old.js"].size == len(SOURCES["web/old.js"])
    assert len(entries["web/old.js"].blob) == 40


def test_list_tree_unknown_commit(small_repo: tuple[Path, str]) -> None:
    root, _ = small_repo

    with pytest.raises(GitError, match="ls-tree"):
        list_tree(root, "0" * 40)


def test_read_blobs_returns_exact_bytes(small_repo: tuple[Path, str]) -> None:
    root, head = small_repo
    entries = {entry.path: entry for entry in list_tree(root, head)}
    blobs = [entries["data/blob.bin"].blob, entries["app/main.py"].blob]

    contents = read_blobs(root, [*blobs, "f" * 40])

    assert contents[blobs[0]] == b"\0\1\2binary"
    assert contents[blobs[1]] == SOURCES["app/main.py"].encode()
    assert "f" * 40 not in contents


def test_render_small_repo_lists_all(small_repo: tuple[Path, str]) -> None:
    root, head = small_repo
    repo_map = build_repo_map(root, head)

    text = repo_map.render(4_000)

    assert "app/\n  main.py" in text
    size = len(SOURCES["app/main.py"])
    assert f"main.py {size}: LIMIT, Server, serve" in text
    assert "handler.go" in text
    assert "Handle, Request, Validate" in text
    assert "blob.bin 9" in text
    assert estimate_tokens(text) <= 4_000


def test_render_reads_each_blob_once(
    small_repo: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, head = small_repo
    cache_path = tmp_path / "symbols.json"
    cache = SymbolCache(cache_path)
    build_repo_map(root, head, cache).render(4_000)
    cache.save()
    reads: list[str] = []

    def counting_read(repo_root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
        wanted = list(blobs)
        reads.extend(wanted)
        return read_blobs(repo_root, wanted)

    monkeypatch.setattr(repomap, "read_blobs", counting_read)
    repo_map = build_repo_map(root, head, SymbolCache(cache_path))

    text = repo_map.render(4_000)

    assert reads == []
    assert "LIMIT, Server, serve" in text


def test_render_large_tree_fits_budget(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "big")
    paths = [
        f"pkg{a}/sub{b}/mod{c}.py"
        for a in range(20)
        for b in range(10)
        for c in range(25)
    ]
    paths.append("pkg7/sub3/changed_target.py")
    head = synthetic_tree(
        root, paths, ["def f():\n    pass\n", "class K:\n    x = 1\n"]
    )
    repo_map = build_repo_map(root, head)

    for budget in (300, 1_000, 4_000, 12_000):
        text = repo_map.render(budget, focus=["pkg7/sub3/changed_target.py"])
        assert estimate_tokens(text) <= budget
        if budget >= 1_000:
            assert "changed_target.py" in text
    text = repo_map.render(1_000, focus=["pkg7/sub3/changed_target.py"])
    assert "pkg0/ [250 files" in text
    assert "pkg7/sub3/\n" in text


def test_render_flat_directory_truncated(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "flat")
    paths = [f"file_{n:05}.txt" for n in range(3_000)]
    head = synthetic_tree(root, paths, ["x\n"])
    repo_map = build_repo_map(root, head)

    text = repo_map.render(500, focus=["file_02999.txt"])

    assert "file_02999.txt" in text
    assert "more files" in text
    assert estimate_tokens(text) <= 600


def test_repo_map_exists(small_repo: tuple[Path, str]) -> None:
    root, head = small_repo
    repo_map = build_repo_map(root, head)

    assert repo_map.exists("app/main.py")
    assert repo_map.exists("app")
    assert repo_map.exists("web/")
    assert not repo_map.exists("app/missing.py")
    assert repo_map.has_file_name("handler.go")
    assert not repo_map.has_file_name("nothing.go")


def test_read_text_skips_binary_and_secret(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    head = commit(root, {"a.py": "x = 1\n", "b.bin": "\0\0", ".env": "K=v\n"})
    repo_map = build_repo_map(root, head)

    texts = repo_map.read_text(["a.py", "b.bin", ".env", "missing.py"])

    assert texts == {"a.py": "x = 1\n"}


def test_format_size_units() -> None:
    assert format_size(512) == "512"
    assert format_size(2048) == "2.0K"
    assert format_size(3 * 1024 * 1024) == "3.0M"


def test_extract_symbols_large_python_file() -> None:
    body = "".join(
        f"def function_{n}(value):\n    return value\n\n" for n in range(3_000)
    )
    source = f"class Big:\n    def method(self): ...\n\n{body}".encode()

    symbols = extract_symbols("big.py", source)

    assert len(source) > 64_000
    assert [s.name for s in symbols[:3]] == ["Big", "function_0", "function_1"]
    assert "method" not in [s.name for s in symbols]
    assert len(symbols) == 40


def test_extract_symbols_without_tree_sitter(monkeypatch: pytest.MonkeyPatch) -> None:
    from codedoc_action import symbols as symbols_module

    monkeypatch.setattr(symbols_module, "_parser", lambda suffix: None)

    assert names("svc/handler.go") == ["Handle", "Request", "Validate"]
    assert names("core/lib.rs") == ["parse", "Parser", "Visit"]
    assert names("web/old.js") == ["legacy", "Thing"]


def test_fit_symbols_prefer_source_over_tests(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    files = {
        "pkg/test_core.py": "def test_alpha():\n    pass\n",
        "pkg/zeta_engine.py": "def run_engine():\n    pass\n",
    }
    head = commit(root, files)
    repo_map = build_repo_map(root, head)
    one_line = estimate_tokens(": run_engine")

    fitted = repo_map._fit_symbols(sorted(files), set(), one_line)

    assert fitted == {"pkg/zeta_engine.py": "run_engine"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/unit/helpers.py", True),
        ("src/test_api.py", True),
        ("web/button.spec.ts", True),
        ("svc/handler_test.go", True),
        ("src/testing_tools.py", False),
        ("src/contest.py", False),
    ],
)
def test_is_test_path_cases(path: str, expected: bool) -> None:
    assert repomap._is_test_path(path) is expected
