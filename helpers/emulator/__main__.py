"""``python -m helpers.emulator``: serve in the foreground, after printing the lines to paste."""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys

from . import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_REGION,
    EmulatorApp,
    EmulatorState,
    PortInUseError,
    attach_aws,
    auth,
    bind,
    environment,
    serve,
    servers,
    shell_lines,
    tls,
)
from .guard import TOKEN_ENV, Guard, is_loopback

# Gen-0 collections every 10,000 allocations instead of 700. Each request allocates a few hundred short-lived
# objects (dicts, strings, dataclasses) that reference counting frees anyway; at the default threshold the
# collector ran every few requests and cost ~10% of the throughput (bench/emulator_bench.py). Only in this
# process of its own: an emulator started in a notebook's kernel leaves the kernel's collector alone.
GC_GEN0_THRESHOLD = 10_000


def tune_gc() -> None:
    """Freeze what start-up loaded (catalog, botocore's service models: never garbage) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.emulator",
                                     description="Offline Amazon Bedrock emulator for Claude.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default: loopback only, %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s)")
    parser.add_argument("--tls-port", type=int, default=None,
                        help="port of the HTTPS listener the printed lines point clients at "
                             "(default: --port + 1, or a free port with --port 0)")
    parser.add_argument("--no-tls", action="store_true",
                        help="serve plain HTTP only (Bedrock API keys then work only with raw requests: boto3 "
                             "sends them only over HTTPS)")
    parser.add_argument("--region", default=DEFAULT_REGION,
                        help="region for requests that carry none, e.g. with a Bedrock API key")
    parser.add_argument("--shell", choices=("sh", "powershell"), default="sh",
                        help="syntax of the printed environment lines")
    parser.add_argument("--admin", action="store_true",
                        help="serve the admin routes (/_emulator/*, token required) on a non-loopback --host too")
    args = parser.parse_args(argv)
    try:
        auth.check_region(args.region)
    except ValueError as e:
        parser.error(f"--region: {e}")
    tls_port = args.tls_port if args.tls_port is not None else (args.port + 1 if args.port else 0)
    try:
        sock = bind(args.host, args.port)
    except PortInUseError as e:
        print(f"error: {e.strerror}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        tls_sock = None if args.no_tls else bind(args.host, tls_port)
    except OSError as e:
        print(f"error: cannot listen with TLS on {args.host}:{tls_port}: {e.strerror}. Choose another port "
              f"(--tls-port {tls_port + 1}), or --no-tls.", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    port = sock.getsockname()[1]
    url = f"http://{host}:{port}"
    tls_port = tls_sock.getsockname()[1] if tls_sock else None
    tls_files = tls.create(args.host) if tls_sock else None
    https_url = f"https://{host}:{tls_port}" if tls_port else None
    guard = Guard.for_bind(args.host, port, admin=args.admin, tls_port=tls_port)
    state = EmulatorState(args.region)
    aws_url = attach_aws(state)  # the offline S3, CloudWatch Logs and IAM, in this process too
    env = {**environment(https_url or url, args.region, tls_files.bundle if tls_files else None, aws_url),
           TOKEN_ENV: guard.token}
    print("# Paste these lines into your shell to point boto3, the AWS CLI and the Anthropic SDKs here:")
    for line in shell_lines(env, args.shell):
        print(line)
    print(flush=True)
    if not is_loopback(args.host):
        print(non_loopback_warning(args.host, args.admin, aws_url), file=sys.stderr)
    if https_url:
        print(f"Bedrock emulator listening on {https_url} (TLS; its CA: {tls_files.ca}) and {url} "
              "(plain HTTP) (Ctrl-C to stop)", file=sys.stderr, flush=True)
    else:
        print(f"Bedrock emulator listening on {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if guard.admin:
        print(f"Admin routes {https_url or url}/_emulator/* need the header X-Emulator-Token: {guard.token} "
              f"({TOKEN_ENV} above; RemoteEmulator reads it)", file=sys.stderr, flush=True)
    if aws_url:
        print(f"Offline S3, CloudWatch Logs and IAM (moto) on {aws_url}", file=sys.stderr, flush=True)
    server, tls_server = servers(EmulatorApp(state, guard), tls_files)
    tune_gc()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            serve(server, sock, tls_server, tls_sock)
    finally:
        if tls_files is not None:
            tls_files.remove()
    return 0


def non_loopback_warning(host: str, admin: bool, aws_url: str | None) -> str:
    """What listening on a non-loopback ``host`` means, for the operator who chose it."""
    text = (f"warning: listening on {host}, which is not loopback: anyone who can reach this address can use the "
            "emulator, and requests are accepted under any Host name (no DNS-rebinding guard). "
            + ("The admin routes are on (--admin): keep the token secret." if admin else
               "The admin routes are off (--admin turns them on)."))
    if aws_url:  # moto's server binds loopback whatever --host says (aws_services.HOST)
        text += (f" The offline S3, CloudWatch Logs and IAM stay on {aws_url} (loopback only): the "
                 "AWS_ENDPOINT_URL_S3/_CLOUDWATCH_LOGS/_IAM lines above work on this machine only.")
    return text


if __name__ == "__main__":
    sys.exit(main())

