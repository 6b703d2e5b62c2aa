"""Betas as Bedrock takes them, per model (the catalog's ``accepted_betas``), through the real clients over HTTP:
InvokeModel's ``anthropic_beta``, Converse's ``additionalModelRequestFields``, the Messages API's ``anthropic-beta``
header (H-facts Q5); and the ``context_management`` field the context-editing and compaction betas add."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import pytest
from botocore.exceptions import ClientError

from conftest import error_of
from helpers import catalog
from helpers.emulator import Emulator, auth

KEY = auth.BEDROCK_API_KEY
LEGACY = catalog.lesson("09")                                   # a legacy-set model (InvokeModel, Converse)
CURRENT = catalog.lesson("08_messages_api_and_api_keys")       # a current-set model, also on runtime /anthropic
# The Messages API serves legacy-set models only on mantle.
LEGACY_MANTLE = next(m for m in catalog.models() if m.beta_set == "legacy" and m.served_on("mantle")
                     and m.lifecycle() == catalog.ACTIVE)
GUIDE = catalog.guide_sample_model()                            # Claude Sonnet 4.5 (Legacy)
BINDING = "thinking-binding-controls-2026-08-01"                # measured refused on Sonnet 4.5 (H-facts Q5, M)
UNKNOWN = "no-such-beta-2030-01-01"
HELLO = [{"role": "user", "content": "Hello, betas"}]
EDITS = {"context-management-2025-06-27": {"edits": [{"type": "clear_tool_uses_20250919"}]},
         "compact-2026-01-12": {"edits": [{"type": "compact_20260112"}]}}
INVALID_BETA = "invalid beta flag"                                # H-facts Q5 (M)
WRAP = "The model returned the following errors: "


def takes(model: catalog.Model, beta: str) -> bool:
    """Accepted: in the model's list, and the 1M beta only where it ever meant something (model_rules)."""
    return beta in model.accepted_betas and (beta != catalog.CONTEXT_1M_BETA or model.takes_1m_beta_header)


def cases(*models: catalog.Model) -> list[Any]:
    return [pytest.param(m, b, id=f"{m.key}-{b}") for m in models for b in sorted(m.accepted_betas)]


def invoke_body(**extra: Any) -> str:
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 256, "messages": HELLO, **extra})


def converse_messages() -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": "Hello, betas"}]}]


@pytest.fixture
def keyed(emulator: Emulator) -> anthropic.Anthropic:
    """The plain Anthropic client on runtime's /anthropic with a Bedrock API key."""
    return anthropic.Anthropic(base_url=f"{emulator.url}/anthropic", api_key=KEY, max_retries=0)


@pytest.fixture
def mantle(aws_env: dict[str, str]) -> anthropic.AnthropicBedrockMantle:
    return anthropic.AnthropicBedrockMantle(max_retries=0)


def test_the_sets_differ_and_both_take_compaction() -> None:
    assert LEGACY.beta_set == "legacy" and CURRENT.beta_set == "current"
    assert LEGACY.accepted_betas != CURRENT.accepted_betas
    assert "compact-2026-01-12" in LEGACY.accepted_betas & CURRENT.accepted_betas
    assert BINDING not in GUIDE.accepted_betas


# --- every accepted beta passes; the others are refused ----------------------------------------------------------

@pytest.mark.parametrize(("model", "beta"), cases(LEGACY, CURRENT))
def test_invoke_model(runtime: Any, model: catalog.Model, beta: str) -> None:
    body = invoke_body(anthropic_beta=[beta])
    if takes(model, beta):
        assert json.loads(runtime.invoke_model(modelId=model.profile_id("us"), body=body)["body"].read())["content"]
    else:
        with pytest.raises(ClientError) as e:
            runtime.invoke_model(modelId=model.profile_id("us"), body=body)
        assert error_of(e) == ("ValidationException", INVALID_BETA, 400)


@pytest.mark.parametrize(("model", "beta"), cases(LEGACY, CURRENT))
def test_converse(runtime: Any, model: catalog.Model, beta: str) -> None:
    extra = {"additionalModelRequestFields": {"anthropic_beta": [beta]}}
    if takes(model, beta):
        assert runtime.converse(modelId=model.profile_id("us"), messages=converse_messages(), **extra)["output"]
    else:
        with pytest.raises(ClientError) as e:
            runtime.converse(modelId=model.profile_id("us"), messages=converse_messages(), **extra)
        assert error_of(e) == ("ValidationException", WRAP + INVALID_BETA, 400)


