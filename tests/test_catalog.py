"""The model catalog: data integrity, lifecycle, and resolving every identifier form."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import catalog

SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"


class TestData:
    """Every model carries the facts the issue asks for, with a source and an as-of date."""

    def test_guide_table_is_covered(self) -> None:
        """Every model of the guide's table is in the catalog, with the guide's geographies."""
        guide = {  # model id: (global, us, eu, jp, apac) from the seed's table
            "anthropic.claude-sonnet-4-5-20250929-v1:0": (1, 1, 1, 1, 0),
            "anthropic.claude-sonnet-4-20250514-v1:0": (1, 1, 1, 0, 1),
            "anthropic.claude-3-7-sonnet-20250219-v1:0": (0, 1, 1, 0, 1),
            "anthropic.claude-opus-4-5-20251101-v1:0": (1, 1, 1, 0, 0),
            "anthropic.claude-opus-4-1-20250805-v1:0": (0, 1, 0, 0, 0),
            "anthropic.claude-opus-4-20250514-v1:0": (0, 1, 0, 0, 0),
            "anthropic.claude-3-opus-20240229-v1:0": (0, 1, 0, 0, 0),
            "anthropic.claude-haiku-4-5-20251001-v1:0": (1, 1, 1, 0, 0),
            "anthropic.claude-3-5-haiku-20241022-v1:0": (0, 1, 0, 0, 0),
            "anthropic.claude-3-haiku-20240307-v1:0": (0, 1, 1, 0, 1),
        }
        for model_id, flags in guide.items():
            model = catalog.model(model_id)
            for geo, flag in zip(("global", "us", "eu", "jp", "apac"), flags, strict=True):
                # jp is the only column where newer sources add profiles the guide marks "No".
                if flag or geo != "jp":
                    assert (geo in model.geographies) == bool(flag), (model_id, geo)

    def test_models_released_since_the_guide(self) -> None:
        for key in ("claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-4-7"):
            assert catalog.model(key).lifecycle(dt.date(2026, 11, 21)) == catalog.ACTIVE

    @pytest.mark.parametrize("model", catalog.models(), ids=lambda m: m.key)
    def test_every_model_is_complete(self, model: catalog.Model) -> None:
        assert model.base_id.startswith("anthropic.claude-")
        assert model.api_name.startswith("claude-")
        assert model.source.strip() and isinstance(model.as_of, dt.date)
        assert model.input_price > 0 and model.output_price > model.input_price
        assert model.max_output_tokens >= 4096 and model.context_window >= 200_000
        assert model.status in (catalog.ACTIVE, catalog.LEGACY, catalog.END_OF_LIFE)
        assert set(model.geographies) <= set(catalog.geographies())
        assert model.geographies or model.on_demand_regions, "a model must be callable somewhere"

    def test_ids_are_unique(self) -> None:
        """No name of one model (key, API name, any Bedrock id) is also a name of another."""
        names = [{m.base_id, m.api_name, m.key, *m.profile_ids} for m in catalog.models()]
        assert sum(len(n) for n in names) == len(set().union(*names))

    def test_regional_premium_from_sonnet_45_on(self) -> None:
        """The 10 % premium applies to Sonnet 4.5 and later, not to older models (guide, §8.3)."""
        assert catalog.model("claude-sonnet-4-5").regional_premium
        assert catalog.model("claude-haiku-4-5").regional_premium
        assert not catalog.model("claude-sonnet-4").regional_premium
        assert catalog.pricing().regional_premium == pytest.approx(0.10)

    def test_1m_beta_models(self) -> None:
        """Anthropic's Bedrock page: Opus 4.6, Sonnet 4.5 and Sonnet 4 take the 1M beta."""
        beta = {m.key for m in catalog.models() if m.context_1m_beta}
        assert beta == {"claude-opus-4-6", "claude-sonnet-4-5", "claude-sonnet-4"}


class TestLifecycle:
    """Status on a given day: passed dates override what the source recorded."""

    def test_sonnet_4_lifecycle_through_time(self) -> None:
        model = catalog.model("claude-sonnet-4")
        assert model.lifecycle(dt.date(2026, 1, 1)) == catalog.LEGACY  # recorded status
        assert model.lifecycle(dt.date(2026, 10, 13)) == catalog.LEGACY
        assert model.lifecycle(dt.date(2026, 10, 14)) == catalog.END_OF_LIFE

    def test_active_model_becomes_legacy_on_its_date(self) -> None:
        model = catalog.model("claude-3-7-sonnet")
        assert model.lifecycle(dt.date(2025, 10, 27)) == catalog.LEGACY  # recorded LEGACY
        assert model.lifecycle(dt.date(2026, 4, 28)) == catalog.END_OF_LIFE

    def test_recorded_end_of_life_without_date(self) -> None:
        assert catalog.model("claude-3-opus").lifecycle(dt.date(2026, 1, 1)) == catalog.END_OF_LIFE


