"""Converse and ConverseStream: Bedrock's checks, then translation to the Claude body (spec §1.7–1.9).

Bedrock turns a Converse request into an Anthropic Messages body before Claude sees it; the
emulator does the same, so both APIs share one validator and one reply composer.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .. import catalog
from . import anthropic_body, errors
from .reply import Reply

CONTENT_KINDS = ("text", "image", "document", "video", "audio", "toolUse", "toolResult", "guardContent",
                 "cachePoint", "reasoningContent", "citationsContent", "searchResult", "toolAddition",
                 "toolRemoval")
DOC_FORMATS = {"pdf": "application/pdf", "csv": "text/csv", "doc": "application/msword",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "xls": "application/vnd.ms-excel",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "html": "text/html", "txt": "text/plain", "md": "text/markdown"}
TEXT_FORMATS = ("csv", "html", "txt", "md")
MAX_DOCUMENTS = 5
# Alphanumerics, hyphens, parentheses, square brackets (underscores work in practice), and single
# spaces between them [3p]; tabs, dots, apostrophes and non-ASCII are rejected.
DOCUMENT_NAME = re.compile(r"^[A-Za-z0-9_\-()\[\]]+(?: [A-Za-z0-9_\-()\[\]]+)* ?$")
_START_WITH_USER = ("A conversation must start with a user message. Try again with a conversation "
                    "that starts with a user message.")


def to_anthropic(request: Any, model: catalog.Model) -> dict[str, Any]:
    """The Claude body Bedrock would build from a Converse request, after Converse's own checks."""
    if not isinstance(request, dict):
        raise errors.malformed()
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise errors.validation(_START_WITH_USER)
    out_messages, documents = [], set()
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise errors.validation(f"The role in the Message object at messages.{i} must be user or assistant.")
        if i == 0 and message["role"] != "user":
            raise errors.validation(_START_WITH_USER)
        if i and messages[i - 1].get("role") == message["role"]:
            raise errors.converse_roles_alternate()
        content = message.get("content")
        if not isinstance(content, list) or not content:
            raise errors.converse_empty_content(i)
        out_messages.append({"role": message["role"],
                             "content": _content(content, i, message["role"], documents)})
    body: dict[str, Any] = {"anthropic_version": "bedrock-2023-05-31", "messages": out_messages}
    config = request.get("inferenceConfig") or {}
    body["max_tokens"] = config.get("maxTokens", model.max_output_tokens)
    for ours, theirs in (("temperature", "temperature"), ("topP", "top_p"), ("stopSequences", "stop_sequences")):
        if ours in config:
            body[theirs] = config[ours]
    system = [{"type": "text", "text": b["text"]} for b in request.get("system") or [] if "text" in b]
    if system:
        body["system"] = system
    tools = [_tool(t["toolSpec"]) for t in (request.get("toolConfig") or {}).get("tools", []) if "toolSpec" in t]
    if tools:
        body["tools"] = tools
    extra = request.get("additionalModelRequestFields") or {}
    if not isinstance(extra, dict):
        raise errors.malformed()
    extraneous = [k for k in extra if k not in anthropic_body.ALLOWED or k in anthropic_body.REQUIRED]
    if extraneous:
        raise errors.model_error("Malformed input request: " + "".join(
            f"#: extraneous key [{k}] is not permitted" for k in extraneous)
            + ", please reformat your input and try again.")
    body.update(extra)
    return body


def validate(request: Any, model: catalog.Model, *, check_context: bool = True) -> anthropic_body.Request:
    """Converse checks, then Claude's checks, whose messages Bedrock prefixes as the model's."""
    body = to_anthropic(request, model)
    try:
        return anthropic_body.validate(body, model, check_context=check_context)
    except errors.BedrockError as e:
        if e.message.startswith("The model returned"):
            raise
        raise errors.model_error(e.message) from None


