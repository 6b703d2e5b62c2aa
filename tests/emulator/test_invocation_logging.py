"""Model invocation logging: one record per invocation in Bedrock's schema, laid out like S3 and CloudWatch."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
from anthropic import AnthropicBedrock
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, EventStreamError
from logging_setup import ACCOUNT, LOG_STREAM, PERMISSION_CHECK, Destinations, destinations, only_record

from conftest import (
    MODEL,
    MODEL_BASE,
    MODEL_GLOBAL,
    MODEL_US,
    claude_body,
    client_of,
    error_of,
    raw_request,
    runtime_in,
    signed_request,
)
from helpers import catalog
from helpers.emulator import Emulator, auth, start

LEARNER_ARN = f"arn:aws:iam::{ACCOUNT}:user/workshop-learner"
MODEL_JP = MODEL.profile_id("jp")
MODEL_EU = MODEL.profile_id("eu")
MESSAGES = [{"role": "user", "content": [{"text": "Hello, world"}]}]
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


# --- where records land: the offline S3 and CloudWatch Logs, read as a learner reads them ----------------


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def log_to(emulator: Emulator, bedrock: Any) -> Iterator[Callable[..., Destinations]]:
    """Turn logging on for this test, to a bucket, log group and role of its own (made as AWS's docs make them;
    both always exist, and ``s3``/``cloudwatch`` say which the configuration names); deleted after."""

    regions: set[str] = set()

    def configure(*, s3: bool = True, cloudwatch: bool = True, prefix: str | None = "bedrock",
                  text: bool = True, region: str = "us-east-1") -> Destinations:
        """In ``region``: the configuration (one per region, as on AWS) and its destinations."""
        dest = destinations(emulator, prefix=prefix, region=region)
        client_of(emulator, "bedrock", region).put_model_invocation_logging_configuration(
            loggingConfig=dest.config(text, s3, cloudwatch))
        regions.add(region)
        return dest

    yield configure
    for region in regions:
        client_of(emulator, "bedrock", region).delete_model_invocation_logging_configuration()


@pytest.fixture
def fresh() -> Iterator[Emulator]:
    """An emulator of this test's own (the offline AWS services are the process's, shared)."""
    emu = start()
    yield emu
    emu.stop()


def sent_bodies(client: Any) -> list[Any]:
    """The JSON bodies ``client`` puts on the wire, in order (botocore's own before-send event)."""
    bodies: list[Any] = []

    def capture(request: Any, **_: Any) -> None:
        bodies.append(json.loads(request.body) if request.body else None)

    client.meta.events.register("before-send.bedrock-runtime", capture)
    return bodies


def request_id(response: dict[str, Any]) -> str:
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-requestid"] == response["ResponseMetadata"]["RequestId"]
    return headers["x-amzn-requestid"]


def parse_time(timestamp: str) -> dt.datetime:
    return dt.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def assert_envelope(record: dict[str, Any], *, operation: str, model_id: str, rid: str, since: dt.datetime,
                    region: str = "us-east-1", arn: str = LEARNER_ARN) -> None:
    """The fields every record carries, whatever the operation."""
    assert (record["schemaType"], record["schemaVersion"]) == ("ModelInvocationLog", "1.0")
    assert TIMESTAMP.fullmatch(record["timestamp"]), record["timestamp"]
    assert since.replace(microsecond=0) <= parse_time(record["timestamp"]) <= utc_now()
    assert record["accountId"] == ACCOUNT and record["identity"] == {"arn": arn}
    assert record["region"] == region and record["requestId"] == rid
    assert record["operation"] == operation and record["modelId"] == model_id


def assert_counts(record: dict[str, Any], input_tokens: int, output_tokens: int) -> None:
    assert record["input"]["inputContentType"] == "application/json"
    assert record["output"]["outputContentType"] == "application/json"
    assert record["input"]["inputTokenCount"] == input_tokens
    assert record["output"]["outputTokenCount"] == output_tokens
    assert record["input"]["cacheReadInputTokenCount"] == record["input"]["cacheWriteInputTokenCount"] == 0
    assert "errorCode" not in record


# --- one record per operation ---------------------------------------------------------------------------


class TestRecordPerOperation:
    """Each of the four invocation operations gives one record whose fields match what went over the wire."""

    def test_invoke_model(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        sent = sent_bodies(runtime)
        since = utc_now()
        response = runtime.invoke_model(body=claude_body("Log this call"), modelId=MODEL_US)
        message = json.loads(response["body"].read())
        record = dest.record(request_id(response))
        assert_envelope(record, operation="InvokeModel", model_id=MODEL_US, rid=request_id(response), since=since)
        assert_counts(record, message["usage"]["input_tokens"], message["usage"]["output_tokens"])
        assert record["input"]["inputBodyJson"] == sent[0] == json.loads(claude_body("Log this call"))
        assert record["output"]["outputBodyJson"] == message
        assert record["inferenceRegion"] == "us-east-1"

    def test_invoke_model_with_response_stream(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        sent = sent_bodies(runtime)
        since = utc_now()
        response = runtime.invoke_model_with_response_stream(body=claude_body("Stream me"), modelId=MODEL_GLOBAL)
        events = [{"chunk": json.loads(e["chunk"]["bytes"])} for e in response["body"]]
        record = dest.record(request_id(response))
        assert_envelope(record, operation="InvokeModelWithResponseStream", model_id=MODEL_GLOBAL,
                        rid=request_id(response), since=since)
        metrics = events[-1]["chunk"]["amazon-bedrock-invocationMetrics"]
        assert_counts(record, metrics["inputTokenCount"], metrics["outputTokenCount"])
        assert record["input"]["inputBodyJson"] == sent[0]
        assert record["output"]["outputBodyJson"] == events  # the decoded chunks, in order

    def test_converse(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        sent = sent_bodies(runtime)
        since = utc_now()
        metadata = {"team": "research", "project": "handson"}
        response = runtime.converse(modelId=MODEL_GLOBAL, messages=MESSAGES, inferenceConfig={"maxTokens": 64},
                                    requestMetadata=metadata)
        record = dest.record(request_id(response))
        assert_envelope(record, operation="Converse", model_id=MODEL_GLOBAL, rid=request_id(response),
                        since=since)
        assert_counts(record, response["usage"]["inputTokens"], response["usage"]["outputTokens"])
        assert record["requestMetadata"] == metadata
        assert record["input"]["inputBodyJson"] == sent[0]
        assert sent[0]["messages"] == MESSAGES and sent[0]["requestMetadata"] == metadata
        assert record["output"]["outputBodyJson"] == {k: v for k, v in response.items() if k != "ResponseMetadata"}

    def test_converse_stream(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        sent = sent_bodies(runtime)
        since = utc_now()
        response = runtime.converse_stream(modelId=MODEL_US, messages=MESSAGES, requestMetadata={"a": "b"})
        events = list(response["stream"])
        record = dest.record(request_id(response))
        assert_envelope(record, operation="ConverseStream", model_id=MODEL_US, rid=request_id(response),
                        since=since)
        usage = events[-1]["metadata"]["usage"]
        assert_counts(record, usage["inputTokens"], usage["outputTokens"])
        assert record["requestMetadata"] == {"a": "b"}
        assert record["input"]["inputBodyJson"] == sent[0]
        assert record["output"]["outputBodyJson"] == events  # as botocore decoded them

    def test_invoke_model_request_metadata(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        """InvokeModel's ``requestMetadata`` (the X-Amzn-Bedrock-Request-Metadata header, "key-value pairs that
        you can use to filter invocation logs" in botocore's model) lands in the record as Converse's does."""
        dest = log_to()
        response = runtime.invoke_model(body=claude_body(), modelId=MODEL_US,
                                        requestMetadata=json.dumps({"team": "research"}))
        assert dest.record(request_id(response)).get("requestMetadata") == {"team": "research"}

    def test_anthropic_sdk(self, aws_env: dict[str, str], log_to: Callable[..., Destinations]) -> None:
        """AnthropicBedrock's messages.create is an InvokeModel; its record holds the body the SDK sent."""
        dest = log_to()
        sent: list[httpx2.Request] = []
        client = AnthropicBedrock(http_client=httpx2.Client(event_hooks={"request": [sent.append]}), max_retries=0)
        since = utc_now()
        raw = client.messages.with_raw_response.create(model=MODEL_GLOBAL, max_tokens=64,
                                                       messages=[{"role": "user", "content": "Hello from the SDK"}])
        message = raw.parse()
        rid = raw.headers["x-amzn-requestid"]
        record = dest.record(rid)
        assert_envelope(record, operation="InvokeModel", model_id=MODEL_GLOBAL, rid=rid, since=since)
        assert_counts(record, message.usage.input_tokens, message.usage.output_tokens)
        body = json.loads(sent[-1].content)
        assert record["input"]["inputBodyJson"] == body and "model" not in body
        assert body["messages"] == [{"role": "user", "content": "Hello from the SDK"}]
        assert record["output"]["outputBodyJson"] == raw.http_response.json()

    def test_anthropic_sdk_stream(self, aws_env: dict[str, str], log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        client = AnthropicBedrock(max_retries=0)
        with client.messages.stream(model=MODEL_US, max_tokens=64,
                                    messages=[{"role": "user", "content": "stream"}]) as stream:
            message = stream.get_final_message()
            rid = stream.response.headers["x-amzn-requestid"]
        record = dest.record(rid)
        assert record["operation"] == "InvokeModelWithResponseStream"
        assert_counts(record, message.usage.input_tokens, message.usage.output_tokens)
        chunks = [e["chunk"] for e in record["output"]["outputBodyJson"]]
        text = "".join(c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta")
        assert text == message.content[0].text

    @pytest.mark.parametrize(("model_id", "error"), [
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{MODEL_US}", None),
        # The bare Sonnet 4.5 model is profile-only: a failed call, logged all the same.
        (f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL_BASE}", "ValidationException"),
    ], ids=["profile-arn", "model-arn"])
    def test_model_id_as_sent(self, runtime: Any, log_to: Callable[..., Destinations], model_id: str,
                              error: str | None) -> None:
        """ARNs (sent by boto3 with %3A and %2F) are logged decoded, exactly as the caller wrote them."""
        dest = log_to()
        if error is None:
            rid = request_id(runtime.converse(modelId=model_id, messages=MESSAGES))
        else:
            with pytest.raises(ClientError) as excinfo:
                runtime.converse(modelId=model_id, messages=MESSAGES)
            assert error_of(excinfo)[0] == error
            rid = failed_request_id(excinfo)
        record = dest.record(rid)
        assert record["modelId"] == model_id and record.get("errorCode") == error

    @pytest.mark.parametrize(("credentials", "arn"), [
        (Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY), LEARNER_ARN),
        (Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY, auth.SESSION_TOKEN),
         f"arn:aws:sts::{ACCOUNT}:assumed-role/WorkshopRole/learner"),
    ], ids=["user", "assumed-role"])
    def test_identity_is_the_signer(self, emulator: Emulator, credentials: Credentials, arn: str) -> None:
        """The signer's identity and region (logged by that region's configuration: one per region, as on AWS)."""
        west = client_of(emulator, "bedrock", "us-west-2")
        dest = destinations(emulator, region="us-west-2")
        west.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        try:
            since = utc_now()
            r = signed_request(emulator.url, "POST", f"/model/{MODEL_US}/invoke", claude_body().encode(),
                               credentials=credentials, region="us-west-2")
            assert r.status == 200, r.data
            rid = r.headers["x-amzn-requestid"]
            assert_envelope(dest.record(rid), operation="InvokeModel", model_id=MODEL_US, rid=rid, since=since,
                            region="us-west-2", arn=arn)
        finally:
            west.delete_model_invocation_logging_configuration()


# --- the S3 layout ----------------------------------------------------------------------------------------


class TestS3Layout:
    """{bucket}/{keyPrefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/{time}_{id}.json.gz"""

    @pytest.mark.parametrize(("prefix", "parts"), [
        ("bedrock", ["bedrock"]),
        ("org/team/bedrock", ["org", "team", "bedrock"]),
        (None, []),
    ], ids=["prefix", "nested-prefix", "no-prefix"])
    def test_path(self, runtime: Any, log_to: Callable[..., Destinations], prefix: str | None,
                  parts: list[str]) -> None:
        dest = log_to(prefix=prefix, cloudwatch=False)
        before = utc_now()
        response = runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
        after = utc_now()
        rid = request_id(response)
        key = dest.key_of(rid)
        relative = key.split("/")
        assert relative[:-5] == [*parts, "AWSLogs", ACCOUNT, "BedrockModelInvocationLogs", "us-east-1"]
        folder_hour = dt.datetime(*map(int, relative[-5:-1]), tzinfo=dt.UTC)
        assert before.replace(minute=0, second=0, microsecond=0) <= folder_hour <= after
        record = only_record(dest.get(key))
        assert parse_time(record["timestamp"]).strftime("%Y/%m/%d/%H") == "/".join(relative[-5:-1])
        match = re.fullmatch(r"(\d{8}T\d{9})Z_(.+)\.json\.gz", relative[-1])
        assert match and match[2] == rid == record["requestId"]
        stamp = dt.datetime.strptime(match[1][:15], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        assert before.replace(microsecond=0) <= stamp <= after  # UTC, not local time
        # The bucket holds that record and the object Bedrock writes when it accepts the configuration.
        assert dest.object_keys() == sorted([dest.log_prefix + PERMISSION_CHECK, key])
        assert dest.get(dest.log_prefix + PERMISSION_CHECK) == b""

    @pytest.mark.parametrize(("region", "model_id", "inference_regions"), [
        ("ap-northeast-1", MODEL_JP, {"ap-northeast-1"}),
        ("us-west-2", MODEL_US, {"us-west-2"}),
        ("eu-west-1", MODEL_EU, {"eu-west-1"}),
        # eu-west-2 may call eu. profiles but is not among their destinations: the request ran elsewhere.
        ("eu-west-2", MODEL_EU, set(catalog.geography("eu").destination_regions)),
        ("ap-southeast-2", MODEL_GLOBAL, {"ap-southeast-2"}),
    ])
    def test_region_is_the_signature_region(self, log_to: Callable[..., Destinations], region: str, model_id: str,
                                            inference_regions: set[str]) -> None:
        dest = log_to(region=region)
        response = runtime_in(region).converse(modelId=model_id, messages=MESSAGES)
        rid = request_id(response)
        assert dest.key_of(rid).split("/")[:5] == ["bedrock", "AWSLogs", ACCOUNT, "BedrockModelInvocationLogs", region]
        record = dest.record(rid)
        assert (record["region"], record["modelId"]) == (region, model_id)
        assert record["inferenceRegion"] in inference_regions

    def test_one_gzip_object_per_record(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        ids = [request_id(runtime.invoke_model(body=claude_body(f"call {n}"), modelId=MODEL_US))
               for n in range(3)]
        keys = dest.record_keys()
        assert len(keys) == 3
        assert sorted(only_record(dest.get(k))["requestId"] for k in keys) == sorted(ids)
        assert all(gzip.decompress(dest.get(k)).endswith(b"}\n") for k in keys)


# --- CloudWatch -----------------------------------------------------------------------------------------


class TestCloudWatch:
    """One event per invocation in the group's stream aws/bedrock/modelinvocations, in call order."""

    def test_events_in_call_order(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to(s3=False)
        before = int(time.time() * 1000)
        ids = [request_id(runtime.converse(modelId=MODEL_US, messages=MESSAGES)),
               request_id(runtime.invoke_model(body=claude_body(), modelId=MODEL_GLOBAL))]
        after = int(time.time() * 1000)
        events = dest.events()
        assert [e["logStreamName"] for e in events] == [LOG_STREAM] * 2
        streams = dest.logs.describe_log_streams(logGroupName=dest.group)["logStreams"]
        assert [s["logStreamName"] for s in streams] == [LOG_STREAM]
        lines = [e["message"] for e in events]
        assert all(line.startswith("{") and line.endswith("}") for line in lines)  # the record, no newline
        records = [json.loads(line) for line in lines]
        assert [r["requestId"] for r in records] == ids
        assert [r["operation"] for r in records] == ["Converse", "InvokeModel"]
        assert all(before <= e["timestamp"] <= after for e in events)  # the real time, in milliseconds
        assert dest.record_keys() == []  # the bucket exists, but the configuration names only the group

    def test_filter_log_events_with_a_plain_term(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        """What a learner filters on: a plain term (moto ignores JSON patterns, which match everything there)."""
        dest = log_to(s3=False)
        conversed = request_id(runtime.converse(modelId=MODEL_US, messages=MESSAGES))
        request_id(runtime.invoke_model(body=claude_body(), modelId=MODEL_US))
        found = [json.loads(e["message"]) for e in dest.events('"Converse"')]
        assert [r["requestId"] for r in found] == [conversed]

    def test_timestamps_are_the_real_time(self, runtime: Any, emulator: Emulator,
                                          log_to: Callable[..., Destinations]) -> None:
        """The emulator's clock may be weeks ahead (advance_clock); records keep the real time, as CloudWatch
        Logs drops events older than 14 days or more than 2 hours ahead."""
        dest = log_to()
        emulator.advance_clock(30 * 24 * 3600)
        since = utc_now()
        rid = request_id(runtime.converse(modelId=MODEL_US, messages=MESSAGES))
        record = dest.record(rid)  # in S3, and the very same record in CloudWatch
        assert since.replace(microsecond=0) <= parse_time(record["timestamp"]) <= utc_now()
        (event,) = dest.events()
        assert abs(event["timestamp"] - since.timestamp() * 1000) < 60_000

    def test_one_ascii_line_per_record_whatever_the_prompt(self, runtime: Any,
                                                            log_to: Callable[..., Destinations]) -> None:
        """Non-ASCII and line separators (U+2028, U+0085, which str.splitlines splits on) stay escaped inside
        one line; the record reads back to the very body sent."""
        dest = log_to()
        text = "caf\u00e9 \u2028 next\u0085line \U0001f600"
        body = claude_body(text)
        rid = request_id(runtime.invoke_model(body=body, modelId=MODEL_US))
        line = dest.events()[-1]["message"]
        assert line.isascii() and "\n" not in line and json.loads(line)["requestId"] == rid
        assert dest.record(rid)["input"]["inputBodyJson"] == json.loads(body)

    def test_s3_only_writes_no_events(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to(cloudwatch=False)
        rid = request_id(runtime.converse(modelId=MODEL_US, messages=MESSAGES))
        assert dest.record(rid)["requestId"] == rid
        assert dest.events() == []  # the group exists, but the configuration names only the bucket


# --- text delivery off ----------------------------------------------------------------------------------


class TestTextDeliveryOff:
    """textDataDeliveryEnabled: false leaves the bodies out; the token counts stay."""

    def test_invoke_model(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to(text=False)
        response = runtime.invoke_model(body=claude_body("secret prompt"), modelId=MODEL_US)
        usage = json.loads(response["body"].read())["usage"]
        record = dest.record(request_id(response))
        assert_counts(record, usage["input_tokens"], usage["output_tokens"])
        assert "inputBodyJson" not in record["input"] and "outputBodyJson" not in record["output"]
        assert "secret prompt" not in json.dumps(record)

    def test_converse_stream(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to(text=False)
        response = runtime.converse_stream(modelId=MODEL_US, messages=MESSAGES)
        usage = list(response["stream"])[-1]["metadata"]["usage"]
        record = dest.record(request_id(response))
        assert_counts(record, usage["inputTokens"], usage["outputTokens"])
        assert "inputBodyJson" not in record["input"] and "outputBodyJson" not in record["output"]

    def test_failed_call(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to(text=False)
        with pytest.raises(ClientError) as excinfo:
            runtime.invoke_model(body=json.dumps({"messages": [{"role": "user", "content": "secret"}]}),
                                 modelId=MODEL_US)
        record = dest.record(excinfo.value.response["ResponseMetadata"]["RequestId"])
        assert record["errorCode"] == "ValidationException"
        assert "secret" not in json.dumps(record)


# --- failed calls ---------------------------------------------------------------------------------------


def failed_request_id(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["ResponseMetadata"]["RequestId"]


def assert_failed(record: dict[str, Any], code: str) -> None:
    assert record["errorCode"] == code
    assert record["output"] == {}
    assert "inputTokenCount" not in record["input"]


class TestFailedCalls:
    """A call that fails after authentication is logged with its error code."""

    def test_validation_error(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31",
                           "messages": [{"role": "user", "content": "no max_tokens"}]})
        since = utc_now()
        with pytest.raises(ClientError) as excinfo:
            runtime.invoke_model(body=body, modelId=MODEL_US)
        assert error_of(excinfo)[0] == "ValidationException"
        rid = failed_request_id(excinfo)
        record = dest.record(rid)
        assert_envelope(record, operation="InvokeModel", model_id=MODEL_US, rid=rid, since=since)
        assert_failed(record, "ValidationException")
        assert record["input"]["inputBodyJson"] == json.loads(body)

    def test_unknown_model_id_as_sent(self, runtime: Any, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        with pytest.raises(ClientError) as excinfo:
            runtime.converse(modelId="us.anthropic.claude-nonexistent-v1:0", messages=MESSAGES)
        record = dest.record(failed_request_id(excinfo))
        assert record["modelId"] == "us.anthropic.claude-nonexistent-v1:0"
        assert_failed(record, error_of(excinfo)[0])

    def test_access_revoked(self, runtime: Any, emulator: Emulator, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        emulator.revoke_access(MODEL.key)
        with pytest.raises(ClientError) as excinfo:
            runtime.converse(modelId=MODEL_GLOBAL, messages=MESSAGES, requestMetadata={"k": "v"})
        assert error_of(excinfo)[0] == "AccessDeniedException"
        record = dest.record(failed_request_id(excinfo))
        assert_failed(record, "AccessDeniedException")
        assert record["operation"] == "Converse" and record["requestMetadata"] == {"k": "v"}
        assert record["input"]["inputBodyJson"]["messages"] == MESSAGES

    def test_throttled_then_ok(self, runtime: Any, emulator: Emulator, log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        emulator.throttle(next=1)
        with pytest.raises(ClientError) as excinfo:
            runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
        assert error_of(excinfo)[0] == "ThrottlingException" and error_of(excinfo)[2] == 429
        assert_failed(dest.record(failed_request_id(excinfo)), "ThrottlingException")
        ok = runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
        assert "errorCode" not in dest.record(request_id(ok))
        assert len(dest.record_keys()) == len(dest.cloudwatch()) == 2

    def test_mid_stream_throttling_invoke(self, runtime: Any, emulator: Emulator,
                                          log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        emulator.throttle(next=1, mid_stream=True)
        response = runtime.invoke_model_with_response_stream(body=claude_body(), modelId=MODEL_US)
        with pytest.raises(EventStreamError) as excinfo:
            list(response["body"])
        assert excinfo.value.response["Error"]["Code"] == "throttlingException"
        record = dest.record(request_id(response))
        assert record["operation"] == "InvokeModelWithResponseStream"
        assert_failed(record, "ThrottlingException")
        assert record["input"]["inputBodyJson"] == json.loads(claude_body())

    def test_mid_stream_throttling_converse(self, runtime: Any, emulator: Emulator,
                                            log_to: Callable[..., Destinations]) -> None:
        dest = log_to()
        emulator.throttle(next=1, mid_stream=True)
        response = runtime.converse_stream(modelId=MODEL_GLOBAL, messages=MESSAGES)
        with pytest.raises(EventStreamError):
            list(response["stream"])
        record = dest.record(request_id(response))
        assert record["operation"] == "ConverseStream"
        assert_failed(record, "ThrottlingException")


# --- what is not logged ---------------------------------------------------------------------------------


class TestNotLogged:
    """CountTokens, the control plane, requests that fail authentication, and anything after delete."""

    @pytest.fixture
    def dest(self, fresh: Emulator) -> Destinations:
        return destinations(fresh)

    @staticmethod
    def counts(dest: Destinations) -> tuple[int, int]:
        """(records in the bucket, events in the group)."""
        return len(dest.record_keys()), len(dest.events())

    def test_count_tokens_and_control_plane(self, fresh: Emulator, dest: Destinations) -> None:
        bedrock, runtime = client_of(fresh, "bedrock"), client_of(fresh, "bedrock-runtime")
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        counted = runtime.count_tokens(modelId=MODEL_BASE, input={"converse": {"messages": MESSAGES}})
        assert counted["inputTokens"] > 0
        bedrock.list_foundation_models(byProvider="anthropic")
        bedrock.get_inference_profile(inferenceProfileIdentifier=MODEL_US)
        assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == dest.config()
        assert self.counts(dest) == (0, 0)
        runtime.converse(modelId=MODEL_US, messages=MESSAGES)  # logging is on: this one is logged
        assert self.counts(dest) == (1, 1)

    def test_unauthenticated(self, fresh: Emulator, dest: Destinations) -> None:
        client_of(fresh, "bedrock").put_model_invocation_logging_configuration(loggingConfig=dest.config())
        path, body = f"/model/{MODEL_US}/invoke", claude_body().encode()
        assert raw_request(fresh.url, "POST", path, body).status == 403  # no signature at all
        wrong_secret = Credentials(auth.ACCESS_KEY_ID, "not-the-secret")
        assert signed_request(fresh.url, "POST", path, body, credentials=wrong_secret).status == 403
        unknown_key = Credentials("AKIAUNKNOWNKEY000000", auth.SECRET_ACCESS_KEY)
        assert signed_request(fresh.url, "POST", path, body, credentials=unknown_key).status == 403

        def tamper(request: Any) -> None:
            request.body = claude_body("changed after signing").encode()
            request.headers["Content-Length"] = str(len(request.body))

        assert signed_request(fresh.url, "POST", path, body, tamper=tamper).status == 403
        assert self.counts(dest) == (0, 0)
        assert signed_request(fresh.url, "POST", path, body).status == 200
        assert self.counts(dest) == (1, 1)

    def test_after_delete(self, fresh: Emulator, dest: Destinations) -> None:
        bedrock, runtime = client_of(fresh, "bedrock"), client_of(fresh, "bedrock-runtime")
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
        bedrock.delete_model_invocation_logging_configuration()
        assert "loggingConfig" not in bedrock.get_model_invocation_logging_configuration()
        runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
        runtime.converse(modelId=MODEL_US, messages=MESSAGES)
        list(runtime.converse_stream(modelId=MODEL_US, messages=MESSAGES)["stream"])
        list(runtime.invoke_model_with_response_stream(body=claude_body(), modelId=MODEL_US)["body"])
        with pytest.raises(ClientError):
            runtime.invoke_model(body="{}", modelId=MODEL_US)
        assert self.counts(dest) == (1, 1)


# --- concurrency ----------------------------------------------------------------------------------------


def invoke(client: Any, n: int) -> tuple[str, str]:
    """One of the four operations (by ``n``); (request id, operation)."""
    kind = n % 4
    if kind == 0:
        response = client.invoke_model(body=claude_body(f"call {n}", max_tokens=16), modelId=MODEL_GLOBAL)
        response["body"].read()
        return request_id(response), "InvokeModel"
    if kind == 1:
        response = client.converse(modelId=MODEL_US, messages=MESSAGES, inferenceConfig={"maxTokens": 16})
        return request_id(response), "Converse"
    if kind == 2:
        response = client.invoke_model_with_response_stream(body=claude_body(f"s{n}", max_tokens=16),
                                                            modelId=MODEL_US)
        list(response["body"])
        return request_id(response), "InvokeModelWithResponseStream"
    response = client.converse_stream(modelId=MODEL_GLOBAL, messages=MESSAGES, inferenceConfig={"maxTokens": 16})
    list(response["stream"])
    return request_id(response), "ConverseStream"


def test_concurrent_invocations_each_logged_once(fresh: Emulator) -> None:
    """1,000 concurrent calls: 1,000 whole gzip objects and 1,000 whole events, one per request id."""
    total = 1_000
    dest = destinations(fresh, prefix="load/test")
    client_of(fresh, "bedrock").put_model_invocation_logging_configuration(loggingConfig=dest.config())
    local = threading.local()

    def call(n: int) -> tuple[str, str]:
        if not hasattr(local, "client"):
            local.client = client_of(fresh, "bedrock-runtime")  # one client per thread
        return invoke(local.client, n)

    with ThreadPoolExecutor(max_workers=32) as pool:
        sent = dict(pool.map(call, range(total)))
    assert len(sent) == total  # 1,000 distinct request ids

    keys = dest.record_keys()
    assert len(keys) == total == len(dest.object_keys()) - 1  # and the permission-check object
    by_object = {}
    for key in keys:
        record = only_record(dest.get(key), key)
        assert key.endswith(f"_{record['requestId']}.json.gz")
        by_object[record["requestId"]] = record
    lines = [e["message"] for e in dest.events()]
    assert len(lines) == total
    by_line = {r["requestId"]: r for r in map(json.loads, lines)}
    assert set(by_object) == set(by_line) == set(sent)
    assert by_object == by_line
    assert {rid: r["operation"] for rid, r in by_object.items()} == sent
    assert all("errorCode" not in r and r["output"]["outputTokenCount"] > 0 for r in by_object.values())
