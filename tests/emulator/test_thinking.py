"""Extended thinking with the real clients over HTTP: budget and adaptive modes, display, effort, the streamed
thinking and signature deltas, Converse reasoningContent, and thinking passed back (signed, tampered, missing)."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any, ClassVar

import anthropic
import pytest
from anthropic import AnthropicBedrock, AsyncAnthropicBedrock
from botocore.exceptions import ClientError

from conftest import error_of
from helpers import catalog
from helpers.emulator import Emulator, auth, thinking

BUDGET = catalog.lesson("03")  # Claude Sonnet 4.6: budget and adaptive thinking, shown ("summarized") by default
BUDGET_ID = BUDGET.profile_id("us")
CURRENT = catalog.lesson("08")  # Claude Sonnet 5: thinks unasked, its display "omitted"
CURRENT_ID = CURRENT.profile_id("us")
ADAPTIVE_ONLY = next(m for m in catalog.models() if m.always_thinks and m.access == "open" and m.opt_in is None
                     and "us" in m.geographies)
MIN_BUDGET = catalog.general("thinking_min_budget").value
WRAPPER = "The model returned the following errors: "
WEATHER = {"name": "get_weather", "description": "Get the current weather for a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
ENABLED = {"type": "enabled", "budget_tokens": MIN_BUDGET}


def body(question: str = "Why is the sky blue?", max_tokens: int = 2048, **extra: Any) -> dict[str, Any]:
    return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": question}], **extra}


def invoke(runtime: Any, request: dict[str, Any], model_id: str = BUDGET_ID) -> dict[str, Any]:
    return json.loads(runtime.invoke_model(modelId=model_id, body=json.dumps(request))["body"].read())


def refused(runtime: Any, request: dict[str, Any], model_id: str = BUDGET_ID) -> str:
    with pytest.raises(ClientError) as e:
        invoke(runtime, request, model_id)
    code, message, status = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    return message


def test_the_models_this_file_relies_on() -> None:
    assert "enabled" in BUDGET.thinking_modes and BUDGET.thinking_display == "summarized"
    assert CURRENT.thinks_by_default and CURRENT.thinking_display == "omitted"
    assert "enabled" not in CURRENT.thinking_modes
    assert ADAPTIVE_ONLY.thinking_modes == ("adaptive",)


# --- budget mode -------------------------------------------------------------------------------------------------

class TestBudget:
    def test_a_signed_thinking_block_before_the_text(self, runtime: Any) -> None:
        result = invoke(runtime, body(thinking=ENABLED))
        first, second = result["content"][0], result["content"][1]
        assert first["type"] == "thinking" and first["thinking"].startswith("Offline emulator: no model ran")
        assert "Why is the sky blue?" in first["thinking"] and first["signature"]
        assert second["type"] == "text" and result["stop_reason"] == "end_turn"
        assert thinking.verify(BUDGET, first["thinking"], first["signature"])
        # The same text gets the same signature, in this process as in the server (a fixed key, no randomness).
        assert invoke(runtime, body(thinking=ENABLED))["content"][0] == first
        without = invoke(runtime, body())
        assert without["content"][0]["type"] == "text"  # no thinking unless asked (a budget model)
        assert result["usage"]["output_tokens"] > without["usage"]["output_tokens"]  # thinking is billed output

    def test_budget_rules(self, runtime: Any) -> None:
        assert refused(runtime, body(thinking={"type": "enabled", "budget_tokens": MIN_BUDGET - 1})) == (
            f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_BUDGET}")
        message = refused(runtime, body(max_tokens=MIN_BUDGET, thinking=ENABLED))
        assert message.startswith("`max_tokens` must be greater than `thinking.budget_tokens`.")

    def test_thinking_counts_against_max_tokens(self, runtime: Any) -> None:
        result = invoke(runtime, body(max_tokens=MIN_BUDGET + 40, thinking=ENABLED, system="Be long. " * 3))
        assert result["usage"]["output_tokens"] <= MIN_BUDGET + 40

    def test_sampling_with_thinking(self, runtime: Any) -> None:
        assert refused(runtime, body(thinking=ENABLED, temperature=0.5)).startswith(
            WRAPPER + "`temperature` may only be set to 1 when thinking is enabled.")
        assert refused(runtime, body(thinking=ENABLED, top_p=0.5)) == (
            WRAPPER + "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled")
        assert refused(runtime, body(thinking=ENABLED, top_k=5)).startswith(WRAPPER + "`top_k`")
        assert invoke(runtime, body(thinking=ENABLED, temperature=1))["content"][0]["type"] == "thinking"

    def test_stream_deltas_with_the_sdk_helpers(self, aws_env: dict[str, str]) -> None:
        client = AnthropicBedrock(max_retries=0)
        with client.messages.stream(model=BUDGET_ID, max_tokens=2048, thinking=ENABLED,
                                    messages=[{"role": "user", "content": "Why is the sky blue?"}]) as stream:
            events = list(stream)
            final = stream.get_final_message()
        deltas = [e.delta.type for e in events if e.type == "content_block_delta" and e.index == 0]
        assert deltas[0] == "thinking_delta" and deltas[-1] == "signature_delta"
        assert deltas.count("signature_delta") == 1
        stops = [i for i, e in enumerate(events) if e.type == "content_block_stop" and e.index == 0]
        signature_at = next(i for i, e in enumerate(events) if e.type == "content_block_delta"
                            and e.delta.type == "signature_delta")
        assert signature_at < stops[0]  # "just before the block's content_block_stop"
        streamed = "".join(e.delta.thinking for e in events if e.type == "content_block_delta"
                           and e.delta.type == "thinking_delta")
        assert final.content[0].type == "thinking" and final.content[0].thinking == streamed
        assert thinking.verify(BUDGET, streamed, final.content[0].signature)
        assert final.content[1].type == "text" and final.usage.output_tokens > 20

    def test_async(self, aws_env: dict[str, str]) -> None:
        async def ask() -> Any:
            client = AsyncAnthropicBedrock(max_retries=0)
            return await client.messages.create(model=BUDGET_ID, max_tokens=2048, thinking=ENABLED,
                                                messages=[{"role": "user", "content": "Why?"}])

        assert asyncio.run(ask()).content[0].type == "thinking"


# --- adaptive, display, effort -------------------------------------------------------------------------------

class TestAdaptive:
    def test_adaptive_on_an_adaptive_model(self, runtime: Any) -> None:
        result = invoke(runtime, body(thinking={"type": "adaptive"}))
        assert result["content"][0]["type"] == "thinking" and result["content"][0]["thinking"]

    def test_current_models_think_unasked_and_omit_the_text(self, runtime: Any) -> None:
        result = invoke(runtime, body(), CURRENT_ID)
        first = result["content"][0]
        assert first == {"type": "thinking", "thinking": "", "signature": first["signature"]} and first["signature"]
        assert thinking.verify(CURRENT, "", first["signature"])
        shown = invoke(runtime, body(thinking={"type": "adaptive", "display": "summarized"}), CURRENT_ID)
        assert shown["content"][0]["thinking"].startswith("Offline emulator")
        # Omitted or shown, the full thinking is billed.
        assert result["usage"]["output_tokens"] == shown["usage"]["output_tokens"]
        assert invoke(runtime, body(thinking={"type": "disabled"}), CURRENT_ID)["content"][0]["type"] == "text"

    def test_effort_shapes_the_length(self, runtime: Any) -> None:
        """On a long question the effort sets how far adaptive thinking goes; a short one is thought about briefly
        whatever the effort (adaptive: Claude decides how much)."""
        long_question = " ".join(["Compare the trade-offs of these designs in detail"] * 20) + "?"

        def length(effort: str, question: str = long_question) -> int:
            request = body(question, thinking={"type": "adaptive", "display": "summarized"},
                           output_config={"effort": effort})
            return len(invoke(runtime, request, CURRENT_ID)["content"][0]["thinking"])

        assert length("low") < length("medium") < length("high") < length("max")
        short = [length(effort, "Why is the sky blue?") for effort in ("low", "high", "max")]
        assert short[0] == short[1] == short[2] < length("max")

    def test_display_must_be_known(self, runtime: Any) -> None:
        assert refused(runtime, body(thinking={"type": "adaptive", "display": "full"})) == (
            "thinking.adaptive.display: Input should be 'summarized' or 'omitted'")

    def test_adaptive_only_models(self, runtime: Any) -> None:
        model_id = ADAPTIVE_ONLY.profile_id("us")
        assert invoke(runtime, body(), model_id)["content"][0]["type"] == "thinking"
        for config in ({"type": "enabled", "budget_tokens": MIN_BUDGET}, {"type": "disabled"}):
            message = refused(runtime, body(thinking=config), model_id)
            assert message.startswith(f'{WRAPPER}"thinking.type.{config["type"]}" is not supported for this model.')

    def test_each_thinking_type_takes_only_its_fields(self, runtime: Any) -> None:
        """A budget on adaptive or disabled thinking is an extra input (the SDK's ThinkingConfig types)."""
        for config in ({"type": "adaptive", "budget_tokens": MIN_BUDGET}, {"type": "disabled", "budget_tokens": 0}):
            assert refused(runtime, body(thinking=config), BUDGET_ID) == (
                f"thinking.{config['type']}.budget_tokens: Extra inputs are not permitted")


# --- forced tool choice ---------------------------------------------------------------------------------------

class TestForcedToolChoice:
    FORCED = "The model returned the following errors: Thinking may not be enabled when tool_choice forces tool use."

    @pytest.mark.parametrize("choice", [{"type": "any"}, {"type": "tool", "name": "get_weather"}])
    def test_refused_with_thinking(self, runtime: Any, choice: dict[str, Any]) -> None:
        assert refused(runtime, body(thinking=ENABLED, tools=[WEATHER], tool_choice=choice)) == self.FORCED

    def test_a_model_that_thinks_unasked_needs_thinking_disabled(self, runtime: Any) -> None:
        forced = body("Weather in Paris?", tools=[WEATHER], tool_choice={"type": "any"})
        assert refused(runtime, forced, CURRENT_ID) == self.FORCED
        result = invoke(runtime, {**forced, "thinking": {"type": "disabled"}}, CURRENT_ID)
        assert result["stop_reason"] == "tool_use" and result["content"][-1]["type"] == "tool_use"

    def test_converse(self, runtime: Any) -> None:
        with pytest.raises(ClientError) as e:
            runtime.converse(modelId=BUDGET_ID, messages=[{"role": "user", "content": [{"text": "Weather?"}]}],
                             toolConfig={"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {
                                 "json": WEATHER["input_schema"]}}}], "toolChoice": {"any": {}}},
                             additionalModelRequestFields={"thinking": ENABLED})
        assert error_of(e)[1] == self.FORCED


