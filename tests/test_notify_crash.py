"""A `trinn` process SIGKILLed between a command's commit and the end of its delivery, on both backends.

The issue's promise: no message is lost (the next `trinn send` delivers what the dead process left),
a channel whose delivery was recorded is never sent the message again, and only the send that was in
flight when the process died (the channel may have taken it, the record was not written) may arrive
twice, carrying the same message id both times. This only shows with a real process really killed:
the `trinn fire` here runs in its own interpreter, commits, starts delivering to real receivers on
loopback, and is stopped at a moment the test knows for certain, without a sleep:

- inside delivery: the HTTP receiver takes the POST and never answers, so the process sits in that
  send; the receiver's event says it is there (the channel's `rto=` keeps it from timing out first);
- after the commit, before delivery starts: the process prints its result once its command has
  committed, and only then (`Settings.close` -> `deliver_after_command`) imports apprise, reads its
  channels file and claims rows; the test reads that line and kills the process at once. (A named
  pipe as the channels file once gave an exact meeting point; channels files must now be regular
  files.) Should the process ever claim a row first, that run is told apart and tried again.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.notify_receivers import HttpReceiver, Mailbox, http_receiver, smtp_receiver
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.notifiers.dispatch import DEFAULT_POLICY

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "notify"
PROCESS_TIMEOUT_S = 60  # a process (or a receiver) that takes longer has hung: the test fails
JSON_SECRET = "Crash-json-Secret"
_CLI = "import trinn.tui.cli; trinn.tui.cli.main()"


@dataclass
class World:
    """The parent's view: the database, the receivers, and the options every `trinn` gets."""

    url: str
    service: Service
    web: HttpReceiver
    box: Mailbox
    channels: Path
    people: Path
    env: dict[str, str]
    children: list[subprocess.Popen[str]] = field(default_factory=list)

    def trinn(self, *args: str, channels: Path | None = None) -> subprocess.Popen[str]:
        """Start the real command line in its own process, this checkout's code, a clean env."""
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CLI,
                "--db",
                self.url,
                "--as",
                "kari",
                "--people",
                str(self.people),
                "--playbooks",
                str(DATA),
                "--channels",
                str(channels or self.channels),
                *args,
            ],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.children.append(process)
        return process

    def run(self, *args: str) -> tuple[str, str]:
        process = self.trinn(*args)
        stdout, stderr = process.communicate(timeout=PROCESS_TIMEOUT_S)
        assert process.returncode == 0, (args, stdout, stderr)
        assert JSON_SECRET not in stdout + stderr and self.box.password not in stdout + stderr
        return stdout, stderr

    def outbox(self) -> tuple[list[Any], dict[int, list[tuple[str, str]]]]:
        """Each outbox row, and each row's recorded deliveries as (service, status)."""
        with self.service.store.read() as tx:
            rows = tx.outbox_listing()
            deliveries = tx.delivery_rows([row.id for row in rows])
        recorded: dict[int, list[tuple[str, str]]] = {row.id: [] for row in rows}
        for delivery in deliveries:
            recorded[delivery.outbox_id].append((delivery.service, delivery.status))
        return rows, recorded

    def mails_to(self, address: str) -> list[Any]:
        return [message for _sender, rcpt, message in self.box.messages if rcpt == [address]]


def _env(**extra: str) -> dict[str, str]:
    """This checkout's code, none of the caller's TRINN_* settings, output unbuffered (a killed
    process has printed what it got to), no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRINN_")}
    path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return {
        **env,
        "PYTHONPATH": path,
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }


@contextmanager
def world(db_url: str, tmp_path: Path, hold: str | None) -> Iterator[World]:
    people = tmp_path / "people.yaml"
    people.write_text(
        "kari: {name: Kari, email: kari@example.org, roles: [board, coordinator]}\n"
        "per: {name: Per, email: per@example.org, roles: []}\n"
    )
    store = Store(open_database(db_url))
    service = Service(store, PlaybookRegistry([DATA]), load_people(people))
    with http_receiver(hold, answer_held=False) as web, smtp_receiver() as box:
        channels = tmp_path / "channels.yaml"
        # rto: a held send waits for the kill instead of timing out after apprise's 4 s
        channels.write_text(f"""version: 1
