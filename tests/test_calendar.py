"""Due dates on real calendars.

Every expected date was worked out by hand from a printed calendar and the
`holidays` package's list for the year, not taken from `due_at` itself. In 2026:
Easter is 2-6 April (Skjærtorsdag, Langfredag, 2. påskedag off in NO and DK),
Kristi himmelfart 14 May, 2. pinsedag 25 May, 17 May a Sunday; DST starts
29 March and ends 25 October (01:00 UTC both), so Oslo and Copenhagen are UTC+1
before 29 March and from 25 October, UTC+2 between.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from trinn.engine.calendar import CalendarError, due_at, is_working_day, shift, working_days_between
from trinn.engine.errors import TrinnError

OSLO = ZoneInfo("Europe/Oslo")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "duration", "language", "due"),
    [
        # Wednesday before Easter: Thu 2, Fri 3, Mon 6 April are holidays, Tuesday 7 is the first working day.
        ("2026-04-01 09:00", "1 workdays", "nb", "2026-04-07 22:00"),
        ("2026-04-01 09:00", "1 workdays", "da", "2026-04-07 22:00"),
        ("2026-04-01 09:00", "1 workdays", "en", "2026-04-03 00:00"),
        # Started on a holiday (2. påskedag): the count starts from the next working day.
        ("2026-04-06 08:00", "1 workdays", "nb", "2026-04-07 22:00"),
        # Tue 12, Wed 13, (Kristi himmelfart), Fri 15, Mon 18, Tue 19 May.
        ("2026-05-11 08:00", "5 workdays", "nb", "2026-05-19 22:00"),
        ("2026-05-11 08:00", "5 workdays", "en", "2026-05-19 00:00"),
        # ... then Wed 20, Thu 21, Fri 22, (2. pinsedag), Tue 26, Wed 27 May.
        ("2026-05-11 08:00", "10 workdays", "nb", "2026-05-27 22:00"),
        ("2026-05-11 08:00", "10 workdays", "da", "2026-05-27 22:00"),
        # Wednesday 23 December: Christmas Eve and New Year's Eve are working days, 25 Dec and 1 Jan are not.
        ("2026-12-23 10:00", "1 workdays", "nb", "2026-12-24 23:00"),
        ("2026-12-23 10:00", "2 workdays", "nb", "2026-12-28 23:00"),
        ("2026-12-23 10:00", "5 workdays", "nb", "2026-12-31 23:00"),
        ("2026-12-23 10:00", "6 workdays", "nb", "2027-01-04 23:00"),
        ("2026-12-23 10:00", "6 workdays", "da", "2027-01-04 23:00"),
        ("2026-12-23 10:00", "2 workdays", "en", "2026-12-26 00:00"),
        ("2026-12-23 10:00", "6 workdays", "en", "2027-01-01 00:00"),
    ],
)
def test_due_at_workdays_skip_weekends_and_public_holidays(
    start: str, duration: str, language: str, due: str
) -> None:
    assert due_at(utc(start), duration, language) == utc(due)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ("2026-03-07 12:00", "0 workdays", "2026-03-09 23:00"),  # Saturday: end of Monday
        ("2026-03-07 12:00", "1 workdays", "2026-03-09 23:00"),
        ("2026-03-07 12:00", "2 workdays", "2026-03-10 23:00"),
        ("2026-03-09 08:00", "0 workdays", "2026-03-09 23:00"),  # Monday: end of the same day
        ("2026-03-09 08:00", "1 workdays", "2026-03-10 23:00"),
    ],
)
def test_due_at_workdays_from_a_weekend_count_from_the_next_working_day(
    start: str, duration: str, due: str
) -> None:
    assert due_at(utc(start), duration, "nb") == utc(due)


@pytest.mark.parametrize(
    ("start", "duration", "language", "due"),
    [
        # 21:30 UTC Monday is 23:30 in Oslo, still Monday; 22:30 UTC is already Tuesday there.
        ("2026-03-30 21:30", "1 workdays", "nb", "2026-03-31 22:00"),
        ("2026-03-30 22:30", "1 workdays", "nb", "2026-04-01 22:00"),
        # 22:30 UTC Wednesday 1 April is Skjærtorsdag in Oslo but Wednesday in UTC.
        ("2026-04-01 22:30", "0 workdays", "nb", "2026-04-07 22:00"),
        ("2026-04-01 22:30", "0 workdays", "en", "2026-04-02 00:00"),
        # 23:30 UTC Sunday is Monday 00:30 in Oslo.
        ("2026-03-08 23:30", "0 workdays", "nb", "2026-03-09 23:00"),
        ("2026-03-08 23:30", "1 workdays", "nb", "2026-03-10 23:00"),
    ],
)
def test_due_at_workdays_count_from_the_local_calendar_day(
    start: str, duration: str, language: str, due: str
) -> None:
    assert due_at(utc(start), duration, language) == utc(due)


@pytest.mark.parametrize(
    ("start", "duration", "language", "due"),
    [
        # Spring forward, Sunday 29 March: 24 hours are 24 hours, a day keeps 11:00 local (23 hours).
        ("2026-03-28 10:00", "24 hours", "nb", "2026-03-29 10:00"),
        ("2026-03-28 10:00", "1 days", "nb", "2026-03-29 09:00"),
        ("2026-03-28 10:00", "1 days", "da", "2026-03-29 09:00"),
        ("2026-03-28 10:00", "1 days", "en", "2026-03-29 10:00"),
        ("2026-03-28 10:00", "1 weeks", "nb", "2026-04-04 09:00"),
        # Fall back, Sunday 25 October: a day keeps 12:00 local (25 hours).
        ("2026-10-24 10:00", "24 hours", "nb", "2026-10-25 10:00"),
        ("2026-10-24 10:00", "1 days", "nb", "2026-10-25 11:00"),
        ("2026-10-24 10:00", "2 weeks", "nb", "2026-11-07 11:00"),
        # Local midnight moves with the offset: UTC+1 before, UTC+2 after 29 March, UTC+1 after 25 October.
        ("2026-03-20 10:00", "1 workdays", "nb", "2026-03-23 23:00"),
        ("2026-03-27 10:00", "1 workdays", "nb", "2026-03-30 22:00"),
        ("2026-10-23 10:00", "1 workdays", "nb", "2026-10-26 23:00"),
        # 02:30 on 29 March does not exist in Oslo: one hour later, 03:30 CEST.
        ("2026-03-28 01:30", "1 days", "nb", "2026-03-29 01:30"),
        # 02:30 on 25 October happens twice in Oslo: the first, 02:30 CEST.
        ("2026-10-24 00:30", "1 days", "nb", "2026-10-25 00:30"),
    ],
)
def test_due_at_hours_are_elapsed_and_days_keep_the_local_clock(
    start: str, duration: str, language: str, due: str
) -> None:
    assert due_at(utc(start), duration, language) == utc(due)


@pytest.mark.parametrize("duration", ["0 hours", "0 days", "0 weeks"])
def test_due_at_zero_calendar_time_is_the_start(duration: str) -> None:
    assert due_at(utc("2026-03-29 01:00"), duration, "nb") == utc("2026-03-29 01:00")


def test_due_at_accepts_any_aware_start_and_returns_utc() -> None:
    start = datetime(2026, 3, 28, 11, 0, tzinfo=OSLO)  # 10:00 UTC
    due = due_at(start, "24 hours", "nb")
    assert due == utc("2026-03-29 10:00")
    assert due.tzinfo is UTC
    assert due_at(start, "1 days", "nb").tzinfo is UTC
    assert due_at(start, "1 workdays", "nb").tzinfo is UTC


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_due_at_workdays_end_at_local_midnight_after_n_working_days(language: str) -> None:
    zone = ZoneInfo({"nb": "Europe/Oslo", "da": "Europe/Copenhagen", "en": "UTC"}[language])
    for offset in range(0, 372, 3):
        start = utc("2026-01-01 12:00") + timedelta(days=offset)
        for n in range(13):
            local = due_at(start, f"{n} workdays", language).astimezone(zone)
            assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
            last = local.date() - timedelta(days=1)
            assert is_working_day(last, language)
            if n:
                assert working_days_between(start.date(), last, language) == n


@pytest.mark.parametrize(
    ("day", "language", "working"),
    [
        # Norway 2026, from the `holidays` package: weekday public holidays are days off.
        (date(2026, 1, 1), "nb", False),
        (date(2026, 4, 2), "nb", False),  # Skjærtorsdag
        (date(2026, 4, 3), "nb", False),  # Langfredag
        (date(2026, 4, 6), "nb", False),  # 2. påskedag
        (date(2026, 5, 1), "nb", False),  # Arbeidernes dag
        (date(2026, 5, 14), "nb", False),  # Kristi himmelfartsdag
        (date(2026, 5, 17), "nb", False),  # Grunnlovsdag on a Sunday: no extra day off
        (date(2026, 5, 18), "nb", True),
        (date(2028, 5, 17), "nb", False),  # Grunnlovsdag on a Wednesday
        (date(2026, 5, 25), "nb", False),  # 2. pinsedag
        (date(2026, 12, 24), "nb", True),  # julaften: not a public holiday
        (date(2026, 12, 25), "nb", False),
        (date(2026, 12, 31), "nb", True),
        # Denmark: Store bededag (4th Friday after Easter) was a holiday until 2023.
        (date(2023, 5, 5), "da", False),
        (date(2024, 4, 26), "da", True),
        (date(2026, 5, 1), "da", True),  # would-be Store bededag, and 1 May is no public holiday in DK
        (date(2028, 5, 17), "da", True),
        (date(2026, 5, 14), "da", False),
        # Grundlovsdag and Christmas Eve are days off by agreement, not by law: the package calls them
        # "optional", and they count as working days.
        (date(2026, 6, 5), "da", True),
        (date(2026, 12, 24), "da", True),
        (date(2026, 12, 25), "da", False),
        # English playbooks: weekends only.
        (date(2026, 4, 3), "en", True),
        (date(2026, 12, 25), "en", True),
        (date(2026, 5, 17), "en", False),
        (date(2026, 3, 7), "en", False),
    ],
)
def test_is_working_day_follows_the_country_of_the_language(day: date, language: str, working: bool) -> None:
    assert is_working_day(day, language) is working


@pytest.mark.parametrize(
    ("a", "b", "language", "count"),
    [
        (date(2026, 4, 1), date(2026, 4, 8), "nb", 2),  # Tue 7, Wed 8
        (date(2026, 4, 1), date(2026, 4, 8), "en", 5),  # Thu 2, Fri 3, Mon 6, Tue 7, Wed 8
        (date(2026, 4, 8), date(2026, 4, 1), "nb", -2),
        (date(2026, 4, 1), date(2026, 4, 1), "nb", 0),
        (date(2026, 4, 3), date(2026, 4, 6), "nb", 0),  # Langfredag to 2. påskedag
        (date(2026, 12, 23), date(2027, 1, 4), "nb", 6),  # 24, 28, 29, 30, 31 Dec, 4 Jan
        (date(2026, 12, 23), date(2027, 1, 4), "da", 6),
        (date(2026, 12, 23), date(2027, 1, 4), "en", 8),  # ... and 25 Dec, 1 Jan
        (date(2025, 12, 31), date(2026, 12, 31), "nb", 253),  # 261 weekdays less 8 holidays on weekdays
    ],
)
def test_working_days_between_counts_after_a_up_to_b(a: date, b: date, language: str, count: int) -> None:
    assert working_days_between(a, b, language) == count


def test_calendar_error_is_a_trinn_error() -> None:
    assert issubclass(CalendarError, TrinnError)


def test_due_at_unknown_language_lists_the_languages() -> None:
    message = "unknown language 'no' (expected one of 'da', 'en', 'nb')"
    with pytest.raises(CalendarError, match=re.escape(message)):
        due_at(utc("2026-04-01 09:00"), "1 workdays", "no")
    with pytest.raises(CalendarError, match=re.escape(message)):
        is_working_day(date(2026, 4, 1), "no")


def test_due_at_naive_start_is_refused() -> None:
    message = "start time '2026-04-01T09:00:00' has no time zone (give an aware datetime)"
    with pytest.raises(CalendarError, match=re.escape(message)):
        due_at(datetime(2026, 4, 1, 9, 0), "1 days", "nb")


def test_due_at_invalid_duration_is_refused() -> None:
    with pytest.raises(CalendarError, match=re.escape("invalid duration '2 fortnights'")):
        due_at(utc("2026-04-01 09:00"), "2 fortnights", "nb")


@pytest.mark.parametrize("duration", ["999999999 hours", "999999 weeks", "9999999 workdays"])
def test_due_at_refuses_durations_over_the_cap(duration: str) -> None:
    with pytest.raises(CalendarError, match="too long"):
        due_at(utc("2026-04-01 09:00"), duration, "en")


@pytest.mark.parametrize("duration", ["9000 hours", "9000 weeks", "9000 workdays"])
def test_due_at_past_the_year_9999_is_refused(duration: str) -> None:
    with pytest.raises(CalendarError, match=re.escape(f"duration '{duration}' from")):
        due_at(datetime(9999, 12, 1, 9, tzinfo=UTC), duration, "en")


def test_is_working_day_refuses_a_datetime() -> None:
    with pytest.raises(CalendarError, match="expected a date, got the datetime"):
        is_working_day(utc("2026-04-01 09:00"), "nb")
    with pytest.raises(CalendarError, match="expected a date, got the datetime"):
        working_days_between(date(2026, 4, 1), utc("2026-04-08 09:00"), "nb")


@pytest.mark.parametrize(
    ("start", "duration", "language", "due"),
    [
        # 31 January + 1 month: the last day of February, same wall-clock time (10:00 Oslo, UTC+1)
        ("2026-01-31 09:00", "1 months", "nb", "2026-02-28 09:00"),
        ("2028-01-31 09:00", "1 month", "nb", "2028-02-29 09:00"),  # a leap year
        ("2026-11-30 09:00", "3 months", "da", "2027-02-28 09:00"),
        ("2026-08-31 09:00", "1 months", "en", "2026-09-30 09:00"),
        # 15 March 11:00 Oslo (UTC+1) + 1 month is 15 April 11:00 Oslo, now UTC+2: 09:00 UTC
        ("2026-03-15 10:00", "1 months", "nb", "2026-04-15 09:00"),
        ("2026-10-15 09:00", "1 months", "da", "2026-11-15 10:00"),  # and back over the autumn change
        # 29 February + 1 year: 28 February; 12 months are a year
        ("2028-02-29 08:00", "1 years", "nb", "2029-02-28 08:00"),
        ("2026-05-12 08:00", "12 months", "nb", "2027-05-12 08:00"),
        ("2026-05-12 08:00", "1 year", "nb", "2027-05-12 08:00"),
    ],
)
def test_due_at_months_and_years_are_calendar_arithmetic(
    start: str, duration: str, language: str, due: str
) -> None:
    assert due_at(utc(start), duration, language) == utc(due)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "language", "moment"),
    [
        # a follow-up date Thursday 7 January 2027 (its local day starts 6 Jan 23:00 UTC):
        # 1 workday before is Wed 6, 2 before Tue 5 January, at the start of that day
        ("2027-01-06 23:00", 2, "workdays", "nb", "2027-01-04 23:00"),
        ("2027-01-06 23:00", 0, "workdays", "nb", "2027-01-06 23:00"),
        # before Tuesday 7 April 2026: Mon 6, Fri 3, Thu 2 April are Easter holidays in NO and DK
        ("2026-04-06 22:00", 1, "workdays", "nb", "2026-03-31 22:00"),
        ("2026-04-06 22:00", 2, "workdays", "da", "2026-03-30 22:00"),
        ("2026-04-07 00:00", 2, "workdays", "en", "2026-04-03 00:00"),
        # 1 May is a public holiday in Norway, not in Denmark: 1 workday before Monday 4 May 2026
        ("2026-05-03 22:00", 1, "workdays", "nb", "2026-04-29 22:00"),
        ("2026-05-03 22:00", 1, "workdays", "da", "2026-04-30 22:00"),
        # 0 workdays before a Sunday: the Friday before
        ("2026-05-09 22:00", 0, "workdays", "nb", "2026-05-07 22:00"),
        # 1 day before 29 March 12:00 Oslo (UTC+2) is 28 March 12:00 Oslo (UTC+1): 23 hours earlier
        ("2026-03-29 10:00", 1, "days", "nb", "2026-03-28 11:00"),
        ("2026-03-29 10:00", 24, "hours", "nb", "2026-03-28 10:00"),
        # 31 October - 1 month: 30 September, 13:00 Oslo both times
        ("2026-10-31 12:00", 1, "months", "nb", "2026-09-30 11:00"),
        ("2029-02-28 08:00", 1, "years", "da", "2028-02-28 08:00"),
        ("2026-12-15 17:30", 1, "weeks", "da", "2026-12-08 17:30"),
    ],
)
def test_shift_before_counts_backwards(
    start: str, amount: int, unit: str, language: str, moment: str
) -> None:
    assert shift(utc(start), amount, unit, language, before=True) == utc(moment)


def test_shift_in_a_playbook_zone_of_its_own() -> None:
    # a Norwegian playbook run from Svalbard's zone keeps Norway's holidays
    start = utc("2026-03-15 10:00")
    assert shift(start, 1, "months", "nb", zone="Europe/Helsinki") == utc("2026-04-15 09:00")
    assert shift(start, 1, "months", "nb", zone="UTC") == utc("2026-04-15 10:00")


def test_shift_before_the_year_1_is_refused() -> None:
    with pytest.raises(CalendarError, match=re.escape("3 months before '0001-01-31T09:00:00+00:00'")):
        shift(datetime(1, 1, 31, 9, tzinfo=UTC), 3, "months", "en", before=True)
