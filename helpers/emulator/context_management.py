"""``context_management`` (betas context-management-2025-06-27 and compact-2026-01-12): the request's shape, and
the response field it adds (issue H).

Request: ``{"edits": [{"type": "clear_tool_uses_20250919" | "clear_thinking_20251015" | "compact_20260112",
...}]}`` (Anthropic's context-editing and compaction docs; H-facts Q5, L for Bedrock). Only the edit types are
checked: their options vary by type and the emulator applies none of them.

Response: ``"context_management": {"applied_edits": []}`` on the message (Anthropic's shape; no Bedrock capture,
H-facts Q5, L). The list is empty: the emulator's conversations never reach the thresholds that trigger an edit,
and it does not compact. Converse returns the field only when ``additionalModelResponseFieldPaths`` asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors

if TYPE_CHECKING:  # anthropic_body calls check(): a runtime import would be circular
    from .anthropic_body import Request

FIELD = "context_management"
EDIT_TYPES = ("clear_tool_uses_20250919", "clear_thinking_20251015", "compact_20260112")


def check(body: dict[str, Any]) -> None:
    """The shape of ``context_management``: an object whose ``edits`` is a list of known edit types."""
    config = body.get(FIELD)
    if config is None:
        return
    if not isinstance(config, dict):
        raise errors.validation(f"{FIELD}: Input should be a valid dictionary")  # pydantic wording, as blocks.py
    edits = config.get("edits")
    if edits is None:
        return
    if not isinstance(edits, list):
        raise errors.validation(f"{FIELD}.edits: Input should be a valid list")
    for n, edit in enumerate(edits):
        where = f"{FIELD}.edits.{n}"
        if not isinstance(edit, dict):
            raise errors.validation(f"{where}: Input should be a valid dictionary")
        if "type" not in edit:
            raise errors.validation(f"{where}: Unable to extract tag using discriminator 'type'")  # as blocks.py
        if edit["type"] not in EDIT_TYPES:
            raise errors.context_management_edit(where, edit["type"], EDIT_TYPES)


def response_fields(request: Request) -> dict[str, Any]:
    """The fields the answer carries because of ``context_management`` (none when the request has none)."""
    if request.body.get(FIELD) is None:
        return {}
    return {FIELD: {"applied_edits": []}}
