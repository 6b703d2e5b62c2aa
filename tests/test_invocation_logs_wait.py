"""helpers.invocation_logs.wait: records arrive minutes after the calls on AWS, so notebook 07 waits for them."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import MODEL_GLOBAL

from helpers import connect, invocation_logs


def logged_calls(n: int) -> None:
    runtime = boto3.client("bedrock-runtime")
    for i in range(n):
        runtime.invoke_model(modelId=MODEL_GLOBAL, body=json.dumps({
            "anthropic_version": "bedrock-2023-05-31", "max_tokens": 16,
            "messages": [{"role": "user", "content": f"call {i}"}]}))


@pytest.fixture
def logging_on(clean_env: None) -> Any:
    conn = connect("offline")
    bedrock = boto3.client("bedrock")
    config = invocation_logs.logging_config(bucket="wait-test-bucket", prefix="waiting")
    bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
    yield conn, config
    bedrock.delete_model_invocation_logging_configuration()


def test_returns_only_the_new_records_with_a_full_bar(logging_on: Any, capsys: pytest.CaptureFixture[str]) -> None:
    conn, config = logging_on
    already = len(invocation_logs.read(conn, config))
    logged_calls(2)
    records = invocation_logs.wait(conn, config, expected=2, since=already, interval=0.05)
    assert [r["input"]["inputBodyJson"]["messages"][0]["content"] for r in records] == ["call 0", "call 1"]
    out = capsys.readouterr().out
    assert out.endswith(f"records [{'#' * 30}]         2 / 2 arrived\n")

    logged_calls(1)  # a second run of the same cell: earlier records are not counted again
    again = invocation_logs.wait(conn, config, expected=1, since=already + 2, interval=0.05)
    assert [r["input"]["inputBodyJson"]["messages"][0]["content"] for r in again] == ["call 0"]


def test_gives_up_with_what_arrived_and_what_to_check(logging_on: Any, capsys: pytest.CaptureFixture[str]) -> None:
    conn, config = logging_on
    already = len(invocation_logs.read(conn, config))
    logged_calls(1)
    with pytest.raises(TimeoutError) as caught:
        invocation_logs.wait(conn, config, expected=3, since=already, timeout=0.3, interval=0.1)
    assert str(caught.value).startswith("Only 1 of 3 records arrived in 0 s.")
    assert "run this cell again" in str(caught.value) and "prerequisites()" in str(caught.value)
    bars = capsys.readouterr().out.split("\r")[1:]
    assert len(bars) >= 2 and all("1 / 3 arrived, waited" in b for b in bars)
