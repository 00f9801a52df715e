"""Meetings as a step (engine.meetings): invitations with an `.ics` through apprise to a loopback
SMTP receiver, parsed back with `icalendar`: the time in UTC and in Oslo, one UID per meeting,
SEQUENCE raised when the time moves, METHOD:CANCEL when the case leaves before the meeting,
the invitation as it stands for people added later, and a new UID for the next meeting once
one was held."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.notify_receivers import Mailbox
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.notifiers.channels import Channels
from trinn.notifiers.dispatch import send_pending

DATA = Path(__file__).parent / "data" / "meetings"
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def service(sqlite_url: str, tmp_path: Path) -> Iterator[Service]:
    people = tmp_path / "people.yaml"
    people.write_text("kari: {name: Kari, email: kari@example.org, roles: [ledelsen]}\n")
    store = Store(open_database(sqlite_url))
    yield Service(store, PlaybookRegistry([DATA]), load_people(people), clock=lambda: NOW)
    store.close()


@pytest.fixture
def channels(mail_channels: Channels) -> Channels:
    return mail_channels


def _invitations(box: Mailbox) -> list[tuple[list[str], EmailMessage, icalendar.Calendar]]:
    found = []
    for _sender, recipients, message in box.messages:
        (part,) = [p for p in message.iter_attachments() if p.get_filename() == "invitation.ics"]
        assert part.get_content_type() == "text/calendar"
        found.append((recipients, message, icalendar.Calendar.from_ical(part.get_payload(decode=True))))
    box.messages.clear()
    return found


def _event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def test_meetings_invite_update_and_cancel_through_smtp(
    service: Service, channels: object, box: Mailbox
) -> None:
    values = {"virksomhet": "Acme", "motested": "Pådriv, Oslo", "deltakere": "ola@acme.test, kari"}
    case_id = service.open_case("test.meeting", values, actor="kari").id
    service.fire(case_id, "avtal", actor="kari")
    assert send_pending(service.store, channels, now=NOW).results == []  # no time yet: no invitation
    service.set_fields(case_id, {"motetid": "15.12.2026 18:30"}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    first = _invitations(box)
    assert sorted(r for recipients, _m, _c in first for r in recipients) == [
        "kari@example.org",
        "ola@acme.test",
    ]
    _recipients, message, calendar = first[0]
    assert message["Subject"] == "Invitasjon: Første møte med virksomheten (Acme)"
    assert (
        message.get_body(("plain",))
        .get_content()
        .replace("\r\n", "\n")
        .startswith(
            "Tid: 15. desember 2026 18:30\nSted: Pådriv, Oslo\n\n"
            "Agenda:\nEr deltakelse i partnerskapet aktuelt?"
        )
    )
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    start = event.decoded("DTSTART")
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 12, 15, 17, 30, tzinfo=dt.UTC)
    assert start.astimezone(OSLO).strftime("%d.%m.%Y %H:%M") == "15.12.2026 18:30"
    assert event.decoded("DTEND") - start == dt.timedelta(hours=1)
    assert str(event["UID"]) == "trinn-1-mote-2@test.meeting"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["LOCATION"]) == "Pådriv, Oslo"
    assert sorted(str(a) for a in event.get("ATTENDEE")) == [
        "mailto:kari@example.org",
        "mailto:ola@acme.test",
    ]
    # moved to the next day: same UID, SEQUENCE 1, the new time
    service.set_fields(case_id, {"motetid": "2026-12-16T09:00"}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    moved = _event(_invitations(box)[0][2])
    assert (str(moved["UID"]), int(moved["SEQUENCE"])) == ("trinn-1-mote-2@test.meeting", 1)
    assert moved.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC)
    # the case leaves before the meeting: a cancellation
    service.fire(case_id, "avbryt", actor="kari")
    send_pending(service.store, channels, now=NOW)
    cancels = _invitations(box)
    assert len(cancels) == 2
    _recipients, message, calendar = cancels[0]
    assert message["Subject"] == "Avlyst: Første møte med virksomheten (Acme)"
    assert str(calendar["METHOD"]) == "CANCEL"
    cancel = _event(calendar)
    assert (str(cancel["UID"]), int(cancel["SEQUENCE"]), str(cancel["STATUS"])) == (
        "trinn-1-mote-2@test.meeting",
        2,
        "CANCELLED",
    )
    assert [e.details.get("meetings") for e in service.queries.history(case_id)][2:] == [
        [{"state": "mote", "method": "REQUEST", "sequence": 0, "start": "2026-12-15T17:30:00Z"}],
        [{"state": "mote", "method": "REQUEST", "sequence": 1, "start": "2026-12-16T08:00:00Z"}],
        [{"state": "mote", "method": "CANCEL", "sequence": 2, "start": "2026-12-16T08:00:00Z"}],
    ]


def test_meetings_held_then_left_send_nothing_more(service: Service, channels: object, box: Mailbox) -> None:
    values = {"virksomhet": "Acme", "motetid": "15.12.2026 18:30", "deltakere": ["ola@acme.test"]}
    case_id = service.open_case("test.meeting", values, actor="kari").id
    service.fire(case_id, "avtal", actor="kari")  # entering the state with its time set invites
    assert service.tick(now=dt.datetime(2026, 12, 15, 18, tzinfo=dt.UTC)) == []  # a meeting is no timer
    service.fire(case_id, "gjennomfort", actor="kari", now=dt.datetime(2026, 12, 15, 19, tzinfo=dt.UTC))
    send_pending(service.store, channels, now=NOW)
    assert [str(c["METHOD"]) for _r, _m, c in _invitations(box)] == ["REQUEST", "REQUEST"]


def test_meetings_people_added_later_get_the_same_invitation(
    service: Service, channels: object, box: Mailbox
) -> None:
    values = {"virksomhet": "Acme", "motetid": "15.12.2026 18:30", "deltakere": ["ola@acme.test"]}
    case_id = service.open_case("test.meeting", values, actor="kari").id
    service.fire(case_id, "avtal", actor="kari")
    send_pending(service.store, channels, now=NOW)
    first = _event(_invitations(box)[0][2])
    service.set_fields(case_id, {"deltakere": ["ola@acme.test", "eva@acme.test"]}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    ((recipients, message, calendar),) = _invitations(box)  # only the one added
    assert recipients == ["eva@acme.test"]
    assert message["Subject"] == "Invitasjon: Første møte med virksomheten (Acme)"
    late = _event(calendar)
    assert (str(calendar["METHOD"]), str(late["UID"]), int(late["SEQUENCE"])) == (
        "REQUEST",
        str(first["UID"]),
        0,
    )
    assert late.decoded("DTSTART") == first.decoded("DTSTART")
    assert sorted(str(a) for a in late.get("ATTENDEE")) == [
        "mailto:eva@acme.test",
        "mailto:kari@example.org",
        "mailto:ola@acme.test",
    ]
    # taken off the list: a cancellation to her alone; the meeting stands for the others
    service.set_fields(case_id, {"deltakere": ["ola@acme.test"]}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    ((recipients, _message, calendar),) = _invitations(box)
    assert recipients == ["eva@acme.test"]
    assert (str(calendar["METHOD"]), str(_event(calendar)["UID"])) == ("CANCEL", str(first["UID"]))
    details = [e.details.get("meetings") for e in service.queries.history(case_id)][-2:]
    assert details == [
        [
            {
                "state": "mote",
                "method": "REQUEST",
                "sequence": 0,
                "start": "2026-12-15T17:30:00Z",
                "to": ["eva@acme.test"],
            }
        ],
        [
            {
                "state": "mote",
                "method": "CANCEL",
                "sequence": 0,
                "start": "2026-12-15T17:30:00Z",
                "to": ["eva@acme.test"],
            }
        ],
    ]
    # after the meeting began, a change to the list invites no one
    service.set_fields(
        case_id,
        {"deltakere": ["ola@acme.test", "per@acme.test"]},
        actor="kari",
        now=dt.datetime(2026, 12, 15, 18, tzinfo=dt.UTC),
    )
    assert send_pending(service.store, channels, now=NOW).results == []


def _in_drift(
    service: Service, channels: object, box: Mailbox
) -> tuple[int, EmailMessage, icalendar.Calendar]:
    """A case in the recurring meetings' state, its next meeting set: its id and invitation."""
    values = {"virksomhet": "Acme", "deltakere": ["ola@acme.test"], "nestemote": "15.12.2026 18:30"}
    case_id = service.open_case("test.meeting", values, actor="kari").id
    service.fire(case_id, "drift", actor="kari")
    send_pending(service.store, channels, now=NOW)
    ((_r, message, calendar),) = _invitations(box)
    return case_id, message, calendar


