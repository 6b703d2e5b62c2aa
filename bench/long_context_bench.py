"""Time notebook 05's ~1M-token request against the in-kernel emulator, in all three styles (``make bench``).

The emulator runs in this process, as it does in a notebook kernel, so the round trips include
the client's own work (JSON, SigV4 over a 4 MB body). "emulator" is the server's share, from the
``X-Amzn-Bedrock-Invocation-Latency`` header it sets (parse, verify, count, compose).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable

import boto3
from anthropic import AnthropicBedrock
from shared import BENCH_MODEL  # bench/shared.py: this folder is on sys.path

import helpers
from helpers import long_context

MODEL_ID = BENCH_MODEL.profile_id("global")
RUNS = 5


def median_ms(call: Callable[[], object], runs: int = RUNS) -> float:
    call()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    helpers.connect(mode="offline")
    started = time.perf_counter()
    text = long_context.build(990_000, progress=False)
    build_ms = (time.perf_counter() - started) * 1000
    content = text.text + "\n\n" + text.question
    bedrock = boto3.client("bedrock-runtime")
    client = AnthropicBedrock()
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "anthropic_beta": [long_context.BETA],
                       "max_tokens": 1024, "messages": [{"role": "user", "content": content}]})
    server_ms: list[int] = []

    def invoke() -> None:
        response = bedrock.invoke_model(modelId=MODEL_ID, body=body)
        response["body"].read()
        server_ms.append(int(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-bedrock-invocation-latency"]))

    rows = {
        "boto3 invoke_model": median_ms(invoke),
        "AnthropicBedrock beta.messages.create": median_ms(lambda: client.beta.messages.create(
            model=MODEL_ID, max_tokens=1024, betas=[long_context.BETA],
            messages=[{"role": "user", "content": content}])),
        "boto3 converse": median_ms(lambda: bedrock.converse(
            modelId=MODEL_ID, messages=[{"role": "user", "content": [{"text": content}]}],
            inferenceConfig={"maxTokens": 1024}, additionalModelRequestFields={"anthropic_beta": [long_context.BETA]})),
        "boto3 count_tokens": median_ms(lambda: long_context.count_tokens(bedrock, MODEL_ID, json.loads(body))),
    }
    print(f"\n~1M-token request ({text.tokens:,} tokens, {len(body) / 1e6:.1f} MB body), median of {RUNS} warm runs")
    print(f"  build the input: {build_ms:.0f} ms")
    for name, ms in rows.items():
        print(f"  {name:<40} {ms:7.1f} ms round trip")
    print(f"  emulator's own time per InvokeModel (invocation-latency header): {statistics.median(server_ms)} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
