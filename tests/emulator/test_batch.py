"""Batch inference in the emulator: real boto3 (and the AWS CLI) over HTTP against the emulator and its offline
S3 and IAM (moto), configured only by the emulator's environment."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import MODEL, MODEL_US, NO_RETRY, SMALL, error_of, signed_request
from helpers import catalog
from helpers.emulator import Emulator, auth, batch_input, batch_worker

pytest.importorskip("moto", reason="moto[server] is not installed (requirements.txt)")

ACCOUNT = auth.ACCOUNT_ID
FINISHED = {"Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"}
ORDER = ["Submitted", "Validating", "Scheduled", "InProgress", "Completed"]
MIN_RECORDS = catalog.general("batch_min_records").value
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                  "ArnEquals": {"aws:SourceArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/*"}}}]}


def invoke_body(text: str, **extra: Any) -> dict[str, Any]:
    return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
            "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}], **extra}


def converse_body(text: str, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": [{"text": text}]}], "inferenceConfig": {"maxTokens": 64},
            **extra}


def records(n: int, body: Any = invoke_body, prefix: str = "REC") -> list[dict[str, Any]]:
    return [{"recordId": f"{prefix}{i:08d}", "modelInput": body(f"Summarise ticket {i}.")} for i in range(n)]


def jsonl(items: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(item).encode() + b"\n" for item in items)


@dataclass
class Batch:
    """A fresh bucket and a service role that may read and write it, with the clients to use them."""

    emulator: Emulator
    s3: Any
    iam: Any
    bedrock: Any
    runtime: Any
    bucket: str
    role_arn: str

    def put(self, key: str, data: bytes | list[dict[str, Any]]) -> str:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data if isinstance(data, bytes) else jsonl(data))
        return f"s3://{self.bucket}/{key}"

    def create(self, input_uri: str, **extra: Any) -> str:
        params = {"jobName": f"job-{uuid.uuid4().hex[:8]}", "roleArn": self.role_arn, "modelId": MODEL_US,
                  "inputDataConfig": {"s3InputDataConfig": {"s3Uri": input_uri}},
                  "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"s3://{self.bucket}/out/"}}, **extra}
        return self.bedrock.create_model_invocation_job(**params)["jobArn"]

    def get(self, arn: str) -> dict[str, Any]:
        job = self.bedrock.get_model_invocation_job(jobIdentifier=arn)
        del job["ResponseMetadata"]
        return job

    def finish(self, arn: str, step: int = 10, limit: float = 60.0, seen: list[str] | None = None) -> dict[str, Any]:
        """Move the emulator's clock on until the job has finished; its last Get (every status to ``seen``)."""
        deadline = time.monotonic() + limit
        while (job := self.get(arn))["status"] not in FINISHED:
            _note(seen, job)
            assert time.monotonic() < deadline, job
            self.emulator.advance_clock(step)
            time.sleep(0.02)
        _note(seen, job)
        return job

    def wait_for(self, arn: str, predicate: Any, limit: float = 30.0, seen: list[str] | None = None
                 ) -> dict[str, Any]:
        """Poll (real time, no clock moves) until ``predicate(job)`` (every status to ``seen``)."""
        deadline = time.monotonic() + limit
        while not predicate(job := self.get(arn)):
            _note(seen, job)
            assert time.monotonic() < deadline, job
            time.sleep(0.02)
        _note(seen, job)
        return job

    def outputs(self, arn: str, prefix: str = "out/") -> dict[str, bytes]:
        folder = f"{prefix}{arn.rsplit('/', 1)[1]}/"
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=folder).get("Contents", [])
        return {o["Key"][len(folder):]: self.s3.get_object(Bucket=self.bucket, Key=o["Key"])["Body"].read()
                for o in listed}


def _note(seen: list[str] | None, job: dict[str, Any]) -> None:
    if seen is not None and (not seen or seen[-1] != job["status"]):
        seen.append(job["status"])


def lines_of(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines()]


