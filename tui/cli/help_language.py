"""The command line's help and usage errors in the user's language.

Two kinds of words make `trinn --help` and a usage error: trinn's own (each command's docstring,
each option's `help=`) and Typer's (`Options`, `Arguments`, `Commands`, `[required]`, `env var`,
`No such command`). Both are kept in one gettext domain, `cli` (tui/locale), whose template is
made from the command tree itself and from Typer's sources, so a new command or option needs no
marking and the catalogue update (`python -m trinn.tui.cli.catalogues`) finds it.

trinn's words are swapped into the command tree before it runs. Typer looks its words up through
`gettext.gettext`, in the process's text domain and in the language the environment names: for
the length of one command the text domain is `cli` and LANGUAGE the chosen language, and both are
put back after (a test that runs `main` in-process sees no change). The few words of the Click
code Typer carries inside it (`Usage:`, `Error:`, the `--help` line) are not looked up at all
and stay English.
"""

from __future__ import annotations

import contextlib
import gettext
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

__all__ = ["DOMAIN", "help_texts", "speaking", "template", "translate_help"]

DOMAIN = "cli"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class Command(Protocol):
    """What is read of a command of the tree (Typer carries its own copy of Click's classes)."""

    help: str | None
    short_help: str | None
    params: list[Any]


def help_texts(command: Command) -> list[str]:
    """Every text of trinn's own that a help page shows: each command's help and short help and
    each parameter's help, in the order the tree holds them."""
    found: list[str] = []
    for each in _commands(command):
        found.extend(text for text in (each.help, each.short_help) if text)
        found.extend(text for param in each.params if (text := getattr(param, "help", None)))
    return list(dict.fromkeys(found))


def translate_help(command: Command, words: gettext.NullTranslations) -> None:
    """Swap each of trinn's texts in the tree for its translation (a text not translated stays)."""
    for each in _commands(command):
        each.help = words.gettext(each.help) if each.help else each.help
        each.short_help = words.gettext(each.short_help) if each.short_help else each.short_help
        for param in each.params:
            if text := getattr(param, "help", None):
                param.help = words.gettext(text)  # options and Typer's arguments alike


@contextlib.contextmanager
def speaking(code: str) -> Iterator[gettext.NullTranslations]:
    """The `cli` words of `code` (nb, da or en), with Click's and Typer's words in it too for as
    long as the block runs."""
    words = gettext.translation(DOMAIN, LOCALE_DIR, [code], fallback=True)
    if code == "en":
        yield words
        return
    domain, language = gettext.textdomain(), os.environ.get("LANGUAGE")
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = code
    try:
        yield words
    finally:
        gettext.textdomain(domain)
        if language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = language


def template() -> Catalog:
    """The messages of the `cli` domain: trinn's help texts, then Typer's words."""
    import typer
    import typer.main
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    from trinn.tui.cli.commands import whole_app

    catalog = Catalog(project="trinn")
    for text in help_texts(typer.main.get_command(whole_app())):
        catalog.add(text)
    typer_folder = Path(typer.__file__ or "").parent
    for _file, _line, message, _comments, _context in extract_from_dir(
        typer_folder, method_map=[("**.py", "python")], keywords={"_": None, "ngettext": (1, 2)}
    ):
        catalog.add(message)
    return catalog


def _commands(command: Command) -> Iterator[Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)
