"""helpers.invocation_logs: the logging set-up, 30-day retention, and reading records back into a summary."""

from __future__ import annotations

import ast
import fnmatch
import gzip
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from botocore.validate import validate_parameters
from conftest import MODEL_GLOBAL, MODEL_US, NO_RETRY, SMALL_GLOBAL, claude_body, client_of

from helpers import catalog, connect, cost
from helpers import invocation_logs as logs
from helpers.emulator import start

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/BedrockInvocationLogging"
MESSAGES = [{"role": "user", "content": [{"text": "Hello, world"}]}]
HAIKU_45_GLOBAL = SMALL_GLOBAL


# --- botocore's own models, the independent peer ----------------------------------------------------------


def service_model(service: str) -> Any:
    return boto3.Session().client(service, region_name="us-east-1").meta.service_model


def input_shape(service: str, method: str) -> Any:
    """The input shape of a boto3 method, from botocore's service model."""
    client = boto3.Session().client(service, region_name="us-east-1")
    return client.meta.service_model.operation_model(client.meta.method_to_api_mapping[method]).input_shape


def assert_valid(service: str, method: str, params: dict[str, Any]) -> None:
    validate_parameters(params, input_shape(service, method))  # raises ParamValidationError


def cloudwatch_retention_days() -> set[int]:
    """The values PutRetentionPolicy accepts, as botocore's documentation of retentionInDays lists them."""
    doc = input_shape("logs", "put_retention_policy").members["retentionInDays"].documentation
    listed = re.search(r"Possible values are: ([\d, and]+)\.", doc)
    assert listed, doc
    return {int(n) for n in re.findall(r"\d+", listed[1])}


# --- records written by a real emulator -------------------------------------------------------------------




@dataclass
class Logged:
    """An emulator's log folder after a known set of calls."""

    log_dir: Path
    bucket: str
    prefix: str
    group: str
    usage: dict[str, tuple[str, int, int]]  # request id -> (model id, input tokens, output tokens)
    failed: dict[str, str]  # request id -> model id

    @property
    def ids(self) -> set[str]:
        return set(self.usage) | set(self.failed)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Logged]:
    """A fresh emulator, logging to S3 and CloudWatch, after four good calls and one failed call."""
    log_dir = tmp_path_factory.mktemp("invocation-logs")
    emu = start(log_dir=log_dir)
    try:
        done = Logged(log_dir, "my-log-bucket", "org/bedrock", "/aws/bedrock/modelinvocations", {}, {})
        client_of(emu, "bedrock").put_model_invocation_logging_configuration(loggingConfig=logs.logging_config(
            done.bucket, done.prefix, done.group, ROLE_ARN))
        runtime = client_of(emu, "bedrock-runtime")
        for text, model_id in (("one", MODEL_GLOBAL), ("two", MODEL_GLOBAL), ("three", MODEL_US)):
            response = runtime.invoke_model(body=claude_body(text), modelId=model_id)
            usage = json.loads(response["body"].read())["usage"]
            done.usage[response["ResponseMetadata"]["RequestId"]] = (model_id, usage["input_tokens"],
                                                                      usage["output_tokens"])
        response = runtime.converse(modelId=MODEL_US, messages=MESSAGES)
        done.usage[response["ResponseMetadata"]["RequestId"]] = (MODEL_US, response["usage"]["inputTokens"],
                                                                  response["usage"]["outputTokens"])
        with pytest.raises(ClientError) as excinfo:
            runtime.invoke_model(body="{}", modelId=MODEL_GLOBAL)
        done.failed[excinfo.value.response["ResponseMetadata"]["RequestId"]] = MODEL_GLOBAL
        yield done
    finally:
        emu.stop()


# --- logging_config ---------------------------------------------------------------------------------------


