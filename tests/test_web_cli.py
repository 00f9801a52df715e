"""`trinn link` and the signing key of `trinn link` and `trinn serve`, through the command line.

`trinn link` prints the same signed link the invitation carries (the link of this visit to
the form's state), one the real server opens; it refuses a form that is not public or not
waiting, and every command that signs or reads links refuses a key file it cannot trust,
saying how to make one. Nothing is written by a refusal, and no server starts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.notify_receivers import Mailbox, free_port
from tests.web_helpers import (
    KEY,
    NOW,
    Clock,
    invited_case,
    key_file,
    mail_channels,
    make_service,
    request,
    serving,
)
from trinn.engine.links import FormLinks
from trinn.engine.store import Store, open_database
from trinn.notifiers.dispatch import send_pending
from trinn.tui.cli import app

LINK = re.compile(r"https://skjema\.test(/f/\S+)")
MAKE = (
    "make one: (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > trinn-serve.key)"
)

Trinn = Callable[..., Result]


@pytest.fixture
def trinn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trinn:
    """Run `trinn` as Kari (Ledelsen) at NOW on the database the helpers' service writes."""
    for name in (
        "TRINN_DB",
        "TRINN_USER",
        "TRINN_PEOPLE",
        "TRINN_PLAYBOOKS",
        "TRINN_LANG",
        "TRINN_SERVE_KEY_FILE",
        "TRINN_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    base = ["--db", str(tmp_path / "trinn.db"), "--people", str(tmp_path / "people.yaml"), "--as", "kari"]

    def run(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(app, [*base, *args], obj=lambda: NOW)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    return run


def _invited(tmp_path: Path) -> tuple[int, str]:
    """A fase 7.2 case waiting for the company's sign-up form, and its invitation's link."""
    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock())
    try:
        case_id = invited_case(service)
        (invitation,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "invitasjon"]
    finally:
        service.store.close()
    found = LINK.search(invitation.payload["body"])
    assert found is not None
    return case_id, found.group(0)


def test_link_prints_the_invitations_link_which_the_server_opens(trinn: Trinn, tmp_path: Path) -> None:
    case_id, invited = _invited(tmp_path)
    key = str(key_file(tmp_path))
    printed = trinn("link", str(case_id), "pamelding", "--key-file", key, "--base-url", "https://skjema.test")
    # the same case, form, visit and expiry (six weeks from now): the same signed link
    assert printed.stdout == invited + "\n"
    as_json = json.loads(
        trinn(
            "link",
            str(case_id),
            "pamelding",
            "--key-file",
            key,
            "--base-url",
            "https://skjema.test/",
            "--json",
        ).stdout
    )
    assert as_json == {
        "case": case_id,
        "form": "pamelding",
        "item": None,
        "url": invited,
        "expires_at": "2026-02-16T08:00:00+00:00",
    }
    token = invited.split("?k=")[1]
    claim = FormLinks(KEY, "https://skjema.test").read(token, case_id, "pamelding", NOW)
    assert (claim.case_id, claim.form) == (case_id, "pamelding")
    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock())
    try:
        with serving(service) as base:
            page = request(base + invited.removeprefix("https://skjema.test"))
        assert page.status == 200 and "Påmeldingsskjema for nye samarbeidspartnere" in page.body
    finally:
        service.store.close()


def test_link_takes_the_key_and_address_from_the_environment(
    trinn: Trinn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, invited = _invited(tmp_path)
    monkeypatch.setenv("TRINN_SERVE_KEY_FILE", str(key_file(tmp_path)))
    monkeypatch.setenv("TRINN_BASE_URL", "https://skjema.test")
    assert trinn("link", str(case_id), "pamelding").stdout == invited + "\n"


def test_link_refuses_a_form_that_is_not_public_or_not_waiting(trinn: Trinn, tmp_path: Path) -> None:
    case_id, _invited_link = _invited(tmp_path)
    given = ["--key-file", str(key_file(tmp_path)), "--base-url", "https://skjema.test"]
    not_public = trinn("link", str(case_id), "innstilling", *given, code=1)
    assert not_public.stdout == ""
    assert not_public.stderr == (
        f"trinn: case {case_id}: 'innstilling' is not public (expected one of 'pamelding')\n"
    )
    unknown = trinn("link", str(case_id), "pamelding2", *given, code=1)
    assert "'pamelding2' is not a form of this case (did you mean 'pamelding'?)" in unknown.stderr
    # a new case, still being registered: its company has not been invited yet
    opened = trinn("open", "padriv.fase-7-2", "--set", "virksomhet=Acme", "--set", "meldt_av=Lise")
    early = trinn("link", opened.stdout.strip(), "pamelding", *given, code=1)
    assert early.stderr.endswith(
        "form 'pamelding' is not waiting for answers in state 'registrert' "
        "(its task is done, or belongs to another state)\n"
    )
    assert trinn("link", "999", "pamelding", *given, code=1).stderr.startswith("trinn: ")


def test_link_refuses_a_form_already_sent(trinn: Trinn, tmp_path: Path) -> None:
    case_id, _invited_link = _invited(tmp_path)
    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock())
    try:
        answers = {
            "kontaktperson": "Per",
            "kontakt_epost": "per@fjordkraft.test",
            "har_okonomisk_bidrag": False,
        }
        service.submit_form(case_id, "pamelding", answers, actor="kari")
        service.fire(case_id, "motta_pamelding", actor="kari")
    finally:
        service.store.close()
    sent = trinn(
        "link",
        str(case_id),
        "pamelding",
        "--key-file",
        str(key_file(tmp_path)),
        "--base-url",
        "https://x.test",
        code=1,
    )
    assert "form 'pamelding' is not waiting for answers in state 'pamelding_mottatt'" in sent.stderr


