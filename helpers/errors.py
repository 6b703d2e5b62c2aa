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
from .i18n import N_, _, sentences

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
        service = e(_("Service message"))  # outside the f-string, where Babel (Python 3.11) finds it
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px">'
            f"<div><strong>{e(self.code)}</strong>: {e(self.title)}{point}</div>"
            f"<div>{fix}</div>"
            f"<details><summary>{service}</summary><code>{e(self.message)}</code></details>"
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


def _shown(message: str, **fields: object) -> Fix:
    """A fix whose values are known when the table is built: it is translated, then filled in, where it is shown
    (so a translation places the values where its language wants them)."""
    return lambda _match, _model_id: _(message).format(**{k: v() if callable(v) else v for k, v in fields.items()})


def _on_demand(match: re.Match[str], _model_id: str | None) -> str:
    base = match["model_id"].rstrip(".,")
    m = _model_or_none(base)
    geos = m.geographies if m else ("global", "us", "eu", "jp", "apac", "au")
    first = f"{geos[0]}.{m.base_id}" if m else f"global.{base}"
    others = ", ".join(f"`{g}.`" for g in geos[1:])
    if others:
        call = _('Call an inference profile instead of the base id: modelId="{profile}" (or the {prefixes} profile '
                 "for your geography).").format(profile=first, prefixes=others)
    else:
        call = _('Call an inference profile instead of the base id: modelId="{profile}".').format(profile=first)
    return call + "\n" + _("List the profiles your region offers with `aws bedrock list-inference-profiles`.")


def _invalid_identifier(_match: re.Match[str], model_id: str | None) -> str:
    m = _model_or_none(model_id)
    hints = []
    if m:
        geography = catalog.resolve(model_id).geography if model_id else None
        if geography and geography != "global":
            regions = catalog.geography(geography).source_regions
            hints.append(_("`{prefix}.` profiles can be called only from {regions}: create the client in one of those "
                           "regions, or use the prefix of yours.").format(prefix=geography, regions=", ".join(regions)))
        hints.append(_("{model} has profiles: {profiles}.").format(model=m.display_name,
                                                                  profiles=", ".join(m.profile_ids) or _("none")))
    wrong = _("Wrong geography prefix for your region, or the model is not offered there: use the prefix of your "
              "region's geography (`global.` works from most regions).")
    return (sentences(wrong, *hints) + "\n"
            + _("List what your region offers with `aws bedrock list-inference-profiles --region <region>`."))


def _region_summary() -> str:
    return _(REGION_SUMMARY)


_ACTIVE_MODELS = "[m.key for m in helpers.catalog.models() if m.lifecycle() == 'ACTIVE']"


def _end_of_life(_match: re.Match[str], model_id: str | None) -> str:
    old = _model_or_none(model_id)
    new = _newest_active(_family(old) if old else None) or _newest_active()
    if new is None:
        return _("Pick an active model: {expression}.").format(expression=_ACTIVE_MODELS)
    ident = new.profile_ids[0] if new.profile_ids else new.base_id
    if old:
        switch = _('{model} is retired; switch to an active model, e.g. catalog.model("{key}") -> "{id}".')
    else:
        switch = _('Switch to an active model, e.g. catalog.model("{key}") -> "{id}".')
    return (switch.format(model=old.display_name if old else "", key=new.key, id=ident) + "\n"
            + _("Active models: {expression}.").format(expression=_ACTIVE_MODELS))


def _legacy(match: re.Match[str], model_id: str | None) -> str:
    old = _model_or_none(model_id)
    new = catalog.lesson("default")
    if old:
        move = _('Move to an Active model, e.g. catalog.lesson("default") -> {model}, "{profile}",\nor use an account '
                 "that has used {old} in the last {days} days (offline: emulator.account(legacy_use=True) plays one).")
    else:
        move = _('Move to an Active model, e.g. catalog.lesson("default") -> {model}, "{profile}",\nor use an account '
                 "that has used it in the last {days} days (offline: emulator.account(legacy_use=True) plays one).")
    return move.format(model=new.display_name, profile=new.profile_id(new.geographies[0]),
                       old=old.display_name if old else "", days=match["days"])


