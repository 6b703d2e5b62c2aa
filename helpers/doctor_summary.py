"""Many doctor reports in one view, for a workshop host: which machines are ready, and what to fix where.

Each attendee runs ``python -m helpers doctor --json > NAME.json`` (``make doctor`` prints the same checks as
text); the host collects the files and runs ``python -m helpers doctor-summary reports/*.json`` (or names a
folder). The summary says how many machines are ready, counts OK / WARN / FAIL per check, and lists each
distinct fix with the machines that need it. A file that is not a report of this doctor (not JSON, empty,
the text output, a report from an older doctor, a hand-edited one) is named with what is wrong and what to
do, never a traceback. A machine is named after its file (``alice.json`` -> ``alice``).

Reports made in Japanese or Traditional Chinese (``HANDSON_LANG``, or a kernel in ``notebooks/ja/``) name
their checks in that language; the summary maps those names back, so one room's reports group together
whatever language each machine spoke. Details and fixes stay as each machine wrote them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .doctor import FAIL, OK, WARN, WORDS, label
from .i18n import EDITIONS, N_, _, ljust, translations, width

STATUSES = (OK, WARN, FAIL)
# The doctor's check names that it translates (the others, like "Python" or "AWS CLI", are names in every
# language). Kept beside the doctor's own strings by test_workshop.py, which runs the doctor in each language.
TRANSLATED_NAMES = ("Mode", "Region", "Credentials (boto3)", "Credentials (AWS CLI)", "Model access",
                    "Offline emulator")
TEMPLATED_NAMES = ("Access: {model}",)
REPORT_KEYS = {"mode": (str, type(None)), "ok": bool, "exit_code": int, "checks": list}
CHECK_KEYS = ("name", "status", "detail", "fix")
TEXT_OUTPUT = re.compile(r"\S (OK|WARN|FAIL) ")  # "✓ OK  Mode …", or "? OK" where the console lacked ✓
NO_FIX = N_("(no fix given)")
RERUN = N_("On that machine run `python -m helpers doctor --json > {file}` again (from the project folder, "
           "with its .venv) and send that file unchanged.")


class UnreadableReport(ValueError):
    """A file that is not a doctor report of this version: what is wrong (``problem``) and what to do (``fix``)."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


@dataclass(frozen=True)
class MachineReport:
    machine: str
    path: Path
    mode: str | None
    ok: bool
    checks: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Unreadable:
    machine: str
    path: Path
    problem: str
    fix: str


def machines(count: int) -> str:
    """``"1 machine"``, ``"3 machines"`` (Japanese and Chinese have one form; test_i18n reads no plural entries)."""
    return (_("{n} machine") if count == 1 else _("{n} machines")).format(n=count)


def canonical_name(name: str) -> str:
    """The doctor's English name of a check, from its name in any edition's language."""
    for edition in EDITIONS:
        catalog = translations(edition)
        for english in TRANSLATED_NAMES:
            if catalog.gettext(english) == name:
                return english
        for template in TEMPLATED_NAMES:
            head, tail = catalog.gettext(template).split("{model}")
            if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
                return template.format(model=name[len(head):len(name) - len(tail)])
    return name


def shown_name(english: str) -> str:
    """A check's English name in the host's language."""
    if english in TRANSLATED_NAMES:
        return _(english)
    for template in TEMPLATED_NAMES:
        head, tail = template.split("{model}")
        if english.startswith(head) and english.endswith(tail):
            return _(template).format(model=english[len(head):len(english) - len(tail)])
    return english


