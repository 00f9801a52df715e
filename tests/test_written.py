"""Dates and numbers as people write them: every form the screen shows is read back, the same
in every language; what could mean two things is not read at all."""

from __future__ import annotations

import datetime as dt

import pytest

from trinn.engine.written import read_date, read_number

DEC_15 = dt.date(2026, 12, 15)


@pytest.mark.parametrize(
    "written",
    [
        "2026-12-15",
        "15.12.2026",
        "15.12.2026.",
        "15/12/2026",
        "15-12-2026",
        "15 . 12 . 2026",
        "15.12.26",
        "15. desember 2026",
        "15. des. 2026",
        "15. december 2026",
        "15. dec. 2026",
        "15 December 2026",
        "15 Dec 2026",
        "15 DESEMBER 2026",
        "tirsdag 15. desember 2026",
        "tirsdag den 15. december 2026",
        "Tuesday, 15 December 2026",
    ],
)
def test_written_date_as_shown_in_nb_da_en(written: str) -> None:
    assert read_date(written) == DEC_15


@pytest.mark.parametrize(
    "written",
    [
        "12/15/2026",
        "31.02.2026",
        "15.12/2026",
        "15122026x",
        "15. smarch 2026",
        "December 15, 2026",
        "",
        "1" * 65,
    ],
)
def test_written_date_not_read(written: str) -> None:
    assert read_date(written) is None


@pytest.mark.parametrize(
    ("written", "money", "number"),
    [
        ("1 500,50", False, 1500.5),
        ("1\u00a0500,50\u00a0kr", True, 1500.5),
        ("-1.500,50 kr.", True, -1500.5),
        ("\u22121 500", False, -1500),
        ("kr 1 500,-", True, 1500),
        ("DKK 1,500.50", True, 1500.5),
        ("1.500.000", False, 1_500_000),
        ("1,500,000", False, 1_500_000),
        ("1,5", False, 1.5),
        ("1.500", False, 1.5),
        ("1e3", False, 1000),
        ("+7", False, 7),
    ],
)
def test_written_number_as_shown(written: str, money: bool, number: float) -> None:
    read = read_number(written, money=money)
    assert read == number and type(read) is type(number)


@pytest.mark.parametrize(
    ("written", "money"),
    [
        ("1 500 kr", False),
        ("1,50,000", False),
        ("1.5.2", False),
        ("1.500,5,0", False),
        ("kr", True),
        ("--1", False),
    ],
)
def test_written_number_not_read(written: str, money: bool) -> None:
    assert read_number(written, money=money) is None
