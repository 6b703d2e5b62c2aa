"""Converse and ConverseStream: Bedrock's checks, then translation to the Claude body (spec §1.7–1.9).

Bedrock turns a Converse request into an Anthropic Messages body before Claude sees it; the
emulator does the same, so both APIs share one validator and one reply engine (engine.py; encode_converse.py
shapes its answer).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from .. import catalog, pdf
from . import anthropic_body, documents, errors

CONTENT_KINDS = ("text", "image", "document", "video", "audio", "toolUse", "toolResult", "guardContent",
                 "cachePoint", "reasoningContent", "citationsContent", "searchResult", "toolAddition",
                 "toolRemoval")
DOC_FORMATS = {"pdf": "application/pdf", "csv": "text/csv", "doc": "application/msword",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "xls": "application/vnd.ms-excel",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "html": "text/html", "txt": "text/plain", "md": "text/markdown"}
TEXT_FORMATS = ("csv", "html", "txt", "md")
SYSTEM_KINDS = ("text", "guardContent", "cachePoint")   # SystemContentBlock members Claude's path takes
TOOL_KINDS = ("toolSpec", "systemTool", "cachePoint")   # Tool union members (botocore, H-facts 1a)
ASSISTANT_KINDS = ("toolUse", "reasoningContent")       # blocks only the assistant writes
MAX_DOCUMENTS = pdf.CONVERSE_MAX_DOCUMENTS
DOCUMENT_NAME = pdf.CONVERSE_NAME  # tabs, dots, apostrophes and non-ASCII are rejected [3p]
_START_WITH_USER = ("A conversation must start with a user message. Try again with a conversation "
                    "that starts with a user message.")


_KINDS = {dict: "a structure", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
          (int, float): "a number"}
IMAGE_FORMATS = ("png", "jpeg", "gif", "webp")
TOOL_RESULT_STATUSES = ("success", "error")
TOOL_RESULT_KINDS = ("json", "text", "image", "document", "video", "searchResult")
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")            # ToolName in the service model
TOOL_USE_ID = re.compile(r"^[a-zA-Z0-9_.:-]{1,64}$")        # ToolUseId


def _invalid(where: str, constraint: str) -> errors.BedrockError:
    return errors.validation(f"1 validation error detected: Value at '{where}' failed to satisfy constraint: "
                             f"{constraint}")


def _typed(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` if it has the JSON type the Converse model says, else a ValidationException."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _invalid(where, f"Member must be {_KINDS[kind]}")
    return value


def _optional(container: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``container[key]`` type-checked when present (None when absent)."""
    return _typed(container[key], kind, f"{where}.{key}") if key in container else None


def _enum(value: Any, options: tuple[str, ...], where: str) -> str:
    if not isinstance(value, str) or value not in options:
        raise _invalid(where, f"Member must satisfy enum value set: [{', '.join(options)}]")
    return value


def _pattern(value: Any, pattern: re.Pattern[str], where: str) -> str:
    if not _typed(value, str, where) or not pattern.match(value):
        raise _invalid(where, f"Member must satisfy regular expression pattern: {pattern.pattern.strip('^$')}")
    return value


def _blob(value: Any, where: str) -> str:
    """A blob member: base64 text on the wire (boto3 encodes bytes itself)."""
    try:
        base64.b64decode(_typed(value, str, where), validate=True)
    except (binascii.Error, ValueError):
        raise errors.validation(f"Invalid base64 in {where}.") from None
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
    body.update(_inference_config(request.get("inferenceConfig") or {}, model))
    system: list[dict[str, Any]] = []
    for k, block in enumerate(_typed(request.get("system") or [], list, "system")):
        member = _one_member(block, SYSTEM_KINDS, "SystemContentBlock", f"system.{k}")
        if member == "text":
            system.append({"type": "text", "text": _typed(block["text"], str, f"system.{k}.text")})
        elif member == "cachePoint":
            _attach_cache_point(system, block["cachePoint"], f"system.{k}")
    if system:
        body["system"] = system
    body.update(_tool_config(request.get("toolConfig")))
    _check_tool_blocks(out_messages, request.get("toolConfig") is not None)
    if request.get("outputConfig") is not None:
        body["output_config"] = output_config(request["outputConfig"])
    paths = _typed(request.get("additionalModelResponseFieldPaths") or [], list, "additionalModelResponseFieldPaths")
    for k, path in enumerate(paths):
        _typed(path, str, f"additionalModelResponseFieldPaths.{k}")
    for key, value in _typed(request.get("requestMetadata") or {}, dict, "requestMetadata").items():
        _typed(value, str, f"requestMetadata.{key}")
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


