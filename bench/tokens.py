"""Measure what the AI pipeline sends, how often it calls, and how long it takes.

Run from the repository root: ``python bench/tokens.py`` (``--help`` for
options). Each scenario runs in a fresh process so peak memory is its own.
The provider is the deterministic fake from the tests. With no delay, the
wall time of ``generate`` is the time spent outside AI calls. With a delay of
2 s per call, the wall time is compared with the ideal: the longest chain of
calls, which is select, the summary rounds at the concurrency bound, and write.
All token figures use the same offline estimate (UTF-8 bytes / 3.2 * 1.15).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from repos import CACHE, PACKAGES, Scenario, package_scenarios, synthetic_scenario  # noqa: E402

from codedoc_action.ai.budget import Budget  # noqa: E402
from codedoc_action.ai.pipeline import GenerationInput, generate  # noqa: E402
from codedoc_action.ai.scrub import is_secret_file  # noqa: E402
from codedoc_action.ai.tokens import estimate_tokens  # noqa: E402
from codedoc_action.changes.files import list_changes  # noqa: E402
from codedoc_action.changes.git import Git  # noqa: E402
from codedoc_action.changes.model import CommitRange  # noqa: E402
from codedoc_action.repomap import is_binary, list_tree, read_blobs  # noqa: E402
from codedoc_action.usage import UsageLedger  # noqa: E402
from tests.ai.fakes import FakeProvider, request_text  # noqa: E402

CONCURRENCY = 4
SECTION = "## Overview\n\nWhat the package does.\n\n## Modules\n\nThe main modules.\n"


def _inputs(scenario: Scenario, changes: object) -> GenerationInput:
    return GenerationInput(
        repo_root=scenario.root,
        head=scenario.head,
        changes=changes,  # type: ignore[arg-type]
        current_section=SECTION,
        page_title=scenario.name,
        mode="update",
        instructions="",
        language="",
        max_files=20,
        model="fake-model",
        selection_model="fake-model",
        strict=False,
        source_link_template=None,
    )


def _text_tokens(root: Path, head: str, only: set[str] | None = None) -> int:
    entries = [
        e
        for e in list_tree(root, head)
        if not is_secret_file(e.path) and (only is None or e.path in only)
    ]
    total = 0
    for start in range(0, len(entries), 2_000):
        batch = entries[start : start + 2_000]
        contents = read_blobs(root, [e.blob for e in batch])
        for entry in batch:
            content = contents.get(entry.blob, b"")
            if not is_binary(content):
                total += estimate_tokens(content.decode("utf-8", errors="replace"))
    return total


def measure(scenario: Scenario, delay: float) -> dict[str, object]:
    """Run one scenario; called in a fresh process."""
    logging.disable(logging.WARNING)
    started = time.perf_counter()
    changes = list_changes(
        Git(scenario.root), CommitRange(scenario.base, scenario.head, "bench")
    )
    list_seconds = time.perf_counter() - started

    provider = FakeProvider(models=("fake-model",))
    ledger = UsageLedger()
    started = time.perf_counter()
    result = generate(
        provider, _inputs(scenario, changes), ledger, Budget(), concurrency=CONCURRENCY
    )
    outside_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    git_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    sent = sum(estimate_tokens(request_text(request)) for request in provider.requests)
    stages = [call.stage for call in ledger.calls]

    wall = ideal = None
    if delay > 0:
        slow = FakeProvider(models=("fake-model",), delay_seconds=delay)
        slow_ledger = UsageLedger()
        started = time.perf_counter()
        generate(
            slow,
            _inputs(scenario, changes),
            slow_ledger,
            Budget(),
            concurrency=CONCURRENCY,
        )
        wall = time.perf_counter() - started
        summaries = sum(1 for call in slow_ledger.calls if call.stage == "summarise")
        others = len(slow_ledger.calls) - summaries
        ideal = delay * (others + math.ceil(summaries / CONCURRENCY))

    changed = {c.path for c in changes.files if c.status != "deleted"}
    whole = _text_tokens(scenario.root, scenario.head)
    changed_full = _text_tokens(scenario.root, scenario.head, changed)
    return {
        "name": scenario.name,
        "kind": scenario.kind,
        "files_at_head": len(list_tree(scenario.root, scenario.head)),
        "changed_files": len(changes.files),
        "sent_tokens": sent,
        "whole_repo_tokens": whole,
        "changed_full_tokens": changed_full,
        "reduction_vs_whole": 1 - sent / whole if whole else 0.0,
        "reduction_vs_changed": 1 - sent / changed_full if changed_full else 0.0,
        "calls": {stage: stages.count(stage) for stage in dict.fromkeys(stages)},
        "left_out": len(result.left_out),
        "list_changes_seconds": list_seconds,
        "outside_ai_seconds": outside_seconds,
        "peak_rss_mb": peak_mb,
        "git_peak_rss_mb": git_peak_mb,
        "wall_seconds": wall,
        "ideal_seconds": ideal,
    }


def _child(scenario: Scenario, delay: float, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(measure(scenario, delay))


def run_isolated(scenario: Scenario, delay: float) -> dict[str, object]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(scenario, delay, queue))
    process.start()
    figures: dict[str, object] = queue.get()
    process.join()
    return figures


def machine() -> str:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores (nproc), CPU {cpu}, Python {platform.python_version()}"
    )


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| scenario | files | changed | sent | whole repo | changed in full | "
        "cut vs whole | cut vs changed | calls | left out | outside AI s | "
        "peak MB (git) | wall / ideal s |",
        "| --- " + "| ---: " * 7 + "| --- " + "| ---: " * 4 + "|",
    ]
    for row in rows:
        calls = ", ".join(f"{k} {v}" for k, v in row["calls"].items()) or "none"  # type: ignore[union-attr]
        wall = row["wall_seconds"]
        ratio = (
            f"{wall:.1f} / {row['ideal_seconds']:.1f}"  # type: ignore[str-format]
            if wall is not None
            else "-"
        )
        lines.append(
            f"| {row['name']} | {row['files_at_head']:,} | {row['changed_files']:,} | "
            f"{row['sent_tokens']:,} | {row['whole_repo_tokens']:,} | "
            f"{row['changed_full_tokens']:,} | {row['reduction_vs_whole']:.1%} | "
            f"{row['reduction_vs_changed']:.1%} | {calls} | {row['left_out']} | "
            f"{row['outside_ai_seconds']:.2f} | {row['peak_rss_mb']:.0f} "
            f"({row['git_peak_rss_mb']:.0f}) | {ratio} |"
        )
    return "\n".join(lines)


def summary(rows: list[dict[str, object]]) -> str:
    def median(kind: str, key: str) -> float:
        values = [float(r[key]) for r in rows if r["kind"] == kind]  # type: ignore[arg-type]
        return statistics.median(values) if values else float("nan")

    ratios = [
        float(r["wall_seconds"]) / float(r["ideal_seconds"])  # type: ignore[arg-type]
        for r in rows
        if r["wall_seconds"] is not None and r["ideal_seconds"]
    ]
    return "\n".join(
        [
            f"- median cut vs whole repository, one-commit ranges: "
            f"{median('one-commit', 'reduction_vs_whole'):.1%}",
            f"- median cut vs whole repository, release ranges: "
            f"{median('release', 'reduction_vs_whole'):.1%}",
            f"- worst wall time / ideal: {max(ratios):.3f}"
            if ratios
            else "- no timed runs",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--delay",
        type=float,
        default=2.0,
        help="seconds per fake AI call in the timed run; 0 skips it",
    )
    parser.add_argument(
        "--skip-synthetic",
        action="store_true",
        help="leave out the 50,000-file repository",
    )
    parser.add_argument(
        "--only", default="", help="run only scenarios whose name contains this text"
    )
    arguments = parser.parse_args()

    scenarios = [s for package in PACKAGES for s in package_scenarios(*package)]
    if not arguments.skip_synthetic:
        scenarios.append(synthetic_scenario())
    scenarios = [s for s in scenarios if arguments.only in s.name]
    rows = []
    for scenario in scenarios:
        print(f"running {scenario.name} ...", file=sys.stderr, flush=True)
        rows.append(run_isolated(scenario, arguments.delay))
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "tokens-results.json").write_text(json.dumps(rows, indent=2))
    print(f"Machine: {machine()}\n")
    print(table(rows))
    print()
    print(summary(rows))


if __name__ == "__main__":
    main()
