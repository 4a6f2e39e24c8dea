"""Price table lookups, overrides, costs and the script that builds the table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codedoc_action.pricing import Price, cost, lookup, price_for
from codedoc_action.usage import Usage

ROOT = Path(__file__).resolve().parents[2]
EXCERPT = ROOT / "tests" / "fixtures" / "providers" / "litellm_excerpt.json"


def test_pricing_listed_model() -> None:
    price = price_for("anthropic", "claude-sonnet-4-5-20250929")

    assert price is not None
    assert price.input == pytest.approx(3e-06)
    assert price.output == pytest.approx(1.5e-05)
    assert price.cache_read == pytest.approx(3e-07)
    assert price.cache_write == pytest.approx(3.75e-06)
    assert price.context_window == 200_000


def test_pricing_unknown_model_is_none() -> None:
    assert price_for("openai-compatible", "qwen3:14b") is None
    assert price_for("openai", "gpt-404") is None
    assert price_for("anthropic", "claude-unknown", override_input=1.0) is None


def test_pricing_dated_and_prefixed_ids() -> None:
    dated = price_for("openai", "gpt-4o-2099-01-01")
    prefixed = price_for("google", "models/gemini-2.5-flash")

    assert dated == lookup("openai", "gpt-4o")
    assert prefixed is not None
    assert prefixed.context_window == 1_048_576


def test_pricing_azure_falls_back_to_openai() -> None:
    azure_only = lookup("azure-openai", "gpt-4o")
    openai_only = price_for("azure-openai", "o4-mini")

    assert azure_only is not None
    assert openai_only == lookup("openai", "o4-mini")


def test_pricing_both_overrides_price_unknown_model() -> None:
    price = price_for(
        "openai-compatible", "llama3", override_input=0.5, override_output=2
    )

    assert price == Price(input=0.5e-6, output=2e-6)


def test_pricing_input_override_scales_cache_rates() -> None:
    listed = lookup("anthropic", "claude-sonnet-4-5-20250929")
    price = price_for("anthropic", "claude-sonnet-4-5-20250929", override_input=1.5)

    assert listed is not None
    assert listed.cache_read is not None
    assert price is not None
    assert price.input == pytest.approx(1.5e-6)
    assert price.cache_read == pytest.approx(listed.cache_read / 2)
    assert price.output == listed.output


def test_pricing_cost_uses_cache_rates() -> None:
    price = Price(input=1e-6, output=4e-6, cache_read=0.1e-6, cache_write=1.25e-6)
    usage = Usage(
        input_tokens=10_000,
        output_tokens=1_000,
        cache_read_tokens=6_000,
        cache_write_tokens=2_000,
    )

    total = cost(usage, price)

    expected = 2_000 * 1e-6 + 6_000 * 0.1e-6 + 2_000 * 1.25e-6 + 1_000 * 4e-6
    assert total == pytest.approx(expected)


def test_pricing_cost_without_cache_rates() -> None:
    price = Price(input=2e-6, output=8e-6)
    usage = Usage(input_tokens=1_000, output_tokens=10, cache_read_tokens=400)

    assert cost(usage, price) == pytest.approx(1_000 * 2e-6 + 10 * 8e-6)


def test_pricing_table_covers_default_models() -> None:
    for provider, model in (
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("openai", "gpt-5-mini"),
        ("google", "gemini-2.5-flash"),
    ):
        assert lookup(provider, model) is not None, model


def test_update_prices_keeps_chat_models(tmp_path: Path) -> None:
    output = tmp_path / "prices.json"

    script = ROOT / "scripts" / "update_prices.py"
    subprocess.run(
        [sys.executable, str(script), str(EXCERPT), "--output", str(output)],
        check=True,
        capture_output=True,
    )

    table = json.loads(output.read_text())["models"]
    assert set(table) == {"anthropic", "openai", "google", "azure-openai"}
    assert set(table["openai"]) == {"gpt-4o", "gpt-5-mini"}
    assert set(table["azure-openai"]) == {"gpt-4o"}
    assert set(table["google"]) == {"gemini-2.5-flash"}
    assert table["anthropic"]["claude-sonnet-4-5-20250929"]["cache_write"] == 3.75e-06
    assert "text-embedding-3-small" not in json.dumps(table)
