"""A workshop host's plan for the room's country: regions, the ids to call from each, quotas to check, a budget.

``python -m helpers workshop-plan --country JP --attendees 40`` (or ``--region ap-east-2`` for a region the
country table does not list) prints, from the catalog (helpers/data/models.toml) with its as-of dates and
confidence:

- the AWS regions in that country, named as botocore names them;
- for each model the notebooks call, the inference profiles a caller in each region may use, whether each
  keeps requests in the country (its destination regions are all there) and its regional premium, and
  whether the Messages API host (bedrock-mantle, notebook 08) is there;
- where no lesson model can be called from the country's regions, the nearest regions that can;
- the AWS CLI command that lists the account's Bedrock quotas in each region;
- the cost of notebook 05's long requests for N attendees, and the spend-guard setting that allows them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import catalog, cost
from .i18n import N_, _
from .long_context import DEFAULT_LIMIT_USD, LIMIT_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
# The country names of models.toml's [countries], marked here so that Babel extracts them for translation
# (tests/test_workshop.py checks that every country in the catalog is in this list).
COUNTRY_NAMES = (N_("Japan"), N_("Taiwan"), N_("the United States"), N_("Australia"), N_("EU"))
# Notebook 05 sends three long requests with 1,024 output tokens each (tests/test_workshop.py reads the notebook).
LONG_REQUESTS, LONG_OUTPUT_TOKENS = 3, 1024
LONG_NOTEBOOK = "05_1m_context_beta"


class UnknownPlaceError(ValueError):
    """A country or region the plan cannot use; the message lists what it can."""


def region_name(region: str) -> str:
    """``"Asia Pacific (Tokyo)"`` for ``"ap-northeast-1"``, from botocore's endpoint data ("" if unknown)."""
    import botocore.loaders

    for partition in botocore.loaders.create_loader().load_data("endpoints")["partitions"]:
        if region in partition["regions"]:
            return partition["regions"][region].get("description", "")
    return ""


def codes() -> list[str]:
    """The ``--country`` codes the catalog knows (JP, TW, US, AU, EU…)."""
    return list(catalog.countries())


def place(country: str | None = None,
          region: str | None = None) -> tuple[str, tuple[str, ...], catalog.Fact | None]:
    """The room's place, its regions and the catalog's fact behind them (None for ``--region``), from
    ``--country`` (a code of the catalog's countries) or ``--region``."""
    if region:
        if not region_name(region):
            raise UnknownPlaceError(_("{region} is not an AWS region botocore knows (e.g. ap-northeast-1).").format(
                region=region))
        return region, (region,), None
    found = catalog.countries().get((country or "").strip().upper())
    if found:
        return _(found.name), found.regions, found.fact
    raise UnknownPlaceError(_("Unknown country {country}: use one of {known}, or --region REGION.").format(
        country=repr(country), known=", ".join(codes())))


def lesson_models() -> dict[str, list[str]]:
    """Each model key the notebooks call, with the notebooks that call it (``"05"``, ``"09 (Messages API)"``…)."""
    stems = sorted(p.stem for p in (ROOT / "notebooks" / "en").glob("*.ipynb")) or sorted(
        k for k in catalog.load().lessons if k[:2].isdigit())
    used: dict[str, list[str]] = {}
    for stem in stems:
        used.setdefault(catalog.lesson(stem).key, []).append(stem[:2])
    extra = {"09-messages-api": N_("09 (Messages API)"), "second": N_("07 (second model)")}
    for key, shown in extra.items():
        if key in catalog.load().lessons:
            used.setdefault(catalog.load().lessons[key], []).append(_(shown))
    return used


@dataclass(frozen=True)
class Route:
    """One id a caller in ``region`` may use for a model."""

    model_id: str
    geography: str | None   # None: the in-region base id (on demand)
    in_country: bool        # every region it may route to is one of the room's regions
    premium: float          # the regional premium over the global price (0 for global)

    def describe(self, country: str) -> str:
        where = (_("stays in {place}").format(place=country) if self.in_country else
                 _("routes to any commercial region") if self.geography == "global" else
                 _("routes within {geography}").format(geography=catalog.geography(self.geography).name)
                 if self.geography else _("in this region"))
        premium = f", +{self.premium:.0%}" if self.premium else ""
        return f"{self.model_id} ({where}{premium})"


def routes(model: catalog.Model, region: str, room: tuple[str, ...]) -> list[Route]:
    """The ids a caller in ``region`` may use for ``model``: in-country first, then the cheapest."""
    premium = catalog.pricing().regional_premium if model.regional_premium else 0.0
    found = []
    if model.on_demand_in(region):
        found.append(Route(model.base_id, None, region in room, premium))
    for key in model.usable_geographies(region):
        destinations = catalog.geography(key).destination_regions
        found.append(Route(model.profile_id(key), key, bool(destinations) and set(destinations) <= set(room),
                           0.0 if key == "global" else premium))
    return sorted(found, key=lambda r: (not r.in_country, r.premium))