def test_meetings_recurring_each_held_one_then_the_next(
    service: Service, channels: object, box: Mailbox
) -> None:
    case_id, message, calendar = _in_drift(service, channels, box)
    assert message["Subject"] == "Arbeidsgruppemøte i Acme"  # the playbook's message
    assert (
        "Du innkalles til arbeidsgruppemøte 15. desember 2026 18:30."
        in message.get_body(("plain",)).get_content()
    )
    first = _event(calendar)
    assert (str(first["UID"]), int(first["SEQUENCE"])) == ("trinn-1-drift-2@test.meeting", 0)
    assert first.decoded("DTEND") - first.decoded("DTSTART") == dt.timedelta(hours=2)
    # after it was held the next one is set: a meeting of its own, not a move of the held one
    after = dt.datetime(2026, 12, 15, 21, tzinfo=dt.UTC)
    service.set_fields(case_id, {"nestemote": "12.01.2027 18:30"}, actor="kari", now=after)
    send_pending(service.store, channels, now=after)
    ((_r, _m, calendar),) = _invitations(box)
    second = _event(calendar)
    assert (str(calendar["METHOD"]), str(second["UID"]), int(second["SEQUENCE"])) == (
        "REQUEST",
        "trinn-1-drift-2-1@test.meeting",
        0,
    )
    assert second.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(2027, 1, 12, 17, 30, tzinfo=dt.UTC)
    # moved before it began: the same UID, SEQUENCE 1
    service.set_fields(case_id, {"nestemote": "13.01.2027 18:30"}, actor="kari", now=after)
    send_pending(service.store, channels, now=after)
    moved = _event(_invitations(box)[0][2])
    assert (str(moved["UID"]), int(moved["SEQUENCE"])) == ("trinn-1-drift-2-1@test.meeting", 1)
    # held, then its time cleared: nothing to cancel; then the case ends: nothing either
    held = dt.datetime(2027, 1, 14, 9, tzinfo=dt.UTC)
    service.set_fields(case_id, {"nestemote": ""}, actor="kari", now=held)
    service.fire(case_id, "avbryt", actor="kari", now=held)
    assert send_pending(service.store, channels, now=held).results == []
    assert [e.details.get("meetings") for e in service.queries.history(case_id)][-2:] == [None, None]