@pytest.mark.parametrize(("model", "beta"), cases(CURRENT))
def test_runtime_messages_api(keyed: anthropic.Anthropic, model: catalog.Model, beta: str) -> None:
    assert takes(model, beta)
    message = keyed.beta.messages.create(model=model.profile_id("global"), max_tokens=256, messages=HELLO, betas=[beta])
    assert message.stop_reason == "end_turn"


@pytest.mark.parametrize(("model", "beta"), cases(LEGACY_MANTLE))
def test_mantle_messages_api(mantle: anthropic.AnthropicBedrockMantle, model: catalog.Model, beta: str) -> None:
    call = lambda: mantle.beta.messages.create(model=model.mantle_model_id, max_tokens=256,  # noqa: E731
                                               messages=HELLO, betas=[beta])
    if takes(model, beta):
        assert call().stop_reason == "end_turn"
    else:
        with pytest.raises(anthropic.BadRequestError) as e:
            call()
        assert e.value.body["error"] == {"type": "invalid_request_error", "message": INVALID_BETA}


@pytest.mark.parametrize("beta", sorted(LEGACY.accepted_betas - CURRENT.accepted_betas))
def test_a_legacy_beta_is_refused_on_a_current_model(runtime: Any, keyed: anthropic.Anthropic, beta: str) -> None:
    with pytest.raises(ClientError) as e:
        runtime.invoke_model(modelId=CURRENT.profile_id("us"), body=invoke_body(anthropic_beta=[beta]))
    assert error_of(e)[1] == INVALID_BETA
    with pytest.raises(anthropic.BadRequestError, match=INVALID_BETA):
        keyed.beta.messages.create(model=CURRENT.profile_id("global"), max_tokens=256, messages=HELLO, betas=[beta])


def test_binding_controls_refused_on_sonnet_4_5(runtime: Any, emulator: Emulator) -> None:
    emulator.account(legacy_use=True)
    with pytest.raises(ClientError) as e:
        runtime.invoke_model(modelId=GUIDE.profile_id("us"), body=invoke_body(anthropic_beta=[BINDING]))
    assert error_of(e) == ("ValidationException", INVALID_BETA, 400)
    assert runtime.invoke_model(modelId=GUIDE.profile_id("us"),
                                body=invoke_body(anthropic_beta=["compact-2026-01-12"]))["body"].read()


def test_the_structured_outputs_beta_is_not_bedrocks(runtime: Any) -> None:
    """GA structured outputs take no beta; the first-party beta of the deprecated output_format is not in any of
    Bedrock's lists (the catalog), so it is refused like any beta Bedrock does not know."""
    beta = "structured-outputs-2025-11-13"
    assert all(beta not in m.accepted_betas for m in catalog.models())
    with pytest.raises(ClientError) as e:
        runtime.invoke_model(modelId=LEGACY.profile_id("us"), body=invoke_body(anthropic_beta=[beta]))
    assert error_of(e) == ("ValidationException", INVALID_BETA, 400)


class TestUnknownBeta:
    """The same refusal in each API's words (H-facts Q5, M)."""

    def test_invoke_model_and_stream(self, runtime: Any) -> None:
        for call in (runtime.invoke_model, runtime.invoke_model_with_response_stream):
            with pytest.raises(ClientError) as e:
                call(modelId=LEGACY.profile_id("us"), body=invoke_body(anthropic_beta=[UNKNOWN]))
            assert error_of(e) == ("ValidationException", INVALID_BETA, 400)

    def test_converse_and_stream(self, runtime: Any) -> None:
        for call in (runtime.converse, runtime.converse_stream):
            with pytest.raises(ClientError) as e:
                call(modelId=LEGACY.profile_id("us"), messages=converse_messages(),
                     additionalModelRequestFields={"anthropic_beta": [UNKNOWN]})
            assert error_of(e) == ("ValidationException", WRAP + INVALID_BETA, 400)

    def test_anthropic_bedrock(self, aws_env: dict[str, str]) -> None:
        client = anthropic.AnthropicBedrock(max_retries=0)
        with pytest.raises(anthropic.BadRequestError) as e:
            client.beta.messages.create(model=LEGACY.profile_id("us"), max_tokens=256, messages=HELLO, betas=[UNKNOWN])
        assert e.value.body == {"message": INVALID_BETA}

    def test_messages_api(self, keyed: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError) as e:
            keyed.beta.messages.create(model=CURRENT.profile_id("global"), max_tokens=256, messages=HELLO,
                                       betas=[UNKNOWN])
        assert e.value.body["type"] == "error"
        assert e.value.body["error"] == {"type": "invalid_request_error", "message": INVALID_BETA}


