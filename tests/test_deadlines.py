"""Case-wide deadlines (engine.deadlines): started by an event, met by a state or a condition,
reminding and escalating whatever states the case passes through in between."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from trinn.engine.people import People, Person
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database

CASES = Path(__file__).parent / "data" / "cases"
START = dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC)  # 10:00 in Oslo


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def service(sqlite_url: str) -> Iterator[Service]:
    engine = open_database(sqlite_url)
    people = People([Person("mia", "Mia", None, frozenset({"megler", "ledelsen"}))])
    yield Service(Store(engine), PlaybookRegistry([CASES]), people, clock=lambda: START)
    engine.dispose()


def _deadline_rows(service: Service, case_id: int) -> list[tuple[str, str, dt.datetime]]:
    case, _compiled, _children = service.queries.load(case_id)
    return sorted((t.state, t.kind, t.due_at) for t in case.timers if t.status == "waiting")


def test_deadlines_survive_state_changes_and_fire_once_each(service: Service) -> None:
    case_id = service.open_case("test.deadline", {"navn": "Acme"}, actor="mia").id
    service.fire(case_id, "start", actor="mia", now=START)
    assert service.queries.history(case_id)[-1].details["deadlines"] == [
        {"deadline": "maaling", "started": "2026-04-30T08:00:00Z"}  # 3 months: 30 April 10:00 Oslo
    ]
    # back and forth: the clock keeps running from the first start
    service.fire(case_id, "evaluer", actor="mia", now=START + dt.timedelta(days=20))
    service.fire(case_id, "tilbake", actor="mia", now=START + dt.timedelta(days=21))
    assert _deadline_rows(service, case_id) == [
        ("maaling", "deadline", utc("2026-04-30 08:00")),
        ("maaling", "dl_escalate", utc("2026-04-30 08:00")),
        ("maaling", "dl_remind", utc("2026-04-11 08:00")),  # 10 weeks, on the Oslo clock (DST: 08:00 UTC)
    ]
    fired = service.tick(now=utc("2026-04-12 00:00"))
    assert [(a.kind, a.state, a.detail) for a in fired] == [("remind", "maaling", "to megler")]
    (message,) = [row for row in service.queries.outbox(case_id) if row.payload.get("deadline") == "maaling"]
    assert message.payload["title"] == "Husk måling: Acme"
    assert service.tick(now=utc("2026-04-13 00:00")) == []
    fired = service.tick(now=utc("2026-05-01 00:00"))
    assert sorted((a.kind, a.detail) for a in fired) == [("deadline", "missed"), ("escalate", "to ledelsen")]
    assert service.tick(now=utc("2026-06-01 00:00")) == []


def test_deadlines_met_by_reaching_a_state_send_nothing_more(service: Service) -> None:
    case_id = service.open_case("test.deadline", {"navn": "Acme"}, actor="mia").id
    service.fire(case_id, "start", actor="mia", now=START)
    service.fire(case_id, "evaluer", actor="mia", now=START + dt.timedelta(days=20))
    service.fire(case_id, "maal", actor="mia", now=START + dt.timedelta(days=30))
    assert service.queries.history(case_id)[-1].details["deadlines"] == [
        {"deadline": "maaling", "ended": "closed"}
    ]
    assert _deadline_rows(service, case_id) == []
    assert service.tick(now=utc("2026-12-01 00:00")) == []


def test_deadlines_started_by_a_field_met_by_a_condition(service: Service) -> None:
    case_id = service.open_case("test.deadline", {"navn": "Acme"}, actor="mia").id
    service.set_fields(case_id, {"avtale": "10.02.2026"}, actor="mia", now=START)
    assert _deadline_rows(service, case_id) == [
        ("signering", "deadline", utc("2026-02-14 09:00")),
        ("signering", "dl_escalate", utc("2026-02-14 09:00")),
    ]
    service.fire(case_id, "start", actor="mia", now=START + dt.timedelta(days=1))
    service.set_fields(case_id, {"signert": "ja"}, actor="mia", now=START + dt.timedelta(days=2))
    assert service.queries.history(case_id)[-1].details["deadlines"] == [
        {"deadline": "signering", "ended": "met"}
    ]
    assert [row[0] for row in _deadline_rows(service, case_id)] == ["maaling"] * 3
    assert [a.kind for a in service.tick(now=utc("2026-02-20 00:00"))] == []
