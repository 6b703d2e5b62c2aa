"""helpers.pdf: what the committed sample PDFs hold, token costs by mode, each API's limits, names and blocks."""

from __future__ import annotations

import base64
import importlib.util
import io
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pypdf
import pytest
from botocore.validate import validate_parameters
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import HAIKU_3_BASE, SONNET_45_GLOBAL, SONNET_45_US, blank_pdf, padded_pdf, sample
from helpers import pdf
from helpers.pdf import PdfError, PdfInfo, PdfLimitError
from helpers.tokens import estimate_tokens
from tools.make_hostile_pdfs import flate_bomb, nested_forms, wide_forms

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "notebooks" / "data"
OPUS_45_GLOBAL = "global.anthropic.claude-opus-4-5-20251101-v1:0"  # 200K only: no 1M beta
SONNET_46_GLOBAL = "global.anthropic.claude-sonnet-4-6"             # 1M natively
SONNET_4_GLOBAL = "global.anthropic.claude-sonnet-4-20250514-v1:0"  # the only model the 1M beta still widens
BODY_CAP = 25_000_000  # InvokeModel's `body` limit in botocore's service model
BODY_DOCUMENTED = 20_000_000  # AWS: "The maximum size of the payload you can send in a request is 20MB."

# One fact per page of quarterly_report.pdf (the sample's own sentences).
FACTS = {1: "Revenue grew 12 percent compared with the third quarter of 2025.",
         2: "The Taichung plant can fill 120,000 bottles per day at full capacity.",
         3: "The next quarterly report will be published on 5 February 2027."}


# --- building PDFs in memory ---------------------------------------------------------------------------



def flat(text: str) -> str:
    """Text with every run of whitespace (line wraps included) as one space."""
    return " ".join(text.split())






@pytest.fixture(scope="module")
def report() -> PdfInfo:
    return pdf.read(DATA / "quarterly_report.pdf")


@pytest.fixture(scope="module")
def chart() -> PdfInfo:
    return pdf.read(DATA / "chart_and_table.pdf")


@pytest.fixture(scope="module")
def pages_101() -> PdfInfo:
    return pdf.read(blank_pdf(101), name="long.pdf")


@pytest.fixture(scope="module")
def big() -> tuple[bytes, PdfInfo]:
    """About 19 MB: under the body cap as bytes, over it once base64-encoded."""
    data = padded_pdf(19_000_000)
    return data, pdf.read(data, name="big.pdf")


def reasons(check: pdf.Check) -> str:
    return "\n".join(p.reason for p in check.problems)


# --- reading ---------------------------------------------------------------------------------------------

class TestCommittedSamples:
    """The four files in notebooks/data read as the notebooks describe them."""

    def test_quarterly_report(self, report: PdfInfo) -> None:
        assert (report.name, report.encrypted, report.page_count, report.images) == (
            "quarterly_report.pdf", False, 3, 0)
        assert [p.number for p in report.pages] == [1, 2, 3]
        assert report.size == len(sample("quarterly_report.pdf"))
        assert "Aozora Tea Company - Quarterly Report, Q3 2026" in report.pages[0].text

    @pytest.mark.parametrize("page", [1, 2, 3])
    def test_each_fact_on_its_page_only(self, report: PdfInfo, page: int) -> None:
        for p in report.pages:
            assert (FACTS[page] in flat(p.text)) == (p.number == page)

    def test_text_joins_the_pages(self, report: PdfInfo) -> None:
        assert all(p.text in report.text for p in report.pages)
        assert report.text.index(FACTS[1]) < report.text.index("2. Markets and operations")

    def test_chart_and_table(self, chart: PdfInfo) -> None:
        assert (chart.page_count, chart.images, chart.pages[0].images, chart.encrypted) == (1, 1, 1, False)
        text = flat(chart.text)
        assert "The table shows revenue and operating margin for the last five quarters." in text
        assert "Q3 2026" in text and "48.2" in text and "17.5 %" in text

    def test_locked_is_encrypted_with_no_pages(self) -> None:
        info = pdf.read(DATA / "locked.pdf")
        assert info.encrypted and info.pages == () and info.page_count == 0
        assert "encrypted" in info.summary()

    def test_corrupt_says_damaged(self) -> None:
        with pytest.raises(PdfError, match=r"(?i)^corrupt\.pdf could not be read as a PDF\b.*probably damaged or "
                                           r"truncated"):
            pdf.read(DATA / "corrupt.pdf")

    def test_str_and_path_and_bytes_agree(self, report: PdfInfo) -> None:
        from_str = pdf.read(str(DATA / "quarterly_report.pdf"))
        from_bytes = pdf.read(sample("quarterly_report.pdf"), name="quarterly_report.pdf")
        assert from_str == report == from_bytes
        assert pdf.read(sample("quarterly_report.pdf")).name == "document.pdf"

    def test_display(self, report: PdfInfo) -> None:
        size = len(sample("quarterly_report.pdf"))
        assert report.summary() == f"quarterly_report.pdf: {size:,} bytes, 3 pages, 0 images"
        assert str(report).splitlines()[0] == report.summary()
        assert "<table>" in report._repr_html_() and "quarterly_report.pdf" in report._repr_html_()


