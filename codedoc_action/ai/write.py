"""Writing the section: one call when the material fits, else summaries first.

Material that does not fit one write call is packed into batches, and each
batch is summarised by its own call. Those calls run in parallel, at most
``concurrency`` at a time and ``Limits.max_summary_calls`` in all. The write
call then composes the section from the summaries. Whatever fits neither the call size
nor the budget is left out and listed.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from codedoc_action.ai.budget import Budget
from codedoc_action.ai.calls import call_model
from codedoc_action.ai.limits import Limits
from codedoc_action.ai.material import Item
from codedoc_action.ai.prompts import (
    CACHEABLE_PREFIX,
    SYSTEM_PROMPT,
    data_block,
    instructions_block,
    language_line,
    prefix_messages,
)
from codedoc_action.ai.tokens import estimate_request_tokens, estimate_tokens
from codedoc_action.providers.base import CompletionRequest, Message, Provider
from codedoc_action.usage import UsageLedger

logger = logging.getLogger(__name__)

FORMAT_RULES = (
    "Format: Markdown only, no raw HTML, no preamble. Use '## ' headings for "
    "sections. End every '## ' section with one line 'Sources: `path`, `path`' "
    "naming the files that section was written from."
)
SUMMARY_TASK = (
    "Task: summarise the material below for the writer of the documentation. "
    "For each file, start with '### `path`', then state its purpose, its public "
    "interface with exact identifiers, and what the diff changes in behaviour. "
    "Keep every identifier and path spelled exactly. Be brief."
)


@dataclass(frozen=True)
class WriteJob:
    """Everything the write step needs besides the material."""

    model: str
    repository_map: str
    head: str
    mode: str
    current_section: str
    page_title: str
    change_list: str
    instructions: str
    language: str


@dataclass(frozen=True)
class WriteOutcome:
    markdown: str
    left_out: tuple[str, ...]
    summary_calls: int


def write_task(job: WriteJob) -> str:
    if job.mode == "full" or not job.current_section.strip():
        goal = (
            f"Task: write the documentation section of the page "
            f"'{job.page_title}' from scratch for the repository at commit "
            f"{job.head[:12]}, from the material below."
        )
    else:
        goal = (
            f"Task: revise the documentation section of the page "
            f"'{job.page_title}' so it is correct for the repository at commit "
            f"{job.head[:12]}. Keep what is still correct and the section's "
            "structure; fix what the changes make wrong; add what is new; drop "
            "what was removed."
        )
    parts = [
        goal,
        FORMAT_RULES,
        language_line(job.language),
        instructions_block(job.instructions),
        data_block("Changed files in the range:", job.change_list),
    ]
    if job.current_section.strip():
        parts.append(data_block("Current section:", job.current_section))
    return "\n\n".join(part for part in parts if part)


def item_block(item: Item) -> str:
    titles = {
        "file": "File",
        "signatures": "Signatures of",
        "diff": "Diff of",
        "removed": "Diff of",
        "summary": "Summary",
    }
    return data_block(f"{titles.get(item.kind, item.kind)} {item.path}:", item.text)


def _request(
    job: WriteJob, task: str, blocks: list[str], stage: str, max_output: int
) -> CompletionRequest:
    body = "\n\n".join([task, *blocks])
    return CompletionRequest(
        model=job.model,
        system=SYSTEM_PROMPT,
        messages=(*prefix_messages(job.repository_map), Message("user", body)),
        max_output_tokens=max_output,
        stage=stage,
        cacheable_prefix=CACHEABLE_PREFIX,
        temperature=0.2,
    )


def fixed_write_tokens(job: WriteJob, limits: Limits) -> int:
    """Estimate a write call with no material: prompt, map, task, section."""
    request = _request(job, write_task(job), [], "write", limits.write_output_tokens)
    return estimate_request_tokens(request)


def write_section(
    provider: Provider,
    job: WriteJob,
    items: list[Item],
    *,
    limits: Limits,
    ledger: UsageLedger,
    budget: Budget,
    concurrency: int,
) -> WriteOutcome:
    """Write the section from ``items``, summarising first when they do not fit."""
    task = write_task(job)
    fixed = fixed_write_tokens(job, limits)
    capacity = _material_capacity(fixed, limits, budget)
    total = sum(estimate_tokens(item_block(item)) for item in items)
    left_out: list[str] = []
    summary_calls = 0
    if total > capacity:
        summaries, left_out = summarise_in_batches(
            provider,
            job,
            items,
            fixed=fixed,
            limits=limits,
            ledger=ledger,
            budget=budget,
            concurrency=concurrency,
        )
        summary_calls = len(summaries)
        if summaries:
            items = summaries
        capacity = _material_capacity(fixed, limits, budget)
    blocks, dropped = _fit_blocks(items, capacity)
    left_out.extend(dropped)
    request = _request(job, task, blocks, "write", limits.write_output_tokens)
    completion = call_model(provider, request, ledger, budget)
    unique_left_out = tuple(dict.fromkeys(left_out))
    if unique_left_out:
        logger.info("material left out: %d files", len(unique_left_out))
    return WriteOutcome(completion.text.strip(), unique_left_out, summary_calls)


def _material_capacity(fixed: int, limits: Limits, budget: Budget) -> int:
    capacity = limits.call_input_tokens - fixed
    remaining = budget.remaining_tokens()
    if remaining is not None:
        capacity = min(capacity, remaining - fixed - limits.write_output_tokens)
    return max(capacity, 0)


def _fit_blocks(items: list[Item], capacity: int) -> tuple[list[str], list[str]]:
    blocks: list[str] = []
    dropped: list[str] = []
    for item in items:
        block = item_block(item)
        cost = estimate_tokens(block) + 2
        if cost > capacity:
            dropped.append(item.path)
            continue
        blocks.append(block)
        capacity -= cost
    return blocks, dropped


def truncate_item(item: Item, max_tokens: int) -> Item:
    """Cut ``item`` by lines to about ``max_tokens``, marking the cut."""
    kept: list[str] = []
    used = 0
    lines = item.text.splitlines()
    for line in lines:
        cost = estimate_tokens(line + "\n")
        if used + cost > max_tokens:
            break
        kept.append(line)
        used += cost
    hidden = len(lines) - len(kept)
    text = "\n".join([*kept, f"[... {hidden} more lines cut to fit one call]"])
    return Item(item.path, item.kind, text, estimate_tokens(text))


def pack_batches(
    items: list[Item],
    *,
    batch_capacity: int,
    max_batches: int,
    affordable: int,
    per_batch_cost: int,
) -> tuple[list[list[Item]], list[str]]:
    """Pack items in order into batches within the call size, count and budget.

    ``affordable`` is the budget left for summary calls; each batch costs its
    material plus ``per_batch_cost`` (its fixed prompt and maximum output).
    """
    batches: list[list[Item]] = []
    left_out: list[str] = []
    room = 0
    for item in items:
        if item.tokens > batch_capacity:
            item = truncate_item(item, batch_capacity - 64)
        cost = estimate_tokens(item_block(item)) + 2
        if batches and cost <= room and cost <= affordable:
            batches[-1].append(item)
            room -= cost
            affordable -= cost
            continue
        if len(batches) < max_batches and cost + per_batch_cost <= affordable:
            batches.append([item])
            room = batch_capacity - cost
            affordable -= cost + per_batch_cost
            continue
        left_out.append(item.path)
    return batches, left_out


def summarise_in_batches(
    provider: Provider,
    job: WriteJob,
    items: list[Item],
    *,
    fixed: int,
    limits: Limits,
    ledger: UsageLedger,
    budget: Budget,
    concurrency: int,
) -> tuple[list[Item], list[str]]:
    """Summarise ``items`` in parallel batches; return summaries and left-out paths."""
    empty = _request(job, SUMMARY_TASK, [], "summarise", limits.summary_output_tokens)
    summary_fixed = estimate_request_tokens(empty)
    batch_capacity = limits.call_input_tokens - summary_fixed
    max_batches = min(
        limits.max_summary_calls,
        (limits.call_input_tokens - fixed) // (limits.summary_output_tokens + 64),
    )
    remaining = budget.remaining_tokens()
    affordable = (
        10**12
        if remaining is None
        else remaining
        - fixed
        - limits.write_output_tokens
        - max_batches * limits.summary_output_tokens
    )
    batches, left_out = pack_batches(
        items,
        batch_capacity=batch_capacity,
        max_batches=max(max_batches, 0),
        affordable=affordable,
        per_batch_cost=summary_fixed + limits.summary_output_tokens,
    )
    if len(batches) <= 1:
        # One batch is no better than one write call with the same material.
        return [], []
    logger.info("summarising %d batches, %d at a time", len(batches), concurrency)

    def summarise(batch: list[Item]) -> Item:
        blocks = [item_block(item) for item in batch]
        request = _request(
            job, SUMMARY_TASK, blocks, "summarise", limits.summary_output_tokens
        )
        text = call_model(provider, request, ledger, budget).text.strip()
        label = ", ".join(item.path for item in batch[:5])
        if len(batch) > 5:
            label += f" and {len(batch) - 5} more files"
        return Item(label, "summary", text, estimate_tokens(text))

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        summaries = list(pool.map(summarise, batches))
    return summaries, left_out