def _inference_config(raw: Any, model: catalog.Model) -> dict[str, Any]:
    """``inferenceConfig`` as Claude's fields, each member type-checked as the service model types it."""
    config = _typed(raw, dict, "inferenceConfig")
    out: dict[str, Any] = {"max_tokens": _optional(config, "maxTokens", int, "inferenceConfig")
                           or model.max_output_tokens}
    if config.get("maxTokens") is not None and config["maxTokens"] < 1:
        raise _invalid("inferenceConfig.maxTokens", "Member must have value greater than or equal to 1")
    for ours, theirs in (("temperature", "temperature"), ("topP", "top_p")):
        if ours in config:
            out[theirs] = _typed(config[ours], (int, float), f"inferenceConfig.{ours}")
    if "stopSequences" in config:
        stops = _typed(config["stopSequences"], list, "inferenceConfig.stopSequences")
        out["stop_sequences"] = [_typed(s, str, f"inferenceConfig.stopSequences.{k}") for k, s in enumerate(stops)]
    return out


OUTPUT_FORMAT_TYPES = ("json_schema",)   # OutputFormatType
OUTPUT_STRUCTURES = ("jsonSchema",)      # the OutputFormatStructure union's members


def output_config(raw: Any) -> dict[str, Any]:
    """``outputConfig`` as Claude's ``output_config`` (botocore's shapes, H-facts 4a, H): ``effort`` as it is, and
    ``textFormat{type, structure{jsonSchema{schema, name?, description?}}}`` as ``format{type, schema}``. The
    schema arrives as a JSON string: Bedrock parses it; name and description have no place in Claude's body."""
    config = _typed(raw, dict, "outputConfig")
    out: dict[str, Any] = {}
    if "effort" in config:
        out["effort"] = _typed(config["effort"], str, "outputConfig.effort")
    if config.get("textFormat") is None:
        return out
    where = "outputConfig.textFormat"
    text_format = _typed(config["textFormat"], dict, where)
    kind = _enum(text_format.get("type"), OUTPUT_FORMAT_TYPES, f"{where}.type")
    structure = _typed(text_format.get("structure"), dict, f"{where}.structure")
    members = [k for k in structure if k in OUTPUT_STRUCTURES]
    if len(members) != 1 or len(structure) != 1:
        raise errors.validation(f"The OutputFormatStructure object at {where}.structure must set exactly one of "
                                "its members (jsonSchema).")  # [emulator wording], as the ContentBlock one
    at = f"{where}.structure.jsonSchema"
    definition = _typed(structure["jsonSchema"], dict, at)
    for key in ("name", "description"):
        _optional(definition, key, str, at)
    text = _typed(definition.get("schema"), str, f"{at}.schema")
    try:
        schema = json.loads(text, parse_constant=_not_json_constant)
    except (ValueError, RecursionError) as e:
        raise errors.converse_schema_not_json(f"{at}.schema", str(e)) from None
    out["format"] = {"type": kind, "schema": schema}
    return out


def _not_json_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def validate(request: Any, model: catalog.Model, *, check_context: bool = True) -> anthropic_body.Request:
    """Converse checks, then Claude's checks, whose messages Bedrock prefixes as the model's."""
    body = to_anthropic(request, model)
    try:
        return anthropic_body.validate(body, model, check_context=check_context, api=documents.CONVERSE)
    except errors.BedrockError as e:
        if e.message.startswith("The model returned"):
            raise
        raise errors.model_error(e.message) from None


