"""Records per item in the app: a for_each task's form is filled for one item (the row's, or
the one chosen when several wait), and a person's own item recorded on their behalf asks for a
note saying how. On a real SQLite file, read back through the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Static

from tests.tui_helpers import make_app, make_settings, notices, open_screen, screen_text, settle
from trinn.tui.cli.settings import Settings
from trinn.tui.screens.case import CaseScreen
from trinn.tui.screens.dialogs import FieldsDialog, NoteDialog, PickDialog
from trinn.tui.widgets.field_input import FieldInput

PARTNERS = ["Biblioteket", "Skolen"]


def _settings(tmp_path: Path, actor: str, people: str) -> Settings:
    path = tmp_path / "people.yaml"
    path.write_text(people)
    return make_settings(tmp_path, actor, path)


def _assessing(settings: Settings, partners: list[str] = PARTNERS) -> int:
    """A fem trin case in trin 2: one 'vurder_partner' task per proposed partner, each open."""
    service = settings.service()
    case_id = service.open_case(
        "partnerskab.fem-trin", {"partnerskab": "Lektiecafé", "forening": "Klub Nord"}, actor="anna"
    ).id
    service.complete_task(case_id, "introducer_opgaven", actor="anna")
    service.submit_form(case_id, "trin_1a", {"passer_til_vision": "Fællesskab"}, actor="anna")
    service.submit_form(case_id, "trin_1b", {"ide": "En lektiecafé"}, actor="anna")
    service.fire(case_id, "vaelg_partner", actor="anna")
    service.submit_form(case_id, "trin_2a", {"forslag": partners}, actor="anna")
    return case_id


def _records(settings: Settings, case_id: int, task: str) -> dict[str | None, Any]:
    case = settings.queries().load(case_id)[0]
    return {t.item: (t.status, t.answers, t.note) for t in case.current_tasks() if t.task_id == task}


async def _history(pilot: Pilot[Any], screen: CaseScreen, wanted: str) -> str:
    """The History tab's text once it shows `wanted` (a busy machine redraws it a moment after
    the command), or as it is after a few rounds."""
    for _ in range(20):
        history = str(screen.query_one("#history-text", Static).render())
        if wanted in history:
            break
        await settle(pilot)
    return history


async def test_items_form_from_a_rows_item_is_that_items_record(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "anna", "anna: {name: Anna, roles: [foreningen]}\n")
    case_id = _assessing(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        rows = [(t.task_id, t.item) for t in screen.task_table.records]
        screen.task_table.move_cursor(row=rows.index(("vurder_partner", "Skolen")))
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        assert "for Skolen" in str(dialog.query_one(".dialog-title", Label).render())
        dialog.query_one("#field-egnet", FieldInput).set_value("godt")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen), screen_text(pilot)
        assert "Form saved." in notices(app)
        history = await _history(pilot, screen, "[Skolen]")
        assert "[Skolen]" in history and "[Biblioteket]" not in history
    records = _records(settings, case_id, "vurder_partner")
    assert records["Skolen"][:2] == ("done", {"egnet": "godt"})
    assert records["Biblioteket"][:2] == ("open", None)
    assert "egnet" not in settings.queries().load(case_id)[0].fields


async def test_items_forms_tab_asks_which_item_first(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "anna", "anna: {name: Anna, roles: [foreningen]}\n")
    case_id = _assessing(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)

        async def choose_the_form() -> None:
            await pilot.press("4")
            forms = screen.query_one("#form-list", OptionList)
            forms.highlighted = forms.get_option_index("partnervurdering")
            await pilot.press("enter")
            await settle(pilot)

        await choose_the_form()
        assert isinstance(app.screen, PickDialog)
        assert "Biblioteket" in screen_text(pilot) and "Skolen" in screen_text(pilot)
        await pilot.press("escape")  # cancelled: nothing asked, nothing written
        await settle(pilot)
        assert app.screen is screen
        await choose_the_form()
        await pilot.press("enter")  # the first waiting item: Biblioteket
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        assert "for Biblioteket" in str(dialog.query_one(".dialog-title", Label).render())
        dialog.query_one("#field-egnet", FieldInput).set_value("delvis")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    records = _records(settings, case_id, "vurder_partner")
    assert records["Biblioteket"][:2] == ("done", {"egnet": "delvis"})
    assert records["Skolen"][:2] == ("open", None)


PADRIV_PEOPLE = (
    "kari: {name: Kari, roles: [ledelsen]}\n"
    "stig: {name: Stig, roles: [styringsgruppen]}\n"
    "anna: {name: Anna, roles: [deltaker]}\n"
    "bjorn: {name: Bjørn, roles: [deltaker]}\n"
)


def _signing(settings: Settings) -> int:
    """A padriv.fase-2 case in 'innkalt': anna's and bjorn's 'signer_kontrakt' open."""
    service = settings.service()
    case_id = service.open_case("padriv.fase-2", {}, actor="kari").id
    service.submit_form(
        case_id,
        "utkast",
        {"samarbeidsavtale": "https://padriv.no/a", "mandat_utkast": "Utkast"},
        actor="kari",
    )
    service.fire(case_id, "send_til_styringsgruppen", actor="kari")
    service.submit_form(case_id, "behandling", {"styringsgruppens_behandling": "Godkjent"}, actor="stig")
    service.submit_form(case_id, "nominasjon", {"deltakere": ["anna", "bjorn"]}, actor="stig")
    service.fire(case_id, "fullfor_behandling", actor="stig")
    service.submit_form(case_id, "mandat", {"mandat": "Mandatet"}, actor="kari")
    service.submit_form(case_id, "sammensetning", {"fagomrader": ["arkitektur", "mobilitet"]}, actor="kari")
    service.submit_form(
        case_id, "innkalling", {"forste_mote": "26.01.2026 17:00", "motested": "Pådriv"}, actor="kari"
    )
    service.fire(case_id, "innkall", actor="kari")
    return case_id


async def test_items_a_personal_item_recorded_on_their_behalf_needs_a_note(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "kari", PADRIV_PEOPLE)
    case_id = _signing(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        rows = [(t.task_id, t.item) for t in screen.task_table.records]
        screen.task_table.move_cursor(row=rows.index(("signer_kontrakt", "anna")))
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NoteDialog)
        assert "on anna's behalf" in screen_text(pilot)
        await pilot.press("enter")  # no note: refused, the dialog stays
        await settle(pilot)
        assert app.screen is dialog
        assert "required" in str(dialog.query_one(".field-error", Static).render())
        assert _records(settings, case_id, "signer_kontrakt")["anna"][0] == "open"
        note = dialog.query_one("#note", Input)
        note.value = "Signert på papir"
        note.focus()  # Enter in the note saves, wherever the refusal left the focus
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert "on behalf of anna" in await _history(pilot, screen, "on behalf of anna")
    records = _records(settings, case_id, "signer_kontrakt")
    assert records["anna"] == ("done", None, "Signert på papir")
    assert records["bjorn"][0] == "open"


SIGNING = """\
id: test.signing
version: 1
language: en
title: Signing
subject: {title: Name, field: name}
roles:
  lead: {title: Lead}
  member: {title: Member}
