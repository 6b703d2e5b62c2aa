"""Tool use: which tools a request may define, and when the emulator's Claude calls them (issue H)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .anthropic_body import Request
from .reply import Segment


@dataclass(frozen=True)
class Decision:
    """Tools to call this turn: (name, input) pairs, and the short text before them (``auto`` only)."""

    calls: tuple[tuple[str, dict[str, Any]], ...]
    preface: str | None = None


def decide(request: Request) -> Decision | None:
    """The tool calls of this turn, or None for a text answer."""
    return None


def final_answer(request: Request) -> list[Segment] | None:
    """The answer once tool results came back, or None when the last message is not tool results."""
    return None
