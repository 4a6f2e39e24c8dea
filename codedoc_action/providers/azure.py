"""Azure OpenAI: deployment URLs with api-version, or the newer /openai/v1 path.

``api-base-url`` selects the form:

- ``https://NAME.openai.azure.com`` (optionally ``?api-version=V``): requests go
  to ``/openai/deployments/{model}/chat/completions?api-version=V``, where the
  model input is the deployment name;
- ``https://NAME.openai.azure.com/openai/v1``: requests go to
  ``/openai/v1/chat/completions`` with the deployment name as ``model`` and no
  api-version.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from codedoc_action.providers.openai import is_openai_text_model
from codedoc_action.providers.openai_format import ChatCompletionsProvider, ChatOptions
from codedoc_action.providers.wire import Wire

# The first version with reasoning deployments and max_completion_tokens.
DEFAULT_API_VERSION = "2024-12-01-preview"


def split_base_url(base_url: str) -> tuple[str, str | None]:
    """Return the base URL without query and the api-version, None for /v1."""
    url = httpx.URL(base_url)
    path = url.path.rstrip("/")
    base = str(url.copy_with(query=None, fragment=None)).rstrip("/")
    if path.endswith("/openai/v1"):
        return base, None
    version = url.params.get("api-version") or DEFAULT_API_VERSION
    return base, version


class AzureOpenAIProvider(ChatCompletionsProvider):
    """An Azure OpenAI resource, ``api-key`` header."""

    name = "azure-openai"
    # The model input is the deployment name, which each resource defines.
    default_model = ""

    def __init__(self, wire: Wire, api_version: str | None) -> None:
        super().__init__(wire)
        self.api_version = api_version

    def chat_path(self, model: str) -> str:
        if self.api_version is None:
            return "chat/completions"
        return f"openai/deployments/{quote(model, safe='')}/chat/completions"

    def query(self) -> dict[str, str] | None:
        if self.api_version is None:
            return None
        return {"api-version": self.api_version}

    def models_path(self) -> str:
        return "models" if self.api_version is None else "openai/models"

    def initial_options(self, model: str) -> ChatOptions:
        # A deployment name hides the model family, so start with the parameter
        # every model accepts since 2024-09-01-preview and let a 400 adapt it.
        return ChatOptions(max_completion_tokens=True)

    def is_text_model(self, model: dict[str, Any]) -> bool:
        capabilities = model.get("capabilities")
        if isinstance(capabilities, dict) and "chat_completion" in capabilities:
            return bool(capabilities["chat_completion"])
        return is_openai_text_model(str(model.get("id", "")))
