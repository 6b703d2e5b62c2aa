"""Explain a Bedrock error in one line, with the exact fix: ``print(explain(e))`` or just ``explain(e)``.

``explain`` accepts what boto3 and the Anthropic SDK raise when calling Claude on Bedrock (botocore
``ClientError``/``EventStreamError``, ``ReadTimeoutError``, ``NoRegionError``, the credential errors…,
anthropic ``APIStatusError`` and subclasses, ``APITimeoutError``) and any other exception, also when it
wraps the real cause (``raise ... from e``). It also reads text: a failed command's output (a
``subprocess.CalledProcessError``, or the string a ``!npx tsx``/``!aws`` cell printed), which is how the
TypeScript SDK and the AWS CLI report errors to Python. It reads the error code and the service's
message, then looks them up in :data:`RULES`: one entry per known case, each with the number of the
pain point it answers (shared/reference/pain-points.md). Model ids and names in the fixes come from
:mod:`helpers.catalog`. :func:`credentials_problem` says, without raising, why boto3 finds no usable
credentials.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from . import catalog, retries
from .connection import REGION_SUMMARY
from .doctor import BOTO3_REQUIREMENT, sdk_pin
from .i18n import N_, _

__all__ = ["MARKETPLACE_FIX", "RULES", "USE_CASE_FIX", "Explanation", "Rule", "credentials_explanation",
           "credentials_problem", "explain"]

# HTTP status -> Bedrock error code, for SDKs that drop x-amzn-ErrorType (wire spec §3.2, §3.3).
_CODE_BY_STATUS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}

# Anything that looks like a credential is masked before it is shown.
_SECRETS = (
    re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,}\b"),  # access key ids
    re.compile(r"\bABSK[A-Za-z0-9+/=]{20,}"),  # Bedrock API keys (bearer tokens): long-term
    re.compile(r"\bbedrock-api-key-[A-Za-z0-9+/=]{8,}"),  # and short-term
    re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])"),  # secret access keys
    re.compile(r"(?i)\b(?:Credential|Signature|X-Amz-Security-Token)=[^\s,&]+"),
    re.compile(r"(?i)\bBearer\s+\S+"),
)


@dataclass(frozen=True)
class Explanation:
    """What went wrong and what to do, for one exception."""

    code: str
    message: str
    title: str
    fix: str
    pain_point: int | None
    recognised: bool

    def __str__(self) -> str:
        return f"{self.code}: {self.title}\n{self.fix}"

    def _repr_html_(self) -> str:
        e = html.escape
        colour = "#b45309" if self.recognised else "#6b7280"
        point = (" <small>" + e(_("(pain point {number})").format(number=self.pain_point)) + "</small>"
                 if self.pain_point else "")
        fix = "<br>".join(e(line) for line in self.fix.splitlines())
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px">'
            f"<div><strong>{e(self.code)}</strong>: {e(self.title)}{point}</div>"
            f"<div>{fix}</div>"
            f"<details><summary>{e(_('Service message'))}</summary><code>{e(self.message)}</code></details>"
            "</div>"
        )


Fix = str | Callable[[re.Match[str], str | None], str]


@dataclass(frozen=True)
class Rule:
    """One known error: its codes, a message pattern (None = any message), and what to say."""

    codes: tuple[str, ...]
    pattern: str | None
    pain_point: int | None
    title: str
    fix: Fix

    def match(self, code: str, message: str) -> re.Match[str] | None:
        if code not in self.codes:
            return None
        return re.search(self.pattern or "", message, re.IGNORECASE | re.DOTALL)


# --- fixes that need the catalog or the message ---------------------------------------------------

def _model_or_none(identifier: str | None) -> catalog.Model | None:
    if not identifier:
        return None
    try:
        return catalog.model(identifier)
    except LookupError:
        return None


def _active(m: catalog.Model) -> bool:
    return m.lifecycle() == catalog.ACTIVE


def _newest_active(family: str | None = None) -> catalog.Model | None:
    found = [m for m in catalog.models() if _active(m) and (family is None or family in m.key)]
    return max(found, key=lambda m: m.start_of_life or dt.date.min, default=None)


def _family(m: catalog.Model) -> str | None:
    return next((f for f in ("opus", "sonnet", "haiku") if f in m.key), None)


def _on_demand(match: re.Match[str], _model_id: str | None) -> str:
    base = match["model_id"].rstrip(".,")
    m = _model_or_none(base)
    geos = m.geographies if m else ("global", "us", "eu", "jp", "apac", "au")
    first = f"{geos[0]}.{m.base_id}" if m else f"global.{base}"
    others = ", ".join(f"`{g}.`" for g in geos[1:])
    return (f"Call an inference profile instead of the base id: modelId=\"{first}\""
            + (f" (or the {others} profile for your geography)." if others else ".")
            + "\nList the profiles your region offers with `aws bedrock list-inference-profiles`.")


def _invalid_identifier(_match: re.Match[str], model_id: str | None) -> str:
    m = _model_or_none(model_id)
    hint = ""
    if m:
        hint = f" {m.display_name} has profiles: {', '.join(m.profile_ids) or 'none'}."
        geography = catalog.resolve(model_id).geography if model_id else None
        if geography and geography != "global":
            regions = catalog.geography(geography).source_regions
            hint = (f" `{geography}.` profiles can be called only from {', '.join(regions)}: create the client "
                    f"in one of those regions, or use the prefix of yours.{hint}")
    return ("Wrong geography prefix for your region, or the model is not offered there: use the prefix of your "
            f"region's geography (`global.` works from most regions).{hint}\n"
            "List what your region offers with `aws bedrock list-inference-profiles --region <region>`.")


def _end_of_life(_match: re.Match[str], model_id: str | None) -> str:
    old = _model_or_none(model_id)
    new = _newest_active(_family(old) if old else None) or _newest_active()
    if new is None:
        return "Pick an active model: [m.key for m in helpers.catalog.models() if m.lifecycle() == 'ACTIVE']."
    ident = new.profile_ids[0] if new.profile_ids else new.base_id
    was = f"{old.display_name} is retired; switch" if old else "Switch"
    return (f"{was} to an active model, e.g. catalog.model(\"{new.key}\") -> \"{ident}\".\n"
            "Active models: [m.key for m in helpers.catalog.models() if m.lifecycle() == 'ACTIVE'].")


def _legacy(match: re.Match[str], model_id: str | None) -> str:
    old = _model_or_none(model_id)
    new = catalog.lesson("default")
    who = f"has used {old.display_name}" if old else "has used it"
    return (f"Move to an Active model, e.g. catalog.lesson(\"default\") -> {new.display_name}, "
            f"\"{new.profile_id(new.geographies[0])}\",\nor use an account that {who} in the last "
            f"{match['days']} days (offline: emulator.account(legacy_use=True) plays one).")


def _takes_new_version(family: str | None) -> catalog.Model | None:
    """An active, openly available model that accepts API version 2026-10-21 (same family when there is one)."""
    found = [m for m in catalog.models() if _active(m) and m.accepts_api_version(catalog.NEW_API_VERSION)
             and m.access == "open" and not m.opt_in and m.geographies and (family is None or family in m.key)]
    return min(found, key=lambda m: m.start_of_life or m.eol_not_before or dt.date.max, default=None)


def _new_api_version(_match: re.Match[str], model_id: str | None) -> str:
    old = _model_or_none(model_id)
    new = _takes_new_version(_family(old) if old else None) or _takes_new_version(None)
    instead = f", or call a model that takes it, e.g. \"{new.profile_id(new.geographies[0])}\"" if new else ""
    return (f"Your SDK sends it by default ({catalog.general('sdk_majors_sending_new_version').value} and later); "
            f"on Bedrock only {catalog.general('new_api_version_on_bedrock').value} models accept it.\n"
            f'Pin the SDK (pip install "{sdk_pin("anthropic")}"; npm install {sdk_pin("@anthropic-ai/bedrock-sdk")}), '
            f'or per request extra_body={{"anthropic_version": "{catalog.BEDROCK_API_VERSION}"}}{instead}.')


def _thinking_type(match: re.Match[str], model_id: str | None) -> str:
    kind = match["kind"]
    m = _model_or_none(model_id)
    takes = f" ({m.display_name} takes: {', '.join(m.thinking_modes)})" if m else ""
    if kind == "enabled":
        advice = ('Send thinking={"type": "adaptive"} and set the depth with output_config={"effort": "low" | '
                  '"medium" | "high"} instead of budget_tokens')
    elif kind == "disabled":
        advice = 'This model always thinks: leave thinking out, or send {"type": "adaptive"}'
    else:
        advice = 'Send thinking={"type": "enabled", "budget_tokens": 2048} (at least 1024, below max_tokens)'
    return f"{advice}{takes}.\nConverse: put it in additionalModelRequestFields."


def _scp_global(match: re.Match[str], model_id: str | None) -> str:
    m = _model_or_none(match["base_id"]) or _model_or_none(model_id)
    geos = [g for g in (m.geographies if m else ()) if g != "global"]
    example = f' (e.g. modelId="{m.profile_id(geos[0])}"; {", ".join(f"`{g}.`" for g in geos)})' if m and geos else ""
    return (f"Use a geographic profile for your region instead{example},\nor ask your admin to allow "
            '`aws:RequestedRegion` = "unspecified" (how global. requests are evaluated) for global. profiles.')


def _messages_model(match: re.Match[str], _model_id: str | None) -> str:
    """Which id, on which endpoint, serves the model a Messages API request named."""
    asked = match["model_id"]
    m = _model_or_none(asked)
    if m is None:
        example = catalog.lesson("08")
        return (f"{asked!r} is not a Claude model id the catalog knows. bedrock-mantle takes bare ids "
                f'(e.g. "{example.mantle_model_id}"); bedrock-runtime /anthropic takes inference-profile ids '
                f'(e.g. "{example.profile_id("global")}").')
    where = []
    if m.mantle_model_id:
        where.append(f'bedrock-mantle: model="{m.mantle_model_id}" (a bare id, no profile prefix)')
    if m.served_on("runtime-messages") and m.geographies:
        where.append(f'bedrock-runtime /anthropic: model="{m.profile_id(m.geographies[0])}" (a profile id)')
    if not where:
        return (f"{m.display_name} is not served by the Messages API: call it with InvokeModel or Converse on "
                f"bedrock-runtime (e.g. modelId=\"{m.profile_id(m.geographies[0]) if m.geographies else m.base_id}\"), "
                "or pick a model the Messages API serves: helpers.messages.endpoint_table().")
    return "Use the id that endpoint takes: " + "; ".join(where) + "."


def _count_tokens(_match: re.Match[str], model_id: str | None) -> str:
    m = _model_or_none(model_id)
    if m and m.count_tokens:
        return f'Pass the bare foundation-model id, not an inference profile: modelId="{m.base_id}".'
    example = catalog.lesson("default")
    named = f"{m.display_name} has no CountTokens on bedrock-runtime: " if m else ""
    return (f"{named}count with a model that has it, by its bare id (e.g. \"{example.base_id}\", never a profile),\n"
            "or use Anthropic's count_tokens on the bedrock-mantle endpoint, or estimate: "
            "helpers.tokens.estimate_tokens.")


_BODY_ADVICE = {
    ("required", "anthropic_version"): 'add "anthropic_version": "bedrock-2023-05-31"',
    ("required", "max_tokens"): 'add "max_tokens" (e.g. 1024); Bedrock has no default',
    ("required", "messages"): 'add "messages": [{"role": "user", "content": "..."}]',
    ("extraneous", "model"): 'remove "model" (the model goes in modelId, not the body)',
    ("extraneous", "stream"): 'remove "stream" (call invoke_model_with_response_stream to stream)',
}


def _malformed(match: re.Match[str], _model_id: str | None) -> str:
    detail = match["detail"] or ""
    steps = []
    for kind, key in re.findall(r"(required|extraneous) key \[([^\]]+)\]", detail):
        default = f'add "{key}"' if kind == "required" else f'remove "{key}" (Bedrock does not accept it)'
        steps.append(_BODY_ADVICE.get((kind, key), default))
    steps += [f"fix {v.strip()}" for v in re.findall(r"#(/[^#]*?)(?=#|$)", detail)]
    if not steps:
        return ('The body must be JSON: json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, '
                '"messages": [...]}).')
    return "In the InvokeModel body: " + "; ".join(steps) + "."


def _one_m_models() -> str:
    beta = [m.key for m in catalog.models() if m.context_1m_beta and _active(m)]
    native = [m.key for m in catalog.models() if m.long_context == "native" and _active(m) and m.page == "legacy"]
    text = (f"the `{catalog.CONTEXT_1M_BETA}` beta works on {', '.join(beta)}" if beta else
            f"the `{catalog.CONTEXT_1M_BETA}` beta widens no active model any more (retired "
            f"{catalog.general('beta_1m_retired').value})")
    return text + (f"; {', '.join(native)} (and the newer models) have 1M tokens natively" if native else "")


def _prompt_too_long(match: re.Match[str], _model_id: str | None) -> str:
    return (f"The prompt has {int(match['tokens']):,} tokens, over the {int(match['limit']):,} window: count first "
            "(helpers.tokens.estimate_tokens or CountTokens) and trim,\nor use a longer context: "
            + _one_m_models() + ".")


def _input_too_long(_match: re.Match[str], _model_id: str | None) -> str:
    return ("Count first (helpers.tokens.estimate_tokens or CountTokens) and trim,\nor use a longer context: "
            + _one_m_models() + ".")


# --- tools, prompt caching, thinking, structured outputs (issue H) -----------------------------------------

def _models_where(test: Callable[[catalog.Model], bool]) -> str:
    names = [m.display_name for m in catalog.models() if _active(m) and test(m)]
    return ", ".join(names) or "none of the active models"


def _invalid_beta(_match: re.Match[str], model_id: str | None) -> str:
    try:
        model = catalog.resolve(model_id).model if model_id else None
    except (LookupError, ValueError):
        model = None
    takes = (f"{model.display_name} takes: {', '.join(sorted(model.accepted_betas))}.\n" if model else "")
    return ("Send only betas the model takes (the list differs by model family, and Bedrock's differs from "
            "Anthropic's API). " + takes + "The 1M beta: " + _one_m_models() + ".\n"
            'InvokeModel puts betas in the body ("anthropic_beta": [...]); Converse in '
            'additionalModelRequestFields={"anthropic_beta": [...]}; the Messages API in the anthropic-beta header.')


def _no_structured_outputs(match: re.Match[str], _model_id: str | None) -> str:
    return (f"Remove {match['param']}: this model does not take structured outputs or strict tools on Bedrock. "
            "They work on: " + _models_where(lambda m: m.structured_outputs) + ".\n"
            "Elsewhere, ask for JSON in the prompt and validate it in your code (e.g. pydantic).")


def _forced_with_thinking(_match: re.Match[str], _model_id: str | None) -> str:
    return ('Use tool_choice {"type": "auto"} while thinking is on, or turn thinking off for that one call '
            '({"type": "disabled"}) where the model allows it.\nModels that always think cannot be forced: '
            + _models_where(lambda m: not m.forced_tool_choice or m.always_thinks) + ".")


def _max_tokens(match: re.Match[str], _model_id: str | None) -> str:
    return f"Lower max_tokens to at most {match['limit']} for this model (or stream and continue)."


def _api_key_rejected(_match: re.Match[str], _model_id: str | None) -> str:
    """Bedrock answers every refused key with the same text: what the key in the environment says about itself
    (kind, region, expiry: never the key) tells which case it is."""
    import os

    from . import api_keys

    key = os.environ.get(api_keys.ENV_VARIABLE)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    causes = ("Causes: a wrong or truncated key; a short-term key past its expiry (at most 12 h) or made for another "
              "region;\na long-term key that was deactivated or deleted; short-term keys also die with the session "
              "that made them.")
    fix = ("Make a new short-term key for the region you call: helpers.api_keys.short_term() (or "
           "aws_bedrock_token_generator.provide_token()),\nor unset AWS_BEARER_TOKEN_BEDROCK to sign with your IAM "
           "credentials. helpers.api_keys.describe(key) shows what a key is.")
    if not key:
        return f"{causes}\n{fix}"
    info = api_keys.describe(key)
    if info.problem:
        found = f"AWS_BEARER_TOKEN_BEDROCK holds {info}."
    elif info.expired():
        found = f"AWS_BEARER_TOKEN_BEDROCK holds a key that has expired: {info}."
    elif info.region and region and info.region != region:
        found = f"AWS_BEARER_TOKEN_BEDROCK was made for {info.region}, but the client calls {region}: {info}."
    else:
        found = f"AWS_BEARER_TOKEN_BEDROCK holds {info}; if it was not changed, it was revoked (or is for another " \
                "account)."
    return f"{found}\n{fix}"


_TLS_CODES = ("SSLError", "SSLCertVerificationError", "ConnectError", "APIConnectionError", "FetchError",
              "TypeError", "Error", "EndpointConnectionError")
_TLS_FAILURE = (r"CERTIFICATE_VERIFY_FAILED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate|"
                r"self[- ]signed certificate|unable to get local issuer certificate")


def _tls_untrusted(_match: re.Match[str], _model_id: str | None) -> str:
    return ("Offline: run helpers.connect() before creating the client; it points AWS_CA_BUNDLE (boto3, AWS CLI), "
            "SSL_CERT_FILE (Anthropic Python SDK)\nand NODE_EXTRA_CA_CERTS (Node, read at start: start it after "
            "connect()) at a bundle holding the emulator's CA. Behind a TLS-inspecting proxy,\npoint the same "
            "variables at a bundle with your company's CA. Do not turn verification off.")


MARKETPLACE_FIX = (
    N_("Allow the caller aws-marketplace:ViewSubscriptions and aws-marketplace:Subscribe in IAM (AWS also lists "
       "aws-marketplace:Unsubscribe);\nthe first call then completes the subscription: retry after a few minutes."))
USE_CASE_FIX = (
    N_("Submit Anthropic's use-case details once per account or organisation (Bedrock console: open an Anthropic "
       "model in the model catalog; or the PutUseCaseForModelAccess API),\nthen retry after 15 minutes."))

# The documented settings (helpers.retries), so every fix gives the same advice.
_RETRIES = ("Retry with backoff: boto3 config=helpers.retries.boto3_config() (Config(retries={\"mode\": "
            f"\"standard\", \"total_max_attempts\": {retries.MAX_ATTEMPTS}}})) or "
            f"AnthropicBedrock(max_retries={retries.ANTHROPIC_MAX_RETRIES});\nspread load over a `global.` profile "
            "and request higher quotas in Service Quotas (Amazon Bedrock).")

# Every "no credentials" answer gives the same three ways in, and the way around.
_NO_CREDENTIALS = (
    N_("Give the SDKs credentials: `aws configure` (access keys), or `aws configure sso` + `aws sso login` and "
       "AWS_PROFILE=<profile>,\nor export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. "
       "No AWS account yet? Run the notebooks offline: HANDSON_MODE=offline."))


def _partial_credentials(match: re.Match[str], _model_id: str | None) -> str:
    missing, provider = match["missing"], match["provider"]
    if provider == "env":
        pair = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        return (f"Set {missing} too (the two go together), or unset {' and '.join(pair)} to use your "
                "`aws configure` profile instead.\nNo AWS account yet? Run the notebooks offline: "
                "HANDSON_MODE=offline.")
    if provider in ("shared-credentials-file", "config-file"):
        return (f"Add {missing} to the profile (`aws configure` writes both keys), or choose another profile "
                "with AWS_PROFILE.")
    return f"Provide {missing} as well, or neither key to use the default credential chain (`aws configure`)."


def _profile_not_found(match: re.Match[str], _model_id: str | None) -> str:
    return (f"List your profiles with `aws configure list-profiles`, then set AWS_PROFILE to one of them "
            f"(or create {match['profile']!r} with `aws configure --profile {match['profile']}`);\n"
            "unset AWS_PROFILE to use the default profile.")


def _retrieval_failed(match: re.Match[str], _model_id: str | None) -> str:
    where = {"custom-process": "the profile's credential_process command",
             "assume-role": "the profile's role_arn / source_profile (can you assume that role?)",
             "sso": "your SSO session (`aws sso login --profile <profile>`)"}.get(match["provider"],
                                                                                   f"the {match['provider']} source")
    return (f"Check {where}: run `aws sts get-caller-identity` to see the same error in full,\n"
            "or switch to plain keys (`aws configure`).")


# --- the table ----------------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    # identifiers and access
    Rule(("ValidationException",),
         r"Invocation of model ID (?P<model_id>\S+) with on-demand throughput isn.t supported", 1,
         N_("This model can't be called by its base id on demand; it needs an inference profile."), _on_demand),
    Rule(("AccessDeniedException",), r"aws-marketplace:", 3,
         N_("The first call starts an AWS Marketplace subscription, and the caller may not perform it."),
         MARKETPLACE_FIX),
    Rule(("ResourceNotFoundException", "ValidationException"),
         r"use case details have not been submitted|filled out the required use-case form", 2,
         N_("Anthropic's use-case details have not been submitted for this account."), USE_CASE_FIX),
    Rule(("AccessDeniedException",), r"on resource: arn:aws:bedrock:::foundation-model/(?P<base_id>[\w.:-]+) with an "
         r"explicit deny in a service control policy", 6,
         N_("An SCP denies the global. profile: its requests carry aws:RequestedRegion \"unspecified\"."), _scp_global),
    Rule(("AccessDeniedException",), r"explicit deny in a service control policy", 6,
         N_("An organisation SCP denies Bedrock in a region the inference profile routes to."),
         N_("Ask your admin to allow bedrock:InvokeModel* in every destination region of the profile,\n"
            "or use a profile whose destinations the SCP allows (compare `us.`/`eu.` with `global.`).")),
    Rule(("AccessDeniedException",), r"don.t have access to the model", 2,
         N_("Your account or IAM identity has no access to this model."),
         N_("Access opens on first use now (the console's Model access page is retired): allow bedrock:InvokeModel* in "
            "IAM and, for Anthropic models,\nsubmit the first-use form in the Bedrock console; "
            "GetFoundationModelAvailability (aws bedrock get-foundation-model-availability) checks it for free.")),
    Rule(("AccessDeniedException",),
         r"is not authorized to perform: (?P<action>bedrock(?:-mantle)?:CallWithBearerToken)", None,
         N_("Your IAM identity may not use Bedrock API keys."),
         lambda m, _id: (f"Allow {m['action']} (bedrock:CallWithBearerToken for bedrock-runtime, "
                         "bedrock-mantle:CallWithBearerToken for bedrock-mantle)\nin the identity's IAM policy, "
                         "or an SCP denies it: then sign with your IAM credentials (unset AWS_BEARER_TOKEN_BEDROCK).")),
    Rule(("AccessDeniedException",), r"is not authorized to perform: (?P<action>[\w:]+)", None,
         N_("Your IAM identity is not allowed to call this Bedrock action."),
         N_("Allow the action in an IAM policy on both the inference-profile ARN and the foundation-model ARNs\n"
            "of its destination regions (bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream).")),
    Rule(("AccessDeniedException",), r"Authentication failed: .*API Key", None,
         N_("The Bedrock API key was rejected (wrong, changed, expired, made for another region, or revoked)."),
         _api_key_rejected),
    Rule(("ValidationException",), r"provided model identifier is invalid", 5,
         N_("Bedrock in this region doesn't know this model id."), _invalid_identifier),
    Rule(("ValidationException",), r"at 'modelId' failed to satisfy constraint", 5,
         N_("The model id is not a Bedrock id (an Anthropic API name or a typo?)."), _invalid_identifier),
    Rule(("ResourceNotFoundException",), r"marked by provider as Legacy .*? in the last (?P<days>\d+) days", 4,
         N_("This model is Legacy: Bedrock serves it only to accounts that use it, never to new customers."), _legacy),
    Rule(("ResourceNotFoundException",), r"^model: (?P<model_id>\S+)$", 5,
         N_("This Messages API endpoint does not serve that model id."), _messages_model),
    Rule(("ResourceNotFoundException",), r"end of its life", 4,
         N_("This model version is retired (end of life) and no longer callable."), _end_of_life),
    Rule(("ValidationException",), r"^Operation not allowed", 4,
         N_("This legacy model is in extended access and your account isn't entitled to it."), _end_of_life),
    # request bodies
    Rule(("ValidationException",), r"`temperature` and `top_p` cannot both be specified", 8,
         N_("This model takes temperature or top_p, not both."),
         N_("Send only one of them: keep temperature and drop top_p (Converse: drop inferenceConfig.topP).")),
    Rule(("ValidationException",), r"Malformed input request(?::\s*(?P<detail>.*?))?,\s*please reformat", 10,
         N_("The InvokeModel body is not the Bedrock Messages format."), _malformed),
    Rule(("ValidationException",), r"Invalid API version: ?" + re.escape(catalog.NEW_API_VERSION), 9,
         f"This model does not accept API version {catalog.NEW_API_VERSION}.", _new_api_version),
    # tools, prompt caching, thinking, structured outputs (issue H)
    Rule(("ValidationException",), r"tool type '(?P<type>[\w.-]+)' is not supported", None,
         N_("Bedrock does not know this tool type: a server tool it does not offer (web search, web fetch and code "
            "execution run on Anthropic's servers, not on Bedrock), or a misspelt type."),
         N_("Remove it from tools. Write it as a client tool instead: your code runs the search or fetch and sends "
            "the result back as a tool_result.\nClient tools Bedrock does document: bash, text editor, memory, "
            "computer use (with its beta).")),
    Rule(("ValidationException",), r"Thinking may not be enabled when tool_choice forces tool use", None,
         N_("A forced tool_choice (any or tool) and thinking cannot be combined."), _forced_with_thinking),
    Rule(("ValidationException",), r"(?P<where>messages\.\d+\.content\.\d+): Invalid .?signature.? in "
         r".?thinking.? block", None,
         N_("A thinking block came back changed, so its signature no longer matches."),
         N_("Pass thinking and redacted_thinking blocks back exactly as they came (text and signature), in the same "
            "assistant turn;\nnever edit, rebuild or reorder them. To drop thinking, drop the whole block.")),
    Rule(("ValidationException",), r"thinking\.signature: Field required|signature: Field required", None,
         N_("A thinking block was sent back without its signature."),
         N_("Keep the signature: send the block as the response gave it (InvokeModel/Messages API: the whole "
            "thinking block; Converse: reasoningContent.reasoningText with text and signature).")),
    Rule(("ValidationException",), r"`tool_use` ids were found without `tool_result` blocks immediately after|"
         r"Expected toolResult blocks at|Did not find \d+ .?tool_result.? block", None,
         N_("A tool call was not answered in the next message."),
         N_("After an assistant message with tool calls, send one user message that starts with a tool_result "
            "(Converse: toolResult) for every call, with the same ids;\nkeep the assistant message in the history "
            "as it came.")),
    Rule(("ValidationException",), r"unexpected `tool_use_id` found in `tool_result` blocks", None,
         N_("A tool_result answers a tool call that is not in the previous assistant message."),
         N_("Check the ids (tool_use_id must equal a tool_use id of the message just before) and that the assistant "
            "message with the calls is still in the history.")),
    Rule(("ValidationException",), r"toolConfig field must be defined when using toolUse and toolResult", None,
         N_("Converse needs toolConfig on every call of a conversation that holds tool blocks."),
         N_("Send the same toolConfig (tools, and toolChoice if any) on each converse() call of the loop, not only "
            "the first.")),
    Rule(("ValidationException",), r"A maximum of (?P<most>\d+) blocks with cache_control may be provided", None,
         N_("Too many prompt-cache checkpoints."),
         lambda m, _id: (f"Keep at most {m['most']} checkpoints (cache_control, or Converse cachePoint): put them "
                         "at the ends of the parts that do not change (tools, system, the long document).")),
    Rule(("ValidationException",), r"a ttl='1h' cache_control block must not come after a ttl='5m'", None,
         N_("Cache checkpoints with a 1-hour TTL must come before 5-minute ones."),
         N_("Order checkpoints by TTL in the order Claude reads them (tools, system, messages): every ttl '1h' "
            "first, then the '5m' ones.")),
    Rule(("ValidationException",), r"budget_tokens: Input should be greater than or equal to (?P<least>\d+)",
         None, N_("The thinking budget is below the minimum."),
         lambda m, _id: f"Set thinking.budget_tokens to at least {m['least']}, and below max_tokens."),
    Rule(("ValidationException",), r"`max_tokens` must be greater than `thinking\.budget_tokens`", None,
         N_("Thinking counts within max_tokens, so max_tokens must be larger than the budget."),
         N_("Raise max_tokens above budget_tokens (leave room for the answer), or lower the budget.")),
    Rule(("ValidationException",), r"For '(?P<type>\w+)' type, (?:'additionalProperties' must be|propert)", None,
         N_("The JSON schema uses something structured outputs do not support."),
         N_("Set \"additionalProperties\": false on every object, and drop minimum/maximum, minLength/maxLength and "
            "maxItems\n(check those in your code after parsing the JSON).")),
    Rule(("ValidationException",), r"(?P<param>output_config(?:\.format)?|output_format|outputConfig[\w.]*|"
         r"tools\.\d+(?:\.custom)?\.strict): Extra inputs are not permitted", None,
         N_("This model does not take structured outputs or strict tools on Bedrock."), _no_structured_outputs),
    Rule(("ValidationException",), r"\b(?P<param>temperature|top_p|top_k): Extra inputs are not permitted", 9,
         f"API version {catalog.NEW_API_VERSION} removed temperature, top_p and top_k: any value is refused.",
         lambda m, _id: (f"Remove {m['param']} (and top_p, top_k) from the request; the models that still take "
                         f'them need anthropic_version "{catalog.BEDROCK_API_VERSION}" (pin the SDK, or '
                         "extra_body).")),
    Rule(("ValidationException",), r"(?P<param>[\w.\[\]]+): Extra inputs are not permitted", 10,
         N_("The request has a field this model or API version does not take."),
         lambda m, _id: f"Remove {m['param']} from the request."),
    Rule(("ValidationException",), r"`(?P<param>temperature|top_p|top_k)` is deprecated for this model", 8,
         N_("This model chooses its own sampling: it refuses temperature, top_p and top_k."),
         lambda m, _id: (f"Remove {m['param']} (and the other two; Converse: inferenceConfig temperature/topP); "
                         "steer the output with the prompt instead.")),
    Rule(("ValidationException",), r'"thinking\.type\.(?P<kind>\w+)" is not supported for this model', None,
         N_("This model does not take that kind of thinking."), _thinking_type),
    Rule(("ValidationException",), r"provided model doesn.t support counting tokens", None,
         N_("CountTokens on bedrock-runtime takes only the bare id of a model that supports it."), _count_tokens),
    Rule(("ValidationException",), r"Invalid API version", 10,
         N_("The body's anthropic_version is wrong."),
         N_('Set "anthropic_version": "bedrock-2023-05-31" in the InvokeModel body (not an Anthropic API date, '
            "not empty).")),
    Rule(("ValidationException",), r"Value at 'body' failed to satisfy constraint", None,
         N_("The request body is larger than Bedrock accepts."),
         N_("Shrink the body: downscale images, split PDFs, or reference documents from S3 with Converse.")),
    Rule(("ValidationException",), r"prompt is too long: (?P<tokens>\d+) tokens > (?P<limit>\d+)", 13,
         N_("The prompt doesn't fit in the model's context window."), _prompt_too_long),
    Rule(("ValidationException",), r"Input is too long for requested model", 13,
         N_("The prompt doesn't fit in the model's context window."), _input_too_long),
    Rule(("ValidationException",), r"invalid beta flag", 13,
         N_("The model rejected an anthropic_beta flag."), _invalid_beta),
    Rule(("ValidationException",), r"max_tokens: \d+ > (?P<limit>\d+)", None,
         N_("max_tokens is above the model's output limit."), _max_tokens),
    # Converse documents
    Rule(("ValidationException",), r"document file name can only contain", 11,
         N_("A Converse document name breaks Bedrock's naming rule."),
         N_('Name documents with letters, digits, single spaces, hyphens, () and [] only, e.g. "Quarterly Report"\n'
            '(no dots, so not "report.pdf"; the format goes in "format").')),
    Rule(("ValidationException",), r"contains a document but no text block", 11,
         N_("Converse needs a text block next to a document."),
         N_('Add {"text": "<your question>"} to the same message as the document.')),
    Rule(("ValidationException",), r"more than 5 documents", 11,
         N_("Converse takes at most 5 documents per request."),
         N_("Send at most 5 documents (merge or split the work across requests).")),
    Rule(("ValidationException",), r"The PDF specified was not valid", 11,
         N_("Claude could not read this PDF: it is damaged, cut off, or not really a PDF."),
         N_("Check the file with helpers.pdf.read(path), which says what is wrong; then export or download it "
            "again.")),
    Rule(("ValidationException",), r"The PDF specified is password-protected", 11,
         N_("The PDF is encrypted, and Claude cannot read encrypted PDFs."),
         N_("Send an unencrypted copy (e.g. `qpdf --decrypt --password=... in.pdf out.pdf`).")),
    Rule(("ValidationException",), r"A maximum of (?P<pages>\d+) PDF pages may be provided", 11,
         N_("The request has more PDF pages than the model takes at once."),
         N_("Split the PDF into parts within the limit (pypdf.PdfWriter) and send them in separate requests;\n"
            "helpers.pdf.check_invoke_model() / check_converse() tell you before you send.")),
    Rule(("ValidationException",), r"duplicate document names", 11,
         N_("Two documents in the conversation have the same name."),
         N_("Give each document a distinct name.")),
    # throughput and timeouts
    Rule(("ThrottlingException",), None, 7,
         N_("Bedrock throttled the request (requests or tokens per minute, or a daily quota)."), _RETRIES),
    Rule(("ServiceQuotaExceededException",), None, 7,
         N_("An account quota for Bedrock is exhausted."), _RETRIES),
    Rule(("ModelTimeoutException",), None, 12,
         N_("The model took too long to process the request."),
         N_("Retry (the SDKs retry it by default); for long outputs stream the response "
            "(invoke_model_with_response_stream / messages.stream) or lower max_tokens.")),
    Rule(("ReadTimeoutError",), None, 12,
         N_("boto3 gave up waiting for the response (botocore's read_timeout defaults to 60 s)."),
         N_("Raise it above the 60 s default: boto3.client(\"bedrock-runtime\", config=Config(read_timeout=1200)),\n"
            "or stream long and thinking outputs with invoke_model_with_response_stream.")),
    Rule(("APITimeoutError",), None, 12,
         N_("The Anthropic SDK gave up waiting for Bedrock's response."),
         N_("Raise the timeout: AnthropicBedrock(timeout=1200) (or per request: timeout=...),\n"
            "or stream long outputs with client.messages.stream(...).")),
    Rule(("ServiceUnavailableException", "InternalServerException", "ModelErrorException"), None, None,
         N_("A transient failure on Bedrock's side."),
         _RETRIES.split(";")[0] + "."),
    # set-up: region, credentials, SDK versions
    Rule(("NoRegionError",), None, 15,
         N_("No AWS region is configured for the client."),
         'Set AWS_REGION and AWS_DEFAULT_REGION (or pass region_name="us-east-1" / aws_region=...):\n'
         f"{REGION_SUMMARY}."),
    Rule(("ValueError",), r"No AWS region was provided", 15,
         N_("No AWS region is configured for AnthropicBedrock."),
         'Pass AnthropicBedrock(aws_region="us-east-1") or set both AWS_REGION and AWS_DEFAULT_REGION:\n'
         f"{REGION_SUMMARY}."),
    Rule(("UnknownServiceError",), r"bedrock-runtime", 9,
         N_("This boto3/botocore is too old to know Bedrock."),
         f'Upgrade and restart the kernel: pip install -U "{BOTO3_REQUIREMENT}".'),
    Rule(("TypeError",), r"proxies", 9,
         N_("An old anthropic SDK is incompatible with httpx >= 0.28."),
         N_('Upgrade the SDK and restart the kernel: pip install -U "anthropic[bedrock]".')),
    # credentials: botocore, AnthropicBedrock / AnthropicBedrockMantle (Python), @anthropic-ai/bedrock-sdk (TS)
    Rule(("NoCredentialsError",), None, None,
         N_("No AWS credentials were found (boto3's credential chain came up empty)."), _NO_CREDENTIALS),
    Rule(("RuntimeError",), r"could not resolve (?:AWS )?credentials", None,  # anthropic 2.x / 1.x wording
         N_("AnthropicBedrock found no AWS credentials (it looks where boto3 looks)."), _NO_CREDENTIALS),
    Rule(("APIConnectionError", "CredentialsProviderError"),
         r"Failed to resolve AWS credentials|Could not load credentials from any providers", None,
         N_("The TypeScript SDK (@anthropic-ai/bedrock-sdk) found no AWS credentials."), _NO_CREDENTIALS),
    Rule(("PartialCredentialsError",), r"found in (?P<provider>[\w-]+), missing: (?P<missing>\w+)", None,
         N_("Only half of an AWS key pair was found."), _partial_credentials),
    Rule(("ValueError",), r"`(?P<given>aws_\w+_key)` was provided without `(?P<missing>aws_\w+_key)`", None,
         N_("The client was given only half of an AWS key pair."),
         N_("Pass both aws_access_key= and aws_secret_key= (with aws_session_token= for temporary keys), or neither\n"
            "to use the default chain (`aws configure`, AWS_PROFILE, or the AWS_* environment variables).")),
    Rule(("ProfileNotFound",), r"\((?P<profile>[^)]*)\)", None,
         N_("The AWS profile named (by AWS_PROFILE or profile_name=) is not in ~/.aws/config or ~/.aws/credentials."),
         _profile_not_found),
    Rule(("UnauthorizedSSOTokenError", "SSOTokenLoadError", "TokenRetrievalError", "SSOError"), None, None,
         N_("Your AWS IAM Identity Center (SSO) session has expired, or was never started on this machine."),
         N_("Sign in again: `aws sso login --profile <profile>` (the profile in AWS_PROFILE), then re-run the cell.")),
    Rule(("CredentialRetrievalError",), r"from (?P<provider>[\w-]+)", None,
         N_("boto3 found a credential source but could not get credentials from it."), _retrieval_failed),
    Rule(("UnrecognizedClientException", "InvalidClientTokenId"), None, None,
         N_("AWS doesn't recognise the access key (wrong account, deleted key, or stale session token)."),
         N_("Check AWS_ACCESS_KEY_ID / AWS_PROFILE, unset a leftover AWS_SESSION_TOKEN, and refresh temporary "
            "credentials (aws sso login).")),
    Rule(("InvalidSignatureException", "SignatureDoesNotMatch"), r"Signature (?:expired|not yet current)", None,
         N_("The request's signing time is off by more than 15 minutes: your clock is wrong."),
         N_("Fix the clock: enable time sync (Linux `sudo timedatectl set-ntp true`, Windows `w32tm /resync`, "
            "WSL `sudo hwclock -s`), then retry.")),
    Rule(("InvalidSignatureException", "SignatureDoesNotMatch"), None, None,
         N_("AWS computed a different request signature than the one sent."),
         N_("Check AWS_SECRET_ACCESS_KEY matches the access key (no stray spaces), and that no proxy rewrites the "
            "request.")),
    Rule(("ExpiredTokenException", "ExpiredToken"), None, None,
         N_("The temporary credentials (session token) have expired."),
         N_("Refresh them (`aws sso login --profile <profile>`, or new keys with a new AWS_SESSION_TOKEN), then "
            "create the client again.\nNo AWS account at hand? Run the notebooks offline: HANDSON_MODE=offline.")),
    Rule(("InvalidEndpointConfigurationError",), r"requires an HTTPS endpoint", None,  # redaction hides "Bearer …"
         N_("boto3 sends a Bedrock API key only over HTTPS, and the endpoint URL is http://."),
         N_("Use the https endpoint (offline, helpers.connect() sets AWS_ENDPOINT_URL to the emulator's https URL;\n"
            "check AWS_ENDPOINT_URL / endpoint_url=), or unset AWS_BEARER_TOKEN_BEDROCK to sign with SigV4 instead.")),
    Rule(_TLS_CODES, _TLS_FAILURE, None,
         N_("The client does not trust the server's TLS certificate (the emulator's local CA, or a proxy's)."),
         _tls_untrusted),
    Rule(("MissingAuthenticationTokenException",), None, None,
         N_("The request was not signed (or went to the wrong URL)."),
         N_("Call Bedrock through boto3 or AnthropicBedrock with credentials, and check the endpoint URL.")),
)


# --- reading an exception -----------------------------------------------------------------------------

def _normalise(code: str) -> str:
    """Mid-stream exception types are lowerCamel (``throttlingException``); codes are UpperCamel."""
    return code[:1].upper() + code[1:] if code.endswith("Exception") else code


# The Messages API answers in Anthropic's error shape; the rules are written against Bedrock's codes, so an
# Anthropic error type is matched as the Bedrock code with the same meaning (the explanation keeps the type).
_BEDROCK_CODE_OF_TYPE = {
    "invalid_request_error": "ValidationException", "permission_error": "AccessDeniedException",
    "authentication_error": "AccessDeniedException", "not_found_error": "ResourceNotFoundException",
    "rate_limit_error": "ThrottlingException", "timeout_error": "ModelTimeoutException",
    "api_error": "InternalServerException", "overloaded_error": "ServiceUnavailableException",
    "request_too_large": "ValidationException",
}


def _anthropic_status_error(exc: Any) -> tuple[str, str]:
    body = getattr(exc, "body", None)
    code, message = "", ""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):  # mid-stream: {"type": "error", "error": {"type": ..., "message": ...}}
            code, message = str(inner.get("type") or ""), str(inner.get("message") or "")
        else:
            message = str(body.get("message") or body.get("Message") or "")
    response = getattr(exc, "response", None)
    header = response.headers.get("x-amzn-errortype", "") if response is not None else ""
    code = code or header.split(":", 1)[0].rsplit("#", 1)[-1]
    status = getattr(exc, "status_code", None)
    return code or _CODE_BY_STATUS.get(status, str(status)), message or str(getattr(exc, "message", exc))


def _code_and_message(exc: BaseException) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):  # botocore ClientError
        error = response["Error"]
        return str(error.get("Code") or "Unknown"), str(error.get("Message") or "")
    if type(exc).__module__.startswith("anthropic") and hasattr(exc, "status_code"):
        return _anthropic_status_error(exc)
    return type(exc).__name__, str(exc)


def _model_id_from_request(exc: BaseException) -> str | None:
    """The model id in the request URL, where the exception keeps the request (the Anthropic SDK)."""
    try:
        path = str(exc.request.url.path)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return None
    found = re.search(r"/model/([^/]+)/", path)
    return found[1].replace("%3A", ":").replace("%3a", ":") if found else None


def _redact(text: str) -> str:
    for secret in _SECRETS:
        text = secret.sub("[redacted]", text)
    return text


# --- reading text: what the TypeScript SDK, the AWS CLI or a Python traceback printed --------------------

_CLI_ERROR = re.compile(r"An error occurred \((?P<code>\w+)\)(?: when calling the \w+ operation)?(?: \([^)]*\))?: "
                        r"(?P<message>.*)")
_NAMED_ERROR = re.compile(r"\b(?P<code>[A-Z]\w*(?:Error|Exception))\b")
# How the Anthropic SDKs print an HTTP error: TypeScript "BadRequestError: 400 <message>", Python
# "anthropic.BadRequestError: Error code: 400 - {'message': '<message>'}". The status gives Bedrock's code.
_SDK_STATUS = re.compile(r"^(?:Error code: )?(?P<status>[1-5]\d\d)(?: -)? (?P<message>.*)")
# botocore errors the AWS CLI prints as a bare message: their fixed openings name them.
_BARE_BOTOCORE = ("NoCredentialsError", "PartialCredentialsError", "ProfileNotFound", "CredentialRetrievalError",
                  "UnauthorizedSSOTokenError", "SSOTokenLoadError", "TokenRetrievalError", "SSLError",
                  "InvalidEndpointConfigurationError")


def _bare_openings() -> dict[str, str]:
    from botocore import exceptions

    return {getattr(exceptions, name).fmt.split("{")[0]: name for name in _BARE_BOTOCORE}


def _text_of(exc: BaseException) -> str:
    """A failed command's captured output (stderr first: that is where errors go)."""
    parts = [getattr(exc, "stderr", None), getattr(exc, "output", None)]
    return "\n".join(p.decode("utf-8", "replace") if isinstance(p, bytes) else p for p in parts if p)


