"""The rows of bench/report.py: one function per group, each run in its own process by report.py.

Every figure is measured when the function runs. The scripts that print their own figures (stall_bench.py,
batch_soak.py, pytest) run as child processes and their output is parsed; the emulator's load comes from
emulator_bench.py's own functions. Targets are the issues' (K for nbval, connect() and the lab; earlier ones
for the emulator, the stall bench and the batch soak), written once here, next to the figure they judge.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PYTHON = sys.executable

# Targets (issue K unless said): the whole strict nbval suite, connect() offline in a fresh process.
NBVAL_TARGET_S = 90.0
CONNECT_TARGET_S = 1.5
# The emulator (issues A and C): latency <= 1.3x the bare floor's, requests/s >= 3x MiniStack's InvokeModel,
# and the 4.5 MB long-context round trip <= 50 ms warm.
FLOOR_LATENCY_RATIO = 1.3
MINISTACK_RPS_RATIO = 3.0
LONG_CONTEXT_TARGET_MS = 50.0
# The stall bench (issue E): simple calls' p99 < 1 s while each hostile input runs; peak RSS < 1 GB.
STALL_P99_TARGET_MS = 1000.0
STALL_RSS_TARGET_MB = 1024.0


@dataclass
class Row:
    what: str
    figure: str
    target: str = "—"
    result: str = "—"  # "pass", "FAIL", "—" (no target, or not measured) or "ERROR" (could not measure)
    values: dict = field(default_factory=dict)  # the numbers behind the figure, for --json

    def as_dict(self) -> dict:
        return asdict(self)


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def progress(message: str) -> None:
    print(f"[report]   {message}", file=sys.stderr, flush=True)


def run_teed(argv: list[str], timeout: float, cwd: Path = ROOT, env: dict | None = None) -> tuple[int, str, float]:
    """Run ``argv``, its output copied to stderr as it comes (progress); (exit status, output, seconds)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(timeout, proc.kill)  # a hung benchmark ends as an error row, not a hung report
    watchdog.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            sys.stderr.write("    " + line)
            sys.stderr.flush()
        status = proc.wait()
    finally:
        watchdog.cancel()
    return status, "".join(lines), time.perf_counter() - started


# --- emulator: req/s and latency against the floor and MiniStack -----------------------------------------------

