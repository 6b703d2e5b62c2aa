"""Bedrock API keys with the real clients over the emulator's HTTPS: boto3, the AWS CLI, AnthropicBedrock, the
TypeScript SDK; keys made by aws-bedrock-token-generator and verified for real (signature, expiry, region)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anthropic
import boto3
import pytest
import urllib3
from aws_bedrock_token_generator import provide_token
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import CredentialProvider, Credentials
from botocore.exceptions import ClientError, InvalidEndpointConfigurationError

from conftest import MODEL_US, NO_RETRY, claude_body, error_of, raw_request
from helpers import api_keys
from helpers.emulator import Emulator, RemoteEmulator, auth
from helpers.emulator.state import CONTROLS
from helpers.errors import explain

REFUSED = "Authentication failed: Please make sure your API Key is valid."  # G-facts Q5c (M)
REPO = Path(__file__).resolve().parents[1]
TSX = REPO / "node_modules" / ".bin" / "tsx"
OFFLINE = SimpleNamespace(mode="offline", region="us-east-1")  # the session emulator's region


def key_for(region: str = "us-east-1", expiry: dt.timedelta = api_keys.MAX_EXPIRY) -> str:
    return api_keys.short_term(SimpleNamespace(mode="offline", region=region), expiry=expiry)


def with_key(env: dict[str, str], key: str) -> dict[str, str]:
    """The learner's shell with only a key: no access keys at all."""
    out = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    return {**out, "AWS_BEARER_TOKEN_BEDROCK": key}


@pytest.fixture
def key_env(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """This process configured like the learner's: the emulator's https environment plus a fresh short-term key."""
    key = key_for()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", key)
    return key


def sent_authorization(client: Any) -> list[str]:
    seen: list[str] = []
    client.meta.events.register_last("before-send", lambda request, **_: seen.append(
        request.headers["Authorization"].decode() if isinstance(request.headers["Authorization"], bytes)
        else request.headers["Authorization"]))
    return seen


def bearer(emulator: Emulator, key: str, path: str = "/foundation-models") -> urllib3.BaseHTTPResponse:
    return raw_request(emulator.url, "GET", path, headers={"Authorization": f"Bearer {key}"})


class TestFormat:
    def test_short_term_key_is_the_generators(self) -> None:
        key = key_for("us-west-2", dt.timedelta(minutes=5))
        url = base64.b64decode(key.removeprefix("bedrock-api-key-")).decode()
        assert url.startswith("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256")
        assert "%2Fus-west-2%2Fbedrock%2Faws4_request" in url and "X-Amz-Expires=300" in url
        assert url.endswith("&Version=1")

    def test_describe_never_shows_the_key(self) -> None:
        key = key_for("eu-west-1", dt.timedelta(hours=1))
        info = api_keys.describe(key)
        assert (info.kind, info.region, info.temporary) == ("short-term", "eu-west-1", False)
        assert dt.timedelta(minutes=59) < info.expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)
        text = str(info)
        assert "eu-west-1" in text and "expires" in text
        assert key[16:40] not in text and auth.ACCESS_KEY_ID not in text
        long_term = api_keys.describe(auth.BEDROCK_API_KEY)
        assert (long_term.kind, long_term.account) == ("long-term", auth.ACCOUNT_ID)
        assert auth.BEDROCK_API_KEY[8:] not in str(long_term)
        assert api_keys.describe("hello").problem and api_keys.describe("bedrock-api-key-!!").problem

    def test_expiry_is_bounded_by_the_generator(self) -> None:
        with pytest.raises(ValueError, match="less than or equal to 12 hours"):
            key_for(expiry=dt.timedelta(hours=13))

    def test_facts(self) -> None:
        assert {"bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken",
                "bedrock:bearerTokenType"} <= set(api_keys.IAM_FACTS)
        assert "create-service-specific-credential" in api_keys.long_term_note()
        assert "bedrock.amazonaws.com" in api_keys.long_term_note()


