"""Tools, prompt caching, thinking and structured outputs: what each Claude model on Bedrock takes, from the catalog.

One table (notebook 09) so the differences between models are read, not remembered: the cache minimum and
TTLs, whether structured outputs and strict tools work, whether ``tool_choice`` may force a tool, and how the
model thinks. Every row carries the date and confidence of its facts (``[models.*] features`` in models.toml).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from . import catalog
from .i18n import N_, Phrase
from .table import Table

_MODE_NAMES = {"enabled": "budget", "adaptive": "adaptive"}


def thinking_label(model: catalog.Model) -> str:
    """How the model thinks, in a few words: its modes, and whether thinking is on by default or always."""
    modes = [_MODE_NAMES[m] for m in model.thinking_modes if m in _MODE_NAMES]  # API words: never translated
    if not modes:
        return Phrase(N_("none"))
    named = modes[0] if len(modes) == 1 else Phrase(N_("{first} or {second}"), first=modes[0], second=modes[1])
    if model.always_thinks:
        return Phrase(N_("{modes}, always on"), modes=named)
    if model.thinks_by_default:
        return Phrase(N_("{modes}, on by default"), modes=named)
    return Phrase(N_("{modes}, off by default"), modes=named)


# Cells are Phrases: English for code, in the notebook's language where the table is shown.
_YES, _NO_400 = Phrase(N_("yes")), Phrase(N_("no (400)"))


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
        rows.append((m.display_name, Phrase(N_("{count} tokens"), count=f"{m.cache_min_tokens:,}"),
                     ", ".join(m.cache_ttls), _YES if m.structured_outputs else _NO_400,
                     _YES if m.forced_tool_choice else _NO_400,
                     thinking_label(m), m.thinking_display, fact.as_of.isoformat() if fact else "?",
                     fact.confidence if fact else "?"))
    return FeatureTable(rows)
