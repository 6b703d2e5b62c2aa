"""What Claude answers: the one place that decides the reply, whatever the API (issue H).

:func:`answer` turns a validated :class:`~.anthropic_body.Request` into an :class:`~.answer.Answer`; the
``encode_*`` modules only encode it (InvokeModel JSON and event stream, Converse and its stream, the Messages
API JSON and SSE). Order of blocks, as Claude orders them: thinking first, then either tool calls (with a short
preface under ``auto``), or the answer after tool results, or structured JSON, or the document / long-prompt /
stand-in text of :mod:`.reply`. Stop sequences and ``max_tokens`` cut text; tool calls stop with ``tool_use``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..tokens import estimate_tokens, truncate_to_tokens
from . import caching, context_management, reply, structured, thinking, tools
from .answer import Answer, Block, RedactedThinking, Text, Thinking, ToolCall, Usage
from .anthropic_body import Request, tool_call_tokens


def answer(request: Request, state: Any = None) -> Answer:
    """The reply to ``request``; ``state`` (the emulator's) is for figures that depend on earlier calls (caching)."""
    thoughts = thinking_blocks(request)
    thought_tokens = thinking.tokens(request) if thoughts else 0  # the full thinking, also when not shown
    # Thinking counts against max_tokens (Claude: budget_tokens < max_tokens): what follows it gets the rest.
    rest = dataclasses.replace(request, max_tokens=request.max_tokens - thought_tokens) if thought_tokens else request
    decision = tools.decide(request)
    if decision is not None:
        blocks, stop_reason, output_tokens = _tool_turn(rest, decision)
        stop_sequence = None
    else:
        text = tools.final_answer(request)
        if text is None:
            text = structured_text(request)
        segments = [Text(text)] if text is not None else reply.stand_in(request)
        finished = reply.finish(rest, segments)
        blocks = list(finished.segments)
        stop_reason, stop_sequence, output_tokens = finished.stop_reason, finished.stop_sequence, finished.output_tokens
    output_tokens += thought_tokens
    return Answer(tuple(thoughts) + tuple(blocks), stop_reason, stop_sequence,
                  usage(request, state, output_tokens), extra(request))


def _tool_turn(request: Request, decision: tools.Decision) -> tuple[list[Block], str, int]:
    """A turn that calls tools: the optional preface text, then the calls. Past ``max_tokens`` the turn stops
    there, with what fits of the preface and no call (a cut tool call would be unusable)."""
    calls = [ToolCall(reply.new_id("toolu_bdrk_01"), name, value) for name, value in decision.calls]
    preface = decision.preface or ""
    tokens = estimate_tokens(preface) + sum(tool_call_tokens(c.input) for c in calls)
    if tokens > request.max_tokens:
        text = truncate_to_tokens(preface, request.max_tokens)
        return ([Text(text)] if text else []), "max_tokens", max(1, estimate_tokens(text))
    return ([Text(preface)] if preface else []) + list(calls), "tool_use", tokens


# --- the call sites of the other features (each its own module; see H-design.md) -----------------------------

def thinking_blocks(request: Request) -> list[Thinking | RedactedThinking]:
    """The thinking that opens the reply (thinking.py)."""
    return thinking.blocks(request)


def structured_text(request: Request) -> str | None:
    """The JSON text of a structured-output request (structured.py), or None for free text."""
    return structured.json_text(request)


def usage(request: Request, state: Any, output_tokens: int) -> Usage:
    """The usage figures; prompt caching (caching.py) splits the input into cached and uncached, reading and
    writing the emulator's cache (no state: no cache)."""
    if state is None:
        return Usage(request.input_tokens, output_tokens)
    return caching.usage(request, state, output_tokens)


def extra(request: Request) -> dict[str, Any]:
    """Response fields some betas add (``context_management``)."""
    return context_management.response_fields(request)