def _from_text(text: str) -> Iterator[tuple[str, str, BaseException | None]]:
    """Every (code, message) the text names, in order: ``Name: message`` lines (Node, Python tracebacks,
    JSON with a class name) and the AWS CLI's ``An error occurred (Code) ...: message``."""
    openings = _bare_openings()
    for line in text.splitlines():
        cli = _CLI_ERROR.search(line)
        if cli:
            yield cli["code"], cli["message"].strip(), None
            continue
        for named in _NAMED_ERROR.finditer(line):
            rest = line[named.end():].lstrip(" :\"'").strip()
            sdk = _SDK_STATUS.match(rest)
            if sdk and int(sdk["status"]) in _CODE_BY_STATUS:
                yield _CODE_BY_STATUS[int(sdk["status"])], _sdk_message(sdk["message"]), None
            yield named["code"], rest, None
        for opening, name in openings.items():
            at = line.find(opening)
            if at >= 0:
                yield name, line[at:].strip(), None
        if re.search(_TLS_FAILURE, line, re.IGNORECASE):  # Node names no error class: `Error: unable to verify…`
            yield "SSLError", line.strip(), None


def _sdk_message(text: str) -> str:
    """The service's message inside what an SDK printed: a Python dict's "message", or the text itself."""
    try:
        body = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return str(body.get("message") or body.get("Message") or text) if isinstance(body, dict) else text


