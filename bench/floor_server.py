"""The benchmark's floor: a bare ASGI app on the emulator's granian stack that answers at once."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers.emulator import bind, serve
from helpers.emulator.listeners import Listener

BODY = b'{"id":"msg_floor","type":"message","content":[]}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict, receive, send) -> None:
    """Drain the request body, then reply with a fixed message."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    serve(Listener(app), bind("127.0.0.1", int(sys.argv[1])), None, None)  # the emulator's server, loop and stop
