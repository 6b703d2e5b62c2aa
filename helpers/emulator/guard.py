"""Who may reach the emulator: the Host check (every request) and the admin routes' own checks.

A web page the learner visits can send requests to ``127.0.0.1:<port>``. Two defences, as Jupyter
Server uses: the ``Host`` header must name the emulator's own loopback address and port, so a
DNS-rebinding page (``Host: attacker.example:<port>``) gets nothing; and ``/_emulator/*`` needs a
random per-process token in ``X-Emulator-Token`` (not ``Authorization``, which carries Bedrock API
keys), JSON bodies (an HTML form cannot send ``application/json`` cross-site without a CORS
preflight, which the emulator never grants) and no foreign ``Origin``.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from . import errors
from .routing import Response

TOKEN_HEADER = "x-emulator-token"
TOKEN_ENV = "HANDSON_EMULATOR_TOKEN"  # set by the CLI's export lines; read by RemoteEmulator
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Guard:
    """The access rules of one running emulator (its bind address and port are fixed)."""

    token: str
    hosts: frozenset[str] | None  # accepted Host values (lower case); None = any (bound to a non-loopback host)
    origins: frozenset[str]       # the emulator's own origins (a page it served, e.g. a browser at its URL)
    admin: bool                   # whether /_emulator/* is served at all
    addresses: str = ""           # the accepted addresses, as error messages name them

    @classmethod
    def for_bind(cls, host: str, port: int, *, admin: bool = False, token: str | None = None,
                 tls_port: int | None = None) -> Guard:
        """Rules for an emulator listening on ``host:port`` (the real port, after binding), and on
        ``host:tls_port`` with HTTPS when it serves TLS.

        On loopback, Host is restricted and the admin routes are on; on any other host the
        operator chose to be reachable by name, so Host is not restricted, and the admin routes are
        off unless ``admin`` turns them on.
        """
        loopback = is_loopback(host)
        names = dict.fromkeys((*LOOPBACK_NAMES, (f"[{host}]" if ":" in host else host).lower()))
        listeners = [("http", port, 80)] + ([("https", tls_port, 443)] if tls_port else [])
        hosts: dict[str, str] = {}  # Host value -> scheme
        for scheme, number, default in listeners:
            hosts.update((f"{name}:{number}", scheme) for name in names)
            if number == default:  # the default port may be left out of Host
                hosts.update((name, scheme) for name in names)
        with_port = [f"{name}:{number}" for _, number, _ in listeners for name in names]
        return cls(token or new_token(), frozenset(hosts) if loopback else None,
                   frozenset(f"{scheme}://{h}" for h, scheme in hosts.items()), loopback or admin,
                   ", ".join(with_port[:-1]) + " or " + with_port[-1])

    def accepts_host(self, host: str | None) -> bool:
        """Whether a request with this Host header (None: none sent) may be served (keep it cheap)."""
        return self.hosts is None or (host is not None and host.lower() in self.hosts)

    def host_refusal(self, headers: dict[str, str]) -> Response | None:
        """A 403 unless the Host header names this emulator (runs on every request)."""
        # Over HTTP/2 the server passes the :authority pseudo-header as "host"; an absent one arrives empty.
        host = headers.get("host") or None
        if self.accepts_host(host):
            return None
        shown = describe_host(host)
        return _refuse(403, "AccessDeniedException",
                       f"Refused: {shown}. This emulator answers only requests addressed to "
                       f"{self.addresses} "
                       "(a guard against DNS rebinding: a web page must not reach it under another name). "
                       "Use the URL it printed, or start it with --host to listen on another address.")

    def admin_refusal(self, method: str, raw_path: str, headers: dict[str, str]) -> Response | None:
        """Why an admin request is refused (404 off, 403 Origin/token, 415 body type), or None."""
        if not self.admin:
            return _refuse(404, "UnknownOperationException", f"No operation matches {method} {raw_path}.")
        origin = headers.get("origin")
        if origin is not None and not self._own_origin(origin, headers.get("host", "")):
            return _refuse(403, "AccessDeniedException",
                           f"Refused: the admin routes do not accept requests from Origin {origin[:100]!a}.")
        given = headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode("latin-1"), self.token.encode()):
            return _refuse(403, "AccessDeniedException",
                           f"The admin routes need this emulator's token in the X-Emulator-Token header "
                           f"({'a wrong one was sent' if given else 'none was sent'}). `python -m helpers.emulator` "
                           f"prints it (export {TOKEN_ENV}=...); RemoteEmulator(url, token=...) sends it; "
                           "in-process, it is Emulator.token.")
        if method == "POST":
            media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type != "application/json":
                return _refuse(415, "UnsupportedMediaTypeException",
                               "The admin routes accept only Content-Type: application/json bodies.")
        return None

    def _own_origin(self, origin: str, host: str) -> bool:
        origin = origin.lower()
        return origin in self.origins or (self.hosts is None and origin in (f"http://{host.lower()}",
                                                                             f"https://{host.lower()}"))


def describe_host(host: str | None) -> str:
    """A Host header as a refusal names it (shortened, ASCII-escaped: it is the caller's text)."""
    return "no Host header" if host is None else f"Host {host[:100]!a}"


def _refuse(status: int, code: str, message: str) -> Response:
    """A refusal in Bedrock's error shape, so SDKs and the CLI print its message."""
    return Response.json({"message": message}, status,
                         [("x-amzn-errortype", errors.BedrockError(code, message).error_type_header)])
