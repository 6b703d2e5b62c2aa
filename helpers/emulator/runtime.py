"""bedrock-runtime: InvokeModel(+stream), Converse(+stream) and CountTokens for Claude (spec §1)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from .. import catalog
from . import anthropic_body, converse, encode_anthropic, encode_converse, engine, errors, eventstream, targets
from .answer import Answer
from .anthropic_body import Request
from .routing import Call, Response, StreamResponse, route
from .state import Fault

# Request headers echoed back when sent (spec §1.3, §1.5).
_ECHOED = ("x-amzn-bedrock-performanceconfig-latency", "x-amzn-bedrock-service-tier")

# Work that can take long runs in a thread, so the event loop keeps serving everyone else (issue E): reading
# PDFs (which waits on the PDF worker process, helpers/emulator/pdf_worker.py), the extractive answer, and
# parsing large bodies. A small body without documents is microseconds of work: a thread hop would cost more.
_SMALL_BODY = 64_000
T = TypeVar("T")


def _is_heavy(call: Call) -> bool:
    return len(call.body) > _SMALL_BODY or b"document" in call.body


async def _off_loop(heavy: bool, work: Callable[[], T]) -> T:
    return await asyncio.to_thread(work) if heavy else work()


def _parsed(call: Call) -> Any:
    """The body parsed once (Bedrock's malformed-input error otherwise), kept on the call for the invocation log."""
    call.parsed_body = anthropic_body.parse_json(call.body)
    return call.parsed_body


async def _validated_anthropic(call: Call, model: Any) -> Request:
    return await _off_loop(_is_heavy(call), lambda: anthropic_body.validate(_parsed(call), model))


async def _validated_converse(call: Call, model: Any) -> tuple[dict[str, Any], Request]:
    def work() -> tuple[dict[str, Any], Request]:
        body = _parsed(call)
        return body, converse.validate(body, model)

    return await _off_loop(_is_heavy(call), work)


async def _composed(call: Call, request: Request) -> Answer:
    # Documents and long prompts get an extractive answer (a search through the text): off the loop.
    heavy = bool(request.documents) or request.input_tokens > _SMALL_BODY // 4
    return await _off_loop(heavy, lambda: engine.answer(request, call.state))


def _target(call: Call, operation: str) -> catalog.Resolved:
    return targets.resolve(call.params["modelId"], call.caller.region, call.state, operation)


def _check_access(call: Call, target: catalog.Resolved, operation: str) -> None:
    """The account's rules, after the body is validated (see targets.py)."""
    targets.check_access(target, call.caller.identity.arn, call.state, operation)


async def _fault_and_latency(call: Call, *, allow_mid_stream: bool) -> Fault | None:
    """Apply injected latency, and raise (or hand back, for mid-stream delivery) an injected fault.

    The fault is drawn when the request arrives, before the latency: a request whose client gave up during the
    latency (a read-timeout lesson) must not wake later and consume a fault meant for a later request."""
    fault = call.state.draw_fault()
    if call.state.latency_ms:
        # asyncio.sleep may wake a little early (clock granularity): sleep until the full delay has passed,
        # so the latency header is never below the injected value.
        until = time.perf_counter() + call.state.latency_ms / 1000
        while (left := until - time.perf_counter()) > 0:
            await asyncio.sleep(left)
    if fault and not (fault.mid_stream and allow_mid_stream):
        raise fault.error
    return fault


# --- InvokeModel --------------------------------------------------------------------------

@route("POST", "/model/{modelId}/invoke", "InvokeModel")
async def invoke_model(call: Call) -> Response:
    target = _target(call, "InvokeModel")
    request = await _validated_anthropic(call, target.model)
    _check_access(call, target, "InvokeModel")
    await _fault_and_latency(call, allow_mid_stream=False)
    answer = await _composed(call, request)
    usage = answer.usage
    headers = [
        ("x-amzn-bedrock-invocation-latency", str(call.elapsed_ms())),
        ("x-amzn-bedrock-output-token-count", str(usage.output_tokens)),
        ("x-amzn-bedrock-input-token-count", str(usage.input_tokens)),
        ("x-amzn-bedrock-cache-read-input-token-count", str(usage.cache_read)),
        ("x-amzn-bedrock-cache-write-input-token-count", str(usage.cache_write)),
    ] + [(h, call.headers[h]) for h in _ECHOED if h in call.headers]
    return Response.json(encode_anthropic.message(request, answer), headers=headers)


@route("POST", "/model/{modelId}/invoke-with-response-stream", "InvokeModelWithResponseStream")
async def invoke_model_with_response_stream(call: Call) -> StreamResponse:
    target = _target(call, "InvokeModelWithResponseStream")
    request = await _validated_anthropic(call, target.model)
    _check_access(call, target, "InvokeModelWithResponseStream")
    fault = await _fault_and_latency(call, allow_mid_stream=True)
    answer = await _composed(call, request)
    headers = [("content-type", eventstream.CONTENT_TYPE),
               ("x-amzn-bedrock-content-type", "application/json")]
    headers += [(h, call.headers[h]) for h in _ECHOED if h in call.headers]
    return StreamResponse(_anthropic_frames(call, request, answer, fault), headers)


def _pad(event: dict[str, Any]) -> int:
    """Padding for an Anthropic stream event: a length that varies with the event, as Bedrock's does."""
    delta = event.get("delta") or {}
    return 3 + len(event["type"]) + len(str(delta.get("text") or delta.get("partial_json") or ""))


async def _anthropic_frames(call: Call, request: Request, answer: Answer, fault: Fault | None
                            ) -> AsyncIterator[bytes]:
    """The Anthropic events as event-stream chunks; the last (message_stop) carries Bedrock's invocation metrics."""
    first_byte = call.elapsed_ms()
    for event in encode_anthropic.events(request, answer):
        if event["type"] == "message_delta" and fault:  # a reply with no text to interrupt
            yield eventstream.exception(fault.error)
            return
        if event["type"] == "message_stop":
            usage = answer.usage
            event = {**event, "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": usage.input_tokens, "outputTokenCount": usage.output_tokens,
                "invocationLatency": call.elapsed_ms(), "firstByteLatency": first_byte,
                "cacheReadInputTokenCount": usage.cache_read, "cacheWriteInputTokenCount": usage.cache_write}}
        yield eventstream.chunk(event, pad=_pad(event))
        if event["type"] == "content_block_delta" and event["delta"]["type"] in encode_anthropic.CONTENT_DELTAS:
            if fault:  # a mid-stream fault arrives after the first text
                yield eventstream.exception(fault.error)
                return
            await asyncio.sleep(0)


