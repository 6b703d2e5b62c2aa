"""Start ``python -m helpers.emulator`` in a process of its own and read the lines it prints first.

Reading those lines is the one step that can hang a whole test run: if the process fails before its blank line
(a port taken, an import error), ``iter(readline, "\\n")`` sees EOF as an endless stream of "" and grows a list
until the machine runs out of memory (a CI run was killed that way). Here EOF and silence both end in a clear
failure that shows what the process printed on stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 30.0


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The emulator's command line with ``args``; stdout and stderr are pipes, text mode."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "helpers.emulator", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def printed_lines(proc: subprocess.Popen[str], timeout: float = READY_SECONDS) -> list[str]:
    """Lines up to the blank line that ends the exports; an AssertionError with stderr if they never come."""
    assert proc.stdout is not None
    lines: list[str] = []
    finished = threading.Event()  # set on the blank line only: EOF before it is a failure

    def read() -> None:
        for line in proc.stdout:  # ends at EOF, unlike iter(readline, "\n")
            if line == "\n":
                finished.set()
                break
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if finished.is_set():
        return lines
    if reader.is_alive():
        proc.kill()
    try:
        stderr = proc.communicate(timeout=10)[1] if proc.stderr else ""
    except (subprocess.TimeoutExpired, ValueError):
        stderr = "(stderr unreadable)"
    raise AssertionError(f"the emulator did not print its exports (exit status {proc.poll()}); "
                         f"stdout so far: {lines!r}; stderr: {stderr}")


def exports_of(lines: list[str]) -> dict[str, str]:
    return dict(line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export "))
