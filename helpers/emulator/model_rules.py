"""What each Claude model accepts, read from the catalog: API version, sampling, thinking, the 1M beta.

One rule per function, each applied to the Anthropic Messages body after Bedrock's schema check, so
InvokeModel, its stream, Converse, ConverseStream (translated to that body first) and CountTokens all
answer the same. The facts (which versions, which thinking types, which sampling) are the catalog's;
this module only says what a request that breaks them gets.
"""

from __future__ import annotations

from typing import Any

from .. import catalog
from . import errors

SAMPLING_PARAMS = ("temperature", "top_p", "top_k")
DEFAULT_TEMPERATURE = 1.0  # the default value is accepted where sampling is otherwise refused (Anthropic, H)


def check_api_version(body: dict[str, Any], model: catalog.Model) -> None:
    """``anthropic_version`` must be one the model takes on Bedrock (2026-10-21: Opus 4.7 and later)."""
    version = body["anthropic_version"]
    if not model.accepts_api_version(version):
        raise errors.invalid_api_version(version)


def check_new_version_rules(body: dict[str, Any]) -> None:
    """What API version 2026-10-21 removes (Anthropic's versioning page, H): sampling parameters whatever
    their value, a document in an assistant message, citations on a text block in a user message."""
    if body["anthropic_version"] != catalog.NEW_API_VERSION:
        return
    for param in SAMPLING_PARAMS:
        if param in body:
            raise errors.extra_input(param)
    for i, message in enumerate(body["messages"]):
        if not isinstance(message, dict) or not isinstance(message.get("content"), list):
            continue  # Claude's shape checks answer for it
        for j, block in enumerate(message["content"]):
            where = f"messages.{i}.content.{j}"
            if not isinstance(block, dict):
                continue
            if message.get("role") == "assistant" and block.get("type") == "document":
                raise errors.document_in_assistant(where)
            if message.get("role") == "user":
                _check_no_citations(block, where)


def _check_no_citations(block: dict[str, Any], where: str) -> None:
    if block.get("type") == "text" and block.get("citations"):
        raise errors.citations_in_user(where)
    if block.get("type") == "search_result" and isinstance(block.get("content"), list):
        for k, inner in enumerate(block["content"]):
            if isinstance(inner, dict):
                _check_no_citations(inner, f"{where}.content.{k}")


def check_sampling(body: dict[str, Any], model: catalog.Model) -> None:
    """``sampling = "none"`` (Opus 4.7 and later): a non-default temperature, or any top_p/top_k, is a 400
    whatever the API version; ``"one"``: temperature and top_p not together."""
    if model.sampling == "none":
        if "temperature" in body and body["temperature"] != DEFAULT_TEMPERATURE:
            raise errors.sampling_deprecated("temperature")
        for param in ("top_p", "top_k"):
            if param in body:
                raise errors.sampling_deprecated(param)
    elif model.sampling == "one" and "temperature" in body and "top_p" in body:
        raise errors.temperature_and_top_p()


def check_thinking(body: dict[str, Any], model: catalog.Model) -> None:
    """``thinking.type`` must be one the model takes (after Claude's shape check of ``thinking``)."""
    kind = (body.get("thinking") or {}).get("type")
    if kind is not None and kind not in model.thinking_modes:
        raise errors.thinking_unsupported(kind, model.thinking_modes)


def check_betas(betas: list[str], model: catalog.Model) -> None:
    """Betas the model does not accept on Bedrock (the catalog's ``accepted_betas``: a per-family list) are
    refused; the 1M beta only where it ever meant something (widening, native, retired)."""
    accepted = model.accepted_betas
    for beta in betas:
        if beta not in accepted or (beta == catalog.CONTEXT_1M_BETA and not takes_1m_beta(model)):
            raise errors.invalid_beta()


def takes_1m_beta(model: catalog.Model) -> bool:
    """Whether the 1M beta header is accepted (the catalog's ``long_context``: "beta", "beta-retired", "native")."""
    return model.takes_1m_beta_header


def window(model: catalog.Model, betas: list[str]) -> int:
    """The context window this request gets."""
    return model.window(beta_1m=catalog.CONTEXT_1M_BETA in betas)
