"""Which model a request targets, and whether this caller may use it from this region.

Bedrock's rules, in the order Bedrock applies them: the id must parse; it must name a model this
region knows; end-of-life models are gone; a geographic profile works only from its source
regions; a profile-only model's bare id gets the on-demand throughput error; and the account
must have been granted the model.
"""

from __future__ import annotations

import re
from functools import cache

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
    if model.lifecycle(state.today()) == catalog.END_OF_LIFE:
        raise errors.end_of_life()
    if counting and target.geography:
        raise errors.count_tokens_unsupported()
    if target.geography:
        if target.geography not in model.usable_geographies(region):
            raise errors.invalid_model_identifier()
    elif not counting and not model.on_demand_in(region):
        raise errors.on_demand_not_supported(model.base_id)
    if not state.has_access(model):
        raise errors.access_denied()
    return target
