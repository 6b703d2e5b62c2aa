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
        """Both families of today's lineup (the reference, 2026-11-23), Active on the catalog's date."""
        day = catalog.load().as_of
        for key in ("claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5",
                    "claude-opus-5", "claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5", "claude-fable-5",
                    "claude-fable-5-1", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2",
                    "claude-mythos-preview"):
            assert catalog.model(key).lifecycle(day) == catalog.ACTIVE, key
        assert [a.display_name for a in catalog.load().announced] == ["Claude Fable 5.2"]  # no Bedrock id yet

    @pytest.mark.parametrize("model", catalog.models(), ids=lambda m: m.key)
    def test_every_model_is_complete(self, model: catalog.Model) -> None:
        assert model.base_id.startswith("anthropic.claude-")
        assert model.api_name.startswith("claude-")
        if model.has_price:
            assert model.input_price > 0 and model.output_price > model.input_price
        else:
            assert model.access == "invite", "only gated models may lack a published price"
        assert model.max_output_tokens >= 4096 and model.context_window >= 200_000
        assert model.status in (catalog.ACTIVE, catalog.LEGACY, catalog.END_OF_LIFE)
        assert set(model.geographies) <= set(catalog.geographies())
        assert model.geographies or model.on_demand_regions, "a model must be callable somewhere"
        assert model.api_versions and catalog.BEDROCK_API_VERSION in model.api_versions

    @pytest.mark.parametrize("model", catalog.models(), ids=lambda m: m.key)
    def test_every_fact_has_a_source_date_and_confidence(self, model: catalog.Model) -> None:
        cat = catalog.load()
        assert set(model.facts) == set(catalog.FACT_GROUPS)
        for group, fact in model.facts.items():
            assert fact.sources and all(s in cat.sources for s in fact.sources), (group, fact)
            assert fact.confidence in catalog.CONFIDENCE
            assert dt.date(2026, 1, 1) <= fact.as_of <= cat.as_of, (group, fact.as_of)
        for conflict in model.conflicts:
            assert conflict.fact in catalog.FACT_GROUPS and conflict.claim and conflict.sources

    def test_sources_are_links(self) -> None:
        for source in catalog.load().sources.values():
            assert source.url.startswith("https://") and source.title and source.read <= catalog.load().as_of

    def test_a_fact_without_a_source_is_refused(self) -> None:
        """The loader enforces the rule, so a new model cannot be added without sources."""
        sources = catalog.load().sources
        with pytest.raises(catalog.CatalogError, match="unknown sources"):
            catalog._fact({"src": ["nowhere"], "as_of": dt.date(2026, 11, 30), "conf": "H"}, "x", sources)
        with pytest.raises(catalog.CatalogError, match="H, M or L"):
            catalog._fact({"src": ["aws-lifecycle"], "as_of": dt.date(2026, 11, 30), "conf": "sure"}, "x", sources)
        with pytest.raises(catalog.CatalogError, match="must be"):
            catalog._fact({"src": ["aws-lifecycle"]}, "x", sources)

    def test_a_country_without_regions_and_a_source_is_refused(self) -> None:
        cat = catalog.load()
        with pytest.raises(catalog.CatalogError, match="needs regions and facts"):
            catalog._country("XX", {"name": "Nowhere", "regions": ["ap-east-2"]}, cat.geographies, cat.sources)
        with pytest.raises(catalog.CatalogError, match="one known geography"):
            catalog._country("XX", {"name": "Nowhere", "geography": "atlantis"}, cat.geographies, cat.sources)
        with pytest.raises(catalog.CatalogError, match="upper-case code"):
            catalog._country("jp", {"name": "Japan"}, cat.geographies, cat.sources)

    def test_ids_are_unique(self) -> None:
        """No name of one model (key, API name, any Bedrock id) is also a name of another."""
        names = [{m.base_id, m.api_name, m.key, *m.profile_ids} for m in catalog.models()]
        assert sum(len(n) for n in names) == len(set().union(*names))

    def test_regional_premium_from_sonnet_45_on(self) -> None:
        """The 10 % premium applies to Sonnet 4.5 and later, not to Opus 4.1 and earlier (Anthropic)."""
        assert catalog.model("claude-sonnet-4-5").regional_premium
        assert catalog.model("claude-haiku-4-5").regional_premium
        assert catalog.model("claude-opus-5").regional_premium
        assert not catalog.model("claude-sonnet-4").regional_premium
        assert not catalog.model("claude-opus-4-1").regional_premium
        assert catalog.pricing().regional_premium == pytest.approx(0.10)

    def test_long_context_today(self) -> None:
        """Claude 4.6 and later have a native 1M window; the guide's beta outlived only Sonnet 4 (EOL)."""
        native = {m.key for m in catalog.models() if m.long_context == "native"}
        assert {"claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-5-5"} <= native
        assert all(catalog.model(k).context_window == catalog.LONG_CONTEXT_WINDOW for k in native)
        # Only Sonnet 4 (past end of life) keeps the guide's beta on record; Sonnet 4.5's has no effect any more.
        assert {m.key for m in catalog.models() if m.context_1m_beta} == {"claude-sonnet-4"}
        assert {m.key for m in catalog.models() if m.long_context == "beta-retired"} == {"claude-sonnet-4-5"}
        sonnet_45 = catalog.model("claude-sonnet-4-5")
        assert sonnet_45.window(beta_1m=True) == 200_000  # the beta has had no effect since it was retired
        assert catalog.general("beta_1m_retired").value == dt.date(2026, 4, 30)

    def test_api_versions(self) -> None:
        """2026-10-21 exists on Bedrock for Claude 4.7 and later only (Anthropic's versioning page)."""
        for m in catalog.models():
            assert m.accepts_api_version(catalog.NEW_API_VERSION) == (m.page == "current"), m.key

    def test_thinking_and_sampling(self) -> None:
        opus_47 = catalog.model("claude-opus-4-7")
        assert "enabled" not in opus_47.thinking_modes and opus_47.thinking_modes == ("adaptive",)
        assert catalog.model("claude-opus-4-8").thinking_modes == ("adaptive", "disabled")
        assert catalog.model("claude-sonnet-4-6").thinking_modes == ("enabled", "adaptive", "disabled")
        assert catalog.model("claude-sonnet-4-5").thinking_modes == ("enabled", "disabled")
        assert all(m.sampling == "none" for m in catalog.models() if m.page == "current")
        assert catalog.model("claude-sonnet-4-6").sampling == "one"  # temperature still works on 4.6

    def test_geographies_today(self) -> None:
        """au. profiles for the newer models; Auckland (ap-southeast-6) is a source region for au. and global."""
        assert "ap-southeast-6" in catalog.geography("au").source_regions
        assert "ap-southeast-6" in catalog.geography("global").source_regions
        for key in ("claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5"):
            assert "au" in catalog.model(key).geographies, key

    def test_general_facts(self) -> None:
        assert catalog.general("aws_cli_v1_maintenance").value == dt.date(2026, 8, 5)
        assert catalog.general("aws_cli_v1_end_of_support").value == dt.date(2027, 7, 15)
        assert catalog.general("invoke_body_documented_bytes").value == 20_000_000
        assert catalog.general("invoke_body_wire_bytes").value == 25_000_000
        assert catalog.general("pdf_visual_token_ratio").value == 7

    def test_wire_body_limit_matches_botocore(self) -> None:
        """The 25,000,000-byte limit is botocore's own model: the catalog must agree with it."""
        import botocore.session

        shape = botocore.session.get_session().get_service_model("bedrock-runtime").operation_model(
            "InvokeModel").input_shape.members["body"]
        assert shape.metadata["max"] == catalog.general("invoke_body_wire_bytes").value