def _text(path: Path) -> str:
    """The file's text: UTF-8 (with or without a BOM), or UTF-16 with a BOM, which Windows PowerShell 5's
    ``>`` writes."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def read_report(path: Path, machine: str | None = None) -> MachineReport:
    """One doctor report; raises :class:`UnreadableReport` with what is wrong and what to do."""
    machine = machine or path.stem
    rerun = _(RERUN).format(file=path.name)
    try:
        text = _text(path)
    except OSError as e:
        raise UnreadableReport(_("cannot be read: {error}").format(error=e.strerror or e), rerun) from None
    except UnicodeDecodeError:
        raise UnreadableReport(_("not text (neither UTF-8 nor UTF-16)"), rerun) from None
    if not text.strip():
        raise UnreadableReport(_("empty: the doctor printed nothing into it"), rerun)
    if TEXT_OUTPUT.match(text.lstrip()):
        raise UnreadableReport(_("the doctor's text output, not JSON"),
                               _("Run the doctor with --json: `python -m helpers doctor --json > {file}`.").format(
                                   file=path.name))
    try:
        data = json.loads(text)
    except ValueError as e:
        raise UnreadableReport(_("not JSON ({error})").format(error=e), rerun) from None
    if isinstance(data, list) and all(isinstance(c, dict) and "status" in c for c in data):
        raise UnreadableReport(_("from an older doctor (a list of checks, without the mode or the verdict)"),
                               _("Update the project on that machine (`git pull`), then run the doctor again: "
                                 "`python -m helpers doctor --json > {file}`.").format(file=path.name))
    if not isinstance(data, dict):
        raise UnreadableReport(_("not a doctor report (JSON, but not an object)"), rerun)
    missing = [key for key, kind in REPORT_KEYS.items() if not isinstance(data.get(key), kind)]
    if missing:
        raise UnreadableReport(_("not a report of this doctor version (missing or wrong: {keys})").format(
                                   keys=", ".join(missing)),
                               _("Check both machines run the same version of the project (`git pull` on "
                                 "each), then run the doctor again: `python -m helpers doctor --json > {file}`."
                                 ).format(file=path.name))
    checks = []
    for number, check in enumerate(data["checks"], 1):
        if (not isinstance(check, dict) or not all(isinstance(check.get(k), str) for k in CHECK_KEYS)
                or check["status"] not in STATUSES):
            raise UnreadableReport(_("check {number} is not a doctor check (it needs name, status ok/warn/fail, "
                                     "detail and fix)").format(number=number), rerun)
        checks.append({**{k: check[k] for k in CHECK_KEYS}, "name": canonical_name(check["name"])})
    failed = any(c["status"] == FAIL for c in checks)
    if data["ok"] == failed or data["exit_code"] != int(failed):
        raise UnreadableReport(_("inconsistent: its verdict (ok {ok}, exit code {code}) does not match its checks "
                                 "({count} FAIL); was it edited?").format(
                                   ok=data["ok"], code=data["exit_code"], count=sum(c["status"] == FAIL
                                                                                   for c in checks)), rerun)
    return MachineReport(machine, path, data["mode"], data["ok"], tuple(checks))


def report_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read: each path given, and each ``*.json`` directly in a folder given."""
    found: list[Path] = []
    for given in map(Path, paths):
        found += sorted(given.glob("*.json")) if given.is_dir() else [given]
    return found


def _machine_names(files: Sequence[Path]) -> list[str]:
    """Each file's stem, or its path where two files share a stem (``a/pc1.json`` and ``b/pc1.json``)."""
    stems = [f.stem for f in files]
    return [f.stem if stems.count(f.stem) == 1 else str(f) for f in files]


@dataclass
class FixGroup:
    status: str
    fix: str
    machines: list[str] = field(default_factory=list)


@dataclass
class CheckSummary:
    name: str  # English (see shown_name)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    fixes: list[FixGroup] = field(default_factory=list)

    def add(self, machine: str, check: dict[str, str]) -> None:
        self.counts[check["status"]] += 1
        if check["status"] == OK:
            return
        group = next((g for g in self.fixes if (g.status, g.fix) == (check["status"], check["fix"])), None)
        if group is None:
            group = FixGroup(check["status"], check["fix"])
            self.fixes.append(group)
        group.machines.append(machine)

    def ordered_fixes(self) -> list[FixGroup]:
        """FAILs first, then the fixes most machines need."""
        return sorted(self.fixes, key=lambda g: (g.status != FAIL, -len(g.machines)))


