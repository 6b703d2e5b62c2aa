"""helpers.invocation_logs, and notebook 07's way of reading invocation logs, end to end offline.

The notebook creates the bucket (with AWS's bucket policy), the log group and the role with real boto3 calls,
turns logging on, and reads records back with ``list_objects_v2`` + gzip and ``filter_log_events``. The
end-to-end tests do the same against the emulator and its local S3, CloudWatch Logs and IAM, and check the
records against the calls that were made: what the notebook shows is what happened.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import MODEL_GLOBAL, MODEL_US, NO_RETRY, SMALL_GLOBAL, claude_body
from helpers import catalog, connect, cost
from helpers import invocation_logs as logs
from helpers.progress import Progress, wait_until

pytest.importorskip("moto", reason="moto[server] is not installed (requirements.txt)")

MESSAGES = [{"role": "user", "content": [{"text": "Hello, world"}]}]
HAIKU_45_GLOBAL = SMALL_GLOBAL
STREAM = "aws/bedrock/modelinvocations"  # the one stream Bedrock writes to in the group


def cloudwatch_retention_days() -> set[int]:
    """The values PutRetentionPolicy accepts, as botocore's documentation of retentionInDays lists them."""
    client = boto3.Session().client("logs", region_name="us-east-1")
    doc = client.meta.service_model.operation_model("PutRetentionPolicy").input_shape.members[
        "retentionInDays"].documentation
    listed = re.search(r"Possible values are: ([\d, and]+)\.", doc)
    assert listed, doc
    return {int(n) for n in re.findall(r"\d+", listed[1])}


def test_thirty_days_is_a_retention_cloudwatch_accepts() -> None:
    """Notebook 07 keeps 30 days, a value PutRetentionPolicy takes (31 would be refused on AWS)."""
    allowed = cloudwatch_retention_days()
    assert 30 in allowed and 31 not in allowed


# --- parse_records ------------------------------------------------------------------------------------------


class TestParseRecords:
    """JSON Lines into records, with errors that name the object and the line."""

    def test_several_records_and_blank_lines(self) -> None:
        assert logs.parse_records('{"n": 1}\n\n{"n": 2}\n   \n{"n": 3}', "x") == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert logs.parse_records("", "x") == []

    def test_a_gzip_log_object(self) -> None:
        data = gzip.compress(b'{"ok": 1}\n{broken\n')
        with pytest.raises(ValueError, match=r"^bedrock/AWSLogs/x\.json\.gz, line 2: not a JSON record$"):
            logs.parse_records(gzip.decompress(data).decode("utf-8"), "bedrock/AWSLogs/x.json.gz")

    def test_bad_json_line(self) -> None:
        with pytest.raises(ValueError, match=r"group event e-42, line 3: not a JSON record"):
            logs.parse_records('{"requestId": "a"}\n\nnot json\n', "group event e-42")

    def test_record_nested_too_deeply(self) -> None:
        """Valid JSON that Python's json cannot read (a foreign writer's): a clear error, not a RecursionError."""
        text = '{"ok": 1}\n{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
        with pytest.raises(ValueError, match=r"deep\.jsonl, line 2: a record nested too deeply to read"):
            logs.parse_records(text, "deep.jsonl")


# --- summarize ----------------------------------------------------------------------------------------------


def rec(day: str, model_id: str, tokens_in: int = 0, tokens_out: int = 0, *, error: str | None = None,
        cache_read: int = 0, cache_write: int = 0) -> dict[str, Any]:
    """A minimal record in Bedrock's schema."""
    record: dict[str, Any] = {"schemaType": "ModelInvocationLog", "timestamp": f"{day}T12:34:56Z",
                              "modelId": model_id, "requestId": str(uuid.uuid4())}
    if error:
        return {**record, "errorCode": error, "input": {"inputContentType": "application/json"}, "output": {}}
    return {**record, "input": {"inputTokenCount": tokens_in, "cacheReadInputTokenCount": cache_read,
                                "cacheWriteInputTokenCount": cache_write},
            "output": {"outputTokenCount": tokens_out}}


