"""The Messages API on Bedrock (``/anthropic/v1/messages``) as bedrock-runtime and bedrock-mantle serve it, driven by
the real clients over real HTTP: AnthropicBedrockMantle (sync, async, stream; SigV4 and API key), the plain
Anthropic client (x-api-key and Bearer), the TypeScript AnthropicBedrockMantle, and raw HTTP whose SSE the
Anthropic SDK's own decoder parses."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest
from anthropic._streaming import SSEDecoder
from logging_setup import Destinations, destinations

from conftest import raw_request, signed_request
from helpers import catalog
from helpers.emulator import Emulator, auth

KEY = auth.BEDROCK_API_KEY  # the emulator's documented Bedrock API key
CURRENT = catalog.lesson("08_messages_api_and_api_keys")  # Claude Sonnet 5: served on both endpoints
MANTLE_ID, RUNTIME_ID = CURRENT.mantle_model_id, CURRENT.profile_id("global")
HAIKU_45 = catalog.model("claude-haiku-4-5")  # InvokeModel and mantle, not runtime's /anthropic
HELLO = [{"role": "user", "content": "Hello, Messages API"}]
KEY_REFUSED = {"Message": "Authentication failed: Please make sure your API Key is valid."}
REGION = "us-east-1"
ALL_ACCESS = {"invited": "all", "data_share": True}  # an account that may use every model (persona errors aside)

MANTLE_MODELS = [m for m in catalog.models() if m.served_on("mantle") and m.offered_in(REGION)]
RUNTIME_IDS = [(m, i) for m in catalog.models() if m.served_on("runtime-messages")
               for i in [m.profile_id(g) for g in m.usable_geographies(REGION)]
               + ([m.base_id] if m.on_demand_in(REGION) else [])]
# Ids each endpoint does not serve: models without the endpoint, and the other endpoint's id forms.
NOT_ON_MANTLE = ([m.base_id for m in catalog.models() if not m.served_on("mantle")]
                 + [CURRENT.profile_id("global"), CURRENT.profile_id("us"), HAIKU_45.base_id,
                    "anthropic.claude-sonnet-4-6-v1", "anthropic.claude-nonexistent"])
NOT_ON_RUNTIME = ([p for m in catalog.models() if not m.served_on("runtime-messages") for p in m.profile_ids]
                  + ["anthropic.claude-nonexistent"])


@pytest.fixture
def env(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The learner's environment from the export lines, with no Anthropic key of the machine's."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_AWS_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return aws_env


@pytest.fixture
def mantle(env: dict[str, str]) -> anthropic.AnthropicBedrockMantle:
    """AnthropicBedrockMantle configured only by the environment: SigV4 with the emulator's credentials."""
    return anthropic.AnthropicBedrockMantle(max_retries=0)


