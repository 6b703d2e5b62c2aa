"""PDFs for Claude on Bedrock: inspect a file, check it against each API's limits, build the blocks.

InvokeModel and Converse take PDFs differently (pain point 11): InvokeModel carries Claude's own
``document`` block (base64 inside a JSON body: AWS documents a 20 MB payload, botocore enforces
25,000,000 bytes); Converse has its own
``document`` block with a strict name rule, at most 5 documents, and a text block alongside. And
Converse reads only the extracted text unless citations are on (wire spec §8.1).

The offline emulator reads PDFs with this module too, so the two always agree on what a PDF holds.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog
from .i18n import N_, _, rjust
from .tokens import estimate_tokens

# --- limits (wire spec §1.4, §1.7, §8.1) --------------------------------------------------------------
# InvokeModel's body, two figures (helpers/data/models.toml [general]): AWS's page documents a 20 MB payload;
# botocore's service model rejects a `body` longer than 25,000,000 bytes. Between the two is undocumented.
INVOKE_BODY_DOCUMENTED = catalog.general("invoke_body_documented_bytes").value
INVOKE_BODY_LIMIT = catalog.general("invoke_body_wire_bytes").value
PAGE_LIMIT = 100                     # PDF pages per request on a 200K-context model [doc][3p message]
PAGE_LIMIT_1M = 600                  # ... and with a 1M-token window [doc]
CONVERSE_MAX_DOCUMENTS = 5           # [model] doc string
CONVERSE_DOCUMENT_BYTES = 4_500_000  # per document; not applied to PDF on Claude 4 and later [model][doc]
CONVERSE_NAME_MAX = 200
# Alphanumerics, hyphens, parentheses, square brackets (underscores work in practice), single spaces [3p].
CONVERSE_NAME = re.compile(r"^[A-Za-z0-9_\-()\[\]]+(?: [A-Za-z0-9_\-()\[\]]+)* ?$")

# Token cost of a page by mode. Anthropic's PDF page: Converse reads a 3-page PDF as ~1,000 tokens of text,
# or ~7,000 visually (text + page images), so visual reading costs VISUAL_RATIO times the text. The emulator
# charges each page image what that ratio implies for Anthropic's example: (ratio - 1) x its text per page.
VISUAL_RATIO = catalog.general("pdf_visual_token_ratio").value


def _anthropic_example() -> tuple[int, int]:
    """(text tokens, pages) of the example the ratio's source quotes: "~1,000 tokens for a 3-page PDF"."""
    found = re.search(r"approximately ([\d,]+) tokens for a (\d+)-page PDF",
                      catalog.general("pdf_visual_token_ratio").quote)
    if not found:
        raise catalog.CatalogError("models.toml: general.pdf_visual_token_ratio.quote must quote Anthropic's "
                                   "'approximately N tokens for a P-page PDF'")
    return int(found[1].replace(",", "")), int(found[2])


_EXAMPLE_TOKENS, _EXAMPLE_PAGES = _anthropic_example()
PAGE_IMAGE_TOKENS = (VISUAL_RATIO - 1) * _EXAMPLE_TOKENS // _EXAMPLE_PAGES  # the rendered page image, visual mode
TEXT_PAGE_OVERHEAD = 3               # page separators in text-only mode [emulator]

VISUAL, TEXT_ONLY = "visual", "text-only"

# --- caps on the work one untrusted PDF may cause (issue E: a 2 KB file once took minutes) ----------------
# Generous for real documents (a dense page is ~5,000 text operators and ~50 KB of content), small enough
# that no file can make pypdf loop for minutes or inflate gigabytes. Over a cap, read() raises PdfError.
MAX_PAGES_READ = PAGE_LIMIT_1M        # no API takes more pages: larger files are counted, never extracted
MAX_STREAM_BYTES = 16_000_000         # decompressed bytes per stream (pypdf's default is 75 MB)
MAX_STREAM_WORK = 300_000             # pypdf's parse budget per content stream (operands + operators)
MAX_DECODING_WORK = 64_000_000        # bytes decoded per stream across its filters
MAX_FORM_CALLS = 200                  # form XObjects drawn per page while extracting text (pypdf: 5,000)
MAX_TEXT_CHARS = 8_000_000            # extracted text per PDF: twice what a 1M-token window holds
MAX_RESOURCE_VISITS = 10_000          # resource dictionaries visited to count one page's images


# PdfInfo's columns (marked here: Babel on Python 3.11 does not see _() inside an f-string).
_PAGE_HEADER = (N_("page"), N_("chars"), N_("images"), N_("text"))


