"""`trinn --help` and usage errors in the user's language: every help text of every command and
option has its nb and da words, and the installed command speaks them (`--lang`, TRINN_LANG)."""

from __future__ import annotations

import gettext
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from babel.messages.pofile import read_po

from tests.catalogues import compiled_meaning, source_meaning
from trinn.tui.cli import app, help_language

LOCALE = help_language.LOCALE_DIR


def _trinn(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key not in ("TRINN_LANG", "LANGUAGE")}
    environ |= {"LC_ALL": "C.UTF-8", "COLUMNS": "100", **env}
    return subprocess.run(
        [sys.executable, "-m", "trinn.tui.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


@pytest.mark.parametrize("code", ["nb", "da", "en"])
def test_cli_help_mo_files_are_compiled_from_their_po(code: str) -> None:
    folder = LOCALE / code / "LC_MESSAGES"
    assert compiled_meaning(folder / "cli.mo") == source_meaning(folder / "cli.po", code), (
        f"run `python -m trinn.tui.cli.catalogues` to recompile {code}"
    )


@pytest.mark.parametrize("code", ["nb", "da"])
def test_cli_help_every_text_of_every_command_is_translated(code: str) -> None:
    with (LOCALE / code / "LC_MESSAGES" / "cli.po").open("rb") as handle:
        translated = {message.id for message in read_po(handle, locale=code) if message.id and message.string}
    texts = help_language.help_texts(typer.main.get_command(app))
    assert len(texts) > 50  # every command and option, the outbox group's too
    assert [text for text in texts if text not in translated] == [], (
        "run `python -m trinn.tui.cli.catalogues`, translate"
    )


def test_cli_help_in_norwegian_and_danish() -> None:
    norwegian = _trinn("--lang", "nb", "--help")
    assert norwegian.returncode == 0
    assert "Kjør partnerskapsprosesser skrevet som YAML-dreiebøker." in norwegian.stdout
    assert "Valg:" in norwegian.stdout and "Kommandoer:" in norwegian.stdout
    assert "Vis en sak: steget, feltene og oppgavene i steget." in " ".join(norwegian.stdout.split())
    danish = _trinn("show", "--help", TRINN_LANG="da")
    assert "Vis en sag: dens trin, felter og trinnets opgaver." in danish.stdout
    assert "Argumenter:" in danish.stdout and "[påkrævet]" in danish.stdout
    from_locale = _trinn("show", "--help", LANGUAGE="nb")  # the locale: `--lang` and TRINN_LANG win over it
    assert "Vis en sak" in from_locale.stdout
    assert "Show a case" in _trinn("--lang", "en", "show", "--help", LANGUAGE="nb").stdout


def test_cli_usage_error_in_the_users_language() -> None:
    refused = _trinn("--lang", "da", "nosuch")
    assert refused.returncode == 2
    assert "Ingen kommando hedder 'nosuch'." in refused.stderr


def test_cli_help_language_is_put_back_after_the_command() -> None:
    domain, language = gettext.textdomain(), os.environ.get("LANGUAGE")
    with help_language.speaking("nb") as words:
        assert words.gettext("List cases.") == "Vis saker."
        assert gettext.gettext("Options") == "Valg"  # Typer's own words, looked up in the domain
    assert (gettext.textdomain(), os.environ.get("LANGUAGE")) == (domain, language)
    assert gettext.gettext("Options") == "Options"


def test_cli_help_translation_swaps_only_texts_it_knows(tmp_path: Path) -> None:
    command = typer.main.get_command(app)
    with help_language.speaking("nb") as words:
        help_language.translate_help(command, words)
    texts = help_language.help_texts(command)
    assert "Vis saker." in texts and "List cases." not in texts
