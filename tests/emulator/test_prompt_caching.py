"""Prompt caching with the real clients over HTTP: breakpoints, TTLs on the emulator's clock, the usage fields of
every API, the rules' 400s, and what receipts, comparisons and invocation-log records make of the figures."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import anthropic
import pytest
from anthropic import AnthropicBedrock, AsyncAnthropicBedrock
from botocore.exceptions import ClientError
from logging_setup import destinations

from conftest import error_of
from helpers import catalog, cost
from helpers.emulator import Emulator, auth
from helpers.responses import Comparison, summarize

MODEL = catalog.lesson("03")                 # Claude Sonnet 4.6: 5-minute and 1-hour TTLs
MODEL_ID = MODEL.profile_id("us")
CURRENT = catalog.lesson("08")               # a current model the runtime Messages API serves
RUNTIME_ID = CURRENT.profile_id("global")
# A model still callable that caches for 5 minutes only (a Legacy one: the account must be using it).
FIVE_MINUTES_ONLY = next(m for m in catalog.models() if "1h" not in m.cache_ttls
                         and m.lifecycle() == catalog.LEGACY and "us" in m.geographies)
MAX_BREAKPOINTS = catalog.general("cache_max_breakpoints").value
EPHEMERAL = {"type": "ephemeral"}
ONE_HOUR = {"type": "ephemeral", "ttl": "1h"}
PAST_5_MINUTES, PAST_1_HOUR = 301, 3601


def long_text(model: catalog.Model, times: float = 2.0) -> str:
    """A unique text about ``times`` the model's cache minimum in tokens (4 characters a token)."""
    words = f"Reference {uuid.uuid4().hex}: the emulator caches prompt prefixes per model. "
    return (words * int(model.cache_min_tokens * times * 4 // len(words) + 1))


def body(system: list[dict[str, Any]], question: str = "What is cached?", **extra: Any) -> dict[str, Any]:
    return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "system": system,
            "messages": [{"role": "user", "content": question}], **extra}


def invoke(runtime: Any, request: dict[str, Any], model_id: str = MODEL_ID) -> tuple[dict[str, Any], dict[str, str]]:
    response = runtime.invoke_model(modelId=model_id, body=json.dumps(request))
    return json.loads(response["body"].read()), response["ResponseMetadata"]["HTTPHeaders"]


def cache_figures(usage: dict[str, Any]) -> tuple[int, int, int]:
    """(read, 5m write, 1h write) of an Anthropic usage, checked to be consistent with its totals."""
    split = usage["cache_creation"]
    assert usage["cache_creation_input_tokens"] == split["ephemeral_5m_input_tokens"] + split[
        "ephemeral_1h_input_tokens"]
    return usage["cache_read_input_tokens"], split["ephemeral_5m_input_tokens"], split["ephemeral_1h_input_tokens"]


# --- InvokeModel (boto3): body usage and headers ---------------------------------------------------------------

class TestInvokeModel:
    def test_first_call_writes_the_second_reads(self, runtime: Any) -> None:
        request = body([{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}])
        first, headers = invoke(runtime, request)
        read, write_5m, write_1h = cache_figures(first["usage"])
        assert read == 0 and write_5m >= MODEL.cache_min_tokens and write_1h == 0
        assert headers["x-amzn-bedrock-cache-write-input-token-count"] == str(write_5m)
        assert headers["x-amzn-bedrock-cache-read-input-token-count"] == "0"
        assert headers["x-amzn-bedrock-input-token-count"] == str(first["usage"]["input_tokens"])
        assert first["usage"]["input_tokens"] < 20  # only the uncached question
        second, headers = invoke(runtime, {**request, "messages": [{"role": "user", "content": "And now?"}]})
        assert cache_figures(second["usage"]) == (write_5m, 0, 0)
        assert headers["x-amzn-bedrock-cache-read-input-token-count"] == str(write_5m)
        assert headers["x-amzn-bedrock-cache-write-input-token-count"] == "0"

    def test_five_minutes_expire_one_hour_survives(self, runtime: Any, emulator: Emulator) -> None:
        short = body([{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}])
        long = body([{"type": "text", "text": long_text(MODEL), "cache_control": ONE_HOUR}])
        _, written, _ = cache_figures(invoke(runtime, short)[0]["usage"])
        _, _, written_1h = cache_figures(invoke(runtime, long)[0]["usage"])
        assert written and written_1h
        emulator.advance_clock(PAST_5_MINUTES)
        assert cache_figures(invoke(runtime, short)[0]["usage"]) == (0, written, 0)  # expired: written again
        assert cache_figures(invoke(runtime, long)[0]["usage"]) == (written_1h, 0, 0)  # 1 h: still there
        emulator.advance_clock(PAST_5_MINUTES)  # the read above refreshed the 1-hour entry; this one too
        assert cache_figures(invoke(runtime, short)[0]["usage"]) == (0, written, 0)
        emulator.advance_clock(PAST_1_HOUR)
        assert cache_figures(invoke(runtime, long)[0]["usage"]) == (0, 0, written_1h)

    def test_a_hit_refreshes_the_ttl(self, runtime: Any, emulator: Emulator) -> None:
        request = body([{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}])
        _, written, _ = cache_figures(invoke(runtime, request)[0]["usage"])
        for _ in range(3):  # 4 minutes apart: each read keeps the entry 5 more minutes
            emulator.advance_clock(240)
            assert cache_figures(invoke(runtime, request)[0]["usage"]) == (written, 0, 0)

    def test_mixed_ttls_write_each_stretch_with_its_own(self, runtime: Any) -> None:
        """1 h on the tools, 5 min on the system prompt: the tools' prefix is written for 1 h, the rest for 5 min."""
        tools = [{"name": "lookup", "description": long_text(MODEL, 1.5), "input_schema": {"type": "object"},
                  "cache_control": ONE_HOUR}]
        request = body([{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}], tools=tools)
        read, write_5m, write_1h = cache_figures(invoke(runtime, request)[0]["usage"])
        assert read == 0 and write_1h >= MODEL.cache_min_tokens and write_5m >= MODEL.cache_min_tokens

    def test_a_later_turn_reads_the_earlier_prefix(self, runtime: Any) -> None:
        """The breakpoint moves to the newest message; the previous turn's prefix is found 20 blocks back."""
        turn = [{"role": "user", "content": [{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}]}]
        request = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "messages": turn}
        first, _ = invoke(runtime, request)
        _, written, _ = cache_figures(first["usage"])
        history = [{"role": "user", "content": [{"type": "text", "text": turn[0]["content"][0]["text"]}]},
                   {"role": "assistant", "content": first["content"]},
                   {"role": "user", "content": [{"type": "text", "text": "Go on.", "cache_control": EPHEMERAL}]}]
        read, write_5m, _ = cache_figures(invoke(runtime, {**request, "messages": history})[0]["usage"])
        assert read == written and 0 < write_5m < written

    def test_below_the_minimum_nothing_is_cached(self, runtime: Any) -> None:
        short = "A short system prompt. " * 10
        request = body([{"type": "text", "text": short, "cache_control": EPHEMERAL}])
        for _ in range(2):
            result, headers = invoke(runtime, request)
            assert cache_figures(result["usage"]) == (0, 0, 0)
            assert headers["x-amzn-bedrock-cache-write-input-token-count"] == "0"

    def test_the_stream_reports_cache_figures(self, runtime: Any) -> None:
        request = body([{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}])
        events = [json.loads(e["chunk"]["bytes"]) for e in runtime.invoke_model_with_response_stream(
            modelId=MODEL_ID, body=json.dumps(request))["body"]]
        metrics = events[-1]["amazon-bedrock-invocationMetrics"]
        start = events[0]["message"]["usage"]
        assert metrics["cacheWriteInputTokenCount"] == start["cache_creation_input_tokens"] > 0
        assert metrics["cacheReadInputTokenCount"] == 0
        events = [json.loads(e["chunk"]["bytes"]) for e in runtime.invoke_model_with_response_stream(
            modelId=MODEL_ID, body=json.dumps(request))["body"]]
        metrics = events[-1]["amazon-bedrock-invocationMetrics"]
        assert metrics["cacheReadInputTokenCount"] == start["cache_creation_input_tokens"]
        assert metrics["cacheWriteInputTokenCount"] == 0


