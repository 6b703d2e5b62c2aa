"""Read PDFs in a separate, killable process with a time and memory budget (issue E: no request stalls another).

Why a process: pypdf is pure Python, so in a thread it would share the GIL with the event loop and could not
be stopped; a PDF that needs more than its budget must be stoppable. Why ``subprocess`` and not
``multiprocessing``: its spawn and forkserver start methods import the parent's ``__main__`` again (an
unguarded learner script would rerun), and fork is unsafe in a threaded Jupyter kernel. A plain
``python -m helpers.emulator.pdf_worker`` child that reads length-prefixed requests on stdin inherits nothing,
answers in JSON, and is stopped with one ``kill()``.

One worker, started on the first PDF, reused, and started again after a kill or a crash. PDFs are read one at a
time (a lock): a hostile PDF delays other PDFs by at most :data:`SECONDS`, and requests without PDFs not at all.
On Linux the child caps its own address space (``RLIMIT_AS``), so a file that inflates gigabytes fails in the
child with a MemoryError instead of swapping the learner's machine.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from .. import pdf

SECONDS = 30.0                 # per PDF: 600 dense pages take pypdf about 10 s; a hostile file is cut off here
START_SECONDS = 60.0           # starting the child (Python and pypdf imports) is not part of a PDF's budget
MEMORY_BYTES = 1_000_000_000   # the child's address space (RLIMIT_AS, Linux): pypdf's own caps stay well below
_HEADER = struct.Struct("!QI")  # request: data length, max pages
_LENGTH = struct.Struct("!Q")   # reply: JSON length


class Worker:
    """The parent's handle on the child process; :meth:`read` is thread-safe and blocking."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self.starts = 0                # how many children were started (a kill or crash starts another)
        self.peak_rss_kb = 0           # the largest peak RSS a child reported (ru_maxrss, KiB on Linux)

    def read(self, data: bytes, max_pages: int, seconds: float | None = None) -> pdf.PdfInfo:
        """``pdf.read(data, max_pages=…)`` in the child; over budget, crashed or unreadable → PdfError."""
        with self._lock:
            proc = self._ensure_started()
            killed = threading.Event()
            budget = SECONDS if seconds is None else seconds
            reply = _exchange(proc, _HEADER.pack(len(data), max_pages) + data, budget, killed.set)
            if reply is None:
                self._stop()
                why = "its time budget" if killed.is_set() else "its memory budget"
                raise pdf.PdfError("The PDF needs more work than any real document: it was stopped at " + why
                                   + ".", detail=f"stopped after {budget:g} s" if killed.is_set()
                                   else "the reading process ended")
            answer = json.loads(reply)
            if answer.get("restart"):
                self._stop()
        self.peak_rss_kb = max(self.peak_rss_kb, answer.get("peak_rss_kb", 0))
        if "error" in answer:
            raise pdf.PdfError(answer["error"], detail=answer.get("detail", ""))
        pages = tuple(pdf.Page(n, text, images) for n, (text, images) in enumerate(answer["pages"], start=1))
        return pdf.PdfInfo("document.pdf", len(data), answer["encrypted"], pages, b"", answer["unread"])

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            root = str(Path(__file__).resolve().parents[2])  # the folder holding the helpers package
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
            self._proc = subprocess.Popen([sys.executable, "-m", __name__, str(MEMORY_BYTES)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=root)
            self.starts += 1
            if _exchange(self._proc, b"", START_SECONDS, lambda: None) is None:  # the child's "ready"
                self._stop()
                raise pdf.PdfError("The PDF reader process could not start.", detail=sys.executable)
        return self._proc

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()

    def close(self) -> None:
        with self._lock:
            self._stop()


def _exchange(proc: subprocess.Popen[bytes], request: bytes, seconds: float, on_kill: Any) -> bytes | None:
    """Send ``request`` (if any) and read one reply; None if the child ended or took over ``seconds``."""
    def kill() -> None:
        on_kill()
        proc.kill()

    timer = threading.Timer(seconds, kill)
    timer.daemon = True
    timer.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        if request:
            proc.stdin.write(request)
            proc.stdin.flush()
        return _read_frame(proc.stdout)
    except (OSError, ValueError):
        return None
    finally:
        timer.cancel()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            raise ValueError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream: IO[bytes]) -> bytes:
    (length,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))
    return _read_exactly(stream, length)


WORKER = Worker()
atexit.register(WORKER.close)


# --- the child --------------------------------------------------------------------------------------------

def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the time budget still applies
        return
    with contextlib.suppress(ValueError, OSError):  # macOS may refuse RLIMIT_AS: the time budget still applies
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _peak_rss_kb() -> int:
    try:
        import resource
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _answer(data: bytes, max_pages: int) -> dict[str, Any]:
    try:
        info = pdf.read(data, max_pages=max_pages)
    except pdf.PdfError as e:
        return {"error": str(e), "detail": e.detail}
    return {"encrypted": info.encrypted, "unread": info.unread_pages,
            "pages": [(page.text, page.images) for page in info.pages]}


def main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the replies
    requests = sys.stdin.buffer
    _limit_memory(int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_BYTES)
    import pypdf  # noqa: F401  (imported before "ready", so a PDF's budget is spent on the PDF)

    _write_frame(out, {"ready": True})
    while True:
        try:
            header = _read_exactly(requests, _HEADER.size)
        except ValueError:
            return  # the parent closed the pipe or exited
        size, max_pages = _HEADER.unpack(header)
        data = _read_exactly(requests, size)
        try:
            answer = _answer(data, max_pages)
        except MemoryError:
            answer = {"error": "The PDF needs more memory than any real document.", "detail": "MemoryError"}
        data = b""
        answer["peak_rss_kb"] = _peak_rss_kb()
        # After a MemoryError start afresh (the parent starts another child): it can leave state half-built.
        answer["restart"] = answer.get("detail", "").startswith("MemoryError")
        _write_frame(out, answer)
        if answer["restart"]:
            return


def _write_frame(out: IO[bytes], answer: dict[str, Any]) -> None:
    reply = json.dumps(answer).encode()
    out.write(_LENGTH.pack(len(reply)) + reply)
    out.flush()


if __name__ == "__main__":
    main()
