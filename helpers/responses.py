"""Read any response shape the notebooks produce the same way: text, citations, token usage, cost.

The three request styles answer in three shapes: an AnthropicBedrock ``Message``, the JSON body of
``invoke_model``, and a Converse response (citations even sit in different places). :func:`summarize`
turns each into one :class:`Summary`; :class:`Comparison` lays several side by side with their cost.
"""

from __future__ import annotations

import functools
import html
import json
from dataclasses import dataclass
from typing import Any

from . import cost
from .i18n import N_, Phrase, _, shown


@dataclass(frozen=True)
class Citation:
    where: str   # "page 1", "pages 2-3", "characters 10-42", "block 2" (a Phrase: shown in the notebook's language)
    text: str    # the cited passage

    def __str__(self) -> str:
        return f"[{shown(self.where)}] {self.text}"


@dataclass(frozen=True)
class Summary:
    text: str
    citations: tuple[Citation, ...]
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0      # every cache write, 5-minute and 1-hour
    cache_write_1h_tokens: int = 0   # the 1-hour part of cache_write_tokens (0 where the shape has no split)

    @property
    def cache_write_5m_tokens(self) -> int:
        return self.cache_write_tokens - self.cache_write_1h_tokens

    def cost(self, model_id: str) -> cost.Estimate:
        """What these tokens cost on ``model_id`` (cache writes priced by their TTL, reads at the read rate)."""
        return cost.estimate(model_id, self.input_tokens, self.output_tokens,
                             cache_read_tokens=self.cache_read_tokens,
                             cache_write_tokens=self.cache_write_5m_tokens,
                             cache_write_1h_tokens=self.cache_write_1h_tokens)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of a dict or an SDK object alike."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


# A citation's place: (one, a range) by kind; "characters" is always a range.
_PLACES = {"page": (N_("page {start}"), N_("pages {start}-{end}")),
           "block": (N_("block {start}"), N_("blocks {start}-{end}")),
           "chunk": (N_("chunk {start}"), N_("chunks {start}-{end}"))}


def _range(kind: str, start: int, end: int) -> str:
    """A citation range; ``end`` is exclusive, as both APIs report it."""
    if kind == "characters":
        return Phrase(N_("characters {start}-{end}"), start=start, end=end)
    one, several = _PLACES[kind]
    return Phrase(one, start=start) if end - start <= 1 else Phrase(several, start=start, end=end - 1)


def _anthropic_citation(c: Any) -> Citation:
    kind = _get(c, "type")
    if kind == "page_location":
        where = _range("page", _get(c, "start_page_number"), _get(c, "end_page_number"))
    elif kind == "char_location":
        where = _range("characters", _get(c, "start_char_index"), _get(c, "end_char_index"))
    elif kind == "content_block_location":
        where = _range("block", _get(c, "start_block_index") + 1, _get(c, "end_block_index") + 1)
    else:
        where = str(kind)
    return Citation(where, _get(c, "cited_text", ""))


def _converse_citation(c: dict[str, Any]) -> Citation:
    location = c.get("location", {})
    text = " ".join(s.get("text", "") for s in c.get("sourceContent", []))
    for key, kind in (("documentPage", "page"), ("documentChar", "characters"), ("documentChunk", "chunk")):
        if key in location:
            span = location[key]
            return Citation(_range(kind, span["start"], span["end"]), text)
    return Citation(next(iter(location), "?"), text)


def _converse_1h(usage: dict[str, Any]) -> int:
    """The 1-hour writes of a Converse usage: ``cacheDetails`` [{ttl, inputTokens}] (absent without writes)."""
    return sum(d.get("inputTokens", 0) for d in usage.get("cacheDetails") or [] if d.get("ttl") == "1h")


def summarize(response: Any) -> Summary:
    """Text, citations and usage of any response shape the notebooks produce.

    Takes an AnthropicBedrock ``Message`` (also a stream's ``get_final_message()``), an ``invoke_model``
    body (dict), a Converse response, the last chunk of ``invoke_model_with_response_stream``
    (``message_stop`` with ``amazon-bedrock-invocationMetrics``), or ConverseStream's ``metadata`` event.
    Streams carry no text in those final events, so their summary has usage only.
    """
    if isinstance(response, dict) and "metadata" in response:  # a ConverseStream event
        response = response["metadata"]
    if isinstance(response, dict) and "usage" in response and "metrics" in response and "output" not in response:
        usage = response["usage"]  # ConverseStream's metadata payload
        return Summary("", (), usage["inputTokens"], usage["outputTokens"], usage.get("cacheReadInputTokens", 0),
                       usage.get("cacheWriteInputTokens", 0), _converse_1h(usage))
    if isinstance(response, dict) and "amazon-bedrock-invocationMetrics" in response:  # message_stop chunk
        m = response["amazon-bedrock-invocationMetrics"]
        return Summary("", (), m["inputTokenCount"], m["outputTokenCount"], m.get("cacheReadInputTokenCount", 0),
                       m.get("cacheWriteInputTokenCount", 0))
    if isinstance(response, dict) and "output" in response:  # Converse
        texts, citations = [], []
        for block in response["output"]["message"]["content"]:
            if "text" in block:
                texts.append(block["text"])
            elif "citationsContent" in block:
                texts += [c["text"] for c in block["citationsContent"].get("content", [])]
                citations += [_converse_citation(c) for c in block["citationsContent"].get("citations", [])]
        usage = response["usage"]
        return Summary("".join(texts), tuple(citations), usage["inputTokens"], usage["outputTokens"],
                       usage.get("cacheReadInputTokens", 0), usage.get("cacheWriteInputTokens", 0),
                       _converse_1h(usage))
    content = _get(response, "content")
    usage = _get(response, "usage")
    if content is None or usage is None:
        raise TypeError("summarize() takes an AnthropicBedrock Message, the JSON body of invoke_model "
                        "(json.loads(response['body'].read())), a Converse response, a stream's message_stop "
                        "chunk or ConverseStream's metadata event")
    texts, citations = [], []
    for block in content:
        if _get(block, "type") == "text":
            texts.append(_get(block, "text"))
            citations += [_anthropic_citation(c) for c in _get(block, "citations") or []]
    split = _get(usage, "cache_creation")  # {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}
    return Summary("".join(texts), tuple(citations), _get(usage, "input_tokens"), _get(usage, "output_tokens"),
                   _get(usage, "cache_read_input_tokens") or 0, _get(usage, "cache_creation_input_tokens") or 0,
                   (_get(split, "ephemeral_1h_input_tokens") or 0) if split is not None else 0)


