"""The Anthropic Python SDK's AnthropicBedrock clients, unmodified, over real HTTP."""

from __future__ import annotations

import asyncio

import anthropic
import pytest
from anthropic import AnthropicBedrock, AsyncAnthropicBedrock

from conftest import MODEL, MODEL_BASE, MODEL_GLOBAL, MODEL_US, SMALL_US, SONNET_45_US
from helpers import catalog
from helpers.emulator import Emulator, auth

HELLO = [{"role": "user", "content": "Hello, world"}]


@pytest.fixture
def client(aws_env: dict[str, str]) -> AnthropicBedrock:
    """Configured only by the environment, as in the guide's implementation section."""
    return AnthropicBedrock(max_retries=0)


class TestSync:
    """messages.create, stream=True and the messages.stream() helper."""

    def test_create(self, client: AnthropicBedrock) -> None:
        message = client.messages.create(model=MODEL_GLOBAL, max_tokens=256, messages=HELLO)
        assert message.id.startswith("msg_bdrk_01") and message.model == MODEL.api_name
        assert message.stop_reason == "end_turn" and "Hello, world" in message.content[0].text
        assert message.usage.output_tokens > 10

    def test_stream_true(self, client: AnthropicBedrock) -> None:
        events = list(client.messages.create(model=MODEL_US, max_tokens=256, messages=HELLO, stream=True))
        types = [e.type for e in events]
        assert types[0] == "message_start" and types[-1] == "message_stop"
        assert sum(t == "content_block_delta" for t in types) >= 3

    def test_stream_helper(self, client: AnthropicBedrock) -> None:
        with client.messages.stream(model=MODEL_US, max_tokens=10, messages=HELLO) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert final.stop_reason == "max_tokens" and final.usage.output_tokens == 10
        assert final.content[0].text == text

    def test_beta_1m_context(self, client: AnthropicBedrock, emulator: Emulator) -> None:
        """``betas=[...]`` becomes ``anthropic_beta``, which Bedrock reads as it does today: refused on a 200K model
        that never took it, ignored where 1M is native, and no effect on Sonnet 4.5 (retired 2026-04-30)."""
        long = [{"role": "user", "content": "x" * 800_100}]  # 200,032 input tokens
        beta = [catalog.CONTEXT_1M_BETA]
        with pytest.raises(anthropic.BadRequestError, match="prompt is too long: 200032 tokens > 200000"):
            client.messages.create(model=SMALL_US, max_tokens=16, messages=long)
        with pytest.raises(anthropic.BadRequestError, match="invalid beta flag"):
            client.beta.messages.create(model=SMALL_US, max_tokens=16, messages=long, betas=beta)
        native = client.beta.messages.create(model=MODEL_US, max_tokens=16, messages=long, betas=beta)
        assert native.usage.input_tokens == 200_032
        assert client.messages.create(model=MODEL_US, max_tokens=16, messages=long).usage.input_tokens == 200_032
        emulator.account(legacy_use=True)
        with pytest.raises(anthropic.BadRequestError, match="prompt is too long: 200032 tokens > 200000"):
            client.beta.messages.create(model=SONNET_45_US, max_tokens=16, messages=long, betas=beta)

    def test_explicit_keys_and_region_as_in_the_guide(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        client = AnthropicBedrock(aws_access_key=auth.SESSION_ACCESS_KEY_ID,
                                  aws_secret_key=auth.SESSION_SECRET_ACCESS_KEY,
                                  aws_session_token=auth.SESSION_TOKEN, aws_region="us-west-2", max_retries=0)
        assert client.messages.create(model=MODEL_GLOBAL, max_tokens=256, messages=HELLO).content

    def test_bedrock_api_key(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", auth.BEDROCK_API_KEY)
        client = AnthropicBedrock(max_retries=0)
        assert client.messages.create(model=MODEL_GLOBAL, max_tokens=16, messages=HELLO).content


class TestErrors:
    """Bedrock errors as the SDK surfaces them (spec §3.3)."""

    def test_on_demand_id(self, client: AnthropicBedrock) -> None:
        with pytest.raises(anthropic.BadRequestError) as e:
            client.messages.create(model=MODEL_BASE, max_tokens=16, messages=HELLO)
        assert e.value.status_code == 400
        assert e.value.body["message"].startswith(
            f"Invocation of model ID {MODEL_BASE} with on-demand throughput isn\u2019t supported.")

    def test_access_denied(self, client: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.revoke_access()
        with pytest.raises(anthropic.PermissionDeniedError, match="You don't have access to the model"):
            client.messages.create(model=MODEL_US, max_tokens=16, messages=HELLO)

    def test_throttled(self, client: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.throttle(next=1)
        with pytest.raises(anthropic.RateLimitError):
            client.messages.create(model=MODEL_US, max_tokens=16, messages=HELLO)

    def test_sdk_retries_throttling(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        emulator.throttle(next=2)
        client = AnthropicBedrock(max_retries=2)
        client = client.with_options(timeout=10)
        assert client.messages.create(model=MODEL_US, max_tokens=16, messages=HELLO).content

    def test_mid_stream_exception(self, client: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.throttle(next=1, mid_stream=True)
        with (pytest.raises(anthropic.APIStatusError) as e,
              client.messages.stream(model=MODEL_US, max_tokens=256, messages=HELLO) as stream):
            for _ in stream.text_stream:
                pass
        assert e.value.body["error"]["type"] == "throttlingException"

    def test_model_timeout(self, client: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.timeout(next=1)
        with pytest.raises(anthropic.APIStatusError) as e:
            client.messages.create(model=MODEL_US, max_tokens=16, messages=HELLO)
        assert e.value.status_code == 408


class TestAsync:
    """AsyncAnthropicBedrock: create and stream."""

    def test_async_create_and_stream(self, aws_env: dict[str, str]) -> None:
        async def run() -> tuple[str, str]:
            client = AsyncAnthropicBedrock(max_retries=0)
            message = await client.messages.create(model=MODEL_GLOBAL, max_tokens=256, messages=HELLO)
            async with client.messages.stream(model=MODEL_GLOBAL, max_tokens=256, messages=HELLO) as stream:
                final = await stream.get_final_message()
            return message.content[0].text, final.content[0].text

        created, streamed = asyncio.run(run())
        assert created == streamed and "offline Bedrock emulator" in created

    def test_concurrent_async_calls(self, aws_env: dict[str, str]) -> None:
        async def run() -> list[str]:
            client = AsyncAnthropicBedrock(max_retries=0)
            calls = [client.messages.create(model=MODEL_US, max_tokens=64,
                                            messages=[{"role": "user", "content": f"question {i}"}])
                     for i in range(20)]
            return [m.content[0].text for m in await asyncio.gather(*calls)]

        texts = asyncio.run(run())
        assert all(f"question {i}" in t for i, t in enumerate(texts))
