"""Hypothesis strategies for request bodies shaped like real ones, with the shapes gone wrong.

Each field is usually valid, so requests reach deep into the checks, and sometimes wrong: a lone
surrogate in any string, a value of the wrong JSON type at any level, nesting hundreds or thousands
of levels deep, odd sources (not base64, not a string, wrong media types, empty, large) and odd
citations. Shared by tests/emulator/test_fuzz.py (CI-sized) and bench/fuzz_soak.py (long runs).

``anthropic_bodies()``, ``converse_bodies()`` and ``count_tokens_bodies()`` draw JSON *values*;
send them with :func:`dumps`, which escapes lone surrogates the way JSON allows (``"\\ud800"``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SAMPLES = Path(__file__).resolve().parents[2] / "notebooks" / "data"
PDF = base64.b64encode((SAMPLES / "quarterly_report.pdf").read_bytes()).decode()
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360000002000154a24f5d00"
    "00000049454e44ae426082")).decode()
V = "bedrock-2023-05-31"
OPERATIONS = ("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream", "CountTokens")


class Deep:
    """``depth`` nested arrays or objects around a 0, written out by :func:`dumps` (json.dumps would
    recurse, and the point is to send nesting deeper than Python's recursion limit)."""

    def __init__(self, depth: int, kind: str) -> None:
        self.depth, self.kind = depth, kind
        self.token = f"@@deep-{depth}-{kind}@@"

    def text(self) -> str:
        open_, close = ("[", "]") if self.kind == "list" else ('{"a":', "}")
        return open_ * self.depth + "0" + close * self.depth

    def __repr__(self) -> str:
        return f"Deep({self.depth}, {self.kind!r})"


def dumps(value: Any) -> bytes:
    """JSON bytes; lone surrogates become ``\\udXXX`` escapes (valid JSON, which UTF-8 cannot carry raw)."""
    deep: dict[str, Deep] = {}

    def placeholder(o: Any) -> str:
        if not isinstance(o, Deep):
            raise TypeError(type(o).__name__)
        deep[o.token] = o
        return o.token
    text = json.dumps(value, default=placeholder)
    for token, d in deep.items():
        text = text.replace(json.dumps(token), d.text())
    return text.encode()


# --- strings and wrong values ----------------------------------------------------------------

LONE_SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00"])
SURROGATE_TEXT = st.builds(lambda a, s, b: a + s + b, st.text(max_size=6), LONE_SURROGATES, st.text(max_size=6))
WORDS = st.sampled_from(["Hello", "What grew in the third quarter?", "Revenue increased by 12% year over year.",
                         "Summarize the report.", "café 東京", " x "])
TEXT = st.one_of(WORDS, WORDS, st.text(min_size=1, max_size=24), SURROGATE_TEXT)
DEEP = st.builds(Deep, st.sampled_from([30, 255, 300, 900, 1200, 5000]), st.sampled_from(["list", "dict"]))
WRONG = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.just(10**30), st.floats(-1e6, 1e6), st.just(""), SURROGATE_TEXT,
    st.just([]), st.just({}), st.lists(st.integers(), min_size=1, max_size=2),
    st.dictionaries(TEXT, st.integers(), min_size=1, max_size=2), DEEP,
)


def odd(valid: st.SearchStrategy[Any], percent: int = 12) -> st.SearchStrategy[Any]:
    """``valid`` about ``100 - percent`` % of the time, else a value of the wrong kind. The rare branch sits
    at the top of the range: hypothesis often draws the simplest choice (0), which must stay the valid one."""
    return st.integers(0, 99).flatmap(lambda n: WRONG if n >= 100 - percent else valid)


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """An object with these fields, each ``odd``; sometimes a required field is missing or an extra one added."""
    base = st.fixed_dictionaries({k: odd(v) for k, v in required.items()},
                                 optional={k: odd(v) for k, v in (optional or {}).items()})
    names = sorted(required)

    def damage(value: dict[str, Any], action: int, which: int, key: str, extra: Any) -> dict[str, Any]:
        value = dict(value)
        if action >= 96 and names:  # rare actions at the top of the range, as in odd()
            value.pop(names[which % len(names)], None)
        elif action >= 92:
            value[key] = extra
        return value
    return st.builds(damage, base, st.integers(0, 99), st.integers(0, 7), TEXT, WRONG)


JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                        TEXT)
JSON = st.recursive(JSON_LEAVES, lambda c: st.lists(c, max_size=3) | st.dictionaries(TEXT, c, max_size=3),
                    max_leaves=12)
JSON_OBJECT = st.dictionaries(TEXT, JSON, max_size=4) | DEEP.map(lambda d: {"deep": d})

# Base64 data: a real PDF and PNG, not base64, not ASCII, empty, random bytes, and a large blob.
DATA = st.one_of(
    st.just(PDF), st.just(PNG), st.just("!!not base64!!"), st.just("été"), st.just(""), st.just("QUJD\n"),
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()), SURROGATE_TEXT,
    st.just(base64.b64encode(b"%PDF-1.7\n" + b"0" * 300_000).decode()),
)