# --- the rules -------------------------------------------------------------------------------------------------

class TestRules:
    def _error(self, runtime: Any, request: dict[str, Any], model_id: str = MODEL_ID) -> str:
        with pytest.raises(ClientError) as e:
            invoke(runtime, request, model_id)
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        return message

    def test_at_most_four_breakpoints(self, runtime: Any) -> None:
        system = [{"type": "text", "text": f"Part {n}.", "cache_control": EPHEMERAL}
                  for n in range(MAX_BREAKPOINTS + 1)]
        assert self._error(runtime, body(system)) == (
            "The model returned the following errors: A maximum of 4 blocks with cache_control may be provided. "
            "Found 5.")
        assert invoke(runtime, body(system[:MAX_BREAKPOINTS]))[0]["content"]

    def test_one_hour_must_not_follow_five_minutes(self, runtime: Any) -> None:
        request = body([{"type": "text", "text": "Rules.", "cache_control": EPHEMERAL}])
        request["messages"][0]["content"] = [{"type": "text", "text": "Q", "cache_control": ONE_HOUR}]
        assert self._error(runtime, request) == (
            "The model returned the following errors: messages.0.content.0.cache_control.ttl: a ttl='1h' "
            "cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed "
            "in the following order: `tools`, `system`, `messages`.")
        request["system"][0]["cache_control"] = ONE_HOUR  # 1 h then 1 h: fine
        assert invoke(runtime, request)[0]["content"]

    def test_a_ttl_the_model_lacks(self, runtime: Any, emulator: Emulator) -> None:
        emulator.account(legacy_use=True)
        model_id = FIVE_MINUTES_ONLY.profile_id("us")
        message = self._error(runtime, body([{"type": "text", "text": "Rules.", "cache_control": ONE_HOUR}]), model_id)
        assert message.startswith("The model returned the following errors: system.0.cache_control.ttl: ")
        assert FIVE_MINUTES_ONLY.display_name in message and "'1h'" in message
        assert invoke(runtime, body([{"type": "text", "text": "Rules.", "cache_control": EPHEMERAL}]),
                      model_id)[0]["content"]

    @pytest.mark.parametrize(("control", "expected"), [
        ({"type": "persistent"}, "system.0.cache_control.type: Input should be 'ephemeral'"),
        ({"type": "ephemeral", "ttl": "2h"}, "system.0.cache_control.ttl: Input should be '5m' or '1h'"),
        ("ephemeral", "system.0.text.cache_control: Input should be a valid dictionary"),
    ])
    def test_cache_control_shape(self, runtime: Any, control: Any, expected: str) -> None:
        assert expected in self._error(runtime, body([{"type": "text", "text": "Rules.", "cache_control": control}]))

    def test_no_automatic_top_level_cache_control(self, runtime: Any) -> None:
        """Anthropic's automatic caching (top-level cache_control) is not on Bedrock: its closed schema refuses it."""
        message = self._error(runtime, body([{"type": "text", "text": "Rules."}], cache_control=EPHEMERAL))
        assert "#: extraneous key [cache_control] is not permitted" in message