def make_role(iam: Any, name: str, bucket: str, trust: dict[str, Any] = TRUST,
              actions: tuple[str, ...] = ("s3:GetObject", "s3:PutObject", "s3:ListBucket"), path: str = "/",
              statements: list[dict[str, Any]] | None = None) -> str:
    arn = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    statements = statements or [{"Sid": "S3Access", "Effect": "Allow", "Action": list(actions),
                                 "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]
    iam.put_role_policy(RoleName=name, PolicyName="S3Access", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": statements}))
    return arn


@pytest.fixture
def batch(emulator: Emulator, aws_env: dict[str, str]) -> Iterator[Batch]:
    session = boto3.Session()
    s3, iam = session.client("s3"), session.client("iam")
    bucket = f"batch-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    role_arn = make_role(iam, f"BatchRole-{bucket}", bucket)
    yield Batch(emulator, s3, iam, session.client("bedrock", config=NO_RETRY),
                session.client("bedrock-runtime", config=NO_RETRY), bucket, role_arn)


# --- happy paths ----------------------------------------------------------------------------------------------

class TestInvokeModelJob:
    def test_records_are_answered_as_invoke_model_answers_them(self, batch: Batch) -> None:
        """Each modelOutput is InvokeModel's body for that modelInput; a body InvokeModel refuses is that record's
        error with InvokeModel's message and errorCode 400; the job still completes."""
        items = records(MIN_RECORDS + 5)
        refused = {"max_tokens": 64, "messages": [{"role": "user", "content": "no version"}]}
        items[3] = {"recordId": "NOVERSION1", "modelInput": refused}
        arn = batch.create(batch.put("in/tickets.jsonl", items))
        job = batch.finish(arn)
        assert job["status"] == "Completed"
        total = len(items)
        assert (job["totalRecordCount"], job["processedRecordCount"], job["successRecordCount"],
                job["errorRecordCount"]) == (total, total, total - 1, 1)
        out = batch.outputs(arn)
        assert set(out) == {"tickets.jsonl.out", "manifest.json.out"}
        lines = lines_of(out["tickets.jsonl.out"])
        assert [line["recordId"] for line in lines] == [item["recordId"] for item in items]
        assert [line["modelInput"] for line in lines] == [item["modelInput"] for item in items]
        assert set(lines[0]) == {"recordId", "modelInput", "modelOutput"}
        with pytest.raises(ClientError) as e:
            batch.runtime.invoke_model(modelId=MODEL_US, body=json.dumps(refused))
        assert lines[3] == {"recordId": "NOVERSION1", "modelInput": refused,
                            "error": {"errorCode": 400, "errorMessage": error_of(e)[1]}}
        direct = json.loads(batch.runtime.invoke_model(modelId=MODEL_US, body=json.dumps(items[0]["modelInput"]))
                            ["body"].read())
        first = lines[0]["modelOutput"]
        assert {k: v for k, v in first.items() if k != "id"} == {k: v for k, v in direct.items() if k != "id"}
        manifest = json.loads(out["manifest.json.out"])
        assert manifest == {"totalRecordCount": total, "processedRecordCount": total,
                            "successRecordCount": total - 1, "errorRecordCount": 1,
                            "inputTokenCount": sum(line["modelOutput"]["usage"]["input_tokens"]
                                                   for line in lines if "modelOutput" in line),
                            "outputTokenCount": sum(line["modelOutput"]["usage"]["output_tokens"]
                                                    for line in lines if "modelOutput" in line)}

    def test_get_describes_the_job(self, batch: Batch) -> None:
        uri = batch.put("in/a.jsonl", records(MIN_RECORDS))
        arn = batch.create(uri, clientRequestToken="token-1", timeoutDurationInHours=48, tags=[{"key": "k",
                                                                                             "value": "v"}])
        job_id = arn.rsplit("/", 1)[1]
        assert arn.startswith(f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/")
        assert len(job_id) == 12 and job_id.isalnum() and job_id == job_id.lower()
        first = batch.get(arn)
        assert first["status"] == "Submitted" and "totalRecordCount" not in first
        job = batch.finish(arn)
        assert batch.get(job_id) == job  # the 12-character id works as well as the ARN
        assert job["jobArn"] == arn and job["modelId"] == MODEL_US and job["roleArn"] == batch.role_arn
        assert job["clientRequestToken"] == "token-1" and job["timeoutDurationInHours"] == 48
        assert job["modelInvocationType"] == "InvokeModel"
        assert job["inputDataConfig"] == {"s3InputDataConfig": {"s3Uri": uri}}
        assert job["outputDataConfig"] == {"s3OutputDataConfig": {"s3Uri": f"s3://{batch.bucket}/out/"}}
        assert job["jobExpirationTime"] - job["submitTime"] == dt.timedelta(hours=48)
        assert job["submitTime"] <= job["lastModifiedTime"] == job["endTime"]
        assert "message" not in job

    def test_converse_job(self, batch: Batch) -> None:
        """Converse records get Converse's response body; toolConfig and bodies Converse refuses: a 400 each."""
        items = records(MIN_RECORDS, converse_body)
        tools = {"tools": [{"toolSpec": {"name": "lookup", "inputSchema": {"json": {"type": "object"}}}}]}
        items[1]["modelInput"] = converse_body("Use the tool.", toolConfig=tools)
        bad = {"messages": [{"role": "assistant", "content": [{"text": "I start."}]}]}
        items[2]["modelInput"] = bad
        arn = batch.create(batch.put("in/c.jsonl", items), modelInvocationType="Converse")
        job = batch.finish(arn)
        assert (job["status"], job["modelInvocationType"], job["errorRecordCount"]) == ("Completed", "Converse", 2)
        lines = lines_of(batch.outputs(arn)["c.jsonl.out"])
        output = lines[0]["modelOutput"]
        assert set(output) >= {"output", "stopReason", "usage", "metrics"}
        assert output["output"]["message"]["role"] == "assistant"
        direct = batch.runtime.converse(modelId=MODEL_US, **items[0]["modelInput"])
        assert output["output"] == direct["output"] and output["usage"] == direct["usage"]
        assert lines[1]["error"]["errorCode"] == 400 and "toolConfig" not in lines[1]["error"]["errorMessage"]
        assert "tool" in lines[1]["error"]["errorMessage"]
        with pytest.raises(ClientError) as e:
            batch.runtime.converse(modelId=MODEL_US, **bad)
        assert lines[2]["error"] == {"errorCode": 400, "errorMessage": error_of(e)[1]}

    def test_prefix_with_two_files(self, batch: Batch) -> None:
        """A folder: one .out per .jsonl file (others ignored), recordIds added where missing, totals across files."""
        first = records(60, prefix="A")
        second = [{"modelInput": invoke_body(f"No id {i}")} for i in range(50)]
        batch.put("in/folder/part-1.jsonl", first)
        batch.put("in/folder/part-2.jsonl", second)
        batch.put("in/folder/README.txt", b"not records")
        arn = batch.create(f"s3://{batch.bucket}/in/folder/")
        job = batch.finish(arn)
        assert (job["status"], job["totalRecordCount"], job["successRecordCount"]) == ("Completed", 110, 110)
        out = batch.outputs(arn)
        assert set(out) == {"part-1.jsonl.out", "part-2.jsonl.out", "manifest.json.out"}
        added = [line["recordId"] for line in lines_of(out["part-2.jsonl.out"])]
        assert len(set(added)) == 50 and all(isinstance(r, str) and r for r in added)
        assert json.loads(out["manifest.json.out"])["totalRecordCount"] == 110

    def test_idempotent_create(self, batch: Batch) -> None:
        uri = batch.put("in/a.jsonl", records(MIN_RECORDS))
        first = batch.create(uri, clientRequestToken="same-token", jobName="idem")
        assert batch.create(uri, clientRequestToken="same-token", jobName="idem") == first
        summaries = batch.bedrock.list_model_invocation_jobs(nameContains="idem")["invocationJobSummaries"]
        assert [s["jobArn"] for s in summaries] == [first]
        assert batch.create(uri, jobName="idem") != first  # boto3 fills a new token each call

    def test_get_by_encoded_arn_and_unknown_ids(self, batch: Batch) -> None:
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)))
        reply = signed_request(batch.emulator.url, "GET", "/model-invocation-job/" + arn.replace("/", "%2F")
                               .replace(":", "%3A"))
        assert reply.status == 200 and json.loads(reply.data)["jobArn"] == arn
        with pytest.raises(ClientError) as e:
            batch.get(arn[:-12] + "zzzzzzzzzzzz")
        assert error_of(e)[0::2] == ("ResourceNotFoundException", 404)
        with pytest.raises(ClientError) as e:
            batch.get(arn.replace("us-east-1", "us-west-2"))
        assert error_of(e)[0] == "ResourceNotFoundException"
        with pytest.raises(ClientError) as e:
            batch.get("not-a-job")
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        assert message.startswith("1 validation error detected: Value 'not-a-job' at 'jobIdentifier' failed to "
                                  "satisfy constraint: Member must satisfy regular expression pattern: ")


class TestList:
    def test_filters_sorting_and_pages(self, batch: Batch) -> None:
        uri = batch.put("in/a.jsonl", records(MIN_RECORDS))
        tag = uuid.uuid4().hex[:6]
        arns = []
        for i in range(5):
            arns.append(batch.create(uri, jobName=f"list-{tag}-{i}"))
            batch.emulator.advance_clock(1)
        mine = batch.bedrock.list_model_invocation_jobs(nameContains=tag)["invocationJobSummaries"]
        assert [s["jobArn"] for s in mine] == arns[::-1]  # newest first by default
        assert set(mine[0]) >= {"jobArn", "jobName", "modelId", "roleArn", "submitTime", "inputDataConfig",
                                "outputDataConfig", "status"}
        ascending = batch.bedrock.list_model_invocation_jobs(nameContains=tag, sortBy="CreationTime",
                                                             sortOrder="Ascending")["invocationJobSummaries"]
        assert [s["jobArn"] for s in ascending] == arns
        page = batch.bedrock.list_model_invocation_jobs(nameContains=tag, maxResults=2)
        assert len(page["invocationJobSummaries"]) == 2 and page["nextToken"]
        pages = batch.bedrock.get_paginator("list_model_invocation_jobs").paginate(
            nameContains=tag, PaginationConfig={"PageSize": 2})
        assert [s["jobArn"] for p in pages for s in p["invocationJobSummaries"]] == arns[::-1]
        middle = batch.get(arns[2])["submitTime"]
        after = batch.bedrock.list_model_invocation_jobs(nameContains=tag, submitTimeAfter=middle)
        assert [s["jobArn"] for s in after["invocationJobSummaries"]] == arns[:2:-1]
        before = batch.bedrock.list_model_invocation_jobs(nameContains=tag, submitTimeBefore=middle)
        assert [s["jobArn"] for s in before["invocationJobSummaries"]] == arns[1::-1]
        batch.bedrock.stop_model_invocation_job(jobIdentifier=arns[0])
        stopping = batch.bedrock.list_model_invocation_jobs(nameContains=tag, statusEquals="Stopping")
        assert [s["jobArn"] for s in stopping["invocationJobSummaries"]] == [arns[0]]

    @pytest.mark.parametrize("query, message", [
        ("maxResults=0", "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater "
                         "than or equal to 1"),
        ("maxResults=1001", "Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less "
                            "than or equal to 1000"),
        ("statusEquals=Done", "Value 'Done' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum "
                              "value set: [Submitted, InProgress, Completed, Failed, Stopping, Stopped, "
                              "PartiallyCompleted, Expired, Validating, Scheduled]"),
        ("sortOrder=Up", "Value 'Up' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: "
                         "[Ascending, Descending]"),
    ])
    def test_bad_parameters(self, emulator: Emulator, query: str, message: str) -> None:
        reply = signed_request(emulator.url, "GET", f"/model-invocation-jobs?{query}")
        assert reply.status == 400 and reply.headers["x-amzn-ErrorType"].startswith("ValidationException")
        assert json.loads(reply.data)["message"] == "1 validation error detected: " + message

    def test_reset_forgets_jobs(self, batch: Batch) -> None:
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)))
        batch.emulator.reset()
        assert batch.bedrock.list_model_invocation_jobs()["invocationJobSummaries"] == []
        with pytest.raises(ClientError) as e:
            batch.get(arn)
        assert error_of(e)[0] == "ResourceNotFoundException"


