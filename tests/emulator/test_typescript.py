"""The TypeScript SDK (@anthropic-ai/bedrock-sdk, run with tsx) against the emulator, configured only by
the environment a learner gets from the emulator's export lines."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import MODEL, MODEL_BASE, MODEL_GLOBAL, MODEL_US, SONNET_45_GLOBAL
from helpers import catalog
from helpers.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
TSX = REPO / "node_modules" / ".bin" / "tsx"
SCRIPTS = REPO / "tests" / "ts"

ON_DEMAND_MESSAGE = (
    f"Invocation of model ID {MODEL_BASE} with on-demand throughput isn\u2019t "
    "supported. Retry your request with the ID or ARN of an inference profile that contains this model."
)
THROTTLED_MESSAGE = "Too many requests, please wait before trying again."
STREAM_EVENTS = ["message_start", "content_block_start", "content_block_delta", "content_block_stop",
                 "message_delta", "message_stop"]

pytestmark = [
    pytest.mark.typescript,
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not on PATH (needed for the TypeScript SDK)"),
    pytest.mark.skipif(not TSX.exists(), reason=f"{TSX.relative_to(REPO)} is missing: run `npm ci` in the repo"),
]


def run_ts(script: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``tests/ts/<script>`` with tsx and return the JSON line it prints."""
    proc = subprocess.run([str(TSX), str(SCRIPTS / script), *args], cwd=REPO, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120, check=False)
    assert proc.returncode == 0, f"{script} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    lines = proc.stdout.strip().splitlines()
    assert lines, f"{script} printed nothing\nstderr:\n{proc.stderr}"
    return json.loads(lines[-1])


_replies: dict[tuple[str, ...], dict[str, Any]] = {}


