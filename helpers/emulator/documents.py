"""Documents in a request: read PDFs for real, cost them by mode, and answer from them with citations.

How a PDF is read depends on the API (wire spec §8.1): InvokeModel always reads it visually (page
images plus text); Converse reads only the extracted text unless citations are on. The emulator's
answers are extractive and deterministic: the sentence(s) that best match the question's words,
cited by page (PDF), character range (text) or block (content documents), as Claude cites them.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
import re
import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import pdf as pdfs
from ..tokens import estimate_tokens
from . import errors, pdf_worker

INVOKE, CONVERSE = "invoke", "converse"
# The same PDF is often sent again: keep what was read (texts, not the file), bounded in entries and in bytes.
_CACHE: OrderedDict[bytes, tuple[pdfs.PdfInfo | pdfs.PdfError, int]] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_BYTES = 32_000_000
_cache_lock = threading.Lock()  # requests with documents are read in worker threads


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
    page_count: int = 0        # pdf: pages in the file (also when too many to read; ``parts`` is then empty)


@dataclass(frozen=True)
class Passage:
    """A sentence chosen from a document, and where it is."""

    document: Document
    part: int                  # 0-based page / content block; 0 for text documents
    start: int                 # character offsets within the part
    end: int
    text: str


def read(block: dict[str, Any], index: int, where: str, api: str, page_limit: int = pdfs.MAX_PAGES_READ) -> Document:
    """The document in a validated ``document`` block; unreadable PDFs get Claude's 400 errors.

    A PDF of more than ``page_limit`` pages is counted, not read: :func:`check_pages` then refuses it.
    """
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
    info = _read_pdf(source["data"], where, page_limit)
    mode = pdfs.VISUAL if api == INVOKE or citations else pdfs.TEXT_ONLY
    return Document(index, title, "pdf", tuple(p.text for p in info.pages), info.images, mode, citations,
                    info.tokens(mode), info.page_count)


def _read_pdf(data_b64: str, where: str, page_limit: int) -> pdfs.PdfInfo:
    """The PDF read in the worker process (time and memory budget), or from the cache."""
    data = base64.b64decode(data_b64)
    key = hashlib.sha1(data).digest()
    max_pages = min(page_limit, pdfs.MAX_PAGES_READ)
    with _cache_lock:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
    info = cached[0] if cached is not None else None
    if info is None or (isinstance(info, pdfs.PdfInfo) and info.unread_pages and info.page_count <= max_pages):
        try:
            info = pdf_worker.WORKER.read(data, max_pages)
        except pdfs.PdfError as e:
            info = e
        _remember(key, info)
    at = f"{where}.pdf.source.base64.data"
    if isinstance(info, Exception):
        raise errors.validation(f"{at}: The PDF specified was not valid.")  # Claude's wording [3p]
    if info.encrypted:  # [emulator] wording: the same 400, saying why
        raise errors.validation(f"{at}: The PDF specified is password-protected; Claude cannot read encrypted "
                                "PDFs.")
    return info


def _remember(key: bytes, info: pdfs.PdfInfo | pdfs.PdfError) -> None:
    """Cache ``info``, dropping the oldest entries past the count or the byte budget."""
    cost = 200 + (sum(sys.getsizeof(p.text) + 100 for p in info.pages) if isinstance(info, pdfs.PdfInfo) else 0)
    if cost > _CACHE_BYTES:
        return
    with _cache_lock:
        _CACHE[key] = (info, cost)
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE or sum(c for _, c in _CACHE.values()) > _CACHE_BYTES:
            _CACHE.popitem(last=False)


def cache_bytes() -> int:
    """Bytes the PDF cache holds (what it counts against its budget)."""
    with _cache_lock:
        return sum(cost for _, cost in _CACHE.values())


def check_pages(documents: list[Document], wheres: list[str], limit: int) -> None:
    """Claude's per-request PDF page limit, reported at the document that crosses it."""
    total = 0
    for document, where in zip(documents, wheres, strict=True):
        if document.kind == "pdf":
            total += document.page_count
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
    return {_term(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


@lru_cache(maxsize=1 << 16)  # words repeat: stemming each occurrence was most of the answer search's time
def _term(word: str) -> str:
    return _stem(_IRREGULAR.get(word, word))


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _sentences(document: Document) -> Iterator[tuple[int, int, int, str]]:
    for part, text in enumerate(document.parts):
        for m in _SENTENCE.finditer(text):
            yield part, m.start(), m.end(), _sentence_text(document, m.group())


def _sentence_text(document: Document, raw: str) -> str:
    return raw if document.kind == "text" else " ".join(raw.split())


def sentences(document: Document) -> list[Passage]:
    """Every sentence with its place. Text documents keep the exact text, as char citations slice it."""
    return [Passage(document, *place) for place in _sentences(document)]


def best_passages(question: str, documents: list[Document], most: int = 2) -> list[Passage]:
    """The sentences that share the most (rarest-weighted) words with the question, best first.

    One pass over the sentences, linear in the document's words plus the question's: each sentence's terms
    are intersected with the question's (a set operation, never a scan of the question), and a sentence that
    shares some is kept as its place and its shared terms (stored once per distinct tuple, in the
    intersection's own order, so each score is the same sum as ever). Weights follow from the counts.
    """
    wanted = _terms(question)
    if not wanted:
        return []
    shared_ids: dict[tuple[str, ...], int] = {}   # each distinct tuple of shared terms → its index
    uses: list[int] = []                          # ... and how many sentences share exactly it
    ids, docs, parts, starts, ends = (array("q") for _ in range(5))  # per kept sentence
    total = 0
    for d, document in enumerate(documents):
        for part, start, end, text in _sentences(document):
            total += 1
            shared = tuple(wanted & _terms(text))
            if shared:
                k = shared_ids.setdefault(shared, len(uses))
                if k == len(uses):
                    uses.append(0)
                uses[k] += 1
                ids.append(k)
                docs.append(d)
                parts.append(part)
                starts.append(start)
                ends.append(end)
    if not ids:
        return []  # no sentence (or none sharing a word): nothing to cite
    holding = dict.fromkeys(wanted, 0)  # sentences holding each question term
    for shared, k in shared_ids.items():
        for term in shared:
            holding[term] += uses[k]
    weight = {t: math.log(1 + total / (1 + holding[t])) for t in wanted}
    score_of = [sum(weight[t] for t in shared) for shared in shared_ids]
    scores = [score_of[k] for k in ids]
    # The best ``most``, ties to the earlier sentence: kept sentences are in document order.
    ranked = heapq.nsmallest(most, range(len(scores)), key=lambda n: (-scores[n], n))
    top = scores[ranked[0]]
    out = []
    for n in ranked:
        if scores[n] >= 0.75 * top:
            document, part, start, end = documents[docs[n]], parts[n], starts[n], ends[n]
            out.append(Passage(document, part, start, end, _sentence_text(document, document.parts[part][start:end])))
    return out


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
