"""File selection: the model picks the files worth reading, we validate the picks."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codedoc_action.ai.budget import Budget
from codedoc_action.ai.calls import call_model
from codedoc_action.ai.material import Pick, page_outline, render_change_list
from codedoc_action.ai.prompts import (
    CACHEABLE_PREFIX,
    SYSTEM_PROMPT,
    data_block,
    instructions_block,
    prefix_messages,
)
from codedoc_action.ai.scrub import is_secret_file
from codedoc_action.changes.model import ChangedFile
from codedoc_action.providers.base import CompletionRequest, Message, Provider
from codedoc_action.repomap import RepoMap
from codedoc_action.usage import UsageLedger

__all__ = [
    "Pick",
    "PickedFile",
    "SelectionAnswer",
    "SelectionOutcome",
    "build_selection_request",
    "fallback_picks",
    "select_files",
    "validate_picks",
]

logger = logging.getLogger(__name__)

SELECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "reason": {"type": "string"},
                },
                "required": ["path", "reason"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["files"],
    "additionalProperties": False,
}


class PickedFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str = Field(min_length=1, max_length=1000)
    reason: str = Field(default="", max_length=2000)


class SelectionAnswer(BaseModel):
    """The structured output of the selection call."""

    model_config = ConfigDict(extra="ignore")

    files: list[PickedFile]


@dataclass(frozen=True)
class SelectionOutcome:
    picks: tuple[Pick, ...]
    warnings: tuple[str, ...]


def build_selection_request(
    *,
    model: str,
    repository_map: str,
    changes: list[ChangedFile],
    current_section: str,
    instructions: str,
    max_files: int,
    change_list_tokens: int,
    max_output_tokens: int,
) -> CompletionRequest:
    task = "\n\n".join(
        part
        for part in (
            "Task: pick the files an engineer should read to bring the "
            f"documentation section up to date. Pick at most {max_files} files "
            "that exist in the repository map: the changed files that matter "
            "most, then unchanged files the changes depend on or affect. For "
            "each, give a one-sentence reason.",
            data_block(
                "Changed files (status path (+added -removed)):",
                render_change_list(changes, change_list_tokens),
            ),
            data_block("Current section outline:", page_outline(current_section)),
            instructions_block(instructions),
            'Answer with JSON only: {"files": [{"path": "...", "reason": "..."}]}',
        )
        if part
    )
    return CompletionRequest(
        model=model,
        system=SYSTEM_PROMPT,
        messages=(*prefix_messages(repository_map), Message("user", task)),
        max_output_tokens=max_output_tokens,
        stage="select",
        json_schema=SELECTION_SCHEMA,
        schema_name="file_selection",
        cacheable_prefix=CACHEABLE_PREFIX,
        temperature=0.0,
    )


def select_files(
    provider: Provider,
    request: CompletionRequest,
    *,
    repo_map: RepoMap,
    changes: list[ChangedFile],
    max_files: int,
    ledger: UsageLedger,
    budget: Budget,
) -> SelectionOutcome:
    """Ask the model for picks and keep the valid ones, changed files first.

    Output that does not validate falls back to the largest changes, with a
    warning, because a missing selection should not lose the whole run.
    """
    completion = call_model(provider, request, ledger, budget)
    warnings: list[str] = []
    try:
        answer = _parse_answer(completion.data, completion.text)
        raw_picks = answer.files
    except ValueError as error:
        warnings.append(
            "the selection answer was not valid JSON for the file list "
            f"({error}); the largest changed files were used instead"
        )
        raw_picks = []
    picks = validate_picks(raw_picks, repo_map, changes, max_files, warnings)
    if not picks:
        picks = fallback_picks(changes, repo_map, max_files)
    logger.info("selection kept %d files", len(picks))
    return SelectionOutcome(tuple(picks), tuple(warnings))


def _parse_answer(data: dict[str, Any] | None, text: str) -> SelectionAnswer:
    try:
        if data is not None:
            return SelectionAnswer.model_validate(data)
        return SelectionAnswer.model_validate(json.loads(_strip_fence(text)))
    except (ValidationError, json.JSONDecodeError) as error:
        first_line = str(error).splitlines()[0]
        raise ValueError(first_line) from error


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[-1]
        stripped = stripped.rsplit("```", 1)[0]
    return stripped


def validate_picks(
    raw_picks: list[PickedFile],
    repo_map: RepoMap,
    changes: list[ChangedFile],
    max_files: int,
    warnings: list[str],
) -> list[Pick]:
    """Drop picks that are missing at head or secret; order changed files first."""
    changed_paths = {changed.path for changed in changes}
    kept: dict[str, Pick] = {}
    for raw in raw_picks:
        path = _resolve(raw.path, repo_map)
        if path is None:
            warnings.append(f"selection dropped {raw.path!r}: not a file at head")
            continue
        if is_secret_file(path):
            warnings.append(f"selection dropped {path!r}: secret files are never read")
            continue
        if path not in kept:
            kept[path] = Pick(path, raw.reason.strip(), path in changed_paths)
    ordered = sorted(kept.values(), key=lambda pick: not pick.changed)
    if len(ordered) > max_files:
        warnings.append(
            f"selection returned {len(ordered)} files; kept the first {max_files} "
            "(max-files)"
        )
    return ordered[:max_files]


def _resolve(raw_path: str, repo_map: RepoMap) -> str | None:
    """Map a picked path to a file at head, accepting a unique path suffix."""
    path = raw_path.strip().strip("`").removeprefix("./").lstrip("/")
    if path in repo_map.entries:
        return path
    if not path or path.startswith(".."):
        return None
    matches = [p for p in repo_map.entries if p.endswith("/" + path)]
    return matches[0] if len(matches) == 1 else None


def fallback_picks(
    changes: list[ChangedFile], repo_map: RepoMap, max_files: int
) -> list[Pick]:
    """Return the largest changed files present at head, for runs without picks."""
    ordered = sorted(changes, key=lambda c: -(c.added_lines + c.removed_lines))
    picks = [
        Pick(changed.path, "changed in this range", True)
        for changed in ordered
        if changed.path in repo_map.entries and not is_secret_file(changed.path)
    ]
    return picks[:max_files]
