"""Channels told apart by their key, claims renewed while sending, a skipped row retried, on
real loopback receivers and both databases."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.notify_receivers import HttpReceiver
from trinn.engine.errors import CommandError
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.notifiers.channels import load_channels
from trinn.notifiers.dispatch import DispatchPolicy, retry, send_pending

DATA = Path(__file__).parent / "data" / "notify"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
# apprise's e-mail plugin imports imghdr, deprecated in Python 3.11 (as in notify_receivers)
pytestmark = pytest.mark.filterwarnings("ignore:.*imghdr.*:DeprecationWarning")
POLICY = DispatchPolicy(lease=dt.timedelta(minutes=1), first_delay=dt.timedelta(minutes=1))


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


def write_channels(tmp_path: Path, board: list[str]) -> Path:
    path = tmp_path / "channels.yaml"
    path.write_text(
        "version: 1\nurls:\n" + "".join(f"  - {url}:\n      tag: board, coordinator\n" for url in board)
    )
    path.chmod(0o600)
    return path


def alert_only(service: Service) -> int:
    """A case whose only sendable message is the alert to the board (the row's id)."""
    case = service.open_case(
        "test.welcome",
        {"organisation": "Acme", "contact": "per", "contact_email": "ceo@acme.test"},
        actor="kari",
    )
    service.fire(case.id, "approve", actor="kari")
    with service.store.read() as tx:
        rows = tx.outbox_listing()
    return next(r.id for r in rows if r.payload.get("to") == ["board", "coordinator"])


def test_channels_that_differ_only_in_a_secret_are_two_channels(
    service: Service, web: HttpReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_A", "hook-aaa-secret")
    monkeypatch.setenv("HOOK_B", "hook-bbb-secret")
    channels = load_channels(
        write_channels(
            tmp_path, [f"json://127.0.0.1:{web.port}/${{HOOK_A}}", f"json://127.0.0.1:{web.port}/${{HOOK_B}}"]
        )
    )
    first, second = channels.channels
    assert first.masked == second.masked and first.key != second.key
    assert len(first.key) == 20 and "hook" not in first.key
    row_id = alert_only(service)
    web.down = {"/hook-bbb-secret"}
    result = retry(service.store, channels, row_id, now=NOW, policy=POLICY)
    assert result.status == "pending"
    assert len(web.bodies("/hook-aaa-secret")) == 1
    with service.store.read() as tx:
        deliveries = tx.delivery_rows([row_id])
    assert [(d.channel, d.status) for d in deliveries] == [(first.key, "sent"), (second.key, "failed")]
    assert {d.url for d in deliveries} == {first.masked}  # what users see is still masked
    web.down = set()
    again = retry(service.store, channels, row_id, now=NOW + dt.timedelta(minutes=1), policy=POLICY)
    assert again.status == "sent"
    # each webhook got the alert once: the retry went only to the one that failed
    assert len(web.bodies("/hook-aaa-secret")) == 1 and len(web.bodies("/hook-bbb-secret")) == 1


def test_a_dispatcher_whose_claim_lapsed_stops_before_the_next_channel(
    service: Service, web: HttpReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    web.hold = "/slow"  # its first request waits until the test lets it go
    channels = load_channels(
        write_channels(tmp_path, [f"json://127.0.0.1:{web.port}/slow", f"json://127.0.0.1:{web.port}/fast"])
    )
    row_id = alert_only(service)
    results: list[Any] = []
    first = threading.Thread(
        target=lambda: results.append(retry(service.store, channels, row_id, now=NOW, policy=POLICY))
    )
    first.start()
    assert web.held.wait(30)  # the first dispatcher is held by the slow channel
    # its one-minute lease lapses: a second dispatcher takes the row over and finishes it
    later = send_pending(service.store, channels, now=NOW + dt.timedelta(minutes=2), policy=POLICY)
    assert [(r.outbox_id, r.status) for r in later.results if r.outbox_id == row_id] == [(row_id, "sent")]
    web.release.set()
    first.join(30)
    (lost,) = results
    assert lost.status == "lost" and lost.sent_to == [channels.channels[0].masked]
    assert lost.errors == [
        "sending took longer than the claim's 1 min and another dispatcher took the message over"
    ]
    assert "another dispatcher took the message over" in caplog.text
    # the fast channel got the alert once, from the second dispatcher; the slow one twice (the
    # repeat a lapsed lease cannot avoid, and which the message id lets receivers drop)
    assert len(web.bodies("/fast")) == 1 and len(web.bodies("/slow")) == 2
    with service.store.read() as tx:
        (row,) = tx.outbox_listing(ids=[row_id])
    assert (row.status, row.claimed_by) == ("sent", None)


RECEIPT = """id: test.receipt
version: 1
language: en
title: Receipt
subject: {title: Organisation, field: organisation}
roles:
  coordinator: {title: Coordinator}
fields:
  organisation: {type: text, label: Organisation}
  contact_email: {type: email, label: Contact e-mail, edit: [coordinator]}
messages:
  receipt: {title: We got it, body: Thank you.}
initial: received
states:
  received:
    title: Received
    on_enter:
      - notify: {to_field: contact_email, message: receipt}
  done: {title: Done, final: true, outcome: positive}
transitions:
  - {trigger: finish, from: received, to: done, by: coordinator}
"""


def test_retry_of_a_skipped_row_names_the_field_then_sends_once_it_is_set(
    db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "receipt.yaml").write_text(RECEIPT)
    store = Store(open_database(db_url))
    people = tmp_path / "people.yaml"
    people.write_text("kari: {name: Kari, email: kari@example.org, roles: [coordinator]}\n")
    service = Service(
        store, PlaybookRegistry([tmp_path / "playbooks"]), load_people(people), clock=lambda: NOW
    )
    path = tmp_path / "channels.yaml"
    path.write_text(
        "version: 1\nurls:\n  - mailto://u:pw123@127.0.0.1:1?from=post@example.org:\n"
        "      tag: outgoing-mail\n"
    )
    path.chmod(0o600)
    channels = load_channels(path)
    case = service.open_case("test.receipt", {"organisation": "Acme"}, actor="kari")
    (skipped,) = send_pending(store, channels, now=NOW, policy=POLICY).results
    assert (skipped.status, skipped.errors) == ("skipped", ["field 'contact_email' is empty"])
    with pytest.raises(CommandError) as refused:
        retry(store, channels, skipped.outbox_id, now=NOW, policy=POLICY)
    assert str(refused.value) == (
        f"message {skipped.outbox_id} was not sent: field 'contact_email' of case {case.id} "
        f"holds no e-mail address; set it (`trinn set {case.id} contact_email=...`) and retry"
    )
    service.set_fields(case.id, {"contact_email": "ceo@acme.test"}, actor="kari")
    again = retry(store, channels, skipped.outbox_id, now=NOW, policy=POLICY)
    # sent to the address the field holds now (the mail server here is dead: it was tried)
    assert again.status == "pending"
    assert again.errors[0].startswith("E-Mail mailto://****:****@127.0.0.1:1/")
    assert "-> ceo@acme.test" in again.errors[0] and "pw123" not in again.errors[0]
    store.close()
