"""What a Claude request costs on Bedrock, itemised, from the catalog's prices.

The rules that decide the rate (prices and multipliers in helpers/data/models.toml, each with a source):
- **Global vs regional.** From Claude Sonnet 4.5 on, the ``global.`` profile is the base price;
  regional use (an in-region id or a ``us.``/``eu.``/``jp.``/``apac.``/``au.`` profile) costs 10 % more.
- **Size tiers.** On a model that reaches 1M tokens through the guide's beta (``long_context == "beta"``),
  a request whose input is over 200K tokens is billed *entirely* at 2x input and 1.5x output. Models
  with a native 1M window (4.6 and later) keep their standard price, except Claude Haiku 5.5, whose
  ``premium_tier`` bills a request over 100K input tokens entirely at 5x.
- **Prompt caching.** Cache writes cost 1.25x (5 min) or 2x (1 h) input; cache reads 0.1x, or the
  model's own multiplier where the catalog gives one.
- **Batch inference** (``batch=True``): half the on-demand price.
Models with no published price (Claude Mythos Preview, Mythos 5.2) cannot be estimated: :class:`NoPriceError`.
"""

from __future__ import annotations

import html
import io
import threading
from dataclasses import dataclass
from typing import Any

from . import catalog
from .i18n import N_, _, ljust
from .table import Table

PER = 1_000_000  # prices are per million tokens
GLOBAL, REGIONAL = N_("global"), N_("regional")  # values code compares; shown translated
LONG_CONTEXT_TIER = N_("long-context tier")
# Line items: code tests them ("output", "cache…"); they are shown translated.
INPUT, OUTPUT = N_("input"), N_("output")
CACHE_WRITE_5M, CACHE_WRITE_1H, CACHE_READ = N_("cache write (5 min)"), N_("cache write (1 h)"), N_("cache read")


class NoPriceError(ValueError):
    """A model with no published price: any estimate would be invented."""

    def __init__(self, model: catalog.Model) -> None:
        self.model = model
        super().__init__(_("{model} has no published price, so its cost cannot be estimated. "
                           "Ask your AWS account team, or check the model's Bedrock pricing page.").format(
                             model=model.display_name))


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
    long_context: bool         # billed at the guide's long-context tier (beta models over 200K input)
    lines: tuple[Line, ...]
    tier: str = ""             # the size tier that applied ("" = standard price)
    batch: bool = False

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)

    @property
    def input_tokens(self) -> int:
        return sum(line.tokens for line in self.lines if line.item != OUTPUT)

    def describe(self) -> str:
        """One line, e.g. ``$0.0123 (Claude Sonnet 4.6, global)``."""
        extra = "".join(f", {_(part)}" for part in (self.tier, N_("batch") if self.batch else "") if part)
        return f"${self.usd:,.4f} ({self.model.display_name}, {_(self.pricing)}{extra})"

    def __str__(self) -> str:
        tokens = _("tokens")
        rows = [f"{ljust(_(line.item), 22)} {line.tokens:>11,} {tokens} × ${line.rate:>7.3f}/MTok = ${line.usd:,.6f}"
                for line in self.lines]
        return "\n".join([self.describe(), *rows])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(_(line.item))}</td><td style='text-align:right'>{line.tokens:,}</td>"
                       f"<td style='text-align:right'>${line.rate:.3f}</td>"
                       f"<td style='text-align:right'>${line.usd:,.6f}</td></tr>" for line in self.lines)
        head = "".join(f"<th>{html.escape(_(h))}</th>" for h in (N_("item"), N_("tokens"), N_("USD / MTok"), "USD"))
        return f"<p><b>{html.escape(self.describe())}</b></p><table><tr>{head}</tr>{rows}</table>"


def pricing_of(model_or_profile_id: str) -> tuple[catalog.Model, str]:
    """The model an id names and whether it is billed at the global or the regional price."""
    resolved = catalog.resolve(model_or_profile_id)
    return resolved.model, GLOBAL if resolved.geography == "global" else REGIONAL


def size_tier(model: catalog.Model, total_input_tokens: int) -> tuple[str, float, float]:
    """The size tier a request of this many input tokens falls in: (name, input x, output x); "" = none."""
    rules = catalog.pricing()
    if model.context_1m_beta and total_input_tokens > rules.long_context_threshold:
        return LONG_CONTEXT_TIER, rules.long_context_input_multiplier, rules.long_context_output_multiplier
    tier = model.premium_tier
    if tier and total_input_tokens > tier.threshold:
        return f"over-{tier.threshold // 1000:,}K tier", tier.input, tier.output  # shown as is (not in the catalog)
    return "", 1.0, 1.0


