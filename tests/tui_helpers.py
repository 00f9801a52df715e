"""Shared set-up of the TUI tests: a real SQLite file, the real service, the real app."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from trinn.tui.cli.settings import Settings
from trinn.tui.desk import Desk
from trinn.tui.screens.case import CaseScreen

FASE_7_2 = "padriv.fase-7-2"


def make_settings(tmp_path: Path, actor: str = "kari", people: Path | None = None) -> Settings:
    return Settings([], "en", f"sqlite:///{tmp_path / 'trinn.db'}", actor, people)


def open_case(settings: Settings, name: str = "Acme AS", actor: str = "kari") -> int:
    case = settings.service().open_case(FASE_7_2, {"virksomhet": name, "meldt_av": "Ola"}, actor=actor)
    return case.id


def make_app(settings: Settings, **options: Any) -> Any:
    from trinn.tui.app import TrinnApp

    options.setdefault("refresh_seconds", 0)
    app = TrinnApp(Desk(settings), **options)
    # every toast is kept for `notices`: on a busy machine a toast can expire before a test reads it
    app.notices_seen = []
    show = app.notify

    def recording(message: str, **kwargs: Any) -> None:
        app.notices_seen.append(str(message))
        show(message, **kwargs)

    app.notify = recording
    return app


async def settle(pilot: Pilot[Any], rounds: int = 4) -> None:
    """Let every worker finish and the screen catch up with what they posted."""
    for _ in range(rounds):
        # an exclusive refresh replaced by a newer one is cancelled: the newer one is awaited next round
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    assert not pilot.app.failures, pilot.app.failures


def screen_text(pilot: Pilot[Any]) -> str:
    """What the terminal shows now, as plain text (the way a user reads it)."""
    svg = re.sub(r"<style.*?</style>", "", pilot.app.export_screenshot(), flags=re.DOTALL)
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.DOTALL)
    return html.unescape("".join(lines)).replace("\xa0", " ")


def notices(app: Any) -> str:
    """Every notification the app has shown, one per line (expired ones too, for apps made by
    make_app)."""
    seen = getattr(app, "notices_seen", None)
    return "\n".join(seen if seen is not None else (n.message for n in app._notifications))


def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Keys sent all at once, the way a fast typist's keys arrive: none waits for the one before
    to be handled (pilot.press waits after each key, which hides races)."""
    from textual import events

    driver = pilot.app._driver
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(pilot.app)
        driver.send_message(event)


@contextlib.asynccontextmanager
async def case_on_screen(
    settings: Settings, case_id: int, size: tuple[int, int] = (80, 24)
) -> AsyncIterator[tuple[Pilot[Any], CaseScreen]]:
    """The app running on `settings` with case `case_id` open and settled."""
    app = make_app(settings)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot, await open_screen(pilot, case_id)


async def open_screen(pilot: Pilot[Any], case_id: int) -> CaseScreen:
    """Open case `case_id` as the app does, and return its page once it has settled."""
    pilot.app.open_case_screen(case_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen
