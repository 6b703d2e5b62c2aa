"""The lab rows of bench/report.py: `make lab` cold and warm, and a fresh clone's make lab and test command.

The lab is started with the command line the Makefile's ``lab`` target runs (read from ``make -n lab``, so the
figure follows the Makefile), and timed until ``/lab?token=…`` answers 200. Jupyter's per-user state (config,
runtime, data, workspaces, settings, IPython) lives in a new temporary folder: "cold" is the first start with
it empty, "warm" the next start with what the first left. Its config file gives the lab what a plain
``make lab`` cannot take on its command line: no browser, a free port, a known token.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from report_rows import ROOT, Row, make_line, progress, run_teed, verdict
from shared import free_port

FRESH_LAB_TARGET_S = 60.0  # issue K: fresh-clone make lab to a serving lab, warm package cache
LAB_TIMEOUT_S = 180.0


def lab_command(checkout: Path) -> str:
    """The shell line the Makefile's lab target runs (its ``$(...)`` left for the shell, as make leaves it)."""
    return make_line("lab", lambda line: "jupyter lab" in line, cwd=checkout)


def jupyter_state(folder: Path, port: int, token: str) -> dict[str, str]:
    """Environment variables that put all of Jupyter's per-user state under ``folder``, configured to serve."""
    dirs = {name: folder / name.lower() for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR",
                                                     "JUPYTERLAB_WORKSPACES_DIR", "JUPYTERLAB_SETTINGS_DIR",
                                                     "IPYTHONDIR")}
    dirs["JUPYTER_CONFIG_DIR"].mkdir(parents=True, exist_ok=True)
    config = {"ServerApp": {"port": port, "port_retries": 0, "open_browser": False},
              "IdentityProvider": {"token": token}}
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(json.dumps(config))
    return {name: str(path) for name, path in dirs.items()}


def time_to_serving(argv: list[str], checkout: Path, env: dict[str, str], port: int, token: str,
                    log: Path) -> float:
    """Seconds from starting ``argv`` to HTTP 200 on /lab?token=…; the lab (its whole process group) is stopped."""
    url = f"http://127.0.0.1:{port}/lab?token={token}"
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=checkout, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        while True:
            elapsed = time.perf_counter() - started
            if proc.poll() is not None:
                raise RuntimeError(f"the lab exited {proc.returncode} before serving: {log.read_text()[-300:]}")
            if elapsed > LAB_TIMEOUT_S:
                raise RuntimeError(f"the lab did not serve within {LAB_TIMEOUT_S:.0f} s (log: {log})")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """End the lab we started: its own session's process group (make, the shell, jupyter), by its id."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def lab_rows() -> list[Row]:
    command = lab_command(ROOT)
    with tempfile.TemporaryDirectory(prefix="k-bench-lab-") as tmp:
        port, token = free_port(), secrets.token_hex(16)
        env = {**os.environ, **jupyter_state(Path(tmp), port, token)}
        times = {}
        for kind in ("cold", "warm"):
            times[kind] = time_to_serving(["sh", "-c", command], ROOT, env, port, token, Path(tmp) / f"{kind}.log")
            progress(f"lab {kind}: {times[kind]:.1f} s")
    return [Row(f"make lab, {kind} start", f"{seconds:.1f} s to HTTP 200 on /lab (" +
                ("new, empty Jupyter state)" if kind == "cold" else "the state the cold start left)"),
                values={"seconds": seconds, "command": command}) for kind, seconds in times.items()]


# --- a fresh clone ------------------------------------------------------------------------------------------------

FRESH_LAB = "fresh clone: make deps + make lab (warm package cache)"
FRESH_TEST = "fresh clone: CI=true bash .ci/run"


def clean_env() -> dict[str, str]:
    """This shell's environment without what points at this checkout or chooses a mode for it."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "HANDSON_MODE", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def clone(base: Path, name: str) -> tuple[Path, str]:
    dest = base / name
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=dest, capture_output=True, text=True,
                            check=True).stdout.strip()
    return dest, commit


def fresh_clone_rows(measure: bool) -> list[Row]:
    if not measure:
        how = "not measured: run `bench/report.py --only fresh-clone --fresh-clone` (about 25 min)"
        return [Row(FRESH_LAB, how, f"<= {FRESH_LAB_TARGET_S:g} s"), Row(FRESH_TEST, how, "passes")]
    base = Path(tempfile.mkdtemp(prefix="k-bench-fresh-"))
    progress(f"fresh clones under {base} (logs kept there; the clones are removed)")
    if (ROOT.parent / "shared").is_dir():  # as CI lays it out: `shared` (seeds, reference) next to the checkout
        (base / "shared").symlink_to(ROOT.parent / "shared")
    rows = []
    try:
        checkout, commit = clone(base, "lab")
        status, _, deps_s = run_teed(["make", "deps"], timeout=3600, cwd=checkout, env=clean_env())
        if status:
            rows.append(Row(FRESH_LAB, f"error: make deps exited {status} after {deps_s:.0f} s", "—", "ERROR"))
        else:
            port, token = free_port(), secrets.token_hex(16)
            env = {**clean_env(), **jupyter_state(base / "jupyter", port, token)}
            lab_s = time_to_serving(["make", "lab"], checkout, env, port, token, base / "make-lab.log")
            total = deps_s + lab_s
            progress(f"fresh clone: make deps {deps_s:.0f} s, then make lab served in {lab_s:.1f} s")
            rows.append(Row(FRESH_LAB, f"{total:.0f} s to a serving lab: make deps {deps_s:.0f} s + make lab "
                                       f"{lab_s:.1f} s (commit {commit})", f"<= {FRESH_LAB_TARGET_S:g} s",
                            verdict(total <= FRESH_LAB_TARGET_S),
                            {"seconds": total, "deps_s": deps_s, "lab_s": lab_s, "commit": commit}))
        shutil.rmtree(checkout, ignore_errors=True)

        checkout, commit = clone(base, "test")
        status, out, test_s = run_teed(["bash", ".ci/run"], timeout=7200, cwd=checkout,
                                       env={**clean_env(), "CI": "true"})
        (base / "ci-run.log").write_text(out)
        if (checkout / "test-artifacts").is_dir():  # the browser tests' screenshots outlive the clone
            shutil.copytree(checkout / "test-artifacts", base / "test-artifacts", dirs_exist_ok=True)
        summaries = re.findall(r"^=+ (.+?) in [\d.]+s", out, flags=re.MULTILINE)
        rows.append(Row(FRESH_TEST, f"{test_s / 60:.1f} min, exit {status} (commit {commit}); "
                                    f"{' / '.join(summaries) or 'no pytest summary'}", "passes", verdict(status == 0),
                        {"seconds": test_s, "exit": status, "summaries": summaries, "commit": commit,
                         "log": str(base / "ci-run.log"), "artifacts": str(base / "test-artifacts")}))
        shutil.rmtree(checkout, ignore_errors=True)
    finally:
        for name in ("lab", "test"):
            shutil.rmtree(base / name, ignore_errors=True)
    return rows
