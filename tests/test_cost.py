"""helpers.cost: itemised request prices from the catalog (global vs regional, size tiers, caching, batch)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import SONNET_45_BASE, SONNET_45_GLOBAL, SONNET_45_US
from helpers import catalog, cost
from helpers.catalog import UnknownModelError

RULES = catalog.pricing()
SONNET_45 = catalog.model("claude-sonnet-4-5")
SONNET_4 = catalog.model("claude-sonnet-4")      # the only model left with the guide's 1M beta (and its tier)
SONNET_4_GLOBAL, SONNET_4_US = SONNET_4.profile_id("global"), SONNET_4.profile_id("us")
SONNET_46 = catalog.model("claude-sonnet-4-6")   # native 1M at the standard price
HAIKU_55 = catalog.model("claude-haiku-5-5")     # over 100K input tokens: 5x
PRICED = [m for m in catalog.models() if m.has_price]
UNPRICED = [m for m in catalog.models() if not m.has_price]
EU_SONNET_45 = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
PROFILE_ARN = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{SONNET_45_GLOBAL}"
MODEL_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET_45_BASE}"


def every_id() -> list[tuple[catalog.Model, str, bool]]:
    """(model, id, regional?) for each priced model's base id and every profile id in the catalog."""
    out = []
    for m in PRICED:
        out.append((m, m.base_id, True))
        out += [(m, m.profile_id(g), g != "global") for g in m.geographies]
    return out


def premium(model: catalog.Model, regional: bool) -> float:
    return 1 + RULES.regional_premium if regional and model.regional_premium else 1.0


def rates(estimate: cost.Estimate) -> dict[str, float]:
    return {line.item: line.rate for line in estimate.lines}


def any_id(model: catalog.Model) -> str:
    return model.profile_id(model.geographies[0]) if model.geographies else model.base_id


class TestAnchors:
    """Figures worked out by hand from the published prices ($3 / $15 per MTok for Sonnet 4.5)."""

    def test_sonnet_45_base_rates(self) -> None:
        """1M input + 1M output at the base rates: $18.00 global, $19.80 regional (+10 %)."""
        global_ = cost.estimate(SONNET_45_GLOBAL, 1_000, 1_000)
        regional = cost.estimate(SONNET_45_US, 1_000, 1_000)
        assert global_.lines[0].rate + global_.lines[-1].rate == pytest.approx(18.00)
        assert regional.lines[0].rate + regional.lines[-1].rate == pytest.approx(19.80)
        assert global_.usd == pytest.approx(0.018) and regional.usd == pytest.approx(0.0198)

    def test_200k_input_is_still_the_base_tier(self) -> None:
        """200,000 input is not *over* 200K: $0.60 + $15.00 global, $0.66 + $16.50 regional."""
        assert cost.estimate(SONNET_45_GLOBAL, 200_000, 1_000_000).usd == pytest.approx(15.60)
        assert cost.estimate(SONNET_45_US, 200_000, 1_000_000).usd == pytest.approx(17.16)

    def test_long_tier_rates_at_201k(self) -> None:
        """Claude Sonnet 4 ($3 / $15, the guide's beta, no regional premium): 201K input → $6.00 / $22.50."""
        estimate = cost.estimate(SONNET_4_GLOBAL, 201_000, 1_000)
        assert estimate.long_context and estimate.tier == "long-context tier"
        assert rates(estimate) == pytest.approx({"input": 6.00, "output": 22.50})
        assert estimate.usd == pytest.approx(201_000 * 6.00 / 1e6 + 1_000 * 22.50 / 1e6)
        assert rates(cost.estimate(SONNET_4_US, 201_000, 1_000)) == pytest.approx({"input": 6.00, "output": 22.50})

    def test_million_in_million_out_is_all_long_tier(self) -> None:
        """1M input is over 200K, so the whole request (output too) is billed at 2x / 1.5x: $28.50."""
        assert cost.estimate(SONNET_4_GLOBAL, 1_000_000, 1_000_000).usd == pytest.approx(28.50)
        assert cost.estimate(SONNET_4_US, 1_000_000, 1_000_000).usd == pytest.approx(28.50)

    def test_sonnet_45_has_no_long_tier_since_the_beta_retired(self) -> None:
        """The beta no longer widens Sonnet 4.5 (catalog: long_context "none"), so no tier: $3 / $15 at any size."""
        estimate = cost.estimate(SONNET_45_GLOBAL, 201_000, 1_000)
        assert not estimate.long_context and estimate.tier == ""
        assert rates(estimate) == pytest.approx({"input": 3.00, "output": 15.00})

    def test_native_1m_at_the_standard_price(self) -> None:
        """Claude Sonnet 4.6: 1M in + 1M out costs $18.00 global, $19.80 regional: no tier at all."""
        assert cost.estimate(SONNET_46.profile_id("global"), 1_000_000, 1_000_000).usd == pytest.approx(18.00)
        assert cost.estimate(SONNET_46.profile_id("us"), 1_000_000, 1_000_000).usd == pytest.approx(19.80)
        assert not cost.estimate(SONNET_46.profile_id("global"), 1_000_000, 0).long_context


