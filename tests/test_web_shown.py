"""What an outside party sent through `trinn serve`, as everyone else then sees it.

The history (`trinn history`, the app's History tab) says the form came through the web
form, in the app's language; and a value with markup in it (an HTML script tag, console
markup) reads as typed everywhere it is shown: on the web page (escaped HTML), in the
terminal (never console markup) and in the e-mails (plain text, never HTML).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.notify_receivers import Mailbox
from tests.tui_helpers import make_app, open_screen, screen_text, settle
from tests.web_helpers import NOW, Clock, invited_case, mail_channels, make_service, request, serving
from trinn.notifiers.dispatch import send_pending
from trinn.tui.cli import app as cli
from trinn.tui.cli.settings import Settings
from trinn.tui.web.delivery import outbox_sender

SCRIPT = "<script>alert(1)</script>"
MARKUP = "[b]x[/b]"
COMPANY = f"{MARKUP} {SCRIPT} AS"  # the case's subject, shown on the form page and in every message
LINK = re.compile(r"https://skjema\.test(/f/\S+)")
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@dataclass
class Submitted:
    folder: Path
    case_id: int
    page: str  # the form page the company opened
    mails: list[EmailMessage]  # what the submission sent at once: the receipt and the alert


@pytest.fixture
def submitted(tmp_path: Path, box: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Submitted:
    """A fase 7.2 case of a company whose name holds markup, whose sign-up form was sent from
    the invitation's link through the real server with markup in every text answer."""
    clock = Clock()
    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", clock)
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = mail_channels(tmp_path, box)
    try:
        case_id = invited_case(service, COMPANY)
        (invitation,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "invitasjon"]
        found = LINK.search(invitation.payload["body"])
        assert found is not None
        send_pending(service.store, channels, now=NOW)  # what came before: sent
        box.messages.clear()
        with serving(service, deliver=outbox_sender(service.store, channels, clock)) as base:
            page = request(base + found.group(1))
            csrf = CSRF.search(page.body)
            assert page.status == 200 and csrf is not None
            answers = {
                "_csrf": csrf.group(1),
                "kontaktperson": SCRIPT,
                "kontakt_epost": "per@fjordkraft.test",
                "strategisk_initiativ": f"{MARKUP}\n{SCRIPT}",
                "har_okonomisk_bidrag": "no",
            }
            sent = request(base + found.group(1), "POST", form=answers, cookies=page.cookies)
            assert sent.status == 303
            deadline = time.monotonic() + 60
            while len(box.messages) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        service.store.close()
    return Submitted(tmp_path, case_id, page.body, [message for _from, _to, message in box.messages])


def test_web_page_shows_markup_in_the_subject_as_text(submitted: Submitted) -> None:
    assert '<p class="subject">[b]x[/b] &lt;script&gt;alert(1)&lt;/script&gt; AS</p>' in submitted.page
    assert SCRIPT not in submitted.page


def test_web_mails_carry_markup_as_plain_text(submitted: Submitted) -> None:
    by_subject = {str(mail["Subject"]): mail for mail in submitted.mails}
    assert sorted(by_subject) == [
        "Ny samarbeidspartner registrert: [b]x[/b] <script>alert(1)</script> AS",
        "Påmeldingsskjemaet er mottatt",
    ]
    for mail in submitted.mails:
        assert [part.get_content_type() for part in mail.walk() if not part.is_multipart()] == ["text/plain"]
    receipt = by_subject["Påmeldingsskjemaet er mottatt"].get_content().replace("\r\n", "\n")
    assert f"Vi har mottatt påmeldingsskjemaet fra {COMPANY}." in receipt
    assert f"Kontaktperson: {SCRIPT}" in receipt
    assert f"Strategisk prosjekt / initiativ: {MARKUP}\n{SCRIPT}" in receipt


def test_web_history_says_the_form_came_through_the_web_form(submitted: Submitted) -> None:
    base = ["--db", str(submitted.folder / "trinn.db"), "--people", str(submitted.folder / "people.yaml")]
    result = CliRunner().invoke(
        cli, [*base, "--as", "kari", "history", str(submitted.case_id)], obj=lambda: NOW
    )
    assert result.exit_code == 0, result.output
    last = result.stdout.splitlines()[-1].split("  ")
    assert last[2:5] == [
        "virksomheten",
        "form pamelding (fyll_ut_pamelding) (through the web form)",
        "[invitert -> pamelding_mottatt]",
    ]
    assert 'kontaktperson="<script>alert(1)</script>"' in last[5]
    assert 'strategisk_initiativ="[b]x[/b]\\n<script>alert(1)</script>"' in last[5]


async def test_web_history_tab_says_web_form_and_shows_markup_as_typed(submitted: Submitted) -> None:
    from trinn.tui import i18n

    settings = Settings(
        [], "nb", f"sqlite:///{submitted.folder / 'trinn.db'}", "kari", submitted.folder / "people.yaml"
    )
    i18n.install("nb")
    try:
        app = make_app(settings)
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await open_screen(pilot, submitted.case_id)
            assert f"{submitted.case_id} · {COMPANY}" in screen_text(pilot)
            await pilot.press("h")
            await settle(pilot)
            shown = screen_text(pilot)
    finally:
        i18n.install("en")
    assert "virksomheten  fylte ut «Påmeldingsskjema for nye samarbeidspartnere» via nettskjemaet" in shown
    assert f"Kontaktperson i virksomheten: {SCRIPT}" in shown
    assert MARKUP in shown
