"""The offline S3, CloudWatch Logs, IAM and STS (moto behind the emulator's guard), through real boto3 clients and
the AWS CLI configured only by aws_services.environment() and the emulator's documented credentials."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from logging_setup import aws_client, destinations, wait_for

from conftest import MODEL_US, claude_body
from helpers.emulator import Emulator, auth, aws_backend, aws_services

pytest.importorskip("moto", reason="moto[server] is not installed (requirements.txt)")

BUCKET = "invocation-logs-123456789012"
LOG_KEY = "bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/11/30/15/part-0001.json.gz"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:SourceAccount": auth.ACCOUNT_ID}}}]}


@pytest.fixture
def services() -> Iterator[aws_services.AwsServices]:
    running = aws_services.start()
    yield running
    if running.running:
        running.reset()


@pytest.fixture
def env(services: aws_services.AwsServices, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> dict[str, str]:
    """Only the services' endpoint variables and the emulator's credentials: nothing else points anywhere."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    variables = {"AWS_ACCESS_KEY_ID": auth.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": auth.SECRET_ACCESS_KEY,
                 "AWS_DEFAULT_REGION": "us-east-1", **services.environment()}
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)


def client(name: str) -> Any:
    """A client configured by the environment alone (no endpoint_url)."""
    return boto3.Session().client(name)


def raw(services: aws_services.AwsServices, method: str, path: str, headers: dict[str, str],
        body: bytes | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(services.host, services.port, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body or b"")))
    connection.endheaders(body)
    response = connection.getresponse()
    response.read()
    return response


def test_environment_names_botocores_service_variables(services: aws_services.AwsServices) -> None:
    assert services.environment() == {"AWS_ENDPOINT_URL_S3": services.url,
                                      "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": services.url,
                                      "AWS_ENDPOINT_URL_IAM": services.url}
    assert services.environment(sts=True)["AWS_ENDPOINT_URL_STS"] == services.url
    assert services.url.startswith("http://127.0.0.1:")


def test_s3_objects_and_gzip_records_round_trip(env: dict[str, str], services: aws_services.AwsServices) -> None:
    s3 = client("s3")
    assert s3.meta.endpoint_url == services.url
    s3.create_bucket(Bucket=BUCKET)
    records = [{"operation": "Converse", "requestId": "r1"}, {"operation": "InvokeModel", "requestId": "r2"}]
    body = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())
    s3.put_object(Bucket=BUCKET, Key=LOG_KEY, Body=body, ContentType="application/json", ContentEncoding="gzip")
    s3.put_object(Bucket=BUCKET, Key="elsewhere/readme.txt", Body=b"not a log")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="bedrock/AWSLogs/")
    assert [o["Key"] for o in listed["Contents"]] == [LOG_KEY] and listed["KeyCount"] == 1
    got = s3.get_object(Bucket=BUCKET, Key=LOG_KEY)["Body"].read()
    assert [json.loads(line) for line in gzip.decompress(got).decode().splitlines()] == records
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]


def test_logs_filter_log_events_with_a_plain_term(env: dict[str, str]) -> None:
    logs = client("logs")
    group, stream = "/aws/bedrock/modelinvocations", "aws/bedrock/modelinvocations"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": now, "message": json.dumps({"operation": "Converse", "requestId": "r1"})},
        {"timestamp": now + 1, "message": json.dumps({"operation": "InvokeModel", "requestId": "r2"})}])
    found = logs.filter_log_events(logGroupName=group, filterPattern="Converse")["events"]
    assert [json.loads(e["message"])["requestId"] for e in found] == ["r1"]
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == [group]


