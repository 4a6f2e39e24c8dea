"""Regenerate codedoc_action/data/prices.json from litellm's price table.

Usage: python scripts/update_prices.py PATH/TO/model_prices_and_context_window.json

The source is the MIT-licensed ``model_prices_and_context_window.json`` of
BerriAI/litellm (also packaged in the litellm wheel as
``litellm/model_prices_and_context_window_backup.json``). Only chat models of
the providers codedoc-action supports are kept, with their per-token prices in
US dollars and their context and output limits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

OUTPUT = (
    Path(__file__).resolve().parent.parent / "codedoc_action" / "data" / "prices.json"
)
# litellm provider name -> (our provider name, key prefix litellm adds).
PROVIDERS = {
    "anthropic": ("anthropic", ""),
    "openai": ("openai", ""),
    "gemini": ("google", "gemini/"),
    "azure": ("azure-openai", "azure/"),
}
FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "max_input_tokens": "context_window",
    "max_output_tokens": "max_output_tokens",
}


def trim(source: dict[str, Any]) -> dict[str, dict[str, dict[str, float | int]]]:
    """Return {provider: {model id: {field: value}}} for the chat models kept."""
    table: dict[str, dict[str, dict[str, float | int]]] = {
        ours: {} for ours, _ in PROVIDERS.values()
    }
    for key, entry in sorted(source.items()):
        if not isinstance(entry, dict) or entry.get("mode") != "chat":
            continue
        mapping = PROVIDERS.get(str(entry.get("litellm_provider")))
        if mapping is None:
            continue
        provider, prefix = mapping
        model = key.removeprefix(prefix)
        # Region-scoped Azure entries (azure/eu/...) and fine-tunes are skipped.
        if "/" in model or model.startswith("ft:"):
            continue
        if not isinstance(entry.get("input_cost_per_token"), (int, float)):
            continue
        table[provider][model] = {
            ours: entry[theirs]
            for theirs, ours in FIELDS.items()
            if isinstance(entry.get(theirs), (int, float))
        }
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="litellm price JSON file")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write")
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    table = trim(json.loads(raw))
    document = {
        "source": "BerriAI/litellm model_prices_and_context_window.json (MIT)",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "units": "US dollars per token; limits in tokens",
        "models": table,
    }
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    args.output.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{name} {len(models)}" for name, models in table.items())
    print(f"wrote {args.output}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
