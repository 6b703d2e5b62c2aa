"""``python -m helpers.emulator``: serve in the foreground, after printing the lines to paste."""

from __future__ import annotations

import argparse
import contextlib
import sys

from . import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_REGION,
    EmulatorApp,
    EmulatorState,
    PortInUseError,
    bind,
    environment,
    is_loopback,
    server_config,
    shell_lines,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.emulator",
                                     description="Offline Amazon Bedrock emulator for Claude.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default: loopback only, %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s)")
    parser.add_argument("--region", default=DEFAULT_REGION,
                        help="region for requests that carry none, e.g. with a Bedrock API key")
    parser.add_argument("--shell", choices=("sh", "powershell"), default="sh",
                        help="syntax of the printed environment lines")
    parser.add_argument("--log-dir", default=None,
                        help="where invocation logs go once logging is configured (default: a new temporary folder)")
    args = parser.parse_args(argv)
    import uvicorn

    try:
        sock = bind(args.host, args.port)
    except PortInUseError as e:
        print(f"error: {e.strerror}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror}", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{sock.getsockname()[1]}"
    print("# Paste these lines into your shell to point boto3, the AWS CLI and the Anthropic SDKs here:")
    for line in shell_lines(environment(url, args.region), args.shell):
        print(line)
    print(flush=True)
    if not is_loopback(args.host):
        print(f"warning: listening on {args.host}, which is not loopback: anyone who can reach this "
              "address can use the emulator.", file=sys.stderr)
    print(f"Bedrock emulator listening on {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    state = EmulatorState(args.region, args.log_dir)
    print(f"Invocation logs (once configured) go to {state.log_dir}", file=sys.stderr, flush=True)
    server = uvicorn.Server(server_config(EmulatorApp(state)))
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
