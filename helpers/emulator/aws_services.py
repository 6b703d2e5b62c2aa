"""Real S3, CloudWatch Logs, IAM and STS offline: moto's server app, behind the emulator's own guard.

moto (server mode) implements these services faithfully enough that a learner's ``list_objects_v2``,
gzip records, ``filter_log_events`` and ``create_role`` run unchanged offline. Its own server is not
fit to face a browser on the learner's machine (I-facts Q7, moto 5.2.5): it ignores the Host header
(a DNS-rebinding page could drive it), answers ``Access-Control-Allow-Origin: *`` (any page could read
the buckets), serves every AWS service it knows, and logs each request and traceback to stderr (noise in
notebook cells). So this module serves moto's WSGI app (``DomainDispatcherApplication``, what
``moto_server`` and ``ThreadedMotoServer`` run) through a small middleware with the emulator's rules
(guard.py): the Host must be this server's loopback address; requests must be SigV4-signed for one of
``SERVICES`` (a web page cannot add an Authorization header cross-site without a CORS preflight, which is
never granted); CORS headers are stripped; moto's admin routes (``/moto-api/...``) need the token, as the
emulator's ``/_emulator/...`` do. Signatures are not verified (moto does not either): the credentials are
the emulator's documented ones.

Why werkzeug's threaded server: moto's server mode is built and tested on it, with moto's own request
handler (``MotoRequestHandler`` keeps S3 metadata headers whose names contain underscores, which a generic
WSGI server drops), and moto already depends on it. granian's WSGI interface would add a second event loop
and lose that handler, for a server that sees a few requests a minute.

One server per process: ``start()`` again returns the running one (notebooks re-run cells); it stops at
interpreter exit. ``environment()`` gives the variables that point boto3 and the AWS CLI at it.
"""

from __future__ import annotations

import atexit
import json
import logging
import re
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from .guard import TOKEN_HEADER, Guard, describe_host

HOST = "127.0.0.1"
STOP_TIMEOUT_SECONDS = 3.0  # werkzeug polls for shutdown every 0.5 s; requests run on daemon threads
# SigV4 signing name (the credential scope's service) -> botocore's service-specific endpoint variable
# (I-facts Q7: botocore >= 1.31.0 and AWS CLI v1 read them; Logs' is CLOUDWATCH_LOGS, not LOGS).
SERVICES = {
    "s3": "AWS_ENDPOINT_URL_S3",
    "logs": "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "iam": "AWS_ENDPOINT_URL_IAM",
    "sts": "AWS_ENDPOINT_URL_STS",
}
ADMIN_PREFIX = "/moto-api"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
log = logging.getLogger("helpers.emulator.aws_services")

StartResponse = Callable[..., Any]


class GuardedApp:
    """WSGI middleware: the emulator's access rules in front of moto's dispatcher."""

    def __init__(self, app: Callable[[dict, StartResponse], Iterable[bytes]], guard: Guard) -> None:
        self.app, self.guard = app, guard

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        headers = _headers(environ)
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if not self.guard.accepts_host(headers.get("host") or None):
            return _refuse(start_response, environ, 403, "AccessDenied",
                           f"Refused: {describe_host(headers.get('host') or None)}. The offline AWS services answer "
                           f"only requests addressed to {self.guard.addresses} (a guard against DNS rebinding: a web "
                           "page must not reach them under another name). Use the URLs in aws_services.environment().")
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            refused = self.guard.admin_refusal(method, path, headers)
            if refused is not None:
                start_response(f"{refused.status} {_reason(refused.status)}",
                               [*refused.headers, ("Content-Length", str(len(refused.body)))])
                return [refused.body]
        else:
            service = signed_service(environ)
            if service is None:
                return _refuse(start_response, environ, 403, "MissingAuthenticationToken",
                               "The offline AWS services answer only SigV4-signed requests (boto3, the AWS CLI); "
                               "unsigned requests are refused, so a web page cannot reach them. [emulator wording]")
            if service not in SERVICES:
                return _refuse(start_response, environ, 400, "UnsupportedService",
                               f"The offline AWS services serve only {', '.join(SERVICES)}, not {service[:60]!a}. "
                               "[emulator wording]")

        def start_without_cors(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in response_headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, exc_info)

        try:
            return self.app(environ, start_without_cors)
        except NotImplementedError as e:  # moto's answer for an operation it lacks: say so, without a traceback
            return _refuse(start_response, environ, 501, "NotImplemented",
                           f"The offline AWS services (moto) do not implement this operation: {e}", sys.exc_info())
        except Exception:
            log.debug("moto failed on %s %s", method, path, exc_info=True)
            return _refuse(start_response, environ, 500, "InternalFailure",
                           "The offline AWS services (moto) failed on this request. [emulator wording]",
                           sys.exc_info())


