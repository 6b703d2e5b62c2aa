"""An :class:`~.answer.Answer` in Anthropic's shapes: the message body (InvokeModel, the Messages API) and the
stream events (InvokeModelWithResponseStream frames each as an event-stream chunk; the Messages API as SSE).

Shapes from the installed anthropic SDK types (H-facts 3b, H): text (+ citations_delta), tool_use (input_json_delta
with ``partial_json`` pieces), thinking (thinking_delta, then signature_delta just before content_block_stop),
redacted_thinking (whole in content_block_start).
"""

from __future__ import annotations

import json
from typing import Any

from . import documents
from .answer import Answer, Block, RedactedThinking, Text, Thinking, ToolCall, Usage
from .anthropic_body import Request
from .reply import new_id, text_deltas

# Deltas that carry the answer itself: a mid-stream fault is injected after the first of them.
CONTENT_DELTAS = frozenset({"text_delta", "input_json_delta", "thinking_delta"})


def usage(figures: Usage, output_tokens: int | None = None) -> dict[str, Any]:
    return {"input_tokens": figures.input_tokens, "cache_creation_input_tokens": figures.cache_write,
            "cache_read_input_tokens": figures.cache_read,
            "cache_creation": {"ephemeral_5m_input_tokens": figures.cache_write_5m,
                               "ephemeral_1h_input_tokens": figures.cache_write_1h},
            "output_tokens": figures.output_tokens if output_tokens is None else output_tokens}


def content_block(block: Block) -> dict[str, Any]:
    if isinstance(block, Text):
        out: dict[str, Any] = {"type": "text", "text": block.text}
        if block.passage:
            out["citations"] = [documents.citation(block.passage)]
        return out
    if isinstance(block, ToolCall):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if isinstance(block, Thinking):
        return {"type": "thinking", "thinking": block.text, "signature": block.signature}
    return {"type": "redacted_thinking", "data": block.data}


def message(request: Request, answer: Answer, message_id: str | None = None) -> dict[str, Any]:
    return {
        "id": message_id or new_id("msg_bdrk_01"), "type": "message", "role": "assistant",
        "model": request.model.api_name,
        "content": [content_block(b) for b in answer.blocks],
        "stop_reason": answer.stop_reason, "stop_sequence": answer.stop_sequence,
        "usage": usage(answer.usage), **answer.extra,
    }


def events(request: Request, answer: Answer) -> list[dict[str, Any]]:
    """The stream: message_start, per block start / deltas / stop, message_delta, message_stop."""
    start = {**message(request, answer), "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": usage(answer.usage, output_tokens=1)}
    for key in answer.extra:
        start.pop(key, None)
    out: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(answer.blocks):
        out += _block_events(index, block)
    out.append({"type": "message_delta",
                "delta": {"stop_reason": answer.stop_reason, "stop_sequence": answer.stop_sequence},
                "usage": {"output_tokens": answer.usage.output_tokens}, **answer.extra})
    out.append({"type": "message_stop"})
    return out


def _block_events(index: int, block: Block) -> list[dict[str, Any]]:
    def delta(body: dict[str, Any]) -> dict[str, Any]:
        return {"type": "content_block_delta", "index": index, "delta": body}

    if isinstance(block, Text):
        first: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [delta({"type": "citations_delta", "citation": documents.citation(block.passage)})] \
            if block.passage else []
        deltas += [delta({"type": "text_delta", "text": t}) for t in text_deltas(block.text)]
    elif isinstance(block, ToolCall):
        first = {"type": "tool_use", "id": block.id, "name": block.name, "input": {}}
        deltas = [delta({"type": "input_json_delta", "partial_json": p}) for p in json_pieces(block.input)]
    elif isinstance(block, Thinking):
        first = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [delta({"type": "thinking_delta", "thinking": t}) for t in text_deltas(block.text)]
        deltas.append(delta({"type": "signature_delta", "signature": block.signature}))
    else:
        assert isinstance(block, RedactedThinking)
        first, deltas = {"type": "redacted_thinking", "data": block.data}, []
    return [{"type": "content_block_start", "index": index, "content_block": first}, *deltas,
            {"type": "content_block_stop", "index": index}]


def json_pieces(value: Any, pieces: int = 3) -> list[str]:
    """A tool input as the partial JSON strings a stream sends: the compact JSON cut into (up to) ``pieces``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    size = max(1, -(-len(text) // pieces))
    return [text[i:i + size] for i in range(0, len(text), size)]