class TestLessons:
    """One place decides each notebook's model: it must be Active and of the guide's family today."""

    def test_lesson_models_are_active_guide_models(self) -> None:
        """Notebooks 01-07 follow the guide: an Active model of its family. From 08 on, any Active model open to
        every account (no invitation, no opt-in)."""
        for notebook, key in catalog.load().lessons.items():
            model = catalog.model(key)
            assert model.lifecycle() == catalog.ACTIVE, (
                f"[lessons] {notebook} = {key} is {model.lifecycle()} today: choose an Active model in "
                "helpers/data/models.toml and run `make notebooks`")
            assert model.access == "open" and not model.opt_in and model.has_price
            assert model.accepts_api_version(catalog.BEDROCK_API_VERSION)
            if notebook[:2] < "08":
                assert model.page == "legacy", f"{notebook} follows the guide: take a model of its family"

    def test_lesson_lookup(self) -> None:
        assert catalog.lesson("03") is catalog.lesson("03_request_styles") is catalog.model("claude-sonnet-4-6")
        assert catalog.lesson("99") is catalog.model(catalog.load().lessons["default"])
        assert catalog.lesson("08").served_on("mantle") and catalog.lesson("08").served_on("runtime-messages")
        assert catalog.guide_sample_model() is catalog.model("claude-sonnet-4-5")

    def test_guide_warnings_come_from_the_catalog(self) -> None:
        warnings = catalog.guide_warnings(dt.date(2026, 11, 30))
        sonnet = next(w for w in warnings if w.startswith("Claude Sonnet 4.5"))
        assert "2026-10-08" in sonnet and "2027-01-08" in sonnet and "2027-04-08" in sonnet
        assert any(w.startswith("Claude Sonnet 4 reached end of life") and "2026-10-14" in w for w in warnings)
        earlier = catalog.guide_warnings(dt.date(2025, 10, 1))  # when the guide was written
        assert not any("Sonnet 4.5" in w or w.startswith("Claude Sonnet 4 ") for w in earlier)


