"""The emulator's own admin routes, outside AWS's paths: ``/_emulator/...`` (loopback, unsigned)."""

from __future__ import annotations

import json

from . import errors
from .routing import Call, Response, route
from .state import CONTROLS

PREFIX = "/_emulator"


@route("GET", PREFIX + "/state", "EmulatorState", service=None)
async def state(call: Call) -> Response:
    return Response.json(call.state.snapshot())


@route("POST", PREFIX + "/{control}", "EmulatorControl", service=None)
async def control(call: Call) -> Response:
    """``POST /_emulator/throttle {"next": 3}`` calls ``state.throttle(next=3)``, and so on."""
    name = call.params["control"]
    if name not in CONTROLS:
        raise errors.validation(f"Unknown control {name!r}; use one of: {', '.join(CONTROLS)}.")
    try:
        kwargs = json.loads(call.body or b"{}")
        if not isinstance(kwargs, dict):
            raise ValueError("the body must be a JSON object")
        return Response.json(getattr(call.state, name)(**kwargs))
    except (ValueError, TypeError, LookupError) as e:
        raise errors.validation(f"{name}: {e}") from None
