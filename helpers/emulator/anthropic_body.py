"""Validate an Anthropic Messages body the way Claude on Bedrock does (wire spec §1.4).

Two layers, as on Bedrock: a closed JSON schema checked by Bedrock's front end ("Malformed input
request: #: …"), then the model's own checks, whose messages Anthropic writes and Bedrock passes on.
The result is a :class:`Request` that the reply composer and the usage figures work from.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .. import catalog
from ..pdf import pages_allowed
from ..tokens import estimate_tokens
from . import blocks, caching, context_management, errors, model_rules, structured, thinking, tools
from . import documents as docs

REQUIRED = ("anthropic_version", "max_tokens", "messages")
INTERLEAVED_THINKING_BETA = "interleaved-thinking-2025-05-14"
ALLOWED = frozenset((
    *REQUIRED, "anthropic_beta", "system", "stop_sequences", "temperature", "top_p", "top_k", "tools",
    "tool_choice", "thinking", "metadata", "output_config", "output_format", "context_management",
    "container", "mcp_servers", "service_tier", "user_profile_id", "amazon-bedrock-guardrailConfig",
))
# Deeper bodies are malformed [emulator limit]: real requests nest a few dozen levels, and the bound keeps
# every recursive step after parsing (checks, token estimates, encoding the reply and the log) far from
# Python's recursion limit.
MAX_NESTING = 256

# Usage estimates for what is not plain text ([emulator] figures, documented in the README).
MESSAGE_OVERHEAD, REQUEST_OVERHEAD, TOOLS_OVERHEAD, TOOL_CALL_OVERHEAD = 3, 4, 300, 10
IMAGE_TOKENS = 1600            # a ~1.2-megapixel image; Claude bills about width*height/750

_TYPE_NAMES = {bool: "Boolean", int: "Integer", float: "Number", str: "String", list: "JSONArray",
               dict: "JSONObject", type(None): "Null"}


@dataclass
class Request:
    """A validated request: what the reply and the usage figures are computed from."""

    model: catalog.Model
    messages: list[dict[str, Any]]
    system: list[dict[str, Any]]
    max_tokens: int
    stop_sequences: list[str]
    betas: list[str]
    input_tokens: int
    body: dict[str, Any] = field(repr=False)
    documents: list[docs.Document] = field(default_factory=list)
    cache_marks: tuple[Any, ...] = ()  # caching.Mark: the body's cache_control breakpoints, in prompt order

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message["role"] == "user":
                texts = [b.get("text", "") for b in message["content"] if b.get("type") == "text"]
                if texts:
                    return " ".join(texts)
        return ""


def parse_json(raw: bytes) -> Any:
    """The body as standard JSON, or Bedrock's generic malformed-input error.

    Like Bedrock's parser, this refuses what JSON does not define (``NaN``, ``Infinity``, numbers too
    large for a double) and absurd nesting; a lone surrogate (``"\\ud800"``) is valid JSON and stays.
    """
    # Past a few KB the parse runs in a worker thread; C's parser would hold the GIL for all of it (half a
    # second for 18 MB of small values) and so stall every other request. A Python hook per object and per
    # integer lets the interpreter switch threads between values: slower for an int-heavy body, fair to all.
    hooks: dict[str, Any] = {"object_hook": _switchable, "parse_int": _int} if len(raw) > _SWITCH_FROM else {}
    try:
        value = json.loads(raw, parse_constant=_not_json, parse_float=_finite, **hooks)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise errors.malformed() from None
    if raw.count(b"[") + raw.count(b"{") > MAX_NESTING and _deeper_than(value, MAX_NESTING):
        raise errors.malformed()
    return value


_SWITCH_FROM = 64_000  # bytes: smaller bodies parse in well under a millisecond


def _switchable(value: dict[str, Any]) -> dict[str, Any]:
    return value


def _int(text: str) -> int:
    return int(text)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} does not fit a double")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels.

    Walks with one iterator per open level, so memory grows with the depth (at most ``limit``), not with the
    number of values: a stack of every child (5.5 million empty arrays) cost 400 MB more than the body itself.
    Iterative, so there is no recursion to overflow.
    """
    stack = [iter((value,))]
    while stack:
        for item in stack[-1]:
            if isinstance(item, (dict, list)):
                if len(stack) > limit:
                    return True
                stack.append(iter(item.values() if isinstance(item, dict) else item))
                break
        else:
            stack.pop()
    return False


