"""Prices of AI calls, from the price table shipped in ``data/prices.json``.

The table is a trimmed copy of litellm's MIT-licensed price list (regenerate
it with ``scripts/update_prices.py``). Prices are US dollars per token. A model
missing from the table has no price: callers show the cost as unknown, never
as $0. ``price-input`` and ``price-output`` override the table in US dollars
per million tokens.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from codedoc_action.usage import Usage

logger = logging.getLogger(__name__)

PER_MILLION = 1_000_000
DATED_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")
# Azure serves OpenAI's models; its table lags behind, so OpenAI's prices
# stand in for models it does not list.
FALLBACK_TABLES = {"azure-openai": ("azure-openai", "openai")}


@dataclass(frozen=True)
class Price:
    """US dollars per token of one model, and its limits when known.

    ``cache_read`` and ``cache_write`` are None when the table has no separate
    rate; those tokens then cost the input rate.
    """

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None


@cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    text = (
        resources.files("codedoc_action")
        .joinpath("data/prices.json")
        .read_text(encoding="utf-8")
    )
    models: dict[str, dict[str, dict[str, Any]]] = json.loads(text)["models"]
    return models


def lookup(provider: str, model: str) -> Price | None:
    """Return the table's price of a model, or None when it is not listed.

    The id is tried as given, without a ``models/`` prefix, and without a
    date suffix (``gpt-4o-2024-11-20`` falls back to ``gpt-4o``).
    """
    table = _table()
    model_id = model.strip().removeprefix("models/")
    candidates = [model_id, DATED_SUFFIX.sub("", model_id)]
    for name in FALLBACK_TABLES.get(provider, (provider,)):
        models = table.get(name, {})
        for candidate in candidates:
            entry = models.get(candidate)
            if entry is not None:
                return _price(entry)
    return None


def _price(entry: dict[str, Any]) -> Price:
    return Price(
        input=float(entry["input"]),
        output=float(entry.get("output", entry["input"])),
        cache_read=_optional_float(entry.get("cache_read")),
        cache_write=_optional_float(entry.get("cache_write")),
        context_window=_optional_int(entry.get("context_window")),
        max_output_tokens=_optional_int(entry.get("max_output_tokens")),
    )


def _optional_float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _optional_int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def price_for(
    provider: str,
    model: str,
    override_input: float | None = None,
    override_output: float | None = None,
) -> Price | None:
    """Return the price of a model, with overrides in US dollars per million tokens.

    With both overrides the price is known even for an unlisted model. With one
    override, the other rate comes from the table, and an unlisted model has no
    price. Cache rates of a listed model scale with the input override, because
    negotiated discounts apply to the whole input price list. An unlisted model
    pays the input rate for cached tokens.
    """
    listed = lookup(provider, model)
    if override_input is None and override_output is None:
        return listed
    if listed is None and (override_input is None or override_output is None):
        logger.info(
            "%s %s has no listed price, and only one of price-input and "
            "price-output is set; its cost is unknown",
            provider,
            model,
        )
        return None
    if listed is None:
        assert override_input is not None and override_output is not None
        return Price(
            input=override_input / PER_MILLION, output=override_output / PER_MILLION
        )
    price = listed
    if override_input is not None:
        new_input = override_input / PER_MILLION
        ratio = new_input / listed.input if listed.input else 1.0
        price = replace(
            price,
            input=new_input,
            cache_read=None if listed.cache_read is None else listed.cache_read * ratio,
            cache_write=None
            if listed.cache_write is None
            else listed.cache_write * ratio,
        )
    if override_output is not None:
        price = replace(price, output=override_output / PER_MILLION)
    return price


def cost(usage: Usage, price: Price) -> float:
    """Return the US dollar cost of one call's usage.

    Cache reads and writes are parts of ``usage.input_tokens`` and cost their
    own rates when known; reasoning tokens are part of the output.
    """
    # NOTE: long-context tiers (higher rates above 200k prompt tokens for some
    # Gemini and Claude models) are not in the trimmed table, so prompts that
    # large are priced at the base rate.
    cached = usage.cache_read_tokens + usage.cache_write_tokens
    uncached = max(0, usage.input_tokens - cached)
    read_rate = price.input if price.cache_read is None else price.cache_read
    write_rate = price.input if price.cache_write is None else price.cache_write
    return (
        uncached * price.input
        + usage.cache_read_tokens * read_rate
        + usage.cache_write_tokens * write_rate
        + usage.output_tokens * price.output
    )