def test_meetings_self_transition_keeps_the_next_meeting(
    service: Service, channels: object, box: Mailbox
) -> None:
    case_id, _message, calendar = _in_drift(service, channels, box)
    uid = str(_event(calendar)["UID"])
    # minutes recorded before the meeting (back into the same state): the meeting stands
    service.fire(case_id, "referat", actor="kari", now=NOW + dt.timedelta(days=1))
    assert send_pending(service.store, channels, now=NOW).results == []
    # held; minutes recorded after it: its time has gone by, so nothing is sent either
    after = dt.datetime(2026, 12, 16, 9, tzinfo=dt.UTC)
    service.fire(case_id, "referat", actor="kari", now=after)
    assert send_pending(service.store, channels, now=after).results == []
    # the next one is a meeting of its own
    service.set_fields(case_id, {"nestemote": "12.01.2027 18:30"}, actor="kari", now=after)
    send_pending(service.store, channels, now=after)
    ((_r, _m, calendar),) = _invitations(box)
    following = _event(calendar)
    assert (str(calendar["METHOD"]), int(following["SEQUENCE"])) == ("REQUEST", 0)
    assert str(following["UID"]) != uid


def test_meetings_minutes_are_a_form_whose_decisions_open_tasks(service: Service) -> None:
    values = {"virksomhet": "Acme", "motetid": "15.12.2026 18:30"}
    case_id = service.open_case("test.meeting", values, actor="kari").id
    service.fire(case_id, "avtal", actor="kari")
    held = dt.datetime(2026, 12, 15, 20, tzinfo=dt.UTC)
    answers = {"referat": "Acme vil delta.", "beslutninger": ["Send avtalen", "Avtal neste møte"]}
    service.submit_form(case_id, "referat", answers, actor="kari", now=held)
    case = service.queries.load(case_id)[0]
    assert sorted(t.label() for t in case.current_tasks() if t.status == "open") == [
        "folg_opp [Avtal neste møte]",
        "folg_opp [Send avtalen]",
    ]
    assert case.fields["referat"] == "Acme vil delta."
    # the minutes corrected (their task opened again): a decision taken back closes its task
    service.reopen_task(case_id, "skriv_referat", actor="kari", now=held)
    answers["beslutninger"] = ["Send avtalen"]
    service.submit_form(case_id, "referat", answers, actor="kari", now=held)
    case = service.queries.load(case_id)[0]
    assert [t.label() for t in case.current_tasks() if t.status == "open"] == ["folg_opp [Send avtalen]"]


