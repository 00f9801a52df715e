"""The case commands as coordinators see them: exact text, exit status, and the people file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from trinn.tui.cli import app

CASES = Path(__file__).parent / "data" / "cases"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
PEOPLE = """\
lea: {name: Lea Lead, email: lea@example.no, roles: [lead]}
bo: {name: Bo Board, roles: [board]}
"""


@pytest.fixture
def trinn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `trinn` on a fresh database with the test playbooks and a people file, at NOW."""
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)
    people = tmp_path / "people.yaml"
    people.write_text(PEOPLE)
    base = ["--db", str(tmp_path / "trinn.db"), "--playbooks", str(CASES), "--people", str(people)]

    def run(*args: str, who: str = "lea") -> Result:
        return CliRunner().invoke(app, [*base, "--as", who, *args], obj=lambda: NOW)

    return run


def _lines(result: Result) -> list[str]:
    return [line.rstrip() for line in result.output.splitlines()]


@pytest.fixture
def opened(trinn) -> None:
    assert (
        trinn(
            "open", "test.onboarding", "--set", "org=Acme", "--set", "note=hi", "--set", "members=a, b"
        ).output
        == "1\n"
    )


def test_show_prints_fields_in_playbook_order_and_tasks(trinn, opened) -> None:
    assert _lines(trinn("show", "1")) == [
        "case       1: Acme",
        "playbook   test.onboarding version 1",
        "state      new (New)",
        "opened     2026-11-24 10:00 by lea",
        "version    1 (last by lea 2026-11-24 10:00)",
        "  org      Acme",
        "  size     1",
        "  members  a, b",
        "  start    2026-11-24",
        "  note     hi",
        "  task     [ ] intake: Intake (lead) due 2026-11-26",
        "  task     [ ] call: Call (lead) optional",
        "  form     intake: Intake (task intake)",
        "             contact (email): Contact",
        "             note (long_text; required): Note",
    ]


def test_show_can_cases_tasks_speak_norwegian_and_danish(trinn, opened) -> None:
    """Issue 15: with --lang nb or da no English word is left in what a coordinator reads (ids,
    which commands take, stay ids)."""
    assert _lines(trinn("--lang", "nb", "show", "1"))[:5] + _lines(trinn("--lang", "nb", "show", "1"))[
        -5:
    ] == [
        "sak        1: Acme",
        "dreiebok   test.onboarding versjon 1",
        "steg       new (New)",
        "opprettet  2026-11-24 10:00 av lea",
        "versjon    1 (sist av lea 2026-11-24 10:00)",
        "  oppgave  [ ] intake: Intake (lead) frist 2026-11-26",
        "  oppgave  [ ] call: Call (lead) valgfri",
        "  skjema   intake: Intake (oppgave intake)",
        "             contact (email): Contact",
        "             note (long_text; må fylles ut): Note",
    ]
    assert _lines(trinn("--lang", "da", "cases"))[0].split() == [
        "id",
        "drejebog",
        "trin",
        "vedrører",
        "oprettet",
    ]
    assert _lines(trinn("--lang", "da", "tasks"))[0].split() == [
        "sag",
        "opgave",
        "rolle",
        "frist",
        "vedrører",
    ]
    can = _lines(trinn("--lang", "nb", "can", "1"))
    assert [line.split()[0] for line in can if not line.startswith("(")] == ["ja", "nei"]
    assert can[-1].endswith("fra andre steg: --all)")
    trinn("comment", "1", "ringte")
    assert _lines(trinn("--lang", "da", "history", "1"))[-1].endswith("note: ringte")


def test_show_json_lists_the_forms_possible_now_with_fields_and_options(trinn, opened) -> None:
    (form,) = json.loads(trinn("show", "1", "--json").output)["forms"]
    assert form == {
        "form": "intake",
        "items": [],  # filled for the case, not per item
        "title": "Intake",
        "intro": None,
        "task": "intake",
        "fields": [
            {
                "field": "contact",
                "label": "Contact",
                "type": "email",
                "required": False,
                "options": None,
                "help": None,
            },
            {
                "field": "note",
                "label": "Note",
                "type": "long_text",
                "required": True,
                "options": None,
                "help": None,
            },
        ],
    }
    trinn("form", "1", "intake", "contact=x@acme.no")
    assert json.loads(trinn("show", "1", "--json").output)["forms"] == []  # its task is done