def _refusal(trinn: Trinn, key: Path | None, *command: str) -> str:
    given = [] if key is None else ["--key-file", str(key)]
    result = trinn(*command, *given, "--base-url", "https://skjema.test", code=2)
    assert result.stdout == ""
    return result.stderr


@pytest.mark.parametrize("command", [("link", "1", "pamelding"), ("serve", "--port", "1")])
def test_key_files_that_cannot_be_trusted_are_refused_saying_how_to_make_one(
    trinn: Trinn, tmp_path: Path, command: tuple[str, ...]
) -> None:
    _invited(tmp_path)
    hint = f"({MAKE}, then give it with --key-file or TRINN_SERVE_KEY_FILE)"
    assert _refusal(trinn, None, *command) == f"trinn: form links need a signing key {hint}\n"
    missing = tmp_path / "nowhere.key"
    assert _refusal(trinn, missing, *command) == f"trinn: the key file '{missing}' does not exist {hint}\n"
    assert _refusal(trinn, tmp_path, *command) == f"trinn: the key file '{tmp_path}' is not a file {hint}\n"
    readable = key_file(tmp_path, mode=0o644)
    assert _refusal(trinn, readable, *command) == (
        f"trinn: the key file '{readable}' may be read by others (mode 0644; "
        f"make it the owner's only: chmod 600 '{readable}')\n"
    )
    group = key_file(tmp_path, mode=0o640)
    assert "may be read by others (mode 0640;" in _refusal(trinn, group, *command)
    short = key_file(tmp_path, "too-short-0123456789")
    assert _refusal(trinn, short, *command) == (
        f"trinn: the key in '{short}' is too short (at least 32 characters; {hint[1:-1]})\n"
    )
    blank = key_file(tmp_path, "   ")
    assert "is too short (at least 32 characters;" in _refusal(trinn, blank, *command)
    garbled = tmp_path / "serve.key"
    garbled.write_bytes(b"\xff\xfe" * 40)
    garbled.chmod(0o600)
    assert _refusal(trinn, garbled, *command).startswith(f"trinn: the key file '{garbled}' cannot be read: ")


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="giving a file away needs root")
def test_a_key_file_of_another_user_is_refused(trinn: Trinn, tmp_path: Path) -> None:
    _invited(tmp_path)
    theirs = key_file(tmp_path)
    os.chown(theirs, 65534, 65534)  # nobody's
    assert _refusal(trinn, theirs, "link", "1", "pamelding") == (
        f"trinn: the key file '{theirs}' belongs to another user (its owner must run trinn)\n"
    )


@pytest.mark.parametrize("url", ["skjema.test", "ftp://skjema.test", "https://skjema.test/?a=1", "https://"])
def test_a_base_url_that_is_no_web_address_is_refused(trinn: Trinn, tmp_path: Path, url: str) -> None:
    case_id, _invited_link = _invited(tmp_path)
    result = trinn(
        "link", str(case_id), "pamelding", "--key-file", str(key_file(tmp_path)), "--base-url", url, code=2
    )
    assert result.stderr == f"trinn: invalid base URL '{url}' (write e.g. https://skjema.example.org)\n"


# `trinn serve` as a process, at the tests' moment (a clock handed in, as CliRunner does)
_SERVE = (
    "import datetime as dt, sys\n"
    "from trinn.tui.cli import app\n"
    "now = dt.datetime.fromisoformat(sys.argv[1])\n"
    "app(sys.argv[2:], obj=lambda: now, prog_name='trinn')\n"
)


def test_serve_takes_a_submission_and_sends_its_receipt_at_once(
    tmp_path: Path, box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command itself: the key, the base URL, the database and the channels file it is
    given; a submission through it is recorded, and its receipt leaves without `trinn send`."""
    case_id, invited = _invited(tmp_path)
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels = mail_channels(tmp_path, box)
    store = Store(open_database(f"sqlite:///{tmp_path / 'trinn.db'}"))
    send_pending(store, channels, now=NOW)  # the invitation and the rest before it: sent
    store.close()
    box.messages.clear()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRINN_")}
    env["SMTP_PASSWORD"] = box.password
    command = [
        *("--db", str(tmp_path / "trinn.db"), "--people", str(tmp_path / "people.yaml")),
        *("--channels", str(tmp_path / "channels.yaml"), "--lang", "nb"),
        *("serve", "--port", str(port), "--key-file", str(key_file(tmp_path))),
        *("--base-url", "https://skjema.test"),
    ]
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE, NOW.isoformat(), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline:
            try:
                if request(base + "/health").status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        assert server.poll() is None, server.communicate()
        path = invited.removeprefix("https://skjema.test")
        page = request(base + path)
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.body)
        assert page.status == 200 and csrf is not None
        answers = {
            "_csrf": csrf.group(1),
            "kontaktperson": "Per Hansen",
            "kontakt_epost": "post@fjordkraft.test",
            "har_okonomisk_bidrag": "no",
        }
        sent = request(base + path, "POST", form=answers, cookies=page.cookies)
        assert (sent.status, sent.headers["location"]) == (303, "/f/sent?lang=nb")
        deadline = time.monotonic() + 60
        while len(box.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        out, errors = server.communicate(timeout=60)
    got = sorted((message["Subject"], tuple(to)) for _from, to, message in box.messages)
    assert got == [
        ("Ny samarbeidspartner registrert: Fjordkraft AS", ("kari@padriv.test",)),
        ("Påmeldingsskjemaet er mottatt", ("post@fjordkraft.test",)),
    ]
    assert out.startswith(f"trinn serve: the public forms on http://127.0.0.1:{port}")
    # its access log: the form's path and status, never the link's token
    assert f'"POST /f/{case_id}/pamelding" 303' in errors
    assert invited.split("?k=")[1] not in out + errors
