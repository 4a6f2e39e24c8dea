"""The single entry the run calls: from a change set to the section's Markdown.

The steps: map the repository, then pick the files worth reading in one
structured call, then read and scrub them. The section is written next, after
summaries when the material is too large for one call. Last, the sources are
linked and every path and identifier the page names is checked. A range
without a relevant change makes no call at all, and ``provider=None`` writes
the offline structural document.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from codedoc_action.ai.budget import Budget, CallEstimate, Price
from codedoc_action.ai.checks import check_page
from codedoc_action.ai.limits import Limits, limits_for
from codedoc_action.ai.material import (
    Item,
    build_items,
    is_pure_rename,
    prepare_diffs,
    relevant_changes,
    render_change_list,
)
from codedoc_action.ai.scrub import scrub_text
from codedoc_action.ai.select import (
    SelectionOutcome,
    build_selection_request,
    select_files,
)
from codedoc_action.ai.sources import link_prefix, link_sources, remap_renames
from codedoc_action.ai.tokens import count_request_tokens, estimate_size_tokens
from codedoc_action.ai.write import (
    WriteJob,
    WriteOutcome,
    fixed_write_tokens,
    write_section,
)
from codedoc_action.changes.model import ChangedFile, ChangeSet
from codedoc_action.errors import StrictCheckError
from codedoc_action.providers.base import CompletionRequest, Provider
from codedoc_action.providers.offline import write_offline_document
from codedoc_action.repomap import RepoMap, SymbolCache, build_repo_map
from codedoc_action.usage import UsageLedger

logger = logging.getLogger(__name__)

DIFF_TOKENS_PER_LINE = 12


@dataclass(frozen=True)
class GenerationInput:
    repo_root: Path
    head: str
    changes: ChangeSet
    current_section: str
    page_title: str
    mode: Literal["update", "full"]
    instructions: str
    language: str
    max_files: int
    model: str
    selection_model: str
    strict: bool
    source_link_template: str | None


@dataclass(frozen=True)
class Selection:
    path: str
    reason: str


@dataclass(frozen=True)
class GenerationResult:
    markdown: str
    selections: tuple[Selection, ...]
    redactions: dict[str, int]
    warnings: tuple[str, ...]
    left_out: tuple[str, ...]
    skipped_ai: bool  # True when the range had no relevant change, so no AI call


def generate(
    provider: Provider | None,
    inputs: GenerationInput,
    ledger: UsageLedger,
    budget: Budget,
    *,
    price: Price | None = None,
    concurrency: int = 4,
    limits: Limits | None = None,
    symbol_cache: SymbolCache | None = None,
) -> GenerationResult:
    """Generate the section's Markdown; ``provider=None`` uses the offline writer.

    ``price`` prices the calls for the ledger when ``budget`` has no price of
    its own, and its context window and maximum output size the calls unless
    ``limits`` is given. Raises ``BudgetError`` before any call that could overrun the
    budget, ``StrictCheckError`` with ``strict`` when the page names missing
    paths or identifiers, and ``ProviderError`` when the provider fails.
    """
    if price is not None and budget.price is None:
        budget.price = price
    limits = limits or limits_for(budget.price)
    repo_map = build_repo_map(inputs.repo_root, inputs.head, symbol_cache)
    relevant = relevant_changes(inputs.changes)
    renames = [changed for changed in inputs.changes.files if is_pure_rename(changed)]
    section = remap_renames(inputs.current_section, renames)
    if inputs.mode == "update" and section.strip() and not relevant:
        logger.info("no relevant change in the range: no AI call")
        return GenerationResult(section, (), {}, (), (), skipped_ai=True)
    if provider is None:
        return _generate_offline(repo_map, inputs)
    return _generate_with_ai(
        provider,
        inputs,
        repo_map,
        relevant,
        section,
        ledger,
        budget,
        limits,
        concurrency,
    )


def _generate_offline(repo_map: RepoMap, inputs: GenerationInput) -> GenerationResult:
    markdown = write_offline_document(
        repo_map,
        inputs.changes,
        page_title=inputs.page_title,
        source_link_template=inputs.source_link_template,
    )
    warnings = _check_markdown(markdown, repo_map, inputs)
    return GenerationResult(markdown, (), {}, tuple(warnings), (), skipped_ai=False)


def _check_markdown(
    markdown: str, repo_map: RepoMap, inputs: GenerationInput
) -> list[str]:
    """Check the page's paths and identifiers; a strict failure carries the page.

    The page may have been paid for, so the caller can save it from the error.
    """
    try:
        return check_page(
            markdown,
            repo_map,
            strict=inputs.strict,
            link_prefix=link_prefix(inputs.source_link_template, inputs.head),
            removed_paths=removed_paths(inputs.changes),
        )
    except StrictCheckError as error:
        error.markdown = markdown
        raise


def removed_paths(changes: ChangeSet) -> set[str]:
    """Return the paths the range deleted or moved away, which a page may name."""
    removed = {c.path for c in changes.files if c.status == "deleted"}
    removed |= {
        c.old_path for c in changes.files if c.status == "renamed" and c.old_path
    }
    return removed


def _generate_with_ai(
    provider: Provider,
    inputs: GenerationInput,
    repo_map: RepoMap,
    relevant: list[ChangedFile],
    section: str,
    ledger: UsageLedger,
    budget: Budget,
    limits: Limits,
    concurrency: int,
) -> GenerationResult:
    redactions: Counter[str] = Counter()
    select_request, job = _build_requests(
        inputs, repo_map, relevant, section, limits, redactions
    )
    _check_run_plan(
        provider, budget, select_request, job, relevant, repo_map, inputs, limits
    )

    with ThreadPoolExecutor(max_workers=1) as background:
        pending_diffs = background.submit(
            prepare_diffs,
            repo_map,
            relevant,
            inputs.changes.range.base,
            inputs.mode,
            limits,
        )
        outcome = select_files(
            provider,
            select_request,
            repo_map=repo_map,
            changes=relevant,
            max_files=inputs.max_files,
            ledger=ledger,
            budget=budget,
        )
        diffs, diff_redactions = pending_diffs.result()
    redactions.update(diff_redactions)

    items = build_items(repo_map, outcome.picks, diffs, inputs.mode, limits, redactions)
    written = write_section(
        provider,
        job,
        items,
        limits=limits,
        ledger=ledger,
        budget=budget,
        concurrency=concurrency,
    )
    return _finish(inputs, repo_map, outcome, items, written, redactions)


def _build_requests(
    inputs: GenerationInput,
    repo_map: RepoMap,
    relevant: list[ChangedFile],
    section: str,
    limits: Limits,
    redactions: Counter[str],
) -> tuple[CompletionRequest, WriteJob]:
    """Build the select request and the write job from the scrubbed map and section."""
    focus = [changed.path for changed in relevant if changed.status != "deleted"]
    # The map contains paths, sizes and symbol names but no string literals, so
    # our own token patterns cover it without a detect-secrets pass.
    map_result = scrub_text(repo_map.render(limits.map_tokens, focus), detect=False)
    redactions.update(map_result.counts)
    section_text = _scrubbed(section, redactions)
    select_request = build_selection_request(
        model=inputs.selection_model or inputs.model,
        repository_map=map_result.text,
        changes=relevant,
        current_section=section_text,
        instructions=inputs.instructions,
        max_files=inputs.max_files,
        change_list_tokens=limits.change_list_tokens,
        max_output_tokens=limits.select_output_tokens,
    )
    job = WriteJob(
        model=inputs.model,
        repository_map=map_result.text,
        head=inputs.head,
        mode=inputs.mode,
        current_section=section_text,
        page_title=inputs.page_title,
        change_list=render_change_list(relevant, limits.change_list_tokens),
        instructions=inputs.instructions,
        language=inputs.language,
    )
    return select_request, job


def _finish(
    inputs: GenerationInput,
    repo_map: RepoMap,
    outcome: SelectionOutcome,
    items: list[Item],
    written: WriteOutcome,
    redactions: Counter[str],
) -> GenerationResult:
    """Link the sources, check the page and collect the warnings."""
    warnings = list(outcome.warnings)
    sent_paths = [item.path for item in items if item.path not in written.left_out]
    markdown = link_sources(
        written.markdown, repo_map, sent_paths, inputs.source_link_template, warnings
    )
    warnings += _check_markdown(markdown, repo_map, inputs)
    if written.left_out:
        warnings.append(
            f"{len(written.left_out)} files did not fit the calls or the budget and "
            "were left out; raise max-tokens or lower max-files to include them"
        )
    if redactions:
        logger.info("redacted before sending: %s", dict(redactions))
    return GenerationResult(
        markdown=markdown,
        selections=tuple(Selection(pick.path, pick.reason) for pick in outcome.picks),
        redactions=dict(redactions),
        warnings=tuple(warnings),
        left_out=written.left_out,
        skipped_ai=False,
    )


def _scrubbed(text: str, redactions: Counter[str]) -> str:
    result = scrub_text(text)
    redactions.update(result.counts)
    return result.text


def _check_run_plan(
    provider: Provider,
    budget: Budget,
    select_request: CompletionRequest,
    job: WriteJob,
    relevant: list[ChangedFile],
    repo_map: RepoMap,
    inputs: GenerationInput,
    limits: Limits,
) -> None:
    """Fail before the first call when the select and write calls cannot fit.

    The write call is planned with the diffs of the relevant changes and the
    full text of up to ``max_files`` changed files, capped at one call's size.
    """
    select = CallEstimate(
        "select",
        count_request_tokens(provider, select_request),
        select_request.max_output_tokens,
        model=select_request.model,
    )
    diff_lines = sum(
        min(changed.added_lines + changed.removed_lines, limits.diff_file_max_lines)
        for changed in relevant
    )
    sizes = sorted(
        (repo_map.entries[c.path].size for c in relevant if c.path in repo_map.entries),
        reverse=True,
    )
    material = diff_lines * DIFF_TOKENS_PER_LINE + sum(
        min(estimate_size_tokens(size), limits.file_tokens)
        for size in sizes[: inputs.max_files]
    )
    write_input = min(
        limits.call_input_tokens, fixed_write_tokens(job, limits) + material
    )
    budget.check_plan(
        [select, CallEstimate("write", write_input, limits.write_output_tokens)]
    )
