"""``python -m helpers doctor [--json]``: the preflight checks from a terminal."""

from __future__ import annotations

import argparse
import sys

from .doctor import doctor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("doctor", help="check this machine is ready to call Claude on Bedrock")
    run.add_argument("--json", action="store_true", help="print JSON (for workshop hosts collecting reports)")
    args = parser.parse_args(argv)
    report = doctor()
    print(report.to_json() if args.json else report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
