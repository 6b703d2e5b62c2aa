"""Property tests: whatever arrives, the emulator answers (never drops the connection) and never
with a 5xx; every 4xx JSON error carries x-amzn-ErrorType and a message (wire spec §3).

Every request goes over real HTTP to the session emulator, signed by botocore's SigV4 signer
unless the test is about unsigned or broken authentication; the generated request shapes
(fuzz_shapes.py) and the known crashes also go to a second emulator with invocation logging on,
and through boto3 itself, so its own parser reads every reply. Examples are derandomized so a run
is reproducible (bench/fuzz_soak.py is the long, randomized run). Each crash the fuzzing found
(and that was then fixed) stays pinned as a regression test: as an ``@example`` on the property
test that found it and/or as a named case of ``TestKnownCrashes`` or test_auth.py.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import os
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError
from fuzz_shapes import OPERATIONS as SHAPE_OPERATIONS
from fuzz_shapes import Deep, bodies
from fuzz_shapes import dumps as dumps_escaped
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from logging_setup import Destinations, destinations

from conftest import (
    HAIKU_3_BASE,
    MODEL_BASE,
    MODEL_GLOBAL,
    MODEL_US,
    claude_body,
    client_of,
    raw_request,
    sample,
    signed_request,
)
from helpers import catalog
from helpers.emulator import Emulator, auth, start, thinking

# EMULATOR_FUZZ_EXAMPLES=2000 runs a longer, randomized search; by default the 150 examples per
# test are derandomized, so every run (and CI) sends the same requests.
_EXAMPLES = int(os.environ.get("EMULATOR_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXAMPLES or 150, deadline=None, derandomize=not _EXAMPLES, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)
OPERATIONS = ("invoke", "invoke-with-response-stream", "converse", "converse-stream", "count-tokens")
# A thinking block passed back must carry the emulator's signature for its text (a made-up one is a 400).
SIGNED_HMM = thinking.sign(catalog.resolve(MODEL_US).model, "Hmm", "Hmm")
SESSION = Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY, auth.SESSION_TOKEN)

# --- checking a reply ------------------------------------------------------------------------


def check_reply(response: Any) -> None:
    """No 5xx; a JSON 4xx names its error type and has a message; a 200 stream decodes cleanly."""
    detail = (response.status, dict(response.headers), response.data[:600])
    assert response.status < 500, detail
    content_type = response.headers.get("content-type", "")
    if 400 <= response.status < 500 and content_type.startswith("application/json"):
        assert response.headers.get("x-amzn-errortype"), detail
        body = json.loads(response.data)
        assert isinstance(body, dict), detail
        message = body.get("message", body.get("Message"))
        assert isinstance(message, str) and message, detail
    if response.status == 200 and content_type == "application/vnd.amazon.eventstream":
        buffer = EventStreamBuffer()
        buffer.add_data(response.data)  # the whole body was read: preload_content=True
        frames = list(buffer)  # checks every prelude and message CRC
        assert frames, detail
        for frame in frames:
            assert frame.headers.get(":message-type") == "event", (frame.headers, frame.payload[:300])


def post(emulator: Emulator, model_path: str, operation: str, body: bytes,
         headers: dict[str, str] | None = None) -> Any:
    return signed_request(emulator.url, "POST", f"/model/{model_path}/{operation}", body,
                          headers={"Content-Type": "application/json", **(headers or {})})


# --- model ids ------------------------------------------------------------------------------

VALID_IDS = (
    MODEL_US, MODEL_GLOBAL, MODEL_BASE, HAIKU_3_BASE,
    "anthropic.claude-sonnet-4-6", "global.anthropic.claude-opus-4-7", "us.anthropic.claude-opus-4-1-20250805-v1:0",
    "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdef012345",
    "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "anthropic.claude-v2",
)
_TEXT = st.characters(exclude_categories=("Cs",))  # any character UTF-8 can carry


@st.composite
def mutated_id(draw: st.DrawFn) -> str:
    """A valid id with one character inserted, deleted or replaced."""
    base = draw(st.sampled_from(VALID_IDS))
    i = draw(st.integers(0, len(base)))
    c = draw(st.sampled_from(":/.%-_ ~é\u3042\u200b\x00") | _TEXT)
    return draw(st.sampled_from([base[:i] + c + base[i:], base[:i] + base[i + 1:], base[:i] + c + base[i + 1:],
                                 base.upper(), " " + base, base + " "]))


MODEL_IDS = st.one_of(
    st.sampled_from(VALID_IDS),
    mutated_id(),
    st.text(_TEXT, min_size=1, max_size=40),
    st.text(st.sampled_from("abc.:-/%0123456789~_"), min_size=1, max_size=30),
    # Literal percent-encoding inside the id: it arrives encoded twice.
    st.sampled_from(VALID_IDS).map(lambda i: i.replace(":", "%3A").replace("/", "%2F")),
    st.sampled_from(["%", "%zz", "%2", "%00", "%2F", "%252F", "%%", ";", "@", "..x", "~"]),
    # Around and beyond the 2048-character limit (CountTokens: 256).
    st.builds(lambda base, n, c: base + c * n, st.sampled_from(VALID_IDS), st.integers(200, 2300),
              st.sampled_from("a0:-./é")),
    st.integers(2040, 4000).map(lambda n: "a" * n),
)
# How clients put the id in the path: boto3 encodes everything, the Python Anthropic SDK keeps
# ":" and ";", the TypeScript SDK keeps RFC 3986 sub-delims, ":" and "@" (spec §1.2).
ENCODINGS = st.sampled_from(["", ":;", "!$&'()*+,;=:@"])

# --- JSON-ish values ------------------------------------------------------------------------

BIG_INTS = st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, 2**63, 10**30, -(10**30), 10**400])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), BIG_INTS,
                    st.floats(allow_nan=True, allow_infinity=True), st.text(_TEXT, max_size=20))
ANTHROPIC_KEYS = ("anthropic_version", "max_tokens", "messages", "system", "stop_sequences", "temperature",
                  "top_p", "top_k", "tools", "tool_choice", "thinking", "metadata", "anthropic_beta",
                  "role", "content", "type", "text", "source", "data", "media_type", "input", "id", "name")
CONVERSE_KEYS = ("messages", "system", "inferenceConfig", "toolConfig", "additionalModelRequestFields",
                 "additionalModelResponseFieldPaths", "role", "content", "text", "image", "document",
                 "toolUse", "toolResult", "format", "source", "bytes", "invokeModel", "converse", "input",
                 "body", "maxTokens", "reasoningContent", "cachePoint", "guardContent")
KEYS = st.sampled_from(ANTHROPIC_KEYS + CONVERSE_KEYS) | st.text(_TEXT, max_size=8)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


JSONISH_BODIES = st.one_of(
    JSON_VALUES.map(dumps),
    st.dictionaries(KEYS, JSON_VALUES, max_size=8).map(dumps),
    # Near-valid text: a valid body cut short, or with a stray byte.
    st.builds(lambda b, n: b[:n], st.just(claude_body().encode()), st.integers(0, 120)),
    st.builds(lambda b, n, c: b[:n] + c + b[n:], st.just(claude_body().encode()), st.integers(0, 120),
              st.sampled_from([b"\x00", b"\xff", b"{", b"]", b",", b"NaN", b"\xc3"])),
    st.sampled_from([b"", b"null", b"[]", b"{}", b'""', b"0", b"NaN", b"-Infinity", b"1e999", b"\xef\xbb\xbf{}",
                     b'{"a":1}' * 3, "{}".encode("utf-16"), "{}".encode("utf-32")]),
)
RANDOM_BYTES = st.binary(max_size=2048)


class TestRandomBodies:
    """Random JSON-ish and random bytes, properly signed, to every runtime operation."""

    @pytest.mark.parametrize("operation", OPERATIONS)
    @FUZZ
    @given(model_id=MODEL_IDS, safe=ENCODINGS, body=JSONISH_BODIES)
    def test_jsonish_bodies(self, emulator: Emulator, operation: str, model_id: str, safe: str,
                            body: bytes) -> None:
        """JSON-ish bodies with valid and weird model ids: never a 5xx, errors well-formed."""
        check_reply(post(emulator, quote(model_id, safe=safe), operation, body))

    @pytest.mark.parametrize("operation", OPERATIONS)
    @FUZZ
    @given(model_id=MODEL_IDS, safe=ENCODINGS, body=RANDOM_BYTES)
    def test_random_bytes(self, emulator: Emulator, operation: str, model_id: str, safe: str,
                          body: bytes) -> None:
        """Random bytes with valid and weird model ids: never a 5xx, errors well-formed."""
        check_reply(post(emulator, quote(model_id, safe=safe), operation, body))


# --- headers --------------------------------------------------------------------------------

HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=60)
AMZ_DATES = st.one_of(
    HEADER_TEXT,
    st.sampled_from(["", "20260101T000000Z", "99991231T235959Z", "00010101T000000Z", "20261301T000000Z",
                     "20260230T000000Z", "2026-01-01T00:00:00Z", "20260101T000000", "Thu, 01 Jan 1970 00:00:00 GMT",
                     "20260101T246060Z", "0"]),
    st.datetimes().map(lambda d: d.strftime("%Y%m%dT%H%M%SZ")),
)


HTTP_DATES = st.builds(
    lambda day, year, time, zone: f"{day}, 31 Dec {year} {time} {zone}",
    st.sampled_from(["Mon", "Fri", "Xyz"]), st.integers(0, 10_000),
    st.sampled_from(["00:00:00", "23:59:59", "25:61:61"]),
    st.sampled_from(["GMT", "-0000", "+0000", "+2359", "-2359", "+9999", "UTC", "PST"]),
)


@st.composite
def fake_sigv4(draw: st.DrawFn) -> str:
    """An Authorization header shaped like SigV4, with every part possibly wrong."""
    key = draw(st.sampled_from([auth.ACCESS_KEY_ID, auth.SESSION_ACCESS_KEY_ID, "AKIDEXAMPLE", ""]) | HEADER_TEXT)
    date = draw(st.sampled_from(["20260101", "99991231", "00000000"]) | st.text("0123456789", max_size=9))
    region = draw(st.sampled_from(["us-east-1", "ap-northeast-1", "", "é"]) | HEADER_TEXT)
    service = draw(st.sampled_from(["bedrock", "sts", "bedrock-runtime", ""]))
    signed = draw(st.lists(st.sampled_from(["host", "x-amz-date", "content-type", "authorization", "",
                                            "x-amz-security-token", "x-missing", "HOST"]), max_size=5))
    signature = draw(st.text("0123456789abcdef", min_size=64, max_size=64) | HEADER_TEXT)
    sep = draw(st.sampled_from([", ", ",", " , ", ",  "]))
    return (f"AWS4-HMAC-SHA256 Credential={key}/{date}/{region}/{service}/aws4_request{sep}"
            f"SignedHeaders={';'.join(signed)}{sep}Signature={signature}")


AUTHORIZATIONS = st.one_of(
    HEADER_TEXT,
    fake_sigv4(),
    st.builds(lambda s, t: s + t, st.sampled_from(["Bearer ", "bearer ", "BEARER", "Bearer  ", "AWS4-HMAC-SHA256 ",
                                                   "AWS4-HMAC-SHA256 Credential=", "Basic ", "AWS "]), HEADER_TEXT),
    st.just(f"Bearer {auth.BEDROCK_API_KEY}"),
)
CONTENT_TYPES = st.sampled_from([
    "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
    "application/vnd.amazon.eventstream", "multipart/form-data; boundary=x", "", ";", "application/json;;;",
    "*/*", "image/png", "application/x-amz-json-1.1",
]) | HEADER_TEXT
NAMED_HEADERS = st.sampled_from([
    "Accept", "X-Amzn-Bedrock-Accept", "X-Amzn-Bedrock-Trace", "X-Amzn-Bedrock-GuardrailIdentifier",
    "X-Amzn-Bedrock-GuardrailVersion", "X-Amzn-Bedrock-PerformanceConfig-Latency", "X-Amzn-Bedrock-Service-Tier",
    "X-Amzn-Bedrock-Request-Metadata", "X-Amz-Security-Token", "X-Amz-Content-SHA256", "anthropic-beta",
    "anthropic-version", "Content-Encoding", "Accept-Encoding", "User-Agent", "Date", "X-Amz-Target",
])
EXTRA_HEADERS = st.dictionaries(
    NAMED_HEADERS | st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20).map(lambda s: "X-F-" + s),
    HEADER_TEXT, max_size=5)


@st.composite
def unsigned_headers(draw: st.DrawFn) -> dict[str, str]:
    headers = draw(EXTRA_HEADERS)
    for name, values in (("Authorization", AUTHORIZATIONS), ("X-Amz-Date", AMZ_DATES), ("Content-Type", CONTENT_TYPES),
                         ("X-Amz-Security-Token", HEADER_TEXT), ("Date", HTTP_DATES | HEADER_TEXT)):
        if draw(st.booleans()):
            headers[name] = draw(values)
    return headers


OUT_OF_RANGE_DATE = "Fri, 31 Dec 9999 23:59:59 -2359"  # astimezone(UTC) overflows datetime.max
FAKE_SIGV4_DATE_SIGNED = (f"AWS4-HMAC-SHA256 Credential={auth.ACCESS_KEY_ID}/20260101/us-east-1/bedrock/aws4_request, "
                          f"SignedHeaders=date;host, Signature={'0' * 64}")
VALID_PATHS = st.sampled_from([
    ("POST", f"/model/{quote(MODEL_US, safe='')}/{op}", claude_body().encode()) for op in OPERATIONS
] + [
    ("GET", "/foundation-models", b""), ("GET", "/inference-profiles", b""),
    ("GET", f"/foundation-models/{quote(MODEL_BASE, safe='')}", b""),
    ("POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15"), ("GET", "/?Action=GetCallerIdentity", b""),
])


class TestHeaders:
    """Garbage Authorization, X-Amz-Date and Content-Type, unsigned and signed."""

    @FUZZ
    @given(target=VALID_PATHS, headers=unsigned_headers())
    @example(target=("GET", "/foundation-models", b""), headers={"Authorization": "Bearer \u00e9"})
    @example(target=("GET", "/foundation-models", b""), headers={"Authorization": FAKE_SIGV4_DATE_SIGNED,
                                                                 "Date": OUT_OF_RANGE_DATE})
    def test_unsigned_garbage_headers(self, emulator: Emulator, target: tuple[str, str, bytes],
                                      headers: dict[str, str]) -> None:
        """Unsigned requests with random auth-related headers: never a 5xx."""
        method, path, body = target
        check_reply(raw_request(emulator.url, method, path, body, headers))

    @FUZZ
    @given(target=VALID_PATHS, extra=EXTRA_HEADERS, content_type=st.none() | CONTENT_TYPES,
           session=st.booleans(), region=st.sampled_from(["us-east-1", "ap-northeast-1", "eu-west-1", "xx-fake-9"]),
           after=st.dictionaries(st.sampled_from(["X-Amz-Date", "Authorization", "Content-Type", "Date",
                                                  "X-Amz-Security-Token", "X-Amzn-Bedrock-Trace"]),
                                 st.none() | AMZ_DATES | HTTP_DATES | AUTHORIZATIONS | CONTENT_TYPES, max_size=2))
    def test_signed_with_odd_headers(self, emulator: Emulator, target: tuple[str, str, bytes], extra: dict[str, str],
                                     content_type: str | None, session: bool, region: str,
                                     after: dict[str, str | None]) -> None:
        """botocore signs random extra headers (and may have some replaced after signing): never a 5xx."""
        method, path, body = target
        headers = dict(extra)
        if content_type is not None:
            headers["Content-Type"] = content_type
        headers.pop("X-Amz-Security-Token", None)  # botocore sets it from the credentials
        service = "sts" if path.startswith("/?") or path == "/" else "bedrock"

        def tamper(prepared: Any) -> None:  # None removes the header
            for name, value in after.items():
                if value is None:
                    prepared.headers.pop(name, None)
                else:
                    prepared.headers[name] = value

        check_reply(signed_request(emulator.url, method, path, body, service=service, region=region, headers=headers,
                                   credentials=SESSION if session else None, tamper=tamper))


# --- structured fuzz: valid bodies, then mutated -------------------------------------------

PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360000002000154a24f5d00"
    "00000049454e44ae426082")).decode()
# A real PDF: the emulator reads documents with pypdf, so a fake one is (rightly) rejected.
PDF = base64.b64encode(sample("quarterly_report.pdf")).decode()
V = "bedrock-2023-05-31"
ANTHROPIC_TEMPLATES: tuple[dict[str, Any], ...] = (
    {"anthropic_version": V, "max_tokens": 256, "messages": [{"role": "user", "content": "Hello, world"}]},
    {"anthropic_version": V, "max_tokens": 512, "system": [{"type": "text", "text": "Be brief."}],
     "temperature": 0.5, "stop_sequences": ["END"], "top_k": 10, "metadata": {"user_id": "u1"},
     "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]},
                  {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]},
                  {"role": "user", "content": [{"type": "text", "text": "Again"}]}]},
    {"anthropic_version": V, "max_tokens": 256,
     "tools": [{"name": "get_weather", "description": "Weather", "input_schema": {
         "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
     "tool_choice": {"type": "auto"},
     "messages": [{"role": "user", "content": "Weather in Paris?"},
                  {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_bdrk_01", "name": "get_weather",
                                                     "input": {"city": "Paris"}}]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_bdrk_01",
                                                "content": [{"type": "text", "text": "Sunny"}]}]}]},
    {"anthropic_version": V, "max_tokens": 256, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_1PX}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Plain doc"}},
        {"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "Chunk"}]}},
        {"type": "text", "text": "Describe these."}]}]},
    {"anthropic_version": V, "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 1024},
     "anthropic_beta": ["interleaved-thinking-2025-05-14"],
     "messages": [{"role": "user", "content": "Think."},
                  {"role": "assistant", "content": [{"type": "thinking", "thinking": "Hmm", "signature": SIGNED_HMM},
                                                    {"type": "text", "text": "Done"}]},
                  {"role": "user", "content": "Go on"}]},
)
CONVERSE_TEMPLATES: tuple[dict[str, Any], ...] = (
    {"messages": [{"role": "user", "content": [{"text": "Hello"}]}]},
    {"messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Yo"}]},
                  {"role": "user", "content": [{"text": "Again"}, {"cachePoint": {"type": "default"}}]}],
     "system": [{"text": "Be brief."}],
     "inferenceConfig": {"maxTokens": 300, "temperature": 0.2, "stopSequences": ["END"]},
     "additionalModelRequestFields": {"top_k": 5},
     "additionalModelResponseFieldPaths": ["/stop_sequence"]},
    {"messages": [{"role": "user", "content": [{"text": "Weather in Paris?"}]},
                  {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather",
                                                                 "input": {"city": "Paris"}}}]},
                  {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "status": "success",
                                                               "content": [{"text": "Sunny"}, {"json": {"t": 20}}]}}]}],
     "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "Weather", "inputSchema": {
         "json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}],
         "toolChoice": {"auto": {}}}},
    {"messages": [{"role": "user", "content": [
        {"image": {"format": "png", "source": {"bytes": PNG_1PX}}},
        {"document": {"format": "pdf", "name": "Report (1)", "source": {"bytes": PDF}}},
        {"document": {"format": "txt", "name": "notes", "source": {"bytes": base64.b64encode(b"notes").decode()}}},
        {"document": {"format": "txt", "name": "inline", "source": {"text": "inline text"}}},
        {"document": {"format": "txt", "name": "chunks", "source": {"content": [{"text": "a chunk"}]},
                      "citations": {"enabled": True}, "context": "ctx"}},
        {"text": "Describe these."}]}]},
    {"messages": [{"role": "user", "content": [{"text": "Think"}]},
                  {"role": "assistant", "content": [
                      {"reasoningContent": {"reasoningText": {"text": "Hmm", "signature": SIGNED_HMM}}},
                      {"text": "Done"}]},
                  {"role": "user", "content": [{"text": "Go on"}]}],
     "inferenceConfig": {"maxTokens": 4096},
     "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 1024}}},
)
RUNTIME_IDS = (MODEL_US, MODEL_GLOBAL, "us.anthropic.claude-opus-4-1-20250805-v1:0",
               "global.anthropic.claude-opus-4-7")
COUNT_IDS = (MODEL_BASE, "anthropic.claude-opus-4-1-20250805-v1:0", "anthropic.claude-sonnet-4-6")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value (the root is ``()``)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


BLOCK_GARBAGE = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["text", "image", "document", "tool_use", "tool_result",
                                                    "thinking", "redacted_thinking", "search_result", "video", ""])},
                          optional={"text": SCALARS, "source": JSON_VALUES, "content": JSON_VALUES,
                                    "input": JSON_VALUES, "id": SCALARS, "name": SCALARS,
                                    "thinking": SCALARS, "tool_use_id": SCALARS}),
    st.fixed_dictionaries({"type": st.sampled_from(["base64", "text", "content", "url", "file", "s3", ""])},
                          optional={"data": SCALARS | st.just("!!notbase64!!") | st.just(PDF),
                                    "media_type": SCALARS, "content": JSON_VALUES, "url": SCALARS}),
    st.dictionaries(st.sampled_from(CONVERSE_KEYS), JSON_VALUES, min_size=1, max_size=3),
    st.fixed_dictionaries({}, optional={"format": st.sampled_from(["pdf", "txt", "png", "csv", "exe", ""]) | SCALARS,
                                        "name": st.sampled_from(["doc", "a  b", "x.pdf", ""]) | SCALARS,
                                        "source": st.fixed_dictionaries({}, optional={
                                            "bytes": SCALARS | st.just("!!notbase64!!") | st.just(PDF),
                                            "text": SCALARS, "content": JSON_VALUES, "s3Location": JSON_VALUES})}),
)
MUTANT_VALUES = st.one_of(SCALARS, BIG_INTS, JSON_VALUES, BLOCK_GARBAGE, st.lists(BLOCK_GARBAGE, max_size=3),
                          st.text(_TEXT, min_size=1000, max_size=3000))


@st.composite
def mutated(draw: st.DrawFn, templates: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """A valid template with 1-4 mutations: a value replaced or deleted, a key added, a list item added."""
    body = copy.deepcopy(draw(st.sampled_from(templates)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(body)
        path = draw(st.sampled_from(paths[1:] if len(paths) > 1 else paths))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add-key", "append"]))
        if not path:
            break
        parent, last = _get(body, path[:-1]), path[-1]
        target = parent[last]
        if action == "replace":
            parent[last] = draw(MUTANT_VALUES)
        elif action == "delete":
            del parent[last]
        elif action == "add-key" and isinstance(target, dict):
            target[draw(KEYS)] = draw(MUTANT_VALUES)
        elif action == "append" and isinstance(target, list):
            target.append(draw(MUTANT_VALUES | st.just(copy.deepcopy(target[0]) if target else None)))
        else:
            parent[last] = draw(MUTANT_VALUES)
    return body


def anthropic_with(*content: Any, assistant: list[Any] | None = None) -> dict[str, Any]:
    """An InvokeModel body whose one user message has these content blocks (then an assistant turn)."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": list(content)}]
    if assistant is not None:
        messages.append({"role": "assistant", "content": assistant})
    return {"anthropic_version": V, "max_tokens": 256, "messages": messages}


