"""Log destinations: refused at configuration time as Bedrock refuses them (the shapes, then the bucket, its region
and policy, the log group and the role), one configuration per region, delivered to exactly the named S3 key or log
group whatever the names, and a failed delivery never changes the caller's answer.

Destinations are made and read with real boto3 against the offline S3, CloudWatch Logs and IAM (logging_setup.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from cli_process import exports_of, printed_lines, start_cli
from logging_setup import (
    ACCOUNT,
    PERMISSION_CHECK,
    Destinations,
    aws_client,
    bucket_policy,
    destinations,
    role_policy,
    tag,
    trust_policy,
)

from conftest import MODEL_US, claude_body, client_of, error_of, signed_request
from helpers.emulator import Emulator, auth, start

pytest.importorskip("moto", reason="moto[server] is not installed (requirements.txt)")

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/BedrockInvocationLogging"
MESSAGES = [{"role": "user", "content": [{"text": "Hello, world"}]}]
BUCKET_REFUSED = "Failed to validate permissions for bucket: {}. Verify the S3 bucket policy permissions are correct. "
GROUP_REFUSED = ("Failed to validate permissions for log group: {}, with role: {}. Verify the IAM role permissions are "
                 "correct. ")


# --- an emulator ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    emu = start()
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def no_configuration_left(emu: Emulator) -> Iterator[None]:
    """Each test starts with no logging configuration in any region."""
    emu.state.logging_configs.clear()
    yield
    emu.state.logging_configs.clear()


@pytest.fixture
def bedrock(emu: Emulator) -> Any:
    return client_of(emu, "bedrock")


@pytest.fixture
def runtime(emu: Emulator) -> Any:
    return client_of(emu, "bedrock-runtime")


@pytest.fixture(scope="module")
def kept(emu: Emulator) -> dict[str, Any]:
    """A configuration that can be delivered (a bucket with AWS's policy), for tests that check it stays."""
    return destinations(emu, cloudwatch=False, prefix="kept").config(cloudwatch=False)


@pytest.fixture
def kept_configuration(bedrock: Any, kept: dict[str, Any]) -> Iterator[None]:
    bedrock.put_model_invocation_logging_configuration(loggingConfig=kept)
    yield
    assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == kept


def put_raw(emu: Emulator, config: Any) -> tuple[int, dict[str, Any]]:
    """PutModelInvocationLoggingConfiguration with any JSON (botocore would refuse wrong types client-side)."""
    body = json.dumps({"loggingConfig": config}).encode()
    r = signed_request(emu.url, "PUT", "/logging/modelinvocations", body,
                       headers={"content-type": "application/json"})
    return r.status, json.loads(r.data)


def request_id(response: dict[str, Any]) -> str:
    return response["ResponseMetadata"]["RequestId"]


def all_four(runtime: Any) -> list[str]:
    """InvokeModel, Converse and both streams, each answered normally; their request ids."""
    ids = []
    response = runtime.invoke_model(body=claude_body("logged"), modelId=MODEL_US)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert json.loads(response["body"].read())["type"] == "message"
    ids.append(request_id(response))
    response = runtime.converse(modelId=MODEL_US, messages=MESSAGES)
    assert response["output"]["message"]["content"][0]["text"]
    ids.append(request_id(response))
    response = runtime.converse_stream(modelId=MODEL_US, messages=MESSAGES)
    events = list(response["stream"])  # an exception frame would raise EventStreamError here
    assert "messageStop" in events[-2] and "metadata" in events[-1]
    ids.append(request_id(response))
    response = runtime.invoke_model_with_response_stream(body=claude_body("streamed"), modelId=MODEL_US)
    chunks = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
    assert chunks[-1]["type"] == "message_stop"
    ids.append(request_id(response))
    return ids


# --- refused at configuration time: the shapes ---------------------------------------------------------------


def one_error(value: str, member: str, constraint: str) -> str:
    return f"1 validation error detected: Value '{value}' at 'loggingConfig.{member}' failed to satisfy constraint: " \
           + constraint


CHARS = "Member must follow the S3 bucket naming rules: Bucket names can consist only of lowercase letters, " \
        "numbers, periods (.), and hyphens (-)."
LOG_GROUP_PATTERN = r"Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+"


class TestRefused:
    """A 400 ValidationException in Bedrock's wording, and the configuration in place stays as it was."""

    @pytest.fixture(autouse=True)
    def configured(self, kept_configuration: None) -> None:
        """The configuration in place, checked unchanged after each refusal."""

    @pytest.mark.parametrize(("config", "message"), [
        ({"s3Config": {"bucketName": "/tmp/evil"}}, one_error("/tmp/evil", "s3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "../x"}}, one_error("../x", "s3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "a\x00bc"}}, one_error("a\x00bc", "s3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "b" * 64}}, one_error("b" * 64, "s3Config.bucketName",
                                                           "Member must have length less than or equal to 63")),
        ({"cloudWatchConfig": {"logGroupName": "/aws/a b", "roleArn": ROLE_ARN}},
         one_error("/aws/a b", "cloudWatchConfig.logGroupName", LOG_GROUP_PATTERN)),
        ({"cloudWatchConfig": {"logGroupName": "x\x00", "roleArn": ROLE_ARN}},
         one_error("x\x00", "cloudWatchConfig.logGroupName", LOG_GROUP_PATTERN)),
        ({"cloudWatchConfig": {"logGroupName": "g" * 513, "roleArn": ROLE_ARN}},
         one_error("g" * 513, "cloudWatchConfig.logGroupName", "Member must have length less than or equal to 512")),
        ({"cloudWatchConfig": {"logGroupName": "/aws/x", "roleArn": "BedrockLogging"}},
         one_error("BedrockLogging", "cloudWatchConfig.roleArn",
                   "Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")),
        ({"cloudWatchConfig": {"logGroupName": "/aws/x", "roleArn": ROLE_ARN,
                               "largeDataDeliveryS3Config": {"bucketName": "Big_Bucket"}}},
         one_error("Big_Bucket", "cloudWatchConfig.largeDataDeliveryS3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "logs", "keyPrefix": "k" * 1025}},
         one_error("k" * 1025, "s3Config.keyPrefix", "Member must have length less than or equal to 1024")),
    ], ids=["absolute-bucket", "dotdot-bucket", "nul-bucket", "long-bucket", "space-group",
            "nul-group", "long-group", "role-name", "large-data-bucket", "long-prefix"])
    def test_boto3(self, bedrock: Any, config: dict[str, Any], message: str) -> None:
        with pytest.raises(ClientError) as excinfo:
            bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        assert error_of(excinfo) == ("ValidationException", message, 400)

    @pytest.mark.parametrize("bucket", ["xn--bucket", "sthree-bucket", "amzn-s3-demo-bucket", "bucket-s3alias",
                                        "bucket--ol-s3", "bucket.mrap", "bucket--x-s3", "bucket--table-s3",
                                        "192.168.5.4", "a..b", "-bucket", "bucket-", ".bucket", "Bucket"])
    def test_s3_bucket_naming_rules(self, bedrock: Any, bucket: str) -> None:
        """AWS's bucket naming rules (botocore's model has only the length)."""
        with pytest.raises(ClientError) as excinfo:
            bedrock.put_model_invocation_logging_configuration(loggingConfig={"s3Config": {"bucketName": bucket}})
        code, message, status = error_of(excinfo)
        assert (code, status) == ("ValidationException", 400)
        assert message.startswith(f"1 validation error detected: Value '{bucket}' at 'loggingConfig.s3Config."
                                  "bucketName' failed to satisfy constraint: Member must follow the S3 bucket naming "
                                  "rules: Bucket names ")

    @pytest.mark.parametrize(("config", "message"), [
        ({"s3Config": {"bucketName": 123}}, "1 validation error detected: Value at 'loggingConfig.s3Config."
                                            "bucketName' failed to satisfy constraint: Member must be a string"),
        ({"s3Config": {"bucketName": ["a", "b"]}}, "1 validation error detected: Value at 'loggingConfig.s3Config."
                                                   "bucketName' failed to satisfy constraint: Member must be a string"),
        ({"cloudWatchConfig": {"logGroupName": {"x": 1}, "roleArn": ROLE_ARN}},
         "1 validation error detected: Value at 'loggingConfig.cloudWatchConfig.logGroupName' failed to satisfy "
         "constraint: Member must be a string"),
        ({"s3Config": "my-bucket"}, "1 validation error detected: Value at 'loggingConfig.s3Config' failed to "
                                    "satisfy constraint: Member must be a structure"),
        ({"s3Config": {"bucketName": "abc"}, "textDataDeliveryEnabled": "yes"},
         "1 validation error detected: Value at 'loggingConfig.textDataDeliveryEnabled' failed to satisfy "
         "constraint: Member must be a boolean"),
        ({"s3Config": {"keyPrefix": "x"}}, "1 validation error detected: Value null at 'loggingConfig.s3Config."
                                           "bucketName' failed to satisfy constraint: Member must not be null"),
        ({"cloudWatchConfig": {"logGroupName": "/aws/x"}},
         "1 validation error detected: Value null at 'loggingConfig.cloudWatchConfig.roleArn' failed to satisfy "
         "constraint: Member must not be null"),
        ({"s3Config": {"bucketName": "/"}},  # botocore refuses it client-side (too short)
         "2 validation errors detected: "
         "Value '/' at 'loggingConfig.s3Config.bucketName' failed to satisfy constraint: Member must have length "
         "greater than or equal to 3; Value '/' at 'loggingConfig.s3Config.bucketName' failed to satisfy "
         f"constraint: {CHARS}"),
        ("s3", "1 validation error detected: Value at 'loggingConfig' failed to satisfy constraint: Member must be "
               "a structure"),
        ({"s3Config": {"bucketName": "a\ud800b"}},  # echoed surrogate-safely, as U+FFFD
         "1 validation error detected: Value 'a\ufffdb' at 'loggingConfig.s3Config.bucketName' failed to satisfy "
         f"constraint: {CHARS}"),
        ({"textDataDeliveryEnabled": True}, "At least one of s3Config or cloudWatchConfig must be specified."),
    ], ids=["number", "list", "object", "s3config-string", "boolean-string", "no-bucket", "no-role", "slash-bucket",
            "not-object",
            "surrogate", "no-destination"])
    def test_types_and_nulls(self, emu: Emulator, config: Any, message: str) -> None:
        assert put_raw(emu, config) == (400, {"message": message})

    def test_deeply_nested_body(self, emu: Emulator) -> None:
        body = b'{"loggingConfig": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        r = signed_request(emu.url, "PUT", "/logging/modelinvocations", body)
        assert r.status == 400 and json.loads(r.data)["message"].startswith("Malformed input request")



def string_members(shape: Any, where: str = "loggingConfig") -> Iterator[tuple[str, Any]]:
    for name, member in shape.members.items():
        if member.type_name == "structure":
            yield from string_members(member, f"{where}.{name}")
        elif member.type_name == "string":
            yield f"{where}.{name}", member


LOGGING_CONFIG = botocore.session.get_session().get_service_model("bedrock").operation_model(
    "PutModelInvocationLoggingConfiguration").input_shape.members["loggingConfig"]


@pytest.mark.parametrize(("where", "shape"), list(string_members(LOGGING_CONFIG)),
                         ids=[w for w, _ in string_members(LOGGING_CONFIG)])
def test_lengths_are_botocores(emu: Emulator, where: str, shape: Any) -> None:
    """Every string member's max length is the one in botocore's model (the peer, read independently)."""
    config: dict[str, Any] = {"s3Config": {"bucketName": "valid-bucket"},
                              "cloudWatchConfig": {"logGroupName": "/aws/ok", "roleArn": ROLE_ARN}}
    *parents, name = where.split(".")[1:]
    holder = config
    for parent in parents:
        holder = holder.setdefault(parent, {"bucketName": "valid-bucket"})
    limit = shape.metadata["max"]
    holder[name] = "arn:aws:iam::123456789012:role/" + "r" * limit if name == "roleArn" else "a" * (limit + 1)
    status, answer = put_raw(emu, config)
    assert status == 400
    assert f"at '{where}' failed to satisfy constraint: Member must have length less than or equal to {limit}" \
        in answer["message"]




# --- refused at configuration time: the destinations themselves (I-facts Q6) ---------------------------------


def refusal(bedrock: Any, config: dict[str, Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
    return error_of(excinfo)


def grant(bucket: str, prefix: str = "bedrock", region: str = "us-east-1") -> str:
    return (f"bedrock.amazonaws.com s3:PutObject on arn:aws:s3:::{bucket}/{prefix}/AWSLogs/{ACCOUNT}/"
            f"BedrockModelInvocationLogs/* for requests with aws:SourceAccount {ACCOUNT} and an aws:SourceArn "
            f"matching arn:aws:bedrock:{region}:{ACCOUNT}:*")


def stream(group: str, region: str = "us-east-1") -> str:
    return f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}:log-stream:aws/bedrock/modelinvocations"


def with_statement(policy: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**policy, "Statement": [{**policy["Statement"][0], **changes}]}


class TestAccessRefused:
    """Bedrock's ValidationException (400) and a sentence naming what is missing; the configuration stays."""

    @pytest.fixture(autouse=True)
    def configured(self, kept_configuration: None) -> None:
        """The configuration in place, checked unchanged after each refusal."""

    def test_missing_bucket(self, bedrock: Any) -> None:
        bucket = f"missing-{tag()}"
        assert refusal(bedrock, {"s3Config": {"bucketName": bucket, "keyPrefix": "bedrock"}}) == (
            "ValidationException", BUCKET_REFUSED.format(bucket) + f"There is no bucket {bucket} in this account: "
            "create it (s3.create_bucket) in us-east-1 first.", 400)

    def test_bucket_in_another_region(self, emu: Emulator, bedrock: Any) -> None:
        dest = destinations(emu, cloudwatch=False, region="eu-west-1")
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", BUCKET_REFUSED.format(dest.bucket) + "The bucket is in eu-west-1, and Bedrock "
            "delivers only to a bucket in the configuration's region, us-east-1.", 400)

    def test_no_bucket_policy(self, emu: Emulator, bedrock: Any) -> None:
        dest = destinations(emu, cloudwatch=False, policy={})
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", BUCKET_REFUSED.format(dest.bucket) + "The bucket has no bucket policy; it needs "
            f"one that allows {grant(dest.bucket)}.", 400)

    @pytest.mark.parametrize("policy", [
        lambda bucket: bucket_policy(bucket, "elsewhere"),
        lambda bucket: bucket_policy(bucket, "bedrock", account="999999999999"),
        lambda bucket: with_statement(bucket_policy(bucket, "bedrock"), Principal={"Service": "ec2.amazonaws.com"}),
        lambda bucket: with_statement(bucket_policy(bucket, "bedrock"), Action=["s3:GetObject"]),
        lambda bucket: {"Version": "2012-10-17", "Statement": [
            *bucket_policy(bucket, "bedrock")["Statement"],
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}/*"}]},
    ], ids=["another-prefix", "another-account", "another-service", "another-action", "explicit-deny"])
    def test_policy_does_not_allow(self, emu: Emulator, bedrock: Any, policy: Any) -> None:
        bucket = f"logs-{tag()}"
        dest = destinations(emu, cloudwatch=False, bucket=bucket, policy=policy(bucket))
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", BUCKET_REFUSED.format(bucket) + f"The bucket policy does not allow {grant(bucket)}.",
            400)

    @pytest.mark.parametrize("condition", [
        {"StringEquals": {"aws:SourceAccount": "999999999999"}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:*"}},
        {"StringEquals": {"aws:SourceVpc": "vpc-1234"}},
    ], ids=["another-account", "another-region", "a-key-bedrock-does-not-send"])
    def test_policy_conditions_do_not_match(self, emu: Emulator, bedrock: Any, condition: dict[str, Any]) -> None:
        bucket = f"logs-{tag()}"
        dest = destinations(emu, cloudwatch=False, bucket=bucket,
                            policy=with_statement(bucket_policy(bucket, "bedrock"), Condition=condition))
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", BUCKET_REFUSED.format(bucket) + "The bucket policy's conditions do not match "
            f"Bedrock's request: it must allow {grant(bucket)}.", 400)

    def test_bucket_policy_not_json(self, emu: Emulator, bedrock: Any) -> None:
        """S3 refuses it; the offline S3 stores it: the refusal says what is wrong, not "no bucket policy"."""
        dest = destinations(emu, cloudwatch=False, policy={})
        dest.s3.put_bucket_policy(Bucket=dest.bucket, Policy="not json {")
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", BUCKET_REFUSED.format(dest.bucket) + "The bucket policy is not a valid JSON policy "
            f"document; it needs one that allows {grant(dest.bucket)}.", 400)

    def test_vpc_endpoint_only_deny(self, emu: Emulator, bedrock: Any) -> None:
        """Bedrock's requests come from no VPC endpoint: a negated test of the missing key is true, so it denies."""
        bucket = f"logs-{tag()}"
        policy = bucket_policy(bucket, "bedrock")
        policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                    "Resource": f"arn:aws:s3:::{bucket}/*",
                                    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}})
        dest = destinations(emu, cloudwatch=False, bucket=bucket, policy=policy)
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", BUCKET_REFUSED.format(bucket) + f"The bucket policy does not allow {grant(bucket)}.",
            400)

    def test_https_only_deny(self, emu: Emulator, bedrock: Any) -> None:
        """Bedrock writes over HTTPS, so the common HTTPS-only Deny passes Bedrock's check (test_iam_policy.py), but
        moto then refuses every write (it evaluates the condition without a request context): the refusal says so."""
        bucket = f"logs-{tag()}"
        policy = bucket_policy(bucket, "bedrock")
        policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        dest = destinations(emu, cloudwatch=False, bucket=bucket, policy=policy)
        assert refusal(bedrock, dest.config()) == ("ValidationException", BUCKET_REFUSED.format(bucket) + (
            "The offline S3 (moto) refused the write although the bucket policy allows Bedrock's request: moto "
            "evaluates the policy's conditions without the request's context (e.g. aws:SecureTransport). Leave such "
            "a Deny statement out of the bucket policy offline."), 400)

    def test_large_data_bucket_is_checked_too(self, emu: Emulator, bedrock: Any) -> None:
        dest = destinations(emu, s3=False)
        bucket = f"missing-{tag()}"
        config = dest.config()
        config["cloudWatchConfig"]["largeDataDeliveryS3Config"] = {"bucketName": bucket, "keyPrefix": "large"}
        assert refusal(bedrock, config) == (
            "ValidationException", BUCKET_REFUSED.format(bucket) + f"There is no bucket {bucket} in this account: "
            "create it (s3.create_bucket) in us-east-1 first.", 400)

    def test_key_prefix_too_long_for_s3(self, emu: Emulator, bedrock: Any) -> None:
        """keyPrefix may be 1,024 characters (botocore), but no S3 key may exceed 1,024 bytes."""
        dest = destinations(emu, cloudwatch=False, prefix="p" * 1000)
        code, message, status = refusal(bedrock, dest.config())
        assert (code, status) == ("ValidationException", 400)
        assert message.startswith(BUCKET_REFUSED.format(dest.bucket) + "Record keys under this key prefix would be ")
        assert message.endswith(" bytes long, over S3's limit of 1024 bytes: use a shorter keyPrefix.")

    def test_key_prefix_with_a_lone_surrogate(self, emu: Emulator) -> None:
        """botocore's model admits it; S3 keys are UTF-8, so no record could be written."""
        dest = destinations(emu, cloudwatch=False)
        assert put_raw(emu, {"s3Config": {"bucketName": dest.bucket, "keyPrefix": "\ud800x"}}) == (400, {
            "message": BUCKET_REFUSED.format(dest.bucket) + "The key prefix holds a lone surrogate: S3 object keys "
            "are UTF-8 text, so no record could be written."})

    def test_missing_log_group(self, emu: Emulator, bedrock: Any) -> None:
        dest = destinations(emu, s3=False)
        group = f"/aws/bedrock/missing-{tag()}"
        config = {"cloudWatchConfig": {"logGroupName": group, "roleArn": dest.role_arn}}
        assert refusal(bedrock, config) == (
            "ValidationException", GROUP_REFUSED.format(group, dest.role_arn) + f"There is no log group {group} in "
            "us-east-1: create it (logs.create_log_group) first.", 400)

    def test_log_group_in_another_region(self, emu: Emulator, bedrock: Any) -> None:
        dest = destinations(emu, s3=False, region="eu-west-1")
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", GROUP_REFUSED.format(dest.group, dest.role_arn) + f"There is no log group "
            f"{dest.group} in us-east-1: create it (logs.create_log_group) first.", 400)

    def test_missing_role(self, emu: Emulator, bedrock: Any) -> None:
        dest = destinations(emu, s3=False)
        role = f"arn:aws:iam::{ACCOUNT}:role/NoSuchRole-{tag()}"
        config = {"cloudWatchConfig": {"logGroupName": dest.group, "roleArn": role}}
        assert refusal(bedrock, config) == (
            "ValidationException", GROUP_REFUSED.format(dest.group, role) + f"There is no such role in account "
            f"{ACCOUNT}: create it (iam.create_role) first.", 400)

    def test_role_of_another_account(self, emu: Emulator, bedrock: Any) -> None:
        dest = destinations(emu, s3=False)
        role = str(dest.role_arn).replace(ACCOUNT, "999999999999")
        config = {"cloudWatchConfig": {"logGroupName": dest.group, "roleArn": role}}
        assert refusal(bedrock, config) == (
            "ValidationException", GROUP_REFUSED.format(dest.group, role) + "The role belongs to account "
            f"999999999999: Bedrock writes with a role of this account, {ACCOUNT}.", 400)

    def test_role_name_with_a_lone_surrogate(self, emu: Emulator) -> None:
        dest = destinations(emu, s3=False)
        role = f"arn:aws:iam::{ACCOUNT}:role/\udfff"
        assert put_raw(emu, {"cloudWatchConfig": {"logGroupName": dest.group, "roleArn": role}}) == (400, {
            "message": GROUP_REFUSED.format(dest.group, role.replace("\udfff", "\ufffd")) + "There is no such role "
            f"in account {ACCOUNT}: create it (iam.create_role) first."})

    @pytest.mark.parametrize("trust", [
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]},
        trust_policy(account="999999999999"),
        trust_policy(region="eu-west-1"),
    ], ids=["another-service", "another-account", "another-region"])
    def test_role_without_trust(self, emu: Emulator, bedrock: Any, trust: dict[str, Any]) -> None:
        dest = destinations(emu, s3=False, trust=trust)
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", GROUP_REFUSED.format(dest.group, dest.role_arn) + "The role's trust policy does "
            "not let bedrock.amazonaws.com assume it (sts:AssumeRole) for requests with aws:SourceAccount "
            f"{ACCOUNT} and an aws:SourceArn matching arn:aws:bedrock:us-east-1:{ACCOUNT}:*.", 400)

    @pytest.mark.parametrize(("permissions", "missing"), [
        ({}, "logs:CreateLogStream and logs:PutLogEvents"),
        (lambda group: role_policy(f"{group}-other"), "logs:CreateLogStream and logs:PutLogEvents"),
        (lambda group: with_statement(role_policy(group), Action="logs:CreateLogStream"), "logs:PutLogEvents"),
        (lambda group: {"Version": "2012-10-17", "Statement": [
            *role_policy(group)["Statement"],
            {"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]}, "logs:PutLogEvents"),
    ], ids=["none", "another-group", "one-action", "explicit-deny"])
    def test_role_without_permission(self, emu: Emulator, bedrock: Any, permissions: Any, missing: str) -> None:
        group = f"/aws/bedrock/test-{tag()}"
        dest = destinations(emu, s3=False, group=group, permissions=permissions(group) if permissions else {})
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", GROUP_REFUSED.format(group, dest.role_arn) + f"The role's policies do not allow "
            f"{missing} on {stream(group)}.", 400)

    def test_without_the_offline_services(self, emu: Emulator, bedrock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        """moto missing: a configuration the emulator could not deliver is never accepted."""
        dest = destinations(emu)
        monkeypatch.setattr(emu.state, "aws", None)
        assert refusal(bedrock, dest.config()) == (
            "ValidationException", "Invocation logging offline delivers to the offline S3 and CloudWatch Logs, which "
            "need moto: pip install 'moto[server]>=5.2.5' (or pip install -r requirements.txt), then restart the "
            "emulator.", 400)

    @pytest.mark.cli
    @pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI (`aws`) is not on PATH")
    def test_aws_cli(self, emu: Emulator, tmp_path: Path) -> None:
        """The AWS CLI shows the same refusal, configured only by the emulator's variables."""
        bucket = f"missing-{tag()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANTHROPIC_"))}
        env.update(emu.env, AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "c"))
        proc = subprocess.run([str(shutil.which("aws")), "bedrock", "put-model-invocation-logging-configuration",
                               "--logging-config", json.dumps({"s3Config": {"bucketName": bucket}})],
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode != 0
        assert ("An error occurred (ValidationException) when calling the PutModelInvocationLoggingConfiguration "
                "operation: " + BUCKET_REFUSED.format(bucket) + f"There is no bucket {bucket} in this account: "
                "create it (s3.create_bucket) in us-east-1 first.") in proc.stderr, proc.stderr


class TestAccessAccepted:
    """What AWS's documentation sets up, and other policies that grant the same, are accepted."""

    def test_documented_setup(self, emu: Emulator, bedrock: Any) -> None:
        """Accepted, with Bedrock's zero-byte permission-check object under each S3 prefix (and nothing else)."""
        dest = destinations(emu)
        large = destinations(emu, cloudwatch=False, prefix="large")
        config = dest.config()
        config["cloudWatchConfig"]["largeDataDeliveryS3Config"] = {"bucketName": large.bucket, "keyPrefix": "large"}
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == config
        for where in (dest, large):
            assert where.object_keys() == [where.log_prefix + PERMISSION_CHECK]
            assert where.get(where.log_prefix + PERMISSION_CHECK) == b""
        assert dest.events() == []

    def test_broader_grants(self, emu: Emulator, bedrock: Any) -> None:
        """A bucket policy on the whole bucket without conditions; a managed policy attached to the role."""
        bucket, group = f"logs-{tag()}", f"/aws/bedrock/test-{tag()}"
        whole_bucket = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{bucket}/*"}]}
        dest = destinations(emu, bucket=bucket, group=group, policy=whole_bucket, permissions={})
        iam = aws_client(emu, "iam")
        arn = iam.create_policy(PolicyName=f"logs-{tag()}", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*",
                                                    "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:{group}:*"}]}))
        iam.attach_role_policy(RoleName=str(dest.role_arn).split("/")[-1], PolicyArn=arn["Policy"]["Arn"])
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())

    def test_bucket_in_the_configurations_region(self, emu: Emulator) -> None:
        """A configuration put in eu-west-1 takes a bucket in eu-west-1; records go there."""
        dest = destinations(emu, region="eu-west-1")
        client_of(emu, "bedrock", "eu-west-1").put_model_invocation_logging_configuration(loggingConfig=dest.config())
        rid = request_id(client_of(emu, "bedrock-runtime", "eu-west-1").converse(
            modelId=MODEL_US.replace("us.", "eu.", 1), messages=MESSAGES))
        record = dest.record(rid)
        assert record["region"] == "eu-west-1"
        assert dest.key_of(rid).startswith(f"bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/eu-west-1/")


# --- accepted names are delivered to exactly the named key or group -----------------------------------------


class TestHostileNames:
    """Names AWS allows that a file system would follow are S3 keys and log group names, used as written."""

    @pytest.mark.parametrize(("prefix", "root"), [
        ("a/../../b", "a/../../b/"),
        ("./x", "./x/"),
        ("//x", "//x/"),
        ("/abs/olute/", "/abs/olute/"),  # a trailing "/" is not doubled
        ("../../../../../../etc", "../../../../../../etc/"),
        ("nul\x00byte/~home", "nul\x00byte/~home/"),
        ("é" * 300 + "/x", "é" * 300 + "/x/"),
        (None, ""),
    ], ids=["dotdot", "dot", "double-slash", "leading-slash", "deep-dotdot", "nul-tilde", "long-utf8", "no-prefix"])
    def test_s3_key_prefix(self, emu: Emulator, bedrock: Any, runtime: Any, prefix: str | None, root: str) -> None:
        dest = destinations(emu, cloudwatch=False, prefix=prefix)
        config = dest.config()
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == config
        ids = all_four(runtime)
        layout = f"{root}AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/"
        keys = dest.object_keys()
        assert len(keys) == 5 and set(keys) == {*dest.record_keys(), layout + PERMISSION_CHECK}
        assert all(key.startswith(layout + "us-east-1/") for key in dest.record_keys())
        assert sorted(r["requestId"] for r in dest.s3_records().values()) == sorted(ids)

    @pytest.mark.parametrize("group", ["../../x", "/aws/bedrock/../x", "/", "//..//", "#/.", "g" * 512],
                             ids=["dotdot", "inner-dotdot", "slash", "slashes-dotdot", "hash-dot", "long"])
    def test_log_group(self, emu: Emulator, bedrock: Any, runtime: Any, group: str) -> None:
        logs = aws_client(emu, "logs")
        with contextlib.suppress(ClientError):  # these names are not unique: start from an empty group
            logs.delete_log_group(logGroupName=group)
        dest = destinations(emu, s3=False, group=group)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        ids = all_four(runtime)
        assert sorted(r["requestId"] for r in dest.cloudwatch()) == sorted(ids)

    def test_region_in_the_layout(self, emu: Emulator) -> None:
        """The signature's region is the key's region part; a region that is not one is refused before anything
        (so it never becomes part of a key)."""
        dest = destinations(emu, cloudwatch=False, region="us-west-2")
        client_of(emu, "bedrock", "us-west-2").put_model_invocation_logging_configuration(loggingConfig=dest.config())
        path, body = f"/model/{MODEL_US}/invoke", claude_body().encode()
        for region in ("..", "x" * 300):
            r = signed_request(emu.url, "POST", path, body, service="bedrock", region=region)
            assert (r.status, json.loads(r.data)) == (403, {"message": "Credential should be scoped to a valid "
                                                                      "region."})
        r = signed_request(emu.url, "POST", path, body, service="bedrock", region="us-west-2")
        assert r.status == 200
        rid = r.headers["x-amzn-requestid"]
        key = dest.key_of(rid)
        assert key.split("/")[:5] == ["bedrock", "AWSLogs", ACCOUNT, "BedrockModelInvocationLogs", "us-west-2"]
        assert dest.record_keys() == [key]


class Recording:
    """The emulator's own backend, noting every delivery it is asked for before doing it."""

    def __init__(self, aws: Any) -> None:
        self.aws = aws
        self.objects: list[tuple[Any, str, str]] = []  # (bucket, key, region)
        self.events: list[tuple[Any, str, str, str]] = []  # (group, stream, request id, region)

    def put_object(self, bucket: Any, key: str, data: Any, region: str, **kwargs: Any) -> None:
        self.objects.append((bucket, key, region))
        self.aws.put_object(bucket, key, data, region, **kwargs)

    def put_log_event(self, group: Any, stream: str, message: str, timestamp_ms: int, region: str) -> None:
        if (group, stream, json.loads(message)["requestId"], region) not in self.events:  # a retry is one event
            self.events.append((group, stream, json.loads(message)["requestId"], region))
        self.aws.put_log_event(group, stream, message, timestamp_ms, region)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.aws, name)


def record_key_pattern(prefix: str | None, request_id: str) -> str:
    root = f"{prefix.rstrip('/')}/" if prefix and prefix.rstrip("/") else ""
    return (re.escape(f"{root}AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/us-east-1/") + r"\d{4}/\d\d/\d\d/\d\d/"
            r"\d{8}T\d{9}Z_" + re.escape(request_id) + r"\.json\.gz")


class TestWithoutValidation:
    """Configurations stored without any check (behind PutModelInvocationLoggingConfiguration's back): every call is
    answered, and each record goes to exactly the named bucket and key, or group and stream, whatever the names
    (the offline services refuse the names AWS would; that is a reported failed delivery)."""

    @pytest.mark.parametrize("config", [
        {"s3Config": {"bucketName": "/tmp/escaped", "keyPrefix": "x"}},
        {"s3Config": {"bucketName": "/"}},
        {"s3Config": {"bucketName": ".."}},
        {"s3Config": {"bucketName": "../../../..", "keyPrefix": "../../.."}},
        {"s3Config": {"bucketName": "nul\x00"}},
        {"s3Config": {"bucketName": 123}},
        {"s3Config": {"bucketName": "b" * 5000}},
        {"s3Config": {"bucketName": ""}},
        {"s3Config": "not-a-structure"},
        {"cloudWatchConfig": {"logGroupName": "/tmp/escaped"}},
        {"cloudWatchConfig": {"logGroupName": "/../../../../x"}},
        {"cloudWatchConfig": {"logGroupName": ""}},
        {"cloudWatchConfig": {"logGroupName": "a\ud800b"}},
    ], ids=["absolute", "slash", "dotdot", "many-dotdots", "nul", "number", "very-long", "empty", "not-structure",
            "absolute-group", "dotdot-group", "empty-group", "surrogate-group"])
    def test_hostile_names(self, emu: Emulator, runtime: Any, config: dict[str, Any], caplog: pytest.LogCaptureFixture,
                           monkeypatch: pytest.MonkeyPatch) -> None:
        recording = Recording(emu.state.aws)
        monkeypatch.setattr(emu.state, "aws", recording)
        emu.state.logging_configs["us-east-1"] = config
        ids = all_four(runtime)
        s3, cloudwatch = config.get("s3Config"), config.get("cloudWatchConfig")
        if isinstance(s3, dict):
            assert [bucket for bucket, _, _ in recording.objects] == [s3["bucketName"]] * 4
            assert {region for _, _, region in recording.objects} == {"us-east-1"}
            for rid in ids:
                assert [key for _, key, _ in recording.objects
                        if re.fullmatch(record_key_pattern(s3.get("keyPrefix"), rid), key)], (rid, recording.objects)
        elif s3 is not None:  # no bucket to name: nothing is put anywhere, and the failure is reported
            assert recording.objects == []
            assert delivery_warnings(caplog, "S3 bucket None")
        if cloudwatch is not None:
            assert sorted(recording.events) == sorted(
                (cloudwatch["logGroupName"], "aws/bedrock/modelinvocations", rid, "us-east-1") for rid in ids)


# --- one configuration per region ---------------------------------------------------------------------------


class TestPerRegion:
    """AWS keeps one logging configuration per account and region; a call is logged by its own region's."""

    def test_get_and_delete_see_their_region_only(self, emu: Emulator) -> None:
        west, east = client_of(emu, "bedrock", "us-west-2"), client_of(emu, "bedrock", "us-east-1")
        config = destinations(emu, region="us-west-2").config()
        west.put_model_invocation_logging_configuration(loggingConfig=config)
        assert "loggingConfig" not in east.get_model_invocation_logging_configuration()
        east.delete_model_invocation_logging_configuration()
        assert west.get_model_invocation_logging_configuration()["loggingConfig"] == config
        west.delete_model_invocation_logging_configuration()
        assert "loggingConfig" not in west.get_model_invocation_logging_configuration()

    def test_each_region_logs_its_own_calls(self, emu: Emulator) -> None:
        west_dest, east_dest = destinations(emu, region="us-west-2"), destinations(emu)
        client_of(emu, "bedrock", "us-west-2").put_model_invocation_logging_configuration(
            loggingConfig=west_dest.config())
        east_call = request_id(client_of(emu, "bedrock-runtime").converse(modelId=MODEL_US, messages=MESSAGES))
        assert west_dest.record_keys() == [] and west_dest.events() == []  # us-east-1 has no configuration
        client_of(emu, "bedrock").put_model_invocation_logging_configuration(loggingConfig=east_dest.config())
        west_ids = all_four(client_of(emu, "bedrock-runtime", "us-west-2"))
        east_ids = all_four(client_of(emu, "bedrock-runtime"))
        assert sorted(r["requestId"] for r in west_dest.s3_records().values()) == sorted(west_ids)
        assert sorted(r["requestId"] for r in west_dest.cloudwatch()) == sorted(west_ids)
        assert sorted(r["requestId"] for r in east_dest.s3_records().values()) == sorted(east_ids)
        assert sorted(r["requestId"] for r in east_dest.cloudwatch()) == sorted(east_ids)
        assert east_call not in east_ids
        assert {r["region"] for r in west_dest.s3_records().values()} == {"us-west-2"}


# --- bodies AWS would put in the large-data bucket ---------------------------------------------------------


def test_large_bodies_stay_inline_with_one_warning(emu: Emulator, bedrock: Any, runtime: Any,
                                                   caplog: pytest.LogCaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The large-data layout is not documented: records keep their bodies inline, and the emulator says so once."""
    from helpers.emulator import invocation_log

    monkeypatch.setattr(invocation_log, "_large_data_noted", False)
    dest = destinations(emu, s3=False)
    large = destinations(emu, cloudwatch=False, prefix="large")
    config = dest.config()
    config["cloudWatchConfig"]["largeDataDeliveryS3Config"] = {"bucketName": large.bucket, "keyPrefix": "large"}
    bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
    small = request_id(runtime.converse(modelId=MODEL_US, messages=MESSAGES))
    assert not delivery_warnings(caplog, "largeDataDeliveryS3Config")
    text = "w" * 150_000
    big = [request_id(runtime.converse(modelId=MODEL_US, messages=[{"role": "user", "content": [{"text": text}]}]))
           for _ in range(2)]
    records = {r["requestId"]: r for r in dest.cloudwatch()}
    assert sorted(records) == sorted([small, *big])
    for rid in big:
        assert records[rid]["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] == text
        assert "inputBodyS3Path" not in records[rid]["input"]
    warnings = delivery_warnings(caplog, "largeDataDeliveryS3Config")
    assert len(warnings) == 1 and "inputBodyS3Path" in warnings[0], warnings
    assert large.object_keys() == [large.log_prefix + PERMISSION_CHECK]


# --- a failed delivery ------------------------------------------------------------------------------------


def delivery_warnings(caplog: pytest.LogCaptureFixture, destination: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "helpers.emulator" and r.levelno == logging.WARNING and destination in r.getMessage()]


def empty_and_delete(dest: Destinations) -> None:
    for key in dest.object_keys():
        dest.s3.delete_object(Bucket=dest.bucket, Key=key)
    dest.s3.delete_bucket(Bucket=dest.bucket)


class TestFailedDelivery:
    """A destination gone after configuration: every answer unchanged, one warning per cause, the other
    destination still served."""

    def test_bucket_deleted(self, bedrock: Any, runtime: Any, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
        dest = destinations(emu)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        empty_and_delete(dest)
        ids = all_four(runtime) + all_four(runtime)
        assert sorted(r["requestId"] for r in dest.cloudwatch()) == sorted(ids)  # CloudWatch still got every one
        warnings = delivery_warnings(caplog, f"S3 bucket '{dest.bucket}'")
        assert len(warnings) == 1, warnings
        assert "NoSuchBucket" in warnings[0] and "The caller's answer is unaffected" in warnings[0]

    def test_log_group_deleted(self, bedrock: Any, runtime: Any, emu: Emulator,
                               caplog: pytest.LogCaptureFixture) -> None:
        dest = destinations(emu)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        dest.logs.delete_log_group(logGroupName=dest.group)
        ids = all_four(runtime)
        with pytest.raises(ClientError):  # a failed call, whose record cannot be delivered there either
            runtime.invoke_model(body="{}", modelId=MODEL_US)
        assert len(dest.record_keys()) == len(ids) + 1  # S3 still got every one
        warnings = delivery_warnings(caplog, f"CloudWatch log group '{dest.group}'")
        assert len(warnings) == 1 and "ResourceNotFoundException" in warnings[0], warnings

    def test_log_stream_deleted_is_made_again(self, bedrock: Any, runtime: Any, emu: Emulator,
                                              caplog: pytest.LogCaptureFixture) -> None:
        """Bedrock makes the stream when it needs it; the emulator too, even after the learner deleted it."""
        dest = destinations(emu, s3=False)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        first = all_four(runtime)
        dest.logs.delete_log_stream(logGroupName=dest.group, logStreamName="aws/bedrock/modelinvocations")
        second = all_four(runtime)
        assert sorted(r["requestId"] for r in dest.cloudwatch()) == sorted(second)
        assert not delivery_warnings(caplog, f"CloudWatch log group '{dest.group}'") and first


def test_failure_reported_on_stderr() -> None:
    """`python -m helpers.emulator`: a failed delivery is one warning on its stderr; every call answered."""
    proc = start_cli("--port", "0")
    try:
        exports = exports_of(printed_lines(proc))
        url, ca_bundle = exports["AWS_ENDPOINT_URL"], exports["AWS_CA_BUNDLE"]
        session = boto3.session.Session(aws_access_key_id=auth.ACCESS_KEY_ID,
                                        aws_secret_access_key=auth.SECRET_ACCESS_KEY, region_name="us-east-1")
        s3 = session.client("s3", endpoint_url=exports["AWS_ENDPOINT_URL_S3"])
        bucket = f"blocked-{tag()}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bucket_policy(bucket, None)))
        bedrock = session.client("bedrock", endpoint_url=url, verify=ca_bundle)
        deadline = time.monotonic() + 15
        while True:
            try:
                bedrock.put_model_invocation_logging_configuration(loggingConfig={"s3Config": {"bucketName": bucket}})
                break
            except ClientError:
                raise
            except Exception:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        s3.delete_object(Bucket=bucket, Key=f"AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/{PERMISSION_CHECK}")
        s3.delete_bucket(Bucket=bucket)
        all_four(session.client("bedrock-runtime", endpoint_url=url, verify=ca_bundle))
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=15)
    assert stderr.count(f"Invocation log record could not be delivered to S3 bucket '{bucket}'") == 1, stderr
    assert "Traceback" not in stderr


# --- hostile bodies with logging on -----------------------------------------------------------------------


def invoke_raw(emu: Emulator, body: bytes, *, headers: dict[str, str] | None = None, operation: str = "invoke",
               ) -> tuple[int, str]:
    r = signed_request(emu.url, "POST", f"/model/{MODEL_US}/{operation}", body, service="bedrock",
                       headers=headers)
    return r.status, r.headers["x-amzn-requestid"]


def anthropic_body(content: str) -> bytes:
    return ('{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":'
            + content + "}]}").encode()


class TestHostileBodies:
    """Deep nesting and lone surrogates with logging on: never a 5xx, and the record is still written and read."""

    @pytest.fixture
    def logging_on(self, emu: Emulator, bedrock: Any) -> Destinations:
        dest = destinations(emu)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        return dest

    def records(self, emu: Emulator, dest: Destinations, rid: str) -> list[dict[str, Any]]:
        s3 = [r for r in dest.s3_records().values() if r["requestId"] == rid]
        cloudwatch = [r for r in dest.cloudwatch() if r["requestId"] == rid]
        assert s3 == cloudwatch and len(s3) == 1
        return s3

    @pytest.mark.parametrize("depth", [50, 600, 1_000, 100_000])
    @pytest.mark.parametrize("operation", ["invoke", "converse", "converse-stream", "invoke-with-response-stream"])
    def test_deep_nesting(self, emu: Emulator, logging_on: Destinations, depth: int, operation: str) -> None:
        nested = "[" * depth + "]" * depth
        if operation.startswith("converse"):
            body = ('{"messages":[{"role":"user","content":[{"text":"hi","x":' + nested + "}]}]}").encode()
        else:
            body = anthropic_body(nested)
        status, rid = invoke_raw(emu, body, operation=operation)
        assert status < 500
        (record,) = self.records(emu, logging_on, rid)
        logged = record["input"].get("inputBodyJson")
        if depth <= 50:
            assert logged == json.loads(body)
        else:  # deeper than a JSON reader reads comfortably: the record leaves the body out
            assert logged is None

    @pytest.mark.parametrize(("content", "expected"), [
        ('"\\ud800 lone"', "\ud800 lone"),
        ('[{"type":"text","text":"\\udfff"}]', [{"type": "text", "text": "\udfff"}]),
        ('"line\\u2028separator \u2028 raw"', "line\u2028separator \u2028 raw"),
        ('"caf\u00e9 \U0001f600"', "caf\u00e9 \U0001f600"),
    ], ids=["lone-high", "lone-low-in-block", "line-separators", "non-ascii"])
    def test_strings(self, emu: Emulator, logging_on: Destinations, content: str, expected: Any) -> None:
        status, rid = invoke_raw(emu, anthropic_body(content), headers={
            "x-amzn-bedrock-request-metadata": '{"team":"\\ud800"}'})
        assert status == 200
        (record,) = self.records(emu, logging_on, rid)
        assert record["input"]["inputBodyJson"]["messages"][0]["content"] == expected
        assert record["requestMetadata"] == {"team": "\ud800"}

    def test_pretty_printed_body_is_one_line(self, emu: Emulator, logging_on: Destinations) -> None:
        body = json.dumps(json.loads(anthropic_body('"pretty"')), indent=2).replace("\n", "\r\n").encode()
        status, rid = invoke_raw(emu, body)
        assert status == 200
        assert self.records(emu, logging_on, rid)[0]["input"]["inputBodyJson"] == json.loads(body)

    def test_not_json(self, emu: Emulator, logging_on: Destinations) -> None:
        for body in (b"{nope", b'{"a": NaN}', b"\xff\xfe\x00", b'"\xed\xa0\x80"'):
            status, rid = invoke_raw(emu, body)
            assert status == 400
            (record,) = self.records(emu, logging_on, rid)
            assert record["errorCode"] == "ValidationException" and "inputBodyJson" not in record["input"]
