"""Model invocation logging: a record per invocation, written where Bedrock would deliver it (spec §4.4–4.5).

With a logging configuration set (PutModelInvocationLoggingConfiguration), every invocation (InvokeModel,
Converse and their streams) — successful or failed — becomes one record in Bedrock's schema, written under
the emulator's log folder:

- ``s3Config`` → ``s3/{bucket}/{keyPrefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/
  {time}_{requestId}.json.gz`` (gzip, one JSON record per line), laid out like the S3 destination;
- ``cloudWatchConfig`` → ``cloudwatch/{logGroupName}.jsonl``, one record per line, like the log group's events.

``textDataDeliveryEnabled: false`` leaves the request and response bodies out (token counts stay).
Writes happen on the server's one event-loop thread, under a lock, so concurrent calls never interleave.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import struct
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from .. import catalog
from ..responses import summarize
from .errors import BedrockError
from .routing import Call, Response, StreamResponse

OPERATIONS = frozenset({"InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"})
S3_LAYOUT = "AWSLogs/{account}/BedrockModelInvocationLogs/{region}"
_lock = threading.Lock()


def s3_root(log_dir: Path, config: dict[str, Any]) -> Path:
    """The local folder standing for ``s3://{bucket}/{keyPrefix}/``."""
    s3 = config["s3Config"]
    prefix = [p for p in str(s3.get("keyPrefix") or "").split("/") if p]
    return log_dir.joinpath("s3", s3["bucketName"], *prefix)


def s3_folder(log_dir: Path, config: dict[str, Any], account: str, region: str) -> Path:
    """The local folder standing for ``s3://{bucket}/{keyPrefix}/AWSLogs/…/{region}``."""
    return s3_root(log_dir, config).joinpath(*S3_LAYOUT.format(account=account, region=region).split("/"))


def cloudwatch_file(log_dir: Path, config: dict[str, Any]) -> Path:
    """The local JSON-lines file standing for the CloudWatch log group."""
    group = [p for p in config["cloudWatchConfig"]["logGroupName"].split("/") if p]
    return log_dir.joinpath("cloudwatch", *group[:-1], group[-1] + ".jsonl")


def observe(call: Call, operation: str, result: Response | StreamResponse) -> Response | StreamResponse:
    """Log a successful invocation: now for a response, at the end of the stream for a stream."""
    if operation not in OPERATIONS or call.state.logging_config is None or call.caller is None:
        return result
    if isinstance(result, Response):
        _write(call, operation, json.loads(result.body), error=None)
        return result
    result.frames = _recorded(call, operation, result.frames)
    return result


def failed(call: Call, operation: str, error: BedrockError) -> None:
    """Log a failed invocation with its error code (no output)."""
    if operation in OPERATIONS and call.state.logging_config is not None and call.caller is not None:
        _write(call, operation, None, error=error)


async def _recorded(call: Call, operation: str, frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    events: list[dict[str, Any]] = []
    error = None
    async for frame in frames:
        kind, payload = _decode(frame)
        if kind == "exception":
            error = payload
        else:
            events.append(payload)
        yield frame
    if error is not None:
        code = error["type"][:1].upper() + error["type"][1:]  # throttlingException -> ThrottlingException
        _write(call, operation, None, error=BedrockError(code, error["message"]))
    else:
        _write(call, operation, events, error=None)


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
    if operation == "InvokeModelWithResponseStream":  # the last chunk carries the invocation metrics
        output = next(e["chunk"] for e in reversed(output) if e["chunk"].get("type") == "message_stop")
    elif operation == "ConverseStream":  # the metadata event carries the usage
        output = next(e for e in reversed(output) if "metadata" in e)
    usage = summarize(output)
    return usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens


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


def record(call: Call, operation: str, output: Any, error: BedrockError | None,
           now: dt.datetime) -> dict[str, Any]:
    """One invocation log record in Bedrock's schema (spec §4.5)."""
    config = call.state.logging_config or {}
    caller = call.caller
    assert caller is not None
    model_id = call.params.get("modelId", "")
    try:
        body = json.loads(call.body) if call.body else None
    except ValueError:
        body = None
    text = config.get("textDataDeliveryEnabled", True)
    in_tokens, out_tokens, cache_read, cache_write = _usage(operation, output)
    entry: dict[str, Any] = {
        "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "accountId": caller.identity.arn.split(":")[4],
        "identity": {"arn": caller.identity.arn}, "region": caller.region, "requestId": call.request_id,
        "operation": operation, "modelId": model_id, "inferenceRegion": _inference_region(model_id, caller.region),
    }
    metadata = body.get("requestMetadata") if isinstance(body, dict) else None
    if "x-amzn-bedrock-request-metadata" in call.headers:  # InvokeModel sends it as a JSON header
        try:
            metadata = json.loads(call.headers["x-amzn-bedrock-request-metadata"])
        except ValueError:
            metadata = None
    if isinstance(metadata, dict):
        entry["requestMetadata"] = metadata
    if error is not None:
        entry["errorCode"] = error.code
        entry["input"], entry["output"] = {"inputContentType": "application/json"}, {}
        if text and body is not None:
            entry["input"]["inputBodyJson"] = body
        return entry
    entry["input"] = {"inputContentType": "application/json", "inputTokenCount": in_tokens,
                      "cacheReadInputTokenCount": cache_read, "cacheWriteInputTokenCount": cache_write}
    entry["output"] = {"outputContentType": "application/json", "outputTokenCount": out_tokens}
    if text:
        entry["input"]["inputBodyJson"] = body
        entry["output"]["outputBodyJson"] = output
    return entry


def _write(call: Call, operation: str, output: Any, error: BedrockError | None) -> None:
    config, log_dir = call.state.logging_config, call.state.log_dir
    if config is None:
        return
    now = dt.datetime.now(dt.UTC)
    entry = record(call, operation, output, error, now)
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    with _lock:
        if config.get("s3Config"):
            folder = s3_folder(log_dir, config, entry["accountId"], entry["region"]) / now.strftime("%Y/%m/%d/%H")
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{now.strftime('%Y%m%dT%H%M%S')}{now.microsecond // 1000:03d}Z_{call.request_id}.json.gz"
            (folder / name).write_bytes(gzip.compress(line.encode(), mtime=0))
        if config.get("cloudWatchConfig"):
            path = cloudwatch_file(log_dir, config)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(line)
