"""Notebook 09's helpers: the per-model feature table (from the catalog) and responses.blocks() (one line per turn)."""

from __future__ import annotations

import json
from typing import Any

from anthropic import AnthropicBedrock

from conftest import claude_body
from helpers import catalog, features, responses

LESSON = catalog.lesson("09")
LESSON_GLOBAL = LESSON.profile_id("global")


def test_feature_table_reads_every_fact_from_the_catalog() -> None:
    models = [m for m in catalog.models() if m.lifecycle() == catalog.ACTIVE]
    table = features.table()
    assert [row[0] for row in table] == [m.display_name for m in models]
    for row, m in zip(table, models, strict=True):
        assert row[1] == f"{m.cache_min_tokens:,} tokens"
        assert row[2] == ", ".join(m.cache_ttls)
        assert row[3].startswith("yes" if m.structured_outputs else "no")
        assert row[4].startswith("yes" if m.forced_tool_choice else "no")
        assert row[6] == m.thinking_display
        fact = m.facts["features"]
        assert (row[7], row[8]) == (fact.as_of.isoformat(), fact.confidence)
    assert len(table.header) == len(table[0])
    assert "<table>" in table._repr_html_()


def test_thinking_label_says_when_a_model_thinks() -> None:
    for m in catalog.models():
        label = features.thinking_label(m)
        if m.thinking == "none":
            assert label == "none"
        elif m.always_thinks:
            assert label.endswith("always on")
        elif m.thinks_by_default:
            assert label.endswith("on by default")
        else:
            assert label.endswith("off by default")
        if "enabled" in m.thinking_modes:
            assert "budget" in label


def test_the_lessons_models_differ_as_notebook_09_says() -> None:
    """The notebook's prose rests on these catalog facts; if they change, the notebook needs a new look."""
    sonnet5 = catalog.lesson("09-messages-api")
    assert LESSON.structured_outputs and "1h" in LESSON.cache_ttls and "enabled" in LESSON.thinking_modes
    assert not sonnet5.structured_outputs and sonnet5.thinks_by_default and sonnet5.served_on("runtime-messages")
    assert any(not m.forced_tool_choice for m in catalog.models() if m.lifecycle() == catalog.ACTIVE)


def test_blocks_names_each_shape_in_its_own_words() -> None:
    invoke = {"content": [{"type": "thinking", "thinking": "Compare the two margins.", "signature": "c2ln"},
                          {"type": "text", "text": "I'll look that up."},
                          {"type": "tool_use", "id": "toolu_bdrk_01x", "name": "lookup", "input": {"q": "Q3 2026"}}],
              "usage": {"input_tokens": 1, "output_tokens": 1}}
    assert responses.blocks(invoke) == ('thinking (24 characters, signed) · text "I\'ll look that up." · '
                                        'tool_use lookup {"q": "Q3 2026"}')
    converse = {"output": {"message": {"content": [
        {"reasoningContent": {"reasoningText": {"text": "", "signature": "c2ln"}}},
        {"reasoningContent": {"redactedContent": b"x"}},
        {"toolUse": {"toolUseId": "tooluse_1", "name": "lookup", "input": {}}}]}}}
    assert responses.blocks(converse) == ("reasoningContent (empty, signed) · reasoningContent (redacted) · "
                                          "toolUse lookup {}")
    long_text = {"content": [{"type": "text", "text": "word " * 40}, {"type": "redacted_thinking", "data": "x"}]}
    shown = responses.blocks(long_text)
    assert shown.endswith("…\" · redacted_thinking") and len(shown) < 80


def test_blocks_reads_real_responses_of_each_client(aws_env: dict[str, str], runtime: Any) -> None:
    body = json.loads(runtime.invoke_model(modelId=LESSON_GLOBAL, body=claude_body("Hi"))["body"].read())
    converse = runtime.converse(modelId=LESSON_GLOBAL, messages=[{"role": "user", "content": [{"text": "Hi"}]}])
    message = AnthropicBedrock(aws_region=aws_env["AWS_REGION"]).messages.create(
        model=LESSON_GLOBAL, max_tokens=256, messages=[{"role": "user", "content": "Hi"}])
    for response in (body, converse, message):
        assert responses.blocks(response).startswith('text "Hello from the offline Bedrock emulator')
