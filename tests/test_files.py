"""File fields: an upload is checked (empty, too large, the wrong kind, a name with path parts),
stored once by its sha256 in the database, and refused with nothing written."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from trinn.engine.errors import CommandError
from trinn.engine.files import Upload, read_upload, safe_name, sniff
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui.cli import app

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
AGREEMENT = """\
id: test.agreement
version: 1
language: en
title: Agreement
subject: {title: Name, field: name}
roles:
  lead: {title: Lead}
fields:
  name: {type: text, label: Name, required: true}
  signed: {type: file, label: Signed agreement, accept: [pdf, docx], edit: [lead]}
  logo: {type: file, label: Logo, accept: [png, jpeg, gif], edit: [lead]}
  note: {type: text, label: Note, edit: [lead]}
  copy: {type: file, label: Copy}
limits:
  file_bytes: 11000000
initial: waiting
states:
  waiting:
    title: Waiting
    tasks:
      - id: archive
        title: Archive
        role: lead
        on_complete:
          - set: {copy: "signed"}
  done: {title: Done, final: true}
transitions:
  - {trigger: finish, from: waiting, to: done, by: lead, when: "signed != null"}
"""
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx(*, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00")
    return buffer.getvalue()


def _odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return _service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}")


def _service(tmp_path: Path, url: str) -> Service:
    (tmp_path / "agreement.yaml").write_text(AGREEMENT)
    store = Store(open_database(url))
    return Service(store, PlaybookRegistry([tmp_path]), People.single_user("kari"), clock=lambda: NOW)


def _stored(service: Service) -> int:
    with service.store.read() as tx:
        return tx.files_stored()


def _opened(service: Service) -> int:
    return service.open_case("test.agreement", {"name": "Acme"}, actor="kari").id


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"GIF89a\x01\x00", "gif"),
        (_docx(), "docx"),
        (_odt(), "odt"),
        ("Avtalen er signert. Æ ø å\n".encode(), "txt"),
        (b"MZ\x90\x00\x03\x00", None),  # a Windows program
        (b"#!/bin/sh\x00rm -rf /", None),
        (_docx(macros=True), None),  # a .docm renamed .docx
        (b"PK\x03\x04 not a zip", None),
        (b"\x1b]0;owned\x07", None),  # a terminal escape is no text file
    ],
)
def test_sniff_knows_a_file_by_its_bytes(content: bytes, kind: str | None) -> None:
    assert sniff(content) == kind


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\avtale.pdf", "avtale.pdf"),
        ("/etc/passwd", "passwd"),
        (".hidden.pdf", "hidden.pdf"),
        ("..", "file.pdf"),
        ("avtale\u202egnp.pdf", "avtale_gnp.pdf"),  # a right-to-left override
        ("tilslutningsavtale (signert) Æ.pdf", "tilslutningsavtale (signert) Æ.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_safe_name_keeps_the_last_part_without_unsafe_characters(given: str, kept: str) -> None:
    assert safe_name(given, "pdf") == kept


def test_a_file_is_stored_with_its_value_and_read_back(service: Service) -> None:
    case_id = _opened(service)
    service.set_fields(case_id, {"signed": Upload("../../avtale.pdf", PDF)}, actor="kari")
    value, content = service.queries.stored_file(case_id, "signed")
    assert content == PDF
    assert value["name"] == "avtale.pdf"
    assert (value["size"], value["type"]) == (len(PDF), "application/pdf")
    assert len(value["sha256"]) == 64
    assert service.queries.load(case_id)[0].fields["signed"] == value


def test_the_same_file_twice_is_stored_once(service: Service) -> None:
    first, second = _opened(service), _opened(service)
    service.set_fields(first, {"signed": Upload("a.pdf", PDF)}, actor="kari")
    service.set_fields(second, {"signed": Upload("b.pdf", PDF)}, actor="kari")
    service.set_fields(first, {"logo": Upload("logo.png", PNG)}, actor="kari")
    service.set_fields(first, {"logo": Upload("logo-again.png", PNG)}, actor="kari")
    assert _stored(service) == 2
    names = [service.queries.stored_file(case, "signed")[0]["name"] for case in (first, second)]
    assert names == ["a.pdf", "b.pdf"]  # one content, each field its own name


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (Upload("empty.pdf", b""), "field 'signed': the file is empty"),
        (Upload("big.pdf", PDF + b"0" * 11_000_000), "field 'signed': the file is 11,000,050 bytes"),
        (Upload("huge.pdf", size=200_000_000), "field 'signed': the file is 200,000,000 bytes"),
        (
            Upload("avtale.pdf", PNG),
            "field 'signed': 'avtale.pdf' is a png file (this field takes pdf, docx)",
        ),
        (Upload("x.pdf", b"MZ\x90\x00"), "field 'signed': 'x.pdf' is of a kind trinn does not take"),
        (
            Upload("gone.pdf", problem="cannot read gone.pdf: no such file"),
            "field 'signed': cannot read gone.pdf",
        ),
    ],
)
def test_a_refused_file_writes_nothing(service: Service, upload: Upload, message: str) -> None:
    case_id = _opened(service)
    before = service.queries.load(case_id)[0]
    with pytest.raises(CommandError, match=r"^case \d+: " + re.escape(message)):
        service.set_fields(case_id, {"signed": upload, "note": "with the file"}, actor="kari")
    after = service.queries.load(case_id)[0]
    assert (after.row_version, after.fields) == (before.row_version, before.fields)
    assert _stored(service) == 0


def test_a_file_beyond_the_playbooks_limit_names_the_limit(service: Service) -> None:
    case_id = _opened(service)
    with pytest.raises(CommandError, match=r"the limit is 11,000,000 bytes; a playbook may raise it"):
        service.set_fields(case_id, {"signed": Upload("big.pdf", PDF + b"0" * 11_000_000)}, actor="kari")


def test_a_stored_value_cannot_be_named_by_a_person(service: Service) -> None:
    """Knowing a file's sha256 is not having it: a person gives the file itself."""
    first, second = _opened(service), _opened(service)
    service.set_fields(first, {"signed": Upload("a.pdf", PDF)}, actor="kari")
    value = service.queries.stored_file(first, "signed")[0]
    with pytest.raises(CommandError, match=r"field 'signed': give the file itself \(FIELD=@PATH\)"):
        service.set_fields(second, {"signed": value}, actor="kari")
    service.set_fields(first, {"signed": value, "note": "unchanged"}, actor="kari")  # no change: passes
    with pytest.raises(CommandError, match="field 'signed': a file field takes a file"):
        service.set_fields(second, {"signed": "avtale.pdf"}, actor="kari")


