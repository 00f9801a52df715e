"""What a gettext catalogue means, so that a compiled .mo file is compared with its .po by meaning.

The bytes of a .mo file depend on the version of the tool that wrote it (Babel writes its own
version into the header), so comparing bytes turns red whenever Babel is released. What the
program reads at run time is the message table and the plural rule: those are compared.
"""

from __future__ import annotations

import gettext
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

__all__ = ["compiled_meaning", "source_meaning"]

Table = dict[Any, str]


def source_meaning(po_path: Path, code: str) -> tuple[Table, str]:
    """The messages a .po file gives the program (as gettext keys them) and its plural rule."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    table: Table = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue  # the header, and what compiling leaves out (empty plural forms stay: they fall back)
        prefix = f"{message.context}\x04" if message.context else ""
        if isinstance(message.id, tuple | list):
            for index, string in enumerate(message.string):
                table[(prefix + message.id[0], index)] = string or message.id[min(index, 1)]
        else:
            table[prefix + message.id] = message.string
    return table, catalog.plural_forms


def compiled_meaning(mo_path: Path) -> tuple[Table, str]:
    """The messages a .mo file gives the program and its plural rule, read by gettext itself."""
    with mo_path.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    catalog: Table = translations._catalog  # type: ignore[attr-defined]  # gettext keeps its table private
    table = {key: value for key, value in catalog.items() if key != ""}
    return table, translations.info().get("plural-forms", "")
