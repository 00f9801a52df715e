"""Date-times as people in Norway and Denmark write them (engine.moments), and as fields keep them.

Oslo and Copenhagen are UTC+1 in winter and UTC+2 from 29 March to 25 October 2026.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from trinn.engine.moments import local_moment_text, parse_local_date, parse_local_moment, stored_moment
from trinn.engine.spec import FieldSpec, FieldType
from trinn.engine.values import ValueProblem, normalize_value

OSLO = ZoneInfo("Europe/Oslo")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MOMENT = FieldSpec(type=FieldType.datetime, label="Møtetid")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("15.12.2026 18:30", "2026-12-15T17:30:00Z"),
        ("15.12.2026 kl. 18.30", "2026-12-15T17:30:00Z"),
        ("15.12.2026 kl 18:30", "2026-12-15T17:30:00Z"),
        ("15/12/2026 18:30", "2026-12-15T17:30:00Z"),
        ("1.7.2026 9.05", "2026-07-01T07:05:00Z"),
        ("15/12/2026", "2026-12-14T23:00:00Z"),  # a date alone: the start of that local day
        ("15.12.2026", "2026-12-14T23:00:00Z"),
        ("2026-12-15", "2026-12-14T23:00:00Z"),
        ("2026-12-15T18:30", "2026-12-15T17:30:00Z"),
        ("2026-12-15 18:30", "2026-12-15T17:30:00Z"),
        ("2026-12-15T18:30:00+02:00", "2026-12-15T16:30:00Z"),  # an offset is that exact moment
        ("2026-12-15T17:30Z", "2026-12-15T17:30:00Z"),
        # 02:30 on 29 March does not exist in Oslo: an hour later, 03:30 CEST
        ("29.03.2026 02:30", "2026-03-29T01:30:00Z"),
        # 02:30 on 25 October happens twice: the first, still CEST
        ("25.10.2026 02:30", "2026-10-25T00:30:00Z"),
        ("25.10.2026 03:30", "2026-10-25T02:30:00Z"),
    ],
)
def test_moments_local_writing_is_read_on_the_oslo_clock(written: str, stored: str) -> None:
    assert normalize_value(MOMENT, written, zone=OSLO) == stored


def test_moments_copenhagen_and_utc_clocks() -> None:
    assert normalize_value(MOMENT, "15.06.2026 18:30", zone=COPENHAGEN) == "2026-06-15T16:30:00Z"
    assert normalize_value(MOMENT, "15.06.2026 18:30") == "2026-06-15T18:30:00Z"  # no zone: UTC
    now = dt.datetime(2026, 6, 15, 16, 30, 12, 999, tzinfo=dt.UTC)  # what `set: {x: now}` gives
    assert normalize_value(MOMENT, now, zone=OSLO) == "2026-06-15T16:30:12Z"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("31.02.2026 10:00", "'31.02.2026 10:00' is not a date and time"),
        ("15.12.2026 25:00", "'15.12.2026 25:00' is not a date and time"),
        ("15.12.2026 at noon", "'15.12.2026 at noon' is not a date and time"),
        ("tomorrow", "'tomorrow' is not a date and time"),
        ("15.12.2026 18:30", None),
        ("01.01.1899 10:00", "'1899-01-01T09:00:00Z' is out of range"),
        ("١٥.١٢.٢٠٢٦", "'١٥.١٢.٢٠٢٦' is not a date and time"),
    ],
)
def test_moments_refused_in_words(written: str, message: str | None) -> None:
    if message is None:
        assert normalize_value(MOMENT, written, zone=OSLO)
        return
    with pytest.raises(ValueProblem) as caught:
        normalize_value(MOMENT, written, zone=OSLO)
    assert caught.value.message == message
    if "not a date" in message:
        assert caught.value.hint == "write it as 15.12.2026 18:30, 15/12/2026 or 2026-12-15T18:30"


def test_moments_shown_the_local_way() -> None:
    assert local_moment_text("2026-12-15T17:30:00Z", OSLO, "nb") == "15.12.2026 18:30"
    assert local_moment_text("2026-06-15T16:30:00Z", COPENHAGEN, "da") == "15.06.2026 18:30"
    assert local_moment_text("2026-06-15T16:30:00Z", ZoneInfo("UTC"), "en") == "2026-06-15 16:30"
    # what is shown reads back as the same moment
    for stored in ("2026-12-15T17:30:00Z", "2026-10-25T00:30:00Z", "2026-03-29T01:30:00Z"):
        assert normalize_value(MOMENT, local_moment_text(stored, OSLO, "nb"), zone=OSLO) == stored


def test_moments_parse_local_date_and_stored_form() -> None:
    assert parse_local_date("07.01.2027") == dt.date(2027, 1, 7)
    assert parse_local_date("7/1/2027") == dt.date(2027, 1, 7)
    assert parse_local_date("2027-01-07") == dt.date(2027, 1, 7)
    assert parse_local_date("2027-1-7") is None
    assert parse_local_moment("x" * 1000, OSLO) is None
    assert stored_moment(dt.datetime(2026, 12, 15, 18, 30, tzinfo=OSLO)) == "2026-12-15T17:30:00Z"
