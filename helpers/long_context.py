"""The 1M-token context window: which models reach it, a long input to try it, counting, price, a spend guard.

Two ways to a 1M-token window, as of the catalog's date:

- **Native** (Claude 4.6 and later): the window *is* 1M tokens, at the model's standard price. No beta,
  nothing to ask for.
- **The guide's beta** ``context-1m-2025-08-07``: the guide says Claude Sonnet 4 and 4.5 take it. Anthropic
  retired it for both on :data:`BETA_RETIRED` ("the header will have no effect … requests that exceed the
  standard 200k-token context window will return an error"), and Sonnet 4 has since reached end of life.
  Where a model still takes it, each request style asks differently: InvokeModel
  ``"anthropic_beta": [...]`` in the JSON body; AnthropicBedrock ``client.beta.messages.create(...,
  betas=[...])``; Converse ``additionalModelRequestFields={"anthropic_beta": [...]}``; and over 200K input
  tokens the whole request is billed at the long-context rate (:mod:`helpers.cost`).

Either way a 1M-token request costs dollars, not cents: :func:`guard` refuses it in aws mode above a limit.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
from dataclasses import dataclass
from typing import Any

from . import catalog, cost
from .connection import current
from .i18n import N_, Phrase, _
from .progress import bar as progress_bar
from .table import Table
from .tokens import estimate_tokens

BETA = catalog.CONTEXT_1M_BETA
BETA_RETIRED = catalog.general("beta_1m_retired").value  # the date Anthropic retired the beta for Sonnet 4/4.5
LIMIT_VARIABLE = "HANDSON_MAX_REQUEST_USD"
DEFAULT_LIMIT_USD = 0.50  # per request; a 1M-token request on Sonnet 4.6 is about $3


# --- which models -----------------------------------------------------------------------------------------

def how_1m(model: catalog.Model) -> str:
    """``"native"``, ``"beta"`` or ``"no"``: how a model reaches a 1M-token window today."""
    if model.long_context == "native":
        return "native"
    return "beta" if model.context_1m_beta else "no"


def beta_retired(model: catalog.Model) -> bool:
    """Whether the guide says this model takes the 1M beta but the beta no longer widens it."""
    return model.long_context == "beta-retired"  # the guide's Sonnet 4.5


def supports_1m(model_id: str) -> bool:
    return how_1m(catalog.resolve(model_id).model) != "no"


def models(today: Any = None) -> Table:
    """Every catalog model that is still callable, with how it reaches 1M tokens."""
    rows = Table(header=(N_("model"), N_("window"), N_("1M tokens"), N_("lifecycle")), right={1})
    for m in catalog.models():
        state = m.lifecycle(today)
        if state != catalog.END_OF_LIFE:
            how = {"beta": f"beta: {BETA}", "native": Phrase(N_("built in")), "no": "—"}[how_1m(m)]
            if beta_retired(m):
                how = Phrase(N_("— (the guide's beta, retired {date})"), date=BETA_RETIRED)
            rows.append((m.display_name, f"{m.context_window:,}", how, state))
    return rows


# --- a long input -------------------------------------------------------------------------------------------

_PLACES = ("Shizuoka", "Nantou", "Osaka", "Taichung", "Kaohsiung", "Tokyo", "Uji", "Hualien")
_TEAS = ("sencha", "gyokuro", "oolong", "matcha", "hojicha", "genmaicha", "black tea", "cold brew")
ANSWER = "roasted yuzu peel"
NEEDLE = f"Note for auditors: the secret ingredient of the Aozora winter blend is {ANSWER}."
QUESTION = "What is the secret ingredient of the Aozora winter blend?"


@dataclass(frozen=True)
class LongText:
    """A reproducible long input with one fact hidden in the middle (a needle in a haystack)."""

    text: str
    tokens: int       # by the local estimate (helpers.tokens)
    needle: str
    question: str
    answer: str = ANSWER  # what a reply that found the needle names

    def __repr__(self) -> str:
        return _("LongText({characters} characters, about {tokens} tokens)").format(
            characters=f"{len(self.text):,}", tokens=f"{self.tokens:,}")


def build(target_tokens: int, *, seed: int = 2026, progress: bool = True) -> LongText:
    """Shipping-log lines up to about ``target_tokens`` tokens, the same text for the same arguments."""
    if not isinstance(target_tokens, int) or target_tokens < 100:
        raise ValueError("target_tokens must be a whole number of at least 100")
    rng = random.Random(seed)
    lines: list[str] = []
    chars, step, shown = 0, max(1, target_tokens // 20), 0
    needle_at: int | None = target_tokens // 2
    while -(-chars // 4) < target_tokens:  # the lines are ASCII: 4 characters a token (helpers.tokens)
        if needle_at is not None and chars // 4 >= needle_at:
            line, needle_at = NEEDLE, None
        else:
            line = (f"Log {len(lines):07d}: {rng.randint(10, 990)} boxes of {rng.choice(_TEAS)} left "
                    f"{rng.choice(_PLACES)} for {rng.choice(_PLACES)} on day {rng.randint(1, 365)} in truck "
                    f"{rng.randint(100, 999)}.")
        lines.append(line)
        chars += len(line) + 1
        if progress and chars // 4 // step > shown:
            shown = chars // 4 // step
            progress_bar(N_("building"), min(chars // 4, target_tokens), target_tokens, N_("tokens"))
    text = "\n".join(lines)
    if progress:
        sys.stdout.write("\n")
    return LongText(text, estimate_tokens(text), NEEDLE, QUESTION)


# --- counting ---------------------------------------------------------------------------------------------

def count_tokens(client: Any, model_id: str, body: dict[str, Any]) -> int:
    """Input tokens of an InvokeModel ``body`` by Bedrock's CountTokens API (free; base model id only).

    Not every model supports it on bedrock-runtime (``catalog.Model.count_tokens``; the newest, profile-only
    models do not): Bedrock then answers "The provided model doesn't support counting tokens".
    """
    base_id = catalog.resolve(model_id).model.base_id  # CountTokens rejects inference-profile ids [3p]
    response = client.count_tokens(modelId=base_id, input={"invokeModel": {"body": json.dumps(body).encode()}})
    return response["inputTokens"]


# --- the spend guard -----------------------------------------------------------------------------------------

class SpendLimitError(RuntimeError):
    """A request whose estimated cost is over the per-request limit; nothing was sent."""


def limit_usd() -> float:
    raw = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_LIMIT_USD
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{LIMIT_VARIABLE}={raw!r} is not a number of dollars (e.g. {LIMIT_VARIABLE}=7)") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{LIMIT_VARIABLE} must be a number of dollars, 0 or more, not {raw!r} "
                         f"(e.g. {LIMIT_VARIABLE}=7)")
    return value


@dataclass(frozen=True)
class Verdict:
    """What the guard decided about a request (or ``requests`` alike), and why."""

    estimate: cost.Estimate
    limit: float
    mode: str
    allowed: bool
    requests: int = 1

    @property
    def total_usd(self) -> float:
        return self.estimate.usd * self.requests

    def __str__(self) -> str:
        cost_text = self.estimate.describe()
        if self.requests > 1:
            cost_text = _("{cost} each, {total} in all").format(cost=cost_text, total=f"${self.total_usd:,.4f}")
        if self.mode == "offline":
            if self.requests > 1:
                return _("offline, so nothing is billed; on AWS these {count} requests would cost {cost}").format(
                    count=self.requests, cost=cost_text)
            return _("offline, so nothing is billed; on AWS this request would cost {cost}").format(cost=cost_text)
        verdict = (_("allowed (limit {limit}, {variable})") if self.allowed else
                   _("REFUSED (limit {limit}, {variable})")).format(limit=f"${self.limit:,.2f}",
                                                                    variable=LIMIT_VARIABLE)
        return _("estimated {cost}: {verdict}").format(cost=cost_text, verdict=verdict)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def guard(model_id: str, input_tokens: int, max_output_tokens: int, *, mode: str | None = None,
          requests: int = 1) -> Verdict:
    """Check a request's worst-case cost before sending it. In aws mode, over the limit → SpendLimitError.

    ``requests`` > 1 states the total for that many such requests (a plan, before the first); the
    limit applies to each. ``mode`` defaults to what ``connect()`` chose; before any ``connect()`` the
    guard assumes AWS.
    """
    if not isinstance(requests, int) or requests < 1:
        raise ValueError("requests must be a whole number, 1 or more")
    if mode is None:
        connection = current()
        mode = connection.mode if connection else "aws"
    estimate = cost.estimate(model_id, input_tokens, max_output_tokens)
    limit = limit_usd()
    allowed = mode == "offline" or estimate.usd <= limit
    verdict = Verdict(estimate, limit, mode, allowed, requests)
    if not allowed:
        needed = int(estimate.usd) + 1
        total = _(" ({count} requests: ${total} in all)").format(count=requests, total=f"{verdict.total_usd:,.2f}")
        raise SpendLimitError(_(
            "Not sent: {input} input tokens and up to {output} output tokens could cost {cost} a request, over your "
            "${limit} per-request limit{total}.\nTo allow it, raise the limit: os.environ[{variable}] = {value} in a "
            "cell, or `export {name}={needed}` before starting JupyterLab.").format(
                input=f"{input_tokens:,}", output=f"{max_output_tokens:,}", cost=estimate.describe(),
                limit=f"{limit:,.2f}", total=total if requests > 1 else "", variable=repr(LIMIT_VARIABLE),
                value=repr(str(needed)), name=LIMIT_VARIABLE, needed=needed))
    return verdict