def converse_with(*content: Any, assistant: list[Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A Converse body: one user message with these blocks (then an assistant turn), plus fields."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": list(content) or [{"text": "Hello"}]}]
    if assistant is not None:
        messages.append({"role": "assistant", "content": assistant})
    return {"messages": messages, **fields}


ASK = {"text": "Describe it."}
BAD_BLOCK_TYPE = anthropic_with({"type": [], "text": "x"})
BAD_INFERENCE_CONFIG = converse_with(inferenceConfig=5)


def count_tokens_body(kind: str, body: Any) -> bytes:
    if kind == "invokeModel":
        return dumps({"input": {"invokeModel": {"body": base64.b64encode(dumps(body)).decode()}}})
    return dumps({"input": {"converse": body}})


class TestStructured:
    """Valid Anthropic and Converse bodies with fields mutated by hypothesis."""

    @pytest.mark.parametrize("operation", ["invoke", "invoke-with-response-stream", "converse", "converse-stream"])
    @pytest.mark.parametrize("index", range(len(ANTHROPIC_TEMPLATES)))
    def test_templates_are_valid(self, emulator: Emulator, operation: str, index: int) -> None:
        """The unmutated templates succeed, so mutations reach past the first check."""
        body = (ANTHROPIC_TEMPLATES if operation.startswith("invoke") else CONVERSE_TEMPLATES)[index]
        r = post(emulator, quote(MODEL_US, safe=""), operation, dumps(body))
        assert r.status == 200, r.data
        check_reply(r)
        kind = "invokeModel" if operation.startswith("invoke") else "converse"
        r = post(emulator, quote(MODEL_BASE, safe=""), "count-tokens", count_tokens_body(kind, body))
        assert r.status == 200, r.data

    @pytest.mark.parametrize("operation", ["invoke", "invoke-with-response-stream", "count-tokens"])
    @FUZZ
    @given(body=mutated(ANTHROPIC_TEMPLATES), model_id=st.sampled_from(RUNTIME_IDS),
           count_id=st.sampled_from(COUNT_IDS))
    @example(body=BAD_BLOCK_TYPE, model_id=MODEL_US, count_id=MODEL_BASE)
    def test_mutated_anthropic_body(self, emulator: Emulator, operation: str, body: dict[str, Any],
                                    model_id: str, count_id: str) -> None:
        """Mutated InvokeModel bodies (and CountTokens' invokeModel input): never a 5xx."""
        if operation == "count-tokens":
            check_reply(post(emulator, quote(count_id, safe=""), operation, count_tokens_body("invokeModel", body)))
        else:
            check_reply(post(emulator, quote(model_id, safe=":"), operation, dumps(body)))

    @pytest.mark.parametrize("operation", ["converse", "converse-stream", "count-tokens"])
    @FUZZ
    @given(body=mutated(CONVERSE_TEMPLATES), model_id=st.sampled_from(RUNTIME_IDS),
           count_id=st.sampled_from(COUNT_IDS))
    @example(body=BAD_INFERENCE_CONFIG, model_id=MODEL_US, count_id=MODEL_BASE)
    def test_mutated_converse_body(self, emulator: Emulator, operation: str, body: dict[str, Any],
                                   model_id: str, count_id: str) -> None:
        """Mutated Converse bodies (and CountTokens' converse input): never a 5xx."""
        if operation == "count-tokens":
            check_reply(post(emulator, quote(count_id, safe=""), operation, count_tokens_body("converse", body)))
        else:
            check_reply(post(emulator, quote(model_id, safe=""), operation, dumps(body)))

    @FUZZ
    @given(wrapper=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries({"input": JSON_VALUES}),
        st.fixed_dictionaries({"input": st.fixed_dictionaries({"invokeModel": JSON_VALUES})}),
        st.fixed_dictionaries({"input": st.fixed_dictionaries({"invokeModel": st.fixed_dictionaries(
            {"body": SCALARS | st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode())})})}),
        st.fixed_dictionaries({"input": st.fixed_dictionaries({"converse": JSON_VALUES})}),
    ))
    def test_count_tokens_wrapper(self, emulator: Emulator, wrapper: Any) -> None:
        """CountTokens' own envelope, mutated: never a 5xx."""
        check_reply(post(emulator, quote(MODEL_BASE, safe=""), "count-tokens", dumps(wrapper)))


