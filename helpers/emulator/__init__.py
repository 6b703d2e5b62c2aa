"""A local Amazon Bedrock for Claude that unmodified boto3, the AWS CLI and the Anthropic SDKs use.

Start it in the foreground with ``python -m helpers.emulator`` (it prints the ``export`` lines to
paste into a shell), or in-process with :func:`start`, which returns a handle with ``.https_url`` (what
``.env`` points clients at: HTTPS on loopback, with a certificate made at start, see tls.py), ``.url``
(the same emulator over plain HTTP, for raw requests and the bench), ``.stop()`` and the teaching
controls (``account``, ``revoke_access``, ``revoke_api_keys``, ``throttle``, ``timeout``…).
Notebooks never import this module directly: ``helpers.connect()`` does it for offline mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import signal
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import auth, aws_backend, tls
from . import tls as _tls  # start()'s `tls` argument shadows the module
from .guard import TOKEN_ENV, Guard
from .listeners import SHUTDOWN_GRACE_SECONDS, Listener, serve_all
from .server import EmulatorApp
from .state import EmulatorState

log = logging.getLogger("helpers.emulator")
DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REGION = "127.0.0.1", 8787, "us-east-1"
# Variables that would send clients elsewhere or authenticate them differently.
CONFLICTING_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK",
                   "AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL_STS")


class PortInUseError(OSError):
    """The port is taken: another emulator, or another program."""


def environment(url: str, region: str = DEFAULT_REGION, ca_bundle: str | Path | None = None,
                aws_url: str | None = None) -> dict[str, str]:
    """The variables that point every client at an emulator (boto3 and the CLI read
    AWS_DEFAULT_REGION; the TypeScript SDK reads only AWS_REGION; AnthropicBedrock reads both).
    AnthropicBedrockMantle (Python and TypeScript) reads ANTHROPIC_BEDROCK_MANTLE_BASE_URL: the emulator serves
    bedrock-mantle's /anthropic under the path /mantle of its base URL.

    ``url`` is the emulator's https URL when it serves TLS; ``ca_bundle`` (its tls.TlsFiles.bundle) is
    then what every client trusts: AWS_CA_BUNDLE (boto3, AWS CLI), SSL_CERT_FILE (the Anthropic Python
    SDK's httpx2) and NODE_EXTRA_CA_CERTS (Node: the TypeScript SDKs). AWS_BEARER_TOKEN_BEDROCK is never set.

    ``aws_url`` is the offline S3, CloudWatch Logs and IAM (aws_services.py): botocore's service-specific
    endpoint variables (AWS_ENDPOINT_URL_S3, …_CLOUDWATCH_LOGS, …_IAM; botocore >= 1.31, AWS CLI v1 and v2) send
    those clients there while Bedrock's stay with AWS_ENDPOINT_URL.
    """
    env = {
        "AWS_ENDPOINT_URL": url,
        "ANTHROPIC_BEDROCK_BASE_URL": url,
        "ANTHROPIC_BEDROCK_MANTLE_BASE_URL": f"{url}/mantle/anthropic",
        "AWS_ACCESS_KEY_ID": auth.ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": auth.SECRET_ACCESS_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
    if ca_bundle is not None:
        env.update(dict.fromkeys(tls.TRUST_ENV, str(ca_bundle)))
    if aws_url is not None:
        env.update(dict.fromkeys(AWS_SERVICE_ENV, aws_url))
    return env


# botocore's variables for the services aws_services.py serves (STS stays with the emulator: CONFLICTING_ENV).
AWS_SERVICE_ENV = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_IAM")
# every variable environment() sets
ENVIRONMENT_NAMES = tuple(environment("https://127.0.0.1", ca_bundle="-", aws_url="http://127.0.0.1"))


def shell_lines(env: dict[str, str], shell: str = "sh") -> list[str]:
    """Lines a user pastes into their shell to use the emulator."""
    if shell == "powershell":
        return ([f"Remove-Item Env:{k} -ErrorAction SilentlyContinue" for k in CONFLICTING_ENV]
                + [f'$Env:{k} = "{v}"' for k, v in env.items()])
    return [f"unset {' '.join(CONFLICTING_ENV)}"] + [f"export {k}={v}" for k, v in env.items()]


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to the address (the checked claim on it), or a PortInUseError that says what to do.

    Not listening: the server binds the address itself once this socket is closed (listeners.py), and a
    client connecting in between is refused (and retries) rather than queued on a socket about to close."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise PortInUseError(
                e.errno, f"Port {port} on {host} is already in use. Is an emulator already running? "
                f"Stop it (Ctrl-C in its terminal), or choose another port: "
                f"python -m helpers.emulator --port {port + 1}") from None
        raise
    return sock


def servers(app: EmulatorApp, tls_files: tls.TlsFiles | None) -> tuple[Listener, Listener | None]:
    """The plain-HTTP listener and, with ``tls_files``, the TLS one, on the same app and state; both
    serve HTTP/1.1 and HTTP/2 (see listeners.py). ``serve()`` gives them their sockets' addresses."""
    return Listener(app), (Listener(app, tls_files) if tls_files else None)


def serve(plain: Listener, plain_sock: socket.socket, secure: Listener | None,
          secure_sock: socket.socket | None) -> None:
    """Run both listeners in one event loop (one thread: the app's async state stays on one loop).

    Stopping one stops both at the same moment, so shutting down takes SHUTDOWN_GRACE_SECONDS at most.
    In the main thread (the CLI), Ctrl-C and SIGTERM stop them the same way.
    """
    listeners = [plain.bind_to(plain_sock)] + ([secure.bind_to(secure_sock)] if secure and secure_sock else [])

    async def run() -> None:
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for stop_signal in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl-C stays KeyboardInterrupt
                    loop.add_signal_handler(stop_signal, plain.stop)
        await serve_all(listeners)

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(run())


def _loop_factory() -> Any:
    try:
        import uvloop
    except ImportError:  # Windows
        return None
    return uvloop.new_event_loop


class Controls:
    """The teaching controls, the same whether the emulator runs in-process or elsewhere."""

    def _control(self, name: str, **kwargs: Any) -> dict:
        raise NotImplementedError

    def revoke_access(self, model: str = "all") -> dict:
        """Deny the model (key, API name or any id; "all"): AccessDeniedException, as before the
        account requested model access."""
        return self._control("revoke_access", model=model)

    def grant_access(self, model: str = "all") -> dict:
        return self._control("grant_access", model=model)

    def account(self, legacy_use: bool | None = None, marketplace: bool | None = None,
                use_case_form: bool | None = None, scp_blocks_global: bool | None = None,
                invited: str | list[str] | None = None, data_share: bool | None = None) -> dict:
        """Set who the account is for model access; flags left out keep their value, ``reset()`` restores
        the defaults.

        Default: a *new customer* whose access otherwise works (``legacy_use=False``): AWS says "New customers
        cannot use Legacy models", and a learner starting the guide today has not been using its Claude
        Sonnet 4.5, so Legacy models answer ResourceNotFoundException. ``legacy_use=True``: an existing customer
        still using them. ``marketplace=False``: the AWS Marketplace 403 of a first call without the
        aws-marketplace permissions. ``use_case_form=False``: Anthropic's use-case form not submitted (404).
        ``scp_blocks_global=True``: an SCP denies ``global.`` profiles (403); ``us.``/``jp.``… and in-region ids
        keep working. ``invited``: invite-only models (Mythos) approved for the account, as ids or "all".
        ``data_share=True``: opted in to provider data sharing (Fable, Mythos 5 and later).
        """
        return self._control("account", legacy_use=legacy_use, marketplace=marketplace, use_case_form=use_case_form,
                             scp_blocks_global=scp_blocks_global, invited=invited, data_share=data_share)

    def throttle(self, next: int = 0, rate: float = 0.0, mid_stream: bool = False, seed: int = 0,
                 message: str | None = None) -> dict:
        """Throttle the next ``next`` invocations and/or a seeded fraction ``rate`` of them; with
        ``mid_stream`` a stream starts, then fails with a throttlingException frame."""
        return self._control("throttle", next=next, rate=rate, mid_stream=mid_stream, seed=seed,
                             message=message)

    def timeout(self, next: int = 1, mid_stream: bool = False) -> dict:
        """Fail the next ``next`` invocations with ModelTimeoutException."""
        return self._control("timeout", next=next, mid_stream=mid_stream)

    def latency(self, ms: int = 0) -> dict:
        """Add ``ms`` milliseconds to every invocation."""
        return self._control("latency", ms=ms)

    def set_date(self, date: str | None = None) -> dict:
        """Pretend today is ``date`` (ISO) for model lifecycles, e.g. to call a model before its
        end of life; None returns to the real date."""
        return self._control("set_date", date=date)

    def advance_clock(self, seconds: int = 0) -> dict:
        """Move the emulator's clock ``seconds`` ahead, e.g. 301 to let 5-minute prompt-cache entries expire
        (1-hour ones survive); ``reset()`` returns to the real time and empties the prompt cache."""
        return self._control("advance_clock", seconds=seconds)

    def revoke_api_keys(self, key: str = "all") -> dict:
        """Refuse Bedrock API keys: every key (``"all"``, until ``restore_api_keys()``) or one key string.
        Refused keys get the same 403 as a wrong key, as on AWS."""
        return self._control("revoke_api_keys", key=key)

    def restore_api_keys(self) -> dict:
        """Accept every valid Bedrock API key again."""
        return self._control("restore_api_keys")

    def reset(self) -> dict:
        """Grant every model, restore the default account (a new customer), accept API keys again, clear
        faults and latency, forget every batch inference job (running ones are abandoned, writing nothing
        more), and return the clock to the real time with an empty prompt cache."""
        return self._control("reset")


class Emulator(Controls):
    """A running in-process emulator (a background thread serving plain HTTP and, by default, HTTPS)."""

    def __init__(self, host: str, port: int, region: str, state: EmulatorState,
                 server: Any, thread: threading.Thread, token: str,
                 tls_port: int | None = None, tls_files: tls.TlsFiles | None = None, tls_server: Any = None,
                 aws_url: str | None = None) -> None:
        self.host, self.port, self.state = host, port, state
        self.aws_url = aws_url  # the offline S3, CloudWatch Logs and IAM (None when moto is not installed)
        self.region = region
        self.tls_port, self.tls_files = tls_port, tls_files
        self.token = token  # for the admin routes: RemoteEmulator(emulator.url, token=emulator.token)
        self._server, self._tls_server, self._thread = server, tls_server, thread

    @property
    def region(self) -> str:
        """The emulator's region: requests without a signature scope (Bedrock API keys) reach it, and
        a short-term key must be made for it."""
        return self.state.default_region

    @region.setter
    def region(self, region: str) -> None:
        self.state.default_region = auth.check_region(region)

    @property
    def url(self) -> str:
        """The plain-HTTP URL (raw requests, the bench); clients get ``https_url`` through ``env``."""
        return f"http://{self._netloc(self.port)}"

    @property
    def https_url(self) -> str | None:
        """The TLS URL (None when started with ``tls=False``); its CA is in ``ca_bundle``."""
        return f"https://{self._netloc(self.tls_port)}" if self.tls_port else None

    @property
    def ca_bundle(self) -> Path | None:
        """Public roots + this emulator's CA: what AWS_CA_BUNDLE, SSL_CERT_FILE and NODE_EXTRA_CA_CERTS name."""
        return self.tls_files.bundle if self.tls_files else None

    def _netloc(self, port: int | None) -> str:
        return _netloc(self.host, port)

    @property
    def env(self) -> dict[str, str]:
        return environment(self.https_url or self.url, self.region, self.ca_bundle, self.aws_url)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def ensure_aws(self) -> str | None:
        """The offline S3, CloudWatch Logs and IAM this emulator uses, attached again (a new port) when the
        process's services were stopped since; ``aws_url`` and ``env`` follow. None when moto is not installed."""
        if self.aws_url is not None and not _serving_at(self.aws_url):
            self.aws_url = attach_aws(self.state)
        return self.aws_url

    def _control(self, name: str, **kwargs: Any) -> dict:
        return getattr(self.state, name)(**kwargs)

    def stop(self, timeout: float = SHUTDOWN_GRACE_SECONDS + 3) -> None:
        """Stop serving (both listeners at once): requests still running after SHUTDOWN_GRACE_SECONDS are
        cancelled. The TLS files go with it, and batch jobs still running are abandoned (they write nothing more)."""
        self.state.batch_jobs.clear()
        for server in (self._server, self._tls_server):
            if server is not None:
                server.stop()
        self._thread.join(timeout)
        if self.tls_files is not None and not self.running:
            self.tls_files.remove()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return (f"<Emulator {self.https_url or self.url} region={self.region} "
                f"{'running' if self.running else 'stopped'}>")


class RemoteEmulator(Controls):
    """Controls for an emulator started elsewhere (``python -m helpers.emulator``), over HTTP.

    ``token`` is the one the emulator printed; by default, the HANDSON_EMULATOR_TOKEN variable its
    export lines set. For an https ``url``, ``ca_bundle`` is the emulator's CA bundle (by default Python's
    store, which the printed SSL_CERT_FILE line extends). A refused or invalid control raises PermissionError
    or ValueError with the emulator's message, as the in-process handle raises ValueError/TypeError.
    """

    def __init__(self, url: str, token: str | None = None, ca_bundle: str | Path | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV, "")
        self._tls = ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else None

    def _control(self, name: str, **kwargs: Any) -> dict:
        return self._request("POST", f"/_emulator/{name}", json.dumps(kwargs).encode())

    def snapshot(self) -> dict:
        return self._request("GET", "/_emulator/state")

    def _request(self, method: str, path: str, body: bytes | None = None) -> dict:
        headers = {"x-emulator-token": self.token, "content-type": "application/json"}
        request = urllib.request.Request(self.url + path, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10, context=self._tls) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as e:
            with e:
                try:
                    message = json.loads(e.read())["message"]
                except (ValueError, KeyError, TypeError):
                    message = str(e)
            raise (ValueError if e.code == 400 else PermissionError)(message) from None


def start(host: str = DEFAULT_HOST, port: int = 0, region: str = DEFAULT_REGION,
          admin: bool = False, tls: bool = True, tls_port: int = 0,
          before_serving: Callable[[dict[str, str]], Any] | None = None) -> Emulator:
    """Start an emulator in a background thread; ``port=0`` (and ``tls_port=0``) pick free ports.

    ``region`` (an AWS region) is the one requests without a signature scope use (Bedrock API keys).
    Invocation logs (once a logging configuration is set) go to the offline S3 and CloudWatch Logs this
    process runs beside it (``emulator.env`` points clients there). The admin routes (``/_emulator/*``, needing
    ``emulator.token``) are served on loopback, and on another ``host`` only with ``admin=True``.
    With ``tls`` (the default) it also listens with HTTPS on ``tls_port``, with a certificate made now.

    ``before_serving(env)`` is called with the emulator's ``env`` once the ports are bound and before the
    server's threads start: the place to put those variables into ``os.environ``. Adding a variable reallocates
    the C environment, and a thread reading it at that moment (granian's Rust threads call getenv while they
    start) crashes the process: a kernel died that way in libc's getenv during connect().
    """
    auth.check_region(region)
    sock = bind(host, port)
    try:
        tls_sock = bind(host, tls_port) if tls else None
    except OSError:
        sock.close()
        raise
    tls_files = _tls.create(host) if tls else None
    real_port, real_tls_port = sock.getsockname()[1], (tls_sock.getsockname()[1] if tls_sock else None)
    guard = Guard.for_bind(host, real_port, admin=admin, tls_port=real_tls_port)
    state = EmulatorState(region)
    aws_url = attach_aws(state)
    if before_serving is not None:
        https_url = f"https://{_netloc(host, real_tls_port)}" if real_tls_port else None
        before_serving(environment(https_url or f"http://{_netloc(host, real_port)}", region,
                                   tls_files.bundle if tls_files else None, aws_url))
    server, tls_server = servers(EmulatorApp(state, guard), tls_files)
    thread = threading.Thread(target=serve, args=(server, sock, tls_server, tls_sock),
                              name="bedrock-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not (server.started and (tls_server is None or tls_server.started)):
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("The Bedrock emulator did not start; see the log above.")
        time.sleep(0.01)
    return Emulator(host, real_port, region, state, server, thread, guard.token,
                    real_tls_port, tls_files, tls_server, aws_url)


def _serving_at(url: str) -> bool:
    """Whether the process's offline AWS services are running at ``url``."""
    from . import aws_services

    running = aws_services.current()
    return running is not None and running.url == url


def _netloc(host: str, port: int | None) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def attach_aws(state: EmulatorState) -> str | None:
    """Start (or reuse) the process's offline S3, CloudWatch Logs and IAM and give the state a client to them.

    Without moto the emulator still serves Bedrock; what needs those services (logging configuration, batch
    jobs) answers with an error that says to install it."""
    try:
        services, state.aws = aws_backend.start_services()
    except aws_backend.AwsUnavailable as e:
        log.warning("%s", e)
        return None
    return services.url
