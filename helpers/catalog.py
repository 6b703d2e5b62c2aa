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

from .i18n import N_
from .table import Table

ACTIVE, LEGACY, END_OF_LIFE = "ACTIVE", "LEGACY", "END_OF_LIFE"
CONTEXT_1M_BETA = "context-1m-2025-08-07"
LONG_CONTEXT_WINDOW = 1_000_000  # tokens: the window the beta opened, and the native window of the newest models
BEDROCK_API_VERSION = "bedrock-2023-05-31"  # what AWS documents for InvokeModel bodies, and boto3 samples send
NEW_API_VERSION = "2026-10-21"  # what anthropic>=2 / @anthropic-ai/bedrock-sdk>=1 send by default

# Every model records each of these groups of facts with a source, an as-of date and a confidence.
FACT_GROUPS = ("ids", "profiles", "lifecycle", "limits", "thinking", "api_versions", "long_context", "prices",
               "access", "count_tokens", "endpoints", "features")
ENDPOINTS = ("invoke", "runtime-messages", "mantle")
CONFIDENCE = {"H": "primary source read directly", "M": "primary source in part, or reliable secondary",
              "L": "third parties only, or sources conflict"}
PAGES = ("legacy", "current")
LONG_CONTEXT = ("none", "beta", "beta-retired", "native")
THINKING = ("none", "budget", "budget+adaptive", "adaptive", "adaptive-only")
SAMPLING = ("any", "one", "none")
ACCESS = ("open", "invite")
CACHE_TTLS = ("5m", "1h")
THINKING_DISPLAY = ("summarized", "omitted")
BETA_SETS = ("legacy", "current")

_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:bedrock:(?P<region>[a-z0-9-]*):(?P<account>\d{12})?:"
    r"(?P<kind>foundation-model|inference-profile)/(?P<id>.+)$"
)


@dataclass(frozen=True)
class Source:
    """A page or repository facts come from."""

    key: str
    title: str
    url: str
    read: dt.date


@dataclass(frozen=True)
class Fact:
    """Where one group of facts comes from, when it was read, and how sure we are."""

    sources: tuple[str, ...]
    as_of: dt.date
    confidence: str  # H, M or L (see CONFIDENCE)


@dataclass(frozen=True)
class Conflict:
    """A claim that disagrees with what the catalog records, and who makes it."""

    fact: str
    claim: str
    sources: tuple[str, ...]
    confidence: str


@dataclass(frozen=True)
class Geography:
    """A set of source regions that may call one kind of inference profile (``us.``, ``global.``…)."""

    key: str
    name: str
    source_regions: tuple[str, ...]
    destination_regions: tuple[str, ...]
    fact: Fact | None = None

    @property
    def prefix(self) -> str:
        return f"{self.key}."


@dataclass(frozen=True)
class Country:
    """Where a workshop room may be: a country's AWS regions (``workshop-plan --country JP``).

    An area that is a catalog geography (``EU``) names it: its regions are the geography's source regions.
    """

    code: str
    name: str
    regions: tuple[str, ...]
    fact: Fact
    geography: str | None = None


@dataclass(frozen=True)
class PremiumTier:
    """A price tier above an input size: the whole request billed at these multiples."""

    threshold: int
    input: float
    output: float