def _one_member(value: Any, members: tuple[str, ...], shape: str, where: str) -> str:
    """The one member a union structure sets (botocore's unions take exactly one), else Bedrock's 400."""
    keys = [k for k in _typed(value, dict, where) if k in members]
    if len(keys) != 1 or len(value) != 1:
        # The wording Bedrock uses for ContentBlock (kept in _content), applied to every union [emulator wording].
        raise errors.validation(f"The {shape} object at {where} must set exactly one of its members "
                                f"({', '.join(members)}).")
    return keys[0]


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
            continue
        _typed(value, dict, f"{where}.{kind}")  # every other member is a structure
        if kind in ("image", "document", "video", "audio"):
            if role != "user":
                raise errors.media_outside_user(i, kind)
            if kind == "document":
                has_document = True
                out.append(_document(value, documents, f"{where}.document"))
            elif kind == "image":
                out.append(_image(value, f"{where}.image"))
            else:
                raise errors.validation(f"This model doesn't support the {kind} content block.")
        elif kind in ASSISTANT_KINDS and role != "assistant":
            # [emulator wording]: Claude refuses a tool_use or thinking block in a user turn.
            raise errors.validation(f"The {kind} content block at {where} is only allowed in an assistant message.")
        elif kind == "toolUse":
            out.append({"type": "tool_use",
                        "id": _pattern(value.get("toolUseId"), TOOL_USE_ID, f"{where}.toolUse.toolUseId"),
                        "name": _pattern(value.get("name"), TOOL_NAME, f"{where}.toolUse.name"),
                        "input": _typed(value.get("input", {}), dict, f"{where}.toolUse.input")})
        elif kind == "toolResult":
            out.append(_tool_result(value, f"{where}.toolResult", documents))
        elif kind == "cachePoint":
            _attach_cache_point(out, value, where)
        elif kind == "reasoningContent":
            out.extend(_reasoning(value, f"{where}.reasoningContent"))
    if has_document and not has_text:
        raise errors.document_needs_text(i)
    return out


def _image(image: dict[str, Any], where: str) -> dict[str, Any]:
    fmt = _enum(image.get("format"), IMAGE_FORMATS, f"{where}.format")
    source = _typed(image.get("source"), dict, f"{where}.source")
    if "s3Location" in source:
        raise errors.validation("The offline emulator cannot read S3 images; send the image as bytes instead.")
    data = _blob(source.get("bytes"), f"{where}.source.bytes")
    return {"type": "image", "source": {"type": "base64", "media_type": f"image/{fmt}", "data": data}}


def _tool_result(result: dict[str, Any], where: str, documents: set[str]) -> dict[str, Any]:
    """A tool result as Claude's ``tool_result``; a JSON member reaches Claude as its text."""
    tool_use_id = _pattern(result.get("toolUseId"), TOOL_USE_ID, f"{where}.toolUseId")
    if "status" in result:
        _enum(result["status"], TOOL_RESULT_STATUSES, f"{where}.status")
    items = _typed(result.get("content", []), list, f"{where}.content")
    if not items and result.get("status") == "error":  # H-facts 1c (M, sample-multi-agent-orchestration…#15)
        raise errors.validation(f"The content field at {where} cannot be empty when status value is error.")
    content = []
    for k, item in enumerate(items):
        at = f"{where}.content.{k}"
        keys = [key for key in _typed(item, dict, at) if key in TOOL_RESULT_KINDS]
        if len(keys) != 1:
            raise errors.validation(f"The ToolResultContentBlock object at {at} must set exactly one of its "
                                    "members (json, text, image, document, …).")
        if keys[0] == "text":
            content.append({"type": "text", "text": _typed(item["text"], str, f"{at}.text")})
        elif keys[0] == "json":
            content.append({"type": "text", "text": json.dumps(item["json"], ensure_ascii=False)})
        elif keys[0] == "image":
            content.append(_image(_typed(item["image"], dict, f"{at}.image"), f"{at}.image"))
        elif keys[0] == "document":
            content.append(_document(_typed(item["document"], dict, f"{at}.document"), documents, f"{at}.document"))
        else:
            raise errors.validation(f"This model doesn't support the {keys[0]} content block.")
    return {"type": "tool_result", "tool_use_id": tool_use_id,
            "content": content or "",
            "is_error": result.get("status") == "error"}