urls:
  - mailto://{box.user}:${{SMTP_PASSWORD}}@127.0.0.1:{box.port}?from=post@example.org&mode=insecure:
      tag: outgoing-mail
  - json://hook:{JSON_SECRET}@127.0.0.1:{web.port}/board?rto={PROCESS_TIMEOUT_S}:
      tag: board
  - form://127.0.0.1:{web.port}/coordinator?rto={PROCESS_TIMEOUT_S}:
      tag: coordinator
""")
        channels.chmod(0o600)
        here = World(db_url, service, web, box, channels, people, _env(SMTP_PASSWORD=box.password))
        try:
            yield here
        finally:
            for child in here.children:  # a failed assertion must not leave processes behind
                if child.poll() is None:
                    child.kill()
                    child.communicate()
            store.close()


def _approvable_case(here: World) -> int:
    """A case whose `approve` queues three messages: a welcome mail to the contact's address
    (row 1), the alert to the board's JSON and the coordinator's form channel (row 2), and a
    welcome mail to the contact person (row 3)."""
    case = here.service.open_case(
        "test.welcome",
        {"organisation": "Acme", "contact": "per", "contact_email": "ceo@acme.test"},
        actor="kari",
    )
    return case.id


def _kill(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=PROCESS_TIMEOUT_S)
    assert process.returncode == -signal.SIGKILL, stderr  # killed by us, not ended by itself
    return stdout, stderr


def _wait_held(here: World, process: subprocess.Popen[str]) -> None:
    """Until the receiver holds its request; fails at once if the process ends instead."""
    for _ in range(PROCESS_TIMEOUT_S * 10):
        if here.web.held.wait(0.1):
            return
        if process.poll() is not None:
            pytest.fail(f"the process ended before its send was held: {process.communicate()}")
    pytest.fail("the held request never arrived")


def _assert_committed(here: World, case_id: int, stdout: str) -> None:
    """The killed command stands: it said so, and the case and its history hold it."""
    assert stdout == f"case {case_id}: approved (version 2)\n"
    case = here.service.queries.load(case_id)[0]
    assert (case.state, case.row_version, case.fields["approved"]) == ("approved", 2, True)
    history = here.service.queries.history(case_id)
    assert [(e.kind, e.name, e.state_after) for e in history][-1] == ("fire", "approve", "approved")


@pytest.mark.parametrize("hold", ["/board", "/coordinator"])
def test_a_process_killed_inside_a_send_repeats_that_send_once_and_nothing_else(
    db_url: str, tmp_path: Path, hold: str
) -> None:
    """Killed while one channel has the alert and has not answered: that channel may get it once
    more, with the same id; a channel recorded as sent (the first mail, and the board when the
    coordinator is held) never gets it again; the rest arrive exactly once."""
    with world(db_url, tmp_path, hold) as here:
        case_id = _approvable_case(here)
        fire = here.trinn("fire", str(case_id), "approve")
        _wait_held(here, fire)
        stdout, stderr = _kill(fire)
        _assert_committed(here, case_id, stdout)
        assert JSON_SECRET not in stderr

        rows, recorded = here.outbox()
        assert [(r.status, r.attempts) for r in rows] == [
            ("sent", 1),
            ("sending", 1),
            ("pending", 0),
        ]  # killed inside row 2's delivery
        before = [("JSON", "sent")] if hold == "/coordinator" else []
        assert recorded == {1: [("E-Mail", "sent")], 2: before, 3: []}
        assert len(here.mails_to("ceo@acme.test")) == 1 and here.mails_to("per@example.org") == []
        alert_id = rows[1].payload["message_id"]
        assert [b["message_id"] for b in here.web.bodies(hold)] == [alert_id]
        lease_end = rows[1].claimed_until
        assert (
            lease_end is not None and lease_end - rows[1].created_at >= DEFAULT_POLICY.lease
        )  # claimed at or after the command's commit, for the lease

        # while the dead process's claim holds, no one takes its row; the untouched row goes
        early, _ = here.run("send", "--now", (lease_end - dt.timedelta(seconds=1)).isoformat())
        assert early.splitlines() == [
            f"message 3 (case {case_id}): sent to mailto://****:****@127.0.0.1:{here.box.port}/"
            "?from=post@example.org -> per@example.org"
        ]
        assert [b["message_id"] for b in here.web.bodies(hold)] == [alert_id]

        # once the claim has lapsed, the next `trinn send` takes it up
        later, _ = here.run("send", "--now", (lease_end + dt.timedelta(seconds=1)).isoformat())
        sent = [
            f"json://****:****@127.0.0.1:{here.web.port}/****",
            f"form://127.0.0.1:{here.web.port}/c...r",
        ]
        resent = sent[1:] if hold == "/coordinator" else sent
        assert later == f"message 2 (case {case_id}): sent to {', '.join(resent)}\n"
        again, _ = here.run("send", "--now", (lease_end + dt.timedelta(hours=1)).isoformat())
        assert again == "nothing to send\n"

        # what each receiver got: the held channel twice (once before the kill, once after),
        # with one id; every other channel once
        assert [b["message_id"] for b in here.web.bodies(hold)] == [alert_id, alert_id]
        other = "/board" if hold == "/coordinator" else "/coordinator"
        assert [b["message_id"] for b in here.web.bodies(other)] == [alert_id]
        assert len(here.mails_to("ceo@acme.test")) == 1 and len(here.mails_to("per@example.org")) == 1
        rows, recorded = here.outbox()
        assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("sent", 2), ("sent", 1)]
        assert sorted(recorded[2]) == [("Form", "sent"), ("JSON", "sent")]  # one record each


def _kill_once_said(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Kill the process as soon as it has printed its command's result (so: committed), before it
    has loaded its channels; what it printed is returned as if read after the kill."""
    assert process.stdout is not None
    said = process.stdout.readline()  # a hang here is ended by the test's timeout
    stdout, stderr = _kill(process)
    return said + stdout, stderr


