"""The AWS CLI found on PATH against the emulator, configured only by the emulator's export lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest

from conftest import MODEL, MODEL_BASE, MODEL_GLOBAL, MODEL_US, NO_RETRY, claude_body
from helpers.emulator import Emulator, auth

AWS = shutil.which("aws")
ON_DEMAND_MESSAGE = (
    f"Invocation of model ID {MODEL_BASE} with on-demand throughput isn\u2019t "
    "supported. Retry your request with the ID or ARN of an inference profile that contains this model."
)
# The guide's command, unchanged.
GUIDE_LIST_MODELS = ["bedrock", "list-foundation-models", "--region=us-west-2", "--by-provider", "anthropic",
                     "--query", "modelSummaries[*].modelId"]
MESSAGES = '[{"role": "user", "content": [{"text": "Hello, world"}]}]'

pytestmark = [pytest.mark.cli, pytest.mark.skipif(AWS is None, reason="the AWS CLI (`aws`) is not on PATH")]

Aws = Callable[..., subprocess.CompletedProcess[str]]


@cache
def cli_version() -> tuple[int, int, int]:
    """(major, minor, patch) from ``aws --version`` (v1 has printed it to stderr in some releases)."""
    proc = subprocess.run([str(AWS), "--version"], capture_output=True, text=True, timeout=60, check=False)
    match = re.search(r"aws-cli/(\d+)\.(\d+)\.(\d+)", proc.stdout + proc.stderr)
    assert match, f"cannot parse `aws --version`: {proc.stdout!r} {proc.stderr!r}"
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


@cache
def supports(*command: str) -> bool:
    """Whether this CLI has the command (e.g. ``bedrock-runtime converse``)."""
    proc = subprocess.run([str(AWS), *command, "help"], capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PAGER": "cat", "MANPAGER": "cat"})
    return proc.returncode == 0


@pytest.fixture
def aws(aws_env: dict[str, str]) -> Aws:
    """Run ``aws ARGS`` with the emulator's environment; skips if the CLI predates AWS_ENDPOINT_URL."""
    version = cli_version()
    if version < (1, 29, 0) or (version[0] == 2 and version < (2, 13, 0)):
        pytest.skip(f"AWS CLI {'.'.join(map(str, version))} ignores AWS_ENDPOINT_URL (needs v1 >= 1.29 or "
                    f"v2 >= 2.13)")

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        extra = ["--no-cli-pager"] if version[0] >= 2 else []
        return subprocess.run([str(AWS), *args, *extra], env=env or aws_env, capture_output=True, text=True,
                              encoding="utf-8", timeout=120, check=False)

    return run


def ok(proc: subprocess.CompletedProcess[str]) -> Any:
    """The JSON a successful command printed."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return json.loads(proc.stdout)


def failed(proc: subprocess.CompletedProcess[str], code: str, operation: str) -> str:
    """The message of a command that failed with ``code``; asserts the CLI's error line."""
    assert proc.returncode != 0, f"expected a failure, got:\n{proc.stdout}"
    prefix = f"An error occurred ({code}) when calling the {operation} operation: "
    assert prefix in proc.stderr, proc.stderr
    return proc.stderr.split(prefix, 1)[1].strip()


def body_args(body: str) -> list[str]:
    """``--body`` as each CLI major version takes a raw JSON string."""
    if cli_version()[0] >= 2:
        return ["--cli-binary-format", "raw-in-base64-out", "--body", body]
    return ["--body", body]


class TestIdentity:
    """The guide's first check: `aws sts get-caller-identity`."""

    def test_get_caller_identity(self, aws: Aws) -> None:
        """The emulator's documented long-term key is the workshop learner of the example account."""
        identity = ok(aws("sts", "get-caller-identity"))
        expected = auth.IDENTITIES[auth.ACCESS_KEY_ID]
        assert identity == {"UserId": expected.user_id, "Account": auth.ACCOUNT_ID, "Arn": expected.arn}

    def test_wrong_secret_is_rejected(self, aws: Aws, aws_env: dict[str, str]) -> None:
        """A mistyped secret fails the signature check, as on AWS (STS says SignatureDoesNotMatch)."""
        env = {**aws_env, "AWS_SECRET_ACCESS_KEY": "x" + aws_env["AWS_SECRET_ACCESS_KEY"][1:]}
        message = failed(aws("sts", "get-caller-identity", env=env), "SignatureDoesNotMatch", "GetCallerIdentity")
        assert message.startswith("The request signature we calculated does not match the signature you provided.")


