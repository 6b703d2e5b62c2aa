"""helpers.long_context: which models reach 1M tokens, a reproducible long input, the spend guard, and the
real 1M path through the emulator with boto3 (InvokeModel, Converse) and AnthropicBedrock."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import anthropic
import pytest
from anthropic import AnthropicBedrock
from botocore.exceptions import ClientError

from conftest import SONNET_45_BASE, SONNET_45_GLOBAL, SONNET_45_US, error_of
from helpers import catalog, connection, cost, errors
from helpers import long_context as lc
from helpers.connection import Connection
from helpers.tokens import estimate_tokens

TARGET = 990_000  # just under the 1M window, far over 200K
OPUS_45_GLOBAL = "global.anthropic.claude-opus-4-5-20251101-v1:0"
SONNET_46 = catalog.model("claude-sonnet-4-6")  # native 1M at the standard price: the lessons' model
SONNET_46_GLOBAL, SONNET_46_US, SONNET_46_BASE = SONNET_46.profile_id("global"), SONNET_46.profile_id("us"), \
    SONNET_46.base_id
# Bedrock's own text for an input over the window (M, captures on Claude 4.5), or Anthropic's with the figures.
BEDROCK_TOO_LONG = "Input is too long for requested model."


@pytest.fixture(scope="module")
def long_text() -> lc.LongText:
    """One ~990,000-token input for the whole module (building it is the slow part)."""
    return lc.build(TARGET, progress=False)


def body(text: str, *, beta: bool = False, max_tokens: int = 64) -> dict[str, Any]:
    """An InvokeModel body asking about ``text``, with the 1M beta when ``beta``."""
    out: dict[str, Any] = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens,
                           "messages": [{"role": "user", "content": f"{text}\n\n{lc.QUESTION}"}]}
    if beta:
        out["anthropic_beta"] = [lc.BETA]
    return out


def converse_messages(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": f"{text}\n\n{lc.QUESTION}"}]}]


def too_long(message: str) -> int | None:
    """N from ``prompt is too long: N tokens > 200000 maximum``, or None for Bedrock's own
    "Input is too long for requested model." (the whole message must be one of the two)."""
    if message == BEDROCK_TOO_LONG:
        return None
    found = re.fullmatch(r"prompt is too long: (\d+) tokens > 200000 maximum", message)
    assert found, message
    return int(found[1])


def connected(mode: str) -> Connection:
    return Connection(mode, "us-west-2", "http://127.0.0.1:1", None, None)


# --- which models ------------------------------------------------------------------------------------------

class TestModels:
    """How each model reaches 1M tokens, and the table of callable ones."""

    @pytest.mark.parametrize(("key", "how"), [
        ("claude-sonnet-4", "beta"),  # the only model left that the guide's beta widens (past end of life)
        ("claude-sonnet-4-5", "no"),  # the beta retired for it on 2026-04-30: 200K only
        ("claude-sonnet-4-6", "native"), ("claude-opus-4-6", "native"), ("claude-opus-4-7", "native"),
        ("claude-haiku-5-5", "native"), ("claude-opus-4-5", "no"), ("claude-haiku-4-5", "no"),
    ])
    def test_how_1m(self, key: str, how: str) -> None:
        model = catalog.model(key)
        assert lc.how_1m(model) == how
        assert lc.supports_1m(model.profile_ids[0]) == (how != "no")

    def test_supports_1m_takes_any_id_form(self) -> None:
        assert lc.supports_1m(SONNET_46_GLOBAL) and lc.supports_1m(SONNET_46_US) and lc.supports_1m(SONNET_46_BASE)
        assert not (lc.supports_1m(SONNET_45_GLOBAL) or lc.supports_1m(SONNET_45_US) or lc.supports_1m(SONNET_45_BASE))
        assert not lc.supports_1m(OPUS_45_GLOBAL)

    def test_sonnet_45_listed_with_the_retired_beta(self) -> None:
        rows = lc.models(dt.date(2026, 11, 30))
        assert lc.BETA_RETIRED == dt.date(2026, 4, 30) == catalog.general("beta_1m_retired").value
        assert ("Claude Sonnet 4.5", "200,000", "— (the guide's beta, retired 2026-04-30)", catalog.LEGACY) in rows
        assert lc.beta_retired(catalog.model("claude-sonnet-4-5"))
        assert not lc.beta_retired(catalog.model("claude-sonnet-4"))
        assert lc.models.__doc__ and rows.header == ("model", "window", "1M tokens", "lifecycle")

    @pytest.mark.parametrize("today", [dt.date(2026, 6, 1), dt.date(2026, 11, 22), dt.date(2030, 1, 1)])
    def test_no_end_of_life_models(self, today: dt.date) -> None:
        rows = lc.models(today)
        assert all(row[3] != catalog.END_OF_LIFE for row in rows)
        callable_names = [m.display_name for m in catalog.models() if m.lifecycle(today) != catalog.END_OF_LIFE]
        assert [row[0] for row in rows] == callable_names

    def test_sonnet_4_leaves_the_table_at_its_end_of_life(self) -> None:
        sonnet_4 = catalog.model("claude-sonnet-4")
        assert sonnet_4.end_of_life is not None
        before = sonnet_4.end_of_life - dt.timedelta(days=1)
        assert ("Claude Sonnet 4", "200,000", f"beta: {lc.BETA}", catalog.LEGACY) in lc.models(before)
        assert "Claude Sonnet 4" not in [row[0] for row in lc.models(sonnet_4.end_of_life)]

    def test_native_rows_and_display(self) -> None:
        rows = lc.models(dt.date(2026, 11, 22))
        assert ("Claude Sonnet 4.6", "1,000,000", "built in", catalog.ACTIVE) in rows
        assert str(rows).splitlines()[0].split() == ["model", "window", "1M", "tokens", "lifecycle"]
        assert rows._repr_html_().count("<tr>") == len(rows) + 1


# --- a long input ------------------------------------------------------------------------------------------------

class TestBuild:
    """A reproducible haystack with one needle in the middle."""

    def test_same_seed_same_text(self) -> None:
        assert lc.build(20_000, seed=7, progress=False) == lc.build(20_000, seed=7, progress=False)

    def test_other_seed_other_text(self) -> None:
        first, second = lc.build(20_000, seed=7, progress=False), lc.build(20_000, seed=8, progress=False)
        assert first.text != second.text
        assert first.text.count(lc.NEEDLE) == second.text.count(lc.NEEDLE) == 1

    def test_default_seed_is_fixed(self) -> None:
        assert lc.build(5_000, progress=False).text == lc.build(5_000, seed=2026, progress=False).text

    @pytest.mark.parametrize("target", [100_000, 250_000])
    def test_size_within_a_tenth_of_a_percent(self, target: int) -> None:
        built = lc.build(target, progress=False)
        assert abs(estimate_tokens(built.text) - target) <= target / 1_000
        assert built.tokens == estimate_tokens(built.text)

    def test_990k_within_a_tenth_of_a_percent(self, long_text: lc.LongText) -> None:
        assert abs(estimate_tokens(long_text.text) - TARGET) <= TARGET / 1_000
        assert long_text.tokens == estimate_tokens(long_text.text) < 1_000_000

    @pytest.mark.parametrize("target", [100_000, TARGET])
    def test_needle_once_near_the_middle(self, target: int, long_text: lc.LongText) -> None:
        built = long_text if target == TARGET else lc.build(target, progress=False)
        assert built.text.count(lc.NEEDLE) == 1 and built.needle == lc.NEEDLE
        assert 0.45 < built.text.index(lc.NEEDLE) / len(built.text) < 0.55
        assert f"\n{lc.NEEDLE}\n" in built.text  # a line of its own
        assert built.question == lc.QUESTION and "secret ingredient" in built.question

    def test_lines_look_like_a_log(self) -> None:
        lines = lc.build(2_000, progress=False).text.splitlines()
        logs = [line for line in lines if line != lc.NEEDLE]
        assert all(re.fullmatch(r"Log \d{7}: \d+ boxes of [a-z ]+ left [A-Za-z]+ for [A-Za-z]+ on day \d+ in truck "
                                r"\d{3}\.", line) for line in logs)
        assert [int(line[4:11]) for line in lines if line.startswith("Log ")] == [
            n for n, line in enumerate(lines) if line.startswith("Log ")]

    def test_repr(self) -> None:
        built = lc.build(1_000, progress=False)
        assert repr(built) == f"LongText({len(built.text):,} characters, about {built.tokens:,} tokens)"

    def test_progress_bar(self, capsys: pytest.CaptureFixture[str]) -> None:
        lc.build(50_000)
        out = capsys.readouterr().out
        assert out.startswith("\rbuilding [") and out.endswith("\n")
        bars = out.strip("\n").split("\r")[1:]
        assert len(bars) >= 10
        assert bars[-1] == f"building [{'#' * 30}]    50,000 / 50,000 tokens"
        assert bars[0].startswith("building [#") and "." in bars[0]

    def test_no_progress(self, capsys: pytest.CaptureFixture[str]) -> None:
        lc.build(50_000, progress=False)
        assert capsys.readouterr() == ("", "")

    @pytest.mark.parametrize("target", [0, 99, -1_000, 1_000.0, "1000", None])
    def test_bad_target(self, target: Any) -> None:
        with pytest.raises(ValueError, match="target_tokens must be a whole number of at least 100"):
            lc.build(target, progress=False)


# --- the spend guard -------------------------------------------------------------------------------------------

@pytest.fixture
def no_limit_set(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(lc.LIMIT_VARIABLE, raising=False)
    monkeypatch.setattr(connection, "_current", None)
    return monkeypatch


class TestGuard:
    """Offline, the guard only says what a request would cost; on AWS it refuses one over the limit."""

    def test_offline_is_allowed_and_says_what_it_would_cost(self, no_limit_set: pytest.MonkeyPatch) -> None:
        verdict = lc.guard(SONNET_46_GLOBAL, TARGET, 4_096, mode="offline")
        expected = cost.estimate(SONNET_46_GLOBAL, TARGET, 4_096)
        assert verdict.allowed and verdict.mode == "offline" and verdict.limit == lc.DEFAULT_LIMIT_USD
        assert verdict.estimate.usd == pytest.approx(expected.usd)
        assert not verdict.estimate.long_context  # native 1M: the standard price, no tier
        assert expected.usd > lc.DEFAULT_LIMIT_USD
        assert str(verdict) == f"offline, so nothing is billed; on AWS this request would cost {expected.describe()}"

    def test_a_plan_states_the_total_before_the_first_request(self, no_limit_set: pytest.MonkeyPatch) -> None:
        each = cost.estimate(SONNET_46_GLOBAL, TARGET, 4_096)
        plan = lc.guard(SONNET_46_GLOBAL, TARGET, 4_096, mode="offline", requests=3)
        assert plan.total_usd == pytest.approx(3 * each.usd)
        assert str(plan) == (f"offline, so nothing is billed; on AWS these 3 requests would cost "
                             f"{each.describe()} each, ${3 * each.usd:,.4f} in all")
        with pytest.raises(lc.SpendLimitError, match=r"\(3 requests: \$\d+\.\d\d in all\)"):
            lc.guard(SONNET_46_GLOBAL, TARGET, 4_096, mode="aws", requests=3)
        for bad in (0, -1, 1.5, "3"):
            with pytest.raises(ValueError, match="requests must be a whole number"):
                lc.guard(SONNET_46_GLOBAL, TARGET, 4_096, mode="offline", requests=bad)

    def test_aws_under_the_limit(self, no_limit_set: pytest.MonkeyPatch) -> None:
        verdict = lc.guard(SONNET_46_GLOBAL, 10_000, 1_000, mode="aws")
        assert verdict.allowed and verdict.estimate.usd < 0.50
        assert str(verdict).endswith(": allowed (limit $0.50, HANDSON_MAX_REQUEST_USD)")

    def test_aws_over_the_limit_names_a_sufficient_value(self, no_limit_set: pytest.MonkeyPatch) -> None:
        expected = cost.estimate(SONNET_46_GLOBAL, TARGET, 4_096)
        with pytest.raises(lc.SpendLimitError) as e:
            lc.guard(SONNET_46_GLOBAL, TARGET, 4_096, mode="aws")
        message = str(e.value)
        assert message.startswith("Not sent: 990,000 input tokens and up to 4,096 output tokens could cost ")
        assert expected.describe() in message and "over your $0.50 per-request limit" in message
        suggested = re.search(r"`export HANDSON_MAX_REQUEST_USD=(\d+(?:\.\d+)?)`", message)
        assert suggested and f"os.environ['HANDSON_MAX_REQUEST_USD'] = '{suggested[1]}'" in message
        assert float(suggested[1]) >= expected.usd
        no_limit_set.setenv(lc.LIMIT_VARIABLE, suggested[1])
        verdict = lc.guard(SONNET_46_GLOBAL, TARGET, 4_096, mode="aws")
        assert verdict.allowed and verdict.limit == float(suggested[1])

    def test_the_limit_is_inclusive(self, no_limit_set: pytest.MonkeyPatch) -> None:
        usd = cost.estimate(SONNET_46_GLOBAL, 100_000, 1_000).usd
        no_limit_set.setenv(lc.LIMIT_VARIABLE, repr(usd))
        assert lc.guard(SONNET_46_GLOBAL, 100_000, 1_000, mode="aws").allowed
        no_limit_set.setenv(lc.LIMIT_VARIABLE, repr(usd * 0.999))
        with pytest.raises(lc.SpendLimitError):
            lc.guard(SONNET_46_GLOBAL, 100_000, 1_000, mode="aws")

    def test_the_limit_can_be_lowered(self, no_limit_set: pytest.MonkeyPatch) -> None:
        no_limit_set.setenv(lc.LIMIT_VARIABLE, " 0.001 ")
        with pytest.raises(lc.SpendLimitError, match=r"over your \$0\.0\d* per-request limit"):
            lc.guard(SONNET_46_GLOBAL, 10_000, 1_000, mode="aws")

    @pytest.mark.parametrize("raw", ["abc", "$5", "5 dollars", "1,000", "-1", "nan"])
    def test_bad_limit_value(self, no_limit_set: pytest.MonkeyPatch, raw: str) -> None:
        no_limit_set.setenv(lc.LIMIT_VARIABLE, raw)
        with pytest.raises(ValueError, match=r"HANDSON_MAX_REQUEST_USD") as e:
            lc.guard(SONNET_46_GLOBAL, 1_000, 100, mode="aws")
        assert not isinstance(e.value, lc.SpendLimitError)
        assert repr(raw) in str(e.value)

    def test_empty_limit_means_the_default(self, no_limit_set: pytest.MonkeyPatch) -> None:
        no_limit_set.setenv(lc.LIMIT_VARIABLE, "  ")
        assert lc.guard(SONNET_46_GLOBAL, 1_000, 100, mode="aws").limit == lc.DEFAULT_LIMIT_USD

    def test_mode_defaults_to_aws_before_connect(self, no_limit_set: pytest.MonkeyPatch) -> None:
        with pytest.raises(lc.SpendLimitError):
            lc.guard(SONNET_46_GLOBAL, TARGET, 1_000)

    @pytest.mark.parametrize("mode", ["offline", "aws"])
    def test_mode_follows_the_connection(self, no_limit_set: pytest.MonkeyPatch, mode: str) -> None:
        no_limit_set.setattr(connection, "_current", connected(mode))
        if mode == "aws":
            with pytest.raises(lc.SpendLimitError):
                lc.guard(SONNET_46_GLOBAL, TARGET, 1_000)
        else:
            verdict = lc.guard(SONNET_46_GLOBAL, TARGET, 1_000)
            assert verdict.allowed and verdict.mode == "offline"

    def test_a_model_with_no_price_is_refused_by_name(self, no_limit_set: pytest.MonkeyPatch) -> None:
        unpriced = next(m for m in catalog.models() if not m.has_price)
        with pytest.raises(cost.NoPriceError, match=f"{unpriced.display_name} has no published price"):
            lc.guard(unpriced.base_id, 1_000, 100, mode="offline")

    def test_after_a_real_offline_connect(self, clean_env: None, no_limit_set: pytest.MonkeyPatch) -> None:
        import helpers

        helpers.connect(mode="offline")
        assert lc.guard(SONNET_46_GLOBAL, TARGET, 1_000).mode == "offline"


# --- the real 1M path -------------------------------------------------------------------------------------------

class TestOneMillionTokens:
    """~990K tokens: accepted natively by Sonnet 4.6 in each request style and billed as counted; the
    guide's beta no longer widens Sonnet 4.5, so there the same input is refused with the beta or without."""

    def test_count_tokens_helper_uses_the_base_id(self, runtime: Any) -> None:
        """CountTokens rejects profile ids; the helper turns any id into the base id."""
        request = body("How long is this?")
        with pytest.raises(ClientError) as e:
            runtime.count_tokens(modelId=SONNET_46_GLOBAL,
                                 input={"invokeModel": {"body": json.dumps(request).encode()}})
        assert error_of(e) == ("ValidationException", "The provided model doesn't support counting tokens.", 400)
        used = json.loads(runtime.invoke_model(modelId=SONNET_46_GLOBAL, body=json.dumps(request))["body"].read())
        assert lc.count_tokens(runtime, SONNET_46_GLOBAL, request) == used["usage"]["input_tokens"]

    def test_invoke_model(self, runtime: Any, long_text: lc.LongText) -> None:
        plain = body(long_text.text)
        counted = lc.count_tokens(runtime, SONNET_46_GLOBAL, plain)
        assert long_text.tokens < counted < long_text.tokens + 100
        response = runtime.invoke_model(modelId=SONNET_46_GLOBAL, body=json.dumps(plain))
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        result = json.loads(response["body"].read())
        assert result["usage"]["input_tokens"] == counted
        # The needle question is answered from the prompt itself (extractively, offline).
        assert long_text.answer in result["content"][0]["text"] and result["stop_reason"] == "end_turn"
        estimate = lc.guard(SONNET_46_GLOBAL, counted, 64, mode="offline").estimate
        assert not estimate.long_context
        assert estimate.usd == pytest.approx(cost.estimate(SONNET_46_GLOBAL, counted, 64).usd)

        # The beta is unnecessary on a native model, and accepted (ignored): the same request, the same count.
        with_beta = json.loads(runtime.invoke_model(modelId=SONNET_46_GLOBAL,
                                                    body=json.dumps(body(long_text.text, beta=True)))["body"].read())
        assert with_beta["usage"]["input_tokens"] == counted

    @pytest.mark.parametrize("beta", [False, True], ids=["plain", "with-beta"])
    @pytest.mark.parametrize("existing_customer", [False, True], ids=["new-account", "existing-customer"])
    def test_sonnet_45_stops_at_200k_with_or_without_the_beta(self, runtime: Any, emulator: Any,
                                                              long_text: lc.LongText, beta: bool,
                                                              existing_customer: bool) -> None:
        """The window check comes before account access: a new account gets the same 400 as a customer."""
        emulator.account(legacy_use=existing_customer)
        request = body(long_text.text, beta=beta)
        with pytest.raises(ClientError) as e:
            runtime.invoke_model(modelId=SONNET_45_GLOBAL, body=json.dumps(request))
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        tokens = too_long(message)
        if tokens is not None:
            assert tokens == lc.count_tokens(runtime, SONNET_46_GLOBAL, request)  # the same estimator
        assert errors.explain(e.value).pain_point == 13

    def test_anthropic_sdk(self, aws_env: dict[str, str], runtime: Any, long_text: lc.LongText) -> None:
        client = AnthropicBedrock(max_retries=0)
        messages = body(long_text.text)["messages"]
        message = client.messages.create(model=SONNET_46_US, max_tokens=64, messages=messages)
        assert message.usage.input_tokens == lc.count_tokens(runtime, SONNET_46_US, body(long_text.text))
        assert long_text.answer in message.content[0].text
        with pytest.raises(anthropic.BadRequestError) as e:
            client.beta.messages.create(model=SONNET_45_US, max_tokens=64, messages=messages, betas=[lc.BETA])
        assert e.value.status_code == 400
        too_long(e.value.body["message"])

    def test_converse(self, runtime: Any, long_text: lc.LongText) -> None:
        messages = converse_messages(long_text.text)
        response = runtime.converse(modelId=SONNET_46_GLOBAL, messages=messages, inferenceConfig={"maxTokens": 64})
        assert long_text.answer in response["output"]["message"]["content"][0]["text"]
        counted = runtime.count_tokens(modelId=SONNET_46_BASE,
                                       input={"converse": {"messages": messages}})["inputTokens"]
        assert response["usage"]["inputTokens"] == counted
        extra = {"anthropic_beta": [lc.BETA]}
        with pytest.raises(ClientError) as e:
            runtime.converse(modelId=SONNET_45_GLOBAL, messages=messages, inferenceConfig={"maxTokens": 64},
                             additionalModelRequestFields=extra)
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        prefix = "The model returned the following errors: "
        assert message.startswith(prefix)
        too_long(message.removeprefix(prefix))

    def test_beta_refused_by_a_model_without_it(self, runtime: Any) -> None:
        with pytest.raises(ClientError) as e:
            runtime.invoke_model(modelId=OPUS_45_GLOBAL, body=json.dumps(body("hi", beta=True)))
        assert error_of(e) == ("ValidationException", "invalid beta flag", 400)
