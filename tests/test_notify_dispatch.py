"""Delivering the outbox to real receivers on loopback, on SQLite and PostgreSQL: what arrives,
a dead endpoint, a crash between commit and delivery, two dispatchers at once, masked secrets."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.notify_receivers import HttpReceiver, Mailbox
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.notifiers.channels import load_channels
from trinn.notifiers.dispatch import DispatchPolicy, retry, send_pending

DATA = Path(__file__).parent / "data" / "notify"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
JSON_SECRET = "Tok3n-json-Secret"
POLICY = DispatchPolicy(first_delay=dt.timedelta(minutes=1), max_attempts=3)


def channels_file(tmp_path: Path, web: HttpReceiver, box: Mailbox) -> Path:
    path = tmp_path / "channels.yaml"
    path.write_text(f"""version: 1
urls:
  - mailto://{box.user}:${{SMTP_PASSWORD}}@127.0.0.1:{box.port}?from=post@example.org&mode=insecure:
      tag: outgoing-mail
  - json://hook:{JSON_SECRET}@127.0.0.1:{web.port}/board:
      tag: board
  - form://127.0.0.1:{web.port}/coordinator:
      tag: coordinator
""")
    path.chmod(0o600)
    return path


@pytest.fixture
def service(db_url: str, tmp_path: Path) -> Iterator[Service]:
    people = tmp_path / "people.yaml"
    people.write_text(
        "kari: {name: Kari, email: kari@example.org, roles: [board, coordinator]}\n"
        "per: {name: Per, email: per@example.org, roles: []}\n"
    )
    store = Store(open_database(db_url))
    yield Service(store, PlaybookRegistry([DATA]), load_people(people), clock=lambda: NOW)
    store.close()


def approve(service: Service) -> int:
    case = service.open_case(
        "test.welcome",
        {"organisation": "Acme", "contact": "per", "contact_email": "ceo@acme.test"},
        actor="kari",
    )
    service.fire(case.id, "approve", actor="kari")
    return case.id


def test_dispatch_delivers_each_message_to_its_receivers(
    service: Service, web: HttpReceiver, box: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = load_channels(channels_file(tmp_path, web, box))
    approve(service)
    report = send_pending(service.store, channels, now=NOW)
    assert [r.status for r in report.results] == ["sent", "sent", "sent"]
    (board,) = web.bodies("/board")
    assert board["title"] == "New partner: Acme"
    assert board["message"].startswith("Organisation: Acme (#1)\nWelcome a partner: Approved\n")
    (coordinator,) = web.bodies("/coordinator")
    assert coordinator["message_id"] == board["message_id"]  # one message, one id everywhere
    mails = {tuple(rcpt): message for _sender, rcpt, message in box.messages}
    assert set(mails) == {("ceo@acme.test",), ("per@example.org",)}
    mail = mails[("ceo@acme.test",)]
    assert mail["Subject"] == "Welcome, Acme"
    assert mail.get_content().replace("\r\n", "\n") == (
        "We are glad to have Acme with us (case 1).\nApproved: yes. State: Approved.\n"
    )
    with service.store.read() as tx:
        rows = tx.outbox_listing()
    assert mail["X-Trinn-Message-ID"] == f"<{rows[0].payload['message_id']}>"
    assert [r.payload["language"] for r in rows] == ["en"] * 3
    # sending again sends nothing: a row recorded as sent is done
    assert send_pending(service.store, channels, now=NOW + dt.timedelta(hours=1)).results == []
    assert len(web.requests) == 2 and len(box.messages) == 2


def test_dead_endpoint_is_retried_then_failed_then_retried_by_hand(
    service: Service, web: HttpReceiver, box: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = load_channels(channels_file(tmp_path, web, box))
    approve(service)
    web.down = {"/board"}
    first = send_pending(service.store, channels, now=NOW, policy=POLICY)
    assert [r.status for r in first.results] == ["sent", "pending", "sent"]  # the mails went out
    alert = first.results[1]
    assert alert.next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert "503" in " ".join(alert.errors) or "JSON" in " ".join(alert.errors)
    # not due yet: nothing is tried
    assert (
        send_pending(service.store, channels, now=NOW + dt.timedelta(seconds=30), policy=POLICY).results == []
    )
    second = send_pending(service.store, channels, now=NOW + dt.timedelta(minutes=1), policy=POLICY)
    assert [(r.status, r.next_attempt_at) for r in second.results] == [
        ("pending", NOW + dt.timedelta(minutes=3))
    ]
    third = send_pending(service.store, channels, now=NOW + dt.timedelta(minutes=3), policy=POLICY)
    assert [r.status for r in third.results] == ["failed"]
    assert send_pending(service.store, channels, now=NOW + dt.timedelta(days=1), policy=POLICY).results == []
    web.down = set()
    again = retry(service.store, channels, alert.outbox_id, now=NOW + dt.timedelta(days=1))
    assert again.status == "sent"
    # the form channel took the alert the first time: only the JSON one gets it now, once
    assert len(web.bodies("/board")) == 1 and len(web.bodies("/coordinator")) == 1
    assert len(box.messages) == 2
    with service.store.read() as tx:
        deliveries = tx.delivery_rows([alert.outbox_id])
    assert [(d.attempt, d.service, d.status) for d in deliveries] == [
        (1, "JSON", "failed"),
        (1, "Form", "sent"),
        (2, "JSON", "failed"),
        (3, "JSON", "failed"),
        (1, "JSON", "sent"),
    ]
    assert all(d.url.startswith(("json://****:****@", "form://")) for d in deliveries)


def test_a_row_left_by_a_crash_is_sent_once(
    service: Service, web: HttpReceiver, box: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command committed, then its process died: before sending, and while sending."""
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = load_channels(channels_file(tmp_path, web, box))
    approve(service)
    with service.store.write() as tx:  # a dispatcher claimed the first row and died
        assert tx.claim_outbox(1, "dead", NOW, NOW + dt.timedelta(minutes=5)) is not None
    early = send_pending(service.store, channels, now=NOW)
    assert [r.outbox_id for r in early.results] == [2, 3]  # its claim still holds
    late = send_pending(service.store, channels, now=NOW + dt.timedelta(minutes=6))
    assert [(r.outbox_id, r.status) for r in late.results] == [(1, "sent")]
    assert send_pending(service.store, channels, now=NOW + dt.timedelta(hours=1)).results == []
    assert sorted(tuple(rcpt) for _s, rcpt, _m in box.messages) == [("ceo@acme.test",), ("per@example.org",)]


