"""The emulator's TLS: a local CA and a loopback certificate made at start (``trustme``), and the
CA bundle clients are told to trust.

Why TLS at all: boto3 sends a Bedrock API key (``AWS_BEARER_TOKEN_BEDROCK``) only over HTTPS
("Bearer authorization requires an HTTPS endpoint."), so the same key code works offline only if the
emulator speaks HTTPS too. Each client reads its trust store from a different variable (G-facts Q8, H):
boto3 and the AWS CLI ``AWS_CA_BUNDLE``; the Anthropic Python SDK (httpx2) ``SSL_CERT_FILE``, which
*replaces* its store; Node ``NODE_EXTRA_CA_CERTS``. So one bundle serves all three: public roots
(certifi) + any CA bundle the learner had configured + the emulator's CA, and public HTTPS keeps working.

The CA's private key never touches the disk; the leaf's key does (the server loads it from a file), mode
0600 in a folder only the user can read (0700), removed when the emulator stops or the process exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

TRUST_ENV = ("AWS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")  # what environment() points at the bundle
LOOPBACK_IDENTITIES = ("127.0.0.1", "localhost", "::1")
_UNSPECIFIED = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class TlsFiles:
    """The files of one emulator's TLS identity."""

    folder: Path   # the emulator's own folder (0700)
    ca: Path       # the emulator's CA certificate (public)
    cert: Path     # the server certificate chain (leaf + CA)
    key: Path      # the server's private key (0600)
    bundle: Path   # public roots + the learner's configured CAs + the emulator's CA: what clients trust

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def create(host: str = "127.0.0.1") -> TlsFiles:
    """A fresh CA, a certificate for loopback (and ``host`` if it names an address), and the bundle."""
    import trustme

    identities = list(LOOPBACK_IDENTITIES)
    if host.strip("[]") not in (*identities, *_UNSPECIFIED):
        identities.append(host.strip("[]"))
    ca = trustme.CA(organization_name="Bedrock emulator (local, made at start)")
    leaf = ca.issue_cert(*identities)
    folder = Path(tempfile.mkdtemp(prefix="bedrock-emulator-tls-"))  # mkdtemp: mode 0700
    atexit.register(shutil.rmtree, folder, True)
    files = TlsFiles(folder, folder / "ca.pem", folder / "server.pem", folder / "server-key.pem",
                     folder / "ca-bundle.pem")
    _write(files.key, leaf.private_key_pem.bytes(), 0o600)
    _write(files.cert, b"".join(blob.bytes() for blob in leaf.cert_chain_pems), 0o644)
    _write(files.ca, ca.cert_pem.bytes(), 0o644)
    _write(files.bundle, _public_roots() + ca.cert_pem.bytes(), 0o644)
    return files


def _write(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start (no window where a key is world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _public_roots() -> bytes:
    """certifi's roots plus the CA files the learner already pointed clients at (a corporate proxy's CA):
    SSL_CERT_FILE replaces httpx2's store, so leaving them out would break their public HTTPS."""
    import certifi

    parts = [Path(certifi.where()).read_bytes()]
    for name in TRUST_ENV:
        path = os.environ.get(name)
        if path and os.path.isfile(path) and "bedrock-emulator-tls-" not in path:
            try:
                data = Path(path).read_bytes()
            except OSError:
                continue
            if b"-----BEGIN CERTIFICATE-----" in data and data not in parts:
                parts.append(data)
    return b"\n".join(p.rstrip(b"\n") + b"\n" for p in parts)