# --- Anthropic (InvokeModel) bodies -----------------------------------------------------------

CITATION = obj({"type": st.sampled_from(["char_location", "page_location", "content_block_location", "x"]),
                "cited_text": TEXT, "document_index": st.integers(0, 3)})
CACHE = st.just({"type": "ephemeral"})


def _text_block() -> st.SearchStrategy[dict[str, Any]]:
    return obj({"type": st.just("text"), "text": TEXT}, {"citations": st.lists(CITATION, max_size=2),
                                                           "cache_control": CACHE})


IMAGE_SOURCE = obj({"type": st.sampled_from(["base64", "base64", "url", "file", "s3"]),
                    "media_type": st.sampled_from(["image/png", "image/jpeg", "image/bmp", "application/pdf"]),
                    "data": DATA})
IMAGE = obj({"type": st.just("image"), "source": IMAGE_SOURCE})
DOCUMENT_SOURCE = st.one_of(
    obj({"type": st.just("base64"), "media_type": st.sampled_from(["application/pdf", "application/pdf", "text/plain",
                                                                    "image/png"]), "data": DATA}),
    obj({"type": st.just("text"), "media_type": st.sampled_from(["text/plain", "text/plain", "text/html"]),
         "data": TEXT}),
    obj({"type": st.just("content"), "content": st.lists(_text_block() | IMAGE, min_size=1, max_size=3)}),
    obj({"type": st.sampled_from(["url", "file", "pdf", ""]), "url": TEXT, "file_id": TEXT}),
)
DOCUMENT = obj({"type": st.just("document"), "source": DOCUMENT_SOURCE},
               {"title": TEXT, "context": TEXT, "citations": obj({}, {"enabled": st.booleans()}),
                "cache_control": CACHE})
TOOL_USE = obj({"type": st.just("tool_use"), "id": TEXT, "name": TEXT, "input": JSON_OBJECT})
THINKING = obj({"type": st.just("thinking"), "thinking": TEXT, "signature": TEXT})
REDACTED = obj({"type": st.just("redacted_thinking"), "data": TEXT})
SEARCH_RESULT = obj({"type": st.just("search_result"), "source": TEXT, "title": TEXT,
                     "content": st.lists(_text_block(), max_size=2)})
USER_LEAVES = st.one_of(_text_block(), _text_block(), IMAGE, DOCUMENT, SEARCH_RESULT,
                        obj({"type": st.sampled_from(["video", "", "TEXT"]), "text": TEXT}))
# Tool results hold blocks that may hold tool results: nesting at any block depth.
USER_BLOCKS = st.recursive(
    USER_LEAVES,
    lambda inner: obj({"type": st.just("tool_result"), "tool_use_id": TEXT,
                       "content": st.one_of(TEXT, st.lists(inner, max_size=3))}, {"is_error": st.booleans()}),
    max_leaves=6,
)
ASSISTANT_BLOCKS = st.one_of(_text_block(), TOOL_USE, THINKING, REDACTED)


