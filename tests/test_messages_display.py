"""helpers.messages: notebook 08's displays come from the catalog and the installed SDK."""

from __future__ import annotations

from anthropic import AnthropicBedrockMantle

from helpers import catalog, messages


def test_endpoint_table_lists_the_id_each_endpoint_takes() -> None:
    rows = {row[0]: row for row in messages.endpoint_table()}
    model = catalog.lesson("08")
    assert rows[model.display_name][1] == model.profile_id("global")
    assert rows[model.display_name][-2] == model.mantle_model_id
    invoke_only = next(m for m in catalog.models() if m.endpoints == ("invoke",) and m.lifecycle() == catalog.ACTIVE)
    assert rows[invoke_only.display_name][3:5] == ("No", "No")


def test_comparison_shows_the_header_the_sdk_sends() -> None:
    sent = AnthropicBedrockMantle(skip_auth=True, base_url="https://example.invalid").default_headers
    table = messages.comparison(catalog.lesson("08"))
    version_row = next(row for row in table if row[0] == "API version")
    assert version_row[2] == version_row[3] == f"header anthropic-version: {sent['anthropic-version']}"


def test_comparison_marks_endpoints_that_do_not_serve_the_model() -> None:
    invoke_only = next(m for m in catalog.models() if m.endpoints == ("invoke",) and m.lifecycle() == catalog.ACTIVE)
    ids = next(row for row in messages.comparison(invoke_only) if row[0] == "model id")
    assert ids[2:] == ("not served", "not served")


def test_event_summary_collapses_runs() -> None:
    kinds = ["message_start", "content_block_delta", "content_block_delta", "message_stop"]
    assert messages.event_summary(kinds) == "message_start, content_block_delta ×2, message_stop"
