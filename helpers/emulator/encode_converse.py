"""An :class:`~.answer.Answer` in Converse's shapes: the response body and ConverseStream's events.

Shapes from botocore's bedrock-runtime model (H-facts 1a, 2a, 3b; H): content blocks ``text``,
``citationsContent``, ``toolUse``, ``reasoningContent`` (``reasoningText{text, signature}`` | ``redactedContent``);
stream: ``messageStart``, ``contentBlockStart`` (tool use only: the start union has no text or reasoning member),
``contentBlockDelta`` (text | toolUse.input | reasoningContent.text/.signature/.redactedContent | citation),
``contentBlockStop``, ``messageStop``, ``metadata`` (usage; the framing adds the metrics).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from . import documents
from .answer import Answer, Block, RedactedThinking, Text, Thinking, ToolCall, Usage
from .anthropic_body import Request
from .encode_anthropic import json_pieces
from .reply import text_deltas

# Deltas that carry the answer itself: a mid-stream fault is injected after the first of them.
CONTENT_DELTAS = frozenset({"text", "toolUse", "reasoningContent"})


def usage(figures: Usage) -> dict[str, Any]:
    """``TokenUsage``: ``cacheDetails`` only when something was written, "Sorted by TTL duration (1h before 5m)"."""
    out: dict[str, Any] = {"inputTokens": figures.input_tokens, "outputTokens": figures.output_tokens,
                           "totalTokens": figures.prompt_tokens + figures.output_tokens,
                           "cacheReadInputTokens": figures.cache_read, "cacheWriteInputTokens": figures.cache_write}
    details = [{"ttl": ttl, "inputTokens": n} for ttl, n in (("1h", figures.cache_write_1h),
                                                             ("5m", figures.cache_write_5m)) if n]
    if details:
        out["cacheDetails"] = details
    return out


def _blob(data: str) -> str:
    """A blob member as the wire carries it (base64). Claude's redacted data is already base64 text."""
    try:
        base64.b64decode(data, validate=True)
        return data
    except (binascii.Error, ValueError):
        return base64.b64encode(data.encode()).decode()


def content_block(block: Block) -> dict[str, Any]:
    if isinstance(block, Text):
        if not block.passage:
            return {"text": block.text}
        return {"citationsContent": {"content": [{"text": block.text}],
                                     "citations": [documents.converse_citation(block.passage)]}}
    if isinstance(block, ToolCall):
        return {"toolUse": {"toolUseId": block.id, "name": block.name, "input": block.input}}
    if isinstance(block, Thinking):
        return {"reasoningContent": {"reasoningText": {"text": block.text, "signature": block.signature}}}
    return {"reasoningContent": {"redactedContent": _blob(block.data)}}


def additional_response_fields(answer: Answer, converse_request: dict[str, Any]) -> dict[str, Any]:
    """The Claude response fields the caller asked for with ``additionalModelResponseFieldPaths``."""
    fields = {"stop_sequence": answer.stop_sequence, **answer.extra}
    paths = converse_request.get("additionalModelResponseFieldPaths") or []
    return {p.strip("/"): fields[p.strip("/")] for p in paths if p.strip("/") in fields}


def response(request: Request, answer: Answer, latency_ms: int, converse_request: dict[str, Any]) -> dict[str, Any]:
    """A Converse response body."""
    out: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [content_block(b) for b in answer.blocks]}},
        "stopReason": answer.stop_reason,
        "usage": usage(answer.usage),
        "metrics": {"latencyMs": latency_ms},
    }
    extra = additional_response_fields(answer, converse_request)
    if extra:
        out["additionalModelResponseFields"] = extra
    return out


def events(request: Request, answer: Answer, converse_request: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """ConverseStream's events as (event type, payload); ``metadata`` without its ``metrics`` (the framing's)."""
    out: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": "assistant"})]
    for index, block in enumerate(answer.blocks):
        out += _block_events(index, block)
    stop: dict[str, Any] = {"stopReason": answer.stop_reason}
    extra = additional_response_fields(answer, converse_request)
    if extra:
        stop["additionalModelResponseFields"] = extra
    out.append(("messageStop", stop))
    out.append(("metadata", {"usage": usage(answer.usage)}))
    return out


def _block_events(index: int, block: Block) -> list[tuple[str, dict[str, Any]]]:
    def delta(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "contentBlockDelta", {"contentBlockIndex": index, "delta": body}

    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(block, Text):
        if block.passage:
            out.append(delta({"citation": documents.converse_citation(block.passage)}))
        out += [delta({"text": t}) for t in text_deltas(block.text)]
    elif isinstance(block, ToolCall):
        out.append(("contentBlockStart", {"contentBlockIndex": index,
                                          "start": {"toolUse": {"toolUseId": block.id, "name": block.name}}}))
        out += [delta({"toolUse": {"input": p}}) for p in json_pieces(block.input)]
    elif isinstance(block, Thinking):
        out += [delta({"reasoningContent": {"text": t}}) for t in text_deltas(block.text)]
        out.append(delta({"reasoningContent": {"signature": block.signature}}))
    else:
        assert isinstance(block, RedactedThinking)
        out.append(delta({"reasoningContent": {"redactedContent": _blob(block.data)}}))
    out.append(("contentBlockStop", {"contentBlockIndex": index}))
    return out
