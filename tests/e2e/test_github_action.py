"""The action end to end: entrypoint.py in a subprocess, real git, loopback fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.action_env import action_env, push_payload, run_action
from tests.fakes.confluence import FakeConfluence
from tests.fakes.providers import FakeProviderServer
from tests.gitrepo import RepoInfo, make_release_repo

API_KEY = "sk-ant-e2e-0123456789abcdef"
CONFLUENCE_TOKEN = "ATATT-e2e-confluence-token-42"
HAND_TEXT = "<p>Written by a person: keep this paragraph.</p>"
MODEL = "claude-sonnet-4-5-20250929"


@pytest.fixture(scope="module")
def release_repo(tmp_path_factory: pytest.TempPathFactory) -> RepoInfo:
    return make_release_repo(tmp_path_factory.mktemp("repo"), "attrs")


def _inputs(provider: FakeProviderServer, confluence: FakeConfluence, page: str):
    return {
        "provider": "anthropic",
        "api-key": API_KEY,
        "model": MODEL,
        "api-base-url": provider.base_url,
        "confluence-url": confluence.base_url,
        "confluence-user": confluence.user,
        "confluence-token": CONFLUENCE_TOKEN,
        "confluence-page": page,
        "max-files": "8",
        "max-tokens": "400000",
        "github-token": "ghs_e2e_token_never_used_0000",
    }


def test_action_push_updates_page_once(release_repo: RepoInfo, tmp_path: Path) -> None:
    with (
        FakeProviderServer("anthropic", api_key=API_KEY, models=[MODEL]) as provider,
        FakeConfluence("cloud", token=CONFLUENCE_TOKEN) as confluence,
    ):
        page_id = confluence.add_page("attrs", body=HAND_TEXT, space="DOC")
        payload = push_payload(release_repo.old_sha, release_repo.new_sha)
        env = action_env(
            workspace=release_repo.path,
            home=tmp_path / "home",
            event_name="push",
            payload=payload,
            inputs=_inputs(provider, confluence, page_id),
            sha=release_repo.new_sha,
        )

        first = run_action(env)
        assert first.returncode == 0, first.log
        page = confluence.page(page_id)
        assert HAND_TEXT in page["body"]
        assert page["version"] == 2
        record = confluence.properties(page_id)
        stored = next(iter(record.values()))
        assert stored["commit"] == release_repo.new_sha
        assert stored["provider"] == "anthropic"
        assert stored["model"] == MODEL

        served = provider.usage_served
        assert served, "the fake provider answered no generation"
        input_total = sum(usage.input_tokens for usage in served)
        output_total = sum(usage.output_tokens for usage in served)
        assert first.outputs["input-tokens"] == str(input_total)
        assert first.outputs["output-tokens"] == str(output_total)
        assert first.outputs["total-tokens"] == str(input_total + output_total)
        assert first.outputs["updated"] == "true"
        assert first.outputs["page-id"] == page_id
        assert first.outputs["page-version"] == "2"
        assert float(first.outputs["cost-usd"]) > 0
        selected = json.loads(first.outputs["selected-files"])
        assert 0 < len(selected) <= 8
        assert f"**{input_total:,}**" in first.summary
        assert f"**{output_total:,}**" in first.summary
        for path in selected:
            assert f"`{path}`" in first.summary

        markdown = first.runner_temp / "codedoc" / "page.md"
        assert markdown.read_text(encoding="utf-8").strip()
        for secret in (API_KEY, CONFLUENCE_TOKEN):
            assert secret not in first.log.replace(f"::add-mask::{secret}", "")
            assert secret not in first.summary
            assert secret not in json.dumps(first.outputs)
        assert f"::add-mask::{API_KEY}" in first.stdout

        calls_before = len(provider.usage_served)
        second = run_action(env)
        assert second.returncode == 0, second.log
        assert confluence.page(page_id)["version"] == 2
        assert second.outputs["updated"] == "false"
        assert len(provider.usage_served) == calls_before
        assert second.outputs["total-tokens"] == "0"


def test_action_invalid_inputs_exit_2(release_repo: RepoInfo, tmp_path: Path) -> None:
    env = action_env(
        workspace=release_repo.path,
        home=tmp_path / "home",
        event_name="push",
        payload=push_payload(release_repo.old_sha, release_repo.new_sha),
        inputs={"provider": "openai", "max-files": "lots", "api-key": ""},
        sha=release_repo.new_sha,
    )
    run = run_action(env)
    assert run.returncode == 2
    assert "max-files" in run.log
    assert "api-key: missing" in run.log
    assert "::error::" in run.stdout


def test_action_offline_dry_run_previews(
    release_repo: RepoInfo, tmp_path: Path
) -> None:
    env = action_env(
        workspace=release_repo.path,
        home=tmp_path / "home",
        event_name="push",
        payload=push_payload(release_repo.old_sha, release_repo.new_sha),
        inputs={"provider": "offline", "dry-run": "true"},
        sha=release_repo.new_sha,
    )
    run = run_action(env)
    assert run.returncode == 0, run.log
    preview = run.runner_temp / "codedoc" / "page.preview.html"
    storage = run.runner_temp / "codedoc" / "page.storage.xml"
    assert preview.exists()
    assert storage.read_text(encoding="utf-8").strip()
    assert run.outputs["total-tokens"] == "0"
    assert run.outputs["updated"] == "false"
    assert "Preview only" in run.summary
    assert "<summary>Page preview (Markdown)</summary>" in run.summary
    page = (run.runner_temp / "codedoc" / "page.md").read_text(encoding="utf-8")
    assert page.splitlines()[0] in run.summary


def test_action_failed_write_keeps_markdown(
    release_repo: RepoInfo, tmp_path: Path
) -> None:
    with (
        FakeProviderServer("anthropic", api_key=API_KEY, models=[MODEL]) as provider,
        FakeConfluence("cloud", token=CONFLUENCE_TOKEN) as confluence,
    ):
        page_id = confluence.add_page("attrs", body=HAND_TEXT, space="DOC")
        confluence.add_fault(403, method="PUT", times=5)
        env = action_env(
            workspace=release_repo.path,
            home=tmp_path / "home",
            event_name="push",
            payload=push_payload(release_repo.old_sha, release_repo.new_sha),
            inputs=_inputs(provider, confluence, page_id),
            sha=release_repo.new_sha,
        )
        run = run_action(env)
        assert run.returncode == 1, run.log
        assert "::error::" in run.stdout
        assert confluence.page(page_id)["version"] == 1
        assert confluence.page(page_id)["body"] == HAND_TEXT
        markdown = run.runner_temp / "codedoc" / "page.md"
        assert markdown.read_text(encoding="utf-8").strip()
        assert "Failed:" in run.summary
        assert str(markdown) in run.summary
        served = sum(u.input_tokens + u.output_tokens for u in provider.usage_served)
        assert run.outputs["total-tokens"] == str(served)


PROVIDER_CASES = {
    "anthropic": ("claude-sonnet-4-5-20250929", API_KEY),
    "openai": ("gpt-5-mini", "sk-proj-e2e-openai-key-000"),
    "google": ("gemini-2.5-flash", "AIza-e2e-gemini-key-000000"),
    "azure-openai": ("docs-gpt-4o", "azure-e2e-key-0000000000"),
    "openai-compatible": ("qwen2.5-coder:14b", ""),
}


@pytest.mark.parametrize("kind", sorted(PROVIDER_CASES))
def test_action_each_provider_publishes(
    kind: str, release_repo: RepoInfo, tmp_path: Path
) -> None:
    model, key = PROVIDER_CASES[kind]
    with (
        FakeProviderServer(kind, api_key=key or None, models=[model]) as provider,
        FakeConfluence("cloud", token=CONFLUENCE_TOKEN) as confluence,
    ):
        page_id = confluence.add_page("attrs", body=HAND_TEXT, space="DOC")
        inputs = _inputs(provider, confluence, page_id)
        inputs.update(provider=kind, model=model, **{"api-key": key})
        env = action_env(
            workspace=release_repo.path,
            home=tmp_path / "home",
            event_name="push",
            payload=push_payload(release_repo.old_sha, release_repo.new_sha),
            inputs=inputs,
            sha=release_repo.new_sha,
        )
        run = run_action(env)
        assert run.returncode == 0, run.log
        assert confluence.page(page_id)["version"] == 2
        assert HAND_TEXT in confluence.page(page_id)["body"]
        served = provider.usage_served
        assert len(served) >= 2, "expected a selection and a writing call"
        total = sum(usage.input_tokens + usage.output_tokens for usage in served)
        assert run.outputs["total-tokens"] == str(total)
        assert f"Provider: {kind} `{model}`" in run.summary
        if key:
            assert key not in run.log.replace(f"::add-mask::{key}", "")


@pytest.mark.parametrize("site", ["cloud-scoped", "datacenter"])
def test_action_confluence_site_kinds(
    site: str, release_repo: RepoInfo, tmp_path: Path
) -> None:
    kind = "datacenter" if site == "datacenter" else "cloud"
    with (
        FakeProviderServer("anthropic", api_key=API_KEY, models=[MODEL]) as provider,
        FakeConfluence(
            kind, token=CONFLUENCE_TOKEN, scoped=site == "cloud-scoped"
        ) as confluence,
    ):
        page_id = confluence.add_page("attrs", body=HAND_TEXT, space="DOC")
        inputs = _inputs(provider, confluence, page_id)
        if kind == "datacenter":
            inputs["confluence-user"] = ""
            inputs["confluence-page"] = (
                f"{confluence.base_url}/pages/viewpage.action?pageId={page_id}"
            )
        env = action_env(
            workspace=release_repo.path,
            home=tmp_path / "home",
            event_name="push",
            payload=push_payload(release_repo.old_sha, release_repo.new_sha),
            inputs=inputs,
            sha=release_repo.new_sha,
        )
        env["CODEDOC_ATLASSIAN_API_URL"] = confluence.gateway_url
        first = run_action(env)
        assert first.returncode == 0, first.log
        page = confluence.page(page_id)
        assert page["version"] == 2
        assert HAND_TEXT in page["body"]
        stored = next(iter(confluence.properties(page_id).values()))
        assert stored["commit"] == release_repo.new_sha
        if kind == "datacenter":
            assert confluence.versions(page_id)[-1]["minorEdit"] is True
        second = run_action(env)
        assert second.returncode == 0, second.log
        assert confluence.page(page_id)["version"] == 2


def test_action_reports_dropped_hand_text(
    release_repo: RepoInfo, tmp_path: Path
) -> None:
    with (
        FakeProviderServer("anthropic", api_key=API_KEY, models=[MODEL]) as provider,
        FakeConfluence("cloud", token=CONFLUENCE_TOKEN) as confluence,
    ):
        page_id = confluence.add_page("attrs", body=HAND_TEXT, space="DOC")
        env = action_env(
            workspace=release_repo.path,
            home=tmp_path / "home",
            event_name="push",
            payload=push_payload(release_repo.old_sha, release_repo.new_sha),
            inputs=_inputs(provider, confluence, page_id),
            sha=release_repo.new_sha,
        )
        assert run_action(env).returncode == 0
        body = confluence.page(page_id)["body"]
        end = body.index("codedoc-section-end")
        paragraph = body.rindex("<p", 0, end)
        note = "<p>Ask the platform team before changing the retry policy.</p>"
        confluence.set_body(page_id, body[:paragraph] + note + body[paragraph:])

        run = run_action(env)
        assert run.returncode == 0, run.log
        assert "hand-written passage(s)" in run.summary
        assert '"Ask the platform team before changing the retry policy."' in (
            run.summary
        )
        assert "The managed section was edited by hand" in run.summary
