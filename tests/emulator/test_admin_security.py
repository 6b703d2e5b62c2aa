"""Attacks on the emulator, over real HTTP: DNS rebinding (Host), the admin routes (token, Origin,
Content-Type, an HTML form), every control's argument bounds, non-loopback binds, shutdown with
requests in flight, and SigV4 credential scopes naming regions that do not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cli_process import exports_of, printed_lines, start_cli
from logging_setup import destinations

from conftest import MODEL, MODEL_US, NO_RETRY, claude_body, client_of, error_of, signed_request
from helpers.emulator import (
    SHUTDOWN_GRACE_SECONDS,
    Emulator,
    EmulatorApp,
    EmulatorState,
    RemoteEmulator,
    auth,
    serve,
    servers,
    start,
)
from helpers.emulator.guard import Guard

ROOT = Path(__file__).resolve().parents[2]
INVOKE_PATH = f"/model/{quote(MODEL_US, safe='')}/invoke"
JSON = "application/json"


def send(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
         host: str | None = "") -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP/1.1 request to 127.0.0.1:``port`` with exactly the Host given ("" = the right
    one, None = no Host header at all); returns (status, lower-cased headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    if host is not None:
        conn.putheader("Host", host or f"127.0.0.1:{port}")
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data


def message(data: bytes) -> str:
    return json.loads(data)["message"]


def signed_for(host: str, method: str, path: str, body: bytes = b"", region: str = "us-east-1",
               service: str = "bedrock") -> dict[str, str]:
    """Headers of a request botocore signed for ``http://{host}{path}``: what a rebinding page,
    which knows the emulator's public example keys, would send."""
    request = AWSRequest(method=method, url=f"http://{host}{path}", data=body, headers={"Content-Type": JSON})
    SigV4Auth(Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY), service, region).add_auth(request)
    return {k: v for k, v in request.prepare().headers.items() if k.lower() not in ("host", "content-length")}


def admin_headers(emu: Emulator | Any, **extra: str) -> dict[str, str]:
    return {"X-Emulator-Token": emu.token, "Content-Type": JSON, **extra}


def state_of(emu: Emulator) -> dict[str, Any]:
    status, _, data = send(emu.port, "GET", "/_emulator/state", headers={"X-Emulator-Token": emu.token})
    assert status == 200, data
    return json.loads(data)


# --- Host: DNS rebinding ---------------------------------------------------------------------------


