"""The Anthropic Messages API on Bedrock: bedrock-runtime's ``/anthropic/v1/messages`` and bedrock-mantle's.

On AWS these are two hosts (research: /work/research/G-facts.md Q1, H): ``bedrock-runtime.{region}.amazonaws.com
/anthropic`` (SigV4 signing name ``bedrock``) and ``bedrock-mantle.{region}.api.aws/anthropic`` (signing name
``bedrock-mantle``); both take a Bedrock API key as ``Authorization: Bearer`` or ``x-api-key`` (never both).
The emulator serves mantle under the prefix :data:`MANTLE_PREFIX` of its one base URL.

Nothing here decides an answer: the body goes through the shared checks (``anthropic_body.validate``,
``model_rules``), the account rules (``targets.check_access``), the injected faults, and ``engine.answer``,
exactly as InvokeModel's does. This module only adapts the wire: ``model`` and ``stream`` in the body, the
``anthropic-version``/``anthropic-beta`` headers, SSE instead of AWS event-stream, and Bedrock's errors
rendered in Anthropic's shape (``{"type":"error","error":{"type":…,"message":…},"request_id":…}``) with the
statuses the Anthropic SDKs map to their exception classes. Authentication failures stay AWS-shaped: they come
from the front door (G-facts Q3: ``{"Message":"Authentication failed: …"}``, M).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from .. import catalog
from . import anthropic_body, encode_anthropic, errors, targets
from .answer import Answer
from .anthropic_body import Request
from .auth import AuthError
from .errors import BedrockError
from .routing import Call, Response, StreamResponse, json_bytes, route
from .runtime import _composed, _fault_and_latency, _is_heavy, _off_loop  # InvokeModel's steps
from .state import Fault

RUNTIME, MANTLE = "runtime-messages", "mantle"  # the catalog's endpoint names
MANTLE_PREFIX = "/mantle"  # [emulator choice]: mantle's host, served under a path of the emulator's base URL
SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
# The operation names of the routes. Invocation logging records runtime Messages calls as InvokeModel (or
# InvokeModelWithResponseStream when streamed): see invocation_log.logged_operation.
RUNTIME_MESSAGES, MANTLE_MESSAGES, MANTLE_COUNT_TOKENS = "Messages", "MantleMessages", "MantleCountTokens"

# The anthropic-version header → the body version the shared rules know. 2023-06-01 is what every SDK sends and
# AWS documents for the Messages API (G-facts Q1a, H); it is the Bedrock body's bedrock-2023-05-31. 2026-10-21 is
# the same string in header and body (Anthropic's versioning page; F-facts), taken only by models whose catalog
# api_versions list it (model_rules.check_api_version).
HEADER_VERSIONS = {"2023-06-01": "bedrock-2023-05-31", catalog.NEW_API_VERSION: catalog.NEW_API_VERSION}

# Bedrock's error codes → (HTTP status, Anthropic error type). The statuses are those the Anthropic SDKs map to
# their classes (anthropic/lib/bedrock/_mantle.py:83-112, _client.py; G-facts Q3, H); the types are Anthropic's
# documented ones (anthropic/types/shared/error_type.py, H). Which Bedrock condition gets which type on these
# paths is the emulator's mapping (M: not_found_error and invalid_request_error are measured, G-facts Q2/Q3).
ANTHROPIC_ERRORS: dict[str, tuple[int, str]] = {
    "ValidationException": (400, "invalid_request_error"),
    "AccessDeniedException": (403, "permission_error"),
    "ResourceNotFoundException": (404, "not_found_error"),
    "UnknownOperationException": (404, "not_found_error"),
    "ThrottlingException": (429, "rate_limit_error"),
    "ModelTimeoutException": (504, "timeout_error"),
    "ModelErrorException": (500, "api_error"),
    "InternalServerException": (500, "api_error"),
    "ServiceUnavailableException": (529, "overloaded_error"),
}
_BEDROCK_CODES = {kind: code for code, (_, kind) in reversed(list(ANTHROPIC_ERRORS.items()))}
_MODEL_PREFIX = "The model returned the following errors: "  # Bedrock's wrapper; Anthropic's API has none

# Runtime's /anthropic serves only /v1/messages. Its other Anthropic paths were measured (G-facts Q1c, ADR-026 and a
# probe script, 2026-09; M) to answer HTTP 200 with a Coral fault in the body, as below (the body's exact form from
# public captures of bedrock-runtime answering a path it does not serve, e.g. "{"Output":{"__type":
# "com.amazon.coral.service#UnknownOperationException"},"Version":"1.0"}"; M).
UNKNOWN_OPERATION = {"Output": {"__type": "com.amazon.coral.service#UnknownOperationException"}, "Version": "1.0"}


# --- errors ---------------------------------------------------------------------------------------------------

def anthropic_error(error: BedrockError, request_id: str) -> tuple[int, dict[str, Any]]:
    """A Bedrock error as the Messages API reports it: (status, body)."""
    status, kind = ANTHROPIC_ERRORS.get(error.code, (error.status, "api_error"))
    message = error.message.removeprefix(_MODEL_PREFIX)
    return status, {"type": "error", "error": {"type": kind, "message": message}, "request_id": request_id}


def error_response(error: BedrockError, request_id: str) -> Response:
    status, body = anthropic_error(error, request_id)
    return Response.json(body, status)


def sse(event: str, data: dict[str, Any]) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + json_bytes(data) + b"\n\n"


def sse_error_frame(error: BedrockError) -> bytes:
    """A failure after the stream started: an ``error`` event, as the Anthropic SDKs read it (_streaming.py)."""
    _, body = anthropic_error(error, "")
    body.pop("request_id")
    return sse("error", body)


def decode_sse_frame(frame: bytes) -> tuple[str, dict[str, Any]]:
    """One of our own SSE frames back to ("event" | "exception", payload), for the invocation log."""
    event, data = "", b""
    for line in frame.split(b"\n"):
        if line.startswith(b"event: "):
            event = line[7:].decode()
        elif line.startswith(b"data: "):
            data = line[6:]
    payload = json.loads(data)
    if event == "error":
        kind = payload["error"]["type"]
        return "exception", {"type": _BEDROCK_CODES.get(kind, "InternalServerException"),
                             "message": payload["error"]["message"]}
    return "event", {"chunk": payload}


def both_key_headers() -> AuthError:
    # "x-api-key와 Authorization 두 스킴은 배타적" (the two schemes are mutually exclusive; ADR-026, G-facts Q1c, M).
    # The status and text of the refusal were not captured: [emulator wording], AWS-shaped like the other key errors.
    return AuthError(BedrockError(
        "AccessDeniedException", "Authentication failed: send the API key in one header, either x-api-key or "
        "Authorization, not both.", body_key="Message"), "bearer")


def key_as_bearer(headers: dict[str, str]) -> dict[str, str]:
    """The headers ``authenticate`` checks: an ``x-api-key`` is a Bedrock API key sent as the plain Anthropic
    client sends its key (``Anthropic(api_key=…)``), verified like ``Authorization: Bearer``."""
    key = headers.get("x-api-key")
    if key is None:
        return headers
    if "authorization" in headers:
        raise both_key_headers()
    return {**headers, "authorization": f"Bearer {key}"}


def _invalid(message: str) -> BedrockError:
    return errors.validation(message)


def model_not_found(model_id: str) -> BedrockError:
    # The type is measured on mantle for a model the region does not serve (ADR-026, G-facts Q2, M); the message is
    # Anthropic's first-party form "model: <id>" (captures of api.anthropic.com, L for Bedrock).
    return BedrockError("ResourceNotFoundException", f"model: {model_id}")


# --- the request --------------------------------------------------------------------------------------------

def _api_version(call: Call) -> str:
    header = call.headers.get("anthropic-version")
    if header is None:
        # Anthropic's first-party text, also what Messages-API gateways answer (public captures, M); AWS: "All
        # requests require an API version … anthropic-version: 2023-06-01 as an HTTP header" (G-facts Q1a, H).
        raise _invalid("anthropic-version: header is required")
    if header not in HEADER_VERSIONS:
        raise errors.invalid_api_version(header)
    return HEADER_VERSIONS[header]


def _betas(call: Call) -> list[str]:
    raw = call.headers.get("anthropic-beta", "")
    return [b.strip() for b in raw.split(",") if b.strip()]


def _schema_message(violation: str) -> str:
    """Bedrock's ``#: …`` schema wording in the Messages API's ``field: …`` form (same check, other wording):
    "Extra inputs are not permitted" is measured on runtime /anthropic (ADR-026, G-facts Q3, M); "Field required"
    is Anthropic's first-party wording for a missing field (L for Bedrock)."""
    for start, end, text in (("#: required key [", "] not found", "Field required"),
                             ("#: extraneous key [", "] is not permitted", "Extra inputs are not permitted")):
        if violation.startswith(start) and violation.endswith(end):
            return f"{violation[len(start):-len(end)]}: {text}"
    return violation.removeprefix("#/").removeprefix("#: ")