def signed_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4 request is signed for (header or presigned URL), or None if unsigned.

    A presigned URL (X-Amz-Credential in the query) counts only for methods other than POST: an HTML form
    can POST anywhere without a preflight, and S3 accepts object uploads by POST."""
    found = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if found:
        return found.group(1).lower()
    if environ.get("REQUEST_METHOD") == "POST":
        return None
    credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[-1]
    found = _SCOPE.search("Credential=" + credential)
    return found.group(1).lower() if found else None


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers the guard reads, lower-cased as in the emulator's ASGI app."""
    names = {"HTTP_HOST": "host", "HTTP_ORIGIN": "origin", "CONTENT_TYPE": "content-type",
             "HTTP_" + TOKEN_HEADER.upper().replace("-", "_"): TOKEN_HEADER}
    return {name: environ[key] for key, name in names.items() if key in environ}


def _refuse(start_response: StartResponse, environ: dict[str, Any], status: int, code: str, message: str,
            exc_info: Any = None) -> list[bytes]:
    """An AWS-shaped error: JSON for the JSON protocols (Logs), XML for the others (S3, IAM, STS)."""
    if "json" in environ.get("CONTENT_TYPE", ""):
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.1"
    else:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{escape(message)}</Message></Error></ErrorResponse>").encode()
        content_type = "text/xml"
    start_response(f"{status} {_reason(status)}", [("Content-Type", content_type), ("x-amzn-errortype", code),
                                                   ("Content-Length", str(len(body)))], exc_info)
    return [body]


def _reason(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


class AwsServices:
    """The running offline AWS services (a werkzeug server on a daemon thread)."""

    def __init__(self, server: Any, thread: threading.Thread, token: str) -> None:
        self._server, self._thread = server, thread
        self.host, self.port = HOST, server.server_address[1]
        self.token = token  # for /moto-api/... (reset): the X-Emulator-Token header

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def environment(self, sts: bool = False) -> dict[str, str]:
        """The variables that send boto3's and the AWS CLI's S3, CloudWatch Logs and IAM clients here.

        STS stays with the Bedrock emulator by default: it answers GetCallerIdentity with the identity of the
        credentials the learner uses (moto would answer ``user/moto``), and the emulator unsets
        AWS_ENDPOINT_URL_STS (CONFLICTING_ENV). ``sts=True`` sends STS here too."""
        return {variable: self.url for service, variable in SERVICES.items() if sts or service != "sts"}

    def reset(self) -> None:
        """Empty every bucket, log group and role (moto's ``POST /moto-api/reset``, behind the token)."""
        request = urllib.request.Request(f"{self.url}{ADMIN_PREFIX}/reset", b"{}", method="POST",
                                         headers={TOKEN_HEADER: self.token, "content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop accepting requests and close the port (within ``timeout`` seconds)."""
        global _running
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout)
        self._server.server_close()
        with _lock:
            if _running is self:
                _running = None

    def __repr__(self) -> str:
        return f"<AwsServices {self.url} {'running' if self.running else 'stopped'}>"


_running: AwsServices | None = None
_lock = threading.Lock()


def start() -> AwsServices:
    """The process's offline AWS services: started on a free loopback port, or the running ones."""
    global _running
    with _lock:
        if _running is not None and _running.running:
            return _running
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
        placeholder = Guard.for_bind(HOST, 0)  # the real port is known once bound; the token is kept
        app = GuardedApp(DomainDispatcherApplication(create_backend_app), placeholder)
        server = make_server(HOST, 0, app, threaded=True, request_handler=MotoRequestHandler)
        app.guard = Guard.for_bind(HOST, server.server_address[1], token=placeholder.token)
        thread = threading.Thread(target=server.serve_forever, name="aws-services", daemon=True)
        thread.start()
        _running = AwsServices(server, thread, app.guard.token)
        return _running


def environment(sts: bool = False) -> dict[str, str]:
    """``start()``'s endpoint variables (starting the services if needed)."""
    return start().environment(sts)


@atexit.register
def _stop_at_exit() -> None:
    with _lock:
        running = _running
    if running is not None:
        running.stop()


__all__ = ["SERVICES", "AwsServices", "environment", "start"]
