"""Real S3, CloudWatch Logs, IAM and STS offline: moto's server app, behind the emulator's own guard.

moto (server mode) implements these services faithfully enough that a learner's ``list_objects_v2``,
gzip records, ``filter_log_events`` and ``create_role`` run unchanged offline. Its own server is not
fit to face a browser on the learner's machine (I-facts Q7, moto 5.2.5): it ignores the Host header
(a DNS-rebinding page could drive it), answers ``Access-Control-Allow-Origin: *`` (any page could read
the buckets), serves every AWS service it knows, and logs each request and traceback to stderr (noise in
notebook cells). So this module serves moto's WSGI app (``DomainDispatcherApplication``, what
``moto_server`` and ``ThreadedMotoServer`` run) through a small middleware with the emulator's rules
(guard.py): the Host must be this server's loopback address; a request a browser marks as coming from
another page (a foreign ``Origin``, ``Sec-Fetch-Site: cross-site`` or ``same-site``) is refused; every other
request must carry SigV4 for one of ``SERVICES``: a whole, well-formed Authorization header (a web page cannot
add one cross-site without a CORS preflight, which is never granted), or, for methods other than POST, a
complete presigned URL whose signature verifies with the emulator's documented credentials; CORS headers are
stripped; moto's admin routes (``/moto-api/...``) need the token, as the emulator's ``/_emulator/...`` do.
Header signatures are not verified (moto does not either). None of this is secret-based: the credentials are
the emulator's documented ones, so a determined page could still sign a URL; what keeps pages out is the
Host check, the browser's own Origin and Sec-Fetch-Site headers, and the preflight that is never granted.

Why werkzeug's threaded server: moto's server mode is built and tested on it, with moto's own request
handler (``MotoRequestHandler`` keeps S3 metadata headers whose names contain underscores, which a generic
WSGI server drops), and moto already depends on it. granian's WSGI interface would add a second event loop
and lose that handler, for a server that sees a few requests a minute.

One server per process: ``start()`` again returns the running one (notebooks re-run cells); it stops at
interpreter exit. ``environment()`` gives the variables that point boto3 and the AWS CLI at it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hmac
import json
import logging
import re
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from . import auth
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
# SigV4's Authorization header, whole: one Credential (key/date/region/service/aws4_request), then SignedHeaders
# and Signature, as botocore writes it. Anything else is refused, so the guard and moto read the same service.
_HEADER_AUTH = re.compile(r"AWS4-HMAC-SHA256 +Credential=[^/,\s]+/[0-9]{8}/[^/,\s]+/(?P<service>[^/,\s]+)/aws4_request"
                          r", *SignedHeaders=[^,\s]+, *Signature=[0-9a-f]{64}")
_PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
                   "X-Amz-Signature")
_TOKEN_PARAM = "X-Amz-Security-Token"  # only with temporary credentials
MAX_PRESIGN_SECONDS = 604_800  # SigV4 query signing's limit, 7 days (S3 presigned URL docs, H)
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_EXPIRES = re.compile(r"[0-9]{1,6}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
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
        refused_browser = browser_refusal(headers, self.guard)
        if refused_browser is not None:
            return _refuse(start_response, environ, refused_browser.status, refused_browser.code, str(refused_browser))
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            refused = self.guard.admin_refusal(method, path, headers)
            if refused is not None:
                start_response(f"{refused.status} {_reason(refused.status)}",
                               [*refused.headers, ("Content-Length", str(len(refused.body)))])
                return [refused.body]
        else:
            try:
                service = signed_service(environ, self.guard)
            except Refused as refusal:
                return _refuse(start_response, environ, refusal.status, refusal.code, str(refusal))
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


class Refused(Exception):
    """A request the guard turns away: an AWS-shaped error with this status and code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def browser_refusal(headers: dict[str, str], guard: Guard) -> Refused | None:
    """A 403 for what only a browser sends on behalf of another page: a foreign ``Origin`` (``null`` too: sandboxed
    frames, file:// pages) or ``Sec-Fetch-Site: cross-site``/``same-site`` (an ``<img>`` or no-cors fetch from a
    page on another port of this machine is same-site). boto3, the AWS CLI and the SDKs send neither."""
    origin = headers.get("origin")
    if origin is not None and origin.lower() not in guard.origins:
        return Refused(403, "AccessDenied", f"Refused: the offline AWS services do not accept requests from Origin "
                                            f"{origin[:100]!a} (a web page must not reach them). [emulator wording]")
    site = headers.get("sec-fetch-site", "").strip().lower()
    if site in ("cross-site", "same-site"):
        return Refused(403, "AccessDenied", f"Refused: a {site} request from a web page (Sec-Fetch-Site); the "
                                            "offline AWS services answer only boto3, the AWS CLI and the SDKs. "
                                            "[emulator wording]")
    return None