@pytest.fixture
def keyed_mantle(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> anthropic.AnthropicBedrockMantle:
    """AnthropicBedrockMantle with the key in AWS_BEARER_TOKEN_BEDROCK (wrong AWS secret: SigV4 would fail)."""
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    return anthropic.AnthropicBedrockMantle(max_retries=0)


def plain(emulator: Emulator, path: str, **auth_kwargs: str) -> anthropic.Anthropic:
    """The plain Anthropic client pointed at one of the emulator's /anthropic base URLs."""
    return anthropic.Anthropic(base_url=f"{emulator.url}{path}/anthropic", max_retries=0, **auth_kwargs)


def create(client: Any, model: str, **extra: Any) -> Any:
    return client.messages.create(model=model, max_tokens=256, messages=HELLO, **extra)


def text_of(message: Any) -> str:
    """The answer's text: models that think by default (Sonnet 5, the adaptive-only ones) open with a thinking
    block, so the text is not always ``content[0]``."""
    return "".join(block.text for block in message.content if block.type == "text")


def assert_thinks_as_the_model_does(message: Any, model: catalog.Model) -> None:
    """A model that thinks unasked opens with a signed thinking block, empty where its display is "omitted"."""
    if model.thinks_by_default:
        first = message.content[0]
        assert first.type == "thinking" and first.signature
        assert (first.thinking == "") == (model.thinking_display == "omitted")
    else:
        assert message.content[0].type == "text"


def error_body(excinfo: pytest.ExceptionInfo) -> dict[str, Any]:
    return excinfo.value.body


def anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": kind, "message": message}


# --- the environment -----------------------------------------------------------------------------------------

def test_environment_points_mantle_at_the_emulator(emulator: Emulator, mantle: Any) -> None:
    assert emulator.env["ANTHROPIC_BEDROCK_MANTLE_BASE_URL"] == f"{emulator.https_url}/mantle/anthropic"
    assert str(mantle.base_url).rstrip("/") == f"{emulator.https_url}/mantle/anthropic"


# --- AnthropicBedrockMantle ----------------------------------------------------------------------------------

@pytest.mark.parametrize("model", MANTLE_MODELS, ids=lambda m: m.key)
def test_mantle_serves_the_catalogs_models(emulator: Emulator, mantle: Any, model: catalog.Model) -> None:
    emulator.account(**ALL_ACCESS)
    message = create(mantle, model.mantle_model_id)
    assert message.type == "message" and message.role == "assistant" and message.stop_reason == "end_turn"
    assert model.display_name in text_of(message) and message.model == model.api_name
    assert_thinks_as_the_model_does(message, model)
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0


@pytest.mark.parametrize("model_id", NOT_ON_MANTLE)
def test_mantle_refuses_models_it_does_not_serve(emulator: Emulator, mantle: Any, model_id: str) -> None:
    emulator.account(**ALL_ACCESS)
    with pytest.raises(anthropic.NotFoundError) as e:
        create(mantle, model_id)
    assert e.value.status_code == 404
    assert error_body(e)["error"] == anthropic_error("not_found_error", f"model: {model_id}")
    assert error_body(e)["type"] == "error" and error_body(e)["request_id"] == e.value.response.headers[
        "x-amzn-requestid"]


def test_mantle_stream(mantle: Any) -> None:
    with mantle.messages.stream(model=MANTLE_ID, max_tokens=256, messages=HELLO) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
        assert stream.response.headers["content-type"].startswith("text/event-stream")
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop" and "message_delta" in kinds
    assert text_of(final) == text_of(create(mantle, MANTLE_ID))
    assert [b.type for b in final.content] == [b.type for b in create(mantle, MANTLE_ID).content]
    assert final.usage.output_tokens > 1 and final.stop_reason == "end_turn"


def test_mantle_async(env: dict[str, str]) -> None:
    async def ask() -> tuple[Any, str]:
        client = anthropic.AsyncAnthropicBedrockMantle(max_retries=0)
        message = await client.messages.create(model=MANTLE_ID, max_tokens=256, messages=HELLO)
        stream = await client.messages.create(model=MANTLE_ID, max_tokens=256, messages=HELLO, stream=True)
        text = "".join([e.delta.text async for e in stream
                        if e.type == "content_block_delta" and e.delta.type == "text_delta"])
        return message, text

    message, streamed = asyncio.run(ask())
    assert text_of(message) == streamed and CURRENT.display_name in streamed


def test_mantle_with_an_api_key(keyed_mantle: Any) -> None:
    assert create(keyed_mantle, MANTLE_ID).stop_reason == "end_turn"
    with keyed_mantle.messages.stream(model=MANTLE_ID, max_tokens=64, messages=HELLO) as stream:
        assert stream.get_final_message().stop_reason == "max_tokens"


def test_mantle_with_a_wrong_api_key(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-not-a-key")
    with pytest.raises(anthropic.PermissionDeniedError) as e:
        create(anthropic.AnthropicBedrockMantle(max_retries=0), MANTLE_ID)
    assert error_body(e) == KEY_REFUSED


def test_mantle_count_tokens(mantle: Any) -> None:
    """count_tokens is mantle's (the only path for CRIS-only models, such as Sonnet 5): it matches the usage."""
    counted = mantle.messages.count_tokens(model=MANTLE_ID, messages=HELLO, system="Be brief.")
    used = create(mantle, MANTLE_ID, system="Be brief.").usage.input_tokens
    assert counted.input_tokens == used
    # No max_tokens to send: a thinking budget is checked against the model's own ceiling.
    budget = mantle.messages.count_tokens(model=HAIKU_45.mantle_model_id, messages=HELLO, system="Be brief.",
                                          thinking={"type": "enabled", "budget_tokens": 2048})
    assert budget.input_tokens == used
    with pytest.raises(anthropic.NotFoundError):
        mantle.messages.count_tokens(model=RUNTIME_ID, messages=HELLO)


# --- the plain Anthropic client: x-api-key and Bearer on both paths -----------------------------------------

@pytest.mark.parametrize("auth_kind", ["api_key", "auth_token"])
@pytest.mark.parametrize(("path", "model"), [("", RUNTIME_ID), ("/mantle", MANTLE_ID)], ids=["runtime", "mantle"])
def test_plain_client_with_a_key(emulator: Emulator, env: dict[str, str], auth_kind: str, path: str,
                                 model: str) -> None:
    client = plain(emulator, path, **{auth_kind: KEY})
    assert create(client, model).stop_reason == "end_turn"
    with client.messages.stream(model=model, max_tokens=256, messages=HELLO) as stream:
        assert CURRENT.display_name in text_of(stream.get_final_message())
    with pytest.raises(anthropic.PermissionDeniedError) as e:
        create(plain(emulator, path, **{auth_kind: "ABSKwrong"}), model)
    assert error_body(e) == KEY_REFUSED


@pytest.mark.parametrize("path", ["", "/mantle"], ids=["runtime", "mantle"])
def test_both_key_headers_are_refused(emulator: Emulator, env: dict[str, str], path: str) -> None:
    with pytest.raises(anthropic.PermissionDeniedError) as e:
        create(plain(emulator, path, api_key=KEY, auth_token=KEY), RUNTIME_ID if not path else MANTLE_ID)
    assert "not both" in error_body(e)["Message"]


@pytest.mark.parametrize(("model", "model_id"), RUNTIME_IDS, ids=lambda x: x if isinstance(x, str) else "")
def test_runtime_serves_the_catalogs_models(emulator: Emulator, env: dict[str, str], model: catalog.Model,
                                            model_id: str) -> None:
    emulator.account(**ALL_ACCESS)
    message = create(plain(emulator, "", api_key=KEY), model_id)
    assert model.display_name in text_of(message)
    assert_thinks_as_the_model_does(message, model)


@pytest.mark.parametrize("model_id", NOT_ON_RUNTIME)
def test_runtime_refuses_models_it_does_not_serve(emulator: Emulator, env: dict[str, str], model_id: str) -> None:
    emulator.account(**ALL_ACCESS)
    with pytest.raises(anthropic.NotFoundError) as e:
        create(plain(emulator, "", api_key=KEY), model_id)
    assert error_body(e)["error"] == anthropic_error("not_found_error", f"model: {model_id}")


def test_runtime_keeps_invoke_models_rules(emulator: Emulator, env: dict[str, str]) -> None:
    """A profile-only model's bare id gets InvokeModel's on-demand error, in Anthropic's shape."""
    with pytest.raises(anthropic.BadRequestError) as e:
        create(plain(emulator, "", api_key=KEY), CURRENT.base_id)
    assert error_body(e)["error"]["type"] == "invalid_request_error"
    assert error_body(e)["error"]["message"].startswith(f"Invocation of model ID {CURRENT.base_id} with on-demand")


# --- SigV4: each endpoint's signing name ------------------------------------------------------------------------

def _messages_body(model: str, **extra: Any) -> bytes:
    return json.dumps({"model": model, "max_tokens": 64, "messages": HELLO, **extra}).encode()


VERSION = {"anthropic-version": "2023-06-01", "content-type": "application/json"}


@pytest.mark.parametrize(("path", "model", "right", "wrong"), [
    ("/anthropic/v1/messages", RUNTIME_ID, "bedrock", "bedrock-mantle"),
    ("/mantle/anthropic/v1/messages", MANTLE_ID, "bedrock-mantle", "bedrock"),
], ids=["runtime", "mantle"])
def test_signing_name(emulator: Emulator, path: str, model: str, right: str, wrong: str) -> None:
    body = _messages_body(model)
    ok = signed_request(emulator.url, "POST", path, body, service=right, headers=VERSION)
    assert ok.status == 200 and json.loads(ok.data)["type"] == "message"
    refused = signed_request(emulator.url, "POST", path, body, service=wrong, headers=VERSION)
    assert refused.status == 403
    assert json.loads(refused.data) == {"message": f"Credential should be scoped to correct service: '{right}'. "}
    assert refused.headers["x-amzn-errortype"].startswith("InvalidSignatureException")
    tampered = signed_request(emulator.url, "POST", path, body, service=right, headers=VERSION,
                              tamper=lambda r: setattr(r, "body", _messages_body(model, max_tokens=65)))
    assert tampered.status == 403 and "signature we calculated does not match" in json.loads(tampered.data)["message"]


def test_mantle_client_pointed_at_runtime_is_refused(emulator: Emulator, env: dict[str, str]) -> None:
    """AnthropicBedrockMantle signs as bedrock-mantle: runtime's /anthropic takes only ``bedrock`` signatures."""
    client = anthropic.AnthropicBedrockMantle(base_url=f"{emulator.url}/anthropic", max_retries=0)
    with pytest.raises(anthropic.PermissionDeniedError) as e:
        create(client, RUNTIME_ID)
    assert error_body(e) == {"message": "Credential should be scoped to correct service: 'bedrock'. "}


def test_unsigned_request_is_refused(emulator: Emulator) -> None:
    reply = raw_request(emulator.url, "POST", "/mantle/anthropic/v1/messages", _messages_body(MANTLE_ID), VERSION)
    assert reply.status == 403 and json.loads(reply.data) == {"message": "Missing Authentication Token"}


# --- raw HTTP: SSE parsed by the SDK's own decoder --------------------------------------------------------------

@pytest.mark.parametrize(("path", "model", "service"), [
    ("/anthropic/v1/messages", RUNTIME_ID, "bedrock"), ("/mantle/anthropic/v1/messages", MANTLE_ID, "bedrock-mantle"),
], ids=["runtime", "mantle"])
def test_raw_sse(emulator: Emulator, path: str, model: str, service: str) -> None:
    reply = signed_request(emulator.url, "POST", path, _messages_body(model, stream=True), service=service,
                           headers=VERSION)
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/event-stream")
    events = list(SSEDecoder().iter_bytes(iter([reply.data])))
    names = [e.event for e in events]
    assert all(e.event == e.json()["type"] for e in events)  # each event names its data's type
    squashed = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    # Sonnet 5 thinks unasked: a thinking block (its display "omitted": only a signature_delta), then the text.
    block = ["content_block_start", "content_block_delta", "content_block_stop"]
    assert squashed == ["message_start", "content_block_start", "ping", *block[1:], *block, "message_delta",
                        "message_stop"]
    deltas = [e.json()["delta"] for e in events if e.event == "content_block_delta"]
    assert deltas[0]["type"] == "signature_delta" and deltas[0]["signature"]
    start, delta = events[0].json()["message"], events[-2].json()
    assert start["usage"]["input_tokens"] > 0 and start["content"] == [] and start["stop_reason"] is None
    assert delta["delta"]["stop_reason"] == "max_tokens" and delta["usage"]["output_tokens"] == 64
    text = "".join(d["text"] for d in deltas if d["type"] == "text_delta")
    stand_in = "Hello from the offline Bedrock emulator"  # what the thinking leaves of the 64 tokens starts it
    assert text and (text.startswith(stand_in) or stand_in.startswith(text))


# --- the request: version header, body rules, the shared model rules ------------------------------------------------

def _post(emulator: Emulator, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    reply = raw_request(emulator.url, "POST", path, body, {"x-api-key": KEY, **headers})
    return reply.status, json.loads(reply.data)


@pytest.mark.parametrize("path", ["/anthropic/v1/messages", "/mantle/anthropic/v1/messages"])
@pytest.mark.parametrize(("body", "headers", "status", "kind", "message"), [
    ({}, {}, 400, "invalid_request_error", "anthropic-version: header is required"),
    ({}, {"anthropic-version": "2023-01-01"}, 400, "invalid_request_error", "Invalid API version: 2023-01-01"),
    ({"model": None}, VERSION, 400, "invalid_request_error", "model: Field required"),
    ({"model": 7}, VERSION, 400, "invalid_request_error", "model: Input should be a valid string"),
    ({"stream": "yes"}, VERSION, 400, "invalid_request_error", "stream: Input should be a valid boolean"),
    ({"max_tokens": None}, VERSION, 400, "invalid_request_error", "max_tokens: Field required"),
    ({"inference_geo": "us"}, VERSION, 400, "invalid_request_error", "inference_geo: Extra inputs are not permitted"),
    ({"temperature": 0.2}, VERSION, 400, "invalid_request_error", "`temperature` is deprecated for this model."),
    ({"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 4096}, VERSION, 400,
     "invalid_request_error", '"thinking.type.enabled" is not supported for this model. Use '
     '"thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'),
    ({}, {**VERSION, "anthropic-beta": "no-such-beta"}, 400, "invalid_request_error", "invalid beta flag"),
], ids=["no-version", "bad-version", "no-model", "model-type", "stream-type", "no-max-tokens", "extra-input",
        "sampling", "thinking", "beta"])
def test_request_errors(emulator: Emulator, path: str, body: dict[str, Any], headers: dict[str, str], status: int,
                        kind: str, message: str) -> None:
    model = MANTLE_ID if path.startswith("/mantle") else RUNTIME_ID
    sent = {"model": model, "max_tokens": 64, "messages": HELLO, **body}
    got_status, got = _post(emulator, path, json.dumps({k: v for k, v in sent.items() if v is not None}).encode(),
                            headers)
    assert (got_status, got["type"], got["error"]) == (status, "error", anthropic_error(kind, message))


def test_api_version_2026_10_21(emulator: Emulator, env: dict[str, str]) -> None:
    """The new API version only where the catalog lists it (current models), as on InvokeModel."""
    client = plain(emulator, "/mantle", api_key=KEY, default_headers={"anthropic-version": catalog.NEW_API_VERSION})
    assert create(client, MANTLE_ID).stop_reason == "end_turn"
    with pytest.raises(anthropic.BadRequestError) as e:
        create(client, HAIKU_45.mantle_model_id)
    assert error_body(e)["error"]["message"] == f"Invalid API version: {catalog.NEW_API_VERSION}"


def test_malformed_json(emulator: Emulator) -> None:
    status, body = _post(emulator, "/mantle/anthropic/v1/messages", b"{not json", VERSION)
    assert status == 400 and body["error"]["type"] == "invalid_request_error"


# --- the account persona and injected faults, through this door --------------------------------------------------

@pytest.mark.parametrize(("persona", "error", "status", "kind"), [
    ({"marketplace": False}, anthropic.PermissionDeniedError, 403, "permission_error"),
    ({"use_case_form": False}, anthropic.NotFoundError, 404, "not_found_error"),
])
@pytest.mark.parametrize("path", ["", "/mantle"], ids=["runtime", "mantle"])
def test_persona(emulator: Emulator, env: dict[str, str], persona: dict[str, bool], error: type, status: int,
                 kind: str, path: str) -> None:
    emulator.account(**persona)
    with pytest.raises(error) as e:
        create(plain(emulator, path, api_key=KEY), MANTLE_ID if path else RUNTIME_ID)
    assert e.value.status_code == status and error_body(e)["error"]["type"] == kind
    text = error_body(e)["error"]["message"]
    assert ("AWS Marketplace" in text) if status == 403 else text.startswith("Model use case details")


def test_revoked_and_invite_only(emulator: Emulator, mantle: Any) -> None:
    emulator.revoke_access(CURRENT.key)
    with pytest.raises(anthropic.PermissionDeniedError) as e:
        create(mantle, MANTLE_ID)
    assert error_body(e)["error"] == anthropic_error(
        "permission_error", "You don't have access to the model with the specified model ID.")
    invite_only = next(m for m in MANTLE_MODELS if m.access == "invite")
    with pytest.raises(anthropic.PermissionDeniedError) as e:
        create(mantle, invite_only.mantle_model_id)
    assert "invitation only" in error_body(e)["error"]["message"]


def test_scp_on_global_profiles_only(emulator: Emulator, env: dict[str, str]) -> None:
    """An SCP that denies global. profiles refuses runtime's global id; mantle's bare id has no profile."""
    emulator.account(scp_blocks_global=True)
    with pytest.raises(anthropic.PermissionDeniedError):
        create(plain(emulator, "", api_key=KEY), RUNTIME_ID)
    assert create(plain(emulator, "", api_key=KEY), CURRENT.profile_id("us")).stop_reason == "end_turn"
    assert create(plain(emulator, "/mantle", api_key=KEY), MANTLE_ID).stop_reason == "end_turn"


@pytest.mark.parametrize("path", ["", "/mantle"], ids=["runtime", "mantle"])
def test_faults(emulator: Emulator, env: dict[str, str], path: str) -> None:
    client, model = plain(emulator, path, api_key=KEY), MANTLE_ID if path else RUNTIME_ID
    emulator.throttle(next=1)
    with pytest.raises(anthropic.RateLimitError) as e:
        create(client, model)
    assert error_body(e)["error"] == anthropic_error("rate_limit_error",
                                                     "Too many requests, please wait before trying again.")
    emulator.timeout(next=1)
    with pytest.raises(anthropic.InternalServerError) as e:
        create(client, model)
    assert e.value.status_code == 504 and error_body(e)["error"]["type"] == "timeout_error"
    emulator.throttle(next=1, mid_stream=True)
    # The stream began (200), then an error event.
    with pytest.raises(anthropic.APIStatusError) as e, \
            client.messages.stream(model=model, max_tokens=256, messages=HELLO) as stream:
        stream.get_final_message()
    assert error_body(e) == {"type": "error", "error": anthropic_error(
        "rate_limit_error", "Too many requests, please wait before trying again.")}
    assert create(client, model).stop_reason == "end_turn"  # faults used up


# --- runtime's other /anthropic paths ------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("POST", "/anthropic/v1/messages/count_tokens"),
                                              ("GET", "/anthropic/v1/models"), ("GET", "/anthropic/v1/files")])
def test_runtime_unknown_operations(emulator: Emulator, method: str, path: str) -> None:
    """Measured on AWS: HTTP 200 with a Coral UnknownOperationException in the body (runtime has no count_tokens)."""
    body = _messages_body(RUNTIME_ID) if method == "POST" else b""
    reply = signed_request(emulator.url, method, path, body, headers=VERSION)
    assert reply.status == 200
    assert json.loads(reply.data) == {"Output": {"__type": "com.amazon.coral.service#UnknownOperationException"},
                                      "Version": "1.0"}


def test_runtime_batches(emulator: Emulator) -> None:
    reply = signed_request(emulator.url, "POST", "/anthropic/v1/messages/batches", b"{}", headers=VERSION)
    assert reply.status == 403 and json.loads(reply.data) == {"message": "Authorization header is missing"}


# --- invocation logging: runtime only ----------------------------------------------------------------------------

@pytest.fixture
def cloudwatch(emulator: Emulator, env: dict[str, str]) -> Iterator[Destinations]:
    """Logging on, to a CloudWatch log group (and its role) of this test's own, in the offline CloudWatch Logs."""
    import boto3

    bedrock = boto3.Session().client("bedrock")
    dest = destinations(emulator, s3=False)
    bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
    yield dest
    bedrock.delete_model_invocation_logging_configuration()


def _records(dest: Destinations) -> list[dict[str, Any]]:
    """The group's records, read with filter_log_events."""
    return dest.cloudwatch()


def test_runtime_is_logged(emulator: Emulator, cloudwatch: Destinations) -> None:
    client = plain(emulator, "", api_key=KEY)
    raw = client.messages.with_raw_response.create(model=RUNTIME_ID, max_tokens=64, messages=HELLO)
    message = raw.parse()
    with client.messages.stream(model=RUNTIME_ID, max_tokens=64, messages=HELLO) as stream:
        streamed = stream.get_final_message()
        stream_id = stream.response.headers["x-amzn-requestid"]
    emulator.throttle(next=1)
    with pytest.raises(anthropic.RateLimitError) as e:
        create(client, RUNTIME_ID)
    records = {r["requestId"]: r for r in _records(cloudwatch)}
    one, two = records[raw.headers["x-amzn-requestid"]], records[stream_id]
    failed = records[e.value.response.headers["x-amzn-requestid"]]
    assert (one["operation"], two["operation"], failed["operation"]) == (
        "InvokeModel", "InvokeModelWithResponseStream", "InvokeModel")
    assert one["modelId"] == two["modelId"] == RUNTIME_ID
    assert one["identity"]["arn"] == auth.API_KEY_IDENTITY.arn  # the key's identity, not a signer's
    assert one["input"]["inputBodyJson"] == {"model": RUNTIME_ID, "max_tokens": 64, "messages": HELLO}
    assert one["output"]["outputBodyJson"] == raw.http_response.json()
    assert (one["input"]["inputTokenCount"], one["output"]["outputTokenCount"]) == (
        message.usage.input_tokens, message.usage.output_tokens)
    assert (two["input"]["inputTokenCount"], two["output"]["outputTokenCount"]) == (
        streamed.usage.input_tokens, streamed.usage.output_tokens)
    assert [c["chunk"]["type"] for c in two["output"]["outputBodyJson"]][:3] == [
        "message_start", "content_block_start", "ping"]
    assert failed["errorCode"] == "ThrottlingException" and failed["output"] == {}


def test_mantle_is_not_logged(emulator: Emulator, cloudwatch: Destinations, mantle: Any) -> None:
    create(mantle, MANTLE_ID)
    with mantle.messages.stream(model=MANTLE_ID, max_tokens=64, messages=HELLO) as stream:
        stream.get_final_message()
    mantle.messages.count_tokens(model=MANTLE_ID, messages=HELLO)
    create(plain(emulator, "", api_key=KEY), RUNTIME_ID)  # a runtime call after them: its record is the only one
    assert [r["operation"] for r in _records(cloudwatch)] == ["InvokeModel"]


# --- the TypeScript AnthropicBedrockMantle (tsx) ------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
TSX = REPO / "node_modules" / ".bin" / "tsx"


@pytest.mark.typescript
@pytest.mark.skipif(shutil.which("node") is None or not TSX.exists(), reason="Node.js and node_modules are needed")
@pytest.mark.parametrize("with_key", [False, True], ids=["sigv4", "api-key"])
def test_typescript_mantle(emulator: Emulator, env: dict[str, str], with_key: bool) -> None:
    run_env = dict(env)
    if with_key:  # the key, and a wrong AWS secret: only the key can work
        run_env.update(AWS_BEARER_TOKEN_BEDROCK=KEY, AWS_SECRET_ACCESS_KEY="not-the-secret")
    proc = subprocess.run([str(TSX), str(REPO / "tests" / "ts" / "mantle.ts"), MANTLE_ID, HAIKU_45.base_id],
                          cwd=REPO, env=run_env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["base_url"] == env["ANTHROPIC_BEDROCK_MANTLE_BASE_URL"]
    assert out["create"]["stop_reason"] == "end_turn" and out["create"]["text"] == out["stream"]["text"]
    assert out["create"]["usage"] == out["stream"]["usage"]
    events = out["stream"]["events"]
    assert events[0] == "message_start" and events[-2:] == ["message_delta", "message_stop"]
    assert out["error"]["name"] == "NotFoundError" and out["error"]["status"] == 404
    assert out["error"]["body"]["error"] == anthropic_error("not_found_error", f"model: {HAIKU_45.base_id}")