def rows_by_key(summary: logs.Summary) -> dict[tuple[str, str], logs.Row]:
    return {(r.day, r.model_id): r for r in summary}


class TestSummarize:
    """Calls, errors, tokens and cost per day and model id."""

    def test_grouping_and_counts(self) -> None:
        records = [rec("2026-07-02", MODEL_GLOBAL, 1_000, 100), rec("2026-07-01", MODEL_US, 2_000, 200),
                   rec("2026-07-01", MODEL_GLOBAL, 3_000, 300), rec("2026-07-01", MODEL_GLOBAL, 4_000, 400),
                   rec("2026-07-01", MODEL_GLOBAL, error="ThrottlingException"),
                   rec("2026-07-02", MODEL_GLOBAL, error="ValidationException")]
        summary = logs.summarize(records)
        assert [(r.day, r.model_id) for r in summary] == [
            ("2026-07-01", MODEL_GLOBAL), ("2026-07-01", MODEL_US), ("2026-07-02", MODEL_GLOBAL)]
        rows = rows_by_key(summary)
        day1 = rows["2026-07-01", MODEL_GLOBAL]
        assert (day1.calls, day1.errors, day1.input_tokens, day1.output_tokens) == (3, 1, 7_000, 700)
        day2 = rows["2026-07-02", MODEL_GLOBAL]
        assert (day2.calls, day2.errors, day2.input_tokens, day2.output_tokens) == (2, 1, 1_000, 100)
        assert rows["2026-07-01", MODEL_US].calls == 1

    def test_cost_is_the_estimate_per_call(self) -> None:
        """Each call priced on its own: two calls below a size tier stay below it together (Haiku 5.5 bills a
        whole request over 100K input tokens at 5x; the lesson model has no tier)."""
        tiered = next(m for m in catalog.models() if m.premium_tier and m.has_price)
        model_id, each = tiered.profile_id("global"), tiered.premium_tier.threshold * 3 // 4
        records = [rec("2026-07-01", model_id, each, 1_000),
                   rec("2026-07-01", model_id, each, 2_000)]
        [row] = logs.summarize(records)
        expected = cost.estimate(model_id, each, 1_000).usd + cost.estimate(model_id, each, 2_000).usd
        assert row.usd == pytest.approx(expected)
        assert row.usd < cost.estimate(model_id, 2 * each, 3_000).usd  # not one request over the tier
        assert row.usd == pytest.approx((2 * each * tiered.input_price + 3_000 * tiered.output_price) / 1e6)
        # The lesson model has no tier: one 300K request costs what two 150K ones do.
        assert cost.estimate(MODEL_GLOBAL, 300_000, 3_000).usd == pytest.approx(
            cost.estimate(MODEL_GLOBAL, 150_000, 1_000).usd + cost.estimate(MODEL_GLOBAL, 150_000, 2_000).usd)

    def test_errors_are_not_priced(self) -> None:
        ok = rec("2026-07-01", MODEL_US, 10_000, 1_000)
        failed = {**rec("2026-07-01", MODEL_US, 99_999, 99_999), "errorCode": "ThrottlingException"}
        [row] = logs.summarize([ok, failed])
        assert (row.calls, row.errors, row.input_tokens, row.output_tokens) == (2, 1, 10_000, 1_000)
        assert row.usd == pytest.approx(cost.estimate(MODEL_US, 10_000, 1_000).usd)

    def test_global_and_regional_priced_differently(self) -> None:
        rows = rows_by_key(logs.summarize([rec("2026-07-01", MODEL_GLOBAL, 100_000, 10_000),
                                           rec("2026-07-01", MODEL_US, 100_000, 10_000)]))
        global_, regional = rows["2026-07-01", MODEL_GLOBAL].usd, rows["2026-07-01", MODEL_US].usd
        assert global_ == pytest.approx(0.30 + 0.15)
        assert regional == pytest.approx(global_ * 1.10)

    def test_cache_tokens_priced(self) -> None:
        [row] = logs.summarize([rec("2026-07-01", HAIKU_45_GLOBAL, 1_000, 100, cache_read=50_000, cache_write=8_000)])
        assert (row.cache_read_tokens, row.cache_write_tokens) == (50_000, 8_000)
        assert row.usd == pytest.approx(cost.estimate(HAIKU_45_GLOBAL, 1_000, 100, cache_read_tokens=50_000,
                                                      cache_write_tokens=8_000).usd)
        assert row.usd > cost.estimate(HAIKU_45_GLOBAL, 1_000, 100).usd

    def test_unknown_model_counted_not_priced(self) -> None:
        [row] = logs.summarize([rec("2026-07-01", "meta.llama3-70b-instruct-v1:0", 500, 50),
                                rec("2026-07-01", "meta.llama3-70b-instruct-v1:0", error="AccessDeniedException")])
        assert (row.calls, row.errors, row.input_tokens, row.output_tokens, row.usd) == (2, 1, 500, 50, 0.0)

    def test_text_and_html(self) -> None:
        summary = logs.summarize([rec("2026-07-01", MODEL_GLOBAL, 1_234_567, 89),
                                  rec("2026-07-01", "<script>", 1, 1)])
        lines = str(summary).splitlines()
        assert lines[0].split() == ["day", "model", "id", "calls", "errors", "input", "tokens", "output", "tokens",
                                    "cost", "(USD)"]
        assert "1,234,567" in lines[2] and lines[2].rstrip().endswith(f"{summary[1].usd:.6f}")
        assert "&lt;script&gt;" in summary._repr_html_() and "<script>" not in summary._repr_html_()
        assert logs.summarize([]) == []


