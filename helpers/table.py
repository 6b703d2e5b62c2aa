"""One small table type for every listing the helpers show: HTML in JupyterLab, aligned text elsewhere."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from .i18n import _, ljust, rjust, shown, width


class Table(list):
    """Rows under a header (and an optional caption). Subclasses may keep richer rows and override ``cells``.

    The header stays English in ``header`` (code and JSON read it); it is shown in the notebook's language
    (mark a subclass's header with ``N_``). Text columns are aligned by display width, so CJK lines up.
    """

    header: tuple[str, ...] = ()
    right: frozenset[int] = frozenset()  # columns aligned right (numbers)

    def __init__(self, rows: Iterable[Any] = (), header: Sequence[str] | None = None, caption: str = "",
                 right: Iterable[int] | None = None) -> None:
        super().__init__(rows)
        if header is not None:
            self.header = tuple(header)
        if right is not None:
            self.right = frozenset(right)
        self.caption = caption

    def cells(self) -> list[tuple[str, ...]]:
        """Each row as display strings (an :class:`~helpers.i18n.Phrase` in the notebook's language)."""
        return [tuple(shown(v) for v in row) for row in self]

    def shown_header(self) -> tuple[str, ...]:
        """The header in the current language."""
        return tuple(_(h) for h in self.header)

    def __str__(self) -> str:
        rows = [self.shown_header(), *self.cells()]
        widths = [max(width(r[i]) for r in rows) for i in range(len(self.header))]
        lines = ["  ".join(rjust(v, w) if i in self.right else ljust(v, w)
                           for i, (v, w) in enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]
        return "\n".join([self.caption, *lines] if self.caption else lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        def row(values: Sequence[str], tag: str) -> str:
            return "<tr>" + "".join(f"<{tag} style='text-align:{'right' if i in self.right else 'left'}'>"
                                    f"{html.escape(v)}</{tag}>" for i, v in enumerate(values)) + "</tr>"

        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table>{caption}{row(self.shown_header(), 'th')}{''.join(row(r, 'td') for r in self.cells())}</table>"
