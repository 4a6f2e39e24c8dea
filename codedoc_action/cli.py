"""Command line: ``codedoc [run|models|plan] [--input-name VALUE ...]``.

Every action input is also a flag of the same name (``--api-key``). Flags win
over ``INPUT_*``/``CODEDOC_*`` variables, which win over the config file.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from codedoc_action import __version__
from codedoc_action.settings import INPUT_NAMES

BOOLEAN_INPUTS = frozenset({"dry-run", "comment", "strict"})
SECRET_INPUTS = frozenset({"api-key", "confluence-token", "github-token"})
COMMANDS = ("run", "models", "plan")

HELP = {
    "provider": "anthropic, openai, google, azure-openai, openai-compatible or "
    "offline (default: anthropic when a key is given, else offline)",
    "api-key": "your provider key; prefer the CODEDOC_API_KEY variable, since "
    "flags show in the process list",
    "model": "model id (default: the provider's documented default)",
    "selection-model": "cheaper model for choosing files (default: model)",
    "api-base-url": "provider base URL (proxies, Azure resource, local servers)",
    "confluence-url": "site base, e.g. https://example.atlassian.net/wiki",
    "confluence-user": "account e-mail for Cloud; empty for a Data Center token",
    "confluence-token": "API token or personal access token",
    "confluence-page": "page id or page URL",
    "paths": "comma-separated gitignore-style globs that trigger documentation",
    "exclude": "comma-separated gitignore-style globs never read",
    "mode": "update (revise from the changes) or full (rewrite)",
    "max-files": "maximum files the AI may pick (default 20)",
    "max-tokens": "token budget for all AI calls, input plus output",
    "max-cost": "budget in US dollars",
    "dry-run": "do everything except write to Confluence",
    "config": "path of a .codedoc.yml with several jobs",
    "price-input": "US dollars per million input tokens",
    "price-output": "US dollars per million output tokens",
    "confluence-space": "space key of the page to find by title",
    "confluence-title": "title of the page to find, or to create when missing",
    "confluence-parent": "id or URL of the parent page for a created page",
    "base": "first commit of an explicit range (exclusive), overriding the event",
    "head": "last commit of an explicit range, overriding the event",
    "instructions": "extra guidance for the writer: audience, tone, sections",
    "language": "language of the page, e.g. German (default: the model's "
    "choice, usually English)",
    "github-token": "token for API fallbacks and pull request comments; prefer "
    "the CODEDOC_GITHUB_TOKEN variable",
    "comment": "on a pull or merge request, post the proposed change as one "
    "comment and write nothing to Confluence",
    "publish-branch": "branch whose runs write to Confluence (default: the "
    "repository's default branch)",
    "strict": "fail when the page names files or identifiers that do not exist",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codedoc",
        description="Keep a Confluence page documenting this repository current.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=COMMANDS,
        help="run (default): document the changes; models: list the provider's "
        "text models; plan: print the config jobs whose paths changed as JSON",
    )
    parser.add_argument("--job", help="run only this job of the config file")
    for name in INPUT_NAMES:
        flag = f"--{name}"
        if name in BOOLEAN_INPUTS:
            parser.add_argument(
                flag, nargs="?", const="true", default=None, help=HELP.get(name)
            )
        else:
            parser.add_argument(flag, default=None, help=HELP.get(name))
    return parser


def parse_flags(argv: Sequence[str] | None) -> tuple[str, str | None, dict[str, str]]:
    """Return the command, the job name and the inputs given as flags."""
    namespace = build_parser().parse_args(argv)
    flags = {}
    for name in INPUT_NAMES:
        value = getattr(namespace, name.replace("-", "_"))
        if value is not None:
            flags[name] = value
    return namespace.command, namespace.job, flags


def main(argv: Sequence[str] | None = None) -> int:
    from codedoc_action.main import main as run_main

    return run_main(argv)