_EXPECTED_TYPES: dict[str, type | tuple[type, ...]] = {
    "anthropic_version": str, "max_tokens": int, "messages": list, "anthropic_beta": list, "stop_sequences": list,
    "temperature": (int, float), "top_p": (int, float), "top_k": int, "tools": list, "tool_choice": dict,
    "thinking": dict, "metadata": dict, "system": (str, list)}


def schema_violations(body: Any) -> list[str]:
    """Bedrock's closed-schema check, in its ``#: …`` / ``#/key: …`` wording [3p]."""
    if not isinstance(body, dict):
        return [f"#: expected type: JSONObject, found: {_type_name(body)}"]
    out = [f"#: required key [{k}] not found" for k in REQUIRED if k not in body]
    out += [f"#: extraneous key [{k}] is not permitted" for k in body if k not in ALLOWED]
    for key, kind in _EXPECTED_TYPES.items():
        if key in body and (not isinstance(body[key], kind) or isinstance(body[key], bool)):
            wanted = kind if isinstance(kind, type) else kind[0]
            out.append(f"#/{key}: expected type: {_TYPE_NAMES[wanted]}, found: {_type_name(body[key])}")
    if isinstance(body.get("max_tokens"), int) and not isinstance(body["max_tokens"], bool) \
            and body["max_tokens"] < 1:
        out.append(f"#/max_tokens: expected minimum: 1, found: {body['max_tokens']}")
    for key in ("temperature", "top_p"):
        value = body.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= 1:
            out.append(f"#/{key}: {value} is not less or equal to 1" if value > 1
                       else f"#/{key}: {value} is not greater or equal to 0")
    for key in ("anthropic_beta", "stop_sequences"):
        if isinstance(body.get(key), list) and not all(isinstance(x, str) for x in body[key]):
            out.append(f"#/{key}: expected type: JSONArray of String")
    return out


def validate(body: Any, model: catalog.Model, *, check_context: bool = True, api: str = docs.INVOKE) -> Request:
    """Check ``body`` for ``model`` as Bedrock and Claude would; the error says what to fix.

    ``api`` says who reads the documents: InvokeModel reads PDFs visually, Converse as text unless
    citations are on.
    """
    violations = schema_violations(body)
    if violations:
        raise errors.malformed(violations)
    model_rules.check_api_version(body, model)
    model_rules.check_new_version_rules(body)
    betas = list(body.get("anthropic_beta", []))
    model_rules.check_betas(betas, model)
    thinking.check_history(body, model)  # before the shape checks: a missing signature is Claude's wrapped 400
    messages = _messages(body["messages"])
    system = _system(body.get("system"))
    blocks.check_tools(body.get("tools") or [])
    blocks.check_options(body)
    tools.check(body, model, betas)
    tools.check_history(messages)
    structured.check(body, model)
    context_management.check(body)
    model_rules.check_sampling(body, model)
    model_rules.check_thinking(body, model)
    thinking.check(body, model)
    cache_marks = caching.check(body, model)
    max_tokens = body["max_tokens"]
    if max_tokens > model.max_output_tokens:
        raise errors.max_tokens_too_large(max_tokens, model.max_output_tokens, model.api_name)
    thinking_config = body.get("thinking") or {}
    budget = thinking_config.get("budget_tokens")
    interleaved = INTERLEAVED_THINKING_BETA in betas  # with it the budget may exceed max_tokens (H-facts 3a, M)
    if thinking_config.get("type") == "enabled" and isinstance(budget, int) and budget >= max_tokens \
            and not interleaved:
        raise errors.validation("`max_tokens` must be greater than `thinking.budget_tokens`. Please "
                                "consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size")
    window = model_rules.window(model, betas)
    documents, wheres = [], []
    for i, message in enumerate(messages):
        for j, block in enumerate(message["content"]):
            if block.get("type") == "document":
                documents.append(docs.read(block, len(documents), f"messages.{i}.content.{j}", api,
                                           page_limit=pages_allowed(window)))
                wheres.append(f"messages.{i}.content.{j}")
    docs.check_pages(documents, wheres, pages_allowed(window))
    input_tokens = count_input_tokens(messages, system, body.get("tools"), [d.tokens for d in documents])
    if check_context and input_tokens > window:
        raise errors.prompt_too_long(input_tokens, window)
    return Request(model, messages, system, max_tokens, list(body.get("stop_sequences", [])), betas,
                   input_tokens, body, documents, cache_marks)


