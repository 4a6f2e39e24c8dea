"""Time the changed-file listing on the benchmark repositories.

Run: ``/work/venv/bin/python -m bench.changes [--synthetic-only]``. For each
scenario of ``bench/repos.py`` it lists the range's changes with
``list_changes`` (git diff, sizes, attributes and the generated-header scan)
and, for the synthetic repository, the whole tree as well. Prints one
Markdown table row per scenario: files kept and skipped, best of 3 runs.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

from bench.repos import PACKAGES, Scenario, package_scenarios, synthetic_scenario
from codedoc_action.changes.files import list_changes
from codedoc_action.changes.git import Git
from codedoc_action.changes.model import ChangeSet, CommitRange

RUNS = 3


def _best_of(runs: int, action: Callable[[], ChangeSet]) -> tuple[float, ChangeSet]:
    best = float("inf")
    result = action()
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def _row(name: str, git: Git, commit_range: CommitRange) -> str:
    seconds, change_set = _best_of(RUNS, lambda: list_changes(git, commit_range))
    return (
        f"| {name} | {len(change_set.files):,} | {len(change_set.skipped):,} "
        f"| {seconds:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--synthetic-only",
        action="store_true",
        help="skip the PyPI release scenarios (no download needed)",
    )
    options = parser.parse_args()

    scenarios: list[Scenario] = [synthetic_scenario()]
    if not options.synthetic_only:
        for name, old, new in PACKAGES:
            scenarios.extend(
                s for s in package_scenarios(name, old, new) if s.kind == "release"
            )

    print(f"machine: {platform.machine()}, {platform.python_version()}")
    print("| scenario | files kept | files skipped | seconds (best of 3) |")
    print("| --- | ---: | ---: | ---: |")
    for scenario in scenarios:
        git = Git(scenario.root)
        commit_range = CommitRange(scenario.base, scenario.head, scenario.name)
        print(_row(scenario.name, git, commit_range))
        if scenario.kind == "synthetic":
            whole_tree = CommitRange(None, scenario.head, "whole tree")
            print(_row(f"{scenario.name}: whole tree", git, whole_tree))


if __name__ == "__main__":
    main()
