"""Request members checked against botocore's service model, as AWS's front ends check them.

One checker for every control-plane operation that takes a structured body (the logging configuration, batch
jobs): :func:`check` walks a botocore shape and its value, appends every broken constraint in AWS's words
("Value 'x' at 'a.b' failed to satisfy constraint: Member must …") and returns the value with only the members the
shape models. Bedrock ignores members it does not model; echoing them back (Get/List) would break boto3's
parser for every later caller (a union with two members set), so callers store the cleaned value.

Lengths are counted in UTF-16 code units and values are quoted surrogate-safely, as AWS's Java front ends do.
Patterns must match the whole value (``re.fullmatch``) and ``.`` does not cross a line break (no ``re.DOTALL``):
CloudWatch refuses 'a b' for ``[\\.\\-_/#A-Za-z0-9]+`` and Bedrock a job name with a space.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import errors

# A check a shape's model leaves out (e.g. S3 bucket naming rules): (shape, string value, where) -> violations.
Extra = Callable[[Any, str, str], list[str]]

UNSHOWN = object()  # a value of the wrong type is not echoed (as the Converse checks word it)

# [emulator wording]: AWS answers a wrong JSON type with a SerializationException whose text varies; the
# emulator words it as its Converse checks do ("Member must be a string").
_TYPES: dict[str, tuple[type, str]] = {
    "structure": (dict, "a structure"), "string": (str, "a string"), "boolean": (bool, "a boolean"),
    "integer": (int, "an integer"), "long": (int, "an integer"), "list": (list, "a list"),
}


def surrogate_safe(value: str) -> str:
    """``value`` with each lone surrogate as U+FFFD: safe to echo in an answer (JSON text, UTF-8 headers)."""
    return re.sub("[\ud800-\udfff]", "\ufffd", value)


def quoted(value: str) -> str:
    return "'" + surrogate_safe(value) + "'"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    return quoted(value if isinstance(value, str) else str(value))


def violation(value: Any, where: str, constraint: str) -> str:
    """One broken constraint in AWS's words (``value`` None: "Value null", UNSHOWN: no value)."""
    shown = "" if value is UNSHOWN else "null " if value is None else _shown(value) + " "
    return f"Value {shown}at '{where}' failed to satisfy constraint: {constraint}"


def utf16_length(value: str) -> int:
    """Length as AWS's Java front end counts it (UTF-16 code units)."""
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def pattern_violations(value: str, where: str, pattern: str) -> list[str]:
    if re.fullmatch(pattern, value):
        return []
    return [violation(value, where, f"Member must satisfy regular expression pattern: {pattern}")]


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def check(shape: Any, value: Any, where: str, out: list[str], extra: Extra | None = None) -> Any:
    """``value`` with only the members ``shape`` models, appending every violation to ``out``.

    ``where`` is the member's path as AWS names it ("" for the request itself; list items are "x.1.member").
    A shape type not handled here (timestamp, blob, map, …) is kept as sent."""
    if shape.type_name not in _TYPES:
        return value
    kind, described = _TYPES[shape.type_name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        out.append(violation(UNSHOWN, where, f"Member must be {described}"))
        return None
    meta = shape.metadata
    if shape.type_name == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                out.append(violation(None, _join(where, name), "Member must not be null"))
        if meta.get("union") and sum(value.get(name) is not None for name in shape.members) != 1:
            # [emulator wording]: botocore refuses it client-side ("tagged union"), so AWS's text is rarely seen.
            out.append(violation(UNSHOWN, where, "Member must have exactly one member set"))
        return {name: check(member, value[name], _join(where, name), out, extra)
                for name, member in shape.members.items() if value.get(name) is not None}
    if shape.type_name in ("string", "list"):
        length = utf16_length(value) if isinstance(value, str) else len(value)
        if length < meta.get("min", 0):
            out.append(violation(value, where, f"Member must have length greater than or equal to {meta['min']}"))
        if "max" in meta and length > meta["max"]:
            out.append(violation(value, where, f"Member must have length less than or equal to {meta['max']}"))
    if shape.type_name == "list":
        return [check(shape.member, item, f"{where}.{i + 1}.member", out, extra) for i, item in enumerate(value)]
    if shape.type_name == "string":
        if shape.enum and value not in shape.enum:
            out.append(violation(value, where, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"))
        if "pattern" in meta:
            out += pattern_violations(value, where, meta["pattern"])
        if extra is not None:
            out += extra(shape, value, where)
    if shape.type_name in ("integer", "long"):
        if "min" in meta and value < meta["min"]:
            out.append(violation(value, where, f"Member must have value greater than or equal to {meta['min']}"))
        if "max" in meta and value > meta["max"]:
            out.append(violation(value, where, f"Member must have value less than or equal to {meta['max']}"))
    return value


def failure(found: list[str]) -> errors.BedrockError:
    """The ValidationException for ``found`` (non-empty): "N validation error(s) detected: …; …"."""
    count = f"{len(found)} validation error{'s' if len(found) > 1 else ''} detected: "
    return errors.validation(count + "; ".join(found))


def raise_if(found: list[str]) -> None:
    if found:
        raise failure(found)


def validated(shape: Any, value: Any, where: str = "", extra: Extra | None = None) -> Any:
    """``value`` cleaned (modelled members only), or the ValidationException listing every violation."""
    found: list[str] = []
    cleaned = check(shape, value, where, found, extra)
    raise_if(found)
    return cleaned
