"""``codedoc models``: list the text models the provider offers for the key."""

from __future__ import annotations

import logging
from typing import TextIO

from codedoc_action.http import HostAllowList
from codedoc_action.pricing import lookup
from codedoc_action.providers.registry import close_provider, create_provider
from codedoc_action.settings import Settings

logger = logging.getLogger(__name__)


def run_models(settings: Settings, allowed: HostAllowList, out: TextIO) -> int:
    """Print the provider's text models, one per line; return the exit code.

    Listing the models also proves that the key is valid. Each line contains the
    id, the context window when the provider or the price table states one, and
    a mark on the provider's default. Failures propagate as ``ProviderError``.
    """
    provider = create_provider(settings, allowed)
    try:
        models = provider.list_models()
    finally:
        close_provider(provider)
    logger.info("%s lists %d text models for this key", provider.name, len(models))
    width = max((len(model.id) for model in models), default=0)
    for model in sorted(models, key=lambda item: item.id):
        context = model.context_window
        if context is None:
            price = lookup(provider.name, model.id)
            context = price.context_window if price else None
        columns = [model.id.ljust(width)]
        columns.append(f"{context:>9,} tokens context" if context else " " * 23)
        if model.id == provider.default_model:
            columns.append("(default)")
        out.write("  ".join(columns).rstrip() + "\n")
    if not models:
        out.write(f"{provider.name} lists no text models for this key\n")
    return 0
