"""What the helpers print for people, in the notebook's language: English, Japanese or Traditional Chinese.

The language follows the notebook without a change to any code cell (the three editions share their code):

1. ``HANDSON_LANG`` when it is set (``en``, ``ja`` or ``zh-TW``; ``ja_JP``, ``zh_TW.UTF-8``… are read too);
2. else the folder the kernel runs in: JupyterLab starts a kernel in its notebook's folder, so a notebook
   under ``notebooks/ja/`` speaks Japanese and one under ``notebooks/zh-TW/`` Traditional Chinese;
3. else English, the source language (also for an unknown ``HANDSON_LANG``).

Translations are standard gettext catalogs, ``helpers/locale/<locale>/LC_MESSAGES/helpers.po``, read
through the standard library's :mod:`gettext` from the compiled ``.mo`` beside each ``.po`` (both committed:
the notebooks run from a checkout, on Binder too, with no build step). ``tools/i18n.py`` extracts the marked
strings with Babel, updates the catalogs and compiles them; a test fails when a ``.mo`` is stale.

Mark a string shown to people with ``_("...")`` where it is built, or with ``N_("...")`` where it is a
constant (a rule table, a column header) and translate it with ``_()`` where it is shown. Keep
placeholders in the text (``_("Python {version}").format(version=...)``) so a translation can move them.
The language is looked up on every call (it is an environment variable and a folder, both cheap to read),
so a test or a kernel that changes either sees the change at once.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
import re
import unicodedata
from pathlib import Path

DOMAIN = "helpers"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGE_VARIABLE = "HANDSON_LANG"
ENGLISH = "en"
# The notebook editions (folder names under notebooks/) and the gettext locale of each.
EDITIONS = {"en": "en", "ja": "ja", "zh-TW": "zh_TW"}


def _edition_of(value: str) -> str | None:
    """``"ja_JP.UTF-8"`` -> ``"ja"``, ``"zh-hant"`` -> ``"zh-TW"``; None for a language there is no edition of."""
    tag = value.strip().split(".")[0].replace("_", "-").lower()
    if tag in ("en", "ja") or tag.startswith(("en-", "ja-")):
        return tag[:2]
    if tag in ("zh-tw", "zh-hant", "zh-hant-tw"):
        return "zh-TW"
    return None


def _edition_of_folder(folder: Path) -> str | None:
    """The edition of a folder at or below ``notebooks/<edition>/``."""
    for path in (folder, *folder.parents):
        if path.parent.name == "notebooks" and path.name in EDITIONS:
            return path.name
    return None


def language() -> str:
    """The edition whose language the helpers speak now: ``"en"``, ``"ja"`` or ``"zh-TW"``."""
    chosen = os.environ.get(LANGUAGE_VARIABLE, "").strip()
    if chosen:
        return _edition_of(chosen) or ENGLISH
    try:
        return _edition_of_folder(Path.cwd()) or ENGLISH
    except OSError:  # the working folder was deleted
        return ENGLISH


@functools.cache
def translations(edition: str) -> _gettext.NullTranslations:
    """The catalog of ``edition`` (English: none; the marked strings are the English text)."""
    if edition == ENGLISH:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[EDITIONS[edition]], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (itself when English or not translated)."""
    if not message:  # gettext("") is the catalog's header, never what the caller meant
        return message
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language (Japanese and Chinese have one form)."""
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a constant for extraction; it is translated by ``_()`` where it is shown."""
    return message


class Phrase(str):
    """A value that is English for code (it *is* the English string: ``==``, JSON, ``in`` read it) and shows in
    the notebook's language: a table cell such as ``Phrase(N_("model in the body: {ids}"), ids=...)``.
    :class:`helpers.table.Table` shows it with :func:`shown`; mark the template with ``N_``."""

    template: str
    fields: dict[str, object]

    def __new__(cls, template: str, **fields: object) -> Phrase:
        phrase = super().__new__(cls, template.format(**fields) if fields else template)
        phrase.template, phrase.fields = template, fields
        return phrase

    def shown(self) -> str:
        """In the current language; a field that is a Phrase itself is shown in it too."""
        translated = _(self.template)
        return translated.format(**{k: shown(v) for k, v in self.fields.items()}) if self.fields else translated


def shown(value: object) -> str:
    """How a value reads to people now: a :class:`Phrase` in the current language, anything else as ``str()``."""
    return value.shown() if isinstance(value, Phrase) else str(value)


# --- aligning text that mixes Latin and CJK characters -------------------------------------------------------

def width(text: str) -> int:
    """Columns ``text`` takes in a monospace font: CJK characters take two (len() for ASCII)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def rjust(text: str, columns: int) -> str:
    return " " * max(columns - width(text), 0) + text


def sentences(*parts: str) -> str:
    """Sentences one after another: English puts a space between them, Japanese and Chinese (whose sentences end
    in a full-width 。) do not."""
    gap = "" if language() in ("ja", "zh-TW") else " "
    return gap.join(p for p in parts if p)


# Documentation sites that publish each page in the editions' languages, and how their URLs name the language.
# AWS: docs.aws.amazon.com/<lang>/… (e.g. /ja_jp/bedrock/latest/userguide/…); Anthropic: /docs/<lang>/… on
# platform.claude.com and /<lang>/docs/… on docs.claude.com. Pages outside these (GitHub, blogs, the CLI
# command references, which AWS publishes in English only) keep their URL.
_DOC_LANGUAGES = {"ja": ("ja_jp", "ja"), "zh-TW": ("zh_tw", "zh-TW")}
_LOCALIZED_DOCS = (
    (re.compile(r"https://docs\.aws\.amazon\.com/(?!(?:ja_jp|zh_tw)/)"), lambda aws, _claude: f"https://docs.aws.amazon.com/{aws}/"),
    (re.compile(r"https://platform\.claude\.com/docs/en/"), lambda _aws, claude: f"https://platform.claude.com/docs/{claude}/"),
    (re.compile(r"https://docs\.claude\.com/en/"), lambda _aws, claude: f"https://docs.claude.com/{claude}/"),
)


def localized_url(url: str, edition: str) -> str:
    """The same documentation page in ``edition``'s language where the site publishes one; else ``url``."""
    codes = _DOC_LANGUAGES.get(edition)
    if codes is None:
        return url
    for pattern, prefix in _LOCALIZED_DOCS:
        if pattern.match(url):
            return pattern.sub(prefix(*codes), url, count=1)
    return url