def _messages(raw: list[Any]) -> list[dict[str, Any]]:
    if not raw:
        raise errors.validation("messages: at least one message is required")
    out: list[dict[str, Any]] = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise errors.validation(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}] if content else []
        if not isinstance(content, list):
            raise errors.validation(f"messages.{i}.content: Input should be a valid list")
        final_assistant = i == len(raw) - 1 and message["role"] == "assistant"
        if not content and not final_assistant:
            raise errors.validation(f"messages.{i}: all messages must have non-empty content except "
                                    "for the optional final assistant message")
        blocks.check_content(content, f"messages.{i}.content", message["role"], i)
        if out and out[-1]["role"] == message["role"]:
            raise errors.validation('messages: roles must alternate between "user" and "assistant", '
                                    f'but found multiple "{message["role"]}" roles in a row')
        out.append({"role": message["role"], "content": content})
    return out


def _system(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [{"type": "text", "text": raw}] if raw else []
    blocks.check_system(raw)
    return list(raw)


def count_input_tokens(messages: list[dict[str, Any]], system: list[dict[str, Any]],
                       tools: Any = None, document_tokens: list[int] | None = None) -> int:
    """Input tokens of a request by the suite's one estimator, plus fixed per-item overheads.

    ``document_tokens`` are the costs of the top-level document blocks in order, as read by
    :mod:`.documents` (a PDF costs more when read visually).
    """
    total = REQUEST_OVERHEAD + sum(estimate_tokens(b["text"]) for b in system)
    if tools:
        total += TOOLS_OVERHEAD + estimate_tokens(json.dumps(tools, ensure_ascii=False))
    costs = iter(document_tokens or [])
    for message in messages:
        total += MESSAGE_OVERHEAD
        for block in message["content"]:
            cost = next(costs, None) if block.get("type") == "document" else None
            total += block_tokens(block) if cost is None else cost
    return total


def tool_call_tokens(tool_input: Any) -> int:
    """A tool_use block's tokens, the same whether Claude writes it (output) or it comes back (input)."""
    return TOOL_CALL_OVERHEAD + estimate_tokens(json.dumps(tool_input, ensure_ascii=False))


def block_tokens(block: dict[str, Any]) -> int:
    kind = block.get("type")
    if kind == "text":
        return estimate_tokens(block["text"])
    if kind == "image":
        return IMAGE_TOKENS
    if kind == "document":
        return document_tokens(block)
    if kind == "tool_use":
        return tool_call_tokens(block.get("input", {}))
    if kind == "tool_result":
        content = block.get("content", "")
        if isinstance(content, list):
            return 5 + sum(block_tokens(b) for b in content if isinstance(b, dict))
        return 5 + estimate_tokens(str(content))
    if kind == "thinking":
        return estimate_tokens(str(block.get("thinking", "")))
    return estimate_tokens(json.dumps(block, ensure_ascii=False))


def document_tokens(block: dict[str, Any]) -> int:
    source = block.get("source", {})
    kind = source.get("type")
    if kind == "text":
        return estimate_tokens(str(source.get("data", "")))
    if kind == "content":
        return sum(block_tokens(b) for b in source.get("content", []) if isinstance(b, dict))
    if kind == "base64":  # a PDF nested in a tool result: read it visually
        return docs.read(block, 0, "document", docs.INVOKE).tokens
    return 0


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)
