"""Just enough IAM policy evaluation for the checks Bedrock makes on a learner's bucket policies and roles.

Bedrock checks, before it accepts a logging configuration or runs a batch job, that it may write to the bucket
and assume the role (I-facts Q5, Q6). moto stores policies but evaluates none of them in server mode, and no
maintained library evaluates IAM policies offline (the AWS policy simulator is an AWS API), so this module
does the small part those checks need: one request (a principal service, an action, a resource, a few context
keys) against a set of policy documents. The rules follow AWS's policy evaluation logic: an explicit Deny wins;
otherwise some statement must Allow. Whatever this module does not understand (an unknown condition operator)
never grants: an Allow it cannot read does not apply, a Deny it cannot read does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

SERVICE_PRINCIPAL = "bedrock.amazonaws.com"
# Global condition keys every request Bedrock makes as its service principal carries (IAM global condition context
# keys page: aws:SecureTransport on HTTPS, aws:PrincipalServiceName and aws:PrincipalIsAWSService on a call made
# directly by a service principal). Without them common Denies (HTTP only, or "not from our VPC endpoint") would
# be judged as if the key were missing. The values are AWS's; that Bedrock's calls carry them is M.
SERVICE_CONTEXT = {"aws:SecureTransport": "true", "aws:PrincipalServiceName": SERVICE_PRINCIPAL,
                   "aws:PrincipalIsAWSService": "true"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@lru_cache(maxsize=2048)
def _segment(text: str, ignore_case: bool) -> re.Pattern[str]:
    """One run between ``*``s: ``?`` is any one character, everything else itself. A pattern without a
    quantifier matches in time linear in its length wherever it is tried: it can never backtrack."""
    body = "".join("." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(pattern: Any, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one character; nothing else is special.

    Not a regular expression with ``.*`` per star: several stars backtrack polynomially in the value's length
    (``******X`` took seconds), holding the GIL. Glob needs no backtracking: the first run is anchored at the
    start, the last at the end, and each run between stars taken at its leftmost place after the previous one
    (any later place leaves less room for the rest, so leftmost never loses a match). Every run matches exactly
    its own length in characters (``re.IGNORECASE`` folds one character to one character)."""
    if not isinstance(pattern, str):
        return False
    first, *middle = pattern.split("*")
    if not middle:
        return len(first) == len(value) and _segment(first, ignore_case).fullmatch(value) is not None
    *middle, last = middle
    end = len(value) - len(last)
    if end < len(first) or not _segment(first, ignore_case).match(value, 0, len(first)) \
            or not _segment(last, ignore_case).fullmatch(value, end):
        return False
    position = len(first)
    for text in middle:
        found = _segment(text, ignore_case).search(value, position, end)
        if found is None:
            return False
        position = found.end()
    return True


def document(policy: Any) -> dict[str, Any] | None:
    """A policy document as a dict: a dict as it is, JSON text (S3 returns a bucket policy as sent) or URL-encoded
    JSON text (IAM's API returns policy documents so); None when it is not a JSON object."""
    if isinstance(policy, Mapping):
        return dict(policy)
    if isinstance(policy, str):
        for text in (policy, unquote(policy)):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                continue
            if isinstance(value, dict):
                return value
    return None


def statements(policy: Mapping[str, Any] | str) -> list[Mapping[str, Any]]:
    """The statements of a policy document (a JSON text or a dict; anything else has none)."""
    return [s for s in _as_list((document(policy) or {}).get("Statement")) if isinstance(s, Mapping)]


# --- conditions -------------------------------------------------------------------------------------------

