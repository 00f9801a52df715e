"""Crashes and lost work (issue 15): user text is never markup, a dialog closes once, a form
survives another person's change, unsaved edits are not left silently, errors are in view, and
the keys do what they say."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from textual.widgets import DataTable, Input

from tests.tui_helpers import (
    burst,
    make_app,
    make_settings,
    notices,
    open_case,
    open_screen,
    screen_text,
    settle,
)
from trinn.tui.screens.base import run_db
from trinn.tui.screens.case import CaseScreen
from trinn.tui.screens.cases import CasesScreen
from trinn.tui.screens.dialogs import ConfirmDialog, FieldsDialog, NoteDialog
from trinn.tui.screens.tasks import MyTasksScreen
from trinn.tui.widgets.field_input import FieldInput

# 1. user text is text ------------------------------------------------------------------------


async def test_search_box_echo_is_not_markup(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "[", "/")
        await settle(pilot)
        assert "0 of 0 cases · open · “[/”" in screen_text(pilot)


async def test_subject_with_markup_and_controls_shows_as_typed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings, "[/] Acme [b")
    settings.service().comment(case_id, "see [red]x [/] שלום", actor="kari")
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "[/] Acme [b" in screen_text(pilot)  # the cases listing
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, MyTasksScreen)
        assert "[/] Acme [b" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert f"{case_id} · [/] Acme [b" in screen_text(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert "“see [red]x [/] שלום”" in screen_text(pilot)


async def test_error_quoting_a_typed_value_is_not_markup(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        email = screen.query_one("#field-kontakt_epost", FieldInput)
        email.query_one(Input).value = "[/]"
        await settle(pilot)
        assert str(email.query_one(".field-error").render()).startswith("'[/]' is not an e-mail address")
        app.notify("[/] a toast [b", severity="error")
        await settle(pilot)
        assert "[/] a toast [b" in notices(app)


# 2. a dialog closes once --------------------------------------------------------------------


async def test_repeated_enter_in_a_note_dialog_saves_once_and_stays_on_the_case(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("down", "d")  # bruk_felles_kommunikasjon: a note
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        burst(pilot, "enter", "enter", "enter", "enter")
        await settle(pilot)
        assert app.screen is screen or isinstance(app.screen, NoteDialog)
        while isinstance(app.screen, NoteDialog):  # a later Enter may open the next task's note
            await pilot.press("escape")
            await settle(pilot)
        assert app.screen is screen
    history = settings.queries().history(case_id)
    assert [e.name for e in history if e.kind == "done"] == ["bruk_felles_kommunikasjon"]


async def test_repeated_enter_on_an_action_never_pops_the_last_screen(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("a", "down", "enter")
        await settle(pilot)
        burst(pilot, "enter", "enter", "enter", "escape", "escape", "escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen) or app.screen is screen


# 3. a form survives another person's change ------------------------------------------------------


async def test_form_after_another_change_keeps_typing_marks_theirs_and_saves(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("d")  # registrer_virksomhet: the form 'registrering'
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        dialog.query_one("#field-kontaktperson", FieldInput).query_one(Input).value = "Kari K"
        make_settings(tmp_path, actor="ola").service().set_fields(
            case_id, {"kontakt_epost": "ola@example.no"}, actor="ola"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert f"Case {case_id} was changed by ola at" in screen_text(pilot)
        person = dialog.query_one("#field-kontaktperson", FieldInput)
        email = dialog.query_one("#field-kontakt_epost", FieldInput)
        assert person.value == "Kari K"  # what this person typed stays
        assert email.value == "ola@example.no"  # the other person's value is shown, and said
        assert str(email.query_one(".field-error").render()) == "changed meanwhile by ola"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "Form saved." in notices(app)
    case = settings.queries().load(case_id)[0]
    assert case.fields["kontaktperson"] == "Kari K"
    assert case.fields["kontakt_epost"] == "ola@example.no"
    assert [t.status for t in case.tasks if t.task_id == "registrer_virksomhet"] == ["done"]


async def test_form_conflict_on_a_field_both_changed_keeps_mine_and_says_theirs(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_screen(pilot, case_id)
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        email = dialog.query_one("#field-kontakt_epost", FieldInput)
        email.query_one(Input).value = "kari@example.no"
        make_settings(tmp_path, actor="ola").service().set_fields(
            case_id, {"kontakt_epost": "ola@example.no"}, actor="ola"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert email.value == "kari@example.no"
        assert (
            str(email.query_one(".field-error").render())
            == "changed meanwhile to 'ola@example.no'; Save again to replace it"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert settings.queries().load(case_id)[0].fields["kontakt_epost"] == "kari@example.no"


# 4. unsaved edits and crashes ------------------------------------------------------------------


async def test_escape_with_unsaved_fields_asks_first(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e", "end", *"Kari")  # the first field kari may change has focus, takes the letters
        await settle(pilot)
        first = next(f for f in screen.query(FieldInput) if f.held_back is None)  # not the opening data
        assert [f.field_name for f in screen.query(FieldInput) if f.dirty] == [first.field_name]
        await pilot.press("escape")  # out of the field: letters are keys again
        await settle(pilot)
        assert app.screen is screen and not screen.focused.has_class("field-control")  # type: ignore[union-attr]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Leave case 1 without saving 1 changed field?" in screen_text(pilot)
        await pilot.press("escape")  # no: back to the fields, the typing still there
        await settle(pilot)
        assert app.screen is screen
        assert first.value == "Kari"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")  # yes (the default button): leave
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)


async def test_a_result_arriving_after_its_case_page_closed_is_dropped(tmp_path: Path) -> None:
    """A closed page stays attached while Textual removes its widgets: a worker's result that
    arrives then is not shown on it (it once failed with NoMatches '#case-head')."""
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        gate = threading.Event()
        shown: list[object] = []
        run_db(screen, lambda: gate.wait(10), shown.append, group="late")
        app.pop_screen()  # closing: out of the screen stack, its widgets on their way out
        gate.set()
        await settle(pilot)
        assert shown == []
        assert isinstance(app.screen, CasesScreen)


def test_a_crash_exits_with_a_non_zero_status(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from tests.tui_helpers import make_app, make_settings\n"
        "from pathlib import Path\n"
        "app = make_app(make_settings(Path(sys.argv[1])))\n"
        "app.call_later(lambda: 1 / 0)\n"
        "app.run(headless=True, size=(80, 24))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 1, done.stderr
    assert "ZeroDivisionError" in done.stdout + done.stderr


# 5. errors in view ------------------------------------------------------------------------------


async def test_form_uses_the_height_and_focuses_the_first_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        screen.open_form("pamelding")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        fields = dialog.query_one(".dialog-fields")
        assert fields.size.height > 16 and fields.max_scroll_y == 0  # all in view (was 16 rows at any size)
        last = list(dialog.query(FieldInput))[-1]
        last.query_one(Input).value = "not money"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert dialog.focused is last.query_one(Input)
        assert str(last.query_one(".field-error").render()) == "expected a number, got 'not money'"


# 6. keys -------------------------------------------------------------------------------------------


async def test_palette_on_a_case_offers_its_actions_and_tasks(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    settings.service().set_fields(case_id, {"begrunnelse": "ikke nå"}, actor="kari")
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_screen(pilot, case_id)
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)
        await pilot.press(*"Complete: Avklar")
        await pilot.pause(0.5)
        assert "Avklar om virksomheten viser interesse\na task of this case" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)
        await pilot.press(*"Do: ")
        await pilot.pause(0.5)
        assert "Avslutt – ikke aktuell\nan action possible now" in screen_text(pilot)


async def test_keys_typed_right_after_tab_land_in_the_next_field(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        first = screen.query_one("#field-kontaktperson", FieldInput)
        second = screen.query_one("#field-kontakt_epost", FieldInput)  # the next field
        first.query_one(Input).focus()
        await settle(pilot)
        burst(pilot, "x", "tab", "y", "z")  # a focused field's text is selected: typing replaces it
        await settle(pilot)
        assert (first.value, second.value) == ("x", "yz")


async def test_e_focuses_a_field_and_letters_act_as_keys_elsewhere(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        first = next(f for f in screen.query(FieldInput) if f.held_back is None)  # kari may change it
        assert screen.focused is first.query_one(Input)
        screen.query_one("#save-fields").focus()  # the Save button: letters are keys again
        await pilot.press("a")
        await settle(pilot)
        assert screen.query_one("#case-tabs").active == "actions"  # type: ignore[attr-defined]
        assert not [f for f in screen.query(FieldInput) if f.dirty]


async def test_f2_returns_to_the_list(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, case_id)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        await open_screen(pilot, case_id)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)


async def test_reopening_a_done_task_asks_first(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    settings.service().complete_task(case_id, "avklar_interesse", actor="kari")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        done_row = next(i for i, t in enumerate(screen.task_table.records) if t.status == "done")
        screen.query_one("#task-table", DataTable).move_cursor(row=done_row)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert settings.queries().load(case_id)[0].row_version == 2  # nothing reopened
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Task reopened." in notices(app)
    case = settings.queries().load(case_id)[0]
    assert [t.status for t in case.current_tasks() if t.task_id == "avklar_interesse"] == ["open"]
