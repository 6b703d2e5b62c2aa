"""Extended thinking: which requests think, the rules that go with it, and the signed thinking block itself.

Modes (the catalog's ``model.thinking_modes``): ``enabled`` with ``budget_tokens`` (budget models), ``adaptive``
(Claude decides how much; ``output_config.effort`` steers it), ``disabled``; an omitted ``thinking`` means the
model's default (``model.thinks_by_default``: Sonnet 5 and the adaptive-only models think unasked). ``display``
("summarized" | "omitted", default ``model.thinking_display``) says whether the text is shown: "omitted" gives
``thinking: ""`` with a signature, as Opus 4.7 and later do (H-facts 3a).

The emulator's thinking is honest that no model ran, deterministic, and as long as the effort asks (never past
the budget). Its signature is base64 of a digest of the full thinking and an HMAC-SHA256 over (model, digest,
shown text) with a fixed key written here: a tamper check that makes a changed text or signature a 400 when
passed back, as Bedrock answers (H-facts 3c), not security — anyone can read the key. The same text gives the
same signature after a restart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from .. import catalog
from ..tokens import estimate_tokens, truncate_to_tokens
from . import errors
from .answer import RedactedThinking, Thinking

SIGNING_KEY = b"bedrock-emulator/thinking-signature/v1: a tamper check, not a secret"
_DIGEST_BYTES = 16
_REDACTED_TAG = b"emulator-redacted-thinking\0"
DISPLAYS = catalog.THINKING_DISPLAY
EFFORTS = ("low", "medium", "high", "xhigh", "max")
DEFAULT_EFFORT = "high"  # Anthropic: effort defaults to high (effort docs, H)
# Anthropic's documented test string: a request containing it gets a redacted_thinking block (extended-thinking
# docs, "Thinking redaction", H).
REDACTED_TRIGGER = "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253"
FORCED_CHOICES = ("any", "tool")
# H-facts 1c/1d (M): captured on Bedrock (Sonnet 4.6), wrapped as Claude's other errors.
FORCED_WITH_THINKING = "Thinking may not be enabled when tool_choice forces tool use."
QUESTION_WORDS = 16
ADAPTIVE_WORDS_PER_STEP = 25  # adaptive thinking: one more step per this many words of question [emulator choice]
# The emulator's reasoning steps [emulator wording]; the effort takes the first 1 (low) to 5 (max).
STEPS = (
    "Read the question and what the system prompt asks for.",
    "Check what the conversation already holds: tool results, documents, earlier turns.",
    "Decide whether a tool call or a direct answer fits better.",
    "Look for what could be wrong with that plan.",
    "Settle on a short, honest answer.",
)


@dataclass(frozen=True)
class Mode:
    """How a request thinks: ``kind`` "enabled" (with ``budget``) or "adaptive"."""

    kind: str
    budget: int | None
    display: str
    effort: str


def mode(body: dict[str, Any], model: catalog.Model) -> Mode | None:
    """The thinking this request gets, or None when it does not think."""
    config = body.get("thinking")
    config = config if isinstance(config, dict) else {}
    kind = config.get("type")
    if kind is None:
        if not model.thinks_by_default:
            return None
        kind = "adaptive"
    if kind not in ("enabled", "adaptive"):
        return None
    display = config.get("display") if config.get("display") in DISPLAYS else model.thinking_display
    output_config = body.get("output_config")
    effort = output_config.get("effort") if isinstance(output_config, dict) else None
    budget = config.get("budget_tokens") if kind == "enabled" else None
    return Mode(kind, budget if isinstance(budget, int) else None, display,
                effort if effort in EFFORTS else DEFAULT_EFFORT)


# --- the rules ---------------------------------------------------------------------------------------------------

def check(body: dict[str, Any], model: catalog.Model) -> None:
    """Claude's rules for a thinking request: ``display``, forced tool use, sampling (after model_rules' checks)."""
    config = body.get("thinking")
    if isinstance(config, dict) and "display" in config and config.get("type") in ("enabled", "adaptive") \
            and config["display"] not in DISPLAYS:
        # Claude's pydantic wording for a literal (as blocks.py words the others).
        raise errors.validation(f"thinking.{config['type']}.display: Input should be 'summarized' or 'omitted'")
    if mode(body, model) is None:
        return
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in FORCED_CHOICES:
        raise errors.model_error(FORCED_WITH_THINKING)
    temperature = body.get("temperature")
    if isinstance(temperature, (int, float)) and temperature != 1:
        # First-party text, many captures (e.g. MartialBE/one-hub#529, M); Bedrock's wrapper as for Claude's others.
        raise errors.model_error(
            "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
            "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
            "#important-considerations-when-using-extended-thinking")
    top_p = body.get("top_p")
    if isinstance(top_p, (int, float)) and top_p < 0.95:
        # First-party text quoted in several public projects (M).
        raise errors.model_error("`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled")
    if "top_k" in body:
        # [emulator wording] (the rule is Anthropic's: "Thinking isn't compatible with ... top_k", H; no capture).
        raise errors.model_error("`top_k` is not supported when thinking is enabled")


def check_history(body: dict[str, Any], model: catalog.Model) -> None:
    """Thinking blocks passed back in assistant turns must carry the signature they came with (H-facts 3c)."""
    messages = body.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else []):
        if not isinstance(message, dict) or message.get("role") != "assistant" \
                or not isinstance(message.get("content"), list):
            continue
        for j, block in enumerate(message["content"]):
            if not isinstance(block, dict):
                continue
            where = f"messages.{i}.content.{j}"
            if block.get("type") == "thinking" and isinstance(block.get("thinking"), str):
                signature = block.get("signature")
                if signature is None or signature == "":
                    # H-facts 3c (M): Bedrock's text for an empty signature, wrapped.
                    raise errors.model_error(f"{where}.thinking.signature: Field required")
                if isinstance(signature, str) and not verify(model, block["thinking"], signature):
                    # H-facts 3c (M): captured on Bedrock (Sonnet 4.6), wrapped.
                    raise errors.model_error(f"{where}: Invalid signature in thinking block")
            elif block.get("type") == "redacted_thinking" and isinstance(block.get("data"), str) \
                    and not verify_redacted(model, block["data"]):
                # [emulator wording], in the form of the thinking block's text.
                raise errors.model_error(f"{where}: Invalid data in redacted_thinking block")


# --- the thinking block ------------------------------------------------------------------------------------------

def full_text(request: Any, chosen: Mode) -> str:
    """The whole thinking (shown or not): deterministic, short, honest [emulator wording], within the budget."""
    words = request.last_user_text.split()
    question = " ".join(words[:QUESTION_WORDS]) + (" …" if len(words) > QUESTION_WORDS else "")
    steps = STEPS[: EFFORTS.index(chosen.effort) + 1]
    if chosen.kind == "adaptive":  # Claude decides how much: a short, simple question gets a short thought
        steps = steps[: 1 + len(words) // ADAPTIVE_WORDS_PER_STEP]
    text = (f"Offline emulator: no model ran, so this is not Claude's reasoning. Thinking about: "
            f"\"{question or 'the conversation so far'}\". "
            + " ".join(f"{n}. {step}" for n, step in enumerate(steps, start=1)))
    limit = max(1, min(chosen.budget or request.max_tokens, request.max_tokens - 1))  # leaves the answer a token
    return truncate_to_tokens(text, limit) if estimate_tokens(text) > limit else text


def blocks(request: Any) -> list[Thinking | RedactedThinking]:
    """The thinking blocks that open the answer to ``request`` (an ``anthropic_body.Request``): none, one
    ``thinking`` block, or one ``redacted_thinking`` block when the question holds Anthropic's test string."""
    chosen = mode(request.body, request.model)
    if chosen is None:
        return []
    text = full_text(request, chosen)
    if REDACTED_TRIGGER in request.last_user_text:
        return [RedactedThinking(redacted_data(request.model, text))]
    shown = text if chosen.display == "summarized" else ""
    return [Thinking(shown, sign(request.model, text, shown))]


