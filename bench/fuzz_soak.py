"""Soak the emulator with generated malformed requests: no 5xx, every reply readable, memory bounded.

A long, randomized run of the request shapes the CI fuzz suite draws (tests/emulator/fuzz_shapes.py:
lone surrogates in every string, wrong types at every level, deep nesting, odd sources and
citations) against an emulator in its own process with invocation logging on (S3 and CloudWatch
destinations), over real HTTP with requests signed by botocore's SigV4 signer.

    .venv/bin/python bench/fuzz_soak.py                   # 10,000 requests per operation
    .venv/bin/python bench/fuzz_soak.py --requests 500    # a quick check
    .venv/bin/python bench/fuzz_soak.py --no-logging      # invocation logging off

Prints, per operation: requests, 2xx/4xx/5xx, unreadable replies (bad JSON, a stream that does not
end with its last event), p50/p99 latency, and the emulator's peak RSS so far. Bodies of failing
requests are saved for replay. Exits 1 if any reply was a 5xx or unreadable.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from hypothesis import HealthCheck, Phase, given, seed, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "emulator")]
from cli_process import exports_of, printed_lines  # noqa: E402
from fuzz_shapes import OPERATIONS, bodies, dumps  # noqa: E402
from logging_setup import bucket_policy, role_policy, trust_policy  # noqa: E402
from shared import FOUNDATION_MODEL, PROFILE, free_port, wait_for_port  # noqa: E402  (bench/shared.py: this folder is on sys.path)

from helpers.emulator import auth  # noqa: E402

PATHS = {"InvokeModel": "invoke", "InvokeModelWithResponseStream": "invoke-with-response-stream",
         "Converse": "converse", "ConverseStream": "converse-stream", "CountTokens": "count-tokens"}
BUCKET, PREFIX, GROUP, ROLE = "soak-invocation-logs", "runtime", "/soak/invocations", "BedrockInvocationLogging"
CREDENTIALS = Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
SAVED_FAILURES = 20


def readable(operation: str, status: int, headers: Any, data: bytes) -> bool:
    """Whether a client can read the reply: JSON with a message for errors, a complete stream for 200s."""
    try:
        if status == 200 and headers.get("content-type") == "application/vnd.amazon.eventstream":
            buffer = EventStreamBuffer()
            buffer.add_data(data)
            frames = list(buffer)  # checks every CRC
            if not frames or any(f.headers.get(":message-type") != "event" for f in frames):
                return False
            last = json.loads(frames[-1].payload)
            if operation == "ConverseStream":
                return "usage" in last
            return json.loads(base64.b64decode(last["bytes"]))["type"] == "message_stop"
        body = json.loads(data)
        return status == 200 or bool(body.get("message") or body.get("Message"))
    except (ValueError, KeyError, TypeError):
        return False


class Results:
    """Counts and latencies for one operation, shared by the sending threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.unreadable = 0
        self.latencies: list[float] = []
        self.failures: list[tuple[int, bytes, bytes]] = []

    def add(self, status: int, ok: bool, seconds: float, body: bytes, reply: bytes) -> None:
        with self.lock:
            self.statuses[f"{status // 100}xx"] += 1
            self.latencies.append(seconds)
            if not ok:
                self.unreadable += 1
            if (status >= 500 or not ok) and len(self.failures) < SAVED_FAILURES:
                self.failures.append((status, body, reply[:2000]))


