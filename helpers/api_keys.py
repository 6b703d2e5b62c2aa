"""Bedrock API keys: make a short-term key, see what a key is (without showing it), and the facts to teach.

A Bedrock API key is sent as ``Authorization: Bearer <key>``: boto3 (>= 1.39) and the AWS CLI read it from
``AWS_BEARER_TOKEN_BEDROCK`` and send it only over HTTPS; ``AnthropicBedrock`` and ``AnthropicBedrockMantle``
read the same variable (or ``api_key=``). Two kinds (G-facts Q5, H unless noted):

- **short-term**: ``bedrock-api-key-`` + base64 of a SigV4 presigned URL made from *your* credentials for one
  region; valid up to 12 hours (and never longer than the session that made it). Made locally by
  ``aws-bedrock-token-generator``: no AWS call, nothing to clean up; it stops working when it expires or when
  the credentials' session is revoked.
- **long-term**: ``ABSK…`` (M), an IAM service-specific credential tied to an IAM user:
  ``aws iam create-service-specific-credential --user-name <user> --service-name bedrock.amazonaws.com
  --credential-age-days 30``; at most two per user; revoke with ``aws iam update-service-specific-credential
  --status Inactive`` or ``delete-service-specific-credential``.

In offline mode :func:`short_term` uses the same generator with the emulator's documented credentials, so the
key has the real format and the emulator verifies its signature, expiry and region for real.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from . import catalog
from .i18n import N_, Phrase, _
from .i18n import shown as in_language

__all__ = ["ENV_VARIABLE", "IAM_FACTS", "MAX_EXPIRY", "KeyInfo", "describe", "long_term_note", "short_term"]

ENV_VARIABLE = "AWS_BEARER_TOKEN_BEDROCK"
MAX_EXPIRY = dt.timedelta(hours=catalog.general("short_term_key_max_hours").value)  # AWS, in the catalog
SHORT_TERM_PREFIX = "bedrock-api-key-"
LONG_TERM_PREFIX = "ABSK"

# What a key may do, and how to allow or deny it (AWS api-keys-permissions; SCP example Deny-Bedrock-api-keys, H).
IAM_FACTS = {
    "bedrock:CallWithBearerToken": "needed to use any Bedrock API key on bedrock and bedrock-runtime "
                                   "(besides the permission for the call itself, e.g. bedrock:InvokeModel)",
    "bedrock-mantle:CallWithBearerToken": "the same for the bedrock-mantle endpoint (the Messages API there); "
                                          "deny both actions to block keys entirely",
    "bedrock:bearerTokenType": "condition key: SHORT_TERM or LONG_TERM, e.g. to allow only short-term keys",
    "iam:CreateServiceSpecificCredential": "creates long-term keys (condition iam:ServiceSpecificCredentialServiceName "
                                           "= bedrock.amazonaws.com, iam:ServiceSpecificCredentialAgeDays)",
}


@dataclass(frozen=True)
class KeyInfo:
    """What a key says about itself, safe to print: never the key or a secret, only a short prefix."""

    kind: str                       # "short-term", "long-term" or "unknown"
    shown: str                      # the first characters, e.g. "bedrock-api-key-YmVk…"
    region: str | None = None       # short-term: the region it was made for (it works only there)
    issued: dt.datetime | None = None
    expires: dt.datetime | None = None
    access_key: str | None = None   # short-term: the masked access key id that signed it
    temporary: bool = False         # short-term: made from temporary credentials (a session token)
    account: str | None = None      # long-term: the account in its alias
    problem: str | None = None      # why it cannot be a valid key, if that shows from the key alone

    def expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires is not None and (now or dt.datetime.now(dt.UTC)) > self.expires

    def __str__(self) -> str:
        kinds = {"short-term": _("short-term Bedrock API key {shown}"),
                 "long-term": _("long-term Bedrock API key {shown}"), "unknown": _("unknown Bedrock API key {shown}")}
        parts = [kinds.get(self.kind, "{kind} Bedrock API key {shown}").format(kind=self.kind, shown=self.shown)]
        if self.region:
            parts.append(_("for {region}").format(region=self.region))
        if self.expires:
            left = self.expires - dt.datetime.now(dt.UTC)
            when = f"{self.expires:%Y-%m-%d %H:%M} UTC"
            parts.append(_("expired {when}").format(when=when) if left.total_seconds() < 0 else
                         _("expires {when} (in {left})").format(when=when, left=_duration(left)))
        if self.access_key:
            parts.append((_("made with {access_key} (temporary credentials)") if self.temporary else
                          _("made with {access_key}")).format(access_key=self.access_key))
        if self.account:
            parts.append(_("of account {account}").format(account=self.account))
        if self.problem:
            parts.append("— " + (in_language(self.problem) if isinstance(self.problem, Phrase) else _(self.problem)))
        return ", ".join(parts)


def short_term(conn: Any = None, expiry: dt.timedelta = MAX_EXPIRY, region: str | None = None) -> str:
    """A short-term Bedrock API key, made with ``aws_bedrock_token_generator`` (no AWS call).

    aws mode: from the credentials boto3 finds (your profile, SSO session or role) for ``region`` (default:
    the connection's, else AWS_REGION/AWS_DEFAULT_REGION). Offline (``conn.mode == "offline"``): from the
    emulator's documented credentials for the emulator's region, so the emulator can verify it. ``expiry``:
    more than 0 and at most 12 hours. Keep it out of notebooks' outputs: print ``describe(key)`` instead.
    """
    from aws_bedrock_token_generator import provide_token
    from botocore.credentials import CredentialProvider, Credentials

    if conn is None:
        from .connection import current

        conn = current()
    region = region or getattr(conn, "region", None) or os.environ.get("AWS_REGION") \
        or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise ValueError(_("No region for the key: pass region=..., connect() first, or set AWS_REGION (a short-term "
                           "key works only in the region it was made for)."))
    if getattr(conn, "mode", None) == "offline":
        from .emulator import auth

        class Documented(CredentialProvider):  # the emulator's published example keys, never real ones
            def load(self) -> Credentials:
                return Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)

        return provide_token(region=region, aws_credentials_provider=Documented(), expiry=expiry)
    return provide_token(region=region, expiry=expiry)


def describe(key: str | None = None) -> KeyInfo:
    """What ``key`` is (default: ``AWS_BEARER_TOKEN_BEDROCK``): kind, region, expiry, without the secret parts."""
    key = (key if key is not None else os.environ.get(ENV_VARIABLE, "")).strip()
    if key.lower().startswith("bearer "):
        key = key[7:].strip()
    shown = _shown(key)
    if key.startswith(SHORT_TERM_PREFIX):
        return _describe_short_term(key, shown)
    if key.startswith(LONG_TERM_PREFIX):
        try:
            alias = base64.b64decode(key[len(LONG_TERM_PREFIX):], validate=True).decode("utf-8").split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return KeyInfo("long-term", shown, problem=N_("its text after ABSK is not base64: it was cut or changed"))
        account = alias.rsplit("-at-", 1)[1] if "-at-" in alias else None
        return KeyInfo("long-term", shown, account=account)
    return KeyInfo("unknown", shown, problem=N_("no key") if not key else
                   N_("not a Bedrock API key (they start with bedrock-api-key- or ABSK)"))


def _describe_short_term(key: str, shown: str) -> KeyInfo:
    from .emulator.auth import parse_short_term_key

    try:
        parsed = parse_short_term_key(key)
    except ValueError as e:
        return KeyInfo("short-term", shown, problem=Phrase(N_("malformed: {reason} (cut or changed when copied?)"),
                                                           reason=str(e)))
    return KeyInfo("short-term", shown, parsed.region, parsed.signed_at, parsed.expires_at,
                   _masked(parsed.access_key_id), parsed.session_token is not None)


def long_term_note() -> str:
    """How a long-term key is made, used and revoked (for a notebook's markdown or a print)."""
    return (
        "Long-term Bedrock API key (ABSK…): an IAM service-specific credential of an IAM user.\n"
        "  create: aws iam create-service-specific-credential --user-name <user> "
        "--service-name bedrock.amazonaws.com --credential-age-days 30\n"
        "          (the secret is shown once; at most 2 per user; the console's API keys page does the same)\n"
        "  use:    export AWS_BEARER_TOKEN_BEDROCK=<key>   (boto3 >= 1.39, AWS CLI, AnthropicBedrock)\n"
        "  revoke: aws iam update-service-specific-credential --user-name <user> "
        "--service-specific-credential-id <id> --status Inactive   (or delete-service-specific-credential)\n"
        "Prefer short-term keys (helpers.api_keys.short_term(): up to 12 h, from your own credentials);\n"
        "long-term keys are for exploring: they live until revoked, like access keys."
    )


def _shown(key: str) -> str:
    if not key:
        return "(none)"
    head = SHORT_TERM_PREFIX if key.startswith(SHORT_TERM_PREFIX) else ""
    return key[:len(head) + 4] + "…" if len(key) > len(head) + 8 else "…"


def _masked(access_key: str) -> str:
    return f"{access_key[:4]}…{access_key[-4:]}" if len(access_key) > 8 else "…"


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 60:
        return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")
    return _("{minutes} min").format(minutes=minutes)
