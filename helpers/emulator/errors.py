"""Bedrock's errors: codes, HTTP statuses and the exact messages users see (wire spec §3).

Each factory returns a :class:`BedrockError`; the server renders it as Bedrock does (status,
``x-amzn-ErrorType``, ``{"message": …}``) or, mid-stream, as an event-stream exception frame.
Messages marked [3p] come from captures in public issues; those marked [emulator] are our
wording where no capture of Bedrock's exact text was found.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import catalog

_ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"

STATUS = {
    "ValidationException": 400,
    "ConflictException": 400,              # bedrock's model: HTTP 400, not 409 (I-facts Q1, H)
    "ServiceQuotaExceededException": 400,  # likewise
    "AccessDeniedException": 403,
    "UnrecognizedClientException": 403,
    "InvalidSignatureException": 403,
    "MissingAuthenticationTokenException": 403,
    "ResourceNotFoundException": 404,
    "UnknownOperationException": 404,
    "ModelTimeoutException": 408,
    "ModelErrorException": 424,
    "ThrottlingException": 429,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
}


@dataclass
class BedrockError(Exception):
    """An error Bedrock would return; ``code`` selects botocore's modeled exception class."""

    code: str
    message: str
    body_key: str = "message"  # the bearer-key failure uses "Message" [3p]

    @property
    def status(self) -> int:
        return STATUS[self.code]

    @property
    def error_type_header(self) -> str:
        return self.code + _ERROR_TYPE_SUFFIX

    @property
    def stream_exception_type(self) -> str:
        """The lowerCamel ``:exception-type`` of a mid-stream exception frame."""
        return self.code[0].lower() + self.code[1:]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def validation(message: str) -> BedrockError:
    return BedrockError("ValidationException", message)


def model_error(message: str) -> BedrockError:
    """A validation error the model (not Bedrock's front end) reports."""
    return validation("The model returned the following errors: " + message)


# --- model identifiers and access -----------------------------------------------------------

def invalid_model_identifier() -> BedrockError:
    return validation("The provided model identifier is invalid.")


def on_demand_not_supported(model_id: str) -> BedrockError:
    # Every raw capture uses U+2019 in "isn’t" [3p].
    return validation(
        f"Invocation of model ID {model_id} with on-demand throughput isn\u2019t supported. Retry "
        "your request with the ID or ARN of an inference profile that contains this model."
    )


def end_of_life() -> BedrockError:
    return BedrockError(
        "ResourceNotFoundException",
        "This model version has reached the end of its life. Please refer to the AWS documentation "
        "for more details.",
    )


def access_denied() -> BedrockError:
    return BedrockError("AccessDeniedException",
                        "You don't have access to the model with the specified model ID.")


def model_id_pattern(model_id: str, pattern: str) -> BedrockError:
    return validation(
        f"1 validation error detected: Value '{model_id}' at 'modelId' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {pattern}"
    )


def count_tokens_unsupported() -> BedrockError:
    # [3p] measured on bedrock-runtime for profile ids and Opus 4.7+/Sonnet 5+ (2026-07/08; seen with and without
    # the final period; M).
    return validation("The provided model doesn't support counting tokens.")


# --- the account's access to a model (issue F: model access as it works today) ---------------------------

def legacy_not_in_use() -> BedrockError:
    # [3p] pasted from Bedrock by many users in 2026 (M): "30 days" since May 2026 ("15 days" in March). The text
    # lives in the catalog with its source: catalog.general("legacy_inactivity_days").
    return BedrockError("ResourceNotFoundException", catalog.general("legacy_inactivity_days").quote)


def marketplace_denied() -> BedrockError:
    # [3p] relayed by LiteLLM (ministryofjustice/modernisation-platform-environments#18323, 2026-08; M); AWS's
    # model-access page documents the AccessDeniedException and the three aws-marketplace permissions (H).
    return BedrockError(
        "AccessDeniedException",
        "Model access is denied due to IAM user or service role is not authorized to perform the required AWS "
        "Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to "
        "this model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace "
        "subscription for this model cannot be completed at this time. If you recently fixed this issue, try "
        "again after 5 minutes.")


def use_case_missing() -> BedrockError:
    # [3p] pasted from Bedrock in 2026 (full text in one capture, the first two sentences in several; M).
    return BedrockError(
        "ResourceNotFoundException",
        "Model use case details have not been submitted for this account. Fill out the Anthropic use case "
        "details form before using the model. If you have already filled out the form, try again in 15 minutes.")


EXAMPLE_SCP_ARN = "arn:aws:organizations::123456789012:policy/o-exampleorgid/service_control_policy/p-examplescp"


