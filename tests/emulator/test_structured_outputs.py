"""Structured outputs through the real clients over HTTP: InvokeModel (+ stream), Converse (+ stream), AnthropicBedrock
(create, parse, stream) and the Messages API. The answer is JSON valid against the schema, checked with the
``jsonschema`` library (the independent peer); Bedrock's refusals carry its words (H-facts 1e, 4b, 4c)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

import anthropic
import jsonschema
import pydantic
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import error_of
from helpers import catalog
from helpers.emulator import Emulator, auth, context_management, converse, errors, structured
from helpers.emulator.anthropic_body import validate

KEY = auth.BEDROCK_API_KEY
MODEL = catalog.lesson("09")                     # the lesson's model: takes structured outputs
assert MODEL.structured_outputs
# A Claude-5-generation model (the current page) served everywhere, which refuses structured outputs.
REFUSING = next(m for m in catalog.models() if m.page == "current" and not m.structured_outputs
                and m.lifecycle() == catalog.ACTIVE and m.access == "open" and m.served_on("runtime-messages")
                and "us" in m.geographies)
# The Messages API serves no model with structured outputs on runtime /anthropic; mantle serves one.
MANTLE = next(m for m in catalog.models() if m.served_on("mantle") and m.structured_outputs
              and m.lifecycle() == catalog.ACTIVE)
MODEL_ID, REFUSING_ID = MODEL.profile_id("us"), REFUSING.profile_id("us")
WRAP = "The model returned the following errors: "

WEATHER = {"type": "object", "additionalProperties": False, "required": ["city", "unit", "days"], "properties": {
    "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    "days": {"type": "integer"}}}
NESTED = {"type": "object", "additionalProperties": False, "required": ["title", "items", "total"],
          "$defs": {"item": {"type": "object", "additionalProperties": False, "required": ["name", "price"],
                             "properties": {"name": {"type": "string"}, "price": {"type": "number"},
                                            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}},
          "properties": {"title": {"type": "string"}, "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
                         "total": {"type": "number"}, "paid": {"type": "boolean"}}}
QUESTION = "What's the weather in Paris in fahrenheit for 3 days?"
# (schema, Bedrock's 400 words): H-facts 4b captures (M); the minItems one is [emulator wording].
UNSUPPORTED = [
    ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
     "For 'object' type, 'additionalProperties' must be explicitly set to false"),
    ({**WEATHER, "properties": {**WEATHER["properties"], "days": {"type": "integer", "minimum": 1, "maximum": 7}}},
     "For 'integer' type, properties maximum, minimum are not supported"),
    ({"type": "object", "additionalProperties": False, "required": ["x"], "properties": {
        "x": {"type": "number", "maximum": 1}}}, "For 'number' type, property 'maximum' is not supported"),
    ({"type": "object", "additionalProperties": False, "required": ["tags"], "properties": {
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}},
     "For 'array' type, property 'maxItems' is not supported"),
    ({"type": "object", "additionalProperties": False, "required": ["s"], "properties": {
        "s": {"type": "string", "maxLength": 5}}}, "For 'string' type, property 'maxLength' is not supported"),
    ({"type": "array", "items": {"type": "string"}, "minItems": 2},
     "For 'array' type, 'minItems' values other than 0 or 1 are not supported"),
]


class Forecast(pydantic.BaseModel):
    """A typed answer for the SDK's parse helpers (pydantic makes the schema; the SDK adapts it)."""

    city: str
    unit: Literal["celsius", "fahrenheit"]
    days: int = pydantic.Field(ge=1, le=7)   # bounds the SDK moves into the description (not supported)


def valid(text: str, schema: dict[str, Any]) -> Any:
    value = json.loads(text)
    jsonschema.Draft202012Validator(schema).validate(value)
    return value


def invoke_body(schema: Any = WEATHER, text: str = QUESTION, **extra: Any) -> str:
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                       "messages": [{"role": "user", "content": text}],
                       "output_config": {"format": {"type": "json_schema", "schema": schema}}, **extra})