class TestHost:
    """Every request must be addressed to the emulator's own loopback name and port."""

    @pytest.mark.parametrize("host", ["attacker.example:{port}", "attacker.example", "127.0.0.1",
                                      "127.0.0.1:1", "localhost.attacker.example:{port}", "127.0.0.2:{port}",
                                      "127.0.0.1:{port},attacker.example:{port}", "bedrock.us-east-1.amazonaws.com"])
    def test_foreign_host_on_bedrock_route(self, emulator: Emulator, host: str) -> None:
        """A request signed for the foreign name itself is refused before any operation runs."""
        host = host.format(port=emulator.port)
        body = claude_body().encode()
        status, headers, data = send(emulator.port, "POST", INVOKE_PATH, body,
                                     signed_for(host.split(",")[0], "POST", INVOKE_PATH, body), host=host)
        assert status == 403 and headers["x-amzn-errortype"].startswith("AccessDeniedException")
        text = message(data)
        assert "DNS rebinding" in text and f"127.0.0.1:{emulator.port}" in text and "--host" in text

    def test_foreign_host_through_boto3(self, emulator: Emulator) -> None:
        """boto3 pointed at a name that resolves to the emulator (as rebinding does) gets a clear 403."""
        client = client_of(emulator, "bedrock-runtime")

        def rename(request: Any, **_: Any) -> None:
            request.headers["Host"] = f"attacker.example:{emulator.port}"
        client.meta.events.register_first("before-sign.bedrock-runtime.InvokeModel", rename)
        with pytest.raises(ClientError) as e:
            client.invoke_model(body=claude_body(), modelId=MODEL_US)
        code, text, status = error_of(e)
        assert (code, status) == ("AccessDeniedException", 403) and "attacker.example" in text

    @pytest.mark.parametrize("path,method", [("/_emulator/state", "GET"), ("/_emulator/revoke_access", "POST"),
                                             ("/", "GET"), ("/", "POST")])
    def test_foreign_host_on_other_routes(self, emulator: Emulator, path: str, method: str) -> None:
        """Admin routes (even with the right token), STS and the welcome page: refused too."""
        status, _, _ = send(emulator.port, method, path, b'{"model": "all"}', admin_headers(emulator),
                            host=f"attacker.example:{emulator.port}")
        assert status == 403
        assert state_of(emulator)["revoked"] == []

    def test_missing_host(self, emulator: Emulator) -> None:
        status, _, data = send(emulator.port, "GET", "/foundation-models", host=None)
        assert status == 403 and "no Host header" in message(data)

    @pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]"])
    def test_own_names_accepted(self, emulator: Emulator, name: str) -> None:
        """A request signed for any of the emulator's own loopback names is served."""
        host = f"{name}:{emulator.port}"
        status, _, data = send(emulator.port, "GET", "/foundation-models",
                               headers=signed_for(host, "GET", "/foundation-models"), host=host)
        assert status == 200, data

    def test_host_names_are_case_insensitive(self, emulator: Emulator) -> None:
        status, _, data = send(emulator.port, "GET", "/", host=f"LocalHost:{emulator.port}")
        assert status == 200 and data.startswith(b"Offline Amazon Bedrock emulator")

    def test_localhost_endpoint_with_boto3(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        client = boto3.Session().client("bedrock-runtime", endpoint_url=f"http://localhost:{emulator.port}",
                                        config=NO_RETRY)
        assert client.invoke_model(body=claude_body(), modelId=MODEL_US)["contentType"] == JSON


# --- admin routes ----------------------------------------------------------------------------------


class TestAdminToken:
    """``/_emulator/*`` needs the per-process token in X-Emulator-Token."""

    def test_token_is_random_per_emulator(self, emulator: Emulator) -> None:
        other = start()
        try:
            assert len(emulator.token) >= 32 and other.token != emulator.token
            status, _, _ = send(other.port, "GET", "/_emulator/state", headers={"X-Emulator-Token": emulator.token})
            assert status == 403
        finally:
            other.stop()

    @pytest.mark.parametrize("token", [None, "", "wrong", "Bearer {token}", "{token}x", "{short}", "{token} {token}"])
    def test_missing_or_wrong_token(self, emulator: Emulator, token: str | None) -> None:
        headers = {"Content-Type": JSON}
        if token is not None:
            headers["X-Emulator-Token"] = token.format(token=emulator.token, short=emulator.token[:-1])
        status, _, data = send(emulator.port, "POST", "/_emulator/revoke_access", b'{"model": "all"}', headers)
        assert status == 403 and "X-Emulator-Token" in message(data)
        status, _, data = send(emulator.port, "POST", "/_emulator/account", b'{"legacy_use": true}', headers)
        assert status == 403 and "X-Emulator-Token" in message(data)
        assert emulator.state.snapshot()["account"]["legacy_use"] is False
        status, _, _ = send(emulator.port, "GET", "/_emulator/state", headers=headers)
        assert status == 403
        assert emulator.state.snapshot()["revoked"] == []

    def test_token_in_authorization_is_not_enough(self, emulator: Emulator) -> None:
        """Authorization carries Bedrock API keys; the admin token has its own header."""
        status, _, _ = send(emulator.port, "GET", "/_emulator/state",
                            headers={"Authorization": f"Bearer {emulator.token}"})
        assert status == 403

    def test_right_token(self, emulator: Emulator) -> None:
        status, _, data = send(emulator.port, "POST", "/_emulator/revoke_access",
                               json.dumps({"model": MODEL.key}).encode(), admin_headers(emulator))
        assert status == 200 and json.loads(data)["revoked"] == [MODEL.key]
        assert state_of(emulator)["revoked"] == [MODEL.key]

    def test_remote_emulator_reads_the_token_from_the_environment(self, emulator: Emulator,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HANDSON_EMULATOR_TOKEN", emulator.token)
        assert RemoteEmulator(emulator.url).throttle(next=2)["throttle"]["next"] == 2
        monkeypatch.delenv("HANDSON_EMULATOR_TOKEN")
        with pytest.raises(PermissionError, match="X-Emulator-Token"):
            RemoteEmulator(emulator.url).reset()
        with pytest.raises(ValueError, match="latency: ms must be"):
            RemoteEmulator(emulator.url, token=emulator.token).latency(-1)


class TestAdminOriginAndContentType:
    """What a web page can send cross-site without a CORS preflight is refused."""

    @pytest.mark.parametrize("origin", ["http://attacker.example", "null", "http://127.0.0.1:1",
                                        "https://127.0.0.1:{port}", "http://127.0.0.1:{port}.attacker.example"])
    def test_foreign_origin(self, emulator: Emulator, origin: str) -> None:
        """Refused even with the right token (a page that learnt it must still not drive the emulator)."""
        origin = origin.format(port=emulator.port)
        status, _, data = send(emulator.port, "POST", "/_emulator/revoke_access", b'{"model": "all"}',
                               admin_headers(emulator, Origin=origin))
        assert status == 403 and "Origin" in message(data)
        status, _, _ = send(emulator.port, "GET", "/_emulator/state",
                            headers={"X-Emulator-Token": emulator.token, "Origin": origin})
        assert status == 403
        assert emulator.state.snapshot()["revoked"] == []

    @pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]"])
    def test_own_origin(self, emulator: Emulator, name: str) -> None:
        status, _, data = send(emulator.port, "POST", "/_emulator/throttle", b'{"next": 1}',
                               admin_headers(emulator, Origin=f"http://{name}:{emulator.port}"))
        assert status == 200, data

    @pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "multipart/form-data; "
                                              "boundary=x", "text/plain", "text/plain; charset=utf-8",
                                              "application/json-patch+json"])
    def test_only_json_bodies(self, emulator: Emulator, content_type: str | None) -> None:
        headers = {"X-Emulator-Token": emulator.token}
        if content_type:
            headers["Content-Type"] = content_type
        status, _, data = send(emulator.port, "POST", "/_emulator/revoke_access", b'{"model": "all"}', headers)
        assert status == 415 and "application/json" in message(data)
        assert emulator.state.snapshot()["revoked"] == []

    def test_json_with_charset(self, emulator: Emulator) -> None:
        status, _, _ = send(emulator.port, "POST", "/_emulator/timeout", b'{"next": 1}',
                            admin_headers(emulator, **{"Content-Type": "application/json; charset=utf-8"}))
        assert status == 200

    def test_html_form_post(self, emulator: Emulator) -> None:
        """What ``<form method=post action=http://127.0.0.1:PORT/_emulator/revoke_access>`` on another
        site sends: form encoding, the page's Origin, no token. Nothing changes."""
        form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://attacker.example",
                "Referer": "http://attacker.example/page.html", "Sec-Fetch-Site": "cross-site"}
        for path, body in (("/_emulator/revoke_access", b"model=all"), ("/_emulator/latency", b"ms=60000"),
                           ("/_emulator/revoke_access", b'{"model": "all"}')):
            status, _, _ = send(emulator.port, "POST", path, body, form)
            assert status == 403
        # A no-cors fetch() may send text/plain JSON; without the token and with its Origin, refused.
        status, _, _ = send(emulator.port, "POST", "/_emulator/revoke_access", b'{"model": "all"}',
                            {"Content-Type": "text/plain", "Origin": "http://attacker.example"})
        assert status == 403
        snapshot = emulator.state.snapshot()
        assert snapshot["revoked"] == [] and snapshot["latency_ms"] == 0

    def test_no_cors_preflight_granted(self, emulator: Emulator) -> None:
        status, headers, _ = send(emulator.port, "OPTIONS", "/_emulator/revoke_access",
                                  headers={"Origin": "http://attacker.example",
                                           "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type,x-emulator-token"})
        assert status == 404 and not any(h.startswith("access-control-") for h in headers)