def _document(doc: dict[str, Any], names: set[str], where: str) -> dict[str, Any]:
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
    source = _typed(doc.get("source"), dict, f"{where}.source")
    out: dict[str, Any] = {"type": "document", "title": name}
    members = [k for k in ("bytes", "text", "content", "s3Location") if k in source]
    if len(members) != 1:
        raise errors.validation(f"The DocumentSource object at {where}.source must set exactly one of its "
                                "members (bytes, s3Location, text, content).")
    if "bytes" in source:
        data = _blob(source["bytes"], f"{where}.source.bytes")
        if fmt in TEXT_FORMATS:
            text = base64.b64decode(data).decode("utf-8", "replace")
            out["source"] = {"type": "text", "media_type": "text/plain", "data": text}
        else:
            out["source"] = {"type": "base64", "media_type": DOC_FORMATS[fmt], "data": data}
    elif "text" in source:
        out["source"] = {"type": "text", "media_type": "text/plain",
                         "data": _typed(source["text"], str, f"{where}.source.text")}
    elif "content" in source:
        parts = _typed(source["content"], list, f"{where}.source.content")
        out["source"] = {"type": "content", "content": [
            {"type": "text", "text": _typed(c["text"], str, f"{where}.source.content.{k}.text")}
            for k, c in enumerate(parts) if "text" in _typed(c, dict, f"{where}.source.content.{k}")]}
    else:
        raise errors.validation("The offline emulator cannot read S3 documents; send the document "
                                "as bytes instead.")
    citations = _optional(doc, "citations", dict, where)
    if citations is not None:
        out["citations"] = {"enabled": _typed(citations.get("enabled"), bool, f"{where}.citations.enabled")}
    if _optional(doc, "context", str, where):
        out["context"] = doc["context"]
    return out


def _tool_config(raw: Any) -> dict[str, Any]:
    """``toolConfig`` as Claude's ``tools`` and ``tool_choice`` (H-facts 1a: botocore's shapes, H)."""
    if raw is None:
        return {}
    config = _typed(raw, dict, "toolConfig")
    entries = _typed(config.get("tools", []), list, "toolConfig.tools")
    if not entries:  # H-facts 1c (M, Portkey-AI/gateway#1124)
        raise _invalid("toolConfig.tools", "Member must have length greater than or equal to 1")
    tools = []
    for k, entry in enumerate(entries):
        member = _one_member(entry, TOOL_KINDS, "Tool", f"toolConfig.tools.{k}")
        if member == "toolSpec":
            tools.append(_tool(_typed(entry["toolSpec"], dict, f"toolConfig.tools.{k}.toolSpec"), k))
        elif member == "systemTool":  # [emulator wording]: Claude's client tools go through InvokeModel or /anthropic
            raise errors.validation(f"The system tool at toolConfig.tools.{k}.systemTool isn't supported by this "
                                    "model.")
        else:
            _attach_cache_point(tools, entry["cachePoint"], f"toolConfig.tools.{k}")
    out: dict[str, Any] = {"tools": tools} if tools else {}
    if "toolChoice" in config:
        out["tool_choice"] = _tool_choice(_typed(config["toolChoice"], dict, "toolConfig.toolChoice"))
    return out


def _tool_choice(choice: dict[str, Any]) -> dict[str, Any]:
    """``{auto: {}}`` | ``{any: {}}`` | ``{tool: {name}}`` (Converse has no ``none``: H-facts 1a, H)."""
    members = [k for k in ("auto", "any", "tool") if k in choice]
    if len(members) != 1:  # [emulator wording], as the other union checks of this module
        raise errors.validation("The ToolChoice object at toolConfig.toolChoice must set exactly one of its members "
                                "(auto, any, tool).")
    kind = members[0]
    value = _typed(choice[kind], dict, f"toolConfig.toolChoice.{kind}")
    if kind == "tool":
        return {"type": "tool", "name": _pattern(value.get("name"), TOOL_NAME, "toolConfig.toolChoice.tool.name")}
    return {"type": kind}