class TestControlPlane:
    """bedrock list-foundation-models / get-foundation-model."""

    def test_guide_list_command(self, aws: Aws) -> None:
        """The guide's command prints a JSON list of Anthropic model ids, Sonnet 4.5 among them."""
        ids = ok(aws(*GUIDE_LIST_MODELS))
        assert isinstance(ids, list) and ids
        assert all(isinstance(i, str) and i.startswith("anthropic.claude-") for i in ids)
        assert len(ids) == len(set(ids))
        assert MODEL_BASE in ids

    def test_guide_list_matches_boto3(self, aws: Aws) -> None:
        """The CLI and boto3 see the same us-west-2 listing."""
        ids = ok(aws(*GUIDE_LIST_MODELS))
        client = boto3.client("bedrock", region_name="us-west-2", config=NO_RETRY)
        summaries = client.list_foundation_models(byProvider="anthropic")["modelSummaries"]
        assert ids == [s["modelId"] for s in summaries]

    def test_list_arns_name_the_requested_region(self, aws: Aws) -> None:
        """--region=us-west-2 reaches the emulator: the ARNs are us-west-2 foundation-model ARNs."""
        arns = ok(aws("bedrock", "list-foundation-models", "--region=us-west-2", "--by-provider", "anthropic",
                      "--query", "modelSummaries[*].modelArn"))
        assert arns and all(a.startswith("arn:aws:bedrock:us-west-2::foundation-model/anthropic.") for a in arns)

    def test_get_foundation_model(self, aws: Aws, emulator: Emulator) -> None:
        """Sonnet 4.5's details: profile-only (INFERENCE_PROFILE), ARN in the caller's region."""
        details = ok(aws("bedrock", "get-foundation-model", "--model-identifier", MODEL_BASE))["modelDetails"]
        assert details["modelId"] == MODEL_BASE
        assert details["modelArn"] == f"arn:aws:bedrock:{emulator.region}::foundation-model/{MODEL_BASE}"
        assert details["providerName"] == "Anthropic" and details["modelName"] == MODEL.display_name
        assert details["inferenceTypesSupported"] == ["INFERENCE_PROFILE"]
        assert details["modelLifecycle"]["status"] == "ACTIVE"

    def test_get_unknown_foundation_model(self, aws: Aws) -> None:
        failed(aws("bedrock", "get-foundation-model", "--model-identifier", "anthropic.claude-nonexistent-v1:0"),
               "ResourceNotFoundException", "GetFoundationModel")

    def test_wrong_secret_is_rejected(self, aws: Aws, aws_env: dict[str, str]) -> None:
        env = {**aws_env, "AWS_SECRET_ACCESS_KEY": "x" + aws_env["AWS_SECRET_ACCESS_KEY"][1:]}
        message = failed(aws("bedrock", "get-foundation-model", "--model-identifier", MODEL_BASE, env=env),
                         "InvalidSignatureException", "GetFoundationModel")
        assert message.startswith("The request signature we calculated does not match the signature you provided.")