def parse(call: Call, *, counting: bool = False) -> tuple[str, bool, dict[str, Any]]:
    """(model id, stream?, the body as InvokeModel's shared checks take it)."""
    raw = anthropic_body.parse_json(call.body)
    call.parsed_body = raw
    if not isinstance(raw, dict):
        raise _invalid(_schema_message(anthropic_body.schema_violations(raw)[0]))
    body = dict(raw)
    model_id = body.pop("model", None)
    if model_id is None:
        raise _invalid("model: Field required")  # [emulator wording], Anthropic's style; G-facts Q2: required (M)
    if not isinstance(model_id, str):
        raise _invalid("model: Input should be a valid string")  # [emulator wording]
    stream = body.pop("stream", False)
    if not isinstance(stream, bool) or (counting and stream):
        raise _invalid("stream: Input should be a valid boolean")  # [emulator wording]
    # The version comes from the header; a body copy (one third-party runtime client sends both, G-facts Q1c, L)
    # is replaced by it.
    body["anthropic_version"] = _api_version(call)
    betas = _betas(call)  # the header; a body list (InvokeModel's form) is kept too
    if betas and isinstance(body.get("anthropic_beta", []), list):
        body["anthropic_beta"] = betas + body.get("anthropic_beta", [])
    if counting:
        body.setdefault("max_tokens", 1)  # count_tokens takes no max_tokens; the shared checks need one (below)
    violations = anthropic_body.schema_violations(body)
    if violations:
        raise _invalid(_schema_message(violations[0]))
    return model_id, stream, body


