"""helpers.errors.explain: every error is provoked for real through the emulator with unmodified clients."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anthropic
import boto3
import botocore
import botocore.auth
import botocore.loaders
import botocore.session
import pytest
from anthropic import AnthropicBedrock
from anthropic.lib.aws import _auth as anthropic_aws_auth
from anthropic.lib.bedrock import AnthropicBedrockMantle
from anthropic.lib.bedrock import _auth as anthropic_bedrock_auth
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    EventStreamError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOTokenLoadError,
    UnknownServiceError,
)

from conftest import NO_RETRY, claude_body, runtime_in
from helpers import catalog
from helpers.emulator import Emulator, auth
from helpers.errors import RULES, Explanation, credentials_explanation, credentials_problem, explain

SONNET_45 = catalog.model("claude-sonnet-4-5")
SONNET_4 = catalog.model("claude-sonnet-4")
# The model the notebooks call (Active): what a new account may invoke, so each test meets the error it provokes.
LESSON = catalog.lesson("default")
US = LESSON.profile_id("us")
HELLO = [{"role": "user", "content": "Hello, world"}]
ROOT = Path(__file__).resolve().parents[1]
TSX = ROOT / "node_modules" / ".bin" / "tsx"
# How a learner's TypeScript cell ends without credentials: the SDK's error, uncaught.
TS_CREATE = ("import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';\n"
             "new AnthropicBedrock({ maxRetries: 0 }).messages.create("
             "{ model: 'x', max_tokens: 8, messages: [{ role: 'user' as const, content: 'Hi' }] });\n")


def active_keys() -> set[str]:
    return {m.key for m in catalog.models() if m.lifecycle() == catalog.ACTIVE}


def short_context_model() -> catalog.Model:
    """An active model that takes neither the 1M beta nor 1M natively."""
    return next(m for m in catalog.models() if m.lifecycle() == catalog.ACTIVE and m.max_context_tokens < 1_000_000
                and "us" in m.geographies)


def raised(call: Any, *args: Any, **kwargs: Any) -> BaseException:
    """The exception ``call`` raises (the test fails if it returns)."""
    with pytest.raises(Exception) as info:
        call(*args, **kwargs)
    return info.value


def check(exc: BaseException | str, code: str, pain_point: int | None, *remedies: str) -> Explanation:
    """``explain(exc)`` recognises the case and its fix names each remedy."""
    got = explain(exc)
    assert got.recognised, got
    assert (got.code, got.pain_point) == (code, pain_point), got
    for remedy in remedies:
        assert remedy in got.fix, (remedy, got.fix)
    return got


@pytest.fixture
def claude(aws_env: dict[str, str]) -> AnthropicBedrock:
    """AnthropicBedrock configured only by the environment, without retries."""
    return AnthropicBedrock(max_retries=0)


class TestTable:
    """The rule table itself."""

    def test_every_rule_is_well_formed(self) -> None:
        for rule in RULES:
            assert rule.codes and rule.title and rule.fix
            assert rule.pain_point is None or 1 <= rule.pain_point <= 15

    def test_no_model_id_literals(self) -> None:
        """Model ids in fixes come from the catalog."""
        source = Path(explain.__code__.co_filename).read_text(encoding="utf-8")
        for m in catalog.models():
            assert m.base_id not in source and m.api_name not in source


class TestModelIdentifiers:
    """On-demand ids, invalid identifiers and retired models."""

    def test_on_demand_boto3(self, runtime: Any) -> None:
        assert not SONNET_45.on_demand_in("us-east-1")
        e = raised(runtime.invoke_model, body=claude_body(), modelId=SONNET_45.base_id)
        assert isinstance(e, ClientError)
        check(e, "ValidationException", 1, SONNET_45.profile_id("global"), "`us.`", "list-inference-profiles")

    def test_on_demand_anthropic(self, claude: AnthropicBedrock) -> None:
        e = raised(claude.messages.create, model=SONNET_45.base_id, max_tokens=64, messages=HELLO)
        assert isinstance(e, anthropic.BadRequestError)
        check(e, "ValidationException", 1, SONNET_45.profile_id("global"))

    def test_invalid_identifier(self, aws_env: dict[str, str]) -> None:
        e = raised(runtime_in("us-east-1").invoke_model, body=claude_body(), modelId=SONNET_45.profile_id("jp"))
        check(e, "ValidationException", 5, "prefix", "aws bedrock list-inference-profiles")

    def test_end_of_life_boto3(self, runtime: Any, emulator: Emulator) -> None:
        emulator.set_date(str(SONNET_4.end_of_life))
        e = raised(runtime.invoke_model, body=claude_body(), modelId=SONNET_4.profile_id("global"))
        got = check(e, "ResourceNotFoundException", 4, "catalog.model(", "lifecycle()")
        assert any(f'catalog.model("{k}")' in got.fix for k in active_keys())
        named = explain(e, model_id=SONNET_4.profile_id("global"))
        assert "sonnet" in named.fix.split("catalog.model(")[1].split(")")[0]

    def test_end_of_life_anthropic_names_a_same_family_replacement(self, claude: AnthropicBedrock,
                                                                   emulator: Emulator) -> None:
        emulator.set_date(str(SONNET_4.end_of_life))
        e = raised(claude.messages.create, model=SONNET_4.profile_id("global"), max_tokens=64, messages=HELLO)
        assert isinstance(e, anthropic.NotFoundError)
        got = check(e, "ResourceNotFoundException", 4, SONNET_4.display_name)
        replacement = got.fix.split('catalog.model("')[1].split('"')[0]
        assert replacement in active_keys() and "sonnet" in replacement


class TestAccess:
    """Model access and credentials."""

    def test_access_denied(self, runtime: Any, emulator: Emulator) -> None:
        emulator.revoke_access()
        e = raised(runtime.invoke_model, body=claude_body(), modelId=US)
        check(e, "AccessDeniedException", 2, "Bedrock console", "first-use form", "GetFoundationModelAvailability")

    def test_access_denied_anthropic(self, claude: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.revoke_access()
        e = raised(claude.messages.create, model=US, max_tokens=64, messages=HELLO)
        assert isinstance(e, anthropic.PermissionDeniedError)
        check(e, "AccessDeniedException", 2, "first-use form")

    def test_unrecognized_client(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + "Z" * 16)
        client = boto3.Session().client("bedrock-runtime", config=Config(retries={"total_max_attempts": 1}))
        e = raised(client.invoke_model, body=claude_body(), modelId=US)
        got = check(e, "UnrecognizedClientException", None, "AWS_ACCESS_KEY_ID")
        assert "Z" * 16 not in str(got) + got._repr_html_()

    def test_invalid_signature(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        client = boto3.Session().client("bedrock-runtime", config=Config(retries={"total_max_attempts": 1}))
        e = raised(client.invoke_model, body=claude_body(), modelId=US)
        check(e, "InvalidSignatureException", None, "AWS_SECRET_ACCESS_KEY")

    def test_signature_expired_means_fix_the_clock(self, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        skewed = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: skewed)
        e = raised(runtime.invoke_model, body=claude_body(), modelId=US)
        got = check(e, "InvalidSignatureException", None, "clock", "timedatectl")
        assert "Signature expired" in got.message


class TestThrottling:
    """429s, before and during a stream."""

    def test_boto3_429(self, runtime: Any, emulator: Emulator) -> None:
        emulator.throttle(next=1)
        e = raised(runtime.invoke_model, body=claude_body(), modelId=US)
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429  # type: ignore[attr-defined]
        check(e, "ThrottlingException", 7, '"mode": "standard"', "max_attempts", "max_retries", "quotas")

    def test_mid_stream_event_stream_error(self, runtime: Any, emulator: Emulator) -> None:
        emulator.throttle(next=1, mid_stream=True, message="Too many tokens, please wait before trying again.")
        response = runtime.invoke_model_with_response_stream(body=claude_body(), modelId=US)
        e = raised(list, response["body"])
        assert isinstance(e, EventStreamError)
        got = check(e, "ThrottlingException", 7, "max_attempts")
        assert got.message.startswith("Too many tokens")

    def test_anthropic_rate_limit(self, claude: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.throttle(next=1)
        e = raised(claude.messages.create, model=US, max_tokens=64, messages=HELLO)
        assert isinstance(e, anthropic.RateLimitError)
        check(e, "ThrottlingException", 7, "max_retries")

    def test_anthropic_mid_stream(self, claude: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.throttle(next=1, mid_stream=True)

        def consume() -> None:
            with claude.messages.stream(model=US, max_tokens=256, messages=HELLO) as stream:
                for _ in stream.text_stream:
                    pass
        e = raised(consume)
        assert isinstance(e, anthropic.APIStatusError)
        check(e, "ThrottlingException", 7, "max_retries")


class TestRequestBodies:
    """InvokeModel bodies Bedrock rejects."""

    def test_temperature_and_top_p(self, runtime: Any) -> None:
        assert LESSON.rejects_temperature_with_top_p
        e = raised(runtime.invoke_model, body=claude_body(temperature=0.5, top_p=0.9), modelId=US)
        check(e, "ValidationException", 8, "only one")

    def test_extra_model_key(self, runtime: Any) -> None:
        e = raised(runtime.invoke_model, body=claude_body(model=LESSON.api_name), modelId=US)
        check(e, "ValidationException", 10, 'remove "model"', "modelId")

    def test_missing_max_tokens(self, runtime: Any) -> None:
        body = json.loads(claude_body())
        del body["max_tokens"]
        e = raised(runtime.invoke_model, body=json.dumps(body), modelId=US)
        check(e, "ValidationException", 10, 'add "max_tokens"')

    def test_missing_anthropic_version(self, runtime: Any) -> None:
        body = json.loads(claude_body())
        del body["anthropic_version"]
        e = raised(runtime.invoke_model, body=json.dumps(body), modelId=US)
        check(e, "ValidationException", 10, '"anthropic_version": "bedrock-2023-05-31"')

    def test_prompt_too_long(self, runtime: Any) -> None:
        """Over a 200K window: the fix says the beta widens nothing now and names the native-1M models."""
        model = short_context_model()
        e = raised(runtime.invoke_model, body=claude_body("x" * 800_100, max_tokens=16), modelId=model.profile_id("us"))
        check(e, "ValidationException", 13, catalog.CONTEXT_1M_BETA, "count", "no active model",
              str(catalog.general("beta_1m_retired").value), LESSON.key)

    def test_input_too_long_bedrock_wording(self) -> None:
        """Bedrock's own wording (captures on Claude 4.5, M), as the TypeScript SDK prints it."""
        check("BadRequestError: 400 Input is too long for requested model.", "ValidationException", 13,
              "estimate_tokens", LESSON.key)

    def test_invalid_beta_flag(self, runtime: Any) -> None:
        model = short_context_model()
        body = claude_body(anthropic_beta=[catalog.CONTEXT_1M_BETA])
        e = raised(runtime.invoke_model, body=body, modelId=model.profile_id("us"))
        check(e, "ValidationException", 13, "additionalModelRequestFields", LESSON.key)


