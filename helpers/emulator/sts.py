"""STS GetCallerIdentity over the query protocol with XML replies (spec §5)."""

from __future__ import annotations

from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from .auth import ACCOUNT_ID, AuthError
from .routing import Call, Response, route

_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
# STS names the authentication failures differently from Bedrock.
AUTH_CODES = {"missing": "MissingAuthenticationToken", "incomplete": "IncompleteSignature",
              "unrecognized": "InvalidClientTokenId", "signature": "SignatureDoesNotMatch",
              "expired": "SignatureDoesNotMatch", "bearer": "InvalidClientTokenId"}


def error(status: int, code: str, message: str, request_id: str) -> Response:
    body = (f'<ErrorResponse xmlns="{_NS}">\n  <Error>\n    <Type>Sender</Type>\n'
            f"    <Code>{code}</Code>\n    <Message>{escape(message)}</Message>\n  </Error>\n"
            f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n")
    return Response(status, body.encode(), [("content-type", "text/xml")])


def auth_error(e: AuthError, request_id: str) -> Response:
    return error(400 if e.kind == "incomplete" else 403, AUTH_CODES[e.kind], e.error.message, request_id)


def _params(call: Call) -> dict[str, str]:
    source = call.body.decode("utf-8", "replace") if call.method == "POST" else call.query
    return {k: v[-1] for k, v in parse_qs(source).items()}


async def _sts(call: Call) -> Response:
    action = _params(call).get("Action")
    if action != "GetCallerIdentity":
        return error(400, "InvalidAction", f"Could not find operation {action} for version 2011-06-15",
                     call.request_id)
    identity = call.caller.identity
    body = (f'<GetCallerIdentityResponse xmlns="{_NS}">\n  <GetCallerIdentityResult>\n'
            f"    <Arn>{identity.arn}</Arn>\n    <UserId>{identity.user_id}</UserId>\n"
            f"    <Account>{ACCOUNT_ID}</Account>\n  </GetCallerIdentityResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>{call.request_id}</RequestId>\n"
            "  </ResponseMetadata>\n</GetCallerIdentityResponse>\n")
    return Response(200, body.encode(), [("content-type", "text/xml")])


# Both the POST form (botocore, the CLI) and a GET query string are accepted.
route("POST", "/", "GetCallerIdentity", service="sts")(_sts)
route("GET", "/", "GetCallerIdentity", service="sts")(_sts)
