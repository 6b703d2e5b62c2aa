"""Claude's checks of the request's shapes: content blocks at every depth, system, tools and options.

Every field the emulator reads later (the reply composer, the token estimates, the document reader)
is checked here for its JSON type and its tag, so nothing downstream meets a value of the wrong kind:
a wrong shape is the caller's 400, worded as Claude words it (``messages.0.content.1.source.data:
Input should be a valid string``), never a 500. Nesting is bounded before this runs (see
:func:`anthropic_body.parse_json`), so the recursion through tool results and content documents is too.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .. import catalog
from . import errors

BLOCK_TYPES = ("document", "image", "redacted_thinking", "search_result", "text", "thinking", "tool_result",
               "tool_use")
TOOL_RESULT_TYPES = ("document", "image", "search_result", "text")
CONTENT_SOURCE_TYPES = ("image", "text")    # blocks inside a {"type": "content"} document source
IMAGE_SOURCES = ("base64", "file", "url")
DOCUMENT_SOURCES = ("base64", "content", "file", "text", "url")
IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
TOOL_CHOICES = ("any", "auto", "none", "tool")
THINKING_TYPES = ("adaptive", "disabled", "enabled")
# The fields of each thinking type (the installed SDK's ThinkingConfig*Param types, H).
THINKING_FIELDS = {"enabled": ("type", "budget_tokens", "display"), "adaptive": ("type", "display"),
                   "disabled": ("type",)}
MIN_THINKING_BUDGET = catalog.general("thinking_min_budget").value
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")


# --- wording ------------------------------------------------------------------------------------

def _error(where: str, problem: str) -> errors.BedrockError:
    return errors.validation(f"{where}: {problem}")


def _literals(options: tuple[str, ...]) -> str:
    quoted = [f"'{o}'" for o in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _tag(value: Any, where: str, options: tuple[str, ...], field: str = "type") -> str:
    """``value[field]`` if it is one of ``options`` (a pydantic discriminated union), else Claude's 400."""
    if not isinstance(value, dict):
        raise _error(where, "Input should be a valid dictionary")
    tag = value.get(field)
    if field not in value:
        raise _error(where, f"Unable to extract tag using discriminator '{field}'")
    if not isinstance(tag, str) or tag not in options:
        shown = tag if isinstance(tag, str) else type(tag).__name__
        raise _error(where, f"Input tag '{shown}' found using '{field}' does not match any of the expected "
                            f"tags: {', '.join(repr(o) for o in options)}")
    return tag


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)


_NAMES = {str: "a valid string", dict: "a valid dictionary", list: "a valid list", bool: "a valid boolean",
          int: "a valid integer"}


def field(value: dict[str, Any], key: str, kind: type, where: str, *, required: bool = True,
          nullable: bool = False) -> Any:
    """``value[key]`` checked to be of JSON type ``kind`` (absent: None, or Claude's "Field required")."""
    if key not in value or (nullable and value[key] is None):
        if required and key not in value:
            raise _error(f"{where}.{key}", "Field required")
        return None
    if not _is(value[key], kind):
        raise _error(f"{where}.{key}", f"Input should be {_NAMES[kind]}")
    return value[key]


def _base64(value: dict[str, Any], where: str) -> None:
    data = field(value, "data", str, where)
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _error(f"{where}.data", "invalid base64 data") from None


# --- content blocks -----------------------------------------------------------------------------

def check_content(content: list[Any], where: str, role: str, message: int,
                  allowed: tuple[str, ...] = BLOCK_TYPES) -> None:
    """Check each block of a content list (a message's, a tool result's, a content document's)."""
    for k, block in enumerate(content):
        check_block(block, f"{where}.{k}", role, message, allowed)


def check_block(block: Any, where: str, role: str, message: int, allowed: tuple[str, ...] = BLOCK_TYPES) -> None:
    """One content block and everything inside it; ``message`` is the index of the message holding it."""
    if not isinstance(block, dict):
        raise _error(where, "Input should be a valid dictionary")
    kind = _tag(block, where, allowed)
    at = f"{where}.{kind}"  # pydantic names the union member in the path
    field(block, "cache_control", dict, at, required=False, nullable=True)
    if kind == "text":
        text = field(block, "text", str, at)
        if not text:
            raise _error(f"{where}.text", "text content blocks must be non-empty")
        if not text.strip():
            raise _error(where.split(".")[0], "text content blocks must contain non-whitespace text")
        for n, citation in enumerate(field(block, "citations", list, at, required=False, nullable=True) or []):
            _tag(citation, f"{at}.citations.{n}", ("char_location", "content_block_location", "page_location",
                                                   "search_result_location", "web_search_result_location"))
    elif kind in ("image", "document"):
        if role != "user":
            raise errors.media_outside_user(message, kind)
        _media(block, kind, at)
    elif kind == "tool_use":
        field(block, "id", str, at)
        field(block, "name", str, at)
        field(block, "input", dict, at)
    elif kind == "tool_result":
        field(block, "tool_use_id", str, at)
        field(block, "is_error", bool, at, required=False, nullable=True)
        content = block.get("content")
        if content is not None and not isinstance(content, str):
            if not isinstance(content, list):
                raise _error(f"{at}.content", "Input should be a valid string or a valid list")
            check_content(content, f"{at}.content", role, message, TOOL_RESULT_TYPES)
    elif kind == "thinking":
        field(block, "thinking", str, at)
        field(block, "signature", str, at)
    elif kind == "redacted_thinking":
        field(block, "data", str, at)
    elif kind == "search_result":
        field(block, "source", str, at)
        field(block, "title", str, at)
        check_content(field(block, "content", list, at), f"{at}.content", role, message, ("text",))


