"""Report targets of a run: GitHub Actions, GitLab CI or a local terminal.

Each platform masks secrets in its own log format, writes the step outputs and
the summary, and names the folder for the run's files.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

logger = logging.getLogger(__name__)


@dataclass
class Platform:
    """Local terminal: outputs and summary go to files in the output folder."""

    env: Mapping[str, str]
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    name: str = "local"
    # Applied to every summary and output before it is written; main.py sets
    # it to the log's secret filter so no key reaches a file.
    redact: Callable[[str], str] = field(default=lambda text: text, repr=False)

    @property
    def workspace(self) -> Path:
        return Path(self.env.get("CODEDOC_WORKSPACE") or os.getcwd())

    @property
    def output_dir(self) -> Path:
        configured = self.env.get("CODEDOC_OUTPUT_DIR")
        folder = Path(configured) if configured else self.workspace / ".codedoc"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def mask(self, secret: str) -> None:
        """Ask the CI log to hide ``secret``; locally nothing is printed."""

    def write_outputs(self, outputs: Mapping[str, str]) -> None:
        path = self.output_dir / "outputs.json"
        text = self.redact(json.dumps(dict(outputs), indent=2))
        path.write_text(text + "\n", encoding="utf-8")

    def write_summary(self, markdown: str) -> Path:
        path = self.output_dir / "summary.md"
        path.write_text(self.redact(markdown), encoding="utf-8")
        return path

    def annotation(self, level: int) -> str:
        return ""


@dataclass
class GitHubPlatform(Platform):
    """GitHub Actions: workflow commands, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY."""

    name: str = "github"

    @property
    def workspace(self) -> Path:
        return Path(self.env.get("GITHUB_WORKSPACE") or os.getcwd())

    @property
    def output_dir(self) -> Path:
        base = self.env.get("RUNNER_TEMP") or tempfile.gettempdir()
        folder = Path(base) / "codedoc"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def mask(self, secret: str) -> None:
        for line in secret.splitlines() or [secret]:
            if line.strip():
                self.stream.write(f"::add-mask::{line}\n")
        self.stream.flush()

    def write_outputs(self, outputs: Mapping[str, str]) -> None:
        target = self.env.get("GITHUB_OUTPUT")
        if not target:
            super().write_outputs(outputs)
            return
        with open(target, "a", encoding="utf-8") as handle:
            for name, raw in outputs.items():
                value = self.redact(raw)
                if "\n" in value:
                    delimiter = f"codedoc_{uuid.uuid4().hex}"
                    handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
                else:
                    handle.write(f"{name}={value}\n")

    def write_summary(self, markdown: str) -> Path:
        target = self.env.get("GITHUB_STEP_SUMMARY")
        if not target:
            return super().write_summary(markdown)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(self.redact(markdown))
        return Path(target)

    def annotation(self, level: int) -> str:
        if level >= logging.ERROR:
            return "::error::"
        if level >= logging.WARNING:
            return "::warning::"
        return ""


@dataclass
class GitLabPlatform(Platform):
    """GitLab CI: report files in the project folder, exposed as artifacts."""

    name: str = "gitlab"

    @property
    def workspace(self) -> Path:
        return Path(self.env.get("CI_PROJECT_DIR") or os.getcwd())

    @property
    def output_dir(self) -> Path:
        configured = self.env.get("CODEDOC_OUTPUT_DIR")
        folder = Path(configured) if configured else self.workspace / "codedoc-report"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write_outputs(self, outputs: Mapping[str, str]) -> None:
        super().write_outputs(outputs)
        # A dotenv report lets later jobs read the outputs as variables.
        lines = []
        for name, value in outputs.items():
            key = "CODEDOC_" + name.upper().replace("-", "_")
            lines.append(f"{key}={self.redact(value).replace(chr(10), ' ')}")
        dotenv = self.output_dir / "codedoc.env"
        dotenv.write_text("\n".join(lines) + "\n", encoding="utf-8")


def detect_platform(env: Mapping[str, str], stream: TextIO | None = None) -> Platform:
    """Pick the platform from the environment the process was started with."""
    out = stream or sys.stdout
    if env.get("GITHUB_ACTIONS") == "true":
        return GitHubPlatform(env=env, stream=out)
    if env.get("GITLAB_CI") == "true":
        return GitLabPlatform(env=env, stream=out)
    return Platform(env=env, stream=out)


class AnnotatingFormatter(logging.Formatter):
    """Render log levels as the platform's annotations (``::warning::`` ...)."""

    def __init__(self, platform: Platform) -> None:
        super().__init__("%(message)s")
        self.platform = platform

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if self.platform.name == "github":
            # Text from the repository (file names, git output) must not start a
            # line with "::", which the runner would read as a workflow command.
            lines = re.split(r"\r\n|\r|\n", message)
            message = "\n".join(
                ": :" + line.lstrip()[2:] if line.lstrip().startswith("::") else line
                for line in lines
            )
        prefix = self.platform.annotation(record.levelno)
        if prefix:
            # Workflow commands take one line; encode newlines as GitHub expects.
            encoded = message.replace("%", "%25").replace("\r", "%0D")
            return prefix + encoded.replace("\n", "%0A")
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {message}"
        return message


class SecretFilter(logging.Filter):
    """Replace known secret values in every log record before it is written."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 4 and secret not in self.secrets:
            self.secrets.append(secret)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
        return True
