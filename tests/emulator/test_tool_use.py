"""Tool use with the real clients over real HTTP: a real agent loop (call, tool_use, run a local Python function,
tool_result, final answer) through boto3 InvokeModel and its stream, Converse, ConverseStream, AnthropicBedrock
(sync, async, stream) and the Messages API (AnthropicBedrockMantle); the decision rules; inputs valid against
each tool's input_schema (checked with the jsonschema library); Bedrock's errors for tool definitions and
malformed tool histories (H-facts Q1)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

import anthropic
import boto3
import jsonschema
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import error_of
from helpers import catalog
from helpers.emulator import auth

MODEL = catalog.lesson("09_tools_caching_thinking")          # InvokeModel and Converse in notebook 09
MODEL_ID = MODEL.profile_id("global")
MESSAGES_MODEL = catalog.lesson("09-messages-api")             # the Messages API model: thinks by default
VERSION = "bedrock-2023-05-31"

WEATHER = {"name": "get_weather", "description": "Current weather for a city.",
           "input_schema": {"type": "object", "properties": {
               "city": {"type": "string", "description": "The city, e.g. Paris"},
               "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
               "required": ["city", "unit"]}}
TIME = {"name": "get_local_time", "description": "The local time in a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
ORDER = {"name": "lookup_order", "description": "Find an order by its number.",
         "input_schema": {"type": "object", "properties": {
             "order": {"type": "object", "properties": {"number": {"type": "integer"},
                                                         "items": {"type": "array", "items": {"type": "string"}}},
                       "required": ["number", "items"]},
             "priority": {"type": "boolean"}}, "required": ["order", "priority"]}}
SCHEMAS = {t["name"]: t["input_schema"] for t in (WEATHER, TIME, ORDER)}
QUESTION = "What is the weather in Paris?"


def get_weather(city: str, unit: str) -> dict[str, Any]:
    """The local function the agent runs."""
    return {"city": city, "temperature": 21, "unit": unit, "sky": "sunny"}


def get_local_time(city: str) -> dict[str, Any]:
    return {"city": city, "time": "14:05"}


LOCAL = {"get_weather": get_weather, "get_local_time": get_local_time}


def run(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    jsonschema.validate(arguments, SCHEMAS[name])  # valid against the tool's input_schema
    return LOCAL[name](**arguments)


def invoke(runtime: Any, messages: list[dict[str, Any]], model_id: str = MODEL_ID, **extra: Any) -> dict[str, Any]:
    body = {"anthropic_version": VERSION, "max_tokens": 512, "messages": messages, **extra}
    return json.loads(runtime.invoke_model(modelId=model_id, body=json.dumps(body))["body"].read())


def invoke_error(runtime: Any, messages: list[dict[str, Any]], model_id: str = MODEL_ID, **extra: Any) -> str:
    with pytest.raises(ClientError) as excinfo:
        invoke(runtime, messages, model_id, **extra)
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    return message


def converse_tools(*tools: dict[str, Any], choice: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"tools": [{"toolSpec": {"name": t["name"], "description": t["description"],
                                                      "inputSchema": {"json": t["input_schema"]}}} for t in tools]}
    if choice:
        config["toolChoice"] = choice
    return config


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


# --- the agent loop, with every client ------------------------------------------------------------------------

class TestAgentLoop:
    def test_invoke_model(self, runtime: Any) -> None:
        messages = [user(QUESTION)]
        first = invoke(runtime, messages, tools=[WEATHER])
        assert first["stop_reason"] == "tool_use"
        assert [b["type"] for b in first["content"]] == ["text", "tool_use"]  # auto: a short text, then the call
        call = first["content"][1]
        assert call["id"].startswith("toolu_bdrk_01") and call["name"] == "get_weather"
        assert call["input"]["city"] == "Paris"
        result = run(call["name"], call["input"])
        messages += [{"role": "assistant", "content": first["content"]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"],
                                                   "content": json.dumps(result)}]}]
        final = invoke(runtime, messages, tools=[WEATHER])
        assert final["stop_reason"] == "end_turn" and len(final["content"]) == 1
        assert "get_weather" in final["content"][0]["text"] and '"temperature": 21' in final["content"][0]["text"]

    def test_invoke_model_stream(self, runtime: Any) -> None:
        body = {"anthropic_version": VERSION, "max_tokens": 512, "messages": [user(QUESTION)], "tools": [WEATHER],
                "tool_choice": {"type": "any"}}
        response = runtime.invoke_model_with_response_stream(modelId=MODEL_ID, body=json.dumps(body))
        events = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
        start = next(e for e in events if e["type"] == "content_block_start")
        assert start["content_block"]["type"] == "tool_use" and start["content_block"]["input"] == {}
        pieces = [e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta"]
        assert 2 <= len(pieces) <= 3 and all(e["delta"]["type"] == "input_json_delta" for e in events
                                             if e["type"] == "content_block_delta")
        arguments = json.loads("".join(pieces))
        assert run("get_weather", arguments)["city"] == "Paris"
        assert next(e for e in events if e["type"] == "message_delta")["delta"]["stop_reason"] == "tool_use"
        assert events[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] > 0

    def test_converse(self, runtime: Any) -> None:
        config = converse_tools(WEATHER)
        messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": QUESTION}]}]
        first = runtime.converse(modelId=MODEL_ID, messages=messages, toolConfig=config)
        assert first["stopReason"] == "tool_use"
        content = first["output"]["message"]["content"]
        call = next(b["toolUse"] for b in content if "toolUse" in b)
        assert call["toolUseId"].startswith("toolu_bdrk_01")
        result = run(call["name"], call["input"])
        messages += [first["output"]["message"],
                     {"role": "user", "content": [{"toolResult": {"toolUseId": call["toolUseId"],
                                                                  "content": [{"json": result}]}}]}]
        final = runtime.converse(modelId=MODEL_ID, messages=messages, toolConfig=config)
        assert final["stopReason"] == "end_turn"
        assert "sunny" in final["output"]["message"]["content"][0]["text"]

    def test_converse_stream(self, runtime: Any) -> None:
        """boto3's own EventStream parser reads the toolUse start and its input deltas."""
        config = converse_tools(WEATHER, TIME, choice={"tool": {"name": "get_local_time"}})
        messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": "What time is it in Lima?"}]}]
        events = list(runtime.converse_stream(modelId=MODEL_ID, messages=messages, toolConfig=config)["stream"])
        start = next(e["contentBlockStart"] for e in events if "contentBlockStart" in e)
        tool_use = start["start"]["toolUse"]
        assert tool_use["name"] == "get_local_time"
        pieces = [e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events if "contentBlockDelta" in e]
        arguments = json.loads("".join(pieces))
        assert next(e for e in events if "messageStop" in e)["messageStop"]["stopReason"] == "tool_use"
        result = run("get_local_time", arguments)
        messages += [{"role": "assistant", "content": [{"toolUse": {**tool_use, "input": arguments}}]},
                     {"role": "user", "content": [{"toolResult": {"toolUseId": tool_use["toolUseId"],
                                                                  "content": [{"text": json.dumps(result)}]}}]}]
        config = converse_tools(WEATHER, TIME)
        events = list(runtime.converse_stream(modelId=MODEL_ID, messages=messages, toolConfig=config)["stream"])
        text = "".join(e["contentBlockDelta"]["delta"].get("text", "") for e in events if "contentBlockDelta" in e)
        assert "14:05" in text
        assert next(e for e in events if "messageStop" in e)["messageStop"]["stopReason"] == "end_turn"

    def _loop(self, create: Callable[..., Any], model: str, **extra: Any) -> Any:
        messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
        first = create(model=model, max_tokens=512, messages=messages, tools=[WEATHER], **extra)
        assert first.stop_reason == "tool_use"
        call = next(b for b in first.content if b.type == "tool_use")
        messages += [{"role": "assistant", "content": [b.model_dump() for b in first.content]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                                   "content": json.dumps(run(call.name, call.input))}]}]
        return create(model=model, max_tokens=512, messages=messages, tools=[WEATHER], **extra)

    def test_anthropic_bedrock(self, aws_env: dict[str, str]) -> None:
        final = self._loop(anthropic.AnthropicBedrock(max_retries=0).messages.create, MODEL_ID)
        assert final.stop_reason == "end_turn" and "sunny" in final.content[0].text

    def test_async_anthropic_bedrock(self, aws_env: dict[str, str]) -> None:
        async def main() -> Any:
            client = anthropic.AsyncAnthropicBedrock(max_retries=0)
            messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
            first = await client.messages.create(model=MODEL_ID, max_tokens=512, messages=messages, tools=[WEATHER])
            call = next(b for b in first.content if b.type == "tool_use")
            messages += [{"role": "assistant", "content": [b.model_dump() for b in first.content]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                                       "content": json.dumps(run(call.name, call.input))}]}]
            return await client.messages.create(model=MODEL_ID, max_tokens=512, messages=messages, tools=[WEATHER])

        assert "sunny" in asyncio.run(main()).content[0].text

    def test_anthropic_bedrock_stream(self, aws_env: dict[str, str]) -> None:
        """The SDK's stream helper accumulates input_json_delta into the tool_use input."""
        client = anthropic.AnthropicBedrock(max_retries=0)
        with client.messages.stream(model=MODEL_ID, max_tokens=512, messages=[{"role": "user", "content": QUESTION}],
                                    tools=[WEATHER]) as stream:
            final = stream.get_final_message()
        call = next(b for b in final.content if b.type == "tool_use")
        assert final.stop_reason == "tool_use" and run(call.name, call.input)["city"] == "Paris"

    def test_messages_api_mantle(self, aws_env: dict[str, str]) -> None:
        client = anthropic.AnthropicBedrockMantle(max_retries=0)
        model = MESSAGES_MODEL.mantle_model_id
        final = self._loop(client.messages.create, model)
        # Sonnet 5 thinks unasked: its answer opens with a thinking block, passed back in the loop with its signature.
        assert final.content[0].type == "thinking"
        assert final.stop_reason == "end_turn" and "sunny" in "".join(b.text for b in final.content if b.type == "text")
        with client.messages.stream(model=model, max_tokens=512, messages=[{"role": "user", "content": QUESTION}],
                                    tools=[WEATHER]) as stream:
            streamed = stream.get_final_message()
        assert next(b for b in streamed.content if b.type == "tool_use").input["city"] == "Paris"


