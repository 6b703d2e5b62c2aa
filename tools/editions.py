"""Keep the Japanese and Traditional Chinese notebooks in step with the English ones (``make editions``).

The English notebooks in ``notebooks/en/`` are the source. An edition (``notebooks/ja/``,
``notebooks/zh-TW/``) has the same cells in the same order, with the same ids, tags and code; only the
prose (markdown) is translated. Each translated prose cell records which English text it was
translated from (``metadata.translation.en_sha``, a hash of that text), so a change to the English
shows up here as a stale translation.

    python tools/editions.py             # status: what differs, which prose is stale or untranslated
    python tools/editions.py sync        # copy structure and code from en/ into every edition
    python tools/editions.py check       # exit 1 if any edition's structure or code differs (CI)
    python tools/editions.py export ja 03_request_styles.ipynb > 03.ja.md   # prose to translate
    python tools/editions.py verify ja 03.ja.md                            # before importing
    python tools/editions.py import ja 03.ja.md                            # translations back in

``sync`` never loses a translation: a prose cell keeps its text (and is listed as stale when its
English changed); a new English cell is copied in English and listed as untranslated; code cells take
the English source, and lose their outputs when it changed, so ``make notebooks`` must refresh them.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers.i18n import EDITIONS as LANGUAGES
from helpers.i18n import ENGLISH, localized_url

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCE = ENGLISH
EDITIONS = tuple(e for e in LANGUAGES if e != ENGLISH)  # the translated editions, as helpers.i18n knows them
# The export file's cell marker: an HTML comment, so the file previews as ordinary markdown.
MARKER = re.compile(r"^<!-- cell (?P<id>[A-Za-z0-9_-]+) -->$")


def en_sha(text: str) -> str:
    """The fingerprint a translation keeps of the English it was made from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def translated_from(cell: Any) -> str | None:
    return cell.get("metadata", {}).get("translation", {}).get("en_sha")


def english_notebooks(root: Path = NOTEBOOKS) -> list[Path]:
    return sorted((root / SOURCE).glob("*.ipynb"))


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def write(notebook: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


@dataclass
class Report:
    """What one edition of one notebook needs, in words a maintainer can act on."""

    path: Path
    structure: list[str] = field(default_factory=list)   # cells missing, extra, reordered, retyped, retagged
    code: list[str] = field(default_factory=list)        # code cells whose source differs from English
    stale: list[str] = field(default_factory=list)       # prose whose English changed since translation
    untranslated: list[str] = field(default_factory=list)
    refresh: bool = False                                # outputs cleared by sync: run `make notebooks`

    @property
    def in_step(self) -> bool:
        return not (self.structure or self.code)


def compare(english: Any, edition: Any, path: Path) -> Report:
    report = Report(path)
    en_cells, ed_cells = english.cells, edition.cells
    if [c.get("id") for c in en_cells] != [c.get("id") for c in ed_cells]:
        report.structure.append(f"cells differ: {len(en_cells)} in English, {len(ed_cells)} here "
                                "(ids, count or order)")
    if english.metadata.get("kernelspec") != edition.metadata.get("kernelspec"):
        report.structure.append("kernelspec differs")
    for number, (en, ed) in enumerate(zip(en_cells, ed_cells, strict=False), 1):
        where = f"cell {number} ({en.get('id')})"
        if en.cell_type != ed.cell_type:
            report.structure.append(f"{where}: {ed.cell_type} here, {en.cell_type} in English")
            continue
        if tags(en) != tags(ed):
            report.structure.append(f"{where}: tags {tags(ed)} here, {tags(en)} in English")
        if en.cell_type == "code":
            if en.source != ed.source:
                report.code.append(f"{where}: code differs from English")
        elif translated_from(ed) is None:
            report.untranslated.append(where)
        elif translated_from(ed) != en_sha(en.source):
            report.stale.append(where)
    return report


def sync(english: Any, edition: Any | None) -> tuple[Any, bool]:
    """The edition rebuilt on the English cells: prose kept by cell id, code and tags from English.
    Returns the notebook and whether some code cell changed (its outputs must be refreshed)."""
    if edition is None:
        edition = nbformat.v4.new_notebook()
        edition.metadata = copy.deepcopy(english.metadata)
    kept = {c.get("id"): c for c in edition.cells}
    cells, code_changed = [], False
    for en in english.cells:
        ed = kept.get(en.get("id"))
        if ed is None or ed.cell_type != en.cell_type:
            cell = copy.deepcopy(en)
            cell.get("metadata", {}).pop("translation", None)   # English prose: untranslated
            code_changed |= en.cell_type == "code"               # its outputs are English ones
            if en.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cells.append(cell)
            continue
        ed = copy.deepcopy(ed)
        ed.metadata["tags"] = tags(en)
        if not ed.metadata["tags"]:
            del ed.metadata["tags"]
        if en.cell_type == "code" and ed.source != en.source:
            ed.source, ed.outputs, ed.execution_count = en.source, [], None
            code_changed = True
        cells.append(ed)
    edition.cells = cells
    edition.metadata["kernelspec"] = copy.deepcopy(english.metadata.get("kernelspec"))
    return edition, code_changed


def export(english: Any, edition: Any | None, name: str, edition_name: str) -> str:
    """Every prose cell, each under its marker: the translation where one is current, else the English
    (stale or untranslated cells say so in a comment above the marker, which import ignores)."""
    current = {c.get("id"): c for c in (edition.cells if edition is not None else [])}
    parts = [f"<!-- {edition_name}/{name}: translate the text under each cell marker; keep the markers. -->\n"]
    for en in english.cells:
        if en.cell_type == "code":
            continue
        ed = current.get(en.get("id"))
        if ed is not None and translated_from(ed) == en_sha(en.source):
            text = ed.source
        else:
            state = "untranslated" if ed is None or translated_from(ed) is None else "English changed"
            parts.append(f"<!-- {state}: the text below is the English -->\n")
            text = en.source
        parts.append(f"<!-- cell {en.get('id')} -->\n{text.rstrip()}\n\n")
    return "".join(parts)


def parse_export(text: str) -> dict[str, str]:
    """Cell id -> translated text. Comments other than cell markers (the header, state notes) are dropped."""
    found: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    note = re.compile(r"^<!-- .* -->$")

    def close() -> None:
        if current is not None:
            found[current] = "\n".join(lines).strip("\n")

    for line in text.splitlines():
        marker = MARKER.match(line)
        if marker:
            close()
            current, lines = marker["id"], []
        elif note.match(line) and (not lines or lines[-1] == ""):
            continue
        elif current is not None:
            lines.append(line)
    close()
    return found


def apply_translations(english: Any, edition: Any, translations: dict[str, str]) -> list[str]:
    """Put translated prose into the edition, each marked as made from the current English.
    Returns the problems (unknown ids, code cells); nothing is written when there are any."""
    by_id = {c.get("id"): c for c in english.cells}
    problems = [f"cell {i}: not in the English notebook" for i in translations if i not in by_id]
    problems += [f"cell {i}: a code cell (code is copied from English, never translated)"
                 for i in translations if i in by_id and by_id[i].cell_type == "code"]
    if problems:
        return problems
    for cell in edition.cells:
        if cell.get("id") in translations:
            cell.source = translations[cell.get("id")]
            cell.metadata["translation"] = {"en_sha": en_sha(by_id[cell.get("id")].source)}
    return []


CODE_SPAN = re.compile(r"`([^`]+)`")  # CommonMark: a code span may break across lines
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")


FENCED = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)