def converse_config(schema: Any = WEATHER, **definition: Any) -> dict[str, Any]:
    text = schema if isinstance(schema, str) else json.dumps(schema)
    return {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": text, **definition}}}}


def user(text: str = QUESTION) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": text}]}]


# --- pure functions ------------------------------------------------------------------------------------------

class TestRules:
    """structured.check through anthropic_body.validate, and Converse's translation."""

    def body(self, **extra: Any) -> dict[str, Any]:
        return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                "messages": [{"role": "user", "content": QUESTION}], **extra}

    def error(self, model: catalog.Model, **extra: Any) -> str:
        with pytest.raises(errors.BedrockError) as e:
            validate(self.body(**extra), model)
        return e.value.message

    def test_the_answer_is_valid_and_deterministic(self) -> None:
        request = validate(self.body(output_config={"format": {"type": "json_schema", "schema": NESTED}}), MODEL)
        text = structured.json_text(request)
        assert text == structured.json_text(request)
        valid(text, NESTED)

    def test_free_text_without_a_format(self) -> None:
        assert structured.json_text(validate(self.body(output_config={"effort": "high"}), MODEL)) is None
        assert structured.json_text(validate(self.body(output_config={"format": None}), MODEL)) is None

    def test_values_come_from_the_question(self) -> None:
        request = validate(self.body(output_config={"format": {"type": "json_schema", "schema": WEATHER}}), MODEL)
        assert json.loads(structured.json_text(request)) == {"city": "Paris", "unit": "fahrenheit", "days": 3}

    def test_effort_passes_through(self) -> None:
        config = {"effort": "high", "format": {"type": "json_schema", "schema": WEATHER}}
        request = validate(self.body(output_config=config), MODEL)
        assert request.body["output_config"]["effort"] == "high"
        valid(structured.json_text(request), WEATHER)

    def test_deprecated_output_format_is_an_alias(self) -> None:
        request = validate(self.body(output_format={"type": "json_schema", "schema": WEATHER}), MODEL)
        valid(structured.json_text(request), WEATHER)
        both = {"output_format": {"type": "json_schema", "schema": WEATHER},
                "output_config": {"format": {"type": "json_schema", "schema": WEATHER}}}
        assert "cannot be used together" in self.error(MODEL, **both)
        assert self.error(REFUSING, output_format={"type": "json_schema", "schema": WEATHER}) == \
            "output_format: Extra inputs are not permitted"

    @pytest.mark.parametrize(("extra", "message"), [
        ({"output_config": []}, "output_config: Input should be a valid dictionary"),
        ({"output_config": {"format": "json"}}, "output_config.format: Input should be a valid dictionary"),
        ({"output_config": {"format": {"schema": WEATHER}}}, "output_config.format.type: Field required"),
        ({"output_config": {"format": {"type": "xml", "schema": WEATHER}}},
         "output_config.format.type: Input should be 'json_schema'"),
        ({"output_config": {"format": {"type": "json_schema"}}}, "output_config.format.schema: Field required"),
        ({"output_config": {"format": {"type": "json_schema", "schema": "{}"}}},
         "output_config.format.schema: Input should be a valid dictionary"),
    ])
    def test_shapes(self, extra: dict[str, Any], message: str) -> None:
        assert self.error(MODEL, **extra) == message

    def test_converse_translation(self) -> None:
        got = converse.output_config({"effort": "high", **converse_config(WEATHER, name="forecast", description="d")})
        assert got == {"effort": "high", "format": {"type": "json_schema", "schema": WEATHER}}
        assert converse.output_config({"effort": "low"}) == {"effort": "low"}

    @pytest.mark.parametrize(("config", "message"), [
        ("json", "Value at 'outputConfig' failed to satisfy constraint: Member must be a structure"),
        ({"effort": 3}, "Value at 'outputConfig.effort' failed to satisfy constraint: Member must be a string"),
        ({"textFormat": {"type": "xml", "structure": {}}}, "Member must satisfy enum value set: [json_schema]"),
        ({"textFormat": {"type": "json_schema"}}, "'outputConfig.textFormat.structure' failed to satisfy"),
        ({"textFormat": {"type": "json_schema", "structure": {}}}, "must set exactly one of its members"),
        (converse_config(WEATHER, name=7), "'outputConfig.textFormat.structure.jsonSchema.name' failed to satisfy"),
        (converse_config({"type": "object"}) | {"textFormat": {"type": "json_schema", "structure": {
            "jsonSchema": {"schema": {"type": "object"}}}}}, "jsonSchema.schema' failed to satisfy constraint: "
         "Member must be a string"),
        (converse_config("{not json"), "jsonSchema.schema is not valid JSON"),
        (converse_config('{"type": "number", "maximum": NaN}'), "jsonSchema.schema is not valid JSON"),
    ])
    def test_converse_shapes(self, config: Any, message: str) -> None:
        with pytest.raises(errors.BedrockError) as e:
            converse.output_config(config)
        assert message in e.value.message and e.value.status == 400


