"""Any server with an OpenAI-style /v1/chat/completions: Ollama, vLLM, LiteLLM.

The key is optional and sent as a Bearer token when given. Servers without
``response_format`` JSON-schema support answer structured requests through a
fenced JSON block, which the shared Chat Completions code falls back to.
"""

from __future__ import annotations

import re
from typing import Any

from codedoc_action.providers.openai_format import ChatCompletionsProvider

NOT_TEXT_MODEL = re.compile(r"embed|rerank|whisper|tts|moderation", re.IGNORECASE)


class CompatibleProvider(ChatCompletionsProvider):
    """A self-hosted or proxy server speaking Chat Completions."""

    name = "openai-compatible"
    # No default, because every server hosts its own models. models.resolve_model
    # picks the only model a server lists and otherwise requires the model input.
    default_model = ""

    def is_text_model(self, model: dict[str, Any]) -> bool:
        return not NOT_TEXT_MODEL.search(str(model.get("id", "")))
