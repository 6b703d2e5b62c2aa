"""What a Claude request costs on Bedrock, itemised, from the catalog's prices.

Three rules decide the rate (wire spec §8.2–8.3, prices in helpers/data/models.toml):
- **Global vs regional.** From Claude Sonnet 4.5 on, the ``global.`` profile is the base price;
  regional use (an in-region id or a ``us.``/``eu.``/``jp.``/``apac.``/``au.`` profile) costs 10 % more.
- **Long-context tier.** On models that reach 1M tokens through the beta, a request whose input is
  over 200K tokens is billed *entirely* at 2x input and 1.5x output.
- **Prompt caching.** Cache writes cost 1.25x (5 min) or 2x (1 h) input; cache reads 0.1x.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from . import catalog

PER = 1_000_000  # prices are per million tokens
GLOBAL, REGIONAL = "global", "regional"


@dataclass(frozen=True)
class Line:
    item: str
    tokens: int
    rate: float  # USD per million tokens

    @property
    def usd(self) -> float:
        return self.tokens * self.rate / PER


@dataclass(frozen=True)
class Estimate:
    """An itemised cost: one line per kind of token, with the rate each was billed at."""

    model: catalog.Model
    pricing: str               # GLOBAL or REGIONAL
    long_context: bool
    lines: tuple[Line, ...]

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)

    @property
    def input_tokens(self) -> int:
        return sum(line.tokens for line in self.lines if line.item != "output")

    def describe(self) -> str:
        """One line, e.g. ``$0.0123 (Claude Sonnet 4.5, global)``."""
        tier = ", long-context tier" if self.long_context else ""
        return f"${self.usd:,.4f} ({self.model.display_name}, {self.pricing}{tier})"

    def __str__(self) -> str:
        rows = [f"{line.item:<22} {line.tokens:>11,} tokens × ${line.rate:>7.3f}/MTok = ${line.usd:,.6f}"
                for line in self.lines]
        return "\n".join([self.describe(), *rows])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(line.item)}</td><td style='text-align:right'>{line.tokens:,}</td>"
                       f"<td style='text-align:right'>${line.rate:.3f}</td>"
                       f"<td style='text-align:right'>${line.usd:,.6f}</td></tr>" for line in self.lines)
        return (f"<p><b>{html.escape(self.describe())}</b></p><table><tr><th>item</th><th>tokens</th>"
                f"<th>USD / MTok</th><th>USD</th></tr>{rows}</table>")


def pricing_of(model_or_profile_id: str) -> tuple[catalog.Model, str]:
    """The model an id names and whether it is billed at the global or the regional price."""
    resolved = catalog.resolve(model_or_profile_id)
    return resolved.model, GLOBAL if resolved.geography == "global" else REGIONAL


def estimate(model_or_profile_id: str, input_tokens: int, output_tokens: int = 0, *,
             cache_write_tokens: int = 0, cache_write_1h_tokens: int = 0, cache_read_tokens: int = 0,
             pricing: str | None = None) -> Estimate:
    """The cost of one request. ``pricing`` (``"global"``/``"regional"``) overrides what the id implies."""
    model, implied = pricing_of(model_or_profile_id)
    pricing = pricing or implied
    if pricing not in (GLOBAL, REGIONAL):
        raise ValueError(f"pricing must be {GLOBAL!r} or {REGIONAL!r}, not {pricing!r}")
    counts = (input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens)
    if any(not isinstance(n, int) or n < 0 for n in counts):
        raise ValueError("token counts must be whole numbers ≥ 0")
    rules = catalog.pricing()
    premium = 1 + rules.regional_premium if pricing == REGIONAL and model.regional_premium else 1.0
    total_input = input_tokens + cache_write_tokens + cache_write_1h_tokens + cache_read_tokens
    long_context = model.context_1m_beta and total_input > rules.long_context_threshold
    in_rate = model.input_price * premium * (rules.long_context_input_multiplier if long_context else 1)
    out_rate = model.output_price * premium * (rules.long_context_output_multiplier if long_context else 1)
    lines = [Line("input", input_tokens, in_rate)]
    if cache_write_tokens:
        lines.append(Line("cache write (5 min)", cache_write_tokens, in_rate * rules.cache_write_5m_multiplier))
    if cache_write_1h_tokens:
        lines.append(Line("cache write (1 h)", cache_write_1h_tokens, in_rate * rules.cache_write_1h_multiplier))
    if cache_read_tokens:
        lines.append(Line("cache read", cache_read_tokens, in_rate * rules.cache_read_multiplier))
    lines.append(Line("output", output_tokens, out_rate))
    return Estimate(model, pricing, long_context, tuple(lines))
