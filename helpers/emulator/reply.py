"""The emulator's replies: deterministic, honest about where they come from, shaped like Claude's.

The same request always gets the same text. ``max_tokens`` and stop sequences are honoured exactly
as Claude honours them, so notebooks can show ``stop_reason`` values for real.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from .. import pdf
from ..tokens import estimate_tokens, truncate_to_tokens
from . import documents
from .answer import Text
from .anthropic_body import Request

_ID_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WORDS = re.compile(r"\S+\s*")
PREVIEW_CHARS = 120
SYSTEM_PREVIEW_WORDS = 8  # the system prompt's opening words quoted in the stand-in reply
# A user message at least this long that ends with a question is answered from its own text, as a document is
# (a needle-in-a-haystack prompt: notebook 05). Shorter prompts get the stand-in reply. [emulator choice]
LONG_PROMPT_CHARS = 4_000
QUESTION_MAX_CHARS = 2_000  # a last line longer than this is not taken for the question


@dataclass(frozen=True)
class Reply:
    segments: tuple[Text, ...]
    stop_reason: str  # end_turn | max_tokens | stop_sequence
    stop_sequence: str | None
    output_tokens: int

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


def compose(request: Request) -> Reply:
    """The stand-in reply to ``request``, cut at the first stop sequence or at ``max_tokens``."""
    return finish(request, stand_in(request))


def stand_in(request: Request) -> list[Text]:
    """What the emulator says when no tool is called: an extractive answer from documents or a long prompt, else
    the stand-in text."""
    if request.documents:
        return document_answer(request)
    return prompt_answer(request) or [Text(full_text(request))]


def finish(request: Request, segments: list[Text]) -> Reply:
    """``segments`` cut at the first stop sequence or at ``max_tokens``, as Claude honours them."""
    text = "".join(s.text for s in segments)
    stop_reason, stop_sequence = "end_turn", None
    hits = [(text.find(s), s) for s in request.stop_sequences if s and s in text]
    if hits:
        at, stop_sequence = min(hits)
        text, stop_reason = text[:at], "stop_sequence"
    tokens = estimate_tokens(text)
    if tokens > request.max_tokens:
        text, stop_reason, stop_sequence = truncate_to_tokens(text, request.max_tokens), "max_tokens", None
        tokens = estimate_tokens(text)
    return Reply(_merged(_cut(segments, len(text))), stop_reason, stop_sequence, max(1, tokens))


def _cut(segments: list[Text], length: int) -> tuple[Text, ...]:
    """The segments holding the first ``length`` characters (a cut cited sentence keeps its citation)."""
    out, used = [], 0
    for segment in segments:
        if used >= length:
            break
        out.append(Text(segment.text[: length - used], segment.passage))
        used += len(out[-1].text)
    return tuple(s for s in out if s.text)


def _merged(segments: tuple[Text, ...]) -> tuple[Text, ...]:
    """Uncited runs joined: Claude splits its text into blocks only where a citation attaches, so an answer
    without citations is one text block (code reads ``content[0]["text"]``)."""
    out: list[Text] = []
    for segment in segments:
        if out and segment.passage is None and out[-1].passage is None:
            out[-1] = Text(out[-1].text + segment.text)
        else:
            out.append(segment)
    return tuple(out)


def document_answer(request: Request) -> list[Text]:
    """An extractive answer: the best-matching sentence(s), cited when the document asks for citations."""
    docs = request.documents
    passages = documents.best_passages(request.last_user_text, docs)
    unseen = sum(d.images for d in docs if d.mode == pdf.TEXT_ONLY)
    text_only = [d for d in docs if d.kind == "pdf" and d.mode == pdf.TEXT_ONLY]
    intro = "Offline emulator, no model ran. "
    if text_only:
        intro += ("I was given only the text extracted from the PDF (Converse without citations sends no page "
                  "images), " + (f"so I could not see its {unseen} image{'s' if unseen != 1 else ''}. " if unseen
                                 else "which loses nothing here: it has no images. "))
    if not passages:
        return [Text(intro + "No sentence in the document matches the words of your question. Ask about "
                        "something the document mentions.")]
    segments = [Text(intro + "The passage that best matches your question is from "
                        + " and ".join(dict.fromkeys(documents.where_found(p) for p in passages)) + ": ")]
    for n, passage in enumerate(passages):
        cited = passage.document.citations
        segments.append(Text(passage.text, passage if cited else None))
        if n < len(passages) - 1:
            segments.append(Text(" "))
    return segments


def prompt_answer(request: Request) -> list[Text] | None:
    """For a long prompt that ends with a question: the line of the prompt that best answers it (extractive,
    like :func:`document_answer`), or None to use the stand-in reply."""
    said = request.last_user_text
    if len(said) < LONG_PROMPT_CHARS:
        return None
    question, start = _question_at_end(said)
    if not question:
        return None
    body = said[:start]
    text = documents.Document(0, None, "text", (body,), 0, pdf.TEXT_ONLY, False, 0)
    passages = documents.best_passages(question, [text], most=1)
    if not passages:
        return None
    found = passages[0].text.strip()
    return [Text(f"Offline emulator, no model ran. Best match for your question in your message: {found} "
                    f"(the sentence that shares most words with it, out of {estimate_tokens(body):,} tokens)")]


def _question_at_end(said: str) -> tuple[str, int]:
    """The prompt's last line when it is a question (ends with "?", at most QUESTION_MAX_CHARS before it), and
    where it starts; ("", 0) otherwise. It looks at the end only: the regular expression it replaces (see
    tests/emulator/test_reply_question.py) tried every position of a 4 MB prompt, 40 ms of a 70 ms round trip."""
    stripped = said.rstrip()
    if not stripped.endswith("?"):
        return "", 0
    start = stripped.rfind("\n") + 1
    line = stripped[start:]
    return (line, start) if 2 <= len(line) <= QUESTION_MAX_CHARS + 1 else ("", 0)


def full_text(request: Request) -> str:
    said = " ".join(request.last_user_text[: PREVIEW_CHARS * 4].split())  # never split a 4 MB prompt
    if len(said) > PREVIEW_CHARS:
        said = said[:PREVIEW_CHARS].rstrip() + "..."
    return (
        f"Hello from the offline Bedrock emulator: no model ran, so this is a stand-in for "
        f"{request.model.display_name}, not Claude's answer. Your request had {request.input_tokens} "
        f'input tokens, and your last message was: "{said}".{_received(request)} Run the same code with AWS '
        f"credentials to get a real reply from Claude."
    )


def _received(request: Request) -> str:
    """What else the request carried that a reader checks reached the model: the system prompt (its first
    words) and the images (count and media types). [emulator wording]"""
    out = ""
    system = " ".join(" ".join(b["text"] for b in request.system)[: PREVIEW_CHARS * 2].split())
    if system:
        words = system.split()
        opening = " ".join(words[:SYSTEM_PREVIEW_WORDS]) + ("..." if len(words) > SYSTEM_PREVIEW_WORDS else "")
        out += f' The system prompt was given: "{opening}".'
    media = [b["source"].get("media_type", "image") for m in request.messages if m["role"] == "user"
             for b in m["content"] if b.get("type") == "image" and isinstance(b.get("source"), dict)]
    if media:
        kinds = ", ".join(dict.fromkeys(media))
        out += f" You sent {len(media)} image{'s' if len(media) != 1 else ''} ({kinds})."
    return out


def text_deltas(text: str, words_per_delta: int = 3) -> list[str]:
    """Split ``text`` into the deltas a stream sends (a few words each, like a real stream)."""
    words = _WORDS.findall(text)
    if not words:
        return [text] if text else []
    return ["".join(words[i:i + words_per_delta]) for i in range(0, len(words), words_per_delta)]


_ID_TABLE = bytes(ord(_ID_ALPHABET[b % len(_ID_ALPHABET)]) for b in range(256))  # random byte -> id character


def new_id(prefix: str, length: int = 22) -> str:
    """A random id with Bedrock's prefix, e.g. ``msg_bdrk_01…``."""
    return prefix + secrets.token_bytes(length).translate(_ID_TABLE).decode("ascii")