class TestConverseDocuments:
    """Converse document rules."""

    @staticmethod
    def doc(name: str) -> dict[str, Any]:
        return {"document": {"format": "txt", "name": name, "source": {"bytes": base64.b64decode("aGVsbG8=")}}}

    def test_document_name(self, runtime: Any) -> None:
        messages = [{"role": "user", "content": [{"text": "Summarise"}, self.doc("report.txt")]}]
        e = raised(runtime.converse, modelId=US, messages=messages)
        check(e, "ValidationException", 11, "hyphens")

    def test_document_needs_text(self, runtime: Any) -> None:
        e = raised(runtime.converse, modelId=US, messages=[{"role": "user", "content": [self.doc("Report")]}])
        check(e, "ValidationException", 11, '{"text"')

    def test_more_than_five_documents(self, runtime: Any) -> None:
        content = [{"text": "Compare"}, *(self.doc(f"Report {i}") for i in range(6))]
        e = raised(runtime.converse, modelId=US, messages=[{"role": "user", "content": content}])
        check(e, "ValidationException", 11, "at most 5")


class TestTimeouts:
    """Model timeouts and client read timeouts."""

    def test_model_timeout(self, runtime: Any, emulator: Emulator) -> None:
        emulator.timeout(next=1)
        e = raised(runtime.invoke_model, body=claude_body(), modelId=US)
        check(e, "ModelTimeoutException", 12, "stream")

    def test_boto3_read_timeout(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        config = Config(read_timeout=0.2, retries={"total_max_attempts": 1})
        client = boto3.Session().client("bedrock-runtime", config=config)
        emulator.latency(600)
        e = raised(client.invoke_model, body=claude_body(), modelId=US)
        assert isinstance(e, ReadTimeoutError)
        check(e, "ReadTimeoutError", 12, "Config(read_timeout=", "60 s")

    def test_anthropic_timeout(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        emulator.latency(600)
        e = raised(AnthropicBedrock(max_retries=0, timeout=0.2).messages.create, model=US, max_tokens=64,
                   messages=HELLO)
        assert isinstance(e, anthropic.APITimeoutError)
        check(e, "APITimeoutError", 12, "AnthropicBedrock(timeout=")


class TestSetUp:
    """Region and SDK set-up errors."""

    @pytest.fixture
    def no_region(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            monkeypatch.delenv(name, raising=False)
        empty = tmp_path / "empty-config"
        empty.write_text("")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))

    def test_no_region_boto3(self, no_region: None) -> None:
        e = raised(boto3.Session().client, "bedrock-runtime")
        assert isinstance(e, NoRegionError)
        check(e, "NoRegionError", 15, "AWS_REGION", "AWS_DEFAULT_REGION", "region_name", "TS SDK only AWS_REGION")

    def test_no_region_anthropic(self, no_region: None) -> None:
        e = raised(AnthropicBedrock)
        check(e, "ValueError", 15, "AWS_REGION", "aws_region=")

    def test_unknown_service_on_old_botocore(self, aws_env: dict[str, str], tmp_path: Any) -> None:
        """A botocore whose data predates Bedrock: its own data directory minus the bedrock models."""
        data = Path(botocore.__file__).parent / "data"
        for entry in data.iterdir():
            if not entry.name.startswith("bedrock"):
                (tmp_path / entry.name).symlink_to(entry)
        session = botocore.session.get_session()
        session.register_component("data_loader", botocore.loaders.Loader(
            extra_search_paths=[str(tmp_path)], include_default_search_paths=False))
        e = raised(session.create_client, "bedrock-runtime")
        assert isinstance(e, UnknownServiceError)
        check(e, "UnknownServiceError", 9, "boto3>=1.28.59")


class TestUnknownAndRendering:
    """Unrecognised errors, text and HTML."""

    @staticmethod
    def weird(message: str) -> ClientError:
        """The only hand-made error: a code no rule knows."""
        return ClientError({"Error": {"Code": "WeirdException", "Message": message}}, "InvokeModel")

    def test_unknown_client_error(self) -> None:
        got = explain(self.weird("Something odd happened."))
        assert not got.recognised and got.pain_point is None
        assert got.code == "WeirdException" and got.message == "Something odd happened."
        assert "not recognised" in got.title and "Something odd happened." in str(got)

    def test_plain_exception(self) -> None:
        got = explain(RuntimeError("boom"))
        assert (got.code, got.recognised) == ("RuntimeError", False) and "boom" in str(got)

    def test_text_is_two_or_three_lines(self, runtime: Any, emulator: Emulator) -> None:
        emulator.throttle(next=1)
        got = explain(raised(runtime.invoke_model, body=claude_body(), modelId=US))
        lines = str(got).splitlines()
        assert 2 <= len(lines) <= 3 and lines[0] == f"{got.code}: {got.title}"

    def test_html_escapes_everything(self) -> None:
        got = explain(self.weird("<script>alert('x')</script> & more"))
        rendered = got._repr_html_()
        assert "<script>" not in rendered and "&lt;script&gt;" in rendered and "&amp; more" in rendered

    def test_html_of_a_real_error(self, runtime: Any) -> None:
        got = explain(raised(runtime.invoke_model, body=claude_body(model=SONNET_45.api_name), modelId=US))
        rendered = got._repr_html_()
        assert "ValidationException" in rendered and "&quot;model&quot;" in rendered and '"model"' not in rendered

    def test_secrets_are_masked(self) -> None:
        secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ"
        got = explain(self.weird(f"key AKIAABCDEFGHIJKLMNOP secret {secret}"))
        shown = str(got) + got._repr_html_() + got.message
        assert "AKIAABCDEFGHIJKLMNOP" not in shown and secret not in shown and "[redacted]" in shown

    def test_frozen(self) -> None:
        got = explain(RuntimeError("x"))
        with pytest.raises(AttributeError):
            got.code = "y"  # type: ignore[misc]


# --- credentials ----------------------------------------------------------------------------------------------

class AwsReply(BaseHTTPRequestHandler):
    """Answers every request with ``server.reply`` (status, headers, body): a reply AWS gives and the emulator
    does not (an expired session token), so the SDKs parse it over real HTTP."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        status, headers, body = self.server.reply  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in {**headers, "content-length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def aws_reply() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), AwsReply)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


EXPIRED = "The security token included in the request is expired"
STS_EXPIRED = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
               "  <Error>\n    <Type>Sender</Type>\n    <Code>ExpiredToken</Code>\n"
               f"    <Message>{EXPIRED}</Message>\n  </Error>\n"
               "  <RequestId>4d9b6a31-0000-0000-0000-000000000000</RequestId>\n</ErrorResponse>\n").encode()


@pytest.fixture
def no_credentials(clean_env: None, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """No credentials anywhere (no env, empty ~/.aws files, no instance metadata), a region, and every endpoint
    at the emulator, so nothing could reach AWS even if a client sent a request."""
    for name, value in emulator.env.items():
        if not name.startswith(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANTHROPIC_BEDROCK_MANTLE_BASE_URL", emulator.url)
    # The Python SDK keeps one boto3 session per process, with the credentials it first resolved: start afresh,
    # as a new kernel would (anthropic 1.x caches them in lib.bedrock, Mantle and 2.x in lib.aws).
    forget_anthropic_sessions()
    yield emulator
    forget_anthropic_sessions()


def forget_anthropic_sessions() -> None:
    for module in (anthropic_aws_auth, anthropic_bedrock_auth):
        module._get_session.cache_clear()  # type: ignore[attr-defined]


def caller_identity() -> Any:
    """STS GetCallerIdentity through a client configured by the environment (credentials resolve on creation)."""
    return boto3.Session().client("sts", config=NO_RETRY).get_caller_identity()


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


class TestCredentials:
    """Every way credentials go missing, as boto3, both Python Anthropic clients, the TS SDK and the CLI say it."""

    REMEDIES = ("aws configure", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "HANDSON_MODE=offline")

    def test_boto3_none(self, no_credentials: Emulator) -> None:
        e = raised(caller_identity)
        assert isinstance(e, NoCredentialsError)
        check(e, "NoCredentialsError", None, *self.REMEDIES)

    def test_anthropic_bedrock_none(self, no_credentials: Emulator) -> None:
        e = raised(AnthropicBedrock(max_retries=0).messages.create, model=US, max_tokens=8, messages=HELLO)
        # anthropic 1.x says "could not resolve credentials from session", 2.x "Could not resolve AWS credentials…"
        assert type(e) is RuntimeError and "resolve" in str(e) and "credentials" in str(e)
        check(e, "RuntimeError", None, *self.REMEDIES)

    def test_anthropic_bedrock_mantle_none(self, no_credentials: Emulator) -> None:
        e = raised(AnthropicBedrockMantle(max_retries=0).messages.create, model="x", max_tokens=8, messages=HELLO)
        check(e, "RuntimeError", None, *self.REMEDIES)

    def test_mantle_half_a_key_pair(self, no_credentials: Emulator) -> None:
        e = raised(AnthropicBedrockMantle, aws_access_key=auth.ACCESS_KEY_ID)
        check(e, "ValueError", None, "aws_secret_key=", "aws configure")

    def test_boto3_partial_env(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        """An access key id without its secret (a secret alone is "no credentials" to botocore)."""
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.ACCESS_KEY_ID)
        e = raised(caller_identity)
        assert isinstance(e, PartialCredentialsError)
        got = check(e, "PartialCredentialsError", None, "Set AWS_SECRET_ACCESS_KEY too", "HANDSON_MODE=offline")
        assert auth.ACCESS_KEY_ID not in str(got) + got.message

    def test_anthropic_bedrock_partial_env(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.ACCESS_KEY_ID)
        e = raised(AnthropicBedrock(max_retries=0).messages.create, model=US, max_tokens=8, messages=HELLO)
        assert isinstance(e, PartialCredentialsError)
        check(e, "PartialCredentialsError", None, "Set AWS_SECRET_ACCESS_KEY too")

    def test_partial_profile(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        path = write(tmp_path / "credentials", f"[default]\naws_access_key_id = {auth.ACCESS_KEY_ID}\n")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", path)
        e = raised(caller_identity)
        check(e, "PartialCredentialsError", None, "Add aws_secret_access_key to the profile")

    def test_wrapped_partial_credentials(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        """A library that re-raises (``raise X from e``, or inside ``except``) still gets the real explanation."""
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.ACCESS_KEY_ID)

        def connect(chain: bool) -> None:
            try:
                boto3.Session().client("sts", config=NO_RETRY).get_caller_identity()
            except PartialCredentialsError as e:
                if chain:
                    raise RuntimeError("could not connect") from e
                raise LookupError("could not connect")  # noqa: B904  (the implicit __context__ is the point)
        for chain in (True, False):
            got = check(raised(connect, chain), "PartialCredentialsError", None, "Set AWS_SECRET_ACCESS_KEY too")
            assert "Partial credentials found in env" in got.message

    def test_profile_not_found(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_PROFILE", "workshop")
        e = raised(boto3.Session)
        assert isinstance(e, ProfileNotFound)
        check(e, "ProfileNotFound", None, "aws configure list-profiles", "--profile workshop")

    def test_credential_process_fails(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
        process = f"{sys.executable} -c \"import sys; sys.exit('session expired')\""
        config = write(tmp_path / "config", f"[default]\ncredential_process = {process}\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", config)
        e = raised(caller_identity)
        assert isinstance(e, CredentialRetrievalError)
        check(e, "CredentialRetrievalError", None, "credential_process", "aws sts get-caller-identity")

    def test_sso_not_signed_in(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        config = ("[profile learner]\nsso_session = workshop-never-signed-in\nsso_account_id = 123456789012\n"
                  "sso_role_name = Learner\n[sso-session workshop-never-signed-in]\n"
                  "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", write(tmp_path / "config", config))
        monkeypatch.setenv("AWS_PROFILE", "learner")
        e = raised(caller_identity)
        assert isinstance(e, SSOTokenLoadError)
        check(e, "SSOTokenLoadError", None, "aws sso login --profile")

    def test_sts_expired_token(self, aws_env: dict[str, str], aws_reply: ThreadingHTTPServer) -> None:
        aws_reply.reply = (403, {"content-type": "text/xml"}, STS_EXPIRED)  # type: ignore[attr-defined]
        sts = boto3.Session().client("sts", endpoint_url=url_of(aws_reply), config=NO_RETRY)
        e = raised(sts.get_caller_identity)
        check(e, "ExpiredToken", None, "aws sso login", "AWS_SESSION_TOKEN")

    def test_bedrock_expired_token(self, aws_env: dict[str, str], aws_reply: ThreadingHTTPServer) -> None:
        aws_reply.reply = (403, {"content-type": "application/json",  # type: ignore[attr-defined]
                                 "x-amzn-ErrorType": "ExpiredTokenException:http://internal.amazon.com/coral/"},
                           json.dumps({"message": EXPIRED}).encode())
        runtime = boto3.Session().client("bedrock-runtime", endpoint_url=url_of(aws_reply), config=NO_RETRY)
        e = raised(runtime.invoke_model, body=claude_body(), modelId=US)
        check(e, "ExpiredTokenException", None, "aws sso login")
        claude = AnthropicBedrock(max_retries=0, base_url=url_of(aws_reply))
        e = raised(claude.messages.create, model=US, max_tokens=8, messages=HELLO)
        assert isinstance(e, anthropic.PermissionDeniedError)
        check(e, "ExpiredTokenException", None, "aws sso login")

    def test_sts_unknown_key_and_wrong_secret(self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + "Q" * 16)
        check(raised(caller_identity), "InvalidClientTokenId",
              None, "AWS_ACCESS_KEY_ID")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.ACCESS_KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        check(raised(caller_identity), "SignatureDoesNotMatch",
              None, "AWS_SECRET_ACCESS_KEY")

    @pytest.mark.typescript
    @pytest.mark.skipif(shutil.which("node") is None or not TSX.exists(), reason="needs Node.js and `npm ci`")
    def test_typescript_sdk_none(self, no_credentials: Emulator) -> None:
        """What a `!npx tsx` cell prints, read as a failed command and as text."""
        with pytest.raises(subprocess.CalledProcessError) as info:
            subprocess.run([str(TSX), "--eval", TS_CREATE], cwd=ROOT, env=dict(os.environ), capture_output=True,
                           text=True, encoding="utf-8", timeout=120, check=True)
        assert "Failed to resolve AWS credentials from the credential provider chain." in info.value.stderr
        got = check(info.value, "APIConnectionError", None, *self.REMEDIES)
        assert "TypeScript SDK" in got.title
        assert explain(info.value.stderr) == got

    @pytest.mark.cli
    @pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI (`aws`) is not on PATH")
    def test_aws_cli(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        """The CLI prints botocore's message without its name, or `An error occurred (Code) ...`."""
        command = ["aws", "sts", "get-caller-identity"]
        with pytest.raises(subprocess.CalledProcessError) as info:
            subprocess.run(command, env=dict(os.environ), capture_output=True, text=True, timeout=120, check=True)
        check(info.value, "NoCredentialsError", None, *self.REMEDIES)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + "Q" * 16)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", auth.SECRET_ACCESS_KEY)
        out = subprocess.run(command, env=dict(os.environ), capture_output=True, text=True, timeout=120)
        assert out.returncode != 0
        check(out.stderr, "InvalidClientTokenId", None, "AWS_ACCESS_KEY_ID")

    def test_text_nobody_knows(self) -> None:
        got = explain("everything is fine\n")
        assert (got.code, got.recognised) == ("Output", False) and "everything is fine" in got.title


