"""The app's languages: catalogues complete and compiled, the language chosen, dates the local way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.catalogues import compiled_meaning, source_meaning
from tests.tui_helpers import make_app, make_settings, open_case, screen_text, settle
from trinn.engine.i18n import LANGUAGES
from trinn.tui import i18n
from trinn.tui.widgets.virtual_table import VirtualTable

LOCALE = Path(i18n.__file__).parent / "locale"


@pytest.fixture
def english() -> Iterator[None]:
    yield
    i18n.install("en")


def _extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        LOCALE.parent, method_map=[("**.py", "python")], keywords={"_": None, "N_": None, "ngettext": (1, 2)}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("code", LANGUAGES)
def test_i18n_mo_files_are_compiled_from_their_po(code: str) -> None:
    folder = LOCALE / code / "LC_MESSAGES"
    assert compiled_meaning(folder / "trinn.mo") == source_meaning(folder / "trinn.po", code), (
        f"run `python -m trinn.tui.cli.catalogues` to recompile {code}"
    )


@pytest.mark.parametrize("code", ["nb", "da"])
def test_i18n_every_message_is_translated(code: str) -> None:
    with (LOCALE / code / "LC_MESSAGES" / "trinn.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    assert _extracted() - translated == set()


@pytest.mark.parametrize(
    ("chosen", "environ", "expected"),
    [
        ("da", {"LANG": "nb_NO.UTF-8"}, "da"),
        (None, {"LANG": "no_NO.UTF-8"}, "nb"),
        (None, {"LANG": "nn_NO.UTF-8"}, "nb"),
        (None, {"LANGUAGE": "no"}, "nb"),
        (None, {"LC_ALL": "da_DK.UTF-8", "LANG": "en_US.UTF-8"}, "da"),
        (None, {"LANG": "fr_FR.UTF-8"}, "en"),
        (None, {}, "en"),
        ("no_NO", {}, "nb"),
    ],
)
def test_i18n_resolve_language(chosen: str | None, environ: dict[str, str], expected: str) -> None:
    assert i18n.resolve_language(chosen, environ) == expected


# what a date must say (day before month, the year in full, Oslo's hour), not the punctuation of
# one release of the locale data Babel ships
_TWELFTH_OF_MARCH_1405 = re.compile(r"12\D{1,3}0?3\D{1,3}2026\D{1,3}14\D05")


def test_i18n_dates_the_local_way(english: None) -> None:
    moment = dt.datetime(2026, 3, 12, 13, 5, tzinfo=dt.UTC)
    for chosen, separator in (("nb", "."), ("da", "."), ("en", "/")):
        i18n.install(chosen)
        written = i18n.local_datetime(moment, "nb")
        assert _TWELFTH_OF_MARCH_1405.fullmatch(written) and separator in written, (chosen, written)
    # a deadline at local midnight is the day it ends
    assert re.fullmatch(r"12\D0?3\D2026", i18n.due_text(dt.datetime(2026, 3, 12, 23, 0, tzinfo=dt.UTC), "nb"))


async def test_i18n_app_speaks_norwegian(tmp_path: Path, english: None) -> None:
    i18n.install("no")
    settings = make_settings(tmp_path)
    open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#cases", VirtualTable)
        assert [c.label for c in table.columns][:3] == ["Sak", "Gjelder", "Steg"]
        assert "Sak   Gjelder" in screen_text(pilot)
        assert app.screen.title == "Saker"
        assert app.sub_title == "som kari"


async def test_i18n_key_labels_in_the_language_of_each_app(tmp_path: Path, english: None) -> None:
    """The footer's key labels are translated when an app is made, not when its modules were
    first imported: a Norwegian app and then an English one in the same process each speak theirs."""
    settings = make_settings(tmp_path)
    open_case(settings)
    for code, case_key in (("nb", "Tilbake"), ("en", "Back")):
        i18n.install(code)
        app = make_app(settings)
        async with app.run_test(size=(100, 24)) as pilot:
            await settle(pilot)
            assert ("Ny sak" if code == "nb" else "New case") in screen_text(pilot)
            app.open_case_screen(1)
            await settle(pilot)
            assert case_key in screen_text(pilot)


@pytest.mark.parametrize("code", ["nb", "da", "en"])
async def test_i18n_case_footer_shows_the_tab_keys_and_help_at_80_columns(
    tmp_path: Path, english: None, code: str
) -> None:
    """The case page's footer names its tab keys (one entry, 1-6) and still has room for F1,
    in the longest of the three languages' words, at 80 columns."""
    i18n.install(code)
    settings = make_settings(tmp_path)
    open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_case_screen(1)
        await settle(pilot)
        footer = screen_text(pilot).splitlines()[-1]
        assert f"1-6 {i18n.gettext('Tabs')}" in footer and f"f1 {i18n.gettext('Help')}" in footer, footer
        await pilot.press("5")
        await settle(pilot)
        assert app.screen.query_one("#case-tabs").active == "history"


@pytest.mark.parametrize(
    ("code", "words"), [("nb", ("kommandoer", "Avslutt")), ("da", ("kommandoer", "Afslut"))]
)
async def test_i18n_textuals_own_words_in_the_users_language(
    tmp_path: Path, english: None, code: str, words: tuple[str, str]
) -> None:
    """The footer's palette key, the palette's placeholder and Textual's own commands (Quit,
    Keys, Theme ...) speak the app's language, as trinn's own words do."""
    from textual.command import CommandInput

    i18n.install(code)
    app = make_app(make_settings(tmp_path))
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        palette_key, quit_word = words
        assert palette_key in screen_text(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert app.screen.query_one(CommandInput).placeholder == i18n.gettext("Search for commands…")
        assert app.screen.query_one(CommandInput).placeholder != "Search for commands…"
        await pilot.press(*quit_word[:3].lower())
        await settle(pilot)
        assert quit_word in screen_text(pilot)
