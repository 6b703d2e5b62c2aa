"""What Claude answers, whatever the API: the emulator's one reply model (issue H).

:mod:`.engine` decides an :class:`Answer` from a validated request: its content blocks (text with or
without citations, tool calls, thinking), why it stopped, and the usage figures with their cache split.
Each API only encodes it: InvokeModel JSON and its event stream, Converse and ConverseStream, the
Messages API JSON and its SSE (see the ``encode_*`` modules). A feature is written once, here and in
the engine, and every API carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .documents import Passage


@dataclass(frozen=True)
class Text:
    """A text block; cited when ``passage`` is set (one citation per block, as the emulator cites)."""

    text: str
    passage: Passage | None = None


@dataclass(frozen=True)
class ToolCall:
    """A ``tool_use`` block (Converse: ``toolUse``): the model asks the caller to run a tool."""

    id: str              # toolu_bdrk_… (Converse shows the same id as toolUseId)
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class Thinking:
    """A ``thinking`` block (Converse: ``reasoningContent.reasoningText``). ``text`` is "" when the model's
    display is "omitted"; ``signature`` is what must come back unchanged in the next turn."""

    text: str
    signature: str


@dataclass(frozen=True)
class RedactedThinking:
    """A ``redacted_thinking`` block (Converse: ``reasoningContent.redactedContent``): opaque, passed back as is."""

    data: str


Block = Text | ToolCall | Thinking | RedactedThinking


@dataclass(frozen=True)
class Usage:
    """Token figures. ``input_tokens`` is the uncached part only, as Claude reports it: the prompt's total is
    ``input_tokens + cache_read + cache_write_5m + cache_write_1h``."""

    input_tokens: int
    output_tokens: int
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def prompt_tokens(self) -> int:
        """Every input token of the request, cached or not."""
        return self.input_tokens + self.cache_read + self.cache_write


@dataclass(frozen=True)
class Answer:
    """One reply, before any API encodes it."""

    blocks: tuple[Block, ...]
    stop_reason: str           # end_turn | max_tokens | stop_sequence | tool_use
    stop_sequence: str | None
    usage: Usage
    # Response fields some betas add, e.g. {"context_management": {"applied_edits": [...]}} (Anthropic shapes).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "".join(b.text for b in self.blocks if isinstance(b, Text))

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(b for b in self.blocks if isinstance(b, ToolCall))