def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike compares each of the six colon-separated parts with wildcards (an ARN's resource may hold ':')."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    return len(pattern_parts) == len(value_parts) == 6 and all(
        _like(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


_TESTS = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: isinstance(p, str) and p.lower() == v.lower(),
    "StringLike": lambda p, v: _like(p, v),
    # AWS: "ArnEquals, ArnLike — each of the six colon-delimited components of the ARN is checked separately and
    # each can include multi-character match wildcards (*) or single-character match wildcards (?)".
    "ArnEquals": lambda p, v: isinstance(p, str) and _arn_like(p, v),
    "ArnLike": lambda p, v: isinstance(p, str) and _arn_like(p, v),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


def _condition_holds(operator: str, keys: Any, context: Mapping[str, str]) -> bool | None:
    """Whether one operator block holds; None if the operator is not understood."""
    if not isinstance(keys, Mapping):
        return None
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    for qualifier in ("ForAnyValue:", "ForAllValues:"):  # context values here are single-valued
        base = base.removeprefix(qualifier)
    if base not in ("Null", "Bool") and _NEGATED.get(base, base) not in _TESTS:
        return None
    lowered = {k.lower(): v for k, v in context.items()}
    for key, expected in keys.items():
        value = lowered.get(str(key).lower())
        if base == "Null":
            if str(expected).lower() not in ("true", "false"):
                return None
            if (value is None) != (str(expected).lower() == "true"):
                return False
            continue
        if value is None:
            # AWS (IAM condition operators page): "If the policy condition requires that the key is not matched,
            # such as StringNotLike or ArnNotLike, and the right key is not present, the condition is true";
            # any other test of a missing key is false, unless ...IfExists.
            if if_exists or base in _NEGATED:
                continue
            return False
        if base == "Bool":
            if not any(str(e).lower() == str(value).lower() for e in _as_list(expected)):
                return False
            continue
        negated = base in _NEGATED
        test = _TESTS[_NEGATED.get(base, base)]
        matched = any(test(e, value) for e in _as_list(expected))
        if matched == negated:
            return False
    return True


def _conditions(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool | None:
    condition = statement.get("Condition")
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        return None
    results = [_condition_holds(op, keys, context) for op, keys in condition.items()]
    if any(r is None for r in results):
        return None
    return all(results)


# --- statements -------------------------------------------------------------------------------------------

def _names(statement: Mapping[str, Any], key: str, value: str, ignore_case: bool) -> bool | None:
    """Whether Action/Resource (or its Not form) covers ``value``; None if the statement has neither."""
    if key in statement:
        return any(_like(p, value, ignore_case) for p in _as_list(statement[key]))
    if "Not" + key in statement:
        return not any(_like(p, value, ignore_case) for p in _as_list(statement["Not" + key]))
    return None


def _principal(statement: Mapping[str, Any], service: str | None) -> bool:
    """For resource and trust policies: whether the statement names the service (or everyone)."""
    if service is None:
        return "Principal" not in statement and "NotPrincipal" not in statement  # identity policies name none
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return service in _as_list(principal.get("Service")) or "*" in _as_list(principal.get("AWS"))


def _applies(statement: Mapping[str, Any], action: str, resource: str | None, service: str | None,
             context: Mapping[str, str]) -> bool | None:
    if not _principal(statement, service):
        return False
    if _names(statement, "Action", action, ignore_case=True) is not True:
        return False
    if resource is not None and _names(statement, "Resource", resource, ignore_case=False) is not True:
        return False
    return _conditions(statement, context)


def allows(policies: Iterable[Mapping[str, Any] | str], *, action: str, resource: str | None,
           principal_service: str | None = None, context: Mapping[str, str] | None = None) -> bool:
    """Whether the policies let the request through: some Allow applies and no Deny does.

    ``principal_service`` is set for resource policies (a bucket policy, a role's trust policy): statements must
    name that service as Principal. Without it the documents are identity policies (a role's own policies).
    ``resource`` None: a trust policy's statements carry no Resource."""
    allowed = False
    for policy in policies:
        for statement in statements(policy):
            applies = _applies(statement, action, resource, principal_service, context or {})
            effect = statement.get("Effect")
            if effect == "Deny" and applies is not False:  # a Deny this module cannot read still denies
                return False
            if effect == "Allow" and applies is True:
                allowed = True
    return allowed


def role_trusts(trust_policy: Mapping[str, Any] | str, service: str = SERVICE_PRINCIPAL,
                context: Mapping[str, str] | None = None) -> bool:
    """Whether a role's trust policy lets ``service`` assume it (sts:AssumeRole) in this context."""
    return allows([trust_policy], action="sts:AssumeRole", resource=None, principal_service=service, context=context)


__all__ = ["SERVICE_CONTEXT", "SERVICE_PRINCIPAL", "allows", "document", "role_trusts", "statements"]
