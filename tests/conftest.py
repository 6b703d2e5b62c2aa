"""Shared fixtures: one emulator per test session, and real clients pointed at it over HTTP."""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pypdf
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from helpers import catalog, connection
from helpers.emulator import CONFLICTING_ENV, Emulator, auth, start

# Notebooks under test (strict nbval) always run offline: their kernels inherit this environment.
os.environ["HANDSON_MODE"] = "offline"
# Each edition speaks the language of its folder (notebooks/ja, notebooks/zh-TW: helpers.i18n), and the tests of
# English text run from the project folder: a learner's own HANDSON_LANG must not override either.
os.environ.pop("HANDSON_LANG", None)

# The model tests of generic behaviour call: the notebooks' (catalog.lesson), so a lifecycle change is one edit.
MODEL = catalog.lesson("default")
MODEL_GLOBAL, MODEL_US, MODEL_BASE = MODEL.profile_id("global"), MODEL.profile_id("us"), MODEL.base_id
# A second model with the standard 200K window, for tests about the window's edge (the lesson model has 1M).
SMALL = catalog.lesson("second")
SMALL_GLOBAL, SMALL_US, SMALL_BASE = SMALL.profile_id("global"), SMALL.profile_id("us"), SMALL.base_id
# The guide's own model (Claude Sonnet 4.5, Legacy): only for tests about it, which set the account persona.
GUIDE = catalog.guide_sample_model()
SONNET_45_GLOBAL, SONNET_45_US, SONNET_45_BASE = GUIDE.profile_id("global"), GUIDE.profile_id("us"), GUIDE.base_id
HAIKU_3_BASE = catalog.model("claude-3-haiku").base_id
SAMPLES = Path(__file__).resolve().parents[1] / "notebooks" / "data"  # the committed sample PDFs


def sample(name: str) -> bytes:
    """A committed sample PDF's bytes (see tools/make_sample_pdfs.py)."""
    return (SAMPLES / name).read_bytes()


def blank_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` empty pages, written by pypdf."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def padded_pdf(size: int) -> bytes:
    """The quarterly report grown to about ``size`` bytes by an incompressible attached file."""
    base = sample("quarterly_report.pdf")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(base)))
    writer.add_attachment("padding.bin", random.Random(size).randbytes(max(0, size - len(base) - 600)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One emulator for the whole run (us-east-1 by default)."""
    emu = start()
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def _clean_emulator(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with every model granted and no faults."""
    yield
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()


@pytest.fixture
def aws_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> dict[str, str]:
    """The process environment a learner gets from the emulator's export lines (and nothing else)."""
    for name in (*CONFLICTING_ENV, "AWS_ENDPOINT_URL", "ANTHROPIC_BEDROCK_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    # Keep any ~/.aws of the machine out of the way.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """A kernel with no AWS configuration at all (like Binder or CI); the environment is restored after."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(("AWS_", "ANTHROPIC_")) or name == "HANDSON_MODE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # A new kernel: connect() has chosen nothing yet (it remembers its choice per process).
    monkeypatch.setattr(connection, "_current", None)
    monkeypatch.setattr(connection, "_saved_env", None)
    yield
    os.environ.clear()  # connect() writes os.environ directly, as it must in a kernel
    os.environ.update(saved)
    boto3.setup_default_session()


NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})  # no retries at all


@pytest.fixture
def runtime(aws_env: dict[str, str]) -> Any:
    """boto3 bedrock-runtime, configured only by the environment; no retries so errors surface."""
    return boto3.Session().client("bedrock-runtime", config=NO_RETRY)


@pytest.fixture
def bedrock(aws_env: dict[str, str]) -> Any:
    return boto3.Session().client("bedrock", config=NO_RETRY)


def client_of(emu: Emulator, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client for ``emu`` given explicitly (not through the environment), with its documented keys."""
    return boto3.session.Session().client(service, endpoint_url=emu.url, region_name=region,
                                          aws_access_key_id=auth.ACCESS_KEY_ID,
                                          aws_secret_access_key=auth.SECRET_ACCESS_KEY, config=NO_RETRY)


def runtime_in(region: str) -> Any:
    """A bedrock-runtime client whose requests are signed for ``region``."""
    return boto3.Session().client("bedrock-runtime", region_name=region, config=NO_RETRY)


def claude_body(text: str = "Hello, world", max_tokens: int = 256, **extra: Any) -> str:
    """An InvokeModel body as the guide writes it."""
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens,
                       "messages": [{"role": "user", "content": text}], **extra})


def error_of(excinfo: pytest.ExceptionInfo) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a botocore ClientError."""
    err = excinfo.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


_http = urllib3.PoolManager(retries=False)


def signed_request(url: str, method: str, path: str, body: bytes = b"", *, service: str = "bedrock",
                   region: str = "us-east-1", headers: dict[str, str] | None = None,
                   credentials: Credentials | None = None, tamper: Any = None,
                   ca_bundle: str | None = None) -> urllib3.BaseHTTPResponse:
    """Send a request signed by botocore's own SigV4 signer (the independent peer), optionally
    tampering with the prepared request after signing; ``ca_bundle`` for an https ``url``."""
    creds = credentials or Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
    request = AWSRequest(method=method, url=url + path, data=body, headers=dict(headers or {}))
    SigV4Auth(creds, service, region).add_auth(request)
    prepared = request.prepare()
    if tamper:
        tamper(prepared)
    pool = urllib3.PoolManager(retries=False, ca_certs=ca_bundle) if ca_bundle else _http
    return pool.request(prepared.method, prepared.url, body=prepared.body, headers=dict(prepared.headers),
                        preload_content=True)


def raw_request(url: str, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> urllib3.BaseHTTPResponse:
    return _http.request(method, url + path, body=body, headers=headers or {}, preload_content=True)
