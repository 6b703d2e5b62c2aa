"""helpers.cost receipts (every response shape, global vs regional) and the monthly table, plot and calculator."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import matplotlib
import pytest
from anthropic import AnthropicBedrock

from conftest import SONNET_45_BASE, SONNET_45_GLOBAL, SONNET_45_US, claude_body, runtime_in
from helpers import catalog, cost, responses
from helpers.emulator import Emulator

JP_SONNET_45 = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"
# Responses come from the lessons' model (Active: a new account may call it; Sonnet 4.5's prices and profiles).
LESSON = catalog.lesson("default")
LESSON_GLOBAL, LESSON_US, LESSON_JP, LESSON_BASE = (*(LESSON.profile_id(g) for g in ("global", "us", "jp")),
                                                    LESSON.base_id)
SONNET_4_GLOBAL = "global.anthropic.claude-sonnet-4-20250514-v1:0"   # global profile, no regional premium
SONNET_4_US = "us.anthropic.claude-sonnet-4-20250514-v1:0"
OPUS_41_US = "us.anthropic.claude-opus-4-1-20250805-v1:0"            # no global profile
HAIKU_3_BASE = "anthropic.claude-3-haiku-20240307-v1:0"              # on demand in us-east-1, no global profile
PREMIUM = catalog.pricing().regional_premium
MESSAGES = [{"role": "user", "content": [{"text": "What does this cost?"}]}]


@pytest.fixture(autouse=True)
def _agg() -> Iterator[None]:
    """Draw off-screen; close every figure a test made."""
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# --- the five response shapes, from real clients -----------------------------------------------------------


@dataclass
class Shape:
    """One response shape and the token counts read from somewhere else than that object."""

    response: Any
    input_tokens: int
    output_tokens: int


def anthropic_message(model_id: str, region: str) -> Shape:
    """AnthropicBedrock's Message; counts from Bedrock's token-count headers."""
    raw = AnthropicBedrock(aws_region=region, max_retries=0).messages.with_raw_response.create(
        model=model_id, max_tokens=128, messages=[{"role": "user", "content": "What does this cost?"}])
    return Shape(raw.parse(), int(raw.headers["x-amzn-bedrock-input-token-count"]),
                 int(raw.headers["x-amzn-bedrock-output-token-count"]))


def anthropic_stream(model_id: str, region: str) -> Shape:
    """messages.stream().get_final_message(); counts from the stream's own events."""
    client = AnthropicBedrock(aws_region=region, max_retries=0)
    with client.messages.stream(model=model_id, max_tokens=128,
                                messages=[{"role": "user", "content": "What does this cost?"}]) as stream:
        events = list(stream)
        message = stream.get_final_message()
    start = next(e for e in events if e.type == "message_start")
    delta = next(e for e in events if e.type == "message_delta")
    return Shape(message, start.message.usage.input_tokens, delta.usage.output_tokens)


def invoke_body(model_id: str, region: str) -> Shape:
    """json.loads of invoke_model's body; counts from the HTTP headers."""
    response = runtime_in(region).invoke_model(body=claude_body("What does this cost?", 128), modelId=model_id)
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    return Shape(json.loads(response["body"].read()), int(headers["x-amzn-bedrock-input-token-count"]),
                 int(headers["x-amzn-bedrock-output-token-count"]))