class TestLifecycle:
    """Status on a given day: passed dates override what the source recorded."""

    def test_dates_from_aws_lifecycle_page(self) -> None:
        """The dates issue F names, from AWS's model-lifecycle page."""
        sonnet_45, opus_41 = catalog.model("claude-sonnet-4-5"), catalog.model("claude-opus-4-1")
        assert (sonnet_45.legacy, sonnet_45.public_extended_access, sonnet_45.end_of_life) == (
            dt.date(2026, 10, 8), dt.date(2027, 1, 8), dt.date(2027, 4, 8))
        assert (opus_41.legacy, opus_41.public_extended_access, opus_41.end_of_life) == (
            dt.date(2026, 7, 8), dt.date(2026, 10, 8), dt.date(2027, 1, 8))
        assert catalog.model("claude-sonnet-4").end_of_life == dt.date(2026, 10, 14)
        assert catalog.model("claude-3-haiku").end_of_life == dt.date(2026, 9, 10)
        day = dt.date(2026, 11, 30)
        assert sonnet_45.lifecycle(day) == catalog.LEGACY and not sonnet_45.in_extended_access(day)
        assert opus_41.lifecycle(day) == catalog.LEGACY and opus_41.in_extended_access(day)
        assert sonnet_45.lifecycle(dt.date(2026, 10, 7)) == catalog.ACTIVE  # before its Legacy date

    def test_sonnet_4_lifecycle_through_time(self) -> None:
        model = catalog.model("claude-sonnet-4")
        assert model.lifecycle(dt.date(2026, 1, 1)) == catalog.ACTIVE  # before its Legacy date
        assert model.lifecycle(dt.date(2026, 4, 14)) == catalog.LEGACY
        assert model.lifecycle(dt.date(2026, 10, 13)) == catalog.LEGACY
        assert model.lifecycle(dt.date(2026, 10, 14)) == catalog.END_OF_LIFE

    def test_recorded_end_of_life_before_dates(self) -> None:
        """Sonnet 3.7: retired with no commercial end-of-life date found (recorded END_OF_LIFE wins)."""
        model = catalog.model("claude-3-7-sonnet")
        assert model.lifecycle(dt.date(2025, 10, 27)) == catalog.END_OF_LIFE
        assert any(c.fact == "lifecycle" for c in model.conflicts)

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
        assert row[1:] == (SONNET_45, "Yes", "Yes", "Yes", "Yes", "No", "Yes", "LEGACY (end of life 2027-04-08)")
        assert "Claude Sonnet 4.5" in str(table) and table._repr_html_().startswith("<table>")
        assert [r[0] for r in table] == [m.display_name for m in catalog.guide_models()]
        current = catalog.model_table(dt.date(2026, 11, 30), which="current")
        assert {r[0] for r in current} >= {"Claude Opus 4.7", "Claude Sonnet 5", "Claude Haiku 5.5"}

    def test_lineup_and_facts_listing(self) -> None:
        day = dt.date(2026, 11, 30)
        lineup = catalog.lineup(day)
        assert "Claude Sonnet 4" not in [r[0] for r in lineup]  # past end of life: hidden by default
        assert "Claude Sonnet 4" in [r[0] for r in catalog.lineup(day, include_retired=True)]
        facts = catalog.facts(day)
        order = ["LMH".index(r[2]) for r in facts]
        assert order == sorted(order), "least certain first"
        assert len(facts) >= len(catalog.models()) * len(catalog.FACT_GROUPS)
        assert all(r[2] == "L" for r in catalog.facts(day, confidence="L"))

    def test_facts_command(self) -> None:
        """`python -m helpers facts` (make facts) lists facts by confidence and age, and exits 0."""
        import json
        import subprocess
        import sys

        done = subprocess.run([sys.executable, "-m", "helpers", "facts", "--confidence", "L", "--json"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        assert rows and {r["confidence"] for r in rows} == {"L"}
        table = subprocess.run([sys.executable, "-m", "helpers", "facts"], capture_output=True, text=True, timeout=60)
        assert table.returncode == 0 and "Confidence: H = primary source" in table.stdout

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


def test_conflicts_are_listed_with_their_sources() -> None:
    """Where sources disagree the catalog says so (notebook 02 shows the table), retired models aside."""
    day = dt.date(2026, 11, 30)
    table = catalog.conflicts(day)
    subjects = {row[0] for row in table}
    assert {"Claude Sonnet 4.5", "Claude Opus 4.7", "legacy_inactivity_days"} <= subjects
    assert "Claude Sonnet 3.7" not in subjects and "Claude Sonnet 3.7" in {r[0] for r in catalog.conflicts(
        day, include_retired=True)}
    known = set(catalog.load().sources)
    assert all(set(row[3].split(", ")) <= known and row[4] in catalog.CONFIDENCE for row in table)
