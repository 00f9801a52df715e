"""Dates in fields drive time (engine.timing, engine.reschedule): due dates and reminders at,
before and after a date, moving when the date moves, waiting while it is unset.

Oslo is UTC+1 in winter: a local day starts at 23:00 UTC the day before.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.web_helpers import key_file
from trinn.engine.people import People, Person
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui.cli import app

CASES = Path(__file__).parent / "data" / "cases"
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)  # a Tuesday


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def service(sqlite_url: str) -> Iterator[Service]:
    engine = open_database(sqlite_url)
    people = People([Person("boss", "Boss", None, frozenset({"lead"}))])
    yield Service(Store(engine), PlaybookRegistry([CASES]), people, clock=lambda: NOW)
    engine.dispose()


def _waiting(service: Service, case_id: int) -> list[tuple[str, int, dt.datetime]]:
    case, _compiled, _children = service.queries.load(case_id)
    return sorted((t.kind, t.position, t.due_at) for t in case.timers if t.status == "waiting")


def _dues(service: Service, case_id: int) -> dict[str, dt.datetime | None]:
    case, _compiled, _children = service.queries.load(case_id)
    return {t.task_id: t.due_at for t in case.current_tasks()}


def test_timing_unset_field_means_nothing_waits_yet(service: Service) -> None:
    case = service.open_case("test.timing", {"navn": "Acme"}, actor="boss")
    assert _waiting(service, case.id) == []
    assert _dues(service, case.id) == {"folg_opp": None, "forbered": None}


def test_timing_dates_give_due_dates_and_reminders(service: Service) -> None:
    values = {"navn": "Acme", "oppfolgingsdato": "07.01.2027", "moetetid": "15.12.2026 18:30"}
    case = service.open_case("test.timing", values, actor="boss")
    assert case.fields["moetetid"] == "2026-12-15T17:30:00Z"
    assert _dues(service, case.id) == {
        "folg_opp": utc("2027-01-07 23:00"),  # late from the end of 7 January
        "forbered": utc("2026-12-11 23:00"),  # the end of Friday 11 December (Mon 14, Fri 11)
    }
    assert _waiting(service, case.id) == [
        ("escalate", 0, utc("2027-01-09 23:00")),  # the start of 10 January
        ("remind", 0, utc("2027-01-04 23:00")),  # the start of Tuesday 5 January
        ("remind", 1, utc("2027-01-06 23:00")),  # the start of 7 January
    ]


def test_timing_moving_the_date_moves_what_waits_and_says_so(service: Service) -> None:
    case = service.open_case("test.timing", {"navn": "Acme", "oppfolgingsdato": "2027-01-07"}, actor="boss")
    service.set_fields(case.id, {"oppfolgingsdato": "14.01.2027"}, actor="boss")
    assert _waiting(service, case.id) == [
        ("escalate", 0, utc("2027-01-16 23:00")),
        ("remind", 0, utc("2027-01-11 23:00")),  # the start of Tuesday 12 January
        ("remind", 1, utc("2027-01-13 23:00")),
    ]
    assert _dues(service, case.id)["folg_opp"] == utc("2027-01-14 23:00")
    moved = service.queries.history(case.id)[-1].details["moved"]
    assert moved[0] == {"task": "folg_opp", "from": "2027-01-07T23:00:00Z", "to": "2027-01-14T23:00:00Z"}
    assert {
        "remind": 0,
        "state": "venter",
        "from": "2027-01-04T23:00:00Z",
        "to": "2027-01-11T23:00:00Z",
    } in moved
    # cleared: nothing waits, the task has no due date
    service.set_fields(case.id, {"oppfolgingsdato": ""}, actor="boss")
    assert _waiting(service, case.id) == []
    assert _dues(service, case.id)["folg_opp"] is None


def test_timing_each_reminder_once_at_the_moved_date(service: Service) -> None:
    case = service.open_case("test.timing", {"navn": "Acme", "oppfolgingsdato": "2027-01-07"}, actor="boss")
    assert service.tick(now=utc("2027-01-04 22:00")) == []
    service.set_fields(case.id, {"oppfolgingsdato": "2027-01-14"}, actor="boss", now=utc("2027-01-04 22:30"))
    assert service.tick(now=utc("2027-01-07 12:00")) == []  # nothing at the old date
    fired = service.tick(now=utc("2027-01-12 08:00"))
    assert [(a.kind, a.detail) for a in fired] == [("remind", "to lead")]
    assert service.tick(now=utc("2027-01-12 09:00")) == []
    assert [a.kind for a in service.tick(now=utc("2027-01-14 08:00"))] == ["remind"]
    assert [a.kind for a in service.tick(now=utc("2027-01-17 08:00"))] == ["escalate"]
    assert service.tick(now=utc("2027-02-17 08:00")) == []


README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _readme_block(marker: str) -> str:
    found = re.search(re.escape(marker) + r"\n```\w*\n(.*?)```", README, re.DOTALL)
    assert found, f"no code block after {marker!r}"
    return found.group(1)


def test_timing_readme_playbook_and_session_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's section on time: its playbook checks clean, each `$ trinn` line prints that."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "oppfolging.yaml").write_text(
        _readme_block("<!-- time: oppfolging.yaml -->"), encoding="utf-8"
    )
    assert CliRunner().invoke(app, ["check", "oppfolging.yaml"]).output == "oppfolging.yaml: ok\n"
    now = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
    monkeypatch.setenv("TRINN_USER", "you")
    for name in ("TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG", "TRINN_DB"):
        monkeypatch.delenv(name, raising=False)
    steps = re.findall(
        r"^\$ trinn (.*)\n((?:(?!\$ ).*\n)*)", _readme_block("<!-- session: time -->"), re.MULTILINE
    )
    assert len(steps) == 13
    for command, shown in steps:
        result = CliRunner().invoke(
            app, ["--db", str(tmp_path / "trinn.db"), *shlex.split(command)], obj=lambda: now
        )
        assert result.output == shown, command
        assert result.exit_code == 0, command


def test_timing_tick_cli_fem_trin_follow_up_moved_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`trinn tick --now` on a real SQLite file at several points of a fem trin case whose
    follow-up date is moved twice: each reminder once, at the date as it stands then."""
    for name in ("TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG", "TRINN_DB", "TRINN_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRINN_USER", "you")
    monkeypatch.setenv("TRINN_SERVE_KEY_FILE", str(key_file(tmp_path)))  # the mail's answer link
    monkeypatch.setenv("TRINN_BASE_URL", "https://trinn.example")
    database = tmp_path / "trinn.db"

    def trinn(*args: str, now: str = "2026-01-05 17:00") -> str:
        result = CliRunner().invoke(app, ["--db", str(database), *args], obj=lambda: utc(now))
        assert result.exit_code == 0, result.output
        return result.output

    assert trinn("open", "partnerskab.fem-trin", "--set", "partnerskab=Lektiecafé") == "1\n"
    for command in (
        "done 1 introducer_opgaven",
        "form 1 trin_1a passer_til_vision=Fællesskab vi_tilbyder=Lokaler",
        "form 1 trin_1b ide=Lektiecafé",
        "fire 1 vaelg_partner",
        "form 1 trin_2a forslag=Biblioteket,Skolen",
        "form 1 partnervurdering --item Biblioteket egnet=godt",
        "form 1 partnervurdering --item Skolen egnet=delvis",
        "form 1 trin_2b prioriteret_liste=Biblioteket,Skolen",
        "fire 1 skab_overbevisning",
        "form 1 kontakt forening='Klub Nord' partner_email=biblioteket@example.dk",
        "form 1 trin_3b moededeltagere=anna@klub.dk,bo@klub.dk plan_b=Skolen",
        "form 1 trin_3c ansvarspersoner=Anna opfoelgningsdato=19.01.2026",
        "fire 1 kontakt_partner",
    ):
        trinn(*shlex.split(command))
    snart = "case 1: remind in afventer_svar: to foreningen\n"
    assert trinn("tick", "--now", "2026-01-12T09:00") == "nothing due\n"
    # moved a week before anything was due: Monday 26 January, the first reminder Thursday 22
    trinn("set", "1", "opfoelgningsdato=26.01.2026", now="2026-01-12 09:30")
    assert trinn("tick", "--now", "2026-01-15T09:00") == "nothing due\n"  # the old 2 workdays before
    assert trinn("tick", "--now", "2026-01-19T09:00") == "nothing due\n"  # the old date
    assert trinn("tick", "--now", "2026-01-21T22:30") == "nothing due\n"  # 23:30 in Copenhagen
    assert trinn("tick", "--now", "2026-01-21T23:00") == snart  # Thursday 22 begins there
    assert trinn("tick", "--now", "2026-01-22T12:00") == "nothing due\n"
    # moved again after that reminder: it comes again, once, for the new date
    trinn("set", "1", "opfoelgningsdato=02.02.2026", now="2026-01-23 09:00")
    assert trinn("tick", "--now", "2026-01-26T09:00") == "nothing due\n"  # the first moved date
    assert trinn("tick", "--now", "2026-01-29T09:00") == snart  # Thursday 29: 2 workdays before
    assert trinn("tick", "--now", "2026-01-30T09:00") == "nothing due\n"
    assert trinn("tick", "--now", "2026-02-02T09:00") == snart  # on the day
    assert trinn("tick", "--now", "2026-02-02T15:00") == "nothing due\n"
    assert trinn("tick", "--now", "2026-02-09T09:00") == snart  # `every: 7 days` after the date
    queued = json.loads(trinn("outbox", "--json"))
    assert [(q["message"], q["title"], q["created_at"]) for q in queued if q["reason"] == "remind"] == [
        ("opfoelgning_snart", "Snart opfølgning: Biblioteket (26. januar 2026)", "2026-01-21T23:00:00Z"),
        ("opfoelgning_snart", "Snart opfølgning: Biblioteket (2. februar 2026)", "2026-01-29T09:00:00Z"),
        ("opfoelgning", "Opfølgning: svar fra Biblioteket?", "2026-02-02T09:00:00Z"),
        ("opfoelgning", "Opfølgning: svar fra Biblioteket?", "2026-02-09T09:00:00Z"),
    ]
