"""A case's screen: complete a task, fire an action, see why one is disabled, fill a form,
see another process's change, hit a conflict."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, Static, TabbedContent

from tests import tui_helpers
from tests.tui_helpers import make_app, make_settings, notices, open_case, open_screen, screen_text, settle
from trinn.tui.cli.settings import Settings
from trinn.tui.screens.case import CaseScreen
from trinn.tui.screens.dialogs import FieldsDialog, NoteDialog, PickDialog
from trinn.tui.widgets.field_input import FieldInput

TRINN = [sys.executable, "-m", "trinn.tui.cli"]


def other_process(settings: Settings, *args: str) -> None:
    """Run a `trinn` command as another coordinator would: a separate process on the same file."""
    env = {**os.environ, "TRINN_DB": str(settings.db), "TRINN_USER": "ola"}
    code = "import sys; from trinn.tui.cli import main; sys.argv = ['trinn', *sys.argv[1:]]; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


async def test_case_complete_task_with_a_note(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, case_id)
        assert "Avklar om virksomheten viser interesse" in screen_text(pilot)
        await pilot.press("down", "down", "d")  # the third task: avklar_interesse
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"ringte dem", "enter")
        await settle(pilot)
        assert "Task done." in notices(app)
    case, _compiled, _children = settings.queries().load(case_id)
    done = next(t for t in case.tasks if t.task_id == "avklar_interesse")
    assert done.status == "done" and done.note == "ringte dem" and done.done_by == "kari"


async def test_case_disabled_action_says_why(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("a")
        await settle(pilot)
        options = screen.query_one("#action-list", OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        interest = next(s for s in shown if "Virksomheten viser interesse" in s)
        assert interest.startswith("✗")
        assert interest.endswith(
            "Not now: task «Registrer virksomheten som mulig ny samarbeidspartner» is not done; "
            "task «Avklar om virksomheten viser interesse» is not done"
        )
        assert options.get_option("vis_interesse").disabled


async def test_case_fire_an_action(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    service = settings.service()
    service.submit_form(case_id, "registrering", {"kontaktperson": "Kari"}, actor="kari")
    service.complete_task(case_id, "avklar_interesse", actor="kari")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("a")
        await settle(pilot)
        options = screen.query_one("#action-list", OptionList)
        assert not options.get_option("vis_interesse").disabled
        options.highlighted = options.get_option_index("vis_interesse")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert "State: Virksomheten viser interesse" in screen_text(pilot)
    assert service.queries.load(case_id)[0].state == "interessert"


async def test_case_form_invalid_value_then_valid(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        await open_screen(pilot, case_id)
        await pilot.press("d")  # the first task fills the form 'registrering'
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        email = dialog.query_one("#field-kontakt_epost", FieldInput)
        email.query_one(Input).value = "not an address"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # refused: the dialog stays, the message is at the field
        assert (
            str(email.query_one(".field-error").render())
            == "'not an address' is not an e-mail address (write e.g. 'ola@example.no')"
        )
        assert email.has_class("invalid")
        email.query_one(Input).value = "kari@example.no"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Form saved." in notices(app)
    case = settings.queries().load(case_id)[0]
    assert case.fields["kontakt_epost"] == "kari@example.no"
    assert [t.status for t in case.tasks if t.task_id == "registrer_virksomhet"] == ["done"]


async def test_case_field_edit_message_at_the_field(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        date = screen.query_one("#field-motetidspunkt", FieldInput)
        date.query_one(Input).value = "next tuesday"
        await settle(pilot)
        assert "'next tuesday' is not a date and time (write it as 15.12.2026 18:30" in str(
            date.query_one(".field-error").render()
        )
        date.query_one(Input).value = "01.12.2026 14:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert settings.queries().load(case_id)[0].fields["motetidspunkt"] == "2026-12-01T13:00:00Z"


async def test_case_shows_another_process_change(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings, refresh_seconds=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, case_id)
        await pilot.pause(0.5)
        other_process(settings, "done", str(case_id), "avklar_interesse", "--note", "fra ola")
        deadline = time.monotonic() + 20  # the timer notices within its period; a busy machine
        while time.monotonic() < deadline:  # may take longer to run it
            await pilot.pause(0.1)
            await settle(pilot, rounds=1)
            if "version 2" in screen_text(pilot):
                break
        assert "State: Registrert som mulig ny samarbeidspartner (open, version 2)" in screen_text(pilot)


async def test_case_conflict_says_so_and_reloads(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)  # no live refresh: the screen still shows version 1
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        assert screen.version == 1
        other_process(settings, "done", str(case_id), "avklar_interesse")
        await pilot.press("down", "d")  # bruk_felles_kommunikasjon, against version 1
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert f"Case {case_id} was changed by ola at" in notices(app)
        assert screen.version == 2  # reloaded
    case = settings.queries().load(case_id)[0]
    assert [t.status for t in case.tasks if t.task_id == "bruk_felles_kommunikasjon"] == ["open"]


async def test_case_assign_a_task_to_a_role_holder(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text(
        "kari: {name: Kari Nord, roles: [ledelsen]}\n"
        "anne: {name: Anne Aas, roles: [ledelsen]}\n"
        "stig: {name: Stig Styre, roles: [styringsgruppen]}\n"
    )
    settings = make_settings(tmp_path, people=people)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, case_id)
        await pilot.press("down", "down", "g")  # avklar_interesse, a task of Ledelsen
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        shown = screen_text(pilot)
        assert "Anne Aas (anne)" in shown and "Kari Nord (kari)" in shown
        assert "Stig" not in shown  # only the role's holders are offered
        await pilot.press("enter")  # the first by name: Anne
        await settle(pilot)
        assert "Task assigned to anne." in notices(app)
        table = app.screen.query_one("#task-table", DataTable)
        assert str(table.get_row_at(2)[1]) == "Avklar om virksomheten viser interesse → anne"
        history = str(app.screen.query_one("#history-text", Static).render())
        assert "Kari Nord (you)  assigned “Avklar om virksomheten viser interesse” to Anne Aas" in history
    case, _compiled, _children = settings.queries().load(case_id)
    task = next(t for t in case.tasks if t.task_id == "avklar_interesse")
    assert task.assignee == "anne"


async def test_case_history_reads_labels_and_values_not_ids(tmp_path: Path) -> None:
    """History says "Ledelsen deltar på møtet: ja", not `ledelsen_deltar = True`: field labels,
    option labels, local dates and amounts (issue 15)."""
    from trinn.tui import i18n

    i18n.install("nb")
    try:
        settings = make_settings(tmp_path)
        case_id = open_case(settings)
        settings.service().set_fields(
            case_id,
            {
                "ledelsen_deltar": True,
                "moteform": "digitalt",
                "motetidspunkt": "15.12.2026",
                "okonomisk_bidrag": "50 000",
                "kontaktperson": "Kari",
            },
            actor="kari",
        )
        settings.service().set_fields(case_id, {"kontaktperson": None}, actor="kari")
        app = make_app(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_screen(pilot, case_id)
            text = str(screen.query_one("#history-text", Static).render())
    finally:
        i18n.install("en")
    assert "Ledelsen deltar på møtet: ja" in text
    assert "Fysisk eller digitalt møte: Digitalt møte" in text
    assert "15. desember 2026" in text
    assert "50\xa0000\xa0kr" in text or "50 000 kr" in text
    assert "Kontaktperson i virksomheten: tømt" in text
    assert "ledelsen_deltar" not in text and "True" not in text


async def test_case_form_shows_its_tasks_instructions(tmp_path: Path) -> None:
    """A task's `instructions` stand beside its form: what to do, not only what to fill (issue 15)."""
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        screen.open_form("mote")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        instructions = dialog.query_one("#dialog-instructions", Static)
        assert str(instructions.render()) == "Ledelsen skal delta på møtet."


