"""A one-line text progress bar, and a poller that draws it: works in JupyterLab, a terminal and a saved
notebook alike (no widgets)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def bar(label: str, done: int, total: int, unit: str, suffix: str = "") -> None:
    """Redraw ``label [#####.....] done / total unit suffix`` on the current line."""
    width = 30
    filled = width * min(done, total) // max(total, 1)
    sys.stdout.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:>9,} / {total:,} {unit}{suffix}")
    sys.stdout.flush()


@dataclass(frozen=True)
class Reading:
    """One look at something slow: how far it got, whether it is over, and what was read (returned at the end)."""

    done: int
    total: int
    finished: bool
    note: str = ""
    value: Any = None


def wait_until(read: Callable[[], Reading], *, label: str, unit: str, interval: float, timeout: float,
               sleep: Callable[[float], None] = time.sleep) -> Reading:
    """Call ``read`` every ``interval`` seconds, redrawing a progress bar, until a reading is ``finished``.

    Returns that reading. Raises ``TimeoutError`` (with the last reading's progress) if it is not finished
    within ``timeout`` seconds: the work goes on elsewhere, so calling again later picks up where it is.
    """
    if interval <= 0 or timeout < 0:
        raise ValueError("interval must be > 0 and timeout >= 0 seconds")
    started, drawn = time.monotonic(), 0
    while True:
        reading = read()
        waited = time.monotonic() - started
        note = f", {reading.note}" if reading.note else ""
        suffix = note + ("" if reading.finished else f", waited {waited:.0f} s")
        # A terminal keeps what a shorter line does not overwrite; a notebook keeps only the last line (no padding).
        bar(label, reading.done, reading.total, unit, suffix.ljust(drawn) if sys.stdout.isatty() else suffix)
        drawn = len(suffix)
        if reading.finished:
            print()
            return reading
        if waited + interval > timeout:
            print()
            raise TimeoutError(f"Not finished after {timeout:.0f} s ({reading.done:,} of {reading.total:,} {unit}"
                               f"{note}). It goes on without you: run this again later to keep watching.")
        sleep(interval)