# --- the decision ------------------------------------------------------------------------------------------------

class TestDecision:
    def test_forced_any_gives_only_tool_use(self, runtime: Any) -> None:
        message = invoke(runtime, [user("Hello there")], tools=[WEATHER, TIME], tool_choice={"type": "any"})
        assert message["stop_reason"] == "tool_use"
        assert [b["type"] for b in message["content"]] == ["tool_use"]
        assert message["content"][0]["name"] == "get_weather"  # no tool matches: the first
        jsonschema.validate(message["content"][0]["input"], WEATHER["input_schema"])

    def test_forced_tool(self, runtime: Any) -> None:
        message = invoke(runtime, [user(QUESTION)], tools=[WEATHER, ORDER],
                         tool_choice={"type": "tool", "name": "lookup_order"})
        [call] = message["content"]
        assert call["name"] == "lookup_order"
        jsonschema.validate(call["input"], ORDER["input_schema"])  # nested object, array, integer, boolean

    def test_forced_any_after_results_calls_again(self, runtime: Any) -> None:
        first = invoke(runtime, [user(QUESTION)], tools=[WEATHER], tool_choice={"type": "any"})
        call = first["content"][0]
        history = [user(QUESTION), {"role": "assistant", "content": first["content"]},
                   {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "ok"}]}]
        assert invoke(runtime, history, tools=[WEATHER], tool_choice={"type": "any"})["stop_reason"] == "tool_use"

    def test_auto_not_matching_answers_in_text(self, runtime: Any) -> None:
        message = invoke(runtime, [user("Hello, world")], tools=[WEATHER, TIME])
        assert message["stop_reason"] == "end_turn" and [b["type"] for b in message["content"]] == ["text"]

    def test_none_answers_in_text(self, runtime: Any) -> None:
        message = invoke(runtime, [user(QUESTION)], tools=[WEATHER], tool_choice={"type": "none"})
        assert message["stop_reason"] == "end_turn"

    def test_parallel_calls(self, runtime: Any) -> None:
        question = "What is the weather and the local time in Tokyo?"
        message = invoke(runtime, [user(question)], tools=[WEATHER, TIME, ORDER])
        calls = [b for b in message["content"] if b["type"] == "tool_use"]
        assert sorted(c["name"] for c in calls) == ["get_local_time", "get_weather"]
        assert len({c["id"] for c in calls}) == 2 and all(c["input"]["city"] == "Tokyo" for c in calls)
        single = invoke(runtime, [user(question)], tools=[WEATHER, TIME, ORDER],
                        tool_choice={"type": "auto", "disable_parallel_tool_use": True})
        assert len([b for b in single["content"] if b["type"] == "tool_use"]) == 1

    def test_deterministic(self, runtime: Any) -> None:
        def strip(message: dict[str, Any]) -> list[Any]:
            return [{k: v for k, v in b.items() if k != "id"} for b in message["content"]]

        assert strip(invoke(runtime, [user(QUESTION)], tools=[WEATHER])) == \
            strip(invoke(runtime, [user(QUESTION)], tools=[WEATHER]))

    def test_converse_any_and_parallel_results(self, runtime: Any) -> None:
        config = converse_tools(WEATHER, TIME)
        messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": "Weather and local time in Oslo?"}]}]
        first = runtime.converse(modelId=MODEL_ID, messages=messages, toolConfig=config)
        calls = [b["toolUse"] for b in first["output"]["message"]["content"] if "toolUse" in b]
        assert len(calls) == 2
        messages += [first["output"]["message"], {"role": "user", "content": [
            {"toolResult": {"toolUseId": c["toolUseId"], "content": [{"json": run(c["name"], c["input"])}],
                            "status": "success"}} for c in calls]}]
        final = runtime.converse(modelId=MODEL_ID, messages=messages, toolConfig=config)
        text = final["output"]["message"]["content"][0]["text"]
        assert "get_weather" in text and "get_local_time" in text and "Oslo" in text

    def test_client_tools(self, runtime: Any) -> None:
        tools = [{"type": "bash_20250124", "name": "bash"},
                 {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool", "max_characters": 10000},
                 {"type": "memory_20250818", "name": "memory"}]
        message = invoke(runtime, [user("Run a shell command in the terminal")], tools=tools)
        [call] = [b for b in message["content"] if b["type"] == "tool_use"]
        assert call["name"] == "bash" and isinstance(call["input"]["command"], str)

    def test_computer_tool_needs_its_beta(self, runtime: Any) -> None:
        computer = {"type": "computer_20251124", "name": "computer", "display_width_px": 1280,
                    "display_height_px": 800}
        assert "computer-use-2025-11-24" in invoke_error(runtime, [user("Take a screenshot")], tools=[computer])
        message = invoke(runtime, [user("Take a screenshot of the screen")], tools=[computer],
                         anthropic_beta=["computer-use-2025-11-24"])
        assert [b["input"] for b in message["content"] if b["type"] == "tool_use"] == [{"action": "screenshot"}]


# --- errors --------------------------------------------------------------------------------------------------------

class TestErrors:
    @pytest.mark.parametrize("kind", ["web_search_20250305", "web_fetch_20250910", "code_execution_20250825"])
    def test_server_tools_refused(self, runtime: Any, kind: str) -> None:
        message = invoke_error(runtime, [user(QUESTION)], tools=[{"type": kind, "name": "web_search"}])
        assert message == f"tool type '{kind}' is not supported"

    def test_forced_choice_with_thinking(self, runtime: Any) -> None:
        message = invoke_error(runtime, [user(QUESTION)], tools=[WEATHER], tool_choice={"type": "any"},
                               thinking={"type": "enabled", "budget_tokens": 1024})
        assert message == "The model returned the following errors: Thinking may not be enabled when tool_choice " \
                          "forces tool use."

    def test_forced_choice_on_a_model_that_refuses_it(self, runtime: Any) -> None:
        """A test about the catalog's fact: the models with forced_tool_choice = false refuse any/tool."""
        model = next(m for m in catalog.models() if not m.forced_tool_choice and "global" in m.geographies
                     and m.lifecycle() == catalog.ACTIVE)
        message = invoke_error(runtime, [user(QUESTION)], model.profile_id("global"), tools=[WEATHER],
                               tool_choice={"type": "any"})
        assert "Thinking may not be enabled when tool_choice forces tool use." in message
        assert invoke(runtime, [user(QUESTION)], model.profile_id("global"), tools=[WEATHER])["stop_reason"] \
            == "tool_use"

    def test_thinking_by_default_needs_it_disabled_to_force(self, runtime: Any) -> None:
        """Sonnet 5 (the Messages API lesson's model) thinks unless told not to (H-facts 1d)."""
        model_id = MESSAGES_MODEL.profile_id("global")
        assert "Thinking may not be enabled" in invoke_error(runtime, [user(QUESTION)], model_id, tools=[WEATHER],
                                                             tool_choice={"type": "any"})
        message = invoke(runtime, [user(QUESTION)], model_id, tools=[WEATHER], tool_choice={"type": "any"},
                         thinking={"type": "disabled"})
        assert message["stop_reason"] == "tool_use"

    def test_strict_tools(self, runtime: Any) -> None:
        strict = {**WEATHER, "input_schema": {**WEATHER["input_schema"], "additionalProperties": False},
                  "strict": True}
        assert invoke(runtime, [user(QUESTION)], tools=[strict])["stop_reason"] == "tool_use"  # Sonnet 4.6 takes it
        refusing = next(m for m in catalog.models() if not m.structured_outputs and m.forced_tool_choice
                        and "global" in m.geographies and m.lifecycle() == catalog.ACTIVE)
        message = invoke_error(runtime, [user(QUESTION)], refusing.profile_id("global"), tools=[strict])
        assert message == "tools.0.custom.strict: Extra inputs are not permitted"

    def test_tool_use_without_result(self, runtime: Any) -> None:
        history = [user(QUESTION), {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_bdrk_01A", "name": "get_weather", "input": {}}]}, user("And now?")]
        assert invoke_error(runtime, history, tools=[WEATHER]) == (
            "The model returned the following errors: messages.1: `tool_use` ids were found without `tool_result` "
            "blocks immediately after: toolu_bdrk_01A. Each `tool_use` block must have a corresponding "
            "`tool_result` block in the next message.")

    def test_orphan_tool_result(self, runtime: Any) -> None:
        history = [user(QUESTION), {"role": "assistant", "content": [{"type": "text", "text": "Let me see."}]},
                   {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "1"}]}]
        assert invoke_error(runtime, history, tools=[WEATHER]) == (
            "The model returned the following errors: messages.2.content.0: unexpected `tool_use_id` found in "
            "`tool_result` blocks: toolu_x. Each `tool_result` block must have a corresponding `tool_use` block in "
            "the previous message.")

    def converse_error(self, runtime: Any, **request: Any) -> str:
        with pytest.raises(ClientError) as excinfo:
            runtime.converse(modelId=MODEL_ID, **request)
        code, message, status = error_of(excinfo)
        assert (code, status) == ("ValidationException", 400)
        return message

    def _history(self, *results: str, status: str | None = None, content: list[Any] | None = None
                 ) -> list[dict[str, Any]]:
        calls = [{"toolUse": {"toolUseId": f"tooluse_{n}", "name": "get_weather", "input": {"city": "Rome"}}}
                 for n in ("a", "b")]
        extra = {"status": status} if status else {}
        return [{"role": "user", "content": [{"text": QUESTION}]}, {"role": "assistant", "content": calls},
                {"role": "user", "content": [{"toolResult": {"toolUseId": r, "content": content or [{"text": "1"}],
                                                             **extra}} for r in results]}]

    def test_converse_needs_tool_config(self, runtime: Any) -> None:
        assert self.converse_error(runtime, messages=self._history("tooluse_a", "tooluse_b")) == (
            "The toolConfig field must be defined when using toolUse and toolResult content blocks.")

    def test_converse_expected_tool_results(self, runtime: Any) -> None:
        message = self.converse_error(runtime, messages=self._history("tooluse_a"), toolConfig=converse_tools(WEATHER))
        assert message == "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_b"

    def test_converse_error_result_needs_content(self, runtime: Any) -> None:
        history = self._history("tooluse_a", "tooluse_b")
        history[2]["content"][0]["toolResult"].update(content=[], status="error")
        assert self.converse_error(runtime, messages=history, toolConfig=converse_tools(WEATHER)) == (
            "The content field at messages.2.content.0.toolResult cannot be empty when status value is error.")

    def test_converse_error_result_is_quoted(self, runtime: Any) -> None:
        history = self._history("tooluse_a", "tooluse_b", status="error", content=[{"text": "city not found"}])
        final = runtime.converse(modelId=MODEL_ID, messages=history, toolConfig=converse_tools(WEATHER))
        assert "reported an error: city not found" in final["output"]["message"]["content"][0]["text"]

    def test_converse_schema_must_be_an_object(self, runtime: Any) -> None:
        config = converse_tools({**WEATHER, "input_schema": {"type": "string"}})
        assert self.converse_error(runtime, messages=[{"role": "user", "content": [{"text": "hi"}]}],
                                   toolConfig=config) == (
            "The value at toolConfig.tools.0.toolSpec.inputSchema.json.type must be one of the following: object.")

    def test_converse_strict_on_a_model_without_structured_outputs(self, runtime: Any) -> None:
        refusing = next(m for m in catalog.models() if not m.structured_outputs and m.forced_tool_choice
                        and "global" in m.geographies and m.lifecycle() == catalog.ACTIVE)
        config = converse_tools(WEATHER)
        config["tools"][0]["toolSpec"]["strict"] = True
        with pytest.raises(ClientError) as excinfo:
            runtime.converse(modelId=refusing.profile_id("global"), toolConfig=config,
                             messages=[{"role": "user", "content": [{"text": QUESTION}]}])
        assert error_of(excinfo)[1] == ("The model returned the following errors: tools.0.custom.strict: Extra "
                                        "inputs are not permitted")

    def test_messages_api_error_shape(self, aws_env: dict[str, str]) -> None:
        client = anthropic.AnthropicBedrockMantle(max_retries=0)
        with pytest.raises(anthropic.BadRequestError) as excinfo:
            client.messages.create(model=MESSAGES_MODEL.mantle_model_id, max_tokens=64,
                                   messages=[{"role": "user", "content": QUESTION}],
                                   tools=[{"type": "web_search_20250305", "name": "web_search"}])
        assert excinfo.value.body["error"]["message"] == "tool type 'web_search_20250305' is not supported"


class TestResults:
    """Tool results of every kind reach the final answer (Converse's json/text/image/document members)."""

    def test_converse_result_kinds(self, runtime: Any) -> None:
        png = base64.b64decode(PNG)
        calls = [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Rome"}}}]
        history = [{"role": "user", "content": [{"text": QUESTION}]}, {"role": "assistant", "content": calls},
                   {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "status": "success",
                                                                "content": [
                       {"json": {"temperature": 18}}, {"text": "cloudy"},
                       {"image": {"format": "png", "source": {"bytes": png}}},
                       {"document": {"name": "forecast", "format": "txt", "source": {"bytes": b"Rain later."}}}]}}]}]
        final = runtime.converse(modelId=MODEL_ID, messages=history, toolConfig=converse_tools(WEATHER))
        text = final["output"]["message"]["content"][0]["text"]
        assert '{"temperature": 18} cloudy [image] [document]' in text

    def test_anthropic_result_list(self, runtime: Any) -> None:
        history = [user(QUESTION), {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Rome"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True,
                                          "content": [{"type": "text", "text": "service down"}]}]}]
        text = invoke(runtime, history, tools=[WEATHER])["content"][0]["text"]
        assert "The tool get_weather reported an error: service down" in text

    @pytest.mark.parametrize(("extra", "expected"), [
        ({"tool_choice": {"type": "tool", "name": "nope"}}, "tool_choice.tool.name: no tool named 'nope' in tools"),
        ({"tools": [{**WEATHER, "input_schema": {"properties": {}}}]},
         "tools.0.custom.input_schema.type: Field required"),
        ({"tools": [{"type": "bash_20250124", "name": "shell"}]}, "tools.0.bash_20250124.name: Input should be 'bash'"),
    ])
    def test_definition_errors(self, runtime: Any, extra: dict[str, Any], expected: str) -> None:
        assert invoke_error(runtime, [user(QUESTION)], **{"tools": [WEATHER], **extra}) == expected


PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


# --- edges a review found ---------------------------------------------------------------------------------------

CALLED = {"role": "assistant", "content": [
    {"type": "tool_use", "id": "toolu_bdrk_01A", "name": "get_weather", "input": {"city": "Paris"}}]}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_bdrk_01A", "content": '{"temperature": 18}'}


class TestHistoryEdges:
    def test_results_must_open_the_next_message(self, runtime: Any) -> None:
        """A tool_result after a text block does not answer the call (Claude reads the leading results)."""
        history = [user(QUESTION), CALLED, {"role": "user", "content": [{"type": "text", "text": "Here:"}, RESULT]}]
        assert "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_bdrk_01A" in (
            invoke_error(runtime, history, tools=[WEATHER]))

    def test_results_followed_by_a_question_are_still_quoted(self, runtime: Any) -> None:
        history = [user(QUESTION), CALLED, {"role": "user", "content": [
            RESULT, {"type": "text", "text": "Now summarise it in one line."}]}]
        message = invoke(runtime, history, tools=[WEATHER])
        assert message["stop_reason"] == "end_turn"
        assert '{"temperature": 18}' in message["content"][0]["text"]

    def test_first_computer_use_release_with_its_beta(self, runtime: Any) -> None:
        tools = [{"type": "computer_20241022", "name": "computer", "display_width_px": 1024,
                  "display_height_px": 768}, {"type": "bash_20241022", "name": "bash"},
                 {"type": "text_editor_20241022", "name": "str_replace_editor"}]
        assert "computer-use-2024-10-22" in MODEL.accepted_betas
        message = invoke(runtime, [user("Take a screenshot of the screen")], tools=tools,
                         anthropic_beta=["computer-use-2024-10-22"])
        assert message["stop_reason"] == "tool_use"
        assert "computer_20241022" in invoke_error(runtime, [user("Take a screenshot")], tools=tools[:1])

    def test_models_that_always_think_cannot_be_forced(self, runtime: Any) -> None:
        for model in (m for m in catalog.models() if m.always_thinks and m.lifecycle() == catalog.ACTIVE
                      and "global" in m.geographies and m.access == "open" and not m.opt_in):
            assert not model.forced_tool_choice, model.key
            assert "Thinking may not be enabled" in invoke_error(
                runtime, [user(QUESTION)], model.profile_id("global"), tools=[WEATHER], tool_choice={"type": "any"})


