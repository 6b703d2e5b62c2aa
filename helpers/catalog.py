"""The Claude-on-Bedrock model catalog: ids, geographies, lifecycle and prices, read from data.

All facts live in ``helpers/data/models.toml`` with a source and an as-of date; this module only
parses them and answers questions ("which profile works from ap-northeast-1?", "what is this id?").
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .table import Table

ACTIVE, LEGACY, END_OF_LIFE = "ACTIVE", "LEGACY", "END_OF_LIFE"
CONTEXT_1M_BETA = "context-1m-2025-08-07"
LONG_CONTEXT_WINDOW = 1_000_000  # tokens: the window the beta opens, and the native window of the newest models

_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:bedrock:(?P<region>[a-z0-9-]*):(?P<account>\d{12})?:"
    r"(?P<kind>foundation-model|inference-profile)/(?P<id>.+)$"
)


@dataclass(frozen=True)
class Geography:
    """A set of source regions that may call one kind of inference profile (``us.``, ``global.``…)."""

    key: str
    name: str
    source_regions: tuple[str, ...]
    destination_regions: tuple[str, ...]

    @property
    def prefix(self) -> str:
        return f"{self.key}."


@dataclass(frozen=True)
class Model:
    """One Claude model as Bedrock offers it."""

    key: str
    display_name: str
    base_id: str
    api_name: str
    geographies: tuple[str, ...]
    on_demand_regions: tuple[str, ...]
    status: str
    context_window: int
    context_1m_beta: bool
    max_output_tokens: int
    input_price: float
    output_price: float
    regional_premium: bool
    rejects_temperature_with_top_p: bool
    source: str
    as_of: dt.date
    start_of_life: dt.date | None = None
    legacy: dt.date | None = None
    public_extended_access: dt.date | None = None
    end_of_life: dt.date | None = None

    def lifecycle(self, today: dt.date | None = None) -> str:
        """ACTIVE, LEGACY or END_OF_LIFE on ``today``: passed dates override the recorded status."""
        today = today or dt.date.today()
        if self.end_of_life and today >= self.end_of_life:
            return END_OF_LIFE
        if self.status == END_OF_LIFE:
            return END_OF_LIFE
        if self.legacy and today >= self.legacy:
            return LEGACY
        return self.status

    def profile_id(self, geography: str) -> str:
        """The inference-profile id for a geography, e.g. ``global.anthropic.claude-…``."""
        if geography not in self.geographies:
            raise ValueError(f"{self.display_name} has no {geography}. inference profile; it has: "
                             f"{', '.join(self.geographies) or 'none'}")
        return f"{geography}.{self.base_id}"

    @property
    def profile_ids(self) -> list[str]:
        return [self.profile_id(g) for g in self.geographies]

    @property
    def max_context_tokens(self) -> int:
        """The largest window the model can use (with the 1M beta where it takes it)."""
        return self.window(beta_1m=True)

    def window(self, beta_1m: bool = False) -> int:
        """The context window; with ``beta_1m``, as the 1M-context beta widens it on models that take it."""
        return LONG_CONTEXT_WINDOW if beta_1m and self.context_1m_beta else self.context_window

    def usable_geographies(self, region: str) -> list[str]:
        """Geographies whose profile of this model a caller in ``region`` may use."""
        return [g for g in self.geographies if region in geography(g).source_regions]

    def on_demand_in(self, region: str) -> bool:
        return region in self.on_demand_regions

    def offered_in(self, region: str) -> bool:
        """Whether Bedrock in ``region`` knows this model at all (on demand or through a profile)."""
        return self.on_demand_in(region) or bool(self.usable_geographies(region))

    def foundation_model_arn(self, region: str) -> str:
        return f"arn:aws:bedrock:{region}::foundation-model/{self.base_id}"


@dataclass(frozen=True)
class Resolved:
    """What an identifier names: a model, and the geography of its profile (None = in-region id)."""

    model: Model
    geography: str | None
    form: str  # "base-id", "profile-id", "foundation-model-arn", "inference-profile-arn"
    arn_region: str | None = None
    arn_account: str | None = None

    @property
    def profile_id(self) -> str | None:
        return self.model.profile_id(self.geography) if self.geography else None


class UnknownModelError(LookupError):
    """An identifier the catalog does not know, with the closest known ids."""

    def __init__(self, identifier: str, suggestions: list[str], hint: str = "") -> None:
        self.identifier = identifier
        self.suggestions = suggestions
        text = f"Unknown Claude model identifier {identifier!r}."
        if hint:
            text += " " + hint
        if suggestions:
            text += " Did you mean: " + ", ".join(suggestions) + "?"
        super().__init__(text)


@dataclass(frozen=True)
class Pricing:
    """Pricing rules that apply across models (multipliers, the regional premium, tiers)."""

    regional_premium: float
    long_context_threshold: int
    long_context_input_multiplier: float
    long_context_output_multiplier: float
    cache_write_5m_multiplier: float
    cache_write_1h_multiplier: float
    cache_read_multiplier: float


@dataclass(frozen=True)
class Catalog:
    as_of: dt.date
    pricing: Pricing
    geographies: dict[str, Geography]
    models: tuple[Model, ...]
    _ids: dict[str, tuple[Model, str | None]] = field(repr=False, default_factory=dict)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@cache
def load() -> Catalog:
    """Parse the catalog data once per process."""
    raw = tomllib.loads(resources.files("helpers.data").joinpath("models.toml").read_text("utf-8"))
    meta = raw["meta"]
    geos = {
        key: Geography(key, g["name"], tuple(g["source_regions"]), tuple(g["destination_regions"]))
        for key, g in raw["geographies"].items()
    }
    models = []
    for m in raw["models"]:
        fields = dict(m)
        for name in ("as_of", "start_of_life", "legacy", "public_extended_access", "end_of_life"):
            fields[name] = _date(fields.get(name))
        fields["geographies"] = tuple(fields["geographies"])
        fields["on_demand_regions"] = tuple(fields["on_demand_regions"])
        unknown = set(fields["geographies"]) - geos.keys()
        if unknown:
            raise ValueError(f"models.toml: {m['key']} names unknown geographies {sorted(unknown)}")
        models.append(Model(**fields))
    ids: dict[str, tuple[Model, str | None]] = {}
    for model in models:
        ids[model.base_id] = (model, None)
        for g in model.geographies:
            ids[model.profile_id(g)] = (model, g)
    pricing = Pricing(**{k: meta[k] for k in Pricing.__dataclass_fields__})
    return Catalog(_date(meta["as_of"]), pricing, geos, tuple(models), ids)


def models() -> tuple[Model, ...]:
    """Every model in the catalog, newest-first as listed in the data."""
    return load().models


def geography(key: str) -> Geography:
    return load().geographies[key]


def geographies() -> dict[str, Geography]:
    return load().geographies


def pricing() -> Pricing:
    return load().pricing


def model(key_or_id: str) -> Model:
    """A model by catalog key (``claude-sonnet-4-5``), Anthropic API name or any Bedrock id form."""
    for m in models():
        if key_or_id in (m.key, m.api_name):
            return m
    return resolve(key_or_id).model


def resolve(identifier: str) -> Resolved:
    """Resolve a base id, ``global.``/geo profile id, or foundation-model/inference-profile ARN."""
    ids = load()._ids
    ident = identifier.strip()
    if ident in ids:
        found, geo = ids[ident]
        return Resolved(found, geo, "profile-id" if geo else "base-id")
    arn = _ARN.match(ident)
    if arn and arn["id"] in ids:
        found, geo = ids[arn["id"]]
        if arn["kind"] == "foundation-model" and geo is None:
            return Resolved(found, None, "foundation-model-arn", arn["region"] or None, None)
        if arn["kind"] == "inference-profile" and geo is not None:
            return Resolved(found, geo, "inference-profile-arn", arn["region"] or None, arn["account"])
    raise UnknownModelError(identifier, suggest(ident), _hint(ident))


def suggest(identifier: str, n: int = 3) -> list[str]:
    """Known ids closest to ``identifier`` (for "did you mean")."""
    arn = _ARN.match(identifier)
    core = arn["id"] if arn else identifier
    return difflib.get_close_matches(core, list(load()._ids), n=n, cutoff=0.6)


def _hint(identifier: str) -> str:
    for m in models():
        if identifier == m.api_name or identifier == m.key:
            first = m.profile_id(m.geographies[0]) if m.geographies else m.base_id
            return (f"{identifier!r} is the Anthropic API name; on Bedrock use a Bedrock id such as "
                    f"{first!r}.")
    return ""


GUIDE_GEOGRAPHIES = ("global", "us", "eu", "jp", "apac", "au")


class ModelTable(Table):
    """Rows of the guide's model-id table, with lifecycle: HTML in JupyterLab, text elsewhere."""

    header = ("Model", "Base Bedrock model id", *GUIDE_GEOGRAPHIES, "Lifecycle")