def scp_denied(caller_arn: str, action: str, base_id: str) -> BedrockError:
    # [3p] aws-samples/sample-badgers#33 and amazon-bedrock-copilot-chat#396 (2026-03; M): a global. profile
    # needs the region-less foundation-model ARN, which an SCP on aws:RequestedRegion denies. The policy ARN is
    # an example in AWS's documented format.
    return BedrockError(
        "AccessDeniedException",
        f"User: {caller_arn} is not authorized to perform: bedrock:{action} on resource: "
        f"arn:aws:bedrock:::foundation-model/{base_id} with an explicit deny in a service control policy: "
        f"{EXAMPLE_SCP_ARN}")


def not_invited(display_name: str) -> BedrockError:
    # [emulator wording]; one 2026 capture for gated models says only "not available for this account" (L).
    return BedrockError(
        "AccessDeniedException",
        f"This model is not available for this account: {display_name} is offered by invitation only, to "
        "organizations Anthropic has approved.")


def opt_in_missing(display_name: str, opt_in: str) -> BedrockError:
    return BedrockError(  # [emulator wording]: no capture of the refusal was found
        "AccessDeniedException",
        f"{display_name} requires the account to opt in to {opt_in} (sharing data with the model provider) "
        "before it can be used. Opt in, then try again.")


# --- request bodies -----------------------------------------------------------------------

def malformed(violations: list[str] | None = None) -> BedrockError:
    """``Malformed input request: #: required key [x] not found#: …, please reformat …``."""
    if not violations:
        return validation("Malformed input request, please reformat your input and try again.")
    return validation(
        "Malformed input request: " + "".join(violations) + ", please reformat your input and try again."
    )


def body_too_large(limit: int) -> BedrockError:
    return validation(
        "1 validation error detected: Value at 'body' failed to satisfy constraint: Member must "
        f"have length less than or equal to {limit}"
    )


def invalid_api_version(value: object) -> BedrockError:
    # [3p] boto/boto3#4218 (2024) captured this text for another bad value (H as a capture of that case). For
    # "2026-10-21" on a model that does not take it Anthropic documents only "a 400 error"; that Bedrock words it
    # the same way is inferred (L).
    return validation(f"Invalid API version: {value}")


# --- what API version 2026-10-21 removes (Anthropic's versioning page; rules H) ------------------------

def extra_input(param: str) -> BedrockError:
    # [3p] Anthropic's own API with 2026-10-21 (Qiita/Synthorai test, MinusPod v2.101.10 notes; M); how Bedrock
    # wraps it on Opus 4.7+ is not captured.
    return validation(f"{param}: Extra inputs are not permitted")


def document_in_assistant(where: str) -> BedrockError:
    return validation(  # [emulator wording]; the rule is Anthropic's versioning page (H)
        f"{where}: API version {catalog.NEW_API_VERSION} does not accept a document block in an assistant "
        "message. Move the document to a user message.")


def citations_in_user(where: str) -> BedrockError:
    return validation(  # [emulator wording]; the rule is Anthropic's versioning page (H)
        f"{where}.citations: API version {catalog.NEW_API_VERSION} does not accept a text block with citations "
        "in a user message. Remove the citations, or send the text without them.")


# --- model rules (whatever the API version) ---------------------------------------------------------

def sampling_deprecated(param: str) -> BedrockError:
    # [3p] "`temperature` is deprecated for this model." pasted from Bedrock (InvokeModel and Converse, Opus 4.7
    # to Opus 5, Apr-Aug 2026; M). No capture for top_p or top_k alone: the same form by analogy (L).
    return model_error(f"`{param}` is deprecated for this model.")


def thinking_unsupported(kind: str, modes: tuple[str, ...]) -> BedrockError:
    """``thinking.type`` = ``kind`` refused; the advice names what the model does take."""
    # [3p] for "enabled" on adaptive-only models, Bedrock's exact text (amazon-bedrock-copilot-chat#526, and
    # Anthropic's first-party text is identical; M). "disabled" on adaptive-only models and "adaptive" on
    # budget-only ones: the same form, [emulator wording] (AWS documents only the 400).
    if "adaptive" in modes:
        advice = ' Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'
    elif "enabled" in modes:
        advice = ' Use "thinking.type.enabled" and "thinking.budget_tokens" to control thinking behavior.'
    else:
        advice = " This model does not support extended thinking."
    return model_error(f'"thinking.type.{kind}" is not supported for this model.' + advice)


def temperature_and_top_p() -> BedrockError:
    return model_error("`temperature` and `top_p` cannot both be specified for this model. "
                       "Please use only one.")


def prompt_too_long(tokens: int, limit: int) -> BedrockError:
    # Anthropic's first-party text (continuedev#11371, 2026-03; M). Bedrock's own captures on Claude 4.5 say
    # "Input is too long for requested model." (M); the emulator keeps Anthropic's, whose figures
    # helpers.errors.explain and the long-context lesson read (a learner sees how far over the window they are).
    return validation(f"prompt is too long: {tokens} tokens > {limit} maximum")


