"""Teaching controls (in-process and over the admin path), and starting the emulator."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError, ReadTimeoutError
from cli_process import exports_of, printed_lines, start_cli

from conftest import MODEL, MODEL_US, claude_body, error_of, raw_request
from helpers.emulator import Emulator, PortInUseError, RemoteEmulator, auth, bind, start
from helpers.emulator.__main__ import non_loopback_warning

ROOT = Path(__file__).resolve().parents[2]


class TestFaults:
    """Throttling, timeouts and latency, seen through boto3."""

    def test_throttle_next(self, runtime: Any, emulator: Emulator) -> None:
        emulator.throttle(next=2)
        for _ in range(2):
            with pytest.raises(ClientError) as e:
                runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
            assert error_of(e) == ("ThrottlingException", "Too many requests, please wait before trying again.", 429)
        assert runtime.invoke_model(body=claude_body(), modelId=MODEL_US)

    def test_throttle_rate_is_seeded(self, runtime: Any, emulator: Emulator) -> None:
        def outcomes() -> list[bool]:
            emulator.throttle(rate=0.5, seed=7)
            results = []
            for _ in range(20):
                try:
                    runtime.converse(modelId=MODEL_US, messages=[{"role": "user", "content": [{"text": "x"}]}])
                    results.append(True)
                except ClientError as e:
                    assert e.response["Error"]["Code"] == "ThrottlingException"
                    results.append(False)
            return results

        first = outcomes()
        assert 3 <= first.count(False) <= 17
        assert outcomes() == first

    def test_standard_retries_ride_out_throttling(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        emulator.throttle(next=2)
        client = boto3.client("bedrock-runtime", config=Config(retries={"mode": "standard", "max_attempts": 3}))
        response = client.invoke_model(body=claude_body(), modelId=MODEL_US)
        assert response["ResponseMetadata"]["RetryAttempts"] == 2

    def test_mid_stream_throttling(self, runtime: Any, emulator: Emulator) -> None:
        emulator.throttle(next=1, mid_stream=True, message="Too many tokens, please wait before trying again.")
        response = runtime.invoke_model_with_response_stream(body=claude_body(), modelId=MODEL_US)
        seen = []
        with pytest.raises(EventStreamError) as e:
            for event in response["body"]:
                seen.append(json.loads(event["chunk"]["bytes"])["type"])
        assert seen[0] == "message_start" and "content_block_delta" in seen
        assert e.value.response["Error"] == {"Code": "throttlingException",
                                             "Message": "Too many tokens, please wait before trying again."}

    def test_mid_stream_in_converse_stream(self, runtime: Any, emulator: Emulator) -> None:
        emulator.throttle(next=1, mid_stream=True)
        messages = [{"role": "user", "content": [{"text": "x"}]}]
        response = runtime.converse_stream(modelId=MODEL_US, messages=messages)
        with pytest.raises(EventStreamError, match="throttlingException"):
            list(response["stream"])

    def test_model_timeout(self, runtime: Any, emulator: Emulator) -> None:
        emulator.timeout(next=1)
        with pytest.raises(ClientError) as e:
            runtime.converse(modelId=MODEL_US, messages=[{"role": "user", "content": [{"text": "x"}]}])
        assert error_of(e) == ("ModelTimeoutException",
                               "Model has timed out in processing the request. Try your request again.", 408)

    def test_model_timeout_mid_stream(self, runtime: Any, emulator: Emulator) -> None:
        emulator.timeout(next=1, mid_stream=True)
        response = runtime.invoke_model_with_response_stream(body=claude_body(), modelId=MODEL_US)
        with pytest.raises(EventStreamError, match="modelTimeoutException"):
            list(response["body"])

    def test_latency(self, runtime: Any, emulator: Emulator) -> None:
        emulator.latency(300)
        started = time.perf_counter()
        response = runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
        assert time.perf_counter() - started >= 0.3
        assert int(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-bedrock-invocation-latency"]) >= 300

    def test_reset_clears_everything(self, runtime: Any, emulator: Emulator) -> None:
        emulator.throttle(next=5)
        emulator.revoke_access()
        emulator.latency(10)
        state = emulator.reset()
        assert state["revoked"] == [] and state["throttle"]["next"] == 0 and state["latency_ms"] == 0
        assert runtime.invoke_model(body=claude_body(), modelId=MODEL_US)

    def test_bad_control_arguments(self, emulator: Emulator) -> None:
        with pytest.raises(ValueError):
            emulator.throttle(rate=2.0)
        with pytest.raises(LookupError, match="Did you mean"):
            emulator.revoke_access("claude-sonet-4-5")


class TestAdminPath:
    """The same controls over HTTP, for an emulator started in another process."""

    def test_remote_controls(self, runtime: Any, emulator: Emulator) -> None:
        remote = RemoteEmulator(emulator.url, token=emulator.token)
        remote.revoke_access(MODEL.key)
        assert remote.snapshot()["revoked"] == [MODEL.key]
        with pytest.raises(ClientError, match="AccessDenied"):
            runtime.invoke_model(body=claude_body(), modelId=MODEL_US)
        remote.reset()
        assert runtime.invoke_model(body=claude_body(), modelId=MODEL_US)

    def test_bad_admin_request(self, emulator: Emulator) -> None:
        admin = {"X-Emulator-Token": emulator.token, "Content-Type": "application/json"}
        r = raw_request(emulator.url, "POST", "/_emulator/throttle", b'{"rate": 5}', admin)
        assert r.status == 400 and "throttle: rate must be a number from 0 to 1" in json.loads(r.data)["message"]
        r = raw_request(emulator.url, "POST", "/_emulator/self_destruct", b"{}", admin)
        assert r.status == 400 and "Unknown control" in json.loads(r.data)["message"]
        r = raw_request(emulator.url, "POST", "/_emulator/revoke_access", b'{"model": "nope"}', admin)
        assert r.status == 400 and "Unknown Claude model identifier" in json.loads(r.data)["message"]

    def test_unknown_route(self, emulator: Emulator) -> None:
        r = raw_request(emulator.url, "GET", "/nothing/here")
        assert r.status == 404 and r.headers["x-amzn-errortype"].startswith("UnknownOperationException")

    def test_welcome_page(self, emulator: Emulator) -> None:
        r = raw_request(emulator.url, "GET", "/")
        assert r.status == 200 and b"python -m helpers.emulator" in r.data


class TestStarting:
    """``start()`` and ``python -m helpers.emulator``."""

    def test_env_points_clients_here(self, emulator: Emulator) -> None:
        """Clients go to the TLS listener and trust the emulator's CA bundle (boto3/CLI, httpx2, Node)."""
        env = emulator.env
        assert env["AWS_ENDPOINT_URL"] == env["ANTHROPIC_BEDROCK_BASE_URL"] == emulator.https_url
        assert emulator.https_url == f"https://127.0.0.1:{emulator.tls_port}" != emulator.url
        assert env["AWS_CA_BUNDLE"] == env["SSL_CERT_FILE"] == env["NODE_EXTRA_CA_CERTS"] == str(emulator.ca_bundle)
        assert "AWS_BEARER_TOKEN_BEDROCK" not in env
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
        assert env["AWS_ACCESS_KEY_ID"].endswith("EXAMPLE")

    def test_binds_loopback_only(self, emulator: Emulator) -> None:
        assert emulator.host == "127.0.0.1"

    def test_port_in_use(self, emulator: Emulator) -> None:
        with pytest.raises(PortInUseError, match=r"already in use.*--port"):
            bind("127.0.0.1", emulator.port)

    def test_start_and_stop(self) -> None:
        emu = start(region="eu-west-1")
        try:
            assert emu.running and emu.env["AWS_REGION"] == "eu-west-1"
        finally:
            emu.stop()
        assert not emu.running
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", emu.port), timeout=1)

    def test_command_line(self, tmp_path: Path) -> None:
        """It prints the export lines first, then serves them in the foreground."""
        with socket.socket() as s, socket.socket() as s2:
            s.bind(("127.0.0.1", 0))
            s2.bind(("127.0.0.1", 0))
            port, tls_port = s.getsockname()[1], s2.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        proc = start_cli("--port", str(port), "--tls-port", str(tls_port), env=env)
        try:
            lines = printed_lines(proc)  # up to the blank line after the exports
            exports = exports_of(lines)
            assert exports["AWS_ENDPOINT_URL"] == f"https://127.0.0.1:{tls_port}"
            assert set(exports) >= {"AWS_ENDPOINT_URL", "ANTHROPIC_BEDROCK_BASE_URL", "AWS_ACCESS_KEY_ID",
                                    "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "HANDSON_EMULATOR_TOKEN",
                                    "AWS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"}
            assert any(line.startswith("unset ") and "AWS_PROFILE" in line for line in lines)
            deadline = time.monotonic() + 15
            while True:  # wait until it serves
                try:
                    client = boto3.client("sts", endpoint_url=exports["AWS_ENDPOINT_URL"], region_name="us-east-1",
                                          aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
                                          aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
                                          verify=exports["AWS_CA_BUNDLE"])
                    assert client.get_caller_identity()["Account"] == "123456789012"
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            # The offline S3, CloudWatch Logs and IAM (moto, in the same process) through botocore's own variables.
            aws = {k: exports[k] for k in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
                                          "AWS_ENDPOINT_URL_IAM")}
            assert len(set(aws.values())) == 1 and next(iter(aws.values())).startswith("http://127.0.0.1:")
            session = boto3.session.Session(aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
                                            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
                                            region_name="us-east-1")
            s3 = session.client("s3", endpoint_url=aws["AWS_ENDPOINT_URL_S3"])
            s3.create_bucket(Bucket="cli-bucket")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["cli-bucket"]
            second = subprocess.run([sys.executable, "-m", "helpers.emulator", "--port", str(port)], cwd=ROOT,
                                    env=env, capture_output=True, text=True, timeout=30)
            assert second.returncode == 2
            assert f"Port {port} on 127.0.0.1 is already in use" in second.stderr
            assert "Traceback" not in second.stderr
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    def test_non_loopback_warning_says_the_aws_services_stay_on_loopback(self) -> None:
        """With --host on a network address the export lines still name moto's loopback URL: the warning says so.
        (The text itself: binding a network address in a test would expose the emulator, see
        test_admin_security.served_as_if_bound_to.)"""
        aws_url = "http://127.0.0.1:40123"
        text = non_loopback_warning("0.0.0.0", False, aws_url)
        assert "not loopback" in text and f"stay on {aws_url} (loopback only)" in text
        assert "AWS_ENDPOINT_URL_S3" in text and "this machine only" in text
        assert "S3" not in non_loopback_warning("0.0.0.0", True, None)  # no moto: nothing to say about it