# --- Converse and ConverseStream: cachePoint, cacheDetails -----------------------------------------------------

def converse_request(text: str, ttl: str | None = None, **extra: Any) -> dict[str, Any]:
    point = {"type": "default", **({"ttl": ttl} if ttl else {})}
    return {"modelId": MODEL_ID, "system": [{"text": text}, {"cachePoint": point}],
            "messages": [{"role": "user", "content": [{"text": "What is cached?"}]}],
            "inferenceConfig": {"maxTokens": 64}, **extra}


class TestConverse:
    def test_cache_point_writes_then_reads(self, runtime: Any) -> None:
        request = converse_request(long_text(MODEL))
        usage = runtime.converse(**request)["usage"]
        written = usage["cacheWriteInputTokens"]
        assert written >= MODEL.cache_min_tokens and usage["cacheReadInputTokens"] == 0
        assert usage["cacheDetails"] == [{"ttl": "5m", "inputTokens": written}]
        assert usage["totalTokens"] == usage["inputTokens"] + written + usage["outputTokens"]
        usage = runtime.converse(**request)["usage"]
        assert usage["cacheReadInputTokens"] == written and usage["cacheWriteInputTokens"] == 0
        assert "cacheDetails" not in usage  # botocore: "Empty if no cache creation occurred"

    def test_cache_details_sorted_one_hour_first(self, runtime: Any) -> None:
        tool = {"toolSpec": {"name": "lookup", "description": long_text(MODEL, 1.5),
                             "inputSchema": {"json": {"type": "object"}}}}
        request = converse_request(long_text(MODEL), "5m",
                                   toolConfig={"tools": [tool, {"cachePoint": {"type": "default", "ttl": "1h"}}]})
        usage = runtime.converse(**request)["usage"]
        assert [d["ttl"] for d in usage["cacheDetails"]] == ["1h", "5m"]
        assert sum(d["inputTokens"] for d in usage["cacheDetails"]) == usage["cacheWriteInputTokens"]

    def test_stream_metadata(self, runtime: Any) -> None:
        request = converse_request(long_text(MODEL), "1h")
        events = list(runtime.converse_stream(**request)["stream"])
        usage = events[-1]["metadata"]["usage"]
        assert usage["cacheDetails"] == [{"ttl": "1h", "inputTokens": usage["cacheWriteInputTokens"]}]
        events = list(runtime.converse_stream(**request)["stream"])
        assert events[-1]["metadata"]["usage"]["cacheReadInputTokens"] == usage["cacheWriteInputTokens"]

    def test_cache_point_in_messages(self, runtime: Any) -> None:
        request = {"modelId": MODEL_ID, "inferenceConfig": {"maxTokens": 64}, "messages": [{"role": "user", "content": [
            {"text": long_text(MODEL)}, {"cachePoint": {"type": "default"}}, {"text": "What is cached?"}]}]}
        assert runtime.converse(**request)["usage"]["cacheWriteInputTokens"] >= MODEL.cache_min_tokens
        assert runtime.converse(**request)["usage"]["cacheReadInputTokens"] >= MODEL.cache_min_tokens

    def test_five_cache_points_are_refused(self, runtime: Any) -> None:
        system = [item for n in range(MAX_BREAKPOINTS + 1) for item in ({"text": f"Part {n}."},
                                                                       {"cachePoint": {"type": "default"}})]
        with pytest.raises(ClientError) as e:
            runtime.converse(modelId=MODEL_ID, system=system, messages=[{"role": "user", "content": [{"text": "Hi"}]}])
        assert error_of(e)[1] == ("The model returned the following errors: A maximum of 4 blocks with "
                                  "cache_control may be provided. Found 5.")

    @pytest.mark.parametrize(("point", "expected"), [
        ({"type": "default", "ttl": "2h"}, "Value at 'system.1.cachePoint.ttl' failed to satisfy constraint"),
        ({"type": "custom"}, "Value at 'system.1.cachePoint.type' failed to satisfy constraint"),
    ])
    def test_cache_point_shape(self, runtime: Any, point: dict[str, Any], expected: str) -> None:
        """botocore validates these client-side; a raw request gets the service's own 400."""
        from conftest import signed_request

        raw = {"system": [{"text": "Rules."}, {"cachePoint": point}],
               "messages": [{"role": "user", "content": [{"text": "Hi"}]}]}
        reply = signed_request(runtime.meta.endpoint_url, "POST", f"/model/{MODEL_ID}/converse",
                               json.dumps(raw).encode(), headers={"content-type": "application/json"})
        assert reply.status == 400 and expected in json.loads(reply.data)["message"]


