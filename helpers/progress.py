"""A one-line text progress bar: works in JupyterLab, a terminal and a saved notebook alike (no widgets)."""

from __future__ import annotations

import sys


def bar(label: str, done: int, total: int, unit: str, suffix: str = "") -> None:
    """Redraw ``label [#####.....] done / total unit suffix`` on the current line."""
    width = 30
    filled = width * min(done, total) // max(total, 1)
    sys.stdout.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:>9,} / {total:,} {unit}{suffix}")
    sys.stdout.flush()
