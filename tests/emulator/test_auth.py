"""SigV4 and API-key authentication over real HTTP (wire spec §3, §5, §7).

botocore's own signer (``signed_request``), real boto3 clients and the Anthropic SDK are the
independent peers: if they and the emulator disagree about a signature, the emulator is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import anthropic
import boto3
import botocore.auth
import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, InvalidEndpointConfigurationError
from botocore.utils import percent_encode_sequence

from conftest import (
    MODEL,
    MODEL_BASE,
    MODEL_GLOBAL,
    MODEL_US,
    NO_RETRY,
    SMALL_GLOBAL,
    SMALL_US,
    claude_body,
    error_of,
    raw_request,
    signed_request,
)
from helpers.emulator import Emulator, auth, errors

SIGNATURE_MISMATCH = errors.invalid_signature().message
UNRECOGNIZED = "The security token included in the request is invalid."
BEARER_FAILED = "Authentication failed: Please make sure your API Key is valid."
MODEL_JP = MODEL.profile_id("jp")
STS_NS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
STS_FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
GET_CALLER_IDENTITY = b"Action=GetCallerIdentity&Version=2011-06-15"
AMZ_DATE = "%Y%m%dT%H%M%SZ"
BEARER_HEADERS = {"Authorization": f"Bearer {auth.BEDROCK_API_KEY}", "Content-Type": "application/json"}
Tamper = Callable[[Any], None]


def client_for(service: str, **kwargs: Any) -> Any:
    """A boto3 client from a fresh session, so it reads the environment as it is now (boto3's
    default session caches the credentials it resolved first)."""
    return boto3.Session().client(service, config=NO_RETRY, **kwargs)


def invoke_path(model_id: str, operation: str = "invoke") -> str:
    """The runtime path as boto3 builds it (every reserved character percent-encoded)."""
    return f"/model/{quote(model_id, safe='')}/{operation}"


def bedrock_error(response: Any) -> tuple[int, str, dict[str, Any]]:
    """(status, error code from x-amzn-ErrorType, JSON body) of a Bedrock error reply."""
    error_type = response.headers.get("x-amzn-errortype", "")
    return response.status, error_type.split(":", 1)[0], json.loads(response.data)


def sts_error(response: Any) -> tuple[int, str, str]:
    """(status, <Code>, <Message>) of an STS XML error reply."""
    root = ET.fromstring(response.data)
    assert root.tag == f"{{{STS_NS['sts']}}}ErrorResponse"
    code = root.findtext("sts:Error/sts:Code", namespaces=STS_NS)
    message = root.findtext("sts:Error/sts:Message", namespaces=STS_NS)
    assert root.findtext("sts:Error/sts:Type", namespaces=STS_NS) == "Sender"
    return response.status, code or "", message or ""


def sts_identity(response: Any) -> dict[str, str]:
    """Arn, UserId and Account of a GetCallerIdentity XML reply."""
    root = ET.fromstring(response.data)
    result = root.find("sts:GetCallerIdentityResult", STS_NS)
    assert result is not None, response.data
    return {child.tag.split("}")[1]: child.text or "" for child in result}


def set_header(name: str, value: str) -> Tamper:
    def tamper(prepared: Any) -> None:
        prepared.headers[name] = value
    return tamper


def replace_in_url(old: str, new: str) -> Tamper:
    def tamper(prepared: Any) -> None:
        assert old in prepared.url
        prepared.url = prepared.url.replace(old, new)
    return tamper


def skew_clock(monkeypatch: pytest.MonkeyPatch, offset: dt.timedelta) -> None:
    """Make botocore's SigV4 signer read a clock that is ``offset`` away from the real one."""
    real = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda remove_tzinfo=True: real(remove_tzinfo) + offset)


def record_authorization(client: Any) -> list[str]:
    """The Authorization header of every request ``client`` sends, in order."""
    seen: list[str] = []

    def record(request: Any, **_: Any) -> None:
        value = request.headers.get("Authorization", b"")
        seen.append(value.decode() if isinstance(value, bytes) else value)

    client.meta.events.register_last("before-send", record)
    return seen


