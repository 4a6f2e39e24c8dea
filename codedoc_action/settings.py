"""Run settings: one pydantic model whose fields are the action's inputs.

Settings come from CLI flags, then the environment (``INPUT_<NAME>`` as a Docker
action receives them, with hyphens kept, or ``CODEDOC_<NAME>`` with
underscores), then a config file, then the defaults. Nothing here reads the
environment by itself: callers pass plain mappings, so tests pass dicts.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from codedoc_action.errors import SettingsError

ProviderName = Literal[
    "anthropic", "openai", "google", "azure-openai", "openai-compatible", "offline"
]
PROVIDERS: tuple[str, ...] = ProviderName.__args__  # type: ignore[attr-defined]
KEYLESS_PROVIDERS = frozenset({"openai-compatible", "offline"})
TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "0", "off", ""})


def _split_list(value: object) -> object:
    """Split a newline- or comma-separated input into stripped, non-empty items."""
    if isinstance(value, str):
        parts = re.split(r"[\n,]", value)
        return [part.strip() for part in parts if part.strip()]
    return value


def _bool(value: object) -> object:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return value


class Settings(BaseModel):
    """Every input of action.yml, by the Python form of its name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: ProviderName = "offline"
    api_key: SecretStr | None = None
    model: str = ""
    selection_model: str = ""
    api_base_url: str = ""

    confluence_url: str = ""
    confluence_user: str = ""
    confluence_token: SecretStr | None = None
    confluence_page: str = ""
    confluence_space: str = ""
    confluence_title: str = ""
    confluence_parent: str = ""

    paths: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    base: str = ""
    head: str = ""
    mode: Literal["update", "full"] = "update"
    instructions: str = ""
    language: str = ""
    max_files: int = Field(default=20, ge=1, le=500)
    max_tokens: int | None = Field(default=None, ge=1)
    max_cost: float | None = Field(default=None, gt=0)
    dry_run: bool = False
    config: str = ""
    github_token: SecretStr | None = None
    comment: bool = False
    publish_branch: str = ""
    strict: bool = False
    price_input: float | None = Field(default=None, ge=0)
    price_output: float | None = Field(default=None, ge=0)

    _split_lists = field_validator("paths", "exclude", mode="before")(_split_list)
    _bools = field_validator("dry_run", "comment", "strict", mode="before")(_bool)

    @field_validator(
        "max_tokens", "max_cost", "price_input", "price_output", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("api_key", "confluence_token", "github_token", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("provider", mode="before")
    @classmethod
    def _provider_name(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        name = value.strip().lower()
        if name in PROVIDERS:
            return name
        close = difflib.get_close_matches(name, PROVIDERS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ValueError(
            f"{value!r} is not a provider; {hint}expected one of {', '.join(PROVIDERS)}"
        )

    @field_validator("confluence_page")
    @classmethod
    def _page_reference(cls, value: str) -> str:
        value = value.strip()
        if value and not value.isdigit() and not re.match(r"^https?://", value):
            raise ValueError(
                f"expected a numeric page id or a page URL; got {value!r}. Copy the "
                "id from the page's address, or use confluence-space and "
                "confluence-title"
            )
        return value

    @field_validator("base", "head")
    @classmethod
    def _revision(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("-") or any(char.isspace() for char in value):
            raise ValueError(f"expected a commit id, branch or tag; got {value!r}")
        return value

    @field_validator("api_base_url", "confluence_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(
                f"expected an http(s) URL; got {value!r}. Write the full address, "
                f"e.g. https://{value.split('://')[-1]}"
            )
        return value

    @model_validator(mode="after")
    def _check_combinations(self, info: ValidationInfo) -> Settings:
        # ``codedoc models`` only lists models: it needs the provider inputs.
        # ``codedoc plan`` only reads git: it needs neither provider nor page.
        command = (info.context or {}).get("command")
        listing = command in ("models", "plan")
        planning = command == "plan"
        problems: list[str] = []
        needs_key = self.provider not in KEYLESS_PROVIDERS and not planning
        if needs_key and self.api_key is None:
            problems.append(
                f"api-key: missing; provider {self.provider!r} needs the key of your "
                "account (pass it from a secret), or set provider: offline"
            )
        if self.provider == "azure-openai" and not self.api_base_url and not planning:
            problems.append(
                "api-base-url: missing; azure-openai needs your resource URL, "
                "e.g. https://NAME.openai.azure.com"
            )
        if self.provider == "azure-openai" and not self.model and not listing:
            problems.append(
                "model: missing; azure-openai needs the deployment name as model"
            )
        if (
            self.provider == "openai-compatible"
            and not self.api_base_url
            and not planning
        ):
            problems.append(
                "api-base-url: missing; openai-compatible needs the server's base "
                "URL, e.g. http://localhost:11434/v1"
            )
        if self.publishes_to_confluence and not listing:
            if not self.confluence_url:
                problems.append(
                    "confluence-url: missing; set the site base, e.g. "
                    "https://example.atlassian.net/wiki, or set dry-run: true"
                )
            if self.confluence_token is None:
                problems.append(
                    "confluence-token: missing; pass an API token (Cloud) or a "
                    "personal access token (Data Center) from a secret"
                )
            has_title = bool(self.confluence_space and self.confluence_title)
            if not self.confluence_page and not has_title:
                problems.append(
                    "confluence-page: missing; set a page id or URL, or both "
                    "confluence-space and confluence-title"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def confluence_given(self) -> bool:
        """True when any Confluence input is set."""
        return any(
            (
                self.confluence_url,
                self.confluence_page,
                self.confluence_space,
                self.confluence_title,
                self.confluence_token is not None,
            )
        )

    @property
    def publishes_to_confluence(self) -> bool:
        """True when the run writes to Confluence rather than a local preview."""
        return self.confluence_given and not self.dry_run and not self.comment

    @property
    def effective_selection_model(self) -> str:
        return self.selection_model or self.model


INPUT_NAMES: tuple[str, ...] = tuple(
    name.replace("_", "-") for name in Settings.model_fields
)


def inputs_from_github_env(env: Mapping[str, str]) -> dict[str, str]:
    """Collect ``INPUT_<NAME>`` variables, keyed by input name; empty means unset."""
    found: dict[str, str] = {}
    for name in INPUT_NAMES:
        for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
            value = env.get(key)
            if value is not None and value.strip() != "":
                found[name] = value
                break
    return found


def inputs_from_codedoc_env(env: Mapping[str, str]) -> dict[str, str]:
    """Collect ``CODEDOC_<NAME>`` variables (hyphens as underscores)."""
    found: dict[str, str] = {}
    for name in INPUT_NAMES:
        value = env.get("CODEDOC_" + name.upper().replace("-", "_"))
        if value is not None and value.strip() != "":
            found[name] = value
    return found


def merge_sources(*sources: Mapping[str, Any]) -> dict[str, Any]:
    """Merge input mappings, the first one winning (flag, env, config file)."""
    merged: dict[str, Any] = {}
    for source in reversed(sources):
        for name, value in source.items():
            if value is None:
                continue
            merged[name.replace("_", "-")] = value
    return merged


def build_settings(values: Mapping[str, Any], command: str = "run") -> Settings:
    """Validate input values keyed by input name; raise SettingsError listing all."""
    unknown = [name for name in values if name not in INPUT_NAMES]
    data = {
        name.replace("-", "_"): value
        for name, value in values.items()
        if name in INPUT_NAMES
    }
    if "provider" not in data:
        data["provider"] = "anthropic" if data.get("api_key") else "offline"
    problems = [
        f"{name}: unknown input; expected one of {', '.join(INPUT_NAMES)}"
        for name in unknown
    ]
    try:
        settings = Settings.model_validate(data, context={"command": command})
    except ValidationError as exc:
        errors = _without_secret_inputs(exc.errors(include_url=False))
        problems.extend(_describe(errors))
        problems.extend(_combination_problems(data, errors, problems, command))
        raise SettingsError(problems) from None
    if problems:
        raise SettingsError(problems)
    return settings


def _describe(errors: Iterable[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        message = str(error.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        if not location:
            lines.extend(line for line in message.split("\n") if line)
            continue
        name = location[0].replace("_", "-")
        lines.append(f"{name}: {_plain_message(error, message)}")
    return lines


SECRET_FIELDS = frozenset({"api_key", "confluence_token", "github_token"})


def _without_secret_inputs(errors: list[Any]) -> list[Any]:
    """Drop the rejected value from errors on secret inputs, so it is never shown."""
    for error in errors:
        location = error.get("loc") or ("",)
        if str(location[0]) in SECRET_FIELDS:
            error.pop("input", None)
    return errors


def _plain_message(error: Mapping[str, Any], default: str) -> str:
    """Reword pydantic's common messages as "expected X; got Y" with the fix."""
    kind = error.get("type")
    context = error.get("ctx") or {}
    given = error.get("input")
    shown = f"; got {given!r}" if isinstance(given, str | int | float) else ""
    if kind == "literal_error":
        return f"expected one of {context.get('expected', '')}{shown}"
    if kind == "greater_than_equal":
        return f"expected a number of at least {context.get('ge')}{shown}"
    if kind == "greater_than":
        return f"expected a number above {context.get('gt')}{shown}"
    if kind == "less_than_equal":
        return f"expected a number of at most {context.get('le')}{shown}"
    if kind in ("int_parsing", "int_from_float"):
        return f"expected a whole number{shown}"
    if kind == "float_parsing":
        return f"expected a number{shown}"
    if kind == "bool_parsing":
        return f"expected true or false{shown}"
    return default


def _combination_problems(
    data: Mapping[str, Any],
    errors: Iterable[Mapping[str, Any]],
    known: list[str],
    command: str,
) -> list[str]:
    """Check the cross-input rules once more without the fields that failed.

    pydantic skips model-level checks when a field is invalid; this makes the
    report list every problem at once.
    """
    invalid = {str(error["loc"][0]) for error in errors if error.get("loc")}
    if not invalid:
        return []
    remaining = {key: value for key, value in data.items() if key not in invalid}
    try:
        Settings.model_validate(remaining, context={"command": command})
    except ValidationError as exc:
        again = _describe(exc.errors(include_url=False, include_input=False))
        # A rule about an input that already failed would call it missing.
        names = {name.replace("_", "-") for name in invalid}
        return [
            line
            for line in again
            if line not in known and line.split(":", 1)[0] not in names
        ]
    return []
