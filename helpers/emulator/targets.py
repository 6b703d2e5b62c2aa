"""Which model a request targets, whether this region serves it, and whether this account may use it.

:func:`resolve` applies the id rules, in Bedrock's order: the id must parse; it must name a model this
region knows; end-of-life models are gone; CountTokens takes supported models' foundation-model ids only;
a geographic profile works only from its source regions; a profile-only model's bare id gets the
on-demand throughput error. :func:`check_access` applies the account's rules (the persona set with
``account(...)``, and ``revoke_access``); the runtime calls it after the body is validated, so a body
a model can never take (the 2026-10-21 version on Sonnet 4.5) is a 400 even to an account without access.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from .. import catalog
from . import errors
from .state import EmulatorState

OPERATIONS = ("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream", "CountTokens")


@cache
def _id_pattern(operation: str) -> tuple[re.Pattern[str], str, int]:
    """The operation's modelId pattern and length limit from botocore's model (authoritative)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    shape = model.operation_model(operation).input_shape.members["modelId"]
    pattern = shape.metadata["pattern"]
    return re.compile(pattern), pattern, shape.metadata.get("max", 2048)


def warm() -> None:
    for operation in OPERATIONS:
        _id_pattern(operation)


def check_id_syntax(model_id: str, operation: str) -> None:
    regex, pattern, limit = _id_pattern(operation)
    # Smithy patterns are not implicitly anchored: a match anywhere satisfies them.
    if not model_id or len(model_id) > limit or not regex.search(model_id):
        raise errors.model_id_pattern(model_id, pattern)


def resolve(model_id: str, region: str, state: EmulatorState, operation: str) -> catalog.Resolved:
    """The model ``model_id`` names for a caller in ``region``, or the error Bedrock returns."""
    return _resolve(model_id, region, state.today(), operation)


@lru_cache(maxsize=4096)
def _resolve(model_id: str, region: str, today: dt.date, operation: str) -> catalog.Resolved:
    """Pure in its arguments (the catalog is fixed for the process), so remembered: a refusal raises each time,
    since lru_cache keeps only results."""
    check_id_syntax(model_id, operation)
    counting = operation == "CountTokens"  # takes foundation-model ids only
    try:
        target = catalog.resolve(model_id)
    except catalog.UnknownModelError:
        raise errors.invalid_model_identifier() from None
    model = target.model
    if target.arn_region and target.arn_region != region:
        raise errors.invalid_model_identifier()
    if not model.offered_in(region):
        raise errors.invalid_model_identifier()
    if model.lifecycle(today) == catalog.END_OF_LIFE:
        raise errors.end_of_life()
    if counting and (target.geography or not model.count_tokens):
        raise errors.count_tokens_unsupported()
    if target.geography:
        if target.geography not in model.usable_geographies(region):
            raise errors.invalid_model_identifier()
    elif not counting and not model.on_demand_in(region):
        raise errors.on_demand_not_supported(model.base_id)
    return target


# The IAM action each operation is authorized as (Converse is InvokeModel, ConverseStream the stream's).
IAM_ACTIONS = {"InvokeModel": "InvokeModel", "Converse": "InvokeModel",
               "InvokeModelWithResponseStream": "InvokeModelWithResponseStream",
               "ConverseStream": "InvokeModelWithResponseStream", "CountTokens": "CountTokens"}


@dataclass(frozen=True)
class Refusal:
    """One reason the account may not use a model: ``kind`` names the rule, ``error`` is what Bedrock says."""

    kind: str  # legacy | marketplace | use_case | scp | invite | opt_in | revoked
    error: errors.BedrockError


def refusals(model: catalog.Model, state: EmulatorState, *, geography: str | None = None,
             operation: str = "InvokeModel", caller_arn: str = "") -> list[Refusal]:
    """Every reason the account may not use ``model`` (through ``geography``'s profile), in the order they are
    reported: the first is what an invocation gets; GetFoundationModelAvailability reports them all."""
    account = state.persona
    out = []
    if model.lifecycle(state.today()) == catalog.LEGACY and not account.legacy_use:
        out.append(Refusal("legacy", errors.legacy_not_in_use()))
    if not account.marketplace:
        out.append(Refusal("marketplace", errors.marketplace_denied()))
    if not account.use_case_form:
        out.append(Refusal("use_case", errors.use_case_missing()))
    if geography == "global" and account.scp_blocks_global:
        out.append(Refusal("scp", errors.scp_denied(caller_arn, IAM_ACTIONS[operation], model.base_id)))
    if model.access == "invite" and model.key not in account.invited:
        out.append(Refusal("invite", errors.not_invited(model.display_name)))
    if model.opt_in and not (model.opt_in == "provider_data_share" and account.data_share):
        out.append(Refusal("opt_in", errors.opt_in_missing(model.display_name, model.opt_in)))
    if not state.has_access(model):
        out.append(Refusal("revoked", errors.access_denied()))
    return out


def check_access(target: catalog.Resolved, caller_arn: str, state: EmulatorState, operation: str) -> None:
    """Raise what Bedrock answers when the account may not use the target model."""
    found = refusals(target.model, state, geography=target.geography, operation=operation, caller_arn=caller_arn)
    if found:
        raise found[0].error