def test_unknown_task_lists_the_tasks_of_the_state(trinn, opened) -> None:
    unknown = trinn("done", "1", "xyz")
    assert (unknown.output, unknown.exit_code) == (
        "trinn: case 1: unknown task 'xyz' (the tasks now: call, intake)\n",
        1,
    )
    assert (
        trinn("done", "1", "intak").output == "trinn: case 1: unknown task 'intak' (did you mean 'intake'?)\n"
    )


def test_form_without_answers_is_refused_with_its_fields(trinn, opened) -> None:
    refused = trinn("form", "1", "intake")
    assert (refused.output, refused.exit_code) == (
        "trinn: case 1: form 'intake' has no answers (its fields: contact, note)\n",
        1,
    )


def test_errors_under_json_are_json_on_stdout_and_a_line_on_stderr(trinn, opened) -> None:
    refused = trinn("fire", "1", "to_signing", "--json", who="bo")
    message = "case 1: cannot «to_signing» in «New» (needs the role «Lead»)"
    assert (json.loads(refused.stdout), refused.stderr, refused.exit_code) == (
        {"error": message, "code": 1},
        f"trinn: {message}\n",
        1,
    )
    usage = trinn("show", "x", "--json")
    assert (json.loads(usage.stdout)["code"], usage.exit_code) == (2, 2)
    plain = trinn("show", "9")
    assert (plain.stdout, plain.stderr) == ("", "trinn: no case '9'\n")


def test_tasks_mine_follows_roles_and_assignment(trinn, opened) -> None:
    assert trinn("tasks", "--mine", who="bo").output == "no open tasks\n"
    assert _lines(trinn("tasks", "--mine")) == [
        "case  task    role  due         subject",
        "1     intake  lead  2026-11-26  Acme",
        "1     call    lead              Acme",
    ]
    refused = trinn("assign", "1", "intake", "bo")
    assert (refused.output, refused.exit_code) == (
        "trinn: case 1: bo cannot do «Intake»: it needs the role «Lead»\n",
        1,
    )


def test_tasks_lists_what_json_gives_in_the_same_order(trinn, opened) -> None:
    """The text listing reads lines from the store alone; `--json` reads its playbook too."""
    assert _lines(trinn("tasks")) == [
        "case  task    role  due         subject",
        "1     intake  lead  2026-11-26  Acme",
        "1     call    lead              Acme",
    ]
    views = json.loads(trinn("tasks", "--json").output)
    assert [(v["case"], v["task"], v["title"], v["due_at"]) for v in views] == [
        (1, "intake", "Intake", "2026-11-26T23:00:00Z"),
        (1, "call", "Call", None),
    ]


def test_can_says_yes_first_then_why_not(trinn, opened) -> None:
    assert _lines(trinn("can", "1", who="bo")) == [
        "yes  drop -> dropped",
        "no   to_signing: needs the role «Lead»",
        "(2 more from other states: --all)",
    ]
    assert _lines(trinn("can", "1", "--all", who="bo")) == [
        "yes  drop -> dropped",
        "no   to_signing: needs the role «Lead»",
        "no   approve: not from state 'new'",
        "no   give_up: not from state 'new'",
    ]


def test_can_explain_shows_the_guard_that_is_false(trinn, opened) -> None:
    assert _lines(trinn("can", "1", "--explain")) == [
        "yes  drop -> dropped",
        "no   to_signing: task «Intake» is not done",
        "       guard 'tasks_done && size(members) >= 1' is false (tasks_done = false, members = ['a', 'b'])",
        "(2 more from other states: --all)",
    ]
    listed = json.loads(trinn("can", "1", "--json", "--explain").output)
    (to_signing,) = [p for p in listed if not p["allowed"]]
    assert to_signing["explained"] == [
        "guard 'tasks_done && size(members) >= 1' is false (tasks_done = false, members = ['a', 'b'])"
    ]


