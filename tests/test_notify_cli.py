"""The notification commands through the command line, on both backends, with real receivers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.notify_receivers import HttpReceiver, Mailbox, http_receiver, smtp_receiver
from tests.test_notify_dispatch import DATA, JSON_SECRET, NOW, channels_file
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui.cli import app


@pytest.fixture
def setup(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[list[str], HttpReceiver, Mailbox, list[str]]]:
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG", "TRINN_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    people = tmp_path / "people.yaml"
    people.write_text(
        "kari: {name: Kari, email: kari@example.org, roles: [board, coordinator]}\n"
        "per: {name: Per, email: per@example.org, roles: []}\n"
    )
    outputs: list[str] = []
    with http_receiver() as web, smtp_receiver() as box:
        monkeypatch.setenv("SMTP_PASSWORD", box.password)
        base = [
            "--db",
            db_url,
            "--as",
            "kari",
            "--people",
            str(people),
            "--playbooks",
            str(DATA),
            "--channels",
            str(channels_file(tmp_path, web, box)),
        ]
        yield base, web, box, outputs
    for text in outputs:  # every output of every command of the test
        assert JSON_SECRET not in text and box.password not in text


def run(setup: tuple[list[str], HttpReceiver, Mailbox, list[str]], *args: str, code: int = 0) -> Result:
    base, _web, _box, outputs = setup
    result = CliRunner().invoke(app, [*base, *args], obj=lambda: NOW)
    outputs.extend([result.stdout, result.stderr])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return result


def test_a_command_sends_what_it_queued_after_commit(setup) -> None:
    _base, web, box, _ = setup
    assert (
        run(
            setup,
            "open",
            "test.welcome",
            "--set",
            "organisation=Acme",
            "--set",
            "contact=per",
            "--set",
            "contact_email=ceo@acme.test",
        ).stdout
        == "1\n"
    )
    result = run(setup, "fire", "1", "approve")
    assert (result.stdout, result.stderr) == ("case 1: approved (version 2)\n", "")
    assert [b["title"] for b in web.bodies()] == ["New partner: Acme", "New partner: Acme"]
    assert sorted(rcpt[0] for _s, rcpt, _m in box.messages) == ["ceo@acme.test", "per@example.org"]
    assert run(setup, "send", "--now", "2026-11-24T10:00").stdout == "nothing to send\n"
    listing = run(setup, "outbox").stdout
    assert listing.splitlines() == [
        "id  case  status  tries  to                 title",
        "1   1     sent    1      ceo@acme.test      Welcome, Acme",
        "2   1     sent    1      board,coordinator  New partner: Acme",
        "3   1     sent    1      per                Welcome, Acme",
    ]


def test_send_delivers_once_what_a_killed_command_left(setup, db_url: str, tmp_path: Path) -> None:
    """The command committed and its process died before sending: `trinn send` sends it, once."""
    _base, web, box, _ = setup
    store = Store(open_database(db_url))
    service = Service(
        store, PlaybookRegistry([DATA]), load_people(tmp_path / "people.yaml"), clock=lambda: NOW
    )
    case = service.open_case("test.welcome", {"organisation": "Acme", "contact": "per"}, actor="kari")
    service.fire(case.id, "approve", actor="kari")
    store.close()
    assert web.requests == []
    result = run(setup, "send", "--now", "2026-11-24T09:05")
    assert result.stdout.splitlines() == [
        "message 1 (case 1): not sent: field 'contact_email' is empty",
        f"message 2 (case 1): sent to json://****:****@127.0.0.1:{web.port}/****, "
        f"form://127.0.0.1:{web.port}/c...r",
        f"message 3 (case 1): sent to mailto://****:****@127.0.0.1:{box.port}/"
        "?from=post@example.org -> per@example.org",
    ]
    assert len(web.bodies("/board")) == 1 and len(web.bodies("/coordinator")) == 1
    assert run(setup, "send", "--now", "2026-11-24T09:06").stdout == "nothing to send\n"
    assert len(web.requests) == 2 and len(box.messages) == 1


def test_failed_message_is_listed_and_retried_by_hand(setup) -> None:
    _base, web, _box, _ = setup
    web.down = {"/board"}
    run(setup, "open", "test.welcome", "--set", "organisation=Acme")
    result = run(setup, "fire", "1", "approve")
    assert result.stdout == "case 1: approved (version 2)\n"
    assert result.stderr == (
        f"trinn: message 2 (case 1) not delivered: JSON json://****:****@127.0.0.1:{web.port}/****:"
        " Failed to send JSON POST notification: Servers are overloaded., error=503.; "
        "next try 2026-11-24 09:01 UTC\n"
    )
    for minute in ("09:01", "09:03", "09:07", "09:15", "09:31", "10:03", "11:07"):
        run(setup, "send", "--now", f"2026-11-24T{minute}", code=1)
    assert run(setup, "outbox", "--failed").stdout.splitlines()[:2] == [
        "id  case  status  tries  to                 title",
        "2   1     failed  8      board,coordinator  New partner: Acme",
    ]
    web.down = set()
    retried = run(setup, "outbox", "retry", "2", "--now", "2026-11-24T12:00")
    assert retried.stdout == f"message 2 (case 1): sent to json://****:****@127.0.0.1:{web.port}/****\n"
    assert len(web.bodies("/board")) == 1 and len(web.bodies("/coordinator")) == 1
    assert run(setup, "outbox", "retry", "2", code=1).stderr == (
        "trinn: message 2 was sent already, at 2026-11-24 12:00 UTC; it is not sent twice\n"
    )
    assert run(setup, "outbox", "--failed").stdout == "no failed messages\n"


def test_channels_lists_masked_urls_and_unreached_roles(setup, tmp_path: Path) -> None:
    _base, web, box, _ = setup
    lines = run(setup, "channels").stdout.splitlines()
    assert lines[:6] == [
        f"channels in {tmp_path / 'channels.yaml'}:",
        "#  service  tags           url",
        f"1  E-Mail   outgoing-mail  mailto://****:****@127.0.0.1:{box.port}/?from=post@example.org",
        f"2  JSON     board          json://****:****@127.0.0.1:{web.port}/****",
        f"3  Form     coordinator    form://127.0.0.1:{web.port}/c...r",
        "outgoing e-mail (tag 'outgoing-mail'): channel 1",
    ]
    # the bundled playbooks' roles: their members (none in this people file) cannot be reached
    assert (
        "no channel reaches role 'ledelsen' (padriv.fase-2, padriv.fase-7-2, partnerskab.forankring)"
    ) in lines
    assert not any("'board'" in line or "'coordinator'" in line for line in lines)
    (tmp_path / "channels.yaml").chmod(0o644)
    assert run(setup, "channels").stderr == (
        f"trinn: warning: {tmp_path / 'channels.yaml'} can be read by other users; its secrets "
        f"are theirs too (chmod 600 {tmp_path / 'channels.yaml'})\n"
    )


def test_notify_test_reaches_a_role(setup) -> None:
    _base, web, _box, _ = setup
    assert run(setup, "notify-test", "--to", "board").stdout == (
        f"json://****:****@127.0.0.1:{web.port}/****: sent\n"
    )
    assert web.bodies("/board")[0]["title"] == "trinn: test message"
    assert run(setup, "notify-test", "--to", "nobody", code=1).stdout == "no channel reaches 'nobody'\n"


def test_a_missing_environment_variable_is_one_line(
    setup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SMTP_PASSWORD")
    result = run(setup, "channels", code=2)
    assert result.stderr == (
        f"trinn: {tmp_path / 'channels.yaml'}:3:20: environment variable 'SMTP_PASSWORD' is not set\n"
    )


def test_channels_warns_of_a_channel_nothing_reaches(setup, tmp_path: Path) -> None:
    _base, web, _box, _ = setup
    path = tmp_path / "channels.yaml"
    path.write_text(f"""version: 1
