"""list_changes on real repositories: statuses, names, filters and scale."""

from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.changes.files import list_changes
from codedoc_action.changes.git import Git
from codedoc_action.changes.model import ChangedFile, ChangeSet, CommitRange
from tests.gitrepo import commit_files, git, init_repo, make_release_repo

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def _repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    commit_files(
        repo,
        {
            "README.md": "# Readme\n",
            "src/old_name.py": "".join(f"line {i}\n" for i in range(40)),
            "src/remove_me.py": "x = 1\ny = 2\n",
            "src/keep.py": "a = 1\n",
        },
        "base",
    )
    return repo


def _list(repo: Path, base: str | None, **options: object) -> ChangeSet:
    head = git(repo, "rev-parse", "HEAD")
    return list_changes(Git(repo), CommitRange(base, head, "test"), **options)  # type: ignore[arg-type]


def _by_path(change_set: ChangeSet) -> dict[str, ChangedFile]:
    return {change.path: change for change in change_set.files}


def _skipped(change_set: ChangeSet) -> dict[str, str]:
    return {item.path: item.reason for item in change_set.skipped}


def test_list_changes_statuses_and_lines(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "src/old_name.py", "src/new_name.py")
    commit_files(
        repo,
        {
            "src/remove_me.py": None,
            "src/keep.py": "a = 2\nb = 3\n",
            "src/added.py": "one\ntwo\nthree\n",
        },
        "change",
    )
    files = _by_path(_list(repo, base))

    assert files["src/new_name.py"].status == "renamed"
    assert files["src/new_name.py"].old_path == "src/old_name.py"
    assert files["src/remove_me.py"].status == "deleted"
    assert files["src/remove_me.py"].blob is None
    assert files["src/remove_me.py"].removed_lines == 2
    assert files["src/keep.py"].status == "modified"
    assert files["src/keep.py"].added_lines == 2
    assert files["src/keep.py"].removed_lines == 1
    assert files["src/added.py"].status == "added"
    assert files["src/added.py"].added_lines == 3
    assert files["src/added.py"].size == len("one\ntwo\nthree\n")
    blob = git(repo, "rev-parse", "HEAD:src/added.py")
    assert files["src/added.py"].blob == blob
    assert "README.md" not in files


def test_list_changes_whole_tree_all_added(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    change_set = _list(repo, None)
    assert {change.status for change in change_set.files} == {"added"}
    tracked = set(git(repo, "ls-files").splitlines())
    assert {change.path for change in change_set.files} == tracked


@pytest.mark.parametrize(
    "name",
    [
        "docs/with space.md",
        'docs/quote"d.md',
        "docs/tab\tname.md",
        "docs/new\nline.md",
        "docs/ünïcödé-名前.md",
        "docs/back\\slash.md",
    ],
)
def test_list_changes_unusual_names(tmp_path: Path, name: str) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {name: "text\n"}, "odd name")
    files = _by_path(_list(repo, base))
    assert list(files) == [name]
    assert files[name].added_lines == 1
    assert files[name].size == 5


def test_list_changes_rename_of_unusual_name(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    content = "".join(f"{i}\n" for i in range(20))
    commit_files(repo, {"a b/ä.md": content}, "add")
    base = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"a b/ä.md": None, "c d/ö.md": content}, "rename")
    files = _by_path(_list(repo, base))
    assert files["c d/ö.md"].status == "renamed"
    assert files["c d/ö.md"].old_path == "a b/ä.md"


def test_list_changes_binary_skipped(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"img/logo.png": PNG_BYTES, "src/a.py": "a\n"}, "binary")
    change_set = _list(repo, base)
    assert _skipped(change_set) == {"img/logo.png": "binary"}
    assert list(_by_path(change_set)) == ["src/a.py"]


def test_list_changes_submodule_reported_not_read(tmp_path: Path) -> None:
    library = init_repo(tmp_path / "library")
    commit_files(library, {"lib.py": "L = 1\n"}, "library")
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "submodule", "add", "--quiet", library.as_uri(), "vendor_lib")
    commit_files(repo, {}, "add submodule")
    files = _by_path(_list(repo, base))
    assert files["vendor_lib"].submodule is True
    assert files["vendor_lib"].status == "added"
    assert files["vendor_lib"].added_lines == 0
    assert files["vendor_lib"].size == 0
    assert ".gitmodules" in files


