"""What each model accepts, parametrised over the catalog (a catalog edit is covered automatically): where it is
invokable, which API versions it takes and what 2026-10-21 removes, sampling, thinking, CountTokens.

Every call goes through a real client (boto3, AnthropicBedrock) over HTTP. The account is opened wide
(``open_account``) so that these tests see the model rules only; the account rules are test_model_access.py's.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from typing import Any

import anthropic
import pytest
from botocore.exceptions import ClientError

from conftest import MODEL, MODEL_US, error_of
from conftest import runtime_in as new_runtime_in
from helpers import catalog
from helpers.emulator import Emulator, auth

TODAY = dt.date.today()
LIVE = [m for m in catalog.models() if m.lifecycle(TODAY) != catalog.END_OF_LIFE]
NEWEST = [m for m in LIVE if m.accepts_api_version(catalog.NEW_API_VERSION)]  # Opus 4.7 and later
OPUS_47 = catalog.model("claude-opus-4-7")
OLD, NEW = catalog.BEDROCK_API_VERSION, catalog.NEW_API_VERSION
VALIDATION = "ValidationException"
MODEL_SAYS = "The model returned the following errors: "
HELLO = [{"role": "user", "content": "Hello, world"}]


@cache
def runtime_in(region: str) -> Any:
    """One bedrock-runtime client per region for the whole module (the emulator is the session's)."""
    return new_runtime_in(region)


def key(model: catalog.Model) -> str:
    return model.key


def call_site(model: catalog.Model) -> tuple[str, str]:
    """(region, id) where the catalog says ``model`` is invokable: a profile from one of its source regions
    (us-east-1 where it may), else its bare id in a region that serves it on demand."""
    geos = sorted(model.geographies, key=lambda g: "us-east-1" not in catalog.geography(g).source_regions)
    for geo in geos:
        regions = catalog.geography(geo).source_regions
        return ("us-east-1" if "us-east-1" in regions else regions[0]), model.profile_id(geo)
    return model.on_demand_regions[0], model.base_id


def body(version: str = OLD, max_tokens: int = 64, messages: list[dict[str, Any]] | None = None,
         **extra: Any) -> str:
    return json.dumps({"anthropic_version": version, "max_tokens": max_tokens, "messages": messages or HELLO,
                       **extra})


def invoke(model: catalog.Model, payload: str) -> dict[str, Any]:
    region, model_id = call_site(model)
    return json.loads(runtime_in(region).invoke_model(modelId=model_id, body=payload)["body"].read())


def invoke_error(model: catalog.Model, payload: str) -> tuple[str, str, int]:
    region, model_id = call_site(model)
    with pytest.raises(ClientError) as e:
        runtime_in(region).invoke_model(modelId=model_id, body=payload)
    return error_of(e)


def stream_events(model: catalog.Model, payload: str) -> list[dict[str, Any]]:
    region, model_id = call_site(model)
    response = runtime_in(region).invoke_model_with_response_stream(modelId=model_id, body=payload)
    return [json.loads(e["chunk"]["bytes"]) for e in response["body"]]


def converse(model: catalog.Model, stream: bool = False, **fields: Any) -> Any:
    region, model_id = call_site(model)
    client = runtime_in(region)
    messages = [{"role": "user", "content": [{"text": "Hello, world"}]}]
    if stream:
        return list(client.converse_stream(modelId=model_id, messages=messages, **fields)["stream"])
    return client.converse(modelId=model_id, messages=messages, **fields)


def converse_error(model: catalog.Model, stream: bool = False, **fields: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as e:
        converse(model, stream, **fields)
    return error_of(e)


@pytest.fixture
def open_account(emulator: Emulator, aws_env: dict[str, str]) -> Emulator:
    """An account that may use every model: still using Legacy ones, invited, opted in."""
    emulator.account(legacy_use=True, invited="all", data_share=True)
    return emulator


@pytest.fixture
def sdk(aws_env: dict[str, str], open_account: Emulator) -> anthropic.AnthropicBedrock:
    return anthropic.AnthropicBedrock(max_retries=0)


# --- where each model is invokable ----------------------------------------------------------------------------

PROFILES = [(m, g) for m in LIVE for g in m.geographies]
ON_DEMAND = [(m, r) for m in LIVE for r in m.on_demand_regions]


@pytest.mark.usefixtures("open_account")
class TestInvokable:
    """Profiles from their source regions, bare ids where served on demand, as the catalog says."""

    @pytest.mark.parametrize("model,geo", PROFILES, ids=[f"{m.key}-{g}" for m, g in PROFILES])
    def test_profile_from_its_source_regions(self, model: catalog.Model, geo: str) -> None:
        sources = catalog.geography(geo).source_regions
        for region in dict.fromkeys((sources[0], sources[-1])):
            reply = runtime_in(region).invoke_model(modelId=model.profile_id(geo), body=body())
            assert json.loads(reply["body"].read())["model"] == model.api_name

    @pytest.mark.parametrize("model,geo", PROFILES, ids=[f"{m.key}-{g}" for m, g in PROFILES])
    def test_profile_refused_elsewhere(self, model: catalog.Model, geo: str) -> None:
        outside = sorted(auth.regions() - set(catalog.geography(geo).source_regions))
        with pytest.raises(ClientError) as e:
            runtime_in(outside[0]).invoke_model(modelId=model.profile_id(geo), body=body())
        assert error_of(e) == (VALIDATION, "The provided model identifier is invalid.", 400)

    @pytest.mark.parametrize("model,region", ON_DEMAND, ids=[f"{m.key}-{r}" for m, r in ON_DEMAND])
    def test_bare_id_where_on_demand(self, model: catalog.Model, region: str) -> None:
        for model_id in (model.base_id, model.foundation_model_arn(region)):
            reply = runtime_in(region).invoke_model(modelId=model_id, body=body())
            assert json.loads(reply["body"].read())["type"] == "message"

    @pytest.mark.parametrize("model", [m for m in LIVE if m.geographies], ids=key)
    def test_bare_id_of_a_profile_model_elsewhere(self, model: catalog.Model) -> None:
        """Where the model is only reachable through a profile, its bare id is the on-demand error."""
        region = next(r for g in model.geographies for r in catalog.geography(g).source_regions
                      if not model.on_demand_in(r))
        with pytest.raises(ClientError) as e:
            runtime_in(region).invoke_model(modelId=model.base_id, body=body())
        code, message, status = error_of(e)
        assert (code, status) == (VALIDATION, 400)
        assert message.startswith(f"Invocation of model ID {model.base_id} with on-demand throughput isn\u2019t")

    @pytest.mark.parametrize("model", LIVE, ids=key)
    def test_every_operation(self, model: catalog.Model) -> None:
        assert invoke(model, body())["model"] == model.api_name
        assert stream_events(model, body())[-1]["type"] == "message_stop"
        assert converse(model)["output"]["message"]["role"] == "assistant"
        assert "messageStop" in converse(model, stream=True)[-2]


# --- API versions ---------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("open_account")
class TestApiVersion:
    """``anthropic_version`` must be one the model takes: 2026-10-21 only on Opus 4.7 and later (Anthropic)."""

    @pytest.mark.parametrize("version", [OLD, NEW])
    @pytest.mark.parametrize("model", LIVE, ids=key)
    def test_accepted_where_the_catalog_says(self, model: catalog.Model, version: str) -> None:
        if model.accepts_api_version(version):
            assert invoke(model, body(version))["type"] == "message"
            assert stream_events(model, body(version))[-1]["type"] == "message_stop"
        else:
            assert invoke_error(model, body(version)) == (VALIDATION, f"Invalid API version: {version}", 400)
            region, model_id = call_site(model)
            with pytest.raises(ClientError) as e:
                runtime_in(region).invoke_model_with_response_stream(modelId=model_id, body=body(version))
            assert error_of(e) == (VALIDATION, f"Invalid API version: {version}", 400)

    def test_the_catalog_has_both_kinds(self) -> None:
        assert NEWEST and any(not m.accepts_api_version(NEW) for m in LIVE)
        assert not MODEL.accepts_api_version(NEW)  # the lesson model is in the guide's family

    @pytest.mark.parametrize("version", ["2023-06-01", "bedrock-2023-05-30", "2026-10-22"])
    def test_other_versions(self, version: str) -> None:
        assert invoke_error(OPUS_47, body(version)) == (VALIDATION, f"Invalid API version: {version}", 400)

    def test_anthropic_sdk_sync_and_stream(self, sdk: anthropic.AnthropicBedrock) -> None:
        """anthropic 1.x sends bedrock-2023-05-31; ``extra_body`` sends what anthropic>=2 sends by default."""
        new = {"anthropic_version": NEW}
        assert sdk.messages.create(model=MODEL_US, max_tokens=16, messages=HELLO).content
        with pytest.raises(anthropic.BadRequestError, match=f"Invalid API version: {NEW}"):
            sdk.messages.create(model=MODEL_US, max_tokens=16, messages=HELLO, extra_body=new)
        with (pytest.raises(anthropic.BadRequestError, match=f"Invalid API version: {NEW}"),
              sdk.messages.stream(model=MODEL_US, max_tokens=16, messages=HELLO, extra_body=new) as stream):
            stream.get_final_message()
        newest = OPUS_47.profile_id("us")
        assert sdk.messages.create(model=newest, max_tokens=16, messages=HELLO, extra_body=new).content
        with sdk.messages.stream(model=newest, max_tokens=16, messages=HELLO, extra_body=new) as stream:
            assert stream.get_final_message().stop_reason in ("end_turn", "max_tokens")


@pytest.mark.usefixtures("open_account")
class TestNewVersionRules:
    """What 2026-10-21 removes (Anthropic's versioning page), on every model that takes it."""

    @pytest.mark.parametrize("param,value", [("temperature", 1.0), ("top_p", 0.99), ("top_k", 5)])
    @pytest.mark.parametrize("model", NEWEST, ids=key)
    def test_sampling_parameters_are_extra_inputs(self, model: catalog.Model, param: str, value: Any) -> None:
        """Any value, the default included."""
        assert invoke_error(model, body(NEW, **{param: value})) == (
            VALIDATION, f"{param}: Extra inputs are not permitted", 400)

    @pytest.mark.parametrize("model", NEWEST, ids=key)
    def test_document_in_an_assistant_message(self, model: catalog.Model) -> None:
        doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "A note."}}
        messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [doc]},
                    {"role": "user", "content": "Go on"}]
        code, message, status = invoke_error(model, body(NEW, messages=messages))
        assert (code, status) == (VALIDATION, 400)
        assert message.startswith("messages.1.content.0: API version 2026-10-21 does not accept a document block")
        # Under the older version it is refused too, by the rule that media belong to user turns.
        assert "only allowed in user messages" in invoke_error(model, body(OLD, messages=messages))[1]

    @pytest.mark.parametrize("model", NEWEST, ids=key)
    def test_citations_in_a_user_message(self, model: catalog.Model) -> None:
        cited = {"type": "text", "text": "As quoted.", "citations": [
            {"type": "char_location", "cited_text": "x", "document_index": 0, "start_char_index": 0,
             "end_char_index": 1}]}
        direct = [{"role": "user", "content": [cited]}]
        nested = [{"role": "user", "content": [
            {"type": "search_result", "source": "https://example.com", "title": "T", "content": [cited]},
            {"type": "text", "text": "Summarize"}]}]
        for messages, where in ((direct, "messages.0.content.0"), (nested, "messages.0.content.0.content.0")):
            assert invoke_error(model, body(NEW, messages=messages)) == (
                VALIDATION, f"{where}.citations: API version 2026-10-21 does not accept a text block with citations "
                "in a user message. Remove the citations, or send the text without them.", 400)
            assert invoke(model, body(OLD, messages=messages))["type"] == "message"  # the older version takes it
        empty = [{"role": "user", "content": [{**cited, "citations": []}]}]
        assert invoke(model, body(NEW, messages=empty))["type"] == "message"  # only a non-empty array is refused

    def test_version_rules_through_the_sdk(self, sdk: anthropic.AnthropicBedrock) -> None:
        with pytest.raises(anthropic.BadRequestError, match="temperature: Extra inputs are not permitted"):
            # anthropic 1.x's create() has no sampling parameters any more: they go in extra_body.
            sdk.messages.create(model=OPUS_47.profile_id("us"), max_tokens=16, messages=HELLO,
                                extra_body={"anthropic_version": NEW, "temperature": 1.0})


