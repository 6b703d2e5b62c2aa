"""The emulator's mutable state and its teaching controls (access, throttling, timeouts, latency).

Controls are plain methods listed in ``CONTROLS``; the in-process handle calls them directly and
the admin HTTP path (``POST /_emulator/<control>``) calls the same methods, so both stay identical.
Every argument is type-checked and bounded before anything changes (``TypeError``/``ValueError``
naming the argument, a 400 over HTTP): a control either applies completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import catalog
from . import errors
from .batch_jobs import JobStore

CONTROLS = ("revoke_access", "grant_access", "account", "throttle", "timeout", "latency", "set_date",
            "advance_clock", "revoke_api_keys", "restore_api_keys", "reset")
MAX_LATENCY_MS = 60_000       # a minute: enough to teach read timeouts, short enough to shut down
MAX_FAULT_COUNT = 100_000     # throttle/timeout ``next``
MAX_MESSAGE_CHARS = 1_000     # throttle ``message``
MAX_SEED = 2**64
MAX_MODEL_CHARS = 300         # longer than any model id or ARN
MAX_INVITED = 100             # account ``invited``: more entries than the catalog has models
MAX_API_KEY_CHARS = 16_384    # revoke_api_keys ``key``: a short-term key with a long session token fits
MAX_ADVANCE_SECONDS = 366 * 86_400  # advance_clock ``seconds``: a year is far past any cache TTL
MAX_PROMPT_CACHE_ENTRIES = 100_000  # [emulator limit]: each request stores at most 4 prefix keys


class UnknownModel(ValueError, LookupError):
    """A control named a model the catalog does not know (LookupError, as catalog.model raises)."""


def whole_number(control: str, name: str, value: object, low: int, high: int) -> int:
    """``value`` if it is an int (not a bool, not a float) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{control}: {name} must be a whole number from {low} to {high}, "
                        f"got {_shown(value)} ({type(value).__name__}).")
    if not low <= value <= high:
        raise ValueError(f"{control}: {name} must be from {low} to {high}, got {_shown(value)}.")
    return value


def fraction(control: str, name: str, value: object) -> float:
    """``value`` as a float if it is a finite number within [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{control}: {name} must be a number from 0 to 1, got {_shown(value)} "
                        f"({type(value).__name__}).")
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{control}: {name} must be a number from 0 to 1, got {_shown(value)}.")
    return float(value)


def flag(control: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{control}: {name} must be true or false, got {_shown(value)} ({type(value).__name__}).")
    return value


def text_or_none(control: str, name: str, value: object, max_chars: int) -> str | None:
    """``value`` if None or a str of at most ``max_chars`` that encodes as UTF-8 (no lone surrogates,
    which could not be sent back in a reply)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{control}: {name} must be a string or null, got {type(value).__name__}.")
    if len(value) > max_chars:
        raise ValueError(f"{control}: {name} must be at most {max_chars} characters, got {len(value)}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{control}: {name} must be valid Unicode text (it has a lone surrogate).") from None
    return value