class TestLoggingConfig:
    """The loggingConfig PutModelInvocationLoggingConfiguration takes, or a clear error."""

    @pytest.mark.parametrize("kwargs", [
        {"bucket": "my-log-bucket"},
        {"bucket": "my-log-bucket", "prefix": "a/b"},
        {"log_group": "/aws/bedrock/modelinvocations", "role_arn": ROLE_ARN},
        {"bucket": "my-log-bucket", "log_group": "/aws/bedrock/x", "role_arn": ROLE_ARN, "text": False},
    ], ids=["s3", "s3-nested-prefix", "cloudwatch", "both-no-text"])
    def test_valid_for_botocore_and_the_emulator(self, kwargs: dict[str, Any], bedrock: Any) -> None:
        config = logs.logging_config(**kwargs)
        assert_valid("bedrock", "put_model_invocation_logging_configuration", {"loggingConfig": config})
        assert config["textDataDeliveryEnabled"] is kwargs.get("text", True)
        if "bucket" in kwargs:
            assert config["s3Config"] == {"bucketName": "my-log-bucket", "keyPrefix": kwargs.get("prefix", "bedrock")}
        else:
            assert "s3Config" not in config
        if "log_group" in kwargs:
            assert config["cloudWatchConfig"] == {"logGroupName": kwargs["log_group"], "roleArn": ROLE_ARN}
        else:
            assert "cloudWatchConfig" not in config
        try:
            bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
            assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == config
        finally:
            bedrock.delete_model_invocation_logging_configuration()

    def test_needs_a_destination(self) -> None:
        with pytest.raises(ValueError, match="name an S3 bucket, a CloudWatch log group, or both"):
            logs.logging_config()
        with pytest.raises(ValueError, match="name an S3 bucket"):
            logs.logging_config(bucket="", log_group="")

    def test_cloudwatch_needs_a_role(self) -> None:
        with pytest.raises(ValueError, match=r"role_arn.*prerequisites\(\)"):
            logs.logging_config(log_group="/aws/bedrock/modelinvocations")
        with pytest.raises(ValueError, match="role_arn"):
            logs.logging_config(bucket="my-log-bucket", log_group="/aws/bedrock/modelinvocations")


# --- prerequisites ----------------------------------------------------------------------------------------