class TestInvokeModel:
    """bedrock-runtime invoke-model: raw JSON body in, response body written to a file."""

    @pytest.mark.parametrize("model", [MODEL_GLOBAL, MODEL_US])
    def test_invoke_model(self, aws: Aws, tmp_path: Path, model: str) -> None:
        """The output file holds a Bedrock-shaped Anthropic Message; stdout names its content type."""
        outfile = tmp_path / "response.json"
        meta = ok(aws("bedrock-runtime", "invoke-model", "--model-id", model, *body_args(claude_body()),
                      str(outfile)))
        assert meta == {"contentType": "application/json"}
        message = json.loads(outfile.read_text(encoding="utf-8"))
        assert message["id"].startswith("msg_bdrk_01")
        assert (message["type"], message["role"]) == ("message", "assistant")
        assert message["model"] == MODEL.api_name
        assert [b["type"] for b in message["content"]] == ["text"] and message["content"][0]["text"].strip()
        assert message["stop_reason"] == "end_turn"
        assert message["usage"]["input_tokens"] > 0 and message["usage"]["output_tokens"] > 0

    def test_bare_on_demand_id_fails(self, aws: Aws, tmp_path: Path) -> None:
        """The bare Sonnet 4.5 id: non-zero exit, Bedrock's ValidationException on stderr, no output file."""
        outfile = tmp_path / "response.json"
        proc = aws("bedrock-runtime", "invoke-model", "--model-id", MODEL_BASE, *body_args(claude_body()),
                   str(outfile))
        assert failed(proc, "ValidationException", "InvokeModel") == ON_DEMAND_MESSAGE
        assert not outfile.exists() or outfile.stat().st_size == 0

    def test_malformed_body_fails(self, aws: Aws, tmp_path: Path) -> None:
        """A body without max_tokens is Bedrock's 'Malformed input request' ValidationException."""
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31",
                           "messages": [{"role": "user", "content": "Hello, world"}]})
        proc = aws("bedrock-runtime", "invoke-model", "--model-id", MODEL_GLOBAL, *body_args(body),
                   str(tmp_path / "response.json"))
        assert failed(proc, "ValidationException", "InvokeModel").startswith("Malformed input request")

    def test_cli_retries_a_throttled_call(self, aws: Aws, emulator: Emulator, tmp_path: Path) -> None:
        """One ThrottlingException is retried by the CLI's default retry mode and the call succeeds."""
        emulator.throttle(next=1)
        outfile = tmp_path / "response.json"
        ok(aws("bedrock-runtime", "invoke-model", "--model-id", MODEL_GLOBAL, *body_args(claude_body()),
               str(outfile)))
        assert json.loads(outfile.read_text(encoding="utf-8"))["stop_reason"] == "end_turn"
        assert emulator.state.snapshot()["throttle"]["next"] == 0


class TestConverse:
    """bedrock-runtime converse (when this CLI has it)."""

    @pytest.fixture(autouse=True)
    def _needs_converse(self, aws: Aws) -> None:
        if not supports("bedrock-runtime", "converse"):
            pytest.skip("this AWS CLI has no `bedrock-runtime converse` command")

    def test_converse(self, aws: Aws) -> None:
        """A Converse response: assistant text, end_turn, consistent usage, latency metric."""
        reply = ok(aws("bedrock-runtime", "converse", "--model-id", MODEL_GLOBAL, "--messages", MESSAGES,
                       "--inference-config", '{"maxTokens": 256}'))
        message = reply["output"]["message"]
        assert message["role"] == "assistant" and message["content"][0]["text"].strip()
        assert reply["stopReason"] == "end_turn"
        usage = reply["usage"]
        assert usage["inputTokens"] > 0 and usage["outputTokens"] > 0
        assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
        assert reply["metrics"]["latencyMs"] >= 0

    def test_converse_matches_invoke_model(self, aws: Aws, tmp_path: Path) -> None:
        """The same prompt gets the same text through Converse and InvokeModel."""
        reply = ok(aws("bedrock-runtime", "converse", "--model-id", MODEL_GLOBAL, "--messages", MESSAGES,
                       "--inference-config", '{"maxTokens": 256}'))
        outfile = tmp_path / "response.json"
        ok(aws("bedrock-runtime", "invoke-model", "--model-id", MODEL_GLOBAL, *body_args(claude_body()),
               str(outfile)))
        invoked = json.loads(outfile.read_text(encoding="utf-8"))
        assert reply["output"]["message"]["content"][0]["text"] == invoked["content"][0]["text"]

    def test_bare_on_demand_id_fails(self, aws: Aws) -> None:
        proc = aws("bedrock-runtime", "converse", "--model-id", MODEL_BASE, "--messages", MESSAGES)
        assert failed(proc, "ValidationException", "Converse") == ON_DEMAND_MESSAGE