def estimate(model_or_profile_id: str, input_tokens: int, output_tokens: int = 0, *,
             cache_write_tokens: int = 0, cache_write_1h_tokens: int = 0, cache_read_tokens: int = 0,
             pricing: str | None = None, batch: bool = False) -> Estimate:
    """The cost of one request. ``pricing`` (``"global"``/``"regional"``) overrides what the id implies;
    ``batch`` prices it as batch inference. Raises :class:`NoPriceError` for a model with no published price.
    """
    model, implied = pricing_of(model_or_profile_id)
    pricing = pricing or implied
    if pricing not in (GLOBAL, REGIONAL):
        raise ValueError(f"pricing must be {GLOBAL!r} or {REGIONAL!r}, not {pricing!r}")
    counts = (input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens)
    if any(not isinstance(n, int) or n < 0 for n in counts):
        raise ValueError("token counts must be whole numbers ≥ 0")
    if not model.has_price:
        raise NoPriceError(model)
    rules = catalog.pricing()
    factor = 1 + rules.regional_premium if pricing == REGIONAL and model.regional_premium else 1.0
    if batch:
        factor *= rules.batch_multiplier
    total_input = input_tokens + cache_write_tokens + cache_write_1h_tokens + cache_read_tokens
    tier, in_x, out_x = size_tier(model, total_input)
    in_rate = model.input_price * factor * in_x
    out_rate = model.output_price * factor * out_x
    cache_read = rules.cache_read_multiplier if model.cache_read_multiplier is None else model.cache_read_multiplier
    lines = [Line(INPUT, input_tokens, in_rate)]
    if cache_write_tokens:
        lines.append(Line(CACHE_WRITE_5M, cache_write_tokens, in_rate * rules.cache_write_5m_multiplier))
    if cache_write_1h_tokens:
        lines.append(Line(CACHE_WRITE_1H, cache_write_1h_tokens, in_rate * rules.cache_write_1h_multiplier))
    if cache_read_tokens:
        lines.append(Line(CACHE_READ, cache_read_tokens, in_rate * cache_read))
    lines.append(Line(OUTPUT, output_tokens, out_rate))
    return Estimate(model, pricing, tier == LONG_CONTEXT_TIER, tuple(lines), tier, batch)


# --- receipts: what a response cost, global vs regional ----------------------------------------------

@dataclass(frozen=True)
class Receipt:
    """What one response cost at the price its id implies, beside the global and regional prices."""

    model_id: str
    input_tokens: int
    output_tokens: int
    paid: Estimate
    global_price: Estimate | None  # None: the model has no global profile
    regional_price: Estimate

    @property
    def premium_usd(self) -> float | None:
        """What regional use costs over global for this response (None without a global profile)."""
        return None if self.global_price is None else self.regional_price.usd - self.global_price.usd

    def __str__(self) -> str:
        tokens = _("tokens")
        lines = [_("{model_id}: {input:,} input + {output:,} output tokens").format(
                     model_id=self.model_id, input=self.input_tokens, output=self.output_tokens),
                 "  " + _("paid ({pricing}): ${usd:.6f}").format(pricing=_(self.paid.pricing), usd=self.paid.usd)]
        lines += [f"    {_(line.item)}: {line.tokens:,} {tokens} ${line.usd:.6f}" for line in self.paid.lines
                  if line.item.startswith("cache")]  # only when the prompt cache was used: older receipts unchanged
        if self.global_price is not None:
            lines.append("  " + _("global ${global_usd:.6f} | regional ${regional_usd:.6f} (+${premium:.6f})").format(
                global_usd=self.global_price.usd, regional_usd=self.regional_price.usd, premium=self.premium_usd))
        else:
            lines.append("  " + _("{model} has no global profile: regional price only").format(
                model=self.paid.model.display_name))
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def receipt(response: Any, model_id: str) -> Receipt:
    """Tokens → dollars for any response shape (see helpers.responses.summarize), global vs regional.

    ``model_id`` is the id you called: only it says whether you paid the global or the regional price.
    """
    from .responses import summarize  # responses prices with this module

    usage = summarize(response)
    model, _pricing = pricing_of(model_id)
    counts = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
              "cache_read_tokens": usage.cache_read_tokens, "cache_write_tokens": usage.cache_write_5m_tokens,
              "cache_write_1h_tokens": usage.cache_write_1h_tokens}
    paid = estimate(model_id, **counts)
    global_price = estimate(model_id, **counts, pricing=GLOBAL) if "global" in model.geographies else None
    return Receipt(model_id, usage.input_tokens, usage.output_tokens, paid, global_price,
                   estimate(model_id, **counts, pricing=REGIONAL))


