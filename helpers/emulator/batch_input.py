"""A batch job's input and output in S3: where the files are, what the service role may do, each line as a record.

Everything here runs in the job's worker thread and reads S3 as a stream, one line at a time: memory stays
bounded by the longest record, whatever the size of the input. A problem found here fails the job while it is
Validating (``JobFailed``); AWS documents that these checks happen then, but not their messages, so every
message here is [emulator wording] (I-facts Q2: "not found").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import catalog
from . import anthropic_body, errors, iam_policy
from .auth import ACCOUNT_ID

BEDROCK_SERVICE = "bedrock.amazonaws.com"
READ_CHUNK = 1 << 20  # bytes read from S3 at a time
# A record is one request body: InvokeModel's limit on one (botocore: body max 25,000,000 bytes, H) bounds a line.
MAX_RECORD_BYTES = catalog.general("invoke_body_wire_bytes").value
_BUCKET = re.compile(r"^[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]$")
# [emulator limit]: blank lines are skipped, but a file of little else (a 1 GB file of "\n" is 10^9 of them) is
# refused once it holds this many, so a job cannot spend its time reading nothing. AWS's limit was not found.
MAX_BLANK_LINES = 1_000_000
_BLANK_RUN = re.compile(rb"[ \t\r\x0b\x0c\n]*\n")  # whole blank lines from a line start (bytes.strip()'s spaces)
_NOT_BLANK = re.compile(rb"[^ \t\r\x0b\x0c]")


class JobFailed(Exception):
    """Validation found a problem: the job ends Failed with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str  # "" for the bucket itself

    @classmethod
    def parse(cls, uri: str) -> S3Location | None:
        """``s3://bucket/key`` split, or None when it is not an S3 URI with a valid bucket name."""
        if not uri.startswith("s3://"):
            return None
        bucket, _, key = uri[5:].partition("/")
        return cls(bucket, key) if _BUCKET.match(bucket) else None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class InputFile:
    key: str
    size: int
    out_name: str  # the key below the input prefix (the file name for a single file): output is <out_name>.out

    def uri(self, bucket: str) -> str:
        return f"s3://{bucket}/{self.key}"


@dataclass(frozen=True)
class Record:
    record_id: str | None
    model_input: dict[str, Any]


def context(job_arn: str, prefix: str | None = None) -> dict[str, str]:
    """The request context of Bedrock acting for the job (what the documented trust and S3 policies test);
    ``prefix`` is ListBucket's ``s3:prefix`` (the key the input URI names)."""
    found = {**iam_policy.SERVICE_CONTEXT, "aws:SourceAccount": ACCOUNT_ID, "aws:SourceArn": job_arn,
             "aws:ResourceAccount": ACCOUNT_ID, "aws:PrincipalAccount": ACCOUNT_ID}
    if prefix is not None:
        found["s3:prefix"] = prefix
    return found


def check_role(aws: Any, role_arn: str, job_arn: str) -> list[dict[str, Any]]:
    """The role's permission policies, once it exists and trusts Bedrock for this job."""
    role = aws.role(role_arn)
    if role is None:
        raise JobFailed(f"The service role {role_arn} was not found in account {ACCOUNT_ID}. Create the role, "
                        "or give the ARN of an existing one.")
    if not iam_policy.role_trusts(role.trust, BEDROCK_SERVICE, context(job_arn)):
        raise JobFailed(f"Amazon Bedrock could not assume the service role {role_arn}: its trust policy must let "
                        f"the service principal {BEDROCK_SERVICE} perform sts:AssumeRole (with conditions on "
                        f"aws:SourceAccount and aws:SourceArn, they must match account {ACCOUNT_ID} and {job_arn}).")
    return role.policies


def require(policies: list[dict[str, Any]], role_arn: str, job_arn: str, action: str, resource: str,
            prefix: str | None = None) -> None:
    if not iam_policy.allows(policies, action=action, resource=resource, context=context(job_arn, prefix)):
        raise JobFailed(f"The service role {role_arn} is not allowed to perform {action} on {resource}. Add it to "
                        "the role's permissions policy.")


def bucket_region(aws: Any, bucket: str, what: str) -> str:
    region = aws.bucket_region(bucket)
    if region is None:
        raise JobFailed(f"The {what} S3 bucket {bucket} does not exist.")
    return region


