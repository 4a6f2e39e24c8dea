"""Structured output: JSON schema helpers and tolerant parsing of JSON text."""

from __future__ import annotations

import json
import re
from typing import Any

from codedoc_action.errors import ProviderError

FENCED_JSON = re.compile(r"```(?:json)?\s*\n(.*?)\n\s*```", re.DOTALL)
SCHEMA_NAME = re.compile(r"[^a-zA-Z0-9_-]")


def schema_name(name: str) -> str:
    """Return a schema or tool name the OpenAI and Anthropic APIs accept."""
    cleaned = SCHEMA_NAME.sub("_", name)[:64]
    return cleaned or "answer"


def fenced_json_instruction(schema: dict[str, Any]) -> str:
    """Return the instruction for servers that cannot enforce a JSON schema."""
    return (
        "Answer with one JSON object that matches this JSON schema, inside a "
        "```json fenced code block, and nothing else:\n"
        + json.dumps(schema, indent=1, sort_keys=True)
    )


def is_strict_compatible(schema: object) -> bool:
    """True when OpenAI's strict mode accepts the schema.

    Strict mode requires every object to list all its properties as required
    and to set ``additionalProperties`` to false.
    """
    if isinstance(schema, list):
        return all(is_strict_compatible(item) for item in schema)
    if not isinstance(schema, dict):
        return True
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            return False
        if set(schema.get("required") or []) != set(properties):
            return False
    return all(is_strict_compatible(value) for value in schema.values())


def parse_json_object(
    text: str, *, provider: str, request_id: str | None
) -> dict[str, Any]:
    """Parse a JSON object from an answer, bare or in a fenced code block.

    Raises ``ProviderError`` when no JSON object can be found.
    """
    candidates = [text.strip()]
    candidates += [match.group(1) for match in FENCED_JSON.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise ProviderError(
        f"{provider} returned a structured answer that is not a JSON object "
        f"(request id {request_id or 'unknown'}): {text[:200]!r}. Rerun, or set "
        "selection-model to a model that follows JSON schemas.",
        provider=provider,
        request_id=request_id,
    )
