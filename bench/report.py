"""The numbers of this suite, measured now, in one markdown table (``make bench``).

Each group of rows runs in its own Python process (``report.py --measure GROUP``), one after another, so
one benchmark never shares a process, a warm cache of objects or the CPU with another; the servers,
kernels and labs they start are processes of their own too. Progress goes to stderr, the table to stdout.

    .venv/bin/python bench/report.py                          # every row but the fresh clone (~8 min)
    .venv/bin/python bench/report.py --quick --only connect lab
    .venv/bin/python bench/report.py --only fresh-clone --fresh-clone   # ~25 min: clones, installs, tests
    .venv/bin/python bench/report.py --json                   # the rows as JSON, with their numbers

Groups: emulator (req/s and latency, HTTP/1.1 and HTTP/2, against the floor and MiniStack), stall
(bench/stall_bench.py), batch (bench/batch_soak.py), notebooks (each en notebook's offline run), nbval
(the whole strict suite), connect (cold start), lab (the Makefile's lab command, cold and warm),
fresh-clone (make lab and the README's test command in a fresh clone: measured only with --fresh-clone).
The first row says on what machine, at which commit and under what load the figures were taken.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from report_rows import GROUPS, Row, measure  # noqa: E402  (bench/report_rows.py: this folder is on sys.path)

ROWS_MARKER = "REPORT-ROWS "


def machine_row(args: argparse.Namespace, load_at_start: float) -> Row:
    """Where and when: cores, load average, commit, date (figures on a shared 2-core machine move with its load)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    load = os.getloadavg()[0]
    figure = (f"{os.cpu_count()} cores, load average {load_at_start:.1f} at start, {load:.1f} at end; "
              f"commit {commit.strip() or '?'}"
              f"{' (+ local changes)' if dirty else ''}; {time.strftime('%Y-%m-%d %H:%M')}"
              f"{'; --quick' if args.quick else ''}")
    return Row("machine", figure, values={"cores": os.cpu_count(), "load_at_start": load_at_start, "load_at_end": load,
                                          "commit": commit.strip(), "quick": args.quick})


def run_group(group: str, args: argparse.Namespace) -> list[Row]:
    """One group in a fresh Python process; its rows come back as JSON on the last line of its stdout."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--measure", group]
    argv += ["--quick"] * args.quick + ["--fresh-clone"] * args.fresh_clone
    print(f"[report] {group} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=child_env())
    lines = [line for line in proc.stdout.splitlines() if line.startswith(ROWS_MARKER)]
    print(f"[report] {group}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    if proc.returncode or not lines:
        return [Row(group, f"error: its process exited {proc.returncode} without figures (see stderr)", "—",
                    "ERROR")]
    return [Row(**row) for row in json.loads(lines[-1][len(ROWS_MARKER):])]


def child_env() -> dict[str, str]:
    """Offline, and this checkout's helpers first (the venv's editable install may point at another one)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "HANDSON_MODE": "offline", "PYTHONPATH": path}


def markdown(rows: list[Row]) -> str:
    cells = [("what", "figure", "target", "result")] + [(r.what, r.figure, r.target, r.result) for r in rows]
    cells = [tuple(c.replace("|", "\\|") for c in line) for line in cells]
    widths = [max(len(line[i]) for line in cells) for i in range(4)]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |" for line in cells]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--only", nargs="+", metavar="GROUP", choices=GROUPS, default=list(GROUPS),
                        help=f"the groups of rows to measure (always in this order): {', '.join(GROUPS)}")
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs: 2 s load per server, stall without the 30 s case, a 1,000-record "
                             "batch, 3 connect() runs (the notebooks, nbval and lab rows cannot be shortened)")
    parser.add_argument("--fresh-clone", action="store_true",
                        help="measure the fresh-clone rows: git clone to /tmp, make deps, make lab; then a second "
                             "clone runs CI=true bash .ci/run (about 25 minutes)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of the table")
    parser.add_argument("--measure", metavar="GROUP", choices=GROUPS, help=argparse.SUPPRESS)  # a child's job
    args = parser.parse_args()

    if args.measure:
        rows = measure(args.measure, quick=args.quick, fresh_clone=args.fresh_clone)
        print(ROWS_MARKER + json.dumps([r.as_dict() for r in rows]), flush=True)
        return 0

    load_at_start = os.getloadavg()[0]
    rows: list[Row] = []
    for group in [g for g in GROUPS if g in args.only]:
        rows += run_group(group, args)
    rows.insert(0, machine_row(args, load_at_start))
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=1))
    else:
        print(markdown(rows))
    return 1 if any(r.result == "ERROR" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