class TestConverseUnions:
    """What boto3 checks on the client (one member per union) the emulator checks too: other clients (raw HTTP,
    SDKs without that check) must meet the same 400, not a silently dropped block."""

    def converse_error(self, runtime: Any, **request: Any) -> str:
        client = boto3.session.Session().client(
            "bedrock-runtime", endpoint_url=runtime.meta.endpoint_url, region_name=runtime.meta.region_name,
            aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY,
            config=Config(retries={"total_max_attempts": 1}, parameter_validation=False))
        with pytest.raises(ClientError) as excinfo:
            client.converse(modelId=MODEL_ID, **request)
        code, message, status = error_of(excinfo)
        assert (code, status) == ("ValidationException", 400)
        return message

    def test_a_system_block_sets_one_member(self, runtime: Any) -> None:
        message = self.converse_error(runtime, messages=[{"role": "user", "content": [{"text": "Hi"}]}],
                                      system=[{"text": "Be brief.", "cachePoint": {"type": "default"}}])
        assert message.startswith("The SystemContentBlock object at system.0 must set exactly one of its members")

    def test_a_tool_entry_sets_one_member(self, runtime: Any) -> None:
        config = converse_tools(WEATHER)
        config["tools"][0]["cachePoint"] = {"type": "default"}
        message = self.converse_error(runtime, messages=[{"role": "user", "content": [{"text": QUESTION}]}],
                                      toolConfig=config)
        assert message.startswith("The Tool object at toolConfig.tools.0 must set exactly one of its members")

    def test_tool_use_only_in_assistant_turns(self, runtime: Any) -> None:
        content = [{"text": QUESTION}, {"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {}}}]
        message = self.converse_error(runtime, toolConfig=converse_tools(WEATHER),
                                      messages=[{"role": "user", "content": content}])
        assert message == "The toolUse content block at messages.0.content.1 is only allowed in an assistant message."