class TestResolve:
    """Any id form resolves to (model, geography); unknown ids get "did you mean"."""

    @pytest.mark.parametrize(("identifier", "geo", "form"), [
        (SONNET_45, None, "base-id"),
        ("global." + SONNET_45, "global", "profile-id"),
        ("jp." + SONNET_45, "jp", "profile-id"),
        (f"arn:aws:bedrock:us-west-2::foundation-model/{SONNET_45}", None, "foundation-model-arn"),
        (f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{SONNET_45}", "us",
         "inference-profile-arn"),
    ])
    def test_forms(self, identifier: str, geo: str | None, form: str) -> None:
        resolved = catalog.resolve(identifier)
        assert resolved.model.key == "claude-sonnet-4-5"
        assert (resolved.geography, resolved.form) == (geo, form)

    def test_arn_region_and_account(self) -> None:
        resolved = catalog.resolve(f"arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{SONNET_45}")
        assert (resolved.arn_region, resolved.arn_account) == ("eu-west-1", "123456789012")

    def test_profile_that_does_not_exist(self) -> None:
        """Sonnet 4.5 has no apac. profile (guide table): unknown, with the real ones suggested."""
        with pytest.raises(catalog.UnknownModelError) as e:
            catalog.resolve("apac." + SONNET_45)
        assert any(s.endswith(SONNET_45) for s in e.value.suggestions)
        assert "Did you mean" in str(e.value)

    def test_typo_gets_did_you_mean(self) -> None:
        with pytest.raises(catalog.UnknownModelError) as e:
            catalog.resolve("anthropic.claude-opus-4-6-v1:0")  # the common ':0' mistake (3p)
        assert "anthropic.claude-opus-4-6-v1" in e.value.suggestions

    def test_anthropic_api_name_gets_a_hint(self) -> None:
        with pytest.raises(catalog.UnknownModelError, match="Anthropic API name"):
            catalog.resolve("claude-sonnet-4-5-20250929")

    def test_model_lookup_by_key_and_api_name(self) -> None:
        assert catalog.model("claude-sonnet-4-5") is catalog.model("claude-sonnet-4-5-20250929")

    def test_region_rules(self) -> None:
        sonnet = catalog.model("claude-sonnet-4-5")
        assert sonnet.usable_geographies("ap-northeast-1") == ["global", "jp"]
        assert sonnet.usable_geographies("us-west-2") == ["global", "us"]
        assert not sonnet.on_demand_in("us-east-1")
        assert catalog.model("claude-3-haiku").on_demand_in("us-east-1")


class TestViews:
    """The guide's table and the drift report."""

    def test_model_table(self) -> None:
        table = catalog.model_table(dt.date(2026, 11, 21))
        row = next(r for r in table if r[0] == "Claude Sonnet 4.5")
        assert row[1:] == (SONNET_45, "Yes", "Yes", "Yes", "Yes", "No", "Yes", "ACTIVE")
        assert "Claude Sonnet 4.5" in str(table) and table._repr_html_().startswith("<table>")

    def test_drift(self) -> None:
        day = dt.date(2026, 11, 21)
        live = [{"modelId": m.base_id, "modelLifecycle": {"status": m.lifecycle(day)}}
                for m in catalog.models() if m.offered_in("us-west-2") and m.lifecycle(day) != catalog.END_OF_LIFE]
        assert catalog.drift(live, "us-west-2", day) == {"not_in_catalog": [], "not_listed_live": [],
                                                         "lifecycle_differs": []}
        live[0]["modelLifecycle"]["status"] = "LEGACY"
        live.append({"modelId": "anthropic.claude-next-v1:0"})
        report = catalog.drift(live, "us-west-2", day)
        assert report["not_in_catalog"] == ["anthropic.claude-next-v1:0"]
        assert report["lifecycle_differs"] == [f"{live[0]['modelId']}: catalog says ACTIVE, Bedrock says LEGACY"]
