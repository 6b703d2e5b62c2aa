"""Documents over real HTTP: PDFs read visually or as text, extractive cited answers, costs, limits and errors.

boto3 (Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream, CountTokens) and the Anthropic
SDK's AnthropicBedrock clients, unmodified, against the emulator; botocore's parsers decode every reply.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

import anthropic
import pypdf
import pytest
from anthropic import AnthropicBedrock, AsyncAnthropicBedrock
from botocore.exceptions import ClientError

from conftest import MODEL, MODEL_BASE, MODEL_GLOBAL, MODEL_US, SMALL_GLOBAL, blank_pdf, error_of, padded_pdf, sample
from helpers import errors, pdf
from tools.make_hostile_pdfs import flate_bomb

DATA = Path(__file__).resolve().parents[2] / "notebooks" / "data"
QUESTION = "How much did revenue grow?"
BETA_1M = "context-1m-2025-08-07"
CONVERSE_PREFIX = "The model returned the following errors: "
AT_FIRST = "messages.0.content.0.pdf.source.base64.data: "
NOT_VALID = "The PDF specified was not valid."
LOCKED = "The PDF specified is password-protected; Claude cannot read encrypted PDFs."


# --- inputs --------------------------------------------------------------------------------------------------------



def page_texts(data: bytes) -> list[str]:
    """Each page's text by pypdf directly, whitespace flattened (the independent view of the PDF)."""
    return [" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]






def invoke_body(*documents: dict[str, Any], question: str = QUESTION, **extra: Any) -> str:
    """An InvokeModel body: the document blocks first, then the question."""
    content = [*documents, {"type": "text", "text": question}]
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024,
                       "messages": [{"role": "user", "content": content}], **extra})


def converse_messages(*documents: dict[str, Any], question: str = QUESTION) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [*documents, {"text": question}]}]


def text_document(text: str, title: str = "Notes") -> dict[str, Any]:
    return {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": text},
            "title": title, "citations": {"enabled": True}}


# --- calls ---------------------------------------------------------------------------------------------------------

def invoke(runtime: Any, body: str, model_id: str = MODEL_GLOBAL) -> dict[str, Any]:
    return json.loads(runtime.invoke_model(modelId=model_id, body=body)["body"].read())


def invoke_events(runtime: Any, body: str, model_id: str = MODEL_GLOBAL) -> list[dict[str, Any]]:
    response = runtime.invoke_model_with_response_stream(modelId=model_id, body=body)
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


def converse(runtime: Any, messages: list[dict[str, Any]], model_id: str = MODEL_GLOBAL, **extra: Any
             ) -> dict[str, Any]:
    return runtime.converse(modelId=model_id, messages=messages, **extra)