def converse_response(model_id: str, region: str) -> Shape:
    """A Converse response; counts from its usage (totalTokens checks them)."""
    response = runtime_in(region).converse(modelId=model_id, messages=MESSAGES, inferenceConfig={"maxTokens": 128})
    usage = response["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    return Shape(response, usage["inputTokens"], usage["outputTokens"])


def invoke_stream_stop(model_id: str, region: str) -> Shape:
    """The message_stop chunk of invoke_model_with_response_stream; counts from message_start/message_delta."""
    response = runtime_in(region).invoke_model_with_response_stream(body=claude_body("What does this cost?", 128),
                                                                    modelId=model_id)
    chunks = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
    assert chunks[-1]["type"] == "message_stop"
    start = next(c for c in chunks if c["type"] == "message_start")
    delta = next(c for c in chunks if c["type"] == "message_delta")
    return Shape(chunks[-1], start["message"]["usage"]["input_tokens"], delta["usage"]["output_tokens"])


def converse_stream_metadata(model_id: str, region: str) -> Shape:
    """ConverseStream's metadata event; counts from the same request through Converse."""
    events = list(runtime_in(region).converse_stream(modelId=model_id, messages=MESSAGES,
                                                     inferenceConfig={"maxTokens": 128})["stream"])
    assert "metadata" in events[-1]
    same = converse_response(model_id, region)
    return Shape(events[-1], same.input_tokens, same.output_tokens)


SHAPES: dict[str, Callable[[str, str], Shape]] = {
    "anthropic-message": anthropic_message, "anthropic-stream-final": anthropic_stream,
    "invoke-body": invoke_body, "converse": converse_response, "invoke-stream-stop": invoke_stream_stop,
    "converse-stream-metadata": converse_stream_metadata,
}


def priced(model_id: str, shape: Shape, pricing: str | None = None) -> float:
    return cost.estimate(model_id, shape.input_tokens, shape.output_tokens, pricing=pricing).usd


class TestReceiptShapes:
    """receipt() reads every shape the notebooks produce, and bills the id that was called."""

    @pytest.mark.parametrize("shape", SHAPES)
    @pytest.mark.parametrize(("model_id", "region", "pricing"), [
        (LESSON_GLOBAL, "us-east-1", "global"),
        (LESSON_US, "us-west-2", "regional"),
        (LESSON_JP, "ap-northeast-1", "regional"),
    ], ids=["global", "us", "jp"])
    def test_paid_price(self, aws_env: dict[str, str], shape: str, model_id: str, region: str, pricing: str) -> None:
        got = SHAPES[shape](model_id, region)
        assert got.input_tokens > 0 and got.output_tokens > 0
        receipt = cost.receipt(got.response, model_id)
        assert (receipt.model_id, receipt.input_tokens, receipt.output_tokens) == (model_id, got.input_tokens,
                                                                                  got.output_tokens)
        assert receipt.paid.pricing == pricing
        assert receipt.paid.usd == pytest.approx(priced(LESSON_GLOBAL if pricing == "global" else LESSON_US,
                                                        got))
        assert receipt.global_price is not None
        assert receipt.global_price.usd == pytest.approx(priced(LESSON_GLOBAL, got))
        assert receipt.regional_price.usd == pytest.approx(priced(LESSON_US, got))
        assert receipt.premium_usd == pytest.approx(PREMIUM * receipt.global_price.usd)
        assert receipt.premium_usd > 0

    @pytest.mark.parametrize("shape", ["invoke-body", "converse-stream-metadata"])
    def test_base_id_pays_the_regional_price(self, aws_env: dict[str, str], shape: str) -> None:
        """The in-region id is billed like a geographic profile (its tokens from a us. call)."""
        got = SHAPES[shape](LESSON_US, "us-east-1")
        receipt = cost.receipt(got.response, LESSON_BASE)
        assert receipt.paid.pricing == "regional"
        assert receipt.paid.usd == pytest.approx(priced(LESSON_US, got))
        assert receipt.paid.usd == pytest.approx(receipt.global_price.usd * (1 + PREMIUM))

    def test_stream_summaries_carry_usage_only(self, aws_env: dict[str, str]) -> None:
        """responses.summarize on the stream final events: no text, the stream's token counts."""
        stop = invoke_stream_stop(LESSON_US, "us-east-1")
        summary = responses.summarize(stop.response)
        assert (summary.text, summary.input_tokens, summary.output_tokens) == ("", stop.input_tokens,
                                                                               stop.output_tokens)
        metadata = converse_stream_metadata(LESSON_US, "us-east-1")
        assert responses.summarize(metadata.response) == responses.summarize(metadata.response["metadata"])
        assert responses.summarize(metadata.response).input_tokens == metadata.input_tokens
        with pytest.raises(TypeError, match="message_stop"):
            responses.summarize({"type": "message_stop"})


class TestReceiptPremium:
    """The premium exists only where the model has a global profile and the regional premium."""

    def test_no_premium_model(self, aws_env: dict[str, str], emulator: Emulator) -> None:
        """Claude Sonnet 4 has a global profile but no premium: global and regional cost the same."""
        emulator.set_date("2026-06-01")  # before its end of life
        emulator.account(legacy_use=True)  # Legacy by then: an existing customer's account
        regional = invoke_body(SONNET_4_US, "us-east-1")
        receipt = cost.receipt(regional.response, SONNET_4_US)
        assert receipt.global_price is not None and receipt.premium_usd == pytest.approx(0.0)
        assert receipt.paid.usd == pytest.approx(receipt.global_price.usd)
        assert receipt.paid.usd == pytest.approx((regional.input_tokens * 3 + regional.output_tokens * 15) / 1e6)
        global_ = cost.receipt(invoke_body(SONNET_4_GLOBAL, "us-east-1").response, SONNET_4_GLOBAL)
        assert global_.paid.pricing == "global"

    @pytest.mark.parametrize(("model_id", "date"), [(OPUS_41_US, None), (HAIKU_3_BASE, "2026-06-01")])
    def test_no_global_profile(self, aws_env: dict[str, str], emulator: Emulator, model_id: str,
                               date: str | None) -> None:
        emulator.set_date(date)
        emulator.account(legacy_use=True)  # both Legacy: an existing customer's account
        got = converse_response(model_id, "us-east-1")
        receipt = cost.receipt(got.response, model_id)
        assert receipt.global_price is None and receipt.premium_usd is None
        assert receipt.paid.usd == pytest.approx(receipt.regional_price.usd) == pytest.approx(priced(model_id, got))
        model = catalog.model(model_id)
        assert receipt.paid.usd == pytest.approx((got.input_tokens * model.input_price
                                                  + got.output_tokens * model.output_price) / 1e6)
        assert "has no global profile: regional price only" in str(receipt)

    def test_text(self, aws_env: dict[str, str]) -> None:
        got = invoke_body(LESSON_US, "us-east-1")
        receipt = cost.receipt(got.response, LESSON_US)
        text = str(receipt)
        assert text.splitlines()[0] == (f"{LESSON_US}: {got.input_tokens:,} input + {got.output_tokens:,} "
                                        "output tokens")
        assert f"paid (regional): ${receipt.paid.usd:.6f}" in text
        assert f"(+${receipt.premium_usd:.6f})" in text and f"global ${receipt.global_price.usd:.6f}" in text

    def test_premium_flags_match_the_catalog(self) -> None:
        """models.toml: every model with a global profile either has the premium or is Claude Sonnet 4."""
        with_global = {m.key for m in catalog.models() if "global" in m.geographies}
        no_premium = {m.key for m in catalog.models() if "global" in m.geographies and not m.regional_premium}
        assert no_premium == {"claude-sonnet-4"} and "claude-sonnet-4-5" in with_global
        assert {"claude-opus-4-1", "claude-3-haiku"}.isdisjoint(with_global)


# --- monthly -----------------------------------------------------------------------------------------------


class TestMonthly:
    """requests/day × 30 days × the per-request estimate."""

    def test_anchor(self) -> None:
        """2,000 in + 500 out on Sonnet 4.5 is $0.0135 a request: $405/month at 1,000 a day, $445.50 regional."""
        assert cost.monthly(SONNET_45_GLOBAL, 2_000, 500, 1_000) == pytest.approx(405.00)
        assert cost.monthly(SONNET_45_US, 2_000, 500, 1_000) == pytest.approx(445.50)
        assert cost.monthly(SONNET_45_GLOBAL, 2_000, 500, 1_000, pricing="regional") == pytest.approx(445.50)
        assert cost.monthly(SONNET_45_BASE, 2_000, 500, 1_000, pricing="global") == pytest.approx(405.00)

    def test_scales(self) -> None:
        one = cost.estimate(SONNET_4_US, 30_000, 2_000).usd
        assert cost.monthly(SONNET_4_US, 30_000, 2_000, 7) == pytest.approx(one * 7 * cost.DAYS_PER_MONTH)
        assert cost.monthly(SONNET_4_US, 30_000, 2_000, 7, days=31) == pytest.approx(one * 7 * 31)
        assert cost.monthly(SONNET_4_US, 30_000, 2_000, 0) == 0.0
        long_request = cost.estimate(SONNET_4_GLOBAL, 300_000, 1_000)  # the only model left with the 1M beta tier
        assert long_request.long_context
        assert cost.monthly(SONNET_4_GLOBAL, 300_000, 1_000, 10) == pytest.approx(long_request.usd * 300)

    @pytest.mark.parametrize("per_day", [-1, 1.5, "100", None])
    def test_bad_requests_per_day(self, per_day: Any) -> None:
        with pytest.raises(ValueError, match="requests_per_day must be a whole number"):
            cost.monthly(SONNET_45_GLOBAL, 2_000, 500, per_day)

    def test_bad_tokens_pricing_and_model(self) -> None:
        with pytest.raises(ValueError, match="token counts"):
            cost.monthly(SONNET_45_GLOBAL, -1, 500, 10)
        with pytest.raises(ValueError, match="pricing must be"):
            cost.monthly(SONNET_45_GLOBAL, 1, 1, 10, pricing="cheap")
        with pytest.raises(LookupError):
            cost.monthly("anthropic.claude-imaginary-v1:0", 1, 1, 10)


# --- table, plot, calculator -------------------------------------------------------------------------------


class TestMonthlyTable:
    """One row per endpoint the model has, priced with monthly()."""

    def test_rows_only_for_existing_geographies(self) -> None:
        table = cost.monthly_table(["claude-sonnet-4-5", "claude-opus-4-5", "claude-opus-4-6"], 2_000, 500, 1_000)
        expected = []
        for key in ("claude-sonnet-4-5", "claude-opus-4-5", "claude-opus-4-6"):
            m = catalog.model(key)
            for geo in ("global", "us", "jp"):
                if geo in m.geographies:
                    profile = m.profile_id(geo)
                    expected.append((m.display_name, "global" if geo == "global" else f"{geo}.", profile,
                                     cost.monthly(profile, 2_000, 500, 1_000)))
        assert list(table) == expected
        # Opus 4.5 has no jp. profile; Opus 4.6 has one (the guide's table, November 2026)
        assert [row[1] for row in table] == ["global", "us.", "jp.", "global", "us.", "global", "us.", "jp."]
        assert table[0][3] == pytest.approx(405.00) and table[1][3] == pytest.approx(445.50)

    def test_other_geographies(self) -> None:
        table = cost.monthly_table(["claude-haiku-4-5", "claude-opus-4-7"], 10_000, 1_000, 50, ("eu", "au", "apac"))
        assert [(r[0], r[2]) for r in table] == [
            ("Claude Haiku 4.5", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
            ("Claude Haiku 4.5", "au.anthropic.claude-haiku-4-5-20251001-v1:0"),
            ("Claude Opus 4.7", "eu.anthropic.claude-opus-4-7"),
            ("Claude Opus 4.7", "au.anthropic.claude-opus-4-7")]
        assert table[0][3] == pytest.approx((10_000 * 1.10 + 1_000 * 5.50) / 1e6 * 50 * 30)

    def test_default_models_are_where_the_choice_costs_money(self) -> None:
        table = cost.monthly_table()
        names = {row[0] for row in table}
        assert names == {m.display_name for m in cost.premium_models()}
        assert "Claude Sonnet 4" not in names and "Claude Opus 4.1" not in names
        for m in cost.premium_models():
            assert m.regional_premium and "global" in m.geographies and m.lifecycle() != catalog.END_OF_LIFE
            assert sum(row[0] == m.display_name for row in table) == len({"global", "us", "jp"} & set(m.geographies))

    def test_text(self) -> None:
        table = cost.monthly_table(["claude-sonnet-4-5"], 2_000, 500, 1_000)
        lines = str(table).splitlines()
        assert lines[0] == "1,000 requests/day × 30 days, 2,000 input + 500 output tokens each"
        assert lines[1].split() == ["model", "endpoint", "profile", "id", "USD", "/", "month"]
        assert lines[2].startswith("Claude Sonnet 4.5") and lines[2].endswith("405.00")
        assert lines[3].endswith("445.50") and len(lines) == 5
        assert "<table>" in table._repr_html_() and "445.50" in table._repr_html_()


class TestPlot:
    """Monthly cost against volume: per model a solid global line and a dashed regional line, log-log."""

    def test_lines(self) -> None:
        from matplotlib.figure import Figure

        volumes = (10, 1_000, 100_000)
        fig = cost.plot(["claude-sonnet-4-5", "claude-haiku-4-5"], 2_000, 500, volumes)
        assert isinstance(fig, Figure)
        [ax] = fig.axes
        assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
        lines = ax.get_lines()
        assert len(lines) == 4
        for n, key in enumerate(("claude-sonnet-4-5", "claude-haiku-4-5")):
            m = catalog.model(key)
            solid, dashed = lines[2 * n], lines[2 * n + 1]
            assert (solid.get_linestyle(), dashed.get_linestyle()) == ("-", "--")
            assert solid.get_color() == dashed.get_color()
            assert solid.get_label() == f"{m.display_name} (global)"
            assert dashed.get_label() == f"{m.display_name} (regional)"
            assert list(solid.get_xdata()) == list(volumes)
            assert list(solid.get_ydata()) == pytest.approx(
                [cost.monthly(m.profile_id("global"), 2_000, 500, v) for v in volumes])
            assert list(dashed.get_ydata()) == pytest.approx(
                [cost.monthly(m.profile_id("us"), 2_000, 500, v) for v in volumes])
        assert lines[0].get_color() != lines[2].get_color()
        assert ax.get_legend() is not None

    def test_default_models_and_given_axes(self) -> None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        assert cost.plot(ax=ax) is fig
        assert len(ax.get_lines()) == 2 * len(cost.premium_models())
        assert ax.get_xlabel() == "requests per day" and ax.get_ylabel() == "USD per month"


class TestPremiumPlot:
    """The premium itself, in dollars a month, on linear axes: a straight line per model from zero."""

    def test_difference_lines(self) -> None:
        volumes = (0, 5_000, 10_000)
        fig = cost.plot_premium(["claude-sonnet-4-6", "claude-haiku-4-5"], 2_000, 500, volumes, geography="jp")
        [ax] = fig.axes
        assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "linear")
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == ["Claude Sonnet 4.6: jp. − global",
                                                        "Claude Haiku 4.5: jp. − global"]
        sonnet = catalog.model("claude-sonnet-4-6")
        expected = [cost.monthly(sonnet.profile_id("jp"), 2_000, 500, v)
                    - cost.monthly(sonnet.profile_id("global"), 2_000, 500, v) for v in volumes]
        assert list(lines[0].get_ydata()) == pytest.approx(expected)
        # $405/month → $445.50 at 1,000 a day: the premium is $40.50 per 1,000 requests a day
        assert expected[-1] == pytest.approx(405.00 * PREMIUM * 10)
        assert ax.get_ylim()[0] == 0 and ax.get_xlim()[0] == 0

    def test_models_without_the_geography_are_left_out(self) -> None:
        fig = cost.plot_premium(["claude-opus-4-5", "claude-sonnet-4-6"], geography="jp")
        assert [line.get_label() for line in fig.axes[0].get_lines()] == ["Claude Sonnet 4.6: jp. − global"]


class TestPremiumTable:
    """List prices through global. and regionally, per model, with the premium named."""

    def test_rows(self) -> None:
        table = cost.premium_table(["claude-sonnet-4-6", "claude-sonnet-4", "claude-haiku-5-5"])
        assert [tuple(r) for r in table] == [
            ("Claude Sonnet 4.6", "ACTIVE", "3 / 15", "3.3 / 16.5", "+10%"),
            ("Claude Sonnet 4", "END_OF_LIFE (2026-10-14)", "3 / 15", "3 / 15", "none"),
            ("Claude Haiku 5.5", "ACTIVE", "0.1 / 0.5", "0.11 / 0.55", "+10%")]

    def test_default_is_every_callable_priced_model_with_a_global_profile(self) -> None:
        names = [row[0] for row in cost.premium_table()]
        expected = [m.display_name for m in catalog.models() if "global" in m.geographies and m.has_price
                    and m.lifecycle() != catalog.END_OF_LIFE]
        assert names == expected and "Claude Sonnet 4.6" in names and "Claude Mythos 5.2" not in names


def controls(calc: Any) -> dict[str, Any]:
    """The calculator's widgets by description (and the Output as "output")."""
    found: dict[str, Any] = {}

    def walk(widget: Any) -> None:
        for child in getattr(widget, "children", ()):
            if child.__class__.__name__ == "Output":
                found["output"] = child
            elif getattr(child, "description", ""):
                found[child.description] = child
            walk(child)

    walk(calc)
    return found


class TestCalculator:
    """The widget calculator: its repr is the text table, and it redraws when a control changes."""

    def test_initial_state(self, capsys: pytest.CaptureFixture[str]) -> None:
        import ipywidgets

        calc = cost.calculator()
        assert isinstance(calc, ipywidgets.VBox)
        c = controls(calc)
        assert set(c) == {"model", "regional", "input tokens", "output tokens", "requests/day", "output"}
        first = catalog.lesson("06")  # the model the lessons use is selected first
        assert first in cost.premium_models() and c["model"].value == first.key
        assert repr(calc) == str(cost.monthly_table([first.key], 2_000, 500, 1_000, ("global", c["regional"].value)))
        assert list(c["regional"].options) == [g for g in first.geographies if g != "global"]
        assert str(cost.monthly_table([first.key], 2_000, 500, 1_000, ("global", "us"))) in capsys.readouterr().out

    def test_requests_per_day_updates_the_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        calc = cost.calculator()
        c = controls(calc)
        key = c["model"].value
        capsys.readouterr()
        c["requests/day"].value = 5_000
        shown = capsys.readouterr().out  # no kernel here: what the Output widget would capture goes to stdout
        table = cost.monthly_table([key], 2_000, 500, 5_000, ("global", "us"))
        assert str(table) in shown and "5,000 requests/day" in shown
        assert repr(calc) == str(table)
        assert f"{cost.monthly(catalog.model(key).profile_id('global'), 2_000, 500, 5_000):,.2f}" in repr(calc)

    def test_tokens_and_geography_update(self, capsys: pytest.CaptureFixture[str]) -> None:
        calc = cost.calculator(input_tokens=1_000, output_tokens=100, requests_per_day=10)
        c = controls(calc)
        c["input tokens"].value = 50_000
        c["output tokens"].value = 2_000
        c["regional"].value = "jp"
        lesson = catalog.lesson("06").key
        expected = cost.monthly_table([lesson], 50_000, 2_000, 10, ("global", "jp"))
        assert c["model"].value == lesson
        assert repr(calc) == str(expected) and "jp.anthropic" in repr(calc)
        assert str(expected) in capsys.readouterr().out

    def test_model_change_offers_only_its_geographies(self) -> None:
        calc = cost.calculator()
        c = controls(calc)
        c["regional"].value = "jp"
        c["model"].value = "claude-opus-4-5"  # no jp. profile
        assert list(c["regional"].options) == ["us", "eu"]
        assert c["regional"].value in ("us", "eu")
        rows = repr(calc).splitlines()[2:]
        assert len(rows) == 2 and all("claude-opus-4-5" in row for row in rows)

    def test_labels_are_never_cut(self) -> None:
        """ipywidgets' default label width cuts "input tokens" to "input toke…"; the calculator sizes labels."""
        for name, control in controls(cost.calculator()).items():
            if name != "output":
                assert control.style.description_width == "initial", name

    def test_saved_fallback_is_the_whole_table(self) -> None:
        """What a notebook saves for viewers without widgets (text/plain) is complete, not cut at 110 chars."""
        calc = cost.calculator()
        bundle = calc._repr_mimebundle_()
        assert bundle["text/plain"] == repr(calc) and len(repr(calc)) > 110
        assert "application/vnd.jupyter.widget-view+json" in bundle

    def test_without_ipywidgets_it_is_the_text_table(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "ipywidgets", None)
        shown = cost.calculator(3_000, 700, 250)
        assert isinstance(shown, cost.MonthlyTable)
        assert list(shown) == list(cost.monthly_table(None, 3_000, 700, 250))
        assert str(shown) == str(cost.monthly_table(None, 3_000, 700, 250))
        assert str(shown).startswith("250 requests/day × 30 days, 3,000 input + 700 output tokens each")


def test_calculator_plots_are_drawn_outside_pyplot_and_never_blank() -> None:
    """The calculator's redraws may run on ipykernel's subshell threads (JupyterLab 4.6 sends widget messages
    there): drawn through pyplot, concurrent redraws came back as blank PNGs in the browser test. Each PNG is
    drawn on a figure of its own: several threads at once all get a full plot, and pyplot holds no figure."""
    import io
    from concurrent.futures import ThreadPoolExecutor

    import matplotlib.image
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    key = catalog.lesson("06").key
    with ThreadPoolExecutor(max_workers=4) as pool:
        pictures = list(pool.map(lambda n: cost.plot_png([key], 1_000 * (n + 1), 500), range(8)))
    assert plt.get_fignums() == before
    for picture in pictures:
        pixels = matplotlib.image.imread(io.BytesIO(picture), format="png")
        assert pixels.shape[2] == 4 and pixels[..., 3].min() == 1.0  # opaque: not the transparent blank image
        assert len({tuple(p) for p in pixels.reshape(-1, 4)[::97]}) > 10  # lines, text and grid, not one colour