# --- generated shapes through the real clients, with invocation logging off and on ----------

# Fewer examples than FUZZ: every example is one request per operation, and runs twice (logging off, on).
SHAPES = settings(FUZZ, max_examples=_EXAMPLES or 40)


@pytest.fixture(scope="module")
def logged() -> Iterator[tuple[Emulator, Destinations]]:
    """A second emulator with invocation logging on (S3 and CloudWatch), configured as a learner would, and its
    destinations in the offline S3 and CloudWatch Logs."""
    emu = start()
    dest = destinations(emu, prefix="runtime")
    client_of(emu, "bedrock").put_model_invocation_logging_configuration(loggingConfig=dest.config())
    yield emu, dest
    emu.stop()


@pytest.fixture
def logged_emulator(logged: tuple[Emulator, Destinations]) -> Emulator:
    return logged[0]


@pytest.fixture(params=["logging-off", "logging-on"])
def server(request: pytest.FixtureRequest, emulator: Emulator) -> Emulator:
    return emulator if request.param == "logging-off" else request.getfixturevalue("logged_emulator")


class RawBodyClient:
    """boto3's bedrock-runtime client, whose request body is replaced just before signing.

    Parameter validation is off and the serialized body is swapped for any bytes, so arbitrary JSON
    reaches the emulator while the reply goes through boto3's own parser (errors, event streams).
    """

    def __init__(self, emu: Emulator) -> None:
        self.client = boto3.session.Session().client(
            "bedrock-runtime", endpoint_url=emu.url, region_name="us-east-1",
            aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY,
            config=Config(retries={"total_max_attempts": 1}, parameter_validation=False, read_timeout=30))
        self.body = b""
        self.client.meta.events.register("before-sign.bedrock-runtime", self._replace_body)

    def _replace_body(self, request: Any, **_: Any) -> None:
        request.data = self.body

    def call(self, operation: str, model_id: str, body: bytes) -> Any:
        """The parsed reply (streams read to their end), or a ClientError for an error reply."""
        self.body = body
        if operation == "InvokeModel":
            return json.loads(self.client.invoke_model(modelId=model_id, body=body)["body"].read())
        if operation == "InvokeModelWithResponseStream":
            stream = self.client.invoke_model_with_response_stream(modelId=model_id, body=body)["body"]
            events = [json.loads(e["chunk"]["bytes"]) for e in stream]
            assert events[-1]["type"] == "message_stop", events[-3:]
            return events
        if operation == "Converse":
            return self.client.converse(modelId=model_id, messages=[])
        if operation == "ConverseStream":
            events = list(self.client.converse_stream(modelId=model_id, messages=[])["stream"])
            assert "metadata" in events[-1], events[-3:]
            return events
        return self.client.count_tokens(modelId=model_id, input={})