def _candidates(source: BaseException | str) -> Iterator[tuple[str, str, BaseException | None]]:
    """(code, message, exception) for ``source``, then for what it wraps (``__cause__``, ``__context__``,
    a failed command's output), nearest first."""
    if isinstance(source, str):
        yield from _from_text(source)
        return
    seen: set[int] = set()
    queue: list[BaseException] = [source]
    while queue and len(seen) < 10:  # chains can be cyclic; ten links is plenty
        exc = queue.pop(0)
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield (*_code_and_message(exc), exc)
        if isinstance(exc, subprocess.CalledProcessError):
            yield from _from_text(_text_of(exc))
        queue += [e for e in (exc.__cause__, exc.__context__) if e is not None]


def explain(exc: BaseException | str, model_id: str | None = None) -> Explanation:
    """Explain ``exc`` (an exception, or the text a failed command printed); ``model_id`` (optional) lets
    the fix name a replacement for a retired model. The first recognised error in the chain wins."""
    first: tuple[str, str] | None = None
    for code, message, source in _candidates(exc):
        code, message = _normalise(code), _redact(message)
        first = first or (code, message)
        matched_as = _BEDROCK_CODE_OF_TYPE.get(code, code)
        for rule in RULES:
            match = rule.match(matched_as, message)
            if match is not None:
                found_id = model_id or (_model_id_from_request(source) if source is not None else None)
                # The table's titles and fixed fixes are marked N_(): shown in the notebook's language.
                fix = _(rule.fix) if isinstance(rule.fix, str) else rule.fix(match, found_id)
                return Explanation(code, message, _(rule.title), fix, rule.pain_point, True)
    code, message = first or ("Output", _redact(exc.strip() if isinstance(exc, str) else str(exc)))
    shown = message if len(message) <= 300 else message[:297] + "..."
    return Explanation(
        code, message, _("not recognised by helpers.errors: {message}").format(message=shown or _("(no message)")),
        _("Read the message above; search it in the Bedrock docs or re-raise to see the full traceback."),
        None, False)