# --- the notebook's way, end to end offline ---------------------------------------------------------------


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: ``*`` spans any characters, ``/`` included."""
    return fnmatch.fnmatchcase(arn, pattern)


@dataclass
class Destinations:
    """A bucket with AWS's bucket policy, a log group and a role, as notebook 07 makes them."""

    bucket: str
    prefix: str
    group: str
    role_arn: str
    bucket_policy: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)


def make_destinations(conn: Any, tag: str, prefix: str) -> Destinations:
    """The notebook's calls (create_bucket, put_bucket_policy, create_log_group, create_role, put_role_policy)."""
    s3, logs_client, iam = boto3.client("s3"), boto3.client("logs"), boto3.client("iam")
    bucket, group, role = f"logs-{tag}", f"/aws/bedrock/{tag}", f"BedrockLogs-{tag}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": conn.region})
    source = {"StringEquals": {"aws:SourceAccount": conn.account},
              "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{conn.region}:{conn.account}:*"}}
    bucket_policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "AmazonBedrockLogsWrite", "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"},
        "Action": ["s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/{prefix}/AWSLogs/{conn.account}/BedrockModelInvocationLogs/*"],
        "Condition": source}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bucket_policy))
    logs_client.create_log_group(logGroupName=group)
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": source}]}
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="WriteBedrockInvocationLogs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{conn.region}:{conn.account}:log-group:{group}:log-stream:{STREAM}"}]}))
    return Destinations(bucket, prefix, group, role_arn, bucket_policy, {
        "s3Config": {"bucketName": bucket, "keyPrefix": prefix},
        "cloudWatchConfig": {"logGroupName": group, "roleArn": role_arn},
        "textDataDeliveryEnabled": True, "imageDataDeliveryEnabled": False, "embeddingDataDeliveryEnabled": False})


def log_keys(d: Destinations) -> list[str]:
    s3 = boto3.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=d.bucket, Prefix=f"{d.prefix}/AWSLogs/")
    return [item["Key"] for page in pages for item in page.get("Contents", []) if item["Key"].endswith(".json.gz")]


