"""Who is calling: SigV4 verification for real, and Bedrock API keys (``Authorization: Bearer``).

The emulator accepts only the documented local credentials below. They are AWS's own published
example values, so they can never be mistaken for, or work as, real credentials.

Bedrock API keys (G-facts Q5, H for the format): a *short-term* key is what ``aws-bedrock-token-generator``
makes, ``bedrock-api-key-`` + base64 of a SigV4 presigned URL
(``bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-…&X-Amz-Signature=…&Version=1``) signed with the
caller's own credentials for service ``bedrock`` in a region, valid up to 12 hours. It is verified for real:
the signature is recomputed with botocore's presigned-URL signer and the secret of the access key named in
the key, then its expiry and its region (the emulator's: the region of the endpoint the request reached).
A *long-term* key (``ABSK`` + base64 of ``BedrockAPIKey-…-at-<account>:<secret>``, an IAM service-specific
credential) is compared with the documented ``BEDROCK_API_KEY``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cache, lru_cache
from urllib.parse import quote, unquote

from .. import catalog
from . import errors

ACCOUNT_ID = "123456789012"  # AWS's documented example account id

# Long-term key pair (an IAM user). AWS's documented example values.
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Temporary credentials (an assumed role): these only work together with the session token.
SESSION_ACCESS_KEY_ID = "ASIAIOSFODNN7EXAMPLE"
SESSION_SECRET_ACCESS_KEY = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
SESSION_TOKEN = "EmulatorSessionTokenEXAMPLE"
# The documented long-term Bedrock API key (sent as AWS_BEARER_TOKEN_BEDROCK), in the format public tools
# decode (G-facts Q5b, M): "ABSK" + base64("BedrockAPIKey-<id>-at-<account>:<secret>").
LONG_TERM_KEY_PREFIX = "ABSK"
BEDROCK_API_KEY = LONG_TERM_KEY_PREFIX + base64.b64encode(
    f"BedrockAPIKey-emulator-at-{ACCOUNT_ID}:EmulatorLongTermKeySecretEXAMPLE".encode()).decode()
# Short-term keys: aws_bedrock_token_generator 1.1.0's token_generator.py constants (G-facts Q5a, H).
SHORT_TERM_KEY_PREFIX = "bedrock-api-key-"
KEY_HOST = "bedrock.amazonaws.com"
KEY_SERVICE = "bedrock"
KEY_ACTION = "CallWithBearerToken"
KEY_VERSION_SUFFIX = "&Version=1"
MAX_KEY_SECONDS = catalog.general("short_term_key_max_hours").value * 3600  # the generator's and IAM's limit
MAX_API_KEY_CHARS = 16_384  # longer than any key with a session token; past it, no decoding is attempted


@dataclass(frozen=True)
class Identity:
    secret: str
    arn: str
    user_id: str
    session_token: str | None = None


IDENTITIES = {
    ACCESS_KEY_ID: Identity(SECRET_ACCESS_KEY, f"arn:aws:iam::{ACCOUNT_ID}:user/workshop-learner",
                            "AIDAEMULATOREXAMPLE01"),
    SESSION_ACCESS_KEY_ID: Identity(
        SESSION_SECRET_ACCESS_KEY, f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/WorkshopRole/learner",
        "AROAEMULATOREXAMPLE01:learner", SESSION_TOKEN),
}
API_KEY_IDENTITY = Identity("", f"arn:aws:iam::{ACCOUNT_ID}:user/BedrockAPIKey-emulator",
                            "AIDAEMULATOREXAMPLE02")

# Signing names whose endpoints take Bedrock API keys: bedrock(-runtime) and bedrock-mantle (G-facts Q1c, Q5d, H).
BEARER_SERVICES = ("bedrock", "bedrock-mantle")

MAX_SKEW = dt.timedelta(minutes=15)
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<ak>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<sig>[0-9a-f]{64})\s*$"
)
_SPACES = re.compile(r"\s+")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_PRINTABLE_REGION = re.compile(r"^[a-z0-9-]{1,64}$")
PARTITION = "aws"  # the emulator's ARNs are arn:aws:…, so its regions are the commercial partition's
# Signing names of the services aws_services.py serves beside the emulator, and the variable that points there.
OFFLINE_AWS_SERVICES = {"s3": "AWS_ENDPOINT_URL_S3", "logs": "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
                        "iam": "AWS_ENDPOINT_URL_IAM"}


@cache
def regions() -> frozenset[str]:
    """The regions of the AWS partition, from botocore's endpoint data (no hand-written list)."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    return frozenset(next(p for p in partitions if p["partition"] == PARTITION)["regions"])