class TestUnreadable:
    """Anything that is not a readable PDF is a PdfError that says why, never a raw OSError or pypdf error."""

    def test_empty_bytes(self) -> None:
        with pytest.raises(PdfError, match=r"^document\.pdf is empty \(0 bytes\)"):
            pdf.read(b"")

    def test_empty_file(self, tmp_path: Path) -> None:
        (tmp_path / "zero.pdf").write_bytes(b"")
        with pytest.raises(PdfError, match=r"^zero\.pdf is empty"):
            pdf.read(tmp_path / "zero.pdf")

    @pytest.mark.parametrize("data", [b"hello, world", b"PK\x03\x04 a zip file", b"<html>%PDF-1.7</html>"])
    def test_not_a_pdf(self, data: bytes) -> None:
        with pytest.raises(PdfError, match=r"is not a PDF: it does not start with %PDF-"):
            pdf.read(data, name="upload.pdf")

    def test_header_only(self) -> None:
        with pytest.raises(PdfError, match="could not be read as a PDF"):
            pdf.read(b"%PDF-1.7\n%%EOF\n")

    @pytest.mark.parametrize("damage", [(b"/FlateDecode", b"/FlateDecodX"), (b"/FlateDecode", b"/JBIG2Decode")],
                             ids=["unknown-filter", "jbig2-content-stream"])
    def test_damaged_stream_filter(self, damage: tuple[bytes, bytes]) -> None:
        """One damaged filter name in a page's content stream: still a PdfError, not pypdf's own exception."""
        data = sample("quarterly_report.pdf").replace(*damage, 1)
        with pytest.raises(PdfError, match="could not be read as a PDF"):
            pdf.read(data, name="damaged.pdf")

    def test_no_pages(self) -> None:
        with pytest.raises(PdfError, match="has no pages"):
            pdf.read(blank_pdf(0))

    def test_missing_file(self, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere" / "report.pdf"
        with pytest.raises(PdfError, match=r"cannot read .*report\.pdf: No such file or directory") as e:
            pdf.read(missing)
        assert not isinstance(e.value, OSError)

    def test_directory(self, tmp_path: Path) -> None:
        with pytest.raises(PdfError, match="cannot read"):
            pdf.read(tmp_path)


# --- tokens and sizes ----------------------------------------------------------------------------------------

class TestTokens:
    """Visual reading (page images + text) costs several times the extracted text (wire spec §8.1)."""

    def test_ratio_comes_from_the_catalog(self) -> None:
        """Anthropic: ~1,000 tokens for a 3-page PDF as text, ~7,000 visually: each page image costs 2,000."""
        from helpers import catalog

        assert pdf.VISUAL_RATIO == catalog.general("pdf_visual_token_ratio").value == 7
        assert pdf.PAGE_IMAGE_TOKENS == 2_000
        visual_3_pages = 3 * (1_000 // 3 + pdf.PAGE_IMAGE_TOKENS)
        assert visual_3_pages == pytest.approx(7_000, rel=0.01)

    def test_three_pages_about_1000_vs_7000(self, report: PdfInfo) -> None:
        text_only, visual = report.tokens("text-only"), report.tokens("visual")
        assert 500 <= text_only <= 1_500
        assert 5_000 <= visual <= 9_000
        assert visual > 5 * text_only

    def test_default_mode_is_visual(self, report: PdfInfo) -> None:
        assert report.tokens() == report.tokens(pdf.VISUAL)

    def test_text_only_covers_the_text(self, report: PdfInfo) -> None:
        assert report.tokens("text-only") >= sum(estimate_tokens(p.text) for p in report.pages)
        assert report.tokens("text-only") >= estimate_tokens(report.text) - 10

    def test_blank_pages_cost_only_visually(self, pages_101: PdfInfo) -> None:
        assert pages_101.page_count == 101 and pages_101.text.strip() == ""
        assert pages_101.tokens("text-only") < 101 * 10
        assert pages_101.tokens("visual") > 101 * 1_000  # every page is an image

    def test_images_do_not_change_text_only(self, chart: PdfInfo) -> None:
        assert chart.tokens("text-only") < 200 < chart.tokens("visual")

    @pytest.mark.parametrize("mode", ["Visual", "text", "", None])
    def test_bad_mode(self, report: PdfInfo, mode: Any) -> None:
        with pytest.raises(ValueError, match="mode must be 'visual' or 'text-only'"):
            report.tokens(mode)

    @pytest.mark.parametrize("name", ["quarterly_report.pdf", "chart_and_table.pdf", "locked.pdf"])
    def test_base64_size_is_the_encoded_length(self, name: str) -> None:
        info = pdf.read(DATA / name)
        assert info.base64_size == len(base64.b64encode(sample(name)))

    @pytest.mark.parametrize("extra", [0, 1, 2])
    def test_base64_size_rounds_up(self, extra: int) -> None:
        data = sample("quarterly_report.pdf") + b"\n" * extra
        assert pdf.read(data).base64_size == len(base64.b64encode(data))


# --- limits: InvokeModel --------------------------------------------------------------------------------------

class TestPageLimit:
    """100 pages on a 200K model, 600 with a 1M window (beta or native)."""

    @pytest.mark.parametrize(("model_id", "beta", "limit"), [
        (SONNET_4_GLOBAL, False, 100), (SONNET_4_GLOBAL, True, 600),
        # the beta retired for Sonnet 4.5 on 2026-04-30: it no longer widens the window
        (SONNET_45_GLOBAL, False, 100), (SONNET_45_GLOBAL, True, 100), (SONNET_45_US, True, 100),
        (OPUS_45_GLOBAL, False, 100), (OPUS_45_GLOBAL, True, 100),  # the beta does nothing without support
        (SONNET_46_GLOBAL, False, 600), (SONNET_46_GLOBAL, True, 600),
    ])
    def test_page_limit(self, model_id: str, beta: bool, limit: int) -> None:
        assert pdf.page_limit(model_id, beta_1m=beta) == limit

    def test_101_pages_fail_on_a_200k_model(self, pages_101: PdfInfo) -> None:
        check = pdf.check_invoke_model(pages_101, SONNET_45_GLOBAL)
        assert not check.ok
        assert "101 PDF pages in one request; Claude Sonnet 4.5 takes at most 100." in reasons(check)
        page_problem = next(p for p in check.problems if "PDF pages" in p.reason)
        assert "Split the PDF into parts of at most 100 pages" in page_problem.fix
        # 101 page images are also over the 200K window; the fix points at a model with a native 1M window
        window_problem = next(p for p in check.problems if "context window" in p.reason)
        assert "use a model with a 1M-token window (Claude Sonnet 4.6)" in window_problem.fix
        assert "beta" not in window_problem.fix
        # on the one model the beta still widens, the fix points at the beta
        assert any("1M-context beta" in p.fix for p in pdf.check_invoke_model(pages_101, SONNET_4_GLOBAL).problems)

    def test_101_pages_pass_with_the_beta(self, pages_101: PdfInfo) -> None:
        check = pdf.check_invoke_model(pages_101, SONNET_4_GLOBAL, beta_1m=True)
        assert check.ok and check.problems == []
        check.raise_for_problems()

    def test_101_pages_pass_on_a_native_1m_model(self, pages_101: PdfInfo) -> None:
        check = pdf.check_invoke_model(pages_101, SONNET_46_GLOBAL)
        assert check.ok and check.problems == []

    def test_beta_does_not_help_a_model_without_it(self, pages_101: PdfInfo) -> None:
        assert "takes at most 100" in reasons(pdf.check_invoke_model(pages_101, OPUS_45_GLOBAL, beta_1m=True))

    def test_pages_add_up_across_pdfs(self, report: PdfInfo) -> None:
        fifty = pdf.read(blank_pdf(50))
        assert pdf.check_invoke_model([fifty, fifty], SONNET_45_GLOBAL).ok
        assert "103 PDF pages" in reasons(pdf.check_invoke_model([fifty, fifty, report], SONNET_45_GLOBAL))

    def test_601_pages_fail_even_with_a_1m_window(self) -> None:
        six_hundred_one = pdf.read(blank_pdf(601))
        check = pdf.check_invoke_model(six_hundred_one, SONNET_46_GLOBAL)
        assert "601 PDF pages in one request; Claude Sonnet 4.6 takes at most 600." in reasons(check)
        check = pdf.check_invoke_model(six_hundred_one, SONNET_4_GLOBAL, beta_1m=True)
        assert "601 PDF pages in one request; Claude Sonnet 4 takes at most 600." in reasons(check)

    def test_encrypted(self) -> None:
        check = pdf.check_invoke_model(pdf.read(DATA / "locked.pdf"), SONNET_45_GLOBAL)
        assert reasons(check) == "locked.pdf is password-protected; Claude cannot read encrypted PDFs."
        assert "qpdf --decrypt" in check.problems[0].fix

    def test_notes_say_visual(self, report: PdfInfo) -> None:
        check = pdf.check_invoke_model(report, SONNET_45_GLOBAL)
        assert check.ok and any("visual" in n for n in check.notes)
        assert str(check).startswith("InvokeModel: OK")


class TestBodyLimit:
    """Base64 grows a PDF by a third, so ~19 MB no longer fits InvokeModel's 25,000,000-byte body."""

    def test_padded_pdf_still_reads(self, big: tuple[bytes, PdfInfo], report: PdfInfo) -> None:
        data, info = big
        assert 18_900_000 < len(data) < 19_100_000
        assert [p.text for p in info.pages] == [p.text for p in report.pages]

    def test_19_mb_fails_because_of_base64(self, big: tuple[bytes, PdfInfo]) -> None:
        data, info = big
        assert len(data) < BODY_CAP < len(base64.b64encode(data))  # only base64 puts it over
        check = pdf.check_invoke_model(info, SONNET_45_GLOBAL)
        assert len(check.problems) == 1
        reason = check.problems[0].reason
        assert f"base64 turns the {len(data):,}-byte PDF(s) into {len(base64.b64encode(data)):,}" in reason
        assert "over the 25,000,000-byte cap" in reason
        with pytest.raises(PdfLimitError, match="25,000,000-byte cap") as e:
            check.raise_for_problems()
        assert e.value.problems == check.problems

    def test_the_documented_20_mb_is_a_note(self) -> None:
        """Between AWS's documented 20 MB and botocore's 25,000,000 bytes: allowed, with a note saying so."""
        assert (pdf.INVOKE_BODY_DOCUMENTED, pdf.INVOKE_BODY_LIMIT) == (BODY_DOCUMENTED, BODY_CAP)
        info = pdf.read(padded_pdf(16_000_000))
        assert BODY_DOCUMENTED < info.base64_size < BODY_CAP
        check = pdf.check_invoke_model(info, SONNET_45_GLOBAL)
        assert check.ok
        [note] = [n for n in check.notes if "20 MB" in n]
        assert "over the 20 MB AWS documents, under the 25,000,000 bytes botocore enforces" in note
        assert "keep the PDFs under about 15 MB in total per request" in note
        assert not any("20 MB" in n for n in pdf.check_invoke_model(pdf.read(padded_pdf(10_000_000)),
                                                                     SONNET_45_GLOBAL).notes)

    def test_19_mb_fix_names_the_documented_limit(self, big: tuple[bytes, PdfInfo]) -> None:
        [problem] = pdf.check_invoke_model(big[1], SONNET_45_GLOBAL).problems
        assert problem.fix.startswith("Keep the PDFs under about 15 MB in total per request (AWS documents a 20 MB")

    def test_10_mb_passes(self) -> None:
        info = pdf.read(padded_pdf(10_000_000))
        assert 9_900_000 < info.size < 10_100_000
        assert pdf.check_invoke_model(info, SONNET_45_GLOBAL).ok

    def test_exact_boundary(self, report: PdfInfo) -> None:
        """The body may be exactly 25,000,000 bytes, not one more."""
        room = BODY_CAP - len(base64.b64encode(sample("quarterly_report.pdf")))
        assert pdf.check_invoke_model(report, SONNET_45_GLOBAL, other_bytes=room).ok
        assert "over the 25,000,000-byte cap" in reasons(
            pdf.check_invoke_model(report, SONNET_45_GLOBAL, other_bytes=room + 1))

    def test_sizes_add_up_across_pdfs(self) -> None:
        ten = pdf.read(padded_pdf(10_000_000))
        assert not pdf.check_invoke_model([ten, ten], SONNET_45_GLOBAL).ok


# --- limits: Converse ------------------------------------------------------------------------------------------

class TestCheckConverse:
    """Converse's own rules: at most 5 documents, the name rule, distinct names, a text block."""

    def test_five_documents_pass_six_fail(self, report: PdfInfo) -> None:
        names = [f"Report {n}" for n in range(6)]
        assert pdf.check_converse([report] * 5, SONNET_45_GLOBAL, names=names[:5]).ok
        check = pdf.check_converse([report] * 6, SONNET_45_GLOBAL, names=names)
        assert reasons(check) == "6 documents; Converse takes at most 5."

    @pytest.mark.parametrize(("bad", "fixed"), [
        ("report.pdf", "report"), ("Q3  report", "Q3 report"), ("報告書", "Document"),
        ("it's mine", "it s mine"), ("tab\there", "tab here"), ("x" * 201, "x" * 200), ("", "Document"),
    ])
    def test_bad_name_suggests_safe_name(self, report: PdfInfo, bad: str, fixed: str) -> None:
        check = pdf.check_converse(report, SONNET_45_GLOBAL, names=[bad])
        assert len(check.problems) == 1
        problem = check.problems[0]
        assert problem.reason == f"the document name {bad!r} breaks Converse's naming rule."
        assert f"helpers.pdf.safe_name({bad!r}) → {fixed!r}" in problem.fix
        assert pdf.check_converse(report, SONNET_45_GLOBAL, names=[fixed]).ok

    @pytest.mark.parametrize("name", ["Quarterly Report", "Notes (v2) [final]", "under_score", "a-b", "x" * 200])
    def test_good_names(self, report: PdfInfo, name: str) -> None:
        assert pdf.check_converse(report, SONNET_45_GLOBAL, names=[name]).ok

    def test_default_names_come_from_file_names(self, report: PdfInfo) -> None:
        """Without ``names`` the check uses safe_name(file name), which always passes."""
        japanese = pdf.read(sample("quarterly_report.pdf"), name="四半期報告書.pdf")
        assert pdf.check_converse([report, japanese], SONNET_45_GLOBAL).ok

    def test_duplicate_names(self, report: PdfInfo) -> None:
        check = pdf.check_converse([report, report], SONNET_45_GLOBAL)  # both "quarterly report"
        assert reasons(check) == "two documents share a name."

    def test_text_block_required(self, report: PdfInfo) -> None:
        check = pdf.check_converse(report, SONNET_45_GLOBAL, with_text=False)
        assert reasons(check) == "a message with a document needs a text block too."
        assert '{"text": "<your question>"}' in check.problems[0].fix

    def test_every_problem_at_once(self, report: PdfInfo) -> None:
        check = pdf.check_converse([report] * 6, SONNET_45_GLOBAL, names=["a.pdf"] * 6, with_text=False)
        assert len(check.problems) == 1 + 6 + 1 + 1
        with pytest.raises(PdfLimitError) as e:
            check.raise_for_problems()
        message = str(e.value)
        assert all(p.reason in message and p.fix in message for p in check.problems)
        assert message.startswith("Converse: 6 documents")

    def test_notes_by_citations(self, chart: PdfInfo) -> None:
        """Without citations Converse reads text only and cannot see the chart; with them, visually."""
        text_only = pdf.check_converse(chart, SONNET_45_GLOBAL).notes[0]
        assert "extracted text" in text_only and "1 image" in text_only
        assert f"~{chart.tokens('text-only'):,} tokens" in text_only
        visual = pdf.check_converse(chart, SONNET_45_GLOBAL, citations=True).notes[0]
        assert "visually" in visual and f"~{chart.tokens('visual'):,} tokens" in visual

    def test_citations_count_pages_visually(self, pages_101: PdfInfo) -> None:
        """101 blank pages fit 200K as text, not as page images; the page limit applies either way."""
        assert "takes at most 100" in reasons(pdf.check_converse(pages_101, SONNET_45_GLOBAL))
        assert "token context window" not in reasons(pdf.check_converse(pages_101, SONNET_45_GLOBAL))
        assert "over the 200,000-token context window" in reasons(
            pdf.check_converse(pages_101, SONNET_45_GLOBAL, citations=True))
        assert not pdf.check_converse(pages_101, SONNET_45_GLOBAL, citations=True, beta_1m=True).ok  # beta retired
        assert pdf.check_converse(pages_101, SONNET_4_GLOBAL, citations=True, beta_1m=True).ok
        assert pdf.check_converse(pages_101, SONNET_46_GLOBAL, citations=True).ok

    def test_document_size_cap_only_before_claude_4(self) -> None:
        big = pdf.read(padded_pdf(5_000_000), name="big.pdf")
        assert pdf.check_converse(big, SONNET_45_GLOBAL).ok
        assert "takes documents up to 4,500,000 bytes" in reasons(pdf.check_converse(big, HAIKU_3_BASE))


# --- names and blocks -------------------------------------------------------------------------------------------

class TestSafeName:
    """A Converse document name from any file name."""

    @pytest.mark.parametrize(("filename", "name"), [
        ("quarterly_report.pdf", "quarterly report"),
        ("report.pdf", "report"),
        ("Q3  report", "Q3 report"),
        ("Notes (v2) [final].pdf", "Notes (v2) [final]"),
        ("Résumé 2026.pdf", "Resume 2026"),
        ("報告書.pdf", "Document"),
        ("四半期報告書", "Document"),
        ("季度报告.pdf", "Document"),
        ("売上 2026 Q3.pdf", "2026 Q3"),
        ("  spaced   out  .pdf", "spaced out"),
        ("it's mine.pdf", "it s mine"),
    ])
    def test_examples(self, filename: str, name: str) -> None:
        assert pdf.safe_name(filename) == name

    def test_fallback(self) -> None:
        assert pdf.safe_name("報告書.pdf", fallback="Report") == "Report"
        assert pdf.safe_name("", fallback="Report") == "Report"

    def test_length_cap(self) -> None:
        assert pdf.safe_name("a" * 250 + ".pdf") == "a" * 200
        capped = pdf.safe_name("word " * 60)
        assert len(capped) <= 200 and not capped.endswith(" ") and capped.startswith("word word")

    @settings(max_examples=150, deadline=None)
    @given(st.text())
    def test_always_a_valid_name(self, filename: str) -> None:
        name = pdf.safe_name(filename)
        assert 1 <= len(name) <= 200 and pdf.CONVERSE_NAME.match(name)


def _converse_input_shape() -> Any:
    client = boto3.session.Session().client("bedrock-runtime", region_name="us-east-1",
                                            aws_access_key_id="x", aws_secret_access_key="x")
    return client.meta.service_model.operation_model("Converse").input_shape


class TestBlocks:
    """The exact blocks each API takes (tests/emulator/test_documents.py sends them for real)."""

    def test_converse_document(self) -> None:
        data = sample("quarterly_report.pdf")
        assert pdf.converse_document(DATA / "quarterly_report.pdf") == {
            "document": {"format": "pdf", "name": "quarterly report", "source": {"bytes": data}}}

    def test_converse_document_options(self, report: PdfInfo) -> None:
        block = pdf.converse_document(report, name="Q3", citations=True, context="Board pack")
        assert block == {"document": {"format": "pdf", "name": "Q3", "source": {"bytes": report.data},
                                      "citations": {"enabled": True}, "context": "Board pack"}}
        assert pdf.converse_document(b"%PDF-1.7 x")["document"]["name"] == "document"

    def test_converse_document_passes_botocore_validation(self, report: PdfInfo) -> None:
        """botocore's own Converse model accepts the block (it base64-encodes the bytes itself)."""
        messages = [{"role": "user", "content": [pdf.converse_document(report, citations=True), {"text": "Q?"}]}]
        validate_parameters({"modelId": SONNET_45_GLOBAL, "messages": messages}, _converse_input_shape())

    def test_invoke_document(self) -> None:
        data = sample("chart_and_table.pdf")
        assert pdf.invoke_document(str(DATA / "chart_and_table.pdf")) == {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(data).decode()},
            "title": "chart and table"}

    def test_invoke_document_options(self, report: PdfInfo) -> None:
        block = pdf.invoke_document(report, title="Q3 report.pdf", citations=True, context="Board pack")
        assert block["title"] == "Q3 report.pdf"  # titles have no naming rule
        assert block["citations"] == {"enabled": True} and block["context"] == "Board pack"
        assert base64.b64decode(block["source"]["data"], validate=True) == report.data
        assert pdf.invoke_document(report.data)["title"] == "document"


# --- the generator -------------------------------------------------------------------------------------------

def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_pdfs", ROOT / "tools" / "make_sample_pdfs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _decrypted_texts(data: bytes, password: str) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.is_encrypted and reader.decrypt(password)
    return [page.extract_text().strip() for page in reader.pages]


class TestGenerator:
    """tools/make_sample_pdfs.py rebuilds PDFs that read exactly like the committed ones."""

    def test_regenerated_samples_match(self) -> None:
        pytest.importorskip("fpdf", reason="fpdf2 (requirements-dev.txt) is needed to regenerate the samples")
        tool = _load_tool()
        built = tool.build()
        assert sorted(built) == sorted(p.name for p in DATA.glob("*.pdf"))
        for name in ("quarterly_report.pdf", "chart_and_table.pdf"):
            new, old = pdf.read(built[name], name=name), pdf.read(DATA / name)
            assert [(p.number, p.text, p.images) for p in new.pages] == [(p.number, p.text, p.images)
                                                                         for p in old.pages], name
        assert pdf.read(built["locked.pdf"]).encrypted
        report_texts = [p.text for p in pdf.read(DATA / "quarterly_report.pdf").pages]
        assert _decrypted_texts(built["locked.pdf"], tool.PASSWORD) == report_texts
        assert _decrypted_texts(sample("locked.pdf"), tool.PASSWORD) == report_texts
        assert built["quarterly_report.pdf"].startswith(built["corrupt.pdf"])
        with pytest.raises(PdfError):
            pdf.read(built["corrupt.pdf"])


class TestHostile:
    """Learner-side reads are bounded too: counted before parsed, capped decompression and per-page work."""

    def test_pages_over_max_pages_are_counted_not_read(self) -> None:
        info = pdf.read(blank_pdf(5), max_pages=3)
        assert (info.page_count, info.pages, info.unread_pages) == (5, (), 5)
        assert "5 pages, not read" in info.summary()
        assert pdf.read(blank_pdf(5), max_pages=5).unread_pages == 0

    def test_a_lying_page_count_is_checked_against_the_tree(self) -> None:
        data = blank_pdf(700)
        assert data.count(b"/Count 700") == 1
        info = pdf.read(data.replace(b"/Count 700", b"/Count 1  "))  # same length: offsets stay valid
        assert (info.page_count, info.unread_pages) == (700, 700)

    def test_a_decompression_bomb_is_unreadable_at_once(self) -> None:
        with pytest.raises(PdfError, match="more work than any real document") as e:
            pdf.read(flate_bomb(1))
        assert "LimitReachedError" in e.value.detail

    def test_nested_and_repeated_forms_read_quickly(self) -> None:
        for data in (nested_forms(40), wide_forms(200, 5)):
            started = time.perf_counter()
            info = pdf.read(data)
            assert info.page_count == 1 and info.images == 0
            assert time.perf_counter() - started < 5
