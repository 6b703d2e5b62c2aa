"""Prompt caching as Claude on Bedrock does it: ``cache_control`` breakpoints, their rules, and a cache of prefixes.

A breakpoint is a ``cache_control: {"type": "ephemeral", "ttl"?: "5m" | "1h"}`` on a tool, a system block or a
message content block (InvokeModel and the Messages API; Converse's ``cachePoint`` arrives here as the
``cache_control`` of the block before it, see converse.py). The prompt is read in the order tools, system,
messages; the prefix up to a breakpoint is what gets cached.

The emulator's cache (in :class:`~.state.EmulatorState`, on its clock, so ``advance_clock`` expires entries) holds
a hash of each cached prefix, per model (a model's ids and profiles share it; the emulator has one account). A
call reads the longest live prefix — at a breakpoint or at one of the 20 block boundaries before it, as Claude
looks back — and writes the rest of the prompt up to its last breakpoint, each stretch with the TTL of the
breakpoint that ends it. A hit refreshes the entry's TTL. A prefix shorter than the model's minimum
(``model.cache_min_tokens``) is silently not cached: both counters stay 0, as on Bedrock (H-facts 2d).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .. import catalog
from ..tokens import estimate_tokens
from . import errors
from .answer import Usage

TTLS = catalog.CACHE_TTLS
TTL_SECONDS = {"5m": 300, "1h": 3600}
DEFAULT_TTL = "5m"
# Anthropic: "the system automatically checks for cache hits at all previous content block boundaries (up to
# approximately 20 blocks before your explicit breakpoint)" (prompt-caching docs, H for the rule).
LOOKBACK_BLOCKS = 20


@dataclass(frozen=True)
class Mark:
    """A ``cache_control`` in the request: where it is (Claude's path) and the top-level unit it caches up to."""

    where: str          # "tools.0", "system.1", "messages.2.content.0" (or deeper, inside a tool result)
    unit: int           # index of the tool / system block / message block in prompt order
    cache_control: Any


# --- the request's breakpoints and their rules ------------------------------------------------------------------

def marks(body: dict[str, Any]) -> list[Mark]:
    """Every ``cache_control`` of the body in prompt order (tools, system, messages); absent or null ones skipped."""
    out: list[Mark] = []
    unit = 0
    for k, tool in enumerate(_list(body.get("tools"))):
        _mark(out, tool, f"tools.{k}", unit)
        unit += 1
    for k, block in enumerate(_blocks(body.get("system"))):
        _mark(out, block, f"system.{k}", unit)
        unit += 1
    for i, message in enumerate(_list(body.get("messages"))):
        content = message.get("content") if isinstance(message, dict) else None
        for j, block in enumerate(_blocks(content)):
            where = f"messages.{i}.content.{j}"
            _mark(out, block, where, unit)
            inner = block.get("content") if isinstance(block, dict) and block.get("type") == "tool_result" else None
            for n, item in enumerate(_list(inner)):  # a breakpoint inside a tool result caches up to that result
                _mark(out, item, f"{where}.content.{n}", unit)
            unit += 1
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _blocks(value: Any) -> list[Any]:
    """A content or system value as the validator normalizes it: a non-empty string is one text block."""
    return [{"type": "text", "text": value}] if isinstance(value, str) and value else _list(value)


def _mark(out: list[Mark], block: Any, where: str, unit: int) -> None:
    if isinstance(block, dict) and block.get("cache_control") is not None:
        out.append(Mark(where, unit, block["cache_control"]))


def ttl_of(mark: Mark) -> str:
    return mark.cache_control.get("ttl") or DEFAULT_TTL


def check(body: dict[str, Any], model: catalog.Model) -> tuple[Mark, ...]:
    """Claude's rules for ``cache_control`` (its texts, passed on by Bedrock with its wrapper); the breakpoints,
    which the Request keeps so the usage step does not walk the body again."""
    found = marks(body)
    for mark in found:
        where = f"{mark.where}.cache_control"
        control = mark.cache_control
        # [emulator wording] in Claude's pydantic style (no capture of these three); the path without the
        # block's type, as the ttl-order capture writes it.
        if not isinstance(control, dict):  # (blocks.py has already refused a non-object on a content block)
            raise errors.validation(f"{where}: Input should be a valid dictionary")
        if control.get("type") != "ephemeral":
            raise errors.validation(f"{where}.type: Input should be 'ephemeral'")
        ttl = control.get("ttl")
        if ttl is not None and ttl not in TTLS:
            raise errors.validation(f"{where}.ttl: Input should be '5m' or '1h'")
        if ttl is not None and ttl not in model.cache_ttls:
            # [emulator wording]: no capture of a 1-hour TTL refused by a model that lacks it.
            raise errors.model_error(f"{where}.ttl: {model.display_name} caches prompts for "
                                     f"{' or '.join(model.cache_ttls)} only on Bedrock, not {ttl!r}.")
    limit = catalog.general("cache_max_breakpoints").value
    if len(found) > limit:
        # H-facts 2d (M): first-party wording; Bedrock passes Claude's texts on with its wrapper.
        raise errors.model_error(f"A maximum of {limit} blocks with cache_control may be provided. "
                                 f"Found {len(found)}.")
    seen_5m = False
    for mark in found:
        if ttl_of(mark) == "5m":
            seen_5m = True
        elif seen_5m:
            # H-facts 2d (M): first-party capture; on Bedrock expected with the wrapper (L).
            raise errors.model_error(
                f"{mark.where}.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' "
                "cache_control block. Note that blocks are processed in the following order: `tools`, `system`, "
                "`messages`.")
    return tuple(found)


# --- the cache -------------------------------------------------------------------------------------------------

class CacheStore(Protocol):
    """What :func:`usage` needs from the emulator's state (``EmulatorState.use_prompt_cache``)."""

    def use_prompt_cache(self, lookups: Sequence[str], stores: Sequence[tuple[str, int]]) -> list[bool]: ...


@dataclass(frozen=True)
class Unit:
    """A tool, system block or message block: the prompt's tokens and the prefix hash up to its end."""

    tokens: int
    key: str


def units(request: Any) -> list[Unit]:
    """The prompt's units in order, each with the running token count (the estimates of
    ``anthropic_body.count_input_tokens``, capped at the request's total) and the hash of the prefix."""
    from .anthropic_body import MESSAGE_OVERHEAD, REQUEST_OVERHEAD, TOOLS_OVERHEAD, block_tokens

    digest = hashlib.sha256(request.model.key.encode())
    total = REQUEST_OVERHEAD
    out: list[Unit] = []

    def add(section: str, item: Any, tokens: int) -> None:
        nonlocal total
        total += tokens
        digest.update(section.encode() + b"\0" + _canonical(item) + b"\0")
        out.append(Unit(min(total, request.input_tokens), digest.copy().hexdigest()))

    tools = _list(request.body.get("tools"))
    if tools:
        total += TOOLS_OVERHEAD
    for tool in tools:
        add("tool", tool, estimate_tokens(json.dumps(tool, ensure_ascii=False)))
    for block in request.system:
        add("system", block, estimate_tokens(block["text"]))
    documents = iter(d.tokens for d in request.documents)
    for message in request.messages:
        total += MESSAGE_OVERHEAD
        digest.update(message["role"].encode() + b"\0")
        for block in message["content"]:
            cost = next(documents, None) if block.get("type") == "document" else None
            add("block", block, block_tokens(block) if cost is None else cost)
    return out


def _canonical(item: Any) -> bytes:
    """The block as it counts for a cache hit: canonical JSON without its ``cache_control`` (moving a breakpoint
    to a later turn does not change the earlier prefix)."""
    return json.dumps(_without_cache_control(item), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8", "surrogatepass")


def _without_cache_control(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: _without_cache_control(v) for k, v in item.items() if k != "cache_control"}
    if isinstance(item, list):
        return [_without_cache_control(v) for v in item]
    return item


def usage(request: Any, store: CacheStore, output_tokens: int) -> Usage:
    """The usage figures of ``request`` (an ``anthropic_body.Request``), reading and writing ``store``."""
    found = request.cache_marks
    if not found:
        return Usage(request.input_tokens, output_tokens)
    prompt = units(request)
    minimum = request.model.cache_min_tokens
    # The prefix up to a breakpoint is cached only from the model's minimum on; below it, silently nothing.
    breakpoints = {m.unit: ttl_of(m) for m in found if m.unit < len(prompt) and prompt[m.unit].tokens >= minimum}
    if not breakpoints:
        return Usage(request.input_tokens, output_tokens)
    lookups = sorted({u for b in breakpoints for u in range(max(0, b - LOOKBACK_BLOCKS), b + 1)
                      if prompt[u].tokens >= minimum})
    stores = [(prompt[b].key, TTL_SECONDS[ttl]) for b, ttl in sorted(breakpoints.items())]
    live = store.use_prompt_cache([prompt[u].key for u in lookups], stores)
    hits = [u for u, hit in zip(lookups, live, strict=True) if hit]
    read_to = hits[-1] if hits else -1
    cache_read = prompt[read_to].tokens if hits else 0
    written = {"5m": 0, "1h": 0}
    start = cache_read
    for b, ttl in sorted(breakpoints.items()):
        if b > read_to:  # each stretch is written with the TTL of the breakpoint that ends it
            written[ttl] += prompt[b].tokens - start
            start = prompt[b].tokens
    uncached = max(0, request.input_tokens - cache_read - written["5m"] - written["1h"])
    return Usage(uncached, output_tokens, cache_read, written["5m"], written["1h"])