# --- AnthropicBedrock and the runtime Messages API ------------------------------------------------------------

class TestAnthropicClients:
    def test_sync_create_and_stream(self, aws_env: dict[str, str]) -> None:
        client = AnthropicBedrock(max_retries=0)
        system = [{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}]
        ask = {"model": MODEL_ID, "max_tokens": 64, "system": system,
               "messages": [{"role": "user", "content": "What is cached?"}]}
        first = client.messages.create(**ask)
        assert first.usage.cache_creation_input_tokens == first.usage.cache_creation.ephemeral_5m_input_tokens > 0
        with client.messages.stream(**ask) as stream:
            final = stream.get_final_message()
        assert final.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
        assert final.usage.cache_creation_input_tokens == 0

    def test_async(self, aws_env: dict[str, str]) -> None:
        system = [{"type": "text", "text": long_text(MODEL), "cache_control": ONE_HOUR}]

        async def twice() -> tuple[Any, Any]:
            client = AsyncAnthropicBedrock(max_retries=0)
            ask = {"model": MODEL_ID, "max_tokens": 64, "system": system,
                   "messages": [{"role": "user", "content": "What is cached?"}]}
            return await client.messages.create(**ask), await client.messages.create(**ask)

        first, second = asyncio.run(twice())
        assert first.usage.cache_creation.ephemeral_1h_input_tokens > 0
        assert second.usage.cache_read_input_tokens == first.usage.cache_creation.ephemeral_1h_input_tokens

    def test_runtime_messages_api(self, emulator: Emulator, aws_env: dict[str, str]) -> None:
        client = anthropic.Anthropic(base_url=f"{emulator.url}/anthropic", api_key=auth.BEDROCK_API_KEY,
                                     max_retries=0)
        system = [{"type": "text", "text": long_text(CURRENT), "cache_control": EPHEMERAL}]
        ask = {"model": RUNTIME_ID, "max_tokens": 512, "system": system,
               "messages": [{"role": "user", "content": "What is cached?"}]}
        written = client.messages.create(**ask).usage.cache_creation_input_tokens
        assert written >= CURRENT.cache_min_tokens
        with client.messages.stream(**ask) as stream:
            assert stream.get_final_message().usage.cache_read_input_tokens == written
        with pytest.raises(anthropic.BadRequestError) as e:
            client.messages.create(**{**ask, "system": system * (MAX_BREAKPOINTS + 1)})
        assert e.value.body["error"]["message"] == ("A maximum of 4 blocks with cache_control may be provided. "
                                                    "Found 5.")