@dataclass
class Summary:
    reports: list[MachineReport]
    unreadable: list[Unreadable]

    @property
    def ready(self) -> list[str]:
        return [r.machine for r in self.reports if r.ok]

    @property
    def not_ready(self) -> list[str]:
        return [r.machine for r in self.reports if not r.ok]

    @property
    def exit_code(self) -> int:
        """0 when every file was read and every machine is ready, else 1."""
        return 0 if self.reports and not self.not_ready and not self.unreadable else 1

    def modes(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for r in self.reports:
            counted[r.mode or "unknown"] = counted.get(r.mode or "unknown", 0) + 1
        return counted

    def checks(self) -> list[CheckSummary]:
        """One summary per check, in the order the doctor runs them (first seen first)."""
        by_name: dict[str, CheckSummary] = {}
        for r in self.reports:
            for check in r.checks:
                by_name.setdefault(check["name"], CheckSummary(check["name"])).add(r.machine, check)
        return list(by_name.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "machines": len(self.reports) + len(self.unreadable),
            "ready": self.ready, "not_ready": self.not_ready,
            "unreadable": [{"machine": u.machine, "path": str(u.path), "problem": u.problem, "fix": u.fix}
                           for u in self.unreadable],
            "modes": self.modes(),
            "checks": [{"name": c.name, "counts": {WORDS[s]: n for s, n in c.counts.items()},
                        "fixes": [{"status": g.status, "fix": g.fix, "machines": g.machines}
                                  for g in c.ordered_fixes()]} for c in self.checks()],
            "exit_code": self.exit_code,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def __str__(self) -> str:
        total = len(self.reports) + len(self.unreadable)
        lines = [_("Doctor reports from {machines}: {ready} ready, {not_ready} not ready, {unreadable} unreadable.")
                 .format(machines=machines(total),
                         ready=len(self.ready), not_ready=len(self.not_ready), unreadable=len(self.unreadable))]
        if self.ready:
            lines.append(_("Ready: {machines}").format(machines=", ".join(self.ready)))
        if self.not_ready:
            lines.append(_("Not ready: {machines}").format(machines=", ".join(self.not_ready)))
        if self.unreadable:
            lines.append(_("Unreadable, or from another version (run the doctor there again):"))
            for u in self.unreadable:
                lines += [f"  {u.machine} ({u.path}): {u.problem}", "      " + _("fix: {fix}").format(fix=u.fix)]
        if self.reports:
            lines.append(_("Modes: {modes}").format(modes=", ".join(f"{m} {n}" for m, n in self.modes().items())))
            lines += ["", *self._check_table()]
        return "\n".join(lines)

    def _check_table(self) -> list[str]:
        checks = self.checks()
        column = max(width(_("check")), *(width(shown_name(c.name)) for c in checks))
        header = _("check")
        lines = [ljust(header, column) + "  " + "  ".join(f"{WORDS[s]:>4}" for s in STATUSES)]
        for c in checks:
            lines.append(f"{ljust(shown_name(c.name), column)}  " + "  ".join(f"{c.counts[s]:>4}" for s in STATUSES))
            for g in c.ordered_fixes():
                count = machines(len(g.machines))
                lines.append(f"    {label(g.status):<6}  {count}: {', '.join(g.machines)}")
                lines.append("            " + _("fix: {fix}").format(fix=g.fix or _(NO_FIX)))
        return lines


def summarize(paths: Iterable[str | Path]) -> Summary:
    """Read every report (files, or folders of ``*.json``); unreadable ones are listed, never raised."""
    files = report_files(paths)
    reports, unreadable = [], []
    for path, machine in zip(files, _machine_names(files), strict=True):
        try:
            reports.append(read_report(path, machine))
        except UnreadableReport as e:
            unreadable.append(Unreadable(machine, path, e.problem, e.fix))
    return Summary(reports, unreadable)
