"""Field values: each type's normal form, its refusals in words, and the same rules for every way in.

The property tests put random values of every kind through `set` and `form` on a real SQLite file:
each is stored in its normal form or refused with the field's own message, never stored wrong,
never an exception of another kind.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trinn.engine.errors import CommandError
from trinn.engine.loader import load_playbook
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.shown import first_unsafe
from trinn.engine.spec import FieldSpec, FieldType
from trinn.engine.store import Store, open_database
from trinn.engine.values import (
    MAX_ITEMS,
    MAX_LINE,
    MAX_LONG_TEXT,
    ValueProblem,
    check_text,
    normalize_value,
    parse_moment,
)
from trinn.tui.cli import app

PLAYBOOKS = Path(__file__).parent / "data" / "hostile" / "values" / "playbooks"
SPEC = load_playbook(PLAYBOOKS / "values.yaml").spec
FIELDS = SPEC.fields
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
BY_TYPE = {spec.type: name for name, spec in FIELDS.items()}


def _problem(field: str, value: Any) -> str:
    with pytest.raises(ValueProblem) as refused:
        normalize_value(FIELDS[field], value)
    return str(refused.value)


@pytest.mark.parametrize(
    ("field", "value", "normal"),
    [
        ("line", "  Acme AS ", "Acme AS"),
        ("line", "Ærø 名前 ١", "Ærø 名前 ١"),
        ("line", "e\u0301", "é"),
        ("line", "", ""),
        ("story", "one\r\ntwo\rthree\tend\n", "one\ntwo\nthree\tend\n"),
        ("mail", " ola@example.no ", "ola@example.no"),
        ("site", "https://example.no/a?b=c", "https://example.no/a?b=c"),
        ("phone", "+47 22 33 44 55", "+47 22 33 44 55"),
        ("count", "12", 12),
        ("count", "-12", -12),
        ("count", "1 000 000", 1_000_000),
        ("count", "1\u00a0000,50", 1000.5),
        ("count", "2.5", 2.5),
        ("count", "1e3", 1000),
        ("count", 7, 7),
        ("price", "999999999999999", 999_999_999_999_999),
        ("balance", -999_999_999_999_999.5, -999_999_999_999_999.5),
        ("balance", "\u22121\u00a0500,50\u00a0kr", -1500.5),
        ("balance", "-1.500,50 kr.", -1500.5),
        ("price", "1 500,50", 1500.5),
        ("price", "1.500,50 kr.", 1500.5),
        ("price", "kr 1 500,-", 1500),
        ("price", "NOK 2 000", 2000),
        ("price", "DKK 1,500.50", 1500.5),
        ("price", "-0", 0),
        ("count", "1.000.000", 1_000_000),
        ("count", "1,000,000.5", 1_000_000.5),
        ("count", "\u221212", -12),
        ("price", "0,05", 0.05),
        ("flag", "ja", True),
        ("flag", "Nei", False),
        ("flag", 1, True),
        ("day", "2026-12-01", "2026-12-01"),
        ("day", "1900-01-01", "1900-01-01"),
        ("day", "2200-12-31", "2200-12-31"),
        ("day", "20261201", "2026-12-01"),
        ("day", "15.12.2026", "2026-12-15"),
        ("day", "15/12/2026", "2026-12-15"),
        ("day", "15-12-2026", "2026-12-15"),
        ("day", " 1.2.2026 ", "2026-02-01"),
        ("day", "15.12.26", "2026-12-15"),
        ("day", "15. desember 2026", "2026-12-15"),
        ("day", "15. des. 2026", "2026-12-15"),
        ("day", "15. december 2026", "2026-12-15"),
        ("day", "15 Dec 2026", "2026-12-15"),
        ("day", "tirsdag 15. desember 2026", "2026-12-15"),
        ("day", "tirsdag den 15. december 2026", "2026-12-15"),
        ("day", "Tuesday, 15 December 2026", "2026-12-15"),
        ("day", dt.datetime(2026, 12, 1, 23, tzinfo=dt.UTC), "2026-12-01"),
        ("pick", "red", "red"),
        ("picks", "red, blue, red", ["red", "blue"]),
        ("words", ["a", " b ", "", "c"], ["a", "b", "c"]),
        ("words", "a, b,, c", ["a", "b", "c"]),
        ("who", "lea", "lea"),
        ("crew", "lea, bo", ["lea", "bo"]),
    ],
)
def test_values_normal_form(field: str, value: Any, normal: Any) -> None:
    assert normalize_value(FIELDS[field], value) == normal


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "nan", "expected a number, got 'nan'"),
        ("price", "inf", "expected a number, got 'inf'"),
        ("price", "-infinity", "expected a number, got '-infinity'"),
        ("price", "1e309", "'1e309' is out of range (at most 15 digits before the decimal mark)"),
        ("price", math.nan, "'nan' is not a finite number"),
        ("price", -math.inf, "'-inf' is not a finite number"),
        (
            "price",
            "1000000000000000",
            "'1000000000000000' is out of range (at most 15 digits before the decimal mark)",
        ),
        ("count", 10**15, "'1000000000000000' is out of range (at most 15 digits before the decimal mark)"),
        ("count", "1" * 5000, "expected a number, got '" + "1" * 57 + "...'"),
        ("count", "1_000", "expected a number, got '1_000'"),
        ("count", "١٢", "expected a number, got '١٢'"),
        ("count", "²", "expected a number, got '²'"),
        ("count", "0x10", "expected a number, got '0x10'"),
        ("count", True, "expected a number, got bool"),
        ("count", [1], "expected a number, got list"),
        (
            "line",
            "a\x1b[2Jb",
            "character U+001B at position 2 is a control character "
            "(terminal escapes and other controls are not stored)",
        ),
        (
            "line",
            "nul\x00",
            "character U+0000 at position 4 is a control character "
            "(terminal escapes and other controls are not stored)",
        ),
        (
            "line",
            "c1\x9b",
            "character U+009B at position 3 is a control character "
            "(terminal escapes and other controls are not stored)",
        ),
        (
            "line",
            "invoice\u202egpj.exe",
            "character U+202E at position 8 is an invisible formatting character "
            "(direction overrides and invisible characters are not stored)",
        ),
        (
            "story",
            "\u2066x\u2069",
            "character U+2066 at position 1 is an invisible formatting character "
            "(direction overrides and invisible characters are not stored)",
        ),
        (
            "line",
            "half \ud800",
            "character U+D800 at position 6 is not valid Unicode "
            "(bytes that are not UTF-8, or half of a surrogate pair)",
        ),
        (
            "words",
            ["ok", "bad\udcff"],
            "character U+DCFF at position 4 is not valid Unicode "
            "(bytes that are not UTF-8, or half of a surrogate pair)",
        ),
        ("line", "two\nlines", "a line break or tab in a one-line value (write it on one line)"),
        ("line", "tab\there", "a line break or tab in a one-line value (write it on one line)"),
        ("line", "x" * (MAX_LINE + 1), "too long: 1001 characters (at most 1000)"),
        ("story", "x" * (MAX_LONG_TEXT + 1), "too long: 100001 characters (at most 100000)"),
        ("words", ["x"] * (MAX_ITEMS + 1), "too many items: 10001 (at most 10000)"),
        ("words", [["nested"]], "expected text, got list"),
        ("line", 17, "expected text, got int"),
        ("day", "0001-01-01", "'0001-01-01' is out of range (dates from 1900-01-01 to 2200-12-31)"),
        ("day", "2201-01-01", "'2201-01-01' is out of range (dates from 1900-01-01 to 2200-12-31)"),
        ("day", "tomorrow", "'tomorrow' is not a date (write e.g. 15.12.2026 or 2026-12-15)"),
        ("day", "31.02.2026", "'31.02.2026' is not a date (write e.g. 15.12.2026 or 2026-12-15)"),
        ("day", "12/31/2026", "'12/31/2026' is not a date (write e.g. 15.12.2026 or 2026-12-15)"),
        ("day", "15.12/2026", "'15.12/2026' is not a date (write e.g. 15.12.2026 or 2026-12-15)"),
        ("day", "15. smarch 2026", "'15. smarch 2026' is not a date (write e.g. 15.12.2026 or 2026-12-15)"),
        ("day", "1.1.1899", "'1899-01-01' is out of range (dates from 1900-01-01 to 2200-12-31)"),
        ("price", "-5", "'-5' is below zero (this amount cannot be negative)"),
        ("price", "\u22121 500,50 kr", "'\u22121 500,50 kr' is below zero (this amount cannot be negative)"),
        ("price", -0.01, "'-0.01' is below zero (this amount cannot be negative)"),
        ("price", "1 500 kr kr", "expected a number, got '1 500 kr kr'"),
        ("count", "1.5.2", "expected a number, got '1.5.2'"),
        ("count", "1,50,000", "expected a number, got '1,50,000'"),
        ("count", "1.500,5,0", "expected a number, got '1.500,5,0'"),
        ("count", "12 kr", "expected a number, got '12 kr'"),
        (
            "mail",
            "x" * 250 + "@a.no",
            "'" + "x" * 57 + "...' is not an e-mail address (write e.g. 'ola@example.no')",
        ),
        ("pick", "purple", "'purple' is not an option (expected one of 'red', 'green')"),
        ("picks", ["red", "Red"], "'Red' is not an option (expected one of 'red', 'green', 'blue')"),
        ("flag", "maybe", "expected true or false, got 'maybe'"),
        ("flag", 2, "expected true or false, got int"),
    ],
)
def test_values_refused_in_words(field: str, value: Any, message: str) -> None:
    assert _problem(field, value) == message


def test_values_check_text_is_the_rule_for_notes_and_names() -> None:
    assert check_text("called them\r\nagain", lines=True) == "called them\nagain"
    with pytest.raises(ValueProblem, match=r"^a line break or tab in a one-line value"):
        check_text("lea\nbo")
    with pytest.raises(ValueProblem, match=r"^character U\+DCFF at position 2 is not valid Unicode"):
        check_text("l\udcffa")


@pytest.mark.parametrize(
    ("written", "moment"),
    [
        ("2026-12-01", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
        ("2026-12-01T09:00", dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)),
        ("2026-12-01T09:00Z", dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)),
        ("2026-12-01T10:00+01:00", dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)),
        ("1900-01-01T00:00", dt.datetime(1900, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_values_parse_moment_reads_iso_times_as_utc(written: str, moment: dt.datetime) -> None:
    parsed = parse_moment(written)
    assert (parsed, parsed.tzinfo) == (moment, dt.UTC)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "0001-01-01T00:00+05:00",
            "'0001-01-01T00:00+05:00' is out of range (dates from 1900-01-01 to 2200-12-31)",
        ),
        (
            "9999-12-31T23:59-05:00",
            "'9999-12-31T23:59-05:00' is out of range (dates from 1900-01-01 to 2200-12-31)",
        ),
        ("1899-12-31T23:59", "'1899-12-31T23:59' is out of range (dates from 1900-01-01 to 2200-12-31)"),
        ("2201-01-01", "'2201-01-01' is out of range (dates from 1900-01-01 to 2200-12-31)"),
        ("tomorrow", "'tomorrow' is not a time (write e.g. 2026-12-01T09:00 or 2026-12-01)"),
        ("２０２６-12-01", "'２０２６-12-01' is not a time (write e.g. 2026-12-01T09:00 or 2026-12-01)"),
        (
            "2026-12-01\x1b[2J",
            "'2026-12-01\\x1b[2J' is not a time (write e.g. 2026-12-01T09:00 or 2026-12-01)",
        ),
    ],
)
def test_values_parse_moment_refuses_in_words(written: str, message: str) -> None:
    with pytest.raises(ValueProblem) as refused:
        parse_moment(written)
    assert str(refused.value) == message


# -- properties: random values through the real service and command line --------------------------

_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()),  # every code point, surrogates too
    max_size=40,
)
_NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.from_regex(r"[+-]?[0-9 ]{0,20}([.,][0-9]{0,5})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["nan", "NaN", "inf", "-infinity", "1e309", "-1e309", "1_0", "١", "²", "0x1"]),
)
_DATES = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["0001-01-01", "1899-12-31", "2200-12-31", "2201-01-01", "2026-W49-2", "20261301"]),
)
_SCALARS = st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT, _DATES, st.sampled_from(["red", "blue", "x"]))
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=5), st.dictionaries(_TEXT, _SCALARS, max_size=2))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    engine = open_database(str(tmp_path / "values.db"))
    yield Service(Store(engine), PlaybookRegistry([PLAYBOOKS]), People.single_user("lea"), clock=lambda: NOW)
    engine.dispose()


def _assert_normal(spec: FieldSpec, stored: Any) -> None:
    """A stored value is its own normal form: JSON without NaN, text that reads as it is."""
    assert normalize_value(spec, stored) == stored
    json.dumps(stored, allow_nan=False)
    for text in stored if isinstance(stored, list) else [stored]:
        if isinstance(text, str):
            assert first_unsafe(text) is None
            text.encode("utf-8")  # no half characters: both databases take it


def _stored_fields(path: Path, case_id: int) -> dict[str, Any]:
    with sqlite3.connect(path) as connection:
        (text,) = connection.execute("SELECT fields FROM cases WHERE id = ?", (case_id,)).fetchone()
    return json.loads(text)  # the file's own bytes: Python's json refuses no NaN, so check it


@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(sorted(FIELDS)), value=_VALUES)
def test_values_set_stores_the_normal_form_or_refuses(
    service: Service, tmp_path: Path, name: str, value: Any
) -> None:
    case = service.open_case("test.values", {}, actor="lea")
    spec = FIELDS[name]
    try:
        expected = normalize_value(spec, value) if value not in (None, "") else None
    except ValueProblem as problem:
        expected = problem
    try:
        service.set_fields(case.id, {name: value}, actor="lea")
    except CommandError as refused:
        if spec.type in (FieldType.person, FieldType.person_list) and not isinstance(expected, ValueProblem):
            assert str(refused).startswith(f"case {case.id}: "), refused  # who may be named: people rules
        else:
            assert isinstance(expected, ValueProblem), f"{value!r} refused: {refused}"
            assert str(refused) == f"case {case.id}: field '{name}': {expected}"
        assert service.queries.load(case.id)[0].row_version == case.row_version  # nothing written
        return
    assert not isinstance(expected, ValueProblem), f"{value!r} stored, but {expected}"
    stored = _stored_fields(tmp_path / "values.db", case.id).get(name)
    assert stored == expected
    if stored is not None:
        _assert_normal(spec, stored)


@pytest.fixture
def opened_db(tmp_path: Path) -> Path:
    """A database with case 1 of test.values open, made once: each example works on a copy."""
    template = tmp_path / "template.db"
    opened = CliRunner().invoke(
        app, ["--db", str(template), "--playbooks", str(PLAYBOOKS), "open", "test.values"]
    )
    assert opened.output == "1\n"
    return template


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=st.dictionaries(st.sampled_from(sorted(FIELDS)), _VALUES, min_size=1, max_size=4))
def test_values_form_file_through_the_command_line(
    opened_db: Path, tmp_path: Path, answers: dict[str, Any]
) -> None:
    db = tmp_path / "form.db"
    shutil.copyfile(opened_db, db)
    base = ["--db", str(db), "--playbooks", str(PLAYBOOKS), "--as", "lea"]
    file = tmp_path / "answers.json"
    file.write_text(json.dumps(answers, default=str), encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(app, [*base, "form", "1", "all", "--file", str(file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    stored = _stored_fields(db, 1)
    if result.exit_code != 0:
        assert result.output.startswith("trinn: "), result.output
        assert len(result.output.splitlines()) == 1
        assert stored == {}  # refused: nothing written
        return
    for name, value in stored.items():
        _assert_normal(FIELDS[name], value)


HOSTILE_VALUES = [
    ("price", "nan", "expected a number, got 'nan'"),
    ("price", math.inf, "'inf' is not a finite number"),
    ("price", "1e309", "'1e309' is out of range (at most 15 digits before the decimal mark)"),
    (
        "line",
        "a\x00b",
        "character U+0000 at position 2 is a control character "
        "(terminal escapes and other controls are not stored)",
    ),
    (
        "story",
        "\ud800",
        "character U+D800 at position 1 is not valid Unicode "
        "(bytes that are not UTF-8, or half of a surrogate pair)",
    ),
    (
        "words",
        ["ok", "\u202e"],
        "character U+202E at position 1 is an invisible formatting character "
        "(direction overrides and invisible characters are not stored)",
    ),
    ("day", "0001-01-01", "'0001-01-01' is out of range (dates from 1900-01-01 to 2200-12-31)"),
]
EXTREME_VALUES = {
    "count": 999_999_999_999_999,
    "balance": -999_999_999_999_999.5,
    "day": "2200-12-31",
    "line": "Ærø 名前 😀 \\u0000 literally",
    "story": "x" * (MAX_LONG_TEXT - 2) + "\n\t",
    "words": ["a"] * MAX_ITEMS,
}


def test_values_both_backends_refuse_and_keep_alike(db_url: str) -> None:
    """What SQLite once stored silently and PostgreSQL refused as 'invalid input syntax for type
    json' (exit 2) is refused on both with the field's message; the extremes that fit are kept."""
    engine = open_database(db_url)
    try:
        service = Service(
            Store(engine), PlaybookRegistry([PLAYBOOKS]), People.single_user("lea"), clock=lambda: NOW
        )
        case = service.open_case("test.values", {}, actor="lea")
        for name, value, message in HOSTILE_VALUES:
            with pytest.raises(CommandError) as refused:
                service.set_fields(case.id, {name: value}, actor="lea")
            assert str(refused.value) == f"case {case.id}: field '{name}': {message}"
        service.set_fields(case.id, EXTREME_VALUES, actor="lea")
        assert service.queries.load(case.id)[0].fields == EXTREME_VALUES
    finally:
        engine.dispose()
