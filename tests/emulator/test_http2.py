"""HTTP/2 on the emulator's two listeners: h2c with prior knowledge on the plain port, ALPN h2 on the TLS one,
HTTP/1.1 on both still. The AWS SDK for JavaScript v3's Bedrock runtime client speaks only HTTP/2, so it runs
here with its default settings; httpx (h2) sends SigV4-signed requests; the Host guard holds for :authority."""

from __future__ import annotations

import base64
import json
import ssl
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from test_typescript import TSX, run_ts

from conftest import MODEL, MODEL_US, claude_body
from helpers.emulator import Emulator, auth

INVOKE = f"/model/{quote(MODEL_US, safe='')}"


def signed(url: str, path: str, body: bytes) -> dict[str, str]:
    """botocore's SigV4 headers for a POST (host is carried by :authority over HTTP/2)."""
    request = AWSRequest("POST", url + path, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY), "bedrock", "us-east-1").add_auth(request)
    return {k: v for k, v in request.prepare().headers.items() if k.lower() != "host"}


def h2_client(emulator: Emulator, tls: bool) -> httpx.Client:
    if tls:  # ALPN: the client offers h2 and http/1.1, the emulator picks h2
        return httpx.Client(http2=True, verify=ssl.create_default_context(cafile=str(emulator.ca_bundle)))
    return httpx.Client(http1=False, http2=True)  # cleartext: prior knowledge, no Upgrade


def base(emulator: Emulator, tls: bool) -> str:
    return emulator.https_url if tls else emulator.url


def protocols(emulator: Emulator, path: str) -> list[str]:
    """The HTTP versions the emulator saw for ``path`` (a test-only record, never in a response)."""
    return [version for version, _, seen in emulator._server.app.recent_protocols if seen == path]


@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "tls-h2"])
class TestSignedOverHttp2:
    def test_invoke_model(self, emulator: Emulator, tls: bool) -> None:
        url, body = base(emulator, tls), claude_body().encode()
        with h2_client(emulator, tls) as client:
            reply = client.post(url + INVOKE + "/invoke", content=body, headers=signed(url, INVOKE + "/invoke", body))
        assert reply.http_version == "HTTP/2" and reply.status_code == 200, reply.text
        data = reply.json()
        assert data["type"] == "message" and data["model"] == MODEL.api_name and data["content"][0]["text"]
        assert reply.headers["x-amzn-requestid"] and protocols(emulator, INVOKE + "/invoke")[-1] == "2"

    def test_converse(self, emulator: Emulator, tls: bool) -> None:
        url = base(emulator, tls)
        body = json.dumps({"messages": [{"role": "user", "content": [{"text": "Hello"}]}]}).encode()
        with h2_client(emulator, tls) as client:
            path = INVOKE + "/converse"
            reply = client.post(url + path, content=body, headers=signed(url, path, body))
        assert reply.http_version == "HTTP/2" and reply.status_code == 200, reply.text
        assert reply.json()["output"]["message"]["content"][0]["text"]

    def test_event_stream(self, emulator: Emulator, tls: bool) -> None:
        """InvokeModelWithResponseStream's frames arrive whole, decoded by botocore's own parser."""
        url, body, path = base(emulator, tls), claude_body().encode(), INVOKE + "/invoke-with-response-stream"
        frames = EventStreamBuffer()
        with h2_client(emulator, tls) as client, client.stream("POST", url + path, content=body,
                                                               headers=signed(url, path, body)) as reply:
            assert reply.http_version == "HTTP/2" and reply.status_code == 200
            for chunk in reply.iter_bytes():
                frames.add_data(chunk)
        events = [json.loads(base64.b64decode(json.loads(m.payload)["bytes"]))["type"] for m in frames]
        assert events[0] == "message_start" and events[-1] == "message_stop"

    def test_bad_signature_refused(self, emulator: Emulator, tls: bool) -> None:
        url, body = base(emulator, tls), claude_body().encode()
        headers = signed(url, INVOKE + "/invoke", body)
        signature = headers["Authorization"]
        headers["Authorization"] = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        with h2_client(emulator, tls) as client:
            reply = client.post(url + INVOKE + "/invoke", content=body, headers=headers)
        assert reply.status_code == 403 and reply.headers["x-amzn-errortype"].startswith("InvalidSignatureException")

    def test_foreign_authority_refused(self, emulator: Emulator, tls: bool) -> None:
        """DNS rebinding over HTTP/2: a foreign :authority gets the Host guard's 403, before any body is read."""
        url, body = base(emulator, tls), claude_body().encode()
        port = emulator.tls_port if tls else emulator.port
        with h2_client(emulator, tls) as client:
            reply = client.post(url + INVOKE + "/invoke", content=body,
                                headers={**signed(url, INVOKE + "/invoke", body), "Host": f"attacker.example:{port}"})
        assert reply.http_version == "HTTP/2" and reply.status_code == 403
        assert f"Host 'attacker.example:{port}'" in reply.json()["message"]

    def test_body_limit(self, emulator: Emulator, tls: bool) -> None:
        url, body = base(emulator, tls), b"x" * 25_000_001
        with h2_client(emulator, tls) as client:
            reply = client.post(url + INVOKE + "/invoke", content=body, headers=signed(url, INVOKE + "/invoke", body))
        assert reply.status_code == 400 and "less than or equal to 25000000" in reply.json()["message"]

    def test_http1_still_served(self, emulator: Emulator, tls: bool) -> None:
        url, body = base(emulator, tls), claude_body().encode()
        verify: Any = ssl.create_default_context(cafile=str(emulator.ca_bundle)) if tls else True
        with httpx.Client(verify=verify) as client:
            reply = client.post(url + INVOKE + "/invoke", content=body, headers=signed(url, INVOKE + "/invoke", body))
        assert reply.http_version == "HTTP/1.1" and reply.status_code == 200
        assert protocols(emulator, INVOKE + "/invoke")[-1] == "1.1"


@pytest.mark.typescript
@pytest.mark.skipif(not TSX.exists(), reason="node_modules/.bin/tsx is missing: run `npm ci` in the repo")
@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "tls-h2"])
def test_aws_sdk_for_javascript_default_settings(aws_env: dict[str, str], emulator: Emulator, tls: bool) -> None:
    """@aws-sdk/client-bedrock-runtime (HTTP/2 only) runs Converse, ConverseStream, InvokeModel and
    InvokeModelWithResponseStream; @aws-sdk/client-bedrock lists the models over HTTP/1.1."""
    out = run_ts("http2.ts", base(emulator, tls), MODEL_US, env=aws_env)
    assert out["converse"]["text"] and out["converse"]["stopReason"] in ("end_turn", "max_tokens")
    assert out["converseStream"]["events"][0] == "messageStart" and "metadata" in out["converseStream"]["events"]
    assert out["converseStream"]["text"] == out["converse"]["text"]
    assert out["invoke"]["type"] == "message" and out["invoke"]["text"] == out["converse"]["text"]
    assert out["invokeStream"]["events"] == ["message_start", "content_block_start", "content_block_delta",
                                             "content_block_stop", "message_delta", "message_stop"]
    for operation in ("converse", "converse-stream", "invoke", "invoke-with-response-stream"):
        assert protocols(emulator, f"/model/{MODEL_US}/{operation}")[-1] == "2", operation
    if out["listModels"].get("missing"):
        pytest.skip("@aws-sdk/client-bedrock is not installed: run `npm ci` (package.json lists it)")
    assert MODEL.base_id in out["listModels"]["ids"]
    assert protocols(emulator, "/foundation-models")[-1] == "1.1"
