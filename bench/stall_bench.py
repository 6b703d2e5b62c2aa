"""No request stalls another: replay the hostile inputs of issue E against a real emulator process.

Starts ``python -m helpers.emulator`` on a free port, then sends each hostile input (built in memory by
tools/make_hostile_pdfs.py, full size) while a second client sends simple InvokeModels back to back. Prints,
per input: its status and latency, the simple calls made meanwhile (count, p99, max), and the peak RSS of the
emulator process and of its PDF worker process in that time. Targets: simple-call p99 < 1 s throughout; peak
RSS < 1 GB for any body up to 25 MB. Prints figures; asserts nothing.

    .venv/bin/python bench/stall_bench.py            # about two minutes
    .venv/bin/python bench/stall_bench.py --quick    # without the 30 s time-budget case
    .venv/bin/python bench/stall_bench.py --only "under an unknown key"   # some inputs only
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from shared import PROFILE, free_port, wait_for_port  # noqa: E402  (bench/shared.py: this folder is on sys.path)

from helpers.emulator import auth  # noqa: E402
from tools import make_hostile_pdfs as hostile  # noqa: E402

SIMPLE = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                     "messages": [{"role": "user", "content": "Hello, world"}]})
MB = 1 << 20


def pdf_body(data: bytes) -> str:
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "messages": [{
        "role": "user", "content": [
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": base64.b64encode(data).decode()}},
            {"type": "text", "text": "What does this document say?"}]}]})


def text_body(document: str, question: str) -> str:
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "messages": [{
        "role": "user", "content": [
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": document},
             "citations": {"enabled": True}},
            {"type": "text", "text": question}]}]})


def json_body(content: object = "Hello", **extra: object) -> str:
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                       "messages": [{"role": "user", "content": content}], **extra})


def distinct(data: bytes, n: int) -> bytes:
    """The same PDF made a distinct file (a trailing comment), so no cache can answer for it."""
    return data + b"\n%" + str(n).encode() + b"\n"


def hostile_inputs(quick: bool) -> list[tuple[str, Callable[[], list[str]]]]:
    """(label, build → the request bodies to send one after another)."""
    bomb = hostile.flate_bomb(1)
    cases = [
        ("nested forms, 40 levels", lambda: [pdf_body(hostile.nested_forms(40))]),
        ("wide forms, 200 x 5 levels", lambda: [pdf_body(hostile.wide_forms(200, 5))]),
        ("100,000 pages", lambda: [pdf_body(hostile.many_pages(100_000))]),
        ("flate bomb (75 MB inflated)", lambda: [pdf_body(bomb)]),
        ("8 distinct flate bombs", lambda: [pdf_body(distinct(bomb, n)) for n in range(8)]),
        ("50 pages of flate streams", lambda: [pdf_body(hostile.flate_bomb(pages=50))]),
        ("100 pages of flate streams (~24 MB body)", lambda: [pdf_body(hostile.flate_bomb(pages=100))]),
        ("46,500-word question x 46,500 sentences",
         lambda: [text_body(hostile.one_word_sentences(46_500), hostile.long_question(46_500))]),
        # Bodies whose JSON alone is the heavy part: millions of small values to build (parsed off the loop, with
        # Python hooks between values so the parse cannot hold the GIL for all of it).
        ("18 MB of integers under an unknown key", lambda: [json_body(extra=[0] * 6_000_000)]),
        ("600,000 small text blocks", lambda: [json_body(content=[{"type": "text", "text": "hi"}] * 600_000)]),
        ("5,500,000 empty arrays under an unknown key", lambda: [json_body(extra=[[]] * 5_500_000)]),
    ]
    if not quick:  # within every cap, ~5 s a page to extract: stopped by the 30 s time budget
        cases.append(("slow pages (time budget)",
                      lambda: [pdf_body(hostile.flate_bomb(pages=20, inflated=2_000_000))]))
    return cases


# --- measuring -------------------------------------------------------------------------------------------------

def rss_bytes(pid: int) -> int:
    """Current RSS of ``pid`` (psutil if installed, else /proc); 0 if unknown."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss
    except ImportError:
        pass
    except Exception:
        return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        pass
    except Exception:
        return []
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