def s3_records(d: Destinations, expected: int) -> list[dict[str, Any]]:
    """The notebook's reading: list, get, gunzip, one record per line; waiting as it does for late arrivals."""
    s3 = boto3.client("s3")

    def look() -> Progress:
        records = [r for key in log_keys(d) for r in logs.parse_records(
            gzip.decompress(s3.get_object(Bucket=d.bucket, Key=key)["Body"].read()).decode("utf-8"), key)]
        return Progress(len(records) >= expected, len(records), expected, value=records)

    return wait_until(look, timeout=20, every=0.5, describe="records")


@dataclass
class Calls:
    usage: dict[str, tuple[str, int, int]]  # request id -> (model id, input tokens, output tokens)
    failed: dict[str, str]  # request id -> model id

    @property
    def ids(self) -> set[str]:
        return set(self.usage) | set(self.failed)


def make_calls() -> Calls:
    """Three InvokeModel calls, a Converse tagged with requestMetadata, and one failed call."""
    runtime = boto3.client("bedrock-runtime", config=NO_RETRY)
    done = Calls({}, {})
    for text, model_id in (("one", MODEL_GLOBAL), ("two", MODEL_GLOBAL), ("three", MODEL_US)):
        response = runtime.invoke_model(body=claude_body(text), modelId=model_id)
        usage = json.loads(response["body"].read())["usage"]
        done.usage[response["ResponseMetadata"]["RequestId"]] = (model_id, usage["input_tokens"],
                                                                  usage["output_tokens"])
    response = runtime.converse(modelId=MODEL_US, messages=MESSAGES, requestMetadata={"team": "workshop"})
    done.usage[response["ResponseMetadata"]["RequestId"]] = (MODEL_US, response["usage"]["inputTokens"],
                                                              response["usage"]["outputTokens"])
    with pytest.raises(ClientError) as excinfo:
        runtime.invoke_model(body="{}", modelId=MODEL_GLOBAL)
    done.failed[excinfo.value.response["ResponseMetadata"]["RequestId"]] = MODEL_GLOBAL
    return done


@pytest.fixture
def offline(clean_env: None) -> Iterator[Any]:
    """helpers.connect(mode="offline"); the logging configuration it sets is deleted after."""
    connection = connect(mode="offline")
    yield connection
    boto3.client("bedrock").delete_model_invocation_logging_configuration()


@pytest.fixture(params=["bedrock", "org/bedrock"], ids=["prefix", "nested-prefix"])
def logged(offline: Any, request: pytest.FixtureRequest) -> tuple[Any, Destinations, Calls]:
    destinations = make_destinations(offline, uuid.uuid4().hex[:12], request.param)
    boto3.client("bedrock").put_model_invocation_logging_configuration(loggingConfig=destinations.config)
    return offline, destinations, make_calls()