class TestValidSignatures:
    """Requests botocore signs verify, whatever the client's path encoding."""

    def test_list_foundation_models(self, emulator: Emulator) -> None:
        """GET /foundation-models signed by botocore's SigV4Auth succeeds."""
        r = signed_request(emulator.url, "GET", "/foundation-models")
        assert r.status == 200, r.data
        assert json.loads(r.data)["modelSummaries"]

    def test_signed_query_string(self, emulator: Emulator) -> None:
        """Query parameters are part of the canonical request and verify."""
        r = signed_request(emulator.url, "GET", "/inference-profiles?type=SYSTEM_DEFINED&maxResults=2")
        assert r.status == 200, r.data
        assert len(json.loads(r.data)["inferenceProfileSummaries"]) == 2

    def test_query_values_encoded_as_botocore_does(self, emulator: Emulator) -> None:
        """Reserved, unicode and repeated query values, encoded by botocore's own encoder, verify."""
        query = percent_encode_sequence([("type", "SYSTEM_DEFINED"), ("maxResults", "3"),
                                         ("note", "a b/c:d~e+f=g&h é あ"), ("empty", ""), ("z", "1"), ("a", "2")])
        r = signed_request(emulator.url, "GET", f"/inference-profiles?{query}")
        assert r.status == 200, r.data
        assert len(json.loads(r.data)["inferenceProfileSummaries"]) == 3

    @pytest.mark.parametrize("path", [
        # A model id with a colon (Haiku 4.5's ``-v1:0``), since the clients differ in how they encode it.
        pytest.param(f"/model/{SMALL_US.replace(':', '%3A')}/invoke", id="boto3-%3A"),
        pytest.param(f"/model/{SMALL_US}/invoke", id="anthropic-sdk-raw-colon"),
        pytest.param(f"/model/arn:aws:bedrock:us-east-1:123456789012:inference-profile%2F{SMALL_US}/invoke",
                     id="anthropic-sdk-arn-%2F"),
        pytest.param("/model/" + quote(f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{SMALL_US}",
                                       safe="") + "/invoke", id="boto3-arn"),
        pytest.param(f"/model/{SMALL_GLOBAL}/invoke-with-response-stream", id="anthropic-sdk-stream"),
    ])
    def test_invoke_with_each_client_encoding(self, emulator: Emulator, path: str) -> None:
        """The model id verifies however the client encodes it (spec §1.2, §7: path encoded again)."""
        r = signed_request(emulator.url, "POST", path, claude_body().encode(),
                           headers={"Content-Type": "application/json", "Accept": "application/json"})
        assert r.status == 200, r.data
        if path.endswith("/invoke"):
            assert json.loads(r.data)["type"] == "message"

    def test_boto3_clients(self, runtime: Any, bedrock: Any) -> None:
        """Unmodified boto3 clients configured by the environment authenticate on both planes."""
        assert bedrock.list_foundation_models()["modelSummaries"]
        reply = runtime.invoke_model(modelId=MODEL_US, body=claude_body())
        assert json.loads(reply["body"].read())["type"] == "message"
        converse = runtime.converse(modelId=MODEL_GLOBAL,
                                    messages=[{"role": "user", "content": [{"text": "Hi"}]}])
        assert converse["output"]["message"]["role"] == "assistant"
        tokens = runtime.count_tokens(modelId=MODEL_BASE,
                                      input={"invokeModel": {"body": claude_body()}})
        assert tokens["inputTokens"] > 0

    def test_anthropic_sdk_sigv4(self, emulator: Emulator) -> None:
        """AnthropicBedrock signs a raw-colon path with its own botocore session and verifies."""
        client = anthropic.AnthropicBedrock(
            aws_access_key=auth.ACCESS_KEY_ID, aws_secret_key=auth.SECRET_ACCESS_KEY,
            aws_region="us-east-1", base_url=emulator.url, max_retries=0)
        message = client.messages.create(model=MODEL_US, max_tokens=64,
                                         messages=[{"role": "user", "content": "Hello"}])
        assert message.type == "message"

    def test_header_added_after_signing_is_ignored(self, emulator: Emulator) -> None:
        """A header outside SignedHeaders may be added in transit (TS SDK trace headers)."""
        r = signed_request(emulator.url, "GET", "/foundation-models",
                           tamper=set_header("X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000000"))
        assert r.status == 200, r.data

    def test_header_whitespace_is_canonicalized(self, emulator: Emulator) -> None:
        """Signed header values are trimmed and inner spaces collapsed, as botocore does."""
        r = signed_request(emulator.url, "GET", "/foundation-models",
                           headers={"X-Workshop-Note": "  several   spaced    words  "})
        assert r.status == 200, r.data

    def test_unsigned_payload(self, emulator: Emulator) -> None:
        """X-Amz-Content-SHA256: UNSIGNED-PAYLOAD replaces the body hash (spec §7)."""
        r = signed_request(emulator.url, "POST", invoke_path(MODEL_US), claude_body().encode(),
                           headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
        assert r.status == 200, r.data

    def test_date_header_instead_of_x_amz_date(self, emulator: Emulator) -> None:
        """botocore signs with the Date header when one is present (no X-Amz-Date); that verifies."""
        sent: dict[str, str] = {}
        r = signed_request(emulator.url, "GET", "/foundation-models",
                           headers={"Date": "Thu, 01 Jan 1970 00:00:00 GMT"}, tamper=lambda p: sent.update(p.headers))
        assert "X-Amz-Date" not in sent and sent["Date"] != "Thu, 01 Jan 1970 00:00:00 GMT"
        assert r.status == 200, r.data

    def test_date_header_tampered(self, emulator: Emulator) -> None:
        """The Date header is signed when it dates the request: changing it breaks the signature."""
        def tamper(prepared: Any) -> None:
            signed = parsedate_to_datetime(prepared.headers["Date"])
            moved = signed - dt.timedelta(seconds=1) if signed.second else signed + dt.timedelta(seconds=1)
            prepared.headers["Date"] = formatdate(moved.timestamp())

        r = signed_request(emulator.url, "GET", "/foundation-models", headers={"Date": "x"}, tamper=tamper)
        assert bedrock_error(r) == (403, "InvalidSignatureException", {"message": SIGNATURE_MISMATCH})


class TestMissingOrUnknownCredentials:
    """No Authorization at all, or an access key the emulator does not know."""

    @pytest.mark.parametrize(("method", "path"), [
        ("GET", "/foundation-models"),
        ("GET", "/inference-profiles"),
        ("POST", invoke_path(MODEL_US)),
        ("POST", invoke_path(MODEL_US, "converse")),
    ])
    def test_no_authorization(self, emulator: Emulator, method: str, path: str) -> None:
        """No Authorization header → 403 MissingAuthenticationTokenException."""
        r = raw_request(emulator.url, method, path, claude_body().encode() if method == "POST" else b"",
                        {"Content-Type": "application/json"})
        assert bedrock_error(r) == (403, "MissingAuthenticationTokenException",
                                    {"message": "Missing Authentication Token"})
        assert r.headers["x-amzn-errortype"] == ("MissingAuthenticationTokenException:"
                                                 "http://internal.amazon.com/coral/com.amazon.bedrock/")
        assert r.headers.get("x-amzn-requestid")

    def test_unknown_access_key_boto3(self, aws_env: dict[str, str]) -> None:
        """A boto3 client with an unknown key id gets UnrecognizedClientException."""
        client = client_for("bedrock", aws_access_key_id="AKIAIOSFODNN7UNKNOWN",
                              aws_secret_access_key=auth.SECRET_ACCESS_KEY)
        with pytest.raises(ClientError) as excinfo:
            client.list_foundation_models()
        assert error_of(excinfo) == ("UnrecognizedClientException", UNRECOGNIZED, 403)

    def test_unknown_access_key_runtime(self, aws_env: dict[str, str]) -> None:
        """The runtime plane rejects an unknown key id the same way."""
        client = client_for("bedrock-runtime", aws_access_key_id="AKIAEXAMPLEUNKNOWN00",
                              aws_secret_access_key="not-the-secret")
        with pytest.raises(ClientError) as excinfo:
            client.invoke_model(modelId=MODEL_US, body=claude_body())
        assert error_of(excinfo) == ("UnrecognizedClientException", UNRECOGNIZED, 403)

    def test_unknown_access_key_checked_before_signature(self, emulator: Emulator) -> None:
        """An unknown key is reported as such even though its signature cannot verify either."""
        r = signed_request(emulator.url, "GET", "/foundation-models",
                           credentials=Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
        assert bedrock_error(r) == (403, "UnrecognizedClientException", {"message": UNRECOGNIZED})


class TestSignatureMismatch:
    """Anything that changes the signed request after signing, or a wrong secret, fails to verify."""

    def test_wrong_secret_boto3(self, aws_env: dict[str, str]) -> None:
        """A boto3 client with the right key id and a wrong secret → InvalidSignatureException."""
        client = client_for("bedrock-runtime", aws_access_key_id=auth.ACCESS_KEY_ID,
                              aws_secret_access_key="wrong/secret/EXAMPLEKEY")
        with pytest.raises(ClientError) as excinfo:
            client.invoke_model(modelId=MODEL_US, body=claude_body())
        assert error_of(excinfo) == ("InvalidSignatureException", SIGNATURE_MISMATCH, 403)

    def test_wrong_secret_control_plane(self, emulator: Emulator) -> None:
        """The control plane verifies signatures too."""
        r = signed_request(emulator.url, "GET", "/foundation-models",
                           credentials=Credentials(auth.ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY))
        assert bedrock_error(r) == (403, "InvalidSignatureException", {"message": SIGNATURE_MISMATCH})

    def test_default_message_is_aws_text(self) -> None:
        """The default signature message is AWS's exact text (spec §3.2)."""
        assert SIGNATURE_MISMATCH == (
            "The request signature we calculated does not match the signature you provided. Check your "
            "AWS Secret Access Key and signing method. Consult the service documentation for details.")

    @pytest.mark.parametrize("tamper", [
        pytest.param(lambda p: setattr(p, "body", p.body.replace(b"Hello", b"Howdy")), id="body"),
        pytest.param(lambda p: setattr(p, "body", p.body.replace(b'"max_tokens": 256', b'"max_tokens": 999')),
                     id="body-max-tokens"),
        pytest.param(set_header("X-Amzn-Bedrock-Trace", "DISABLED"), id="signed-header-value"),
        pytest.param(set_header("Content-Type", "application/jsonx"), id="content-type"),
        pytest.param(replace_in_url("haiku", "sonnet"), id="path-model"),
        pytest.param(replace_in_url("v1%3A0", "v1:0"), id="path-decoded-by-proxy"),
        pytest.param(replace_in_url("/model/us.", "/model/global."), id="path-profile"),
    ])
    def test_tampered_after_signing(self, emulator: Emulator, tamper: Tamper) -> None:
        """Body, signed header or path changed after signing → InvalidSignatureException."""
        r = signed_request(emulator.url, "POST", invoke_path(SMALL_US), claude_body().encode(),
                           headers={"Content-Type": "application/json", "X-Amzn-Bedrock-Trace": "ENABLED"},
                           tamper=tamper)
        assert bedrock_error(r) == (403, "InvalidSignatureException", {"message": SIGNATURE_MISMATCH})

    @pytest.mark.parametrize("tamper", [
        pytest.param(replace_in_url("maxResults=2", "maxResults=3"), id="query-value"),
        pytest.param(replace_in_url("?maxResults=2", "?maxResults=2&type=APPLICATION"), id="query-added"),
        pytest.param(lambda p: p.headers.__setitem__(
            "Authorization", p.headers["Authorization"].replace("/us-east-1/", "/us-west-2/")), id="scope-region"),
        pytest.param(lambda p: p.headers.__setitem__(
            "Authorization", re.sub(r"Signature=(.)", lambda m: "Signature=" + "0123456789abcdef"[
                ("0123456789abcdef".index(m[1]) + 1) % 16], p.headers["Authorization"])), id="signature-digit"),
        # Another name of the same emulator (a foreign Host is refused before any signature check).
        pytest.param(lambda p: p.headers.__setitem__("Host", urlsplit(p.url).netloc.replace("127.0.0.1", "localhost")),
                     id="host"),
    ])
    def test_query_or_scope_tampered(self, emulator: Emulator, tamper: Tamper) -> None:
        """Query string, scope region, signature digits or host changed → InvalidSignatureException."""
        r = signed_request(emulator.url, "GET", "/inference-profiles?maxResults=2", tamper=tamper)
        assert bedrock_error(r) == (403, "InvalidSignatureException", {"message": SIGNATURE_MISMATCH})

    def test_host_must_be_signed(self, emulator: Emulator) -> None:
        """Host removed from SignedHeaders after signing → 403 InvalidSignatureException."""
        def tamper(prepared: Any) -> None:
            prepared.headers["Authorization"] = prepared.headers["Authorization"].replace(
                "SignedHeaders=host;", "SignedHeaders=")

        r = signed_request(emulator.url, "GET", "/foundation-models", tamper=tamper)
        status, code, _ = bedrock_error(r)
        assert (status, code) == (403, "InvalidSignatureException")

    def test_x_amz_date_moved_by_one_second(self, emulator: Emulator) -> None:
        """X-Amz-Date is part of the string to sign: moving it breaks the signature."""
        def tamper(prepared: Any) -> None:
            signed = dt.datetime.strptime(prepared.headers["X-Amz-Date"], AMZ_DATE)
            # Stay within the same day so the scope date still matches.
            moved = signed - dt.timedelta(seconds=1) if signed.second else signed + dt.timedelta(seconds=1)
            prepared.headers["X-Amz-Date"] = moved.strftime(AMZ_DATE)

        r = signed_request(emulator.url, "GET", "/foundation-models", tamper=tamper)
        assert bedrock_error(r) == (403, "InvalidSignatureException", {"message": SIGNATURE_MISMATCH})

    @pytest.mark.parametrize("authorization", [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/bedrock/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/bedrock/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=NOTHEX",
        "Basic dXNlcjpwYXNz",
    ])
    def test_malformed_authorization(self, emulator: Emulator, authorization: str) -> None:
        """An Authorization header SigV4 cannot parse → 403 naming the missing parameters."""
        r = raw_request(emulator.url, "GET", "/foundation-models",
                        headers={"Authorization": authorization, "X-Amz-Date": "20260101T000000Z"})
        status, _code, body = bedrock_error(r)
        assert status == 403
        assert body == {"message": "Authorization header requires 'Credential', 'SignedHeaders' and "
                                   "'Signature' parameters for AWS4-HMAC-SHA256."}

    def test_date_header_out_of_range(self, emulator: Emulator) -> None:
        """A Date header at the edge of the calendar (no X-Amz-Date) → 403, not a 500."""
        def tamper(prepared: Any) -> None:
            del prepared.headers["X-Amz-Date"]
            prepared.headers["Date"] = "Fri, 31 Dec 9999 23:59:59 -2359"

        r = signed_request(emulator.url, "GET", "/foundation-models", tamper=tamper)
        status, code, _ = bedrock_error(r)
        assert (status, code) == (403, "InvalidSignatureException"), r.data

    def test_missing_x_amz_date(self, emulator: Emulator) -> None:
        """A signature without X-Amz-Date → 403 InvalidSignatureException saying so."""
        def tamper(prepared: Any) -> None:
            del prepared.headers["X-Amz-Date"]

        r = signed_request(emulator.url, "GET", "/foundation-models", tamper=tamper)
        assert bedrock_error(r) == (403, "InvalidSignatureException", {
            "message": "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."})


class TestSessionCredentials:
    """Temporary credentials work only together with their session token."""

    SESSION = Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY, auth.SESSION_TOKEN)

    def test_signed_request(self, emulator: Emulator) -> None:
        """Key, secret and token signed by botocore verify on the runtime and control planes."""
        r = signed_request(emulator.url, "POST", invoke_path(MODEL_US), claude_body().encode(),
                           credentials=self.SESSION)
        assert r.status == 200, r.data
        r = signed_request(emulator.url, "GET", "/foundation-models", credentials=self.SESSION)
        assert r.status == 200, r.data

    def test_boto3_from_environment(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        """boto3 reading AWS_SESSION_TOKEN from the environment authenticates as the assumed role."""
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.SESSION_ACCESS_KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", auth.SESSION_SECRET_ACCESS_KEY)
        monkeypatch.setenv("AWS_SESSION_TOKEN", auth.SESSION_TOKEN)
        runtime = client_for("bedrock-runtime")
        assert json.loads(runtime.invoke_model(modelId=MODEL_US, body=claude_body())["body"].read())
        identity = client_for("sts").get_caller_identity()
        assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/WorkshopRole/learner"
        assert identity["UserId"] == "AROAEMULATOREXAMPLE01:learner"

    @pytest.mark.parametrize("credentials", [
        pytest.param(Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY), id="missing-token"),
        pytest.param(Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY,
                                 auth.SESSION_TOKEN + "x"), id="wrong-token"),
        pytest.param(Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY, "x"), id="other-token"),
        pytest.param(Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY, auth.SESSION_TOKEN),
                     id="token-with-long-term-key"),
    ])
    def test_token_mismatch(self, emulator: Emulator, credentials: Credentials) -> None:
        """A missing, wrong or unexpected session token → 403 UnrecognizedClientException."""
        r = signed_request(emulator.url, "POST", invoke_path(MODEL_US), claude_body().encode(),
                           credentials=credentials)
        assert bedrock_error(r) == (403, "UnrecognizedClientException", {"message": UNRECOGNIZED})

    def test_anthropic_sdk_session_token(self, emulator: Emulator) -> None:
        """AnthropicBedrock with aws_session_token signs X-Amz-Security-Token and verifies."""
        client = anthropic.AnthropicBedrock(
            aws_access_key=auth.SESSION_ACCESS_KEY_ID, aws_secret_key=auth.SESSION_SECRET_ACCESS_KEY,
            aws_session_token=auth.SESSION_TOKEN, aws_region="us-east-1", base_url=emulator.url, max_retries=0)
        assert client.messages.create(model=MODEL_US, max_tokens=32,
                                      messages=[{"role": "user", "content": "Hi"}]).type == "message"
        no_token = anthropic.AnthropicBedrock(
            aws_access_key=auth.SESSION_ACCESS_KEY_ID, aws_secret_key=auth.SESSION_SECRET_ACCESS_KEY,
            aws_region="us-east-1", base_url=emulator.url, max_retries=0)
        with pytest.raises(anthropic.PermissionDeniedError) as excinfo:
            no_token.messages.create(model=MODEL_US, max_tokens=32, messages=[{"role": "user", "content": "Hi"}])
        assert excinfo.value.body == {"message": UNRECOGNIZED}

    def test_token_removed_after_signing(self, emulator: Emulator) -> None:
        """Dropping the signed X-Amz-Security-Token in transit → UnrecognizedClientException."""
        def tamper(prepared: Any) -> None:
            del prepared.headers["X-Amz-Security-Token"]

        r = signed_request(emulator.url, "GET", "/foundation-models", credentials=self.SESSION, tamper=tamper)
        assert bedrock_error(r) == (403, "UnrecognizedClientException", {"message": UNRECOGNIZED})

    def test_boto3_missing_token(self, aws_env: dict[str, str]) -> None:
        """boto3 with the session key pair but no token → UnrecognizedClientException."""
        client = client_for("bedrock", aws_access_key_id=auth.SESSION_ACCESS_KEY_ID,
                              aws_secret_access_key=auth.SESSION_SECRET_ACCESS_KEY)
        with pytest.raises(ClientError) as excinfo:
            client.list_inference_profiles()
        assert error_of(excinfo) == ("UnrecognizedClientException", UNRECOGNIZED, 403)

    def test_session_secret_with_wrong_key_pair(self, emulator: Emulator) -> None:
        """The long-term key id signed with the session secret → InvalidSignatureException."""
        r = signed_request(emulator.url, "GET", "/foundation-models",
                           credentials=Credentials(auth.ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY))
        assert bedrock_error(r) == (403, "InvalidSignatureException", {"message": SIGNATURE_MISMATCH})


