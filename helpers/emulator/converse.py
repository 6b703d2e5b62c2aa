"""Converse and ConverseStream: Bedrock's checks, then translation to the Claude body (spec §1.7–1.9).

Bedrock turns a Converse request into an Anthropic Messages body before Claude sees it; the
emulator does the same, so both APIs share one validator and one reply composer.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .. import catalog, pdf
from . import anthropic_body, documents, errors
from .reply import Reply, Segment

CONTENT_KINDS = ("text", "image", "document", "video", "audio", "toolUse", "toolResult", "guardContent",
                 "cachePoint", "reasoningContent", "citationsContent", "searchResult", "toolAddition",
                 "toolRemoval")
DOC_FORMATS = {"pdf": "application/pdf", "csv": "text/csv", "doc": "application/msword",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "xls": "application/vnd.ms-excel",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "html": "text/html", "txt": "text/plain", "md": "text/markdown"}
TEXT_FORMATS = ("csv", "html", "txt", "md")
MAX_DOCUMENTS = pdf.CONVERSE_MAX_DOCUMENTS
DOCUMENT_NAME = pdf.CONVERSE_NAME  # tabs, dots, apostrophes and non-ASCII are rejected [3p]
_START_WITH_USER = ("A conversation must start with a user message. Try again with a conversation "
                    "that starts with a user message.")


_KINDS = {dict: "a structure", list: "a list", str: "a string", bool: "a boolean", (int, float): "a number"}


def _typed(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` if it has the JSON type the Converse model says, else a ValidationException."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise errors.validation(f"1 validation error detected: Value at '{where}' failed to satisfy "
                                f"constraint: Member must be {_KINDS[kind]}")
    return value


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
    config = _typed(request.get("inferenceConfig") or {}, dict, "inferenceConfig")
    body["max_tokens"] = config.get("maxTokens", model.max_output_tokens)
    for ours, theirs in (("temperature", "temperature"), ("topP", "top_p"), ("stopSequences", "stop_sequences")):
        if ours in config:
            body[theirs] = config[ours]
    system = []
    for k, block in enumerate(_typed(request.get("system") or [], list, "system")):
        if "text" in _typed(block, dict, f"system.{k}"):
            system.append({"type": "text", "text": _typed(block["text"], str, f"system.{k}.text")})
    if system:
        body["system"] = system
    tool_config = _typed(request.get("toolConfig") or {}, dict, "toolConfig")
    tools = []
    for k, tool in enumerate(_typed(tool_config.get("tools", []), list, "toolConfig.tools")):
        if "toolSpec" in _typed(tool, dict, f"toolConfig.tools.{k}"):
            tools.append(_tool(_typed(tool["toolSpec"], dict, f"toolConfig.tools.{k}.toolSpec"), k))
    if tools:
        body["tools"] = tools
    paths = _typed(request.get("additionalModelResponseFieldPaths") or [], list, "additionalModelResponseFieldPaths")
    for k, path in enumerate(paths):
        _typed(path, str, f"additionalModelResponseFieldPaths.{k}")
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
        return anthropic_body.validate(body, model, check_context=check_context, api=documents.CONVERSE)
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
            _typed(value, dict, f"{where}.{kind}")
            if role != "user":
                raise errors.media_outside_user(i, kind)
            if kind == "document":
                has_document = True
                out.append(_document(value, documents))
            elif kind == "image":
                source = _typed(value.get("source") or {}, dict, f"{where}.image.source")
                fmt = _typed(value.get("format", "png"), str, f"{where}.image.format")
                out.append({"type": "image", "source": {
                    "type": "base64", "media_type": f"image/{fmt}",
                    "data": _typed(source.get("bytes", ""), str, f"{where}.image.source.bytes")}})
            else:
                raise errors.validation(f"This model doesn't support the {kind} content block.")
        elif kind == "toolUse":
            _typed(value, dict, f"{where}.toolUse")
            out.append({"type": "tool_use", "id": value.get("toolUseId"), "name": value.get("name"),
                        "input": _typed(value.get("input", {}), dict, f"{where}.toolUse.input")})
        elif kind == "toolResult":
            _typed(value, dict, f"{where}.toolResult")
            results = _typed(value.get("content", []), list, f"{where}.toolResult.content")
            texts = [_typed(c["text"], str, f"{where}.toolResult.content.text")
                     for c in results if isinstance(c, dict) and "text" in c]
            out.append({"type": "tool_result", "tool_use_id": value.get("toolUseId"),
                        "content": [{"type": "text", "text": t} for t in texts] or "",
                        "is_error": value.get("status") == "error"})
        elif kind == "cachePoint" and out:
            out[-1]["cache_control"] = {"type": "ephemeral"}
        elif kind == "reasoningContent" and "reasoningText" in _typed(value, dict, f"{where}.reasoningContent"):
            text = _typed(value["reasoningText"], dict, f"{where}.reasoningContent.reasoningText")
            thought = _typed(text.get("text", ""), str, f"{where}.reasoningContent.reasoningText.text")
            out.append({"type": "thinking", "thinking": thought, "signature": text.get("signature", "")})
    if has_document and not has_text:
        raise errors.document_needs_text(i)
    return out


def _document(doc: Any, names: set[str]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise errors.malformed()
    name = doc.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= pdf.CONVERSE_NAME_MAX or not DOCUMENT_NAME.match(name):
        raise errors.document_name()
    if name in names:
        raise errors.duplicate_document_names()
    names.add(name)
    if len(names) > MAX_DOCUMENTS:
        raise errors.too_many_documents()
    fmt = doc.get("format", "pdf")
    if not isinstance(fmt, str) or fmt not in DOC_FORMATS:
        raise errors.validation(f"The document format '{fmt}' isn't supported. Use one of: "
                                f"{', '.join(DOC_FORMATS)}.")
    source = _typed(doc.get("source") or {}, dict, "document.source")
    out: dict[str, Any] = {"type": "document", "title": name}
    if "bytes" in source:
        data = _typed(source["bytes"], str, "document.source.bytes")  # blobs are base64 on the wire
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise errors.validation("Invalid base64 in document.source.bytes.") from None
        if fmt in TEXT_FORMATS:
            out["source"] = {"type": "text", "media_type": "text/plain", "data": raw.decode("utf-8", "replace")}
        else:
            out["source"] = {"type": "base64", "media_type": DOC_FORMATS[fmt], "data": data}
    elif "text" in source:
        out["source"] = {"type": "text", "media_type": "text/plain",
                         "data": _typed(source["text"], str, "document.source.text")}
    elif "content" in source:
        parts = _typed(source["content"], list, "document.source.content")
        out["source"] = {"type": "content", "content": [
            {"type": "text", "text": _typed(c["text"], str, "document.source.content.text")}
            for c in parts if "text" in _typed(c, dict, "document.source.content")]}
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


def _tool(spec: dict[str, Any], k: int) -> dict[str, Any]:
    schema = _typed(spec.get("inputSchema") or {}, dict, f"toolConfig.tools.{k}.toolSpec.inputSchema")
    return {"name": spec.get("name"), "description": spec.get("description", ""),
            "input_schema": schema.get("json", {"type": "object"})}


# --- responses ---------------------------------------------------------------------------

def usage(request: anthropic_body.Request, reply: Reply) -> dict[str, int]:
    return {"inputTokens": request.input_tokens, "outputTokens": reply.output_tokens,
            "totalTokens": request.input_tokens + reply.output_tokens,
            "cacheReadInputTokens": 0, "cacheWriteInputTokens": 0}


def response(request: anthropic_body.Request, reply: Reply, latency_ms: int,
             converse_request: dict[str, Any]) -> dict[str, Any]:
    """A Converse response body."""
    out: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [_block(s) for s in reply.segments]}},
        "stopReason": reply.stop_reason,
        "usage": usage(request, reply),
        "metrics": {"latencyMs": latency_ms},
    }
    extra = additional_response_fields(reply, converse_request)
    if extra:
        out["additionalModelResponseFields"] = extra
    return out


def _block(segment: Segment) -> dict[str, Any]:
    if not segment.passage:
        return {"text": segment.text}
    return {"citationsContent": {"content": [{"text": segment.text}],
                                 "citations": [documents.converse_citation(segment.passage)]}}


def additional_response_fields(reply: Reply, converse_request: dict[str, Any]) -> dict[str, Any]:
    """The Claude response fields the caller asked for with ``additionalModelResponseFieldPaths``."""
    fields = {"stop_sequence": reply.stop_sequence}
    paths = converse_request.get("additionalModelResponseFieldPaths") or []
    return {p.strip("/"): fields[p.strip("/")] for p in paths if p.strip("/") in fields}