def model_table(today: dt.date | None = None) -> ModelTable:
    """The guide's table (which geographies have a profile), with each model's lifecycle on ``today``."""
    return ModelTable(
        (m.display_name, m.base_id, *("Yes" if g in m.geographies else "No" for g in GUIDE_GEOGRAPHIES),
         m.lifecycle(today))
        for m in models())


def drift(model_summaries: list[dict[str, Any]], region: str, today: dt.date | None = None) -> dict[str, list[str]]:
    """Differences between a live ListFoundationModels answer and what the catalog expects there."""
    live = {s["modelId"]: s for s in model_summaries}
    expected = {m.base_id: m for m in models() if m.offered_in(region) and m.lifecycle(today) != END_OF_LIFE}
    differs = [f"{i}: catalog says {expected[i].lifecycle(today)}, Bedrock says "
               f"{live[i].get('modelLifecycle', {}).get('status')}"
               for i in sorted(live.keys() & expected.keys())
               if live[i].get("modelLifecycle", {}).get("status") != expected[i].lifecycle(today)]
    return {"not_in_catalog": sorted(live.keys() - expected.keys()),
            "not_listed_live": sorted(expected.keys() - live.keys()),
            "lifecycle_differs": differs}


def geography_table() -> Table:
    """Each inference-profile prefix, and the regions a caller must be in to use it."""
    return Table(((g.prefix, g.name, ", ".join(g.source_regions)) for g in geographies().values()),
                 header=("prefix", "geography", "source regions (where the caller may be)"))
