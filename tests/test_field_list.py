"""The fields tab (tui/widgets/field_list.py): a field the person may not change in the case's
state is greyed and not editable, saying who may change it (the engine's own words); a field
they may change stays open, and a save of it goes through."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.tui_helpers import make_app, make_settings, open_case, open_screen, settle
from trinn.tui.widgets.field_input import FieldInput


def _lock_text(field: FieldInput) -> str:
    return str(field.query_one(".field-lock").render())


async def test_field_list_greys_what_this_person_may_not_change_and_says_who_may(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text(
        "kari: {name: Kari Nord, roles: [ledelsen]}\nstig: {name: Stig Styre, roles: [styringsgruppen]}\n"
    )
    case_id = open_case(make_settings(tmp_path, people=people))
    app = make_app(make_settings(tmp_path, actor="stig", people=people))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        when = screen.query_one("#field-motetidspunkt", FieldInput)  # edit: [ledelsen]
        assert when.has_class("locked") and when.query_one(Input).disabled
        assert _lock_text(when) == "stig may not change it (only «Ledelsen» may)"
        name = screen.query_one("#field-virksomhet", FieldInput)  # the case's opening data
        assert name.query_one(Input).disabled
        assert "no one changes it after the case is opened" in _lock_text(name)
        reason = screen.query_one("#field-begrunnelse", FieldInput)  # edit: [ledelsen, styringsgruppen]
        assert not reason.has_class("locked") and _lock_text(reason) == ""


async def test_field_list_leaves_open_what_this_person_may_change_and_saves_it(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text("kari: {name: Kari Nord, roles: [ledelsen]}\n")
    settings = make_settings(tmp_path, people=people)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        when = screen.query_one("#field-motetidspunkt", FieldInput)
        assert not when.has_class("locked") and not when.query_one(Input).disabled
        when.query_one(Input).value = "01.12.2026 14:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert settings.queries().load(case_id)[0].fields["motetidspunkt"] == "2026-12-01T13:00:00Z"
