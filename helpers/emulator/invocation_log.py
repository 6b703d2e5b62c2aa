"""Model invocation logging: a record per invocation, delivered where Bedrock delivers it (spec §4.4–4.5).

With a logging configuration set in the call's region (PutModelInvocationLoggingConfiguration, one per account
and region as on AWS, whose destinations log_destinations checks first), every invocation in that region
(InvokeModel, Converse and their streams) — successful or failed — becomes one
record in Bedrock's schema, delivered into the offline S3 and CloudWatch Logs (moto, through the emulator's own
signed clients, ``state.aws``), where a learner's boto3 reads it as on AWS:

- ``s3Config`` → the object ``{keyPrefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/
  {time}_{requestId}.json.gz`` in the bucket (gzip of the one JSON line);
- ``cloudWatchConfig`` → one event in the log group, stream ``aws/bedrock/modelinvocations``, whose message is the
  record (without the line's newline).

``textDataDeliveryEnabled: false`` leaves the request and response bodies out (token counts stay). Records are
built and delivered in worker threads, never on the event loop, and awaited: a client that reads its logs as
soon as its call returns finds the record (on AWS, records arrive minutes later). Timestamps are the real time,
not the emulator's clock (``advance_clock``): CloudWatch Logs drops events older than 14 days or more than 2 hours
ahead, and the record, its key and its event must agree.

As on AWS, a failed delivery is invisible to the caller: whatever goes wrong here (a bucket deleted since, a body
this module cannot represent) is reported once per cause on the emulator's stderr and never changes the answer.
Records are ASCII JSON, one line; the request body is spliced in as the caller sent it (never re-encoded, so no
depth limit applies to writing it).
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import datetime as dt
import gzip
import json
import logging
import struct
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .. import catalog
from ..responses import summarize
from . import log_destinations, messages_api
from .anthropic_body import parse_json
from .aws_backend import LOG_STREAM
from .errors import BedrockError
from .log_destinations import record_key
from .routing import Call, Response, StreamResponse

OPERATIONS = frozenset({"InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"})
_MAX_REPORTED = 100  # distinct failure causes reported on stderr; later ones are dropped silently
# Deliveries get threads of their own: a slow delivery must not hold up the default executor's other work
# (request parsing, token counting). Eight keep the offline services busy without crowding the GIL.
_DELIVERY_THREADS = 8
_deliveries = ThreadPoolExecutor(_DELIVERY_THREADS, thread_name_prefix="invocation-log")
_lock = threading.Lock()  # guards _reported
_reported: set[tuple[str, ...]] = set()
_BODY_SLOT = f"inputBodyJson-{uuid.uuid4()}"  # stands for the body until it is spliced into the line
log = logging.getLogger("helpers.emulator")


def logged_operation(call: Call, operation: str, streamed: bool | None = None) -> str:
    """The operation a record names. bedrock-runtime's Messages API (``POST /anthropic/v1/messages``) is logged,
    as AWS says that endpoint "uses … invocation logging" (G-facts Q6, H), but the ``operation`` value its records
    carry was not found: the emulator records it as InvokeModel, or InvokeModelWithResponseStream when streamed
    ([emulator choice]: the same Anthropic Messages body as InvokeModel's, and the operation names log readers
    already filter on). bedrock-mantle is never logged (AWS lists only CloudWatch metrics and CloudTrail for it)."""
    if operation != messages_api.RUNTIME_MESSAGES:
        return operation
    if streamed is None:
        streamed = isinstance(call.parsed_body, dict) and call.parsed_body.get("stream") is True
    return "InvokeModelWithResponseStream" if streamed else "InvokeModel"


async def observe(call: Call, operation: str, result: Response | StreamResponse) -> Response | StreamResponse:
    """Log a successful invocation: now for a response, at the end of the stream for a stream."""
    operation = logged_operation(call, operation, isinstance(result, StreamResponse))
    if not _logging(call, operation):
        return result
    if isinstance(result, Response):
        await _write_soon(call, operation, lambda: json.loads(result.body), error=None)
        return result
    sse = any(k == "content-type" and v.startswith("text/event-stream") for k, v in result.headers)
    result.frames = _recorded(call, operation, result.frames, messages_api.decode_sse_frame if sse else _decode)
    return result


async def failed(call: Call, operation: str, error: BedrockError) -> None:
    """Log a failed invocation with its error code (no output)."""
    operation = logged_operation(call, operation)
    if _logging(call, operation):
        await _write_soon(call, operation, lambda: None, error=error)


async def _write_soon(call: Call, operation: str, output: Callable[[], Any], error: BedrockError | None) -> None:
    """``_write`` in a delivery thread: delivering is network I/O to the offline services, and a record of a
    20 MB body takes seconds to build and gzip; the event loop keeps serving everyone else meanwhile (issue E)."""
    await asyncio.get_running_loop().run_in_executor(_deliveries, _write, call, operation, output, error)


def _config(call: Call) -> dict[str, Any] | None:
    """The logging configuration of the call's region (AWS keeps one per account and region): a call signed for
    us-east-1 is logged by us-east-1's configuration only."""
    return call.state.logging_configs.get(call.caller.region) if call.caller is not None else None


