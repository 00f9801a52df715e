"""Messages with attachments (engine.attachments): file fields and files shipped beside the
playbook go with the message through apprise to a loopback SMTP receiver; `trinn check` refuses
an attachment that names no file field, and a shipped file that is missing or outside the
playbook's folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.notify_receivers import Mailbox
from trinn.engine.errors import CommandError
from trinn.engine.files import Upload
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.notifiers.channels import Channels
from trinn.notifiers.dispatch import send_pending
from trinn.tui.cli import app

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TERMS = "Vilkår for samarbeidspartnere.\n".encode()
PLAYBOOK = """\
id: test.attach
version: 1
language: nb
title: Vedlegg
subject: {title: Virksomhet, field: virksomhet}
roles:
  ledelsen: {title: Ledelsen}
fields:
  virksomhet: {type: text, label: Virksomhet, required: true}
  epost: {type: email, label: E-post, edit: [ledelsen]}
  avtale: {type: file, label: Avtale, accept: [pdf], edit: [ledelsen]}
messages:
  avtale:
    title: "Avtale for {{ virksomhet }}"
    body: |
      Hei!
      {% if avtale %}Avtalen ligger som vedlegg ({{ avtale }}).{% else %}Avtalen kommer senere.{% endif %}
    attach: [avtale, vedlegg/vilkar.txt]
initial: ny
states:
  ny: {title: Ny}
  sendt: {title: Sendt, final: true}
transitions:
  - trigger: send
    from: ny
    to: sendt
    by: ledelsen
    do:
      - notify: {to_field: epost, message: avtale}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    books = tmp_path / "books"
    (books / "vedlegg").mkdir(parents=True)
    (books / "attach.yaml").write_text(PLAYBOOK)
    (books / "vedlegg" / "vilkar.txt").write_bytes(TERMS)
    return books


@pytest.fixture
def service(folder: Path, tmp_path: Path) -> Iterator[Service]:
    people = tmp_path / "people.yaml"
    people.write_text("kari: {name: Kari, email: kari@example.org, roles: [ledelsen]}\n")
    store = Store(open_database(f"sqlite:///{tmp_path / 'trinn.db'}"))
    yield Service(store, PlaybookRegistry([folder]), load_people(people), clock=lambda: NOW)
    store.close()


@pytest.fixture
def channels(mail_channels: Channels) -> Channels:
    return mail_channels


def _sent(service: Service, box: Mailbox, channels: Channels) -> tuple[str, dict[str, tuple[str, bytes]]]:
    assert send_pending(service.store, channels, now=NOW).failed == 0
    ((_sender, _to, message),) = box.messages
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    attachments = {
        str(part.get_filename()): (part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
    }
    return body.get_content(), attachments


def test_attachments_file_field_and_shipped_file_reach_smtp(
    service: Service, channels: Channels, box: Mailbox
) -> None:
    case_id = service.open_case("test.attach", {"virksomhet": "Acme"}, actor="kari").id
    values = {"epost": "post@acme.test", "avtale": Upload("../tilslutningsavtale.pdf", PDF)}
    service.set_fields(case_id, values, actor="kari")
    service.fire(case_id, "send", actor="kari")
    body, attachments = _sent(service, box, channels)
    assert "Avtalen ligger som vedlegg (tilslutningsavtale.pdf)." in body
    assert attachments == {
        "tilslutningsavtale.pdf": ("application/pdf", PDF),
        "vilkar.txt": ("text/plain", TERMS),
    }
    with service.store.read() as tx:
        assert tx.files_stored() == 2  # the upload, and the shipped file kept as sent


def test_attachments_an_unset_field_adds_nothing_and_the_text_says_so(
    service: Service, channels: Channels, box: Mailbox
) -> None:
    case_id = service.open_case("test.attach", {"virksomhet": "Acme"}, actor="kari").id
    service.fire(case_id, "send", actor="kari", values={"epost": "post@acme.test"})
    body, attachments = _sent(service, box, channels)
    assert "Avtalen kommer senere." in body and "vedlegg" not in body
    assert list(attachments) == ["vilkar.txt"]


def test_attachments_a_shipped_file_gone_refuses_the_command(service: Service, folder: Path) -> None:
    case_id = service.open_case("test.attach", {"virksomhet": "Acme"}, actor="kari").id
    (folder / "vedlegg" / "vilkar.txt").unlink()
    with pytest.raises(
        CommandError, match=r"attachment 'vedlegg/vilkar\.txt' does not exist beside the playbook"
    ):
        service.fire(case_id, "send", actor="kari", values={"epost": "post@acme.test"})
    assert service.queries.load(case_id)[0].state == "ny"
    assert service.queries.outbox(case_id) == []


def test_attachments_of_a_case_opened_by_file_path_say_how_to_find_the_folder(
    folder: Path, tmp_path: Path
) -> None:
    """A case opened from a file path keeps the playbook's text, not its folder: a shipped file
    is then refused with what to do, nothing is written, and with the folder given it goes."""
    runner, db = CliRunner(), f"sqlite:///{tmp_path / 'path.db'}"
    opened = runner.invoke(app, ["--db", db, "open", str(folder / "attach.yaml"), "--set", "virksomhet=Acme"])
    assert opened.exit_code == 0, opened.output
    fire = ["fire", "1", "send", "--set", "epost=post@acme.test"]
    refused = runner.invoke(app, ["--db", db, *fire])
    assert refused.exit_code == 1
    assert " ".join(refused.stderr.split()) == (
        "trinn: case 1: attachment 'vedlegg/vilkar.txt': trinn does not know the folder of the playbook "
        "'test.attach' (give it with --playbooks DIR or TRINN_PLAYBOOKS)"
    )
    assert runner.invoke(app, ["--db", db, "show", "1", "--json"]).output.count('"state": "ny"') == 1
    done = runner.invoke(app, ["--db", db, "--playbooks", str(folder), *fire])
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize(
    ("attach", "message"),
    [
        ("[virksomhet]", "attachment 'virksomhet' is a text field, not a file field"),
        ("[avtalen]", "unknown field 'avtalen' (did you mean 'avtale'?)"),
        ("[vedlegg/mangler.pdf]", "attachment 'vedlegg/mangler.pdf' does not exist beside the playbook"),
        ("[../hemmelig.pdf]", "attachment '../hemmelig.pdf' is outside the playbook's folder"),
        ("[/etc/passwd.txt]", "attachment '/etc/passwd.txt' is outside the playbook's folder"),
        ("[lenke.txt]", "attachment 'lenke.txt' is outside the playbook's folder"),
        ("[program.exe]", "attachment 'program.exe' is not a file trinn sends"),
    ],
)
def test_check_refuses_an_attachment_that_names_no_file(
    folder: Path, tmp_path: Path, attach: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hemmelig.pdf").write_bytes(PDF)
    (folder / "lenke.txt").symlink_to(tmp_path / "hemmelig.pdf")
    (folder / "program.exe").write_bytes(b"MZ\x90\x00\x03\x00")
    playbook = folder / "attach.yaml"
    playbook.write_text(PLAYBOOK.replace("attach: [avtale, vedlegg/vilkar.txt]", f"attach: {attach}"))
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["check", "attach.yaml"])
    assert result.exit_code == 1
    (problem, summary) = result.output.splitlines()
    assert problem.startswith("attach.yaml:18:14: " + message)
    assert summary == "1 error in attach.yaml"


def test_check_takes_file_fields_and_files_inside_the_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["check", "attach.yaml"])
    assert (result.exit_code, result.output) == (0, "attach.yaml: ok\n")
