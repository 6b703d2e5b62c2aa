"""Benchmark the emulator: requests/s and latency under concurrent signed keep-alive clients.

Prints figures; asserts nothing (performance targets live here, not in unit tests). Each server
runs in its own process; the load comes from one asyncio process replaying requests signed with
botocore's SigV4 signer (valid for 15 minutes), over persistent HTTP/1.1 connections, so the
emulator verifies every signature while the client spends almost nothing per request.

    make bench                      # or: .venv/bin/python bench/emulator_bench.py --seconds 5
    MINISTACK=/path/to/ministack make bench   # adds MiniStack side by side when it is installed

Rows: the emulator (InvokeModel, Converse), a bare "floor" ASGI app on the same granian stack
that answers without reading anything, and MiniStack's InvokeModel if found. Then the warm round
trip of 4.5 MB long-context requests through boto3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from shared import PROFILE, free_port, wait_for_port  # noqa: E402  (bench/shared.py: this folder is on sys.path)

from helpers.emulator import auth  # noqa: E402

SMALL_BODY = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                         "messages": [{"role": "user", "content": "Hello, world"}]})
CONVERSE_BODY = json.dumps({"messages": [{"role": "user", "content": [{"text": "Hello, world"}]}],
                            "inferenceConfig": {"maxTokens": 64}})


def start_server(argv: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return proc


def signed_bytes(port: int, path: str, body: str, credentials: Credentials, region: str = "us-east-1") -> bytes:
    """A complete HTTP/1.1 request, signed by botocore, ready to replay on a keep-alive connection."""
    request = AWSRequest("POST", f"http://127.0.0.1:{port}{path}", data=body.encode(),
                         headers={"Content-Type": "application/json", "Accept": "application/json"})
    SigV4Auth(credentials, "bedrock", region).add_auth(request)
    prepared = request.prepare()
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    head += [f"{k}: {v}" for k, v in prepared.headers.items() if k.lower() not in ("host", "content-length")]
    head.append(f"Content-Length: {len(prepared.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + prepared.body


async def _worker(port: int, request: bytes, until: float, latencies: list[float], statuses: dict) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def load(port: int, request: bytes, seconds: float, connections: int) -> dict:
    """Drive ``connections`` keep-alive clients for ``seconds`` (after a short warm-up)."""
    async def run(duration: float) -> tuple[list[float], dict]:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        until = time.perf_counter() + duration
        await asyncio.gather(*(_worker(port, request, until, latencies, statuses) for _ in range(connections)))
        return latencies, statuses

    asyncio.run(run(min(1.0, seconds / 3)))
    started = time.perf_counter()
    latencies, statuses = asyncio.run(run(seconds))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000, "statuses": statuses}


def round_trip(port: int, text_chars: int, repeats: int) -> tuple[float, int, int]:
    """Median warm round trip (ms) of a long-context InvokeModel through boto3, its body size and status."""
    client = boto3.client("bedrock-runtime", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY,
                          config=Config(retries={"total_max_attempts": 1}))
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "anthropic_beta": ["context-1m-2025-08-07"],
                       "max_tokens": 64, "messages": [{"role": "user", "content": "word " * (text_chars // 5)}]})
    times, status = [], 0
    for _ in range(repeats + 1):
        started = time.perf_counter()
        try:
            client.invoke_model(body=body, modelId=PROFILE)["body"].read()
            status = 200
        except client.exceptions.ValidationException:
            status = 400
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:]), len(body), status


def sequential_boto3(port: int, calls: int) -> float:
    """p50 latency (ms) one boto3 client sees, one request at a time: what a learner experiences."""
    client = boto3.client("bedrock-runtime", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY)
    times = []
    for _ in range(calls + 20):
        started = time.perf_counter()
        client.invoke_model(body=SMALL_BODY, modelId=PROFILE)["body"].read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[20:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per row")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive clients")
    parser.add_argument("--ministack", default=os.environ.get("MINISTACK") or shutil.which("ministack"),
                        help="MiniStack's command, to measure it side by side (default: on PATH)")
    args = parser.parse_args()
    creds = Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
    rows: list[tuple[str, dict]] = []
    procs: list[subprocess.Popen] = []
    try:
        port = free_port()
        procs.append(start_server([sys.executable, "-m", "helpers.emulator", "--port", str(port)], port))
        invoke_path = f"/model/{PROFILE.replace(':', '%3A')}/invoke"
        rows.append(("emulator InvokeModel", load(port, signed_bytes(port, invoke_path, SMALL_BODY, creds),
                                                  args.seconds, args.connections)))
        converse_path = f"/model/{PROFILE.replace(':', '%3A')}/converse"
        rows.append(("emulator Converse", load(port, signed_bytes(port, converse_path, CONVERSE_BODY, creds),
                                               args.seconds, args.connections)))
        big = [round_trip(port, chars, 5) for chars in (3_900_000, 4_500_000)]
        single = {"emulator": sequential_boto3(port, 300)}

        floor = free_port()
        procs.append(start_server([sys.executable, str(ROOT / "bench" / "floor_server.py"), str(floor)], floor))
        rows.append(("floor (bare ASGI, same stack)", load(floor, signed_bytes(floor, invoke_path, SMALL_BODY, creds),
                                                           args.seconds, args.connections)))
        single["floor"] = sequential_boto3(floor, 300)
        if args.ministack:
            mini = free_port()
            procs.append(start_server([args.ministack], mini, {"GATEWAY_PORT": str(mini), "LOG_LEVEL": "ERROR"}))
            rows.append(("MiniStack InvokeModel", load(mini, signed_bytes(mini, invoke_path, SMALL_BODY, creds),
                                                       args.seconds, args.connections)))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)

    print(f"\n{args.connections} signed keep-alive clients, {args.seconds:.0f} s per row, {os.cpu_count()} cores\n")
    print(f"| {'server / operation':<30} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | statuses |")
    print(f"|{'-' * 32}|{'-' * 10}|{'-' * 9}|{'-' * 9}|----------|")
    for name, r in rows:
        print(f"| {name:<30} | {r['rps']:8.0f} | {r['p50']:7.2f} | {r['p99']:7.2f} | {r['statuses']} |")
    by_name = dict(rows)
    emu, floor_row = by_name["emulator InvokeModel"], by_name["floor (bare ASGI, same stack)"]
    print(f"\nunder load: emulator p50 / floor p50 = {emu['p50'] / floor_row['p50']:.2f} (target <= 1.3)")
    print(f"one boto3 client, one request at a time: emulator p50 {single['emulator']:.2f} ms, "
          f"floor p50 {single['floor']:.2f} ms, ratio {single['emulator'] / single['floor']:.2f} (target <= 1.3)")
    if "MiniStack InvokeModel" in by_name:
        print(f"emulator / MiniStack InvokeModel req/s = {emu['rps'] / by_name['MiniStack InvokeModel']['rps']:.2f}"
              " (target >= 2)")
    else:
        print("MiniStack not found: install it elsewhere and pass --ministack or MINISTACK=… to compare.")
    print("\nLong-context InvokeModel through boto3 (context-1m beta), median of 5 warm runs:")
    for ms, size, status in big:
        outcome = "200 OK" if status == 200 else "400 prompt is too long (> 1M tokens)"
        print(f"  {size / 1e6:.1f} MB body: {ms:.1f} ms round trip -> {outcome}")
    print("(target: 4.5 MB round trip <= 50 ms warm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
