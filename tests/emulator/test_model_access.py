"""Model access as it works today, set with ``emulator.account(...)``: Legacy models and a new customer, the
Marketplace 403, the use-case form 404, an SCP that blocks ``global.``, invite-only and opt-in models; and the
order of checks (a body no model takes is a 400 before any access rule). Real clients over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import anthropic
import pytest
from botocore.exceptions import ClientError

from conftest import (
    MODEL,
    MODEL_BASE,
    MODEL_GLOBAL,
    MODEL_US,
    SONNET_45_BASE,
    SONNET_45_GLOBAL,
    SONNET_45_US,
    claude_body,
    error_of,
    runtime_in,
)
from helpers import catalog
from helpers.emulator import Emulator, auth

TODAY = dt.date.today()
LIVE = [m for m in catalog.models() if m.lifecycle(TODAY) != catalog.END_OF_LIFE]
LEGACY = [m for m in LIVE if m.lifecycle(TODAY) == catalog.LEGACY]
INVITE = [m for m in LIVE if m.access == "invite"]
OPT_IN = [m for m in LIVE if m.opt_in]
CALLER = f"arn:aws:iam::{auth.ACCOUNT_ID}:user/workshop-learner"  # the emulator's documented example user

LEGACY_TEXT = catalog.general("legacy_inactivity_days").quote
MARKETPLACE_TEXT = (
    "Model access is denied due to IAM user or service role is not authorized to perform the required AWS "
    "Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this "
    "model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace subscription for "
    "this model cannot be completed at this time. If you recently fixed this issue, try again after 5 minutes.")
USE_CASE_TEXT = (
    "Model use case details have not been submitted for this account. Fill out the Anthropic use case details form "
    "before using the model. If you have already filled out the form, try again in 15 minutes.")
MESSAGES = [{"role": "user", "content": [{"text": "Hello, world"}]}]


def key(model: catalog.Model) -> str:
    return model.key


def site(model: catalog.Model) -> tuple[str, str]:
    """(region, id) of a call the catalog allows: a profile from a source region, else the bare id on demand."""
    for geo in sorted(model.geographies, key=lambda g: "us-east-1" not in catalog.geography(g).source_regions):
        regions = catalog.geography(geo).source_regions
        return ("us-east-1" if "us-east-1" in regions else regions[0]), model.profile_id(geo)
    return model.on_demand_regions[0], model.base_id


def operations(client: Any, model_id: str) -> dict[str, Callable[[], Any]]:
    """The four invocations, each run to its end (streams read)."""
    return {
        "InvokeModel": lambda: client.invoke_model(modelId=model_id, body=claude_body())["body"].read(),
        "InvokeModelWithResponseStream": lambda: list(
            client.invoke_model_with_response_stream(modelId=model_id, body=claude_body())["body"]),
        "Converse": lambda: client.converse(modelId=model_id, messages=MESSAGES),
        "ConverseStream": lambda: list(client.converse_stream(modelId=model_id, messages=MESSAGES)["stream"]),
    }


def refused(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as e:
        call()
    return error_of(e)


def every_operation_refused(region: str, model_id: str, expected: tuple[str, str, int]) -> None:
    for name, call in operations(runtime_in(region), model_id).items():
        assert refused(call) == expected, name


def every_operation_works(region: str, model_id: str) -> None:
    for call in operations(runtime_in(region), model_id).values():
        assert call()


@pytest.fixture
def sdk(aws_env: dict[str, str]) -> anthropic.AnthropicBedrock:
    return anthropic.AnthropicBedrock(max_retries=0)


# --- the persona ------------------------------------------------------------------------------------------------

class TestPersona:
    def test_default_is_a_new_customer(self, emulator: Emulator) -> None:
        assert emulator.state.snapshot()["account"] == {
            "legacy_use": False, "marketplace": True, "use_case_form": True, "scp_blocks_global": False,
            "invited": [], "data_share": False}

    def test_flags_left_out_keep_their_value_and_reset_restores(self, emulator: Emulator) -> None:
        emulator.account(legacy_use=True)
        account = emulator.account(invited=[INVITE[0].profile_id(INVITE[0].geographies[0]) if INVITE[0].geographies
                                            else INVITE[0].base_id])["account"]
        assert account["legacy_use"] is True and account["invited"] == [INVITE[0].key]
        assert emulator.account(invited="all")["account"]["invited"] == sorted(m.key for m in catalog.models())
        assert emulator.account(invited=[])["account"]["invited"] == []
        assert emulator.reset()["account"]["legacy_use"] is False


# --- Legacy models ----------------------------------------------------------------------------------------------

class TestLegacy:
    """AWS: "New customers cannot use Legacy models"; the default account is one."""

    @pytest.mark.parametrize("model", LEGACY, ids=key)
    def test_refused_to_a_new_customer_and_allowed_to_an_existing_one(self, emulator: Emulator,
                                                                        aws_env: dict[str, str],
                                                                        model: catalog.Model) -> None:
        region, model_id = site(model)
        every_operation_refused(region, model_id, ("ResourceNotFoundException", LEGACY_TEXT, 404))
        emulator.account(legacy_use=True)
        every_operation_works(region, model_id)

    def test_the_guides_model_is_legacy(self) -> None:
        assert catalog.guide_sample_model().lifecycle(TODAY) == catalog.LEGACY
        assert "30 days" in LEGACY_TEXT

    def test_count_tokens(self, emulator: Emulator, runtime: Any) -> None:
        count = lambda: runtime.count_tokens(modelId=SONNET_45_BASE, input={"invokeModel": {"body": claude_body()}})  # noqa: E731
        assert refused(count) == ("ResourceNotFoundException", LEGACY_TEXT, 404)
        emulator.account(legacy_use=True)
        assert count()["inputTokens"] > 0

    def test_active_models_are_not_affected(self, aws_env: dict[str, str]) -> None:
        every_operation_works("us-east-1", MODEL_GLOBAL)

    def test_anthropic_sdk_sync_and_stream(self, emulator: Emulator, sdk: anthropic.AnthropicBedrock) -> None:
        hello = [{"role": "user", "content": "Hello, world"}]
        with pytest.raises(anthropic.NotFoundError, match="marked by provider as Legacy"):
            sdk.messages.create(model=SONNET_45_GLOBAL, max_tokens=16, messages=hello)
        with (pytest.raises(anthropic.NotFoundError, match="marked by provider as Legacy"),
              sdk.messages.stream(model=SONNET_45_GLOBAL, max_tokens=16, messages=hello) as stream):
            stream.get_final_message()
        emulator.account(legacy_use=True)
        assert sdk.messages.create(model=SONNET_45_GLOBAL, max_tokens=16, messages=hello).content
        with sdk.messages.stream(model=SONNET_45_GLOBAL, max_tokens=16, messages=hello) as stream:
            assert stream.get_final_message().content


class TestOrder:
    """Body validation comes before the account's rules, so the newest SDK on Sonnet 4.5 gets the version 400
    even on a new account (the issue's "done when"); the account rules then answer in a fixed order."""

    def test_the_version_400_before_the_legacy_404(self, emulator: Emulator, sdk: anthropic.AnthropicBedrock) -> None:
        hello = [{"role": "user", "content": "Hello, world"}]
        newest = {"anthropic_version": catalog.NEW_API_VERSION}
        with pytest.raises(anthropic.BadRequestError, match=f"Invalid API version: {catalog.NEW_API_VERSION}"):
            sdk.messages.create(model=SONNET_45_GLOBAL, max_tokens=16, messages=hello, extra_body=newest)
        emulator.account(legacy_use=True, marketplace=False)
        with pytest.raises(anthropic.BadRequestError, match="Invalid API version"):
            sdk.messages.create(model=SONNET_45_GLOBAL, max_tokens=16, messages=hello, extra_body=newest)

    def test_id_rules_before_the_account(self, runtime: Any, emulator: Emulator) -> None:
        emulator.account(marketplace=False)
        assert refused(lambda: runtime.invoke_model(modelId=MODEL_BASE, body=claude_body()))[0] == \
            "ValidationException"  # the on-demand error: the id is wrong whoever the account is

    def test_legacy_then_marketplace_then_use_case_then_revoked(self, runtime: Any, emulator: Emulator) -> None:
        call = lambda model_id: lambda: runtime.invoke_model(modelId=model_id, body=claude_body())  # noqa: E731
        emulator.account(marketplace=False, use_case_form=False)
        emulator.revoke_access("all")
        assert refused(call(SONNET_45_US))[1] == LEGACY_TEXT
        assert refused(call(MODEL_US))[1] == MARKETPLACE_TEXT
        emulator.account(marketplace=True)
        assert refused(call(MODEL_US))[1] == USE_CASE_TEXT
        emulator.account(use_case_form=True)
        assert refused(call(MODEL_US)) == (
            "AccessDeniedException", "You don't have access to the model with the specified model ID.", 403)


# --- first-call failures of model access ----------------------------------------------------------------------

class TestMarketplaceAndUseCase:
    def test_marketplace_403(self, emulator: Emulator, aws_env: dict[str, str]) -> None:
        emulator.account(marketplace=False)
        every_operation_refused("us-east-1", MODEL_GLOBAL, ("AccessDeniedException", MARKETPLACE_TEXT, 403))
        emulator.account(marketplace=True)
        every_operation_works("us-east-1", MODEL_GLOBAL)

    def test_use_case_form_404(self, emulator: Emulator, aws_env: dict[str, str]) -> None:
        emulator.account(use_case_form=False)
        every_operation_refused("us-east-1", MODEL_US, ("ResourceNotFoundException", USE_CASE_TEXT, 404))
        emulator.account(use_case_form=True)
        every_operation_works("us-east-1", MODEL_US)

    def test_through_the_sdk(self, emulator: Emulator, sdk: anthropic.AnthropicBedrock) -> None:
        hello = [{"role": "user", "content": "Hi"}]
        emulator.account(marketplace=False)
        with pytest.raises(anthropic.PermissionDeniedError, match="aws-marketplace:Subscribe"):
            sdk.messages.create(model=MODEL_GLOBAL, max_tokens=16, messages=hello)
        emulator.account(marketplace=True, use_case_form=False)
        with pytest.raises(anthropic.NotFoundError, match="use case details have not been submitted"):
            sdk.messages.create(model=MODEL_GLOBAL, max_tokens=16, messages=hello)


class TestScpBlocksGlobal:
    """An SCP on aws:RequestedRegion denies global. profiles (their region is "unspecified"); geographic
    profiles and in-region ids keep working."""

    def scp(self, action: str, base_id: str) -> tuple[str, str, int]:
        return ("AccessDeniedException",
                f"User: {CALLER} is not authorized to perform: bedrock:{action} on resource: "
                f"arn:aws:bedrock:::foundation-model/{base_id} with an explicit deny in a service control policy: "
                f"arn:aws:organizations::123456789012:policy/o-exampleorgid/service_control_policy/p-examplescp", 403)

    @pytest.mark.parametrize("model", [m for m in LIVE if "global" in m.geographies], ids=key)
    def test_global_blocked_per_operation(self, emulator: Emulator, aws_env: dict[str, str],
                                          model: catalog.Model) -> None:
        emulator.account(scp_blocks_global=True, legacy_use=True, invited="all", data_share=True)
        arn = f"arn:aws:bedrock:us-east-1:{auth.ACCOUNT_ID}:inference-profile/{model.profile_id('global')}"
        for model_id in (model.profile_id("global"), arn):
            ops = operations(runtime_in("us-east-1"), model_id)
            for name, action in (("InvokeModel", "InvokeModel"), ("Converse", "InvokeModel"),
                                 ("InvokeModelWithResponseStream", "InvokeModelWithResponseStream"),
                                 ("ConverseStream", "InvokeModelWithResponseStream")):
                assert refused(ops[name]) == self.scp(action, model.base_id), name

    def test_geographic_profiles_and_in_region_ids_keep_working(self, emulator: Emulator,
                                                                 aws_env: dict[str, str]) -> None:
        emulator.account(scp_blocks_global=True)
        every_operation_works("us-east-1", MODEL_US)
        every_operation_works("ap-northeast-1", MODEL.profile_id("jp"))
        on_demand = next(m for m in LIVE if m.on_demand_regions and m.access == "open" and not m.opt_in)
        every_operation_works(on_demand.on_demand_regions[0], on_demand.base_id)
        emulator.account(scp_blocks_global=False)
        every_operation_works("us-east-1", MODEL_GLOBAL)

    def test_through_the_sdk(self, emulator: Emulator, sdk: anthropic.AnthropicBedrock) -> None:
        emulator.account(scp_blocks_global=True)
        with pytest.raises(anthropic.PermissionDeniedError, match="explicit deny in a service control policy"):
            sdk.messages.create(model=MODEL_GLOBAL, max_tokens=16, messages=[{"role": "user", "content": "Hi"}])


# --- gated models ------------------------------------------------------------------------------------------------

class TestGated:
    @pytest.mark.parametrize("model", INVITE, ids=key)
    def test_invite_only(self, emulator: Emulator, aws_env: dict[str, str], model: catalog.Model) -> None:
        region, model_id = site(model)
        emulator.account(data_share=True)
        every_operation_refused(region, model_id, (
            "AccessDeniedException", f"This model is not available for this account: {model.display_name} is "
            "offered by invitation only, to organizations Anthropic has approved.", 403))
        emulator.account(invited=[model.key])
        every_operation_works(region, model_id)

    @pytest.mark.parametrize("model", OPT_IN, ids=key)
    def test_opt_in(self, emulator: Emulator, aws_env: dict[str, str], model: catalog.Model) -> None:
        region, model_id = site(model)
        emulator.account(invited="all")
        every_operation_refused(region, model_id, (
            "AccessDeniedException", f"{model.display_name} requires the account to opt in to {model.opt_in} "
            "(sharing data with the model provider) before it can be used. Opt in, then try again.", 403))
        emulator.account(data_share=True)
        every_operation_works(region, model_id)

    def test_the_catalog_has_gated_models(self) -> None:
        assert INVITE and OPT_IN


# --- GetFoundationModelAvailability ------------------------------------------------------------------------------

class TestAvailability:
    """The same rules, reported without invoking (the mapping is the emulator's choice; see control_plane.py)."""

    def availability(self, bedrock: Any, model_id: str) -> dict[str, Any]:
        found = bedrock.get_foundation_model_availability(modelId=model_id)
        found.pop("ResponseMetadata")
        return found

    def test_open_model(self, bedrock: Any) -> None:
        assert self.availability(bedrock, MODEL_BASE) == {
            "modelId": MODEL_BASE, "agreementAvailability": {"status": "AVAILABLE"},
            "authorizationStatus": "AUTHORIZED", "entitlementAvailability": "AVAILABLE",
            "regionAvailability": "AVAILABLE"}

    def test_legacy_to_a_new_customer(self, bedrock: Any, emulator: Emulator) -> None:
        assert self.availability(bedrock, SONNET_45_BASE)["entitlementAvailability"] == "NOT_AVAILABLE"
        emulator.account(legacy_use=True)
        assert self.availability(bedrock, SONNET_45_BASE)["entitlementAvailability"] == "AVAILABLE"

    def test_marketplace_and_use_case(self, bedrock: Any, emulator: Emulator) -> None:
        emulator.account(use_case_form=False)
        assert self.availability(bedrock, MODEL_BASE)["agreementAvailability"] == {
            "status": "NOT_AVAILABLE", "errorMessage": USE_CASE_TEXT}
        emulator.account(marketplace=False)
        assert self.availability(bedrock, MODEL_BASE)["agreementAvailability"] == {
            "status": "ERROR", "errorMessage": MARKETPLACE_TEXT}

    @pytest.mark.parametrize("model", INVITE, ids=key)
    def test_gated(self, bedrock: Any, emulator: Emulator, model: catalog.Model) -> None:
        if not model.offered_in("us-east-1"):
            pytest.skip(f"{model.display_name} is not offered in us-east-1")
        assert self.availability(bedrock, model.base_id)["entitlementAvailability"] == "NOT_AVAILABLE"
        emulator.account(invited=[model.key], data_share=True)
        assert self.availability(bedrock, model.base_id)["entitlementAvailability"] == "AVAILABLE"

    def test_revoked_and_scp(self, bedrock: Any, emulator: Emulator) -> None:
        emulator.account(scp_blocks_global=True)  # about a profile: the model stays available
        assert self.availability(bedrock, MODEL_BASE)["authorizationStatus"] == "AUTHORIZED"
        emulator.revoke_access(MODEL.key)
        assert self.availability(bedrock, MODEL_BASE)["authorizationStatus"] == "NOT_AUTHORIZED"


# --- the control over admin HTTP ----------------------------------------------------------------------------------

class TestAccountControl:
    def test_remote_emulator(self, emulator: Emulator, runtime: Any) -> None:
        from helpers.emulator import RemoteEmulator

        remote = RemoteEmulator(emulator.url, token=emulator.token)
        assert remote.account(legacy_use=True)["account"]["legacy_use"] is True
        assert runtime.invoke_model(modelId=SONNET_45_US, body=claude_body())["body"].read()
        assert remote.snapshot()["account"]["legacy_use"] is True
        with pytest.raises(ValueError, match="account: legacy_use must be true or false"):
            remote._control("account", legacy_use="yes")
        with pytest.raises(PermissionError):
            RemoteEmulator(emulator.url, token="wrong").account(legacy_use=False)
        assert emulator.state.snapshot()["account"]["legacy_use"] is True
        remote.reset()
        assert refused(lambda: runtime.invoke_model(modelId=SONNET_45_US, body=claude_body()))[2] == 404

    def test_in_process_types(self, emulator: Emulator) -> None:
        with pytest.raises(TypeError, match="account: marketplace must be true or false"):
            emulator.account(marketplace=1)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="account: Unknown Claude model identifier"):
            emulator.account(invited=["claude-nope"])
        assert emulator.state.snapshot()["account"]["marketplace"] is True

    def test_the_body_is_plain_json(self, emulator: Emulator) -> None:
        import urllib.request

        request = urllib.request.Request(f"{emulator.url}/_emulator/account", json.dumps({"data_share": True}).encode(),
                                         {"X-Emulator-Token": emulator.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert json.loads(reply.read())["account"]["data_share"] is True
