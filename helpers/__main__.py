"""Two terminal commands (``make doctor`` and ``make facts`` run them with the project's interpreter):

- ``python -m helpers doctor [--json]``: the preflight checks. Exit status: 0 when no check FAILs (WARNs
  allowed: in auto mode without AWS credentials the notebooks run offline), 1 when a check FAILs, 2 for a
  usage error.
- ``python -m helpers facts [--confidence L] [--older-than DAYS] [--json]``: every sourced fact in the
  catalog (helpers/data/models.toml), least certain and oldest first, so a maintainer knows what to
  re-check. Exit status 0.
"""

from __future__ import annotations

import argparse
import sys

from . import catalog
from .doctor import doctor

EPILOG = ("HANDSON_MODE (auto, offline, aws) chooses what is checked, as in the notebooks. "
          "Exit status: 0 when no check FAILs (WARNs allowed), 1 when one does, 2 for a usage error.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("doctor", help="check this machine is ready for the notebooks", epilog=EPILOG)
    run.add_argument("--json", action="store_true",
                     help="print JSON: the mode, each check's status word and symbol, the exit code")
    facts = commands.add_parser("facts", help="list the catalog's facts by confidence and age")
    facts.add_argument("--confidence", choices=sorted(catalog.CONFIDENCE), help="only facts of this confidence")
    facts.add_argument("--older-than", type=int, default=0, metavar="DAYS", help="only facts read more than DAYS ago")
    facts.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):  # a console without ✓/✗ shows "?" before the word, never a crash
        sys.stdout.reconfigure(errors="replace")
    if args.command == "facts":
        return _facts(args)
    report = doctor()
    print(report.to_json() if args.json else report)
    return report.exit_code


def _facts(args: argparse.Namespace) -> int:
    import json

    table = catalog.facts(confidence=args.confidence)
    rows = [row for row in table if int(row[4]) > args.older_than]
    legend = ", ".join(f"{k} = {v}" for k, v in catalog.CONFIDENCE.items())
    if args.json:
        print(json.dumps([dict(zip(catalog.FactTable.header, row, strict=True)) for row in rows], indent=2))
    else:
        print(f"Catalog reviewed {catalog.load().as_of}; {len(rows)} facts. Confidence: {legend}.")
        print(catalog.FactTable(rows))
        print("Sources: python -c 'import helpers; print(helpers.catalog.sources())'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