def _logging(call: Call, operation: str) -> bool:
    return operation in OPERATIONS and _config(call) is not None


async def _recorded(call: Call, operation: str, frames: AsyncIterator[bytes],
                    decode: Callable[[bytes], tuple[str, dict[str, Any]]]) -> AsyncIterator[bytes]:
    """The stream's frames, unchanged. The record is written before the *last* frame goes out (each frame is
    held until the next one exists): a client that reads its logs as soon as the stream ends finds it there.
    ``decode`` reads one frame back: AWS event-stream (``_decode``) or the Messages API's SSE."""
    events: list[dict[str, Any]] = []
    error, unreadable = None, None
    held: bytes | None = None
    async for frame in frames:
        if held is not None:
            yield held
        held = frame
        if unreadable is None:
            try:
                kind, payload = decode(frame)
            except Exception as e:  # the log's problem, never the stream's
                unreadable = e
            else:
                if kind == "exception":
                    error = payload
                else:
                    events.append(payload)
    if unreadable is not None:
        _report("record", unreadable)
    elif error is not None:
        code = error["type"][:1].upper() + error["type"][1:]  # throttlingException -> ThrottlingException
        await _write_soon(call, operation, lambda: None, error=BedrockError(code, error["message"]))
    else:
        await _write_soon(call, operation, lambda: events, error=None)
    if held is not None:
        yield held


def _decode(frame: bytes) -> tuple[str, dict[str, Any]]:
    """One of our own event-stream frames back to (message type, the logged payload)."""
    headers_length = struct.unpack(">I", frame[4:8])[0]
    headers, payload = frame[12:12 + headers_length], json.loads(frame[12 + headers_length:-4])
    values, i = {}, 0
    while i < len(headers):
        n = headers[i]
        name = headers[i + 1:i + 1 + n].decode()
        length = struct.unpack(">H", headers[i + 2 + n:i + 4 + n])[0]
        values[name] = headers[i + 4 + n:i + 4 + n + length].decode()
        i += 4 + n + length
    payload.pop("p", None)
    if values.get(":message-type") == "exception":
        return "exception", {"type": values[":exception-type"], "message": payload.get("message", "")}
    if values.get(":event-type") == "chunk":
        return "event", {"chunk": json.loads(base64.b64decode(payload["bytes"]))}
    return "event", {values.get(":event-type", "event"): payload}


def _usage(operation: str, output: Any) -> tuple[int, int, int, int]:
    """(input, output, cache read, cache write) tokens, read as helpers.responses reads any response."""
    if output is None:
        return 0, 0, 0, 0
    output_events = output
    if operation == "InvokeModelWithResponseStream":  # the last chunk carries the invocation metrics
        output = next(e["chunk"] for e in reversed(output) if e["chunk"].get("type") == "message_stop")
        if "amazon-bedrock-invocationMetrics" not in output:  # an SSE stream (Messages API): no metrics
            return _sse_usage(output_events)
    elif operation == "ConverseStream":  # the metadata event carries the usage
        output = next(e for e in reversed(output) if "metadata" in e)
    usage = summarize(output)
    return usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens


def _sse_usage(events: list[dict[str, Any]]) -> tuple[int, int, int, int]:
    """Usage of a Messages API stream: message_start's, with message_delta's output tokens (Anthropic's SSE)."""
    chunks = [e["chunk"] for e in events]
    start = next(c["message"]["usage"] for c in chunks if c.get("type") == "message_start")
    output = next(c["usage"]["output_tokens"] for c in reversed(chunks) if c.get("type") == "message_delta")
    return (start["input_tokens"], output, start.get("cache_read_input_tokens", 0),
            start.get("cache_creation_input_tokens", 0))