def _takes_new_version(family: str | None) -> catalog.Model | None:
    """An active, openly available model that accepts API version 2026-10-21 (same family when there is one)."""
    found = [m for m in catalog.models() if _active(m) and m.accepts_api_version(catalog.NEW_API_VERSION)
             and m.access == "open" and not m.opt_in and m.geographies and (family is None or family in m.key)]
    return min(found, key=lambda m: m.start_of_life or m.eol_not_before or dt.date.max, default=None)


def _new_api_version(_match: re.Match[str], model_id: str | None) -> str:
    old = _model_or_none(model_id)
    new = _takes_new_version(_family(old) if old else None) or _takes_new_version(None)
    why = _("Your SDK sends it by default ({sdk_versions} and later); on Bedrock only {models} models accept it.")
    if new:
        pin = _('Pin the SDK (pip install "{python_pin}"; npm install {node_pin}), or per request '
                'extra_body={{"anthropic_version": "{version}"}}, or call a model that takes it, e.g. "{profile}".')
    else:
        pin = _('Pin the SDK (pip install "{python_pin}"; npm install {node_pin}), or per request '
                'extra_body={{"anthropic_version": "{version}"}}.')
    return (why.format(sdk_versions=catalog.general("sdk_majors_sending_new_version").value,
                       models=catalog.general("new_api_version_on_bedrock").value) + "\n"
            + pin.format(python_pin=sdk_pin("anthropic"), node_pin=sdk_pin("@anthropic-ai/bedrock-sdk"),
                         version=catalog.BEDROCK_API_VERSION,
                         profile=new.profile_id(new.geographies[0]) if new else ""))


def _thinking_type(match: re.Match[str], model_id: str | None) -> str:
    kind = match["kind"]
    m = _model_or_none(model_id)
    if kind == "enabled":
        advice = _('Send thinking={"type": "adaptive"} and set the depth with output_config={"effort": "low" | '
                   '"medium" | "high"} instead of budget_tokens')
    elif kind == "disabled":
        advice = _('This model always thinks: leave thinking out, or send {"type": "adaptive"}')
    else:
        advice = _('Send thinking={"type": "enabled", "budget_tokens": 2048} (at least 1024, below max_tokens)')
    if m:
        line = _("{advice} ({model} takes: {modes}).").format(advice=advice, model=m.display_name,
                                                             modes=", ".join(m.thinking_modes))
    else:
        line = _("{advice}.").format(advice=advice)
    return line + "\n" + _("Converse: put it in additionalModelRequestFields.")


def _scp_global(match: re.Match[str], model_id: str | None) -> str:
    m = _model_or_none(match["base_id"]) or _model_or_none(model_id)
    geos = [g for g in (m.geographies if m else ()) if g != "global"]
    if m and geos:
        return _('Use a geographic profile for your region instead (e.g. modelId="{profile}"; {prefixes}),\nor ask '
                 'your admin to allow `aws:RequestedRegion` = "unspecified" (how global. requests are evaluated) for '
                 "global. profiles.").format(profile=m.profile_id(geos[0]), prefixes=", ".join(f"`{g}.`" for g in geos))
    return _('Use a geographic profile for your region instead,\nor ask your admin to allow `aws:RequestedRegion` = '
             '"unspecified" (how global. requests are evaluated) for global. profiles.')


