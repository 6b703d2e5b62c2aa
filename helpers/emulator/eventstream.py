"""AWS event-stream framing (``application/vnd.amazon.eventstream``), wire spec §2.

Each frame: prelude (total length, headers length, CRC32 of both), string headers, payload and a
CRC32 of everything before it. Bedrock uses string (type 7) headers only.
"""

from __future__ import annotations

import base64
import struct
from binascii import crc32

from .errors import BedrockError
from .routing import json_bytes

CONTENT_TYPE = "application/vnd.amazon.eventstream"
# Random-length padding Bedrock adds to every payload against length side channels; clients ignore it.
_PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return struct.pack("B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v


def _headers(*pairs: tuple[str, str]) -> bytes:
    return b"".join(_header(k, v) for k, v in pairs)


def frame(headers: bytes, payload: bytes) -> bytes:
    """One event-stream message from an encoded header block and a payload."""
    prelude = struct.pack(">II", 12 + len(headers) + len(payload) + 4, len(headers))
    prelude += struct.pack(">I", crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", crc32(message))


_EVENT_HEADERS: dict[str, bytes] = {}


def event(event_type: str, payload: dict, pad: int = 0) -> bytes:
    """An ``event`` frame whose JSON payload carries ``p`` padding of ``pad`` characters."""
    block = _EVENT_HEADERS.get(event_type)
    if block is None:
        block = _EVENT_HEADERS[event_type] = _headers(
            (":event-type", event_type), (":content-type", "application/json"), (":message-type", "event"))
    if pad:
        payload = {**payload, "p": _PADDING[: pad % len(_PADDING) or 1]}
    return frame(block, json_bytes(payload))


def chunk(anthropic_event: dict, pad: int = 0) -> bytes:
    """An InvokeModelWithResponseStream ``chunk``: one Anthropic stream event, base64-encoded."""
    return event("chunk", {"bytes": base64.b64encode(json_bytes(anthropic_event)).decode()}, pad)


def exception(error: BedrockError, **extra: object) -> bytes:
    """A modeled mid-stream exception frame (``:message-type: exception``)."""
    headers = _headers((":exception-type", error.stream_exception_type),
                       (":content-type", "application/json"), (":message-type", "exception"))
    return frame(headers, json_bytes({"message": error.message, **extra}))