# --- synchronous validation -------------------------------------------------------------------------------------

def _create_body(batch: Batch, **overrides: Any) -> dict[str, Any]:
    body = {"jobName": "sync-check", "roleArn": batch.role_arn, "modelId": MODEL_US,
            "inputDataConfig": {"s3InputDataConfig": {"s3Uri": f"s3://{batch.bucket}/in/a.jsonl"}},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"s3://{batch.bucket}/out/"}}, **overrides}
    return {k: v for k, v in body.items() if v is not None}


JOB_NAME_PATTERN = r"[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}"
ROLE_PATTERN = "arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+"
ROLE = "arn:aws:iam::123456789012:role/x"


class TestCreateValidation:
    @pytest.mark.parametrize("overrides, message", [
        ({"jobName": None}, "Value null at 'jobName' failed to satisfy constraint: Member must not be null"),
        ({"jobName": "x" * 64}, f"Value '{'x' * 64}' at 'jobName' failed to satisfy constraint: Member must have "
                                "length less than or equal to 63"),
        ({"jobName": "--"}, "Value '--' at 'jobName' failed to satisfy constraint: Member must satisfy regular "
                            "expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}"),
        # The whole value must match, as on AWS: a space is refused although "weekly" alone would match,
        # and "." does not match a line break (Java's rule).
        ({"jobName": "weekly report"}, "Value 'weekly report' at 'jobName' failed to satisfy constraint: Member must "
                                       f"satisfy regular expression pattern: {JOB_NAME_PATTERN}"),
        ({"roleArn": f"{ROLE}\n"}, f"Value '{ROLE}\n' at 'roleArn' failed to satisfy constraint: Member must satisfy "
                                  f"regular expression pattern: {ROLE_PATTERN}"),
        ({"roleArn": "BatchRole"}, "Value 'BatchRole' at 'roleArn' failed to satisfy constraint: Member must satisfy "
                                   "regular expression pattern: arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+"),
        ({"timeoutDurationInHours": 23}, "Value '23' at 'timeoutDurationInHours' failed to satisfy constraint: "
                                         "Member must have value greater than or equal to 24"),
        ({"timeoutDurationInHours": 169}, "Value '169' at 'timeoutDurationInHours' failed to satisfy constraint: "
                                          "Member must have value less than or equal to 168"),
        ({"modelInvocationType": "Chat"}, "Value 'Chat' at 'modelInvocationType' failed to satisfy constraint: "
                                          "Member must satisfy enum value set: [InvokeModel, Converse]"),
        ({"inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://bucket/in.jsonl", "s3InputFormat": "CSV"}}},
         "Value 'CSV' at 'inputDataConfig.s3InputDataConfig.s3InputFormat' failed to satisfy constraint: Member "
         "must satisfy enum value set: [JSONL]"),
        ({"outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "https://example.com/out/"}}},
         "Value 'https://example.com/out/' at 'outputDataConfig.s3OutputDataConfig.s3Uri' failed to satisfy "
         "constraint: Member must satisfy regular expression pattern: "),
        ({"tags": [{"key": "k" * 129, "value": "v"}]},
         f"Value '{'k' * 129}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less "
         "than or equal to 128"),
    ], ids=["no-name", "long-name", "name-pattern", "name-with-space", "role-line-break", "role-pattern",
            "timeout-low", "timeout-high", "type", "format", "s3uri", "tag"])
    def test_member_constraints(self, batch: Batch, overrides: dict[str, Any], message: str) -> None:
        """Sent as raw signed requests: botocore checks some of these itself before sending."""
        reply = signed_request(batch.emulator.url, "POST", "/model-invocation-job",
                               json.dumps(_create_body(batch, **overrides)).encode())
        assert reply.status == 400 and reply.headers["x-amzn-ErrorType"].startswith("ValidationException")
        assert json.loads(reply.data)["message"].startswith("1 validation error detected: " + message)

    def test_several_errors_in_one_message(self, batch: Batch) -> None:
        reply = signed_request(batch.emulator.url, "POST", "/model-invocation-job", b"{}")
        message = json.loads(reply.data)["message"]
        assert reply.status == 400 and message.startswith("5 validation errors detected: Value null at 'jobName'")
        assert message.count("Member must not be null") == 5

    @pytest.mark.parametrize("model_id", ["anthropic.claude-nothing-v1:0", "global.anthropic.claude-mythos-5",
                                          "eu.anthropic.claude-sonnet-4-6", catalog.model("claude-3-haiku").base_id])
    def test_models_not_offered_for_batch(self, batch: Batch, model_id: str) -> None:
        """Unknown, not offered for batch, a profile not usable from this region, end of life: AWS's one answer."""
        with pytest.raises(ClientError) as e:
            batch.create(f"s3://{batch.bucket}/in/a.jsonl", modelId=model_id)
        assert error_of(e) == ("ValidationException", "The provided request is not valid", 400)

    def test_model_forms_accepted(self, batch: Batch) -> None:
        uri = batch.put("in/a.jsonl", records(MIN_RECORDS))
        for model_id in (MODEL.profile_id("global"), MODEL.base_id, SMALL.profile_id("us"),
                         f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{MODEL_US}"):
            assert batch.get(batch.create(uri, modelId=model_id))["modelId"] == model_id

    def test_malformed_body(self, emulator: Emulator) -> None:
        reply = signed_request(emulator.url, "POST", "/model-invocation-job", b"{not json")
        assert reply.status == 400 and reply.headers["x-amzn-ErrorType"].startswith("ValidationException")


# --- validation while Validating --------------------------------------------------------------------------------

def _fails(batch: Batch, arn: str) -> str:
    """The job's message once it has failed; it must be seen Validating first (the worker shows Validating for
    VALIDATING_SECONDS on the clock whatever the outcome, so a poll without clock moves sees it)."""
    seen: list[str] = []
    batch.emulator.advance_clock(1)  # past Submitted
    batch.wait_for(arn, lambda j: j["status"] != "Submitted", seen=seen)
    job = batch.finish(arn, step=1, seen=seen)
    assert job["status"] == "Failed", job
    assert "Validating" in seen and seen.index("Validating") < seen.index("Failed"), seen
    assert "totalRecordCount" not in job and job["endTime"] == job["lastModifiedTime"]
    return job["message"]


class TestValidationFailures:
    def test_missing_role(self, batch: Batch) -> None:
        role = f"arn:aws:iam::{ACCOUNT}:role/NoSuchRole"
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)), roleArn=role)
        assert _fails(batch, arn) == (f"The service role {role} was not found in account {ACCOUNT}. Create the role, "
                                      "or give the ARN of an existing one.")

    def test_role_bedrock_cannot_assume(self, batch: Batch) -> None:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "ec2.amazonaws.com"}}]}
        role = make_role(batch.iam, f"Ec2Role-{batch.bucket}", batch.bucket, trust=trust)
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)), roleArn=role)
        assert _fails(batch, arn).startswith(f"Amazon Bedrock could not assume the service role {role}: its trust "
                                             "policy must let the service principal bedrock.amazonaws.com perform "
                                             "sts:AssumeRole")

    def test_trust_for_another_account(self, batch: Batch) -> None:
        trust = json.loads(json.dumps(TRUST).replace(ACCOUNT, "111122223333"))
        role = make_role(batch.iam, f"OtherAcct-{batch.bucket}", batch.bucket, trust=trust)
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)), roleArn=role)
        assert "could not assume the service role" in _fails(batch, arn)

    @pytest.mark.parametrize("missing", ["s3:GetObject", "s3:ListBucket", "s3:PutObject"])
    def test_role_without_s3_permission(self, batch: Batch, missing: str) -> None:
        actions = tuple(a for a in ("s3:GetObject", "s3:PutObject", "s3:ListBucket") if a != missing)
        role = make_role(batch.iam, f"Partial-{missing[3:]}-{batch.bucket}", batch.bucket, actions=actions)
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)), roleArn=role)
        resource = {"s3:GetObject": f"arn:aws:s3:::{batch.bucket}/in/a.jsonl",
                    "s3:ListBucket": f"arn:aws:s3:::{batch.bucket}",
                    "s3:PutObject": f"arn:aws:s3:::{batch.bucket}/out/{arn[-12:]}/manifest.json.out"}[missing]
        assert _fails(batch, arn) == (f"The service role {role} is not allowed to perform {missing} on {resource}. "
                                      "Add it to the role's permissions policy.")
        assert batch.outputs(arn) == {}

    def test_missing_input(self, batch: Batch) -> None:
        arn = batch.create(f"s3://{batch.bucket}/in/nothing.jsonl")
        assert _fails(batch, arn) == f"The input file s3://{batch.bucket}/in/nothing.jsonl was not found."
        arn = batch.create(f"s3://{batch.bucket}/empty/")
        assert _fails(batch, arn).startswith(f"No .jsonl file was found under s3://{batch.bucket}/empty/.")

    def test_input_not_jsonl(self, batch: Batch) -> None:
        arn = batch.create(batch.put("in/records.json", records(MIN_RECORDS)))
        assert _fails(batch, arn) == (f"The input file s3://{batch.bucket}/in/records.json must be a JSONL file "
                                      "whose name ends in .jsonl.")

    def test_missing_buckets(self, batch: Batch) -> None:
        arn = batch.create("s3://no-such-bucket-for-batch/in.jsonl")
        assert _fails(batch, arn) == "The input S3 bucket no-such-bucket-for-batch does not exist."
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)),
                           outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://no-such-output-bucket/o/"}})
        assert "no-such-output-bucket" in _fails(batch, arn)

    def test_too_few_records(self, batch: Batch) -> None:
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS - 1)))
        assert _fails(batch, arn) == (f"The job's input holds {MIN_RECORDS - 1} records; a batch inference job needs "
                                      f"at least {MIN_RECORDS} (the Minimum number of records per batch inference "
                                      "job quota).")

    def test_too_many_records(self, batch: Batch) -> None:
        most = catalog.general("batch_max_records").value
        tiny = b'{"modelInput":{}}\n' * (most + 1)
        arn = batch.create(batch.put("in/big.jsonl", tiny))
        assert _fails(batch, arn) == (f"The input file s3://{batch.bucket}/in/big.jsonl holds more than {most:,} "
                                      "records, the most a file may hold (the Records per input file per batch "
                                      "inference job quota).")

    @pytest.mark.parametrize("line, problem", [
        (b"{not json", "is not valid JSON."),
        (b"[1, 2]", "is not a JSON object."),
        (b'{"recordId": "X1"}', "has no modelInput object"),
        (b'{"recordId": "X1", "modelInput": "text"}', "has no modelInput object"),
        (b'{"recordId": 7, "modelInput": {}}', "has a recordId that is not a non-empty string."),
        (b'{"modelInput": {"x": "\xff\xfe"}}', "is not valid UTF-8 text."),
    ], ids=["json", "array", "no-input", "input-text", "record-id", "utf8"])
    def test_malformed_line(self, batch: Batch, line: bytes, problem: str) -> None:
        data = jsonl(records(MIN_RECORDS)[:50]) + line + b"\n" + jsonl(records(MIN_RECORDS)[50:])
        arn = batch.create(batch.put("in/bad.jsonl", data))
        assert _fails(batch, arn).startswith(f"Line 51 of s3://{batch.bucket}/in/bad.jsonl {problem}")

    def test_failure_comes_after_validating(self, batch: Batch) -> None:
        """Failed is shown only after Validating, once the clock has moved past Submitted."""
        arn = batch.create(batch.put("in/a.jsonl", records(3)))
        assert batch.get(arn)["status"] == "Submitted"
        time.sleep(0.3)
        assert batch.get(arn)["status"] == "Submitted"  # the clock has not reached 1 s
        batch.emulator.advance_clock(1)
        seen: list[str] = []
        batch.wait_for(arn, lambda j: j["status"] != "Submitted", seen=seen)
        job = batch.wait_for(arn, lambda j: j["status"] == "Failed", seen=seen)  # real time: 2 s in Validating
        assert job["message"].startswith("The job's input holds 3")
        assert seen[-2:] == ["Validating", "Failed"], seen


