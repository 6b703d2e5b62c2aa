"""``python -m helpers doctor [--json]``: the preflight checks from a terminal (``make doctor`` runs it with
the project's interpreter). Exit status: 0 when no check FAILs (WARNs allowed: in auto mode without AWS
credentials the notebooks run offline), 1 when a check FAILs, 2 for a usage error."""

from __future__ import annotations

import argparse
import sys

from .doctor import doctor

EPILOG = ("HANDSON_MODE (auto, offline, aws) chooses what is checked, as in the notebooks. "
          "Exit status: 0 when no check FAILs (WARNs allowed), 1 when one does, 2 for a usage error.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("doctor", help="check this machine is ready for the notebooks", epilog=EPILOG)
    run.add_argument("--json", action="store_true",
                     help="print JSON: the mode, each check's status word and symbol, the exit code")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):  # a console without ✓/✗ shows "?" before the word, never a crash
        sys.stdout.reconfigure(errors="replace")
    report = doctor()
    print(report.to_json() if args.json else report)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