def converse_events(runtime: Any, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(runtime.converse_stream(modelId=MODEL_GLOBAL, messages=messages)["stream"])


def count_invoke(runtime: Any, body: str) -> int:
    return runtime.count_tokens(modelId=MODEL_BASE, input={"invokeModel": {"body": body.encode()}})["inputTokens"]


def count_converse(runtime: Any, messages: list[dict[str, Any]], **extra: Any) -> int:
    return runtime.count_tokens(modelId=MODEL_BASE,
                                input={"converse": {"messages": messages, **extra}})["inputTokens"]


# --- reading replies -----------------------------------------------------------------------------------------------

def invoke_text(message: dict[str, Any]) -> str:
    return "".join(block["text"] for block in message["content"])


def invoke_citations(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for block in message["content"] for c in block.get("citations", [])]


def converse_content(response: dict[str, Any]) -> list[dict[str, Any]]:
    return response["output"]["message"]["content"]


def converse_text(response: dict[str, Any]) -> str:
    return "".join(block["text"] if "text" in block else block["citationsContent"]["content"][0]["text"]
                   for block in converse_content(response))


def converse_citations(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for block in converse_content(response) if "citationsContent" in block
            for c in block["citationsContent"]["citations"]]


def unseen_images(text: str) -> int | None:
    """How many images the reply says the model could not see (None when it does not say)."""
    found = re.search(r"(\d+) images?\b", text)
    return int(found[1]) if found and "extracted" in text.lower() else None


# --- PDFs in both APIs ---------------------------------------------------------------------------------------------

class TestInvokeModelPdf:
    """InvokeModel reads PDFs visually, with or without citations, and cites pages when asked."""

    def test_without_citations(self, runtime: Any) -> None:
        message = invoke(runtime, invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf")))
        assert invoke_citations(message) == [] and all("citations" not in b for b in message["content"])
        text = invoke_text(message)
        assert "Revenue grew 12 percent" in text and "extracted" not in text.lower()
        assert message["usage"]["input_tokens"] > 6_000

    def test_with_citations(self, runtime: Any) -> None:
        message = invoke(runtime, invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf", citations=True)))
        [citation] = invoke_citations(message)
        assert citation["type"] == "page_location"
        assert "12 percent" in citation["cited_text"]
        assert (citation["start_page_number"], citation["end_page_number"]) == (1, 2)
        assert (citation["document_index"], citation["document_title"]) == (0, "quarterly report")
        assert citation["cited_text"] in page_texts(sample("quarterly_report.pdf"))[0]
        cited_block = next(b for b in message["content"] if b.get("citations"))
        assert cited_block["text"] == citation["cited_text"]
        assert message["usage"]["input_tokens"] > 6_000

    def test_citations_do_not_change_the_cost(self, runtime: Any) -> None:
        """InvokeModel is visual either way: the same input tokens with and without citations."""
        plain = invoke(runtime, invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf")))
        cited = invoke(runtime, invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf", citations=True)))
        assert plain["usage"]["input_tokens"] == cited["usage"]["input_tokens"]
        headers_count = runtime.invoke_model(
            modelId=MODEL_GLOBAL, body=invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf"))
        )["ResponseMetadata"]["HTTPHeaders"]["x-amzn-bedrock-input-token-count"]
        assert int(headers_count) == plain["usage"]["input_tokens"]

    def test_second_document_is_index_1(self, runtime: Any) -> None:
        body = invoke_body(pdf.invoke_document(DATA / "chart_and_table.pdf", citations=True),
                           pdf.invoke_document(DATA / "quarterly_report.pdf", title="Q3", citations=True),
                           question="How many bottles can the Taichung plant fill per day?")
        [citation] = invoke_citations(invoke(runtime, body))
        assert (citation["document_index"], citation["document_title"]) == (1, "Q3")
        assert (citation["start_page_number"], citation["end_page_number"]) == (2, 3)
        assert "120,000 bottles" in citation["cited_text"]
        assert citation["cited_text"] in page_texts(sample("quarterly_report.pdf"))[1]

    def test_image_is_seen(self, runtime: Any) -> None:
        message = invoke(runtime, invoke_body(pdf.invoke_document(DATA / "chart_and_table.pdf"),
                                              question="What does the chart show?"))
        assert unseen_images(invoke_text(message)) is None
        assert message["usage"]["input_tokens"] > 2_000  # a page image, not ~100 tokens of text


class TestConversePdf:
    """Converse reads only the extracted text unless citations are on (wire spec §8.1)."""

    def test_without_citations_text_only(self, runtime: Any) -> None:
        response = converse(runtime, converse_messages(pdf.converse_document(DATA / "quarterly_report.pdf")))
        assert converse_citations(response) == []
        assert all(set(block) == {"text"} for block in converse_content(response))
        text = converse_text(response)
        assert "Revenue grew 12 percent" in text and "extracted" in text.lower()
        assert unseen_images(text) in (None, 0)
        assert response["usage"]["inputTokens"] < 1_500

    def test_with_citations_visual(self, runtime: Any) -> None:
        document = pdf.converse_document(DATA / "quarterly_report.pdf", citations=True)
        response = converse(runtime, converse_messages(document))
        [citation] = converse_citations(response)
        assert citation["location"] == {"documentPage": {"documentIndex": 0, "start": 1, "end": 2}}
        assert citation["title"] == "quarterly report"
        [source] = citation["sourceContent"]
        assert "12 percent" in source["text"] and source["text"] in page_texts(sample("quarterly_report.pdf"))[0]
        cited = next(b["citationsContent"] for b in converse_content(response) if "citationsContent" in b)
        assert cited["content"] == [{"text": source["text"]}]
        assert "extracted" not in converse_text(response).lower()
        assert response["usage"]["inputTokens"] > 6_000

    def test_visual_costs_match_invoke_model(self, runtime: Any) -> None:
        """With citations Converse reads the PDF as InvokeModel does: the same input tokens."""
        cited = converse(runtime, converse_messages(pdf.converse_document(DATA / "quarterly_report.pdf",
                                                                          citations=True)))
        message = invoke(runtime, invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf", citations=True)))
        assert cited["usage"]["inputTokens"] == message["usage"]["input_tokens"]

    def test_unseen_image_count(self, runtime: Any) -> None:
        question = "What does the chart show?"
        plain = converse(runtime, converse_messages(pdf.converse_document(DATA / "chart_and_table.pdf"),
                                                    question=question))
        assert unseen_images(converse_text(plain)) == 1
        assert not re.search(r"\b1 images\b", converse_text(plain))
        cited = converse(runtime, converse_messages(pdf.converse_document(DATA / "chart_and_table.pdf",
                                                                          citations=True), question=question))
        assert unseen_images(converse_text(cited)) is None

    def test_second_document_is_index_1(self, runtime: Any) -> None:
        messages = converse_messages(pdf.converse_document(DATA / "chart_and_table.pdf", citations=True),
                                     pdf.converse_document(DATA / "quarterly_report.pdf", citations=True),
                                     question="When will the next quarterly report be published?")
        [citation] = converse_citations(converse(runtime, messages))
        assert citation["location"] == {"documentPage": {"documentIndex": 1, "start": 3, "end": 4}}
        assert citation["title"] == "quarterly report"
        assert "5 February 2027" in citation["sourceContent"][0]["text"]


class TestCountTokens:
    """CountTokens counts a document the way the call it describes is billed, in both input forms."""

    @pytest.mark.parametrize("citations", [False, True])
    def test_invoke_model_form(self, runtime: Any, citations: bool) -> None:
        body = invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf", citations=citations))
        assert count_invoke(runtime, body) == invoke(runtime, body)["usage"]["input_tokens"]

    @pytest.mark.parametrize("citations", [False, True])
    def test_converse_form(self, runtime: Any, citations: bool) -> None:
        messages = converse_messages(pdf.converse_document(DATA / "chart_and_table.pdf", citations=citations))
        assert count_converse(runtime, messages) == converse(runtime, messages)["usage"]["inputTokens"]

    def test_forms_differ_by_mode(self, runtime: Any) -> None:
        body = invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf"))
        text_only = count_converse(runtime, converse_messages(pdf.converse_document(DATA / "quarterly_report.pdf")))
        assert text_only < 1_500 < 6_000 < count_invoke(runtime, body)


# --- streams -------------------------------------------------------------------------------------------------------

class TestStreams:
    """Citations arrive as deltas before the cited text, decoded by botocore's event-stream parser."""

    def test_invoke_model_stream(self, runtime: Any) -> None:
        body = invoke_body(pdf.invoke_document(DATA / "quarterly_report.pdf", citations=True))
        events = invoke_events(runtime, body)
        deltas = [(n, e["index"], e["delta"]) for n, e in enumerate(events) if e["type"] == "content_block_delta"]
        [(at, index, cite)] = [(n, i, d) for n, i, d in deltas if d["type"] == "citations_delta"]
        texts = [(n, d["text"]) for n, i, d in deltas if i == index and d["type"] == "text_delta"]
        assert texts and at < texts[0][0]
        assert "".join(t for _, t in texts) == cite["citation"]["cited_text"]
        message = invoke(runtime, body)
        assert [cite["citation"]] == invoke_citations(message)
        assert "".join(d["text"] for _, _, d in deltas if d["type"] == "text_delta") == invoke_text(message)
        assert events[0]["message"]["usage"]["input_tokens"] == message["usage"]["input_tokens"]

    def test_converse_stream(self, runtime: Any) -> None:
        messages = converse_messages(pdf.converse_document(DATA / "quarterly_report.pdf", citations=True))
        events = converse_events(runtime, messages)
        deltas = [(n, e["contentBlockDelta"]) for n, e in enumerate(events) if "contentBlockDelta" in e]
        [(at, cite)] = [(n, d) for n, d in deltas if "citation" in d["delta"]]
        index = cite["contentBlockIndex"]
        texts = [(n, d["delta"]["text"]) for n, d in deltas if d["contentBlockIndex"] == index and "text" in d["delta"]]
        assert texts and at < texts[0][0]
        citation = cite["delta"]["citation"]
        assert "".join(t for _, t in texts) == citation["sourceContent"][0]["text"]
        assert citation["location"] == {"documentPage": {"documentIndex": 0, "start": 1, "end": 2}}
        response = converse(runtime, messages)
        assert [citation] == converse_citations(response)
        assert events[-1]["metadata"]["usage"]["inputTokens"] == response["usage"]["inputTokens"]

    def test_converse_stream_text_only(self, runtime: Any) -> None:
        events = converse_events(runtime, converse_messages(pdf.converse_document(DATA / "chart_and_table.pdf")))
        assert not any("citation" in e["contentBlockDelta"]["delta"] for e in events if "contentBlockDelta" in e)
        text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
        assert unseen_images(text) == 1
        assert events[-1]["metadata"]["usage"]["inputTokens"] < 1_500


# --- the Anthropic SDK ---------------------------------------------------------------------------------------------

REPORT_QUESTION = [{"role": "user", "content": [pdf.invoke_document(DATA / "quarterly_report.pdf", citations=True),
                                                {"type": "text", "text": QUESTION}]}]


@pytest.fixture
def client(aws_env: dict[str, str]) -> AnthropicBedrock:
    return AnthropicBedrock(max_retries=0)


class TestAnthropicSdk:
    """AnthropicBedrock parses the citations, and its stream helper accumulates them on the text blocks."""

    def test_create(self, client: AnthropicBedrock) -> None:
        message = client.messages.create(model=MODEL_GLOBAL, max_tokens=1024, messages=REPORT_QUESTION)
        [cited] = [b for b in message.content if b.citations]
        [citation] = cited.citations
        assert isinstance(citation, anthropic.types.CitationPageLocation)
        assert (citation.start_page_number, citation.end_page_number, citation.document_index) == (1, 2, 0)
        assert citation.document_title == "quarterly report" and "12 percent" in citation.cited_text
        assert cited.text == citation.cited_text
        assert message.usage.input_tokens > 6_000

    def test_stream_accumulates_citations(self, client: AnthropicBedrock) -> None:
        with client.messages.stream(model=MODEL_GLOBAL, max_tokens=1024, messages=REPORT_QUESTION) as stream:
            kinds = [event.type for event in stream]
            final = stream.get_final_message()
        assert "citation" in kinds and kinds.index("citation") < len(kinds) - 1
        created = client.messages.create(model=MODEL_GLOBAL, max_tokens=1024, messages=REPORT_QUESTION)
        assert [b.model_dump() for b in final.content] == [b.model_dump() for b in created.content]
        assert any(b.citations and "12 percent" in b.citations[0].cited_text for b in final.content)

    def test_async_client(self, aws_env: dict[str, str]) -> None:
        async def run() -> anthropic.types.Message:
            async with AsyncAnthropicBedrock(max_retries=0) as client:
                return await client.messages.create(model=MODEL_US, max_tokens=1024, messages=REPORT_QUESTION)

        message = asyncio.run(run())
        citations = [c for b in message.content for c in (b.citations or [])]
        assert [(c.type, c.start_page_number, c.document_index) for c in citations] == [("page_location", 1, 0)]

    def test_locked_pdf_error(self, client: AnthropicBedrock) -> None:
        messages = [{"role": "user", "content": [pdf.invoke_document(DATA / "locked.pdf"),
                                                 {"type": "text", "text": QUESTION}]}]
        with pytest.raises(anthropic.BadRequestError) as e:
            client.messages.create(model=MODEL_GLOBAL, max_tokens=64, messages=messages)
        assert e.value.status_code == 400 and e.value.body["message"] == AT_FIRST + LOCKED
        explained = errors.explain(e.value)
        assert explained.recognised and explained.pain_point == 11 and "encrypted" in explained.title


# --- text and content documents ------------------------------------------------------------------------------------

ONE_LINE = "Tea sales rose in spring. Revenue grew 12 percent this year. Costs were flat."
WRAPPED = "Tea sales rose in spring. Revenue grew 12 percent compared with\nthe third quarter of 2025. Costs were flat."


class TestTextDocuments:
    """Text sources cite characters (end exclusive), content sources cite blocks (wire spec §1.8)."""

    @pytest.mark.parametrize("text", [ONE_LINE, WRAPPED], ids=["one-line", "wrapped-sentence"])
    def test_invoke_char_location_slices_the_text(self, runtime: Any, text: str) -> None:
        [citation] = invoke_citations(invoke(runtime, invoke_body(text_document(text))))
        assert citation["type"] == "char_location" and "12 percent" in citation["cited_text"]
        assert (citation["document_index"], citation["document_title"]) == (0, "Notes")
        assert text[citation["start_char_index"]:citation["end_char_index"]] == citation["cited_text"]

    @pytest.mark.parametrize("text", [ONE_LINE, WRAPPED], ids=["one-line", "wrapped-sentence"])
    def test_converse_document_char_slices_the_text(self, runtime: Any, text: str) -> None:
        document = {"document": {"format": "txt", "name": "Notes", "source": {"text": text},
                                 "citations": {"enabled": True}}}
        [citation] = converse_citations(converse(runtime, converse_messages(document)))
        location = citation["location"]["documentChar"]
        assert location["documentIndex"] == 0
        assert text[location["start"]:location["end"]] == citation["sourceContent"][0]["text"]

    def test_invoke_content_block_location(self, runtime: Any) -> None:
        blocks = ["Tea sales rose in spring.", "Revenue grew 12 percent this year. Costs were flat."]
        document = {"type": "document", "title": "Blocks", "citations": {"enabled": True},
                    "source": {"type": "content", "content": [{"type": "text", "text": b} for b in blocks]}}
        [citation] = invoke_citations(invoke(runtime, invoke_body(document)))
        assert citation["type"] == "content_block_location"
        assert (citation["start_block_index"], citation["end_block_index"]) == (1, 2)
        assert citation["cited_text"] in blocks[1] and "12 percent" in citation["cited_text"]

    def test_converse_document_chunk(self, runtime: Any) -> None:
        blocks = ["Tea sales rose in spring.", "Revenue grew 12 percent this year."]
        document = {"document": {"format": "txt", "name": "Blocks", "citations": {"enabled": True},
                                 "source": {"content": [{"text": b} for b in blocks]}}}
        [citation] = converse_citations(converse(runtime, converse_messages(document)))
        assert citation["location"] == {"documentChunk": {"documentIndex": 0, "start": 1, "end": 2}}

    def test_text_documents_cost_their_text(self, runtime: Any) -> None:
        short = invoke(runtime, invoke_body(text_document("Revenue grew.")))["usage"]["input_tokens"]
        long = invoke(runtime, invoke_body(text_document("Revenue grew. " + "Tea. " * 400)))["usage"]["input_tokens"]
        assert 450 <= long - short <= 550  # 2,000 more characters, ~4 a token


# --- errors --------------------------------------------------------------------------------------------------------

BAD_PDFS = {
    "corrupt": (lambda: sample("corrupt.pdf"), NOT_VALID),
    "locked": (lambda: sample("locked.pdf"), LOCKED),
    "empty": (lambda: b"", NOT_VALID),
    "not-a-pdf": (lambda: b"Quarterly report\nRevenue grew 12 percent.\n", NOT_VALID),
}


def _send(runtime: Any, operation: str, data: bytes, model_id: str = MODEL_GLOBAL, **extra: Any) -> Any:
    """One PDF and the question through ``operation``; streams are read to the end."""
    if operation == "invoke_model":
        return invoke(runtime, invoke_body(pdf.invoke_document(data), **extra), model_id)
    if operation == "invoke_model_with_response_stream":
        return invoke_events(runtime, invoke_body(pdf.invoke_document(data), **extra), model_id)
    messages = converse_messages(pdf.converse_document(data, name="Report"))
    fields = {"additionalModelRequestFields": extra} if extra else {}
    if operation == "converse":
        return converse(runtime, messages, model_id, **fields)
    return list(runtime.converse_stream(modelId=model_id, messages=messages, **fields)["stream"])


OPERATIONS = ["invoke_model", "invoke_model_with_response_stream", "converse", "converse_stream"]


def expected(operation: str, message: str) -> str:
    """Converse passes Claude's message on with Bedrock's prefix; InvokeModel as it is."""
    return (CONVERSE_PREFIX if operation.startswith("converse") else "") + message


class TestPdfErrors:
    """Unreadable PDFs get Claude's 400 in every operation, and helpers.errors recognises each (pain point 11)."""

    @pytest.mark.parametrize("operation", OPERATIONS)
    @pytest.mark.parametrize("case", list(BAD_PDFS))
    def test_unreadable(self, runtime: Any, operation: str, case: str) -> None:
        data, message = BAD_PDFS[case]
        with pytest.raises(ClientError) as e:
            _send(runtime, operation, data())
        assert error_of(e) == ("ValidationException", expected(operation, AT_FIRST + message), 400)
        explained = errors.explain(e.value)
        assert explained.recognised and explained.pain_point == 11

    @pytest.mark.parametrize("operation", ["invoke_model", "converse"])
    def test_damaged_stream_is_a_400_not_a_500(self, runtime: Any, operation: str) -> None:
        """A PDF whose content stream names an unknown filter is invalid (400), not a server failure (500)."""
        damaged = sample("quarterly_report.pdf").replace(b"/FlateDecode", b"/FlateDecodX", 1)
        with pytest.raises(ClientError) as e:
            _send(runtime, operation, damaged)
        assert error_of(e) == ("ValidationException", expected(operation, AT_FIRST + NOT_VALID), 400)

    @pytest.mark.parametrize("operation", OPERATIONS)
    def test_101_pages_need_a_1m_window(self, runtime: Any, operation: str) -> None:
        """100 pages under a 200K window; a model with a native 1M window takes 600."""
        data = blank_pdf(101)
        with pytest.raises(ClientError) as e:
            _send(runtime, operation, data, SMALL_GLOBAL)
        limit = AT_FIRST + "A maximum of 100 PDF pages may be provided."
        assert error_of(e) == ("ValidationException", expected(operation, limit), 400)
        assert errors.explain(e.value).pain_point == 11
        assert MODEL.window() >= 1_000_000
        assert _send(runtime, operation, data, MODEL_GLOBAL)  # 200 with a 1M window
        assert _send(runtime, operation, data, MODEL_GLOBAL, anthropic_beta=[BETA_1M])  # the beta changes nothing

    def test_pages_are_counted_before_any_is_read(self, runtime: Any) -> None:
        """101 pages of decompression bombs: the page limit answers first; with a 1M window, the bombs are read."""
        data = flate_bomb(pages=101, inflated=20_000_000)
        with pytest.raises(ClientError) as e:
            _send(runtime, "invoke_model", data, SMALL_GLOBAL)
        assert error_of(e) == ("ValidationException", AT_FIRST + "A maximum of 100 PDF pages may be provided.", 400)
        with pytest.raises(ClientError) as e:
            _send(runtime, "invoke_model", data, MODEL_GLOBAL)
        assert error_of(e) == ("ValidationException", AT_FIRST + NOT_VALID, 400)

    def test_101_pages_with_the_beta_are_billed_visually(self, runtime: Any) -> None:
        response = runtime.invoke_model(modelId=MODEL_GLOBAL,
                                        body=invoke_body(pdf.invoke_document(blank_pdf(101)), anthropic_beta=[BETA_1M]))
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert json.loads(response["body"].read())["usage"]["input_tokens"] > 200_000  # past the 200K window

    def test_601_pages_fail_even_with_the_beta(self, runtime: Any) -> None:
        with pytest.raises(ClientError) as e:
            _send(runtime, "invoke_model", blank_pdf(601), anthropic_beta=[BETA_1M])
        assert error_of(e) == ("ValidationException", AT_FIRST + "A maximum of 600 PDF pages may be provided.", 400)

    def test_pages_add_up_and_the_error_names_the_document(self, runtime: Any) -> None:
        sixty = blank_pdf(60)
        body = invoke_body(pdf.invoke_document(sixty, title="A"), pdf.invoke_document(sixty, title="B"))
        with pytest.raises(ClientError) as e:
            invoke(runtime, body, SMALL_GLOBAL)
        assert error_of(e) == ("ValidationException", "messages.0.content.1.pdf.source.base64.data: A maximum of "
                               "100 PDF pages may be provided.", 400)
        assert not pdf.check_invoke_model([pdf.read(sixty)] * 2, SMALL_GLOBAL).ok  # the helper said so too

    def test_body_cap_agrees_with_check_invoke_model(self, runtime: Any) -> None:
        """~19 MB fails only once base64-encoded (as check_invoke_model predicts); ~10 MB goes through."""
        big, fine = padded_pdf(19_000_000), padded_pdf(10_000_000)
        assert not pdf.check_invoke_model(pdf.read(big), MODEL_GLOBAL).ok
        with pytest.raises(ClientError) as e:
            invoke(runtime, invoke_body(pdf.invoke_document(big)))
        assert error_of(e) == ("ValidationException", "1 validation error detected: Value at 'body' failed to "
                               "satisfy constraint: Member must have length less than or equal to 25000000", 400)
        assert pdf.check_invoke_model(pdf.read(fine), MODEL_GLOBAL).ok
        assert "12 percent" in invoke_text(invoke(runtime, invoke_body(pdf.invoke_document(fine))))


class TestConverseRules:
    """What check_converse predicts, Converse enforces (names, 5 documents, distinct names, a text block)."""

    @pytest.mark.parametrize("name", ["report.pdf", "Q3  report", "報告書", "it's mine"])
    def test_bad_name_and_its_safe_name(self, runtime: Any, name: str) -> None:
        info = pdf.read(DATA / "quarterly_report.pdf")
        assert not pdf.check_converse(info, MODEL_GLOBAL, names=[name]).ok
        with pytest.raises(ClientError) as e:
            converse(runtime, converse_messages(pdf.converse_document(info, name=name)))
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        assert message.startswith("The document file name can only contain alphanumeric characters")
        assert errors.explain(e.value).pain_point == 11
        fixed = pdf.safe_name(name)
        assert pdf.check_converse(info, MODEL_GLOBAL, names=[fixed]).ok
        assert "12 percent" in converse_text(converse(runtime, converse_messages(pdf.converse_document(info,
                                                                                                      name=fixed))))

    def test_six_documents(self, runtime: Any) -> None:
        documents = [pdf.converse_document(DATA / "quarterly_report.pdf", name=f"Report {n}") for n in range(6)]
        with pytest.raises(ClientError) as e:
            converse(runtime, converse_messages(*documents))
        assert error_of(e) == ("ValidationException", "You can't include more than 5 documents in a request.", 400)
        assert errors.explain(e.value).pain_point == 11
        assert converse(runtime, converse_messages(*documents[:5]))["stopReason"] == "end_turn"

    def test_duplicate_names(self, runtime: Any) -> None:
        document = pdf.converse_document(DATA / "quarterly_report.pdf")
        with pytest.raises(ClientError) as e:
            converse(runtime, converse_messages(document, document))
        assert error_of(e) == ("ValidationException", "Messages can't contain duplicate document names.", 400)
        assert errors.explain(e.value).pain_point == 11

    def test_text_block_required(self, runtime: Any) -> None:
        messages = [{"role": "user", "content": [pdf.converse_document(DATA / "quarterly_report.pdf")]}]
        with pytest.raises(ClientError) as e:
            converse(runtime, messages)
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400) and "contains a document but no text block" in message
        assert errors.explain(e.value).pain_point == 11
