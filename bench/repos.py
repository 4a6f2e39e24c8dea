"""Benchmark repositories: real release pairs from PyPI and a synthetic giant.

Real ones are two source distributions of one package committed in turn, so
the range between the commits is a real release-to-release diff. Each
one-commit range applies the release's change of a single file on top of the
older release. The synthetic one has 50,000 distinct Python files and a second
commit that changes 5,000 of them. Everything is cached under bench/.cache.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
PACKAGES = (
    ("itsdangerous", "2.1.2", "2.2.0"),
    ("requests", "2.31.0", "2.32.3"),
    ("SQLAlchemy", "2.0.30", "2.0.31"),
    ("Django", "5.0.6", "5.0.7"),
)
ONE_COMMIT_RANGES_PER_PACKAGE = 3


@dataclass(frozen=True)
class Scenario:
    name: str
    root: Path
    base: str
    head: str
    kind: str  # "release", "one-commit" or "synthetic"


def git(root: Path, *args: str, input_text: str | None = None) -> str:
    completed = subprocess.run(
        ["git", "-C", str(root), *args],
        input=input_text,
        capture_output=True,
        check=True,
        text=True,
    )
    return completed.stdout.strip()


def _init(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")


def _download(name: str, version: str) -> Path:
    folder = CACHE / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    found = [
        p
        for p in folder.iterdir()
        if p.name.lower().startswith(f"{name}-{version}".lower())
    ]
    if found:
        return found[0]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--no-binary", ":all:", f"{name}=={version}", "-d", str(folder)],
        check=True,
    )  # fmt: skip
    return next(
        p
        for p in folder.iterdir()
        if p.name.lower().startswith(f"{name}-{version}".lower())
    )


def _unpack(archive: Path, root: Path) -> None:
    for child in root.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        prefix = members[0].name.split("/", 1)[0] + "/"
        for member in members:
            if not member.name.startswith(prefix) or not (
                member.isfile() or member.isdir()
            ):
                continue
            member.name = member.name[len(prefix) :]
            if member.name:
                tar.extract(member, root, filter="data")


def _commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def package_scenarios(name: str, old: str, new: str) -> list[Scenario]:
    """Build (or reuse) the repository of one package and its ranges."""
    root = CACHE / "repos" / f"{name}-{old}-{new}"
    marker = root / ".git" / "bench-ranges"
    if not marker.exists():
        _init(root)
        _unpack(_download(name, old), root)
        base = _commit_all(root, f"{name} {old}")
        _unpack(_download(name, new), root)
        release = _commit_all(root, f"{name} {new}")
        one_commit = _one_commit_ranges(root, base, release)
        marker.write_text("\n".join([base, release, *one_commit]) + "\n")
    base, release, *one_commit = marker.read_text().split()
    scenarios = [Scenario(f"{name} {old}..{new}", root, base, release, "release")]
    for index, head in enumerate(one_commit):
        scenarios.append(
            Scenario(f"{name} one-commit {index + 1}", root, base, head, "one-commit")
        )
    return scenarios


def _one_commit_ranges(root: Path, base: str, release: str) -> list[str]:
    """Commit the release's change of single .py files on top of the old release.

    The files are the ones with the median-sized changes, so one range is
    neither a typo fix nor a rewrite.
    """
    numstat = git(
        root,
        "diff",
        "--numstat",
        "--no-renames",
        "--diff-filter=M",
        base,
        release,
        "--",
        "*.py",
    ).splitlines()
    sized = sorted(
        (int(added) + int(removed), path)
        for added, removed, path in (line.split("\t") for line in numstat)
        if added != "-"
    )
    middle = len(sized) // 2
    chosen = [path for _, path in sized[max(0, middle - 1) : middle + 2]]
    heads: list[str] = []
    for index, path in enumerate(chosen[:ONE_COMMIT_RANGES_PER_PACKAGE]):
        branch = f"one-commit-{index}"
        git(root, "checkout", "-q", "-B", branch, base)
        git(root, "checkout", release, "--", path)
        heads.append(_commit_all(root, f"change {path}"))
    git(root, "checkout", "-q", "main")
    return heads


def _module_text(number: int, generation: int) -> str:
    rng = random.Random(number * 7 + generation)
    lines = [
        f'"""Module {number}: handlers for area {number % 97}."""',
        "",
        "import os",
        "",
    ]
    for function in range(rng.randint(3, 6)):
        name = f"handle_{number}_{function}"
        lines += [
            f"def {name}(request, limit={rng.randint(1, 100)}):",
            f'    """Handle request kind {function} for module {number}."""',
            f"    total = sum(range(limit)) + {rng.randint(0, 10_000)}",
            "    if request is None:",
            "        return os.environ.get('MODE', 'default')",
            "    return total",
            "",
        ]
    lines += [f"class Service{number}:", f"    version = {generation}", ""]
    if generation:
        lines += [
            f"def added_in_{generation}_{number}(value):",
            "    return value * 2",
            "",
        ]
    return "\n".join(lines) + "\n"


def synthetic_scenario(files: int = 50_000, changed: int = 5_000) -> Scenario:
    """Build (or reuse) a repository of ``files`` modules with ``changed`` changed."""
    root = CACHE / f"synthetic-{files}-{changed}"
    marker = root / ".git" / "bench-ranges"
    if not marker.exists():
        _init(root)
        paths = [f"src/area{n % 50}/pkg{n % 1000}/module_{n}.py" for n in range(files)]
        stream = [_commit_stream(paths, range(files), 0, None)]
        step = files // changed
        stream.append(_commit_stream(paths, range(0, files, step), 1, ":1"))
        subprocess.run(
            ["git", "-C", str(root), "fast-import", "--quiet"],
            input="".join(stream).encode(),
            check=True,
        )
        base = git(root, "rev-parse", "main~1")
        head = git(root, "rev-parse", "main")
        marker.write_text(f"{base}\n{head}\n")
    base, head = marker.read_text().split()
    return Scenario(
        f"synthetic {files:,} files, {changed:,} changed", root, base, head, "synthetic"
    )


def _commit_stream(
    paths: list[str], numbers: range, generation: int, parent: str | None
) -> str:
    mark = ":1" if parent is None else ":2"
    parts = [
        "commit refs/heads/main\n",
        f"mark {mark}\n",
        "committer bench <bench@example.com> 1700000000 +0000\n",
        f"data {len(f'generation {generation}')}\ngeneration {generation}\n",
    ]
    if parent is not None:
        parts.append(f"from {parent}\n")
    for number in numbers:
        text = _module_text(number, generation).encode()
        parts.append(f"M 100644 inline {paths[number]}\ndata {len(text)}\n")
        parts.append(text.decode() + "\n")
    return "".join(parts)
