"""What notebook 10 relies on: batch_jobs.watch / split / job_id (watch through real boto3 against the emulator and
its offline S3 and IAM; helpers.progress itself: tests/test_progress.py)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from helpers import catalog
from helpers.batch_jobs import FINISHED, job_id, split, watch
from helpers.emulator import auth

MODEL_ID = catalog.lesson("10").profile_id("us")


# --- batch_jobs.split and job_id --------------------------------------------------------------------------------

def test_split_keeps_order_within_record_and_byte_limits() -> None:
    lines = [f'{{"recordId": "R{n:03d}"}}' for n in range(10)]  # 20 bytes each, 21 with the newline
    assert split(lines, max_records=4, max_bytes=10_000) == [lines[0:4], lines[4:8], lines[8:10]]
    assert split(lines, max_records=100, max_bytes=63) == [lines[0:3], lines[3:6], lines[6:9], lines[9:]]
    assert split(lines, max_records=100, max_bytes=62) == [lines[n:n + 2] for n in range(0, 10, 2)]
    assert split([], max_records=1, max_bytes=1) == []


def test_split_counts_bytes_not_characters_and_refuses_a_line_over_the_limit() -> None:
    assert split(["é" * 4, "a"], max_records=10, max_bytes=9) == [["é" * 4], ["a"]]  # 8 bytes + newline
    with pytest.raises(ValueError, match="line 2 is 11 bytes, over the 10-byte file limit"):
        split(["a", "b" * 10], max_records=10, max_bytes=10)
    with pytest.raises(ValueError, match="at least 1"):
        split(["a"], max_records=0, max_bytes=10)


def test_job_id_is_the_end_of_the_arn() -> None:
    assert job_id("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456") == "abc123def456"


# --- batch_jobs.watch, through boto3 against the emulator -------------------------------------------------------

def body(n: int) -> dict[str, Any]:
    return {"recordId": f"R{n:05d}", "modelInput": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 32,
                                                    "messages": [{"role": "user", "content": f"Hello {n}"}]}}


@pytest.fixture
def batch_setup(aws_env: dict[str, str], request: pytest.FixtureRequest) -> dict[str, Any]:
    """A bucket and AWS's documented batch service role, made with boto3 as notebook 10 makes them."""
    region, account = aws_env["AWS_DEFAULT_REGION"], auth.ACCOUNT_ID
    bucket = f"nb10-{request.node.name.replace('_', '-')[:40]}".lower()
    s3, iam = boto3.client("s3", region_name=region), boto3.client("iam")
    s3.create_bucket(Bucket=bucket)
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account},
                      "ArnEquals": {"aws:SourceArn": f"arn:aws:bedrock:{region}:{account}:model-invocation-job/*"}}}]}
    access = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}
    role = f"Nb10{abs(hash(bucket)) % 10**8}"
    try:
        arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="S3Access", PolicyDocument=json.dumps(access))
    return {"s3": s3, "bucket": bucket, "role_arn": arn, "bedrock": boto3.client("bedrock", region_name=region)}


def submit(setup: dict[str, Any], name: str, records: int) -> str:
    key = f"input/{name}.jsonl"
    setup["s3"].put_object(Bucket=setup["bucket"], Key=key,
                           Body="".join(json.dumps(body(n)) + "\n" for n in range(records)).encode())
    return setup["bedrock"].create_model_invocation_job(
        jobName=name, modelId=MODEL_ID, roleArn=setup["role_arn"],
        inputDataConfig={"s3InputDataConfig": {"s3Uri": f"s3://{setup['bucket']}/{key}"}},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{setup['bucket']}/output/"}})["jobArn"]


def test_watch_follows_jobs_to_the_end_and_returns_them_in_order(
        batch_setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    minimum = catalog.general("batch_min_records").value
    good = submit(batch_setup, "good", minimum)
    too_few = submit(batch_setup, "too-few", 3)
    jobs = watch(batch_setup["bedrock"], [good, too_few], every=0.2, timeout=120)
    assert [job["jobArn"] for job in jobs] == [good, too_few]
    assert [job["status"] for job in jobs] == ["Completed", "Failed"]
    assert jobs[0]["processedRecordCount"] == jobs[0]["totalRecordCount"] == minimum
    assert jobs[1]["message"]
    last = capsys.readouterr().out.rsplit("\r", 1)[-1]
    assert f"{minimum:>9,} / {minimum:,} processed (1 Completed, 1 Failed)" in last


def test_watch_of_one_job_shows_its_status_and_times_out_while_it_runs(batch_setup: dict[str, Any]) -> None:
    arn = submit(batch_setup, "slow", catalog.general("batch_min_records").value)
    with pytest.raises(TimeoutError, match=r"Submitted|Validating"):
        watch(batch_setup["bedrock"], arn, every=0.1, timeout=0.1)
    [job] = watch(batch_setup["bedrock"], arn, every=0.2, timeout=120)
    assert job["status"] in FINISHED and job["status"] == "Completed"