def emulator_rows(quick: bool) -> list[Row]:
    import emulator_bench as eb
    from botocore.credentials import Credentials

    from helpers.emulator import auth

    seconds, connections, h2_connections = (2.0 if quick else 5.0), 16, 4
    creds = Credentials(auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
    path = f"/model/{eb.PROFILE.replace(':', '%3A')}/invoke"
    use_h2load = bool(shutil.which("h2load"))
    ministack = os.environ.get("MINISTACK") or shutil.which("ministack")

    def both(port: int) -> dict[str, dict]:
        """InvokeModel on HTTP/1.1 (keep-alive clients) and on HTTP/2 (connections x streams)."""
        h1 = eb.load(port, eb.signed_bytes(port, path, eb.SMALL_BODY, creds), seconds, connections)
        request = eb.signed_h2(port, path, eb.SMALL_BODY, creds)
        h2 = (eb.h2load if use_h2load else eb.load)(port, request, seconds, h2_connections,
                                                    connections // h2_connections)
        return {"HTTP/1.1": h1, "HTTP/2": h2}

    servers: dict[str, dict[str, dict]] = {}
    procs = []
    try:
        port = eb.free_port()
        procs.append(eb.start_server([PYTHON, "-m", "helpers.emulator", "--port", str(port)], port))
        progress(f"emulator InvokeModel, {seconds:.0f} s per protocol")
        servers["emulator"] = both(port)
        progress("emulator: ~4 MB long-context round trips through boto3")
        # As emulator_bench.py: just under 1M tokens (200) and the 4.5 MB body of the target, just over (400).
        long_context = [eb.round_trip(port, chars, 3 if quick else 5) for chars in (3_900_000, 4_500_000)]
        one_client = {"emulator": eb.sequential_boto3(port, 100 if quick else 300)}
        floor = eb.free_port()
        procs.append(eb.start_server([PYTHON, str(ROOT / "bench" / "floor_server.py"), str(floor)], floor))
        progress("floor (bare ASGI app, same stack)")
        servers["floor"] = both(floor)
        one_client["floor"] = eb.sequential_boto3(floor, 100 if quick else 300)
        if ministack:
            mini = eb.free_port()
            procs.append(eb.start_server([ministack], mini, {"GATEWAY_PORT": str(mini), "LOG_LEVEL": "ERROR"}))
            progress(f"MiniStack ({ministack})")
            servers["MiniStack"] = both(mini)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)

    def latency(r: dict, protocol: str) -> tuple[str, float]:
        # h2load reports the mean per request, not percentiles: then the emulator and the floor compare means.
        return ("mean", r["p50"]) if protocol == "HTTP/2" and use_h2load else ("p50", r["p50"])

    def figure(r: dict, protocol: str) -> str:
        name, ms = latency(r, protocol)
        p99 = "" if math.isnan(r["p99"]) else f", p99 {r['p99']:.2f} ms"
        bad = {k: v for k, v in r["statuses"].items() if str(k)[0] != "2"}
        return f"{r['rps']:,.0f} req/s, {name} {ms:.2f} ms{p99}" + (f", non-2xx {bad}" if bad else "")

    load = (f"{connections} keep-alive clients" + " / " +
            f"{h2_connections} connections x {connections // h2_connections} streams"
            f"{' (h2load)' if use_h2load else ' (Python h2 client)'}, {seconds:.0f} s")
    rows = []
    for protocol in ("HTTP/1.1", "HTTP/2"):
        emu, floor_r = servers["emulator"][protocol], servers["floor"][protocol]
        name, emu_ms = latency(emu, protocol)
        ratio = emu_ms / latency(floor_r, protocol)[1]
        rows.append(Row(f"emulator InvokeModel, {protocol}",
                        f"{figure(emu, protocol)}; {name} = {ratio:.2f}x the floor's",
                        f"{name} <= {FLOOR_LATENCY_RATIO}x the floor's", verdict(ratio <= FLOOR_LATENCY_RATIO),
                        {**emu, "latency_ratio_to_floor": ratio, "load": load}))
        rows.append(Row(f"floor (bare ASGI, same stack), {protocol}", figure(floor_r, protocol),
                        values={**floor_r, "load": load}))
    for protocol in ("HTTP/1.1", "HTTP/2"):
        target = f"emulator >= {MINISTACK_RPS_RATIO:g}x its req/s"
        if "MiniStack" not in servers:
            rows.append(Row(f"MiniStack InvokeModel, {protocol}",
                            "not installed (MINISTACK=/path/to/ministack or on PATH to compare)", target))
            continue
        mini = servers["MiniStack"][protocol]
        times = servers["emulator"][protocol]["rps"] / mini["rps"]
        rows.append(Row(f"MiniStack InvokeModel, {protocol}", f"{figure(mini, protocol)}; emulator = {times:.2f}x",
                        target, verdict(times >= MINISTACK_RPS_RATIO), {**mini, "emulator_rps_ratio": times}))
    # What a learner feels: one boto3 client, one request at a time (no queueing, unlike the rows under load).
    ratio = one_client["emulator"] / one_client["floor"]
    rows.append(Row("emulator InvokeModel, one boto3 client, one request at a time",
                    f"p50 {one_client['emulator']:.2f} ms; floor {one_client['floor']:.2f} ms; "
                    f"{ratio:.2f}x the floor's",
                    f"<= {FLOOR_LATENCY_RATIO}x the floor's", verdict(ratio <= FLOOR_LATENCY_RATIO),
                    {"p50_ms": one_client["emulator"], "floor_p50_ms": one_client["floor"], "ratio": ratio}))
    worst_ms = max(ms for ms, _, _ in long_context)
    runs = [f"{size / 1e6:.1f} MB body: {ms:.1f} ms, status {status}" for ms, size, status in long_context]
    rows.append(Row("emulator, long-context InvokeModel (boto3, warm, median)",
                    "; ".join(runs) + " (400: over 1M tokens)", f"<= {LONG_CONTEXT_TARGET_MS:g} ms",
                    verdict(worst_ms <= LONG_CONTEXT_TARGET_MS),
                    {"runs": [{"ms": ms, "bytes": size, "status": status} for ms, size, status in long_context]}))
    rows.insert(0, Row("load on the servers below", load))
    return rows


# --- stall bench and batch soak: their own scripts, parsed ---------------------------------------------------

def stall_rows(quick: bool) -> list[Row]:
    argv = [PYTHON, str(ROOT / "bench" / "stall_bench.py")] + ["--quick"] * quick
    status, out, seconds = run_teed(argv, timeout=1800)
    # Its table: label, body MB, status, own s, simple n, p99 ms, max ms, emu MB, worker MB, message.
    per_input = [(m["label"], float(m["p99"])) for m in re.finditer(
        r"^(?P<label>\S.*?)\s+\d+\.\d\d\s+[\d/]+\s+\d+\.\d\d\s+\d+\s+(?P<p99>\d+|nan)\s+(?:\d+|nan)\s+\d+\s+\d+",
        out, flags=re.MULTILINE)]
    overall = re.search(r"simple calls while hostile inputs ran: (\d+), p99 (\d+) ms, max (\d+) ms, errors (\d+)", out)
    rss = re.search(r"peak RSS: emulator (\d+) MB, PDF worker (\d+) MB", out)
    if status or not (per_input and overall and rss):
        return [Row("stall bench", f"error: stall_bench.py exited {status} or printed no figures", "—", "ERROR")]
    measured = [(label, p99) for label, p99 in per_input if not math.isnan(p99)]
    worst_label, worst = max(measured, key=lambda item: item[1])
    calls, p99, longest, errors = (int(g) for g in overall.groups())
    emu_mb, worker_mb = int(rss[1]), int(rss[2])
    inputs = f"{len(per_input)} hostile inputs{' (--quick)' if quick else ''}"
    return [
        Row("stall: simple calls' worst p99 during a hostile input",
            f"{worst:.0f} ms ({worst_label}); all {calls} calls: p99 {p99} ms, max {longest} ms, {errors} errors; "
            f"{inputs}, {seconds:.0f} s", f"< {STALL_P99_TARGET_MS:,.0f} ms",
            verdict(worst < STALL_P99_TARGET_MS and errors == 0),
            {"worst_p99_ms": worst, "worst_input": worst_label, "calls": calls, "p99_ms": p99, "max_ms": longest,
             "errors": errors, "inputs": len(per_input)}),
        Row("stall: peak RSS", f"emulator {emu_mb} MB, PDF worker {worker_mb} MB",
            f"< {STALL_RSS_TARGET_MB:,.0f} MB", verdict(max(emu_mb, worker_mb) < STALL_RSS_TARGET_MB),
            {"emulator_mb": emu_mb, "worker_mb": worker_mb}),
    ]


def batch_rows(quick: bool) -> list[Row]:
    records = 1_000 if quick else 10_000
    status, out, _ = run_teed([PYTHON, str(ROOT / "bench" / "batch_soak.py"), "--records", str(records)],
                              timeout=1800)
    wall = re.search(r"wall time:\s+([\d,.]+) s", out)
    rate = re.search(r"records/s:\s+([\d,]+)", out)
    rss = re.search(r"peak RSS:\s+([\d,]+) MB", out)
    lost = re.search(r"records lost:\s+(-?[\d,]+) .*?, ([\d,]+) recordIds missing", out)
    job = re.search(r"status:\s+(\w+)", out)
    if not (wall and rate and rss and lost and job):
        return [Row("batch soak", f"error: batch_soak.py exited {status} or printed no figures", "—", "ERROR")]
    number = [int(float(m.replace(",", ""))) for m in (lost[1], lost[2])]
    return [Row(f"batch soak: {records:,}-record job (emulator + offline S3)",
                f"{job[1]}, wall {wall[1]} s ({rate[1]} records/s), {number[0]} lost, {number[1]} ids missing, "
                f"peak RSS {rss[1]} MB", "0 lost", verdict(status == 0 and number == [0, 0]),
                {"records": records, "wall_s": float(wall[1].replace(",", "")), "lost": number[0],
                 "missing": number[1], "peak_rss_mb": int(rss[1].replace(",", "")), "status": job[1]})]


# --- notebooks, nbval, connect() --------------------------------------------------------------------------------

def notebook_rows(quick: bool) -> list[Row]:
    """Each en notebook once, as `make notebooks` runs it (tools/refresh_notebooks.py), never saved."""
    from nbclient.exceptions import CellExecutionError

    from tools import refresh_notebooks

    os.environ.update(refresh_notebooks.QUIET_NPM)
    rows = []
    for path in sorted((NOTEBOOKS / "en").glob("*.ipynb")):
        name = path.relative_to(NOTEBOOKS).as_posix()
        started = time.perf_counter()
        error = ""
        try:
            refresh_notebooks.execute(path, timeout=300)
        except CellExecutionError as e:
            error = f"; error: {e.ename}: {e.evalue}"[:120]
        seconds = time.perf_counter() - started
        progress(f"{name}: {seconds:.1f} s{error}")
        rows.append(Row(f"notebook {name}, offline run (kernel start included)", f"{seconds:.1f} s{error}",
                        result="FAIL" if error else "—", values={"seconds": seconds, "error": error}))
    return rows


def make_line(target: str, wanted: Callable[[str], bool], cwd: Path = ROOT) -> str:
    """The first shell line ``make -n target`` prints that ``wanted`` accepts (continuation lines joined): the
    command a Makefile target runs, so that a figure is that command's and follows the Makefile."""
    out = subprocess.run(["make", "-n", "--no-print-directory", target], cwd=cwd, capture_output=True, text=True,
                         check=True).stdout
    for line in re.sub(r"\\\n\s*", " ", out).splitlines():
        if wanted(line):
            return line.strip()
    raise RuntimeError(f"`make -n {target}` printed no such command: has the Makefile's {target} target changed?")


def nbval_command() -> list[str]:
    """`make nbval`'s pytest command, with this interpreter (report.py sets HANDSON_MODE itself)."""
    words = shlex.split(make_line("nbval", lambda line: "pytest notebooks" in line))
    return [PYTHON, *words[words.index("-m"):]]


def nbval_rows(quick: bool) -> list[Row]:
    argv = [*nbval_command(), "-q", "-p", "no:cacheprovider"]
    count = sum(1 for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    status, out, seconds = run_teed(argv, timeout=3600)
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary)}
    load = os.getloadavg()[0]  # on a shared machine the suite's time follows the load: say what it was
    return [Row(f"nbval, all {count} notebooks (strict, -n auto)",
                f"{seconds:.1f} s; cells: {counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed"
                f"{', exit ' + str(status) if status else ''}; load average {load:.1f} at its end",
                f"<= {NBVAL_TARGET_S:g} s", verdict(status == 0 and seconds <= NBVAL_TARGET_S),
                {"seconds": seconds, "notebooks": count, "exit": status, "load_average": load, **counts})]