def _content(blocks: list[Any], i: int, role: str, documents: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    has_document = has_text = False
    for j, block in enumerate(blocks):
        where = f"messages.{i}.content.{j}"
        keys = [k for k in block if k in CONTENT_KINDS] if isinstance(block, dict) else []
        if len(keys) != 1:
            raise errors.validation(f"The ContentBlock object at {where} must set exactly one of its "
                                    "members (text, image, document, toolUse, toolResult, …).")
        kind, value = keys[0], block[keys[0]]
        if kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise errors.converse_blank_text(where)
            has_text = True
            out.append({"type": "text", "text": value})
        elif kind in ("image", "document", "video", "audio"):
            if role != "user":
                raise errors.media_outside_user(i, kind)
            if kind == "document":
                has_document = True
                out.append(_document(value, documents))
            elif kind == "image":
                out.append({"type": "image", "source": {
                    "type": "base64", "media_type": f"image/{value.get('format', 'png')}",
                    "data": (value.get("source") or {}).get("bytes", "")}})
            else:
                raise errors.validation(f"This model doesn't support the {kind} content block.")
        elif kind == "toolUse":
            out.append({"type": "tool_use", "id": value.get("toolUseId"), "name": value.get("name"),
                        "input": value.get("input", {})})
        elif kind == "toolResult":
            texts = [c["text"] for c in value.get("content", []) if isinstance(c, dict) and "text" in c]
            out.append({"type": "tool_result", "tool_use_id": value.get("toolUseId"),
                        "content": [{"type": "text", "text": t} for t in texts] or "",
                        "is_error": value.get("status") == "error"})
        elif kind == "cachePoint" and out:
            out[-1]["cache_control"] = {"type": "ephemeral"}
        elif kind == "reasoningContent" and "reasoningText" in value:
            text = value["reasoningText"]
            out.append({"type": "thinking", "thinking": text.get("text", ""),
                        "signature": text.get("signature", "")})
    if has_document and not has_text:
        raise errors.document_needs_text(i)
    return out


def _document(doc: Any, names: set[str]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise errors.malformed()
    name = doc.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 200 or not DOCUMENT_NAME.match(name):
        raise errors.document_name()
    if name in names:
        raise errors.duplicate_document_names()
    names.add(name)
    if len(names) > MAX_DOCUMENTS:
        raise errors.too_many_documents()
    fmt = doc.get("format", "pdf")
    if fmt not in DOC_FORMATS:
        raise errors.validation(f"The document format '{fmt}' isn't supported. Use one of: "
                                f"{', '.join(DOC_FORMATS)}.")
    source = doc.get("source") or {}
    out: dict[str, Any] = {"type": "document", "title": name}
    if "bytes" in source:
        if fmt in TEXT_FORMATS:
            text = base64.b64decode(source["bytes"]).decode("utf-8", "replace")
            out["source"] = {"type": "text", "media_type": "text/plain", "data": text}
        else:
            out["source"] = {"type": "base64", "media_type": DOC_FORMATS[fmt], "data": source["bytes"]}
    elif "text" in source:
        out["source"] = {"type": "text", "media_type": "text/plain", "data": source["text"]}
    elif "content" in source:
        out["source"] = {"type": "content", "content": [
            {"type": "text", "text": c["text"]} for c in source["content"] if "text" in c]}
    elif "s3Location" in source:
        raise errors.validation("The offline emulator cannot read S3 documents; send the document "
                                "as bytes instead.")
    else:
        raise errors.malformed()
    if isinstance(doc.get("citations"), dict):
        out["citations"] = {"enabled": bool(doc["citations"].get("enabled"))}
    if doc.get("context"):
        out["context"] = doc["context"]
    return out


def _tool(spec: dict[str, Any]) -> dict[str, Any]:
    return {"name": spec.get("name"), "description": spec.get("description", ""),
            "input_schema": (spec.get("inputSchema") or {}).get("json", {"type": "object"})}


# --- responses ---------------------------------------------------------------------------

def usage(request: anthropic_body.Request, reply: Reply) -> dict[str, int]:
    return {"inputTokens": request.input_tokens, "outputTokens": reply.output_tokens,
            "totalTokens": request.input_tokens + reply.output_tokens,
            "cacheReadInputTokens": 0, "cacheWriteInputTokens": 0}


def response(request: anthropic_body.Request, reply: Reply, latency_ms: int,
             converse_request: dict[str, Any]) -> dict[str, Any]:
    """A Converse response body."""
    out: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": reply.text}] if reply.text else []}},
        "stopReason": reply.stop_reason,
        "usage": usage(request, reply),
        "metrics": {"latencyMs": latency_ms},
    }
    extra = additional_response_fields(reply, converse_request)
    if extra:
        out["additionalModelResponseFields"] = extra
    return out


def additional_response_fields(reply: Reply, converse_request: dict[str, Any]) -> dict[str, Any]:
    """The Claude response fields the caller asked for with ``additionalModelResponseFieldPaths``."""
    fields = {"stop_sequence": reply.stop_sequence}
    paths = converse_request.get("additionalModelResponseFieldPaths") or []
    return {p.strip("/"): fields[p.strip("/")] for p in paths if p.strip("/") in fields}