def statement(policy: dict[str, Any]) -> dict[str, Any]:
    assert policy["Version"] == "2012-10-17" and len(policy["Statement"]) == 1
    return policy["Statement"][0]


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: ``*`` spans any characters, ``/`` included."""
    return fnmatch.fnmatchcase(arn, pattern)


class TestPrerequisites:
    """The bucket policy and the role Bedrock needs, as JSON documents."""

    def test_documents(self) -> None:
        docs = logs.prerequisites(ACCOUNT, "us-west-2", "my-log-bucket", role_name="LogWriter")
        assert set(docs) == {"bucket policy", "role LogWriter: trust policy", "role LogWriter: permissions"}
        assert json.loads(json.dumps(docs)) == docs  # plain JSON, ready for put_bucket_policy / create_role
        condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                     "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:us-west-2:{ACCOUNT}:*"}}
        bucket = statement(docs["bucket policy"])
        assert bucket["Effect"] == "Allow" and bucket["Principal"] == {"Service": "bedrock.amazonaws.com"}
        assert bucket["Action"] == ["s3:PutObject"] and bucket["Condition"] == condition
        trust = statement(docs["role LogWriter: trust policy"])
        assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
        assert trust["Condition"] == condition
        permissions = statement(docs["role LogWriter: permissions"])
        assert sorted(permissions["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert arn_matches(permissions["Resource"], f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:"
                                                    f"{logs.LOG_GROUP}:log-stream:aws/bedrock/2026/abc")
        assert not arn_matches(permissions["Resource"], f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:other:"
                                                        "log-stream:x")

    def test_documents_are_valid_request_parameters(self) -> None:
        docs = logs.prerequisites(ACCOUNT, "us-east-1", "my-log-bucket")
        assert_valid("s3", "put_bucket_policy", {"Bucket": "my-log-bucket",
                                                 "Policy": json.dumps(docs["bucket policy"])})
        assert_valid("iam", "create_role", {"RoleName": "BedrockInvocationLogging",
                                            "AssumeRolePolicyDocument": json.dumps(
                                                docs["role BedrockInvocationLogging: trust policy"])})
        assert_valid("iam", "put_role_policy", {"RoleName": "BedrockInvocationLogging", "PolicyName": "write-logs",
                                                "PolicyDocument": json.dumps(
                                                    docs["role BedrockInvocationLogging: permissions"])})

    def test_bucket_policy_covers_what_the_emulator_writes(self, logged: Logged) -> None:
        """Every object key of the emulator's S3 layout is allowed; other prefixes and accounts are not."""
        docs = logs.prerequisites(ACCOUNT, "us-east-1", logged.bucket, logged.prefix)
        [resource] = statement(docs["bucket policy"])["Resource"]
        root = logged.log_dir / "s3" / logged.bucket
        keys = [p.relative_to(root).as_posix() for p in root.rglob("*.json.gz")]
        assert len(keys) == len(logged.ids)
        assert all(arn_matches(resource, f"arn:aws:s3:::{logged.bucket}/{key}") for key in keys)
        key = keys[0]
        assert not arn_matches(resource, f"arn:aws:s3:::other-bucket/{key}")
        assert not arn_matches(resource, f"arn:aws:s3:::{logged.bucket}/elsewhere/{key}")
        assert not arn_matches(resource, f"arn:aws:s3:::{logged.bucket}/{key.replace(ACCOUNT, '999999999999')}")

    @pytest.mark.parametrize(("prefix", "key_start"), [
        ("bedrock", "bedrock/AWSLogs/"), ("a/b/c", "a/b/c/AWSLogs/"), ("", "AWSLogs/"), ("logs/", "logs/AWSLogs/"),
    ])
    def test_resource_for_each_prefix(self, prefix: str, key_start: str) -> None:
        [resource] = statement(logs.prerequisites(ACCOUNT, "eu-west-1", "bkt", prefix)["bucket policy"])["Resource"]
        key = f"{key_start}{ACCOUNT}/BedrockModelInvocationLogs/eu-west-1/2026/01/02/03/x.json.gz"
        assert arn_matches(resource, f"arn:aws:s3:::bkt/{key}")
        assert "//" not in resource


# --- retention and ApiCall ---------------------------------------------------------------------------------