def _messages_model(match: re.Match[str], _model_id: str | None) -> str:
    """Which id, on which endpoint, serves the model a Messages API request named."""
    asked = match["model_id"]
    m = _model_or_none(asked)
    if m is None:
        example = catalog.lesson("08")
        return _('{asked} is not a Claude model id the catalog knows. bedrock-mantle takes bare ids (e.g. "{mantle}"); '
                 'bedrock-runtime /anthropic takes inference-profile ids (e.g. "{profile}").').format(
                     asked=repr(asked), mantle=example.mantle_model_id, profile=example.profile_id("global"))
    where = []
    if m.mantle_model_id:
        where.append(_('bedrock-mantle: model="{id}" (a bare id, no profile prefix)').format(id=m.mantle_model_id))
    if m.served_on("runtime-messages") and m.geographies:
        where.append(_('bedrock-runtime /anthropic: model="{id}" (a profile id)').format(
            id=m.profile_id(m.geographies[0])))
    if not where:
        return _('{model} is not served by the Messages API: call it with InvokeModel or Converse on bedrock-runtime '
                 '(e.g. modelId="{id}"), or pick a model the Messages API serves: '
                 "helpers.messages.endpoint_table().").format(
                     model=m.display_name, id=m.profile_id(m.geographies[0]) if m.geographies else m.base_id)
    return _("Use the id that endpoint takes: {ids}.").format(ids="; ".join(where))


def _count_tokens(_match: re.Match[str], model_id: str | None) -> str:
    m = _model_or_none(model_id)
    if m and m.count_tokens:
        return _('Pass the bare foundation-model id, not an inference profile: modelId="{id}".').format(id=m.base_id)
    example = catalog.lesson("default")
    if m:
        text = _('{model} has no CountTokens on bedrock-runtime: count with a model that has it, by its bare id (e.g. '
                 '"{id}", never a profile),\nor use Anthropic\'s count_tokens on the bedrock-mantle endpoint, or '
                 "estimate: helpers.tokens.estimate_tokens.")
    else:
        text = _('count with a model that has it, by its bare id (e.g. "{id}", never a profile),\nor use Anthropic\'s '
                 "count_tokens on the bedrock-mantle endpoint, or estimate: helpers.tokens.estimate_tokens.")
    return text.format(model=m.display_name if m else "", id=example.base_id)


_BODY_ADVICE = {
    ("required", "anthropic_version"): N_('add "anthropic_version": "bedrock-2023-05-31"'),
    ("required", "max_tokens"): N_('add "max_tokens" (e.g. 1024); Bedrock has no default'),
    ("required", "messages"): N_('add "messages": [{"role": "user", "content": "..."}]'),
    ("extraneous", "model"): N_('remove "model" (the model goes in modelId, not the body)'),
    ("extraneous", "stream"): N_('remove "stream" (call invoke_model_with_response_stream to stream)'),
}


def _malformed(match: re.Match[str], _model_id: str | None) -> str:
    detail = match["detail"] or ""
    steps = []
    for kind, key in re.findall(r"(required|extraneous) key \[([^\]]+)\]", detail):
        if (kind, key) in _BODY_ADVICE:
            steps.append(_(_BODY_ADVICE[kind, key]))
        elif kind == "required":
            steps.append(_('add "{key}"').format(key=key))
        else:
            steps.append(_('remove "{key}" (Bedrock does not accept it)').format(key=key))
    steps += [_("fix {path}").format(path=v.strip()) for v in re.findall(r"#(/[^#]*?)(?=#|$)", detail)]
    if not steps:
        return _('The body must be JSON: json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, '
                 '"messages": [...]}).')
    return _("In the InvokeModel body: {steps}.").format(steps="; ".join(steps))


def _one_m_models() -> str:
    beta = [m.key for m in catalog.models() if m.context_1m_beta and _active(m)]
    native = [m.key for m in catalog.models() if m.long_context == "native" and _active(m) and m.page == "legacy"]
    if beta:
        text = _("the `{beta}` beta works on {models}").format(beta=catalog.CONTEXT_1M_BETA, models=", ".join(beta))
    else:
        text = _("the `{beta}` beta widens no active model any more (retired {date})").format(
            beta=catalog.CONTEXT_1M_BETA, date=catalog.general("beta_1m_retired").value)
    if native:
        text += _("; {models} (and the newer models) have 1M tokens natively").format(models=", ".join(native))
    return text