CONNECT_CODE = """\
import time
started = time.perf_counter()
import helpers
imported = time.perf_counter()
helpers.connect()
print(f"CONNECTED {imported - started:.4f} {time.perf_counter() - imported:.4f}", flush=True)
"""


def connect_rows(quick: bool) -> list[Row]:
    """A learner's first cell in a fresh process, from the kernel's folder: start to connect() returning."""
    runs, times, imports, connects = (3 if quick else 5), [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen([PYTHON, "-c", CONNECT_CODE], cwd=NOTEBOOKS / "en", stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        line = next((line for line in proc.stdout if line.startswith("CONNECTED")), "")
        times.append(time.perf_counter() - started)
        proc.stdout.read()
        proc.wait(timeout=60)
        if not line:
            return [Row("connect() cold start, offline", f"error: connect() exited {proc.returncode}", "—", "ERROR")]
        imports.append(float(line.split()[1]))
        connects.append(float(line.split()[2]))
        progress(f"connect(): {times[-1]:.2f} s")
    median = statistics.median(times)
    return [Row("connect() cold start, offline",
                f"median {median:.2f} s of {runs} fresh processes (runs {', '.join(f'{t:.2f}' for t in times)}; "
                f"import helpers {statistics.median(imports):.2f} s, connect() {statistics.median(connects):.2f} s)",
                f"<= {CONNECT_TARGET_S:g} s", verdict(median <= CONNECT_TARGET_S),
                {"median_s": median, "runs_s": times, "import_s": imports, "connect_s": connects})]


def lab_rows(quick: bool) -> list[Row]:
    import report_lab

    return report_lab.lab_rows()


def fresh_clone_rows(quick: bool, fresh_clone: bool) -> list[Row]:
    import report_lab

    return report_lab.fresh_clone_rows(fresh_clone)


GROUPS: dict[str, Callable[..., list[Row]]] = {
    "emulator": emulator_rows, "stall": stall_rows, "batch": batch_rows, "notebooks": notebook_rows,
    "nbval": nbval_rows, "connect": connect_rows, "lab": lab_rows, "fresh-clone": fresh_clone_rows,
}


def measure(group: str, quick: bool, fresh_clone: bool) -> list[Row]:
    try:
        if group == "fresh-clone":
            return fresh_clone_rows(quick, fresh_clone)
        return GROUPS[group](quick)
    except Exception as e:  # one group's failure is a row that says so, not a missing table
        return [Row(group, f"error: {type(e).__name__}: {e}"[:200], "—", "ERROR")]