# --- control arguments -----------------------------------------------------------------------------

BAD_ARGUMENTS = [
    ("latency", {"ms": 1e20}), ("latency", {"ms": 1e400}), ("latency", {"ms": -1}), ("latency", {"ms": 60_001}),
    ("latency", {"ms": True}), ("latency", {"ms": 1.5}), ("latency", {"ms": "500"}), ("latency", {"ms": None}),
    ("latency", {"ms": [1]}), ("latency", {"seconds": 1}),
    ("throttle", {"next": 1e400}), ("throttle", {"next": -1}), ("throttle", {"next": 100_001}),
    ("throttle", {"next": False}), ("throttle", {"next": 2.0}), ("throttle", {"rate": 5}),
    ("throttle", {"rate": -0.1}), ("throttle", {"rate": "0.5"}), ("throttle", {"rate": True}),
    ("throttle", {"rate": 1e400}), ("throttle", {"rate": -1e400}), ("throttle", {"seed": 1.5}),
    ("throttle", {"seed": "7"}), ("throttle", {"seed": 2**80}), ("throttle", {"mid_stream": 1}),
    ("throttle", {"mid_stream": "yes"}), ("throttle", {"message": 42}), ("throttle", {"message": "x" * 1001}),
    ("throttle", {"message": "\ud800"}), ("throttle", {"message": ["a"]}), ("throttle", {"nxt": 1}),
    ("throttle", {"next": 3, "rate": 2}),  # one good, one bad: nothing applies
    ("throttle", {"next": 3, "message": "\udfff lone"}),
    ("timeout", {"next": 1e400}), ("timeout", {"next": -1}), ("timeout", {"next": 100_001}),
    ("timeout", {"next": True}), ("timeout", {"next": 1, "mid_stream": "no"}), ("timeout", {"n": 1}),
    ("revoke_access", {"model": None}), ("revoke_access", {"model": 123}), ("revoke_access", {"model": ""}),
    ("revoke_access", {"model": "   "}), ("revoke_access", {"model": "nope"}), ("revoke_access", {"model": ["all"]}),
    ("revoke_access", {"model": "x" * 10_000}), ("revoke_access", {"model": "\ud800"}),
    ("revoke_access", {"models": "all"}), ("grant_access", {"model": None}), ("grant_access", {"model": "nope"}),
    ("set_date", {"date": "yesterday"}), ("set_date", {"date": 20260101}), ("set_date", {"date": "2026-02-30"}),
    ("set_date", {"date": "2026-01-01" * 1000}), ("set_date", {"date": ["2026-01-01"]}), ("set_date", {"day": None}),
    ("reset", {"everything": True}),
    ("account", {"legacy_use": "yes"}), ("account", {"legacy_use": 1}), ("account", {"marketplace": 0}),
    ("account", {"use_case_form": "false"}), ("account", {"scp_blocks_global": [True]}),
    ("account", {"data_share": 1.0}), ("account", {"invited": 5}), ("account", {"invited": "nope"}),
    ("account", {"invited": ["nope"]}), ("account", {"invited": [5]}), ("account", {"invited": {"all": True}}),
    ("account", {"invited": ["all"] * 101}), ("account", {"invited": ""}), ("account", {"invited": "\ud800"}),
    ("account", {"legacy": True}), ("account", {"legacy_use": True, "marketplace": "no"}),
]


