"""The bedrock control plane through boto3: models, profiles, availability, logging configuration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from logging_setup import destinations

from conftest import MODEL, MODEL_BASE, NO_RETRY, SONNET_45_BASE, error_of
from helpers import catalog
from helpers.emulator import Emulator


def bedrock_in(region: str) -> Any:
    return boto3.client("bedrock", region_name=region, config=NO_RETRY)


class TestFoundationModels:
    """ListFoundationModels and GetFoundationModel, served from the catalog."""

    def test_guide_listing(self, bedrock: Any) -> None:
        """The guide's boto3 sample: every model id printed is a live Claude model of the region."""
        summaries = bedrock.list_foundation_models(byProvider="anthropic")["modelSummaries"]
        ids = [s["modelId"] for s in summaries]
        assert MODEL_BASE in ids and SONNET_45_BASE in ids  # Legacy models are still listed
        assert "anthropic.claude-3-opus-20240229-v1:0" not in ids  # end of life: not listed
        sonnet = next(s for s in summaries if s["modelId"] == MODEL_BASE)
        assert sonnet["modelArn"] == f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL_BASE}"
        assert sonnet["inferenceTypesSupported"] == ["INFERENCE_PROFILE"]
        assert sonnet["modelLifecycle"]["status"] == "ACTIVE"
        assert sonnet["modelLifecycle"]["startOfLifeTime"].isoformat() == f"{MODEL.start_of_life}T00:00:00+00:00"
        guide = next(s for s in summaries if s["modelId"] == SONNET_45_BASE)["modelLifecycle"]
        assert guide["status"] == "LEGACY" and guide["legacyTime"].date().isoformat() == "2026-10-08"

    def test_filters(self, bedrock: Any) -> None:
        assert bedrock.list_foundation_models(byProvider="Anthropic")["modelSummaries"]
        assert bedrock.list_foundation_models(byProvider="amazon")["modelSummaries"] == []
        assert bedrock.list_foundation_models(byOutputModality="IMAGE")["modelSummaries"] == []
        assert bedrock.list_foundation_models(byInferenceType="ON_DEMAND")["modelSummaries"]
        assert bedrock.list_foundation_models(byInferenceType="PROVISIONED")["modelSummaries"] == []

    def test_bad_filter(self, bedrock: Any) -> None:
        with pytest.raises(ClientError) as e:
            bedrock.list_foundation_models(byInferenceType="SOMETIMES")
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        assert "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]" in message

    def test_region_decides_the_list(self, aws_env: dict[str, str]) -> None:
        """Opus 4.1 has only a us. profile, so eu-west-1 does not list it."""
        eu = [s["modelId"] for s in bedrock_in("eu-west-1").list_foundation_models()["modelSummaries"]]
        assert MODEL_BASE in eu and "anthropic.claude-opus-4-1-20250805-v1:0" not in eu

    def test_legacy_model_carries_its_dates(self, bedrock: Any, emulator: Emulator) -> None:
        emulator.set_date("2026-08-01")
        details = bedrock.get_foundation_model(modelIdentifier="anthropic.claude-sonnet-4-20250514-v1:0")
        lifecycle = details["modelDetails"]["modelLifecycle"]
        assert lifecycle["status"] == "LEGACY"
        assert lifecycle["endOfLifeTime"].date().isoformat() == "2026-10-14"
        assert lifecycle["legacyTime"].date().isoformat() == "2026-04-14"

    def test_get_by_id_and_arn(self, bedrock: Any) -> None:
        by_id = bedrock.get_foundation_model(modelIdentifier=MODEL_BASE)["modelDetails"]
        arn = f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL_BASE}"
        assert bedrock.get_foundation_model(modelIdentifier=arn)["modelDetails"] == by_id
        assert by_id["modelName"] == MODEL.display_name

    @pytest.mark.parametrize("identifier", ["anthropic.claude-nope", "anthropic.claude-3-opus-20240229-v1:0"])
    def test_get_unknown_or_end_of_life(self, bedrock: Any, identifier: str) -> None:
        with pytest.raises(ClientError) as e:
            bedrock.get_foundation_model(modelIdentifier=identifier)
        assert error_of(e) == ("ResourceNotFoundException",
                               "Could not resolve the foundation model from the provided model identifier.", 404)


