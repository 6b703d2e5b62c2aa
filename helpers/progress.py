"""Progress you can watch: a one-line text bar, and a poller that waits for AWS with one.

Plain text, no widgets: the same line works in JupyterLab, a terminal, a script's log and a saved notebook
(a widget shows only a placeholder once the kernel is gone). Lines are redrawn with a carriage return,
which JupyterLab and terminals both honour.

:func:`wait_until` is for the things AWS does in the background: invocation-log records arrive minutes after
the calls (notebook 07), a batch job works through its records for minutes to hours (notebook 10). You give it
a ``check`` that looks once and says how far along things are; it polls until done or the time is up.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .i18n import N_, _

WIDTH = 30  # characters of the bar itself

# The notebooks' code cells are the same in every edition, so they pass English words to wait_until; these
# are those words, for the catalogs (helpers translates every label, unit and hint it is given).
NOTEBOOK_WORDS = (N_("records"), N_("arrived"), N_("events"), N_("found"), N_("Run this cell again to keep waiting."))


def bar(label: str, done: int, total: int | None, unit: str, suffix: str = "") -> None:
    """Redraw ``label [#####.....] done / total unit suffix`` on the current line.

    With ``total`` unknown (None: a batch job not yet validated, say) the bar is empty and shows ``done`` alone.
    """
    label, unit = _(label), f" {_(unit)}" if unit else ""
    if total is None:
        sys.stdout.write(f"\r{label} [{'.' * WIDTH}] {done:>9,}{unit}{suffix}")
    else:
        filled = WIDTH * min(done, total) // max(total, 1)
        sys.stdout.write(f"\r{label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done:>9,} / {total:,}{unit}{suffix}")
    sys.stdout.flush()


@dataclass(frozen=True)
class Progress:
    """What one look found: whether the wait is over, how far along it is, and what to hand back.

    ``done`` is separate from ``count >= total``: a batch job that failed halfway is done, and records may
    still be arriving after the expected number. ``status`` is shown after the bar (e.g. ``InProgress``).
    """

    done: bool
    count: int = 0
    total: int | None = None
    value: Any = None
    status: str = ""


def wait_until(check: Callable[[], Progress], *, timeout: float, every: float = 15.0, describe: str = N_("waiting"),
               unit: str = "", hint: str = "", quiet_for: float = 1.0,
               sleep: Callable[[float], None] = time.sleep) -> Any:
    """Call ``check`` until it reports ``done``, drawing a progress bar; return the last ``Progress.value``.

    The first look is immediate; later ones come after 0.25 s, 0.5 s, 1 s, … doubling up to ``every`` seconds,
    so a quick answer is seen at once and a slow one is not polled more than every ``every`` seconds. Like
    tqdm's ``delay``, the bar is drawn only once ``quiet_for`` seconds have passed (or when done), so a wait that
    ends at once shows one finished line. After ``timeout`` seconds without ``done``: ``TimeoutError`` naming
    how far it got, followed by ``hint`` (what to check, or "run the cell again to keep waiting").
    """
    if timeout < 0 or every <= 0:
        raise ValueError(f"timeout must be >= 0 and every > 0 (got timeout={timeout}, every={every})")
    started, pause = time.monotonic(), min(0.25, every)
    drawn = False
    while True:
        progress = check()
        if not isinstance(progress, Progress):
            raise TypeError(f"check() must return helpers.progress.Progress, not {type(progress).__name__}")
        waited = time.monotonic() - started
        status = f" ({progress.status})" if progress.status else ""
        if progress.done:
            bar(describe, progress.count, progress.total, unit, status)
            print()
            return progress.value
        if waited >= quiet_for:
            bar(describe, progress.count, progress.total, unit,
                status + _(", waited {seconds:.0f} s").format(seconds=waited))
            drawn = True
        if waited + pause > timeout:
            if drawn:
                print()
            of = _(" of {total:,}").format(total=progress.total) if progress.total is not None else ""
            counted = f"{progress.count:,}{of} {_(unit)}".rstrip()
            message = _("{what}: not done after {seconds:.0f} s: {counted}{status}.").format(
                what=_(describe), seconds=timeout, counted=counted, status=status)
            raise TimeoutError(f"{message} {_(hint)}".strip())
        sleep(pause)
        pause = min(pause * 2, every)