# --- the clock, stop and timeout --------------------------------------------------------------------------------

class TestLifecycle:
    def test_statuses_follow_the_clock_in_order(self, batch: Batch) -> None:
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)))
        seen, processed = [], []
        deadline = time.monotonic() + 60
        while (job := batch.get(arn))["status"] not in FINISHED:
            assert time.monotonic() < deadline
            if not seen or seen[-1] != job["status"]:
                seen.append(job["status"])
            processed.append(job.get("processedRecordCount", 0))
            if job["status"] == "InProgress":
                assert job["processedRecordCount"] <= job["totalRecordCount"]
            time.sleep(0.05)
        seen.append(job["status"])
        assert seen == [s for s in ORDER if s in seen] and seen[0] == "Submitted" and seen[-1] == "Completed"
        assert "Validating" in seen and "Scheduled" in seen
        assert processed == sorted(processed)  # progress never goes back
        elapsed = (job["endTime"] - job["submitTime"]).total_seconds()
        minimum = (batch_worker.SUBMITTED_SECONDS + batch_worker.VALIDATING_SECONDS + batch_worker.SCHEDULED_SECONDS
                   + (MIN_RECORDS - 1) / batch_worker.RECORDS_PER_SECOND)
        assert elapsed >= minimum - 0.01

    def test_stop_while_in_progress_writes_what_was_answered(self, batch: Batch) -> None:
        total = 1_000  # ten seconds on the clock: stopped long before the end
        arn = batch.create(batch.put("in/a.jsonl", records(total)))
        batch.emulator.advance_clock(5)
        batch.wait_for(arn, lambda j: j["status"] == "InProgress" and j["processedRecordCount"] > 0)
        assert batch.bedrock.stop_model_invocation_job(jobIdentifier=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert batch.get(arn)["status"] == "Stopping"
        job = batch.wait_for(arn, lambda j: j["status"] != "Stopping")
        assert job["status"] == "Stopped" and 0 < job["processedRecordCount"] < total
        out = batch.outputs(arn)
        lines = lines_of(out["a.jsonl.out"])
        assert len(lines) == job["processedRecordCount"]
        assert [line["recordId"] for line in lines] == [f"REC{i:08d}" for i in range(len(lines))]
        assert json.loads(out["manifest.json.out"])["processedRecordCount"] == len(lines)
        with pytest.raises(ClientError) as e:
            batch.bedrock.stop_model_invocation_job(jobIdentifier=arn)
        assert error_of(e) == ("ConflictException", f"The batch inference job {arn} can't be stopped because its "
                                                    "status is Stopped.", 400)

    def test_stop_before_it_begins(self, batch: Batch) -> None:
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)))
        batch.bedrock.stop_model_invocation_job(jobIdentifier=arn)
        batch.bedrock.stop_model_invocation_job(jobIdentifier=arn)  # again while Stopping: accepted
        job = batch.finish(arn, step=1)
        assert job["status"] == "Stopped" and batch.outputs(arn) == {}

    def test_timeout_in_progress_is_partially_completed(self, batch: Batch) -> None:
        total = 1_000
        arn = batch.create(batch.put("in/a.jsonl", records(total)))
        batch.emulator.advance_clock(5)
        batch.wait_for(arn, lambda j: j["status"] == "InProgress" and j["processedRecordCount"] > 0)
        batch.emulator.advance_clock(24 * 3600)
        job = batch.wait_for(arn, lambda j: j["status"] in FINISHED)
        assert job["status"] == "PartiallyCompleted" and 0 < job["processedRecordCount"] < total
        assert job["message"] == "The job timed out before every record was processed."
        assert job["endTime"] >= job["jobExpirationTime"]
        out = batch.outputs(arn)
        assert len(lines_of(out["a.jsonl.out"])) == job["processedRecordCount"]
        assert json.loads(out["manifest.json.out"])["totalRecordCount"] == total

    def test_input_deleted_while_running(self, batch: Batch) -> None:
        """S3 refusing a read mid-job fails the job with S3's answer in its message, not an internal error."""
        batch.put("in/two/part-1.jsonl", records(300))
        batch.put("in/two/part-2.jsonl", records(10))
        arn = batch.create(f"s3://{batch.bucket}/in/two/")
        batch.emulator.advance_clock(5)
        batch.wait_for(arn, lambda j: j["status"] == "InProgress")
        batch.s3.delete_object(Bucket=batch.bucket, Key="in/two/part-2.jsonl")
        job = batch.finish(arn)
        assert job["status"] == "Failed"
        assert job["message"].startswith("The job could not read or write its data in Amazon S3 (NoSuchKey: ")

    def test_timeout_before_it_begins_is_expired(self, batch: Batch) -> None:
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)))
        batch.emulator.advance_clock(24 * 3600)
        job = batch.wait_for(arn, lambda j: j["status"] in FINISHED)
        assert job["status"] == "Expired" and batch.outputs(arn) == {}