class TestInferenceProfiles:
    """ListInferenceProfiles (paginated, region-filtered) and GetInferenceProfile."""

    def test_lists_only_what_the_region_may_use(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        def profiles(region: str) -> set[str]:
            summaries = bedrock_in(region).list_inference_profiles()["inferenceProfileSummaries"]
            return {p["inferenceProfileId"] for p in summaries}

        def prefixes(region: str) -> set[str]:
            return {p.split(".")[0] for p in profiles(region)}

        emulator.set_date("2026-11-21")
        assert prefixes("us-west-2") == {"global", "us"}
        # Of the models with an apac. profile only Opus 4.6 is still alive (Sonnet 4, Sonnet 3.7, Haiku 3 are past
        # end of life) ...
        apac_now = {p for p in profiles("ap-northeast-1") if p.startswith("apac.")}
        assert apac_now == {catalog.model("claude-opus-4-6").profile_id("apac")}
        assert prefixes("ap-northeast-1") == {"global", "jp", "apac"}
        # ... and before their end of life, they were listed too.
        emulator.set_date("2026-01-01")
        apac_then = {p for p in profiles("ap-northeast-1") if p.startswith("apac.")}
        assert apac_then > apac_now and catalog.model("claude-sonnet-4").profile_id("apac") in apac_then

    def test_pagination(self, bedrock: Any) -> None:
        everything = bedrock.list_inference_profiles()["inferenceProfileSummaries"]
        pages = list(bedrock.get_paginator("list_inference_profiles").paginate(PaginationConfig={"PageSize": 3}))
        assert len(pages) == -(-len(everything) // 3)
        paged = [p["inferenceProfileId"] for page in pages for p in page["inferenceProfileSummaries"]]
        assert paged == [p["inferenceProfileId"] for p in everything]

    def test_application_type_is_empty(self, bedrock: Any) -> None:
        assert bedrock.list_inference_profiles(typeEquals="APPLICATION")["inferenceProfileSummaries"] == []

    def test_get_profile(self, bedrock: Any) -> None:
        profile = bedrock.get_inference_profile(inferenceProfileIdentifier="us." + MODEL_BASE)
        assert profile["inferenceProfileName"] == f"US Anthropic {MODEL.display_name}"
        assert profile["inferenceProfileArn"] == \
            f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{MODEL_BASE}"
        regions = [m["modelArn"].split(":")[3] for m in profile["models"]]
        assert regions == list(catalog.geography("us").destination_regions)
        assert (profile["status"], profile["type"]) == ("ACTIVE", "SYSTEM_DEFINED")
        by_arn = bedrock.get_inference_profile(inferenceProfileIdentifier=profile["inferenceProfileArn"])
        assert by_arn["inferenceProfileId"] == profile["inferenceProfileId"]

    def test_get_profile_of_another_geography(self, bedrock: Any) -> None:
        with pytest.raises(ClientError) as e:
            bedrock.get_inference_profile(inferenceProfileIdentifier="eu." + MODEL_BASE)
        assert error_of(e)[0] == "ResourceNotFoundException"


class TestAvailability:
    """GetFoundationModelAvailability: a free way to check model access without invoking."""

    def test_authorized_then_revoked(self, bedrock: Any, emulator: Emulator) -> None:
        found = bedrock.get_foundation_model_availability(modelId=MODEL_BASE)
        assert (found["authorizationStatus"], found["regionAvailability"]) == ("AUTHORIZED", "AVAILABLE")
        assert found["agreementAvailability"]["status"] == "AVAILABLE"
        emulator.revoke_access("all")
        assert bedrock.get_foundation_model_availability(modelId=MODEL_BASE)["authorizationStatus"] == \
            "NOT_AUTHORIZED"

    def test_not_in_region(self, aws_env: dict[str, str]) -> None:
        found = bedrock_in("eu-west-1").get_foundation_model_availability(
            modelId="anthropic.claude-opus-4-1-20250805-v1:0")
        assert found["regionAvailability"] == "NOT_AVAILABLE"


class TestLoggingConfiguration:
    """Get/Put/DeleteModelInvocationLoggingConfiguration."""

    def test_round_trip(self, emulator: Emulator, bedrock: Any) -> None:
        # The destinations must exist and let Bedrock write (test_log_destinations.py); made as AWS's docs make them.
        config = destinations(emulator).config()
        try:
            assert "loggingConfig" not in bedrock.get_model_invocation_logging_configuration()
            bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
            assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == config
        finally:
            bedrock.delete_model_invocation_logging_configuration()
        assert "loggingConfig" not in bedrock.get_model_invocation_logging_configuration()

    def test_needs_a_destination(self, bedrock: Any) -> None:
        with pytest.raises(ClientError) as e:
            bedrock.put_model_invocation_logging_configuration(loggingConfig={"textDataDeliveryEnabled": True})
        assert error_of(e)[0] == "ValidationException"


class TestFollowsTheCatalog:
    """Every live model of the catalog is listed where it is offered, with each profile its callers may use."""

    @pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-northeast-1", "ap-southeast-2"])
    def test_models_and_profiles(self, aws_env: dict[str, str], region: str) -> None:
        today = dt.date.today()
        live = [m for m in catalog.models() if m.offered_in(region) and m.lifecycle(today) != catalog.END_OF_LIFE]
        client = bedrock_in(region)
        listed = {s["modelId"]: s for s in client.list_foundation_models()["modelSummaries"]}
        assert set(listed) == {m.base_id for m in live}
        for m in live:
            assert listed[m.base_id]["modelLifecycle"]["status"] == m.lifecycle(today)
        profiles = {p["inferenceProfileId"] for p in client.list_inference_profiles()["inferenceProfileSummaries"]}
        assert profiles == {m.profile_id(g) for m in live for g in m.usable_geographies(region)}

    def test_the_newest_models_are_there(self, bedrock: Any) -> None:
        listed = {s["modelId"] for s in bedrock.list_foundation_models()["modelSummaries"]}
        newest = [m for m in catalog.models() if m.page == "current" and m.offered_in("us-east-1")]
        assert newest and {m.base_id for m in newest} <= listed
