"""The language the app speaks: gettext catalogues for its own words, Babel for dates.

The language comes from `--lang` / TRINN_LANG, else the locale (LANGUAGE,
LC_ALL, LC_MESSAGES, LANG), else English. Norwegian in any spelling (`no`,
`no_NO`, `nn`, `nb_NO`) is Bokmål. The catalogues live in tui/locale as .po
files (the source, edited by translators) and compiled .mo files (what runs);
`python -m trinn.tui.cli.catalogues` re-extracts and recompiles them (and the engine's, in
engine/locale, and the command line's help), and a test keeps the committed .mo files
identical to their .po files. Choosing the language here chooses the engine's too.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as _gettext
import os
from pathlib import Path
from typing import Any

from trinn.engine import i18n as engine_i18n

__all__ = [
    "due_text",
    "gettext",
    "install",
    "language",
    "local_date",
    "local_datetime",
    "ngettext",
    "resolve_language",
]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "trinn"
_BABEL_LOCALE = {"nb": "nb_NO", "da": "da_DK", "en": "en_GB"}
_ALIASES = {"no": "nb", "nn": "nb", "nb": "nb", "da": "da", "en": "en"}

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def resolve_language(chosen: str | None, environ: dict[str, str] | None = None) -> str:
    """nb, da or en: the one asked for, else the locale's, else English."""
    env = os.environ if environ is None else environ
    candidates = [chosen] if chosen else []
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        candidates.extend(value.split(":") if name == "LANGUAGE" else [value])
    for candidate in candidates:
        base = (candidate or "").split(".")[0].split("@")[0].replace("-", "_").lower()
        code = _ALIASES.get(base.split("_")[0])
        if code is not None:
            return code
    return "en"


def install(chosen: str | None = None) -> str:
    """Switch the app's language; returns the code in use."""
    global _translations, _language
    _language = resolve_language(chosen)
    _translations = _gettext.translation(DOMAIN, LOCALE_DIR, [_language], fallback=True)
    engine_i18n.set_language(_language)  # the engine's refusals and why-nots, said alike
    return _language


def language() -> str:
    return _language


def gettext(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translations.ngettext(singular, plural, count)


def local_datetime(moment: dt.datetime | None, playbook_language: str = "nb", zone: str | None = None) -> str:
    """A moment the local way (`12.03.2026, 14:05` in nb), on the wall clock of the playbook's
    own `zone` or its country's (where its deadlines are counted)."""
    if moment is None:
        return ""
    from babel.dates import format_datetime

    from trinn.engine.calendar import local_time

    return format_datetime(local_time(moment, playbook_language, zone), "short", locale=_locale(_language))


def local_date(moment: dt.datetime | dt.date | None, playbook_language: str = "nb") -> str:
    """A day the local way (`12.03.2026` in nb)."""
    if moment is None:
        return ""
    from babel.dates import format_date

    if isinstance(moment, dt.datetime):
        from trinn.engine.calendar import local_time

        moment = local_time(moment, playbook_language).date()
    return format_date(moment, "short", locale=_locale(_language))


def due_text(moment: dt.datetime | None, playbook_language: str = "nb") -> str:
    """A deadline as people say it: one at local midnight is the day it ends."""
    if moment is None:
        return ""
    from trinn.engine.due import due_moment

    said = due_moment(moment, playbook_language)
    if isinstance(said, dt.datetime):
        return local_datetime(moment, playbook_language)
    return local_date(said)


@functools.cache
def _locale(code: str) -> Any:
    """Babel's locale, parsed once (parsing it costs more than formatting a date)."""
    from babel import Locale

    return Locale.parse(_BABEL_LOCALE[code])