# --- Converse -----------------------------------------------------------------------------

@route("POST", "/model/{modelId}/converse", "Converse")
async def converse_op(call: Call) -> Response:
    target = _target(call, "Converse")
    body, request = await _validated_converse(call, target.model)
    _check_access(call, target, "Converse")
    await _fault_and_latency(call, allow_mid_stream=False)
    answer = await _composed(call, request)
    return Response.json(encode_converse.response(request, answer, call.elapsed_ms(), body))


@route("POST", "/model/{modelId}/converse-stream", "ConverseStream")
async def converse_stream(call: Call) -> StreamResponse:
    target = _target(call, "ConverseStream")
    body, request = await _validated_converse(call, target.model)
    _check_access(call, target, "ConverseStream")
    fault = await _fault_and_latency(call, allow_mid_stream=True)
    if fault and fault.error.code == "ModelTimeoutException":
        raise fault.error  # ConverseStream's event union has no modelTimeoutException member
    answer = await _composed(call, request)
    return StreamResponse(_converse_frames(call, request, answer, fault, body),
                          [("content-type", eventstream.CONTENT_TYPE)])


async def _converse_frames(call: Call, request: Request, answer: Answer, fault: Fault | None,
                           body: dict[str, Any]) -> AsyncIterator[bytes]:
    for kind, payload in encode_converse.events(request, answer, body):
        if kind == "messageStop" and fault:  # a reply with no text to interrupt
            yield eventstream.exception(fault.error)
            return
        if kind == "metadata":
            payload = {**payload, "metrics": {"latencyMs": call.elapsed_ms()}}
        delta = payload.get("delta") or {}
        yield eventstream.event(kind, payload, pad=3 + len(kind) + len(str(delta.get("text", ""))))
        if kind == "contentBlockDelta" and not encode_converse.CONTENT_DELTAS.isdisjoint(delta):
            if fault:  # a mid-stream fault arrives after the first text
                yield eventstream.exception(fault.error)
                return
            await asyncio.sleep(0)


# --- CountTokens --------------------------------------------------------------------------

@route("POST", "/model/{modelId}/count-tokens", "CountTokens")
async def count_tokens(call: Call) -> Response:
    target = targets.resolve(call.params["modelId"], call.caller.region, call.state, "CountTokens")
    # Always off the loop: the Anthropic body arrives base64-encoded, so its documents cannot be seen here.
    request = await asyncio.to_thread(_count_tokens_request, call.body, target.model)
    _check_access(call, target, "CountTokens")
    return Response.json({"inputTokens": request.input_tokens})


def _count_tokens_request(raw: bytes, model: Any) -> Request:
    body = anthropic_body.parse_json(raw)
    source = body.get("input") if isinstance(body, dict) else None
    if not isinstance(source, dict) or len(source) != 1:
        raise errors.validation("CountTokens needs 'input' with exactly one of 'invokeModel' or 'converse'.")
    if isinstance(source.get("invokeModel"), dict):
        try:
            inner = base64.b64decode(source["invokeModel"].get("body", ""), validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise errors.malformed() from None
        return anthropic_body.validate(anthropic_body.parse_json(inner), model, check_context=False)
    if isinstance(source.get("converse"), dict):
        return converse.validate(source["converse"], model, check_context=False)
    raise errors.validation("CountTokens needs 'input' with exactly one of 'invokeModel' or 'converse'.")
