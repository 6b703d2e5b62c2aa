"""Routing: one ``@route`` line per AWS operation, matched on the *raw* request path.

Model ids are one path segment that clients encode differently (boto3 ``%3A``, the Anthropic SDKs
a raw ``:``, ARNs with ``%2F``), so the path is split before percent-decoding (wire spec §1.2).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from .auth import Caller
from .state import EmulatorState


@dataclass
class Call:
    """One request as an operation sees it."""

    state: EmulatorState
    caller: Caller | None
    method: str
    params: dict[str, str]
    query: str
    headers: dict[str, str]
    body: bytes
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    # The body as the operation parsed it (None until then, or if it did not parse): the invocation log reuses
    # it, since parsing a 20 MB body twice holds the GIL twice (json's C parser never lets it go).
    parsed_body: Any = None

    def query_params(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    def elapsed_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)


def json_bytes(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON; safe for any string a request can carry.

    JSON allows a lone surrogate (``"\\ud800"``), which UTF-8 cannot encode: then, and only then,
    every non-ASCII character is written as a ``\\u`` escape, which every JSON parser reads back as
    the same string. The common case pays nothing for the check.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":")).encode()


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
        return cls(status, json_bytes(data), [("content-type", "application/json"), *(headers or [])])


@dataclass
class StreamResponse:
    """An event-stream reply: headers now, frames as they are produced."""

    frames: AsyncIterator[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200
    # How a failure after the headers is told (None: an AWS event-stream exception frame; the Messages API: SSE).
    error_frame: Callable[[Any], bytes] | None = None


Handler = Callable[[Call], Awaitable[Response | StreamResponse]]
ErrorRenderer = Callable[[Any, str], Response]  # (BedrockError, request id) -> the reply


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    service: str | None  # SigV4 signing name; None = the emulator's own admin routes
    handler: Handler
    x_api_key: bool = False  # a Bedrock API key may also come as ``x-api-key`` (the Messages API)
    errors: ErrorRenderer | None = None  # how errors are shaped (None: Bedrock's ``{"message": …}``)


ROUTES: list[Route] = []


def route(method: str, path: str, operation: str, service: str | None = "bedrock", *, x_api_key: bool = False,
          errors: ErrorRenderer | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``method path``; ``{name}`` captures one raw path segment."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, regex, operation, service, handler, x_api_key, errors))
        return handler
    return register


def match(method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request, with its path parameters percent-decoded."""
    for r in ROUTES:
        m = r.pattern.match(raw_path)
        if m and r.method == method:
            return r, {k: unquote(v) for k, v in m.groupdict().items()}
    return None