class Sampler(threading.Thread):
    """Peak RSS of the emulator and of its children, sampled every 20 ms, per window."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop, self.lock = pid, threading.Event(), threading.Lock()
        self.peaks = [0, 0]

    def take(self) -> tuple[int, int]:
        with self.lock:
            peaks, self.peaks = tuple(self.peaks), [rss_bytes(self.pid), 0]
        return peaks

    def run(self) -> None:
        while not self.stop.is_set():
            main = rss_bytes(self.pid)
            worker = max((rss_bytes(c) for c in children(self.pid)), default=0)
            with self.lock:
                self.peaks = [max(self.peaks[0], main), max(self.peaks[1], worker)]
            time.sleep(0.02)


class SimpleCalls(threading.Thread):
    """A second client: simple InvokeModels back to back; (end time, latency) of each."""

    def __init__(self, client: object) -> None:
        super().__init__(daemon=True)
        self.client, self.stop, self.calls, self.errors = client, threading.Event(), [], 0

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                self.client.invoke_model(modelId=PROFILE, body=SIMPLE)
            except Exception:
                self.errors += 1
            self.calls.append((time.perf_counter(), time.perf_counter() - started))

    def between(self, start: float, end: float) -> list[float]:
        return sorted(latency for at, latency in list(self.calls) if start <= at <= end)


def send(client: object, body: str) -> tuple[int, str]:
    try:
        client.invoke_model(modelId=PROFILE, body=body)
        return 200, ""
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Message"]


def start_emulator() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "helpers.emulator", "--port", str(port)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60)
    except RuntimeError:
        proc.kill()
        raise RuntimeError("the emulator did not start") from None
    return proc, f"http://127.0.0.1:{port}"


def client(url: str) -> object:
    return boto3.session.Session().client(
        "bedrock-runtime", endpoint_url=url, region_name="us-east-1", aws_access_key_id=auth.ACCESS_KEY_ID,
        aws_secret_access_key=auth.SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=300, max_pool_connections=2))


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 30 s time-budget case")
    parser.add_argument("--only", default="", help="run only the inputs whose label contains this text")
    args = parser.parse_args()
    proc, url = start_emulator()
    sampler, simple = Sampler(proc.pid), SimpleCalls(client(url))
    hostile_client = client(url)
    try:
        sampler.start()
        simple.start()
        time.sleep(1.0)  # warm up
        print(f"emulator pid {proc.pid} at {url}; a second client sends simple InvokeModels throughout\n")
        header = (f"{'hostile input':42} {'body MB':>8} {'status':>7} {'own s':>7} {'simple n':>9} {'p99 ms':>7} "
                  f"{'max ms':>7} {'emu MB':>7} {'worker MB':>9}  message")
        print(header)
        print("-" * len(header))
        all_simple: list[float] = []
        worst = [0, 0]
        for label, build in [c for c in hostile_inputs(args.quick) if args.only in c[0]]:
            bodies = build()
            sampler.take()
            start = time.perf_counter()
            results = [send(hostile_client, body) for body in bodies]
            end = time.perf_counter()
            time.sleep(0.3)
            lat = simple.between(start, end + 0.3)
            all_simple += lat
            emu, worker = sampler.take()
            worst = [max(worst[0], emu), max(worst[1], worker)]
            status = "/".join(sorted({str(s) for s, _ in results}))
            message = results[-1][1][:70]
            size = max(len(b) for b in bodies) / 1e6
            print(f"{label:42} {size:8.2f} {status:>7} {end - start:7.2f} {len(lat):9d} "
                  f"{percentile(lat, 0.99) * 1000:7.0f} {(lat[-1] if lat else float('nan')) * 1000:7.0f} "
                  f"{emu / MB:7.0f} {worker / MB:9.0f}  {message}", flush=True)
        all_simple.sort()
        print(f"\nsimple calls while hostile inputs ran: {len(all_simple)}, "
              f"p99 {percentile(all_simple, 0.99) * 1000:.0f} ms, max {all_simple[-1] * 1000:.0f} ms, "
              f"errors {simple.errors} (target: p99 < 1,000 ms)")
        print(f"peak RSS: emulator {worst[0] / MB:.0f} MB, PDF worker {worst[1] / MB:.0f} MB (target: < 1,024 MB)")
    finally:
        simple.stop.set()
        sampler.stop.set()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