def _inference_region(model_id: str, region: str) -> str:
    """Where the request ran: the caller's region, or a destination of its geographic profile."""
    try:
        geography = catalog.resolve(model_id).geography
    except LookupError:
        return region
    if geography in (None, "global"):
        return region
    destinations = catalog.geography(geography).destination_regions
    return region if region in destinations or not destinations else destinations[0]


class RequestBody:
    """The request body as a record holds it: one line of ASCII JSON text, as sent, and its parsed value.

    A body the operation's own parser (``anthropic_body.parse_json``: standard JSON, bounded nesting) refuses
    is logged without ``inputBodyJson``, so every record stays readable by ordinary JSON readers.
    """

    def __init__(self, raw: bytes, parsed: Any = None) -> None:
        """``parsed``: the body as the operation already parsed it, if it did (then it is not parsed again)."""
        self.text: str | None = None
        self.parsed: Any = None
        try:
            text = raw.decode(json.detect_encoding(raw))  # strictly: UTF-8-encoded surrogates are not JSON text
            if parsed is None:
                parsed = parse_json(raw)
        except (ValueError, LookupError, BedrockError):
            return
        self.parsed = parsed
        # Outside strings, valid JSON has only ASCII, and CR/LF only as whitespace: escape the rest, join lines.
        self.text = text.strip().encode("ascii", _JSON_ESCAPE).decode("ascii").replace("\r", " ").replace("\n", " ")


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a run of non-ASCII characters as JSON escapes (surrogate pairs above U+FFFF).

    Why a codec handler, not a regex: the ASCII stretches of a multi-MB body are copied in C in milliseconds,
    where a regex scan holds the GIL for a quarter of a second and stalls every other request (issue E).
    """
    assert isinstance(error, UnicodeEncodeError)
    return json.dumps(error.object[error.start:error.end])[1:-1], error.end


_JSON_ESCAPE = "bedrock-emulator-json-escape"
codecs.register_error(_JSON_ESCAPE, _json_escapes)


def _metadata(call: Call, body: Any) -> dict[str, str] | None:
    """requestMetadata (Converse's member, or InvokeModel's JSON header): string keys and values only."""
    metadata = body.get("requestMetadata") if isinstance(body, dict) else None
    if "x-amzn-bedrock-request-metadata" in call.headers:
        try:
            metadata = json.loads(call.headers["x-amzn-bedrock-request-metadata"])
        except (ValueError, RecursionError):
            metadata = None
    if isinstance(metadata, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        return metadata
    return None


def record(call: Call, operation: str, output: Any, error: BedrockError | None, now: dt.datetime,
           config: dict[str, Any]) -> str:
    """One invocation log record in Bedrock's schema (spec §4.5), as one line of ASCII JSON."""
    caller = call.caller
    assert caller is not None
    model_id = call.params.get("modelId", "")
    body = RequestBody(call.body, call.parsed_body) if call.body else None
    text = config.get("textDataDeliveryEnabled", True)
    entry: dict[str, Any] = {
        "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "accountId": account_of(call),
        "identity": {"arn": caller.identity.arn}, "region": caller.region, "requestId": call.request_id,
        "operation": operation, "modelId": model_id, "inferenceRegion": _inference_region(model_id, caller.region),
    }
    metadata = _metadata(call, body.parsed if body else None)
    if metadata is not None:
        entry["requestMetadata"] = metadata
    body_slot = _BODY_SLOT if body and body.text is not None else None
    if error is not None:
        entry["errorCode"] = error.code
        entry["input"], entry["output"] = {"inputContentType": "application/json"}, {}
        if text and body_slot:
            entry["input"]["inputBodyJson"] = body_slot
    else:
        in_tokens, out_tokens, cache_read, cache_write = _usage(operation, output)
        entry["input"] = {"inputContentType": "application/json", "inputTokenCount": in_tokens,
                          "cacheReadInputTokenCount": cache_read, "cacheWriteInputTokenCount": cache_write}
        entry["output"] = {"outputContentType": "application/json", "outputTokenCount": out_tokens}
        if text:
            entry["input"]["inputBodyJson"] = body_slot
            entry["output"]["outputBodyJson"] = output
    line = json.dumps(entry, ensure_ascii=True, separators=(",", ":"))  # ASCII: lone surrogates escaped too
    if text and body_slot:
        assert body is not None and body.text is not None
        line = line.replace(json.dumps(body_slot), body.text, 1)
    return line + "\n"


def account_of(call: Call) -> str:
    assert call.caller is not None
    return log_destinations.account_of(call.caller.identity.arn)


# --- delivery ----------------------------------------------------------------------------------------------