class TestCatalogPrices:
    """Every id in the catalog is billed at its model's prices, +premium only where the model has one."""

    @pytest.mark.parametrize(("model", "model_id", "regional"), every_id(), ids=[i for _, i, _ in every_id()])
    def test_every_id(self, model: catalog.Model, model_id: str, regional: bool) -> None:
        estimate = cost.estimate(model_id, 100_000, 10_000)
        assert estimate.model == model and not estimate.long_context
        assert estimate.pricing == ("regional" if regional else "global")
        factor = premium(model, regional)
        assert rates(estimate) == pytest.approx({"input": model.input_price * factor,
                                                 "output": model.output_price * factor})
        assert estimate.usd == pytest.approx((100_000 * model.input_price + 10_000 * model.output_price) * factor / 1e6)

    @pytest.mark.parametrize("key", ["claude-sonnet-4", "claude-3-7-sonnet", "claude-opus-4-1", "claude-3-haiku"])
    def test_no_premium_on_older_models(self, key: str) -> None:
        model = catalog.model(key)
        assert not model.regional_premium
        regional = cost.estimate(model.profile_id("us"), 10_000, 1_000)
        assert regional.pricing == "regional"
        assert regional.usd == pytest.approx((10_000 * model.input_price + 1_000 * model.output_price) / 1e6)
        assert cost.estimate(model.profile_id("us"), 10_000, 1_000, pricing="global").usd == pytest.approx(regional.usd)

    def test_sonnet_4_global_and_us_cost_the_same(self) -> None:
        model = catalog.model("claude-sonnet-4")
        assert cost.estimate(model.profile_id("global"), 5_000, 500).usd == pytest.approx(
            cost.estimate(model.profile_id("us"), 5_000, 500).usd)

    @pytest.mark.parametrize(("model_id", "pricing"), [
        (SONNET_45_GLOBAL, "global"), (SONNET_45_US, "regional"), (EU_SONNET_45, "regional"),
        (SONNET_45_BASE, "regional"), (PROFILE_ARN, "global"), (MODEL_ARN, "regional"),
    ])
    def test_pricing_implied_by_the_id(self, model_id: str, pricing: str) -> None:
        assert cost.pricing_of(model_id) == (SONNET_45, pricing)
        assert cost.estimate(model_id, 1, 1).pricing == pricing

    def test_pricing_override(self) -> None:
        forced = cost.estimate(SONNET_45_GLOBAL, 1_000, 1_000, pricing="regional")
        assert forced.pricing == "regional"
        assert forced.usd == pytest.approx(cost.estimate(SONNET_45_US, 1_000, 1_000).usd)
        assert cost.estimate(SONNET_45_US, 1_000, 1_000, pricing="global").usd == pytest.approx(
            cost.estimate(SONNET_45_GLOBAL, 1_000, 1_000).usd)