def _media(block: dict[str, Any], kind: str, at: str) -> None:
    """An image or document block: its source (every source type), and a document's options."""
    source = field(block, "source", dict, at)
    options = IMAGE_SOURCES if kind == "image" else DOCUMENT_SOURCES
    source_type = _tag(source, f"{at}.source", options)
    where = f"{at}.source.{source_type}"
    if source_type in ("url", "file"):
        raise errors.validation("URL content sources are not yet supported for this model")  # [3p]
    if source_type == "base64":
        media_type = field(source, "media_type", str, where)
        allowed = IMAGE_MEDIA_TYPES if kind == "image" else ("application/pdf",)
        if media_type not in allowed:
            raise _error(f"{where}.media_type", f"Input should be {_literals(allowed)}")
        _base64(source, where)
    elif source_type == "text":
        if field(source, "media_type", str, where) != "text/plain":
            raise _error(f"{where}.media_type", "Input should be 'text/plain'")
        field(source, "data", str, where)
    elif source_type == "content":
        content = field(source, "content", list, where)
        check_content(content, f"{where}.content", "user", 0, CONTENT_SOURCE_TYPES)
    if kind == "document":
        field(block, "title", str, at, required=False, nullable=True)
        field(block, "context", str, at, required=False, nullable=True)
        citations = field(block, "citations", dict, at, required=False, nullable=True)
        if citations is not None:
            field(citations, "enabled", bool, f"{at}.citations", required=False)


# --- system, tools and options ------------------------------------------------------------------

def check_system(system: Any) -> None:
    """``system``: a string, or a list of text blocks."""
    if isinstance(system, list):
        for j, block in enumerate(system):
            if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
                raise errors.validation(f"system.{j}: system blocks must be text blocks")
            check_block(block, f"system.{j}", "user", 0, ("text",))


def check_tools(tools: list[Any]) -> None:
    """Custom tools need a name and an input schema; server tools (a ``type`` other than custom) a name."""
    for k, tool in enumerate(tools):
        where = f"tools.{k}"
        if not isinstance(tool, dict):
            raise _error(where, "Input should be a valid dictionary")
        kind = field(tool, "type", str, where, required=False, nullable=True) or "custom"
        at = f"{where}.{kind}"
        name = field(tool, "name", str, at)
        if kind == "custom":
            if not TOOL_NAME.match(name):
                raise _error(f"{at}.name", "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'")
            field(tool, "description", str, at, required=False, nullable=True)
            field(tool, "input_schema", dict, at)
        field(tool, "cache_control", dict, at, required=False, nullable=True)


def check_options(body: dict[str, Any]) -> None:
    """``tool_choice``, ``thinking`` and ``metadata``, whose fields the emulator reads."""
    if "tool_choice" in body:
        choice = _tag(body["tool_choice"], "tool_choice", TOOL_CHOICES)
        if choice == "tool":
            field(body["tool_choice"], "name", str, "tool_choice.tool")
    if "thinking" in body:
        kind = _tag(body["thinking"], "thinking", THINKING_TYPES)
        if kind == "enabled":
            budget = field(body["thinking"], "budget_tokens", int, "thinking.enabled")
            if budget < MIN_THINKING_BUDGET:
                raise _error("thinking.enabled.budget_tokens",
                             f"Input should be greater than or equal to {MIN_THINKING_BUDGET}")
        allowed = THINKING_FIELDS[kind]
        for key in body["thinking"]:
            if key not in allowed:
                # Claude's pydantic wording for an unknown key of a tagged union member ([emulator wording] here).
                raise _error(f"thinking.{kind}.{key}", "Extra inputs are not permitted")
    if "metadata" in body:
        field(body["metadata"], "user_id", str, "metadata", required=False, nullable=True)
