"""helpers.errors.explain: every error is provoked for real through the emulator with unmodified clients."""

from __future__ import annotations

import base64
import datetime as dt
import json
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
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError, NoRegionError, ReadTimeoutError, UnknownServiceError
from conftest import claude_body, runtime_in

from helpers import catalog
from helpers.emulator import Emulator
from helpers.errors import RULES, Explanation, explain

SONNET_45 = catalog.model("claude-sonnet-4-5")
SONNET_4 = catalog.model("claude-sonnet-4")
US = SONNET_45.profile_id("us")
HELLO = [{"role": "user", "content": "Hello, world"}]


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


def check(exc: BaseException, code: str, pain_point: int | None, *remedies: str) -> Explanation:
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
        assert SONNET_45.rejects_temperature_with_top_p
        e = raised(runtime.invoke_model, body=claude_body(temperature=0.5, top_p=0.9), modelId=US)
        check(e, "ValidationException", 8, "only one")

    def test_extra_model_key(self, runtime: Any) -> None:
        e = raised(runtime.invoke_model, body=claude_body(model=SONNET_45.api_name), modelId=US)
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
        e = raised(runtime.invoke_model, body=claude_body("x" * 800_100, max_tokens=16), modelId=US)
        beta_models = [m.key for m in catalog.models() if m.context_1m_beta and m.lifecycle() == catalog.ACTIVE]
        check(e, "ValidationException", 13, catalog.CONTEXT_1M_BETA, "count", *beta_models)

    def test_invalid_beta_flag(self, runtime: Any) -> None:
        model = short_context_model()
        body = claude_body(anthropic_beta=[catalog.CONTEXT_1M_BETA])
        e = raised(runtime.invoke_model, body=body, modelId=model.profile_id("us"))
        check(e, "ValidationException", 13, "additionalModelRequestFields", SONNET_45.key)


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