class TestLongContextTier:
    """Over 200K input tokens, the whole request at 2x input and 1.5x output, on the 1M-beta models only."""

    @pytest.mark.parametrize("model", PRICED, ids=[m.key for m in PRICED])
    def test_only_on_models_with_the_1m_beta(self, model: catalog.Model) -> None:
        estimate = cost.estimate(any_id(model), RULES.long_context_threshold + 1, 1_000)
        assert estimate.long_context == model.context_1m_beta
        base = cost.estimate(any_id(model), RULES.long_context_threshold, 1_000)
        assert not base.long_context
        in_x = RULES.long_context_input_multiplier if model.context_1m_beta else 1
        out_x = RULES.long_context_output_multiplier if model.context_1m_beta else 1
        assert rates(estimate)["input"] == pytest.approx(rates(base)["input"] * in_x)
        assert rates(estimate)["output"] == pytest.approx(rates(base)["output"] * out_x)

    def test_only_beta_models_have_the_tier(self) -> None:
        """The catalog's "beta" models are the guide's Sonnet 4 alone (Sonnet 4.5's beta retired)."""
        assert [m.key for m in catalog.models() if m.context_1m_beta] == ["claude-sonnet-4"]

    def test_threshold_is_exclusive(self) -> None:
        threshold = RULES.long_context_threshold
        assert not cost.estimate(SONNET_4_GLOBAL, threshold, 0).long_context
        assert cost.estimate(SONNET_4_GLOBAL, threshold + 1, 0).long_context

    @pytest.mark.parametrize("cache", ["cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens"])
    def test_cache_tokens_count_towards_the_threshold(self, cache: str) -> None:
        kwargs: dict[str, Any] = {cache: 100_001}
        estimate = cost.estimate(SONNET_4_GLOBAL, 100_000, 1_000, **kwargs)
        assert estimate.long_context and estimate.input_tokens == 200_001
        assert rates(estimate)["input"] == pytest.approx(SONNET_4.input_price * RULES.long_context_input_multiplier)
        assert rates(estimate)["output"] == pytest.approx(
            SONNET_4.output_price * RULES.long_context_output_multiplier)
        assert not cost.estimate(SONNET_4_GLOBAL, 100_000, 1_000, **{cache: 100_000}).long_context

    def test_cache_prices_scale_with_the_tier(self) -> None:
        estimate = cost.estimate(SONNET_4_US, 150_000, 2_000, cache_write_tokens=30_000,
                                 cache_write_1h_tokens=20_000, cache_read_tokens=10_000)
        long_input = SONNET_4.input_price * RULES.long_context_input_multiplier  # Sonnet 4: no regional premium
        assert rates(estimate) == pytest.approx({
            "input": long_input,
            "cache write (5 min)": long_input * RULES.cache_write_5m_multiplier,
            "cache write (1 h)": long_input * RULES.cache_write_1h_multiplier,
            "cache read": long_input * RULES.cache_read_multiplier,
            "output": SONNET_4.output_price * RULES.long_context_output_multiplier,
        })

    def test_describe_names_the_tier(self) -> None:
        assert cost.estimate(SONNET_4_GLOBAL, 300_000, 0).describe().endswith(
            "(Claude Sonnet 4, global, long-context tier)")
        assert cost.estimate(SONNET_45_US, 3_000, 0).describe().endswith("(Claude Sonnet 4.5, regional)")
        assert cost.estimate(SONNET_45_US, 300_000, 0).describe().endswith("(Claude Sonnet 4.5, regional)")