def _prompt_too_long(match: re.Match[str], _model_id: str | None) -> str:
    return _("The prompt has {tokens} tokens, over the {limit} window: count first (helpers.tokens.estimate_tokens "
             "or CountTokens) and trim,\nor use a longer context: {longer}.").format(
                 tokens=f"{int(match['tokens']):,}", limit=f"{int(match['limit']):,}", longer=_one_m_models())


def _input_too_long(_match: re.Match[str], _model_id: str | None) -> str:
    return _("Count first (helpers.tokens.estimate_tokens or CountTokens) and trim,\nor use a longer context: "
             "{longer}.").format(longer=_one_m_models())


# --- tools, prompt caching, thinking, structured outputs (issue H) -----------------------------------------

def _models_where(test: Callable[[catalog.Model], bool]) -> str:
    names = [m.display_name for m in catalog.models() if _active(m) and test(m)]
    return ", ".join(names) or _("none of the active models")


def _invalid_beta(_match: re.Match[str], model_id: str | None) -> str:
    try:
        model = catalog.resolve(model_id).model if model_id else None
    except (LookupError, ValueError):
        model = None
    only = _("Send only betas the model takes (the list differs by model family, and Bedrock's differs from "
             "Anthropic's API).")
    one_m = _("The 1M beta: {models}.").format(models=_one_m_models())
    if model:
        lines = [sentences(only, _("{model} takes: {betas}.").format(
            model=model.display_name, betas=", ".join(sorted(model.accepted_betas)))), one_m]
    else:
        lines = [sentences(only, one_m)]
    lines.append(_('InvokeModel puts betas in the body ("anthropic_beta": [...]); Converse in '
                   'additionalModelRequestFields={"anthropic_beta": [...]}; the Messages API in the anthropic-beta '
                   "header."))
    return "\n".join(lines)


def _no_structured_outputs(match: re.Match[str], _model_id: str | None) -> str:
    return _("Remove {param}: this model does not take structured outputs or strict tools on Bedrock. They work on: "
             "{models}.\nElsewhere, ask for JSON in the prompt and validate it in your code (e.g. pydantic).").format(
                 param=match["param"], models=_models_where(lambda m: m.structured_outputs))


def _forced_with_thinking(_match: re.Match[str], _model_id: str | None) -> str:
    return _('Use tool_choice {{"type": "auto"}} while thinking is on, or turn thinking off for that one call '
             '({{"type": "disabled"}}) where the model allows it.\nModels that always think cannot be forced: '
             "{models}.").format(models=_models_where(lambda m: not m.forced_tool_choice or m.always_thinks))


def _max_tokens(match: re.Match[str], _model_id: str | None) -> str:
    return _("Lower max_tokens to at most {limit} for this model (or stream and continue).").format(
        limit=match["limit"])


def _api_key_rejected(_match: re.Match[str], _model_id: str | None) -> str:
    """Bedrock answers every refused key with the same text: what the key in the environment says about itself
    (kind, region, expiry: never the key) tells which case it is."""
    import os

    from . import api_keys

    key = os.environ.get(api_keys.ENV_VARIABLE)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    causes = _("Causes: a wrong or truncated key; a short-term key past its expiry (at most 12 h) or made for another "
               "region;\na long-term key that was deactivated or deleted; short-term keys also die with the session "
               "that made them.")
    fix = _("Make a new short-term key for the region you call: helpers.api_keys.short_term() (or "
            "aws_bedrock_token_generator.provide_token()),\nor unset AWS_BEARER_TOKEN_BEDROCK to sign with your IAM "
            "credentials. helpers.api_keys.describe(key) shows what a key is.")
    if not key:
        return f"{causes}\n{fix}"
    info = api_keys.describe(key)
    if info.problem:
        found = _("AWS_BEARER_TOKEN_BEDROCK holds {key}.")
    elif info.expired():
        found = _("AWS_BEARER_TOKEN_BEDROCK holds a key that has expired: {key}.")
    elif info.region and region and info.region != region:
        found = _("AWS_BEARER_TOKEN_BEDROCK was made for {key_region}, but the client calls {region}: {key}.")
    else:
        found = _("AWS_BEARER_TOKEN_BEDROCK holds {key}; if it was not changed, it was revoked (or is for another "
                  "account).")
    return found.format(key=info, key_region=info.region, region=region) + "\n" + fix