def _cache_note(s: Summary) -> str:
    """" (+ 1,200 cache read, 2,048 cache write (1 h))": the prompt tokens the cache served or stored."""
    parts = [(s.cache_read_tokens, N_("{count} cache read")),
             (s.cache_write_5m_tokens, N_("{count} cache write (5 min)")),
             (s.cache_write_1h_tokens, N_("{count} cache write (1 h)"))]
    shown_parts = [_(text).format(count=f"{count:,}") for count, text in parts if count]
    if not shown_parts:
        return ""
    listed = functools.reduce(lambda first, second: _("{first}, {second}").format(first=first, second=second),
                              shown_parts)  # a list's comma is the language's: "、" in Japanese and Chinese
    return _(" (+ {parts})").format(parts=listed)


class Comparison:
    """Responses side by side: answer, citations, tokens and cost. A table in JupyterLab, text elsewhere."""

    header = (N_("request"), N_("input tokens"), N_("output tokens"), N_("cost"), N_("citations"))

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.rows: list[tuple[str, Summary, cost.Estimate]] = []

    def add(self, label: str, response: Any) -> Summary:
        summary = summarize(response)
        self.rows.append((label, summary, summary.cost(self.model_id)))
        return summary

    def __str__(self) -> str:
        lines = []
        row = _("{label}: {input} in{cache} + {output} out = ${usd}, {count} citation(s)")
        for label, s, e in self.rows:
            lines.append(row.format(label=label, input=f"{s.input_tokens:,}", cache=_cache_note(s),
                                    output=f"{s.output_tokens:,}", usd=f"{e.usd:.5f}", count=len(s.citations)))
            lines += [f"    {c}" for c in s.citations]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        def cites(s: Summary) -> str:
            return "<br>".join(html.escape(str(c)) for c in s.citations) or "—"

        body = "".join(
            f"<tr><td>{html.escape(label)}</td><td style='text-align:right'>{s.input_tokens:,}"
            f"{html.escape(_cache_note(s))}</td>"
            f"<td style='text-align:right'>{s.output_tokens:,}</td><td style='text-align:right'>${e.usd:.5f}</td>"
            f"<td style='text-align:left'>{cites(s)}</td></tr>" for label, s, e in self.rows)
        *numbers, citations = (html.escape(_(h)) for h in self.header)
        head = "".join(f"<th>{h}</th>" for h in numbers) + f"<th style='text-align:left'>{citations}</th>"
        return f"<table><tr>{head}</tr>{body}</table>"


# --- the content blocks of one turn, for agent loops --------------------------------------------------

def _preview(text: str, width: int = 48) -> str:
    flat = " ".join(text.split())
    return json.dumps(flat if len(flat) <= width else flat[: width - 1] + "…", ensure_ascii=False)


def _thinking(kind: str, text: str, signature: str | None) -> str:
    shown = f"{len(text):,} characters" if text else "empty"
    return f"{kind} ({shown}{', signed' if signature else ', no signature'})"


def _anthropic_block(block: Any) -> str:
    kind = _get(block, "type")
    if kind == "text":
        return f"text {_preview(_get(block, 'text', ''))}"
    if kind in ("tool_use", "server_tool_use"):
        return f"{kind} {_get(block, 'name')} {json.dumps(_get(block, 'input'), ensure_ascii=False)}"
    if kind == "thinking":
        return _thinking("thinking", _get(block, "thinking", ""), _get(block, "signature"))
    return str(kind)  # redacted_thinking and any block type added later


def _converse_block(block: dict[str, Any]) -> str:
    if "text" in block:
        return f"text {_preview(block['text'])}"
    if "toolUse" in block:
        use = block["toolUse"]
        return f"toolUse {use['name']} {json.dumps(use.get('input'), ensure_ascii=False)}"
    if "reasoningContent" in block:
        reasoning = block["reasoningContent"]
        if "reasoningText" in reasoning:
            text = reasoning["reasoningText"]
            return _thinking("reasoningContent", text.get("text", ""), text.get("signature"))
        return "reasoningContent (redacted)"
    return next(iter(block), "?")


def blocks(response: Any) -> str:
    """One line naming the content blocks of a reply, in each API's own words: what one turn of an agent loop
    holds (``thinking (…, signed) · text "I'll look…" · tool_use lookup {"quarter": "Q3 2026"}``).

    Takes an AnthropicBedrock/Anthropic ``Message``, an ``invoke_model`` body (dict) or a Converse response.
    Tool ids and signatures are left out: they change from call to call.
    """
    if isinstance(response, dict) and "output" in response:  # Converse
        parts = [_converse_block(b) for b in response["output"]["message"]["content"]]
    else:
        content = _get(response, "content")
        if content is None:
            raise TypeError("blocks() takes a Message, the JSON body of invoke_model or a Converse response")
        parts = [_anthropic_block(b) for b in content]
    return " · ".join(parts) or "(no blocks)"