def test_fire_after_someone_else_moved_the_case_says_who_and_when(trinn, opened) -> None:
    trinn("form", "1", "intake", "contact=x@acme.no")
    assert trinn("fire", "1", "to_signing").exit_code == 0
    late = trinn("fire", "1", "to_signing", who="bo")
    assert (late.output, late.exit_code) == (
        "trinn: case 1: «to_signing» is no longer possible: Lea Lead moved the case to «Signing» at "
        "24 November 2026 10:00 (allowed: approve, give_up, drop)\n",
        1,
    )


def test_history_lists_every_command(trinn, opened) -> None:
    trinn("form", "1", "intake", "contact=x@acme.no")
    trinn("fire", "1", "to_signing")
    trinn("comment", "1", "called them", who="bo")
    assert _lines(trinn("history", "1")) == [
        '  1  2026-11-24 10:00  lea  open test.onboarding  [new]  org="Acme", size=1, '
        'members=["a", "b"], start="2026-11-24", note="hi"',
        '  2  2026-11-24 10:00  lea  form intake (intake)  [new]  contact="x@acme.no"',
        "  3  2026-11-24 10:00  lea  fire to_signing  [new -> signing]  approved=false",
        "  4  2026-11-24 10:00  bo  comment  [signing]  note: called them",
    ]
    trinn("done", "1", "sign", "--item", "a")
    assert _lines(trinn("history", "1"))[-1] == (
        "  5  2026-11-24 10:00  lea  done sign (sign [a]) on behalf of Partner  [signing]"
    )


def test_tick_reports_and_does_nothing_twice(trinn, opened) -> None:
    assert _lines(trinn("tick", "--now", "2026-12-30")) == [
        "case 1: remind in new: to lead",
        "case 1: escalate in new: to lead, board",
    ]
    assert trinn("tick", "--now", "2026-12-30").output == "nothing due\n"
    bad = trinn("tick", "--now", "tomorrow")
    assert (bad.output, bad.exit_code) == (
        "trinn: 'tomorrow' is not a time (write e.g. 2026-12-01T09:00 or 2026-12-01)\n",
        2,
    )


def test_json_and_export(trinn, opened) -> None:
    shown = json.loads(trinn("show", "1", "--json").output)
    assert (shown["state"], shown["row_version"], shown["fields"]["members"]) == ("new", 1, ["a", "b"])
    assert [t["task"] for t in shown["tasks"]] == ["intake", "call"]
    listed = json.loads(trinn("cases", "--open", "--json").output)
    assert [(c["id"], c["state"], c["subject"]) for c in listed] == [(1, "new", "Acme")]
    exported = json.loads(trinn("export").output)
    assert [e["kind"] for e in exported[0]["history"]] == ["open"]
    assert _lines(trinn("export", "--format", "csv")) == [
        "id,playbook,playbook_version,state,closed_at,outcome,subject,opened_at,opened_by,parent,fields",
        '1,test.onboarding,1,new,,,Acme,2026-11-24T09:00:00Z,lea,,"{""members"": [""a"", ""b""], '
        '""note"": ""hi"", ""org"": ""Acme"", ""size"": 1, ""start"": ""2026-11-24""}"',
    ]


def test_cases_lists_open_and_closed_cases_with_the_day_they_opened(trinn, opened) -> None:
    second = trinn("open", "test.onboarding", "--set", "org=Beta", "--set", "note=x", "--set", "members=c")
    assert second.output == "2\n"
    assert trinn("fire", "1", "drop").exit_code == 0
    assert _lines(trinn("cases")) == [
        "id  playbook         state             subject  opened",
        "1   test.onboarding  dropped (closed)  Acme     2026-11-24",
        "2   test.onboarding  new               Beta     2026-11-24",
    ]
    assert _lines(trinn("cases", "--closed")) == _lines(trinn("cases"))[:2]
    listed = json.loads(trinn("cases", "--json").output)
    assert [(c["id"], c["state"], c["closed_at"] is not None) for c in listed] == [
        (1, "dropped", True),
        (2, "new", False),
    ]


def test_form_answers_from_a_json_file(trinn, opened, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"contact": "x@acme.no", "note": "from a file"}))
    assert trinn("form", "1", "intake", "--file", str(answers)).output == "case 1: new (version 2)\n"
    answers.write_text("[1, 2]")
    result = trinn("form", "1", "intake", "--file", str(answers))
    assert (result.output, result.exit_code) == (
        f"trinn: {answers} must hold a JSON object of field: value\n",
        2,
    )


