"""The emulator's own admin routes, outside AWS's paths: ``/_emulator/...`` (unsigned).

``guard.py`` decides who may call them (token, Origin, JSON only, loopback); here the arguments are
read and handed to the same state methods the in-process handle calls, which check them.
"""

from __future__ import annotations

import inspect
import json
from functools import cache

from . import errors
from .routing import Call, Response, route
from .state import CONTROLS, EmulatorState

PREFIX = "/_emulator"


@route("GET", PREFIX + "/state", "EmulatorState", service=None)
async def state(call: Call) -> Response:
    return Response.json(call.state.snapshot())


@route("POST", PREFIX + "/{control}", "EmulatorControl", service=None)
async def control(call: Call) -> Response:
    """``POST /_emulator/throttle {"next": 3}`` calls ``state.throttle(next=3)``, and so on."""
    name = call.params["control"]
    if name not in CONTROLS:
        raise errors.validation(f"Unknown control {name[:100]!a}; use one of: {', '.join(CONTROLS)}.")
    try:
        kwargs = json.loads(call.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise errors.validation(f"{name}: the body must be a JSON object of arguments.") from None
    if not isinstance(kwargs, dict):
        raise errors.validation(f"{name}: the body must be a JSON object of arguments.")
    unknown = [k for k in kwargs if k not in parameters(name)]
    if unknown:
        takes = ", ".join(parameters(name)) or "no arguments"
        raise errors.validation(f"{name}: unknown argument {unknown[0][:100]!a}; it takes {takes}.")
    try:
        return Response.json(getattr(call.state, name)(**kwargs))
    except (ValueError, TypeError) as e:  # the state's own argument checks (UnknownModel is a ValueError)
        raise errors.validation(str(e)) from None


@cache
def parameters(control: str) -> tuple[str, ...]:
    """The argument names a control takes."""
    return tuple(inspect.signature(getattr(EmulatorState, control)).parameters)[1:]  # minus self