def test_iam_role_with_a_trust_policy_and_an_inline_policy(env: dict[str, str]) -> None:
    iam = client("iam")
    role = iam.create_role(RoleName="BedrockLoggingRole", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    assert role["Arn"] == f"arn:aws:iam::{auth.ACCOUNT_ID}:role/BedrockLoggingRole"
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream",
                                                                                     "logs:PutLogEvents"],
                                                      "Resource": "*"}]}
    iam.put_role_policy(RoleName="BedrockLoggingRole", PolicyName="write-logs", PolicyDocument=json.dumps(policy))
    assert iam.get_role_policy(RoleName="BedrockLoggingRole", PolicyName="write-logs")["PolicyDocument"] == policy
    trust = iam.get_role(RoleName="BedrockLoggingRole")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "bedrock.amazonaws.com"}


def test_sts_caller_identity_when_sts_is_sent_here(env: dict[str, str], services: aws_services.AwsServices,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert "AWS_ENDPOINT_URL_STS" not in env  # by default STS stays with the Bedrock emulator
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", services.environment(sts=True)["AWS_ENDPOINT_URL_STS"])
    sts = client("sts")
    assert sts.meta.endpoint_url == services.url
    assert sts.get_caller_identity()["Account"] == auth.ACCOUNT_ID


def test_a_foreign_host_is_refused_and_no_cors_header_is_sent(services: aws_services.AwsServices) -> None:
    for host in ("evil.example", f"evil.example:{services.port}"):
        response = raw(services, "GET", "/", {"Host": host})
        assert response.status == 403 and response.getheader("x-amzn-errortype") == "AccessDenied"
        assert response.getheader("Access-Control-Allow-Origin") is None
    assert raw(services, "GET", "/", {}).status == 403  # no Host at all


def test_signed_responses_carry_no_cors_header(env: dict[str, str], services: aws_services.AwsServices) -> None:
    """moto answers Access-Control-Allow-Origin: * to a request with an Origin; the guard strips it."""
    s3 = client("s3")
    s3.meta.events.register("before-sign.s3.ListBuckets",
                            lambda request, **_: request.headers.__setitem__("Origin", services.url))
    headers = s3.list_buckets()["ResponseMetadata"]["HTTPHeaders"]
    assert not [h for h in headers if h.lower().startswith("access-control-")]


def test_requests_a_browser_marks_as_from_another_page_are_refused(env: dict[str, str]) -> None:
    """A foreign Origin or Sec-Fetch-Site cross-site/same-site: only a browser sends them, for another page (even a
    correctly signed request: the documented credentials are public)."""
    for header, value in (("Origin", "https://evil.example"), ("Origin", "null"),
                          ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site")):
        s3 = client("s3")
        s3.meta.events.register("before-sign.s3.ListBuckets",
                                lambda request, h=header, v=value, **_: request.headers.__setitem__(h, v))
        with pytest.raises(ClientError) as caught:
            s3.list_buckets()
        error = caught.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403 and error["Error"]["Code"] == "AccessDenied"
        assert not [h for h in error["ResponseMetadata"]["HTTPHeaders"] if h.startswith("access-control-")]
    s3 = client("s3")
    s3.meta.events.register("before-sign.s3.ListBuckets",
                            lambda request, **_: request.headers.__setitem__("Sec-Fetch-Site", "same-origin"))
    assert s3.list_buckets()["Buckets"] == []


def test_a_bare_presign_credential_is_not_a_signature(services: aws_services.AwsServices) -> None:
    """What an <img> tag on any page can send: a GET whose query names a credential scope and nothing else."""
    host = {"Host": f"127.0.0.1:{services.port}"}
    bare = raw(services, "GET", "/?X-Amz-Credential=AKIA%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", host)
    assert bare.status == 400 and bare.getheader("x-amzn-errortype") == "AuthorizationQueryParametersError"
    head = raw(services, "HEAD", "/?X-Amz-Credential=AKIA%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", host)
    assert head.status == 400
    forged = ("/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3"
              "%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
              "&X-Amz-Signature=" + "0" * 64)
    assert raw(services, "GET", forged, host).status == 403
    image = raw(services, "GET", "/?X-Amz-Credential=AKIA%2F20260101%2Fus-east-1%2Fs3%2Faws4_request",
                {**host, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"})
    assert image.status == 403 and image.getheader("x-amzn-errortype") == "AccessDenied"


def test_presigned_urls_work_and_are_verified(env: dict[str, str], services: aws_services.AwsServices) -> None:
    """SigV4 presigned URLs (boto3 presigns S3 with SigV2 for us-east-1 unless told s3v4: those are refused as
    unsigned, as before)."""
    s3 = boto3.Session().client("s3", config=Config(signature_version="s3v4"))
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="reports/a b+c.txt", Body=b"report")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "reports/a b+c.txt"},
                                    ExpiresIn=300)
    path = url[len(services.url):]
    host = {"Host": f"127.0.0.1:{services.port}"}
    connection = http.client.HTTPConnection(services.host, services.port, timeout=10)
    connection.request("GET", path)
    reply = connection.getresponse()
    assert (reply.status, reply.read()) == (200, b"report")
    tampered = path.replace("reports/", "reports/x")
    assert raw(services, "GET", tampered, host).getheader("x-amzn-errortype") == "SignatureDoesNotMatch"
    other_secret = boto3.Session(aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key="not-the-secret",
                                 region_name="us-east-1").client("s3", config=Config(signature_version="s3v4"))
    wrong = other_secret.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "reports/a b+c.txt"})
    refused = raw(services, "GET", wrong[len(services.url):], host)
    assert refused.getheader("x-amzn-errortype") == "SignatureDoesNotMatch"
    twice = path + "&X-Amz-Date=20260101T000000Z"
    assert raw(services, "GET", twice, host).status == 400
    iam = client("iam")
    roles = iam.generate_presigned_url("list_roles", HttpMethod="GET")
    assert raw(services, "GET", roles[len(services.url):], host).status == 200


