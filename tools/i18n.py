"""The helpers' gettext catalogs (helpers/locale/<locale>/LC_MESSAGES/helpers.po and .mo), with Babel.

    .venv/bin/python tools/i18n.py update    # extract the marked strings into helpers/locale/helpers.pot (not
                                             # committed) and merge them into each language's .po (new ones
                                             # untranslated; a language of helpers.i18n.EDITIONS gets its .po)
    .venv/bin/python tools/i18n.py compile   # .po -> .mo (commit both: the notebooks run with no build step)
    .venv/bin/python tools/i18n.py check     # exit 1 when a string is untranslated or fuzzy, or a .mo is stale

Each step is one plain ``pybabel`` command whose options live in pyproject.toml ([tool.babel.*]), so
``pybabel extract -F pyproject.toml``, ``pybabel update`` and ``pybabel compile`` from the project folder do
the same. A new language: a line in helpers.i18n.EDITIONS, then ``update`` (it runs ``pybabel init``).
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from helpers.i18n import EDITIONS, ENGLISH  # noqa: E402  (the project's own package, from this checkout)

LOCALE_DIR = ROOT / "helpers" / "locale"
DOMAIN = "helpers"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def pybabel(*args: str) -> None:
    """One pybabel command, run from the project folder so it reads pyproject.toml's [tool.babel.*]."""
    os.chdir(ROOT)
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def catalogs() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def marked() -> set[str]:
    """Every msgid marked in helpers/ (singular forms), read from the source as `pybabel extract` reads it."""
    found = extract_from_dir(ROOT / "helpers", keywords=KEYWORDS, comment_tags=("TRANSLATORS:",))
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def compiled(po: Path) -> bytes:
    """The .mo that `pybabel compile` makes of ``po`` (fuzzy entries left out)."""
    with po.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def problems() -> list[str]:
    """Untranslated, fuzzy or missing strings, and stale .mo files: one line each."""
    found, wanted = [], marked()
    for po in catalogs():
        with po.open("rb") as f:
            catalog = read_po(f)
        where = po.relative_to(ROOT)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            if message.fuzzy:
                found.append(f"{where}: fuzzy: {msgid!r}")
            elif not all(strings):
                found.append(f"{where}: untranslated: {msgid!r}")
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        found += [f"{where}: missing (run `tools/i18n.py update`): {m!r}" for m in sorted(wanted - known)]
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(po):
            found.append(f"{mo.relative_to(ROOT)} is stale: run `.venv/bin/python tools/i18n.py compile`")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "update":
        pybabel("extract", "-F", "pyproject.toml")
        for edition, locale in EDITIONS.items():
            if edition != ENGLISH and not (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").exists():
                pybabel("init", "-i", "helpers/locale/helpers.pot", "-d", "helpers/locale", "-D", DOMAIN,
                        "-l", locale, "-w", "120")
        pybabel("update")
    elif command == "compile":
        pybabel("compile")
    elif command == "check":
        found = problems()
        print("\n".join(found) or f"{len(catalogs())} catalogs complete and compiled")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