def runtime_target(model_id: str, call: Call, operation: str) -> catalog.Resolved:
    """bedrock-runtime's Messages API: the ids InvokeModel takes (profile ids; bare ids where on demand), of
    models the catalog serves there; the region and lifecycle rules are InvokeModel's (targets.resolve)."""
    try:
        model = catalog.resolve(model_id).model
    except catalog.UnknownModelError:
        raise model_not_found(model_id) from None
    if not model.served_on(RUNTIME):
        raise model_not_found(model_id)
    assert call.caller is not None
    return targets.resolve(model_id, call.caller.region, call.state, operation)


def mantle_target(model_id: str, call: Call) -> catalog.Resolved:
    """bedrock-mantle: bare ids only (catalog ``mantle_model_id``; no profile prefix, no version suffix: G-facts
    Q2, M-H), of models mantle serves, known in the caller's region and not past their end of life."""
    model = next((m for m in catalog.models() if m.mantle_model_id == model_id), None)
    assert call.caller is not None
    if model is None or not model.offered_in(call.caller.region) \
            or model.lifecycle(call.state.today()) == catalog.END_OF_LIFE:
        raise model_not_found(model_id)
    return catalog.Resolved(model, None, "base-id")


# --- the routes ---------------------------------------------------------------------------------------------

@route("POST", "/anthropic/v1/messages", RUNTIME_MESSAGES, x_api_key=True, errors=error_response)
async def runtime_messages(call: Call) -> Response | StreamResponse:
    model_id, stream, body = parse(call)
    operation = "InvokeModelWithResponseStream" if stream else "InvokeModel"
    call.params["modelId"] = model_id  # what the invocation log records
    target = runtime_target(model_id, call, operation)
    return await _answer(call, target, body, stream, operation)