class TestRetention:
    """The calls that keep 30 days, checked against botocore's own models of S3 and CloudWatch Logs."""

    def test_calls_are_valid_for_botocore(self) -> None:
        s3_call, logs_call = logs.retention("my-log-bucket")
        assert (s3_call.service, s3_call.operation) == ("s3", "put_bucket_lifecycle_configuration")
        assert (logs_call.service, logs_call.operation) == ("logs", "put_retention_policy")
        for call in (s3_call, logs_call):
            assert_valid(call.service, call.operation, call.params)
        [rule] = s3_call.params["LifecycleConfiguration"]["Rules"]
        assert s3_call.params["Bucket"] == "my-log-bucket"
        assert rule["Status"] == "Enabled" and rule["Expiration"] == {"Days": 30}
        assert rule["Filter"] == {"Prefix": "bedrock/AWSLogs/"}
        assert logs_call.params == {"logGroupName": logs.LOG_GROUP, "retentionInDays": 30}

    def test_which_calls(self) -> None:
        assert [c.service for c in logs.retention()] == ["logs"]
        assert [c.service for c in logs.retention("bkt", log_group=None)] == ["s3"]
        assert logs.retention(log_group=None) == []
        assert logs.retention(log_group="/my/group")[0].params["logGroupName"] == "/my/group"

    def test_days_are_those_cloudwatch_accepts(self) -> None:
        """Exactly the values botocore documents for retentionInDays: 30 yes, 31 no."""
        allowed = cloudwatch_retention_days()
        assert 30 in allowed and 31 not in allowed
        for days in range(0, 4000):
            if days in allowed:
                [s3_call, logs_call] = logs.retention("bkt", days=days)
                assert logs_call.params["retentionInDays"] == days
                assert s3_call.params["LifecycleConfiguration"]["Rules"][0]["Expiration"] == {"Days": days}
            else:
                with pytest.raises(ValueError, match=f"not {days}$"):
                    logs.retention("bkt", days=days)

    def test_31_days_rejected(self) -> None:
        with pytest.raises(ValueError, match=r"one of \[1, 3, 5, 7, 14, 30, .*\] days, not 31"):
            logs.retention("bkt", days=31)

    @pytest.mark.parametrize("prefix", ["org/bedrock", "", "logs/"])
    def test_lifecycle_prefix_covers_the_log_objects(self, logged: Logged, prefix: str) -> None:
        """The rule's prefix starts every key Bedrock writes for that keyPrefix (the emulator's layout, which
        prerequisites() also assumes) and nothing outside AWSLogs/."""
        [s3_call] = logs.retention("bkt", prefix=prefix, log_group=None)
        rule_prefix = s3_call.params["LifecycleConfiguration"]["Rules"][0]["Filter"]["Prefix"]
        root = logged.log_dir / "s3" / logged.bucket / logged.prefix
        suffix = next(root.rglob("*.json.gz")).relative_to(root).as_posix()  # AWSLogs/…/x.json.gz
        parts = [p for p in prefix.split("/") if p]
        key = "/".join([*parts, suffix])
        assert key.startswith(rule_prefix), (rule_prefix, key)
        assert rule_prefix.endswith("AWSLogs/")
        [resource] = statement(logs.prerequisites(ACCOUNT, "us-east-1", "bkt", prefix)["bucket policy"])["Resource"]
        assert resource.startswith(f"arn:aws:s3:::bkt/{rule_prefix}")  # the policy and the rule agree

    def test_run_sends_exactly_the_params(self) -> None:
        s3_call, logs_call = logs.retention("my-log-bucket")
        session = StubSession()
        session.stub("s3").add_response("put_bucket_lifecycle_configuration", {}, s3_call.params)
        session.stub("logs").add_response("put_retention_policy", {}, logs_call.params)
        s3_call.run(session)
        logs_call.run(session)
        session.assert_done()


def cli_words(text: str) -> list[str]:
    comment = text.splitlines()[-1]
    assert comment.startswith("# aws ")
    return shlex.split(comment[2:])


class TestApiCallText:
    """str(ApiCall): runnable boto3 code, then the same call as an AWS CLI command."""

    @pytest.mark.parametrize("index", [0, 1], ids=["s3", "logs"])
    def test_boto3_form_is_python_with_the_params(self, index: int) -> None:
        call = logs.retention("my-log-bucket")[index]
        code = "\n".join(line for line in str(call).splitlines() if not line.startswith("#"))
        expr = ast.parse(code, mode="eval").body
        assert isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
        assert expr.func.attr == call.operation
        assert ast.unparse(expr.func.value) == f"boto3.client({call.service!r})"
        assert {k.arg: ast.literal_eval(k.value) for k in expr.keywords} == call.params
        assert getattr(boto3.Session().client(call.service, region_name="us-east-1"), call.operation)

    def test_logs_cli_form(self) -> None:
        [call] = logs.retention(log_group="/aws/bedrock/modelinvocations")
        words = cli_words(str(call))
        assert words == ["aws", "logs", "put-retention-policy", "--log-group-name", "/aws/bedrock/modelinvocations",
                         "--retention-in-days", "30"]

    def test_s3_cli_form(self) -> None:
        """S3's API commands live under ``aws s3api`` (``aws s3`` is the high-level cp/ls/sync set)."""
        [call] = logs.retention("my-log-bucket", log_group=None)
        words = cli_words(str(call))
        assert words[:3] == ["aws", "s3api", "put-bucket-lifecycle-configuration"]
        assert words[3:5] == ["--bucket", "my-log-bucket"] and words[5] == "--lifecycle-configuration"
        assert json.loads(words[6]) == call.params["LifecycleConfiguration"]

    @pytest.mark.parametrize("index", [0, 1], ids=["s3", "logs"])
    def test_cli_names_follow_botocore(self, index: int) -> None:
        """Operation and option names are botocore's own hyphenated names of the API members."""
        call = logs.retention("my-log-bucket")[index]
        words = cli_words(str(call))
        client = boto3.Session().client(call.service, region_name="us-east-1")
        assert words[2] == botocore.xform_name(client.meta.method_to_api_mapping[call.operation], "-")
        assert words[3::2] == [f"--{botocore.xform_name(k, '-')}" for k in call.params]

    @pytest.mark.cli
    @pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI (`aws`) is not on PATH")
    @pytest.mark.parametrize("index", [0, 1], ids=["s3", "logs"])
    def test_cli_accepts_the_command(self, index: int, tmp_path: Path) -> None:
        """The AWS CLI parses the command and gets as far as sending it (to a closed port)."""
        call = logs.retention("my-log-bucket")[index]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="us-east-1",
                   AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard",
                   AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "creds"))
        out = subprocess.run(cli_words(str(call)), capture_output=True, text=True, timeout=120, env=env)
        assert "Could not connect to the endpoint URL" in out.stderr, out.stderr[-2000:]


