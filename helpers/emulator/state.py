"""The emulator's mutable state and its teaching controls (access, throttling, timeouts, latency).

Controls are plain methods listed in ``CONTROLS``; the in-process handle calls them directly and
the admin HTTP path (``POST /_emulator/<control>``) calls the same methods, so both stay identical.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import catalog
from . import errors

CONTROLS = ("revoke_access", "grant_access", "throttle", "timeout", "latency", "set_date", "reset")


@dataclass
class Fault:
    """A fault drawn for one invocation: the error, and whether it arrives inside the stream."""

    error: errors.BedrockError
    mid_stream: bool


class EmulatorState:
    """Everything a running emulator remembers between requests. Thread-safe."""

    def __init__(self, region: str = "us-east-1", log_dir: str | Path | None = None) -> None:
        self.default_region = region
        self._lock = threading.Lock()
        self.logging_config: dict[str, Any] | None = None
        self._log_dir = Path(log_dir) if log_dir else None
        self.reset()

    @property
    def log_dir(self) -> Path:
        """Where invocation logs land (see invocation_log.py): a new temporary folder unless given."""
        with self._lock:
            if self._log_dir is None:
                self._log_dir = Path(tempfile.mkdtemp(prefix="bedrock-emulator-logs-"))
            return self._log_dir

    # --- controls -------------------------------------------------------------------------

    def reset(self) -> dict:
        """Grant every model, clear faults and latency (logging configuration is kept)."""
        with self._lock:
            self._revoked: set[str] = set()
            self._throttle_next = 0
            self._throttle_rate = 0.0
            self._throttle_message = errors.throttling().message
            self._timeout_next = 0
            self._mid_stream = False
            self._rng = random.Random(0)
            self.latency_ms = 0
            self._date: dt.date | None = None
        return self.snapshot()

    def revoke_access(self, model: str = "all") -> dict:
        """Make the model (catalog key, API name or any id; "all" for every model) deny access."""
        with self._lock:
            self._revoked |= set(_model_keys(model))
        return self.snapshot()

    def grant_access(self, model: str = "all") -> dict:
        with self._lock:
            self._revoked -= set(_model_keys(model))
        return self.snapshot()

    def throttle(self, next: int = 0, rate: float = 0.0, mid_stream: bool = False, seed: int = 0,
                 message: str | None = None) -> dict:
        """Throttle the next ``next`` invocations, and/or a fraction ``rate`` of them (seeded)."""
        if next < 0 or not 0.0 <= rate <= 1.0:
            raise ValueError("throttle needs next >= 0 and 0 <= rate <= 1")
        with self._lock:
            self._throttle_next, self._throttle_rate = int(next), float(rate)
            self._throttle_message = message or errors.throttling().message
            self._mid_stream = bool(mid_stream)
            self._rng = random.Random(seed)
        return self.snapshot()

    def timeout(self, next: int = 1, mid_stream: bool = False) -> dict:
        """Make the next ``next`` invocations fail with ModelTimeoutException."""
        if next < 0:
            raise ValueError("timeout needs next >= 0")
        with self._lock:
            self._timeout_next = int(next)
            self._mid_stream = bool(mid_stream)
        return self.snapshot()

    def latency(self, ms: int = 0) -> dict:
        """Add ``ms`` milliseconds to every invocation (first byte for streams)."""
        if ms < 0:
            raise ValueError("latency needs ms >= 0")
        with self._lock:
            self.latency_ms = int(ms)
        return self.snapshot()

    def set_date(self, date: str | None = None) -> dict:
        """Pretend today is ``date`` (ISO, e.g. "2026-01-01") for model lifecycles; None = real today."""
        with self._lock:
            self._date = dt.date.fromisoformat(date) if date else None
        return self.snapshot()

    def today(self) -> dt.date:
        return self._date or dt.date.today()

    def snapshot(self) -> dict:
        """The current controls as plain data."""
        return {
            "default_region": self.default_region,
            "revoked": sorted(self._revoked),
            "throttle": {"next": self._throttle_next, "rate": self._throttle_rate,
                         "message": self._throttle_message},
            "timeout": {"next": self._timeout_next},
            "mid_stream": self._mid_stream,
            "latency_ms": self.latency_ms,
            "date": self._date.isoformat() if self._date else None,
            "logging_configured": self.logging_config is not None,
            "log_dir": str(self._log_dir) if self._log_dir else None,
        }

    # --- used by the service -------------------------------------------------------------

    def has_access(self, model: catalog.Model) -> bool:
        return model.key not in self._revoked

    def draw_fault(self) -> Fault | None:
        """Consume the next injected fault for one invocation, if any."""
        with self._lock:
            if self._timeout_next:
                self._timeout_next -= 1
                return Fault(errors.model_timeout(), self._mid_stream)
            if self._throttle_next:
                self._throttle_next -= 1
                return Fault(errors.throttling(self._throttle_message), self._mid_stream)
            if self._throttle_rate and self._rng.random() < self._throttle_rate:
                return Fault(errors.throttling(self._throttle_message), self._mid_stream)
        return None


def _model_keys(model: str) -> list[str]:
    if model == "all":
        return [m.key for m in catalog.models()]
    return [catalog.model(model).key]
