"""The engine's own words in the user's language: why-nots, refusals, value problems.

The engine has its own gettext domain (`engine`, catalogues in engine/locale),
so it never needs the UI's: its messages are marked with `_()` where they are
said, and English is the message ids themselves. Which language is spoken is
the caller's choice (the UI layer resolves --lang / TRINN_LANG / the locale and
calls `set_language`). It is one setting for the whole process, not per thread
or context: a message is built when its error is raised, often in a UI worker
thread, and must be in the language the screen shows.

`python -m trinn.engine.i18n` re-extracts the messages, merges them into the .po files
and compiles the .mo files; the UI's catalogues are made by the same function.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

__all__ = [
    "LANGUAGES",
    "N_",
    "Language",
    "gettext",
    "language",
    "set_language",
    "update_catalogues",
    "write_catalogues",
]

# the languages trinn speaks, and that a playbook may be written in: the one list of them
Language = Literal["nb", "da", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "engine"

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def set_language(code: str) -> None:
    """Speak `code` (nb, da or en, already resolved by the caller) from now on."""
    global _translations, _language
    if code not in LANGUAGES:
        raise ValueError(f"unknown language '{code}' (expected one of {', '.join(LANGUAGES)})")
    _language = code
    _translations = _catalogue(code)


def language() -> str:
    return _language


def gettext(message: str) -> str:
    return _translations.gettext(message)


_ = gettext


def N_(message: str) -> str:
    """Marks a message kept as a constant, translated where it is used."""
    return message


@functools.cache
def _catalogue(code: str) -> _gettext.NullTranslations:
    return _gettext.translation(DOMAIN, LOCALE_DIR, [code], fallback=True)


def update_catalogues(source_root: Path, locale_dir: Path, domain: str) -> None:
    """Extract the messages of the .py files under `source_root`, merge them into every
    language's .po file, and compile the .mo files."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="trinn")
    for filename, lineno, message, comments, _context in extract_from_dir(
        source_root, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        template.add(message, locations=[(filename, lineno)], auto_comments=comments)
    write_catalogues(template, locale_dir, domain)


def write_catalogues(template: Catalog, locale_dir: Path, domain: str) -> None:
    """Merge the messages of `template` into every language's .po file (keeping what is
    translated), and compile the .mo files."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    for code in LANGUAGES:
        folder = locale_dir / code / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        po_path = folder / f"{domain}.po"
        if po_path.exists():
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=code)
        else:
            catalog = Catalog(locale=code, project="trinn", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as handle:
            write_po(
                handle,
                catalog,
                width=100,
                omit_header=False,
                sort_output=True,
                no_location=True,
                ignore_obsolete=True,
            )
        with (folder / f"{domain}.mo").open("wb") as handle:
            write_mo(handle, catalog)


# the marks the extraction looks for, in the UI's sources and the engine's alike
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


if __name__ == "__main__":
    update_catalogues(LOCALE_DIR.parent, LOCALE_DIR, DOMAIN)
