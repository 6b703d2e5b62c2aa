"""The documented retry configuration rides out injected throttling.

Calls run on 10 threads, as in a workshop where many learners share an account: each still waits
out its own real backoff, but the suite does not wait for all of them in a row.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from anthropic import AnthropicBedrock

from conftest import MODEL_US, claude_body
from helpers import retries
from helpers.emulator import Emulator


def test_boto3_100_calls_with_30_percent_throttling(aws_env: dict[str, Any], emulator: Emulator) -> None:
    """All 100 calls complete, and about 30 % of attempts were retried."""
    emulator.throttle(rate=0.3, seed=42)
    client = boto3.Session().client("bedrock-runtime", config=retries.boto3_config())

    def call(i: int) -> int:
        response = client.invoke_model(body=claude_body(f"call {i}", max_tokens=8), modelId=MODEL_US)
        assert json.loads(response["body"].read())["type"] == "message"
        return response["ResponseMetadata"]["RetryAttempts"]

    with ThreadPoolExecutor(10) as pool:
        attempts = list(pool.map(call, range(100)))
    assert len(attempts) == 100 and 15 <= sum(attempts) <= 80


def test_anthropic_sdk_with_the_same_budget(aws_env: dict[str, Any], emulator: Emulator) -> None:
    emulator.throttle(rate=0.3, seed=7)
    client = AnthropicBedrock(max_retries=retries.ANTHROPIC_MAX_RETRIES)

    def call(i: int) -> str:
        message = client.messages.create(model=MODEL_US, max_tokens=8,
                                         messages=[{"role": "user", "content": f"call {i}"}])
        return message.content[0].text

    with ThreadPoolExecutor(10) as pool:
        assert len(list(pool.map(call, range(30)))) == 30
