"""The Cases screen: every case listed, filters and search, opening a case."""

from __future__ import annotations

from pathlib import Path

from tests.tui_helpers import make_app, make_settings, open_case, screen_text, settle
from trinn.tui.desk import CaseFilter
from trinn.tui.screens.case import CaseScreen
from trinn.tui.screens.cases import CasesScreen
from trinn.tui.widgets.virtual_table import VirtualTable


async def test_cases_lists_every_open_case_with_state_title(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    open_case(settings, "Acme AS")
    open_case(settings, "Berg og Sønner")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CasesScreen)
        table = screen.query_one("#cases", VirtualTable)
        assert table.row_count == 2
        text = screen_text(pilot)
        assert "Acme AS" in text and "Berg og Sønner" in text
        assert "Registrert som mulig" in text  # the state's title, not its id
        assert "2 of 2 cases" in text


async def test_cases_search_and_filter(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    open_case(settings, "Acme AS")
    open_case(settings, "Berg og Sønner")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"berg")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CasesScreen)
        assert [row.subject for row in screen.shown] == ["Berg og Sønner"]
        assert "1 of 2 cases" in screen_text(pilot)
        screen.apply_filter(CaseFilter(status="closed"))
        assert screen.shown == []
        screen.apply_filter(CaseFilter(role="ledelsen"))
        assert len(screen.shown) == 2


async def test_cases_enter_opens_the_case(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = open_case(settings, "Acme AS")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.case_id == case_id
        assert "Registrer virksomheten" in screen_text(pilot)