@dataclass(frozen=True)
class Model:
    """One Claude model as Bedrock offers it."""

    key: str
    display_name: str
    page: str                      # "legacy" (the guide's page) or "current" ("Claude in Amazon Bedrock")
    base_id: str
    api_name: str
    geographies: tuple[str, ...]
    on_demand_regions: tuple[str, ...]
    status: str
    context_window: int
    long_context: str              # "none", "beta", "beta-retired" or "native"
    max_output_tokens: int
    thinking: str
    sampling: str
    api_versions: tuple[str, ...]
    regional_premium: bool
    access: str
    count_tokens: bool
    endpoints: tuple[str, ...] = ("invoke",)
    # Features (fact group "features"): prompt caching, structured outputs, tool choice, thinking, betas.
    cache_min_tokens: int = 1024
    cache_ttls: tuple[str, ...] = ("5m",)
    structured_outputs: bool = False
    forced_tool_choice: bool = True
    thinks_by_default: bool = False
    thinking_display: str = "summarized"
    beta_set: str = "legacy"
    facts: dict[str, Fact] = field(repr=False, compare=False, hash=False, default_factory=dict)
    input_price: float | None = None
    output_price: float | None = None
    cache_read_multiplier: float | None = None  # None: the catalog-wide multiplier
    premium_tier: PremiumTier | None = None
    mantle_id: str | None = None
    opt_in: str | None = None
    start_of_life: dt.date | None = None
    legacy: dt.date | None = None
    public_extended_access: dt.date | None = None
    end_of_life: dt.date | None = None
    eol_not_before: dt.date | None = None
    notes: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()

    def lifecycle(self, today: dt.date | None = None) -> str:
        """ACTIVE, LEGACY or END_OF_LIFE on ``today``: passed dates override the recorded status."""
        today = today or dt.date.today()
        if self.end_of_life and today >= self.end_of_life:
            return END_OF_LIFE
        if self.status == END_OF_LIFE and not self.end_of_life:  # retired, date unknown
            return END_OF_LIFE
        if self.legacy:  # a dated model is Active before its Legacy date, whatever was recorded later
            return LEGACY if today >= self.legacy else ACTIVE
        return self.status

    def in_extended_access(self, today: dt.date | None = None) -> bool:
        """Legacy and past the public-extended-access date (AWS: possibly at higher prices)."""
        today = today or dt.date.today()
        return (self.lifecycle(today) == LEGACY and self.public_extended_access is not None
                and today >= self.public_extended_access)

    def lifecycle_dates(self) -> dict[str, dt.date]:
        """The lifecycle dates the sources give, in order."""
        named = (("released", self.start_of_life), ("legacy", self.legacy),
                 ("extended access", self.public_extended_access), ("end of life", self.end_of_life),
                 ("end of life no sooner than", self.eol_not_before))
        return {name: day for name, day in named if day}

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
    def context_1m_beta(self) -> bool:
        """Whether the guide's ``context-1m-2025-08-07`` beta widens this model's window."""
        return self.long_context == "beta"

    @property
    def takes_1m_beta_header(self) -> bool:
        """Whether a request may carry the context-1m beta at all: it widens the window ("beta"), has had no
        effect since it was retired ("beta-retired"), or is ignored because 1M is built in ("native")."""
        return self.long_context in ("beta", "beta-retired", "native")

    @property
    def rejects_temperature_with_top_p(self) -> bool:
        return self.sampling == "one"

    @property
    def max_context_tokens(self) -> int:
        """The largest window the model can use (with the 1M beta where it takes it)."""
        return self.window(beta_1m=True)

    def window(self, beta_1m: bool = False) -> int:
        """The context window; with ``beta_1m``, as the 1M-context beta widens it on models that take it."""
        return LONG_CONTEXT_WINDOW if beta_1m and self.context_1m_beta else self.context_window

    def accepts_api_version(self, version: str) -> bool:
        return version in self.api_versions

    @property
    def thinking_modes(self) -> tuple[str, ...]:
        """The ``thinking.type`` values the model accepts."""
        return {"none": ("disabled",), "budget": ("enabled", "disabled"),
                "budget+adaptive": ("enabled", "adaptive", "disabled"), "adaptive": ("adaptive", "disabled"),
                "adaptive-only": ("adaptive",)}[self.thinking]

    @property
    def always_thinks(self) -> bool:
        """Thinking cannot be turned off ("adaptive-only"): every reply starts with a thinking block."""
        return self.thinking == "adaptive-only"

    @property
    def accepted_betas(self) -> frozenset[str]:
        """The ``anthropic_beta`` values Bedrock accepts for this model (others: 400 "invalid beta flag")."""
        return frozenset(general(f"betas_{self.beta_set}").value)

    def served_on(self, endpoint: str) -> bool:
        """Whether ``endpoint`` ("invoke", "runtime-messages", "mantle") serves this model."""
        return endpoint in self.endpoints

    @property
    def mantle_model_id(self) -> str | None:
        """The id the bedrock-mantle endpoint takes (bare, no profile prefix), or None if mantle does not serve it."""
        return (self.mantle_id or self.base_id) if self.served_on("mantle") else None

    @property
    def has_price(self) -> bool:
        return self.input_price is not None and self.output_price is not None

    @property
    def in_guide(self) -> bool:
        """Whether the guide's own model table lists this model."""
        return self.key in load().guide_table

    def usable_geographies(self, region: str) -> list[str]:
        """Geographies whose profile of this model a caller in ``region`` may use."""
        return list(_usable_geographies(self.geographies, region))

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
    batch_multiplier: float