_TLS_CODES = ("SSLError", "SSLCertVerificationError", "ConnectError", "APIConnectionError", "FetchError",
              "TypeError", "Error", "EndpointConnectionError")
_TLS_FAILURE = (r"CERTIFICATE_VERIFY_FAILED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate|"
                r"self[- ]signed certificate|unable to get local issuer certificate")

_TLS_UNTRUSTED = N_(
    "Offline: run helpers.connect() before creating the client; it points AWS_CA_BUNDLE (boto3, AWS CLI), "
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
_RETRY_SETTINGS = {"attempts": retries.MAX_ATTEMPTS, "retries": retries.ANTHROPIC_MAX_RETRIES}
_RETRY = N_('Retry with backoff: boto3 config=helpers.retries.boto3_config() (Config(retries={{"mode": '
            '"standard", "total_max_attempts": {attempts}}})) or AnthropicBedrock(max_retries={retries}).')
_RETRIES = N_('Retry with backoff: boto3 config=helpers.retries.boto3_config() (Config(retries={{"mode": '
              '"standard", "total_max_attempts": {attempts}}})) or AnthropicBedrock(max_retries={retries});\n'
              "spread load over a `global.` profile and request higher quotas in Service Quotas (Amazon Bedrock).")

# Every "no credentials" answer gives the same three ways in, and the way around.
_NO_CREDENTIALS = (
    N_("Give the SDKs credentials: `aws configure` (access keys), or `aws configure sso` + `aws sso login` and "
       "AWS_PROFILE=<profile>,\nor export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. "
       "No AWS account yet? Run the notebooks offline: HANDSON_MODE=offline."))


def _partial_credentials(match: re.Match[str], _model_id: str | None) -> str:
    missing, provider = match["missing"], match["provider"]
    if provider == "env":
        return _("Set {missing} too (the two go together), or unset AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to "
                 "use your `aws configure` profile instead.\nNo AWS account yet? Run the notebooks offline: "
                 "HANDSON_MODE=offline.").format(missing=missing)
    if provider in ("shared-credentials-file", "config-file"):
        return _("Add {missing} to the profile (`aws configure` writes both keys), or choose another profile "
                 "with AWS_PROFILE.").format(missing=missing)
    return _("Provide {missing} as well, or neither key to use the default credential chain (`aws configure`).").format(
        missing=missing)


def _profile_not_found(match: re.Match[str], _model_id: str | None) -> str:
    return _("List your profiles with `aws configure list-profiles`, then set AWS_PROFILE to one of them "
             "(or create {quoted} with `aws configure --profile {profile}`);\n"
             "unset AWS_PROFILE to use the default profile.").format(quoted=repr(match["profile"]),
                                                                      profile=match["profile"])


_CREDENTIAL_SOURCES = {"custom-process": N_("the profile's credential_process command"),
                       "assume-role": N_("the profile's role_arn / source_profile (can you assume that role?)"),
                       "sso": N_("your SSO session (`aws sso login --profile <profile>`)")}


def _retrieval_failed(match: re.Match[str], _model_id: str | None) -> str:
    provider = match["provider"]
    where = (_(_CREDENTIAL_SOURCES[provider]) if provider in _CREDENTIAL_SOURCES
             else _("the {provider} source").format(provider=provider))
    return _("Check {where}: run `aws sts get-caller-identity` to see the same error in full,\n"
             "or switch to plain keys (`aws configure`).").format(where=where)

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
         lambda m, _id: _("Allow {action} (bedrock:CallWithBearerToken for bedrock-runtime, "
                          "bedrock-mantle:CallWithBearerToken for bedrock-mantle)\nin the identity's IAM policy, "
                          "or an SCP denies it: then sign with your IAM credentials (unset AWS_BEARER_TOKEN_BEDROCK)."
                          ).format(action=m["action"])),
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
         N_("This model does not accept API version {new_api_version}."), _new_api_version),
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
         lambda m, _id: _("Keep at most {most} checkpoints (cache_control, or Converse cachePoint): put them "
                          "at the ends of the parts that do not change (tools, system, the long document)."
                          ).format(most=m["most"])),
    Rule(("ValidationException",), r"a ttl='1h' cache_control block must not come after a ttl='5m'", None,
         N_("Cache checkpoints with a 1-hour TTL must come before 5-minute ones."),
         N_("Order checkpoints by TTL in the order Claude reads them (tools, system, messages): every ttl '1h' "
            "first, then the '5m' ones.")),
    Rule(("ValidationException",), r"budget_tokens: Input should be greater than or equal to (?P<least>\d+)",
         None, N_("The thinking budget is below the minimum."),
         lambda m, _id: _("Set thinking.budget_tokens to at least {least}, and below max_tokens.").format(
             least=m["least"])),
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
         N_("API version {new_api_version} removed temperature, top_p and top_k: any value is refused."),
         lambda m, _id: _("Remove {param} (and top_p, top_k) from the request; the models that still take "
                          'them need anthropic_version "{version}" (pin the SDK, or extra_body).').format(
                              param=m["param"], version=catalog.BEDROCK_API_VERSION)),
    Rule(("ValidationException",), r"(?P<param>[\w.\[\]]+): Extra inputs are not permitted", 10,
         N_("The request has a field this model or API version does not take."),
         lambda m, _id: _("Remove {param} from the request.").format(param=m["param"])),
    Rule(("ValidationException",), r"`(?P<param>temperature|top_p|top_k)` is deprecated for this model", 8,
         N_("This model chooses its own sampling: it refuses temperature, top_p and top_k."),
         lambda m, _id: _("Remove {param} (and the other two; Converse: inferenceConfig temperature/topP); "
                          "steer the output with the prompt instead.").format(param=m["param"])),
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
         N_("Bedrock throttled the request (requests or tokens per minute, or a daily quota)."),
         _shown(_RETRIES, **_RETRY_SETTINGS)),
    Rule(("ServiceQuotaExceededException",), None, 7,
         N_("An account quota for Bedrock is exhausted."), _shown(_RETRIES, **_RETRY_SETTINGS)),
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
         _shown(_RETRY, **_RETRY_SETTINGS)),
    # set-up: region, credentials, SDK versions
    Rule(("NoRegionError",), None, 15,
         N_("No AWS region is configured for the client."),
         _shown(N_('Set AWS_REGION and AWS_DEFAULT_REGION (or pass region_name="us-east-1" / aws_region=...):\n'
                   "{region_summary}."), region_summary=_region_summary)),
    Rule(("ValueError",), r"No AWS region was provided", 15,
         N_("No AWS region is configured for AnthropicBedrock."),
         _shown(N_('Pass AnthropicBedrock(aws_region="us-east-1") or set both AWS_REGION and AWS_DEFAULT_REGION:\n'
                   "{region_summary}."), region_summary=_region_summary)),
    Rule(("UnknownServiceError",), r"bedrock-runtime", 9,
         N_("This boto3/botocore is too old to know Bedrock."),
         _shown(N_('Upgrade and restart the kernel: pip install -U "{requirement}".'), requirement=BOTO3_REQUIREMENT)),
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
         _TLS_UNTRUSTED),
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
                title = _(rule.title).format(new_api_version=catalog.NEW_API_VERSION) if "{" in rule.title \
                    else _(rule.title)
                return Explanation(code, message, title, fix, rule.pain_point, True)
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
