"""Tool use: which tools a request may define, the tool history Claude accepts, and when the emulator calls a tool.

Checks (called from :func:`anthropic_body.validate`, so InvokeModel, the Messages API and Converse share them):
custom tools (+ ``strict`` where the model takes structured outputs), the client tools Bedrock documents (bash,
text editor, memory, computer with its beta), server tools refused as Bedrock refuses them, ``tool_choice``, and
the pairing of ``tool_use`` and ``tool_result`` blocks. Texts from /work/research/H-facts.md (Q1) with their
confidence; "[emulator wording]" where no source gives one.

The decision is deterministic: a forced choice (``any`` / ``tool``) always calls; ``auto`` calls the tools whose
name or description shares a word with the last question (several: parallel calls unless
``disable_parallel_tool_use``); ``none`` answers in text. Inputs come from :func:`json_schema.instance`: valid
against the tool's ``input_schema``, filled from the question. Once tool results come back (a user message of
tool results and no new question), the answer quotes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import catalog
from . import errors, json_schema, thinking
from .blocks import field

if TYPE_CHECKING:  # anthropic_body calls this module's checks
    from .anthropic_body import Request

# Client tools (Anthropic's docs and SDK types, H for shapes; all work on Bedrock per ADR-026, H-facts 1e, M):
# type -> (required name, extra fields the definition may carry with their JSON types, required ones).
CLIENT_TOOLS: dict[str, tuple[str, dict[str, type], tuple[str, ...]]] = {
    "bash_20250124": ("bash", {}, ()),
    "text_editor_20250728": ("str_replace_based_edit_tool", {"max_characters": int}, ()),
    "text_editor_20250429": ("str_replace_based_edit_tool", {}, ()),
    "text_editor_20250124": ("str_replace_editor", {}, ()),
    "memory_20250818": ("memory", {}, ()),
    "computer_20251124": ("computer", {"display_width_px": int, "display_height_px": int, "display_number": int,
                                       "enable_zoom": bool}, ("display_width_px", "display_height_px")),
    "computer_20250124": ("computer", {"display_width_px": int, "display_height_px": int, "display_number": int},
                          ("display_width_px", "display_height_px")),
    # The first computer-use release (beta computer-use-2024-10-22): its own bash and text editor versions.
    "computer_20241022": ("computer", {"display_width_px": int, "display_height_px": int, "display_number": int},
                          ("display_width_px", "display_height_px")),
    "bash_20241022": ("bash", {}, ()),
    "text_editor_20241022": ("str_replace_editor", {}, ()),
}
# The computer tool exists only with its beta (Anthropic's computer-use docs, H-facts 1e, M).
TOOL_BETAS = {"computer_20251124": "computer-use-2025-11-24", "computer_20250124": "computer-use-2025-01-24",
              "computer_20241022": "computer-use-2024-10-22", "bash_20241022": "computer-use-2024-10-22",
              "text_editor_20241022": "computer-use-2024-10-22"}
COMMON_TOOL_FIELDS = ("type", "name", "cache_control")
# What a client tool is for, in words a question uses (the decision matches them like a description).
CLIENT_TOOL_WORDS = {
    "bash": "run shell command terminal script execute",
    "str_replace_based_edit_tool": "file edit view create replace insert text editor",
    "str_replace_editor": "file edit view create replace insert text editor",
    "memory": "memory remember recall memories note notes",
    "computer": "computer screen screenshot click type mouse keyboard desktop",
}
# Inputs of client tool calls: each tool's documented command shape, the least a caller must handle.
CLIENT_TOOL_INPUTS: dict[str, dict[str, Any]] = {
    "memory": {"command": "view", "path": "/memories"},
    "computer": {"action": "screenshot"},
    "str_replace_based_edit_tool": {"command": "view", "path": "README.md"},
    "str_replace_editor": {"command": "view", "path": "README.md"},
}
FORCED = thinking.FORCED_CHOICES  # tool_choice types that force a call
_WORD = re.compile(r"[a-z0-9]+")
# Words too common to say a question is about a tool ([emulator choice]).
_STOP_WORDS = frozenset((
    "a", "about", "all", "an", "and", "any", "are", "as", "at", "be", "by", "can", "current", "do", "does", "for",
    "from", "get", "given", "has", "have", "how", "i", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or",
    "please", "return", "returns", "set", "some", "that", "the", "this", "to", "tool", "use", "used", "what",
    "when", "where", "which", "who", "why", "will", "with", "you", "your"))
RESULT_QUOTE_CHARS = 1_000  # a tool result longer than this is quoted up to here [emulator choice]


@dataclass(frozen=True)
class Decision:
    """Tools to call this turn: (name, input) pairs, and the short text before them (``auto`` only)."""

    calls: tuple[tuple[str, dict[str, Any]], ...]
    preface: str | None = None


# --- definitions and tool_choice -----------------------------------------------------------------------------

def check(body: dict[str, Any], model: catalog.Model, betas: list[str]) -> None:
    """``tools`` and ``tool_choice`` as Claude on Bedrock checks them (after :func:`blocks.check_tools`'s shapes)."""
    tools = body.get("tools") or []
    for k, tool in enumerate(tools):
        kind = tool.get("type") or "custom"
        if kind == "custom":
            _check_custom(tool, f"tools.{k}.custom", model)
        elif kind in CLIENT_TOOLS:
            _check_client(tool, kind, f"tools.{k}.{kind}", betas)
        else:
            # H-facts 1e (M): server tools (web search, web fetch, code execution, MCP) are refused on Bedrock with
            # this text; an unknown type gets the same.
            raise errors.validation(f"tool type '{kind}' is not supported")
    _check_choice(body, tools, model)


def _check_custom(tool: dict[str, Any], at: str, model: catalog.Model) -> None:
    schema = tool["input_schema"]
    if schema.get("type") != "object":  # the SDK types it Required[Literal["object"]]; pydantic's wording [emulator]
        problem = "Field required" if "type" not in schema else "Input should be 'object'"
        raise errors.validation(f"{at}.input_schema.type: {problem}")
    strict = field(tool, "strict", bool, at, required=False, nullable=True)
    if strict and not model.structured_outputs:
        # H-facts 1e (M): strict tools are refused on the Claude 5 generation with this text.
        raise errors.validation(f"{at}.strict: Extra inputs are not permitted")
    if strict:
        problem = json_schema.unsupported(schema, f"{at}.input_schema")
        if problem:
            raise errors.validation(problem)  # H-facts 4b (M), the structured-output subset applies to strict tools


def _check_client(tool: dict[str, Any], kind: str, at: str, betas: list[str]) -> None:
    name, extras, required = CLIENT_TOOLS[kind]
    if kind in TOOL_BETAS and TOOL_BETAS[kind] not in betas:
        # [emulator wording]: the rule (the computer tool needs its beta) is Anthropic's docs (H-facts 1e, M).
        raise errors.validation(f"tool type '{kind}' requires the beta '{TOOL_BETAS[kind]}' (anthropic_beta)")
    if tool["name"] != name:
        raise errors.validation(f"{at}.name: Input should be '{name}'")  # pydantic's literal wording [emulator]
    for key in tool:
        if key not in COMMON_TOOL_FIELDS and key not in extras:
            raise errors.validation(f"{at}.{key}: Extra inputs are not permitted")  # pydantic's wording [emulator]
    for key, kind_of in extras.items():
        field(tool, key, kind_of, at, required=key in required, nullable=key not in required)


def _check_choice(body: dict[str, Any], tools: list[dict[str, Any]], model: catalog.Model) -> None:
    choice = body.get("tool_choice")
    if choice is None:
        return
    kind = choice["type"]
    at = f"tool_choice.{kind}"
    if kind == "none" and "disable_parallel_tool_use" in choice:
        raise errors.validation(f"{at}.disable_parallel_tool_use: Extra inputs are not permitted")  # [emulator]
    field(choice, "disable_parallel_tool_use", bool, at, required=False, nullable=True)
    if kind not in FORCED:
        return
    if not tools:
        # [emulator wording] (Anthropic's rule: a forced choice needs tools).
        raise errors.validation(f"{at}: tool_choice.type '{kind}' requires at least one tool in tools")
    if kind == "tool" and choice["name"] not in {t["name"] for t in tools}:
        raise errors.validation(f"{at}.name: no tool named '{choice['name']}' in tools")  # [emulator wording]
    if not model.forced_tool_choice:
        # Models that cannot be forced always think, so they answer with the forced-choice-and-thinking text
        # (thinking.check words it for the others; H-facts 1d, L for Sonnet 5.5).
        raise errors.model_error(thinking.FORCED_WITH_THINKING)


# --- the history ---------------------------------------------------------------------------------------------

def check_history(messages: list[dict[str, Any]]) -> None:
    """Every ``tool_use`` answered by a ``tool_result`` in the next message, every result answering one."""
    for i, message in enumerate(messages):
        if message["role"] == "assistant":
            asked = [b["id"] for b in message["content"] if b.get("type") == "tool_use"]
            following = messages[i + 1]["content"] if i + 1 < len(messages) else None
            if asked and following is not None:
                # The results must open the next message: Claude reads only the leading tool_result blocks
                # (its older wording said so: "Did not find N tool_result block(s) at the beginning of this
                # message", H-facts 1c, M); a result after a text block counts as missing.
                leading = []
                for block in following:
                    if block.get("type") != "tool_result":
                        break
                    leading.append(block["tool_use_id"])
                answered = set(leading)
                missing = [x for x in asked if x not in answered]
                if missing:
                    raise errors.model_error(unanswered(i, missing))
        elif message["role"] == "user":
            before = messages[i - 1]["content"] if i else []
            asked_before = {b["id"] for b in before if b.get("type") == "tool_use"}
            for j, block in enumerate(message["content"]):
                if block.get("type") == "tool_result" and block["tool_use_id"] not in asked_before:
                    # H-facts 1c: first-party text (M); Bedrock's wrapper inferred (L).
                    raise errors.model_error(
                        f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{block['tool_use_id']}. Each `tool_result` block must have a corresponding `tool_use` "
                        "block in the previous message.")


def unanswered(index: int, ids: list[str]) -> str:
    # H-facts 1c (M, Bedrock captures on Converse and InvokeModel, wrapped "The model returned the following
    # errors: "); the index is the assistant message's (first-party examples; L).
    return (f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: "
            f"{', '.join(ids)}. Each `tool_use` block must have a corresponding `tool_result` block in the next "
            "message.")


# --- the decision ----------------------------------------------------------------------------------------------

def _words(text: str) -> set[str]:
    return {w.removesuffix("s") for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP_WORDS}


def _tool_words(tool: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(name words, description words) of a tool; a client tool's description is its purpose in plain words."""
    name = tool["name"]
    described = tool.get("description") or CLIENT_TOOL_WORDS.get(name, "")
    return _words(re.sub(r"[_-]+", " ", name)), _words(described)


def _matching(tools: list[dict[str, Any]], question: str) -> list[dict[str, Any]]:
    """The tools the question is about, best first: name words count double."""
    asked = _words(question)
    scored = []
    for position, tool in enumerate(tools):
        name_words, description_words = _tool_words(tool)
        score = 2 * len(asked & name_words) + len(asked & description_words)
        if score:
            scored.append((-score, position, tool))
    return [tool for _, _, tool in sorted(scored, key=lambda s: (s[0], s[1]))]


def _last_user(request: Request) -> dict[str, Any] | None:
    last = request.messages[-1]
    return last if last["role"] == "user" else None


def _question(message: dict[str, Any]) -> str:
    return " ".join(b["text"] for b in message["content"] if b.get("type") == "text")


def _has_results(message: dict[str, Any]) -> bool:
    """A message answering tool calls (results first, maybe with a text after them, e.g. "now summarise")."""
    return any(b.get("type") == "tool_result" for b in message["content"])


def tool_input(tool: dict[str, Any], question: str) -> dict[str, Any]:
    """A call's input: valid against the tool's ``input_schema``, filled from the question."""
    kind = tool.get("type") or "custom"
    if kind == "custom":
        value = json_schema.instance(tool["input_schema"], question)
        return value if isinstance(value, dict) else {}
    if tool["name"] == "bash":
        return {"command": "echo " + json.dumps(" ".join(question.split()[:12]) or "hello")}
    return dict(CLIENT_TOOL_INPUTS.get(tool["name"], {}))


def decide(request: Request) -> Decision | None:
    """The tool calls of this turn, or None for a text answer."""
    tools = request.body.get("tools") or []
    last = _last_user(request)
    choice = request.body.get("tool_choice") or {"type": "auto"}
    if not tools or last is None or choice["type"] == "none":
        return None
    forced = choice["type"] in FORCED
    if _has_results(last) and not forced:
        return None  # the final answer (final_answer) quotes the results
    question = _question(last) or request.last_user_text
    if choice["type"] == "tool":
        chosen = [next(t for t in tools if t["name"] == choice["name"])]
    else:
        chosen = _matching(tools, question) or (tools[:1] if forced else [])
    if not chosen:
        return None
    if choice.get("disable_parallel_tool_use"):
        chosen = chosen[:1]
    calls = tuple((t["name"], tool_input(t, question)) for t in chosen)
    if forced:
        return Decision(calls)  # "The model must request at least one tool (no text is generated)." (botocore, H)
    names = [t["name"] for t in chosen]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    # [emulator wording]: the short sentence Claude writes before its calls under auto.
    plural = "s" if len(names) > 1 else ""
    return Decision(calls, f"Offline emulator, no model ran: I'll use the {listed} tool{plural}.")


def final_answer(request: Request) -> str | None:
    """The answer once tool results came back, quoting them; None when the last message is not tool results."""
    last = _last_user(request)
    if last is None or not _has_results(last) or len(request.messages) < 2:
        return None
    names = {b["id"]: b["name"] for b in request.messages[-2]["content"] if b.get("type") == "tool_use"}
    parts = []
    for block in last["content"]:
        if block.get("type") != "tool_result":
            continue
        name = names.get(block["tool_use_id"], block["tool_use_id"])
        verb = "reported an error" if block.get("is_error") else "returned"
        parts.append(f"The tool {name} {verb}: {_result_text(block.get('content'))}")
    # [emulator wording]
    return "Offline emulator, no model ran. " + " ".join(parts)


def _result_text(content: Any) -> str:
    """A tool result as quoted text: its text and JSON as sent; images and documents named."""
    if content is None or isinstance(content, str):
        text = content or "(nothing)"
    else:
        pieces = []
        for block in content:
            kind = block.get("type")
            pieces.append(block["text"] if kind == "text" else f"[{kind}]")
        text = " ".join(pieces) or "(nothing)"
    return text if len(text) <= RESULT_QUOTE_CHARS else text[:RESULT_QUOTE_CHARS].rstrip() + "..."