@pytest.mark.parametrize(
    "name",
    [
        ".env",
        ".env.production",
        "config/server.pem",
        "deploy/tls.key",
        "home/.ssh/id_rsa",
        "home/.ssh/id_rsa.pub",
        "certs/client.p12",
        "certs/client.pfx",
        "aws/credentials",
        "gcp/credentials.json",
    ],
)
def test_list_changes_secret_file_skipped(tmp_path: Path, name: str) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {name: "TOKEN=abc\n"}, "secret")
    change_set = _list(repo, base, paths=["**"])
    assert _skipped(change_set) == {name: "secret file"}
    assert change_set.files == ()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("package-lock.json", "{}\n"),
        ("web/poetry.lock", "x\n"),
        ("static/app.min.js", "var a=1;\n"),
        ("proto/service_pb2.py", "X = 1\n"),
        ("vendor/lib/mod.go", "package lib\n"),
        ("node_modules/pkg/index.js", "module.exports = 1\n"),
        (
            "gen/api.go",
            "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage gen\n",
        ),
        ("gen/model.py", '"""Models."""\n# @generated by schema tool\nA = 1\n'),
        ("migrations/0001.py", "# Generated by Django 4.2 on 2024-01-01\n"),
    ],
)
def test_list_changes_generated_skipped(
    tmp_path: Path, name: str, content: str
) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {name: content}, "generated")
    change_set = _list(repo, base)
    assert _skipped(change_set) == {name: "generated"}


def test_list_changes_linguist_generated_attribute(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(
        repo,
        {
            ".gitattributes": "api/*.ts linguist-generated\n",
            "api/client.ts": "export const a = 1;\n",
            "api.ts": "export const b = 1;\n",
        },
        "attributes",
    )
    change_set = _list(repo, base)
    assert _skipped(change_set) == {"api/client.ts": "generated"}
    assert "api.ts" in _by_path(change_set)


def test_list_changes_comment_mentioning_edit_kept(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(
        repo, {"src/a.py": "# Do not edit lightly: values generated by hand\n"}
    )
    change_set = _list(repo, base)
    assert change_set.skipped == ()
    assert list(_by_path(change_set)) == ["src/a.py"]


def test_list_changes_oversize_skipped(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"data/big.txt": "x" * 2000 + "\n", "data/small.txt": "x\n"})
    change_set = _list(repo, base, max_file_bytes=1000)
    assert _skipped(change_set) == {"data/big.txt": "too large"}
    assert list(_by_path(change_set)) == ["data/small.txt"]


def test_list_changes_default_size_limit(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    line = "y" * 99 + "\n"
    commit_files(repo, {"data/big.csv": line * 11000, "data/ok.csv": line * 9000})
    assert _skipped(_list(repo, base)) == {"data/big.csv": "too large"}


def test_list_changes_paths_and_exclude(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    commit_files(
        repo,
        {
            "src/a.py": "a\n",
            "src/tests/test_a.py": "t\n",
            "docs/index.md": "d\n",
            "scripts/run.sh": "s\n",
        },
    )
    change_set = _list(
        repo, base, paths=["src/", "docs/*.md"], exclude=["tests/", "!keep"]
    )
    assert sorted(_by_path(change_set)) == ["docs/index.md", "src/a.py"]
    assert _skipped(change_set) == {
        "scripts/run.sh": "not in paths",
        "src/tests/test_a.py": "excluded",
    }


def test_list_changes_rename_matches_old_path(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    content = (repo / "src/old_name.py").read_text()
    commit_files(repo, {"src/old_name.py": None, "lib/moved.py": content}, "move")
    change_set = _list(repo, base, paths=["src/"])
    assert list(_by_path(change_set)) == ["lib/moved.py"]


def test_list_changes_three_thousand_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    many = {f"pkg/module_{i:04d} with space.py": f"V = {i}\n" for i in range(3200)}
    commit_files(repo, many, "many files")
    change_set = _list(repo, base)
    assert len(change_set.files) == 3200
    assert change_set.truncated is False
    assert all(change.added_lines == 1 for change in change_set.files)
    assert all(change.size > 0 for change in change_set.files)


@pytest.mark.network_sdist
def test_list_changes_release_diff(tmp_path: Path) -> None:
    info = make_release_repo(tmp_path)
    change_set = list_changes(
        Git(info.path), CommitRange(info.old_sha, info.new_sha, "release")
    )
    files = _by_path(change_set)
    numstat = git(info.path, "diff", "--numstat", info.old_sha, info.new_sha)
    assert len(change_set.files) + len(change_set.skipped) == len(numstat.splitlines())
    assert files["src/attr/_make.py"].status == "modified"
    assert files["src/attr/_make.py"].added_lines > 0
    assert "binary" in set(_skipped(change_set).values())


def test_list_changes_non_utf8_name(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    name = b"docs/caf\xe9.txt".decode("utf-8", "surrogateescape")
    commit_files(repo, {name: "latin-1 name\n"}, "latin-1")
    files = _by_path(_list(repo, base))
    assert list(files) == [name]
    assert files[name].added_lines == 1
