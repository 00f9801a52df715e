"""Hostile values through the real command line, bounded: each refused in words with its exit
status and nothing written, or (a value an older trinn stored) printed safely.

Fixtures: tests/data/hostile/values/ (a playbook with a field of every type, and answers files);
what is too big or too deep to commit is made here.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.hostile import HOSTILE, Outcome, run_bounded
from trinn.tui.cli import app

HERE = HOSTILE / "values"
PLAYBOOKS = HERE / "playbooks"
ANSWERS = HERE / "answers"
CONTROLS = "(terminal escapes and other controls are not stored)"
INVISIBLE = "(direction overrides and invisible characters are not stored)"
NOT_UNICODE = "(bytes that are not UTF-8, or half of a surrogate pair)"
DATES = "(dates from 1900-01-01 to 2200-12-31)"
DIGITS = "(at most 15 digits before the decimal mark)"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with case 1 of test.values open (line=Acme), made once per module."""
    path = tmp_path_factory.mktemp("template") / "trinn.db"
    base = ["--db", str(path), "--playbooks", str(PLAYBOOKS), "--as", "lea"]
    assert CliRunner().invoke(app, [*base, "open", "test.values", "--set", "line=Acme"]).output == "1\n"
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "trinn.db"
    shutil.copyfile(template, path)
    return path


def _trinn(db: Path, home: Path, *args: str, who: str = "lea") -> Outcome:
    return run_bounded(["--db", str(db), "--playbooks", str(PLAYBOOKS), "--as", who, *args], home=home)


def _dump(db: Path) -> list[str]:
    """Everything the database holds, as SQL: equal before and after means nothing was written."""
    with sqlite3.connect(db) as connection:
        return list(connection.iterdump())


def _refused(outcome: Outcome, message: str, code: int) -> None:
    assert outcome.clean, outcome.stderr
    assert (outcome.stderr, outcome.stdout, outcome.code) == (f"trinn: {message}\n", "", code)


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["set", "1", "price=nan"], "case 1: field 'price': expected a number, got 'nan'", 1),
        (["set", "1", "price=inf"], "case 1: field 'price': expected a number, got 'inf'", 1),
        (["set", "1", "price=-infinity"], "case 1: field 'price': expected a number, got '-infinity'", 1),
        (["set", "1", "price=1e309"], f"case 1: field 'price': '1e309' is out of range {DIGITS}", 1),
        (
            ["set", "1", "count=" + "9" * 5000],
            "case 1: field 'count': expected a number, got '" + "9" * 57 + "...'",
            1,
        ),
        (["set", "1", "count=١"], "case 1: field 'count': expected a number, got '١'", 1),
        (
            ["set", "1", "line=\x1b]0;pwned\x07\x1b[2J"],
            f"case 1: field 'line': character U+001B at position 1 is a control character {CONTROLS}",
            1,
        ),
        (
            ["set", "1", "story=csi \x9b2J"],
            f"case 1: field 'story': character U+009B at position 5 is a control character {CONTROLS}",
            1,
        ),
        (
            ["set", "1", "line=invoice\u202egpj.exe"],
            f"case 1: field 'line': character U+202E at position 8 is an invisible formatting character "
            f"{INVISIBLE}",
            1,
        ),
        (
            ["set", "1", "line=caf\udce9"],  # the byte 0xe9 alone: Latin-1, not UTF-8
            f"case 1: field 'line': character U+DCE9 at position 4 is not valid Unicode {NOT_UNICODE}",
            1,
        ),
        (["set", "1", "day=0001-01-01"], f"case 1: field 'day': '0001-01-01' is out of range {DATES}", 1),
        (["set", "1", "day=2201-01-01"], f"case 1: field 'day': '2201-01-01' is out of range {DATES}", 1),
        (
            ["set", "1", "price=3", "--note", "n\udcffote"],
            f"--note: character U+DCFF at position 2 is not valid Unicode {NOT_UNICODE}",
            2,
        ),
        (
            ["comment", "1", "\x1b[2Jhi"],
            f"comment: character U+001B at position 1 is a control character {CONTROLS}",
            2,
        ),
        (
            ["cases", "--state", "op\udcffen"],
            f"--state: character U+DCFF at position 3 is not valid Unicode {NOT_UNICODE}",
            2,
        ),
        (
            ["cases", "--playbook", "\u202etest.values"],
            f"--playbook: character U+202E at position 1 is an invisible formatting character {INVISIBLE}",
            2,
        ),
        (
            ["tasks", "--role", "le\x7f"],
            f"--role: character U+007F at position 3 is a control character {CONTROLS}",
            2,
        ),
        (["show", "²"], "'²' is not a case id (a case id is a number, as `trinn cases` shows)", 2),
        (["show", "١"], "'١' is not a case id (a case id is a number, as `trinn cases` shows)", 2),
        (["set", "١", "line=x"], "'١' is not a case id (a case id is a number, as `trinn cases` shows)", 2),
        (["tick", "--now", "0001-01-01T00:00+05:00"], f"'0001-01-01T00:00+05:00' is out of range {DATES}", 2),
        (["tick", "--now", "9999-12-31T23:59-05:00"], f"'9999-12-31T23:59-05:00' is out of range {DATES}", 2),
        (["tick", "--now", "2201-01-01"], f"'2201-01-01' is out of range {DATES}", 2),
        (
            ["tick", "--now", "２０２６-12-01"],
            "'２０２６-12-01' is not a time (write e.g. 2026-12-01T09:00 or 2026-12-01)",
            2,
        ),
    ],
    ids=lambda value: " ".join(value)[:40] if isinstance(value, list) else None,
)
def test_hostile_values_refused_on_the_command_line(
    db: Path, tmp_path: Path, args: list[str], message: str, code: int
) -> None:
    before = _dump(db)
    _refused(_trinn(db, tmp_path, *args), message, code)
    assert _dump(db) == before