def run_ts_once(script: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """``run_ts`` for fault-free runs, memoised per emulator: each tsx start costs about two seconds."""
    key = (env["ANTHROPIC_BEDROCK_BASE_URL"], script, *args)
    if key not in _replies:
        _replies[key] = run_ts(script, *args, env=env)
    return _replies[key]


def squash(events: list[str]) -> list[str]:
    """Event types with consecutive repeats collapsed (the many content_block_delta become one)."""
    return [e for i, e in enumerate(events) if i == 0 or events[i - 1] != e]


class TestCreate:
    """messages.create() without streaming."""

    @pytest.mark.parametrize("model", [MODEL_GLOBAL, MODEL_US])
    def test_message_shape(self, aws_env: dict[str, str], emulator: Emulator, model: str) -> None:
        """A Bedrock-shaped Message: msg_bdrk_ id, Anthropic model name, text, end_turn, usage."""
        out = run_ts_once("create.ts", model, env=aws_env)
        assert out["id"].startswith("msg_bdrk_01")
        assert (out["type"], out["role"]) == ("message", "assistant")
        assert out["model"] == MODEL.api_name
        assert out["content_types"] == ["text"] and out["text"].strip()
        assert out["stop_reason"] == "end_turn" and out["stop_sequence"] is None
        assert out["usage"]["input_tokens"] > 0 and out["usage"]["output_tokens"] > 0

    def test_configured_by_environment_only(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        """The SDK took its region from AWS_REGION and its base URL from ANTHROPIC_BEDROCK_BASE_URL."""
        out = run_ts_once("create.ts", MODEL_GLOBAL, env=aws_env)
        assert out["region"] == aws_env["AWS_REGION"] == emulator.region
        assert out["base_url"] == aws_env["ANTHROPIC_BEDROCK_BASE_URL"] == emulator.https_url


class TestStream:
    """Streaming: the messages.stream() helper and create({stream: true})."""

    @pytest.fixture
    def streamed(self, aws_env: dict[str, str]) -> dict[str, Any]:
        return run_ts_once("stream.ts", MODEL_GLOBAL, env=aws_env)

    def test_helper_events(self, streamed: dict[str, Any]) -> None:
        """messages.stream() yields the Messages event sequence, in several text deltas."""
        helper = streamed["helper"]
        assert squash(helper["events"]) == STREAM_EVENTS
        assert helper["delta_count"] > 1
        assert helper["text"] and helper["on_text"] == helper["text"]

    def test_helper_final_message(self, streamed: dict[str, Any]) -> None:
        """finalMessage() is the accumulated message: same text as the deltas, end_turn, usage."""
        helper, final = streamed["helper"], streamed["helper"]["final"]
        assert final["id"].startswith("msg_bdrk_01")
        assert final["model"] == MODEL.api_name
        assert final["text"] == helper["text"]
        assert final["stop_reason"] == "end_turn"
        assert final["usage"]["input_tokens"] > 0 and final["usage"]["output_tokens"] > 0

    def test_create_stream_true(self, streamed: dict[str, Any]) -> None:
        """create({stream: true}) yields the same event sequence and the same text."""
        raw = streamed["raw"]
        assert squash(raw["events"]) == STREAM_EVENTS
        assert raw["delta_count"] > 1
        assert raw["id"].startswith("msg_bdrk_01") and raw["model"] == MODEL.api_name
        assert raw["stop_reason"] == "end_turn"
        assert raw["usage"]["input_tokens"] > 0 and raw["usage"]["output_tokens"] > 0
        assert raw["text"] == streamed["helper"]["text"]

    def test_stream_matches_create(self, aws_env: dict[str, str], streamed: dict[str, Any]) -> None:
        """A streamed reply carries the same text and usage as the non-streamed one."""
        created = run_ts_once("create.ts", MODEL_GLOBAL, env=aws_env)
        final = streamed["helper"]["final"]
        assert final["text"] == created["text"]
        assert final["usage"]["input_tokens"] == created["usage"]["input_tokens"]
        assert final["usage"]["output_tokens"] == created["usage"]["output_tokens"]


class TestErrors:
    """How the TypeScript SDK surfaces Bedrock's errors (wire spec §3.3, §1.6)."""

    def test_bare_on_demand_id(self, aws_env: dict[str, str]) -> None:
        """The bare id of a profile-only model: BadRequestError, 400, Bedrock's message verbatim."""
        out = run_ts("errors.ts", "create", "0", MODEL_BASE, env=aws_env)
        assert not out["ok"]
        # bedrock-sdk 0.36 errors keep Error's ``name``: the class is the constructor (and instanceof).
        assert out["constructor"] == "BadRequestError" and out["is_bad_request"] and out["is_api_error"]
        assert out["status"] == 400
        assert out["message"] == f"400 {ON_DEMAND_MESSAGE}"
        assert out["error"] == {"message": ON_DEMAND_MESSAGE}

    def test_throttled_without_retries(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        """With maxRetries 0 one throttled call is a RateLimitError with status 429."""
        emulator.throttle(next=1)
        out = run_ts("errors.ts", "create", "0", MODEL_GLOBAL, env=aws_env)
        assert not out["ok"]
        assert out["constructor"] == "RateLimitError" and out["is_rate_limit"]
        assert out["status"] == 429
        assert out["message"] == f"429 {THROTTLED_MESSAGE}"
        assert out["error"] == {"message": THROTTLED_MESSAGE}

    def test_default_retries_absorb_two_throttles(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        """The SDK's two default retries get through two throttled attempts."""
        emulator.throttle(next=2)
        out = run_ts("errors.ts", "create", "2", MODEL_GLOBAL, env=aws_env)
        assert out["ok"] and out["id"].startswith("msg_bdrk_01")
        assert emulator.state.snapshot()["throttle"]["next"] == 0

    def test_throttled_beyond_retries(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        """Three throttled attempts exhaust two retries: RateLimitError."""
        emulator.throttle(next=3)
        out = run_ts("errors.ts", "create", "2", MODEL_GLOBAL, env=aws_env)
        assert not out["ok"] and out["constructor"] == "RateLimitError" and out["status"] == 429
        assert emulator.state.snapshot()["throttle"]["next"] == 0

    @pytest.mark.parametrize("scenario", ["mid-stream", "mid-stream-raw"])
    def test_mid_stream_throttling(self, aws_env: dict[str, str], emulator: Emulator, scenario: str) -> None:
        """A throttlingException frame mid-stream: APIError without status, typed error body."""
        emulator.throttle(next=1, mid_stream=True)
        out = run_ts("errors.ts", scenario, "0", MODEL_GLOBAL, env=aws_env)
        assert not out["ok"]
        assert out["constructor"] == "APIError" and out["is_api_error"] and not out["is_rate_limit"]
        assert out["status"] is None
        assert out["error"] == {"type": "error",
                                "error": {"type": "throttlingException", "message": THROTTLED_MESSAGE}}
        assert out["type"] == "throttlingException"
        # The stream really started before it failed.
        assert out["events"][0] == "message_start" and "message_stop" not in out["events"]
        assert out["text"]


class TestModelAccessAndVersions:
    """The TypeScript SDK meets today's Bedrock: the Legacy 404 for a new account, and the version 400 that
    bedrock-sdk >= 1.0's default ``anthropic_version`` gets on the guide's models."""

    def test_legacy_model_for_a_new_account(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        out = run_ts("errors.ts", "create", "0", SONNET_45_GLOBAL, env=aws_env)
        assert not out["ok"] and out["constructor"] == "NotFoundError" and out["status"] == 404
        assert out["error"] == {"message": catalog.general("legacy_inactivity_days").quote}
        emulator.account(legacy_use=True)
        assert run_ts("errors.ts", "create", "0", SONNET_45_GLOBAL, env=aws_env)["ok"]

    def test_new_api_version(self, aws_env: dict[str, str]) -> None:
        out = run_ts("errors.ts", "create", "0", MODEL_GLOBAL, catalog.NEW_API_VERSION, env=aws_env)
        assert not out["ok"] and out["constructor"] == "BadRequestError" and out["status"] == 400
        assert out["error"] == {"message": f"Invalid API version: {catalog.NEW_API_VERSION}"}
        newest = catalog.model("claude-opus-4-7").profile_id("global")
        assert run_ts("errors.ts", "create", "0", newest, catalog.NEW_API_VERSION, env=aws_env)["ok"]