def tokens(request: Any) -> int:
    """Output tokens the thinking costs: the full thinking, also when its display is "omitted" (Anthropic bills
    the full thinking, not the shown summary)."""
    chosen = mode(request.body, request.model)
    return estimate_tokens(full_text(request, chosen)) if chosen else 0


def _mac(model: catalog.Model, digest: bytes, shown: str) -> bytes:
    message = model.key.encode() + b"\0" + digest + b"\0" + shown.encode("utf-8", "surrogatepass")
    return hmac.new(SIGNING_KEY, message, hashlib.sha256).digest()


def sign(model: catalog.Model, full: str, shown: str) -> str:
    """The signature of a thinking block whose full text is ``full`` and shown text ``shown``."""
    digest = hashlib.sha256(full.encode("utf-8", "surrogatepass")).digest()[:_DIGEST_BYTES]
    return base64.b64encode(digest + _mac(model, digest, shown)).decode()


def verify(model: catalog.Model, shown: str, signature: str) -> bool:
    """Whether ``signature`` is the emulator's for this model and this shown text."""
    raw = _decode(signature)
    if raw is None or len(raw) != _DIGEST_BYTES + hashlib.sha256().digest_size:
        return False
    digest, mac = raw[:_DIGEST_BYTES], raw[_DIGEST_BYTES:]
    return hmac.compare_digest(mac, _mac(model, digest, shown))


def redacted_data(model: catalog.Model, full: str) -> str:
    digest = hashlib.sha256(full.encode("utf-8", "surrogatepass")).digest()[:_DIGEST_BYTES]
    return base64.b64encode(_REDACTED_TAG + digest + _mac(model, digest, "[redacted]")).decode()


def verify_redacted(model: catalog.Model, data: str) -> bool:
    raw = _decode(data)
    if raw is None or not raw.startswith(_REDACTED_TAG):
        return False
    rest = raw[len(_REDACTED_TAG):]
    if len(rest) != _DIGEST_BYTES + hashlib.sha256().digest_size:
        return False
    return hmac.compare_digest(rest[_DIGEST_BYTES:], _mac(model, rest[:_DIGEST_BYTES], "[redacted]"))


def _decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