class TestBoto3:
    def test_runtime_and_control_plane(self, key_env: str) -> None:
        """boto3 sends the key as Bearer over HTTPS; InvokeModel, Converse, both streams and the control plane."""
        runtime = boto3.Session().client("bedrock-runtime", config=NO_RETRY)
        bedrock = boto3.Session().client("bedrock", config=NO_RETRY)
        sent_runtime, sent_bedrock = sent_authorization(runtime), sent_authorization(bedrock)
        reply = runtime.invoke_model(modelId=MODEL_US, body=claude_body())
        assert json.loads(reply["body"].read())["type"] == "message"
        messages = [{"role": "user", "content": [{"text": "Hi"}]}]
        assert runtime.converse(modelId=MODEL_US, messages=messages)["stopReason"] == "end_turn"
        assert any("messageStop" in e for e in runtime.converse_stream(modelId=MODEL_US, messages=messages)["stream"])
        events = runtime.invoke_model_with_response_stream(modelId=MODEL_US, body=claude_body())["body"]
        assert any("chunk" in e for e in events)
        assert bedrock.list_foundation_models()["modelSummaries"]
        assert sent_runtime == [f"Bearer {key_env}"] * 4 and sent_bedrock == [f"Bearer {key_env}"]

    def test_refused_over_plain_http(self, key_env: str, emulator: Emulator) -> None:
        client = boto3.Session().client("bedrock-runtime", endpoint_url=emulator.url, config=NO_RETRY)
        with pytest.raises(InvalidEndpointConfigurationError) as excinfo:
            client.invoke_model(modelId=MODEL_US, body=claude_body())
        got = explain(excinfo.value)
        assert got.recognised and "https" in got.fix

    def test_temporary_credentials_key(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        """A key made from a role session carries X-Amz-Security-Token, and works."""
        class Session(CredentialProvider):
            def load(self) -> Credentials:
                return Credentials(auth.SESSION_ACCESS_KEY_ID, auth.SESSION_SECRET_ACCESS_KEY, auth.SESSION_TOKEN)

        key = provide_token(region="us-east-1", aws_credentials_provider=Session())
        assert api_keys.describe(key).temporary
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", key)
        assert boto3.Session().client("bedrock", config=NO_RETRY).list_foundation_models()["modelSummaries"]


class TestCli:
    def test_cli_with_a_key_over_tls(self, aws_env: dict[str, str]) -> None:
        env = with_key(aws_env, key_for())
        proc = subprocess.run(["aws", "bedrock", "list-foundation-models", "--query", "length(modelSummaries)"],
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0 and int(proc.stdout) > 0, proc.stderr
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16,
                           "messages": [{"role": "user", "content": "Hi"}]})
        out = Path(os.environ.get("TMPDIR", "/tmp")) / f"api-key-cli-{os.getpid()}.json"
        version = subprocess.run(["aws", "--version"], capture_output=True, text=True, check=False)
        raw = ["--cli-binary-format", "raw-in-base64-out"] if "aws-cli/2" in version.stdout + version.stderr else []
        proc = subprocess.run(["aws", "bedrock-runtime", "invoke-model", "--model-id", MODEL_US, "--body", body,
                               *raw, str(out)],
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        try:
            assert proc.returncode == 0, proc.stderr
            assert json.loads(out.read_text())["type"] == "message"
        finally:
            out.unlink(missing_ok=True)

    def test_cli_with_an_expired_key(self, aws_env: dict[str, str]) -> None:
        key = key_for(expiry=dt.timedelta(seconds=1))
        time.sleep(1.2)
        proc = subprocess.run(["aws", "bedrock", "list-foundation-models"], env=with_key(aws_env, key),
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode != 0 and REFUSED in proc.stderr
        assert explain(proc.stderr).recognised


class TestAnthropic:
    def test_anthropic_bedrock_with_a_key(self, key_env: str) -> None:
        """From AWS_BEARER_TOKEN_BEDROCK (and as api_key=), over HTTPS."""
        for client in (anthropic.AnthropicBedrock(max_retries=0),
                       anthropic.AnthropicBedrock(api_key=key_env, max_retries=0)):
            assert client.messages.create(model=MODEL_US, max_tokens=16,
                                          messages=[{"role": "user", "content": "Hi"}]).type == "message"

    def test_both_key_and_credentials(self, aws_env: dict[str, str]) -> None:
        """The SDK refuses a key together with SigV4 credentials; the server refuses two Authorization schemes."""
        with pytest.raises(ValueError, match="both"):
            anthropic.AnthropicBedrock(api_key=key_for(), aws_access_key=auth.ACCESS_KEY_ID,
                                       aws_secret_key=auth.SECRET_ACCESS_KEY)

    @pytest.mark.skipif(not TSX.exists(), reason="node_modules missing")
    def test_typescript_with_a_key(self, aws_env: dict[str, str]) -> None:
        proc = subprocess.run([str(TSX), str(REPO / "tests" / "ts" / "create.ts"), MODEL_US], cwd=REPO,
                              env=with_key(aws_env, key_for()), capture_output=True, text=True, timeout=120,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout.strip().splitlines()[-1])["type"] == "message"


def tampered(key: str, old: str, new: str) -> str:
    url = base64.b64decode(key.removeprefix("bedrock-api-key-")).decode()
    assert old in url
    return "bedrock-api-key-" + base64.b64encode(url.replace(old, new, 1).encode()).decode()


def presigned(seconds: int, region: str = "us-east-1", secret: str = auth.SECRET_ACCESS_KEY,
              action: str = "CallWithBearerToken") -> str:
    """A key built like the generator's, but with what the generator would not make."""
    request = AWSRequest(method="POST", url="https://bedrock.amazonaws.com/", headers={"host": "bedrock.amazonaws.com"},
                         params={"Action": action})
    SigV4QueryAuth(Credentials(auth.ACCESS_KEY_ID, secret), "bedrock", region, expires=seconds).add_auth(request)
    url = request.url.replace("https://", "") + "&Version=1"
    return "bedrock-api-key-" + base64.b64encode(url.encode()).decode()


class TestRefused:
    """Every refused key: 403 {"Message": ...}, as Bedrock answers a wrong or other-region key."""

    @pytest.mark.parametrize("make", [
        pytest.param(lambda: key_for("eu-west-1"), id="other-region"),
        pytest.param(lambda: tampered(key_for(), "X-Amz-Expires=43200", "X-Amz-Expires=43199"), id="tampered-expiry"),
        pytest.param(lambda: tampered(key_for(), "%2Fus-east-1%2F", "%2Fus-west-2%2F"), id="tampered-region"),
        pytest.param(lambda: key_for()[:-6] + ("A" if key_for()[-6] != "A" else "B") + key_for()[-5:],
                     id="tampered-signature"),
        pytest.param(lambda: tampered(key_for(), "&Version=1", "&Version=2"), id="version"),
        pytest.param(lambda: presigned(43_201), id="over-12-hours"),
        pytest.param(lambda: presigned(600, secret="not-the-secret"), id="wrong-secret"),
        pytest.param(lambda: presigned(600, action="SomethingElse"), id="other-action"),
        pytest.param(lambda: "bedrock-api-key-" + "A" * 200, id="garbage-base64"),
        pytest.param(lambda: "bedrock-api-key-%%%", id="garbage"),
        pytest.param(lambda: "x" * 20_000, id="huge"),
        pytest.param(lambda: auth.BEDROCK_API_KEY + "x", id="long-term-changed"),
    ])
    def test_refused(self, emulator: Emulator, make: Any) -> None:
        r = bearer(emulator, make())
        assert r.status == 403 and json.loads(r.data) == {"Message": REFUSED}, r.data
        assert r.headers["x-amzn-errortype"].startswith("AccessDeniedException")

    def test_expired(self, emulator: Emulator) -> None:
        key = key_for(expiry=dt.timedelta(seconds=1))
        assert bearer(emulator, key).status == 200
        time.sleep(1.2)
        r = bearer(emulator, key)
        assert r.status == 403 and json.loads(r.data) == {"Message": REFUSED}

    def test_expired_boto3_and_explain(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", key_for(expiry=dt.timedelta(seconds=1)))
        time.sleep(1.2)
        with pytest.raises(ClientError) as excinfo:
            boto3.Session().client("bedrock", config=NO_RETRY).list_foundation_models()
        assert error_of(excinfo) == ("AccessDeniedException", REFUSED, 403)
        got = explain(excinfo.value)
        assert got.recognised and "expired" in got.fix and "short_term()" in got.fix

    def test_other_region_explained(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", key_for("eu-west-1"))
        with pytest.raises(ClientError) as excinfo:
            boto3.Session().client("bedrock-runtime", config=NO_RETRY).invoke_model(modelId=MODEL_US,
                                                                                     body=claude_body())
        got = explain(excinfo.value)
        assert "made for eu-west-1" in got.fix and "us-east-1" in got.fix
        assert os.environ["AWS_BEARER_TOKEN_BEDROCK"][16:] not in str(got)

    def test_key_follows_the_emulators_region(self, emulator: Emulator) -> None:
        """A key is for the region of the endpoint it reaches: the emulator's."""
        key = key_for("eu-west-1")
        emulator.region = "eu-west-1"
        try:
            assert bearer(emulator, key).status == 200
        finally:
            emulator.region = "us-east-1"
        assert bearer(emulator, key).status == 403

    def test_two_authorization_schemes(self, emulator: Emulator) -> None:
        """A Bearer key and a SigV4 Authorization in one request are not a valid key."""
        http = urllib3.PoolManager(retries=False)
        headers = urllib3.HTTPHeaderDict()
        headers.add("Authorization", f"Bearer {key_for()}")
        headers.add("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261130/us-east-1/bedrock/"
                                     "aws4_request, SignedHeaders=host, Signature=" + "0" * 64)
        r = http.request("GET", emulator.url + "/foundation-models", headers=headers)
        assert r.status == 403


class TestRevoke:
    def test_revoke_one_key_then_all(self, emulator: Emulator) -> None:
        one, other = key_for(), key_for(expiry=dt.timedelta(hours=1))
        emulator.revoke_api_keys(one)
        assert bearer(emulator, one).status == 403 and bearer(emulator, other).status == 200
        assert emulator.revoke_api_keys()["api_keys_revoked"] == "all"
        assert bearer(emulator, other).status == 403 and bearer(emulator, auth.BEDROCK_API_KEY).status == 403
        emulator.restore_api_keys()
        assert bearer(emulator, one).status == 200 and bearer(emulator, auth.BEDROCK_API_KEY).status == 200

    def test_reset_restores_keys_and_sigv4_is_untouched(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        emulator.revoke_api_keys()
        assert boto3.Session().client("bedrock", config=NO_RETRY).list_foundation_models()["modelSummaries"]
        emulator.reset()
        assert bearer(emulator, key_for()).status == 200

    def test_revoked_boto3_and_anthropic(self, key_env: str, emulator: Emulator) -> None:
        emulator.revoke_api_keys(key_env)
        with pytest.raises(ClientError) as excinfo:
            boto3.Session().client("bedrock", config=NO_RETRY).list_foundation_models()
        assert error_of(excinfo) == ("AccessDeniedException", REFUSED, 403)
        assert "revoked" in explain(excinfo.value).fix
        with pytest.raises(anthropic.PermissionDeniedError):
            anthropic.AnthropicBedrock(max_retries=0).messages.create(
                model=MODEL_US, max_tokens=16, messages=[{"role": "user", "content": "Hi"}])

    def test_control_is_typed_and_bounded(self, emulator: Emulator) -> None:
        assert "revoke_api_keys" in CONTROLS and "restore_api_keys" in CONTROLS
        with pytest.raises(TypeError):
            emulator.revoke_api_keys(42)  # type: ignore[arg-type]
        for bad in ("", " ", "k" * 20_000):
            with pytest.raises(ValueError):
                emulator.revoke_api_keys(bad)
        remote = RemoteEmulator(emulator.https_url, token=emulator.token, ca_bundle=emulator.ca_bundle)
        with pytest.raises(ValueError, match="revoke_api_keys"):
            remote.revoke_api_keys(["a"])  # type: ignore[arg-type]
        assert remote.revoke_api_keys(auth.BEDROCK_API_KEY)["api_keys_revoked"] == 1
        assert auth.BEDROCK_API_KEY not in json.dumps(remote.snapshot())
        assert remote.restore_api_keys()["api_keys_revoked"] == 0


def test_offline_connect_and_short_term(clean_env: None) -> None:
    """connect() sets the https environment and never a key; short_term() then makes one that works."""
    from helpers import connect, connection

    before = {name: os.environ.get(name) for name in ("AWS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")}
    conn = connect("offline")
    assert conn.endpoint.startswith("https://") and "AWS_BEARER_TOKEN_BEDROCK" not in os.environ
    for name in ("AWS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"):
        assert os.environ[name] == str(conn.emulator.ca_bundle)
    key = api_keys.short_term()
    assert api_keys.describe(key).region == conn.region
    os.environ["AWS_BEARER_TOKEN_BEDROCK"] = key
    assert boto3.Session().client("bedrock", config=NO_RETRY).list_foundation_models()["modelSummaries"]
    del os.environ["AWS_BEARER_TOKEN_BEDROCK"]
    connection._restore_environment()
    assert {name: os.environ.get(name) for name in before} == before  # the learner's own, put back
    assert "AWS_ENDPOINT_URL" not in os.environ