def _shown(value: object) -> str:
    """A short, ASCII-safe rendering of a rejected value for an error message."""
    text = ascii(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Account:
    """Who the emulated AWS account is, as far as model access goes (see ``EmulatorState.account``)."""

    legacy_use: bool = False           # has been using Legacy models (False: a new customer)
    marketplace: bool = True           # the caller may perform the aws-marketplace subscribe actions
    use_case_form: bool = True         # Anthropic's use-case form has been submitted
    scp_blocks_global: bool = False    # an SCP denies aws:RequestedRegion "unspecified" (global. profiles)
    invited: frozenset[str] = frozenset()  # catalog keys of invite-only models the account was approved for
    data_share: bool = False           # opted in to provider data sharing (Fable, Mythos 5 and later)

    def snapshot(self) -> dict[str, Any]:
        return {"legacy_use": self.legacy_use, "marketplace": self.marketplace,
                "use_case_form": self.use_case_form, "scp_blocks_global": self.scp_blocks_global,
                "invited": sorted(self.invited), "data_share": self.data_share}


@dataclass
class Fault:
    """A fault drawn for one invocation: the error, and whether it arrives inside the stream."""

    error: errors.BedrockError
    mid_stream: bool


class EmulatorState:
    """Everything a running emulator remembers between requests. Thread-safe."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.default_region = region
        self._lock = threading.Lock()
        # Model invocation logging configurations by region: AWS keeps one per account and region ("Model
        # invocation logging is configured per AWS region", Terraform/Pulumi docs; AWS: "all invocations in your
        # AWS account used in Amazon Bedrock in a Region"). A call is logged by its own region's configuration.
        self.logging_configs: dict[str, dict[str, Any]] = {}
        # The emulator's client to the offline S3, CloudWatch Logs and IAM (aws_backend.py), set by whoever starts
        # the server; None when moto is not installed.
        self.aws: Any = None
        self.batch_jobs = JobStore()  # batch inference jobs (batch.py); reset() forgets them
        self.reset()

    # --- controls -------------------------------------------------------------------------

    def reset(self) -> dict:
        """Grant every model, restore the default account, clear faults and latency, return the clock to the real
        time, empty the prompt cache and forget batch jobs (logging configurations are kept)."""
        self.batch_jobs.clear()
        with self._lock:
            self._revoked: set[str] = set()
            self.persona = Account()
            self._throttle_next = 0
            self._throttle_rate = 0.0
            self._throttle_message = errors.throttling().message
            self._timeout_next = 0
            self._mid_stream = False
            self._rng = random.Random(0)
            self.latency_ms = 0
            self._date: dt.date | None = None
            self._keys_revoked: set[str] = set()  # sha256 of revoked keys (the keys themselves are not kept)
            self._all_keys_revoked = False
            self._clock_offset = 0          # seconds advance_clock() added to the real time
            # prefix key (see caching.py) -> (when it expires on now()'s clock, its TTL in seconds)
            self._prompt_cache: dict[str, tuple[float, int]] = {}
        return self.snapshot()

    def revoke_access(self, model: str = "all") -> dict:
        """Make the model (catalog key, API name or any id; "all" for every model) deny access."""
        keys = _model_keys("revoke_access", model)
        with self._lock:
            self._revoked |= keys
        return self.snapshot()

    def grant_access(self, model: str = "all") -> dict:
        keys = _model_keys("grant_access", model)
        with self._lock:
            self._revoked -= keys
        return self.snapshot()

    def account(self, legacy_use: bool | None = None, marketplace: bool | None = None,
                use_case_form: bool | None = None, scp_blocks_global: bool | None = None,
                invited: str | list[str] | None = None, data_share: bool | None = None) -> dict:
        """Set who the account is for model access; arguments left out (None) keep their value.

        The default persona is a *new customer* whose access otherwise works: ``legacy_use=False``, because AWS
        says "New customers cannot use Legacy models" and a learner starting the guide today has not been using
        Claude Sonnet 4.5 (Legacy since 2026-10-08), so the guide's own model answers as it would for them.
        ``legacy_use=True`` is an existing customer still using Legacy models. The other flags teach today's
        first-call failures: ``marketplace=False`` (the Marketplace 403), ``use_case_form=False`` (Anthropic's
        use-case form missing, a 404), ``scp_blocks_global=True`` (an SCP denies ``global.`` profiles; geographic
        profiles and in-region ids keep working). ``invited`` (model ids/keys, or "all") approves invite-only
        models (Mythos); ``data_share=True`` opts in to provider data sharing (Fable, Mythos 5 and later).
        """
        changes: dict[str, Any] = {}
        for name, value in (("legacy_use", legacy_use), ("marketplace", marketplace),
                            ("use_case_form", use_case_form), ("scp_blocks_global", scp_blocks_global),
                            ("data_share", data_share)):
            if value is not None:
                changes[name] = flag("account", name, value)
        if invited is not None:
            changes["invited"] = _invited(invited)
        with self._lock:
            self.persona = replace(self.persona, **changes)
        return self.snapshot()

    def throttle(self, next: int = 0, rate: float = 0.0, mid_stream: bool = False, seed: int = 0,
                 message: str | None = None) -> dict:
        """Throttle the next ``next`` invocations, and/or a fraction ``rate`` of them (seeded)."""
        count = whole_number("throttle", "next", next, 0, MAX_FAULT_COUNT)
        share = fraction("throttle", "rate", rate)
        in_stream = flag("throttle", "mid_stream", mid_stream)
        rng = random.Random(whole_number("throttle", "seed", seed, -MAX_SEED, MAX_SEED))
        text = text_or_none("throttle", "message", message, MAX_MESSAGE_CHARS)
        with self._lock:
            self._throttle_next, self._throttle_rate = count, share
            self._throttle_message = text or errors.throttling().message
            self._mid_stream = in_stream
            self._rng = rng
        return self.snapshot()

    def timeout(self, next: int = 1, mid_stream: bool = False) -> dict:
        """Make the next ``next`` invocations fail with ModelTimeoutException."""
        count = whole_number("timeout", "next", next, 0, MAX_FAULT_COUNT)
        in_stream = flag("timeout", "mid_stream", mid_stream)
        with self._lock:
            self._timeout_next = count
            self._mid_stream = in_stream
        return self.snapshot()

    def latency(self, ms: int = 0) -> dict:
        """Add ``ms`` milliseconds (0 to 60,000) to every invocation (first byte for streams)."""
        delay = whole_number("latency", "ms", ms, 0, MAX_LATENCY_MS)
        with self._lock:
            self.latency_ms = delay
        return self.snapshot()

    def set_date(self, date: str | None = None) -> dict:
        """Pretend today is ``date`` (ISO, e.g. "2026-01-01") for model lifecycles; None = real today."""
        day = _iso_date(date)
        with self._lock:
            self._date = day
        return self.snapshot()

    def advance_clock(self, seconds: int = 0) -> dict:
        """Move the emulator's clock ``seconds`` ahead (0 to a year): prompt-cache entries whose TTL has passed
        expire, as they would after that wait on AWS. ``reset()`` returns to the real time."""
        step = whole_number("advance_clock", "seconds", seconds, 0, MAX_ADVANCE_SECONDS)
        with self._lock:
            self._clock_offset += step
        return self.snapshot()

    def revoke_api_keys(self, key: str = "all") -> dict:
        """Refuse Bedrock API keys: ``"all"`` (every key, long-term and short-term, until restore_api_keys()),
        or one key string. On AWS: deactivate or delete a long-term key (aws iam update-service-specific-credential
        --status Inactive); a short-term key dies with the session that made it (revoke the role's sessions)."""
        if not isinstance(key, str):
            raise TypeError(f"revoke_api_keys: key must be a Bedrock API key string or \"all\", "
                            f"got {type(key).__name__}.")
        if not key.strip() or len(key) > MAX_API_KEY_CHARS:
            raise ValueError(f"revoke_api_keys: key must be \"all\" or a non-empty Bedrock API key of at most "
                             f"{MAX_API_KEY_CHARS} characters.")
        digest = None if key == "all" else _key_digest(key)
        with self._lock:
            if digest is None:
                self._all_keys_revoked = True
            else:
                self._keys_revoked.add(digest)
        return self.snapshot()

    def restore_api_keys(self) -> dict:
        """Accept every valid Bedrock API key again (undo revoke_api_keys)."""
        with self._lock:
            self._keys_revoked = set()
            self._all_keys_revoked = False
        return self.snapshot()

    def api_key_revoked(self, key: str) -> bool:
        return self._all_keys_revoked or (bool(self._keys_revoked) and _key_digest(key) in self._keys_revoked)

    def today(self) -> dt.date:
        return self._date or _today()

    def now(self) -> float:
        """The emulator's clock (Unix seconds): the real time plus what advance_clock() added."""
        return time.time() + self._clock_offset

    def snapshot(self) -> dict:
        """The current controls as plain data."""
        return {
            "default_region": self.default_region,
            "revoked": sorted(self._revoked),
            "account": self.persona.snapshot(),
            "throttle": {"next": self._throttle_next, "rate": self._throttle_rate,
                         "message": self._throttle_message},
            "timeout": {"next": self._timeout_next},
            "mid_stream": self._mid_stream,
            "latency_ms": self.latency_ms,
            "date": self._date.isoformat() if self._date else None,
            "clock_offset_seconds": self._clock_offset,
            "prompt_cache_entries": len(self._prompt_cache),
            "api_keys_revoked": "all" if self._all_keys_revoked else len(self._keys_revoked),
            "logging_configured": bool(self.logging_configs),
            "logging_regions": sorted(self.logging_configs),
        }

    # --- used by the service -------------------------------------------------------------

    def has_access(self, model: catalog.Model) -> bool:
        return model.key not in self._revoked

    def use_prompt_cache(self, lookups: Sequence[str], stores: Sequence[tuple[str, int]]) -> list[bool]:
        """One request's prompt-cache step: which ``lookups`` (prefix keys, see caching.py) are live, then
        ``stores`` (key, TTL seconds) written. A live lookup is refreshed for its own TTL (Anthropic: the cache
        "is refreshed for no additional cost each time the cached content is used"); a stored entry lives at
        least as long as it already did."""
        with self._lock:
            now = self.now()
            cache = self._prompt_cache
            live = []
            for key in lookups:
                entry = cache.get(key)
                if entry is not None and entry[0] <= now:  # expired
                    del cache[key]
                    entry = None
                live.append(entry is not None)
                if entry is not None:
                    cache[key] = (now + entry[1], entry[1])
            for key, ttl in stores:
                until, kept_ttl = cache.get(key, (0.0, 0))
                kept_ttl = kept_ttl if until > now else 0
                cache[key] = (max(until, now + ttl), max(ttl, kept_ttl))
            if len(cache) > MAX_PROMPT_CACHE_ENTRIES:  # a bound on memory: drop what expires first
                for key, _ in sorted(cache.items(), key=lambda item: item[1][0])[:len(cache) // 4]:
                    del cache[key]
        return live

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


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _model_keys(control: str, model: object) -> set[str]:
    """The catalog keys ``model`` names ("all", a catalog key, an API name or any Bedrock id)."""
    known = [m.key for m in catalog.models()]
    if not isinstance(model, str):
        raise TypeError(f"{control}: model must be a model id string or \"all\", got {type(model).__name__}.")
    if not model.strip() or len(model) > MAX_MODEL_CHARS:
        raise ValueError(f"{control}: model must be a non-empty model id of at most {MAX_MODEL_CHARS} "
                         f"characters or \"all\"; known models: {', '.join(known)}.")
    if model == "all":
        return set(known)
    try:
        return {catalog.model(model).key}
    except LookupError as e:
        raise UnknownModel(f"{control}: {e} Known models: {', '.join(known)} (or \"all\").") from None


def _invited(invited: object) -> frozenset[str]:
    """``invited`` as catalog keys: "all", one model, or a list of models (an empty list invites none)."""
    if isinstance(invited, str):
        return frozenset(_model_keys("account", invited))
    if not isinstance(invited, list | tuple):
        raise TypeError(f"account: invited must be a model id, \"all\" or a list of model ids, "
                        f"got {type(invited).__name__}.")
    if len(invited) > MAX_INVITED:
        raise ValueError(f"account: invited takes at most {MAX_INVITED} models, got {len(invited)}.")
    keys: set[str] = set()
    for item in invited:
        keys |= _model_keys("account", item)
    return frozenset(keys)


def _iso_date(date: object) -> dt.date | None:
    if date is None:
        return None
    if not isinstance(date, str):
        raise TypeError(f"set_date: date must be an ISO date string such as \"2026-06-01\" or null, "
                        f"got {type(date).__name__}.")
    if len(date) <= 32:
        try:
            return dt.date.fromisoformat(date)
        except ValueError:
            pass
    raise ValueError(f"set_date: date must be an ISO date such as \"2026-06-01\", got {_shown(date)}.")


_today_cache: tuple[int, dt.date] = (-1, dt.date.min)


def _today() -> dt.date:
    """Today's date, looked up at most once a second (``date.today()`` costs microseconds on every request)."""
    global _today_cache
    second = int(time.monotonic())
    if _today_cache[0] != second:
        _today_cache = (second, dt.date.today())
    return _today_cache[1]
