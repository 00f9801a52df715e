"""Soft rules (`advise:`): a transition whose advice is not met is still possible, but only with
the person's reason, which the history keeps; `trinn can` says "allowed, against advice"; the
checker prices and checks advice like guards, and refuses advice no person could go against."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from trinn.engine.errors import CommandError, PlaybookError
from trinn.engine.i18n import set_language
from trinn.engine.loader import load_playbook
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui.cli import app

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
GROUP = """\
id: test.group
version: 1
language: en
languages: [nb]
title: Working group
subject: {title: Name, field: name}
roles:
  lead: {title: Lead}
fields:
  name: {type: text, label: Name, required: true}
  members: {type: text_list, label: Members, edit: [lead]}
  fields_of_work: {type: text_list, label: Fields of work, edit: [lead]}
initial: forming
states:
  forming: {title: Forming}
  established: {title: Established, final: true}
transitions:
  - trigger: establish
    from: forming
    to: established
    by: lead
    when: "size(fields_of_work) >= 2"          # a rule: "must be multidisciplinary"
    advise:                                     # advice: "should be between 8 and 15"
      - when: "size(members) >= 8 && size(members) <= 15"
        text: {en: The group should have 8 to 15 members, nb: Gruppen bør ha 8 til 15 medlemmer}
      - when: "size(members) <= 12"
        text: Twelve is plenty
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "group.yaml").write_text(GROUP)
    return tmp_path


@pytest.fixture
def service(folder: Path) -> Service:
    store = Store(open_database("sqlite:///" + str(folder / "trinn.db")))
    return Service(store, PlaybookRegistry([folder]), People.single_user("kari"), clock=lambda: NOW)


def _open(service: Service, members: int) -> int:
    values = {"name": "Arbeidsgruppen", "members": [f"m{i}" for i in range(members)]}
    case_id = service.open_case("test.group", values, actor="kari").id
    return case_id


def test_advice_a_rule_still_refuses_whatever_the_reason(service: Service) -> None:
    case_id = _open(service, 3)
    with pytest.raises(CommandError, match="has 0, needs at least 2"):
        service.fire(case_id, "establish", actor="kari", against_advice="we are in a hurry")
    assert service.queries.load(case_id)[0].state == "forming"


def test_advice_not_met_refuses_without_a_reason_and_says_the_advice(service: Service) -> None:
    case_id = _open(service, 3)
    service.set_fields(case_id, {"fields_of_work": ["plan", "health"]}, actor="kari")
    with pytest.raises(CommandError) as refused:
        service.fire(case_id, "establish", actor="kari")
    assert "against advice: The group should have 8 to 15 members" in refused.value.message
    assert "--against-advice" in refused.value.message
    assert "Twelve is plenty" not in refused.value.message  # met: not said
    case = service.queries.load(case_id)[0]
    assert (case.state, case.row_version) == ("forming", 2)


def test_advice_not_met_goes_ahead_with_a_reason_kept_in_the_history(service: Service) -> None:
    case_id = _open(service, 16)
    service.fire(
        case_id,
        "establish",
        actor="kari",
        values={"fields_of_work": ["plan", "health"]},
        against_advice="Everyone nominated wants to take part",
    )
    assert service.queries.load(case_id)[0].state == "established"
    event = service.queries.history(case_id)[-1]
    moved = event.details["transitions"][0]
    assert moved["against_advice"] == {
        "advice": ["The group should have 8 to 15 members", "Twelve is plenty"],
        "reason": "Everyone nominated wants to take part",
    }


def test_advice_met_needs_no_reason_and_records_none(service: Service) -> None:
    case_id = _open(service, 9)
    service.fire(case_id, "establish", actor="kari", values={"fields_of_work": ["plan", "health"]})
    moved = service.queries.history(case_id)[-1].details["transitions"][0]
    assert "against_advice" not in moved


@pytest.mark.parametrize("reason", ["", "   ", "a\x1b[31mred"])
def test_advice_an_empty_or_unsafe_reason_is_refused(service: Service, reason: str) -> None:
    case_id = _open(service, 3)
    service.set_fields(case_id, {"fields_of_work": ["plan", "health"]}, actor="kari")
    with pytest.raises(CommandError, match="reason"):
        service.fire(case_id, "establish", actor="kari", against_advice=reason)
    assert service.queries.load(case_id)[0].state == "forming"


def test_advice_can_says_allowed_against_advice_in_the_users_language(service: Service) -> None:
    case_id = _open(service, 3)
    service.set_fields(case_id, {"fields_of_work": ["plan", "health"]}, actor="kari")
    found = {p.trigger: p for p in service.queries.can(case_id, actor="kari")}
    assert found["establish"].allowed
    assert found["establish"].advice == ["The group should have 8 to 15 members"]
    try:
        set_language("nb")
        found = {p.trigger: p for p in service.queries.can(case_id, actor="kari")}
        assert found["establish"].advice == ["Gruppen bør ha 8 til 15 medlemmer"]
        from trinn.engine.advice import against_advice_words

        assert against_advice_words(found["establish"].advice) == (
            "tillatt, men mot rådet: Gruppen bør ha 8 til 15 medlemmer"
        )
        set_language("da")
        assert against_advice_words(["x"]).startswith("tilladt, men imod rådet: ")
    finally:
        set_language("en")