def spans(text: str) -> set[str]:
    """Inline code outside fenced blocks, each with its line breaks read as spaces (as CommonMark renders them)."""
    return {" ".join(span.split()) for span in CODE_SPAN.findall(FENCED.sub("", text))}


def verify(english: Any, translations: dict[str, str], edition: str) -> tuple[list[str], list[str]]:
    """Problems (import would refuse) and warnings (worth a look) for an export file's translations.
    The warnings compare what must survive translation untouched: inline code (ids, API names,
    commands) and in-page anchors; other link targets may move to the reader's language."""
    prose = {c.get("id"): c for c in english.cells if c.cell_type != "code"}
    code_ids = {c.get("id") for c in english.cells if c.cell_type == "code"}
    problems = [f"cell {i}: not a prose cell of the English notebook" for i in translations if i not in prose]
    problems += [f"cell {i}: missing (every prose cell needs its marker)" for i in prose if i not in translations]
    problems = [p for p in problems if not any(p.startswith(f"cell {i}:") for i in code_ids)] + [
        f"cell {i}: a code cell (code is copied from English, never translated)" for i in translations if i in code_ids]
    warnings = []
    for cell_id, text in translations.items():
        if cell_id not in prose:
            continue
        source = prose[cell_id].source
        lost = sorted(spans(source) - spans(text))
        if lost:
            warnings.append(f"cell {cell_id}: inline code not kept: {', '.join(lost)}")
        anchors = {t for t in LINK_TARGET.findall(source) if t.startswith("#")}
        if anchors - set(LINK_TARGET.findall(text)):
            warnings.append(f"cell {cell_id}: in-page links not kept: {', '.join(sorted(anchors))}")
        # Each English link, to the same page or to that page in the reader's language (not another page).
        wanted = [{t, localized_url(t, edition)} for t in LINK_TARGET.findall(source) if not t.startswith("#")]
        found = [t for t in LINK_TARGET.findall(text) if not t.startswith("#")]
        lost = [sorted(w)[-1] for w in wanted if not w & set(found)]
        if lost:
            warnings.append(f"cell {cell_id}: links not kept (nor their {edition} page): {', '.join(lost)}")
        if text.strip() == source.strip() and re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", source):
            warnings.append(f"cell {cell_id}: still the English text")
    return problems, warnings