# --- sampling -------------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("open_account")
class TestSampling:
    """``sampling``: "none" (Opus 4.7 and later) refuses non-default values whatever the version and API; "one"
    refuses temperature with top_p; "any" takes both."""

    @pytest.mark.parametrize("model", LIVE, ids=key)
    def test_invoke_model(self, model: catalog.Model) -> None:
        assert invoke(model, body(temperature=1.0))["type"] == "message"  # the default is always accepted
        if model.sampling == "none":
            for param, value in (("temperature", 0.5), ("top_p", 0.9), ("top_k", 5)):
                assert invoke_error(model, body(**{param: value})) == (
                    VALIDATION, f"{MODEL_SAYS}`{param}` is deprecated for this model.", 400)
            return
        assert invoke(model, body(temperature=0.5))["type"] == "message"
        assert invoke(model, body(top_k=5))["type"] == "message"
        both = body(temperature=0.5, top_p=0.9)
        if model.sampling == "one":
            assert invoke_error(model, both) == (VALIDATION, f"{MODEL_SAYS}`temperature` and `top_p` cannot both be "
                                                 "specified for this model. Please use only one.", 400)
        else:
            assert invoke(model, both)["type"] == "message"

    @pytest.mark.parametrize("model", [m for m in LIVE if m.sampling == "none"], ids=key)
    def test_converse_and_its_stream(self, model: catalog.Model) -> None:
        deprecated = f"{MODEL_SAYS}`temperature` is deprecated for this model."
        assert converse_error(model, inferenceConfig={"temperature": 0.2}) == (VALIDATION, deprecated, 400)
        assert converse_error(model, stream=True, inferenceConfig={"temperature": 0.2}) == (VALIDATION, deprecated, 400)
        assert converse_error(model, inferenceConfig={"topP": 0.9})[1] == \
            f"{MODEL_SAYS}`top_p` is deprecated for this model."
        assert converse_error(model, additionalModelRequestFields={"top_k": 5})[1] == \
            f"{MODEL_SAYS}`top_k` is deprecated for this model."
        assert converse(model, inferenceConfig={"temperature": 1.0})["stopReason"] == "end_turn"

    def test_the_lesson_model_still_takes_temperature(self) -> None:
        assert MODEL.sampling == "one" and invoke(MODEL, body(temperature=0.0))["type"] == "message"
        assert converse(MODEL, inferenceConfig={"temperature": 0.0})["stopReason"] == "end_turn"

    def test_opus_47_through_the_sdk(self, sdk: anthropic.AnthropicBedrock) -> None:
        with pytest.raises(anthropic.BadRequestError, match=r"`temperature` is deprecated for this model\."):
            sdk.messages.create(model=OPUS_47.profile_id("us"), max_tokens=16, messages=HELLO,
                                extra_body={"temperature": 0.0})
        assert sdk.messages.create(model=OPUS_47.profile_id("us"), max_tokens=16, messages=HELLO,
                                   extra_body={"temperature": 1.0}).content


