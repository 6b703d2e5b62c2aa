"""Terminal commands (``make doctor`` and ``make facts`` run the first two with the project's interpreter):

- ``python -m helpers doctor [--json]``: the preflight checks. Exit status: 0 when no check FAILs (WARNs
  allowed: in auto mode without AWS credentials the notebooks run offline), 1 when a check FAILs, 2 for a
  usage error.
- ``python -m helpers facts [--confidence L] [--older-than DAYS] [--json]``: every sourced fact in the
  catalog (helpers/data/models.toml), least certain and oldest first, so a maintainer knows what to
  re-check. Exit status 0.
- ``python -m helpers doctor-summary REPORT_OR_FOLDER... [--json]``: many machines' ``doctor --json`` reports
  in one view for a workshop host (docs/workshop.md). Exit status: 0 when every machine is ready, 1 when one is
  not or a file is unreadable, 2 when no report was given or found.
- ``python -m helpers workshop-plan (--country CODE | --region REGION) [--attendees N] [--json]``: the room's
  regions, the ids to call from each, quota commands and a budget, from the catalog. Exit status 0, 2 for an
  unknown place.
"""

from __future__ import annotations

import argparse
import sys

from . import catalog, workshop_plan
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
    summary = commands.add_parser("doctor-summary", help="summarise many machines' `doctor --json` reports",
                                  epilog="Exit status: 0 when every machine is ready, 1 when one is not or a "
                                         "file is unreadable, 2 when no report was found.")
    summary.add_argument("reports", nargs="+", metavar="REPORT",
                         help="a report file (NAME.json from `doctor --json > NAME.json`) or a folder of them")
    summary.add_argument("--json", action="store_true", help="print the summary as JSON")
    plan = commands.add_parser("workshop-plan", help="regions, model ids, quotas and budget for a workshop room")
    where = plan.add_mutually_exclusive_group(required=True)
    where.add_argument("--country", help="the room's country: " + ", ".join(workshop_plan.codes()))
    where.add_argument("--region", help="an AWS region, for a place the country list lacks (e.g. ap-northeast-2)")
    plan.add_argument("--attendees", type=int, default=1, help="how many people run the notebooks (budget)")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):  # a console without ✓/✗ shows "?" before the word, never a crash
        sys.stdout.reconfigure(errors="replace")
    if args.command == "facts":
        return _facts(args)
    if args.command == "doctor-summary":
        return _doctor_summary(args)
    if args.command == "workshop-plan":
        return _workshop_plan(args, parser)
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


def _doctor_summary(args: argparse.Namespace) -> int:
    from .doctor_summary import report_files, summarize
    from .i18n import _

    if not report_files(args.reports):
        print(_("No reports found in {paths}: collect `python -m helpers doctor --json > NAME.json` from each "
                "machine into one folder, then name that folder.").format(paths=", ".join(args.reports)),
              file=sys.stderr)
        return 2
    summary = summarize(args.reports)
    print(summary.to_json() if args.json else summary)
    return summary.exit_code


def _workshop_plan(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json

    try:
        found = workshop_plan.plan(args.country, args.region, args.attendees)
    except (workshop_plan.UnknownPlaceError, ValueError) as e:
        print(f"python -m helpers workshop-plan: {e}", file=sys.stderr)
        return 2
    print(json.dumps(found, ensure_ascii=False, indent=2) if args.json else workshop_plan.text(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