# a task can be a meeting (state `moter`): the same invitations, owned by the task --------------

_TASK_UID = "trinn-1-moter-avklaringsmote-2@test.meeting"


def _in_moter(service: Service, **values: object) -> int:
    """A case in the state whose tasks are meetings (entry 2), with `values` set on the way."""
    case_id = service.open_case("test.meeting", {"virksomhet": "Acme", **values}, actor="kari").id
    service.fire(case_id, "moter", actor="kari")
    return case_id


def test_meetings_task_invites_moves_and_cancels_through_smtp(
    service: Service, channels: object, box: Mailbox
) -> None:
    case_id = _in_moter(service, motested="Pådriv, Oslo", deltakere=["ola@acme.test"])
    assert send_pending(service.store, channels, now=NOW).results == []  # no time yet: no invitation
    service.set_fields(case_id, {"avklaring": "15.12.2026 18:30"}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    first = _invitations(box)
    assert sorted(r for recipients, _m, _c in first for r in recipients) == [
        "kari@example.org",
        "ola@acme.test",
    ]
    _recipients, message, calendar = first[0]
    assert message["Subject"] == "Invitasjon: Hold avklaringsmøtet (Acme)"
    assert (
        message.get_body(("plain",))
        .get_content()
        .replace("\r\n", "\n")
        .startswith(
            "Tid: 15. desember 2026 18:30\nSted: Pådriv, Oslo\n\nAgenda:\nHva skal samarbeidet gå ut på?"
        )
    )
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    start = event.decoded("DTSTART")
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 12, 15, 17, 30, tzinfo=dt.UTC)
    assert start.astimezone(OSLO).strftime("%d.%m.%Y %H:%M") == "15.12.2026 18:30"
    assert event.decoded("DTEND") - start == dt.timedelta(minutes=90)
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (_TASK_UID, 0)
    # moved while the task is open: the same UID, SEQUENCE 1
    service.set_fields(case_id, {"avklaring": "2026-12-16T09:00"}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    moved = _event(_invitations(box)[0][2])
    assert (str(moved["UID"]), int(moved["SEQUENCE"])) == (_TASK_UID, 1)
    assert moved.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC)
    # the case leaves the state with the task undone (it is cancelled): a cancellation
    service.fire(case_id, "avbryt", actor="kari")
    send_pending(service.store, channels, now=NOW)
    cancels = _invitations(box)
    assert len(cancels) == 2
    _recipients, message, calendar = cancels[0]
    assert message["Subject"] == "Avlyst: Hold avklaringsmøtet (Acme)"
    cancel = _event(calendar)
    assert (str(calendar["METHOD"]), str(cancel["UID"]), int(cancel["SEQUENCE"])) == ("CANCEL", _TASK_UID, 2)
    assert str(cancel["STATUS"]) == "CANCELLED"
    sent = [e.details.get("meetings") for e in service.queries.history(case_id)][2:]
    assert sent == [
        [{"state": "moter", "task": "avklaringsmote", "method": m, "sequence": n, "start": at}]
        for m, n, at in [
            ("REQUEST", 0, "2026-12-15T17:30:00Z"),
            ("REQUEST", 1, "2026-12-16T08:00:00Z"),
            ("CANCEL", 2, "2026-12-16T08:00:00Z"),
        ]
    ]


def test_meetings_task_done_stands_until_reopened(service: Service, channels: object, box: Mailbox) -> None:
    case_id = _in_moter(service, avklaring="15.12.2026 18:30", deltakere=["ola@acme.test"])
    send_pending(service.store, channels, now=NOW)  # the task opened with its time set: invited
    assert [str(_event(c)["UID"]) for _r, _m, c in _invitations(box)] == [_TASK_UID, _TASK_UID]
    service.complete_task(case_id, "avklaringsmote", actor="kari")  # held (early, say): it stands
    service.set_fields(case_id, {"avklaring": "17.12.2026 18:30"}, actor="kari")  # done: nothing
    assert send_pending(service.store, channels, now=NOW).results == []
    # opened again, it follows its time once more: the new time, SEQUENCE raised
    service.reopen_task(case_id, "avklaringsmote", actor="kari")
    send_pending(service.store, channels, now=NOW)
    ((_r, _m, calendar),) = _invitations(box)[:1]
    assert (str(_event(calendar)["UID"]), int(_event(calendar)["SEQUENCE"])) == (_TASK_UID, 1)
    service.complete_task(case_id, "avklaringsmote", actor="kari")
    service.fire(case_id, "enige", actor="kari")  # left with the task done: no cancellation
    assert send_pending(service.store, channels, now=NOW).results == []


