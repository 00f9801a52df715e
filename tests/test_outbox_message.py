"""The typed outbox message: who it is for, its JSON both ways, and rows an older trinn wrote."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.notify_receivers import Mailbox, smtp_receiver
from trinn.engine.outbox_message import OutboxAction, OutboxMessage, Reason, outbox_entry
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui.cli import app

NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)

CREW = """id: test.crew
version: 1
language: en
title: Call a crew
subject: {title: Job, field: job}
roles:
  board: {title: The board}
  hand: {title: A hand}
fields:
  job: {type: text, label: Job, required: true}
  crew: {type: person_list, label: Crew}
  contact: {type: person, label: Contact}
  contact_email: {type: email, label: Contact e-mail}
messages:
  call: {title: "Called: {{ job }}", body: "Come."}
initial: planned
states:
  planned:
    title: Planned
  called:
    title: Called
    on_enter:
      - notify: {to_field: crew, message: call}
      - notify: {to_field: contact, message: call}
      - notify: {to_field: contact_email, message: call}
      - notify: {to: board, to_person: kari, message: call}
    final: true
transitions:
  - {trigger: call, from: planned, to: called, by: board}
"""

PEOPLE = (
    "kari: {name: Kari, email: kari@example.org, roles: [board]}\n"
    "per: {name: Per, email: per@example.org, roles: [hand]}\n"
    "ola: {name: Ola, email: ola@example.org, roles: [hand]}\n"
)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[list[str], Mailbox]]:
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / "crew.yaml").write_text(CREW)
    (tmp_path / "people.yaml").write_text(PEOPLE)
    with smtp_receiver() as box:
        channels = tmp_path / "channels.yaml"
        channels.write_text(
            "version: 1\nurls:\n"
            f"  - mailto://{box.user}:{box.password}@127.0.0.1:{box.port}?from=post@example.org"
            "&mode=insecure:\n      tag: outgoing-mail\n"
        )
        channels.chmod(0o600)
        base = ["--db", f"sqlite:///{tmp_path / 'trinn.db'}", "--as", "kari"]
        base += ["--people", str(tmp_path / "people.yaml"), "--playbooks", str(playbooks)]
        yield [*base, "--channels", str(channels)], box


def trinn(base: list[str], *args: str) -> str:
    result = CliRunner().invoke(app, [*base, *args])
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def queue_calls(tmp_path: Path) -> None:
    store = Store(open_database(f"sqlite:///{tmp_path / 'trinn.db'}"))
    service = Service(
        store,
        PlaybookRegistry([tmp_path / "playbooks"]),
        load_people(tmp_path / "people.yaml"),
        clock=lambda: NOW,
    )
    fields = {"job": "Roof", "crew": ["per", "ola"], "contact": "per", "contact_email": "boss@roof.test"}
    case = service.open_case("test.crew", fields, actor="kari")
    service.fire(case.id, "call", actor="kari")
    store.close()


def test_outbox_lists_a_person_list_field_as_its_people(setup, tmp_path: Path) -> None:
    """The bug: `to` was `["per", "ola", "['per', 'ola']"]` (the field's list kept as an address)."""
    base, _box = setup
    queue_calls(tmp_path)
    listed = json.loads(trinn(base, "outbox", "--json"))
    assert [(v["id"], v["to"]) for v in listed] == [
        (1, ["per", "ola"]),
        (2, ["per"]),
        (3, ["boss@roof.test"]),
        (4, ["board", "kari"]),
    ]


def test_send_reaches_each_person_of_a_person_list_field(setup, tmp_path: Path) -> None:
    base, box = setup
    queue_calls(tmp_path)
    trinn(base, "send", "--now", "2026-11-24T09:05")
    assert sorted(rcpt[0] for _s, rcpt, _m in box.messages) == [
        "boss@roof.test",
        "kari@example.org",  # the board's member, and kari named as a person: one message
        "ola@example.org",
        "per@example.org",
        "per@example.org",
    ]


def test_a_row_an_older_trinn_wrote_still_lists_and_sends(setup, tmp_path: Path) -> None:
    """Rows written before the typed message: a person_list field's ids kept as the address, a
    person's id as the address, keys left out, no `reason`."""
    base, box = setup
    queue_calls(tmp_path)  # the schema, the playbook and case 1
    old_rows = [
        {
            "reason": "notify",
            "state": "called",
            "message": "call",
            "to": [],
            "to_person": None,
            "to_field": "crew",
            "channel": None,
            "address": ["per", "ola"],
            "title": "Called: Roof",
            "body": "Come.\n",
            "language": "en",
            "message_id": "0ld1@trinn",
            "persons": ["per", "ola"],
            "members": {},
            "people": {"per": "per@example.org", "ola": "ola@example.org"},
            "subject": "Roof",
        },
        {
            "to_field": "contact",
            "address": "per",
            "persons": ["per"],
            "people": {"per": "per@example.org"},
            "title": "Old too",
            "body": "Old.\n",
        },
        {
            "to": ["board"],
            "message": "call",
            "title": "Old",
            "body": "Old.\n",
            "members": {"board": ["kari"]},
            "people": {"kari": "kari@example.org"},
        },
    ]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'trinn.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE outbox SET status = 'sent'"))
        for payload in old_rows:
            connection.execute(
                sa.text(
                    "INSERT INTO outbox (case_id, case_version, created_at, kind, payload, status, "
                    "attempts, next_attempt_at) VALUES (1, 2, :now, 'notify', :payload, 'pending', 0, :now)"
                ),
                {"now": NOW.replace(tzinfo=None), "payload": json.dumps(payload)},
            )
    engine.dispose()
    listed = json.loads(trinn(base, "outbox", "--json"))
    assert [(v["id"], v["reason"], v["to"], v["title"]) for v in listed[4:]] == [
        (5, "notify", ["per", "ola"], "Called: Roof"),
        (6, "notify", ["per"], "Old too"),
        (7, "notify", ["board"], "Old"),
    ]
    assert trinn(base, "send", "--now", "2026-11-24T09:05").splitlines() == [
        f"message 5 (case 1): sent to mailto://****:****@127.0.0.1:{box.port}/?from=post@example.org "
        "-> per@example.org, "
        f"mailto://****:****@127.0.0.1:{box.port}/?from=post@example.org -> ola@example.org",
        f"message 6 (case 1): sent to mailto://****:****@127.0.0.1:{box.port}/?from=post@example.org "
        "-> per@example.org",
        f"message 7 (case 1): sent to mailto://****:****@127.0.0.1:{box.port}/?from=post@example.org "
        "-> kari@example.org",
    ]


def test_json_round_trip_keeps_every_field() -> None:
    message = OutboxMessage(
        reason=Reason.ESCALATE,
        state="called",
        message="call",
        to=("board",),
        to_person="kari",
        to_field="contact_email",
        channel="team",
        address="boss@roof.test",
        count=2,
        title="T",
        body="B\n",
        language="nb",
        message_id="x@trinn",
        subject="Roof",
        persons=("kari",),
        members={"board": ("kari",)},
        people={"kari": "kari@example.org"},
    )
    assert OutboxMessage.from_json(json.loads(json.dumps(message.to_json()))) == message
    assert message.recipients() == ["board", "kari", "boss@roof.test"]
    assert message.addressed() == ["board", "kari", "contact_email"]
    assert message.names("contact_email") and not message.names("per")


def test_recipients_text_names_the_field_that_named_nobody() -> None:
    empty = OutboxMessage.from_json({"reason": "notify", "to_field": "crew", "address": None})
    assert (empty.recipients(), empty.recipients_text(), empty.headline()) == ([], "crew", "notify")
    action = outbox_entry("action", {"kind": "archive", "params": {"days": 3}})
    assert action == OutboxAction("archive", {"days": 3})
    assert (action.recipients_text(), action.headline()) == ("", "archive")