# --- hostile input ----------------------------------------------------------------------------------------------

class TestHostileInput:
    def test_ten_thousand_tiny_records_nothing_lost(self, batch: Batch) -> None:
        items = [{"recordId": f"T{i}", "modelInput": invoke_body(str(i), max_tokens=1)} for i in range(10_000)]
        arn = batch.create(batch.put("in/many.jsonl", items))
        job = batch.finish(arn, step=30, limit=240)
        assert (job["status"], job["processedRecordCount"], job["successRecordCount"]) == ("Completed", 10_000, 10_000)
        lines = lines_of(batch.outputs(arn)["many.jsonl.out"])
        assert [line["recordId"] for line in lines] == [item["recordId"] for item in items]

    def test_a_line_longer_than_a_request_body(self, batch: Batch) -> None:
        huge = json.dumps({"recordId": "HUGE", "modelInput": invoke_body("x" * 25_000_001)}).encode()
        arn = batch.create(batch.put("in/huge.jsonl", jsonl(records(MIN_RECORDS)) + huge + b"\n"))
        assert _fails(batch, arn) == (f"Line {MIN_RECORDS + 1} of s3://{batch.bucket}/in/huge.jsonl is longer than "
                                      "25,000,000 bytes, the largest request body a record may hold.")

    def test_odd_but_valid_content(self, batch: Batch) -> None:
        """Blank lines, CRLF, a byte-order mark, no final newline, lone surrogates and non-ASCII: all answered."""
        items = records(MIN_RECORDS)
        items[0]["modelInput"] = invoke_body("caf\u00e9 \U0001f600")
        body = b"\xef\xbb\xbf" + b"\r\n".join(json.dumps(i).encode() for i in items[:50]) + b"\r\n\n  \n"
        body += b'{"recordId": "SURROGATE", "modelInput": ' + json.dumps(invoke_body("x")).encode()[:-1] \
            + b', "metadata": {"user_id": "\\ud800"}}}\n'
        body += jsonl(items[50:]).rstrip(b"\n")
        arn = batch.create(batch.put("in/odd.jsonl", body))
        job = batch.finish(arn)
        assert (job["status"], job["totalRecordCount"]) == ("Completed", MIN_RECORDS + 1)
        lines = lines_of(batch.outputs(arn)["odd.jsonl.out"])
        assert lines[0]["modelInput"] == items[0]["modelInput"]
        assert lines[50]["recordId"] == "SURROGATE" and lines[50]["modelInput"]["metadata"]["user_id"] == "\ud800"

    def test_path_like_names_in_a_folder(self, batch: Batch) -> None:
        """Keys are opaque in S3: odd names below the input prefix keep their names (and folders) in the output."""
        names = ["a/../b.jsonl", "sub/dir/c d+é.jsonl", "%2F.jsonl"]
        for n, name in enumerate(names):
            batch.put(f"in/odd/{name}", records(40, prefix=f"F{n}-"))
        arn = batch.create(f"s3://{batch.bucket}/in/odd")
        job = batch.finish(arn)
        assert (job["status"], job["totalRecordCount"]) == ("Completed", 120)
        assert set(batch.outputs(arn)) == {f"{name}.out" for name in names} | {"manifest.json.out"}


