"""The emulator's replies: deterministic, honest about where they come from, shaped like Claude's.

The same request always gets the same text. ``max_tokens`` and stop sequences are honoured exactly
as Claude honours them, so notebooks can show ``stop_reason`` values for real.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from ..tokens import estimate_tokens, truncate_to_tokens
from .anthropic_body import Request

_ID_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WORDS = re.compile(r"\S+\s*")
PREVIEW_CHARS = 120


@dataclass(frozen=True)
class Reply:
    text: str
    stop_reason: str  # end_turn | max_tokens | stop_sequence
    stop_sequence: str | None
    output_tokens: int


def compose(request: Request) -> Reply:
    """The reply to ``request``, cut at the first stop sequence or at ``max_tokens``."""
    text = full_text(request)
    stop_reason, stop_sequence = "end_turn", None
    hits = [(text.find(s), s) for s in request.stop_sequences if s and s in text]
    if hits:
        at, stop_sequence = min(hits)
        text, stop_reason = text[:at], "stop_sequence"
    tokens = estimate_tokens(text)
    if tokens > request.max_tokens:
        text, stop_reason, stop_sequence = truncate_to_tokens(text, request.max_tokens), "max_tokens", None
        tokens = estimate_tokens(text)
    return Reply(text, stop_reason, stop_sequence, max(1, tokens))


def full_text(request: Request) -> str:
    said = " ".join(request.last_user_text[: PREVIEW_CHARS * 4].split())  # never split a 4 MB prompt
    if len(said) > PREVIEW_CHARS:
        said = said[:PREVIEW_CHARS].rstrip() + "..."
    return (
        f"Hello from the offline Bedrock emulator: no model ran, so this is a stand-in for "
        f"{request.model.display_name}, not Claude's answer. Your request had {request.input_tokens} "
        f'input tokens, and your last message was: "{said}". Run the same code with AWS '
        f"credentials to get a real reply from Claude."
    )


def text_deltas(text: str, words_per_delta: int = 3) -> list[str]:
    """Split ``text`` into the deltas a stream sends (a few words each, like a real stream)."""
    words = _WORDS.findall(text)
    if not words:
        return [text] if text else []
    return ["".join(words[i:i + words_per_delta]) for i in range(0, len(words), words_per_delta)]


def new_id(prefix: str, length: int = 22) -> str:
    """A random id with Bedrock's prefix, e.g. ``msg_bdrk_01…``."""
    return prefix + "".join([_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in secrets.token_bytes(length)])