# --- thinking -------------------------------------------------------------------------------------------------

THINKING = {"enabled": {"type": "enabled", "budget_tokens": 1024}, "adaptive": {"type": "adaptive"},
            "disabled": {"type": "disabled"}}
ADAPTIVE_ADVICE = ' Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'


@pytest.mark.usefixtures("open_account")
class TestThinking:
    """``thinking.type`` must be one of the model's ``thinking_modes``."""

    @pytest.mark.parametrize("kind", THINKING)
    @pytest.mark.parametrize("model", LIVE, ids=key)
    def test_each_type(self, model: catalog.Model, kind: str) -> None:
        payload = body(max_tokens=2048, thinking=THINKING[kind])
        fields = {"inferenceConfig": {"maxTokens": 2048}, "additionalModelRequestFields": {"thinking": THINKING[kind]}}
        if kind in model.thinking_modes:
            assert invoke(model, payload)["type"] == "message"
            assert converse(model, **fields)["stopReason"] == "end_turn"
            return
        code, message, status = invoke_error(model, payload)
        assert (code, status) == (VALIDATION, 400)
        assert message.startswith(f'{MODEL_SAYS}"thinking.type.{kind}" is not supported for this model.')
        assert converse_error(model, **fields)[1] == message

    def test_opus_47_enabled_has_bedrocks_words(self) -> None:
        assert OPUS_47.thinking == "adaptive-only"
        assert invoke_error(OPUS_47, body(max_tokens=2048, thinking=THINKING["enabled"])) == (
            VALIDATION, f'{MODEL_SAYS}"thinking.type.enabled" is not supported for this model.{ADAPTIVE_ADVICE}', 400)

    def test_budget_only_models_are_told_to_use_a_budget(self) -> None:
        budget_only = next(m for m in LIVE if m.thinking == "budget")
        assert invoke_error(budget_only, body(thinking=THINKING["adaptive"]))[1] == (
            f'{MODEL_SAYS}"thinking.type.adaptive" is not supported for this model. Use "thinking.type.enabled" and '
            '"thinking.budget_tokens" to control thinking behavior.')


