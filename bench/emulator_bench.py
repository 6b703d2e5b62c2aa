"""Benchmark the emulator: requests/s and latency under concurrent signed keep-alive clients.

Prints figures; asserts nothing (performance targets live here, not in unit tests). Each server
runs in its own process; the load comes from one asyncio process replaying requests signed with
botocore's SigV4 signer (valid for 15 minutes), over persistent HTTP/1.1 connections, and over
HTTP/2 (cleartext, prior knowledge: several connections, several concurrent streams each), so the emulator
verifies every signature while the client spends almost nothing per request. HTTP/2 load comes from nghttp2's
``h2load`` when it is installed (Debian/Ubuntu: ``apt install nghttp2-client``; macOS: ``brew install
nghttp2``), else from the ``h2`` library, whose per-request cost in Python then limits the HTTP/2 rows on a
small machine (``--python-h2`` forces it).

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
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import h2.config
import h2.connection
import h2.events
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
FLOOR = "floor (bare ASGI, same stack)"
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


def signed_h2(port: int, path: str, body: str, credentials: Credentials,
              region: str = "us-east-1") -> tuple[list[tuple[str, str]], bytes]:
    """The HTTP/2 headers (pseudo-headers first) and body of a request signed by botocore."""
    request = AWSRequest("POST", f"http://127.0.0.1:{port}{path}", data=body.encode(),
                         headers={"Content-Type": "application/json", "Accept": "application/json"})
    SigV4Auth(credentials, "bedrock", region).add_auth(request)
    prepared = request.prepare()
    headers = [(":method", "POST"), (":scheme", "http"), (":authority", f"127.0.0.1:{port}"), (":path", path)]
    headers += [(k.lower(), v) for k, v in prepared.headers.items() if k.lower() not in ("host", "content-length")]
    return [*headers, ("content-length", str(len(prepared.body)))], prepared.body


async def _h2_worker(port: int, request: tuple[list, bytes], until: float, latencies: list[float], statuses: dict,
                     streams: int) -> None:
    """An HTTP/2 connection keeping ``streams`` requests in flight until ``until`` (a new one if the server
    ends it, as hypercorn does after 1,000 requests)."""
    while time.perf_counter() < until:
        await _h2_connection(port, request, until, latencies, statuses, streams)


async def _h2_connection(port: int, request: tuple[list, bytes], until: float, latencies: list[float],
                         statuses: dict, streams: int) -> None:
    headers, body = request
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
    conn.initiate_connection()
    started: dict[int, float] = {}
    status: dict[int, int] = {}

    def send() -> None:
        stream = conn.get_next_available_stream_id()
        conn.send_headers(stream, headers)
        conn.send_data(stream, body, end_stream=True)
        started[stream] = time.perf_counter()

    for _ in range(streams):
        send()
    writer.write(conn.data_to_send())
    try:
        while started:
            data = await reader.read(65536)
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    status[event.stream_id] = int(dict(event.headers)[b":status"])
                elif isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    latencies.append(time.perf_counter() - started.pop(event.stream_id))
                    code = status.pop(event.stream_id)
                    statuses[code] = statuses.get(code, 0) + 1
                    if time.perf_counter() < until:
                        send()
            writer.write(conn.data_to_send())
    finally:
        writer.close()


def load(port: int, request: bytes | tuple[list, bytes], seconds: float, connections: int, streams: int = 1) -> dict:
    """Drive ``connections`` keep-alive clients for ``seconds`` (after a short warm-up): HTTP/1.1 for a
    ``request`` of bytes, HTTP/2 with ``streams`` concurrent streams per connection for (headers, body)."""
    async def run(duration: float) -> tuple[list[float], dict]:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        until = time.perf_counter() + duration
        if isinstance(request, bytes):
            workers = (_worker(port, request, until, latencies, statuses) for _ in range(connections))
        else:
            workers = (_h2_worker(port, request, until, latencies, statuses, streams) for _ in range(connections))
        await asyncio.gather(*workers)
        return latencies, statuses

    asyncio.run(run(min(1.0, seconds / 3)))
    started = time.perf_counter()
    latencies, statuses = asyncio.run(run(seconds))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000, "statuses": statuses}


def h2load(port: int, request: tuple[list, bytes], seconds: float, connections: int, streams: int) -> dict:
    """The HTTP/2 load from nghttp2's ``h2load`` (C), when installed: the Python h2 client spends more CPU per
    request than the emulator does, so on 2 cores it, not the server, sets the HTTP/2 figures."""
    headers, body = request
    with tempfile.NamedTemporaryFile(suffix=".json") as data:
        data.write(body)
        data.flush()
        argv = ["h2load", "-D", str(max(1, round(seconds))), "--warm-up-time", "1", "-c", str(connections),
                "-m", str(streams), "-d", data.name]
        argv += [a for name, value in headers if not name.startswith(":") and name != "content-length"
                 for a in ("-H", f"{name}: {value}")]
        argv.append(f"http://127.0.0.1:{port}{dict(headers)[':path']}")
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"finished in [\d.]+s, ([\d.]+) req/s", out)[1])
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out).groups()
    statuses = {kind: int(n) for kind, n in zip(("2xx", "3xx", "4xx", "5xx"), codes, strict=True) if int(n)}
    # h2load's per-request times: "time for request:  min  max  mean  sd" (mean, not percentiles).
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    mean = re.search(r"time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", out)
    mean_ms = float(mean[1]) * unit[mean[2]] if mean else float("nan")
    return {"rps": rps, "p50": mean_ms, "p99": float("nan"), "statuses": statuses}


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
    parser.add_argument("--connections", type=int, default=16,
                        help="concurrent keep-alive HTTP/1.1 clients (and HTTP/2 streams in flight)")
    parser.add_argument("--h2-connections", type=int, default=4, help="HTTP/2 connections carrying those streams")
    parser.add_argument("--python-h2", action="store_true",
                        help="drive HTTP/2 with the Python h2 client even when h2load (nghttp2) is installed")
    parser.add_argument("--ministack", default=os.environ.get("MINISTACK") or shutil.which("ministack"),
                        help="MiniStack's command, to measure it side by side (default: on PATH)")
    args = parser.parse_args()
    creds = Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
    rows: list[tuple[str, dict]] = []
    procs: list[subprocess.Popen] = []
    invoke_path = f"/model/{PROFILE.replace(':', '%3A')}/invoke"
    converse_path = f"/model/{PROFILE.replace(':', '%3A')}/converse"

    def measure(name: str, port: int, path: str, body: str) -> None:
        """A row on HTTP/1.1 (``--connections`` clients) and one on HTTP/2 (the same number of streams)."""
        rows.append((f"{name} (HTTP/1.1)", load(port, signed_bytes(port, path, body, creds),
                                               args.seconds, args.connections)))
        h2_request = signed_h2(port, path, body, creds)
        h2_driver = h2load if shutil.which("h2load") and not args.python_h2 else load
        rows.append((f"{name} (HTTP/2)", h2_driver(port, h2_request, args.seconds, args.h2_connections,
                                                   args.connections // args.h2_connections)))

    try:
        port = free_port()
        procs.append(start_server([sys.executable, "-m", "helpers.emulator", "--port", str(port)], port))
        measure("emulator InvokeModel", port, invoke_path, SMALL_BODY)
        measure("emulator Converse", port, converse_path, CONVERSE_BODY)
        big = [round_trip(port, chars, 5) for chars in (3_900_000, 4_500_000)]
        single = {"emulator": sequential_boto3(port, 300)}

        floor = free_port()
        procs.append(start_server([sys.executable, str(ROOT / "bench" / "floor_server.py"), str(floor)], floor))
        measure(FLOOR, floor, invoke_path, SMALL_BODY)
        single["floor"] = sequential_boto3(floor, 300)
        if args.ministack:
            mini = free_port()
            procs.append(start_server([args.ministack], mini, {"GATEWAY_PORT": str(mini), "LOG_LEVEL": "ERROR"}))
            measure("MiniStack InvokeModel", mini, invoke_path, SMALL_BODY)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)

    h2_driver_name = ("h2load (nghttp2; its p50 column is the mean)" if shutil.which("h2load") and not args.python_h2
                      else "the Python h2 client")
    print(f"\nHTTP/1.1: {args.connections} signed keep-alive clients; HTTP/2: {args.h2_connections} connections x "
          f"{args.connections // args.h2_connections} streams, driven by {h2_driver_name}; "
          f"{args.seconds:.0f} s per row, {os.cpu_count()} cores\n")
    print(f"| {'server / operation':<40} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | statuses |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 9}|{'-' * 9}|----------|")
    for name, r in rows:
        print(f"| {name:<40} | {r['rps']:8.0f} | {r['p50']:7.2f} | {r['p99']:7.2f} | {r['statuses']} |")
    by_name = dict(rows)
    emu, floor_row = by_name["emulator InvokeModel (HTTP/1.1)"], by_name[f"{FLOOR} (HTTP/1.1)"]
    print(f"\nunder load: emulator p50 / floor p50 = {emu['p50'] / floor_row['p50']:.2f} (target <= 1.3)")
    print(f"one boto3 client, one request at a time: emulator p50 {single['emulator']:.2f} ms, "
          f"floor p50 {single['floor']:.2f} ms, ratio {single['emulator'] / single['floor']:.2f} (target <= 1.3)")
    if "MiniStack InvokeModel (HTTP/1.1)" in by_name:
        for protocol in ("HTTP/1.1", "HTTP/2"):
            emulator_rps = by_name[f"emulator InvokeModel ({protocol})"]["rps"]
            ratio = emulator_rps / by_name[f"MiniStack InvokeModel ({protocol})"]["rps"]
            print(f"emulator / MiniStack InvokeModel req/s on {protocol} = {ratio:.2f} (target >= 3)")
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
