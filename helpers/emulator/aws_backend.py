"""The emulator's own boto3 clients to the offline AWS services (moto, aws_services.py).

Bedrock reads and writes the learner's S3 buckets, CloudWatch log groups and IAM roles itself: it delivers
invocation logs, reads batch input and writes batch output, and checks policies before it accepts either.
Offline, the emulator does the same through moto's real HTTP API, signed like any client, so what a learner's
``list_objects_v2`` or ``filter_log_events`` reads is exactly what the emulator wrote. Everything here runs in
worker threads (boto3 clients are thread-safe), never on the event loop.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from . import auth, iam_policy

_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
LOG_STREAM = "aws/bedrock/modelinvocations"  # the one stream Bedrock writes to (bedrock-wire-spec.md §4.5, M)


class AwsUnavailable(RuntimeError):
    """moto is not installed: the offline S3, CloudWatch Logs and IAM are missing."""


class PolicyNotJson(Exception):
    """A bucket policy that is not a JSON object (the policy text is the argument)."""


@dataclass(frozen=True)
class Role:
    """An IAM role as Bedrock sees it: its trust policy and every permission policy attached to it."""

    arn: str
    trust: dict[str, Any]
    policies: list[dict[str, Any]] = field(default_factory=list)


class AwsBackend:
    """Signed boto3 clients to one offline AWS services server (``url``), cached per service and region."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._streams: set[tuple[str, str, str]] = set()  # (region, group, stream) known to exist

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                import boto3
                from botocore.config import Config

                session = boto3.session.Session(aws_access_key_id=auth.ACCESS_KEY_ID,
                                                aws_secret_access_key=auth.SECRET_ACCESS_KEY, region_name=region)
                config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                                s3={"addressing_style": "path"}, max_pool_connections=20)
                found = self._clients[(service, region)] = session.client(service, endpoint_url=self.url,
                                                                          config=config)
            return found

    # --- S3 -----------------------------------------------------------------------------------------------

    def bucket_region(self, bucket: str) -> str | None:
        """The bucket's region, or None when there is no such bucket (moto keeps one namespace, as S3 does)."""
        from botocore.exceptions import ClientError

        try:
            location = self.client("s3", "us-east-1").get_bucket_location(Bucket=bucket)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchBucket", "404", "NotFound"):
                return None
            raise
        return location.get("LocationConstraint") or "us-east-1"  # S3 reports us-east-1 as no constraint

    def bucket_policy(self, bucket: str) -> dict[str, Any] | None:
        """The bucket's policy document, or None when it has none (or the bucket does not exist).

        Raises PolicyNotJson when the stored policy is not a JSON object: S3 refuses such a policy, but moto
        stores any text (``Policy="not json {"``), and "no policy" would send a learner looking for the wrong
        mistake."""
        from botocore.exceptions import ClientError

        try:
            text = self.client("s3", "us-east-1").get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchBucketPolicy", "NoSuchBucket"):
                return None
            raise
        policy = iam_policy.document(text)
        if policy is None:
            raise PolicyNotJson(text)
        return policy

    def put_object(self, bucket: str, key: str, data: bytes | BinaryIO, region: str,
                   content_type: str = "application/octet-stream") -> None:
        self.client("s3", region).put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)

    def head_object(self, bucket: str, key: str, region: str) -> int | None:
        """The object's size, or None when it does not exist."""
        from botocore.exceptions import ClientError

        try:
            return int(self.client("s3", region).head_object(Bucket=bucket, Key=key)["ContentLength"])
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                return None
            raise

    def get_object_stream(self, bucket: str, key: str, region: str) -> BinaryIO:
        """The object's body as a stream (read it in pieces: a batch input file may be large)."""
        return self.client("s3", region).get_object(Bucket=bucket, Key=key)["Body"]

    def list_keys(self, bucket: str, prefix: str, region: str) -> list[tuple[str, int]]:
        """Every (key, size) under ``prefix``, in S3's order (UTF-8 binary order of the keys)."""
        paginator = self.client("s3", region).get_paginator("list_objects_v2")
        return [(item["Key"], int(item["Size"])) for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
                for item in page.get("Contents", [])]

    # --- IAM ----------------------------------------------------------------------------------------------

    def role(self, arn: str) -> Role | None:
        """The role an ARN names with its trust and permission policies, or None if there is no such role.

        Only roles of the emulator's account and partition exist (moto's default account is the same,
        123456789012). The ARN must be the role's own, path included: IAM looks a role up by name, but an ARN
        with another path (or partition) names a role that does not exist."""
        from botocore.exceptions import ClientError

        parts = arn.split(":", 5)
        if (len(parts) != 6 or parts[:5] != ["arn", auth.PARTITION, "iam", "", auth.ACCOUNT_ID]
                or not parts[5].startswith("role/")):
            return None
        name = parts[5].rsplit("/", 1)[-1]
        if not _ROLE_NAME.fullmatch(name):  # IAM's RoleName (botocore's iam model: [\w+=,.@-]+, 1-64)
            return None
        iam = self.client("iam", "us-east-1")
        try:
            found = iam.get_role(RoleName=name)["Role"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return None
            raise
        if found.get("Arn") != arn:
            return None
        return Role(found["Arn"], _policy(found.get("AssumeRolePolicyDocument")), list(self._role_policies(iam, name)))

    @staticmethod
    def _role_policies(iam: Any, name: str) -> Iterator[dict[str, Any]]:
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy_name in page.get("PolicyNames", []):
                yield _policy(iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"])
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for attached in page.get("AttachedPolicies", []):
                policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
                version = iam.get_policy_version(PolicyArn=attached["PolicyArn"],
                                                 VersionId=policy["DefaultVersionId"])["PolicyVersion"]
                yield _policy(version["Document"])

    # --- CloudWatch Logs ----------------------------------------------------------------------------------

    def log_group_exists(self, name: str, region: str) -> bool:
        logs = self.client("logs", region)
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name):
            if any(group.get("logGroupName") == name for group in page.get("logGroups", [])):
                return True
        return False

    def put_log_event(self, group: str, stream: str, message: str, timestamp_ms: int, region: str) -> None:
        """One event in ``group``/``stream``; the stream is created the first time (as Bedrock does)."""
        from botocore.exceptions import ClientError

        logs = self.client("logs", region)
        if (region, group, stream) not in self._streams:
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                    raise
            self._streams.add((region, group, stream))
        try:
            logs.put_log_events(logGroupName=group, logStreamName=stream,
                                logEvents=[{"timestamp": timestamp_ms, "message": message}])
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                self._streams.discard((region, group, stream))  # deleted since: created again next time
            raise


def _policy(document: Any) -> dict[str, Any]:
    """A policy document as IAM returns it (boto3 decodes it to a dict, or URL-encoded JSON text); IAM refuses
    malformed documents, so an unreadable one, which grants nothing, cannot come from it."""
    return iam_policy.document(document) or {}


def start_services() -> tuple[Any, AwsBackend]:
    """The process's offline AWS services (started if needed) and a backend that talks to them."""
    try:
        from . import aws_services

        services = aws_services.start()
    except ImportError as e:
        raise AwsUnavailable("The offline S3, CloudWatch Logs and IAM need moto: pip install 'moto[server]>=5.2.5' "
                             f"(or pip install -r requirements.txt). ({e})") from None
    return services, AwsBackend(services.url)


__all__ = ["LOG_STREAM", "AwsBackend", "AwsUnavailable", "PolicyNotJson", "Role", "start_services"]