def test_advice_can_is_silent_while_a_rule_refuses(service: Service) -> None:
    case_id = _open(service, 3)
    found = {p.trigger: p for p in service.queries.can(case_id, actor="kari")}
    assert not found["establish"].allowed
    assert found["establish"].advice == []


# the command line -----------------------------------------------------------------------


@pytest.fixture
def trinn(folder: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)
    base = ["--db", str(folder / "cli.db"), "--playbooks", str(folder)]

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, [*base, *args], obj=lambda: NOW)

    return run


def test_advice_on_the_command_line(trinn) -> None:
    assert trinn("open", "test.group", "--set", "name=G", "--set", "members=a, b").exit_code == 0
    assert trinn("set", "1", "fields_of_work=plan, health").exit_code == 0
    can = trinn("can", "1")
    assert can.output.splitlines()[0] == (
        "yes  establish -> established: allowed, against advice: The group should have 8 to 15 members"
    )
    as_json = json.loads(trinn("can", "1", "--json").output)
    assert as_json[0]["against_advice"] == ["The group should have 8 to 15 members"]
    refused = trinn("fire", "1", "establish")
    assert refused.exit_code == 1
    assert "against advice: The group should have 8 to 15 members" in refused.output
    done = trinn("fire", "1", "establish", "--against-advice", "Two are enough to start")
    assert done.exit_code == 0, done.output
    history = trinn("history", "1").output.splitlines()[-1]
    assert history.endswith(
        "fire establish (against advice: The group should have 8 to 15 members; "
        "reason: Two are enough to start)  [forming -> established]"
    )
    shown = " ".join(trinn("show", "1").output.split())  # the table wraps at 80 columns
    assert (
        "against advice establish by root 2026-12-01 09:00 (version 3): "
        "The group should have 8 to 15 members; reason: Two are enough to start"
    ) in shown
    view = json.loads(trinn("show", "1", "--json").output)
    assert [(s["trigger"], s["reason"]) for s in view["against_advice"]] == [
        ("establish", "Two are enough to start")
    ]


# the checker -----------------------------------------------------------------------------


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(PlaybookError) as found:
        load_playbook(path)
    return [str(p) for p in found.value.problems]


def test_advice_check_names_unknown_fields_and_bad_syntax(tmp_path: Path) -> None:
    text = GROUP.replace('"size(members) <= 12"', '"size(membrs) <= 12"').replace(
        "size(members) >= 8 &&", "size(members) >= 8 &&&"
    )
    problems = _problems(tmp_path, text)
    assert len(problems) == 2
    assert any("membrs" in p and "members" in p for p in problems)
    assert all(p.startswith(str(tmp_path / "bad.yaml") + ":") for p in problems)


def test_advice_check_prices_advice_like_a_guard(tmp_path: Path) -> None:
    costly = "size(members.map(a, members.map(b, a + b))) > 0"
    problems = _problems(tmp_path, GROUP.replace('"size(members) <= 12"', f'"{costly}"'))
    assert len(problems) == 1
    assert "bad.yaml:26:29: advice 'size(members.map" in problems[0]
    assert "is too expensive" in problems[0]


def test_advice_check_refuses_advice_on_a_transition_a_timer_fires(tmp_path: Path) -> None:
    text = GROUP.replace(
        "  forming: {title: Forming}",
        "  forming:\n    title: Forming\n    timers: [{after: 10 days, fire: establish}]",
    )
    problems = _problems(tmp_path, text)
    assert len(problems) == 1
    assert "'establish' from 'forming' is fired by a timer of state 'forming'" in problems[0]


# the terminal UI --------------------------------------------------------------------------


async def test_advice_in_the_app_says_it_asks_the_reason_and_shows_it_in_history(folder: Path) -> None:
    from textual.widgets import Input, OptionList, Static

    from tests.tui_helpers import make_app, open_screen, settle
    from trinn.tui.cli.settings import Settings
    from trinn.tui.screens.dialogs import NoteDialog

    settings = Settings([folder], "en", f"sqlite:///{folder / 'app.db'}", "kari")
    case_id = _open(settings.service(), 3)
    settings.service().set_fields(case_id, {"fields_of_work": ["plan", "health"]}, actor="kari")
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("a")
        await settle(pilot)
        options = screen.query_one("#action-list", OptionList)
        label = str(options.get_option("establish").prompt)
        assert label.endswith("allowed, against advice: The group should have 8 to 15 members")
        assert not options.get_option("establish").disabled
        options.highlighted = options.get_option_index("establish")
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NoteDialog)
        assert dialog.required
        assert "Against advice: The group should have 8 to 15 members. Why go ahead?" in dialog.prompt
        await pilot.press("enter")  # no reason: the dialog says it is required and stays
        await settle(pilot)
        assert app.screen is dialog
        dialog.query_one("#note", Input).value = "Three are enough to start"
        await pilot.press("enter")
        await settle(pilot)
        history = str(screen.query_one("#history-text", Static).render())
    assert settings.queries().load(case_id)[0].state == "established"
    assert (
        "against advice: The group should have 8 to 15 members; reason: Three are enough to start" in history
    )