class TestPremiumTier:
    """Claude Haiku 5.5: a request over 100K input tokens is billed entirely at 5x input and output."""

    def test_the_catalog_says_so(self) -> None:
        tier = HAIKU_55.premium_tier
        assert tier is not None and (tier.threshold, tier.input, tier.output) == (100_000, 5.0, 5.0)
        assert [m.key for m in catalog.models() if m.premium_tier] == ["claude-haiku-5-5"]

    def test_anchor(self) -> None:
        """$0.10 / $0.50 up to 100K input; $0.50 / $2.50 for the whole request above it (global)."""
        gid = HAIKU_55.profile_id("global")
        assert rates(cost.estimate(gid, 100_000, 1_000)) == pytest.approx({"input": 0.10, "output": 0.50})
        over = cost.estimate(gid, 100_001, 1_000)
        assert rates(over) == pytest.approx({"input": 0.50, "output": 2.50})
        assert over.tier == "over-100K tier" and not over.long_context
        assert over.describe().endswith("(Claude Haiku 5.5, global, over-100K tier)")
        assert rates(cost.estimate(HAIKU_55.profile_id("us"), 100_001, 1_000)) == pytest.approx(
            {"input": 0.55, "output": 2.75})

    def test_cache_tokens_count_and_scale(self) -> None:
        """Cache tokens count towards the 100K; the cache read becomes $0.05 (Anthropic: $0.01 → $0.05)."""
        estimate = cost.estimate(HAIKU_55.profile_id("global"), 50_000, 100, cache_read_tokens=50_001)
        assert estimate.tier == "over-100K tier"
        assert rates(estimate)["cache read"] == pytest.approx(0.05)
        assert rates(cost.estimate(HAIKU_55.profile_id("global"), 50_000, 100,
                                   cache_read_tokens=50_000))["cache read"] == pytest.approx(0.01)


class TestBatch:
    """Batch inference: the on-demand price times catalog.pricing().batch_multiplier, on every line."""

    def test_half_price(self) -> None:
        on_demand = cost.estimate(SONNET_46.profile_id("global"), 10_000, 1_000, cache_read_tokens=5_000)
        batch = cost.estimate(SONNET_46.profile_id("global"), 10_000, 1_000, cache_read_tokens=5_000, batch=True)
        assert RULES.batch_multiplier == 0.5
        assert batch.usd == pytest.approx(on_demand.usd * RULES.batch_multiplier)
        assert [line.rate for line in batch.lines] == pytest.approx(
            [line.rate * RULES.batch_multiplier for line in on_demand.lines])
        assert batch.batch and batch.describe().endswith("(Claude Sonnet 4.6, global, batch)")

    def test_with_the_premium_and_a_tier(self) -> None:
        """Haiku 5.5 over 100K, regional, batch: $0.10 × 5 × 1.1 × 0.5 = $0.275 input."""
        estimate = cost.estimate(HAIKU_55.profile_id("us"), 200_000, 0, batch=True)
        assert rates(estimate)["input"] == pytest.approx(0.275)

    def test_monthly(self) -> None:
        gid = SONNET_46.profile_id("global")
        assert cost.monthly(gid, 2_000, 500, 1_000, batch=True) == pytest.approx(405.00 * RULES.batch_multiplier)


class TestNoPrice:
    """Models with no published price refuse an estimate, naming the model; nothing is invented."""

    def test_which(self) -> None:
        assert {m.key for m in UNPRICED} == {"claude-mythos-5-2", "claude-mythos-preview"}

    @pytest.mark.parametrize("model", UNPRICED, ids=[m.key for m in UNPRICED])
    def test_every_id_refuses(self, model: catalog.Model) -> None:
        for model_id in (model.base_id, *model.profile_ids):
            with pytest.raises(cost.NoPriceError, match=f"^{model.display_name} has no published price") as e:
                cost.estimate(model_id, 1_000, 100)
            assert e.value.model == model and isinstance(e.value, ValueError)
        with pytest.raises(cost.NoPriceError):
            cost.monthly(model.base_id, 1_000, 100, 10)

    def test_left_out_of_the_premium_lists(self) -> None:
        assert not set(UNPRICED) & set(cost.premium_models())
        assert not {m.display_name for m in UNPRICED} & {row[0] for row in cost.premium_table()}