# --- reading -----------------------------------------------------------------------------------------------


class TestReadFolder:
    """Records under a local folder: the emulator's S3 objects and CloudWatch lines."""

    def test_emulator_output(self, logged: Logged) -> None:
        s3 = logs.read_folder(logged.log_dir / "s3")
        cloudwatch = logs.read_folder(logged.log_dir / "cloudwatch")
        assert len(s3) == len(cloudwatch) == len(logged.ids)
        assert {r["requestId"] for r in s3} == {r["requestId"] for r in cloudwatch} == logged.ids
        assert sorted(s3, key=lambda r: r["requestId"]) == sorted(cloudwatch, key=lambda r: r["requestId"])
        both = logs.read_folder(logged.log_dir)
        assert len(both) == 2 * len(logged.ids)
        assert logs.read_folder(str(logged.log_dir / "s3" / logged.bucket / logged.prefix)) == s3

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match=r"nowhere does not exist: is logging configured"):
            logs.read_folder(tmp_path / "nowhere")

    def test_empty_folder(self, tmp_path: Path) -> None:
        assert logs.read_folder(tmp_path) == []

    def test_bad_json_line(self, tmp_path: Path) -> None:
        path = tmp_path / "cloudwatch" / "group.jsonl"
        path.parent.mkdir()
        path.write_text('{"requestId": "a"}\n\nnot json\n', "utf-8")
        with pytest.raises(ValueError, match=r"group\.jsonl, line 3: not a JSON record"):
            logs.read_folder(tmp_path)

    def test_bad_gzip_record(self, tmp_path: Path) -> None:
        (tmp_path / "x.json.gz").write_bytes(gzip.compress(b'{"ok": 1}\n{broken\n'))
        with pytest.raises(ValueError, match=r"x\.json\.gz, line 2: not a JSON record"):
            logs.read_folder(tmp_path)

    def test_record_nested_too_deeply(self, tmp_path: Path) -> None:
        """Valid JSON that Python's json cannot read (a foreign writer's): a clear error, not a RecursionError."""
        (tmp_path / "deep.jsonl").write_text('{"ok": 1}\n{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "utf-8")
        with pytest.raises(ValueError, match=r"deep\.jsonl, line 2: a record nested too deeply to read"):
            logs.read_folder(tmp_path)

    def test_several_records_per_object_and_blank_lines(self, tmp_path: Path) -> None:
        (tmp_path / "a.json.gz").write_bytes(gzip.compress(b'{"n": 1}\n\n{"n": 2}\n'))
        (tmp_path / "b.jsonl").write_text('{"n": 3}\n   \n', "utf-8")
        assert logs.read_folder(tmp_path) == [{"n": 1}, {"n": 2}, {"n": 3}]


class StubSession:
    """Stands in for boto3.Session: real boto3 clients whose AWS responses come from botocore's Stubber."""

    def __init__(self) -> None:
        self.stubbers: dict[str, Stubber] = {}
        self.asked: list[str] = []

    def stub(self, service: str) -> Stubber:
        if service not in self.stubbers:
            client = boto3.session.Session().client(service, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                                                    aws_secret_access_key="secret")
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        return self.stubbers[service]

    def client(self, service: str, **_: Any) -> Any:
        self.asked.append(service)
        return self.stub(service).client

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def streaming(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


class TestReadS3:
    """read_s3 lists the prefix page by page and reads every .json.gz object (Stubber answers for S3)."""

    def test_pages_and_objects(self, logged: Logged) -> None:
        root = logged.log_dir / "s3" / logged.bucket
        objects = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json.gz"))}
        keys = list(objects)
        session = StubSession()
        s3 = session.stub("s3")
        listing = {"Bucket": logged.bucket, "Prefix": "org/bedrock/AWSLogs/"}
        first, second = keys[:2], keys[2:]
        other = f"org/bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/amazon_bedrock_logs_check.txt"
        s3.add_response("list_objects_v2", {
            "IsTruncated": True, "NextContinuationToken": "page-2", "KeyCount": 3,
            "Contents": [{"Key": k, "Size": len(objects[k])} for k in first] + [{"Key": other, "Size": 2}]},
            listing)
        for key in first:
            s3.add_response("get_object", {"Body": streaming(objects[key])}, {"Bucket": logged.bucket, "Key": key})
        s3.add_response("list_objects_v2", {
            "IsTruncated": False, "KeyCount": len(second),
            "Contents": [{"Key": k, "Size": len(objects[k])} for k in second]},
            {**listing, "ContinuationToken": "page-2"})
        for key in second:
            s3.add_response("get_object", {"Body": streaming(objects[key])}, {"Bucket": logged.bucket, "Key": key})
        records = logs.read_s3(logged.bucket, logged.prefix, session=session)
        session.assert_done()
        assert session.asked == ["s3"]
        assert records == logs.read_folder(root)  # same records, same order as the local copy
        assert {r["requestId"] for r in records} == logged.ids

    @pytest.mark.parametrize(("prefix", "listed"), [("", "AWSLogs/"), ("a/b", "a/b/AWSLogs/"),
                                                    ("bedrock/", "bedrock/AWSLogs/")])
    def test_prefix(self, prefix: str, listed: str) -> None:
        session = StubSession()
        session.stub("s3").add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0},
                                        {"Bucket": "bkt", "Prefix": listed})
        assert logs.read_s3("bkt", prefix, session=session) == []
        session.assert_done()

    def test_bad_object_names_its_key(self) -> None:
        session = StubSession()
        s3 = session.stub("s3")
        key = "bedrock/AWSLogs/x.json.gz"
        s3.add_response("list_objects_v2", {"IsTruncated": False, "Contents": [{"Key": key}]},
                        {"Bucket": "bkt", "Prefix": "bedrock/AWSLogs/"})
        s3.add_response("get_object", {"Body": streaming(gzip.compress(b"oops\n"))}, {"Bucket": "bkt", "Key": key})
        with pytest.raises(ValueError, match=r"bedrock/AWSLogs/x\.json\.gz, line 1: not a JSON record"):
            logs.read_s3("bkt", session=session)