def test_an_authorization_header_with_two_credentials_is_refused(services: aws_services.AwsServices) -> None:
    """moto reads the first parameter after the algorithm; a second Credential must not decide the service."""
    host = {"Host": f"127.0.0.1:{services.port}", "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables"}
    signature = ", SignedHeaders=host, Signature=" + "0" * 64
    for authorization in (
            "AWS4-HMAC-SHA256 Credential=AKIA/x/us-east-1/dynamodb/aws4_request,"
            "Credential=AKIA/20260101/us-east-1/s3/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request,"
            "Credential=AKIA/20260101/us-east-1/s3/aws4_request" + signature,
            "AWS4-HMAC-SHA256 SignedHeaders=host, Credential=AKIA/20260101/us-east-1/s3/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request",
            "AWS AKIA:c2lnbmF0dXJl"):
        refused = raw(services, "POST", "/", {**host, "Authorization": authorization}, b"{}")
        assert refused.status == 403 and refused.getheader("x-amzn-errortype") == "IncompleteSignature", authorization
    unserved = raw(services, "POST", "/", {**host, "Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20260101/"
                                                                    "us-east-1/dynamodb/aws4_request" + signature},
                   b"{}")
    assert unserved.status == 400 and unserved.getheader("x-amzn-errortype") == "UnsupportedService"


def test_unsigned_requests_are_refused(services: aws_services.AwsServices) -> None:
    """What an HTML form on any page can send: a POST without a signature, or a CORS preflight."""
    host = {"Host": f"127.0.0.1:{services.port}"}
    form = raw(services, "POST", "/", {**host, "Content-Type": "application/x-www-form-urlencoded"},
               b"Action=CreateRole&RoleName=pwned&AssumeRolePolicyDocument=%7B%7D")
    assert form.status == 403 and form.getheader("x-amzn-errortype") == "MissingAuthenticationToken"
    preflight = raw(services, "OPTIONS", f"/{BUCKET}", {**host, "Origin": "https://evil.example",
                                                        "Access-Control-Request-Method": "PUT"})
    assert preflight.status == 403 and preflight.getheader("Access-Control-Allow-Origin") is None