class TestCaching:
    """Cache writes at 1.25x (5 min) or 2x (1 h) input, reads at 0.1x; one line each, only when used."""

    def test_lines_and_rates(self) -> None:
        opus = catalog.model("claude-opus-4-5")
        estimate = cost.estimate(opus.profile_id("global"), 1_000, 500, cache_write_tokens=4_000,
                                 cache_write_1h_tokens=3_000, cache_read_tokens=20_000)
        assert [line.item for line in estimate.lines] == [
            "input", "cache write (5 min)", "cache write (1 h)", "cache read", "output"]
        assert [line.tokens for line in estimate.lines] == [1_000, 4_000, 3_000, 20_000, 500]
        expected = (1_000 * opus.input_price + 4_000 * opus.input_price * RULES.cache_write_5m_multiplier
                    + 3_000 * opus.input_price * RULES.cache_write_1h_multiplier
                    + 20_000 * opus.input_price * RULES.cache_read_multiplier + 500 * opus.output_price) / 1e6
        assert estimate.usd == pytest.approx(expected)
        assert estimate.input_tokens == 28_000

    def test_unused_cache_lines_are_left_out(self) -> None:
        assert [line.item for line in cost.estimate(SONNET_45_GLOBAL, 10, 10).lines] == ["input", "output"]

    @pytest.mark.parametrize("key", ["claude-fable-5-1", "claude-mythos-5-1"])
    def test_per_model_cache_read_multiplier(self, key: str) -> None:
        """Fable 5.1 / Mythos 5.1 read the cache at 0.025x input, not the catalog-wide 0.1x."""
        model = catalog.model(key)
        assert model.cache_read_multiplier == 0.025 != RULES.cache_read_multiplier
        estimate = cost.estimate(model.profile_id("global"), 0, 0, cache_read_tokens=1_000_000)
        assert estimate.usd == pytest.approx(model.input_price * 0.025)

    def test_reading_the_cache_is_cheaper(self) -> None:
        fresh = cost.estimate(SONNET_45_GLOBAL, 50_000, 0)
        cached = cost.estimate(SONNET_45_GLOBAL, 0, 0, cache_read_tokens=50_000)
        assert cached.usd == pytest.approx(fresh.usd * RULES.cache_read_multiplier)

    def test_display(self) -> None:
        estimate = cost.estimate(SONNET_45_GLOBAL, 1_000, 100, cache_read_tokens=2_000)
        text = str(estimate)
        assert text.splitlines()[0] == estimate.describe() and len(text.splitlines()) == 4
        assert "cache read" in text and "2,000 tokens" in text
        assert estimate._repr_html_().count("<tr>") == 4


class TestBadInput:
    """Mistakes get ValueError / UnknownModelError with messages that say what is wrong."""

    @pytest.mark.parametrize("kwargs", [
        {"input_tokens": -1}, {"output_tokens": -5}, {"cache_read_tokens": -1}, {"input_tokens": 1.5},
        {"output_tokens": "100"}, {"cache_write_tokens": None},
    ])
    def test_bad_token_counts(self, kwargs: dict[str, Any]) -> None:
        args = {"input_tokens": 10, "output_tokens": 10, **kwargs}
        with pytest.raises(ValueError, match="token counts must be whole numbers ≥ 0"):
            cost.estimate(SONNET_45_GLOBAL, **args)

    @pytest.mark.parametrize("pricing", ["Global", "eu", "on-demand", "REGIONAL"])
    def test_bad_pricing(self, pricing: str) -> None:
        with pytest.raises(ValueError, match=f"pricing must be 'global' or 'regional', not {pricing!r}"):
            cost.estimate(SONNET_45_GLOBAL, 1, 1, pricing=pricing)

    def test_unknown_id_suggests_the_closest(self) -> None:
        typo = SONNET_45_GLOBAL.replace("v1:0", "v1")
        with pytest.raises(UnknownModelError) as e:
            cost.estimate(typo, 1_000, 100)
        assert SONNET_45_GLOBAL in e.value.suggestions
        assert str(e.value).startswith(f"Unknown Claude model identifier {typo!r}.")
        assert "Did you mean: " in str(e.value) and SONNET_45_GLOBAL in str(e.value)

    def test_anthropic_api_name_is_explained(self) -> None:
        with pytest.raises(UnknownModelError, match="is the Anthropic API name; on Bedrock use a Bedrock id"):
            cost.estimate(SONNET_45.api_name, 1_000, 100)

    def test_unknown_error_is_a_lookup_error(self) -> None:
        with pytest.raises(LookupError):
            cost.estimate("gpt-4o", 1, 1)
