"""Tools, prompt caching, thinking and structured outputs: what each Claude model on Bedrock takes, from the catalog.

One table (notebook 09) so the differences between models are read, not remembered: the cache minimum and
TTLs, whether structured outputs and strict tools work, whether ``tool_choice`` may force a tool, and how the
model thinks. Every row carries the date and confidence of its facts (``[models.*] features`` in models.toml).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from . import catalog
from .i18n import N_
from .table import Table

_MODE_NAMES = {"enabled": "budget", "adaptive": "adaptive"}


def thinking_label(model: catalog.Model) -> str:
    """How the model thinks, in a few words: its modes, and whether thinking is on by default or always."""
    modes = [_MODE_NAMES[m] for m in model.thinking_modes if m in _MODE_NAMES]
    if not modes:
        return "none"
    if model.always_thinks:
        when = "always on"
    elif model.thinks_by_default:
        when = "on by default"
    else:
        when = "off by default"
    return f"{' or '.join(modes)}, {when}"


class FeatureTable(Table):
    header = (N_("model"), N_("cache minimum"), N_("cache TTLs"), N_("structured outputs, strict tools"),
              N_("forced tool_choice"), N_("thinking"), N_("thinking shown"), N_("as of"), N_("confidence"))
    right = frozenset({1})


def table(models: Iterable[catalog.Model] | None = None, today: dt.date | None = None) -> FeatureTable:
    """One row per model (default: every Active model), with the date and confidence of its feature facts."""
    chosen = list(models) if models is not None else [m for m in catalog.models()
                                                       if m.lifecycle(today) == catalog.ACTIVE]
    rows = []
    for m in chosen:
        fact = m.facts.get("features")
        rows.append((m.display_name, f"{m.cache_min_tokens:,} tokens", ", ".join(m.cache_ttls),
                     "yes" if m.structured_outputs else "no (400)", "yes" if m.forced_tool_choice else "no (400)",
                     thinking_label(m), m.thinking_display, fact.as_of.isoformat() if fact else "?",
                     fact.confidence if fact else "?"))
    return FeatureTable(rows)