def check_region(region: object) -> str:
    """``region`` if it is an AWS region, else a ValueError that says what a region looks like."""
    if isinstance(region, str) and region in regions():
        return region
    raise ValueError(f"{ascii(region)[:80]} is not an AWS region; use one such as us-east-1, us-west-2, "
                     f"eu-west-1 or ap-northeast-1 ({len(regions())} known to botocore).")


def _invalid_region(region: str, service: str) -> AuthError:
    """AWS's refusal of a credential scoped to a region that does not exist. Bedrock's text, captured
    in aws-samples/amazon-bedrock-kendra-lex-chatbot#6 (InvalidSignatureException on InvokeModel):
    "Credential should be scoped to a valid region."; STS (query protocol, SignatureDoesNotMatch)
    names the region, as captured in cognitect-labs/aws-api#27 and JuliaCloud/AWS.jl#565."""
    if service == "sts" and _PRINTABLE_REGION.match(region):
        return AuthError(errors.invalid_signature(
            f"Credential should be scoped to a valid region, not '{region}'. "), "signature")
    return AuthError(errors.invalid_signature("Credential should be scoped to a valid region."), "signature")


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: whose credentials, and the region their signature is scoped to."""

    identity: Identity
    access_key_id: str | None
    region: str
    method: str  # "sigv4" or "bearer"


class AuthError(Exception):
    """Authentication failed; ``kind`` is protocol-neutral so each plane can render it its way."""

    def __init__(self, error: errors.BedrockError, kind: str) -> None:
        super().__init__(error.message)
        self.error = error
        self.kind = kind  # missing | incomplete | unrecognized | signature | expired | bearer


def authenticate(method: str, raw_path: str, query: str, headers: dict[str, str], body: bytes,
                 service: str, default_region: str, now: dt.datetime | None = None,
                 revoked: Callable[[str], bool] | None = None) -> Caller:
    """Verify the request's SigV4 signature (or Bedrock API key) and return the caller.

    ``revoked`` (the state's ``api_key_revoked``) says whether a key was revoked by the teaching control."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return verify_api_key(auth[7:].strip(), service, default_region, now, revoked)
    if not auth:
        raise AuthError(errors.missing_authentication(), "missing")
    m = _AUTH.match(auth)
    if not m:
        raise AuthError(errors.invalid_signature(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
            "for AWS4-HMAC-SHA256."), "incomplete")
    identity = IDENTITIES.get(m["ak"])
    token = headers.get("x-amz-security-token")
    if identity is None or token != identity.session_token:
        raise AuthError(errors.unrecognized_client(), "unrecognized")
    if m["service"] != service:
        message = f"Credential should be scoped to correct service: '{service}'. "
        if m["service"] in OFFLINE_AWS_SERVICES:  # a client that ignores AWS_ENDPOINT_URL_S3 and the like
            message += (f"[emulator] This is the Bedrock emulator; the offline {m['service']} is at the URL in "
                        f"{OFFLINE_AWS_SERVICES[m['service']]}. A client that sends it here ignores service-specific "
                        "endpoint variables: upgrade boto3 (botocore 1.31 or later) or the AWS CLI (1.29 or 2.13 or "
                        "later; localstack/awscli-local#76 dates both to the feature's release).")
        raise AuthError(errors.invalid_signature(message), "signature")
    if m["region"] not in regions():
        raise _invalid_region(m["region"], service)
    signed_at = _request_time(headers)
    amz_date = headers.get("x-amz-date") or signed_at.strftime("%Y%m%dT%H%M%SZ")
    _check_skew(signed_at, now or dt.datetime.now(dt.UTC))
    signed = m["signed"].split(";")
    # The host must be signed: as "host", or over HTTP/2 as ":authority" (the AWS SDK for JavaScript v3 does).
    host_signed = "host" in signed or (":authority" in signed and ":authority" in headers)
    if not host_signed or amz_date[:8] != m["date"]:
        raise AuthError(errors.invalid_signature(), "signature")
    declared = headers.get("x-amz-content-sha256")
    if declared and declared != "UNSIGNED-PAYLOAD" and declared != hashlib.sha256(body).hexdigest():
        raise AuthError(errors.invalid_signature(), "signature")  # a body changed in transit
    canonical = canonical_request(method, raw_path, query, signed, headers, body)
    scope = f"{m['date']}/{m['region']}/{service}/aws4_request"
    to_sign = "\n".join(("AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()))
    key = _signing_key(identity.secret, m["date"], m["region"], service)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, m["sig"]):
        raise AuthError(errors.invalid_signature(), "signature")
    return Caller(identity, m["ak"], m["region"], "sigv4")


class KeyRefused(AuthError):
    """A Bedrock API key was refused. Every reason answers the same 403 on the wire (AWS's text for a wrong
    or other-region key, G-facts Q5c, M; its texts for expired and revoked keys were not found, so they share
    it); ``reason`` (invalid | expired | region | revoked | service) is for the emulator's own tests and logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(errors.bearer_invalid(), "bearer")
        self.reason = reason


@dataclass(frozen=True)
class ShortTermKey:
    """What a short-term key says about itself (decoded; the signature is checked by ``verify_api_key``)."""

    access_key_id: str
    region: str
    service: str
    signed_at: dt.datetime
    seconds: int
    session_token: str | None
    host: str
    action: str
    algorithm: str
    signed_headers: str
    signature: str
    signed_query: str  # the presigned query without X-Amz-Signature: what the signature covers

    @property
    def expires_at(self) -> dt.datetime:
        return self.signed_at + dt.timedelta(seconds=self.seconds)


_KEY_PARAMS = frozenset({"Action", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                         "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"})
_REQUIRED_KEY_PARAMS = _KEY_PARAMS - {"X-Amz-Security-Token"}  # present only for temporary credentials
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")


def parse_short_term_key(key: str) -> ShortTermKey:
    """Decode a ``bedrock-api-key-…`` key; ValueError says what is malformed."""
    if not key.startswith(SHORT_TERM_KEY_PREFIX) or len(key) > MAX_API_KEY_CHARS:
        raise ValueError("not a short-term Bedrock API key")
    try:
        url = base64.b64decode(key[len(SHORT_TERM_KEY_PREFIX):], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("the key is not base64 of a URL") from None
    if not url.endswith(KEY_VERSION_SUFFIX):
        raise ValueError("the key does not end with Version=1")
    host, separator, query = url[:-len(KEY_VERSION_SUFFIX)].partition("/?")
    pairs = [part.partition("=") for part in query.split("&")] if separator else []
    params = {k: unquote(v) for k, _, v in pairs}
    if len(params) != len(pairs) or not _REQUIRED_KEY_PARAMS <= set(params) <= _KEY_PARAMS:
        raise ValueError("the presigned URL's parameters are not those of a Bedrock API key")
    ak, date, region, service, terminator = (params["X-Amz-Credential"].split("/") + [""] * 5)[:5]
    amz_date, seconds = params["X-Amz-Date"], params["X-Amz-Expires"]
    if (not _AMZ_DATE.match(amz_date) or amz_date[:8] != date or terminator != "aws4_request"
            or not seconds.isdigit() or len(seconds) > 9 or not _SIGNATURE.match(params["X-Amz-Signature"])):
        raise ValueError("the presigned URL's credential, date, expiry or signature is malformed")
    signed_at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    signed_query = "&".join(f"{k}={v}" for k, _, v in pairs if k != "X-Amz-Signature")
    return ShortTermKey(ak, region, service, signed_at, int(seconds), params.get("X-Amz-Security-Token"), host,
                        params["Action"], params["X-Amz-Algorithm"], params["X-Amz-SignedHeaders"],
                        params["X-Amz-Signature"], signed_query)


def verify_api_key(key: str, service: str, default_region: str, now: dt.datetime | None = None,
                   revoked: Callable[[str], bool] | None = None) -> Caller:
    """The caller a Bedrock API key stands for, or KeyRefused. ``default_region`` is the emulator's region:
    a short-term key is valid only in the region it was made for (the scope of its signature)."""
    if service not in BEARER_SERVICES:
        raise KeyRefused("service")
    if key.startswith(SHORT_TERM_KEY_PREFIX):
        short = _verified_short_term(key)
        if short is None:
            raise KeyRefused("invalid")
        now = now or dt.datetime.now(dt.UTC)
        if short.signed_at > now + MAX_SKEW:
            raise KeyRefused("invalid")  # made in the future: a wrong clock or a forged date
        if now > short.expires_at:
            raise KeyRefused("expired")
        if short.region != default_region:
            raise KeyRefused("region")
        caller = Caller(IDENTITIES[short.access_key_id], short.access_key_id, default_region, "bearer")
    elif hmac.compare_digest(key.encode("utf-8", "surrogatepass"), BEDROCK_API_KEY.encode()):
        caller = Caller(API_KEY_IDENTITY, None, default_region, "bearer")
    else:
        raise KeyRefused("invalid")
    if revoked is not None and revoked(key):
        raise KeyRefused("revoked")
    return caller


@lru_cache(maxsize=256)
def _verified_short_term(key: str) -> ShortTermKey | None:
    """The decoded key if it is well formed and its signature is the emulator's (cached: clients resend the
    same key on every request), else None. Time, region and revocation are checked on every use."""
    try:
        short = parse_short_term_key(key)
    except ValueError:
        return None
    identity = IDENTITIES.get(short.access_key_id)
    if (identity is None or short.session_token != identity.session_token or short.host != KEY_HOST
            or short.action != KEY_ACTION or short.algorithm != "AWS4-HMAC-SHA256" or short.service != KEY_SERVICE
            or short.signed_headers != "host" or not 0 < short.seconds <= MAX_KEY_SECONDS
            or short.region not in regions()):
        return None
    expected = _presigned_signature(short, identity)
    return short if hmac.compare_digest(expected, short.signature) else None


def _presigned_signature(short: ShortTermKey, identity: Identity) -> str:
    """The signature botocore's SigV4QueryAuth (the generator's signer) computes for this presigned URL."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=f"https://{short.host}/?{short.signed_query}",
                         headers={"host": short.host})
    request.context["timestamp"] = short.signed_at.strftime("%Y%m%dT%H%M%SZ")
    signer = SigV4QueryAuth(Credentials(short.access_key_id, identity.secret, identity.session_token),
                            short.service, short.region, expires=short.seconds)
    return signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)