# --- monthly cost: table, plot, calculator ------------------------------------------------------------

DAYS_PER_MONTH = 30


def monthly(model_id: str, input_tokens: int, output_tokens: int, requests_per_day: int, *,
            pricing: str | None = None, days: int = DAYS_PER_MONTH, batch: bool = False) -> float:
    """Dollars a month for ``requests_per_day`` requests of this size (``batch``: as batch inference)."""
    if not isinstance(requests_per_day, int) or requests_per_day < 0:
        raise ValueError("requests_per_day must be a whole number ≥ 0")
    return estimate(model_id, input_tokens, output_tokens, pricing=pricing, batch=batch).usd * requests_per_day * days


def premium_models(today: Any = None) -> list[catalog.Model]:
    """Callable, priced models with a global profile and the regional premium: where the choice costs money."""
    return [m for m in catalog.models() if m.regional_premium and "global" in m.geographies and m.has_price
            and m.lifecycle(today) != catalog.END_OF_LIFE]


class MonthlyTable(Table):
    """Rows of (model, endpoint, profile id, USD per month); a table in JupyterLab, text elsewhere."""

    header = (N_("model"), N_("endpoint"), N_("profile id"), N_("USD / month"))
    right = frozenset({3})

    def cells(self) -> list[tuple[str, ...]]:
        return [(m, g, p, f"{usd:,.2f}") for m, g, p, usd in self]


def monthly_table(models: list[str] | None = None, input_tokens: int = 2_000, output_tokens: int = 500,
                  requests_per_day: int = 1_000, geographies: tuple[str, ...] = ("global", "us", "jp")) -> MonthlyTable:
    """Monthly cost of the same traffic through each endpoint of each model."""
    chosen = [catalog.model(k) for k in models] if models else premium_models()
    rows = []
    for m in chosen:
        for geo in geographies:
            if geo in m.geographies:
                profile = m.profile_id(geo)
                rows.append((m.display_name, "global" if geo == "global" else f"{geo}.", profile,
                             monthly(profile, input_tokens, output_tokens, requests_per_day)))
    caption = _("{requests:,} requests/day × {days} days, {input:,} input + {output:,} output tokens each").format(
        requests=requests_per_day, days=DAYS_PER_MONTH, input=input_tokens, output=output_tokens)
    return MonthlyTable(rows, caption=caption)


def plot(models: list[str] | None = None, input_tokens: int = 2_000, output_tokens: int = 500,
         requests_per_day: tuple[int, ...] = (10, 100, 1_000, 10_000, 100_000), ax: Any = None) -> Any:
    """Monthly cost against daily volume, global (solid) vs regional (dashed), one colour per model."""
    import matplotlib.pyplot as plt

    chosen = [catalog.model(k) for k in models] if models else premium_models()
    if ax is None:
        _figure, ax = plt.subplots(figsize=(7, 4))
    for n, m in enumerate(chosen):
        colour = f"C{n}"
        for pricing, style in ((GLOBAL, "-"), (REGIONAL, "--")):
            ys = [monthly(m.base_id, input_tokens, output_tokens, v, pricing=pricing) for v in requests_per_day]
            ax.plot(requests_per_day, ys, style, color=colour, label=f"{m.display_name} ({pricing})")
    ax.set(xscale="log", yscale="log", xlabel="requests per day", ylabel="USD per month",
           title=f"{input_tokens:,} in + {output_tokens:,} out tokens per request")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return ax.figure


