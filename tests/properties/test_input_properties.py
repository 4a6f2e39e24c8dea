"""Property tests: any settings, config file or event payload either parses or
raises one of our errors with a clear message, never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from codedoc_action.ci.events import github_event
from codedoc_action.config import job_settings, load_config_file
from codedoc_action.errors import EventError, SettingsError
from codedoc_action.http import limits_from_env
from codedoc_action.settings import (
    INPUT_NAMES,
    Settings,
    build_settings,
    inputs_from_github_env,
)

BOUNDED = settings(max_examples=150, deadline=None)

# Values that exercise each input's parser: numbers, booleans, lists, URLs,
# odd whitespace, control characters and huge numbers.
TRICKY_VALUES = [
    "", " ", "\n", "0", "-1", "1e309", "nan", "inf", "20", "99999999999999999999",
    "true", "FALSE", "yes", "maybe", "anthropic", "offline", "openai-compatible",
    "https://example.atlassian.net/wiki", "http://", "://", "not a url", "12345",
    "a,b\nc", "**/*.py", "!", "\x00", "\u202e", "full", "update", "💥", "0.5",
]  # fmt: skip
input_value = st.one_of(
    st.sampled_from(TRICKY_VALUES), st.text(max_size=40), st.integers(), st.none()
)
input_name = st.one_of(st.sampled_from(INPUT_NAMES), st.text(max_size=12))


@BOUNDED
@given(st.dictionaries(input_name, input_value, max_size=12))
def test_settings_parse_or_settings_error(values: dict[str, Any]) -> None:
    try:
        parsed = build_settings(values)
    except SettingsError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert ":" in problem
        return
    assert isinstance(parsed, Settings)


@BOUNDED
@given(st.dictionaries(st.sampled_from(INPUT_NAMES), st.text(max_size=30)))
def test_settings_from_env_parse_or_error(values: dict[str, str]) -> None:
    env = {f"INPUT_{name.upper()}": value for name, value in values.items()}
    try:
        build_settings(inputs_from_github_env(env))
    except SettingsError as exc:
        assert exc.exit_code == 2


@BOUNDED
@given(
    st.dictionaries(
        st.sampled_from(
            ["CODEDOC_HTTP_TIMEOUT", "CODEDOC_MAX_RETRIES", "CODEDOC_MAX_RETRY_WAIT"]
        ),
        st.one_of(st.sampled_from(TRICKY_VALUES), st.text(max_size=10)),
    )
)
def test_http_limits_parse_or_error(env: dict[str, str]) -> None:
    try:
        limits = limits_from_env(env)
    except SettingsError as exc:
        for problem in exc.problems:
            assert problem.startswith("CODEDOC_")
        return
    for value in (limits.timeout, limits.max_retries, limits.max_retry_wait):
        assert value is None or value >= 0


yaml_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
yaml_tree = st.recursive(
    yaml_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["defaults", "jobs", "name", *INPUT_NAMES]),
                st.text(max_size=8),
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
YAML_SNIPPETS = [
    "jobs:\n  - name: a\n    paths: src/**\n", "jobs: [", "defaults: {provider: x}",
    "a: 1\na: 2\n", "!!python/object:os.system ls", "- just\n- a list\n", "\t:",
    "jobs:\n  - {}\n", "jobs:\n  - name: a\n  - name: a\n", "&a [*a]", "'",
]  # fmt: skip


@BOUNDED
@given(
    st.one_of(
        yaml_tree.map(json.dumps), st.sampled_from(YAML_SNIPPETS), st.text(max_size=60)
    )
)
def test_config_file_parse_or_settings_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ".codedoc.yml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            config = load_config_file(str(path))
            if config.get("jobs"):
                job_settings(config, {})
        except SettingsError as exc:
            assert exc.exit_code == 2
            assert any(
                str(path) in problem or "job" in problem for problem in exc.problems
            ), exc.problems


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12)),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=15,
)
payload_key = st.sampled_from(
    ["before", "after", "ref", "created", "deleted", "forced", "pull_request",
     "repository", "head_commit", "inputs", "number", "base", "head", "sha"]
)  # fmt: skip
payload = st.dictionaries(payload_key, json_value, max_size=8)
EVENT_NAMES = ["push", "pull_request", "pull_request_target", "workflow_dispatch",
               "schedule", "release", "merge_group", "issue_comment"]  # fmt: skip


@BOUNDED
@given(
    st.one_of(
        payload.map(json.dumps), json_value.map(json.dumps), st.text(max_size=40)
    ),
    st.sampled_from(EVENT_NAMES),
)
def test_event_payload_parse_or_event_error(text: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": name,
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_SHA": "a" * 40,
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_REPOSITORY": "octo/sample",
        }
        try:
            github_event(env)
        except (EventError, SettingsError) as exc:
            assert str(exc)