def _tool(spec: dict[str, Any], k: int) -> dict[str, Any]:
    where = f"toolConfig.tools.{k}.toolSpec"
    schema = _typed(spec.get("inputSchema"), dict, f"{where}.inputSchema")
    json_schema = _typed(schema.get("json"), dict, f"{where}.inputSchema.json")
    if json_schema.get("type") != "object":  # H-facts 1c (M, goose#5064, pi#8804)
        raise errors.validation(f"The value at {where}.inputSchema.json.type must be one of the following: object.")
    tool = {"name": _pattern(spec.get("name"), TOOL_NAME, f"{where}.name"), "input_schema": json_schema}
    if "description" in spec:
        tool["description"] = _typed(spec["description"], str, f"{where}.description")
    if "strict" in spec:
        tool["strict"] = _typed(spec["strict"], bool, f"{where}.strict")
    return tool


def _check_tool_blocks(messages: list[dict[str, Any]], has_tool_config: bool) -> None:
    """Converse's own checks of tool blocks in the history, before Claude's (tools.check_history)."""
    if not has_tool_config and any(b["type"] in ("tool_use", "tool_result") for m in messages for b in m["content"]):
        # H-facts 1c (M: pentagi#196, dify#16421 …)
        raise errors.validation("The toolConfig field must be defined when using toolUse and toolResult content "
                                "blocks.")
    for i, message in enumerate(messages[:-1]):
        asked = [b["id"] for b in message["content"] if b["type"] == "tool_use"]
        results = {b["tool_use_id"] for b in messages[i + 1]["content"] if b["type"] == "tool_result"}
        missing = [x for x in asked if x not in results]
        if asked and results and missing:
            # H-facts 1c (M, agno#6698). Which check answers when the next message has *no* result is not captured
            # (both texts are seen on Converse): here Claude's (tools.unanswered) then, Converse's for a partial one.
            raise errors.validation(f"Expected toolResult blocks at messages.{i + 1}.content for the following Ids: "
                                    f"{', '.join(missing)}")


# --- prompt caching and reasoning (request side) ----------------------------------------------

CACHE_POINT_TYPES = ("default",)   # CachePointType in the service model
CACHE_TTLS = catalog.CACHE_TTLS     # CacheTTL (botocore's enum: the same two values)


def _cache_control(point: Any, where: str) -> dict[str, Any]:
    """A ``cachePoint`` as Claude's ``cache_control`` (botocore: type "default", ttl? "5m" | "1h"; H-facts 2a)."""
    point = _typed(point, dict, where)
    control = {"type": "ephemeral"}
    _enum(point.get("type"), CACHE_POINT_TYPES, f"{where}.type")
    if "ttl" in point:
        control["ttl"] = _enum(point["ttl"], CACHE_TTLS, f"{where}.ttl")
    return control


def _attach_cache_point(translated: list[dict[str, Any]], point: Any, where: str) -> None:
    """A cachePoint caches everything before it: it becomes the ``cache_control`` of the block just before it
    (a tool, a system block or a message block), so Claude's breakpoint rules (caching.py) apply to it."""
    control = _cache_control(point, f"{where}.cachePoint")
    if not translated:
        # [emulator wording]: no capture of Bedrock refusing a leading cachePoint.
        raise errors.validation(f"The cachePoint at {where} has nothing before it to cache. Put a cachePoint "
                                "after the blocks it should cache.")
    translated[-1]["cache_control"] = control


def _reasoning(value: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """``reasoningContent`` passed back: Claude's ``thinking`` (text and signature, unchanged) or
    ``redacted_thinking`` (the blob's wire text is the block's data). A missing signature stays missing, so
    Claude's "signature: Field required" answers it (thinking.check_history)."""
    if "reasoningText" in value:
        text = _typed(value["reasoningText"], dict, f"{where}.reasoningText")
        block = {"type": "thinking", "thinking": _typed(text.get("text", ""), str, f"{where}.reasoningText.text")}
        if "signature" in text:
            block["signature"] = _typed(text["signature"], str, f"{where}.reasoningText.signature")
        return [block]
    if "redactedContent" in value:
        return [{"type": "redacted_thinking", "data": _blob(value["redactedContent"], f"{where}.redactedContent")}]
    return []