def test_two_dispatchers_never_send_the_same_row(
    service: Service, web: HttpReceiver, box: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = load_channels(channels_file(tmp_path, web, box))
    for _ in range(4):
        approve(service)
    start = threading.Barrier(2)
    reports = []

    def dispatcher() -> None:
        start.wait()
        reports.append(send_pending(service.store, channels, now=NOW))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = sorted(r.outbox_id for report in reports for r in report.results)
    assert sent == list(range(1, 13))  # every row once, by one of them
    assert len(web.bodies("/board")) == 4 and len(web.bodies("/coordinator")) == 4
    assert len(box.messages) == 8


def test_secret_is_never_stored_or_shown(
    service: Service,
    web: HttpReceiver,
    box: Mailbox,
    tmp_path: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = load_channels(channels_file(tmp_path, web, box))
    approve(service)
    web.down = {"/board"}
    with caplog.at_level("DEBUG"):
        report = send_pending(service.store, channels, now=NOW)
    shown = repr(report) + repr(channels) + caplog.text
    assert JSON_SECRET not in shown and box.password not in shown
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        dump = "\n".join(
            str(tuple(row))
            for table in ("outbox", "deliveries", "events")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
        )
    engine.dispose()
    assert "****" in dump and JSON_SECRET not in dump and box.password not in dump
    if db_url.startswith("sqlite:///"):
        raw = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        wal = Path(db_url.removeprefix("sqlite:///") + "-wal")
        raw += wal.read_bytes() if wal.exists() else b""
        assert JSON_SECRET.encode() not in raw and box.password.encode() not in raw
