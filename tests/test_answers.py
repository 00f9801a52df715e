"""A form's answers file (`trinn form CASE FORM --file answers.json`) carries files as
`{"path": PATH}`, PATH relative to the answers file's folder: read and checked as `FIELD=@PATH`
is on the command line, and refused with nothing written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from trinn.engine.store import Store, open_database
from trinn.tui.cli import app

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
SIGNING = """\
id: test.signing
version: 1
language: en
title: Signing
subject: {title: Name, field: name}
roles:
  lead: {title: Lead}
fields:
  name: {type: text, label: Name, required: true}
  signed: {type: file, label: Signed agreement, accept: [pdf]}
  note: {type: text, label: Note}
forms:
  signing: {title: Signing, fields: [signed, note]}
initial: waiting
states:
  waiting:
    title: Waiting
    tasks:
      - {id: sign, title: Sign the agreement, role: lead, form: signing}
  done: {title: Done, final: true}
transitions:
  - {trigger: finish, from: waiting, to: done, by: lead, when: "signed != null"}
"""
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def trinn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`trinn` on a fresh database with case 1 of the signing playbook open, as kari, run
    from another folder than the answers file's (so a path read from the working folder fails)."""
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "signing.yaml").write_text(SIGNING)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    base = ["--db", str(tmp_path / "trinn.db"), "--playbooks", str(tmp_path / "books"), "--as", "kari"]

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, [*base, *args], obj=lambda: NOW)

    assert run("open", "test.signing", "--set", "name=Acme").output == "1\n"
    return run


def _answers(tmp_path: Path, answers: dict[str, object]) -> Path:
    folder = tmp_path / "answers"
    folder.mkdir(exist_ok=True)
    path = folder / "answers.json"
    path.write_text(json.dumps(answers))
    return path


def _stored(tmp_path: Path) -> tuple[int, int]:
    """The case's row version, and how many file contents the database keeps."""
    store = Store(open_database(f"sqlite:///{tmp_path / 'trinn.db'}"))
    try:
        with store.read() as tx:
            return tx.load_case(1).row_version, tx.files_stored()
    finally:
        store.close()


def test_answers_file_carries_a_file_relative_to_its_folder(trinn, tmp_path: Path) -> None:
    (tmp_path / "answers" / "scans").mkdir(parents=True)
    (tmp_path / "answers" / "scans" / "signert avtale.pdf").write_bytes(PDF)
    answers = _answers(tmp_path, {"signed": {"path": "scans/signert avtale.pdf"}, "note": "@acme"})
    done = trinn("form", "1", "signing", "--file", str(answers))
    assert (done.exit_code, done.output) == (0, "case 1: waiting (version 2)\n")
    shown = [line.strip().split(None, 1) for line in trinn("show", "1").output.splitlines()]
    assert ["signed", f"signert avtale.pdf ({len(PDF)} B, pdf)"] in shown
    assert ["note", "@acme"] in shown  # a JSON text is text, `@` or not
    assert trinn("file", "1", "signed", "--out", "copy.pdf").exit_code == 0
    assert (tmp_path / "elsewhere" / "copy.pdf").read_bytes() == PDF
    assert trinn("fire", "1", "finish").output == "case 1: done (version 3)\n"


def test_answers_file_takes_an_absolute_path_and_keeps_the_last_part_of_the_name(
    trinn, tmp_path: Path
) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "avtale.pdf").write_bytes(PDF)
    given = tmp_path / "deep" / "er" / ".." / "er" / "avtale.pdf"
    answers = _answers(tmp_path, {"signed": {"path": str(given)}})
    assert trinn("form", "1", "signing", "--file", str(answers)).exit_code == 0
    value = json.loads(trinn("show", "1", "--json").output)["fields"]["signed"]
    assert (value["name"], value["size"], value["type"]) == ("avtale.pdf", len(PDF), "application/pdf")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "field 'signed': the file is empty (give a file with something in it)"),
        (PNG, "field 'signed': 'logo.pdf' is a png file (this field takes pdf)"),
        (None, "field 'signed': the file is 10,485,761 bytes (the limit is 10,485,760 bytes; "),
        ("missing", "field 'signed': cannot read "),
    ],
    ids=["empty", "wrong-kind", "too-large", "missing"],
)
def test_answers_file_refuses_a_file_as_the_command_line_does_writing_nothing(
    trinn, tmp_path: Path, content: bytes | str | None, message: str
) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    if content is None:  # sparse: its size is read from the file system, its bytes never
        with (folder / "logo.pdf").open("wb") as handle:
            handle.truncate(10 * 1024 * 1024 + 1)
    elif isinstance(content, bytes):
        (folder / "logo.pdf").write_bytes(content)
    answers = _answers(tmp_path, {"signed": {"path": "logo.pdf"}, "note": "with the file"})
    before = _stored(tmp_path)
    refused = trinn("form", "1", "signing", "--file", str(answers))
    assert refused.exit_code == 1
    assert refused.output.startswith(f"trinn: case 1: {message}")
    assert _stored(tmp_path) == before == (1, 0)


@pytest.mark.parametrize(
    ("value", "message", "code"),
    [
        ({"path": 3}, 'field \'signed\': a file is given as {"path": "FILE"} and nothing else', 2),
        ({"path": " "}, 'field \'signed\': a file is given as {"path": "FILE"} and nothing else', 2),
        ({"path": "a.pdf", "name": "b.pdf"}, 'field \'signed\': a file is given as {"path": "FILE"}', 2),
        ({"path": "a\u0000.pdf"}, "field 'signed': the path: character U+0000 at position 2", 2),
    ],
    ids=["number", "blank", "more-keys", "nul"],
)
def test_answers_file_refuses_a_file_given_otherwise(
    trinn, tmp_path: Path, value: dict[str, object], message: str, code: int
) -> None:
    answers = _answers(tmp_path, {"signed": value})
    refused = trinn("form", "1", "signing", "--file", str(answers))
    assert refused.exit_code == code
    assert refused.output.startswith(f"trinn: {answers}: {message}")
    assert _stored(tmp_path) == (1, 0)


def test_answers_file_refuses_a_file_for_a_field_that_takes_none(trinn, tmp_path: Path) -> None:
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "avtale.pdf").write_bytes(PDF)
    answers = _answers(tmp_path, {"note": {"path": "avtale.pdf"}})
    refused = trinn("form", "1", "signing", "--file", str(answers))
    assert (refused.exit_code, refused.output) == (
        1,
        "trinn: case 1: field 'note': a text field takes no file\n",
    )
    assert _stored(tmp_path) == (1, 0)