def _turns(user: st.SearchStrategy[Any], assistant: st.SearchStrategy[Any],
           content: Any) -> st.SearchStrategy[list[dict[str, Any]]]:
    """user, or user/assistant/user; any turn's content may be the wrong kind."""
    def turn(role: str, blocks: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return obj({"role": st.just(role), "content": content(blocks)})
    return st.one_of(st.tuples(turn("user", user)),
                     st.tuples(turn("user", user), turn("assistant", assistant), turn("user", user))).map(list)


TOOL = obj({"name": st.sampled_from(["get_weather", "bad name!"]) | TEXT, "input_schema": JSON_OBJECT},
           {"description": TEXT, "type": st.sampled_from(["custom", "bash_20250124"])})
ANTHROPIC_OPTIONAL = {
    "system": st.one_of(TEXT, st.lists(_text_block(), max_size=2)),
    "stop_sequences": st.lists(TEXT, max_size=2),
    "temperature": st.floats(0, 1),
    "top_k": st.integers(1, 500),
    "tools": st.lists(TOOL, max_size=2),
    "tool_choice": obj({"type": st.sampled_from(["auto", "any", "tool", "none", "x"])}, {"name": TEXT}),
    "thinking": obj({"type": st.sampled_from(["enabled", "disabled", "x"])}, {"budget_tokens": st.integers(0, 5000)}),
    "metadata": obj({}, {"user_id": TEXT}),
    "anthropic_beta": st.lists(st.sampled_from(["interleaved-thinking-2025-05-14", "x"]), max_size=1),
}


def anthropic_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """InvokeModel bodies (the Anthropic Messages shape Bedrock takes)."""
    content = lambda blocks: st.one_of(TEXT, st.lists(blocks, min_size=1, max_size=3))  # noqa: E731
    return obj({"anthropic_version": st.just(V), "max_tokens": st.integers(1, 4096),
                "messages": _turns(USER_BLOCKS, ASSISTANT_BLOCKS, content)}, ANTHROPIC_OPTIONAL)


# --- Converse bodies --------------------------------------------------------------------------

NAMES = st.sampled_from(["report", "Report (1)", "a  b", "x.pdf", ""]) | TEXT
C_TEXT = st.fixed_dictionaries({"text": odd(TEXT)})
C_IMAGE = st.fixed_dictionaries({"image": obj({"format": st.sampled_from(["png", "jpeg", "bmp"]),
                                              "source": obj({"bytes": DATA})})})
C_DOCUMENT_SOURCE = st.one_of(
    obj({"bytes": DATA}), obj({"text": TEXT}), obj({"content": st.lists(obj({"text": TEXT}), min_size=1, max_size=2)}),
    obj({"s3Location": obj({"uri": TEXT})}), obj({"bytes": DATA, "text": TEXT}),
)
C_DOCUMENT = st.fixed_dictionaries({"document": obj(
    {"name": NAMES, "source": C_DOCUMENT_SOURCE},
    {"format": st.sampled_from(["pdf", "txt", "md", "csv", "exe"]), "context": TEXT,
     "citations": obj({"enabled": st.booleans()})})})
C_TOOL_RESULT = st.fixed_dictionaries({"toolResult": obj(
    {"toolUseId": st.sampled_from(["tooluse_1", "bad id!"]) | TEXT,
     "content": st.lists(st.one_of(C_TEXT, st.fixed_dictionaries({"json": JSON}), C_IMAGE, C_DOCUMENT,
                                   st.fixed_dictionaries({"video": JSON_OBJECT})), max_size=3)},
    {"status": st.sampled_from(["success", "error", "x"])})})
C_USER = odd(st.one_of(C_TEXT, C_TEXT, C_IMAGE, C_DOCUMENT, C_TOOL_RESULT,
                       st.fixed_dictionaries({"cachePoint": odd(st.just({"type": "default"}))}),
                       st.fixed_dictionaries({"guardContent": JSON_OBJECT})))
C_ASSISTANT = st.one_of(
    C_TEXT,
    st.fixed_dictionaries({"toolUse": obj({"toolUseId": TEXT, "name": st.just("get_weather") | TEXT,
                                           "input": JSON_OBJECT})}),
    st.fixed_dictionaries({"reasoningContent": obj({}, {"reasoningText": obj({"text": TEXT}, {"signature": TEXT}),
                                                        "redactedContent": DATA})}),
)
C_TOOL = obj({"toolSpec": obj({"name": st.just("get_weather") | TEXT,
                               "inputSchema": obj({"json": JSON_OBJECT})}, {"description": TEXT})})
CONVERSE_OPTIONAL = {
    "system": st.lists(obj({"text": TEXT}), max_size=2),
    "inferenceConfig": obj({}, {"maxTokens": st.integers(0, 4096), "temperature": st.floats(0, 1),
                                "topP": st.floats(0, 1), "stopSequences": st.lists(TEXT, max_size=2)}),
    "toolConfig": obj({"tools": st.lists(C_TOOL, max_size=2)}, {"toolChoice": obj({"auto": st.just({})})}),
    "additionalModelRequestFields": obj({}, {"top_k": st.integers(1, 100), "metadata": JSON_OBJECT}),
    "additionalModelResponseFieldPaths": st.lists(st.sampled_from(["/stop_sequence", "/x"]) | TEXT, max_size=2),
    "requestMetadata": st.dictionaries(TEXT, TEXT, max_size=2),
}


def converse_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Converse bodies."""
    content = lambda blocks: st.lists(blocks, min_size=1, max_size=3)  # noqa: E731
    return obj({"messages": _turns(C_USER, C_ASSISTANT, content)}, CONVERSE_OPTIONAL)


def count_tokens_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """CountTokens bodies: either inner body, and sometimes a broken envelope."""
    invoke = anthropic_bodies().map(lambda b: {"invokeModel": {"body": base64.b64encode(dumps(b)).decode()}})
    converse = st.fixed_dictionaries({"converse": converse_bodies()})
    return st.one_of(
        st.fixed_dictionaries({"input": invoke}), st.fixed_dictionaries({"input": invoke}),
        st.fixed_dictionaries({"input": converse}), st.fixed_dictionaries({"input": converse}),
        obj({"input": obj({}, {"invokeModel": obj({"body": DATA}), "converse": JSON_OBJECT})}),
    )


def bodies(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    """The body strategy for one of ``OPERATIONS``."""
    if operation.startswith("Invoke"):
        return anthropic_bodies()
    if operation.startswith("Converse"):
        return converse_bodies()
    return count_tokens_bodies()