class TestReadCloudWatch:
    """read_cloudwatch pages through FilterLogEvents (Stubber answers for CloudWatch Logs)."""

    def test_pages_and_start_time(self, logged: Logged) -> None:
        records = logs.read_folder(logged.log_dir / "cloudwatch")
        session = StubSession()
        stub = session.stub("logs")
        params = {"logGroupName": logged.group, "startTime": 1_700_000_000_000}
        events = [{"eventId": str(n), "timestamp": 1_700_000_000_000 + n, "message": json.dumps(r)}
                  for n, r in enumerate(records)]
        stub.add_response("filter_log_events", {"events": events[:2], "nextToken": "next"}, params)
        stub.add_response("filter_log_events", {"events": events[2:]}, {**params, "nextToken": "next"})
        assert logs.read_cloudwatch(logged.group, start_ms=1_700_000_000_000, session=session) == records
        session.assert_done()
        assert session.asked == ["logs"]

    def test_default_group_and_no_start(self) -> None:
        session = StubSession()
        session.stub("logs").add_response("filter_log_events", {"events": []},
                                          {"logGroupName": "/aws/bedrock/modelinvocations"})
        assert logs.read_cloudwatch(session=session) == []
        session.assert_done()

    def test_bad_message_names_the_event(self) -> None:
        session = StubSession()
        session.stub("logs").add_response("filter_log_events", {"events": [{"eventId": "e-42", "message": "{"}]},
                                          {"logGroupName": "g"})
        with pytest.raises(ValueError, match="g event e-42, line 1: not a JSON record"):
            logs.read_cloudwatch("g", session=session)