@pytest.mark.parametrize(
    ("args", "who", "message", "code"),
    [
        (["show", "9"], "lea", "no case '9'", 1),
        (["show", "x"], "lea", "'x' is not a case id (a case id is a number, as `trinn cases` shows)", 2),
        (["show", "99999999999999999999"], "lea", "no case '99999999999999999999'", 1),
        (["set", "1", "size"], "lea", "expected field=value, got 'size'", 2),
        (["set", "1", "size=big"], "lea", "case 1: field 'size': expected a number, got 'big'", 1),
        (["fire", "1", "drop"], "zed", "'zed' is not in the people file (expected one of 'bo', 'lea')", 2),
        (
            ["fire", "1", "to_signing"],
            "bo",
            "case 1: cannot «to_signing» in «New» (needs the role «Lead»)",
            1,
        ),
        (
            ["done", "1", "sign"],
            "lea",
            "case 1: task 'sign' is not a task of state 'new' (its tasks: call, intake)",
            1,
        ),
        (["set", "1", "note="], "lea", "case 1: field 'note' is required", 1),
        (["open", "test.nope"], "lea", "no playbook 'test.nope' (did you mean 'test.followup'?)", 2),
        (["cases", "--open", "--closed"], "lea", "give --open or --closed, not both", 2),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(trinn, opened, args, who, message, code) -> None:
    result = trinn(*args, who=who)
    assert (result.output, result.exit_code) == (f"trinn: {message}\n", code)
    assert json.loads(trinn("show", "1", "--json").output)["row_version"] == 1


def test_a_broken_people_file_is_reported_with_its_position(trinn, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("lea: {name: Lea, roles: [Lead]}\n")
    # `tasks --mine` reads the people file (a plain listing, like `cases`, reads the store alone)
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "x.db"), "--people", str(broken), "--as", "lea", "tasks", "--mine"]
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"trinn: {broken}:1:")


def test_a_database_that_is_not_trinns_exits_2(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello\n" * 200)
    result = CliRunner().invoke(app, ["--db", str(other), "cases"])
    assert (result.output, result.exit_code) == (
        f"trinn: {other} is not a trinn database (not an SQLite file)\n",
        2,
    )


def test_show_prints_markup_and_emoji_codes_as_typed(trinn, opened) -> None:
    assert trinn("set", "1", "org=[/bold] :b: [red]x").exit_code == 0
    assert _lines(trinn("show", "1"))[0] == "case       1: [/bold] :b: [red]x"
    assert "  org      [/bold] :b: [red]x" in _lines(trinn("show", "1"))


def test_a_date_time_is_shown_and_explained_as_it_was_written(tmp_path: Path, monkeypatch) -> None:
    """A datetime field is kept in UTC; `show` gives it back as it was typed, and a refusal
    explained (`can --explain`) reads it as stored (found walking fase 7.2 through the CLI)."""
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)

    def trinn(*args: str) -> Result:
        result = CliRunner().invoke(app, ["--db", str(tmp_path / "t.db"), *args], obj=lambda: NOW)
        assert result.exit_code == 0, result.output
        return result

    trinn("open", "padriv.fase-7-2", "--set", "virksomhet=Byggmester Hansen AS", "--set", "meldt_av=Kari")
    trinn("form", "1", "registrering", "kontaktperson=Ola", "kontakt_epost=ola@hansen.no")
    trinn("done", "1", "avklar_interesse")
    trinn("fire", "1", "vis_interesse")
    trinn("form", "1", "mote", "motetidspunkt=03.12.2026 10:00", "agenda=Presentasjon", "moteform=fysisk")
    assert json.loads(trinn("show", "1", "--json").output)["local_fields"] == {
        "motetidspunkt": "03.12.2026 10:00"
    }
    listed = json.loads(trinn("can", "1", "--json", "--explain").output)
    (explained,) = next(p["explained"] for p in listed if p["trigger"] == "avtal_mote")
    assert "motetidspunkt = '2026-12-03T09:00:00+00:00'" in explained