class TestCredentialsProblem:
    """credentials_problem(): what connect() shows instead of a traceback. It never raises."""

    def test_found(self, aws_env: dict[str, str]) -> None:
        assert credentials_problem() is None and credentials_explanation() is None

    def test_none(self, no_credentials: Emulator) -> None:
        problem = credentials_problem()
        assert problem is not None and problem.startswith("No AWS credentials were found")
        assert all(remedy in problem for remedy in TestCredentials.REMEDIES) and len(problem.splitlines()) <= 3

    def test_partial(self, no_credentials: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.ACCESS_KEY_ID)
        problem = credentials_problem()
        assert problem is not None and "half of an AWS key pair" in problem and "AWS_SECRET_ACCESS_KEY" in problem

    def test_missing_profile_and_explicit_session(self, no_credentials: Emulator,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_PROFILE", "workshop")
        assert "aws configure list-profiles" in (credentials_problem() or "")
        monkeypatch.delenv("AWS_PROFILE")
        session = boto3.Session(aws_access_key_id=auth.ACCESS_KEY_ID, aws_secret_access_key=auth.SECRET_ACCESS_KEY)
        assert credentials_problem(session) is None


# --- Bedrock as it is today (issue F): API versions, model rules, access -------------------------------------

OPUS_47 = catalog.model("claude-opus-4-7")
NEW_VERSION_BODY = {"anthropic_version": catalog.NEW_API_VERSION}


class TestApiVersions:
    """API version 2026-10-21, which anthropic>=2 and @anthropic-ai/bedrock-sdk>=1 send by default."""

    REMEDIES = ("anthropic[bedrock]", ",<2", "@anthropic-ai/bedrock-sdk@0.", 'extra_body={"anthropic_version": '
                f'"{catalog.BEDROCK_API_VERSION}"}}', str(catalog.general("new_api_version_on_bedrock").value))

    def test_boto3(self, runtime: Any) -> None:
        e = raised(runtime.invoke_model, body=claude_body(**NEW_VERSION_BODY), modelId=US)
        got = check(e, "ValidationException", 9, *self.REMEDIES)
        assert got.message == f"Invalid API version: {catalog.NEW_API_VERSION}"

    def test_anthropic_names_a_model_that_takes_it(self, claude: AnthropicBedrock) -> None:
        e = raised(claude.messages.create, model=US, max_tokens=64, messages=HELLO, extra_body=NEW_VERSION_BODY)
        assert isinstance(e, anthropic.BadRequestError) and e.status_code == 400
        got = check(e, "ValidationException", 9, *self.REMEDIES)
        named = got.fix.split('e.g. "')[1].split('"')[0]
        assert catalog.model(named).accepts_api_version(catalog.NEW_API_VERSION) and "sonnet" in named

    def test_typescript_text(self) -> None:
        check(f"BadRequestError: 400 Invalid API version: {catalog.NEW_API_VERSION}", "ValidationException", 9,
              *self.REMEDIES)

    def test_other_bad_versions_keep_the_body_advice(self, runtime: Any) -> None:
        e = raised(runtime.invoke_model, body=claude_body(anthropic_version="2023-06-01"), modelId=US)
        check(e, "ValidationException", 10, f'"anthropic_version": "{catalog.BEDROCK_API_VERSION}"')

    def test_sampling_removed_by_the_new_version(self, runtime: Any) -> None:
        body = claude_body(temperature=1.0, **NEW_VERSION_BODY)
        e = raised(runtime.invoke_model, body=body, modelId=OPUS_47.profile_id("us"))
        got = check(e, "ValidationException", 9, "Remove temperature", catalog.BEDROCK_API_VERSION)
        assert got.message == "temperature: Extra inputs are not permitted"


class TestModelRules:
    """Rules of the newest models, whatever the API version."""

    def test_sampling_deprecated_boto3(self, runtime: Any) -> None:
        e = raised(runtime.invoke_model, body=claude_body(temperature=0.2), modelId=OPUS_47.profile_id("us"))
        got = check(e, "ValidationException", 8, "Remove temperature", "prompt")
        assert got.message.endswith("`temperature` is deprecated for this model.")

    def test_sampling_deprecated_converse(self, runtime: Any) -> None:
        e = raised(runtime.converse, modelId=OPUS_47.profile_id("us"), inferenceConfig={"topP": 0.5},
                   messages=[{"role": "user", "content": [{"text": "Hi"}]}])
        check(e, "ValidationException", 8, "Remove top_p")

    def test_thinking_enabled_on_an_adaptive_only_model(self, claude: AnthropicBedrock) -> None:
        e = raised(claude.messages.create, model=OPUS_47.profile_id("us"), max_tokens=4096, messages=HELLO,
                   thinking={"type": "enabled", "budget_tokens": 2048})
        assert isinstance(e, anthropic.BadRequestError)
        got = check(e, "ValidationException", None, '"type": "adaptive"', "output_config", OPUS_47.display_name)
        assert '"thinking.type.enabled" is not supported for this model.' in got.message

    def test_count_tokens_on_a_profile(self, runtime: Any) -> None:
        request = {"invokeModel": {"body": claude_body().encode()}}
        e = raised(runtime.count_tokens, modelId=US, input=request)
        check(e, "ValidationException", None, "bare id", LESSON.base_id, "bedrock-mantle")
        assert LESSON.base_id in explain(e, model_id=US).fix

    def test_count_tokens_on_a_model_without_it(self, runtime: Any) -> None:
        request = {"invokeModel": {"body": claude_body().encode()}}
        e = raised(runtime.count_tokens, modelId=OPUS_47.base_id, input=request)
        got = explain(e, model_id=OPUS_47.base_id)
        assert got.recognised and f"{OPUS_47.display_name} has no CountTokens" in got.fix


class TestAccessToday:
    """Model access as it works today: the default account is a new customer (emulator.account)."""

    def test_legacy_model_for_a_new_customer(self, runtime: Any) -> None:
        e = raised(runtime.invoke_model, body=claude_body(), modelId=SONNET_45.profile_id("us"))
        got = check(e, "ResourceNotFoundException", 4, 'catalog.lesson("default")', LESSON.profile_id("global"),
                    "legacy_use=True", f"in the last {catalog.general('legacy_inactivity_days').value} days")
        assert "Legacy" in got.title

    def test_legacy_both_wordings_and_the_typescript_text(self) -> None:
        quote = catalog.general("legacy_inactivity_days").quote
        older = quote.replace("30 days", "15 days")
        for text in (f"NotFoundError: 404 {quote}", f"An error occurred (ResourceNotFoundException) when calling "
                     f"the InvokeModel operation: {older}"):
            check(text, "ResourceNotFoundException", 4, LESSON.profile_id("global"))

    def test_legacy_anthropic_names_the_model(self, claude: AnthropicBedrock) -> None:
        e = raised(claude.messages.create, model=SONNET_45.profile_id("global"), max_tokens=64, messages=HELLO)
        assert isinstance(e, anthropic.NotFoundError)
        check(e, "ResourceNotFoundException", 4, f"has used {SONNET_45.display_name}")

    def test_use_case_form(self, runtime: Any, emulator: Emulator) -> None:
        emulator.account(use_case_form=False)
        e = raised(runtime.invoke_model, body=claude_body(), modelId=US)
        check(e, "ResourceNotFoundException", 2, "use-case details", "PutUseCaseForModelAccess", "15 minutes")

    def test_marketplace(self, claude: AnthropicBedrock, emulator: Emulator) -> None:
        emulator.account(marketplace=False)
        e = raised(claude.messages.create, model=US, max_tokens=64, messages=HELLO)
        assert isinstance(e, anthropic.PermissionDeniedError)
        check(e, "AccessDeniedException", 3, "aws-marketplace:ViewSubscriptions", "aws-marketplace:Subscribe")

    def test_scp_on_global(self, runtime: Any, emulator: Emulator) -> None:
        emulator.account(scp_blocks_global=True)
        e = raised(runtime.invoke_model, body=claude_body(), modelId=LESSON.profile_id("global"))
        got = check(e, "AccessDeniedException", 6, f'modelId="{LESSON.profile_id("us")}"', "aws:RequestedRegion",
                    '"unspecified"')
        assert "global." in got.title
        runtime.invoke_model(body=claude_body(), modelId=US)  # the geographic profile the fix names works

    def test_scp_elsewhere_keeps_the_general_advice(self) -> None:
        text = ("An error occurred (AccessDeniedException) when calling the InvokeModel operation: User: "
                f"arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: bedrock:InvokeModel on "
                f"resource: {LESSON.foundation_model_arn('us-east-2')} with an explicit deny in a service control "
                "policy")
        check(text, "AccessDeniedException", 6, "every destination region")


class TestMessagesApiErrors:
    """Errors in Anthropic's shape (the Messages API) are explained like Bedrock's, through the real SDK."""

    MODEL = catalog.lesson("08")

    def test_a_model_the_endpoint_does_not_serve(self, aws_env: dict[str, str]) -> None:
        mantle = AnthropicBedrockMantle(max_retries=0)
        for asked, says in ((self.MODEL.profile_id("global"), f'model="{self.MODEL.mantle_model_id}"'),
                            (catalog.lesson("default").base_id, "InvokeModel or Converse")):
            with pytest.raises(anthropic.NotFoundError) as e:
                mantle.messages.create(model=asked, max_tokens=16, messages=[{"role": "user", "content": "Hi"}])
            explained = explain(e.value)
            assert explained.recognised and explained.code == "not_found_error", explained
            assert says in explained.fix

    def test_permission_error_reads_as_access_denied(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        emulator.revoke_access(self.MODEL.key)
        with pytest.raises(anthropic.PermissionDeniedError) as e:
            AnthropicBedrockMantle(max_retries=0).messages.create(
                model=self.MODEL.mantle_model_id, max_tokens=16, messages=[{"role": "user", "content": "Hi"}])
        explained = explain(e.value)
        assert explained.recognised and explained.code == "permission_error"
        assert explained.title == explain("AccessDeniedException: You don't have access to the model with the "
                                          "specified model ID.").title


class TestToolsCachingThinking:
    """Issue H's errors, in Bedrock's words as public bug reports captured them (H-facts), as boto3 prints them."""

    @staticmethod
    def boto3_text(message: str, operation: str = "InvokeModel") -> str:
        return f"An error occurred (ValidationException) when calling the {operation} operation: {message}"

    @pytest.mark.parametrize(("message", "remedies"), [
        ("The model returned the following errors: tool type 'web_search_20250305' is not supported",
         ("client tool", "tool_result")),
        ("The model returned the following errors: Thinking may not be enabled when tool_choice forces tool use.",
         ('"auto"', '"disabled"')),
        ("The model returned the following errors: messages.39.content.0: Invalid signature in thinking block",
         ("exactly as they came",)),
        ("The model returned the following errors: messages.369.content.0.thinking.signature: Field required",
         ("Keep the signature", "reasoningContent")),
        ("The model returned the following errors: messages.2: `tool_use` ids were found without `tool_result` "
         "blocks immediately after: toolu_bdrk_01X. Each `tool_use` block must have a corresponding `tool_result` "
         "block in the next message.", ("tool_result", "same ids")),
        ("Expected toolResult blocks at messages.2.content for the following Ids: tooluse_jQ912rboYgzgLULQpRxWot",
         ("toolResult",)),
        ("The model returned the following errors: messages.1.content.0: unexpected `tool_use_id` found in "
         "`tool_result` blocks: toolu_015. Each `tool_result` block must have a corresponding `tool_use` block in "
         "the previous message.", ("tool_use_id",)),
        ("The toolConfig field must be defined when using toolUse and toolResult content blocks.",
         ("same toolConfig",)),
        ("A maximum of 4 blocks with cache_control may be provided. Found 5.", ("at most 4",)),
        ("messages.0.content.4.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' "
         "cache_control block. Note that blocks are processed in the following order: `tools`, `system`, "
         "`messages`.", ("'1h'",)),
        ("The model returned the following errors: thinking.enabled.budget_tokens: Input should be greater than "
         "or equal to 1024", ("at least 1024",)),
        ("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation",
         ("Raise max_tokens",)),
        ("output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false",
         ('"additionalProperties": false',)),
        ("output_config.format.schema: For 'number' type, properties maximum, minimum are not supported",
         ("minimum/maximum",)),
    ])
    def test_recognised_with_a_fix(self, message: str, remedies: tuple[str, ...]) -> None:
        check(self.boto3_text(message), "ValidationException", None, *remedies)

    def test_structured_outputs_refused_names_the_models_that_take_them(self) -> None:
        takes = [m for m in catalog.models() if m.structured_outputs and m.lifecycle() == catalog.ACTIVE]
        assert takes, "the catalog names at least one active model with structured outputs"
        for field in ("output_config.format", "tools.0.custom.strict"):
            got = check(self.boto3_text(f"{field}: Extra inputs are not permitted"), "ValidationException", None,
                        f"Remove {field}", takes[0].display_name)
            assert "structured outputs" in got.title

    def test_invalid_beta_lists_the_models_betas(self) -> None:
        model = catalog.lesson("09")
        got = explain(self.boto3_text("invalid beta flag"), model_id=model.profile_id("us"))
        assert got.recognised and got.pain_point == 13
        assert all(beta in got.fix for beta in model.accepted_betas), got.fix