_KEYS = st.sampled_from(["type", "schema", "format", "properties", "items", "required", "$ref", "$defs", "anyOf",
                         "allOf", "enum", "const", "minItems", "minLength", "additionalProperties", "effort", "edits",
                         "textFormat", "structure", "jsonSchema"])
_LEAVES = (st.none() | st.booleans() | st.integers(-5, 10**10) | st.floats(allow_nan=False) | st.text(max_size=5)
           | st.sampled_from(["object", "array", "string", "json_schema", "#", "#/$defs/a", "compact_20260112"]))
_SHAPES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
                       max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_SHAPES, _SHAPES)
def test_any_shape_is_a_400_or_json(config: Any, schema: Any) -> None:
    """Whatever the shapes of output_config, the schema inside it, outputConfig and context_management: Claude's
    400 or a JSON answer, never an exception of the emulator's own (a 500)."""
    base = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
            "messages": [{"role": "user", "content": "Paris, 3 days"}]}
    for body in ({**base, "output_config": config, "context_management": schema},
                 {**base, "output_config": {"format": {"type": "json_schema", "schema": schema}}}):
        try:
            text = structured.json_text(validate(body, MODEL))
            if text is not None:
                json.loads(text)  # raises if the answer is not JSON
        except errors.BedrockError as e:
            assert e.status == 400
    for raw in (config, converse_config(json.dumps(schema))):
        try:
            converse.output_config(raw)
        except errors.BedrockError as e:
            assert e.status == 400
    try:
        context_management.check({"context_management": config})
    except errors.BedrockError as e:
        assert e.status == 400


# --- InvokeModel -----------------------------------------------------------------------------------------------