@route("POST", MANTLE_PREFIX + "/anthropic/v1/messages", MANTLE_MESSAGES, service="bedrock-mantle",
       x_api_key=True, errors=error_response)
async def mantle_messages(call: Call) -> Response | StreamResponse:
    model_id, stream, body = parse(call)
    target = mantle_target(model_id, call)
    return await _answer(call, target, body, stream, "InvokeModelWithResponseStream" if stream else "InvokeModel")


@route("POST", MANTLE_PREFIX + "/anthropic/v1/messages/count_tokens", MANTLE_COUNT_TOKENS,
       service="bedrock-mantle", x_api_key=True, errors=error_response)
async def mantle_count_tokens(call: Call) -> Response:
    """Mantle's count_tokens: AWS's only token-counting path for models without a regional runtime id (CRIS-only
    models; G-facts Q7, H). Runtime's /anthropic has none (below)."""
    model_id, _, body = parse(call, counting=True)
    target = mantle_target(model_id, call)
    if "max_tokens" not in call.parsed_body:  # the model's ceiling: no output limit to break, any thinking budget fits
        body["max_tokens"] = target.model.max_output_tokens
    request = await asyncio.to_thread(anthropic_body.validate, body, target.model, check_context=False)
    targets.check_access(target, _arn(call), call.state, "CountTokens")
    return Response.json({"input_tokens": request.input_tokens})


async def _runtime_unknown_operation(call: Call) -> Response:
    return Response.json(UNKNOWN_OPERATION, 200)


for _method, _path in (("POST", "/anthropic/v1/messages/count_tokens"), ("GET", "/anthropic/v1/models"),
                       ("GET", "/anthropic/v1/files"), ("POST", "/anthropic/v1/files")):
    route(_method, _path, "AnthropicUnknownOperation")(_runtime_unknown_operation)


@route("POST", "/anthropic/v1/messages/batches", "AnthropicBatches")
async def runtime_batches(call: Call) -> Response:
    # Measured: 403 "Authorization header is missing" (ADR-026, G-facts Q3, M); the error code is not captured.
    raise BedrockError("MissingAuthenticationTokenException", "Authorization header is missing")


# --- the answer ---------------------------------------------------------------------------------------------

def _arn(call: Call) -> str:
    assert call.caller is not None
    return call.caller.identity.arn


async def _answer(call: Call, target: catalog.Resolved, body: dict[str, Any], stream: bool,
                  operation: str) -> Response | StreamResponse:
    """InvokeModel's order: validate the body, the account's rules, faults and latency, then the reply."""
    request = await _off_loop(_is_heavy(call), lambda: anthropic_body.validate(body, target.model))
    targets.check_access(target, _arn(call), call.state, operation)
    fault = await _fault_and_latency(call, allow_mid_stream=stream)
    answer = await _composed(call, request)
    if not stream:
        return Response.json(encode_anthropic.message(request, answer))
    return StreamResponse(_frames(request, answer, fault), [("content-type", SSE_CONTENT_TYPE),
                                                            ("cache-control", "no-cache")],
                          error_frame=sse_error_frame)


async def _frames(request: Request, answer: Answer, fault: Fault | None) -> AsyncIterator[bytes]:
    """Anthropic's event order (G-facts Q4, M): message_start, then per block content_block_start, deltas and
    content_block_stop, then message_delta (stop reason, usage) and message_stop. One ``ping`` after the first
    block starts, as Anthropic's API sends it (whether mantle sends pings was not found; the SDKs skip them)."""
    pinged = False
    for event in encode_anthropic.events(request, answer):
        if event["type"] == "message_delta" and fault:  # a reply with no text to interrupt
            yield sse_error_frame(fault.error)
            return
        yield sse(event["type"], event)
        if event["type"] == "content_block_start" and not pinged:
            pinged = True
            yield sse("ping", {"type": "ping"})
        if event["type"] == "content_block_delta" and event["delta"]["type"] in encode_anthropic.CONTENT_DELTAS:
            if fault:  # a mid-stream fault arrives after the first text
                yield sse_error_frame(fault.error)
                return
            await asyncio.sleep(0)