def max_tokens_too_large(requested: int, limit: int, api_name: str) -> BedrockError:
    # Anthropic's message, passed through by Bedrock.
    return validation(f"max_tokens: {requested} > {limit}, which is the maximum allowed number of "
                      f"output tokens for {api_name}")


def invalid_beta() -> BedrockError:
    return validation("invalid beta flag")  # [3p]


# --- Converse -----------------------------------------------------------------------------

def converse_roles_alternate() -> BedrockError:
    return validation("A conversation must alternate between user and assistant roles. Make sure "
                      "the conversation alternates between user and assistant roles and try again.")


def converse_empty_content(index: int) -> BedrockError:
    return validation(f"The content field in the Message object at messages.{index} is empty. Add a "
                      "ContentBlock object to the content field and try again.")


def converse_blank_text(path: str) -> BedrockError:
    return validation(f"The text field in the ContentBlock object at {path} is blank. Add text to "
                      "the text field, and try again.")


def document_name() -> BedrockError:
    return validation(
        "The document file name can only contain alphanumeric characters, whitespace characters, "
        "hyphens, parentheses, and square brackets. The name can't contain more than one "
        "consecutive whitespace character. Check that the file name conforms to these restrictions "
        "and retry your request."
    )


def too_many_documents() -> BedrockError:
    return validation("You can't include more than 5 documents in a request.")  # [3p]


def duplicate_document_names() -> BedrockError:
    return validation("Messages can't contain duplicate document names.")  # [3p]


def document_needs_text(index: int) -> BedrockError:
    return validation(  # [emulator] wording
        f"The message at messages.{index} contains a document but no text block. A message with a "
        "document must also contain a text block with your question; add one and try again."
    )


def media_outside_user(index: int, kind: str) -> BedrockError:
    return validation(  # [emulator] wording
        f"The message at messages.{index} has role assistant but contains a {kind} block. "
        f"{kind.capitalize()} blocks are only allowed in user messages."
    )


# --- throughput and faults ----------------------------------------------------------------

def throttling(message: str = "Too many requests, please wait before trying again.") -> BedrockError:
    return BedrockError("ThrottlingException", message)


def model_timeout() -> BedrockError:
    return BedrockError("ModelTimeoutException",
                        "Model has timed out in processing the request. Try your request again.")


def internal() -> BedrockError:
    return BedrockError("InternalServerException",
                        "The system encountered an unexpected error during processing. Try your "
                        "request again.")


# --- authentication -----------------------------------------------------------------------

def missing_authentication() -> BedrockError:
    return BedrockError("MissingAuthenticationTokenException", "Missing Authentication Token")


def unrecognized_client() -> BedrockError:
    return BedrockError("UnrecognizedClientException",
                        "The security token included in the request is invalid.")


def invalid_signature(detail: str | None = None) -> BedrockError:
    return BedrockError(
        "InvalidSignatureException",
        detail or "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation "
        "for details.",
    )


def bearer_invalid() -> BedrockError:
    return BedrockError("AccessDeniedException",
                        "Authentication failed: Please make sure your API Key is valid.",
                        body_key="Message")


def not_found(message: str) -> BedrockError:
    return BedrockError("ResourceNotFoundException", message)


# --- structured outputs and betas (issue H) ----------------------------------------------------------

def structured_outputs_unsupported(where: str) -> BedrockError:
    # H-facts 1e/4c (M): "Extra inputs are not permitted" measured on Claude 5-generation models on InvokeModel,
    # Converse and runtime /anthropic (ADR-026); the field path in front is Claude's pydantic form, as
    # extra_input words it. Unwrapped on InvokeModel as extra_input is (Converse adds the model's wrapper).
    return validation(f"{where}: Extra inputs are not permitted")


def output_format_twice() -> BedrockError:
    return validation(  # [emulator wording]: no capture of both forms in one request
        "output_format is deprecated and cannot be used together with output_config.format: send the schema in "
        "output_config.format only.")


def converse_schema_not_json(where: str, problem: str) -> BedrockError:
    return validation(  # [emulator wording]: no capture; the service model types the schema as a JSON string
        f"The JSON schema at {where} is not valid JSON ({problem}). Send the schema as a JSON document serialized "
        "to a string, e.g. json.dumps(schema).")


def context_management_edit(where: str, kind: object, known: tuple[str, ...]) -> BedrockError:
    shown = kind if isinstance(kind, str) else type(kind).__name__
    return validation(  # [emulator wording] in Claude's pydantic form for a tagged union (as blocks.py words it)
        f"{where}: Input tag '{shown}' found using 'type' does not match any of the expected tags: "
        f"{', '.join(repr(k) for k in known)}")