def test_meetings_task_cleared_then_set_again_raises_the_sequence(
    service: Service, channels: object, box: Mailbox
) -> None:
    case_id = _in_moter(service, avklaring="15.12.2026 18:30", deltakere=["ola@acme.test"])
    service.set_fields(case_id, {"avklaring": None}, actor="kari")
    service.set_fields(case_id, {"avklaring": "18.12.2026 10:00"}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    sent = [
        (str(c["METHOD"]), str(_event(c)["UID"]), int(_event(c)["SEQUENCE"]))
        for _r, _m, c in _invitations(box)
    ]
    # a calendar drops a REQUEST older than the CANCEL it has: the one after it is newer
    assert sorted(set(sent)) == [
        ("CANCEL", _TASK_UID, 1),
        ("REQUEST", _TASK_UID, 0),
        ("REQUEST", _TASK_UID, 2),
    ]
    service.fire(case_id, "avbryt", actor="kari")
    send_pending(service.store, channels, now=NOW)
    assert {(str(c["METHOD"]), int(_event(c)["SEQUENCE"])) for _r, _m, c in _invitations(box)} == {
        ("CANCEL", 3)
    }


def test_meetings_task_items_each_their_own(service: Service, channels: object, box: Mailbox) -> None:
    case_id = _in_moter(service, kontakter=["Per", "Eva"], kontaktmote="15.12.2026 18:30")
    send_pending(service.store, channels, now=NOW)
    invited = {str(_event(c)["SUMMARY"]): str(_event(c)["UID"]) for _r, _m, c in _invitations(box)}
    assert invited == {
        "Møt kontaktpersonen: Per (Acme)": "trinn-1-moter-kontaktmoter-2@test.meeting",
        "Møt kontaktpersonen: Eva (Acme)": "trinn-1-moter-kontaktmoter-2-1@test.meeting",
    }
    # Eva taken off the list: her item's task is cancelled, and its meeting with it
    service.set_fields(case_id, {"kontakter": ["Per"]}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    ((_r, message, calendar),) = _invitations(box)
    assert message["Subject"] == "Avlyst: Møt kontaktpersonen: Eva (Acme)"
    assert (str(calendar["METHOD"]), str(_event(calendar)["UID"])) == (
        "CANCEL",
        "trinn-1-moter-kontaktmoter-2-1@test.meeting",
    )


def test_meetings_task_form_that_sets_the_time_invites(
    service: Service, channels: object, box: Mailbox
) -> None:
    case_id = _in_moter(service, deltakere=["ola@acme.test"])
    service.submit_form(case_id, "oppfolging", {"oppfolging": "20.12.2026 12:00"}, actor="kari")
    send_pending(service.store, channels, now=NOW)
    ((recipients, message, calendar),) = _invitations(box)
    assert (recipients, message["Subject"]) == (
        ["ola@acme.test"],
        "Invitasjon: Avtal oppfølgingsmøtet (Acme)",
    )
    assert str(_event(calendar)["UID"]) == "trinn-1-moter-avtal_oppfolging-2@test.meeting"
    service.fire(case_id, "avbryt", actor="kari")  # the task is done: the meeting stands
    assert send_pending(service.store, channels, now=NOW).results == []


def test_meetings_are_no_timers_for_tick(service: Service, channels: object, box: Mailbox) -> None:
    """A tick that finds the case's reminder due leaves the meeting that began before it be."""
    case_id = _in_moter(service, avklaring="15.12.2026 18:30", deltakere=["ola@acme.test"])
    ticked = service.tick(now=dt.datetime(2026, 12, 22, 9, tzinfo=dt.UTC))
    assert [(a.kind, a.detail) for a in ticked] == [("remind", "to ledelsen")]
    case = service.queries.load(case_id)[0]
    assert [(t.kind, t.status) for t in case.timers if t.kind == "task_meeting"] == [
        ("task_meeting", "waiting")
    ]