def test_hostile_values_as_a_person_who_is_not_utf8(db: Path, tmp_path: Path) -> None:
    before = _dump(db)
    outcome = _trinn(db, tmp_path, "set", "1", "price=3", who="l\udcffa")
    _refused(outcome, f"--as: character U+DCFF at position 2 is not valid Unicode {NOT_UNICODE}", 2)
    assert _dump(db) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nan.json", "case 1: field 'price': 'nan' is not a finite number"),
        ("minus-infinity.json", "case 1: field 'price': '-inf' is not a finite number"),
        ("exponent-overflow.json", f"case 1: field 'count': '1e309' is out of range {DIGITS}"),
        (
            "lone-surrogate.json",
            f"case 1: field 'line': character U+D800 at position 1 is not valid Unicode {NOT_UNICODE}",
        ),
        (
            "nul.json",
            f"case 1: field 'line': character U+0000 at position 2 is a control character {CONTROLS}",
        ),
        (
            "ansi.json",
            f"case 1: field 'story': character U+001B at position 1 is a control character {CONTROLS}",
        ),
        (
            "bidi-override.json",
            f"case 1: field 'line': character U+202E at position 8 is an invisible formatting character "
            f"{INVISIBLE}",
        ),
        ("date-out-of-range.json", f"case 1: field 'day': '0001-01-01' is out of range {DATES}"),
    ],
)
def test_hostile_values_in_a_form_file_refused_by_the_field(
    db: Path, tmp_path: Path, name: str, message: str
) -> None:
    before = _dump(db)
    _refused(_trinn(db, tmp_path, "form", "1", "all", "--file", str(ANSWERS / name)), message, 1)
    assert _dump(db) == before


