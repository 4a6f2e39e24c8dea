"""Settings parsing: sources, precedence and error reports."""

from __future__ import annotations

import pytest

from codedoc_action.errors import SettingsError
from codedoc_action.settings import (
    INPUT_NAMES,
    build_settings,
    inputs_from_codedoc_env,
    inputs_from_github_env,
    merge_sources,
)


def test_settings_defaults_to_offline_without_key() -> None:
    settings = build_settings({})
    assert settings.provider == "offline"
    assert settings.max_files == 20
    assert not settings.publishes_to_confluence


def test_settings_key_implies_anthropic() -> None:
    settings = build_settings({"api-key": "sk-test"})
    assert settings.provider == "anthropic"
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "sk-test"


def test_settings_github_env_keeps_hyphens() -> None:
    env = {
        "INPUT_API-KEY": "k1",
        "INPUT_MAX-FILES": "5",
        "INPUT_DRY-RUN": "true",
        "INPUT_MODEL": "",
    }
    found = inputs_from_github_env(env)
    assert found == {"api-key": "k1", "max-files": "5", "dry-run": "true"}


def test_settings_codedoc_env_uses_underscores() -> None:
    found = inputs_from_codedoc_env({"CODEDOC_CONFLUENCE_PAGE": "42"})
    assert found == {"confluence-page": "42"}


def test_settings_flag_beats_env_beats_config() -> None:
    merged = merge_sources(
        {"model": "from-flag"},
        {"model": "from-env", "language": "de"},
        {"model": "from-config", "language": "fr", "mode": "full"},
    )
    assert merged == {"model": "from-flag", "language": "de", "mode": "full"}


def test_settings_lists_split_on_newline_and_comma() -> None:
    settings = build_settings({"paths": "src/**\n docs/*.md, README.md\n"})
    assert settings.paths == ["src/**", "docs/*.md", "README.md"]


def test_settings_reports_every_problem_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings(
            {
                "provider": "openai",
                "max-files": "many",
                "confluence-url": "ftp://wiki",
                "dry-run": "perhaps",
                "colour": "blue",
            }
        )
    problems = caught.value.problems
    names = [problem.split(":", 1)[0] for problem in problems]
    assert "max-files" in names
    assert "confluence-url" in names
    assert "dry-run" in names
    assert "colour" in names
    assert caught.value.exit_code == 2


def test_settings_missing_key_names_input_and_fix() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"provider": "google"})
    text = str(caught.value)
    assert "api-key: missing" in text
    assert "provider: offline" in text


def test_settings_unknown_provider_lists_choices() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"provider": "llama"})
    assert "anthropic, openai, google" in str(caught.value)


def test_settings_publishing_needs_page_and_token() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"confluence-url": "https://example.atlassian.net/wiki"})
    text = str(caught.value)
    assert "confluence-token: missing" in text
    assert "confluence-page: missing" in text


def test_settings_dry_run_needs_no_confluence() -> None:
    settings = build_settings(
        {"confluence-url": "https://example.atlassian.net/wiki", "dry-run": "true"}
    )
    assert settings.dry_run
    assert not settings.publishes_to_confluence


def test_settings_secret_hidden_in_repr() -> None:
    settings = build_settings({"api-key": "sk-very-secret-value"})
    assert "sk-very-secret-value" not in repr(settings)
    assert "sk-very-secret-value" not in str(settings.model_dump())


def test_settings_input_names_cover_design() -> None:
    for name in ("api-key", "confluence-page", "max-cost", "price-output"):
        assert name in INPUT_NAMES


def test_settings_cross_checks_survive_field_errors() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"provider": "openai", "max-files": "0"})
    text = str(caught.value)
    assert "max-files:" in text
    assert "api-key: missing" in text


def test_settings_provider_typo_suggests_name() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"provider": "antropic"})
    assert "'antropic' is not a provider; did you mean anthropic?" in str(caught.value)


def test_settings_provider_ignores_case() -> None:
    assert build_settings({"provider": "OFFLINE"}).provider == "offline"


def test_settings_page_must_be_id_or_url() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"confluence-page": "page-1", "dry-run": "true"})
    assert "expected a numeric page id or a page URL" in str(caught.value)


def test_settings_rejects_option_like_revision() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"base": "--upload-pack=x"})
    assert "base: expected a commit id" in str(caught.value)


def test_settings_rejected_secret_never_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings({"api-key": 987654321123})
    assert "987654321123" not in str(caught.value)


def test_settings_invalid_value_not_called_missing() -> None:
    with pytest.raises(SettingsError) as caught:
        build_settings(
            {
                "confluence-url": "wiki.example.com",
                "confluence-token": "t",
                "confluence-page": "1",
            }
        )
    problems = caught.value.problems
    assert any(
        p.startswith("confluence-url: expected an http(s) URL") for p in problems
    )
    assert not any(p.startswith("confluence-url: missing") for p in problems)
