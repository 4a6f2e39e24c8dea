"""Composition root: settings, logging, clients; errors become exit codes.

This is the only place that turns an unexpected exception into exit 1.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from codedoc_action.ci.events import event_from_env
from codedoc_action.ci.platform import (
    AnnotatingFormatter,
    Platform,
    SecretFilter,
    detect_platform,
)
from codedoc_action.cli import SECRET_INPUTS, parse_flags
from codedoc_action.config import Job, job_settings, load_config_file
from codedoc_action.errors import CodedocError, SettingsError
from codedoc_action.http import limits_from_env, set_limits
from codedoc_action.settings import (
    INPUT_NAMES,
    Settings,
    build_settings,
    inputs_from_codedoc_env,
    inputs_from_github_env,
    merge_sources,
)

logger = logging.getLogger("codedoc_action")


def configure_logging(platform: Platform, env: Mapping[str, str]) -> SecretFilter:
    """Send package logs to the platform's stream; return the secret filter."""
    handler = logging.StreamHandler(platform.stream)
    handler.setFormatter(AnnotatingFormatter(platform))
    secrets = SecretFilter()
    handler.addFilter(secrets)
    for existing in list(logger.handlers):
        logger.removeHandler(existing)
    logger.addHandler(handler)
    debug = env.get("RUNNER_DEBUG") == "1" or env.get("CODEDOC_DEBUG") == "1"
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False
    return secrets