def _made(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "deep.json",
            b'{"words": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "nests arrays or objects 100001 deep (answers need at most 8)",
        ),
        (
            "deep-objects.json",
            b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
            "nests arrays or objects 50000 deep (answers need at most 8)",
        ),
        (
            "huge.json",
            b'{"story": "' + b"x" * (2 * 1024 * 1024) + b'"}',
            "is larger than 1024 KiB (answers are smaller)",
        ),
        (
            "digits.json",
            b'{"count": ' + b"7" * 5000 + b"}",
            "a number of 5000 digits (a field holds at most 15 before the decimal mark)",
        ),
        ("latin-1.json", (ANSWERS / "latin-1.json").read_bytes(), "is not UTF-8 (byte 14 cannot be read)"),
        (
            "list.json",
            (ANSWERS / "not-an-object.json").read_bytes(),
            "must hold a JSON object of field: value",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(".json") else None,
)
def test_hostile_values_answers_files_refused_whole(
    db: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = _made(tmp_path, name, content)
    before = _dump(db)
    outcome = _trinn(db, tmp_path, "form", "1", "all", "--file", str(path))
    sep = ": " if message.startswith("a number") else " "
    _refused(outcome, f"{path}{sep}{message}", 2)
    assert _dump(db) == before


def test_hostile_values_answers_from_a_device_are_not_read(db: Path, tmp_path: Path) -> None:
    before = _dump(db)
    outcome = _trinn(db, tmp_path, "form", "1", "all", "--file", "/dev/zero")
    _refused(outcome, "cannot read /dev/zero: not a regular file", 2)
    assert _dump(db) == before


def test_hostile_values_answers_with_a_byte_order_mark_are_read(db: Path, tmp_path: Path) -> None:
    path = _made(tmp_path, "bom.json", b'\xef\xbb\xbf{"line": "Acme AS"}')
    outcome = _trinn(db, tmp_path, "form", "1", "all", "--file", str(path))
    assert (outcome.stdout, outcome.stderr, outcome.code) == ("case 1: open (version 2)\n", "", 0)


# -- what an older trinn may have stored: printed safely --------------------------------------------

POISON_FIELDS = '{"line": "Ac\\ud800me \\u001b[31mred \\u202eevil", "price": NaN, "story": "nul\\u0000"}'
POISON_CHANGES = '{"price": [1, Infinity], "line": [null, "\\udcff\\u001b[2J"]}'


@pytest.fixture
def poisoned(db: Path) -> Path:
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE cases SET fields = ?", (POISON_FIELDS,))
        connection.execute(
            "UPDATE events SET changes = ?, note = ?, actor = ?", (POISON_CHANGES, "\x1b[31mnote", "l\x1bea")
        )
    return db


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_hostile_values_poisoned_show_prints_escapes(poisoned: Path, tmp_path: Path) -> None:
    outcome = _trinn(poisoned, tmp_path, "show", "1")
    assert (outcome.code, outcome.stderr) == (0, "")
    lines = outcome.stdout.split("\n  form ")[0].splitlines()  # the forms to fill come last
    fields = [line.rstrip() for line in lines if line.startswith("  ") and "task" not in line]
    assert fields == [
        "  line    Ac\\ud800me \\x1b[31mred \\u202eevil",
        "  story   nul\\x00",
        "  price   nan",
    ]
    assert "\x1b" not in outcome.stdout and "\u202e" not in outcome.stdout


def test_hostile_values_poisoned_json_is_json(poisoned: Path, tmp_path: Path) -> None:
    shown = _trinn(poisoned, tmp_path, "show", "1", "--json")
    assert (shown.code, shown.stderr) == (0, "")
    assert _strict_json(shown.stdout)["fields"] == {  # type: ignore[index]
        "line": "Ac\ud800me \x1b[31mred \u202eevil",
        "price": "nan",
        "story": "nul\x00",
    }
    assert "\u202e" not in shown.stdout  # escaped as \u202e in the JSON text
    exported = _trinn(poisoned, tmp_path, "export")
    assert (exported.code, exported.stderr) == (0, "")
    (case,) = _strict_json(exported.stdout)  # type: ignore[misc]
    assert case["history"][0]["changes"]["price"] == [1, "inf"]
    assert case["history"][0]["note"] == "\x1b[31mnote"


def test_hostile_values_poisoned_history_and_csv_print_escapes(poisoned: Path, tmp_path: Path) -> None:
    history = _trinn(poisoned, tmp_path, "history", "1")
    assert (history.code, history.stderr) == (0, "")
    assert history.stdout.endswith(
        '  l\\x1bea  open test.values  [open]  price=Infinity, line="\\udcff\\u001b[2J"'
        "  note: \\x1b[31mnote\n"
    )
    csv = _trinn(poisoned, tmp_path, "export", "--format", "csv")
    assert (csv.code, csv.stderr) == (0, "")
    assert csv.stdout.splitlines()[1].endswith(
        ',"{""line"": ""Ac\\ud800me \\u001b[31mred \\u202eevil"", ""price"": ""nan"", '
        '""story"": ""nul\\u0000""}"'
    )


# -- the database itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://x:1", "cannot read the database URL 'sqlite://x:1'"),
        ("sqlite://host/x.db", "cannot read the database URL 'sqlite://host/x.db'"),
        ("sqlite:///x.db?timeout=abc", "cannot read the database URL 'sqlite:///x.db?timeout=abc'"),
        ("postgresql://ola:secret@[::1", "cannot read the database URL 'postgresql://ola:***@[::1'"),
        ("postgresql://a@b:port/c", "cannot read the database URL 'postgresql://a@b:port/c'"),
        ("://", "cannot read the database URL '://'"),
    ],
)
def test_hostile_values_database_url_is_one_line(tmp_path: Path, url: str, message: str) -> None:
    hint = " (write e.g. 'postgresql://user@host/trinn', 'sqlite:////path/to/trinn.db' or a file path)"
    outcome = run_bounded(["--db", url, "cases"], home=tmp_path)
    _refused(outcome, message + hint, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no file made


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://a/b", "unsupported database 'mysql' (trinn runs on SQLite or PostgreSQL)"),
        (
            "postgresql+asyncpg://a/b",
            "unsupported database driver 'postgresql+asyncpg' (write sqlite:///FILE or postgresql://...)",
        ),
    ],
)
def test_hostile_values_database_kind_is_one_line(tmp_path: Path, url: str, message: str) -> None:
    _refused(run_bounded(["--db", url, "cases"], home=tmp_path), message, 2)


@pytest.mark.parametrize("journal", ["DELETE", "TRUNCATE", "PERSIST"])
def test_hostile_values_foreign_sqlite_file_left_byte_for_byte(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "invoices.db"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA journal_mode={journal}")
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices VALUES (1, 99.5)")
    connection.close()
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before, stat = path.read_bytes(), path.stat()
    files = sorted(p.name for p in tmp_path.iterdir())
    outcome = run_bounded(["--db", str(path), "cases"], home=tmp_path)
    _refused(outcome, f"{path} is not a trinn database (it holds other tables: invoices)", 2)
    assert path.read_bytes() == before
    assert (path.stat().st_mtime_ns, path.stat().st_size) == (stat.st_mtime_ns, stat.st_size)
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no -wal or -shm beside it


def test_hostile_values_another_alembic_database_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
    connection.close()
    before = path.read_bytes()
    outcome = run_bounded(["--db", str(path), "cases"], home=tmp_path)
    _refused(outcome, f"{path} is not a trinn database (its schema 'ae1027a6acf' is another program's)", 2)
    assert path.read_bytes() == before