def test_a_playbook_action_copies_a_file_value(service: Service) -> None:
    case_id = _opened(service)
    service.set_fields(case_id, {"signed": Upload("a.pdf", PDF)}, actor="kari")
    service.complete_task(case_id, "archive", actor="kari")
    case = service.queries.load(case_id)[0]
    assert case.fields["copy"] == case.fields["signed"]
    service.fire(case_id, "finish", actor="kari")


def test_a_text_field_takes_the_at_text_as_typed(service: Service, tmp_path: Path) -> None:
    case_id = _opened(service)
    service.set_fields(case_id, {"note": read_upload("@padriv")}, actor="kari")
    assert service.queries.load(case_id)[0].fields["note"] == "@padriv"


def test_read_upload_reads_a_regular_file_only(tmp_path: Path) -> None:
    (tmp_path / "avtale.pdf").write_bytes(PDF)
    upload = read_upload(f"@{tmp_path / 'avtale.pdf'}")
    assert (upload.name, upload.content, upload.problem) == ("avtale.pdf", PDF, None)
    assert read_upload("@/dev/zero").problem == "/dev/zero is not a regular file"
    assert "cannot read" in str(read_upload(f"@{tmp_path / 'missing.pdf'}").problem)


def test_files_are_stored_once_on_each_backend(db_url: str, tmp_path: Path) -> None:
    service = _service(tmp_path, db_url)
    first, second = _opened(service), _opened(service)
    service.set_fields(first, {"signed": Upload("a.pdf", PDF)}, actor="kari")
    service.set_fields(second, {"signed": Upload("b.pdf", PDF)}, actor="kari")
    with pytest.raises(CommandError):
        service.set_fields(second, {"logo": Upload("logo.png", b"")}, actor="kari")
    assert _stored(service) == 1
    assert service.queries.stored_file(second, "signed")[1] == PDF
    service.store.close()


