"""Small displays for notebook 08: which endpoint serves which model, and streams summarised by event type.

Every fact comes from the catalog (``helpers/data/models.toml``) or from the installed SDK itself, never
from this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from . import catalog
from .i18n import N_, Phrase
from .table import Table

# Column titles for the catalog's endpoint names (catalog.ENDPOINTS).
ENDPOINT_TITLES = {
    "invoke": "InvokeModel / Converse",
    "runtime-messages": "bedrock-runtime /anthropic",
    "mantle": "bedrock-mantle /anthropic",
}


# Cells are Phrases: English for code that reads the rows, in the notebook's language where the table is shown.
_YES, _NO = Phrase(N_("Yes")), Phrase(N_("No"))


class EndpointTable(Table):
    header = (N_("Model"), N_("bedrock-runtime id"), *ENDPOINT_TITLES.values(), N_("Lifecycle"))


def endpoint_table(today: dt.date | None = None) -> EndpointTable:
    """Every model not past end of life: the id bedrock-runtime takes (InvokeModel, Converse and its Messages
    API), whether each endpoint serves it, and the bare id bedrock-mantle takes ("No": not served there)."""
    rows = []
    for m in catalog.models():
        if m.lifecycle(today) == catalog.END_OF_LIFE:
            continue
        runtime_id = m.profile_id("global") if "global" in m.geographies else (
            m.profile_ids[0] if m.profile_ids else m.base_id)
        cells = {"invoke": _YES if m.served_on("invoke") else _NO,
                 "runtime-messages": _YES if m.served_on("runtime-messages") else _NO,
                 "mantle": m.mantle_model_id or _NO}
        rows.append((m.display_name, runtime_id, *(cells[e] for e in ENDPOINT_TITLES),
                     catalog.lifecycle_label(m, today)))
    return EndpointTable(rows)


def sdk_anthropic_version() -> str:
    """The ``anthropic-version`` header the installed Python SDK sends to the Messages API (read from the
    SDK, so it is what goes on the wire, not what a page once said). Nothing is sent."""
    from anthropic import AnthropicBedrockMantle

    client = AnthropicBedrockMantle(skip_auth=True, base_url="https://example.invalid/anthropic")
    return str(client.default_headers["anthropic-version"])


class ComparisonTable(Table):
    header = ("", *ENDPOINT_TITLES.values())


def comparison(model: catalog.Model) -> ComparisonTable:
    """The InvokeModel API beside the two Messages API endpoints for one model, from the catalog and the SDK."""
    served = {e: model.served_on(e) for e in ENDPOINT_TITLES}
    runtime_ids = ", ".join(model.profile_ids + ([model.base_id] if model.on_demand_regions else []))
    header = Phrase(N_("header anthropic-version: {version}"), version=sdk_anthropic_version())

    def only_where_served(values: dict[str, str]) -> tuple[str, ...]:
        return tuple(values[e] if served[e] else Phrase(N_("not served")) for e in ENDPOINT_TITLES)

    rows = [
        (Phrase(N_("serves {model}"), model=model.display_name),
         *(Phrase(N_("yes")) if served[e] else Phrase(N_("no")) for e in ENDPOINT_TITLES)),
        (Phrase(N_("model id")), *only_where_served({
            "invoke": Phrase(N_("modelId in the URL: {ids}"), ids=runtime_ids),
            "runtime-messages": Phrase(N_("model in the body: {ids}"), ids=runtime_ids),
            "mantle": Phrase(N_("model in the body: {ids}"), ids=model.mantle_model_id)})),
        (Phrase(N_("API version")), *only_where_served({
            "invoke": Phrase(N_("body anthropic_version: {versions}"), versions=", ".join(model.api_versions)),
            "runtime-messages": header, "mantle": header})),
    ]
    return ComparisonTable(rows)


def event_summary(event_types: Iterable[str]) -> str:
    """A stream's event types in order, runs collapsed: ``message_start, content_block_delta ×16, …``."""
    runs: list[list[object]] = []
    for kind in event_types:
        if runs and runs[-1][0] == kind:
            runs[-1][1] = int(runs[-1][1]) + 1  # type: ignore[call-overload]
        else:
            runs.append([kind, 1])
    return ", ".join(f"{kind} ×{count}" if count != 1 else str(kind) for kind, count in runs)