# --- what a job keeps and reads --------------------------------------------------------------------------------

class TestWhatIsKept:
    def test_unmodelled_members_are_not_stored(self, batch: Batch) -> None:
        """Bedrock ignores members its model does not have: echoing them would break boto3's parser (a union
        with two members set) for every later Get and List."""
        uri = batch.put("in/a.jsonl", records(MIN_RECORDS))
        body = _create_body(batch, jobName="extras", inputDataConfig={"s3InputDataConfig": {"s3Uri": uri, "junk": 1},
                                                                      "other": {"a": 1}},
                            outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{batch.bucket}/out/"},
                                              "more": {}},
                            vpcConfig={"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"], "junk": 1},
                            unknownTopLevel=True)
        reply = signed_request(batch.emulator.url, "POST", "/model-invocation-job", json.dumps(body).encode())
        assert reply.status == 200, reply.data
        arn = json.loads(reply.data)["jobArn"]
        job = batch.get(arn)
        assert job["inputDataConfig"] == {"s3InputDataConfig": {"s3Uri": uri}}
        assert job["outputDataConfig"] == {"s3OutputDataConfig": {"s3Uri": f"s3://{batch.bucket}/out/"}}
        assert job["vpcConfig"] == {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]}
        listed = batch.bedrock.list_model_invocation_jobs(nameContains="extras")["invocationJobSummaries"]
        assert [s["jobArn"] for s in listed] == [arn]

    @pytest.mark.parametrize("overrides, message", [
        # AWS's front ends count UTF-16 code units: 1,100 emoji are 2,200 units, over RoleArn's 2,048.
        ({"roleArn": "arn:aws:iam::123456789012:role/" + "\U0001f600" * 1100},
         "at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048"),
        ({"jobName": "a\ud800"}, "Value 'a\ufffd' at 'jobName' failed to satisfy constraint: Member must satisfy "
                                 f"regular expression pattern: {JOB_NAME_PATTERN}"),
        ({"timeoutDurationInHours": 24.0}, "Value at 'timeoutDurationInHours' failed to satisfy constraint: Member "
                                           "must be an integer"),
    ], ids=["utf16-length", "lone-surrogate", "float"])
    def test_shared_shape_checks(self, batch: Batch, overrides: dict[str, Any], message: str) -> None:
        reply = signed_request(batch.emulator.url, "POST", "/model-invocation-job",
                               json.dumps(_create_body(batch, **overrides)).encode())
        assert reply.status == 400 and reply.headers["x-amzn-ErrorType"].startswith("ValidationException")
        found = json.loads(reply.data)["message"]
        assert found.startswith("1 validation error detected: ") and message in found

    def test_client_token_is_per_region(self, batch: Batch) -> None:
        uri = batch.put("in/a.jsonl", records(MIN_RECORDS))
        east = batch.create(uri, clientRequestToken="regional-token")
        west_client = boto3.Session().client("bedrock", region_name="us-west-2", config=NO_RETRY)
        west = west_client.create_model_invocation_job(
            jobName="west", roleArn=batch.role_arn, modelId=MODEL_US, clientRequestToken="regional-token",
            inputDataConfig={"s3InputDataConfig": {"s3Uri": uri}},
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{batch.bucket}/out/"}})["jobArn"]
        assert west != east and west.startswith("arn:aws:bedrock:us-west-2:")
        assert west_client.get_model_invocation_job(jobIdentifier=west)["jobName"] == "west"
        assert batch.create(uri, clientRequestToken="regional-token") == east  # still idempotent in its region

    @pytest.mark.parametrize("token", ["LTE=", "KzE=", "MSA=", "YWJj", "MQ", "!!"],
                             ids=["negative", "plus", "space", "letters", "unpadded", "not-base64"])
    def test_forged_page_tokens(self, batch: Batch, token: str) -> None:
        for path, message in (("/model-invocation-jobs", "Invalid pagination token."),
                              ("/inference-profiles", "Invalid pagination token or maxResults.")):
            reply = signed_request(batch.emulator.url, "GET", f"{path}?nextToken={quote(token, safe='')}")
            assert reply.status == 400 and json.loads(reply.data)["message"] == message, (path, reply.data)

    def test_max_results_in_ascii_digits(self, emulator: Emulator) -> None:
        reply = signed_request(emulator.url, "GET", "/model-invocation-jobs?maxResults=%EF%BC%91")  # fullwidth 1
        assert reply.status == 400
        assert json.loads(reply.data)["message"] == ("1 validation error detected: Value '\uff11' at 'maxResults' "
                                                     "failed to satisfy constraint: Member must be an integer")


class TestServiceRole:
    @pytest.mark.parametrize("shape", ["wrong-path", "path-missing", "other-partition", "trailing-slash",
                                       "long-name", "space"])
    def test_arn_must_be_the_roles_own(self, batch: Batch, shape: str) -> None:
        """IAM finds a role by name, but an ARN with another path or partition names no role."""
        name = f"Pathed-{batch.bucket}"
        make_role(batch.iam, name, batch.bucket, path="/service-role/")
        role = {"wrong-path": f"arn:aws:iam::{ACCOUNT}:role/wrong/path/{name}",
                "path-missing": f"arn:aws:iam::{ACCOUNT}:role/{name}",
                "other-partition": f"arn:aws-cn:iam::{ACCOUNT}:role/service-role/{name}",
                "trailing-slash": f"arn:aws:iam::{ACCOUNT}:role/service-role/{name}/",
                "long-name": f"arn:aws:iam::{ACCOUNT}:role/{'a' * 65}",
                "space": f"arn:aws:iam::{ACCOUNT}:role/a b"}[shape]
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)), roleArn=role)
        assert _fails(batch, arn) == (f"The service role {role} was not found in account {ACCOUNT}. Create the role, "
                                      "or give the ARN of an existing one.")

    def test_role_with_a_path(self, batch: Batch) -> None:
        role = make_role(batch.iam, f"Pathed-{batch.bucket}", batch.bucket, path="/service-role/")
        assert ":role/service-role/" in role
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)), roleArn=role)
        assert batch.finish(arn)["status"] == "Completed"

    @pytest.mark.parametrize("prefix, allowed", [("in/*", True), ("other/*", False)])
    def test_list_bucket_condition_on_prefix(self, batch: Batch, prefix: str, allowed: bool) -> None:
        """ListBucket's request context has S3's s3:prefix condition key (the key the input URI names)."""
        statements = [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": f"arn:aws:s3:::{batch.bucket}/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{batch.bucket}",
             "Condition": {"StringLike": {"s3:prefix": prefix}}}]
        role = make_role(batch.iam, f"Prefix-{prefix[:2]}-{batch.bucket}", batch.bucket, statements=statements)
        arn = batch.create(batch.put("in/a.jsonl", records(MIN_RECORDS)), roleArn=role)
        if allowed:
            assert batch.finish(arn)["status"] == "Completed"
        else:
            assert _fails(batch, arn) == (f"The service role {role} is not allowed to perform s3:ListBucket on "
                                          f"arn:aws:s3:::{batch.bucket}. Add it to the role's permissions policy.")


