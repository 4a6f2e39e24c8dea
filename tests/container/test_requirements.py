"""requirements/image.txt must pin every runtime dependency, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


@pytest.fixture(scope="module")
def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    text = (ROOT / "requirements" / "image.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match[1])] = Version(match[2])
    return found


def _project_requirements() -> list[Requirement]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    return [Requirement(line) for line in project["dependencies"]]


def test_requirements_pin_every_dependency(pins: dict[str, Version]) -> None:
    for requirement in _project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name}: missing; run bash requirements/compile.sh"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} is outside {requirement.specifier}; "
            "run bash requirements/compile.sh"
        )


def test_requirements_hash_every_pin() -> None:
    text = (ROOT / "requirements" / "image.txt").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
    for block in blocks:
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{match[1]}: no hash"


def test_requirements_pin_build_backend(pins: dict[str, Version]) -> None:
    assert pins["setuptools"] >= Version("68")
