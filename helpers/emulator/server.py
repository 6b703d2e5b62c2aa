"""The ASGI application: read the request, authenticate, dispatch to an operation, write the reply.

Plain ASGI on granian (HTTP/1.1 and HTTP/2, see listeners.py), no framework: routing must see the raw
path (spec §1.2), and a thin stack keeps the emulator close to the speed of a bare server on the same stack
(see bench/).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import uuid
from typing import Any

from . import admin, batch, control_plane, errors, eventstream, invocation_log, messages_api, runtime, sts, targets  # noqa: F401
from .auth import AuthError, authenticate
from .guard import Guard
from .routing import Call, Response, StreamResponse, match
from .state import EmulatorState

MAX_BODY = 25_000_000            # bedrock-runtime's `body` limit [model]
_DISCARD_LIMIT = 64 * 1024 * 1024  # past this, stop reading a too-large body and close
log = logging.getLogger("helpers.emulator")

_WELCOME = (b"Offline Amazon Bedrock emulator for Claude.\n"
            b"Point AWS_ENDPOINT_URL (boto3, AWS CLI) and ANTHROPIC_BEDROCK_BASE_URL (Anthropic SDKs) "
            b"here and use the emulator's documented credentials: `python -m helpers.emulator` prints them.\n")


def shutting_down() -> errors.BedrockError:
    """What a request still running when the emulator stops gets ([emulator] wording): stopping
    cancels such requests after SHUTDOWN_GRACE_SECONDS (listeners.serve_all)."""
    return errors.BedrockError("ServiceUnavailableException",
                               "The Bedrock emulator is shutting down; this request was stopped.")


def error_response(error: errors.BedrockError, request_id: str) -> Response:
    return Response.json({error.body_key: error.message}, error.status,
                         [("x-amzn-errortype", error.error_type_header)])


class EmulatorApp:
    """ASGI app serving bedrock, bedrock-runtime and STS from one port, behind ``guard``'s rules."""

    def __init__(self, state: EmulatorState, guard: Guard) -> None:
        self.state = state
        self.guard = guard
        # (HTTP version, method, raw path) of recent requests: what the tests check HTTP/2 clients by.
        # Never in a response, a log record or the state a learner sees.
        self.recent_protocols: collections.deque[tuple[str, str, str]] = collections.deque(maxlen=256)
        targets.warm()  # load botocore's service model now, not on the first request

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request_id = str(uuid.uuid4())
        method = scope["method"]
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        headers: dict[str, str] = {}
        for k, v in scope["headers"]:
            name, value = k.decode("latin-1").lower(), v.decode("latin-1")
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        http_version = scope.get("http_version", "")
        self.recent_protocols.append((http_version, method, raw_path))
        if http_version == "2" and "host" in headers:
            # The server hands :authority over as "host"; the AWS SDK for JavaScript v3 signs it under its own
            # name over HTTP/2 (SignedHeaders=:authority;…, @aws-sdk/middleware-host-header), as AWS accepts.
            headers[":authority"] = headers["host"]
        refused = self.guard.host_refusal(headers)  # before reading a body: nothing runs for a foreign Host
        if refused:
            await _send(send, refused, request_id)
            return
        try:
            body, too_large = await _read_body(receive)
            result = await self._handle(method, raw_path, query, headers, body, too_large, request_id)
        except asyncio.CancelledError:  # only at shutdown: answer, rather than leave a traceback and a 500
            result = error_response(shutting_down(), request_id)
        await _send(send, result, request_id)

    async def _handle(self, method: str, raw_path: str, query: str, headers: dict[str, str],
                      body: bytes, too_large: bool, request_id: str) -> Response | StreamResponse:
        if method == "GET" and raw_path == "/" and not query and "authorization" not in headers:
            return Response(200, _WELCOME, [("content-type", "text/plain; charset=utf-8")])  # a browser
        found = match(method, raw_path)
        if found is None:
            return error_response(errors.BedrockError(
                "UnknownOperationException", f"No operation matches {method} {raw_path}."), request_id)
        route, params = found
        if route.service is None:  # the emulator's own admin routes
            refused = self.guard.admin_refusal(method, raw_path, headers)
            if refused:
                return refused
        try:
            if too_large:
                raise errors.body_too_large(MAX_BODY)
            caller = None
            if route.service:
                auth_headers = messages_api.key_as_bearer(headers) if route.x_api_key else headers
                caller = authenticate(method, raw_path, query, auth_headers, body, route.service,
                                      self.state.default_region, revoked=self.state.api_key_revoked)
            call = Call(self.state, caller, method, params, query, headers, body, request_id)
            try:
                result = await route.handler(call)
            except errors.BedrockError as e:
                await invocation_log.failed(call, route.operation, e)
                raise
            return await invocation_log.observe(call, route.operation, result)
        except AuthError as e:
            if route.service == "sts":
                return sts.auth_error(e, request_id)
            return error_response(e.error, request_id)
        except errors.BedrockError as e:
            return (route.errors or error_response)(e, request_id)
        except Exception:  # a bug of ours: say so as Bedrock would, and log it
            log.exception("internal error in %s", route.operation)
            return (route.errors or error_response)(errors.internal(), request_id)


async def _read_body(receive: Any) -> tuple[bytes, bool]:
    """The request body, or (b"", True) once it passes MAX_BODY (the rest is read and dropped)."""
    parts: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            parts.append(chunk)
        elif size > _DISCARD_LIMIT:
            return b"", True
        more = message.get("more_body", False)
    if size > MAX_BODY:
        return b"", True
    return b"".join(parts), False


async def _send(send: Any, result: Response | StreamResponse, request_id: str) -> None:
    # Header values are latin-1 on the wire (the request's were decoded so): echoed ones go back byte for byte.
    headers = [(k.encode(), v.encode("latin-1", "replace")) for k, v in result.headers]
    headers.append((b"x-amzn-requestid", request_id.encode()))
    if isinstance(result, Response):
        headers.append((b"content-length", str(len(result.body)).encode()))
        await send({"type": "http.response.start", "status": result.status, "headers": headers})
        await send({"type": "http.response.body", "body": result.body})
        return
    await send({"type": "http.response.start", "status": result.status, "headers": headers})
    error_frame = result.error_frame or eventstream.exception
    try:
        async for frame in result.frames:
            await send({"type": "http.response.body", "body": frame, "more_body": True})
    except asyncio.CancelledError:  # stopped mid-stream at shutdown: end the stream with a modeled error
        await send({"type": "http.response.body", "body": error_frame(shutting_down()), "more_body": True})
    except Exception:
        log.exception("internal error while streaming")
        await send({"type": "http.response.body", "body": error_frame(errors.internal()), "more_body": True})
    await send({"type": "http.response.body", "body": b""})