# --- credentials, before any call -------------------------------------------------------------------------

def credentials_explanation(session: Any = None) -> Explanation | None:
    """Why boto3 has no usable credentials, or None when its chain finds a complete key pair. Never raises.

    Resolves the chain the way the first call would (SSO and assume-role profiles are refreshed), but
    calls no AWS API beyond what that resolution needs. ``session``: a ``boto3.Session`` (default: a new
    one, configured by the environment).
    """
    from botocore.exceptions import NoCredentialsError, PartialCredentialsError

    try:
        import boto3

        session = session or boto3.Session()
        credentials = session.get_credentials()
        if credentials is None:
            raise NoCredentialsError()
        frozen = credentials.get_frozen_credentials()
        if not frozen.secret_key or not frozen.access_key:
            missing = "AWS_SECRET_ACCESS_KEY" if frozen.access_key else "AWS_ACCESS_KEY_ID"
            raise PartialCredentialsError(provider=credentials.method, cred_var=missing)
    except Exception as e:  # every failure of the chain is an answer here, not a crash
        return explain(e)
    return None


def credentials_problem(session: Any = None) -> str | None:
    """A short message saying what is wrong with boto3's credentials and what to do, or None when a
    complete set is found. Never raises: ``connect()`` can show it instead of a traceback."""
    found = credentials_explanation(session)
    return None if found is None else f"{found.title}\n{found.fix}"