class TestRecordsAnswered:
    def test_records_do_not_touch_the_prompt_cache(self, batch: Batch) -> None:
        """Whether prompt caching applies in batch was not found: records neither read nor write the on-demand
        cache, so an on-demand call after the job still writes it."""
        system = [{"type": "text", "text": "Policy manual. " + " ".join(f"Rule {i}: be precise." for i in range(1200)),
                   "cache_control": {"type": "ephemeral"}}]
        items = [{"recordId": f"C{i:08d}", "modelInput": invoke_body(f"Question {i}", system=system)}
                 for i in range(MIN_RECORDS)]
        arn = batch.create(batch.put("in/cached.jsonl", items))
        assert batch.finish(arn)["status"] == "Completed"
        usages = [line["modelOutput"]["usage"] for line in lines_of(batch.outputs(arn)["cached.jsonl.out"])]
        assert all(u["cache_read_input_tokens"] == u["cache_creation_input_tokens"] == 0 for u in usages)
        direct = json.loads(batch.runtime.invoke_model(modelId=MODEL_US, body=json.dumps(
            invoke_body("Question", system=system)))["body"].read())["usage"]
        assert direct["cache_creation_input_tokens"] > 0 and direct["cache_read_input_tokens"] == 0

    def _scheduled(self, batch: Batch, arn: str) -> None:
        """Wait (the clock moved only to get there) until the job is Scheduled: validated, not yet reading."""
        batch.emulator.advance_clock(1)
        batch.wait_for(arn, lambda j: j["status"] == "Validating")
        batch.emulator.advance_clock(2)
        batch.wait_for(arn, lambda j: j["status"] == "Scheduled")

    def test_input_changed_after_validation(self, batch: Batch) -> None:
        """The answering pass stops at the validated count, and a line that no longer parses is an error record."""
        items = records(MIN_RECORDS)
        uri = batch.put("in/a.jsonl", items)
        arn = batch.create(uri)
        self._scheduled(batch, arn)
        changed = jsonl(items[:3]) + b"{not json\n" + jsonl(items[4:]) + jsonl(records(5, prefix="EXTRA"))
        batch.put("in/a.jsonl", changed)
        job = batch.finish(arn)
        assert (job["status"], job["totalRecordCount"], job["processedRecordCount"], job["errorRecordCount"]) == (
            "Completed", MIN_RECORDS, MIN_RECORDS, 1)
        lines = lines_of(batch.outputs(arn)["a.jsonl.out"])
        assert len(lines) == MIN_RECORDS and not any(line["recordId"].startswith("EXTRA") for line in lines)
        assert lines[3]["error"]["errorCode"] == 400
        assert lines[3]["error"]["errorMessage"].startswith(f"Line 4 of {uri} is not valid JSON.")
        assert lines[3]["error"]["errorMessage"].endswith("The file changed after the job was validated.")

    def test_input_shrunk_after_validation(self, batch: Batch) -> None:
        uri = batch.put("in/a.jsonl", records(MIN_RECORDS))
        arn = batch.create(uri)
        self._scheduled(batch, arn)
        batch.put("in/a.jsonl", records(MIN_RECORDS - 10))
        job = batch.finish(arn)
        assert job["status"] == "Failed"
        assert job["message"] == (f"The input file {uri} changed while the job ran: it held {MIN_RECORDS} records "
                                  f"when the job was validated and {MIN_RECORDS - 10} now. Submit the job again.")

    def test_a_flood_of_blank_lines_is_refused(self, batch: Batch) -> None:
        most = batch_input.MAX_BLANK_LINES
        uri = batch.put("in/blank.jsonl", b"\n" * (most + 1) + jsonl(records(MIN_RECORDS)))
        arn = batch.create(uri)
        assert _fails(batch, arn) == (f"The input file {uri} holds more than {most:,} blank lines. Remove them: "
                                      "each line of a JSONL file must be one record.")

    def test_blank_lines_below_the_limit_are_skipped(self, batch: Batch) -> None:
        items = records(MIN_RECORDS)
        data = b"\n \r\n" * 50_000 + jsonl(items[:50]) + b"\t\n" * 50_000 + jsonl(items[50:]) + b"\n" * 10
        arn = batch.create(batch.put("in/blanks.jsonl", data))
        job = batch.finish(arn)
        assert (job["status"], job["totalRecordCount"], job["processedRecordCount"]) == ("Completed", MIN_RECORDS,
                                                                                          MIN_RECORDS)