# --- summarize ---------------------------------------------------------------------------------------------


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

    def test_emulator_records(self, logged: Logged) -> None:
        summary = logs.summarize(logs.read_folder(logged.log_dir / "s3"))
        today = {r["timestamp"][:10] for r in logs.read_folder(logged.log_dir / "s3")}
        assert len(today) == 1  # written within the same run
        rows = rows_by_key(summary)
        for model_id in (MODEL_GLOBAL, MODEL_US):
            mine = [u for u in logged.usage.values() if u[0] == model_id]
            failed = [m for m in logged.failed.values() if m == model_id]
            row = rows[next(iter(today)), model_id]
            assert (row.calls, row.errors) == (len(mine) + len(failed), len(failed))
            assert (row.input_tokens, row.output_tokens) == (sum(u[1] for u in mine), sum(u[2] for u in mine))
            assert row.usd == pytest.approx(sum(cost.estimate(model_id, u[1], u[2]).usd for u in mine))

    def test_text_and_html(self) -> None:
        summary = logs.summarize([rec("2026-07-01", MODEL_GLOBAL, 1_234_567, 89),
                                  rec("2026-07-01", "<script>", 1, 1)])
        lines = str(summary).splitlines()
        assert lines[0].split() == ["day", "model", "id", "calls", "errors", "input", "tokens", "output", "tokens",
                                    "cost", "(USD)"]
        assert "1,234,567" in lines[2] and lines[2].rstrip().endswith(f"{summary[1].usd:.6f}")
        assert "&lt;script&gt;" in summary._repr_html_() and "<script>" not in summary._repr_html_()
        assert logs.summarize([]) == []


# --- read(connection, config), offline end to end ----------------------------------------------------------


@pytest.fixture
def offline(clean_env: None) -> Iterator[Any]:
    """helpers.connect(mode="offline"); the logging configuration set on its emulator is deleted after."""
    connection = connect(mode="offline")
    yield connection
    client_of(connection.emulator, "bedrock", connection.region).delete_model_invocation_logging_configuration()