def test_other_services_are_refused_clearly(env: dict[str, str], services: aws_services.AwsServices) -> None:
    dynamodb = boto3.Session().client("dynamodb", endpoint_url=services.url)
    with pytest.raises(ClientError) as caught:
        dynamodb.list_tables()
    assert caught.value.response["Error"]["Code"] == "UnsupportedService"
    assert "serve only s3, logs, iam, sts, not 'dynamodb'" in caught.value.response["Error"]["Message"]


def test_requests_leave_no_log_lines(env: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    with pytest.raises(ClientError):
        s3.get_object(Bucket=BUCKET, Key="missing")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_starting_again_returns_the_same_server(services: aws_services.AwsServices) -> None:
    assert aws_services.start() is services and aws_services.environment() == services.environment()


def test_reset_needs_the_token_and_empties_s3(env: dict[str, str], services: aws_services.AwsServices) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    host = {"Host": f"127.0.0.1:{services.port}", "Content-Type": "application/json"}
    assert raw(services, "POST", "/moto-api/reset", host, b"{}").status == 403
    assert raw(services, "GET", "/moto-api/data.json", {"Host": host["Host"]}).status == 403
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    services.reset()
    assert s3.list_buckets()["Buckets"] == []


def test_log_delivery_survives_a_stream_deleted_since(emulator: Emulator) -> None:
    """The emulator remembers which log streams it made (no forget() on reset: none is needed); when a learner
    deletes the stream, the next record still arrives (the delivery makes it again)."""
    dest = destinations(emulator, s3=False)
    bedrock = boto3.session.Session().client("bedrock", endpoint_url=emulator.url, region_name="us-east-1",
                                             aws_access_key_id=auth.ACCESS_KEY_ID,
                                             aws_secret_access_key=auth.SECRET_ACCESS_KEY)
    runtime = boto3.session.Session().client("bedrock-runtime", endpoint_url=emulator.url, region_name="us-east-1",
                                             aws_access_key_id=auth.ACCESS_KEY_ID,
                                             aws_secret_access_key=auth.SECRET_ACCESS_KEY)
    bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config(s3=False))
    try:
        runtime.invoke_model(modelId=MODEL_US, body=claude_body("first"))
        wait_for(lambda: len(dest.events()) == 1)
        aws_client(emulator, "logs").delete_log_stream(logGroupName=dest.group, logStreamName=aws_backend.LOG_STREAM)
        runtime.invoke_model(modelId=MODEL_US, body=claude_body("after the stream was deleted"))
        records = wait_for(lambda: dest.cloudwatch() or None)
        assert [r["input"]["inputBodyJson"]["messages"][0]["content"] for r in records] == [
            "after the stream was deleted"]
    finally:
        bedrock.delete_model_invocation_logging_configuration()


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI (`aws`) is not on PATH")
def test_the_aws_cli_lists_the_bucket(env: dict[str, str]) -> None:
    client("s3").create_bucket(Bucket=BUCKET)
    proc = subprocess.run([str(shutil.which("aws")), "s3api", "list-buckets", "--query", "Buckets[].Name"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    if "Unknown options" in proc.stderr or "Invalid endpoint" in proc.stderr:
        pytest.skip(f"this AWS CLI predates service-specific endpoints: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [BUCKET]


def test_stop_is_bounded_and_frees_the_port(services: aws_services.AwsServices, emulator: Emulator) -> None:
    began = time.monotonic()
    services.stop()
    assert time.monotonic() - began < aws_services.STOP_TIMEOUT_SECONDS and not services.running
    with socket.socket() as probe:
        assert probe.connect_ex((services.host, services.port)) != 0
    again = aws_services.start()
    assert again is not services and again.running
    # The session's emulator was attached to the stopped services: it attaches itself to the new ones (as
    # connect() makes it do), so that later tests (invocation logging) find its S3, CloudWatch Logs and IAM.
    assert emulator.ensure_aws() == again.url == emulator.state.aws.url == emulator.env["AWS_ENDPOINT_URL_S3"]