fields:
  name: {type: text, label: Name, required: true}
  signers: {type: person_list, label: Signers, edit: [lead]}
  signed_on: {type: date, label: Signed on, required: true}
forms:
  signature: {title: Signature, fields: [signed_on]}
initial: signing
states:
  signing:
    title: Signing
    tasks:
      - id: sign
        title: Sign
        role: member
        for_each: signers
        form: signature
        personal: true
        on_behalf: [lead]
  done: {title: Done, final: true}
transitions:
  - {trigger: finish, from: signing, to: done, by: lead}
"""


async def test_items_a_personal_form_on_their_behalf_asks_for_a_note(tmp_path: Path) -> None:
    """The form's own note: without it the engine's refusal shows in the dialog, what was typed
    stays; with it the record is saved, the note in the history."""
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "signing.yaml").write_text(SIGNING)
    people = tmp_path / "people.yaml"
    people.write_text("lea: {name: Lea, roles: [lead]}\nanna: {name: Anna, roles: [member]}\n")
    settings = Settings([tmp_path / "books"], "en", f"sqlite:///{tmp_path / 't.db'}", "lea", people)
    case_id = (
        settings.service().open_case("test.signing", {"name": "Acme", "signers": ["anna"]}, actor="lea").id
    )
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        assert "on anna's behalf" in screen_text(pilot)
        signed = dialog.query_one("#field-signed_on", FieldInput)
        signed.query_one(Input).value = "01.12.2026"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        said = str(dialog.query_one("#dialog-error", Static).render())
        assert "on anna's behalf: say how with a note" in said, said
        assert signed.query_one(Input).value == "01.12.2026"
        dialog.query_one("#form-note", Input).value = "signed on paper"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, screen_text(pilot)
    event = settings.queries().history(case_id)[-1]
    assert (event.actor, event.note) == ("lea", "signed on paper")
    assert event.details["done"][0]["on_behalf_of"] == "anna"


async def test_items_my_tasks_opens_the_form_of_the_rows_item(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from trinn.tui.screens.tasks import MyTasksScreen

    settings = _settings(tmp_path, "anna", "anna: {name: Anna, roles: [foreningen]}\n")
    case_id = _assessing(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        tasks = app.screen
        assert isinstance(tasks, MyTasksScreen)
        rows = [(row.task, row.item) for row in tasks.rows]
        tasks.query_one("#my-tasks", DataTable).move_cursor(row=rows.index(("vurder_partner", "Skolen")))
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        assert "for Skolen" in str(dialog.query_one(".dialog-title", Label).render())
        dialog.query_one("#field-egnet", FieldInput).set_value("ikke")
        await pilot.press("ctrl+s")
        await settle(pilot)
    records = _records(settings, case_id, "vurder_partner")
    assert records["Skolen"][:2] == ("done", {"egnet": "ikke"})
    assert records["Biblioteket"][:2] == ("open", None)


async def test_items_are_shown_as_typed_never_as_markup(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "anna", "anna: {name: Anna, roles: [foreningen]}\n")
    case_id = _assessing(settings, ["[b]Bib[/b]", "Sko[/]"])
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        screen.open_form("partnervurdering")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        assert "[b]Bib[/b]" in screen_text(pilot) and "Sko[/]" in screen_text(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FieldsDialog)
        assert "for Sko[/]" in screen_text(pilot)