def test_an_abandoned_slow_request_does_not_take_a_later_fault(emulator: Emulator) -> None:
    """A client that gives up during injected latency leaves its request sleeping in the emulator; when it
    wakes it must not consume a fault set for the next request (faults are drawn on arrival)."""
    impatient = boto3.session.Session().client(
        "bedrock-runtime", endpoint_url=emulator.url, region_name="us-east-1",
        aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY,
        config=Config(read_timeout=0.2, retries={"total_max_attempts": 1}))
    emulator.latency(800)
    with pytest.raises(ReadTimeoutError):
        impatient.invoke_model(modelId=MODEL_US, body=claude_body())
    emulator.latency(0)
    emulator.throttle(next=1)  # meant for the next request, while the abandoned one still sleeps
    time.sleep(0.8)            # the abandoned request wakes now
    patient = boto3.session.Session().client(
        "bedrock-runtime", endpoint_url=emulator.url, region_name="us-east-1",
        aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as e:
        patient.invoke_model(modelId=MODEL_US, body=claude_body())
    assert e.value.response["Error"]["Code"] == "ThrottlingException"


def test_a_command_line_that_fails_early_fails_its_test_fast() -> None:
    """The export lines never come: the test helper says why within seconds instead of waiting on EOF forever."""
    started = time.monotonic()
    proc = start_cli("--port", "0", "--region", "zz-nowhere-9")
    with pytest.raises(AssertionError, match="--region"):
        printed_lines(proc)
    assert time.monotonic() - started < 15 and proc.returncode == 2


def test_before_serving_sees_the_env_before_any_server_thread() -> None:
    """connect() puts the variables into os.environ here: adding variables while granian's threads start and
    call getenv crashed a kernel (libc's getenv read a reallocated environment)."""
    seen: list[tuple[dict[str, str], set[threading.Thread]]] = []
    already = set(threading.enumerate())  # other tests' emulators may be running

    def before_serving(env: dict[str, str]) -> None:
        seen.append((env, set(threading.enumerate()) - already))

    emu = start(before_serving=before_serving)
    try:
        [(env, new_threads)] = seen
        assert env == emu.env  # the same variables connect() sets afterwards: later updates only replace values
        assert all(t.name != "bedrock-emulator" for t in new_threads)
        assert any(t.name == "bedrock-emulator" for t in set(threading.enumerate()) - already)
    finally:
        emu.stop()