def status(reports: list[Report]) -> int:
    for report in reports:
        lines = [*report.structure, *report.code]
        lines += [f"{c}: English changed since it was translated" for c in report.stale]
        lines += [f"{c}: not translated yet" for c in report.untranslated]
        if report.refresh:
            lines.append("code changed: run `make notebooks` to refresh its outputs")
        if lines:
            print(f"{shown(report.path)}:")
            print("".join(f"  {line}\n" for line in lines), end="")
    out_of_step = [r for r in reports if not r.in_step]
    stale = sum(len(r.stale) + len(r.untranslated) for r in reports)
    print(f"{len(reports)} edition notebooks: {len(out_of_step)} out of step with English, "
          f"{stale} prose cells to translate")
    return 1 if out_of_step else 0


def all_reports(root: Path, editions: tuple[str, ...]) -> list[Report]:
    reports = []
    for path in english_notebooks(root):
        english = read(path)
        for edition in editions:
            target = root / edition / path.name
            if not target.exists():
                reports.append(Report(target, structure=["missing: run `python tools/editions.py sync`"]))
            else:
                reports.append(compare(english, read(target), target))
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # --edition and --notebooks go before or after the command; after it, a value set before is kept.
    for target, default in ((parser, None), (common := argparse.ArgumentParser(add_help=False), argparse.SUPPRESS)):
        target.add_argument("--edition", choices=EDITIONS, action="append", default=default,
                            help="only this edition (repeatable)")
        target.add_argument("--notebooks", type=Path, default=NOTEBOOKS if default is None else default,
                            help="the folder holding en/ (default: notebooks)")
    sub = parser.add_subparsers(dest="command")
    commands = {
        "status": "list what differs and which prose to translate (the default)",
        "sync": "copy cells, tags and code from en/ into every edition; then status",
        "check": "exit 1 unless every edition has the English cells, tags and code",
        "export": "an edition's prose cells as a markdown file to translate",
        "import": "write translated prose from an export file into the edition",
        "verify": "check an export file before importing it: markers, inline code, anchors",
    }
    made = {name: sub.add_parser(name, parents=[common], help=text) for name, text in commands.items()}
    for name in ("export", "import", "verify"):
        made[name].add_argument("edition", choices=EDITIONS)
    made["export"].add_argument("notebook", help="file name, e.g. 03_request_styles.ipynb")
    for name in ("import", "verify"):
        made[name].add_argument("file", type=Path, help="an export file whose first line names the notebook")
    args = parser.parse_args(argv)
    args.command = args.command or "status"
    editions, root = tuple(args.edition or EDITIONS), args.notebooks.resolve()

    if args.command in ("status", "check"):
        reports = all_reports(root, editions)
        return status(reports) if args.command != "check" else int(any(not r.in_step for r in reports))
    if args.command == "sync":
        reports = []
        for path in english_notebooks(root):
            english = read(path)
            for edition in editions:
                target = root / edition / path.name
                synced, changed = sync(english, read(target) if target.exists() else None)
                write(synced, target)
                report = compare(english, synced, target)
                report.refresh = changed
                reports.append(report)
        return status(reports)
    if args.command == "export":
        name = Path(args.notebook).name
        source = root / SOURCE / name
        if not source.exists():
            parser.error(f"no English notebook {shown(source)}")
        target = root / args.edition / name
        sys.stdout.write(export(read(source), read(target) if target.exists() else None, name, args.edition))
        return 0
    # import and verify
    text = args.file.read_text(encoding="utf-8")
    header = re.match(r"<!-- (?P<edition>[\w-]+)/(?P<name>[\w.-]+\.ipynb):", text)
    if not header or header["edition"] != args.edition:
        parser.error(f"{args.file}: the first line must be the header `export` wrote for {args.edition}")
    source, target = root / SOURCE / header["name"], root / args.edition / header["name"]
    english = read(source)
    if args.command == "verify":
        problems, warnings = verify(english, parse_export(text), args.edition)
        print("".join(f"problem: {p}\n" for p in problems) + "".join(f"warning: {w}\n" for w in warnings)
              + f"{len(problems)} problems, {len(warnings)} warnings")
        return int(bool(problems))
    edition, _ = sync(english, read(target) if target.exists() else None)
    problems = apply_translations(english, edition, parse_export(text))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    write(edition, target)
    return status([compare(english, edition, target)])


if __name__ == "__main__":
    sys.exit(main())