class TestEndToEnd:
    """Configure with the notebook's resources, call, read back from S3 and CloudWatch Logs, summarize."""

    def test_s3_holds_one_record_per_call(self, logged: tuple[Any, Destinations, Calls]) -> None:
        conn, d, calls = logged
        records = s3_records(d, len(calls.ids))
        assert sorted(r["requestId"] for r in records) == sorted(calls.ids)
        assert {r["region"] for r in records} == {conn.region} and {r["accountId"] for r in records} == {conn.account}
        assert {r["requestId"]: r.get("errorCode") is not None for r in records} == {
            **dict.fromkeys(calls.usage, False), **dict.fromkeys(calls.failed, True)}

    def test_keys_are_what_the_bucket_policy_and_lifecycle_rule_cover(self, logged: tuple[Any, Destinations, Calls]
                                                                       ) -> None:
        """Every key is in Bedrock's layout, inside the notebook's policy Resource and its lifecycle prefix."""
        conn, d, calls = logged
        s3_records(d, len(calls.ids))
        keys = log_keys(d)
        layout = re.compile(rf"{re.escape(d.prefix)}/AWSLogs/{conn.account}/BedrockModelInvocationLogs/"
                            rf"{conn.region}/\d{{4}}/\d\d/\d\d/\d\d/[^/]+\.json\.gz")
        assert len(keys) == len(calls.ids) and all(layout.fullmatch(k) for k in keys), keys
        [resource] = d.bucket_policy["Statement"][0]["Resource"]
        assert all(arn_matches(resource, f"arn:aws:s3:::{d.bucket}/{key}") for key in keys)
        assert not arn_matches(resource, f"arn:aws:s3:::{d.bucket}/elsewhere/{keys[0]}")
        assert not arn_matches(resource, f"arn:aws:s3:::{d.bucket}/{keys[0].replace(conn.account, '999999999999')}")
        assert all(k.startswith(f"{d.prefix}/AWSLogs/") for k in keys)  # the lifecycle rule's Filter.Prefix

    def test_summary_of_the_records(self, logged: tuple[Any, Destinations, Calls]) -> None:
        _, d, calls = logged
        records = s3_records(d, len(calls.ids))
        days = {r["timestamp"][:10] for r in records}
        rows = rows_by_key(logs.summarize(records))
        assert {model for _, model in rows} == {MODEL_GLOBAL, MODEL_US}
        for model_id in (MODEL_GLOBAL, MODEL_US):
            mine = [u for u in calls.usage.values() if u[0] == model_id]
            failed = [m for m in calls.failed.values() if m == model_id]
            found = [row for (day, model), row in rows.items() if model == model_id and day in days]
            assert sum(r.calls for r in found) == len(mine) + len(failed)
            assert sum(r.errors for r in found) == len(failed)
            assert sum(r.input_tokens for r in found) == sum(u[1] for u in mine)
            assert sum(r.output_tokens for r in found) == sum(u[2] for u in mine)
            assert sum(r.usd for r in found) == pytest.approx(sum(cost.estimate(model_id, u[1], u[2]).usd
                                                                  for u in mine))

    def test_cloudwatch_holds_the_same_records(self, logged: tuple[Any, Destinations, Calls]) -> None:
        _, d, calls = logged
        from_s3 = s3_records(d, len(calls.ids))
        client = boto3.client("logs")
        events = [e for page in client.get_paginator("filter_log_events").paginate(logGroupName=d.group)
                  for e in page["events"]]
        assert {e["logStreamName"] for e in events} == {STREAM}
        from_cloudwatch = [r for e in events for r in logs.parse_records(e["message"], e["eventId"])]
        assert sorted(from_cloudwatch, key=lambda r: r["requestId"]) == sorted(from_s3, key=lambda r: r["requestId"])

    def test_filter_patterns_as_the_notebook_explains(self, logged: tuple[Any, Destinations, Calls]) -> None:
        """A quoted request id finds that call's record (the notebook finds its failed call so); the offline
        stand-in answers a JSON pattern with every event (AWS would match the field), which is why notebook 07
        uses the quoted term."""
        _, d, calls = logged
        s3_records(d, len(calls.ids))
        client = boto3.client("logs")
        [failed_id] = calls.failed
        found = client.filter_log_events(logGroupName=d.group, filterPattern=f'"{failed_id}"')["events"]
        assert [(r["requestId"], r["errorCode"]) for r in (json.loads(e["message"]) for e in found)] == [
            (failed_id, "ValidationException")]
        json_pattern = client.filter_log_events(logGroupName=d.group,
                                                filterPattern='{ $.requestMetadata.team = "workshop" }')["events"]
        assert len(json_pattern) == len(calls.ids)

    def test_start_time_leaves_out_earlier_events(self, logged: tuple[Any, Destinations, Calls]) -> None:
        """The notebook's startTime (whole seconds, ms) keeps a rerun's search to that run's events."""
        _, d, calls = logged
        s3_records(d, len(calls.ids))
        client = boto3.client("logs")
        events = client.filter_log_events(logGroupName=d.group)["events"]
        latest = max(e["timestamp"] for e in events)
        later = client.filter_log_events(logGroupName=d.group, startTime=(latest // 1000 + 1) * 1000)["events"]
        assert later == []