def input_files(aws: Any, where: S3Location, region: str) -> list[InputFile]:
    """The .jsonl files the input URI names: one object, or every .jsonl object below a prefix."""
    key = where.key
    if key.endswith(".jsonl"):
        size = aws.head_object(where.bucket, key, region)
        if size is None:
            raise JobFailed(f"The input file {where.uri} was not found.")
        return [InputFile(key, size, key.rsplit("/", 1)[-1])]
    if key and not key.endswith("/"):
        size = aws.head_object(where.bucket, key, region)
        if size is not None:  # an object, not a folder
            raise JobFailed(f"The input file {where.uri} must be a JSONL file whose name ends in .jsonl.")
        key += "/"
    found = sorted((k, s) for k, s in aws.list_keys(where.bucket, key, region) if k.endswith(".jsonl"))
    if not found:
        raise JobFailed(f"No .jsonl file was found under {where.uri}. Upload the records as a JSONL file whose "
                        "name ends in .jsonl.")
    return [InputFile(k, s, k[len(key):]) for k, s in found]


def lines(stream: Any, uri: str, limit: int = MAX_RECORD_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line holding more than spaces; ``None`` for a line longer than ``limit``
    (not kept). Runs of blank lines are skipped a chunk at a time (in C, not a Python step per line); past
    MAX_BLANK_LINES of them the file is refused (JobFailed)."""
    number, blanks, buffer, too_long = 0, 0, bytearray(), False

    def skipped(count: int) -> None:
        nonlocal number, blanks
        number, blanks = number + count, blanks + count
        if blanks > MAX_BLANK_LINES:
            raise JobFailed(f"The input file {uri} holds more than {MAX_BLANK_LINES:,} blank lines. Remove them: "
                            "each line of a JSONL file must be one record.")

    while chunk := stream.read(READ_CHUNK):
        start = 0
        while True:
            if not buffer and not too_long and (run := _BLANK_RUN.match(chunk, start)):
                skipped(chunk.count(b"\n", start, run.end()))
                start = run.end()
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if not too_long:
                buffer += chunk[start:end]
            if too_long or len(buffer) > limit:
                number += 1
                yield number, None
            elif _NOT_BLANK.search(buffer):
                number += 1
                yield number, bytes(buffer)
            else:  # a blank line that began in the previous chunk
                skipped(1)
            buffer.clear()
            too_long = False
            start = end + 1
        if not too_long:
            buffer += chunk[start:]
            if len(buffer) > limit:
                buffer.clear()
                too_long = True
    if too_long or _NOT_BLANK.search(buffer):
        yield number + 1, (None if too_long else bytes(buffer))


def parse(line: bytes, number: int, uri: str) -> Record | None:
    """The record on one line (None for a blank line), or JobFailed saying what is wrong with it."""
    where = f"Line {number} of {uri}"
    if number == 1 and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]  # a UTF-8 byte-order mark
    if not line.strip():
        return None
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        raise JobFailed(f"{where} is not valid UTF-8 text.") from None
    try:
        value = anthropic_body.parse_json(line)
    except errors.BedrockError:
        raise JobFailed(f"{where} is not valid JSON. Each line of a JSONL file must be one JSON object such as "
                        '{"recordId": "CALL0000001", "modelInput": {...}}.') from None
    if not isinstance(value, dict):
        raise JobFailed(f"{where} is not a JSON object. Each line must be one record such as "
                        '{"recordId": "CALL0000001", "modelInput": {...}}.')
    if not isinstance(value.get("modelInput"), dict):
        raise JobFailed(f"{where} has no modelInput object: each record needs \"modelInput\", the request body "
                        "for the model.")
    record_id = value.get("recordId")
    if record_id is not None and (not isinstance(record_id, str) or not record_id):
        raise JobFailed(f"{where} has a recordId that is not a non-empty string.")
    return Record(record_id, value["modelInput"])


def too_long(number: int, uri: str) -> JobFailed:
    return JobFailed(f"Line {number} of {uri} is longer than {MAX_RECORD_BYTES:,} bytes, the largest request body "
                     "a record may hold.")
