"""JupyterLab started the way `make lab` starts it (root_dir notebooks/, loopback, a token, WARN logs), on a free
port, with settings of its own so that the machine's Jupyter configuration cannot change what the tests see."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.refresh_notebooks import QUIET_NPM

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

# Written into the lab's own user-settings folder. Why each:
SETTINGS: dict[str, dict[str, Any]] = {
    # Running a notebook must never rewrite the committed file (outputs, execution counts).
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # Every cell in the DOM, so the checks read every prompt and output (not only the cells in view).
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No "get notified about Jupyter news?" toast over the screenshots, and no request to the internet.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Debian's chromium: apt install chromium, or set HANDSON_CHROMIUM to a Chromium binary"


def find_chromium() -> str | None:
    """The system Chromium: $HANDSON_CHROMIUM, else the first of CHROMIUM_NAMES on PATH (never a download)."""
    chosen = os.environ.get("HANDSON_CHROMIUM")
    if chosen:
        path = shutil.which(chosen)
        if path is None:
            raise FileNotFoundError(f"HANDSON_CHROMIUM={chosen} is not an executable file; {INSTALL_HINT}")
        return path
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jupyter_command() -> list[str]:
    """`.venv/bin/jupyter lab`, as the Makefile runs it (the interpreter's own, wherever the venv is)."""
    jupyter = Path(sys.executable).parent / "jupyter"
    return [str(jupyter), "lab"] if jupyter.exists() else [sys.executable, "-m", "jupyterlab"]


@dataclass
class Lab:
    """A running JupyterLab server and how to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    log: Path
    children: dict[int, int] = field(default_factory=dict)  # pid -> its start time (see processes())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}?token={self.token}"

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(self.url(f"api/{path}"), method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """End every session (and so its kernel): a test leaves no kernel running for the next one."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def remember_children(self) -> None:
        """Note the server's descendants (kernels run in sessions of their own, so no process group holds them)."""
        self.children.update(descendants(self.process.pid))


def processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, start time) of every process, from /proc (empty where there is no /proc)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (command name)"
            table[int(stat.parent.name)] = (int(fields[1]), int(fields[19]))
    return table


def descendants(pid: int) -> dict[int, int]:
    """pid -> start time of every process below ``pid``."""
    table, found, frontier = processes(), {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent and child not in found:
                found[child] = started
                frontier.append(child)
    return found


def write_settings(folder: Path) -> None:
    for plugin, values in SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def start(scratch: Path, log: Path, timeout: float = 90) -> Lab:
    """Start the lab and return once it answers its REST API; fail with its log when it does not."""
    port, token = free_port(), secrets.token_hex(24)
    write_settings(scratch / "settings")
    env = dict(os.environ)
    # The machine's own Jupyter configuration and runtime files stay out of (and untouched by) the test.
    env.update(JUPYTER_CONFIG_DIR=str(scratch / "config"), JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
               **QUIET_NPM)
    command = [*jupyter_command(), *(["--allow-root"] if os.getuid() == 0 else []), "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={NOTEBOOKS}",
               "--ServerApp.log_level=WARN", "--LabApp.log_level=WARN",
               f"--LabApp.user_settings_dir={scratch / 'settings'}",
               f"--LabApp.workspaces_dir={scratch / 'workspaces'}"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    lab = Lab(process, port, token, log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            lab.api("status")
            return lab
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(lab)
            raise RuntimeError(f"JupyterLab did not serve on port {port} within {timeout:.0f} s "
                               f"(exit code {process.returncode}); its log:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


def stop(lab: Lab, timeout: float = 20) -> list[int]:
    """Shut the lab down as a user would (its shutdown API ends every kernel), then make sure: whatever it
    started and is still running is killed by pid. Returns the pids that had to be killed (a leak)."""
    lab.remember_children()
    if lab.process.poll() is None:
        try:
            lab.api("shutdown", method="POST")
        except (urllib.error.URLError, ConnectionError, OSError):
            lab.process.send_signal(signal.SIGTERM)
        try:
            lab.process.wait(timeout)
        except subprocess.TimeoutExpired:
            lab.process.kill()
            lab.process.wait()
    killed = []
    for pid, started in sorted(lab.children.items()):
        if processes().get(pid, (None, None))[1] == started:  # the same process, not a pid reused since
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    return killed
