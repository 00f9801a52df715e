"""A playbook's own `timezone:` (engine.calendar.zone_of): date-times are typed and shown on
its clock in the app, and written into its messages on that clock, not on its language's
country's. New York is UTC-5 in December; Oslo would be UTC+1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.widgets import Input

from tests.tui_helpers import make_app, open_screen, settle
from trinn.tui.cli.settings import Settings
from trinn.tui.widgets.field_input import FieldInput

DATA = Path(__file__).parent / "data" / "zone"
NOW = dt.datetime(2026, 12, 1, 14, tzinfo=dt.UTC)  # 09:00 in New York


def _settings(tmp_path: Path) -> Settings:
    return Settings([DATA], "en", f"sqlite:///{tmp_path / 'trinn.db'}", "kari", None)


def test_timezone_messages_write_times_on_the_playbooks_clock(tmp_path: Path) -> None:
    service = _settings(tmp_path).service()
    case = service.open_case("test.zone", {"virksomhet": "Acme", "motetid": "15.12.2026 18:30"}, actor="kari")
    assert case.fields["motetid"] == "2026-12-15T23:30:00Z"  # typed on New York's clock
    service.fire(case.id, "avtal", actor="kari", now=NOW)
    (row,) = service.queries.outbox(case.id)
    assert row.payload["body"].strip() == "Møtet er 15. desember 2026 18:30. Sendt 1. desember 2026 09:00."


async def test_timezone_app_types_and_shows_times_on_the_playbooks_clock(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    values = {"virksomhet": "Acme", "motetid": "2026-12-15T23:30:00Z"}
    case_id = settings.service().open_case("test.zone", values, actor="kari").id
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, case_id)
        await pilot.press("e")
        await settle(pilot)
        moment = screen.query_one("#field-motetid", FieldInput)
        assert moment.query_one(Input).value == "15.12.2026 18:30"
        moment.query_one(Input).value = "16.12.2026 09:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert settings.queries().load(case_id)[0].fields["motetid"] == "2026-12-16T14:00:00Z"