class TestReadOffline:
    """read(connection, config) in a notebook: configure, invoke, read back, summarize."""

    def test_s3_end_to_end(self, offline: Any) -> None:
        bucket = f"notebook-logs-{uuid.uuid4().hex[:10]}"
        config = logs.logging_config(bucket, prefix="team/bedrock")
        boto3.client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config)
        runtime = boto3.client("bedrock-runtime", config=NO_RETRY)
        ids, usage = [], {MODEL_GLOBAL: [0, 0], MODEL_US: [0, 0]}
        for model_id in (MODEL_GLOBAL, MODEL_GLOBAL, MODEL_US):
            response = runtime.converse(modelId=model_id, messages=MESSAGES)
            ids.append(response["ResponseMetadata"]["RequestId"])
            usage[model_id][0] += response["usage"]["inputTokens"]
            usage[model_id][1] += response["usage"]["outputTokens"]
        records = logs.read(offline, config)
        assert sorted(r["requestId"] for r in records) == sorted(ids)
        assert {r["region"] for r in records} == {offline.region}
        summary = logs.summarize(records)
        assert {r.model_id for r in summary} == {MODEL_GLOBAL, MODEL_US}
        assert {r.day for r in summary} == {r["timestamp"][:10] for r in records}
        for model_id, (tokens_in, tokens_out) in usage.items():
            rows = [r for r in summary if r.model_id == model_id]
            assert sum(r.input_tokens for r in rows) == tokens_in and sum(r.output_tokens for r in rows) == tokens_out
            assert sum(r.usd for r in rows) == pytest.approx(cost.estimate(model_id, tokens_in, tokens_out).usd)
        assert sum(r.calls for r in summary) == 3

    def test_cloudwatch_reads_only_the_configured_group(self, offline: Any) -> None:
        """Like read_cloudwatch(logGroupName) on AWS: another group's records are not this group's."""
        bedrock, runtime = boto3.client("bedrock"), boto3.client("bedrock-runtime", config=NO_RETRY)
        tag = uuid.uuid4().hex[:10]
        first = logs.logging_config(log_group=f"/aws/bedrock/first-{tag}", role_arn=ROLE_ARN)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=first)
        runtime.converse(modelId=MODEL_US, messages=MESSAGES)
        second = logs.logging_config(log_group=f"/aws/bedrock/second-{tag}", role_arn=ROLE_ARN)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=second)
        mine = {runtime.converse(modelId=MODEL_US, messages=MESSAGES)["ResponseMetadata"]["RequestId"]
                for _ in range(2)}
        assert {r["requestId"] for r in logs.read(offline, second)} == mine

    @pytest.mark.parametrize(("prefix", "group"), [("team/../../bedrock", "/aws/bedrock/../x"), ("./x//y", "../../x")],
                             ids=["dotdot", "dot-double-slash"])
    def test_names_a_file_system_would_follow(self, offline: Any, prefix: str, group: str) -> None:
        """Key prefixes and log groups AWS allows (``..``, ``.``, ``//``) are written inside the emulator's folder,
        mapped to safe names, and read() finds them with the same configuration."""
        tag = uuid.uuid4().hex[:10]
        config = logs.logging_config(f"dots-{tag}", prefix=prefix, log_group=f"{group}-{tag}", role_arn=ROLE_ARN)
        boto3.client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config)
        runtime = boto3.client("bedrock-runtime", config=NO_RETRY)
        ids = sorted(runtime.converse(modelId=MODEL_US, messages=MESSAGES)["ResponseMetadata"]["RequestId"]
                     for _ in range(2))
        assert sorted(r["requestId"] for r in logs.read(offline, config)) == ids  # S3, the first destination
        only_group = {k: v for k, v in config.items() if k != "s3Config"}
        assert sorted(r["requestId"] for r in logs.read(offline, only_group)) == ids
        log_dir = Path(offline.emulator.log_dir).resolve()
        assert all(p.resolve().is_relative_to(log_dir) for p in log_dir.rglob("*") if tag in str(p))

    def test_apply_offline_sends_nothing(self, offline: Any) -> None:
        """The emulator has no S3 or CloudWatch: apply() says what would run and runs nothing."""
        calls = logs.retention("my-log-bucket")
        assert logs.apply(calls, offline) == [
            "offline: not sent: s3.put_bucket_lifecycle_configuration (run it in aws mode)",
            "offline: not sent: logs.put_retention_policy (run it in aws mode)"]

    def test_nothing_logged_yet(self, offline: Any) -> None:
        """No records yet reads as none, as an empty S3 prefix does on AWS (logs arrive minutes later)."""
        config = logs.logging_config(f"never-used-{uuid.uuid4().hex[:10]}")
        assert logs.read(offline, config) == []
        group = logs.logging_config(log_group=f"/never/used/{uuid.uuid4().hex[:10]}",
                                    role_arn="arn:aws:iam::123456789012:role/R")
        assert logs.read(offline, group) == []
