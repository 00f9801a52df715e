"""Hostile input to the rules, the channels file and the command line itself, in bounded child runs.

Each case runs the real `trinn` in a child process with a wall-clock budget and a memory ceiling
(tests/hostile.py) and asserts its exact refusal, its exit status, and that nothing was written:
forms filled by the wrong role or in the wrong state or with no answers, people who are not in
the people file; channels files that are no regular file, too large, nested too deep, alias
bombs; and a bug, which is one line and a log file, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import HOSTILE, Outcome, run_bounded
from trinn.notifiers.channels import MAX_BYTES, MAX_CHANNELS, MAX_DEPTH, MAX_NODES

AUTHZ = HOSTILE / "authz"


def trinn(home: Path, *args: str, env: dict[str, str] | None = None) -> Outcome:
    """`trinn --db home/trinn.db --people authz/people.yaml ARGS`, bounded; never a traceback."""
    base = ["--db", str(home / "trinn.db"), "--people", str(AUTHZ / "people.yaml")]
    outcome = run_bounded([*base, *args], home=home, env=env)
    assert outcome.clean, outcome.stderr
    return outcome


def refused(home: Path, *args: str, stderr: str, code: int = 1) -> None:
    """Refused with exactly `stderr`, and the database file left byte for byte as it was."""
    database = home / "trinn.db"
    before = database.read_bytes() if database.exists() else None
    outcome = trinn(home, *args)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (code, "", stderr + "\n")
    assert (database.read_bytes() if database.exists() else None) == before


@pytest.fixture
def registered(tmp_path: Path) -> Path:
    """A home whose database holds case 1 of padriv.fase-7-2 in 'registrert' (Ledelsen's form)."""
    opened = trinn(
        tmp_path,
        "--as",
        "kari",
        "open",
        "padriv.fase-7-2",
        "--set",
        "virksomhet=Byggmester Hansen AS",
        "--set",
        "meldt_av=Kari",
    )
    assert (opened.code, opened.stdout) == (0, "1\n")
    return tmp_path


# ----------------------------------------------------------------------------- the rules


def test_a_form_of_another_roles_task_is_refused(registered: Path) -> None:
    refused(
        registered,
        *("--as", "stig", "form", "1", "registrering", "kontaktperson=Ola"),
        stderr="trinn: case 1: stig cannot fill the form «Registrer mulig ny samarbeidspartner»: its task "
        "«Registrer virksomheten som mulig ny samarbeidspartner» needs the role «Ledelsen»",
    )


def test_a_form_of_a_later_state_is_refused(registered: Path) -> None:
    refused(
        registered,
        *("--as", "stig", "form", "1", "behandling", "behandlingsmote=forstkommende_mote"),
        stderr="trinn: case 1: form 'behandling' is not a form of state 'registrert' "
        "(its open forms: registrering)",
    )


def test_a_form_with_no_answers_is_refused(registered: Path) -> None:
    refused(
        registered,
        *("--as", "kari", "form", "1", "registrering"),
        stderr="trinn: case 1: form 'registrering' has no answers (its fields: meldt_av, "
        "meldt_av_gruppe, meldt_av_epost, kontaktperson, kontakt_epost)",
    )


def test_a_person_list_takes_no_stranger_and_no_one_without_the_role(tmp_path: Path) -> None:
    assert trinn(tmp_path, "--as", "kari", "open", "padriv.fase-2").stdout == "1\n"
    refused(  # the steering group nominates: Ledelsen may not write the list at all
        tmp_path,
        *("--as", "kari", "open", "padriv.fase-2", "--set", "deltakere=anna,ghost"),
        stderr="trinn: field «Deltakere i Arbeidsgruppen»: it is changed only through the form "
        "«Nominerte deltakere til Arbeidsgruppen» (by «Styringsgruppen»)",
    )
    trinn(tmp_path, "--as", "kari", "form", "1", "utkast", "mandat_utkast=Utkast")
    trinn(tmp_path, "--as", "kari", "fire", "1", "send_til_styringsgruppen")
    refused(
        tmp_path,
        *("--as", "stig", "form", "1", "nominasjon", "deltakere=anna,ghost"),
        stderr="trinn: case 1: field 'deltakere': 'ghost' is not in the people file (expected one of 'anna')",
    )
    refused(
        tmp_path,
        *("--as", "stig", "form", "1", "nominasjon", "deltakere=anna,ola"),
        stderr="trinn: case 1: field 'deltakere': 'ola' does not hold the role 'deltaker' "
        "(expected one of 'anna')",
    )


# ----------------------------------------------------------------------- the channels file


def channels(home: Path, path: Path, env: dict[str, str] | None = None) -> Outcome:
    outcome = run_bounded(["--channels", str(path), "channels"], home=home, env=env)
    assert outcome.clean, outcome.stderr
    assert not (home / "data" / "trinn" / "trinn.db").exists()  # a listing writes nothing
    return outcome


def channels_refused(home: Path, path: Path, stderr: str, env: dict[str, str] | None = None) -> None:
    outcome = channels(home, path, env)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (2, "", stderr + "\n")


@pytest.mark.parametrize("kind", ["device", "pipe", "folder"])
def test_a_channels_file_that_is_no_regular_file_is_refused_unread(tmp_path: Path, kind: str) -> None:
    path = {"device": Path("/dev/zero"), "pipe": tmp_path / "fifo", "folder": tmp_path}[kind]
    if kind == "pipe":
        os.mkfifo(path)  # opening it would wait for a writer for ever
    channels_refused(tmp_path, path, f"trinn: {path}: not a regular file (a channels file is a YAML file)")


def test_a_channels_file_too_large_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(
        "urls:\n" + "".join(f"  - json://h{i}.example/k{i}:\n      tag: r{i}\n" for i in range(150_000))
    )
    channels_refused(
        tmp_path, path, f"trinn: {path}: the channels file is too large (the limit is {MAX_BYTES} bytes)"
    )


def test_a_channels_file_grown_too_large_by_its_environment_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text("urls:\n  - json://h.example/${A}${B}${C}:\n      tag: ledelsen\n")
    big = {name: "x" * 100_000 for name in "ABC"}
    channels_refused(
        tmp_path, path, f"trinn: {path}: the channels file is too large (the limit is {MAX_BYTES} bytes)", big
    )


def test_a_channels_file_with_too_many_channels_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text("urls:\n" + "".join(f"  - json://h.example/{i}\n" for i in range(MAX_CHANNELS + 1)))
    channels_refused(
        tmp_path, path, f"trinn: {path}: too many channels: {MAX_CHANNELS + 1} (the limit is {MAX_CHANNELS})"
    )


@pytest.mark.parametrize(
    ("shape", "text", "where"),
    [
        ("flow", "urls:\n  - json://h/x:\n      tag: " + "[" * 900 + "a" + "]" * 900 + "\n", "3:40"),
        ("flow-map", "urls: " + "{a: " * 900 + "b" + "}" * 900 + "\n", "1:131"),
        ("compact-block", "urls:\n  " + "- " * 900 + "json://h/x\n", "2:65"),
        ("block", "urls:\n" + "".join("  " * i + "-\n" for i in range(1, 300)), "33:65"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "",
)
def test_a_channels_file_nested_deep_is_refused(tmp_path: Path, shape: str, text: str, where: str) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(text)
    channels_refused(
        tmp_path,
        path,
        f"trinn: {path}:{where}: nested more than {MAX_DEPTH} levels deep (a channels file needs 4)",
    )


def test_an_alias_bomb_in_a_channels_file_is_refused(tmp_path: Path) -> None:
    path = AUTHZ / "alias-bomb.channels.yaml"
    channels_refused(
        tmp_path,
        path,
        f"trinn: {path}:6:10: the channels file expands to more than {MAX_NODES} nodes "
        "(aliases count as what they stand for)",
    )


def test_anchors_shared_by_channels_are_allowed(tmp_path: Path) -> None:
    outcome = channels(tmp_path, AUTHZ / "anchors.channels.yaml")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout.splitlines()[1:4] == [
        "#  service  tags                      url",
        "1  JSON     ledelsen,styringsgruppen  json://hooks.example.no/****",
        "2  JSON     ledelsen,styringsgruppen  json://hooks.example.no/****",
    ]


# ------------------------------------------------------------------- a bug: one line, a log


def failing(home: Path, exception: str, *, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`trinn cases` in a child process, with the store made to raise `exception` (a bug)."""
    code = (
        "import sys\n"
        "from trinn.engine.store import Store\n"
        "from trinn.tui.cli import main\n"
        "def broken(self, *args, **kwargs):\n"
        f"    raise {exception}\n"
        "Store.read = broken\n"
        f"sys.argv = ['trinn', '--db', {str(home / 'trinn.db')!r}, 'cases']\n"
        "main()\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(data or home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=home, capture_output=True, text=True, timeout=60
    )


def test_a_bug_is_one_line_and_its_traceback_goes_to_the_log(tmp_path: Path) -> None:
    done = failing(tmp_path, "RuntimeError('no such thing\\x1b[2J at postgresql://kari:s3cret@db/trinn')")
    log = tmp_path / "data" / "trinn" / "internal-errors.log"
    assert (done.returncode, done.stdout) == (70, "")
    assert done.stderr == (
        "trinn: internal error: RuntimeError: no such thing\\x1b[2J at postgresql://kari:****@db/trinn; "
        f"please report it with the file {log}\n"
    )
    text = log.read_text()
    assert text.startswith("--- ") and f"trinn --db {tmp_path / 'trinn.db'} cases\n" in text
    assert "Traceback (most recent call last):" in text
    assert "in broken\nRuntimeError: no such thing\\x1b[2J at postgresql://kari:****@db/trinn\n" in text
    assert "s3cret" not in text and oct(log.stat().st_mode & 0o777) == "0o600"
    failing(tmp_path, "KeyError('second')")
    assert log.read_text().count("Traceback (most recent call last):") == 2  # appended


def test_a_bug_where_no_log_can_be_written_is_still_one_line(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    done = failing(tmp_path, "ValueError()", data=blocked)
    assert done.returncode == 70
    assert done.stderr.startswith("trinn: internal error: ValueError; its traceback could not be saved (")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