# --- context_management: the response field -----------------------------------------------------------------------

APPLIED = {"applied_edits": []}


class TestContextManagement:
    @pytest.mark.parametrize("beta", sorted(EDITS))
    def test_invoke_model(self, runtime: Any, beta: str) -> None:
        body = invoke_body(anthropic_beta=[beta], context_management=EDITS[beta])
        message = json.loads(runtime.invoke_model(modelId=LEGACY.profile_id("us"), body=body)["body"].read())
        assert message["context_management"] == APPLIED
        plain = json.loads(runtime.invoke_model(modelId=LEGACY.profile_id("us"), body=invoke_body())["body"].read())
        assert "context_management" not in plain
        events = [json.loads(e["chunk"]["bytes"]) for e in runtime.invoke_model_with_response_stream(
            modelId=LEGACY.profile_id("us"), body=body)["body"]]
        assert [e.get("context_management") for e in events if e["type"] == "message_delta"] == [APPLIED]

    def test_anthropic_bedrock(self, aws_env: dict[str, str]) -> None:
        client = anthropic.AnthropicBedrock(max_retries=0)
        kwargs = {"model": LEGACY.profile_id("us"), "max_tokens": 256, "messages": HELLO,
                  "betas": ["context-management-2025-06-27"],
                  "context_management": EDITS["context-management-2025-06-27"]}
        assert client.beta.messages.create(**kwargs).context_management.applied_edits == []
        with client.beta.messages.stream(**kwargs) as stream:
            assert stream.get_final_message().context_management.applied_edits == []

    def test_converse_only_when_asked(self, runtime: Any) -> None:
        beta = "compact-2026-01-12"
        extra = {"additionalModelRequestFields": {"anthropic_beta": [beta], "context_management": EDITS[beta]}}
        args = {"modelId": CURRENT.profile_id("us"), "messages": converse_messages(), **extra}
        assert "additionalModelResponseFields" not in runtime.converse(**args)
        asked = {**args, "additionalModelResponseFieldPaths": ["/context_management"]}
        assert runtime.converse(**asked)["additionalModelResponseFields"] == {"context_management": APPLIED}
        stops = [e["messageStop"] for e in runtime.converse_stream(**asked)["stream"] if "messageStop" in e]
        assert stops[0]["additionalModelResponseFields"] == {"context_management": APPLIED}

    def test_messages_api(self, keyed: anthropic.Anthropic) -> None:
        message = keyed.beta.messages.create(model=CURRENT.profile_id("global"), max_tokens=256, messages=HELLO,
                                             betas=["compact-2026-01-12"],
                                             context_management=EDITS["compact-2026-01-12"])
        assert message.context_management.applied_edits == []

    @pytest.mark.parametrize(("config", "message"), [
        ({"edits": [{"type": "forget_everything"}]},
         "context_management.edits.0: Input tag 'forget_everything' found using 'type' does not match any of the "
         "expected tags: 'clear_tool_uses_20250919', 'clear_thinking_20251015', 'compact_20260112'"),
        ({"edits": [{}]}, "context_management.edits.0: Unable to extract tag using discriminator 'type'"),
        ({"edits": {}}, "context_management.edits: Input should be a valid list"),
        ([], "context_management: Input should be a valid dictionary"),
    ])
    def test_shape(self, runtime: Any, config: Any, message: str) -> None:
        body = invoke_body(anthropic_beta=["context-management-2025-06-27"], context_management=config)
        with pytest.raises(ClientError) as e:
            runtime.invoke_model(modelId=LEGACY.profile_id("us"), body=body)
        assert error_of(e) == ("ValidationException", message, 400)