async def test_case_tabs_by_number_and_the_first_possible_action_highlighted(tmp_path: Path) -> None:
    """Keys 1-6 open the tabs (their numbers stand in the tabs); the Actions tab highlights the
    first action possible now, so Enter does it; a digit typed in a field stays in the field."""
    from textual.widgets import TabbedContent

    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    settings.service().set_fields(case_id, {"begrunnelse": "Ikke aktuell nå"}, actor="kari")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        tabs = screen.query_one("#case-tabs", TabbedContent)
        for key, tab in (
            ("4", "forms"),
            ("5", "history"),
            ("6", "messages"),
            ("1", "tasks"),
            ("2", "actions"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert tabs.active == tab, key
        actions = screen.query_one("#action-list", OptionList)
        assert actions.highlighted is not None
        assert actions.get_option_at_index(actions.highlighted).id == "avslutt"
        assert "1 Tasks" in screen_text(pilot) and "6 Messages" in screen_text(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("1", "2")
        await settle(pilot)
        assert tabs.active == "fields"
        # the first field kari may change (not the opening data) takes it, typed over its text
        typed = next(f for f in screen.query(FieldInput) if f.held_back is None)
        assert typed.value == "12"


async def test_case_messages_tab_opens_a_message_in_full(tmp_path: Path) -> None:
    """Enter on a row of the Messages tab reads that message in full, as from the Outbox (issue 15)."""
    import datetime as dt

    from trinn.tui.screens.message import MessageDialog

    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    with settings.store().write() as tx:
        case = tx.load_case(case_id)
        payload = {"reason": "notify", "to": ["ledelsen"], "message": "purring", "title": "Purring: Acme AS"}
        tx.add_outbox(
            case,
            "notify",
            {**payload, "body": "Saken [b]venter[/b]."},
            dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC),
        )
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("6")
        await settle(pilot)
        screen.query_one("#message-table", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        text = str(dialog.query_one("#message-text").render())
        assert text.splitlines()[:2] == ["To: ledelsen", "Subject: Purring: Acme AS"]
        assert "Saken [b]venter[/b]." in text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_case_tasks_tab_shows_the_highlighted_tasks_instructions(tmp_path: Path) -> None:
    """The Tasks tab says what to do: the highlighted task's `instructions` under the table, and
    nothing for a task without any (issue 15)."""
    from trinn.tui.widgets.task_note import TaskNote

    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        note = screen.query_one("#task-note", TaskNote)
        assert not note.display  # registrer_virksomhet has no instructions
        await pilot.press("down")  # bruk_felles_kommunikasjon
        await settle(pilot)
        said = str(note.render())
        assert note.display
        assert "Bruk den felles kommunikasjonen i kontakten med virksomheten" in said
        assert "Den felles kommunikasjonen sier tydelig hva samarbeidspartnerne får" in said
        assert "sier tydelig" in screen_text(pilot)
        await pilot.press("down")  # avklar_interesse: none
        await settle(pilot)
        assert not note.display


@pytest.mark.parametrize(
    ("code", "changed"),
    [
        ("nb", "Sak {case} ble endret av ola {at} i mellomtiden"),
        ("da", "Sag {case} blev ændret af ola {at} i mellemtiden"),
        ("en", "Case {case} was changed by ola at {at} meanwhile"),
    ],
)
async def test_case_conflict_says_who_and_when_on_the_local_clock(
    tmp_path: Path, code: str, changed: str
) -> None:
    """The toast of a lost race says when the other change was made on the playbook's clock
    (Oslo for fase 7.2), the way the reader's language writes a moment: never bare UTC (issue 15)."""
    from trinn.engine.template import local_moment
    from trinn.tui import i18n

    i18n.install(code)
    try:
        settings = make_settings(tmp_path)
        case_id = open_case(settings)
        app = make_app(settings)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_screen(pilot, case_id)
            other_process(settings, "done", str(case_id), "avklar_interesse")
            await pilot.press("down", "d")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            seen = notices(app)
    finally:
        i18n.install("en")
    moment = settings.queries().load(case_id)[0].updated_at
    assert changed.format(case=case_id, at=local_moment(moment, code, "Europe/Oslo")) in seen
    assert "UTC" not in seen


async def test_case_guards_as_written_toggle_for_designers(tmp_path: Path) -> None:
    """x shows each blocked action's guard as written beside the reason in words, and hides it
    again; by default a coordinator reads only the words (issue 15)."""
    settings = make_settings(tmp_path)
    async with tui_helpers.case_on_screen(settings, open_case(settings), (120, 40)) as (pilot, screen):
        options = screen.query_one("#action-list", OptionList)

        def interest() -> str:
            return str(options.get_option("vis_interesse").prompt)

        assert "tasks.avklar_interesse.done" not in interest()
        await pilot.press("x")
        await settle(pilot)
        assert "Not now: task «Registrer virksomheten" in interest()
        assert "(tasks.registrer_virksomhet.done = false, tasks.avklar_interesse.done = false)" in interest()
        assert screen.query_one("#case-tabs", TabbedContent).active == "actions"
        await pilot.press("x")
        await settle(pilot)
        assert "tasks.avklar_interesse.done" not in interest()


async def test_case_history_says_on_whose_behalf_a_task_was_done(tmp_path: Path) -> None:
    settings = Settings(
        [Path(__file__).parent / "data" / "cases"], "en", f"sqlite:///{tmp_path / 't.db'}", "lea"
    )
    service = settings.service()
    case_id = service.open_case(
        "test.onboarding", {"org": "Acme", "note": "hi", "members": ["a"]}, actor="lea"
    ).id
    service.submit_form(case_id, "intake", {"contact": "x@acme.no"}, actor="lea")
    service.fire(case_id, "to_signing", actor="lea")
    service.complete_task(case_id, "sign", actor="lea", item="a")
    async with tui_helpers.case_on_screen(settings, case_id, (120, 40)) as (_pilot, screen):
        text = str(screen.query_one("#history-text", Static).render())
    assert "on behalf of Partner" in text, text


async def test_case_field_edit_sends_a_file_from_its_path(tmp_path: Path) -> None:
    """A file field takes the path of the file to send; a path to nothing says so at the field."""
    pdf = tmp_path / "forpliktelser.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        upload = screen.query_one("#field-forpliktelser_vedlegg", FieldInput)
        upload.query_one(Input).value = str(tmp_path / "missing.pdf")
        await settle(pilot)
        assert "missing.pdf" in str(upload.query_one(".field-error").render())
        upload.query_one(Input).value = str(pdf)
        await pilot.press("ctrl+s")
        await settle(pilot)
    stored = settings.queries().stored_file(case_id, "forpliktelser_vedlegg")
    assert stored[0]["name"] == "forpliktelser.pdf"
    assert stored[1] == pdf.read_bytes()