_EXPIRED = re.compile(r"^Signature expired: (\d{8}T\d{6}Z) is now earlier than (\d{8}T\d{6}Z) "
                      r"\((\d{8}T\d{6}Z) - 15 min\.\)$")
_NOT_YET = re.compile(r"^Signature not yet current: (\d{8}T\d{6}Z) is still later than (\d{8}T\d{6}Z) "
                      r"\((\d{8}T\d{6}Z) \+ 15 min\.\)$")


class TestClockSkew:
    """X-Amz-Date must be within 15 minutes of the server's clock (spec §7)."""

    def _sign_skewed(self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, minutes: int,
                     path: str = "/foundation-models", service: str = "bedrock") -> tuple[Any, str, dt.datetime]:
        skew_clock(monkeypatch, dt.timedelta(minutes=minutes))
        sent: dict[str, str] = {}
        before = dt.datetime.now(dt.UTC).replace(microsecond=0)
        if service == "sts":
            r = signed_request(emulator.url, "POST", path, GET_CALLER_IDENTITY, service="sts", headers=STS_FORM,
                               tamper=lambda p: sent.update(p.headers))
        else:
            r = signed_request(emulator.url, "GET", path, tamper=lambda p: sent.update(p.headers))
        return r, sent["X-Amz-Date"], before

    @staticmethod
    def _check_times(m: re.Match[str], sent: str, before: dt.datetime, sign: int) -> None:
        """The message quotes the X-Amz-Date sent, and the server's now ± 15 min consistently."""
        assert m[1] == sent
        server_now = dt.datetime.strptime(m[3], AMZ_DATE).replace(tzinfo=dt.UTC)
        assert before <= server_now <= before + dt.timedelta(seconds=60)
        assert dt.datetime.strptime(m[2], AMZ_DATE).replace(tzinfo=dt.UTC) == \
            server_now + sign * dt.timedelta(minutes=15)

    def test_sixteen_minutes_in_the_past(self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        """Signed 16 minutes ago → 403 InvalidSignatureException "Signature expired: …"."""
        r, sent, before = self._sign_skewed(emulator, monkeypatch, -16)
        status, code, body = bedrock_error(r)
        assert (status, code) == (403, "InvalidSignatureException")
        m = _EXPIRED.match(body["message"])
        assert m, body
        self._check_times(m, sent, before, -1)

    def test_sixteen_minutes_in_the_future(self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        """Signed 16 minutes ahead → 403 InvalidSignatureException "Signature not yet current: …"."""
        r, sent, before = self._sign_skewed(emulator, monkeypatch, 16)
        status, code, body = bedrock_error(r)
        assert (status, code) == (403, "InvalidSignatureException")
        m = _NOT_YET.match(body["message"])
        assert m, body
        self._check_times(m, sent, before, +1)

    @pytest.mark.parametrize("minutes", [-14, 14])
    def test_fourteen_minutes_is_accepted(self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch,
                                          minutes: int) -> None:
        """A clock 14 minutes off in either direction still verifies."""
        r, _, _ = self._sign_skewed(emulator, monkeypatch, minutes)
        assert r.status == 200, r.data

    def test_skew_on_runtime_via_boto3(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        """A boto3 client whose clock is 16 minutes slow gets the expiry error on InvokeModel."""
        skew_clock(monkeypatch, dt.timedelta(minutes=-16))
        client = client_for("bedrock-runtime")
        with pytest.raises(ClientError) as excinfo:
            client.invoke_model(modelId=MODEL_US, body=claude_body())
        code, message, status = error_of(excinfo)
        assert (code, status) == ("InvalidSignatureException", 403)
        assert message.startswith("Signature expired: ")

    def test_skew_on_sts(self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        """STS reports an expired signature as 403 SignatureDoesNotMatch with the same message."""
        r, sent, before = self._sign_skewed(emulator, monkeypatch, -16, path="/", service="sts")
        status, code, message = sts_error(r)
        assert (status, code) == (403, "SignatureDoesNotMatch")
        m = _EXPIRED.match(message)
        assert m, message
        self._check_times(m, sent, before, -1)


class TestCredentialScope:
    """The scope's service must be the endpoint's signing name; its region is the caller's region."""

    @pytest.mark.parametrize("service", ["sts", "bedrock-runtime", "execute-api"])
    def test_wrong_service_on_bedrock(self, emulator: Emulator, service: str) -> None:
        """A bedrock path signed for another service → InvalidSignatureException naming 'bedrock'."""
        for method, path, body in (("GET", "/foundation-models", b""),
                                   ("POST", invoke_path(MODEL_US), claude_body().encode())):
            r = signed_request(emulator.url, method, path, body, service=service)
            assert bedrock_error(r) == (403, "InvalidSignatureException", {
                "message": "Credential should be scoped to correct service: 'bedrock'. "})

    def test_wrong_service_on_sts(self, emulator: Emulator) -> None:
        """STS signed for 'bedrock' → 403 SignatureDoesNotMatch naming 'sts'."""
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="bedrock", headers=STS_FORM)
        assert sts_error(r) == (403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ")

    @pytest.mark.parametrize("service, variable", [("s3", "AWS_ENDPOINT_URL_S3"), ("iam", "AWS_ENDPOINT_URL_IAM")])
    def test_offline_service_sent_here_says_where_it_is(self, emulator: Emulator, service: str,
                                                         variable: str) -> None:
        """A client too old for AWS_ENDPOINT_URL_S3 (and the like) sends S3 here: the refusal says where S3 is."""
        client = boto3.client(service, endpoint_url=emulator.url, region_name="us-east-1",
                              aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY)
        with pytest.raises(ClientError) as caught:
            client.list_buckets() if service == "s3" else client.list_roles()
        message = caught.value.response["Error"]["Message"]
        assert message.startswith("Credential should be scoped to correct service: 'sts'. ")
        assert f"the offline {service} is at the URL in {variable}" in message and "botocore 1.31" in message

    def test_region_comes_from_the_scope(self, aws_env: dict[str, str]) -> None:
        """Signed for ap-northeast-1: jp./apac./global. profiles listed, no us./eu./au. ones."""
        tokyo = client_for("bedrock", region_name="ap-northeast-1")
        profiles = tokyo.list_inference_profiles()["inferenceProfileSummaries"]
        prefixes = {p["inferenceProfileId"].split(".")[0] for p in profiles}
        assert {"jp", "global"} <= prefixes <= {"jp", "apac", "global"}
        assert all(":ap-northeast-1:" in p["inferenceProfileArn"] for p in profiles)
        us = client_for("bedrock", region_name="us-east-1")
        us_prefixes = {p["inferenceProfileId"].split(".")[0]
                       for p in us.list_inference_profiles()["inferenceProfileSummaries"]}
        assert "us" in us_prefixes
        assert "jp" not in us_prefixes

    def test_region_from_scope_signed_request(self, emulator: Emulator) -> None:
        """The same raw request lists different profiles depending only on the signed region."""
        def ids(region: str) -> set[str]:
            r = signed_request(emulator.url, "GET", "/inference-profiles", region=region)
            assert r.status == 200, r.data
            return {p["inferenceProfileId"] for p in json.loads(r.data)["inferenceProfileSummaries"]}

        tokyo, virginia = ids("ap-northeast-1"), ids("us-east-1")
        assert MODEL_JP in tokyo and MODEL_JP not in virginia
        assert MODEL_US in virginia and MODEL_US not in tokyo
        assert not any(i.startswith(("us.", "eu.", "au.")) for i in tokyo)

    def test_runtime_region_from_scope(self, emulator: Emulator) -> None:
        """A jp. profile invokes when signed for Tokyo and is an invalid identifier from us-east-1."""
        path = invoke_path(MODEL_JP)
        r = signed_request(emulator.url, "POST", path, claude_body().encode(), region="ap-northeast-1")
        assert r.status == 200, r.data
        r = signed_request(emulator.url, "POST", path, claude_body().encode(), region="us-east-1")
        assert bedrock_error(r) == (400, "ValidationException",
                                    {"message": "The provided model identifier is invalid."})


class TestBearer:
    """Bedrock API keys: ``Authorization: Bearer <key>`` instead of SigV4."""

    def test_runtime_invoke(self, emulator: Emulator) -> None:
        """The documented API key invokes a model."""
        r = raw_request(emulator.url, "POST", invoke_path(MODEL_US), claude_body().encode(), BEARER_HEADERS)
        assert r.status == 200, r.data
        assert json.loads(r.data)["type"] == "message"

    def test_runtime_stream_and_converse(self, emulator: Emulator) -> None:
        """The key works on the streaming and Converse operations too."""
        r = raw_request(emulator.url, "POST", invoke_path(MODEL_US, "invoke-with-response-stream"),
                        claude_body().encode(), BEARER_HEADERS)
        assert r.status == 200, r.data
        assert r.headers["content-type"] == "application/vnd.amazon.eventstream"
        body = json.dumps({"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}).encode()
        r = raw_request(emulator.url, "POST", invoke_path(MODEL_US, "converse"), body, BEARER_HEADERS)
        assert r.status == 200, r.data

    def test_control_plane(self, emulator: Emulator) -> None:
        """The key works on the control plane."""
        r = raw_request(emulator.url, "GET", "/foundation-models", headers=BEARER_HEADERS)
        assert r.status == 200, r.data
        r = raw_request(emulator.url, "GET", "/inference-profiles", headers=BEARER_HEADERS)
        assert r.status == 200, r.data

    @pytest.mark.parametrize(("method", "path"), [
        ("POST", invoke_path(MODEL_US)),
        ("POST", invoke_path(MODEL_US, "converse")),
        ("GET", "/foundation-models"),
    ])
    @pytest.mark.parametrize("key", ["ABSKnotTheRightKey", auth.BEDROCK_API_KEY[:-1], "bedrock-api-key-x"])
    def test_wrong_key(self, emulator: Emulator, method: str, path: str, key: str) -> None:
        """A wrong key → 403 with body {"Message": "Authentication failed: …"} (capital M, spec §3.2)."""
        r = raw_request(emulator.url, method, path, claude_body().encode() if method == "POST" else b"",
                        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        assert r.status == 403
        assert json.loads(r.data) == {"Message": BEARER_FAILED}
        assert r.headers["x-amzn-errortype"].split(":")[0] == "AccessDeniedException"

    @pytest.mark.parametrize("key", ["ABSK\u00e9", "\u00fc\u00f1\u00ee"])
    def test_wrong_key_with_non_ascii_characters(self, emulator: Emulator, key: str) -> None:
        """A key with non-ASCII characters is just a wrong key: 403 {"Message": …}, not a 500."""
        r = raw_request(emulator.url, "GET", "/foundation-models", headers={"Authorization": f"Bearer {key}"})
        assert r.status == 403, r.data
        assert json.loads(r.data) == {"Message": BEARER_FAILED}

    def test_botocore_refuses_bearer_over_http(self, aws_env: dict[str, str], emulator: Emulator,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
        """botocore sends API keys only over HTTPS, so AWS_BEARER_TOKEN_BEDROCK fails client-side on the
        emulator's plain-HTTP URL (the environment points at its HTTPS one)."""
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", auth.BEDROCK_API_KEY)
        client = client_for("bedrock", endpoint_url=emulator.url)
        with pytest.raises(InvalidEndpointConfigurationError, match="Bearer authorization requires an HTTPS"):
            client.list_foundation_models()

    def test_boto3_env_token(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        """With AWS_BEARER_TOKEN_BEDROCK set, boto3 sends Bearer (not SigV4) over the emulator's HTTPS, and
        both planes accept it."""
        assert aws_env["AWS_ENDPOINT_URL"].startswith("https://")
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", auth.BEDROCK_API_KEY)
        runtime = client_for("bedrock-runtime")
        bedrock = client_for("bedrock")
        sent_runtime, sent_bedrock = record_authorization(runtime), record_authorization(bedrock)
        reply = runtime.invoke_model(modelId=MODEL_US, body=claude_body())
        assert json.loads(reply["body"].read())["type"] == "message"
        assert bedrock.list_foundation_models()["modelSummaries"]
        assert sent_runtime == [f"Bearer {auth.BEDROCK_API_KEY}"]
        assert sent_bedrock == [f"Bearer {auth.BEDROCK_API_KEY}"]

    def test_boto3_env_bad_token(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        """A wrong AWS_BEARER_TOKEN_BEDROCK surfaces in boto3 as 403 AccessDeniedException."""
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "ABSKbm90LXRoZS1rZXk=")
        for service in ("bedrock-runtime", "bedrock"):
            client = client_for(service)
            sent = record_authorization(client)
            with pytest.raises(ClientError) as excinfo:
                if service == "bedrock":
                    client.list_foundation_models()
                else:
                    client.invoke_model(modelId=MODEL_US, body=claude_body())
            assert error_of(excinfo) == ("AccessDeniedException", BEARER_FAILED, 403)
            assert sent == ["Bearer ABSKbm90LXRoZS1rZXk="]

    def test_anthropic_sdk_api_key(self, emulator: Emulator) -> None:
        """AnthropicBedrock(api_key=…) sends the key as Bearer and it works; a wrong key is 403."""
        good = anthropic.AnthropicBedrock(api_key=auth.BEDROCK_API_KEY, aws_region="us-east-1",
                                          base_url=emulator.url, max_retries=0)
        assert good.messages.create(model=MODEL_US, max_tokens=32,
                                    messages=[{"role": "user", "content": "Hi"}]).type == "message"
        bad = anthropic.AnthropicBedrock(api_key="ABSKwrong", aws_region="us-east-1",
                                         base_url=emulator.url, max_retries=0)
        with pytest.raises(anthropic.PermissionDeniedError) as excinfo:
            bad.messages.create(model=MODEL_US, max_tokens=32, messages=[{"role": "user", "content": "Hi"}])
        assert excinfo.value.status_code == 403
        assert excinfo.value.body == {"Message": BEARER_FAILED}

    def test_bearer_is_not_for_sts(self, emulator: Emulator) -> None:
        """STS does not take Bedrock API keys: 403 InvalidClientTokenId."""
        r = raw_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY,
                        {**STS_FORM, "Authorization": f"Bearer {auth.BEDROCK_API_KEY}"})
        status, code, _ = sts_error(r)
        assert (status, code) == (403, "InvalidClientTokenId")


class TestSts:
    """STS GetCallerIdentity over the query protocol, with XML replies (spec §5)."""

    def test_boto3(self, aws_env: dict[str, str]) -> None:
        """boto3's sts client gets the documented account and the learner's ARN."""
        identity = client_for("sts").get_caller_identity()
        assert identity["Account"] == "123456789012"
        assert identity["Arn"] == "arn:aws:iam::123456789012:user/workshop-learner"
        assert identity["UserId"] == "AIDAEMULATOREXAMPLE01"
        assert identity["ResponseMetadata"]["RequestId"]

    def test_signed_post_form(self, emulator: Emulator) -> None:
        """A botocore-signed POST form (as the CLI sends it) → 200 XML."""
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="sts", headers=STS_FORM)
        assert r.status == 200, r.data
        assert r.headers["content-type"] == "text/xml"
        assert sts_identity(r) == {"Arn": "arn:aws:iam::123456789012:user/workshop-learner",
                                   "UserId": "AIDAEMULATOREXAMPLE01", "Account": "123456789012"}
        root = ET.fromstring(r.data)
        assert root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=STS_NS) == \
            r.headers["x-amzn-requestid"]

    def test_signed_get_query(self, emulator: Emulator) -> None:
        """A botocore-signed GET query string → 200 XML."""
        r = signed_request(emulator.url, "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", service="sts")
        assert r.status == 200, r.data
        assert sts_identity(r)["Account"] == "123456789012"

    def test_signed_in_another_region(self, emulator: Emulator) -> None:
        """STS verifies signatures scoped to any region."""
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="sts", headers=STS_FORM,
                           region="eu-west-1")
        assert r.status == 200, r.data

    def test_unknown_key(self, emulator: Emulator) -> None:
        """An unknown access key → 403 XML <Code>InvalidClientTokenId</Code>."""
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="sts", headers=STS_FORM,
                           credentials=Credentials("AKIAIOSFODNN7UNKNOWN", auth.SECRET_ACCESS_KEY))
        assert sts_error(r) == (403, "InvalidClientTokenId", UNRECOGNIZED)
        assert r.headers["content-type"] == "text/xml"

    def test_unknown_key_boto3(self, aws_env: dict[str, str]) -> None:
        """boto3 surfaces the unknown key as ClientError InvalidClientTokenId."""
        client = client_for("sts", aws_access_key_id="AKIAIOSFODNN7UNKNOWN",
                              aws_secret_access_key=auth.SECRET_ACCESS_KEY)
        with pytest.raises(ClientError) as excinfo:
            client.get_caller_identity()
        assert error_of(excinfo) == ("InvalidClientTokenId", UNRECOGNIZED, 403)

    def test_bad_signature(self, emulator: Emulator) -> None:
        """A wrong secret → 403 XML <Code>SignatureDoesNotMatch</Code> with AWS's message."""
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="sts", headers=STS_FORM,
                           credentials=Credentials(auth.ACCESS_KEY_ID, "wrong-secret"))
        assert sts_error(r) == (403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)

    def test_bad_signature_boto3(self, aws_env: dict[str, str]) -> None:
        """boto3 surfaces a wrong secret as ClientError SignatureDoesNotMatch."""
        client = client_for("sts", aws_access_key_id=auth.ACCESS_KEY_ID,
                              aws_secret_access_key="wrong-secret")
        with pytest.raises(ClientError) as excinfo:
            client.get_caller_identity()
        assert error_of(excinfo) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)

    def test_form_tampered(self, emulator: Emulator) -> None:
        """The form body is signed: changing it after signing → SignatureDoesNotMatch."""
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="sts", headers=STS_FORM,
                           tamper=lambda p: setattr(p, "body", p.body.replace(b"2011", b"2012")))
        assert sts_error(r) == (403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)

    def test_session_credentials(self, emulator: Emulator) -> None:
        """Session credentials identify the assumed role; without the token they are unknown."""
        session = Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY, auth.SESSION_TOKEN)
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="sts", headers=STS_FORM,
                           credentials=session)
        assert sts_identity(r)["Arn"] == "arn:aws:sts::123456789012:assumed-role/WorkshopRole/learner"
        r = signed_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, service="sts", headers=STS_FORM,
                           credentials=Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY))
        assert sts_error(r) == (403, "InvalidClientTokenId", UNRECOGNIZED)

    @pytest.mark.parametrize(("method", "path", "body"), [
        ("POST", "/", b"Action=AssumeRole&Version=2011-06-15"),
        ("GET", "/?Action=GetSessionToken&Version=2011-06-15", b""),
    ])
    def test_unknown_action(self, emulator: Emulator, method: str, path: str, body: bytes) -> None:
        """An Action other than GetCallerIdentity → 400 InvalidAction."""
        r = signed_request(emulator.url, method, path, body, service="sts", headers=STS_FORM if body else {})
        action = "AssumeRole" if body else "GetSessionToken"
        assert sts_error(r) == (400, "InvalidAction", f"Could not find operation {action} for version 2011-06-15")

    def test_no_authorization(self, emulator: Emulator) -> None:
        """An unsigned STS call → 403 MissingAuthenticationToken in XML."""
        r = raw_request(emulator.url, "POST", "/", GET_CALLER_IDENTITY, STS_FORM)
        status, code, _ = sts_error(r)
        assert (status, code) == (403, "MissingAuthenticationToken")