# --- the bill: receipts, comparisons, invocation-log records ----------------------------------------------------

class TestBill:
    def test_receipt_prices_the_split(self, runtime: Any) -> None:
        request = body([{"type": "text", "text": long_text(MODEL), "cache_control": ONE_HOUR}])
        write, _ = invoke(runtime, request)
        read, _ = invoke(runtime, request)
        written = write["usage"]["cache_creation"]["ephemeral_1h_input_tokens"]
        rules, rate = catalog.pricing(), MODEL.input_price
        paid = cost.receipt(write, MODEL_ID).paid
        line = next(line for line in paid.lines if line.item == "cache write (1 h)")
        assert line.tokens == written
        assert line.rate == pytest.approx(cost.receipt(write, MODEL_ID).paid.lines[0].rate
                                          * rules.cache_write_1h_multiplier)
        assert rules.cache_write_1h_multiplier == 2 and rules.cache_read_multiplier == pytest.approx(0.1)
        assert rate is not None
        reading = next(line for line in cost.receipt(read, MODEL_ID).paid.lines if line.item == "cache read")
        assert reading.tokens == written
        assert "cache write (1 h)" in str(cost.receipt(write, MODEL_ID))
        assert cost.receipt(read, MODEL_ID).paid.usd < cost.receipt(write, MODEL_ID).paid.usd

    def test_every_shape_gives_the_split(self, runtime: Any) -> None:
        """summarize reads the 1-hour writes from Anthropic's cache_creation and Converse's cacheDetails."""
        text = long_text(MODEL)
        invoked, _ = invoke(runtime, body([{"type": "text", "text": text, "cache_control": ONE_HOUR}]))
        conversed = runtime.converse(**converse_request(long_text(MODEL), "1h"))
        for response in (invoked, conversed):
            summary = summarize(response)
            assert summary.cache_write_1h_tokens == summary.cache_write_tokens > 0
            assert summary.cache_write_5m_tokens == 0
        comparison = Comparison(MODEL_ID)
        comparison.add("write", invoked)
        comparison.add("read", invoke(runtime, body([{"type": "text", "text": text, "cache_control": ONE_HOUR}]))[0])
        shown = str(comparison)
        assert "cache write (1 h)" in shown.splitlines()[0] and "cache read" in shown.splitlines()[1]
        assert comparison.rows[1][2].usd < comparison.rows[0][2].usd

    def test_invocation_log_records_carry_cache_figures(self, emulator: Emulator, runtime: Any, bedrock: Any) -> None:
        dest = destinations(emulator, cloudwatch=False)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
        try:
            request = body([{"type": "text", "text": long_text(MODEL), "cache_control": EPHEMERAL}])
            written = invoke(runtime, request)[0]["usage"]["cache_creation_input_tokens"]
            invoke(runtime, request)
            conversed = runtime.converse(**converse_request(long_text(MODEL)))["usage"]["cacheWriteInputTokens"]
        finally:
            bedrock.delete_model_invocation_logging_configuration()
        records = sorted(dest.s3_records().values(), key=lambda r: r["timestamp"])
        figures = sorted((r["operation"], r["input"]["cacheReadInputTokenCount"],
                          r["input"]["cacheWriteInputTokenCount"]) for r in records)
        assert figures == sorted([("InvokeModel", 0, written), ("InvokeModel", written, 0),
                                  ("Converse", 0, conversed)])


