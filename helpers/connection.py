"""``connect()``: the first code cell of every notebook. Chooses AWS or the offline emulator.

One environment variable, ``HANDSON_MODE``, chooses: ``offline`` (the local emulator), ``aws``
(your AWS account), or ``auto`` (the default: AWS when the standard credential chain finds
credentials, else offline). In offline mode only environment variables change, so every cell
below is exactly what you would run against AWS.
"""

from __future__ import annotations

import contextlib
import html
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from .i18n import N_, _, ljust, width

MODE_VARIABLE = "HANDSON_MODE"
MODES = ("auto", "offline", "aws")
OFFLINE_REGION = "us-west-2"  # the region the guide's samples use

# How each client finds its region (wire spec §6): they differ, which trips people up.
REGION_RULES = {
    "boto3 / AWS CLI": N_("region_name / --region, else AWS_DEFAULT_REGION, else the profile's region in "
                          "~/.aws/config"),
    "AnthropicBedrock (Python)": N_("aws_region=, else AWS_REGION, else AWS_DEFAULT_REGION, else boto3's region"),
    "@anthropic-ai/bedrock-sdk (TypeScript)": N_("awsRegion, else AWS_REGION, else us-east-1 "
                                                 "(it never reads AWS_DEFAULT_REGION or ~/.aws/config)"),
}

# The same rule in one line, for error messages.
REGION_SUMMARY = N_("boto3 reads AWS_DEFAULT_REGION, AnthropicBedrock AWS_REGION then AWS_DEFAULT_REGION, "
                    "the TS SDK only AWS_REGION")


def region_disagreement(boto3_region: str | None) -> str | None:
    """What is wrong when AWS_REGION and boto3's region differ (the SDKs would then disagree)."""
    parts = region_disagreement_parts(boto3_region)
    return ": ".join(parts) if parts else None


def region_disagreement_parts(boto3_region: str | None) -> tuple[str, str] | None:
    """:func:`region_disagreement` as (what is wrong, the fix): the doctor shows them in two columns."""
    env_region = os.environ.get("AWS_REGION")
    if env_region and boto3_region and env_region != boto3_region:
        return (_("AWS_REGION={env_region} but boto3 uses {boto3_region}").format(env_region=env_region,
                                                                                  boto3_region=boto3_region),
                _("the clients disagree. Set both AWS_REGION and AWS_DEFAULT_REGION to the same region."))
    return None


_emulator: Any = None  # one emulator per kernel, reused when connect() runs again
_current: Connection | None = None  # what the last connect() chose
_saved_env: dict[str, str | None] | None = None  # what offline mode replaced, put back for aws mode


@dataclass
class Connection:
    """Where this notebook's calls go. Displays as a table in JupyterLab, text elsewhere."""

    mode: str
    region: str | None
    endpoint: str
    account: str | None
    access_key: str | None
    notes: list[str] = field(default_factory=list)
    emulator: Any = field(default=None, repr=False)

    @property
    def masked_key(self) -> str:
        key = self.access_key or ""
        return f"{key[:4]}…{key[-4:]}" if len(key) > 8 else (_("(none)") if not key else "…")

    def _rows(self) -> list[tuple[str, str]]:
        return [(_("mode"), self.mode), (_("region"), self.region or _("(not set)")), (_("endpoint"), self.endpoint),
                (_("account"), self.account or _("(unknown)")), (_("access key"), self.masked_key)]

    def __str__(self) -> str:
        rows = self._rows()
        column = max(width(k) for k, _v in rows) + 1  # 11 in English: "access key" and a space
        lines = [f"{ljust(k, column)} {v}" for k, v in rows]
        return "\n".join(lines + [_("note: {note}").format(note=n) for n in self.notes])

    def __repr__(self) -> str:
        return f"Connection(mode={self.mode!r}, region={self.region!r}, endpoint={self.endpoint!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in self._rows())
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return f"<table>{rows}</table>" + (f"<ul>{notes}</ul>" if notes else "")


class NotConnected(RuntimeError):
    """aws mode cannot start (no or unusable credentials). In a notebook it shows as a short
    message with the fixes, not a traceback, and Run All stops at the first cell."""

    def __init__(self, problem: Any) -> None:  # a helpers.errors.Explanation
        title = problem.title
        if title[1:2].islower():  # "No credentials…" reads "…, but no credentials…"; "AWS…" and CJK stay as they are
            title = title[:1].lower() + title[1:]
        super().__init__(_("{variable}=aws, but {problem}").format(variable=MODE_VARIABLE, problem=title)
                         + f"\n{problem.fix}\n"
                         + _("`make doctor` (or `.venv/bin/python -m helpers doctor`) checks your whole setup."))

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of a traceback
        return [f"NotConnected: {self}"]


def connect(mode: str | None = None, region: str | None = None) -> Connection:
    """Choose AWS or the offline emulator (``mode`` overrides ``HANDSON_MODE``) and say which.

    Rerun-safe: once auto mode has chosen, later calls in the same kernel keep that choice (offline
    mode puts the emulator's credentials into the environment, which auto mode must not then take for
    an AWS account). An explicit ``mode`` argument or ``HANDSON_MODE`` value always wins.
    """
    global _current
    requested = (mode or os.environ.get(MODE_VARIABLE) or "auto").strip().lower()
    if requested not in MODES:
        raise ValueError(_("{variable}={value} is not a mode; use one of: {modes} (e.g. `export {variable}=offline`).")
                         .format(variable=MODE_VARIABLE, value=repr(requested), modes=", ".join(MODES)))
    chosen, notes = requested, []
    if requested == "auto":
        if _current is not None:
            chosen = _current.mode
        else:
            chosen, problem = auto_choice()
            if problem is not None and problem.code != "NoCredentialsError":  # worth saying: they tried
                notes.append(_("Your AWS credentials could not be used, so this runs offline: {problem}")
                             .format(problem=f"{problem.title} {problem.fix}"))
    connection = _offline(region) if chosen == "offline" else _aws(region)
    connection.notes[:0] = notes
    import boto3

    boto3.setup_default_session()  # forget credentials a previous connect() resolved
    _current = connection
    return connection


