"""The other screens and the app's wiring: my tasks, playbooks, outbox, palette, help,
opening a case from the app, NO_COLOR, the CLI entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.widgets import DataTable, Input, OptionList, ProgressBar

from tests.tui_helpers import make_app, make_settings, notices, open_case, screen_text, settle
from trinn.tui.desk import Desk
from trinn.tui.screens.case import CaseScreen
from trinn.tui.screens.cases import CasesScreen
from trinn.tui.screens.dialogs import FieldsDialog, NoteDialog, PickDialog
from trinn.tui.screens.help import HelpScreen
from trinn.tui.screens.outbox import OutboxScreen
from trinn.tui.screens.playbooks import PlaybooksScreen
from trinn.tui.screens.tasks import MyTasksScreen
from trinn.tui.widgets.field_input import FieldInput


async def test_my_tasks_lists_and_completes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = open_case(settings, "Acme AS")
    open_case(settings, "Berg AS")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MyTasksScreen)
        # each case: registrer_virksomhet, bruk_felles_kommunikasjon, avklar_interesse (due first)
        assert len(screen.rows) == 6
        assert screen.rows[0].task == "avklar_interesse" and screen.rows[0].case_id == first
        assert "6 open tasks" in screen_text(pilot)
        assert screen.rows[0].role_title == "Ledelsen" and "Ledels" in screen_text(pilot)  # its title
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"ok", "enter")
        await settle(pilot)
        assert len(screen.rows) == 5
    case = settings.queries().load(first)[0]
    assert [t.note for t in case.tasks if t.task_id == "avklar_interesse"] == ["ok"]


async def test_my_tasks_form_task_opens_its_form(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    settings.service().complete_task(case_id, "avklar_interesse", actor="kari")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MyTasksScreen)
        index = next(i for i, r in enumerate(screen.rows) if r.task == "registrer_virksomhet")
        screen.query_one(DataTable).move_cursor(row=index)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, FieldsDialog)
        assert app.screen.title_text == "Registrer mulig ny samarbeidspartner"


async def test_playbooks_show_status_diagram_and_problems(tmp_path: Path) -> None:
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "broken.yaml").write_text(
        "id: broken\nversion: 1\nlanguage: nb\ntitle: X\nroles: {}\nstates: {}\ninitial: nowhere\nbogus: 1\n"
    )
    settings = make_settings(tmp_path)
    settings.playbook_dirs = [folder]
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlaybooksScreen)
        ids = [e.id for e in screen.entries]
        assert "padriv.fase-7-2" in ids and "broken" in ids
        assert all(e.ok for e in screen.entries if e.bundled)
        options = screen.query_one(OptionList)
        options.highlighted = ids.index("padriv.fase-7-2")
        await settle(pilot)
        detail = str(screen.query_one("#playbook-text").render())
        assert "● Registrert som mulig ny samarbeidspartner  (registrert, start)" in detail
        assert "Virksomheten viser interesse ──▶ Virksomheten viser interesse   [ledelsen]" in detail
        options.highlighted = ids.index("broken")
        await settle(pilot)
        detail = str(screen.query_one("#playbook-text").render())
        assert f"{folder / 'broken.yaml'}:8:1: unknown key 'bogus'" in detail


async def test_outbox_shows_pending_and_plugs_in_a_retry(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    store = settings.store()
    with store.write() as tx:
        case = tx.load_case(case_id)
        tx.add_outbox(case, "notify", {"to": ["ledelsen"], "message": "purring"}, dt.datetime.now(dt.UTC))
    retried: list[int] = []
    app = make_app(settings, retry=retried.append)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen)
        assert len(screen.rows) == 1
        assert "purring" in screen_text(pilot) and "ledelsen" in screen_text(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert retried == [int(screen.rows[0].id)]


async def test_outbox_opens_a_message_in_full_with_each_deliverys_whole_error(tmp_path: Path) -> None:
    """Enter on a message: recipients, subject, body, and each try with its full error (issue 15)."""
    from trinn.tui.screens.message import MessageDialog

    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    store = settings.store()
    long_error = "smtp refused: " + "550 mailbox unavailable " * 8 + "[/] end"
    with store.write() as tx:
        case = tx.load_case(case_id)
        payload = {
            "reason": "notify",
            "to": ["ledelsen"],
            "message": "purring",
            "title": "Purring: Acme AS",
            "body": "Hei!\nSaken [b]venter[/b] på dere.",
        }
        tx.add_outbox(case, "notify", payload, dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC))
    with store.write() as tx:
        (row,) = tx.outbox_listing(status=None)
        tx.add_delivery(
            int(row.id),
            attempt=1,
            at=dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC),
            service="mailto",
            channel="epost",
            url="mailto://***@example.no",
            recipient="ledelsen",
            status="failed",
            error=long_error,
        )
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        text = str(dialog.query_one("#message-text").render())
        assert text.splitlines()[:2] == ["To: ledelsen", "Subject: Purring: Acme AS"]
        assert "Hei!\nSaken [b]venter[/b] på dere." in text
        assert "mailto  ledelsen  failed\n    " + long_error in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)


async def test_outbox_without_sending_says_so(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert "sending is not set up in this process" in screen_text(pilot)


async def test_new_case_from_the_app(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickDialog)
        options = picker.query_one(OptionList)
        options.highlighted = options.get_option_index("padriv.fase-7-2")
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        assert [f.field_name for f in dialog.query(FieldInput)] == ["virksomhet", "meldt_av"]
        await pilot.press("ctrl+s")  # nothing filled: both marked, the dialog stays
        await settle(pilot)
        assert app.screen is dialog
        assert all(f.has_class("invalid") for f in dialog.query(FieldInput))
        dialog.query_one("#field-virksomhet").query_one(Input).value = "Nye Acme"
        dialog.query_one("#field-meldt_av").query_one(Input).value = "Ola"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Case 1 opened." in notices(app)
    assert settings.queries().load(1)[0].subject == "Nye Acme"


async def test_palette_switches_screen_and_opens_a_case(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"My tasks")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MyTasksScreen)
        await pilot.press("ctrl+p", *str(case_id))
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == case_id


async def test_help_and_footer_fit_80x24(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        assert "n New case" in text and "f Filter" in text  # the footer's bindings
        assert isinstance(app.screen, CasesScreen)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "complete the chosen task" in screen_text(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, CasesScreen)


async def test_no_color_is_respected(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(make_settings(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.no_color


def test_cli_commands_do_not_import_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from typer.testing import CliRunner; from trinn.tui.cli import app; "
        "r = CliRunner().invoke(app, ['schema']); assert r.exit_code == 0; "
        "print('textual' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_cli_tui_on_an_unusable_database_is_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trinn.tui.cli import app

    not_a_db = tmp_path / "x.db"
    not_a_db.write_text("this is not sqlite " * 100)
    result = CliRunner().invoke(app, ["--db", str(not_a_db), "tui"])
    assert result.exit_code == 2
    assert result.output == f"trinn: {not_a_db} is not a trinn database (not an SQLite file)\n"


async def test_checking_the_playbooks_shows_progress(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    seen: list[tuple[int, int]] = []
    entries = Desk(settings).playbooks(lambda done, total: seen.append((done, total)))
    total = len(entries)
    assert total >= 5 and seen == [(done, total) for done in range(total + 1)]
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        screen = app.screen
        bar = screen.query_one("#playbook-progress", ProgressBar)
        await settle(pilot)
        assert bar.progress == total and bar.total == total
        assert not bar.display  # gone once every playbook is checked


def test_help_lists_every_key_of_every_screen() -> None:
    """Each key a screen binds (with a label) is in the help, so a new key cannot be missed."""
    from textual.binding import Binding

    from trinn.tui.app import TrinnApp
    from trinn.tui.screens.case import CaseScreen
    from trinn.tui.screens.cases import CasesScreen
    from trinn.tui.screens.help import _written, help_text
    from trinn.tui.screens.playbooks import PlaybooksScreen
    from trinn.tui.screens.tasks import MyTasksScreen

    text = help_text()
    sections = dict(
        zip(
            ["Everywhere", "Cases", "A case", "My tasks", "Playbooks", "Outbox"],
            text.split("\n\n"),
            strict=False,
        )
    )
    screens = {
        "Everywhere": TrinnApp,
        "Cases": CasesScreen,
        "A case": CaseScreen,
        "My tasks": MyTasksScreen,
        "Playbooks": PlaybooksScreen,
        "Outbox": OutboxScreen,
    }
    for title, screen in screens.items():
        keys = {line.split()[0] for line in sections[title].splitlines()[1:]}
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                assert _written(binding.key).split(" / ")[0] in keys, (title, binding.key)
    assert "  enter    read the message in full" in sections["Outbox"]
    assert "  g        assign" in sections["A case"]