# --- the clock control -----------------------------------------------------------------------------------------

class TestClock:
    def test_advance_clock_and_reset(self, emulator: Emulator) -> None:
        assert emulator.advance_clock(PAST_5_MINUTES)["clock_offset_seconds"] == PAST_5_MINUTES
        assert emulator.advance_clock(60)["clock_offset_seconds"] == PAST_5_MINUTES + 60
        assert emulator.reset()["clock_offset_seconds"] == 0 and emulator.state.snapshot()[
            "prompt_cache_entries"] == 0

    @pytest.mark.parametrize("seconds", [-1, 1.5, "300", True, None, 366 * 86_400 + 1])
    def test_bad_seconds(self, emulator: Emulator, seconds: Any) -> None:
        with pytest.raises((TypeError, ValueError), match=r"^advance_clock: seconds must be"):
            emulator.advance_clock(seconds)
        assert emulator.state.snapshot()["clock_offset_seconds"] == 0

    def test_over_http(self, emulator: Emulator) -> None:
        from test_admin_security import admin_headers, message, send

        status, _, data = send(emulator.port, "POST", "/_emulator/advance_clock", b'{"seconds": 400}',
                               admin_headers(emulator))
        assert status == 200 and json.loads(data)["clock_offset_seconds"] == 400
        status, _, data = send(emulator.port, "POST", "/_emulator/advance_clock", b'{"seconds": -4}',
                               admin_headers(emulator))
        assert status == 400 and message(data).startswith("advance_clock: ")
        status, _, _ = send(emulator.port, "POST", "/_emulator/advance_clock", b'{"seconds": 4}',
                            {"Content-Type": "application/json"})  # no token: refused like every control
        assert status in (401, 403)