@dataclass(frozen=True)
class Announced:
    """A model announced with no Bedrock id confirmed: listed, never invokable."""

    display_name: str
    announced: dt.date
    note: str
    fact: Fact


@dataclass(frozen=True)
class General:
    """A fact that is not about one model (a limit, a tool's support dates), with its source's words."""

    name: str
    value: Any
    quote: str
    fact: Fact
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True)
class Catalog:
    as_of: dt.date
    pricing: Pricing
    geographies: dict[str, Geography]
    models: tuple[Model, ...]
    sources: dict[str, Source] = field(default_factory=dict)
    meta_facts: dict[str, Fact] = field(default_factory=dict)
    guide_page: str = ""
    guide_sample_model: str = ""
    guide_table: tuple[str, ...] = ()
    lessons: dict[str, str] = field(default_factory=dict)
    announced: tuple[Announced, ...] = ()
    general: dict[str, General] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)
    _ids: dict[str, tuple[Model, str | None]] = field(repr=False, default_factory=dict)


class CatalogError(ValueError):
    """models.toml breaks one of its own rules; the message names the entry and the rule."""


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _fact(raw: Any, where: str, sources: dict[str, Source]) -> Fact:
    if not isinstance(raw, dict) or set(raw) != {"src", "as_of", "conf"}:
        raise CatalogError(f"models.toml: {where} must be {{ src = [...], as_of = <date>, conf = \"H|M|L\" }}")
    unknown = [k for k in raw["src"] if k not in sources]
    if not raw["src"] or unknown:
        raise CatalogError(f"models.toml: {where} names unknown sources {unknown} (add them under [sources])")
    if raw["conf"] not in CONFIDENCE:
        raise CatalogError(f"models.toml: {where} confidence must be H, M or L, not {raw['conf']!r}")
    return Fact(tuple(raw["src"]), _date(raw["as_of"]), raw["conf"])


