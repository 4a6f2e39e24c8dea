"""Faults on every HTTP call of a run, through entrypoint.py.

Each case injects one fault kind into one call and expects one of three
outcomes. "recovered": exit 0, the page fully written with its record.
"failed": exit 1 with one error line naming the service and a fix, the request
path in the log, no traceback, and the page untouched. "failed after write":
the same, except that the body was written in full and only its record is
missing. Whenever the writing call was
paid for, its Markdown is in RUNNER_TEMP/codedoc/page.md.

Timeouts and retry waits are shortened through CODEDOC_HTTP_TIMEOUT (2 s),
CODEDOC_MAX_RETRIES (1) and CODEDOC_MAX_RETRY_WAIT (0.05 s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.action_env import ActionRun
from tests.fakes.providers import FakeRequest
from tests.security.harness import Scene, SceneBuilder

MODELS = "/v1/models"
MESSAGES = "/v1/messages"
PAGE = "/pages/"
PROPERTIES = "/properties"
SLOW = 4.0  # seconds a delayed response takes, twice the client timeout


@dataclass(frozen=True)
class Fault:
    """One fault in one call, and what the run must do about it."""

    inject: Callable[[Scene], None]
    outcome: str  # "recovered", "failed" or "failed after write"
    message: str = ""  # a phrase of the error line
    request: str = ""  # the request the log must name
    markdown_kept: bool = False


def _reply_for_writer(text: str) -> Callable[[Scene], None]:
    """Reply to the selection normally and to the page writer with ``text``."""

    def inject(scene: Scene) -> None:
        def reply(request: FakeRequest) -> str | dict[str, Any]:
            body = request.json if isinstance(request.json, dict) else {}
            if body.get("tool_choice"):
                return {"files": [{"path": "sample/core.py", "reason": "changed"}]}
            return text

        scene.provider.reply = reply

    return inject


PROVIDER_FAULTS = {
    "models timeout once": Fault(
        lambda s: s.provider.add_timeout(path=MODELS), "recovered"
    ),
    "models reset once": Fault(
        lambda s: s.provider.add_reset(path=MODELS), "recovered"
    ),
    "models 429 once": Fault(
        lambda s: s.provider.add_fault(429, path=MODELS), "recovered"
    ),
    "models 500 once": Fault(
        lambda s: s.provider.add_fault(500, path=MODELS), "recovered"
    ),
    "models timeout always": Fault(
        lambda s: s.provider.add_timeout(times=2, path=MODELS),
        "failed",
        "timed out",
        "GET v1/models",
    ),
    "models reset always": Fault(
        lambda s: s.provider.add_reset(times=2, path=MODELS),
        "failed",
        "api-base-url",
        "GET v1/models",
    ),
    "models 429 always": Fault(
        lambda s: s.provider.add_fault(429, times=2, path=MODELS),
        "failed",
        "rerun later",
        "GET /v1/models",
    ),
    "models 503 always": Fault(
        lambda s: s.provider.add_fault(503, times=2, path=MODELS),
        "failed",
        "rerun later",
        "GET /v1/models",
    ),
    "models malformed JSON": Fault(
        lambda s: s.provider.add_fault(200, body='{"data": [', path=MODELS),
        "failed",
        "api-base-url",
        "GET /v1/models",
    ),
    "models empty body": Fault(
        lambda s: s.provider.add_fault(200, body="", path=MODELS),
        "failed",
        "api-base-url",
        "GET /v1/models",
    ),
    "generation timeout": Fault(
        lambda s: s.provider.add_timeout(path=MESSAGES),
        "failed",
        "not retried",
        "POST /v1/messages",
    ),
    "generation reset once": Fault(
        lambda s: s.provider.add_reset(path=MESSAGES), "recovered"
    ),
    "generation 429 once": Fault(
        lambda s: s.provider.add_fault(429, path=MESSAGES), "recovered"
    ),
    "generation 529 once": Fault(
        lambda s: s.provider.add_fault(529, path=MESSAGES), "recovered"
    ),
    "generation 500 always": Fault(
        lambda s: s.provider.add_fault(500, times=2, path=MESSAGES),
        "failed",
        "rerun later",
        "POST /v1/messages",
    ),
    "generation malformed JSON": Fault(
        lambda s: s.provider.add_fault(200, body='{"id": "msg_1", "con', path=MESSAGES),
        "failed",
        "api-base-url",
        "POST /v1/messages",
    ),
    "generation empty body": Fault(
        lambda s: s.provider.add_fault(200, body="", path=MESSAGES),
        "failed",
        "api-base-url",
        "POST /v1/messages",
    ),
    "generation empty answer": Fault(
        _reply_for_writer(""), "failed", "set model", "POST /v1/messages"
    ),
    "generation truncated": Fault(
        _reply_for_writer("word " * 400_000),
        "failed",
        "max-files",
        "POST /v1/messages",
    ),
}

CONFLUENCE_FAULTS = {
    "read timeout once": Fault(
        lambda s: s.confluence.add_fault(
            200, method="GET", path_contains=PAGE, delay=SLOW
        ),
        "recovered",
    ),
    "read reset once": Fault(
        lambda s: s.confluence.add_reset(method="GET", path_contains=PAGE),
        "recovered",
    ),
    "read 503 once": Fault(
        lambda s: s.confluence.add_fault(503, method="GET", path_contains=PAGE),
        "recovered",
    ),
    "read timeout always": Fault(
        lambda s: s.confluence.add_fault(
            200, method="GET", path_contains=PAGE, delay=SLOW, times=2
        ),
        "failed",
        "confluence-url",
        "GET /api/v2/pages/",
    ),
    "read reset always": Fault(
        lambda s: s.confluence.add_reset(method="GET", path_contains=PAGE, times=2),
        "failed",
        "confluence-url",
        "GET /api/v2/pages/",
    ),
    "read 429 always": Fault(
        lambda s: s.confluence.add_fault(
            429, method="GET", path_contains=PAGE, times=2
        ),
        "failed",
        "429",
        "GET /wiki/api/v2/pages/",
    ),
    "read malformed JSON": Fault(
        lambda s: s.confluence.add_fault(
            200, body="<html>sign in</html>", method="GET", path_contains=PAGE
        ),
        "failed",
        "not JSON",
        "GET /wiki/api/v2/pages/",
    ),
    "read empty body": Fault(
        lambda s: s.confluence.add_fault(
            200, body="", method="GET", path_contains=PAGE
        ),
        "failed",
        "not JSON",
        "GET /wiki/api/v2/pages/",
    ),
    "write 429 once": Fault(
        lambda s: s.confluence.add_fault(429, method="PUT"),
        "recovered",
        markdown_kept=True,
    ),
    "write 502 once": Fault(
        lambda s: s.confluence.add_fault(502, method="PUT"),
        "recovered",
        markdown_kept=True,
    ),
    "write reset once": Fault(
        lambda s: s.confluence.add_reset(method="PUT"),
        "recovered",
        markdown_kept=True,
    ),
    "write 409 once": Fault(
        lambda s: s.confluence.add_fault(409, method="PUT"),
        "recovered",
        markdown_kept=True,
    ),
    "write timeout always": Fault(
        lambda s: s.confluence.add_fault(200, method="PUT", delay=SLOW, times=2),
        "failed",
        "confluence-url",
        "PUT /api/v2/pages/",
        markdown_kept=True,
    ),
    "write 500 always": Fault(
        lambda s: s.confluence.add_fault(500, method="PUT", times=2),
        "failed",
        "could not update page",
        "PUT /wiki/api/v2/pages/",
        markdown_kept=True,
    ),
    "write reset always": Fault(
        lambda s: s.confluence.add_reset(method="PUT", times=2),
        "failed",
        "confluence-url",
        "PUT /api/v2/pages/",
        markdown_kept=True,
    ),
    "property 500 always": Fault(
        lambda s: s.confluence.add_fault(
            500, method="POST", path_contains=PROPERTIES, times=2
        ),
        "failed after write",
        "content property",
        "POST /wiki/api/v2/pages/",
        markdown_kept=True,
    ),
    "property reset once": Fault(
        lambda s: s.confluence.add_reset(method="POST", path_contains=PROPERTIES),
        "recovered",
        markdown_kept=True,
    ),
}

ALL_FAULTS = {
    **{f"provider {name}": fault for name, fault in PROVIDER_FAULTS.items()},
    **{f"confluence {name}": fault for name, fault in CONFLUENCE_FAULTS.items()},
}


def _error_lines(run: ActionRun) -> list[str]:
    return [line for line in run.stdout.splitlines() if line.startswith("::error::")]


def _check_failed(scene: Scene, run: ActionRun, fault: Fault) -> None:
    assert run.returncode == 1, run.log
    errors = _error_lines(run)
    assert len(errors) == 1, errors
    assert fault.message in errors[0]
    assert fault.request in run.log
    assert "Traceback" not in run.log
    page = scene.confluence.page(scene.page_id)
    record = scene.confluence.properties(scene.page_id)
    if fault.outcome == "failed after write":
        # The body is complete and only its record is missing; the next test
        # covers the rerun.
        assert page["version"] == 2
        assert "codedoc-section-end" in page["body"]
        assert record == {}
    else:
        assert page["version"] == 1
        assert "codedoc" not in page["body"]
        assert record == {}


def _check_recovered(scene: Scene, run: ActionRun) -> None:
    assert run.returncode == 0, run.log
    assert _error_lines(run) == []
    page = scene.confluence.page(scene.page_id)
    assert page["version"] == 2
    assert page["body"].count("codedoc-section-start") == 1
    assert page["body"].count("codedoc-section-end") == 1
    stored = next(iter(scene.confluence.properties(scene.page_id).values()))
    assert stored["commit"] == scene.repo.new_sha


@pytest.mark.parametrize("case", list(ALL_FAULTS), ids=list(ALL_FAULTS))
def test_fault_recovered_or_reported(scenes: SceneBuilder, case: str) -> None:
    fault = ALL_FAULTS[case]
    scene = scenes.build(hold_seconds=SLOW)
    fault.inject(scene)
    run = scene.run()
    if fault.outcome == "recovered":
        _check_recovered(scene, run)
    else:
        _check_failed(scene, run, fault)
    markdown = run.runner_temp / "codedoc" / "page.md"
    if fault.markdown_kept:
        assert markdown.read_text(encoding="utf-8").strip()
    if fault.outcome == "failed" and not fault.markdown_kept:
        assert not markdown.exists()


def test_fault_property_failure_recovers_next_run(scenes: SceneBuilder) -> None:
    """A body written without its record is rewritten, not duplicated, next run.

    The next run finds no record, so it cannot prove the section documents
    the head commit: it generates again (paying again) and writes the
    section and the record. Hand-written text outside the section stays.
    """
    scene = scenes.build()
    scene.confluence.add_fault(500, method="POST", path_contains=PROPERTIES, times=2)
    first = scene.run()
    assert first.returncode == 1, first.log
    assert scene.confluence.properties(scene.page_id) == {}
    calls_before = len(scene.provider.usage_served)

    second = scene.run()
    assert second.returncode == 0, second.log
    assert len(scene.provider.usage_served) > calls_before
    page = scene.confluence.page(scene.page_id)
    assert page["version"] == 3
    assert page["body"].count("codedoc-section-start") == 1
    assert "Written by a person" in page["body"]
    stored = next(iter(scene.confluence.properties(scene.page_id).values()))
    assert stored["commit"] == scene.repo.new_sha

    third = scene.run()
    assert third.returncode == 0, third.log
    assert scene.confluence.page(scene.page_id)["version"] == 3
    assert third.outputs["updated"] == "false"


def test_fault_strict_rejection_keeps_markdown(scenes: SceneBuilder) -> None:
    scene = scenes.build()
    scene.inputs["strict"] = "true"
    scene.provider.reply = lambda request: (
        {"files": [{"path": "sample/core.py", "reason": "changed"}]}
        if isinstance(request.json, dict) and request.json.get("tool_choice")
        else "# Sample\n\nCall `no_such_function_anywhere()` to start.\n"
    )
    run = scene.run()
    assert run.returncode == 1, run.log
    assert "no_such_function_anywhere" in _error_lines(run)[0]
    markdown = run.runner_temp / "codedoc" / "page.md"
    assert "no_such_function_anywhere" in markdown.read_text(encoding="utf-8")
    assert scene.confluence.page(scene.page_id)["version"] == 1
