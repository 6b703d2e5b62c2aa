"""Documents in a request: read PDFs for real, cost them by mode, and answer from them with citations.

How a PDF is read depends on the API (wire spec §8.1): InvokeModel always reads it visually (page
images plus text); Converse reads only the extracted text unless citations are on. The emulator's
answers are extractive and deterministic: the sentence(s) that best match the question's words,
cited by page (PDF), character range (text) or block (content documents), as Claude cites them.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from .. import pdf as pdfs
from ..tokens import estimate_tokens
from . import errors

INVOKE, CONVERSE = "invoke", "converse"
_CACHE: OrderedDict[bytes, pdfs.PdfInfo | Exception] = OrderedDict()  # the same PDF is often sent again
_CACHE_SIZE = 16


@dataclass(frozen=True)
class Document:
    """One document block as Claude sees it: its parts (pages, text, or content blocks) and its cost."""

    index: int                 # document_index in citations: order among the request's documents
    title: str | None
    kind: str                  # "pdf" | "text" | "content"
    parts: tuple[str, ...]     # pdf: page texts; text: the whole text; content: each block's text
    images: int
    mode: str                  # pdf.VISUAL or pdf.TEXT_ONLY
    citations: bool
    tokens: int


@dataclass(frozen=True)
class Passage:
    """A sentence chosen from a document, and where it is."""

    document: Document
    part: int                  # 0-based page / content block; 0 for text documents
    start: int                 # character offsets within the part
    end: int
    text: str


def read(block: dict[str, Any], index: int, where: str, api: str) -> Document:
    """The document in a validated ``document`` block; unreadable PDFs get Claude's 400 errors."""
    source = block["source"]
    citations = bool((block.get("citations") or {}).get("enabled"))
    title = block.get("title") if isinstance(block.get("title"), str) else None
    kind = source.get("type")
    if kind == "text":
        text = str(source.get("data", ""))
        return Document(index, title, "text", (text,), 0, pdfs.TEXT_ONLY, citations, estimate_tokens(text))
    if kind == "content":
        parts = tuple(b.get("text", "") for b in source.get("content", []) if isinstance(b, dict))
        return Document(index, title, "content", parts, 0, pdfs.TEXT_ONLY, citations,
                        sum(estimate_tokens(p) for p in parts))
    if source.get("media_type") != "application/pdf":
        raise errors.validation(f"{where}.source.media_type: Input should be 'application/pdf'")
    info = _read_pdf(source["data"], where)
    mode = pdfs.VISUAL if api == INVOKE or citations else pdfs.TEXT_ONLY
    return Document(index, title, "pdf", tuple(p.text for p in info.pages), info.images, mode, citations,
                    info.tokens(mode))


def _read_pdf(data_b64: str, where: str) -> pdfs.PdfInfo:
    data = base64.b64decode(data_b64)
    key = hashlib.sha1(data).digest()
    info = _CACHE.get(key)
    if info is None:
        try:
            info = pdfs.read(data)
        except pdfs.PdfError as e:
            info = e
        _CACHE[key] = info
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(key)
    at = f"{where}.pdf.source.base64.data"
    if isinstance(info, Exception):
        raise errors.validation(f"{at}: The PDF specified was not valid.")  # Claude's wording [3p]
    if info.encrypted:  # [emulator] wording: the same 400, saying why
        raise errors.validation(f"{at}: The PDF specified is password-protected; Claude cannot read encrypted "
                                "PDFs.")
    return info


def check_pages(documents: list[Document], wheres: list[str], limit: int) -> None:
    """Claude's per-request PDF page limit, reported at the document that crosses it."""
    total = 0
    for document, where in zip(documents, wheres, strict=True):
        if document.kind == "pdf":
            total += len(document.parts)
            if total > limit:
                raise errors.validation(f"{where}.pdf.source.base64.data: A maximum of {limit} PDF pages may "
                                        "be provided.")  # [3p]


# --- extractive answers ---------------------------------------------------------------------------------

# A sentence: runs over decimal points ("48.2") and lines wrapped mid-sentence; ends at . ! ? or a line end.
_SENTENCE = re.compile(r"\S(?:[^\n.!?]|[.!?](?=[^\s])|\n(?=[a-z]))*[.!?]?")
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_STOP = frozenset(re.findall(r"\w+", """a an and are as at be by can could did do does for from had has have how
in is it its of on or so that the their there this to up was were what when where which who why will with would
you your about according any me tell page document report please cite say says said"""))


_IRREGULAR = {"grew": "grow", "grown": "grow", "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall",
              "made": "make", "sold": "sell", "spent": "spend", "went": "go", "gone": "go", "took": "take"}


def _terms(text: str) -> set[str]:
    return {_stem(_IRREGULAR.get(w, w)) for w in _WORD.findall(text.lower()) if w not in _STOP}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def sentences(document: Document) -> list[Passage]:
    """Every sentence with its place. Text documents keep the exact text, as char citations slice it."""
    exact = document.kind == "text"
    return [Passage(document, part, m.start(), m.end(), m.group() if exact else " ".join(m.group().split()))
            for part, text in enumerate(document.parts) for m in _SENTENCE.finditer(text)]


def best_passages(question: str, documents: list[Document], most: int = 2) -> list[Passage]:
    """The sentences that share the most (rarest-weighted) words with the question, best first."""
    candidates = [p for d in documents for p in sentences(d)]
    wanted = _terms(question)
    if not candidates or not wanted:
        return []
    terms = [_terms(p.text) for p in candidates]
    weight = {t: math.log(1 + len(candidates) / (1 + sum(t in ts for ts in terms))) for t in wanted}
    scores = [sum(weight[t] for t in wanted & ts) for ts in terms]
    ranked = sorted(range(len(candidates)), key=lambda n: (-scores[n], n))  # ties: the earlier sentence
    best = scores[ranked[0]]
    if best <= 0:
        return []
    return [candidates[n] for n in ranked[:most] if scores[n] >= 0.75 * best]


def citation(passage: Passage) -> dict[str, Any]:
    """An InvokeModel citation (page, char or content-block location)."""
    doc = passage.document
    out: dict[str, Any] = {"cited_text": passage.text, "document_index": doc.index, "document_title": doc.title}
    if doc.kind == "pdf":
        return {"type": "page_location", **out, "start_page_number": passage.part + 1,
                "end_page_number": passage.part + 2}
    if doc.kind == "content":
        return {"type": "content_block_location", **out, "start_block_index": passage.part,
                "end_block_index": passage.part + 1}
    return {"type": "char_location", **out, "start_char_index": passage.start, "end_char_index": passage.end}


def converse_citation(passage: Passage) -> dict[str, Any]:
    """The same citation as Converse shapes it (``location`` union, wire spec §1.8)."""
    doc = passage.document
    if doc.kind == "pdf":
        location = {"documentPage": {"documentIndex": doc.index, "start": passage.part + 1, "end": passage.part + 2}}
    elif doc.kind == "content":
        location = {"documentChunk": {"documentIndex": doc.index, "start": passage.part, "end": passage.part + 1}}
    else:
        location = {"documentChar": {"documentIndex": doc.index, "start": passage.start, "end": passage.end}}
    out: dict[str, Any] = {"sourceContent": [{"text": passage.text}], "location": location}
    if doc.title:
        out["title"] = doc.title
    return out


def where_found(passage: Passage) -> str:
    doc = passage.document
    name = f'"{doc.title}"' if doc.title else f"document {doc.index + 1}"
    if doc.kind == "pdf":
        return f"{name}, page {passage.part + 1}"
    if doc.kind == "content":
        return f"{name}, block {passage.part + 1}"
    return name