def _request_time(headers: dict[str, str]) -> dt.datetime:
    """The signing time: X-Amz-Date, else the HTTP Date header (SigV4 allows either)."""
    try:
        if "x-amz-date" in headers:
            v = headers["x-amz-date"]  # YYYYMMDDTHHMMSSZ; parsed by hand: strptime is slow
            if not _AMZ_DATE.match(v):
                raise ValueError(v)
            return dt.datetime(int(v[:4]), int(v[4:6]), int(v[6:8]), int(v[9:11]), int(v[11:13]), int(v[13:15]),
                               tzinfo=dt.UTC)
        if "date" in headers:
            return parsedate_to_datetime(headers["date"]).astimezone(dt.UTC)
    except (ValueError, TypeError, OverflowError):  # OverflowError: dates past year 9999 in UTC
        pass
    raise AuthError(errors.invalid_signature(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."), "incomplete")


def _check_skew(signed_at: dt.datetime, now: dt.datetime) -> None:
    fmt = "%Y%m%dT%H%M%SZ"
    if signed_at < now - MAX_SKEW:
        raise AuthError(errors.invalid_signature(
            f"Signature expired: {signed_at:{fmt}} is now earlier than {now - MAX_SKEW:{fmt}} "
            f"({now:{fmt}} - 15 min.)"), "expired")
    if signed_at > now + MAX_SKEW:
        raise AuthError(errors.invalid_signature(
            f"Signature not yet current: {signed_at:{fmt}} is still later than {now + MAX_SKEW:{fmt}} "
            f"({now:{fmt}} + 15 min.)"), "expired")


def canonical_request(method: str, raw_path: str, query: str, signed: list[str],
                      headers: dict[str, str], body: bytes) -> str:
    """SigV4's canonical request for non-S3 services: the received path is encoded once more."""
    path = _canonical_path(raw_path)
    pairs = []
    for part in query.split("&") if query else ():
        k, _, v = part.partition("=")
        pairs.append((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")))
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    canonical_headers = "".join(f"{h}:{_trimmed(headers.get(h, ''))}\n" for h in signed)
    payload_hash = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    return "\n".join((method, path, canonical_query, canonical_headers, ";".join(signed), payload_hash))


@lru_cache(maxsize=1024)
def _canonical_path(raw_path: str) -> str:
    return quote(_remove_dot_segments(raw_path) or "/", safe="/~")


def _trimmed(value: str) -> str:
    """A header value as SigV4 canonicalises it: trimmed, inner runs of spaces squeezed to one."""
    value = value.strip()
    return _SPACES.sub(" ", value) if "  " in value or not value.isprintable() else value


def _remove_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    out: list[str] = []
    for seg in path.split("/"):
        if seg == "..":
            if len(out) > 1:
                out.pop()
        elif seg != ".":
            out.append(seg)
    return "/".join(out)


@lru_cache(maxsize=64)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