class PdfError(ValueError):
    """A file that cannot be sent as a PDF at all (not a PDF, empty, corrupt); ``detail`` says what pypdf saw."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class PdfLimitError(ValueError):
    """A PDF that an API would reject; the message gives each reason and its fix."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, as citations count pages
    text: str
    images: int

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.text)


@dataclass(frozen=True)
class PdfInfo:
    """What a PDF holds: pages with their text and image counts, size, encryption."""

    name: str
    size: int
    encrypted: bool
    pages: tuple[Page, ...]
    data: bytes = field(repr=False, compare=False)
    unread_pages: int = 0  # pages counted but not extracted: more than max_pages (no API would take them)

    @property
    def page_count(self) -> int:
        return len(self.pages) + self.unread_pages

    @property
    def images(self) -> int:
        return sum(p.images for p in self.pages)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def base64_size(self) -> int:
        """Bytes the file takes once base64-encoded in a JSON body (4 for every 3)."""
        return 4 * -(-self.size // 3)

    def tokens(self, mode: str = VISUAL) -> int:
        """Approximate input tokens: text plus a page image per page (visual) or the text alone."""
        if mode not in (VISUAL, TEXT_ONLY):
            raise ValueError(f"mode must be {VISUAL!r} or {TEXT_ONLY!r}, not {mode!r}")
        per_page = PAGE_IMAGE_TOKENS if mode == VISUAL else TEXT_PAGE_OVERHEAD
        return sum(p.tokens + per_page for p in self.pages)

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [(str(p.number), f"{len(p.text):,}", str(p.images), _preview(p.text)) for p in self.pages]

    def summary(self) -> str:
        if self.unread_pages:
            text = _("{name}: {size} bytes, {pages} pages, not read: over the {limit}-page limit of every API")
        elif self.encrypted:
            text = _("{name}: {size} bytes, encrypted")
        else:
            text = _("{name}: {size} bytes, {pages} pages, {images} images")
        pages = f"{self.page_count:,}" if self.unread_pages else str(self.page_count)
        return text.format(name=self.name, size=f"{self.size:,}", pages=pages, images=self.images,
                           limit=MAX_PAGES_READ)

    def __str__(self) -> str:
        page, chars, images, text = (_(h) for h in _PAGE_HEADER)
        lines = [self.summary(), f"{rjust(page, 4)}  {rjust(chars, 6)}  {rjust(images, 6)}  {text}"]
        lines += [f"{n:>4}  {c:>6}  {i:>6}  {t}" for n, c, i, t in self._rows()]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
                       for row in self._rows())
        page, chars, images, text = (html.escape(_(h)) for h in _PAGE_HEADER)
        return (f"<p><b>{html.escape(self.summary())}</b></p><table><tr><th>{page}</th><th>{chars}</th>"
                f"<th>{images}</th><th style='text-align:left'>{text}</th></tr>{rows}</table>")


