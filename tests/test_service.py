"""The commands on cases, on both databases: what each does, and what it refuses without writing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from trinn.engine.errors import CaseNotFoundError, CommandError, RefusedError, SettingError, StaleCaseError
from trinn.engine.people import People, Person
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database

TABLES = ("cases", "events", "tasks", "timers", "outbox")
CASES = Path(__file__).parent / "data" / "cases"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)  # a Tuesday
BOSS = "boss"


def _people() -> People:
    return People(
        [
            Person("boss", "Boss", None, frozenset({"lead", "board"})),
            Person("lea", "Lea", None, frozenset({"lead"})),
            Person("bo", "Bo", None, frozenset({"board"})),
            Person("ext", "Outsider", None, frozenset()),
        ]
    )


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    engine = open_database(db_url)
    yield Service(Store(engine), PlaybookRegistry([CASES]), _people(), clock=lambda: NOW)
    engine.dispose()


def _open(service: Service, **values: object) -> int:
    values = {"org": "Acme", "note": "first contact", **values}
    return service.open_case("test.onboarding", values, actor=BOSS).id


def _counts(service: Service) -> dict[str, int]:
    with service.store.read() as tx:
        return {name: tx._scalar(f"SELECT count(*) FROM {name}") for name in TABLES}


def _to_signing(service: Service, case_id: int) -> None:
    service.set_fields(case_id, {"members": "a, b"}, actor=BOSS)
    service.submit_form(case_id, "intake", {"contact": "x@acme.no"}, actor=BOSS)
    service.fire(case_id, "to_signing", actor=BOSS)


def test_open_sets_defaults_runs_on_enter_and_makes_tasks_and_timers(service: Service) -> None:
    case = service.open_case("test.onboarding", {"org": "Acme", "note": "n", "size": "12"}, actor=BOSS)
    assert case.id == 1 and case.row_version == 1 and case.state == "new"
    assert case.fields == {"org": "Acme", "note": "n", "size": 12, "start": "2026-11-24"}
    assert case.subject == "Acme"
    assert [(t.task_id, t.due_at) for t in case.tasks] == [
        ("intake", dt.datetime(2026, 11, 26, 23, tzinfo=dt.UTC)),  # 2 workdays, Oslo midnight
        ("call", None),
    ]
    assert sorted((t.kind, t.due_at) for t in case.timers) == [
        ("escalate", NOW + dt.timedelta(days=10)),
        ("remind", NOW + dt.timedelta(days=3)),
    ]
    (event,) = service.queries.history(case.id)
    assert (event.kind, event.actor, event.state_before, event.state_after) == (
        "open",
        BOSS,
        None,
        "new",
    )
    assert event.changes["org"] == [None, "Acme"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"org": "Acme"}, "'test.onboarding' needs 'note'"),
        ({"org": "Acme", "note": "n", "sise": "1"}, "unknown field 'sise' (did you mean 'size'?)"),
        ({"org": "Acme", "note": "n", "size": "many"}, "field 'size': expected a number, got 'many'"),
        (
            {"org": "Acme", "note": "n", "contact": "nope"},
            "field 'contact': 'nope' is not an e-mail address (write e.g. 'ola@example.no')",
        ),
    ],
)
def test_open_refuses_bad_values_and_writes_nothing(service: Service, values, message) -> None:
    with pytest.raises(CommandError) as refused:
        service.open_case("test.onboarding", values, actor=BOSS)
    assert str(refused.value) == message
    assert _counts(service)["cases"] == 0


def test_fire_refuses_with_the_failing_guard_and_changes_nothing(service: Service) -> None:
    case_id = _open(service)
    before = _counts(service)
    with pytest.raises(RefusedError) as refused:
        service.fire(case_id, "to_signing", actor=BOSS)
    assert str(refused.value) == (
        "case 1: cannot «to_signing» in «New» (task «Intake» is not done; field «Members» is empty)"
    )
    assert _counts(service) == before


def test_fire_moves_applies_actions_and_makes_the_next_tasks(service: Service) -> None:
    case_id = _open(service)
    _to_signing(service, case_id)
    case, _, _ = service.queries.load(case_id)
    assert case.state == "signing" and case.row_version == 4 and case.fields["approved"] is False
    assert [(t.task_id, t.item, t.status) for t in case.current_tasks()] == [
        ("sign", "a", "open"),
        ("sign", "b", "open"),
    ]
    # the old state's open optional task was left behind, its timers cancelled
    assert [t.status for t in case.tasks if t.task_id == "call"] == ["cancelled"]
    assert [(t.kind, t.state) for t in case.timers] == [("timer", "signing")]


def test_role_is_enforced_and_named(service: Service) -> None:
    case_id = _open(service)
    _to_signing(service, case_id)
    service.complete_task(case_id, "sign", item="a", actor="lea")  # on behalf of the partner
    service.complete_task(case_id, "sign", item="b", actor="lea")
    with pytest.raises(RefusedError, match=r"needs the role «Board»"):
        service.fire(case_id, "approve", actor="lea")
    with pytest.raises(
        CommandError,
        match=r"^case 1: ext holds none of the roles of 'test.onboarding' "
        r"\(lead, board\)$",
    ):
        service.set_fields(case_id, {"size": 3}, actor="ext")
    with pytest.raises(SettingError, match=r"'bob' is not in the people file \(did you mean 'bo'\?\)"):
        service.fire(case_id, "approve", actor="bob")
    case = service.fire(case_id, "approve", actor="bo")
    assert case.state == "approved" and case.is_closed and case.outcome == "positive"
    done = [e.details["done"][0] for e in service.queries.history(case_id) if e.kind == "done"]
    assert done[0] == {"task": "sign", "item": "a", "on_behalf_of": "partner"}


def test_final_state_notifies_and_starts_a_linked_case(service: Service) -> None:
    case_id = _open(service)
    _to_signing(service, case_id)
    service.complete_task(case_id, "sign", item="a", actor=BOSS)
    service.complete_task(case_id, "sign", item="b", actor=BOSS)
    service.fire(case_id, "approve", actor=BOSS)
    child, _compiled, _ = service.queries.load(2)
    assert (child.parent_id, child.playbook_id, child.fields) == (1, "test.followup", {"org": "Acme"})
    last = service.queries.history(case_id)[-1]
    assert last.details["started"] == [2]
    with service.store.read() as tx:
        rows = tx.outbox_rows(case_id)
    assert [(r.kind, r.payload["message"], r.payload["address"]) for r in rows] == [
        ("notify", "welcome", "x@acme.no")
    ]


def test_closed_case_refuses_changes_but_takes_comments(service: Service) -> None:
    case_id = _open(service)
    service.fire(case_id, "drop", actor=BOSS)
    with pytest.raises(
        CommandError,
        match=r"^case 1: the case is closed \(«Dropped»; last changed by Boss at 24 November 2026 10:00\)$",
    ):
        service.set_fields(case_id, {"size": 2}, actor=BOSS)
    assert service.comment(case_id, "for the record", actor=BOSS).row_version == 3


def test_stale_version_is_refused_with_who_and_when(service: Service) -> None:
    case_id = _open(service)
    service.set_fields(case_id, {"size": 2}, actor="lea")
    with pytest.raises(StaleCaseError) as stale:
        service.set_fields(case_id, {"size": 3}, actor=BOSS, expected_version=1)
    # who by name, when on the playbook's clock (Oslo: 09:00 UTC is 10:00), never bare UTC
    assert str(stale.value) == ("case 1 was changed by Lea at 24 November 2026 10:00; reload and try again")
    assert service.queries.load(case_id)[0].fields["size"] == 2


def test_unknown_names_are_refused_with_hints(service: Service) -> None:
    case_id = _open(service)
    with pytest.raises(CaseNotFoundError, match=r"^no case '7'$"):
        service.fire(7, "drop", actor=BOSS)
    with pytest.raises(CommandError, match=r"unknown trigger 'dropp' \(did you mean 'drop'\?\)"):
        service.fire(case_id, "dropp", actor=BOSS)
    with pytest.raises(CommandError, match=r"unknown task 'cal' \(did you mean 'call'\?\)"):
        service.complete_task(case_id, "cal", actor=BOSS)
    with pytest.raises(
        CommandError,
        match=r"task 'sign' is not a task of state 'new' "
        r"\(its tasks: call, intake\)",
    ):
        service.complete_task(case_id, "sign", actor=BOSS)
    with pytest.raises(CommandError, match=r"unknown form 'intak' \(did you mean 'intake'\?\)"):
        service.submit_form(case_id, "intak", {}, actor=BOSS)
    with pytest.raises(CommandError, match=r"form 'intake' has no field 'org'"):
        service.submit_form(case_id, "intake", {"org": "x"}, actor=BOSS)


def test_form_task_needs_its_form_and_form_enforces_required(service: Service) -> None:
    case_id = _open(service)
    with pytest.raises(CommandError, match=r"form 'intake' needs 'note'"):
        service.submit_form(case_id, "intake", {"note": ""}, actor=BOSS)
    case = service.submit_form(case_id, "intake", {"contact": "a@b.no"}, actor=BOSS)
    assert [t.status for t in case.current_tasks() if t.task_id == "intake"] == ["done"]
    with pytest.raises(CommandError, match=r"task 'intake' is already done"):
        service.complete_task(case_id, "intake", actor=BOSS)
    case = service.reopen_task(case_id, "intake", actor=BOSS)
    assert [t.status for t in case.current_tasks() if t.task_id == "intake"] == ["open"]


def test_for_each_tasks_follow_their_list(service: Service) -> None:
    case_id = _open(service, members=["a", "b"])
    _to_signing(service, case_id)  # members set to a, b again: no change
    service.complete_task(case_id, "sign", item="a", actor=BOSS)
    with pytest.raises(CommandError, match=r"^case 1: task 'sign' \[a\] is already done$"):
        service.complete_task(case_id, "sign", item="a", actor=BOSS)
    case = service.set_fields(case_id, {"members": ["a", "c"]}, actor=BOSS)
    signs = {(t.item, t.status) for t in case.current_tasks() if t.task_id == "sign"}
    assert signs == {("a", "done"), ("b", "cancelled"), ("c", "open")}
    with pytest.raises(
        CommandError,
        match=r"^case 1: task 'sign' \[b\] was cancelled: 'b' was "
        r"taken off its list$",
    ):
        service.complete_task(case_id, "sign", item="b", actor=BOSS)
    with pytest.raises(CommandError, match=r"^case 1: task 'sign' has no item 'd' "):
        service.complete_task(case_id, "sign", item="d", actor=BOSS)


def test_assign_needs_the_tasks_role(service: Service) -> None:
    case_id = _open(service)
    with pytest.raises(CommandError, match=r"bo cannot do «Intake»: it needs the role «Lead»"):
        service.assign_task(case_id, "intake", "bo", actor=BOSS)
    case = service.assign_task(case_id, "intake", "lea", actor=BOSS)
    assert [t.assignee for t in case.current_tasks() if t.task_id == "intake"] == ["lea"]


def test_tick_fires_each_due_timer_once(service: Service) -> None:
    case_id = _open(service)
    assert service.tick(NOW + dt.timedelta(days=1)) == []
    first = service.tick(NOW + dt.timedelta(days=3, hours=1))
    assert [(a.kind, a.detail) for a in first] == [("remind", "to lead")]
    assert service.tick(NOW + dt.timedelta(days=3, hours=1)) == []  # twice does nothing more
    # twelve days on: the repeating reminder once (not a backlog), and the escalation
    later = service.tick(NOW + dt.timedelta(days=12))
    assert sorted((a.kind, a.detail) for a in later) == [
        ("escalate", "to lead, board"),
        ("remind", "to lead"),
    ]
    with service.store.read() as tx:
        reasons = [r.payload["reason"] for r in tx.outbox_rows(case_id)]
    assert reasons == ["remind", "remind", "escalate"]


def test_tick_fires_a_timed_transition(service: Service) -> None:
    case_id = _open(service)
    _to_signing(service, case_id)
    actions = service.tick(NOW + dt.timedelta(days=31))
    assert [(a.kind, a.detail) for a in actions] == [("timer", "give_up -> dropped")]
    case, _, _ = service.queries.load(case_id)
    assert case.state == "dropped" and case.is_closed
    assert service.queries.history(case_id)[-1].actor == "trinn"
    assert service.tick(NOW + dt.timedelta(days=62)) == []


def test_can_lists_every_trigger_with_reasons(service: Service) -> None:
    case_id = _open(service)
    answers = {p.trigger: (p.allowed, p.reasons) for p in service.queries.can(case_id, actor="bo")}
    assert answers == {
        "to_signing": (False, ["needs the role «Lead»"]),
        "approve": (False, ["not from state 'new'"]),
        "give_up": (False, ["not from state 'new'"]),
        "drop": (True, []),
    }


def test_history_is_one_event_per_command_without_gaps(service: Service) -> None:
    case_id = _open(service)
    _to_signing(service, case_id)
    service.comment(case_id, "hello", actor="lea")
    history = service.queries.history(case_id)
    assert [e.case_version for e in history] == [1, 2, 3, 4, 5]
    assert [e.kind for e in history] == ["open", "set", "form", "fire", "comment"]
    assert history[1].changes == {"members": [None, ["a", "b"]]}
    assert history[-1].note == "hello"


def test_running_case_keeps_its_playbook_version(service: Service, tmp_path: Path) -> None:
    folder = tmp_path / "pb"
    folder.mkdir()
    for name in ("onboarding.yaml", "followup.yaml"):
        (folder / name).write_text((CASES / name).read_text())
    service = Service(service.store, PlaybookRegistry([folder]), service.people, clock=service.clock)
    case_id = _open(service)
    text = (folder / "onboarding.yaml").read_text()
    (folder / "onboarding.yaml").write_text(
        text.replace("version: 1", "version: 2").replace("by: [lead, board]", "by: board")
    )
    service = Service(service.store, PlaybookRegistry([folder]), service.people, clock=service.clock)
    assert service.fire(case_id, "drop", actor="lea").state == "dropped"  # version 1 rules
    newer = _open(service)
    with pytest.raises(RefusedError, match="needs the role «Board»"):
        service.fire(newer, "drop", actor="lea")
    assert service.queries.load(newer)[0].playbook_version == 2


def test_a_failing_action_undoes_the_whole_command(service: Service, tmp_path: Path) -> None:
    folder = tmp_path / "pb"
    folder.mkdir()
    (folder / "onboarding.yaml").write_text((CASES / "onboarding.yaml").read_text())
    (folder / "followup.yaml").write_text(
        (CASES / "followup.yaml")
        .read_text()
        .replace(
            "  org: {type: text, label: Org, required: true, edit: [lead]}",
            "  org: {type: text, label: Org, required: true, edit: [lead]}\n"
            "  owner: {type: text, label: Owner, required: true}",
        )
    )
    service = Service(service.store, PlaybookRegistry([folder]), service.people, clock=service.clock)
    case_id = _open(service)
    _to_signing(service, case_id)
    service.complete_task(case_id, "sign", item="a", actor=BOSS)
    service.complete_task(case_id, "sign", item="b", actor=BOSS)
    before = _counts(service)
    with pytest.raises(
        CommandError,
        match=r"^case 1: start_case 'test.followup': "
        r"'test.followup' needs 'owner'$",
    ):
        service.fire(case_id, "approve", actor=BOSS)
    assert _counts(service) == before
    assert service.queries.load(case_id)[0].state == "signing"


@pytest.mark.parametrize("note", ["done \x1b[2J", "see \u202eexe.txt", "\ud800", "x" * 10_001])
def test_notes_are_checked_by_the_service_and_refused_notes_write_nothing(
    service: Service, note: str
) -> None:
    """The app hands notes to the service without a command line's checks: the service checks them."""
    case_id = _open(service)
    before = _counts(service)
    with pytest.raises(CommandError) as refused:
        service.comment(case_id, note, actor=BOSS)
    assert str(refused.value).startswith("the note: ")
    assert _counts(service) == before
    assert service.comment(case_id, "line one\r\nline two\tend", actor=BOSS).row_version == 2
