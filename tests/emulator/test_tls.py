"""The emulator's TLS listener: a certificate made at start, trusted through the environment, refused without it."""

from __future__ import annotations

import os
import socket
import ssl
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import anthropic
import boto3
import certifi
import pytest
import urllib3
from botocore.exceptions import SSLError
from cryptography import x509

from conftest import MODEL_US, NO_RETRY, claude_body, raw_request
from helpers.emulator import Emulator, RemoteEmulator, start, tls
from helpers.errors import explain

REPO = Path(__file__).resolve().parents[2]
TSX = REPO / "node_modules" / ".bin" / "tsx"


def without_ca(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in tls.TRUST_ENV}


class TestCertificate:
    def test_files_stay_in_the_emulators_folder(self, emulator: Emulator) -> None:
        """Key 0600, folder 0700, and the CA's private key is never written."""
        files = emulator.tls_files
        assert files is not None
        assert stat.S_IMODE(files.folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
        for path in (files.ca, files.cert, files.key, files.bundle):
            assert path.parent == files.folder and path.is_file()
        assert sorted(p.name for p in files.folder.iterdir()) == sorted(
            p.name for p in (files.ca, files.cert, files.key, files.bundle))
        private = [p.name for p in files.folder.iterdir() if b"PRIVATE KEY" in p.read_bytes()]
        assert private == [files.key.name]

    def test_names_loopback(self, emulator: Emulator) -> None:
        cert = x509.load_pem_x509_certificate(emulator.tls_files.cert.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = {str(n) for n in san.get_values_for_type(x509.IPAddress)} | set(san.get_values_for_type(x509.DNSName))
        assert names >= {"127.0.0.1", "::1", "localhost"}
        for server_name in ("127.0.0.1", "localhost"):  # a real handshake, verified against the CA
            context = ssl.create_default_context(cafile=str(emulator.tls_files.ca))
            with socket.create_connection(("127.0.0.1", emulator.tls_port)) as raw, \
                    context.wrap_socket(raw, server_hostname=server_name) as tls_sock:
                assert tls_sock.version() in ("TLSv1.2", "TLSv1.3")

    def test_bundle_keeps_public_roots(self, emulator: Emulator) -> None:
        """SSL_CERT_FILE replaces httpx2's store: the bundle must still trust public CAs."""
        bundle = emulator.ca_bundle.read_text()
        assert Path(certifi.where()).read_text().strip() in bundle
        assert emulator.tls_files.ca.read_text().strip() in bundle
        context = ssl.create_default_context(cafile=str(emulator.ca_bundle))
        assert len(context.get_ca_certs()) > 100

    def test_learners_own_bundle_is_kept(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         emulator: Emulator) -> None:
        """A CA the learner configured (a corporate proxy's) stays trusted next to the emulator's."""
        own = tmp_path / "corporate.pem"
        own.write_bytes(emulator.tls_files.ca.read_bytes())  # any CA certificate will do
        monkeypatch.setenv("SSL_CERT_FILE", str(own))
        files = tls.create()
        try:
            assert own.read_text().strip() in files.bundle.read_text()
        finally:
            files.remove()
        assert not files.folder.exists()


class TestClientsTrustIt:
    def test_environment_is_https(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        assert aws_env["AWS_ENDPOINT_URL"] == emulator.https_url
        reply = boto3.Session().client("bedrock-runtime", config=NO_RETRY).invoke_model(
            modelId=MODEL_US, body=claude_body())
        assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200

    def test_anthropic_sigv4_over_https(self, aws_env: dict[str, str]) -> None:
        """AnthropicBedrock (SigV4) trusts the emulator through SSL_CERT_FILE (httpx2)."""
        client = anthropic.AnthropicBedrock(max_retries=0)
        assert str(client.base_url).startswith("https://")
        assert client.messages.create(model=MODEL_US, max_tokens=16,
                                      messages=[{"role": "user", "content": "Hi"}]).type == "message"

    def test_boto3_without_the_ca_refuses(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        """boto3's own verification (certifi) refuses the local certificate; explain() says why."""
        monkeypatch.delenv("AWS_CA_BUNDLE")
        client = boto3.Session().client("bedrock-runtime", config=NO_RETRY)
        with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED") as excinfo:
            client.invoke_model(modelId=MODEL_US, body=claude_body())
        got = explain(excinfo.value)
        assert got.recognised and "AWS_CA_BUNDLE" in got.fix and "connect()" in got.fix

    def test_anthropic_without_the_ca_refuses(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("SSL_CERT_FILE")
        client = anthropic.AnthropicBedrock(max_retries=0)
        with pytest.raises(anthropic.APIConnectionError) as excinfo:
            client.messages.create(model=MODEL_US, max_tokens=16, messages=[{"role": "user", "content": "Hi"}])
        got = explain(excinfo.value)
        assert got.recognised and "SSL_CERT_FILE" in got.fix

    def test_cli_without_the_ca_refuses(self, aws_env: dict[str, str]) -> None:
        proc = subprocess.run(["aws", "bedrock", "list-foundation-models"], env=without_ca(aws_env),
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in proc.stderr, proc.stderr
        assert explain(proc.stderr).recognised

    @pytest.mark.skipif(not TSX.exists(), reason="node_modules missing")
    def test_node_needs_node_extra_ca_certs(self, aws_env: dict[str, str]) -> None:
        """The TypeScript SDK works over https with NODE_EXTRA_CA_CERTS, and Node refuses without it."""
        script = str(REPO / "tests" / "ts" / "create.ts")
        good = subprocess.run([str(TSX), script, MODEL_US], cwd=REPO, env=aws_env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert good.returncode == 0, good.stderr
        bad = subprocess.run([str(TSX), script, MODEL_US], cwd=REPO, env=without_ca(aws_env), capture_output=True,
                             text=True, timeout=120, check=False)
        assert bad.returncode != 0
        assert "UNABLE_TO_VERIFY_LEAF_SIGNATURE" in bad.stderr or "certificate" in bad.stderr, bad.stderr
        assert explain(bad.stderr).recognised, bad.stderr


class TestListeners:
    def test_same_state_on_both(self, emulator: Emulator) -> None:
        """One app and state: a control sent over https shows over plain HTTP."""
        remote = RemoteEmulator(emulator.https_url, token=emulator.token, ca_bundle=emulator.ca_bundle)
        remote.latency(5)
        assert RemoteEmulator(emulator.url, token=emulator.token).snapshot()["latency_ms"] == 5

    def test_host_guard_knows_the_tls_port(self, emulator: Emulator) -> None:
        pool = urllib3.PoolManager(ca_certs=str(emulator.ca_bundle), retries=False)
        ok = pool.request("GET", emulator.https_url + "/")
        assert ok.status == 200
        refused = pool.request("GET", emulator.https_url + "/", headers={"Host": f"evil.example:{emulator.tls_port}"})
        assert refused.status == 403 and f"127.0.0.1:{emulator.tls_port}" in refused.data.decode()
        # the plain port's Host on the TLS port (and the other way round) names the emulator too: both accepted
        assert raw_request(emulator.url, "GET", "/").status == 200

    def test_stop_closes_both_and_removes_the_files(self) -> None:
        emu = start()
        folder, ports = emu.tls_files.folder, (emu.port, emu.tls_port)
        started = time.perf_counter()
        emu.stop()
        assert time.perf_counter() - started < 3 and not emu.running
        assert not folder.exists()
        for port in ports:
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1)

    def test_tls_can_be_off(self) -> None:
        with start(tls=False) as emu:
            assert emu.https_url is None and emu.ca_bundle is None
            assert emu.env["AWS_ENDPOINT_URL"] == emu.url and "AWS_CA_BUNDLE" not in emu.env

    def test_latency_tls_vs_plain(self, emulator: Emulator) -> None:
        """A quick figure: keep-alive requests over TLS vs plain HTTP (printed with -s)."""
        def loop(url: str, **pool: Any) -> float:
            http = urllib3.PoolManager(retries=False, **pool)
            http.request("GET", url + "/")  # connect (and handshake) once
            started = time.perf_counter()
            for _ in range(200):
                assert http.request("GET", url + "/").status == 200
            return (time.perf_counter() - started) / 200 * 1000
        plain = loop(emulator.url)
        secure = loop(emulator.https_url, ca_certs=str(emulator.ca_bundle))
        print(f"\nper request (keep-alive): plain {plain:.3f} ms, TLS {secure:.3f} ms")
        assert secure < plain * 5 + 5


def test_key_is_not_readable_by_others(emulator: Emulator) -> None:
    assert not os.access(emulator.tls_files.key, os.X_OK)
    assert stat.S_IMODE(emulator.tls_files.key.stat().st_mode) & 0o077 == 0
