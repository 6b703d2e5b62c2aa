"""The reply engine's encoders, fed Answers built directly (thinking, redacted thinking, tool calls, text), and
read back with the clients' own parsers: the anthropic SDK's stream accumulator and models, botocore's
EventStream parser and its ConverseStream / Converse shapes. Then what the engine answers over real HTTP: a
citation-less document answer in one block, the system prompt and images reflected."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import anthropic
import botocore.session
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message
from botocore.eventstream import EventStream
from botocore.parsers import EventStreamJSONParser
from botocore.validate import ParamValidator

from conftest import MODEL, MODEL_GLOBAL, claude_body, sample
from helpers.emulator import anthropic_body, encode_anthropic, encode_converse, eventstream
from helpers.emulator.answer import Answer, RedactedThinking, Text, Thinking, ToolCall, Usage

REDACTED = base64.b64encode(b"opaque redacted thinking").decode()
ANSWER = Answer(
    (Thinking("Let me think about the weather in Paris.", "c2lnbmF0dXJl"), RedactedThinking(REDACTED),
     Text("I'll check."), ToolCall("toolu_bdrk_01Test", "get_weather", {"city": "Paris", "days": [1, 2]})),
    "tool_use", None, Usage(100, 40, cache_read=30, cache_write_5m=10, cache_write_1h=20))
REQUEST = anthropic_body.validate(json.loads(claude_body("Weather in Paris?")), MODEL)
_RUNTIME = botocore.session.get_session().get_service_model("bedrock-runtime")


def test_anthropic_message_parses_with_the_sdk() -> None:
    message = Message.model_validate(encode_anthropic.message(REQUEST, ANSWER))
    thinking, redacted, text, call = message.content
    assert (thinking.type, thinking.thinking, thinking.signature) == ("thinking", ANSWER.blocks[0].text, "c2lnbmF0dXJl")
    assert (redacted.type, redacted.data) == ("redacted_thinking", REDACTED)
    assert text.text == "I'll check." and (call.name, call.input) == ("get_weather", {"city": "Paris", "days": [1, 2]})
    usage = message.usage
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (100, 30, 30)
    assert (usage.cache_creation.ephemeral_5m_input_tokens, usage.cache_creation.ephemeral_1h_input_tokens) == (10, 20)


def test_anthropic_events_accumulate_to_the_message() -> None:
    events = encode_anthropic.events(REQUEST, ANSWER)
    thinking_events = [e for e in events if e.get("index") == 0]
    assert thinking_events[0]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    assert thinking_events[-2]["delta"] == {"type": "signature_delta", "signature": "c2lnbmF0dXJl"}  # just before stop
    assert thinking_events[-1]["type"] == "content_block_stop"
    pieces = [e["delta"]["partial_json"] for e in events if e.get("delta", {}).get("type") == "input_json_delta"]
    assert 2 <= len(pieces) <= 3
    snapshot, buffers = None, {}
    for event in events:
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=buffers)
    expected = Message.model_validate(encode_anthropic.message(REQUEST, ANSWER, snapshot.id))
    assert [b.model_dump(exclude_none=True) for b in snapshot.content] == \
        [b.model_dump(exclude_none=True) for b in expected.content]
    assert snapshot.stop_reason == "tool_use" and snapshot.usage.output_tokens == 40


def test_converse_response_fits_botocore_shapes() -> None:
    response = encode_converse.response(REQUEST, ANSWER, 12, {})
    shape = _RUNTIME.operation_model("Converse").output_shape
    blob = response["output"]["message"]["content"][1]["reasoningContent"]
    assert blob == {"redactedContent": REDACTED}
    blob["redactedContent"] = base64.b64decode(REDACTED)  # the validator takes a blob as bytes, as boto3 hands it
    report = ParamValidator().validate(response, shape)
    assert not report.has_errors(), report.generate_report()
    content = response["output"]["message"]["content"]
    assert content[0] == {"reasoningContent": {"reasoningText": {"text": ANSWER.blocks[0].text,
                                                                 "signature": "c2lnbmF0dXJl"}}}
    assert content[3] == {"toolUse": {"toolUseId": "toolu_bdrk_01Test", "name": "get_weather",
                                      "input": {"city": "Paris", "days": [1, 2]}}}
    assert response["usage"]["cacheDetails"] == [{"ttl": "1h", "inputTokens": 20}, {"ttl": "5m", "inputTokens": 10}]
    assert response["usage"]["totalTokens"] == 100 + 30 + 30 + 40


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self) -> Any:
        yield from (self.data[i:i + 97] for i in range(0, len(self.data), 97))


def test_converse_stream_parsed_by_botocore() -> None:
    frames = b"".join(eventstream.event(kind, payload, pad=5)
                      for kind, payload in encode_converse.events(REQUEST, ANSWER, {}))
    shape = _RUNTIME.operation_model("ConverseStream").output_shape.members["stream"]
    events = list(EventStream(_Raw(frames), shape, EventStreamJSONParser(), "ConverseStream"))
    deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
    reasoning = [d["delta"]["reasoningContent"] for d in deltas if d["contentBlockIndex"] == 0]
    assert "".join(r.get("text", "") for r in reasoning) == ANSWER.blocks[0].text
    assert reasoning[-1] == {"signature": "c2lnbmF0dXJl"}
    assert [d["delta"]["reasoningContent"] for d in deltas if d["contentBlockIndex"] == 1] == [
        {"redactedContent": b"opaque redacted thinking"}]
    [start] = [e["contentBlockStart"] for e in events if "contentBlockStart" in e]  # tool use only
    assert start == {"contentBlockIndex": 3, "start": {"toolUse": {"toolUseId": "toolu_bdrk_01Test",
                                                                   "name": "get_weather"}}}
    tool_input = "".join(d["delta"]["toolUse"]["input"] for d in deltas if d["contentBlockIndex"] == 3)
    assert json.loads(tool_input) == {"city": "Paris", "days": [1, 2]}
    assert events[-2]["messageStop"]["stopReason"] == "tool_use"
    assert events[-1]["metadata"]["usage"]["cacheWriteInputTokens"] == 30


# --- what the engine answers, over real HTTP --------------------------------------------------------------------

def _invoke(runtime: Any, content: Any, **extra: Any) -> dict[str, Any]:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
            "messages": [{"role": "user", "content": content}], **extra}
    return json.loads(runtime.invoke_model(modelId=MODEL_GLOBAL, body=json.dumps(body))["body"].read())


def test_document_answer_without_citations_is_one_block(runtime: Any) -> None:
    document = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                               "data": base64.b64encode(sample("quarterly_report.pdf")).decode()}}
    message = _invoke(runtime, [document, {"type": "text", "text": "How much did revenue grow?"}])
    [block] = message["content"]
    assert "12 percent" in block["text"] and "citations" not in block
    cited = {**document, "citations": {"enabled": True}}
    message = _invoke(runtime, [cited, {"type": "text", "text": "How much did revenue grow?"}])
    assert len(message["content"]) >= 2 and any(b.get("citations") for b in message["content"])
    response = runtime.converse(modelId=MODEL_GLOBAL, messages=[{"role": "user", "content": [
        {"document": {"name": "report", "format": "pdf", "source": {"bytes": sample("quarterly_report.pdf")}}},
        {"text": "How much did revenue grow?"}]}])
    [block] = response["output"]["message"]["content"]
    assert "12 percent" in block["text"]


def test_system_prompt_and_images_reflected(runtime: Any) -> None:
    png = base64.b64encode(_png()).decode()
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png}}
    message = _invoke(runtime, [image, image, {"type": "text", "text": "What is in these pictures?"}],
                      system="You are a careful museum guide who answers in one short sentence.")
    text = message["content"][0]["text"]
    assert 'The system prompt was given: "You are a careful museum guide who answers..."' in text
    assert "2 images (image/png)" in text
    plain = _invoke(runtime, "Hello")["content"][0]["text"]
    assert "system prompt" not in plain and "image" not in plain


def test_anthropic_bedrock_sees_the_same(aws_env: dict[str, str]) -> None:
    client = anthropic.AnthropicBedrock(max_retries=0)
    message = client.messages.create(model=MODEL_GLOBAL, max_tokens=256, system="Be brief.",
                                     messages=[{"role": "user", "content": "Hi"}])
    assert 'The system prompt was given: "Be brief."' in message.content[0].text


def _png() -> bytes:
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
              + chunk(b"IEND", b""))
    return out.getvalue()