urls:
  - json://127.0.0.1:{web.port}/nested:
      tag: [[1]]
  - json://127.0.0.1:{web.port}/untagged
  - json://127.0.0.1:{web.port}/typo:
      tag: bord
  - json://127.0.0.1:{web.port}/board:
      tag: board, kari
""")
    assert run(setup, "channels").stderr == (
        f"trinn: warning: channel 1 (json://127.0.0.1:{web.port}/n...d) has no tag (give it "
        "'tag:' with role or person ids): nothing reaches it\n"
        f"trinn: warning: channel 2 (json://127.0.0.1:{web.port}/u...d) has no tag (give it "
        "'tag:' with role or person ids): nothing reaches it\n"
        f"trinn: warning: channel 3 (json://127.0.0.1:{web.port}/****) has no tag that is a "
        "role, a person or 'outgoing-mail' (bord): nothing reaches it\n"
    )


def test_a_channels_file_with_no_usable_channel_says_why(setup, tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text(
        f"version: 1\nurls:\n  - nosuch://hook:{JSON_SECRET}@127.0.0.1/a:\n      tag: board\n"
    )
    stderr = run(setup, "channels", code=2).stderr
    assert stderr.startswith(f"trinn: {tmp_path / 'channels.yaml'}: no channel could be read: ")
    assert "An invalid Apprise schema (nosuch)" in stderr
    assert stderr.endswith("(an apprise YAML file lists them under 'urls:', each with a 'tag:')\n")


@pytest.mark.parametrize(
    ("language", "words"), [("nb", "ja nei"), ("da", "ja nej"), ("en", "yes no"), ("sv", "yes no")]
)
def test_yes_no_in_the_message_language(language: str, words: str) -> None:
    """One table for templates and summaries (the welcome mail's 'Approved: yes' uses it)."""
    from trinn.engine.text import yes_no

    assert f"{yes_no(True, language)} {yes_no(False, language)}" == words