def current() -> Connection | None:
    """The connection the last ``connect()`` made in this process, or None before the first."""
    return _current


def auto_choice() -> tuple[str, Any]:
    """What auto mode chooses, and why not AWS: ``("aws", None)``, or ``("offline", problem)`` where
    ``problem`` is the credentials explanation (``helpers.errors.Explanation``), or None when the only
    credentials are the emulator's own example keys. The doctor reports the same decision."""
    import boto3

    from .emulator import auth
    from .errors import credentials_explanation

    session = boto3.Session()
    problem = credentials_explanation(session)  # the same words the doctor and explain() use
    if problem is not None:
        return "offline", problem
    if session.get_credentials().get_frozen_credentials().access_key in auth.IDENTITIES:
        # The emulator's documented example keys (e.g. pasted from `python -m helpers.emulator`):
        # they never open an AWS account.
        return "offline", None
    return "aws", None


def _offline(region: str | None) -> Connection:
    global _emulator, _saved_env
    from . import emulator

    region = emulator.auth.check_region(region or OFFLINE_REGION)  # a typo here would only surface as 403s
    if _saved_env is None:
        _saved_env = {name: os.environ.get(name) for name in (*emulator.CONFLICTING_ENV, *emulator.ENVIRONMENT_NAMES)}
    for name in emulator.CONFLICTING_ENV:  # before start(): e.g. an AWS_PROFILE that does not exist here
        os.environ.pop(name, None)
    if _emulator is None or not _emulator.running:
        # The variables go in before the server's threads start (see start()); later updates below only
        # replace values, which never moves the C environment under a thread reading it.
        _emulator = emulator.start(region=region, before_serving=os.environ.update)
    _emulator.region = region  # the region clients sign for, and the one Bedrock API keys must be made for
    _emulator.ensure_aws()  # the offline S3, CloudWatch Logs and IAM may have been stopped since it started
    env = _emulator.env  # https: AWS_ENDPOINT_URL…, and AWS_CA_BUNDLE / SSL_CERT_FILE / NODE_EXTRA_CA_CERTS
    for name in emulator.AWS_SERVICE_ENV:  # without moto: no stale S3/Logs/IAM endpoints from an earlier export
        if name not in env:
            os.environ.pop(name, None)
    os.environ.update(env)
    _forget_sdk_sessions()
    return Connection("offline", region, env["AWS_ENDPOINT_URL"], emulator.auth.ACCOUNT_ID, emulator.auth.ACCESS_KEY_ID,
                      [_("Offline: a local Bedrock emulator answers; replies are stand-ins, not Claude's. "
                         "Set {variable}=aws to use your AWS account.").format(variable=MODE_VARIABLE)], _emulator)


def _forget_sdk_sessions() -> None:
    """AnthropicBedrock caches the boto3 session (and so the credentials) it built first, per process;
    after a switch of mode it must resolve them again, as boto3.setup_default_session() does for boto3.
    anthropic 1.x's AnthropicBedrock caches in ``lib.bedrock._auth``; later releases moved it to ``lib.aws._auth``.
    Only a module already imported can hold a cache: importing anthropic here would add about a second of
    CPU to every connect() in a notebook that never uses it."""
    for module in ("anthropic.lib.bedrock._auth", "anthropic.lib.aws._auth"):
        if module in sys.modules:
            with contextlib.suppress(AttributeError):
                sys.modules[module]._get_session.cache_clear()


def _restore_environment() -> None:
    """Undo what offline mode changed, so aws mode sees the learner's own configuration."""
    global _saved_env
    if _saved_env is None:
        return
    for name, value in _saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _saved_env = None


def _aws(region: str | None) -> Connection:
    import boto3

    from .errors import credentials_explanation

    _restore_environment()
    _forget_sdk_sessions()
    if region:
        os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
    session = boto3.Session()
    problem = credentials_explanation(session)
    if problem is not None:
        raise NotConnected(problem)
    credentials = session.get_credentials()
    notes = [f"{client}: {_(rule)}." for client, rule in REGION_RULES.items()]
    resolved = session.region_name
    disagreement = region_disagreement(resolved)
    if disagreement:
        notes.insert(0, disagreement)
    if not resolved:
        notes.insert(0, _("No region set: set AWS_REGION and AWS_DEFAULT_REGION (e.g. us-west-2), or pass "
                          "connect(region=...)."))
    account = None
    if resolved:
        try:
            account = session.client("sts").get_caller_identity()["Account"]
        except Exception as e:  # shown, not raised: the doctor explains it in detail
            notes.insert(0, _("Could not confirm the credentials with STS: {error}").format(error=e))
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or (f"https://bedrock-runtime.{resolved}.amazonaws.com"
                                                      if resolved else _("(no region)"))
    key = credentials.get_frozen_credentials().access_key
    return Connection("aws", resolved, endpoint, account, key, notes)