# --- CountTokens ----------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("open_account")
class TestCountTokens:
    """Runtime CountTokens: only ``count_tokens`` models, by their foundation-model id (AWS; measured)."""

    UNSUPPORTED = (VALIDATION, "The provided model doesn't support counting tokens.", 400)

    @pytest.mark.parametrize("model", LIVE, ids=key)
    def test_per_model(self, model: catalog.Model) -> None:
        region = call_site(model)[0]
        client = runtime_in(region)
        inputs = ({"invokeModel": {"body": body().encode()}},
                  {"converse": {"messages": [{"role": "user", "content": [{"text": "Hello, world"}]}]}})
        for source in inputs:
            if model.count_tokens:
                assert client.count_tokens(modelId=model.base_id, input=source)["inputTokens"] > 0
            else:
                with pytest.raises(ClientError) as e:
                    client.count_tokens(modelId=model.base_id, input=source)
                assert error_of(e) == self.UNSUPPORTED

    @pytest.mark.parametrize("model", [m for m in LIVE if m.geographies], ids=key)
    def test_profiles_never_count(self, model: catalog.Model) -> None:
        region, profile = call_site(model)
        with pytest.raises(ClientError) as e:
            runtime_in(region).count_tokens(modelId=profile, input={"invokeModel": {"body": body().encode()}})
        assert error_of(e) == self.UNSUPPORTED

    def test_count_tokens_applies_the_version_rules(self) -> None:
        with pytest.raises(ClientError) as e:
            runtime_in("us-east-1").count_tokens(modelId=MODEL.base_id,
                                                 input={"invokeModel": {"body": body(NEW).encode()}})
        assert error_of(e) == (VALIDATION, f"Invalid API version: {NEW}", 400)