_CLIENTS: dict[str, RawBodyClient] = {}
_PATHS = {"InvokeModel": "invoke", "InvokeModelWithResponseStream": "invoke-with-response-stream",
          "Converse": "converse", "ConverseStream": "converse-stream", "CountTokens": "count-tokens"}


def send_shape(emu: Emulator, operation: str, body: bytes, via_boto3: bool) -> int:
    """Send ``body`` by boto3 (its parser reads the reply) or as a raw signed request; the HTTP status."""
    model_id = MODEL_BASE if operation == "CountTokens" else MODEL_US
    if not via_boto3:
        response = post(emu, quote(model_id, safe=""), _PATHS[operation], body)
        check_reply(response)
        return response.status
    client = _CLIENTS.get(emu.url) or _CLIENTS.setdefault(emu.url, RawBodyClient(emu))
    try:
        client.call(operation, model_id, body)
        return 200
    except EventStreamError as e:  # an exception frame inside a 200 stream: the stream did not end cleanly
        pytest.fail(f"{operation}: the stream ended with {e.response['Error']}")
    except ClientError as e:
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert status < 500, (operation, status, e.response["Error"])
        assert e.response["Error"]["Code"] and e.response["Error"]["Message"], e.response
        return status


class TestShapes:
    """Bodies shaped like real ones with shapes gone wrong (see fuzz_shapes.py), for every runtime
    operation, logging off and on: never a 5xx, every reply read by boto3's own parser (or, for raw
    requests, as JSON and CRC-checked event-stream frames), every stream ends with its last event."""

    @pytest.mark.parametrize("operation", SHAPE_OPERATIONS)
    @SHAPES
    @given(data=st.data(), via_boto3=st.booleans())
    def test_generated_shapes(self, server: Emulator, operation: str, data: st.DataObject, via_boto3: bool) -> None:
        body = data.draw(bodies(operation), label="body")
        send_shape(server, operation, dumps_escaped(body), via_boto3)

    def test_log_records_are_json(self, logged: tuple[Emulator, Destinations]) -> None:
        """Every record the logged emulator wrote (here and in the fuzzing above) is valid JSON."""
        emu, dest = logged
        send_shape(emu, "Converse", dumps_escaped(converse_with({"text": "caf\u00e9 \ud800"})), True)
        lines = [gzip.decompress(dest.get(key)).decode() for key in dest.record_keys()]
        lines += [event["message"] for event in dest.events()]
        assert lines
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(20_000)  # records quote bodies nested deeper than Python's parser reads by default
        try:
            for line in lines:
                assert json.loads(line)["schemaType"] == "ModelInvocationLog"
        finally:
            sys.setrecursionlimit(limit)