def _preview(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# --- reading --------------------------------------------------------------------------------------------

def read(source: str | Path | bytes, name: str | None = None, *, max_pages: int = MAX_PAGES_READ) -> PdfInfo:
    """Inspect a PDF file or its bytes. Not a PDF, empty or unreadable → :class:`PdfError` saying why.

    The page count comes first, from the page tree: a PDF of more than ``max_pages`` pages is counted
    (``page_count``, ``unread_pages``) but none of its pages is parsed. Decompression, content parsing,
    nested forms and extracted text are capped (the ``MAX_*`` constants): a file over a cap is unreadable.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise PdfError(_("cannot read {path}: {reason}").format(path=path, reason=e.strerror or e)) from None
        name = name or path.name
    else:
        data = bytes(source)
    name = name or "document.pdf"
    if not data:
        raise PdfError(_("{name} is empty (0 bytes): export or download the PDF again.").format(name=name))
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfError(_("{name} is not a PDF: it does not start with %PDF-. Send a real PDF (export it as PDF).")
                       .format(name=name))
    import pypdf  # imported here: reading PDFs is rare, and pypdf takes a moment to import

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns about every quirk it repairs
    try:
        with pypdf.apply_configuration(**_pypdf_caps()):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return PdfInfo(name, len(data), True, (), data)
            count = _declared_pages(reader)
            if count is None or count <= max_pages:
                count = len(reader.pages)  # the real count: /Count may be missing or lie
            if count > max_pages:
                return PdfInfo(name, len(data), False, (), data, unread_pages=count)
            pages = _extract(reader)
    # Any failure while parsing untrusted bytes means "unreadable": pypdf raises many types for
    # damaged files (PyPdfError, LimitReachedError, NotImplementedError for unknown filters, KeyError…).
    except Exception as e:
        raise PdfError(_("{name} could not be read as a PDF: it is probably damaged or truncated, or it needs more "
                         "work than any real document. Download or export it again.").format(name=name),
                       detail=f"{type(e).__name__}: {e}") from None  # detail: what pypdf said, in its words
    if not pages:
        raise PdfError(_("{name} has no pages: export or download the PDF again.").format(name=name))
    return PdfInfo(name, len(data), False, pages, data)


def _pypdf_caps() -> dict[str, int]:
    """pypdf Configuration overwrites bounding decompression and per-page work (pypdf >= 7.1)."""
    streams = ("zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
               "brotli_maximum_output_length", "jbig2_maximum_output_length",
               "array_based_stream_maximum_output_length", "maximum_declared_stream_length",
               "image_maximum_buffer_size", "flate_maximum_buffer_size", "xmp_maximum_input_length")
    caps = dict.fromkeys(streams, MAX_STREAM_BYTES)
    caps.update(stream_parsing_work_maximum_count=MAX_STREAM_WORK,
                stream_decoding_work_maximum_length=MAX_DECODING_WORK,
                xform_maximum_invocations_per_extraction=MAX_FORM_CALLS)
    import pypdf

    known = {f.name for f in dataclasses.fields(pypdf.Configuration)}
    return {key: value for key, value in caps.items() if key in known}


def _declared_pages(reader: Any) -> int | None:
    """The page tree's /Count, read without parsing any page (None when absent or not a count)."""
    try:
        count = reader.trailer["/Root"].get_object()["/Pages"].get_object()["/Count"]
    except Exception:  # a broken catalog: let the full page walk decide
        return None
    return int(count) if isinstance(count, int) and count >= 0 else None


def _extract(reader: Any) -> tuple[Page, ...]:
    pages, chars = [], 0
    for number, page in enumerate(reader.pages, start=1):
        text = _page_text(page)
        chars += len(text)
        if chars > MAX_TEXT_CHARS:
            raise PdfError(f"more than {MAX_TEXT_CHARS:,} characters of text by page {number}")
        pages.append(Page(number, text, _count_images(page.get("/Resources"))))
    return tuple(pages)


def _page_text(page: Any) -> str:
    return (page.extract_text() or "").strip()


def _count_images(resources: Any) -> int:
    """Image XObjects on a page, including those inside form XObjects (each form counted once per page).

    Forms may list each other many times over; visiting each object once keeps this linear in the file.
    """
    count, seen, pending, visits = 0, set(), [(resources, 0)], 0
    while pending:
        resources, depth = pending.pop()
        resources = resources.get_object() if resources is not None else None
        xobjects = resources.get("/XObject") if isinstance(resources, dict) else None
        xobjects = xobjects.get_object() if xobjects is not None else None
        if not isinstance(xobjects, dict):
            continue
        for ref in xobjects.values():
            visits += 1
            if visits > MAX_RESOURCE_VISITS:
                raise PdfError(f"more than {MAX_RESOURCE_VISITS:,} XObject references on one page")
            key = (ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(ref)
            if key in seen:
                continue
            seen.add(key)
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                count += 1
            elif obj.get("/Subtype") == "/Form" and depth < 4:
                pending.append((obj.get("/Resources"), depth + 1))
    return count


# --- checking against each API's limits ---------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    api: str
    reason: str
    fix: str

    def __str__(self) -> str:
        return f"{self.api}: {self.reason}\n  " + _("fix: {fix}").format(fix=self.fix)


@dataclass
class Check:
    """The outcome of checking one request's PDFs against one API: problems (would fail) and notes."""

    api: str
    problems: list[Problem]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        if self.problems:
            raise PdfLimitError(self.problems)

    def __str__(self) -> str:
        head = f"{self.api}: " + ("OK" if self.ok else _("{count} problem(s)").format(count=len(self.problems)))
        return "\n".join([head] + [f"  ✗ {p.reason}\n    " + _("fix: {fix}").format(fix=p.fix) for p in self.problems]
                         + [f"  · {n}" for n in self.notes])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def pages_allowed(window: int) -> int:
    """PDF pages per request for a context window: 100 below 1M tokens, 600 with a 1M-token window [doc]."""
    return PAGE_LIMIT_1M if window >= catalog.LONG_CONTEXT_WINDOW else PAGE_LIMIT


def page_limit(model_id: str, beta_1m: bool = False) -> int:
    """PDF pages per request for ``model_id`` (with the 1M-context beta if ``beta_1m``)."""
    return pages_allowed(catalog.resolve(model_id).model.window(beta_1m))


def _common(api: str, pdfs: Sequence[PdfInfo], model_id: str, mode: str, beta_1m: bool) -> list[Problem]:
    problems = []
    model = catalog.resolve(model_id).model
    for pdf in pdfs:
        if pdf.encrypted:
            problems.append(Problem(
                api, _("{name} is password-protected; Claude cannot read encrypted PDFs.").format(name=pdf.name),
                _("Save an unencrypted copy (e.g. `qpdf --decrypt in.pdf out.pdf`) and send that.")))
    pages = sum(p.page_count for p in pdfs)
    limit = page_limit(model_id, beta_1m)
    if pages > limit:
        problems.append(Problem(
            api, _("{pages} PDF pages in one request; {model} takes at most {limit}.").format(
                pages=pages, model=model.display_name, limit=limit),
            _("Split the PDF into parts of at most {limit} pages (pypdf.PdfWriter) and send them in separate "
              "requests.").format(limit=limit)))
    window = model.window(beta_1m)
    tokens = sum(p.tokens(mode) for p in pdfs)
    if tokens > window:
        problems.append(Problem(
            api, _("about {tokens} tokens ({mode}), over the {window}-token context window.").format(
                tokens=f"{tokens:,}", mode=mode, window=f"{window:,}"),
            _wider_window(model, beta_1m)))
    return problems


def _wider_window(model: catalog.Model, beta_1m: bool) -> str:
    """Fewer pages, or how this model's caller could get a 1M-token window."""
    if model.context_1m_beta and not beta_1m:
        return _("Send fewer pages per request, or turn on the 1M-context beta.")
    if model.window(beta_1m) < catalog.LONG_CONTEXT_WINDOW:
        native = catalog.lesson("default")
        if native.long_context == "native":
            return _("Send fewer pages per request, or use a model with a 1M-token window ({model}).").format(
                model=native.display_name)
    return _("Send fewer pages per request.")


def check_invoke_model(pdfs: PdfInfo | Sequence[PdfInfo], model_id: str, *, beta_1m: bool = False,
                       other_bytes: int = 1_000) -> Check:
    """Would InvokeModel accept these PDFs (base64 in the JSON body) for ``model_id``?"""
    pdfs = [pdfs] if isinstance(pdfs, PdfInfo) else list(pdfs)
    api = "InvokeModel"
    problems = _common(api, pdfs, model_id, VISUAL, beta_1m)
    body = sum(p.base64_size for p in pdfs) + other_bytes
    raw = sum(p.size for p in pdfs)
    sizes = {"body": f"{body:,}", "raw": f"{raw:,}", "encoded": f"{body - other_bytes:,}",
             "cap": f"{INVOKE_BODY_LIMIT:,}", "documented": INVOKE_BODY_DOCUMENTED // 1_000_000,
             "keep": INVOKE_BODY_DOCUMENTED * 3 // 4 // 1_000_000}
    if body > INVOKE_BODY_LIMIT:
        problems.append(Problem(
            api, _("the body would be about {body} bytes: base64 turns the {raw}-byte PDF(s) into {encoded}, over "
                   "the {cap}-byte cap.").format(**sizes),
            _("Keep the PDFs under about {keep} MB in total per request (AWS documents a {documented} MB payload once "
              "base64-encoded): split them, or downscale their images.").format(**sizes)))
    notes = [_("InvokeModel reads PDFs visually (page images + text) with or without citations.")]
    if INVOKE_BODY_DOCUMENTED < body <= INVOKE_BODY_LIMIT:
        notes.append(_("the body would be about {body} bytes: over the {documented} MB AWS documents, under the {cap} "
                       "bytes botocore enforces. What Bedrock does in between is undocumented: keep the PDFs under "
                       "about {keep} MB in total per request.").format(**sizes))
    return Check(api, problems, notes)


def check_converse(pdfs: PdfInfo | Sequence[PdfInfo], model_id: str, *, names: Sequence[str] | None = None,
                   with_text: bool = True, citations: bool = False, beta_1m: bool = False) -> Check:
    """Would Converse accept these PDFs as ``document`` blocks (with ``names``) for ``model_id``?"""
    pdfs = [pdfs] if isinstance(pdfs, PdfInfo) else list(pdfs)
    api = "Converse"
    mode = VISUAL if citations else TEXT_ONLY
    problems = _common(api, pdfs, model_id, mode, beta_1m)
    if len(pdfs) > CONVERSE_MAX_DOCUMENTS:
        problems.append(Problem(
            api, _("{count} documents; Converse takes at most {most}.").format(count=len(pdfs),
                                                                              most=CONVERSE_MAX_DOCUMENTS),
            _("Send at most 5 per request, or merge PDFs (pypdf.PdfWriter) first.")))
    names = list(names) if names is not None else [safe_name(p.name) for p in pdfs]
    for name in names:
        if not 1 <= len(name) <= CONVERSE_NAME_MAX or not CONVERSE_NAME.match(name):
            problems.append(Problem(
                api, _("the document name {name} breaks Converse's naming rule.").format(name=repr(name)),
                _("Use letters, digits, single spaces, hyphens, () and []: e.g. helpers.pdf.safe_name({name}) → "
                  "{safe}.").format(name=repr(name), safe=repr(safe_name(name)))))
    if len(set(names)) < len(names):
        problems.append(Problem(api, _("two documents share a name."), _("Give each document a distinct name.")))
    if not with_text:
        problems.append(Problem(api, _("a message with a document needs a text block too."),
                                _('Add {"text": "<your question>"} to the same message.')))
    model = catalog.resolve(model_id).model
    if model.api_name.startswith("claude-3"):  # the 4.5 MB cap is lifted for PDFs from Claude 4 on
        for pdf in pdfs:
            if pdf.size > CONVERSE_DOCUMENT_BYTES:
                problems.append(Problem(
                    api, _("{name} is {size} bytes; {model} takes documents up to {most} bytes.").format(
                        name=pdf.name, size=f"{pdf.size:,}", model=model.display_name,
                        most=f"{CONVERSE_DOCUMENT_BYTES:,}"),
                    _("Split the PDF, or use a Claude 4 or later model.")))
    images = sum(p.images for p in pdfs)
    if citations:
        note = _("with citations Converse reads PDFs visually (~{tokens} tokens)")
    elif images:
        note = _("without citations Converse reads only the extracted text (~{tokens} tokens) and cannot see the "
                 "{images} image(s)")
    else:
        note = _("without citations Converse reads only the extracted text (~{tokens} tokens) and no images (this "
                 "PDF has none)")
    notes = [note.format(tokens=f"{sum(p.tokens(VISUAL if citations else TEXT_ONLY) for p in pdfs):,}",
                         images=images)]
    return Check(api, problems, notes)


# --- building the blocks ----------------------------------------------------------------------------------

def safe_name(filename: str, fallback: str = "Document") -> str:
    """A Converse document name from a file name: no extension, allowed characters, single spaces.

    Non-ASCII letters (Japanese or Chinese file names, accents) are not allowed in names, so they
    are transliterated where Unicode allows and dropped otherwise; an empty result becomes ``fallback``.
    """
    stem = Path(filename).stem if "." in filename else filename
    ascii_only = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9\-()\[\] ]+", " ", ascii_only.replace("_", " "))
    cleaned = " ".join(cleaned.split())[:CONVERSE_NAME_MAX].strip()
    return cleaned or fallback


def _load(source: str | Path | bytes | PdfInfo) -> tuple[bytes, str]:
    if isinstance(source, PdfInfo):
        return source.data, source.name
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "document.pdf"
    path = Path(source)
    return path.read_bytes(), path.name


def converse_document(source: str | Path | bytes | PdfInfo, *, name: str | None = None,
                      citations: bool = False, context: str | None = None) -> dict[str, Any]:
    """A Converse content block ``{"document": …}`` (boto3 base64-encodes the bytes itself)."""
    data, filename = _load(source)
    name = name if name is not None else safe_name(filename)
    document: dict[str, Any] = {"format": "pdf", "name": name, "source": {"bytes": data}}
    if citations:
        document["citations"] = {"enabled": True}
    if context:
        document["context"] = context
    return {"document": document}


def invoke_document(source: str | Path | bytes | PdfInfo, *, title: str | None = None,
                    citations: bool = False, context: str | None = None) -> dict[str, Any]:
    """A Claude ``document`` content block for InvokeModel and AnthropicBedrock (base64 data)."""
    data, filename = _load(source)
    block: dict[str, Any] = {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(data).decode()},
        "title": title if title is not None else safe_name(filename),
    }
    if citations:
        block["citations"] = {"enabled": True}
    if context:
        block["context"] = context
    return block
