"""Soak batch inference: one large job through the emulator and its offline S3 (moto), end to end.

Starts an emulator in this process, uploads a JSONL of ``--records`` records (InvokeModel bodies, or
Converse ones) to its S3, creates the service role, submits the job with boto3, moves the emulator's clock
ahead so its paced statuses never hold the work back, waits for the job to finish, then streams every
``.jsonl.out`` line back and checks it against the input.

    .venv/bin/python bench/batch_soak.py                       # 10,000 records
    .venv/bin/python bench/batch_soak.py --records 500         # a quick check
    .venv/bin/python bench/batch_soak.py --invocation-type Converse

Prints wall time (submit to finished), records per second, peak RSS of this process (emulator, moto and
client together; ru_maxrss), and records lost: input records minus output lines, and recordIds missing from
the output (goal: 0 and 0). Exits 1 if a record was lost or the job did not end Completed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from shared import PROFILE  # noqa: E402  (bench/shared.py: this folder is on sys.path)

from helpers import emulator  # noqa: E402
from helpers.batch_jobs import FINISHED, job_id  # noqa: E402

BUCKET = "batch-soak"
INPUT_KEY = "input/soak.jsonl"
ROLE_NAME = "BatchSoakRole"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def record(number: int, invocation_type: str) -> dict[str, Any]:
    text = f"Record {number}: label the topic of sentence number {number} of the quarterly report."
    if invocation_type == "Converse":
        body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": text}]}],
                                "inferenceConfig": {"maxTokens": 64}}
    else:
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                "messages": [{"role": "user", "content": text}]}
    return {"recordId": f"SOAK{number:08d}", "modelInput": body}


def policies(account: str, region: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """AWS's documented batch service role: trust for bedrock.amazonaws.com, S3 read and write (I-facts Q5)."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account},
                      "ArnEquals": {"aws:SourceArn": f"arn:aws:bedrock:{region}:{account}:model-invocation-job/*"}}}]}
    s3_access = {"Version": "2012-10-17", "Statement": [{
        "Sid": "S3Access", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}]}
    return trust, s3_access


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def point_clients_at(emu: emulator.Emulator, home: str) -> None:
    """The environment a learner's kernel gets from connect(): every client reaches the emulator or moto."""
    for name in (*emulator.CONFLICTING_ENV, "AWS_ENDPOINT_URL", "ANTHROPIC_BEDROCK_BASE_URL"):
        os.environ.pop(name, None)
    os.environ.update(AWS_CONFIG_FILE=f"{home}/config", AWS_SHARED_CREDENTIALS_FILE=f"{home}/credentials")
    os.environ.update(emu.env)


def read_outputs(s3: Any, prefix: str) -> tuple[int, Counter[str], int, dict[str, Any] | None]:
    """Stream every output line: (lines, lines per recordId, error lines, the manifest)."""
    lines, errors, ids, manifest = 0, 0, Counter(), None
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"]
            if obj["Key"].endswith("manifest.json.out"):
                manifest = json.loads(body.read())
                continue
            for line in body.iter_lines():
                result = json.loads(line)
                lines += 1
                ids[result["recordId"]] += 1
                errors += "error" in result
    return lines, ids, errors, manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="records in the job (default 10,000)")
    parser.add_argument("--invocation-type", choices=("InvokeModel", "Converse"), default="InvokeModel")
    parser.add_argument("--advance", type=int, default=10,
                        help="seconds the emulator's clock moves ahead at each poll (default 10)")
    parser.add_argument("--poll", type=float, default=0.25, help="seconds between GetModelInvocationJob calls")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    args = parser.parse_args()

    emu = emulator.start()
    home = tempfile.mkdtemp(prefix="batch-soak-")
    point_clients_at(emu, home)
    region, account = emu.region, emulator.auth.ACCOUNT_ID
    s3 = boto3.client("s3", region_name=region, config=NO_RETRY)
    iam = boto3.client("iam", config=NO_RETRY)
    bedrock = boto3.client("bedrock", region_name=region, config=NO_RETRY)

    s3.create_bucket(Bucket=BUCKET)
    data = b"".join(json.dumps(record(n, args.invocation_type)).encode() + b"\n" for n in range(args.records))
    s3.put_object(Bucket=BUCKET, Key=INPUT_KEY, Body=data)
    input_bytes = len(data)
    del data
    trust, s3_access = policies(account, region)
    role_arn = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="S3Access", PolicyDocument=json.dumps(s3_access))
    rss_before = peak_rss_mb()
    print(f"{args.records:,} {args.invocation_type} records, {input_bytes:,} bytes, model {PROFILE}; "
          f"peak RSS before the job {rss_before:,.0f} MB", flush=True)

    started = time.perf_counter()
    job_arn = bedrock.create_model_invocation_job(
        jobName=f"soak-{int(time.time())}", modelId=PROFILE, roleArn=role_arn,
        modelInvocationType=args.invocation_type, timeoutDurationInHours=168,
        inputDataConfig={"s3InputDataConfig": {"s3Uri": f"s3://{BUCKET}/{INPUT_KEY}", "s3InputFormat": "JSONL"}},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{BUCKET}/output/"}})["jobArn"]
    advanced, statuses = 0, []
    while True:
        job = bedrock.get_model_invocation_job(jobIdentifier=job_arn)
        if not statuses or statuses[-1] != job["status"]:
            statuses.append(job["status"])
            print(f"  {time.perf_counter() - started:7.1f} s  {job['status']:<18} "
                  f"{job.get('processedRecordCount', 0):>7,} / {job.get('totalRecordCount', 0):,}", flush=True)
        if job["status"] in FINISHED:
            break
        if time.perf_counter() - started > args.timeout:
            print(f"gave up after {args.timeout:.0f} s in {job['status']}")
            return 1
        emu.advance_clock(args.advance)  # the emulator paces statuses and records on its clock: keep it ahead
        advanced += args.advance
        time.sleep(args.poll)
    wall = time.perf_counter() - started

    lines, ids, errors, manifest = read_outputs(s3, f"output/{job_id(job_arn)}/")
    expected = {record(n, args.invocation_type)["recordId"] for n in range(args.records)}
    missing = len(expected - set(ids))
    duplicated = sum(1 for count in ids.values() if count > 1)
    unknown = len(set(ids) - expected)
    emu.stop()

    print(f"status:        {job['status']}{' - ' + job['message'] if job.get('message') else ''}")
    print(f"wall time:     {wall:,.1f} s (submit to {job['status']}; clock moved {advanced:,} s ahead)")
    print(f"records/s:     {args.records / wall:,.0f}")
    print(f"peak RSS:      {peak_rss_mb():,.0f} MB (before the job: {rss_before:,.0f} MB)")
    print(f"output lines:  {lines:,} ({errors:,} with error); manifest: {manifest}")
    print(f"records lost:  {args.records - lines:,} (input minus output lines), {missing:,} recordIds missing, "
          f"{duplicated:,} duplicated, {unknown:,} unknown")
    ok = job["status"] == "Completed" and lines == args.records and not (missing or duplicated or unknown)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
