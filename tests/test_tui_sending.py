"""The app delivers the outbox in the background, through the same dispatcher as `trinn send`,
to real receivers on loopback; a message a channel refused is retried from the Outbox screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from tests.notify_receivers import HttpReceiver, Mailbox
from tests.tui_helpers import make_app, notices, settle
from trinn.tui.cli.settings import Settings
from trinn.tui.screens.outbox import OutboxScreen
from trinn.tui.sender import Sender

DATA = Path(__file__).parent / "data" / "notify"


@pytest.fixture
def settings(
    tmp_path: Path, web: HttpReceiver, box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = tmp_path / "channels.yaml"
    channels.write_text(f"""version: 1
urls:
  - mailto://{box.user}:${{SMTP_PASSWORD}}@127.0.0.1:{box.port}?from=post@example.org&mode=insecure:
      tag: outgoing-mail
  - json://127.0.0.1:{web.port}/board:
      tag: board
  - form://127.0.0.1:{web.port}/coordinator:
      tag: coordinator
""")
    channels.chmod(0o600)
    people = tmp_path / "people.yaml"
    people.write_text(
        "kari: {name: Kari, email: kari@example.org, roles: [board, coordinator]}\n"
        "per: {name: Per, email: per@example.org, roles: []}\n"
    )
    chosen = Settings([DATA], "en", f"sqlite:///{tmp_path / 'trinn.db'}", "kari", people, channels)
    yield chosen
    chosen.close()


def approve(settings: Settings) -> int:
    """What another coordinator's command leaves: three messages queued, none sent."""
    service = settings.service()
    case = service.open_case(
        "test.welcome",
        {"organisation": "Acme", "contact": "per", "contact_email": "ceo@acme.test"},
        actor="kari",
    )
    service.fire(case.id, "approve", actor="kari")
    return case.id


async def test_the_app_sends_what_is_queued(settings: Settings, web: HttpReceiver, box: Mailbox) -> None:
    approve(settings)
    app = make_app(settings, sender=Sender.configured(settings), send_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, rounds=8)
        assert "3 messages sent." in notices(app)
        app.send_outbox()  # a second round finds nothing more to send
        await settle(pilot)
    assert [b["title"] for b in web.bodies("/board")] == ["New partner: Acme"]
    assert len(web.bodies("/coordinator")) == 1
    assert sorted(to for _sender, tos, _mail in box.messages for to in tos) == [
        "ceo@acme.test",
        "per@example.org",
    ]


async def test_a_refused_message_is_said_and_retried_from_the_outbox(
    settings: Settings, web: HttpReceiver
) -> None:
    web.down = {"/board"}
    approve(settings)
    app = make_app(settings, sender=Sender.configured(settings), send_seconds=0)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot, rounds=8)
        assert "Message 2 (case 1) not delivered:" in notices(app)
        assert len(web.bodies("/coordinator")) == 1  # the other channel took it meanwhile
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen)
        assert [(r.id, r.status) for r in screen.rows] == [(2, "pending")]
        web.down = set()
        await pilot.press("t")
        await settle(pilot)
        assert "Sent." in notices(app)
        assert screen.rows == []
    assert len(web.bodies("/board")) == 1 and len(web.bodies("/coordinator")) == 1


async def test_a_broken_channels_file_is_said_once_and_nothing_is_lost(
    settings: Settings, web: HttpReceiver
) -> None:
    approve(settings)
    assert settings.channels_file is not None
    settings.channels_file.write_text("urls: [json://127.0.0.1:1/x: {tag: [}]\n")
    app = make_app(settings, sender=Sender.configured(settings), send_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert notices(app).count("Messages are not sent:") == 1
        assert app.sender is None
    assert web.requests == []
    with settings.store().read() as tx:
        assert {r.status for r in tx.outbox_rows()} == {"pending"}


def test_the_change_mark_moves_with_every_outbox_change(settings: Settings, web: HttpReceiver) -> None:
    """What the app polls to notice another process's work must move when a cron `trinn send`
    fails a row or a hand retry requeues it, not only when events or rows are added."""
    from trinn.notifiers.dispatch import DispatchPolicy, send_pending

    web.down = {"/board"}
    approve(settings)
    store, channels = settings.store(), settings.channels()
    assert channels is not None

    def mark() -> tuple[int, ...]:
        with store.read() as tx:
            return tx.change_mark()

    now = dt.datetime.now(dt.UTC)
    marks = [mark()]
    send_pending(store, channels, policy=DispatchPolicy(max_attempts=1))  # the board's row fails
    marks.append(mark())
    with store.write() as tx:  # a hand retry: attempts back to 0 ...
        assert tx.requeue_outbox(2, now) is not None
    marks.append(mark())
    with store.write() as tx:  # ... and another dispatcher claims it (attempts 1 again) ...
        assert tx.claim_outbox(2, "other", now, now + dt.timedelta(minutes=5)) is not None
    marks.append(mark())
    with store.write() as tx:  # ... and fails it, with nothing else changed
        assert tx.finish_outbox(
            2, "other", status="failed", next_attempt_at=None, sent_at=None, last_error="refused"
        )
    marks.append(mark())
    assert all(a != b for a, b in pairwise(marks)), marks