def _choice(model: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    if model.get(name) not in allowed:
        raise CatalogError(f"models.toml: {model.get('key')}: {name} must be one of {allowed}, not {model.get(name)!r}")


def _model(raw: dict[str, Any], geos: dict[str, Geography], sources: dict[str, Source]) -> Model:
    fields = dict(raw)
    key = fields.get("key", "?")
    for name, allowed in (("page", PAGES), ("long_context", LONG_CONTEXT), ("thinking", THINKING),
                          ("sampling", SAMPLING), ("access", ACCESS), ("thinking_display", THINKING_DISPLAY),
                          ("beta_set", BETA_SETS)):
        _choice(fields, name, allowed)
    if not fields.get("cache_ttls") or set(fields["cache_ttls"]) - set(CACHE_TTLS):
        raise CatalogError(f"models.toml: {key}: cache_ttls must be a non-empty list of {CACHE_TTLS}")
    facts = fields.pop("facts", {})
    missing = [g for g in FACT_GROUPS if g not in facts]
    if missing or set(facts) - set(FACT_GROUPS):
        raise CatalogError(f"models.toml: {key} must source exactly the fact groups {FACT_GROUPS}; "
                           f"missing {missing}, unknown {sorted(set(facts) - set(FACT_GROUPS))}")
    fields["facts"] = {g: _fact(facts[g], f"{key}.facts.{g}", sources) for g in FACT_GROUPS}
    fields["conflicts"] = tuple(
        Conflict(c["fact"], c["claim"], tuple(c["src"]),
                 _fact({"src": c["src"], "as_of": fields["facts"][c["fact"]].as_of, "conf": c["conf"]},
                       f"{key}.conflicts", sources).confidence)
        for c in fields.get("conflicts", []))
    for name in ("start_of_life", "legacy", "public_extended_access", "end_of_life", "eol_not_before"):
        fields[name] = _date(fields.get(name))
    if not fields.get("endpoints") or set(fields["endpoints"]) - set(ENDPOINTS):
        raise CatalogError(f"models.toml: {key}: endpoints must be a non-empty list of {ENDPOINTS}")
    for name in ("geographies", "on_demand_regions", "api_versions", "notes", "endpoints", "cache_ttls"):
        fields[name] = tuple(fields.get(name, ()))
    if fields.get("premium_tier"):
        fields["premium_tier"] = PremiumTier(**fields["premium_tier"])
    unknown = set(fields["geographies"]) - geos.keys()
    if unknown:
        raise CatalogError(f"models.toml: {key} names unknown geographies {sorted(unknown)}")
    if fields["status"] not in (ACTIVE, LEGACY, END_OF_LIFE):
        raise CatalogError(f"models.toml: {key}: status must be ACTIVE, LEGACY or END_OF_LIFE")
    return Model(**fields)


@cache
def load() -> Catalog:
    """Parse and check the catalog data once per process."""
    raw = tomllib.loads(resources.files("helpers.data").joinpath("models.toml").read_text("utf-8"))
    meta = raw["meta"]
    sources = {key: Source(key, s["title"], s["url"], _date(s["read"])) for key, s in raw["sources"].items()}
    geos = {
        key: Geography(key, g["name"], tuple(g["source_regions"]), tuple(g["destination_regions"]),
                       _fact(g["facts"], f"geographies.{key}.facts", sources))
        for key, g in raw["geographies"].items()
    }
    models = [_model(m, geos, sources) for m in raw["models"]]
    ids: dict[str, tuple[Model, str | None]] = {}
    for model in models:
        for identifier, geo in ((model.base_id, None), *((model.profile_id(g), g) for g in model.geographies)):
            if identifier in ids:
                raise CatalogError(f"models.toml: {identifier} is listed twice")
            ids[identifier] = (model, geo)
    keys = {m.key for m in models}
    guide, lessons = raw["guide"], dict(raw["lessons"])
    for name in (guide["sample_model"], *guide["table"], *lessons.values()):
        if name not in keys:
            raise CatalogError(f"models.toml: [guide]/[lessons] name {name!r}, which is not a model key")
    pricing = Pricing(**{k: meta[k] for k in Pricing.__dataclass_fields__})
    announced = tuple(Announced(a["display_name"], _date(a["announced"]), a["note"],
                                _fact(a["facts"], f"announced {a['display_name']}", sources))
                      for a in raw.get("announced", []))
    meta_facts = {k: _fact(v, f"meta.facts.{k}", sources) for k, v in meta.get("facts", {}).items()}
    general = {}
    for name, g in raw.get("general", {}).items():
        fact = _fact(g["facts"], f"general.{name}.facts", sources)
        general[name] = General(name, g["value"], g["quote"], fact, tuple(
            Conflict(name, c["claim"], tuple(c["src"]), c["conf"]) for c in g.get("conflicts", [])))
    countries = {code: _country(code, c, geos, sources) for code, c in raw.get("countries", {}).items()}
    return Catalog(_date(meta["as_of"]), pricing, geos, tuple(models), sources, meta_facts, guide["page"],
                   guide["sample_model"], tuple(guide["table"]), lessons, announced, general, countries, ids)


def _country(code: str, raw: dict[str, Any], geos: dict[str, Geography], sources: dict[str, Source]) -> Country:
    if code != code.upper() or not raw.get("name"):
        raise CatalogError(f"models.toml: countries.{code} needs an upper-case code and a name")
    if "geography" in raw:
        if set(raw) != {"name", "geography"} or raw["geography"] not in geos:
            raise CatalogError(f"models.toml: countries.{code}: an area names one known geography and nothing else")
        geo = geos[raw["geography"]]
        return Country(code, raw["name"], geo.source_regions, geo.fact, geo.key)
    if not raw.get("regions") or "facts" not in raw:
        raise CatalogError(f"models.toml: countries.{code} needs regions and facts (or a geography)")
    return Country(code, raw["name"], tuple(raw["regions"]), _fact(raw["facts"], f"countries.{code}.facts", sources))


def general(name: str) -> General:
    """A sourced fact that is not about one model, e.g. ``general("invoke_body_wire_bytes").value``."""
    return load().general[name]


def models() -> tuple[Model, ...]:
    """Every model in the catalog, newest-first as listed in the data."""
    return load().models


def geography(key: str) -> Geography:
    return load().geographies[key]


@cache
def _usable_geographies(geos: tuple[str, ...], region: str) -> tuple[str, ...]:
    return tuple(g for g in geos if region in geography(g).source_regions)


def geographies() -> dict[str, Geography]:
    return load().geographies


def countries() -> dict[str, Country]:
    """The places ``workshop-plan --country`` knows: a country's AWS regions, or an area's (``EU``)."""
    return load().countries


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


def lesson(notebook: str) -> Model:
    """The model a notebook calls (``[lessons]`` in models.toml): ``"03"`` or ``"03_request_styles"``.

    One place decides it, so the next lifecycle change is one edit and a refresh of the outputs.
    """
    lessons = load().lessons
    if notebook in lessons:
        return model(lessons[notebook])
    matches = [k for k in lessons if k.split("_", 1)[0] == notebook]
    return model(lessons[matches[0]] if matches else lessons["default"])


def guide_sample_model() -> Model:
    """The model the guide's own samples call (Claude Sonnet 4.5)."""
    return model(load().guide_sample_model)


def guide_models() -> list[Model]:
    """The models in the guide's own table, in its order."""
    return [model(k) for k in load().guide_table]


def lifecycle_note(m: Model, today: dt.date | None = None) -> str:
    """One sentence on where a model stands on ``today`` and what that means for a learner."""
    today = today or dt.date.today()
    state = m.lifecycle(today)
    if state == END_OF_LIFE:
        when = f" on {m.end_of_life}" if m.end_of_life else ""
        return f"{m.display_name} reached end of life on Bedrock{when}: every call fails. Use an Active model."
    if state == LEGACY:
        parts = [f"{m.display_name} is Legacy on Bedrock since {m.legacy}" if m.legacy
                 else f"{m.display_name} is Legacy on Bedrock"]
        if m.public_extended_access:
            verb = "has been" if today >= m.public_extended_access else "goes"
            parts.append(f"it {verb} in extended access (possibly at higher prices) from {m.public_extended_access}")
        if m.end_of_life:
            parts.append(f"end of life {m.end_of_life}")
        return ("; ".join(parts) + ". New customers cannot use Legacy models, and accounts that stop using "
                "one lose it: move to an Active model.")
    if m.eol_not_before:
        return f"{m.display_name} is Active (end of life no sooner than {m.eol_not_before})."
    return f"{m.display_name} is Active."


def guide_warnings(today: dt.date | None = None) -> list[str]:
    """A warning for each model the guide uses that is Legacy or past end of life on ``today``."""
    used = [guide_sample_model(), *guide_models()]
    seen: list[Model] = []
    for m in used:
        if m not in seen and m.lifecycle(today) != ACTIVE:
            seen.append(m)
    return [lifecycle_note(m, today) for m in seen]


class ModelTable(Table):
    """Rows of the guide's model-id table, with lifecycle: HTML in JupyterLab, text elsewhere."""

    header = (N_("Model"), N_("Base Bedrock model id"), *GUIDE_GEOGRAPHIES, N_("Lifecycle"))


def model_table(today: dt.date | None = None, *, which: str = "guide") -> ModelTable:
    """The guide's table (which geographies have a profile), with each model's lifecycle on ``today``.

    ``which``: ``"guide"`` (the models in the guide's table), ``"current"`` (the newer family) or ``"all"``.
    """
    chosen = {"guide": guide_models(), "current": [m for m in models() if m.page == "current"],
              "all": list(models())}[which]
    return ModelTable(
        (m.display_name, m.base_id, *("Yes" if g in m.geographies else "No" for g in GUIDE_GEOGRAPHIES),
         lifecycle_label(m, today))
        for m in chosen)


def lifecycle_label(m: Model, today: dt.date | None = None) -> str:
    """The lifecycle on ``today`` with the date that matters, e.g. ``LEGACY (end of life 2027-04-08)``."""
    state = m.lifecycle(today)
    if state == LEGACY and m.end_of_life:
        return f"LEGACY (end of life {m.end_of_life})"
    if state == END_OF_LIFE and m.end_of_life:
        return f"END_OF_LIFE ({m.end_of_life})"
    return state


class LineupTable(Table):
    """Today's Claude models on Bedrock: family, lifecycle, window, thinking, versions, price."""

    header = (N_("Model"), N_("Page"), N_("Lifecycle"), N_("Window / max out"), N_("Thinking"), N_("API versions"),
              N_("USD / MTok in / out"), N_("Access"), N_("Confidence"))


def lineup(today: dt.date | None = None, include_retired: bool = False) -> LineupTable:
    """Every model in the catalog with the facts a learner chooses by, and the lowest confidence among them."""
    rows = []
    for m in models():
        state = m.lifecycle(today)
        if state == END_OF_LIFE and not include_retired:
            continue
        price = f"{m.input_price:g} / {m.output_price:g}" if m.has_price else "not published"
        access = {"open": "first use", "invite": "invite only"}[m.access] + (f", opt-in {m.opt_in}" if m.opt_in else "")
        conf = max((f.confidence for f in m.facts.values()), key="HML".index, default="H")
        rows.append((m.display_name, {"legacy": "guide (4.6 and earlier)", "current": "Opus 4.7 and later"}[m.page],
                     lifecycle_label(m, today), f"{m.context_window // 1000:,}K / {m.max_output_tokens // 1000}K",
                     m.thinking, ", ".join(m.api_versions), price, access, f"lowest: {conf}"))
    return LineupTable(rows)


class ConflictTable(Table):
    header = (N_("subject"), N_("facts"), N_("what another source says"), N_("sources"), N_("confidence"))


def conflicts(today: dt.date | None = None, *, include_retired: bool = False) -> ConflictTable:
    """Where sources disagree with what the catalog records: each claim with who makes it, so a notebook can
    say so rather than pick silently. Models past end of life are left out unless ``include_retired``."""
    rows = [(m.display_name, c.fact, c.claim, ", ".join(c.sources), c.confidence)
            for m in models() if include_retired or m.lifecycle(today) != END_OF_LIFE for c in m.conflicts]
    rows += [(g.name, "general", c.claim, ", ".join(c.sources), c.confidence)
             for g in load().general.values() for c in g.conflicts]
    return ConflictTable(rows)


# --- facts by age and confidence (the drift guard's listing) ------------------------------------------

@dataclass(frozen=True)
class FactRow:
    subject: str
    group: str
    confidence: str
    as_of: dt.date
    age_days: int
    sources: tuple[str, ...]


class FactTable(Table):
    header = (N_("subject"), N_("facts"), N_("confidence"), N_("as of"), N_("age (days)"), N_("sources"))
    right = frozenset({4})


def facts(today: dt.date | None = None, *, confidence: str | None = None) -> FactTable:
    """Every sourced fact in the catalog, oldest and least certain first (``confidence`` filters)."""
    today = today or dt.date.today()
    rows: list[FactRow] = []
    cat = load()
    for name, f in cat.meta_facts.items():
        rows.append(FactRow("pricing rules", name, f.confidence, f.as_of, (today - f.as_of).days, f.sources))
    for g in cat.geographies.values():
        if g.fact:
            rows.append(FactRow(f"{g.prefix} profiles", "source regions", g.fact.confidence, g.fact.as_of,
                                (today - g.fact.as_of).days, g.fact.sources))
    for c in cat.countries.values():
        if not c.geography:
            rows.append(FactRow(c.name, "AWS regions", c.fact.confidence, c.fact.as_of,
                                (today - c.fact.as_of).days, c.fact.sources))
    for m in cat.models:
        for group, f in m.facts.items():
            rows.append(FactRow(m.display_name, group, f.confidence, f.as_of, (today - f.as_of).days, f.sources))
    for gen in cat.general.values():
        f = gen.fact
        rows.append(FactRow(gen.name, "general", f.confidence, f.as_of, (today - f.as_of).days, f.sources))
    for a in cat.announced:
        rows.append(FactRow(a.display_name, "announced", a.fact.confidence, a.fact.as_of,
                            (today - a.fact.as_of).days, a.fact.sources))
    if confidence:
        rows = [r for r in rows if r.confidence == confidence]
    rows.sort(key=lambda r: ("LMH".index(r.confidence), -r.age_days, r.subject, r.group))
    return FactTable((r.subject, r.group, r.confidence, r.as_of.isoformat(), f"{r.age_days}", ", ".join(r.sources))
                     for r in rows)


def sources(*keys: str) -> Table:
    """The named sources (all when none are named): title, link, and when they were read."""
    cat = load().sources
    chosen = [cat[k] for k in keys] if keys else list(cat.values())
    return Table(((s.title, s.url, s.read.isoformat()) for s in chosen), header=(N_("source"), N_("link"), N_("read")))


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
                 header=(N_("prefix"), N_("geography"), N_("source regions (where the caller may be)")))
