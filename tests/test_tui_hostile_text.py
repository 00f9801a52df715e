"""Hostile text (issue 15): markup, HTML and a terminal escape in a subject, a field and a note.

What a person typed is shown as typed in every view of the app and by the command line: `[b]x[/b]`
stays those characters (never bold), `[/]` never closes a tag (a Rich MarkupError would end the
app), `<script>` is text, and a terminal escape is refused when it would be stored, with the
reason said in words (so nothing stored can move the cursor or recolour a terminal).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input

from tests.tui_helpers import make_app, make_settings, open_case, open_screen, screen_text, settle
from trinn.tui.cli.settings import Settings
from trinn.tui.screens.case import CaseScreen
from trinn.tui.screens.tasks import MyTasksScreen
from trinn.tui.widgets.field_input import FieldInput

SUBJECT = "[b]x[/b][/]<p>"  # short: the listings cut a long subject
FIELD = "[red]y[/red] <b>z</b> [/]"
NOTE = "[b]n[/b] [/] <script>alert(1)</script>"
ESCAPE = "a \x1b[31mred"
REFUSED = "character U+001B at position 3 is a control character"


def _hostile_case(settings: Settings) -> int:
    service = settings.service()
    case_id = open_case(settings, SUBJECT)
    service.set_fields(case_id, {"kontaktperson": FIELD, "agenda": FIELD + "\n" + NOTE}, actor="kari")
    service.comment(case_id, NOTE, actor="kari")
    service.complete_task(case_id, "avklar_interesse", actor="kari", note=NOTE)
    return case_id


async def test_hostile_text_shows_as_typed_in_every_view(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = _hostile_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        assert SUBJECT in screen_text(pilot)  # the cases listing
        search = app.screen.query_one(Input)  # its search box, an escape pasted in: text
        search.value = ESCAPE
        await settle(pilot)
        assert search.value == "a \\x1b[31mred" and "\x1b" not in screen_text(pilot)
        search.value = ""
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, MyTasksScreen) and SUBJECT in screen_text(pilot)
        screen = await open_screen(pilot, case_id)
        assert f"{case_id} · {SUBJECT}" in screen_text(pilot)  # the head of the case
        await pilot.press("5")  # History: the fields as set, the comment, the task's note
        await settle(pilot)
        history = screen_text(pilot)
        assert f"Kontaktperson i virksomheten: {FIELD}" in history
        assert f"“{NOTE}”" in history
        await pilot.press("3")  # Fields: the inputs hold what was typed
        await settle(pilot)
        fields = {f.field_name: f for f in screen.query(FieldInput)}
        assert fields["kontaktperson"].query_one(Input).value == FIELD
        assert FIELD in screen_text(pilot)
        fields["kontaktperson"].query_one(Input).value = ESCAPE
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.is_running
        # an escape pasted into the input is shown as text at once, so it reaches no terminal
        assert fields["kontaktperson"].query_one(Input).value == "a \\x1b[31mred"
        assert "\x1b" not in screen_text(pilot)
    case, _compiled, _children = settings.queries().load(case_id)
    assert case.fields["kontaktperson"] == FIELD and case.subject == SUBJECT


def test_hostile_text_shows_as_typed_on_the_command_line(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case_id = _hostile_case(settings)
    env = {**os.environ, "TRINN_DB": str(settings.db), "TRINN_USER": "kari", "TRINN_LANG": "en"}

    def trinn(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "trinn.tui.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    shown = trinn("show", str(case_id)).stdout
    assert f"{case_id}: {SUBJECT}" in shown and FIELD in shown
    history = trinn("history", str(case_id)).stdout
    assert f'kontaktperson="{FIELD}"' in history and f"note: {NOTE}" in history
    assert SUBJECT in trinn("cases").stdout
    assert SUBJECT in trinn("tasks").stdout
    for refused in (
        trinn("set", str(case_id), f"kontaktperson={ESCAPE}"),
        trinn("comment", str(case_id), ESCAPE),
    ):
        assert refused.returncode != 0 and REFUSED in refused.stderr
        assert "\x1b" not in refused.stderr + refused.stdout and "Traceback" not in refused.stderr
