"""Bedrock's rules, each asserted by error code, HTTP status and exact message, through boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import (
    MODEL,
    MODEL_BASE,
    MODEL_GLOBAL,
    MODEL_US,
    SMALL_US,
    SONNET_45_US,
    claude_body,
    error_of,
    runtime_in,
    signed_request,
)
from helpers import catalog
from helpers.emulator import Emulator

BETA_1M = catalog.CONTEXT_1M_BETA
VALIDATION, INVALID_ID = "ValidationException", "The provided model identifier is invalid."
ON_DEMAND = (f"Invocation of model ID {MODEL_BASE} with on-demand throughput "
             "isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that "
             "contains this model.")


def invoke_error(client: Any, model_id: str, body: str | bytes) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as e:
        client.invoke_model(body=body, modelId=model_id)
    return error_of(e)


def converse_error(client: Any, model_id: str = MODEL_US, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as e:
        client.converse(modelId=model_id, **kwargs)
    return error_of(e)


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def pdf_doc(name: str) -> dict[str, Any]:
    return {"document": {"format": "txt", "name": name, "source": {"bytes": b"Some text."}}}


class TestModelIdentifiers:
    """Which id works from which region (pain points 1, 4 and 5)."""

    def test_bare_id_of_profile_only_model(self, runtime: Any) -> None:
        assert invoke_error(runtime, MODEL_BASE, claude_body()) == (VALIDATION, ON_DEMAND, 400)

    def test_bare_id_of_profile_only_model_in_converse(self, runtime: Any) -> None:
        code, message, _ = converse_error(runtime, MODEL_BASE, messages=[user({"text": "hi"})])
        assert (code, message) == (VALIDATION, ON_DEMAND)

    def test_geo_profile_from_outside_its_geography(self, aws_env: dict[str, str]) -> None:
        """jp. works only from Japanese source regions; the region comes from the signature."""
        body = claude_body()
        jp = "jp." + MODEL_BASE
        assert invoke_error(runtime_in("us-east-1"), jp, body) == (VALIDATION, INVALID_ID, 400)
        response = runtime_in("ap-northeast-1").invoke_model(body=body, modelId=jp)
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200

    def test_profile_that_does_not_exist(self, aws_env: dict[str, str]) -> None:
        """The catalog (after the guide's table): the lesson model has no apac. profile."""
        assert "apac" not in MODEL.geographies
        client = runtime_in("ap-southeast-1")
        assert invoke_error(client, "apac." + MODEL_BASE, claude_body()) == (VALIDATION, INVALID_ID, 400)
        assert client.invoke_model(body=claude_body(), modelId=MODEL_GLOBAL)["body"].read()

    def test_model_not_offered_in_region(self, aws_env: dict[str, str]) -> None:
        """Opus 4.1 only has a us. profile: from eu-west-1 its bare id is simply unknown."""
        client = runtime_in("eu-west-1")
        assert invoke_error(client, "anthropic.claude-opus-4-1-20250805-v1:0", claude_body()) == \
            (VALIDATION, INVALID_ID, 400)

    def test_arn_for_another_region(self, runtime: Any) -> None:
        arn = f"arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{MODEL_BASE}"
        assert invoke_error(runtime, arn, claude_body()) == (VALIDATION, INVALID_ID, 400)

    def test_unknown_and_anthropic_api_names(self, runtime: Any) -> None:
        for model_id in ("claude-sonnet-4-5-20250929", "anthropic.claude-opus-4-6-v1:0", "global.anthropic.claude-7"):
            assert invoke_error(runtime, model_id, claude_body()) == (VALIDATION, INVALID_ID, 400)

    def test_end_of_life(self, runtime: Any, emulator: Emulator) -> None:
        """Sonnet 4 (the guide's other global. example) reached end of life on 2026-10-14."""
        emulator.account(legacy_use=True)  # the day before, it was Legacy: an account still using it
        emulator.set_date("2026-10-14")
        assert invoke_error(runtime, "global.anthropic.claude-sonnet-4-20250514-v1:0", claude_body()) == (
            "ResourceNotFoundException",
            "This model version has reached the end of its life. Please refer to the AWS documentation "
            "for more details.", 404)
        emulator.set_date("2026-10-13")
        assert runtime.invoke_model(body=claude_body(), modelId="global.anthropic.claude-sonnet-4-20250514-v1:0")

    def test_id_failing_the_service_pattern(self, emulator: Emulator) -> None:
        r = signed_request(emulator.url, "POST", "/model/%3F%3F%3F/invoke", claude_body().encode())
        assert r.status == 400 and r.headers["x-amzn-errortype"].startswith("ValidationException:")
        assert json.loads(r.data)["message"].startswith(
            "1 validation error detected: Value '???' at 'modelId' failed to satisfy constraint")

    def test_access_denied(self, runtime: Any, emulator: Emulator) -> None:
        emulator.revoke_access(MODEL.key)
        assert invoke_error(runtime, MODEL_US, claude_body()) == (
            "AccessDeniedException", "You don't have access to the model with the specified model ID.", 403)
        assert runtime.invoke_model(body=claude_body(), modelId=SMALL_US)
        emulator.grant_access(MODEL.key)
        assert runtime.invoke_model(body=claude_body(), modelId=MODEL_US)

    def test_count_tokens_needs_a_foundation_model_id(self, runtime: Any) -> None:
        with pytest.raises(ClientError) as e:
            runtime.count_tokens(modelId=MODEL_US, input={"invokeModel": {"body": claude_body().encode()}})
        assert error_of(e) == (VALIDATION, "The provided model doesn't support counting tokens.", 400)


class TestInvokeModelBody:
    """The closed schema and Claude's own checks (pain points 8 and 10)."""

    def malformed(self, *violations: str) -> str:
        return "Malformed input request: " + "".join(violations) + ", please reformat your input and try again."

    def test_missing_max_tokens(self, runtime: Any) -> None:
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "messages": [{"role": "user", "content": "x"}]})
        assert invoke_error(runtime, MODEL_US, body) == (
            VALIDATION, self.malformed("#: required key [max_tokens] not found"), 400)

    def test_first_party_payload_keys(self, runtime: Any) -> None:
        """``model`` and ``stream`` carried over from an Anthropic API payload are extraneous."""
        body = json.dumps({"model": "claude-sonnet-4-5", "stream": True, "max_tokens": 10,
                           "messages": [{"role": "user", "content": "x"}]})
        assert invoke_error(runtime, MODEL_US, body)[1] == self.malformed(
            "#: required key [anthropic_version] not found", "#: extraneous key [model] is not permitted",
            "#: extraneous key [stream] is not permitted")

    @pytest.mark.parametrize("version", ["", "bedrock-2023-05-30", "2023-06-01x"])
    def test_wrong_anthropic_version(self, runtime: Any, version: str) -> None:
        body = json.dumps({**json.loads(claude_body()), "anthropic_version": version})
        assert invoke_error(runtime, MODEL_US, body) == (VALIDATION, f"Invalid API version: {version}", 400)

    def test_wrong_types(self, runtime: Any) -> None:
        body = json.dumps({**json.loads(claude_body()), "max_tokens": "256"})
        assert invoke_error(runtime, MODEL_US, body)[1] == self.malformed(
            "#/max_tokens: expected type: Integer, found: String")

    @pytest.mark.parametrize("raw", [b"not json", b"{", b"\xff\xfe", b""])
    def test_malformed_json(self, runtime: Any, raw: bytes) -> None:
        assert invoke_error(runtime, MODEL_US, raw) == (
            VALIDATION, "Malformed input request, please reformat your input and try again.", 400)

    def test_roles_must_alternate(self, runtime: Any) -> None:
        body = json.dumps({**json.loads(claude_body()), "messages": [
            {"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})
        assert invoke_error(runtime, MODEL_US, body)[1] == (
            'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row')

    def test_empty_content(self, runtime: Any) -> None:
        body = json.dumps({**json.loads(claude_body()), "messages": [{"role": "user", "content": []}]})
        assert invoke_error(runtime, MODEL_US, body)[1] == (
            "messages.0: all messages must have non-empty content except for the optional final assistant message")

    def test_empty_final_assistant_message_is_allowed(self, runtime: Any) -> None:
        body = json.dumps({**json.loads(claude_body()), "messages": [
            {"role": "user", "content": "a"}, {"role": "assistant", "content": ""}]})
        assert runtime.invoke_model(body=body, modelId=MODEL_US)

    def test_temperature_and_top_p(self, runtime: Any, emulator: Emulator) -> None:
        body = claude_body(temperature=0.5, top_p=0.9)
        assert invoke_error(runtime, MODEL_US, body) == (
            VALIDATION, "The model returned the following errors: `temperature` and `top_p` cannot both be "
            "specified for this model. Please use only one.", 400)
        # Older models (here Opus 4.1, Legacy: an account still using it) still accept both.
        emulator.account(legacy_use=True)
        assert runtime.invoke_model(body=body, modelId="us.anthropic.claude-opus-4-1-20250805-v1:0")

    def test_max_tokens_above_model_limit(self, runtime: Any) -> None:
        limit = MODEL.max_output_tokens
        assert invoke_error(runtime, MODEL_US, claude_body(max_tokens=limit + 1)) == (
            VALIDATION, f"max_tokens: {limit + 1} > {limit}, which is the maximum allowed number of output tokens "
            f"for {MODEL.api_name}", 400)

    def test_body_over_25_mb(self, runtime: Any) -> None:
        body = claude_body("x" * 25_000_000)
        assert invoke_error(runtime, MODEL_US, body) == (
            VALIDATION, "1 validation error detected: Value at 'body' failed to satisfy constraint: Member "
            "must have length less than or equal to 25000000", 400)

    def test_url_sources_are_not_supported(self, runtime: Any) -> None:
        body = json.dumps({**json.loads(claude_body()), "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
            {"type": "text", "text": "what is this?"}]}]})
        message = invoke_error(runtime, MODEL_US, body)[1]
        assert message == "URL content sources are not yet supported for this model"


class TestContextWindow:
    """200K on older models, 1M natively on 4.6 and later; the guide's 1M beta as Bedrock reads it today."""

    def test_prompt_too_long(self, runtime: Any) -> None:
        code, message, status = invoke_error(runtime, SMALL_US, claude_body("x" * 800_100))
        assert (code, status) == (VALIDATION, 400)
        assert message == "prompt is too long: 200032 tokens > 200000 maximum"

    @pytest.mark.parametrize("betas", [[], [BETA_1M]], ids=["no-beta", "beta-ignored"])
    def test_native_1m(self, runtime: Any, betas: list[str]) -> None:
        body = claude_body("x" * 800_100, **({"anthropic_beta": betas} if betas else {}))
        message = json.loads(runtime.invoke_model(body=body, modelId=MODEL_US)["body"].read())
        assert message["usage"]["input_tokens"] == 200_032

    def test_1m_has_its_own_limit(self, runtime: Any) -> None:
        body = claude_body("x" * 4_000_100, anthropic_beta=[BETA_1M])
        assert invoke_error(runtime, MODEL_US, body)[1] == "prompt is too long: 1000032 tokens > 1000000 maximum"

    def test_beta_on_a_model_without_it(self, runtime: Any) -> None:
        body = claude_body(anthropic_beta=[BETA_1M])
        assert invoke_error(runtime, SMALL_US, body) == (VALIDATION, "invalid beta flag", 400)

    def test_retired_beta_has_no_effect(self, runtime: Any, emulator: Emulator) -> None:
        """Sonnet 4.5: the beta is accepted but, since 2026-04-30, no longer widens the 200K window."""
        emulator.account(legacy_use=True)
        assert runtime.invoke_model(body=claude_body(anthropic_beta=[BETA_1M]), modelId=SONNET_45_US)
        body = claude_body("x" * 800_100, anthropic_beta=[BETA_1M])
        assert invoke_error(runtime, SONNET_45_US, body)[1] == "prompt is too long: 200032 tokens > 200000 maximum"

    def test_unknown_beta(self, runtime: Any) -> None:
        assert invoke_error(runtime, MODEL_US, claude_body(anthropic_beta=["made-up-2030-01-01"]))[1] == \
            "invalid beta flag"

    def test_beta_header_is_not_what_bedrock_reads(self, emulator: Emulator) -> None:
        """Only the body's anthropic_beta counts; the anthropic-beta header alone is ignored (on a model that
        refuses the beta in the body, the header gets the window's error, not the beta's)."""
        r = signed_request(emulator.url, "POST", f"/model/{SMALL_US}/invoke",
                           claude_body("x" * 800_100).encode(), headers={"anthropic-beta": BETA_1M})
        assert r.status == 400 and b"prompt is too long" in r.data

    def test_converse_beta_via_additional_fields(self, runtime: Any) -> None:
        messages = [user({"text": "x" * 800_100})]
        assert "prompt is too long" in converse_error(runtime, SMALL_US, messages=messages)[1]
        assert converse_error(runtime, SMALL_US, messages=messages,
                              additionalModelRequestFields={"anthropic_beta": [BETA_1M]})[1] == \
            "The model returned the following errors: invalid beta flag"
        response = runtime.converse(modelId=MODEL_US, messages=messages,
                                    additionalModelRequestFields={"anthropic_beta": [BETA_1M]})
        assert response["usage"]["inputTokens"] > 200_000


class TestConverseRules:
    """Converse's own checks (pain point 11)."""

    def test_roles_must_alternate(self, runtime: Any) -> None:
        messages = [user({"text": "a"}), user({"text": "b"})]
        assert converse_error(runtime, messages=messages)[1] == (
            "A conversation must alternate between user and assistant roles. Make sure the conversation "
            "alternates between user and assistant roles and try again.")

    def test_must_start_with_user(self, runtime: Any) -> None:
        messages = [{"role": "assistant", "content": [{"text": "a"}]}]
        message = converse_error(runtime, messages=messages)[1]
        assert message.startswith("A conversation must start with a user message.")

    def test_empty_content(self, runtime: Any) -> None:
        assert converse_error(runtime, messages=[{"role": "user", "content": []}])[1] == (
            "The content field in the Message object at messages.0 is empty. Add a ContentBlock object to "
            "the content field and try again.")

    def test_blank_text(self, runtime: Any) -> None:
        assert converse_error(runtime, messages=[user({"text": "  "})])[1] == (
            "The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the "
            "text field, and try again.")

    @pytest.mark.parametrize("name", ["report.pdf", "two  spaces", "tab\there", "報告書", "it's", "a&b"])
    def test_document_name_rule(self, runtime: Any, name: str) -> None:
        code, message, _ = converse_error(runtime, messages=[user({"text": "Summarize"}, pdf_doc(name))])
        assert code == VALIDATION and message.startswith(
            "The document file name can only contain alphanumeric characters, whitespace characters, hyphens, "
            "parentheses, and square brackets.")

    @pytest.mark.parametrize("name", ["report", "Q3 report (final) [v2]", "report-2026_11"])
    def test_good_document_names(self, runtime: Any, name: str) -> None:
        assert runtime.converse(modelId=MODEL_US, messages=[user({"text": "Summarize"}, pdf_doc(name))])

    def test_document_needs_a_text_block(self, runtime: Any) -> None:
        code, message, _ = converse_error(runtime, messages=[user(pdf_doc("report"))])
        assert code == VALIDATION and "must also contain a text block" in message

    def test_at_most_five_documents(self, runtime: Any) -> None:
        docs = [pdf_doc(f"doc{i}") for i in range(6)]
        assert converse_error(runtime, messages=[user({"text": "compare"}, *docs)])[1] == \
            "You can't include more than 5 documents in a request."
        assert runtime.converse(modelId=MODEL_US, messages=[user({"text": "compare"}, *docs[:5])])

    def test_duplicate_document_names(self, runtime: Any) -> None:
        messages = [user({"text": "compare"}, pdf_doc("same"), pdf_doc("same"))]
        assert converse_error(runtime, messages=messages)[1] == "Messages can't contain duplicate document names."

    def test_documents_only_in_user_turns(self, runtime: Any) -> None:
        messages = [user({"text": "a"}), {"role": "assistant", "content": [{"text": "b"}, pdf_doc("report")]},
                    user({"text": "c"})]
        code, message, _ = converse_error(runtime, messages=messages)
        assert code == VALIDATION and "only allowed in user messages" in message

    def test_temperature_and_top_p(self, runtime: Any) -> None:
        message = converse_error(runtime, messages=[user({"text": "hi"})],
                                 inferenceConfig={"temperature": 0.2, "topP": 0.9})[1]
        assert message.startswith("The model returned the following errors: `temperature` and `top_p`")

    def test_unknown_additional_field(self, runtime: Any) -> None:
        message = converse_error(runtime, messages=[user({"text": "hi"})],
                                 additionalModelRequestFields={"frobnicate": True})[1]
        assert message == ("The model returned the following errors: Malformed input request: #: extraneous key "
                           "[frobnicate] is not permitted, please reformat your input and try again.")