def signed_service(environ: dict[str, Any], guard: Guard, now: dt.datetime | None = None) -> str:
    """The service a SigV4 request is signed for (Authorization header or presigned URL), or ``Refused``.

    The header is parsed as SigV4 defines it and as moto reads it (``auth.split(",")[0].split()[1]``): exactly
    ``AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=…, Signature=…``,
    so the service checked here is the one moto dispatches to. A presigned URL counts only for methods other
    than POST (an HTML form can POST anywhere without a preflight, and S3 accepts object uploads by POST), and
    only when it is complete and its signature verifies with the emulator's documented credentials."""
    authorization = environ.get("HTTP_AUTHORIZATION")
    if authorization is not None:
        found = _HEADER_AUTH.fullmatch(authorization)
        if found is None:
            # AWS's text for a malformed SigV4 header (as auth.py answers for Bedrock).
            raise Refused(403, "IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' "
                                                      "and 'Signature' parameters for AWS4-HMAC-SHA256, once each.")
        return found["service"].lower()
    query = environ.get("QUERY_STRING", "")
    names = {unquote(part.partition("=")[0]) for part in query.split("&")}
    if environ.get("REQUEST_METHOD") == "POST" or "X-Amz-Credential" not in names:
        raise Refused(403, "MissingAuthenticationToken",
                      "The offline AWS services answer only SigV4-signed requests (boto3, the AWS CLI); unsigned "
                      "requests are refused, so a web page cannot reach them. [emulator wording]")
    return _verified_presign(environ, query, now or dt.datetime.now(dt.UTC))


def _verified_presign(environ: dict[str, Any], query: str, now: dt.datetime) -> str:
    """The service of a presigned URL whose signature is the emulator's credentials' (S3's error codes:
    docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, M; their messages are [emulator wording])."""
    pairs = [part.partition("=") for part in query.split("&") if part]
    params: dict[str, str] = {}
    for key, _, value in pairs:
        key = unquote(key)
        if key in _PRESIGN_PARAMS or key == _TOKEN_PARAM:
            if key in params:
                raise _malformed(f"{key} is given twice")
            params[key] = unquote(value)
    missing = [name for name in _PRESIGN_PARAMS if name not in params]
    if missing:
        raise _malformed(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
    ak, date, region, service, terminator = (params["X-Amz-Credential"].split("/") + [""] * 5)[:5]
    amz_date, seconds, signed = params["X-Amz-Date"], params["X-Amz-Expires"], params["X-Amz-SignedHeaders"]
    if (params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256" or terminator != "aws4_request" or not service
            or params["X-Amz-Credential"].count("/") != 4 or not _AMZ_DATE.fullmatch(amz_date)
            or amz_date[:8] != date or not _EXPIRES.fullmatch(seconds) or not 0 < int(seconds) <= MAX_PRESIGN_SECONDS
            or "host" not in signed.split(";") or not _SIGNATURE.fullmatch(params["X-Amz-Signature"])):
        raise _malformed("its algorithm, credential, date, expiry, signed headers or signature is malformed")
    identity = auth.IDENTITIES.get(ak)
    if identity is None or params.get(_TOKEN_PARAM) != identity.session_token:
        raise Refused(403, "InvalidAccessKeyId", "The presigned URL is not signed with the emulator's documented "
                                                 "credentials. [emulator wording]")
    try:
        signed_at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise _malformed("its X-Amz-Date is not a date") from None
    if not hmac.compare_digest(_presign_signature(environ, query, signed, identity, ak, region, service, amz_date),
                               params["X-Amz-Signature"]):
        raise Refused(403, "SignatureDoesNotMatch", "The presigned URL's signature does not match the request. "
                                                    "[emulator wording]")
    if now - dt.timedelta(seconds=int(seconds)) > signed_at or signed_at > now + auth.MAX_SKEW:
        raise Refused(403, "AccessDenied", "Request has expired (or is signed for a time not yet come). "
                                           "[emulator wording after S3's 'Request has expired']")
    return service.lower()


def _malformed(why: str) -> Refused:
    return Refused(400, "AuthorizationQueryParametersError", f"The presigned URL is incomplete: {why}. "
                                                             "[emulator wording]")


def _presign_signature(environ: dict[str, Any], query: str, signed: str, identity: auth.Identity, ak: str,
                       region: str, service: str, amz_date: str) -> str:
    """What botocore's presigned-URL signer computes for this request (S3's variant for s3: the path as sent,
    UNSIGNED-PAYLOAD), from the path and query as received."""
    from botocore.auth import S3SigV4QueryAuth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "/").split("?", 1)[0]
    signed_query = "&".join(part for part in query.split("&") if part.partition("=")[0] != "X-Amz-Signature")
    headers = {name: _header(environ, name) for name in signed.split(";")}
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"),
                         url=f"http://{_header(environ, 'host')}{raw_path}?{signed_query}", headers=headers)
    request.context["timestamp"] = amz_date
    signer_class = S3SigV4QueryAuth if service == "s3" else SigV4QueryAuth
    signer = signer_class(Credentials(ak, identity.secret, identity.session_token), service, region)
    if signer.signed_headers(signer.headers_to_sign(request)) != signed:
        return ""  # headers botocore never signs, or not in its order: not a botocore presign
    return signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)


def _header(environ: dict[str, Any], name: str) -> str:
    key = name.upper().replace("-", "_")
    return environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key, "")


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers the guard reads, lower-cased as in the emulator's ASGI app."""
    names = {"HTTP_HOST": "host", "HTTP_ORIGIN": "origin", "CONTENT_TYPE": "content-type",
             "HTTP_SEC_FETCH_SITE": "sec-fetch-site",
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


def current() -> AwsServices | None:
    """The process's running offline AWS services, or None (never started, or stopped since)."""
    with _lock:
        return _running if _running is not None and _running.running else None


def environment(sts: bool = False) -> dict[str, str]:
    """``start()``'s endpoint variables (starting the services if needed)."""
    return start().environment(sts)


@atexit.register
def _stop_at_exit() -> None:
    with _lock:
        running = _running
    if running is not None:
        running.stop()


__all__ = ["SERVICES", "AwsServices", "current", "environment", "start"]