@pytest.fixture
def trinn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`trinn` on a fresh database with the agreement playbook, as kari (the single user)."""
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "agreement.yaml").write_text(AGREEMENT)
    base = ["--db", str(tmp_path / "trinn.db"), "--playbooks", str(tmp_path / "books"), "--as", "kari"]
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, [*base, *args], obj=lambda: NOW)

    return run


def test_cli_sets_shows_and_saves_a_file(trinn, tmp_path: Path) -> None:
    (tmp_path / "signert avtale.pdf").write_bytes(PDF)
    assert trinn("open", "test.agreement", "--set", "name=Acme").output == "1\n"
    assert trinn("set", "1", "signed=@signert avtale.pdf", "note=@acme").exit_code == 0
    shown = [line.strip().split(None, 1) for line in trinn("show", "1").output.splitlines()]
    assert ["signed", f"signert avtale.pdf ({len(PDF)} B, pdf)"] in shown
    assert ["note", "@acme"] in shown
    history = trinn("history", "1").output
    assert f'signed="signert avtale.pdf ({len(PDF)} B, pdf)", note="@acme"' in history
    saved = trinn("file", "1", "signed", "--out", "copy.pdf")
    assert (saved.exit_code, saved.output) == (0, f"copy.pdf: {len(PDF)} bytes (application/pdf)\n")
    assert (tmp_path / "copy.pdf").read_bytes() == PDF
    again = trinn("file", "1", "signed", "--out", "copy.pdf")
    assert (again.exit_code, again.output) == (
        2,
        "trinn: copy.pdf exists already (give another --out, or move it away)\n",
    )
    (tmp_path / "signert avtale.pdf").unlink()
    assert trinn("file", "1", "signed").exit_code == 0  # under its own name, here
    assert (tmp_path / "signert avtale.pdf").read_bytes() == PDF


def test_cli_refuses_a_file_with_its_reason(trinn, tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    trinn("open", "test.agreement", "--set", "name=Acme")
    refused = trinn("set", "1", "signed=@empty.pdf")
    assert (refused.exit_code, refused.output) == (
        1,
        "trinn: case 1: field 'signed': the file is empty (give a file with something in it)\n",
    )
    missing = trinn("file", "1", "signed")
    assert (missing.exit_code, missing.output) == (1, "trinn: case 1: field 'signed' holds no file\n")


def test_readme_files_section_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's file field: its playbook checks clean, and each `$ trinn` line prints that."""
    from tests.test_readme import block_after, run_session

    work, scans = tmp_path / "work", tmp_path / "scans"
    work.mkdir(), scans.mkdir()
    (work / "agreement.yaml").write_text(block_after("<!-- files: agreement.yaml -->"))
    (work / "logo.png").write_bytes(PNG)
    (work / "terms").mkdir()
    (work / "terms" / "partner-terms.pdf").write_bytes(PDF)
    (scans / "avtale.pdf").write_bytes(PDF + b"\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("TRINN_USER", "you")
    monkeypatch.setenv("TRINN_PLAYBOOKS", str(work))
    for name in ("TRINN_PEOPLE", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)
    assert CliRunner().invoke(app, ["check", "agreement.yaml"]).output == "agreement.yaml: ok\n"
    assert run_session("<!-- session: files -->", tmp_path / "trinn.db", NOW) >= 4
    assert (work / "acme-avtale.pdf").read_bytes() == PDF + b"\n"
    assert (
        CliRunner()
        .invoke(app, ["--db", str(tmp_path / "trinn.db"), "fire", "1", "receive"], obj=lambda: NOW)
        .exit_code
        == 0
    )
    settings = ["--db", str(tmp_path / "trinn.db"), "outbox", "--json"]
    (row,) = json.loads(CliRunner().invoke(app, settings, obj=lambda: NOW).output)
    assert [item["name"] for item in row["attachments"]] == ["avtale.pdf", "partner-terms.pdf"]


def test_cli_forms_lists_the_kinds_a_file_field_takes(trinn) -> None:
    listed = trinn("forms", "padriv.fase-7-2", "signert_avtale")
    assert listed.output == (
        "signert_avtale: Signert tilslutningsavtale\n"
        "  signert_tilslutningsavtale (file of pdf, docx, odt, png, jpeg): Signert tilslutningsavtale\n"
    )