# --- every crash found, one case each -----------------------------------------------------


def crash(case_id: str, operation: str, body: Any, reason: str) -> Any:
    raw = body if isinstance(body, bytes) else dumps_escaped(body)
    return pytest.param(operation, raw, id=case_id)  # reason: what crashed before the fix


DEEP = b"[" * 5000 + b"]" * 5000
TEXT_SOURCE = {"type": "text", "media_type": "text/plain", "data": "Revenue grew 12%."}
ASK_BLOCK = {"type": "text", "text": "What grew?"}


def nested_tool_results(depth: int) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": "deep"}
    for _ in range(depth):
        block = {"type": "tool_result", "tool_use_id": "t", "content": [block]}
    return block


KNOWN_CRASHES = [
    # InvokeModel bodies (anthropic_body.py)
    crash("anthropic-block-type-unhashable", "invoke", BAD_BLOCK_TYPE,
          "_check_block tests `block.get('type') not in BLOCK_TYPES` (a frozenset) before checking it is a string: "
          "TypeError unhashable type"),
    crash("anthropic-tool-result-text-block-without-text", "invoke",
          anthropic_with({"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text"}]}),
          "blocks nested in tool_result content are never validated; block_tokens reads block['text']: KeyError"),
    crash("anthropic-tool-result-text-not-a-string", "invoke",
          anthropic_with({"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": {"a": 1}}]}),
          "nested tool_result text is passed to estimate_tokens unchecked: AttributeError ('dict'.isascii)"),
    crash("anthropic-document-content-not-a-list", "invoke",
          anthropic_with({"type": "document", "source": {"type": "content", "content": 5}},
                         {"type": "text", "text": "?"}),
          "document_tokens iterates source['content'] without checking it is a list: TypeError"),
    crash("anthropic-document-content-block-without-text", "invoke-with-response-stream",
          anthropic_with({"type": "document", "source": {"type": "content", "content": [{"type": "text"}]}},
                         {"type": "text", "text": "?"}),
          "blocks nested in a content-type document source are never validated: KeyError 'text'"),
    crash("deeply-nested-json-invoke", "invoke", DEEP,
          "parse_json catches ValueError but not the RecursionError json.loads raises on deep nesting"),
    crash("deeply-nested-json-converse-stream", "converse-stream", DEEP,
          "parse_json catches ValueError but not the RecursionError json.loads raises on deep nesting"),
    # Converse bodies (converse.py: to_anthropic, _content, _document, _tool, additional_response_fields)
    crash("converse-inferenceConfig-not-an-object", "converse", BAD_INFERENCE_CONFIG,
          "to_anthropic calls inferenceConfig.get(...) on a non-object: AttributeError"),
    crash("converse-system-not-a-list", "converse", converse_with(system=7),
          "to_anthropic iterates `system` without checking it is a list: TypeError"),
    crash("converse-system-item-a-string", "converse", converse_with(system=["text"]),
          "to_anthropic does `'text' in b` then b['text'] on a string system item: TypeError"),
    crash("converse-toolConfig-not-an-object", "converse", converse_with(toolConfig=5),
          "to_anthropic calls toolConfig.get('tools') on a non-object: AttributeError"),
    crash("converse-tools-item-null", "converse", converse_with(toolConfig={"tools": [None]}),
          "to_anthropic does `'toolSpec' in t` on a null tool: TypeError"),
    crash("converse-toolSpec-not-an-object", "converse", converse_with(toolConfig={"tools": [{"toolSpec": "x"}]}),
          "_tool calls spec.get on a non-object toolSpec: AttributeError"),
    crash("converse-inputSchema-not-an-object", "count-tokens",
          {"input": {"converse": converse_with(toolConfig={"tools": [{"toolSpec": {"name": "t", "inputSchema": 1}}]})}},
          "_tool calls inputSchema.get on a non-object: AttributeError"),
    crash("converse-image-not-an-object", "converse", converse_with({"image": False}, ASK),
          "_content calls value.get on a non-object image block: AttributeError"),
    crash("converse-image-source-not-an-object", "converse",
          converse_with({"image": {"format": "png", "source": True}}, ASK),
          "_content calls source.get on a non-object image source: AttributeError"),
    crash("converse-toolUse-not-an-object", "converse", converse_with(assistant=[{"toolUse": 3}]),
          "_content calls value.get on a non-object toolUse block: AttributeError"),
    crash("converse-toolResult-not-an-object", "converse", converse_with({"toolResult": []}),
          "_content calls value.get on a non-object toolResult block: AttributeError"),
    crash("converse-toolResult-content-not-a-list", "converse-stream",
          converse_with({"toolResult": {"toolUseId": "t", "content": 0}}),
          "_content iterates toolResult content without checking it is a list: TypeError"),
    crash("converse-reasoningContent-not-an-object", "converse", converse_with(assistant=[{"reasoningContent": 1}]),
          "_content does `'reasoningText' in value` on a number: TypeError"),
    crash("converse-reasoningText-not-an-object", "converse",
          converse_with(assistant=[{"reasoningContent": {"reasoningText": 0}}]),
          "_content calls reasoningText.get on a non-object: AttributeError"),
    crash("converse-document-format-unhashable", "converse",
          converse_with({"document": {"format": {}, "name": "doc", "source": {"text": "x"}}}, ASK),
          "_document tests `fmt not in DOC_FORMATS` (a dict) before checking it is a string: TypeError"),
    crash("converse-document-source-not-an-object", "converse",
          converse_with({"document": {"format": "txt", "name": "doc", "source": 1}}, ASK),
          "_document does `'bytes' in source` on a number: TypeError"),
    crash("converse-document-content-not-a-list", "converse",
          converse_with({"document": {"format": "txt", "name": "doc", "source": {"content": 5}}}, ASK),
          "_document iterates source['content'] without checking it is a list: TypeError"),
    crash("converse-document-content-item-not-an-object", "converse",
          converse_with({"document": {"format": "txt", "name": "doc", "source": {"content": [1]}}}, ASK),
          "_document does `'text' in c` on a number: TypeError"),
    crash("converse-document-bytes-not-base64", "converse",
          converse_with({"document": {"format": "txt", "name": "doc", "source": {"bytes": "!!not base64!!"}}}, ASK),
          "_document base64-decodes text-format document bytes unchecked: binascii.Error"),
    crash("converse-document-bytes-not-ascii", "converse",
          converse_with({"document": {"format": "md", "name": "doc", "source": {"bytes": "\u00e9t\u00e9"}}}, ASK),
          "_document base64-decodes text-format document bytes unchecked: ValueError (non-ASCII)"),
    crash("converse-document-bytes-not-a-string", "converse",
          converse_with({"document": {"format": "csv", "name": "doc", "source": {"bytes": True}}}, ASK),
          "_document base64-decodes text-format document bytes unchecked: TypeError"),
    crash("converse-responseFieldPaths-not-a-list", "converse", converse_with(additionalModelResponseFieldPaths=5),
          "additional_response_fields iterates the paths without checking they are a list: TypeError, raised "
          "after the reply was composed"),
    crash("converse-stream-responseFieldPaths-item-not-a-string", "converse-stream",
          converse_with(additionalModelResponseFieldPaths=[1]),
          "additional_response_fields calls p.strip on a number inside the stream generator: the reply is 200 "
          "and ends in an internalServerException frame instead of a 400"),
    # Shapes type-checked where they enter (blocks.py, converse.py): the classes the generated shapes found
    crash("anthropic-citations-a-list", "invoke",
          anthropic_with({"type": "document", "source": TEXT_SOURCE, "citations": [True]}, ASK_BLOCK),
          "documents.read calls (citations or {}).get on a list: AttributeError"),
    crash("anthropic-citations-a-string", "invoke-with-response-stream",
          anthropic_with({"type": "document", "source": TEXT_SOURCE, "citations": "on"}, ASK_BLOCK),
          "documents.read calls (citations or {}).get on a string: AttributeError"),
    crash("anthropic-citations-enabled-not-a-boolean", "invoke",
          anthropic_with({"type": "document", "source": TEXT_SOURCE, "citations": {"enabled": "yes"}}, ASK_BLOCK),
          "citations.enabled was read with bool(): any truthy value turned citations on"),
    crash("anthropic-source-type-unknown-pdf-data-not-a-string", "invoke",
          anthropic_with({"type": "document", "source": {"type": "pdf", "media_type": "application/pdf",
                                                         "data": 5}}, ASK_BLOCK),
          "an unknown source type skipped every source check; documents.read base64-decoded 5: TypeError"),
    crash("anthropic-pdf-data-not-base64", "invoke",
          anthropic_with({"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                                         "data": "%PDF-1.7 not base64"}}, ASK_BLOCK),
          "a PDF source whose data is not base64"),
    crash("anthropic-pdf-in-tool-result-data-not-a-string", "invoke",
          anthropic_with({"type": "tool_result", "tool_use_id": "t", "content": [
              {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": [1]}}]}),
          "a PDF nested in a tool result whose data is not a string"),
    crash("anthropic-document-base64-not-a-pdf", "invoke",
          anthropic_with({"type": "document", "source": {"type": "base64", "media_type": "image/png",
                                                         "data": "QUJD"}}, ASK_BLOCK),
          "a document's base64 source must be a PDF"),
    crash("anthropic-image-media-type-pdf", "invoke",
          anthropic_with({"type": "image", "source": {"type": "base64", "media_type": "application/pdf",
                                                      "data": "QUJD"}}, ASK_BLOCK),
          "an image source's media type was never checked"),
    crash("anthropic-text-source-media-type-missing", "invoke",
          anthropic_with({"type": "document", "source": {"type": "text", "data": "x"}}, ASK_BLOCK),
          "a text source needs media_type 'text/plain'"),
    crash("anthropic-document-title-not-a-string", "invoke",
          anthropic_with({"type": "document", "source": TEXT_SOURCE, "title": ["x"]}, ASK_BLOCK),
          "document titles were silently dropped when not strings"),
    crash("anthropic-tool-use-id-missing", "invoke",
          anthropic_with(ASK_BLOCK, assistant=[{"type": "tool_use", "name": "t", "input": {}}]),
          "tool_use id and name were never checked"),
    crash("anthropic-tools-item-not-an-object", "invoke", {**anthropic_with(ASK_BLOCK), "tools": [5]},
          "tools items were never checked (estimated by json.dumps only)"),
    crash("anthropic-tool-without-input-schema", "count-tokens",
          {"input": {"invokeModel": {"body": base64.b64encode(dumps(
              {**anthropic_with(ASK_BLOCK), "tools": [{"name": "t"}]})).decode()}}},
          "custom tools need an input_schema"),
    crash("anthropic-tool-choice-tool-without-name", "invoke",
          {**anthropic_with(ASK_BLOCK), "tool_choice": {"type": "tool"}},
          "tool_choice was only checked to be an object"),
    crash("anthropic-thinking-budget-not-an-integer", "invoke",
          {**anthropic_with(ASK_BLOCK), "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": "2048"}},
          "thinking.budget_tokens of the wrong type skipped the budget check"),
    crash("anthropic-metadata-user-id-not-a-string", "invoke",
          {**anthropic_with(ASK_BLOCK), "metadata": {"user_id": 7}},
          "metadata fields were never checked"),
    crash("anthropic-system-block-citations-not-a-list", "invoke",
          {**anthropic_with(ASK_BLOCK), "system": [{"type": "text", "text": "Be brief.", "citations": 5}]},
          "system blocks' fields beyond text were never checked"),
    crash("json-nan", "invoke", claude_body().replace('"max_tokens": 256', '"max_tokens": 256, "top_k": NaN').encode(),
          "NaN is not JSON; it reached the reply and the invocation log as NaN (invalid JSON)"),
    crash("json-infinity", "converse", b'{"messages": [{"role": "user", "content": [{"text": "x"}]}], '
          b'"inferenceConfig": {"temperature": Infinity}}', "Infinity is not JSON"),
    crash("json-number-beyond-a-double", "invoke", claude_body().replace('"max_tokens": 256', '"max_tokens": 256, '
          '"top_p": 1e400').encode(), "1e400 parsed as inf"),
    crash("deep-nesting-in-tool-input", "invoke", anthropic_with(
        ASK_BLOCK, assistant=[{"type": "tool_use", "id": "t", "name": "t", "input": {"a": Deep(900, "list")}}]),
        "900 levels parse, then json.dumps of the input (token estimate, reply, log) exceeds the recursion limit"),
    crash("deep-nesting-in-tool-results", "invoke", anthropic_with(nested_tool_results(200)),
          "tool results nested 200 deep: 400 levels of JSON"),
    # Converse
    crash("converse-citations-a-list", "converse",
          converse_with({"document": {"format": "txt", "name": "doc", "source": {"text": "x"}, "citations": [1]}}, ASK),
          "non-object citations were silently ignored"),
    crash("converse-citations-enabled-not-a-boolean", "converse-stream",
          converse_with({"document": {"format": "txt", "name": "doc", "source": {"text": "x"},
                                      "citations": {"enabled": "yes"}}}, ASK),
          "citations.enabled was read with bool()"),
    crash("converse-document-pdf-bytes-not-a-string", "converse",
          converse_with({"document": {"format": "pdf", "name": "doc", "source": {"bytes": 12}}}, ASK),
          "PDF bytes that are not a string"),
    crash("converse-document-two-sources", "converse",
          converse_with({"document": {"format": "txt", "name": "doc", "source": {"text": "x", "bytes": "QUJD"}}}, ASK),
          "a DocumentSource union with two members"),
    crash("converse-image-format-bmp", "converse",
          converse_with({"image": {"format": "bmp", "source": {"bytes": PNG_1PX}}}, ASK),
          "image formats outside the ImageFormat enum became image/bmp"),
    crash("converse-image-bytes-not-base64", "converse",
          converse_with({"image": {"format": "png", "source": {"bytes": "!!"}}}, ASK),
          "image bytes were checked only by Claude's layer"),
    crash("converse-tool-result-status-unknown", "converse",
          converse_with({"toolResult": {"toolUseId": "t1", "content": [{"text": "x"}], "status": "maybe"}}),
          "toolResult.status outside its enum"),
    crash("converse-tool-result-item-two-members", "converse",
          converse_with({"toolResult": {"toolUseId": "t1", "content": [{"text": "x", "json": {}}]}}),
          "a ToolResultContentBlock union with two members"),
    crash("converse-tool-use-id-not-a-string", "converse",
          converse_with(assistant=[{"toolUse": {"toolUseId": 5, "name": "t", "input": {}}}]),
          "toolUseId reached Claude's tool_use.id unchecked"),
    crash("converse-tool-name-pattern", "converse",
          converse_with(toolConfig={"tools": [{"toolSpec": {"name": "bad name!", "inputSchema": {"json": {}}}}]}),
          "tool names outside the ToolName pattern"),
    crash("converse-input-schema-json-not-an-object", "converse",
          converse_with(toolConfig={"tools": [{"toolSpec": {"name": "t", "inputSchema": {"json": 5}}}]}),
          "inputSchema.json was passed on unchecked"),
    crash("converse-max-tokens-not-an-integer", "converse", converse_with(inferenceConfig={"maxTokens": "5"}),
          "inferenceConfig members reached Claude's schema check unchecked"),
    crash("converse-stop-sequences-item-not-a-string", "converse-stream",
          converse_with(inferenceConfig={"stopSequences": [1]}), "stopSequences items unchecked"),
    crash("converse-request-metadata-value-not-a-string", "converse", converse_with(requestMetadata={"team": 1}),
          "requestMetadata is a map of strings"),
    crash("converse-reasoning-signature-not-a-string", "converse",
          converse_with(assistant=[{"reasoningContent": {"reasoningText": {"text": "t", "signature": 5}}},
                                   {"text": "x"}]),
          "the reasoning signature reached Claude's thinking block unchecked"),
]


class TestKnownCrashes:
    """Each crash the fuzzing found, minimized: the reply must be a 400 ValidationException, logging off or on."""

    @pytest.mark.parametrize(("operation", "body"), KNOWN_CRASHES)
    def test_rejected_with_validation_error(self, server: Emulator, operation: str, body: bytes) -> None:
        """A body of the wrong shape is the caller's error: 400 ValidationException, never a 500."""
        model_id = MODEL_BASE if operation == "count-tokens" else MODEL_US
        r = post(server, quote(model_id, safe=""), operation, body)
        check_reply(r)
        assert r.status == 400, r.data
        assert r.headers["x-amzn-errortype"].split(":")[0] == "ValidationException"

    def test_deep_but_reasonable_nesting_is_fine(self, emulator: Emulator) -> None:
        """Nesting a few hundred levels deep (far past any real request) still parses."""
        body = json.loads(claude_body())
        body["metadata"] = json.loads("[" * 200 + "]" * 200)
        r = post(emulator, quote(MODEL_US, safe=""), "invoke", dumps(body))
        check_reply(r)
        assert r.status == 400  # metadata must be an object: a schema error, not a crash


class TestNestingLimit:
    """Bedrock refuses absurd nesting as malformed input; the check must cost memory by depth, not by width."""

    def test_the_limit_is_exact(self) -> None:
        from helpers.emulator import anthropic_body as ab

        limit = ab.MAX_NESTING
        assert ab.parse_json(("[" * limit + "]" * limit).encode()) is not None
        assert ab.parse_json(b'{"a":' * (limit - 1) + b"[]" + b"}" * (limit - 1)) is not None
        with pytest.raises(ab.errors.BedrockError, match="Malformed"):
            ab.parse_json(("[" * (limit + 1) + "]" * (limit + 1)).encode())
        # Deep in one branch only, after a wide sibling: still found.
        assert ab._deeper_than([[]] * 1000 + [json.loads("[" * limit + "]" * limit)], limit)
        assert not ab._deeper_than([[]] * 1000 + [json.loads("[" * (limit - 1) + "]" * (limit - 1))], limit)

    def test_a_wide_body_is_checked_without_copying_it(self) -> None:
        """A million empty arrays (the stall bench's 5.5 million): the walk holds one iterator per level."""
        import tracemalloc

        from helpers.emulator import anthropic_body as ab

        wide = {"extra": [[] for _ in range(1_000_000)]}
        tracemalloc.start()
        try:
            assert not ab._deeper_than(wide, ab.MAX_NESTING)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 100_000, f"the nesting check allocated {peak:,} bytes for a wide, shallow body"


# --- lone surrogates: valid JSON, echoed, quoted in errors and logged -------------------------

LONE = "caf\u00e9 \ud800 \udfff"
SURROGATE_REPLIES = [  # (operation, body): a 200 whose reply quotes the text back
    ("InvokeModel", anthropic_with({"type": "text", "text": LONE})),
    ("InvokeModelWithResponseStream", anthropic_with({"type": "text", "text": LONE})),
    ("Converse", converse_with({"text": LONE})),
    ("ConverseStream", converse_with({"text": LONE})),
]


class TestLoneSurrogates:
    """A lone surrogate (``"\\ud800"``) is valid JSON that UTF-8 cannot carry: the emulator accepts it,
    echoes it escaped in replies, streams and error messages, and logs it, logging off or on."""

    @pytest.mark.parametrize(("operation", "body"), SURROGATE_REPLIES, ids=[o for o, _ in SURROGATE_REPLIES])
    def test_echoed_in_the_reply(self, server: Emulator, operation: str, body: dict[str, Any]) -> None:
        client = RawBodyClient(server)
        reply = client.call(operation, MODEL_US, dumps_escaped(body))
        if operation == "InvokeModel":
            text = reply["content"][0]["text"]
        elif operation == "InvokeModelWithResponseStream":
            text = "".join(e["delta"].get("text", "") for e in reply if e["type"] == "content_block_delta")
        elif operation == "Converse":
            text = reply["output"]["message"]["content"][0]["text"]
        else:
            text = "".join(e["contentBlockDelta"]["delta"].get("text", "") for e in reply if "contentBlockDelta" in e)
        assert LONE in text

    def test_counted(self, server: Emulator) -> None:
        client = RawBodyClient(server)
        for body in ({"input": {"converse": converse_with({"text": LONE})}},
                     {"input": {"invokeModel": {"body": base64.b64encode(dumps_escaped(
                         anthropic_with({"type": "text", "text": LONE}))).decode()}}}):
            assert client.call("CountTokens", MODEL_BASE, dumps_escaped(body))["inputTokens"] > 0

    def test_cited_document_title(self, server: Emulator) -> None:
        """A title is echoed in every citation."""
        document = {"type": "document", "title": LONE, "citations": {"enabled": True}, "source": TEXT_SOURCE}
        body = dumps_escaped(anthropic_with(document, ASK_BLOCK))
        reply = RawBodyClient(server).call("InvokeModel", MODEL_US, body)
        citations = [c for block in reply["content"] for c in block.get("citations", [])]
        assert citations and all(c["document_title"] == LONE for c in citations)

    @pytest.mark.parametrize(("operation", "body", "quoted"), [
        ("InvokeModel", {**anthropic_with(ASK_BLOCK), "anthropic_version": LONE}, f"Invalid API version: {LONE}"),
        ("InvokeModel", {**anthropic_with(ASK_BLOCK), LONE: 1}, f"extraneous key [{LONE}]"),
        ("Converse", converse_with({"document": {"format": LONE, "name": "doc", "source": {"text": "x"}}}, ASK),
         f"The document format '{LONE}' isn't supported"),
    ], ids=["anthropic-version", "extraneous-key", "document-format"])
    def test_quoted_in_an_error(self, server: Emulator, operation: str, body: dict[str, Any], quoted: str) -> None:
        with pytest.raises(ClientError) as e:
            RawBodyClient(server).call(operation, MODEL_US, dumps_escaped(body))
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert quoted in e.value.response["Error"]["Message"]
