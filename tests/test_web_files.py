"""A public form with a file field through `trinn serve`: sent as multipart/form-data, checked
as every upload is (kind from the bytes, size, empty, name without folders), stored once, and
refused with nothing written; the body limit holds (1 MiB plus the form's files)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.web_helpers import Clock, make_service, request, serving
from trinn.engine.service import Service

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\r\n\r\n--not-the-boundary\r\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
CSRF = re.compile(r'name="_csrf" value="([0-9a-f]+)"')
BOUNDARY = "trinn-test-boundary-8c1f"


@dataclass
class Upload:
    service: Service
    base: str
    path: str
    case_id: int

    def post(self, parts: list[tuple[str, str | None, bytes]], *, csrf: bool = True) -> tuple[int, str]:
        page = request(self.base + self.path)
        found = CSRF.search(page.body)
        assert found is not None
        sent = [("_csrf", None, found.group(1).encode())] if csrf else []
        answer = request(
            self.base + self.path,
            "POST",
            body=_multipart([*sent, *parts]),
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            cookies=page.cookies,
        )
        return answer.status, answer.body

    def version(self) -> int:
        return self.service.queries.load(self.case_id)[0].row_version

    def stored(self) -> int:
        with self.service.store.read() as tx:
            return tx.files_stored()


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A body as a browser sends it: each part its name, a file its filename and bytes."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        kind = "Content-Type: application/octet-stream\r\n" if filename is not None else ""
        body += (
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + content + b"\r\n"
        )
    return body + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def upload(tmp_path: Path) -> Iterator[Upload]:
    from trinn.engine.links import case_link

    people = "lea: {name: Lea, email: lea@example.test, roles: [lead]}\n"
    folder = Path(__file__).parent / "data" / "web"
    url = f"sqlite:///{tmp_path / 'trinn.db'}"
    service = make_service(tmp_path, url, Clock(), people_text=people, playbook_dirs=(folder,))
    case_id = service.open_case("test.upload", {"company": "Acme"}, actor="lea").id
    case, compiled, _children = service.queries.load(case_id)
    assert service.links is not None
    link, _expires = case_link(service.links, compiled.spec, case, "agreement", service.clock())
    with serving(service) as base:
        yield Upload(service, base, link.removeprefix("https://skjema.test"), case_id)
    service.store.close()


def test_web_files_page_asks_for_the_file_as_multipart(upload: Upload) -> None:
    page = request(upload.base + upload.path)
    assert 'enctype="multipart/form-data"' in page.body
    assert '<input type="file" name="signed" id="f-signed"' in page.body


def test_web_files_a_file_is_stored_and_moves_the_case(upload: Upload) -> None:
    status, _body = upload.post([("signed", "../../avtale signert.pdf", PDF), ("note", None, b"Signert")])
    assert status == 303
    case = upload.service.queries.load(upload.case_id)[0]
    assert case.state == "signed" and case.fields["note"] == "Signert"
    value, content = upload.service.queries.stored_file(upload.case_id, "signed")
    assert (value["name"], value["type"], content) == ("avtale signert.pdf", "application/pdf", PDF)
    assert upload.stored() == 1


@pytest.mark.parametrize(
    ("filename", "content", "error"),
    [
        ("logo.pdf", PNG, "&#39;logo.pdf&#39; is a png file (this field takes pdf)"),
        ("tom.pdf", b"", "the file is empty"),
        ("x.pdf", b"MZ\x90\x00 a program", "&#39;x.pdf&#39; is of a kind trinn does not take"),
    ],
)
def test_web_files_a_refused_file_is_said_at_its_field_and_nothing_written(
    upload: Upload, filename: str, content: bytes, error: str
) -> None:
    version = upload.version()
    status, body = upload.post([("signed", filename, content)])
    assert status == 422
    assert f'<p class="error" id="err-signed">{error}' in body
    assert (upload.version(), upload.stored()) == (version, 0)


def test_web_files_the_body_limit_holds(upload: Upload) -> None:
    """1 MiB for the answers plus the playbook's file_bytes (10 MiB) for each file field."""
    version = upload.version()
    status, _body = upload.post([("signed", "big.pdf", PDF + b"0" * (11 * 1024 * 1024 + 1))])
    assert status == 413
    assert (upload.version(), upload.stored()) == (version, 0)


def test_web_files_text_for_a_file_field_or_a_file_for_a_text_field_is_refused(upload: Upload) -> None:
    version = upload.version()
    assert upload.post([("signed", None, b"/etc/passwd")])[0] == 400
    assert upload.post([("note", "note.txt", b"hei")])[0] == 400
    assert upload.post([("signed", "a.pdf", PDF), ("signed", "b.pdf", PDF)])[0] == 400
    assert upload.version() == version


def test_web_files_a_form_without_files_keeps_its_1_mib_limit_as_multipart(tmp_path: Path) -> None:
    from tests.test_web import LINK
    from tests.web_helpers import SIGN_UP, invited_case

    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock())
    case_id = invited_case(service)
    (invitation,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "invitasjon"]
    found = LINK.search(invitation.payload["body"])
    assert found is not None
    with serving(service) as base:
        sign_up = Upload(service, base, found.group(1), case_id)
        version = sign_up.version()
        big = [("strategisk_initiativ", None, b"x" * (1024 * 1024 + 1))]
        assert sign_up.post(big)[0] == 413
        assert sign_up.post([("kontaktperson", "cv.pdf", PDF)])[0] == 400  # no file field here
        assert sign_up.version() == version
        parts = [(name, None, value.encode()) for name, value in SIGN_UP.items()]
        assert sign_up.post(parts)[0] == 303
    service.store.close()