@pytest.fixture
def configured(emulator: Emulator) -> Iterator[dict[str, Any]]:
    """A non-default state, so a partial change would show."""
    emulator.revoke_access("claude-haiku-4-5")
    emulator.throttle(next=7, rate=0.25, seed=3, message="slow down")
    emulator.timeout(next=2)
    emulator.latency(5)
    emulator.set_date("2026-03-01")
    emulator.account(legacy_use=True, scp_blocks_global=True, invited=["claude-mythos-5"])
    yield emulator.state.snapshot()


class TestControlArguments:
    """Every bad argument is a clear 400 (TypeError/ValueError in-process) and changes nothing."""

    @pytest.mark.parametrize("control,kwargs", BAD_ARGUMENTS, ids=lambda v: str(v)[:40])
    def test_over_http(self, emulator: Emulator, configured: dict[str, Any], control: str,
                       kwargs: dict[str, Any]) -> None:
        body = json.dumps(kwargs).encode()  # float("inf") is written as Infinity; 1e400 parses to inf too
        status, headers, data = send(emulator.port, "POST", f"/_emulator/{control}", body, admin_headers(emulator))
        assert status == 400 and headers["x-amzn-errortype"].startswith("ValidationException")
        assert message(data).startswith(f"{control}: ")
        assert state_of(emulator) == configured

    @pytest.mark.parametrize("control,kwargs", [(c, k) for c, k in BAD_ARGUMENTS if k.keys() <= {
        "ms", "next", "rate", "seed", "mid_stream", "message", "model", "date", "legacy_use", "marketplace",
        "use_case_form", "scp_blocks_global", "invited", "data_share"}], ids=lambda v: str(v)[:40])
    def test_in_process(self, emulator: Emulator, configured: dict[str, Any], control: str,
                        kwargs: dict[str, Any]) -> None:
        with pytest.raises((TypeError, ValueError)) as e:
            getattr(emulator, control)(**kwargs)
        assert str(e.value).startswith(f"{control}: ")
        assert emulator.state.snapshot() == configured

    @pytest.mark.parametrize("raw", [b"1e400", b'{"ms": 1e400}', b'{"ms": Infinity}', b'{"ms": NaN}',
                                     b"[" * 100_000, b'{"ms": ' + b"[" * 100_000, b"\xff\xfe", b"[]", b'"ms"', b"{"])
    def test_raw_json_bodies(self, emulator: Emulator, configured: dict[str, Any], raw: bytes) -> None:
        status, _, data = send(emulator.port, "POST", "/_emulator/latency", raw, admin_headers(emulator))
        assert status == 400 and message(data).startswith("latency: ")
        assert state_of(emulator) == configured

    def test_unknown_model_lists_the_known_ones(self, emulator: Emulator) -> None:
        status, _, data = send(emulator.port, "POST", "/_emulator/revoke_access", b'{"model": "claude-sonet-4-5"}',
                               admin_headers(emulator))
        text = message(data)
        assert status == 400 and "Did you mean" in text and "claude-haiku-4-5" in text and '"all"' in text

    @pytest.mark.parametrize("control,kwargs", [
        ("latency", {"ms": 0}), ("latency", {"ms": 60_000}), ("throttle", {"next": 100_000, "rate": 1}),
        ("throttle", {"rate": 0, "seed": -5, "message": None}), ("throttle", {"message": "é" * 1000}),
        ("timeout", {"next": 0, "mid_stream": True}), ("revoke_access", {"model": MODEL_US}),
        ("grant_access", {"model": "all"}), ("set_date", {"date": None}), ("set_date", {"date": "2026-06-01"}),
        ("reset", {}), ("account", {}), ("account", {"legacy_use": None}), ("account", {"invited": "all"}),
        ("account", {"invited": [MODEL_US, "claude-mythos-5"]}), ("account", {"invited": []}),
        ("account", {"legacy_use": True, "marketplace": False, "use_case_form": False, "scp_blocks_global": True,
                     "data_share": True}),
    ])
    def test_bounds_accepted(self, emulator: Emulator, control: str, kwargs: dict[str, Any]) -> None:
        status, _, data = send(emulator.port, "POST", f"/_emulator/{control}", json.dumps(kwargs).encode(),
                               admin_headers(emulator))
        assert status == 200, data

    def test_bad_admin_json_shape_of_the_path(self, emulator: Emulator) -> None:
        status, _, data = send(emulator.port, "POST", "/_emulator/%ED%A0%80", b"{}", admin_headers(emulator))
        assert status == 400 and "Unknown control" in message(data)


