"""Invocation-log destinations set up and read back as a learner does it: real boto3 against the offline S3,
CloudWatch Logs and IAM the emulator's ``env`` points at (AWS_ENDPOINT_URL_S3 / _CLOUDWATCH_LOGS / _IAM).

``destinations(emu)`` creates a bucket with AWS's documented bucket policy, a log group and a role with its
trust policy and inline policy, all under names of this call's own (moto's state is one per process and shared
by every emulator in it: unique names keep tests apart, whatever ran before). ``Destinations`` then reads the
records back with ``list_objects_v2`` + gzip and ``filter_log_events``.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from helpers.emulator import Emulator, auth

ACCOUNT = auth.ACCOUNT_ID
LOG_STREAM = "aws/bedrock/modelinvocations"
PERMISSION_CHECK = "amazon-bedrock-logs-permission-check"
_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"})


def aws_client(emu: Emulator, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client for the offline S3 / CloudWatch Logs / IAM, with the endpoint ``emu.env`` gives learners."""
    variable = {"s3": "AWS_ENDPOINT_URL_S3", "logs": "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "iam": "AWS_ENDPOINT_URL_IAM"}
    return _client(emu.env[variable[service]], service, region)


@cache
def _client(url: str, service: str, region: str) -> Any:
    """One client per endpoint, service and region (making one takes a few hundred ms; they are thread-safe)."""
    return boto3.session.Session().client(service, endpoint_url=url, region_name=region,
                                          aws_access_key_id=auth.ACCESS_KEY_ID,
                                          aws_secret_access_key=auth.SECRET_ACCESS_KEY, config=_CONFIG)


def bucket_policy(bucket: str, prefix: str | None, account: str = ACCOUNT, region: str = "us-east-1") -> dict:
    """AWS's AmazonBedrockLogsWrite statement (model-invocation-logging.html), for ``bucket`` and ``prefix``."""
    root = f"{prefix.rstrip('/')}/" if prefix and prefix.rstrip("/") else ""  # a trailing "/" is not doubled
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AmazonBedrockLogsWrite", "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"},
        "Action": ["s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/{root}AWSLogs/{account}/BedrockModelInvocationLogs/*"],
        "Condition": {"StringEquals": {"aws:SourceAccount": account},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{region}:{account}:*"}}}]}


def trust_policy(account: str = ACCOUNT, region: str = "us-east-1") -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{region}:{account}:*"}}}]}


def role_policy(group: str, account: str = ACCOUNT, region: str = "us-east-1") -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{LOG_STREAM}"}]}


def tag() -> str:
    return uuid.uuid4().hex[:12]


def wait_for(find: Callable[[], Any], timeout: float = 5.0) -> Any:
    """``find()`` once it returns something truthy."""
    deadline = time.monotonic() + timeout
    while not (found := find()):
        assert time.monotonic() < deadline, "nothing appeared"
        time.sleep(0.02)
    return found


def only_record(data: bytes, key: str = "") -> dict[str, Any]:
    """The one JSON record a ``.json.gz`` object holds (gzip, one line)."""
    assert data[:2] == b"\x1f\x8b", f"{key} is not gzip"
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    assert len(lines) == 1, f"{key} holds {len(lines)} lines"
    return json.loads(lines[0])


@dataclass
class Destinations:
    """A bucket (+ prefix), a log group and a role of one test's own, in the offline services of ``emu``."""

    emu: Emulator
    bucket: str | None
    prefix: str | None
    group: str | None
    role_arn: str | None
    region: str = "us-east-1"
    s3: Any = field(init=False, repr=False)
    logs: Any = field(init=False, repr=False)
    cloudwatch_on: bool = field(init=False, default=True)  # whether the last config() named the log group

    def __post_init__(self) -> None:
        self.s3, self.logs = aws_client(self.emu, "s3", self.region), aws_client(self.emu, "logs", self.region)

    def config(self, text: bool = True, s3: bool = True, cloudwatch: bool = True) -> dict[str, Any]:
        config: dict[str, Any] = {"textDataDeliveryEnabled": text, "imageDataDeliveryEnabled": False,
                                  "embeddingDataDeliveryEnabled": False}
        if s3 and self.bucket:
            config["s3Config"] = {"bucketName": self.bucket}
            if self.prefix is not None:
                config["s3Config"]["keyPrefix"] = self.prefix
        if cloudwatch and self.group:
            config["cloudWatchConfig"] = {"logGroupName": self.group, "roleArn": self.role_arn}
        self.cloudwatch_on = bool(cloudwatch and self.group)
        return config

    # --- S3 --------------------------------------------------------------------------------------------------

    @property
    def log_prefix(self) -> str:
        """Where Bedrock writes: ``{prefix}/AWSLogs/{account}/BedrockModelInvocationLogs/``."""
        prefix = (self.prefix or "").rstrip("/")
        return f"{prefix + '/' if prefix else ''}AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/"

    def object_keys(self, prefix: str = "") -> list[str]:
        """Every key in the bucket under ``prefix`` (list_objects_v2, all pages)."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def record_keys(self) -> list[str]:
        """The records' keys: every ``.json.gz`` under the log prefix (not the permission-check object)."""
        return [k for k in self.object_keys(self.log_prefix) if k.endswith(".json.gz")]

    def get(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def key_of(self, request_id: str) -> str:
        found = wait_for(lambda: [k for k in self.record_keys() if k.endswith(f"_{request_id}.json.gz")])
        assert len(found) == 1, found
        return found[0]

    def s3_records(self) -> dict[str, dict[str, Any]]:
        """Every record in the bucket, by key."""
        return {key: only_record(self.get(key), key) for key in self.record_keys()}

    # --- CloudWatch Logs -------------------------------------------------------------------------------------

    def events(self, filter_pattern: str | None = None) -> list[dict[str, Any]]:
        """The group's events (filter_log_events, all pages), oldest first."""
        kwargs: dict[str, Any] = {"logGroupName": self.group}
        if filter_pattern:
            kwargs["filterPattern"] = filter_pattern
        pages = self.logs.get_paginator("filter_log_events").paginate(**kwargs)
        return [event for page in pages for event in page.get("events", [])]

    def cloudwatch(self) -> list[dict[str, Any]]:
        """The records in the log group, oldest first."""
        return [json.loads(event["message"]) for event in self.events()]

    def record(self, request_id: str) -> dict[str, Any]:
        """The S3 record of one request, checked to be the very record CloudWatch got (when both are on)."""
        record = only_record(self.get(self.key_of(request_id)))
        if self.cloudwatch_on:
            assert [r for r in self.cloudwatch() if r["requestId"] == request_id] == [record]
        return record


def destinations(emu: Emulator, *, s3: bool = True, cloudwatch: bool = True, prefix: str | None = "bedrock",
                 region: str = "us-east-1", bucket: str | None = None, group: str | None = None,
                 policy: dict | None = None, trust: dict | None = None, permissions: dict | None = None,
                 ) -> Destinations:
    """Create the destinations as AWS's documentation has a learner create them (or as ``policy``, ``trust`` and
    ``permissions`` say, to test refusals; ``{}`` leaves one out). Nothing is configured in Bedrock yet."""
    name = tag()
    bucket = (bucket or f"logs-{name}") if s3 else None
    group = (group or f"/aws/bedrock/test-{name}") if cloudwatch else None
    role_arn = None
    if bucket:
        s3_client = aws_client(emu, "s3", region)
        if region == "us-east-1":
            s3_client.create_bucket(Bucket=bucket)
        else:
            s3_client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        document = bucket_policy(bucket, prefix, region=region) if policy is None else policy
        if document:
            s3_client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
    if group:
        aws_client(emu, "logs", region).create_log_group(logGroupName=group)
        iam = aws_client(emu, "iam")
        role_name = f"BedrockLogging-{name}"
        role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(
            trust_policy(region=region) if trust is None else trust))["Role"]["Arn"]
        document = role_policy(group, region=region) if permissions is None else permissions
        if document:
            iam.put_role_policy(RoleName=role_name, PolicyName="WriteInvocationLogs",
                                PolicyDocument=json.dumps(document))
    return Destinations(emu, bucket, prefix, group, role_arn, region)