class TestInvokeModel:
    def test_json_answer(self, runtime: Any) -> None:
        for schema in (WEATHER, NESTED):
            message = json.loads(runtime.invoke_model(modelId=MODEL_ID, body=invoke_body(schema))["body"].read())
            assert message["stop_reason"] == "end_turn" and len(message["content"]) == 1
            assert message["content"][0]["type"] == "text"
            valid(message["content"][0]["text"], schema)

    def test_stream(self, runtime: Any) -> None:
        response = runtime.invoke_model_with_response_stream(modelId=MODEL_ID, body=invoke_body(NESTED))
        events = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
        deltas = [e["delta"]["text"] for e in events if e["type"] == "content_block_delta"]
        assert len(deltas) > 1 and {e["index"] for e in events if "index" in e} == {0}
        valid("".join(deltas), NESTED)
        assert events[-2]["delta"]["stop_reason"] == "end_turn"

    def test_max_tokens_cuts_the_json(self, runtime: Any) -> None:
        body = json.loads(invoke_body(NESTED))
        message = json.loads(runtime.invoke_model(modelId=MODEL_ID, body=json.dumps({**body, "max_tokens": 3})
                                                  )["body"].read())
        assert message["stop_reason"] == "max_tokens"
        with pytest.raises(json.JSONDecodeError):
            json.loads(message["content"][0]["text"])

    @pytest.mark.parametrize("schema", [
        {"type": "object", "additionalProperties": False, "required": list("abcdef"),
         "properties": {k: {"$ref": "#"} for k in "abcdef"}},             # millions of values, eight levels deep
        {"minLength": 10**9},                                             # a gigabyte string (no type: not refused)
        {"items": {"type": "string"}, "minItems": 10**9},
    ], ids=["fan-out", "min-length", "min-items"])
    def test_a_huge_schema_answers_promptly(self, runtime: Any, schema: dict[str, Any]) -> None:
        body = json.loads(invoke_body(schema))
        message = json.loads(runtime.invoke_model(modelId=MODEL_ID, body=json.dumps({**body, "max_tokens": 64_000})
                                                  )["body"].read())
        assert message["stop_reason"] in ("end_turn", "max_tokens") and message["content"][0]["text"]

    @pytest.mark.parametrize(("schema", "message"), UNSUPPORTED, ids=[m.split(",")[0] for _, m in UNSUPPORTED])
    def test_unsupported_schema(self, runtime: Any, schema: dict[str, Any], message: str) -> None:
        with pytest.raises(ClientError) as e:
            runtime.invoke_model(modelId=MODEL_ID, body=invoke_body(schema))
        assert error_of(e) == ("ValidationException", f"output_config.format.schema: {message}", 400)

    def test_refused_on_a_model_without_structured_outputs(self, runtime: Any) -> None:
        with pytest.raises(ClientError) as e:
            runtime.invoke_model(modelId=REFUSING_ID, body=invoke_body())
        assert error_of(e) == ("ValidationException", "output_config.format: Extra inputs are not permitted", 400)


# --- Converse ----------------------------------------------------------------------------------------------------

class TestConverse:
    def test_json_answer(self, runtime: Any) -> None:
        response = runtime.converse(modelId=MODEL_ID, messages=user(), outputConfig=converse_config(
            NESTED, name="receipt", description="A receipt"))
        content = response["output"]["message"]["content"]
        assert response["stopReason"] == "end_turn" and len(content) == 1
        valid(content[0]["text"], NESTED)

    def test_stream(self, runtime: Any) -> None:
        events = list(runtime.converse_stream(modelId=MODEL_ID, messages=user(),
                                              outputConfig=converse_config(WEATHER))["stream"])
        text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
        assert valid(text, WEATHER) == {"city": "Paris", "unit": "fahrenheit", "days": 3}
        assert [e["messageStop"]["stopReason"] for e in events if "messageStop" in e] == ["end_turn"]

    def test_schema_string_that_is_not_json(self, runtime: Any) -> None:
        with pytest.raises(ClientError) as e:
            runtime.converse(modelId=MODEL_ID, messages=user(), outputConfig=converse_config('{"type": "object",'))
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        assert message.startswith("The JSON schema at outputConfig.textFormat.structure.jsonSchema.schema is not "
                                  "valid JSON")

    @pytest.mark.parametrize(("schema", "message"), UNSUPPORTED[:3], ids=["object", "integer", "number"])
    def test_unsupported_schema(self, runtime: Any, schema: dict[str, Any], message: str) -> None:
        with pytest.raises(ClientError) as e:
            runtime.converse(modelId=MODEL_ID, messages=user(), outputConfig=converse_config(schema))
        assert error_of(e) == ("ValidationException", f"{WRAP}output_config.format.schema: {message}", 400)

    def test_refused_on_a_model_without_structured_outputs(self, runtime: Any) -> None:
        for call in (runtime.converse, runtime.converse_stream):
            with pytest.raises(ClientError) as e:
                call(modelId=REFUSING_ID, messages=user(), outputConfig=converse_config())
            assert error_of(e) == ("ValidationException",
                                   f"{WRAP}output_config.format: Extra inputs are not permitted", 400)


# --- AnthropicBedrock and the Messages API ----------------------------------------------------------------------

@pytest.fixture
def bedrock_client(aws_env: dict[str, str]) -> anthropic.AnthropicBedrock:
    return anthropic.AnthropicBedrock(max_retries=0)