def alternatives(room: tuple[str, ...], models: list[catalog.Model]) -> list[str]:
    """Regions near the room (in a geography one of its regions belongs to) from which every model can be
    called, for a room whose own regions cannot call them all."""
    near = [g for g in catalog.geographies().values() if g.key != "global" and set(room) & set(g.source_regions)]
    candidates = dict.fromkeys(r for g in near for r in g.source_regions if r not in room)
    return [r for r in candidates if all(m.offered_in(r) for m in models)]


def quotas(attendees: int) -> dict[str, Any]:
    """The per-model quotas a room meets on each endpoint (from the catalog), and what notebook 05 asks of them.

    A request counts its input tokens plus its ``max_tokens`` against a tokens-per-minute quota when it
    starts, so a room that opens notebook 05 together needs that many tokens per minute at once.
    """
    facts = [catalog.general(name) for name in ("quotas_runtime", "quotas_mantle", "quota_admission")]
    runtime, mantle = facts[0], facts[1]
    each = catalog.LONG_CONTEXT_WINDOW + LONG_OUTPUT_TOKENS  # the admission rule: input tokens + max_tokens
    return {"runtime": [n.format(model="<model>") for n in runtime.value],
            "mantle": [n.format(model="<model>") for n in mantle.value],
            "as_of": str(min(f.fact.as_of for f in facts)),
            "confidence": min((f.fact.confidence for f in facts), key="LMH".index),
            "long_request_tokens": each, "long_model": catalog.lesson(LONG_NOTEBOOK).display_name,
            "room_tokens_per_minute": each * attendees}


def quota_command(region: str) -> str:
    """The AWS CLI command that lists the account's Claude quotas (requests and tokens per minute) in a region."""
    return (f"aws service-quotas list-service-quotas --service-code bedrock --region {region} "
            "--query \"Quotas[?contains(QuotaName, 'Claude')].[QuotaName,Value]\" --output table")


def budget(attendees: int, room: tuple[str, ...]) -> dict[str, Any]:
    """Notebook 05's long requests for ``attendees`` people, priced at the global and at the regional rate."""
    model = catalog.lesson(LONG_NOTEBOOK)
    each = {pricing: cost.estimate(model.profile_id("global"), catalog.LONG_CONTEXT_WINDOW, LONG_OUTPUT_TOKENS,
                                   pricing=pricing).usd for pricing in (cost.GLOBAL, cost.REGIONAL)}
    worst = max(each.values())
    return {"model": model.display_name, "requests_per_attendee": LONG_REQUESTS,
            "input_tokens_each": catalog.LONG_CONTEXT_WINDOW, "output_tokens_each": LONG_OUTPUT_TOKENS,
            "usd_each": {k: round(v, 4) for k, v in each.items()},
            "usd_total": {k: round(v * LONG_REQUESTS * attendees, 2) for k, v in each.items()},
            "attendees": attendees, "guard_variable": LIMIT_VARIABLE, "guard_default_usd": DEFAULT_LIMIT_USD,
            "guard_needed_usd": math.ceil(worst)}


def plan(country: str | None = None, region: str | None = None, attendees: int = 1) -> dict[str, Any]:
    """Everything the host needs to choose regions and ids for the room, as data (see :func:`text`)."""
    if not isinstance(attendees, int) or attendees < 1:
        raise ValueError(_("attendees must be a whole number, 1 or more"))
    where, room, regions_fact = place(country, region)
    used = lesson_models()
    models = [catalog.model(k) for k in used]
    mantle = catalog.general("mantle_regions")
    rows = []
    for m in models:
        fact = m.facts.get("profiles") or m.facts.get("ids")
        rows.append({"model": m.display_name, "notebooks": used[m.key],
                     "as_of": str(fact.as_of) if fact else None, "confidence": fact.confidence if fact else None,
                     "regions": {r: [asdict(route) for route in routes(m, r, room)] for r in room}})
    geographies = {key: catalog.geography(key) for m in models for r in room for key in m.usable_geographies(r)}
    served = [r for r in room if all(m.offered_in(r) for m in models)]
    nearby = alternatives(room, models) if len(served) < len(room) else []
    return {
        "place": where, "regions": {r: region_name(r) for r in room}, "catalog_as_of": str(catalog.load().as_of),
        "regions_as_of": str(regions_fact.as_of) if regions_fact else None,
        "regions_confidence": regions_fact.confidence if regions_fact else None,
        "models": rows,
        "geographies": {g.prefix: {"as_of": str(g.fact.as_of), "confidence": g.fact.confidence} for g in
                        geographies.values() if g.fact},
        "messages_api_host": {r: r in mantle.value for r in room},
        "messages_api_as_of": str(mantle.fact.as_of), "messages_api_confidence": mantle.fact.confidence,
        "alternatives": {r: {"name": region_name(r), "messages_api_host": r in mantle.value} for r in nearby},
        "quotas": quotas(attendees),
        "quota_commands": {r: quota_command(r) for r in served or nearby[:1]},
        "budget": budget(attendees, room),
    }


