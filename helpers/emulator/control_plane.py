"""The bedrock control plane: models, inference profiles, availability, logging config (spec §4)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from .. import catalog
from . import errors, log_destinations, pagination, targets
from .anthropic_body import parse_json
from .auth import ACCOUNT_ID
from .routing import Call, Response, route

_NOT_RESOLVED = "Could not resolve the foundation model from the provided model identifier."
_INFERENCE_TYPES = ("ON_DEMAND", "PROVISIONED")
_MODALITIES = ("TEXT", "IMAGE", "EMBEDDING")
_CUSTOMIZATIONS = ("FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION")


def _timestamp(day: dt.date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00+00:00" if day else None


def _enum_error(value: str, member: str, allowed: tuple[str, ...]) -> errors.BedrockError:
    return errors.validation(f"1 validation error detected: Value '{value}' at '{member}' failed to "
                             f"satisfy constraint: Member must satisfy enum value set: [{', '.join(allowed)}]")


def model_summary(model: catalog.Model, region: str, today: dt.date) -> dict[str, Any]:
    status = model.lifecycle(today)
    lifecycle: dict[str, Any] = {"status": status}
    for key, day in (("startOfLifeTime", model.start_of_life), ("endOfLifeTime", model.end_of_life),
                     ("legacyTime", model.legacy), ("publicExtendedAccessTime", model.public_extended_access)):
        if day and (key == "startOfLifeTime" or status == catalog.LEGACY):
            lifecycle[key] = _timestamp(day)
    return {
        "modelArn": model.foundation_model_arn(region), "modelId": model.base_id,
        "modelName": model.display_name, "providerName": "Anthropic",
        "inputModalities": ["TEXT", "IMAGE"], "outputModalities": ["TEXT"],
        "responseStreamingSupported": True, "customizationsSupported": [],
        # Real responses say INFERENCE_PROFILE for profile-only models although the enum lacks it [3p].
        "inferenceTypesSupported": ["ON_DEMAND"] if model.on_demand_in(region) else ["INFERENCE_PROFILE"],
        "modelLifecycle": lifecycle,
    }


def visible_models(region: str, today: dt.date) -> list[catalog.Model]:
    """Models Bedrock lists in ``region``: offered there and not past end of life."""
    return [m for m in catalog.models() if m.offered_in(region) and m.lifecycle(today) != catalog.END_OF_LIFE]


@route("GET", "/foundation-models", "ListFoundationModels")
async def list_foundation_models(call: Call) -> Response:
    q = call.query_params()
    for member, allowed in (("byInferenceType", _INFERENCE_TYPES), ("byOutputModality", _MODALITIES),
                            ("byCustomizationType", _CUSTOMIZATIONS)):
        if member in q and q[member] not in allowed:
            raise _enum_error(q[member], member, allowed)
    region = call.caller.region
    summaries = []
    for model in visible_models(region, call.state.today()):
        if "byProvider" in q and q["byProvider"].lower() != "anthropic":
            continue
        if q.get("byOutputModality", "TEXT") != "TEXT" or "byCustomizationType" in q:
            continue
        # ON_DEMAND also matches profile-only models, as captured from real responses [3p].
        if q.get("byInferenceType") == "PROVISIONED":
            continue
        summaries.append(model_summary(model, region, call.state.today()))
    return Response.json({"modelSummaries": summaries})


def _foundation_model(identifier: str, region: str, today: dt.date) -> catalog.Model:
    try:
        target = catalog.resolve(identifier)
    except catalog.UnknownModelError:
        raise errors.not_found(_NOT_RESOLVED) from None
    if target.geography or not target.model.offered_in(region) \
            or target.model.lifecycle(today) == catalog.END_OF_LIFE:
        raise errors.not_found(_NOT_RESOLVED)
    return target.model


@route("GET", "/foundation-models/{modelIdentifier}", "GetFoundationModel")
async def get_foundation_model(call: Call) -> Response:
    today = call.state.today()
    model = _foundation_model(call.params["modelIdentifier"], call.caller.region, today)
    return Response.json({"modelDetails": model_summary(model, call.caller.region, today)})


@route("GET", "/foundation-model-availability/{modelId}", "GetFoundationModelAvailability")
async def get_foundation_model_availability(call: Call) -> Response:
    """The account's standing for a model, from the same rules an invocation meets (targets.refusals).

    The shape has four fields, so each refusal lands where it fits best [emulator choice; AWS documents the
    fields, not this mapping]: the Marketplace subscription and the use-case form are the agreement
    (ERROR / NOT_AVAILABLE, with the message an invocation gets); a Legacy model the account has not been
    using, an invite-only model without the invitation, or a missing data-sharing opt-in is the entitlement;
    ``revoke_access`` (IAM) is the authorization. An SCP on ``global.`` concerns a profile, not the model.
    """
    model_id = call.params["modelId"]
    try:
        model = catalog.resolve(model_id).model
    except catalog.UnknownModelError:
        raise errors.not_found(_NOT_RESOLVED) from None
    region = call.caller.region
    in_region = model.offered_in(region) and model.lifecycle(call.state.today()) != catalog.END_OF_LIFE
    found = {r.kind: r.error for r in targets.refusals(model, call.state, caller_arn=call.caller.identity.arn)}
    agreement: dict[str, Any] = {"status": "AVAILABLE"}
    if "marketplace" in found:
        agreement = {"status": "ERROR", "errorMessage": found["marketplace"].message}
    elif "use_case" in found:
        agreement = {"status": "NOT_AVAILABLE", "errorMessage": found["use_case"].message}
    entitled = in_region and not found.keys() & {"legacy", "invite", "opt_in"}
    return Response.json({
        "modelId": model_id,
        "agreementAvailability": agreement,
        "authorizationStatus": "NOT_AUTHORIZED" if "revoked" in found else "AUTHORIZED",
        "entitlementAvailability": "AVAILABLE" if entitled else "NOT_AVAILABLE",
        "regionAvailability": "AVAILABLE" if in_region else "NOT_AVAILABLE",
    })


# --- inference profiles -------------------------------------------------------------------

def profile(model: catalog.Model, geo_key: str, region: str) -> dict[str, Any]:
    geo = catalog.geography(geo_key)
    profile_id = model.profile_id(geo_key)
    if geo_key == "global":
        # Global profiles' IAM resources use a region-less foundation-model ARN [3p].
        models = [{"modelArn": f"arn:aws:bedrock:::foundation-model/{model.base_id}"}]
        where = "any supported commercial AWS Region"
    else:
        models = [{"modelArn": model.foundation_model_arn(r)} for r in geo.destination_regions]
        where = ", ".join(geo.destination_regions[:-1]) + " and " + geo.destination_regions[-1]
    created = _timestamp(model.start_of_life) or _timestamp(catalog.load().as_of)
    return {
        "inferenceProfileName": f"{geo.name} Anthropic {model.display_name}",
        "description": f"Routes requests to Anthropic {model.display_name} in {where}.",
        "createdAt": created, "updatedAt": created,
        "inferenceProfileArn": f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:inference-profile/{profile_id}",
        "models": models, "inferenceProfileId": profile_id, "status": "ACTIVE", "type": "SYSTEM_DEFINED",
    }


def visible_profiles(region: str, today: dt.date) -> list[dict[str, Any]]:
    """System-defined profiles a caller in ``region`` may use (others are not listed there)."""
    return [profile(m, g, region) for m in visible_models(region, today) for g in m.usable_geographies(region)]


@route("GET", "/inference-profiles", "ListInferenceProfiles")
async def list_inference_profiles(call: Call) -> Response:
    q = call.query_params()
    if "type" in q and q["type"] not in ("SYSTEM_DEFINED", "APPLICATION"):
        raise _enum_error(q["type"], "typeEquals", ("SYSTEM_DEFINED", "APPLICATION"))
    try:
        size = int(q.get("maxResults", 1000))
        start = pagination.decode(q.get("nextToken"))
    except ValueError:
        raise errors.validation("Invalid pagination token or maxResults.") from None
    if not 1 <= size <= 1000:
        raise errors.validation(f"1 validation error detected: Value '{size}' at 'maxResults' failed "
                                "to satisfy constraint: Member must have value between 1 and 1000")
    profiles = [] if q.get("type") == "APPLICATION" else visible_profiles(call.caller.region, call.state.today())
    page: dict[str, Any] = {"inferenceProfileSummaries": profiles[start:start + size]}
    if start + size < len(profiles):
        page["nextToken"] = pagination.encode(start + size)
    return Response.json(page)


@route("GET", "/inference-profiles/{inferenceProfileIdentifier}", "GetInferenceProfile")
async def get_inference_profile(call: Call) -> Response:
    identifier = call.params["inferenceProfileIdentifier"]
    region = call.caller.region
    try:
        target = catalog.resolve(identifier)
    except catalog.UnknownModelError:
        target = None
    if (target is None or target.geography is None
            or target.geography not in target.model.usable_geographies(region)
            or target.model.lifecycle(call.state.today()) == catalog.END_OF_LIFE):
        raise errors.not_found(f"Inference profile {identifier} not found.")
    return Response.json(profile(target.model, target.geography, region))


# --- model invocation logging configuration ------------------------------------------------

@route("GET", "/logging/modelinvocations", "GetModelInvocationLoggingConfiguration")
async def get_logging(call: Call) -> Response:
    config = call.state.logging_configs.get(call.caller.region)  # one configuration per region, as on AWS
    # ASCII JSON: a key prefix or role name may hold a lone surrogate (valid JSON; the model allows it).
    body = json.dumps({"loggingConfig": config} if config else {}, separators=(",", ":")).encode()
    return Response(200, body, [("content-type", "application/json")])


# [emulator wording]: AWS has no such case. A configuration the emulator cannot deliver is never accepted.
_NO_AWS_SERVICES = ("Invocation logging offline delivers to the offline S3 and CloudWatch Logs, which need moto: "
                    "pip install 'moto[server]>=5.2.5' (or pip install -r requirements.txt), then restart the "
                    "emulator.")


@route("PUT", "/logging/modelinvocations", "PutModelInvocationLoggingConfiguration")
async def put_logging(call: Call) -> Response:
    """Checked as Bedrock checks it: the shapes (log_destinations.validate), then the destinations themselves in
    the offline S3, CloudWatch Logs and IAM (log_destinations.check_access: network I/O, so in a worker thread).
    A refused configuration changes nothing."""
    body = parse_json(call.body)
    config = body.get("loggingConfig") if isinstance(body, dict) else None
    config = log_destinations.validate(config)
    aws = call.state.aws
    if aws is None:
        raise errors.validation(_NO_AWS_SERVICES)
    region = call.caller.region  # AWS keeps one configuration per account and region: this region's
    account = log_destinations.account_of(call.caller.identity.arn)
    await asyncio.to_thread(log_destinations.check_access, aws, config, account, region)
    call.state.logging_configs[region] = config
    return Response.json({})


@route("DELETE", "/logging/modelinvocations", "DeleteModelInvocationLoggingConfiguration")
async def delete_logging(call: Call) -> Response:
    call.state.logging_configs.pop(call.caller.region, None)  # this region's only
    return Response.json({})
