from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.security.harness import SceneBuilder


@pytest.fixture
def scenes(tmp_path: Path) -> Iterator[SceneBuilder]:
    with ExitStack() as stack:
        yield SceneBuilder(tmp_path, stack)
