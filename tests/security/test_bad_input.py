"""Malformed files and page bodies through entrypoint.py: a clear error that
names the file or page and the fix, the right exit code, never a traceback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codedoc_action.confluence.section import END_MARKER, START_MARKER
from tests.e2e.action_env import ActionRun
from tests.security.harness import Scene, SceneBuilder


def _error_lines(run: ActionRun) -> list[str]:
    return [line for line in run.stdout.splitlines() if line.startswith("::error::")]


def _config(text: str) -> Callable[[Scene], str]:
    def prepare(scene: Scene) -> str:
        path = scene.repo.path / ".codedoc.yml"
        path.write_text(text, encoding="utf-8")
        scene.inputs["config"] = ".codedoc.yml"
        return ".codedoc.yml"

    return prepare


def _payload(text: str) -> Callable[[Scene], str]:
    def prepare(scene: Scene) -> str:
        path = scene.home / "bad-event.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        scene.extra_env["GITHUB_EVENT_PATH"] = str(path)
        return str(path)

    return prepare


def _page_body(body: str) -> Callable[[Scene], str]:
    def prepare(scene: Scene) -> str:
        scene.confluence.set_body(scene.page_id, body)
        return scene.page_id

    return prepare


BAD_INPUTS = {
    "config not YAML": (_config("jobs: [\n  - name: a\n"), 2, "not valid YAML"),
    "config duplicate key": (_config("jobs: []\njobs: []\n"), 2, "jobs"),
    "config unknown input": (
        _config("jobs:\n  - name: a\n    modle: x\n"),
        2,
        "modle",
    ),
    "config a list": (_config("- a\n- b\n"), 2, "mapping"),
    "config python tag": (
        _config("jobs: !!python/object/apply:os.system [ls]\n"),
        2,
        "",
    ),
    "payload not JSON": (_payload("{not json"), 1, "not JSON"),
    "payload a list": (_payload("[1, 2]"), 1, "JSON object"),
    "payload wrong types": (
        _payload('{"before": 7, "after": ["x"], "repository": "nope"}'),
        1,
        "",
    ),
    "page one marker": (
        _page_body("<p>hand</p>" + START_MARKER + "<p>half</p>"),
        1,
        "end marker",
    ),
    "page markers reversed": (
        _page_body(END_MARKER + "<p>x</p>" + START_MARKER),
        1,
        "marker",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_clear_error(scenes: SceneBuilder, case: str) -> None:
    prepare, exit_code, phrase = BAD_INPUTS[case]
    scene = scenes.build()
    named = prepare(scene)
    page_before = scene.confluence.page(scene.page_id)
    run = scene.run()
    assert run.returncode == exit_code, run.log
    errors = _error_lines(run)
    assert len(errors) == 1, run.log
    assert named in errors[0]
    assert phrase in errors[0]
    assert "Traceback" not in run.log
    assert scene.confluence.page(scene.page_id) == page_before


def test_bad_input_page_body_not_xml(scenes: SceneBuilder) -> None:
    """A body that is not XML keeps its hand-written text unchanged.

    The fake Confluence, like the real one, rejects the merged body as
    malformed, so the run fails with the page named.
    """
    scene = scenes.build()
    broken = "<p>hand <b>text</p> & more<br>"
    scene.confluence.set_body(scene.page_id, broken)
    run = scene.run()
    assert "Traceback" not in run.log
    body = scene.confluence.page(scene.page_id)["body"]
    assert body == broken
    assert run.returncode == 1
    errors = _error_lines(run)
    assert len(errors) == 1
    assert scene.page_id in errors[0]