FORMAT = {"format": {"type": "json_schema", "schema": NESTED}}


class TestAnthropicSDK:
    def test_create(self, bedrock_client: anthropic.AnthropicBedrock) -> None:
        message = bedrock_client.messages.create(model=MODEL_ID, max_tokens=512, output_config=FORMAT,
                                                 messages=[{"role": "user", "content": QUESTION}])
        valid(message.content[0].text, NESTED)

    def test_parse_into_a_typed_object(self, bedrock_client: anthropic.AnthropicBedrock) -> None:
        message = bedrock_client.messages.parse(model=MODEL_ID, max_tokens=512, output_format=Forecast,
                                                messages=[{"role": "user", "content": QUESTION}])
        assert message.parsed_output == Forecast(city="Paris", unit="fahrenheit", days=3)
        assert Forecast.model_validate_json(message.content[0].text) == message.parsed_output

    def test_stream_into_a_typed_object(self, bedrock_client: anthropic.AnthropicBedrock) -> None:
        with bedrock_client.messages.stream(model=MODEL_ID, max_tokens=512, output_format=Forecast,
                                            messages=[{"role": "user", "content": QUESTION}]) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert final.parsed_output == Forecast.model_validate_json(text)

    def test_async(self, aws_env: dict[str, str]) -> None:
        async def run() -> Any:
            client = anthropic.AsyncAnthropicBedrock(max_retries=0)
            return await client.messages.parse(model=MODEL_ID, max_tokens=512, output_format=Forecast,
                                               messages=[{"role": "user", "content": QUESTION}])

        assert asyncio.run(run()).parsed_output.city == "Paris"

    def test_refused(self, bedrock_client: anthropic.AnthropicBedrock) -> None:
        with pytest.raises(anthropic.BadRequestError) as e:
            bedrock_client.messages.parse(model=REFUSING_ID, max_tokens=64, output_format=Forecast,
                                          messages=[{"role": "user", "content": QUESTION}])
        assert e.value.body == {"message": "output_config.format: Extra inputs are not permitted"}


class TestMessagesAPI:
    def test_mantle_parse(self, emulator: Emulator, aws_env: dict[str, str]) -> None:
        client = anthropic.AnthropicBedrockMantle(max_retries=0)
        message = client.messages.parse(model=MANTLE.mantle_model_id, max_tokens=512, output_format=Forecast,
                                        messages=[{"role": "user", "content": QUESTION}])
        assert message.parsed_output == Forecast(city="Paris", unit="fahrenheit", days=3)
        with client.messages.stream(model=MANTLE.mantle_model_id, max_tokens=512,
                                    output_config={"format": {"type": "json_schema", "schema": NESTED}},
                                    messages=[{"role": "user", "content": QUESTION}]) as stream:
            valid("".join(stream.text_stream), NESTED)

    def test_mantle_unsupported_schema(self, aws_env: dict[str, str]) -> None:
        client = anthropic.AnthropicBedrockMantle(max_retries=0)
        schema, message = UNSUPPORTED[0]
        with pytest.raises(anthropic.BadRequestError) as e:
            client.messages.create(model=MANTLE.mantle_model_id, max_tokens=64,
                                   output_config={"format": {"type": "json_schema", "schema": schema}},
                                   messages=[{"role": "user", "content": QUESTION}])
        assert e.value.body["error"] == {"type": "invalid_request_error",
                                         "message": f"output_config.format.schema: {message}"}

    def test_runtime_refuses_on_claude_5(self, emulator: Emulator) -> None:
        client = anthropic.Anthropic(base_url=f"{emulator.url}/anthropic", api_key=KEY, max_retries=0)
        with pytest.raises(anthropic.BadRequestError) as e:
            client.messages.parse(model=REFUSING.profile_id("global"), max_tokens=64, output_format=Forecast,
                                  messages=[{"role": "user", "content": QUESTION}])
        assert e.value.body["error"] == {"type": "invalid_request_error",
                                         "message": "output_config.format: Extra inputs are not permitted"}
