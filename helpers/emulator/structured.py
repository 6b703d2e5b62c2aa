"""Structured outputs: ``output_config.format`` (InvokeModel, the Messages API; Converse's ``outputConfig.textFormat``
arrives here translated by :func:`.converse.output_config`) and the JSON answer it asks for (issue H).

Two parts, both pure functions of the Anthropic body: :func:`check` (called from ``anthropic_body.validate``) applies
Claude's rules, and :func:`json_text` (called by the engine) gives the answer: one JSON text valid against the
schema, its values drawn from the question (:func:`.json_schema.instance`).

The deprecated ``output_format`` (first-party beta ``structured-outputs-2025-11-13``; H-facts 4a, M) is taken as
an alias of ``output_config.format``: Bedrock's closed schema accepts the key (anthropic_body.ALLOWED), no
source says what Claude on Bedrock does with it, and the beta itself is not one Bedrock accepts (catalog betas),
so a request that names the beta is refused as an invalid beta before it gets here. [emulator choice, L]
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import catalog
from . import blocks, errors, json_schema, thinking

if TYPE_CHECKING:  # anthropic_body calls check(): a runtime import would be circular
    from .anthropic_body import Request

FORMAT = "output_config.format"
OUTPUT_CONFIG_KEYS = ("effort", "format")  # the installed SDK's OutputConfigParam (H-facts 3a, H)
DEPRECATED_FORMAT = "output_format"
FORMAT_TYPES = ("json_schema",)
# The question's words the values are drawn from; documents add theirs up to this many characters (the filler
# scans the text with a few regular expressions: a 4 MB document would only slow it down, not improve it).
MAX_SOURCE_CHARS = 20_000


def requested_format(body: dict[str, Any]) -> tuple[str, Any] | None:
    """(where, value) of the request's output format: ``output_config.format``, else the deprecated
    ``output_format``; None when neither is set (a null is "not set", as pydantic's optional fields read it)."""
    config = body.get("output_config")
    if isinstance(config, dict) and config.get("format") is not None:
        return FORMAT, config["format"]
    if body.get(DEPRECATED_FORMAT) is not None:
        return DEPRECATED_FORMAT, body[DEPRECATED_FORMAT]
    return None


def check(body: dict[str, Any], model: catalog.Model) -> None:
    """Claude's rules for a structured-output request, in the order Claude applies them: a model without
    structured outputs does not know the field at all; then its shape; then Bedrock's schema subset."""
    if "output_config" in body and body["output_config"] is not None and not isinstance(body["output_config"], dict):
        raise errors.validation("output_config: Input should be a valid dictionary")  # pydantic wording, as blocks.py
    config = body.get("output_config") or {}
    for key in config:
        if key not in OUTPUT_CONFIG_KEYS:
            # Claude's pydantic wording for an unknown key, as for the others ([emulator wording] for this path).
            raise errors.validation(f"output_config.{key}: Extra inputs are not permitted")
    effort = config.get("effort")
    if effort is not None and effort not in thinking.EFFORTS:
        # Claude's pydantic wording for a literal, as blocks.py words the others ([emulator wording]).
        raise errors.validation("output_config.effort: Input should be "
                                + ", ".join(f"'{e}'" for e in thinking.EFFORTS[:-1])
                                + f" or '{thinking.EFFORTS[-1]}'")
    if config.get("format") is not None and body.get(DEPRECATED_FORMAT) is not None:
        raise errors.output_format_twice()
    found = requested_format(body)
    if found is None:
        return
    where, value = found
    if not model.structured_outputs:
        raise errors.structured_outputs_unsupported(where)
    if not isinstance(value, dict):
        raise errors.validation(f"{where}: Input should be a valid dictionary")
    kind = blocks.field(value, "type", str, where)
    if kind not in FORMAT_TYPES:
        raise errors.validation(f"{where}.type: Input should be 'json_schema'")  # pydantic's literal wording
    schema = blocks.field(value, "schema", dict, where)
    problem = json_schema.unsupported(schema, f"{where}.schema")
    if problem:
        raise errors.validation(problem)  # H-facts 4b (M): Bedrock's words, from json_schema.unsupported


def schema_of(request: Request) -> dict[str, Any] | None:
    """The JSON schema the answer must fit, or None when the request asks for free text."""
    found = requested_format(request.body)
    return found[1]["schema"] if found else None


def source_text(request: Request) -> str:
    """The words values are drawn from: the last user text, then the documents' text (bounded)."""
    text = request.last_user_text[:MAX_SOURCE_CHARS]
    for document in request.documents:
        for part in document.parts:
            if len(text) >= MAX_SOURCE_CHARS:
                return text
            text += "\n" + part[: MAX_SOURCE_CHARS - len(text)]
    return text


def json_text(request: Request) -> str | None:
    """The structured answer: one JSON text valid against the schema, or None for a free-text answer.
    Deterministic: the same schema and question give the same JSON."""
    schema = schema_of(request)
    if schema is None:
        return None
    return json.dumps(json_schema.instance(schema, source_text(request)), ensure_ascii=False)