@pytest.mark.cli
@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI (`aws`) is not on PATH")
def test_aws_cli(batch: Batch, aws_env: dict[str, str]) -> None:
    """The AWS CLI, configured by the same environment, creates, reads and lists a job."""
    uri = batch.put("in/cli.jsonl", records(MIN_RECORDS))

    def aws(*args: str) -> Any:
        proc = subprocess.run(["aws", *args], env={**os.environ, **aws_env, "AWS_PAGER": ""}, capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    arn = aws("bedrock", "create-model-invocation-job", "--job-name", "cli-job", "--role-arn", batch.role_arn,
              "--model-id", MODEL_US, "--input-data-config", json.dumps({"s3InputDataConfig": {"s3Uri": uri}}),
              "--output-data-config", json.dumps({"s3OutputDataConfig": {"s3Uri": f"s3://{batch.bucket}/out/"}})
              )["jobArn"]
    batch.finish(arn)
    job = aws("bedrock", "get-model-invocation-job", "--job-identifier", arn)
    assert (job["status"], job["successRecordCount"]) == ("Completed", MIN_RECORDS)
    listed = aws("bedrock", "list-model-invocation-jobs", "--name-contains", "cli-job")
    assert [s["jobArn"] for s in listed["invocationJobSummaries"]] == [arn]
    listing = aws("s3api", "list-objects-v2", "--bucket", batch.bucket, "--prefix", f"out/{arn[-12:]}/")
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in listing["Contents"]) == ["cli.jsonl.out", "manifest.json.out"]
