"""What every bench script shares: the model it calls (from the catalog) and running a server in its own process."""

from __future__ import annotations

import socket
import time

from helpers import catalog  # the bench scripts put the repository on sys.path first

# The notebooks' model (an Active one: the guide's Sonnet 4.5 is Legacy, which a new account cannot call),
# through its US profile (in every source region the benches use).
BENCH_MODEL = catalog.lesson("default")
PROFILE = BENCH_MODEL.profile_id("us")
FOUNDATION_MODEL = BENCH_MODEL.base_id  # CountTokens takes a base model id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")