# --- Converse: reasoningContent ---------------------------------------------------------------------------------

class TestConverse:
    ASK: ClassVar[dict[str, Any]] = {
        "modelId": BUDGET_ID, "messages": [{"role": "user", "content": [{"text": "Why is the sky blue?"}]}],
        "inferenceConfig": {"maxTokens": 2048}, "additionalModelRequestFields": {"thinking": ENABLED}}

    def test_reasoning_content(self, runtime: Any) -> None:
        content = runtime.converse(**self.ASK)["output"]["message"]["content"]
        reasoning = content[0]["reasoningContent"]["reasoningText"]
        assert reasoning["text"].startswith("Offline emulator") and thinking.verify(BUDGET, reasoning["text"],
                                                                                   reasoning["signature"])
        assert "text" in content[1]

    def test_stream_text_then_signature(self, runtime: Any) -> None:
        events = list(runtime.converse_stream(**self.ASK)["stream"])
        reasoning = [e["contentBlockDelta"]["delta"]["reasoningContent"] for e in events
                     if "reasoningContent" in e.get("contentBlockDelta", {}).get("delta", {})]
        assert all("text" in r for r in reasoning[:-1]) and set(reasoning[-1]) == {"signature"}
        text = "".join(r["text"] for r in reasoning[:-1])
        assert thinking.verify(BUDGET, text, reasoning[-1]["signature"])
        assert {e["contentBlockDelta"]["contentBlockIndex"] for e in events if "contentBlockDelta" in e} == {0, 1}

    def test_passed_back_and_tampered(self, runtime: Any) -> None:
        answer = runtime.converse(**self.ASK)["output"]["message"]
        follow_up = {**self.ASK, "messages": [*self.ASK["messages"], answer,
                                              {"role": "user", "content": [{"text": "And at sunset?"}]}]}
        assert runtime.converse(**follow_up)["stopReason"] == "end_turn"
        answer["content"][0]["reasoningContent"]["reasoningText"]["text"] += " (edited)"
        with pytest.raises(ClientError) as e:
            runtime.converse(**follow_up)
        assert error_of(e)[1] == WRAPPER + "messages.1.content.0: Invalid signature in thinking block"
        del answer["content"][0]["reasoningContent"]["reasoningText"]["signature"]
        with pytest.raises(ClientError) as e:
            runtime.converse(**follow_up)
        assert error_of(e)[1] == WRAPPER + "messages.1.content.0.thinking.signature: Field required"


