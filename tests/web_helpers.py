"""`trinn serve` for tests: the real app under uvicorn on a free loopback port, in a thread,
with a signing key file, and a 7.2 case walked to the state where the company is invited."""

from __future__ import annotations

import datetime as dt
import http.client
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.notify_receivers import Mailbox, free_port
from trinn.engine.links import FormLinks
from trinn.engine.people import load_people
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.notifiers.channels import Channels, load_channels
from trinn.tui.web.app import ServeOptions, build_app

__all__ = [
    "FEM_TRIN_PEOPLE",
    "KEY",
    "NOW",
    "SIGN_UP",
    "Answer",
    "Clock",
    "fem_trin_waiting",
    "invited_case",
    "key_file",
    "mail_channels",
    "make_service",
    "on_loopback",
    "request",
    "serving",
    "walk",
]

KEY = "k" * 20 + "-test-signing-key-0123456789"
NOW = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Oslo
# the fase 7.2 sign-up form filled in right, as a browser posts it
SIGN_UP = {
    "kontaktperson": "Per Hansen",
    "kontakt_epost": "per@fjordkraft.test",
    "strategisk_initiativ": "Fornybar energi",
    "har_okonomisk_bidrag": "yes",
    "okonomisk_bidrag": "50 000",
}
FEM_TRIN_PEOPLE = "anna: {name: Anna, email: anna@klubnord.test, roles: [foreningen]}\n"
PEOPLE = (
    "kari: {name: Kari, email: kari@padriv.test, roles: [ledelsen]}\n"
    "sara: {name: Sara, email: sara@padriv.test, roles: [styringsgruppen]}\n"
)


@dataclass
class Clock:
    """The service's clock, moved by the test."""

    now: dt.datetime = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def key_file(folder: Path, text: str = KEY, mode: int = 0o600) -> Path:
    path = folder / "serve.key"
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


def make_service(
    folder: Path,
    db_url: str,
    clock: Clock,
    base_url: str = "https://skjema.test",
    people_text: str = PEOPLE,
    playbook_dirs: tuple[Path, ...] = (),
) -> Service:
    """The service `trinn serve` runs on: the bundled playbooks and those in `playbook_dirs`."""
    people = folder / "people.yaml"
    people.write_text(people_text)
    store = Store(open_database(db_url))
    registry = PlaybookRegistry(list(playbook_dirs))
    return Service(store, registry, load_people(people), clock=clock, links=FormLinks(KEY, base_url))


def invited_case(service: Service, virksomhet: str = "Fjordkraft AS") -> int:
    """A fase 7.2 case in 'invitert': the invitation with the link to the sign-up form queued."""
    case = service.open_case(
        "padriv.fase-7-2", {"virksomhet": virksomhet, "meldt_av": "Lise Berg"}, actor="kari"
    )
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("form", "registrering", {"kontaktperson": "Per Hansen", "kontakt_epost": "per@fjordkraft.test"}),
        ("done", "avklar_interesse", {}),
        ("fire", "vis_interesse", {}),
        (
            "form",
            "mote",
            {
                "motetidspunkt": "2026-01-12",
                "agenda": "Presentasjon",
                "moteform": "fysisk",
                "ledelsen_deltar": True,
            },
        ),
        ("fire", "avtal_mote", {}),
        ("form", "motereferat", {"enighet": True, "hovedsteg": "Påmelding, innstilling, behandling"}),
        ("form", "invitasjon", {"samarbeidspartner_info": "Verdi og forventninger."}),
        ("fire", "send_invitasjon", {}),
    ]
    walk(service, case.id, steps, "kari")
    return case.id


def walk(service: Service, case_id: int, steps: list[tuple[str, str, dict[str, Any]]], actor: str) -> None:
    """Take `steps` on the case as `actor`: ("form", form, answers) (`form@item` for one item of
    a for_each task), ("done", task, {}) or ("fire", trigger, {})."""
    for kind, name, values in steps:
        if kind == "form":
            form, _, item = name.partition("@")
            service.submit_form(case_id, form, values, actor=actor, item=item or None)
        elif kind == "done":
            service.complete_task(case_id, name, actor=actor)
        else:
            service.fire(case_id, name, actor=actor)


def fem_trin_waiting(service: Service, partners: list[str]) -> int:
    """A fem trin case in 'afventer_svar': the e-mail with the link to the answer queued."""
    case = service.open_case(
        "partnerskab.fem-trin", {"partnerskab": "Lektiecafé", "forening": "Klub Nord"}, actor="anna"
    )
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("done", "introducer_opgaven", {}),
        ("form", "trin_1a", {"passer_til_vision": "Fællesskab"}),
        ("form", "trin_1b", {"ide": "En lektiecafé"}),
        ("fire", "vaelg_partner", {}),
        ("form", "trin_2a", {"forslag": partners}),
        *[("form", f"partnervurdering@{p}", {"egnet": "godt"}) for p in partners],
        ("form", "trin_2b", {"prioriteret_liste": partners}),
        ("fire", "skab_overbevisning", {}),
        ("form", "kontakt", {"partner_email": "post@partner.test"}),
        ("form", "trin_3b", {"moededeltagere": ["anna@klubnord.test", "bo@klubnord.test"]}),
        ("form", "trin_3c", {"ansvarspersoner": ["Anna"], "opfoelgningsdato": "2026-01-19"}),
        ("fire", "kontakt_partner", {}),
    ]
    walk(service, case.id, steps, "anna")
    return case.id


def mail_channels(folder: Path, box: Mailbox) -> Channels:
    """The organisation's channels: every e-mail through apprise to the loopback SMTP `box`
    (the password from the environment, as a channels file gives it; the caller sets it)."""
    path = folder / "channels.yaml"
    path.write_text(
        "version: 1\nurls:\n"
        f"  - mailto://{box.user}:${{SMTP_PASSWORD}}@127.0.0.1:{box.port}?from=post@padriv.test&mode=insecure:\n"
        "      tag: outgoing-mail\n"
    )
    path.chmod(0o600)
    return load_channels(path)


@contextmanager
def on_loopback(app: Any) -> Iterator[int]:
    """The ASGI `app` under uvicorn on a free loopback port, in a thread, while the block runs;
    yields the port."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


@contextmanager
def serving(
    service: Service, options: ServeOptions | None = None, deliver: Callable[[], None] | None = None
) -> Iterator[str]:
    """`trinn serve`'s app on a free loopback port while the block runs; yields its base URL."""
    assert service.links is not None
    options = options or ServeOptions(secure_cookies=False, language="nb")
    with on_loopback(build_app(service, service.links, options, deliver)) as port:
        yield f"http://127.0.0.1:{port}"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    cookies: dict[str, str] = field(default_factory=dict)


def request(
    url: str,
    method: str = "GET",
    *,
    form: list[tuple[str, str]] | dict[str, str] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
) -> Answer:
    """One HTTP request with the standard library (no redirect followed)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    sent = dict(headers or {})
    if form is not None:
        body = urlencode(form).encode()
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        got = {k.lower(): v for k, v in response.getheaders()}
        jar = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                jar[key] = rest.split(";")[0]
        return Answer(response.status, got, text, jar)
    finally:
        connection.close()
