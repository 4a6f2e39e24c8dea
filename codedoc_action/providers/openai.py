"""OpenAI through the Chat Completions API (https://api.openai.com/v1)."""

from __future__ import annotations

import re
from typing import Any

from codedoc_action.providers.openai_format import (
    ChatCompletionsProvider,
    ChatOptions,
    is_reasoning_model,
)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Ids /v1/models lists that Chat Completions cannot serve as a text writer:
# embeddings, speech, images, video, moderation, legacy completions, and
# models offered only through the Responses API (codex, deep research, *-pro).
NOT_CHAT_MODEL = re.compile(
    r"embed|tts|whisper|dall-e|transcribe|moderation|image|realtime|audio|sora"
    r"|davinci|babbage|instruct|search|codex|deep-research|computer-use"
    r"|^(o\d+|gpt-5(\.\d+)?)-pro"
)


def is_openai_text_model(model_id: str) -> bool:
    """True for ids that Chat Completions serves as text models."""
    return not NOT_CHAT_MODEL.search(model_id)


class OpenAIProvider(ChatCompletionsProvider):
    """OpenAI's own API, Bearer key."""

    name = "openai"
    # gpt-5-mini: current general model at a price that suits whole-repository
    # documentation; set model to gpt-5 or gpt-5.1 for harder repositories.
    default_model = "gpt-5-mini"

    def initial_options(self, model: str) -> ChatOptions:
        # max_tokens is deprecated for every model and rejected by reasoning ones.
        return ChatOptions(
            max_completion_tokens=True,
            send_temperature=not is_reasoning_model(model),
        )

    def is_text_model(self, model: dict[str, Any]) -> bool:
        return is_openai_text_model(str(model.get("id", "")))