def sender(url: str, operation: str, work: queue.Queue, results: Results) -> None:
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=10, read=120))
    model = FOUNDATION_MODEL if operation == "CountTokens" else PROFILE
    path = f"/model/{quote(model, safe='')}/{PATHS[operation]}"
    while (body := work.get()) is not None:
        request = AWSRequest("POST", url + path, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(CREDENTIALS, "bedrock", "us-east-1").add_auth(request)
        prepared = request.prepare()
        started = time.perf_counter()
        try:
            reply = http.request("POST", prepared.url, body=prepared.body, headers=dict(prepared.headers))
            status, data, headers = reply.status, reply.data, reply.headers
        except urllib3.exceptions.HTTPError as e:  # a dropped connection counts as a server failure
            status, data, headers = 599, repr(e).encode(), {}
        elapsed = time.perf_counter() - started
        results.add(status, status < 500 and readable(operation, status, headers, data), elapsed, body, data)


def soak(url: str, operation: str, count: int, connections: int, run_seed: int) -> Results:
    """Draw ``count`` bodies for ``operation`` with hypothesis and send them over ``connections`` threads."""
    results, work = Results(), queue.Queue(maxsize=connections * 4)
    threads = [threading.Thread(target=sender, args=(url, operation, work, results), daemon=True)
               for _ in range(connections)]
    for thread in threads:
        thread.start()

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @seed(run_seed)
    @given(bodies(operation))
    def produce(body: Any) -> None:
        work.put(dumps(body))

    produce()
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join()
    return results


def memory_kb(pid: int) -> tuple[int, int]:
    """(current, peak) resident set size of ``pid`` in KiB, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


def configure_logging(url: str, exports: dict[str, str]) -> None:
    """Invocation logging to S3 and CloudWatch, set up as AWS's documentation has a learner set it up."""
    session = boto3.session.Session(aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY,
                                    region_name="us-east-1")
    s3 = session.client("s3", endpoint_url=exports["AWS_ENDPOINT_URL_S3"])
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(bucket_policy(BUCKET, PREFIX)))
    logs = session.client("logs", endpoint_url=exports["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"])
    logs.create_log_group(logGroupName=GROUP)
    iam = session.client("iam", endpoint_url=exports["AWS_ENDPOINT_URL_IAM"])
    role = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust_policy()))["Role"]["Arn"]
    iam.put_role_policy(RoleName=ROLE, PolicyName="WriteInvocationLogs", PolicyDocument=json.dumps(role_policy(GROUP)))
    session.client("bedrock", endpoint_url=url, config=Config(retries={"max_attempts": 1})
                   ).put_model_invocation_logging_configuration(loggingConfig={
                       "s3Config": {"bucketName": BUCKET, "keyPrefix": PREFIX},
                       "cloudWatchConfig": {"logGroupName": GROUP, "roleArn": role}, "textDataDeliveryEnabled": True})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests per operation (default 10,000)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent clients")
    parser.add_argument("--operations", nargs="+", choices=OPERATIONS, default=list(OPERATIONS))
    parser.add_argument("--seed", type=int, default=int(time.time()), help="hypothesis seed (printed)")
    parser.add_argument("--no-logging", action="store_true", help="leave invocation logging off")
    parser.add_argument("--out", type=Path, default=None, help="folder for logs and failing bodies (default: temp)")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="fuzz-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    stderr = (out / "emulator-stderr.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "helpers.emulator", "--port", str(port)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=stderr,
                              text=True)
    url = f"http://127.0.0.1:{port}"
    failed = False
    try:
        exports = exports_of(printed_lines(server))  # its offline S3, CloudWatch Logs and IAM are in that process
        wait_for_port(port)
        if not args.no_logging:
            configure_logging(url, exports)
        print(f"fuzz soak: {args.requests} requests per operation, {args.connections} connections, seed {args.seed}, "
              f"invocation logging {'off' if args.no_logging else 'on'}; output in {out}\n")
        print("| operation                     | requests |    2xx |    4xx | 5xx | unreadable | p50 ms |  p99 ms "
              "| peak RSS MiB |")
        print("|-------------------------------|----------|--------|--------|-----|------------|--------|---------"
              "|--------------|")
        for operation in args.operations:
            started = time.perf_counter()
            results = soak(url, operation, args.requests, args.connections, args.seed)
            _, peak = memory_kb(server.pid)
            s = results.statuses
            print(f"| {operation:<29} | {sum(s.values()):>8} | {s['2xx']:>6} | {s['4xx']:>6} | {s['5xx']:>3} "
                  f"| {results.unreadable:>10} | {percentile(results.latencies, 0.5):>6.1f} "
                  f"| {percentile(results.latencies, 0.99):>7.1f} | {peak / 1024:>12.0f} |"
                  f"  ({time.perf_counter() - started:.0f} s)", flush=True)
            for n, (status, body, reply) in enumerate(results.failures):
                (out / f"failure-{operation}-{n}.json").write_bytes(body)
                (out / f"failure-{operation}-{n}.reply").write_bytes(f"HTTP {status}\n".encode() + reply)
            failed |= bool(s["5xx"] or results.unreadable)
        if server.poll() is not None:
            print(f"the emulator exited with {server.returncode}")
            failed = True
    finally:
        server.terminate()
        server.wait(10)
        stderr.close()
    internal = (out / "emulator-stderr.log").read_text(errors="replace").count("internal error")
    print(f"\nemulator stderr: {internal} internal errors logged ({out / 'emulator-stderr.log'})")
    if failed:
        print(f"FAILED: 5xx or unreadable replies; failing bodies saved as {out}/failure-*.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