def plot_png(models: list[str] | None = None, input_tokens: int = 2_000, output_tokens: int = 500) -> bytes:
    """``plot()`` as PNG bytes, drawn on a Figure outside pyplot, so it is safe from any thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4))
    FigureCanvasAgg(figure)
    plot(models, input_tokens, output_tokens, ax=figure.add_subplot())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


class PremiumTable(Table):
    """Per model: lifecycle, USD per million tokens through global. and regionally, and the premium."""

    header = (N_("model"), N_("lifecycle"), N_("global in / out"), N_("regional in / out"), N_("regional premium"))


def premium_table(models: list[str] | None = None, today: Any = None) -> PremiumTable:
    """List prices (USD per million tokens) through the global profile and regionally, for ``models``
    (default: every callable priced model with a global profile), so the premium is visible per model."""
    chosen = ([catalog.model(k) for k in models] if models else
              [m for m in catalog.models() if "global" in m.geographies and m.has_price
               and m.lifecycle(today) != catalog.END_OF_LIFE])
    rows = []
    for m in chosen:
        rates = {p: estimate(m.base_id, 1, 1, pricing=p).lines for p in (GLOBAL, REGIONAL)}  # below any tier
        shown = {p: f"{lines[0].rate:g} / {lines[-1].rate:g}" for p, lines in rates.items()}
        extra = f"+{catalog.pricing().regional_premium:.0%}" if m.regional_premium else _("none")
        rows.append((m.display_name, catalog.lifecycle_label(m, today), shown[GLOBAL], shown[REGIONAL], extra))
    return PremiumTable(rows)


def plot_premium(models: list[str] | None = None, input_tokens: int = 2_000, output_tokens: int = 500,
                 requests_per_day: tuple[int, ...] = (0, 2_500, 5_000, 7_500, 10_000), geography: str = "us",
                 ax: Any = None) -> Any:
    """What regional use costs *over* global each month, in dollars, against daily volume (linear axes).

    The total-cost plot hides a 10 % gap on logarithmic axes; the difference itself is a straight line
    whose slope is the premium per request.
    """
    import matplotlib.pyplot as plt

    chosen = [catalog.model(k) for k in models] if models else premium_models()
    if ax is None:
        _figure, ax = plt.subplots(figsize=(7, 4))
    for n, m in enumerate(chosen):
        if geography not in m.geographies or "global" not in m.geographies:
            continue
        ys = [monthly(m.profile_id(geography), input_tokens, output_tokens, v)
              - monthly(m.profile_id("global"), input_tokens, output_tokens, v) for v in requests_per_day]
        ax.plot(requests_per_day, ys, "-o", color=f"C{n}", label=f"{m.display_name}: {geography}. − global")
    ax.set(xlabel="requests per day", ylabel="extra USD per month (regional − global)",
           title=f"The regional premium, {input_tokens:,} in + {output_tokens:,} out tokens per request")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return ax.figure


def calculator(input_tokens: int = 2_000, output_tokens: int = 500, requests_per_day: int = 1_000,
               selected: str | None = None) -> Any:
    """An ipywidgets calculator (model, endpoint, tokens, requests/day) updating a table and a plot.

    ``selected`` (a catalog key or id) is the one selected first; by default the model the lessons use.

    Where widgets cannot render (a terminal, a static page, no ipywidgets) it shows as the text table.
    """
    try:
        import ipywidgets as w
    except ImportError:
        return monthly_table(None, input_tokens, output_tokens, requests_per_day)
    from IPython.display import Image, display

    models = premium_models()
    first = catalog.model(selected).key if selected else catalog.lesson("06").key
    label = {"style": {"description_width": "initial"}}  # the whole label, never "input toke…"
    model = w.Dropdown(options=[(m.display_name, m.key) for m in models],
                       value=first if first in {m.key for m in models} else models[0].key, description=_("model"),
                       **label)
    geography = w.Dropdown(options=["us", "eu", "jp", "apac", "au"], value="us", description=_("regional"), **label)
    tokens_in = w.BoundedIntText(input_tokens, min=1, max=1_000_000, step=500, description=_("input tokens"),
                                 **label)
    tokens_out = w.BoundedIntText(output_tokens, min=0, max=128_000, step=100, description=_("output tokens"),
                                  **label)
    per_day = w.BoundedIntText(requests_per_day, min=0, max=10_000_000, step=100, description=_("requests/day"),
                               **label)
    out = w.Output()

    def text() -> str:
        m = catalog.model(model.value)
        return str(monthly_table([m.key], tokens_in.value, tokens_out.value, per_day.value,
                                 ("global", geography.value)))

    redraw = threading.RLock()  # reentrant: setting geography.options inside update() calls update() again

    def update(*_changes: Any) -> None:
        # One redraw at a time, and no pyplot: JupyterLab may deliver widget messages on ipykernel's subshell
        # threads, and pyplot's global state (the current figure, the inline backend closing figures after each
        # cell) is not thread-safe — the browser test saw blank plots. The PNG is drawn on a figure of its own.
        with redraw:
            m = catalog.model(model.value)
            geography.options = [g for g in m.geographies if g != "global"] or [(_("(none)"), "(none)")]
            picture = plot_png([m.key], tokens_in.value, tokens_out.value)
            out.clear_output(wait=True)
            with out:
                print(text())
                display(Image(data=picture, format="png"))

    for control in (model, geography, tokens_in, tokens_out, per_day):
        control.observe(update, names="value")

    class Calculator(w.VBox):
        def __repr__(self) -> str:  # what a frontend without widgets shows
            return text()

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            bundle = super()._repr_mimebundle_(**kwargs)
            if bundle:  # ipywidgets cuts text/plain at 110 characters; the saved fallback is the whole table
                bundle["text/plain"] = text()
            return bundle

    update()
    return Calculator([w.HBox([model, geography]), w.HBox([tokens_in, tokens_out, per_day]), out])