def text(p: dict[str, Any]) -> str:
    """The plan as the terminal shows it, in the host's language."""
    lines = [_("Workshop plan for {place} (catalog as of {as_of}).").format(place=p["place"], as_of=p["catalog_as_of"]),
             "", _("Regions (as of {as_of}, confidence {confidence}):").format(
                 as_of=p["regions_as_of"], confidence=p["regions_confidence"]) if p["regions_as_of"] else
             _("Regions:")]
    lines += [f"  {r}  {name}" for r, name in p["regions"].items()]
    lines += ["", _("Models the notebooks call, and the ids a caller in each region may use:")]
    for row in p["models"]:
        lines.append("  " + _("{model} (notebooks {notebooks}; profiles as of {as_of}, confidence {confidence})")
                     .format(model=row["model"], notebooks=", ".join(row["notebooks"]), as_of=row["as_of"],
                             confidence=row["confidence"]))
        for r, ids in row["regions"].items():
            shown = [Route(**route).describe(p["place"]) for route in ids]
            lines.append(f"    {r}: " + ("; ".join(shown) if shown else _("not offered here")))
    geographies = ", ".join(f"{prefix} {g['as_of']} {g['confidence']}" for prefix, g in p["geographies"].items())
    if geographies:
        lines.append("  " + _("Source regions of each profile (as of, confidence): {geographies}").format(
            geographies=geographies))
    yes, no = _("yes"), _("no")
    hosts = ", ".join(f"{r} {yes if there else no}" for r, there in p["messages_api_host"].items())
    lines.append("  " + _("Messages API host bedrock-mantle (notebook 08): {hosts} (as of {as_of}, confidence "
                          "{confidence})").format(hosts=hosts, as_of=p["messages_api_as_of"],
                                                  confidence=p["messages_api_confidence"]))
    if p["alternatives"]:
        lines += ["", _("Not every model can be called from these regions. Regions nearby that can call them all:")]
        lines += [f"  {r}  {a['name']}" + (" · " + _("Messages API host too") if a["messages_api_host"] else "")
                  for r, a in p["alternatives"].items()]
    q, b = p["quotas"], p["budget"]
    people = (_("{n} attendee") if b["attendees"] == 1 else _("{n} attendees")).format(n=b["attendees"])
    lines += ["", _("Quotas, per model and per region, of the account you use (as of {as_of}, confidence "
                    "{confidence}):").format(as_of=q["as_of"], confidence=q["confidence"]),
              "  " + _("bedrock-runtime (InvokeModel, Converse): {names}. Input and output tokens count together; "
                       "the requests-per-minute quota applies to some models only.").format(
                           names="; ".join(q["runtime"])),
              "  " + _("bedrock-mantle (the Messages API, notebook 08), counted separately: {names}.").format(
                  names="; ".join(q["mantle"])),
              "  " + _("A request counts its input tokens plus max_tokens when it starts: each of notebook 05's "
                       "requests to {model} takes up to {each} tokens of a minute's quota, so {attendees} starting "
                       "it in the same minute need {room} tokens per minute. Stagger the room, or ask for an "
                       "increase days ahead.").format(
                           model=q["long_model"], each=f"{q['long_request_tokens']:,}", attendees=people,
                           room=f"{q['room_tokens_per_minute']:,}"),
              "  " + _("The values your account has, in each region:")]
    lines += [f"    {command}" for command in p["quota_commands"].values()]
    lines += ["", _("Budget: notebook 05 sends {requests} requests of up to {input} input tokens to {model}: "
                    "${global_each} each at the global price, ${regional_each} regional. For {attendees}: "
                    "${global_total} (global) to ${regional_total} (regional).").format(
                        requests=b["requests_per_attendee"], input=f"{b['input_tokens_each']:,}", model=b["model"],
                        global_each=f"{b['usd_each'][cost.GLOBAL]:,.2f}",
                        regional_each=f"{b['usd_each'][cost.REGIONAL]:,.2f}",
                        attendees=people,
                        global_total=f"{b['usd_total'][cost.GLOBAL]:,.2f}",
                        regional_total=f"{b['usd_total'][cost.REGIONAL]:,.2f}"),
              "  " + _("The spend guard refuses each one above {variable} (default ${default}): to let attendees "
                       "send them, export {variable}={needed} on their machines; to keep them from it, leave the "
                       "default.").format(variable=b["guard_variable"], default=f"{b['guard_default_usd']:.2f}",
                                          needed=b["guard_needed_usd"])]
    return "\n".join(lines)
