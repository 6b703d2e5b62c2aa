"""bedrock-runtime through unmodified boto3: every operation, every id encoding, stream framing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError

from conftest import HAIKU_3_BASE, MODEL, MODEL_BASE, MODEL_GLOBAL, MODEL_US, claude_body, error_of, signed_request
from helpers import catalog
from helpers.emulator import Emulator
from helpers.tokens import estimate_tokens

PROFILE_ARN = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{MODEL_US}"


def read(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"].read())


class TestInvokeModel:
    """InvokeModel: Bedrock's response shape, headers and usage."""

    def test_guide_sample_shape(self, runtime: Any) -> None:
        response = runtime.invoke_model(body=claude_body(), modelId=MODEL_GLOBAL)
        message = read(response)
        assert message["id"].startswith("msg_bdrk_01") and len(message["id"]) == len("msg_bdrk_01") + 22
        assert message["model"] == MODEL.api_name
        assert (message["type"], message["role"], message["stop_reason"]) == ("message", "assistant", "end_turn")
        text = message["content"][0]["text"]
        assert "offline Bedrock emulator" in text and "Hello, world" in text
        usage = message["usage"]
        assert usage["output_tokens"] == estimate_tokens(text)
        headers = response["ResponseMetadata"]["HTTPHeaders"]
        assert headers["x-amzn-bedrock-input-token-count"] == str(usage["input_tokens"])
        assert headers["x-amzn-bedrock-output-token-count"] == str(usage["output_tokens"])
        assert int(headers["x-amzn-bedrock-invocation-latency"]) >= 0
        assert response["contentType"] == "application/json"
        assert len(response["ResponseMetadata"]["RequestId"]) == 36

    def test_deterministic(self, runtime: Any) -> None:
        first = read(runtime.invoke_model(body=claude_body("same"), modelId=MODEL_GLOBAL))
        second = read(runtime.invoke_model(body=claude_body("same"), modelId=MODEL_GLOBAL))
        assert first["content"] == second["content"] and first["usage"] == second["usage"]
        assert first["id"] != second["id"]

    @pytest.mark.parametrize("model_id", [MODEL_GLOBAL, MODEL_US, PROFILE_ARN])
    def test_profile_id_forms(self, runtime: Any, model_id: str) -> None:
        """Profile ids and profile ARNs (whose ``/`` is sent as %2F) work."""
        assert read(runtime.invoke_model(body=claude_body(), modelId=model_id))["type"] == "message"

    @pytest.mark.parametrize("model_id", [HAIKU_3_BASE, f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU_3_BASE}"])
    def test_on_demand_id_forms(self, emulator: Emulator, runtime: Any, model_id: str) -> None:
        """Base ids and foundation-model ARNs of an on-demand model work (before its end of life)."""
        emulator.set_date("2026-06-01")  # Claude 3 Haiku reached end of life on 2026-09-10
        emulator.account(legacy_use=True)  # and was Legacy before: an account still using it
        assert read(runtime.invoke_model(body=claude_body(), modelId=model_id))["type"] == "message"

    @pytest.mark.parametrize("path_id", [
        MODEL_US,                                   # raw ':' as the Anthropic SDKs send it
        MODEL_US.replace(":", "%3A"),               # boto3's encoding
        PROFILE_ARN.replace("/", "%2F"),                # Anthropic SDKs' ARN
        PROFILE_ARN.replace(":", "%3A").replace("/", "%2F"),  # boto3's ARN
    ])
    def test_raw_path_encodings(self, emulator: Emulator, path_id: str) -> None:
        """The model id is one raw path segment, decoded only after routing (spec §1.2)."""
        r = signed_request(emulator.url, "POST", f"/model/{path_id}/invoke", claude_body().encode())
        assert r.status == 200, r.data

    def test_missing_content_type_is_accepted(self, emulator: Emulator) -> None:
        r = signed_request(emulator.url, "POST", f"/model/{MODEL_US}/invoke", claude_body().encode())
        assert r.status == 200

    def test_performance_and_tier_headers_echoed(self, runtime: Any) -> None:
        response = runtime.invoke_model(body=claude_body(), modelId=MODEL_US,
                                        performanceConfigLatency="optimized", serviceTier="priority")
        assert response["performanceConfigLatency"] == "optimized"
        assert response["serviceTier"] == "priority"

    def test_max_tokens_stops_the_reply(self, runtime: Any) -> None:
        message = read(runtime.invoke_model(body=claude_body(max_tokens=5), modelId=MODEL_US))
        assert message["stop_reason"] == "max_tokens" and message["usage"]["output_tokens"] == 5

    def test_stop_sequence(self, runtime: Any) -> None:
        body = claude_body("please say BANANA", stop_sequences=["BANANA", "zzz"])
        message = read(runtime.invoke_model(body=body, modelId=MODEL_US))
        assert (message["stop_reason"], message["stop_sequence"]) == ("stop_sequence", "BANANA")
        assert "BANANA" not in message["content"][0]["text"]

    def test_system_and_multi_turn_count_as_input(self, runtime: Any) -> None:
        short = read(runtime.invoke_model(body=claude_body("hi"), modelId=MODEL_US))
        body = json.loads(claude_body("hi"))
        body["system"] = "You are terse. " * 40
        body["messages"] = [{"role": "user", "content": "earlier " * 50},
                            {"role": "assistant", "content": "ok"}, {"role": "user", "content": "hi"}]
        long = read(runtime.invoke_model(body=json.dumps(body), modelId=MODEL_US))
        assert long["usage"]["input_tokens"] > short["usage"]["input_tokens"] + 200

    def test_dated_api_version_from_new_sdks(self, runtime: Any) -> None:
        """2026-10-21 (what anthropic>=2 sends) is refused by the guide's family, taken by Opus 4.7 and later."""
        body = json.dumps({**json.loads(claude_body()), "anthropic_version": catalog.NEW_API_VERSION})
        with pytest.raises(ClientError) as e:
            runtime.invoke_model(body=body, modelId=MODEL_US)
        assert error_of(e) == ("ValidationException", f"Invalid API version: {catalog.NEW_API_VERSION}", 400)
        newest = catalog.model("claude-opus-4-7").profile_id("us")
        assert read(runtime.invoke_model(body=body, modelId=newest))["type"] == "message"


class TestInvokeModelWithResponseStream:
    """The stream decodes with botocore's own event-stream parser into Anthropic's event sequence."""

    def test_event_sequence(self, runtime: Any) -> None:
        response = runtime.invoke_model_with_response_stream(body=claude_body(), modelId=MODEL_GLOBAL)
        events = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
        types = [e["type"] for e in events]
        assert types[:2] == ["message_start", "content_block_start"]
        assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
        deltas = [e["delta"]["text"] for e in events if e["type"] == "content_block_delta"]
        assert len(deltas) >= 3
        full = read(runtime.invoke_model(body=claude_body(), modelId=MODEL_GLOBAL))
        assert "".join(deltas) == full["content"][0]["text"]
        metrics = events[-1]["amazon-bedrock-invocationMetrics"]
        assert metrics["outputTokenCount"] == events[-2]["usage"]["output_tokens"] == full["usage"]["output_tokens"]
        assert metrics["inputTokenCount"] == events[0]["message"]["usage"]["input_tokens"]
        assert response["contentType"] == "application/json"

    def test_raw_frames_are_valid(self, emulator: Emulator) -> None:
        """CRCs, string headers and ``p`` padding, checked frame by frame with botocore's buffer."""
        r = signed_request(emulator.url, "POST", f"/model/{MODEL_US}/invoke-with-response-stream",
                           claude_body().encode())
        assert r.headers["content-type"] == "application/vnd.amazon.eventstream"
        assert r.headers["x-amzn-bedrock-content-type"] == "application/json"
        buffer = EventStreamBuffer()
        buffer.add_data(r.data)
        messages = list(buffer)
        assert len(messages) > 5
        for message in messages:
            assert message.headers == {":event-type": "chunk", ":content-type": "application/json",
                                       ":message-type": "event"}
            payload = json.loads(message.payload)
            assert set(payload) == {"bytes", "p"} and payload["p"]
            json.loads(base64.b64decode(payload["bytes"]))


class TestConverse:
    """Converse and ConverseStream shapes (spec §1.8, §1.9)."""

    def test_converse(self, runtime: Any) -> None:
        response = runtime.converse(modelId=MODEL_GLOBAL,
                                    messages=[{"role": "user", "content": [{"text": "Hello, world"}]}],
                                    inferenceConfig={"maxTokens": 512})
        assert response["stopReason"] == "end_turn"
        text = response["output"]["message"]["content"][0]["text"]
        assert "Hello, world" in text
        usage = response["usage"]
        assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
        assert response["metrics"]["latencyMs"] >= 0

    def test_converse_matches_invoke_usage(self, runtime: Any) -> None:
        """Both APIs reach the same Claude body, so the same prompt costs the same input tokens."""
        converse = runtime.converse(modelId=MODEL_US, messages=[{"role": "user", "content": [{"text": "hi"}]}])
        invoke = read(runtime.invoke_model(body=claude_body("hi"), modelId=MODEL_US))
        assert converse["usage"]["inputTokens"] == invoke["usage"]["input_tokens"]

    def test_stop_sequence_in_additional_fields(self, runtime: Any) -> None:
        response = runtime.converse(
            modelId=MODEL_US, messages=[{"role": "user", "content": [{"text": "say KIWI"}]}],
            inferenceConfig={"stopSequences": ["KIWI"]}, additionalModelResponseFieldPaths=["/stop_sequence"])
        assert response["stopReason"] == "stop_sequence"
        assert response["additionalModelResponseFields"] == {"stop_sequence": "KIWI"}

    def test_converse_stream(self, runtime: Any) -> None:
        response = runtime.converse_stream(modelId=MODEL_GLOBAL,
                                           messages=[{"role": "user", "content": [{"text": "Hello"}]}],
                                           inferenceConfig={"maxTokens": 12})
        events = list(response["stream"])
        kinds = [next(iter(e)) for e in events]
        assert kinds[0] == "messageStart" and kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
        assert events[-2]["messageStop"]["stopReason"] == "max_tokens"
        assert events[-1]["metadata"]["usage"]["outputTokens"] == 12
        text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
        assert estimate_tokens(text) == 12

    def test_document_and_system(self, runtime: Any) -> None:
        response = runtime.converse(
            modelId=MODEL_US, system=[{"text": "Be brief."}],
            messages=[{"role": "user", "content": [
                {"text": "Summarize"},
                {"document": {"format": "txt", "name": "Notes (v2)", "source": {"bytes": b"Revenue grew 12%."}}}]}])
        assert response["stopReason"] == "end_turn"


class TestCountTokens:
    """CountTokens takes the InvokeModel body (base64) or a Converse input, and is free."""

    def test_invoke_form_matches_invoke_usage(self, runtime: Any) -> None:
        body = claude_body("count me, please")
        counted = runtime.count_tokens(modelId=MODEL_BASE, input={"invokeModel": {"body": body.encode()}})
        used = read(runtime.invoke_model(body=body, modelId=MODEL_US))["usage"]["input_tokens"]
        assert counted["inputTokens"] == used

    def test_converse_form(self, runtime: Any) -> None:
        counted = runtime.count_tokens(modelId=MODEL_BASE, input={"converse": {
            "messages": [{"role": "user", "content": [{"text": "こんにちは、世界"}]}]}})
        assert counted["inputTokens"] >= estimate_tokens("こんにちは、世界")

    def test_counts_past_the_context_window(self, runtime: Any) -> None:
        """Counting a too-long prompt is how you find out it is too long, so it is not refused."""
        body = claude_body("x" * 900_000)
        counted = runtime.count_tokens(modelId=MODEL_BASE, input={"invokeModel": {"body": body.encode()}})
        assert counted["inputTokens"] > 200_000


class TestLongPromptAnswers:
    """A long prompt that ends with a question is answered from its own text (notebook 05's needle), in every
    operation; anything else gets the stand-in reply."""

    HAYSTACK = "".join(f"Shipment {n} of sencha left Shizuoka on schedule and arrived intact.\n" for n in range(400))
    NEEDLE = "The secret ingredient of the Aozora winter blend is roasted yuzu peel."
    QUESTION = "What is the secret ingredient of the Aozora winter blend?"

    def prompt(self, question: str | None = QUESTION) -> str:
        half = len(self.HAYSTACK) // 2
        text = self.HAYSTACK[:half] + self.NEEDLE + "\n" + self.HAYSTACK[half:]
        return text + ("\n\n" + question if question else "")

    def test_invoke_and_converse_find_the_needle(self, runtime: Any) -> None:
        message = read(runtime.invoke_model(body=claude_body(self.prompt(), max_tokens=200), modelId=MODEL_US))
        assert self.NEEDLE in message["content"][0]["text"] and message["content"][0]["text"].startswith("Offline")
        reply = runtime.converse(modelId=MODEL_US, messages=[{"role": "user", "content": [{"text": self.prompt()}]}],
                                 inferenceConfig={"maxTokens": 200})
        assert self.NEEDLE in reply["output"]["message"]["content"][0]["text"]
        streamed = "".join(e["contentBlockDelta"]["delta"]["text"] for e in runtime.converse_stream(
            modelId=MODEL_US, messages=[{"role": "user", "content": [{"text": self.prompt()}]}],
            inferenceConfig={"maxTokens": 200})["stream"] if "contentBlockDelta" in e)
        assert self.NEEDLE in streamed

    @pytest.mark.parametrize("text", ["What is the secret ingredient?", "no question"], ids=["short", "none"])
    def test_otherwise_the_stand_in_reply(self, runtime: Any, text: str) -> None:
        prompt = text if text.endswith("?") else self.prompt(question=None)
        message = read(runtime.invoke_model(body=claude_body(prompt, max_tokens=200), modelId=MODEL_US))
        assert "no model ran, so this is a stand-in" in message["content"][0]["text"]
