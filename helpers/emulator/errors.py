"""Bedrock's errors: codes, HTTP statuses and the exact messages users see (wire spec §3).

Each factory returns a :class:`BedrockError`; the server renders it as Bedrock does (status,
``x-amzn-ErrorType``, ``{"message": …}``) or, mid-stream, as an event-stream exception frame.
Messages marked [3p] come from captures in public issues; those marked [emulator] are our
wording where no capture of Bedrock's exact text was found.
"""

from __future__ import annotations

from dataclasses import dataclass

_ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"

STATUS = {
    "ValidationException": 400,
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
    return validation("The provided model doesn't support counting tokens.")  # [3p]


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
    return validation(f"Invalid API version: {value}")  # [3p, boto3#4218]


def temperature_and_top_p() -> BedrockError:
    return model_error("`temperature` and `top_p` cannot both be specified for this model. "
                       "Please use only one.")


def prompt_too_long(tokens: int, limit: int) -> BedrockError:
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
