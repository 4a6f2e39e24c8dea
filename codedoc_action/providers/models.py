"""Model ids checked against the provider's live model list."""

from __future__ import annotations

import difflib
import logging
import re

from codedoc_action.errors import ModelNotFoundError
from codedoc_action.providers.base import ModelInfo, Provider

logger = logging.getLogger(__name__)

MAX_SUGGESTIONS = 5
MAX_LISTED = 12
# Anthropic accepts an alias such as claude-sonnet-4-5 but lists only dated
# ids (claude-sonnet-4-5-20250929); OpenAI lists both forms.
DATED_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")


def check_model(
    provider: Provider, model_id: str, *, input_name: str = "model"
) -> ModelInfo:
    """Return the listed model for ``model_id``; raise ModelNotFoundError if absent.

    An alias matches the newest dated id it abbreviates. Azure deployment names
    do not appear in any list, so for azure-openai an unlisted id passes here
    and a wrong deployment fails on the first call with the same error class.
    An empty ``model_id`` means the provider's default, as in ``resolve_model``,
    so use the returned id rather than the one passed in.
    """
    if not model_id.strip():
        return resolve_model(provider, "", input_name=input_name)
    requested_id = model_id.strip().removeprefix("models/")
    models = provider.list_models()
    for model in models:
        if model.id == requested_id:
            return model
    aliases = [
        model
        for model in models
        if DATED_SUFFIX.sub("", model.id) == requested_id and model.id != requested_id
    ]
    if aliases:
        return max(aliases, key=lambda model: model.id)
    if provider.name == "azure-openai" and requested_id:
        logger.info(
            "azure-openai: %s is not a model id of the resource; using it as a "
            "deployment name",
            requested_id,
        )
        return ModelInfo(id=requested_id)
    raise ModelNotFoundError(
        _not_found_message(
            provider.name, requested_id, [model.id for model in models], input_name
        ),
        provider=provider.name,
    )


def resolve_model(
    provider: Provider, requested: str, *, input_name: str = "model"
) -> ModelInfo:
    """Return the model to use: ``requested``, else the provider's default.

    A provider without a default (a compatible server) uses the one model its
    server lists; with several, the input must name one.
    """
    model_id = requested.strip() or provider.default_model
    if not model_id:
        models = provider.list_models()
        if len(models) == 1:
            logger.info(
                "%s: using %s, the only model listed", provider.name, models[0].id
            )
            return models[0]
        raise ModelNotFoundError(
            _not_found_message(
                provider.name, "", [model.id for model in models], input_name
            ),
            provider=provider.name,
        )
    return check_model(provider, model_id, input_name=input_name)


def _not_found_message(
    provider: str, requested_id: str, available: list[str], input_name: str
) -> str:
    if requested_id:
        problem = f"{requested_id!r} is not a model {provider} offers for this key"
    else:
        problem = f"missing, and {provider} has no default model"
    if not available:
        return (
            f"{input_name}: {problem}, and it lists no text models at all. Check "
            "api-key and api-base-url, or enable models for the key in the "
            "provider's console."
        )
    closest = difflib.get_close_matches(
        requested_id, available, n=MAX_SUGGESTIONS, cutoff=0.4
    )
    if closest:
        suggestions, label = closest, "closest available ids"
    else:
        suggestions, label = sorted(available)[:MAX_LISTED], "available ids include"
    return (
        f"{input_name}: {problem}; {label}: {', '.join(suggestions)}. Set {input_name} "
        f"to one of them (`codedoc models --provider {provider}` lists all "
        f"{len(available)})."
    )
