"""Values drawn from a question fit the schema (checked by the jsonschema library, the independent peer), and
Bedrock's structured-output subset is refused with its own words."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from helpers.emulator.json_schema import instance, unsupported

WEATHER = {"type": "object", "properties": {
    "location": {"type": "string", "description": "City name"},
    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    "days": {"type": "integer", "minimum": 1, "maximum": 7}}, "required": ["location", "unit"]}

SCHEMAS: dict[str, dict[str, Any]] = {
    "weather": WEATHER,
    "empty object": {"type": "object"},
    "no type": {"properties": {"a": {"type": "boolean"}}, "required": ["a"]},
    "nested arrays of objects": {"type": "object", "required": ["rows"], "properties": {"rows": {
        "type": "array", "minItems": 2, "items": {"type": "object", "required": ["id", "tags"], "properties": {
            "id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}}}},
    "bounds": {"type": "object", "required": ["a", "b", "c", "d"], "properties": {
        "a": {"type": "integer", "minimum": 2.5}, "b": {"type": "number", "exclusiveMinimum": 10},
        "c": {"type": "integer", "maximum": -3}, "d": {"type": "number", "exclusiveMaximum": -1}}},
    "strings": {"type": "object", "required": ["short", "long", "when", "mail", "link"], "properties": {
        "short": {"type": "string", "maxLength": 3}, "long": {"type": "string", "minLength": 300},
        "when": {"type": "string", "format": "date-time"}, "mail": {"type": "string", "format": "email"},
        "link": {"type": "string", "format": "uri"}}},
    "const and enums": {"type": "object", "required": ["kind", "level", "flag"], "properties": {
        "kind": {"const": "report"}, "level": {"enum": [3, 5, 8]}, "flag": {"enum": [None, True]}}},
    "nullable and unions": {"type": "object", "required": ["a", "b", "c"], "properties": {
        "a": {"type": ["null", "string"]}, "b": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 4}]},
        "c": {"oneOf": [{"type": "string", "enum": ["x"]}, {"type": "number"}]}}},
    "allOf": {"allOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
                        {"required": ["b"], "properties": {"b": {"type": "integer", "minimum": 1}}}]},
    "refs": {"$defs": {"money": {"type": "object", "required": ["amount", "currency"], "properties": {
        "amount": {"type": "number", "minimum": 0}, "currency": {"enum": ["USD", "JPY", "TWD"]}}}},
        "type": "object", "required": ["price"], "properties": {"price": {"$ref": "#/$defs/money"}}},
    "definitions ref": {"definitions": {"item": {"type": "string"}}, "type": "array", "minItems": 1,
                        "items": {"$ref": "#/definitions/item"}},
    "optional recursion": {"$defs": {"node": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
        "$ref": "#/$defs/node"},
    "prefixItems": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2},
    "maxItems 0": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
}
TEXTS = ["", "What's the weather in Paris in fahrenheit for 3 days?", "price 12.5 JPY, children of Tokyo",
         'Search for "quarterly revenue" in Q3 2026, mail learner@example.org']


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("name", SCHEMAS)
def test_the_value_is_valid_against_the_schema(name: str, text: str) -> None:
    schema = SCHEMAS[name]
    value = instance(schema, text)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
                                    ).validate(value)
    assert instance(schema, text) == value  # deterministic


def test_values_come_from_the_question() -> None:
    assert instance(WEATHER, "What's the weather in Paris in fahrenheit for 3 days?") == {
        "location": "Paris", "unit": "fahrenheit", "days": 3}
    assert instance(WEATHER, "Weather for city: Kyoto please") == {"location": "Kyoto", "unit": "celsius"}
    quarter = {"type": "object", "required": ["quarter"], "properties": {"quarter": {"enum": ["Q1", "Q2", "Q3"]}}}
    assert instance(quarter, "How much did revenue grow in Q2?") == {"quarter": "Q2"}
    query = {"type": "object", "required": ["query"], "properties": {"query": {"type": "string"}}}
    assert instance(query, 'Find "prompt caching" notes') == {"query": "prompt caching"}


UNSUPPORTED = [
    ({"type": "object", "properties": {}}, "For 'object' type, 'additionalProperties' must be explicitly set to false"),
    ({"type": "object", "additionalProperties": True}, "For 'object' type, 'additionalProperties' must be "
                                                        "explicitly set to false"),
    ({"type": "object", "additionalProperties": False, "properties": {
        "n": {"type": "number", "minimum": 0, "maximum": 3}}}, "For 'number' type, properties maximum, minimum are "
                                                                "not supported"),
    ({"type": "object", "additionalProperties": False, "properties": {
        "n": {"type": "integer", "minimum": 0}}}, "For 'integer' type, property 'minimum' is not supported"),
    ({"type": "array", "items": {"type": "string"}, "maxItems": 3}, "For 'array' type, property 'maxItems' is not "
                                                                    "supported"),
    ({"type": "object", "additionalProperties": False, "properties": {"inner": {"type": "object"}}},
     "For 'object' type, 'additionalProperties' must be explicitly set to false"),
    ({"$defs": {"x": {"type": "string", "maxLength": 3}}, "type": "object", "additionalProperties": False,
      "properties": {"x": {"$ref": "#/$defs/x"}}}, "For 'string' type, property 'maxLength' is not supported"),
]


@pytest.mark.parametrize(("schema", "message"), UNSUPPORTED)
def test_unsupported_schema_features_are_named(schema: dict[str, Any], message: str) -> None:
    assert unsupported(schema) == f"output_config.format.schema: {message}"


def test_a_supported_schema_passes() -> None:
    schema = {"type": "object", "additionalProperties": False, "required": ["name", "tags"], "properties": {
        "name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "score": {"anyOf": [{"type": "number"}, {"type": "null"}]}}}
    assert unsupported(schema) is None