# --- passed back: the tool loop, tampering, missing signatures, redacted thinking ----------------------------------

class TestPassedBack:
    def test_tool_loop_with_invoke_model(self, runtime: Any) -> None:
        """A real agent loop: the assistant's content (thinking included) goes back unchanged with the results."""
        request = body("What's the weather in Paris?", thinking=ENABLED, tools=[WEATHER])
        for _ in range(3):
            result = invoke(runtime, request)
            assert result["content"][0]["type"] == "thinking"
            if result["stop_reason"] != "tool_use":
                break
            results = [{"type": "tool_result", "tool_use_id": b["id"], "content": "18°C, clear"}
                       for b in result["content"] if b["type"] == "tool_use"]
            request["messages"] += [{"role": "assistant", "content": result["content"]},
                                    {"role": "user", "content": results}]
        assert result["stop_reason"] == "end_turn" and len(request["messages"]) == 3
        assert "18°C" in "".join(b.get("text", "") for b in result["content"])

    def test_tool_loop_with_converse(self, runtime: Any) -> None:
        ask = {"modelId": BUDGET_ID, "messages": [{"role": "user", "content": [{"text": "Weather in Paris?"}]}],
               "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": WEATHER["description"],
                                                      "inputSchema": {"json": WEATHER["input_schema"]}}}]},
               "additionalModelRequestFields": {"thinking": ENABLED}, "inferenceConfig": {"maxTokens": 2048}}
        first = runtime.converse(**ask)
        assert first["stopReason"] == "tool_use" and "reasoningContent" in first["output"]["message"]["content"][0]
        call = next(b["toolUse"] for b in first["output"]["message"]["content"] if "toolUse" in b)
        ask["messages"] += [first["output"]["message"], {"role": "user", "content": [
            {"toolResult": {"toolUseId": call["toolUseId"], "content": [{"json": {"celsius": 18}}]}}]}]
        final = runtime.converse(**ask)
        assert final["stopReason"] == "end_turn"

    def test_tool_loop_with_the_sdk(self, aws_env: dict[str, str]) -> None:
        client = AnthropicBedrock(max_retries=0)
        messages: list[dict[str, Any]] = [{"role": "user", "content": "What's the weather in Paris?"}]
        first = client.messages.create(model=BUDGET_ID, max_tokens=2048, thinking=ENABLED, tools=[WEATHER],
                                       messages=messages)
        assert first.stop_reason == "tool_use"
        messages += [{"role": "assistant", "content": first.content}, {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": b.id, "content": "18°C"} for b in first.content
            if b.type == "tool_use"]}]
        final = client.messages.create(model=BUDGET_ID, max_tokens=2048, thinking=ENABLED, tools=[WEATHER],
                                       messages=messages)
        assert final.stop_reason == "end_turn"

    def _history(self, runtime: Any, block_edit: Any, model_id: str = BUDGET_ID,
                 **extra: Any) -> dict[str, Any]:
        request = body(thinking=ENABLED, **extra) if model_id == BUDGET_ID else body(**extra)
        answer = invoke(runtime, request, model_id)
        block_edit(answer["content"][0])
        request["messages"] += [{"role": "assistant", "content": answer["content"]},
                                {"role": "user", "content": "Go on."}]
        return request

    def test_tampered_text_or_signature(self, runtime: Any) -> None:
        expected = WRAPPER + "messages.1.content.0: Invalid signature in thinking block"
        edits = (lambda b: b.update(thinking=b["thinking"] + " I was edited."),
                 lambda b: b.update(signature=base64.b64encode(b"x" * 48).decode()),
                 lambda b: b.update(signature="not base64!"))
        for edit in edits:
            assert refused(runtime, self._history(runtime, edit)) == expected
        # An omitted display: the (empty) text and the signature travel together; a text added is tampering.
        assert refused(runtime, self._history(runtime, lambda b: b.update(thinking="made up"), CURRENT_ID),
                       CURRENT_ID) == expected
        assert invoke(runtime, self._history(runtime, lambda b: None, CURRENT_ID), CURRENT_ID)["content"]

    def test_a_signature_is_bound_to_its_model(self, runtime: Any) -> None:
        request = self._history(runtime, lambda b: None)
        assert invoke(runtime, request)["content"]
        assert refused(runtime, {**request, "thinking": {"type": "adaptive"}}, CURRENT_ID).endswith(
            "Invalid signature in thinking block")

    @pytest.mark.parametrize("edit", [lambda b: b.pop("signature"), lambda b: b.update(signature="")],
                             ids=["missing", "empty"])
    def test_missing_signature(self, runtime: Any, edit: Any) -> None:
        assert refused(runtime, self._history(runtime, edit)) == (
            WRAPPER + "messages.1.content.0.thinking.signature: Field required")

    def test_messages_api(self, emulator: Emulator, aws_env: dict[str, str]) -> None:
        client = anthropic.Anthropic(base_url=f"{emulator.url}/anthropic", api_key=auth.BEDROCK_API_KEY,
                                     max_retries=0)
        model_id = CURRENT.profile_id("global")
        messages: list[dict[str, Any]] = [{"role": "user", "content": "Why is the sky blue?"}]
        first = client.messages.create(model=model_id, max_tokens=1024, messages=messages)
        assert first.content[0].type == "thinking" and first.content[0].thinking == ""
        history = [*messages, {"role": "assistant", "content": [b.model_dump() for b in first.content]},
                   {"role": "user", "content": "Go on."}]
        assert client.messages.create(model=model_id, max_tokens=1024, messages=history).content
        history[1]["content"][0]["signature"] = "AAAA" + history[1]["content"][0]["signature"][4:]
        with pytest.raises(anthropic.BadRequestError) as e:
            client.messages.create(model=model_id, max_tokens=1024, messages=history)
        assert e.value.body["error"]["message"] == "messages.1.content.0: Invalid signature in thinking block"

    def test_redacted_thinking(self, runtime: Any) -> None:
        """Anthropic's test string gets a redacted_thinking block, which must come back unchanged."""
        request = body(f"Think about this: {thinking.REDACTED_TRIGGER}", thinking=ENABLED)
        result = invoke(runtime, request)
        redacted = result["content"][0]
        assert redacted["type"] == "redacted_thinking" and set(redacted) == {"type", "data"}
        request["messages"] += [{"role": "assistant", "content": result["content"]},
                                {"role": "user", "content": "Go on."}]
        assert invoke(runtime, request)["content"]
        redacted["data"] = base64.b64encode(b"forged").decode()
        assert refused(runtime, request) == WRAPPER + "messages.1.content.0: Invalid data in redacted_thinking block"
        converse = runtime.converse(modelId=BUDGET_ID, inferenceConfig={"maxTokens": 2048},
                                    messages=[{"role": "user", "content": [{"text": thinking.REDACTED_TRIGGER}]}],
                                    additionalModelRequestFields={"thinking": ENABLED})
        message = converse["output"]["message"]
        assert isinstance(message["content"][0]["reasoningContent"]["redactedContent"], bytes)
        again = runtime.converse(modelId=BUDGET_ID, inferenceConfig={"maxTokens": 2048},
                                 messages=[{"role": "user", "content": [{"text": thinking.REDACTED_TRIGGER}]},
                                           message, {"role": "user", "content": [{"text": "Go on."}]}],
                                 additionalModelRequestFields={"thinking": ENABLED})
        assert again["stopReason"] == "end_turn"


class TestOptionEdges:
    def test_effort_is_one_of_the_documented_levels(self, runtime: Any) -> None:
        assert refused(runtime, body(output_config={"effort": "ultra"}), CURRENT_ID) == (
            "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'")

    def test_output_config_takes_only_its_keys(self, runtime: Any) -> None:
        assert refused(runtime, body(output_config={"effort": "low", "verbosity": 2}), CURRENT_ID) == (
            "output_config.verbosity: Extra inputs are not permitted")

    def test_interleaved_thinking_lets_the_budget_pass_max_tokens(self, runtime: Any) -> None:
        thinking = {"type": "enabled", "budget_tokens": 4096}
        assert "must be greater than `thinking.budget_tokens`" in refused(runtime, body(max_tokens=2048,
                                                                                         thinking=thinking))
        message = invoke(runtime, body(max_tokens=2048, thinking=thinking,
                                       anthropic_beta=["interleaved-thinking-2025-05-14"]))
        assert message["content"][0]["type"] == "thinking"