# --- non-loopback binds ----------------------------------------------------------------------------


@contextlib.contextmanager
def served_as_if_bound_to(host: str, admin: bool) -> Iterator[Any]:
    """The emulator app with the rules of a ``host`` bind, served on a loopback socket (binding
    0.0.0.0 in a test would expose it to the network)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    guard = Guard.for_bind(host, port, admin=admin)
    server, _ = servers(EmulatorApp(EmulatorState(), guard), None)
    thread = threading.Thread(target=serve, args=(server, sock, None, None), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield type("Served", (), {"port": port, "token": guard.token})
    finally:
        server.stop()
        thread.join(10)


class TestNonLoopbackBind:
    """``--host 0.0.0.0``: any Host (the operator chose to be reachable by name); admin off unless --admin."""

    def test_rules(self) -> None:
        for host in ("0.0.0.0", "::", "192.168.1.20", "my-laptop.local"):
            guard = Guard.for_bind(host, 8787)
            assert guard.hosts is None and not guard.admin
            assert Guard.for_bind(host, 8787, admin=True).admin
        for host in ("127.0.0.1", "::1", "localhost", "127.0.0.5"):
            guard = Guard.for_bind(host, 8787)
            assert guard.admin and guard.hosts and "localhost:8787" in guard.hosts

    def test_admin_off_and_any_host(self) -> None:
        with served_as_if_bound_to("0.0.0.0", admin=False) as served:
            host = f"workshop-host.lan:{served.port}"
            status, _, data = send(served.port, "GET", "/foundation-models",
                                   headers=signed_for(host, "GET", "/foundation-models"), host=host)
            assert status == 200, data
            for method, path in (("GET", "/_emulator/state"), ("POST", "/_emulator/revoke_access")):
                status, headers, _ = send(served.port, method, path, b'{"model": "all"}', admin_headers(served))
                assert status == 404 and headers["x-amzn-errortype"].startswith("UnknownOperationException")

    def test_admin_on_with_flag(self) -> None:
        with served_as_if_bound_to("0.0.0.0", admin=True) as served:
            host = f"workshop-host.lan:{served.port}"
            status, _, _ = send(served.port, "GET", "/_emulator/state", host=host)
            assert status == 403  # the token is still needed
            status, _, data = send(served.port, "POST", "/_emulator/throttle", b'{"next": 1}',
                                   admin_headers(served, Origin=f"http://{host}"), host=host)
            assert status == 200 and json.loads(data)["throttle"]["next"] == 1
            status, _, _ = send(served.port, "POST", "/_emulator/throttle", b'{"next": 1}',
                                admin_headers(served, Origin="http://attacker.example"), host=host)
            assert status == 403


# --- shutdown --------------------------------------------------------------------------------------


def in_flight(url: str, path: str = INVOKE_PATH, **kwargs: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """Send a signed request from a thread; its outcome lands in the returned dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            r = signed_request(url, "POST", path, claude_body().encode(), headers={"Content-Type": JSON}, **kwargs)
            outcome["status"], outcome["body"] = r.status, r.data
        except Exception as e:  # the connection closed: also a finished request
            outcome["error"] = e
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def slow_client(port: int) -> socket.socket:
    """A client that sends headers announcing a body, a few bytes of it, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"POST {INVOKE_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: 100000\r\n\r\n{{\"a".encode())
    return sock


class TestShutdown:
    LIMIT = SHUTDOWN_GRACE_SECONDS + 2.5  # "within a few seconds"

    def test_stop_with_requests_in_flight(self) -> None:
        emu = start()
        emu.latency(60_000)
        hung, outcome = in_flight(emu.url)
        stream, stream_outcome = in_flight(emu.url, INVOKE_PATH.replace("/invoke", "/invoke-with-response-stream"))
        slow = slow_client(emu.port)
        time.sleep(0.5)
        started = time.perf_counter()
        emu.stop()
        took = time.perf_counter() - started
        hung.join(5)
        stream.join(5)
        slow.close()
        assert not emu.running and took < self.LIMIT, f"stop() took {took:.1f} s"
        print(f"\nstop() with 3 requests in flight: {took:.2f} s")
        for result in (outcome, stream_outcome):
            assert result.get("status") == 503 or "error" in result, result
        if "status" in outcome:
            assert b"shutting down" in outcome["body"]

    @pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
    def test_signal_with_requests_in_flight(self, stop_signal: signal.Signals) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HANDSON_EMULATOR"))}
        # --tls-port 0: the default, --port + 1, may be taken by another process (a CI run hung on that).
        proc = start_cli("--port", str(port), "--tls-port", "0", env=env)
        try:
            exports = exports_of(printed_lines(proc))
            url, ca_bundle = exports["AWS_ENDPOINT_URL"], exports["AWS_CA_BUNDLE"]  # the TLS listener
            remote = RemoteEmulator(url, token=exports["HANDSON_EMULATOR_TOKEN"], ca_bundle=ca_bundle)
            deadline = time.monotonic() + 15
            while True:
                try:
                    remote.latency(60_000)
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            hung, outcome = in_flight(url, ca_bundle=ca_bundle)  # over TLS
            slow = slow_client(port)  # on the plain-HTTP listener: both stop together
            time.sleep(0.5)
            started = time.perf_counter()
            proc.send_signal(stop_signal)
            proc.wait(timeout=15)
            took = time.perf_counter() - started
            hung.join(5)
            slow.close()
            print(f"\n{stop_signal.name} with 2 requests in flight: exited in {took:.2f} s")
            # 0 (the server stopped on the signal), or the signal's own status if it ended the process.
            assert took < self.LIMIT and proc.returncode in (0, -signal.SIGTERM)
            assert outcome.get("status") == 503 or "error" in outcome, outcome
            stderr = proc.stderr.read()
            assert "Traceback" not in stderr, stderr
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# --- SigV4 scope -----------------------------------------------------------------------------------

INVALID_REGIONS = ["zz-nowhere-9", "..", "x" * 300, "us-east-1x", "US-EAST-1", "us-east", "aws-global", "local",
                   "us-gov-west-1x", "ü-region"]
VALID_REGION_MESSAGE = "Credential should be scoped to a valid region."


class TestSigV4Region:
    """A credential scoped to a region that is not an AWS region is refused as AWS refuses it."""

    @pytest.mark.parametrize("region", INVALID_REGIONS)
    @pytest.mark.parametrize("method,path", [("GET", "/foundation-models"), ("POST", INVOKE_PATH),
                                             ("POST", "/model/x/converse")])
    def test_bedrock_refuses(self, emulator: Emulator, region: str, method: str, path: str) -> None:
        r = signed_request(emulator.url, method, path, claude_body().encode() if method == "POST" else b"",
                           region=region.encode("utf-8").decode("latin-1"), headers={"Content-Type": JSON})
        assert r.status == 403 and r.headers["x-amzn-errortype"].startswith("InvalidSignatureException")
        assert json.loads(r.data) == {"message": VALID_REGION_MESSAGE}

    @pytest.mark.parametrize("region", ["zz-nowhere-9", "..", "x" * 300])
    def test_sts_refuses(self, emulator: Emulator, region: str) -> None:
        r = signed_request(emulator.url, "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15", service="sts",
                           region=region, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in r.data
        assert b"Credential should be scoped to a valid region" in r.data

    def test_boto3(self, aws_env: dict[str, str]) -> None:
        client = boto3.Session().client("bedrock", region_name="zz-nowhere-9", config=NO_RETRY)
        with pytest.raises(ClientError) as e:
            client.list_foundation_models()
        assert error_of(e) == ("InvalidSignatureException", VALID_REGION_MESSAGE, 403)

    @pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-7", "mx-central-1"])
    def test_real_regions_accepted(self, emulator: Emulator, region: str) -> None:
        assert signed_request(emulator.url, "GET", "/foundation-models", region=region).status == 200

    def test_with_invocation_logging_on(self) -> None:
        emu = start()
        try:
            dest = destinations(emu, cloudwatch=False)
            client_of(emu, "bedrock").put_model_invocation_logging_configuration(loggingConfig=dest.config())
            for region in ("x" * 300, "..", "zz-nowhere-9", "a/b"):
                r = signed_request(emu.url, "POST", INVOKE_PATH, claude_body().encode(), region=region,
                                   headers={"Content-Type": JSON})
                assert r.status == 403, (region[:20], r.status, r.data)
            r = signed_request(emu.url, "POST", INVOKE_PATH, claude_body().encode(), headers={"Content-Type": JSON})
            assert r.status == 200
            assert [key.split("/")[4] for key in dest.record_keys()] == ["us-east-1"]  # only that call was logged
        finally:
            emu.stop()

    @pytest.mark.parametrize("region", ["zz-nowhere-9", "", "..", None, 5])
    def test_default_region_must_be_real(self, region: Any) -> None:
        with pytest.raises(ValueError, match="not an AWS region"):
            start(region=region)

    def test_command_line_refuses_a_made_up_region(self) -> None:
        proc = subprocess.run([sys.executable, "-m", "helpers.emulator", "--port", "0", "--region", "zz-nowhere-9"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and "is not an AWS region" in proc.stderr and "Traceback" not in proc.stderr

    def test_regions_come_from_botocore(self) -> None:
        from botocore.loaders import create_loader

        partitions = create_loader().load_data("endpoints")["partitions"]
        assert auth.regions() == set(next(p for p in partitions if p["partition"] == "aws")["regions"])
        assert {"us-east-1", "ap-northeast-1", "eu-west-3"} <= auth.regions()


def test_a_late_result_on_a_cancelled_server_future_is_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    """granian's shutdown callback may set a result on a future our shutdown already cancelled; that race
    printed a traceback when the emulator stopped with requests in flight (a flaky CI run)."""
    from helpers.emulator import listeners

    async def race(quiet: bool) -> None:
        loop = asyncio.get_running_loop()
        if quiet:
            listeners._quiet_shutdown_race(loop)
        future = loop.create_future()
        future.cancel()
        loop.call_soon(future.set_result, None)
        await asyncio.sleep(0.01)

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(race(quiet=False))
    assert "InvalidStateError" in caplog.text  # the race itself, as asyncio reports it
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(race(quiet=True))
    assert "InvalidStateError" not in caplog.text