def _write(call: Call, operation: str, output: Callable[[], Any], error: BedrockError | None) -> None:
    """Build the record and deliver it to each destination; any failure is reported, never raised."""
    config, aws = _config(call), call.state.aws
    now = dt.datetime.now(dt.UTC)  # the real time (see the module's docstring), whatever the emulator's clock says
    if config is None:  # deleted since the call began
        return
    assert call.caller is not None
    region = call.caller.region  # the configuration's region, where its destinations are
    try:
        line = record(call, operation, output(), error, now, config)
        account = account_of(call)
    except Exception as e:  # a record we cannot build is a failed delivery, not a failed call
        _report("record", e)
        return
    _note_large_data(config, line)
    if s3 := config.get("s3Config"):
        bucket = s3.get("bucketName") if isinstance(s3, dict) else None

        def put_object() -> None:
            key = record_key(s3, account, call.caller.region, now, call.request_id)
            _services(aws).put_object(bucket, key, gzip.compress(line.encode("ascii"), mtime=0), region)

        _deliver(f"S3 bucket {bucket!r}", put_object)
    if cloudwatch := config.get("cloudWatchConfig"):
        group = cloudwatch.get("logGroupName") if isinstance(cloudwatch, dict) else None
        _deliver(f"CloudWatch log group {group!r}",
                 lambda: _put_event(_services(aws), group, line.rstrip("\n"), int(now.timestamp() * 1000), region))


# AWS: bodies over about 100 KB go to the large-data bucket, the record carrying input.inputBodyS3Path /
# output.outputBodyS3Path instead (bedrock-wire-spec.md §4.5, M). Neither the spec nor I-facts gives those objects'
# keys, so the emulator keeps bodies inline and says so once (third-party readers hint at ``…/data/<uuid>_input
# .json.gz`` next to the records, L: not enough to copy).
LARGE_DATA_BYTES = 100 * 1024
_large_data_noted = False


def _note_large_data(config: dict[str, Any], line: str) -> None:
    """Warn once per process when a record AWS would split (large bodies, largeDataDeliveryS3Config set)."""
    global _large_data_noted
    cloudwatch = config.get("cloudWatchConfig")
    if _large_data_noted or len(line) <= LARGE_DATA_BYTES or not isinstance(cloudwatch, dict) \
            or not cloudwatch.get("largeDataDeliveryS3Config"):
        return
    with _lock:
        if _large_data_noted:
            return
        _large_data_noted = True
    log.warning("Invocation log record over 100 KB delivered with its bodies inline: on AWS, bodies over about "
                "100 KB go to the largeDataDeliveryS3Config bucket and the record names them in "
                "input.inputBodyS3Path / output.outputBodyS3Path instead. The emulator does not copy that layout "
                "(its object keys are not documented); read inputBodyJson / outputBodyJson offline. Reported once.")


def _services(aws: Any) -> Any:
    if aws is None:  # only a configuration stored behind PutModelInvocationLoggingConfiguration's back gets here
        raise RuntimeError("the offline S3 and CloudWatch Logs are not running (moto is not installed)")
    return aws


def _put_event(aws: Any, group: Any, message: str, timestamp_ms: int, region: str) -> None:
    """One event in the group's stream; once more if the stream went missing (deleted, or the services reset:
    the backend forgets the stream on that error and creates it again)."""
    from botocore.exceptions import ClientError

    try:
        aws.put_log_event(group, LOG_STREAM, message, timestamp_ms, region)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        aws.put_log_event(group, LOG_STREAM, message, timestamp_ms, region)


def _deliver(destination: str, write: Callable[[], None]) -> None:
    try:
        write()
    except Exception as e:  # on AWS a failed delivery is invisible to the caller
        _report(destination, e)


def _report(destination: str, error: BaseException) -> None:
    """A warning on the emulator's stderr, once per destination and kind of failure (not once per call)."""
    response = getattr(error, "response", None)  # botocore's ClientError: the AWS error code tells causes apart
    code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    cause = (destination, type(error).__name__, str(getattr(error, "errno", "") or code))
    with _lock:
        if cause in _reported or len(_reported) >= _MAX_REPORTED:
            return
        _reported.add(cause)
    what = "could not be built" if destination == "record" else f"could not be delivered to {destination}"
    message = (f"Invocation log record {what}: {type(error).__name__}: {error}. The caller's answer is "
               "unaffected (on AWS a failed log delivery is invisible to the caller); further failures of this "
               "kind are not reported.")
    log.warning(message.encode("ascii", "backslashreplace").decode("ascii"))