ATTEMPTS = 3  # runs in which the process claimed a row before the kill (it never has yet) are retried


def test_a_process_killed_after_commit_before_delivery_leaves_every_message_for_send(
    db_url: str, tmp_path: Path
) -> None:
    """Killed once the command committed and before it claimed a row: nothing was sent or
    claimed, and the next `trinn send` delivers each message to each channel exactly once."""
    for attempt in range(ATTEMPTS):
        (tmp_path / str(attempt)).mkdir()
        with world(db_url, tmp_path / str(attempt), hold=None) as here:
            case_id = _approvable_case(here)
            stdout, _stderr = _kill_once_said(here.trinn("fire", str(case_id), "approve"))
            _assert_committed(here, case_id, stdout)
            if any(r.claimed_by is not None or r.attempts for r in here.outbox()[0]):
                continue  # the process won the race to its first claim: not the moment tested here
            _after_commit_before_delivery(here, case_id)
            return
    pytest.fail(f"in {ATTEMPTS} runs the process always claimed a row before it could be killed")


def _after_commit_before_delivery(here: World, case_id: int) -> None:
    """Nothing was sent or claimed; the next `trinn send` delivers each message to each channel once."""
    rows, recorded = here.outbox()
    assert [(r.status, r.attempts, r.claimed_by) for r in rows] == [("pending", 0, None)] * 3
    assert recorded == {1: [], 2: [], 3: []}
    assert here.web.requests == [] and here.box.messages == []

    stdout, _ = here.run("send")
    assert stdout.splitlines() == [
        f"message 1 (case {case_id}): sent to mailto://****:****@127.0.0.1:{here.box.port}/"
        "?from=post@example.org -> ceo@acme.test",
        f"message 2 (case {case_id}): sent to json://****:****@127.0.0.1:{here.web.port}/****, "
        f"form://127.0.0.1:{here.web.port}/c...r",
        f"message 3 (case {case_id}): sent to mailto://****:****@127.0.0.1:{here.box.port}/"
        "?from=post@example.org -> per@example.org",
    ]
    assert here.run("send")[0] == "nothing to send\n"

    assert [r["path"] for r in here.web.requests] == ["/board", "/coordinator"]
    assert len(here.mails_to("ceo@acme.test")) == 1 and len(here.mails_to("per@example.org")) == 1
    rows, recorded = here.outbox()
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1)] * 3
    assert recorded == {
        1: [("E-Mail", "sent")],
        2: [("JSON", "sent"), ("Form", "sent")],
        3: [("E-Mail", "sent")],
    }