def collect_inputs(
    flags: Mapping[str, str], env: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (merged inputs without the config file, config-file values)."""
    from_env = merge_sources(inputs_from_github_env(env), inputs_from_codedoc_env(env))
    merged = merge_sources(flags, dispatch_inputs(env), from_env)
    config_path = str(merged.get("config", "")).strip()
    if not config_path:
        return merged, {}
    return merged, load_config_file(config_path, workspace=env.get("GITHUB_WORKSPACE"))


# Inputs a manual run may change from the workflow's form. Hosts, keys, the
# provider and the config file stay with the workflow file, so a dispatch
# cannot send a key elsewhere.
DISPATCH_INPUTS = tuple(
    name
    for name in INPUT_NAMES
    if name
    not in {
        "provider",
        "api-key",
        "api-base-url",
        "confluence-url",
        "confluence-user",
        "confluence-token",
        "github-token",
        "config",
    }
)


def dispatch_inputs(env: Mapping[str, str]) -> dict[str, str]:
    """Return workflow_dispatch inputs named like action inputs; they beat variables."""
    if env.get("GITHUB_EVENT_NAME") != "workflow_dispatch":
        return {}
    event = event_from_env(env)
    return event.input_overrides(DISPATCH_INPUTS)


def load_settings(
    flags: Mapping[str, str],
    env: Mapping[str, str],
    job: str | None = None,
    command: str = "run",
) -> tuple[Settings, list[Job]]:
    """Build the run settings and, with a config file, one Settings per job."""
    merged, config = collect_inputs(flags, env)
    if config.get("jobs"):
        jobs = job_settings(config, merged, only=job, command=command)
        return jobs[0].settings, jobs
    if job is not None:
        raise SettingsError([f"job: {job!r} given but no config file lists jobs"])
    defaults = {k: v for k, v in (config.get("defaults") or {}).items()}
    return build_settings(merge_sources(merged, defaults), command), []


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> int:
    """Run the command line; return the process exit code."""
    environ: Mapping[str, str] = dict(os.environ) if env is None else env
    platform = detect_platform(environ, stream)
    secrets = configure_logging(platform, environ)
    platform.redact = secrets.redact
    try:
        command, job, flags = parse_flags(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return 2 if exc.code not in (0, None) else 0
    job = job or environ.get("CODEDOC_JOB") or None
    _mask_raw_secrets(platform, secrets, flags, environ)
    try:
        set_limits(limits_from_env(environ))
        settings, jobs = load_settings(flags, environ, job, command)
        _mask_settings(platform, secrets, [settings, *(j.settings for j in jobs)])
        return _dispatch(command, settings, jobs, platform, environ)
    except SettingsError as exc:
        notice = _fork_notice(flags, environ)
        if notice:
            logger.warning("%s", notice)
            return 0
        logger.error("%s", secrets.redact(str(exc)))
        _report_invalid_settings(platform, exc)
        return exc.exit_code
    except CodedocError as exc:
        logger.error("%s", secrets.redact(str(exc)))
        return exc.exit_code
    except KeyboardInterrupt:
        logger.error("interrupted")
        return 1
    except Exception as exc:
        detail = "".join(traceback.format_exception(exc))
        logger.error(
            "unexpected error (%s): %s\n%s",
            type(exc).__name__,
            secrets.redact(str(exc)),
            secrets.redact(detail),
        )
        return 1


def _report_invalid_settings(platform: Platform, error: SettingsError) -> None:
    """Write the problems to the summary and empty outputs for the job page."""
    from codedoc_action.report import RunReport, render_summary

    report = RunReport(
        result="Invalid settings: nothing was sent or written.",
        warnings=list(error.problems),
    )
    try:
        platform.write_summary(render_summary(report))
        platform.write_outputs(report.outputs())
    except OSError as exc:
        logger.warning("could not write the summary: %s", exc)


def _fork_notice(flags: Mapping[str, str], env: Mapping[str, str]) -> str | None:
    """Return the skip notice for a fork's pull request run without secrets.

    Such runs get no secrets by design, so the missing key is not the user's
    mistake: the run is skipped with exit 0 instead of failing on settings.
    """
    from codedoc_action.review import fork_without_secrets

    raw = merge_sources(
        flags, inputs_from_github_env(env), inputs_from_codedoc_env(env)
    )
    try:
        return fork_without_secrets(env, raw)
    except CodedocError:
        return None


def _dispatch(
    command: str,
    settings: Settings,
    jobs: list[Job],
    platform: Platform,
    env: Mapping[str, str],
) -> int:
    from codedoc_action.job import run_jobs

    if command == "models":
        from codedoc_action.commands.models import run_models
        from codedoc_action.http import HostAllowList

        return run_models(settings, HostAllowList(), platform.stream)
    if command == "plan":
        from codedoc_action.plan import run_plan

        return run_plan(settings, jobs, platform, env)
    return run_jobs(settings, jobs, platform, env)


def _mask_raw_secrets(
    platform: Platform,
    secrets: SecretFilter,
    flags: Mapping[str, str],
    env: Mapping[str, str],
) -> None:
    """Mask secret inputs before validation, so even a rejected key stays hidden."""
    raw = merge_sources(
        flags, inputs_from_github_env(env), inputs_from_codedoc_env(env)
    )
    for name in SECRET_INPUTS:
        value = str(raw.get(name, "")).strip()
        if value:
            platform.mask(value)
            secrets.add(value)


def _mask_settings(
    platform: Platform, secrets: SecretFilter, all_settings: list[Settings]
) -> None:
    for settings in all_settings:
        for value in _secret_forms(settings):
            if value not in secrets.secrets:
                platform.mask(value)
            secrets.add(value)


def _secret_forms(settings: Settings) -> list[str]:
    """Return each secret and the base64 forms it takes in basic auth headers.

    Confluence Cloud sends ``user:token`` and a git fetch sends
    ``x-access-token:token`` or ``gitlab-ci-token:token``, base64-encoded, so
    a header echoed by a server or a debug log would carry the token in that
    form.
    """
    forms: list[str] = []
    if settings.api_key is not None:
        forms.append(settings.api_key.get_secret_value())
    if settings.confluence_token is not None:
        token = settings.confluence_token.get_secret_value()
        forms.append(token)
        if settings.confluence_user:
            forms.append(_basic(settings.confluence_user, token))
    if settings.github_token is not None:
        token = settings.github_token.get_secret_value()
        forms.append(token)
        forms.append(_basic("x-access-token", token))
        forms.append(_basic("gitlab-ci-token", token))
    return [form for form in forms if form]


def _basic(user: str, secret: str) -> str:
    return base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
