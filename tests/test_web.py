"""`trinn serve` on a real loopback port: the form, its submission, and what it refuses.

Every refusal leaves the case as it was: the same row version, no event, no message.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.web_helpers import SIGN_UP, Clock, invited_case, make_service, request, serving
from trinn.engine.service import Service
from trinn.tui.web.app import ServeOptions

LINK = re.compile(r"https://skjema\.test(/f/\S+)")
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
GOOD = SIGN_UP


@dataclass
class Served:
    service: Service
    clock: Clock
    base: str
    case_id: int
    path: str  # the invitation's link, without the host

    def open_form(self) -> tuple[str, dict[str, str]]:
        page = request(self.base + self.path)
        assert page.status == 200
        found = CSRF.search(page.body)
        assert found is not None
        return found.group(1), page.cookies

    def post(self, answers: dict[str, str], path: str | None = None) -> tuple[int, str]:
        csrf, cookies = self.open_form()
        answer = request(
            self.base + (path or self.path), "POST", form={"_csrf": csrf, **answers}, cookies=cookies
        )
        return answer.status, answer.body

    def version(self) -> int:
        return self.service.queries.load(self.case_id)[0].row_version

    def events(self) -> int:
        return len(self.service.queries.history(self.case_id))


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> Iterator[Served]:
    """The server over a case waiting for the sign-up form, on SQLite and on PostgreSQL."""
    clock = Clock()
    service = make_service(tmp_path, db_url, clock)
    case_id = invited_case(service)
    (invitation,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "invitasjon"]
    found = LINK.search(invitation.payload["body"])
    assert found is not None
    with serving(service) as base:
        yield Served(service, clock, base, case_id, found.group(1))
    service.store.close()


def test_web_form_page_has_labels_headers_and_the_stored_answers(served: Served) -> None:
    page = request(served.base + served.path)
    assert page.status == 200
    assert '<label for="f-kontakt_epost">Kontaktpersonens e-post</label>' in page.body
    assert 'id="f-kontakt_epost" value="per@fjordkraft.test"' in page.body
    assert "<legend>Virksomheten gir et økonomisk bidrag</legend>" in page.body
    assert '<label for="f-har_okonomisk_bidrag-yes">Ja</label>' in page.body
    assert "<script" not in page.body and " style=" not in page.body
    assert page.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=strict" in page.headers["set-cookie"]


def test_web_submission_moves_the_case_as_the_external_role(served: Served) -> None:
    status, _body = served.post(GOOD)
    assert status == 303
    case = served.service.queries.load(served.case_id)[0]
    assert case.state == "pamelding_mottatt"
    assert case.fields["okonomisk_bidrag"] == 50000
    last = served.service.queries.history(served.case_id)[-1]
    assert (last.actor, last.kind, last.name) == ("virksomheten", "form", "pamelding")
    assert last.details["via"] == "web"
    # what the visitor's browser and address were is kept nowhere: only what the form asked
    assert sorted(last.details) == ["done", "notify", "transitions", "via"] and "127.0.0.1" not in repr(last)
    assert last.details["transitions"][0]["trigger"] == "motta_pamelding"
    queued = [
        (r.payload["message"], r.payload["address"]) for r in served.service.queries.outbox(served.case_id)
    ]
    assert queued[-2:] == [("kvittering", "per@fjordkraft.test"), ("ny_samarbeidspartner", None)]
    thanks = request(served.base + "/f/sent?lang=nb")
    assert "<h1>Takk</h1>" in thanks.body


def test_web_bad_value_is_said_at_its_field_and_nothing_is_written(served: Served) -> None:
    version, events = served.version(), served.events()
    status, body = served.post({**GOOD, "kontakt_epost": "per-at-fjordkraft"})
    assert status == 422
    assert (
        '<p class="error" id="err-kontakt_epost">&#39;per-at-fjordkraft&#39; er ikke en e-postadresse '
        "(skriv f.eks. &#39;ola@example.no&#39;)</p>" in body
    )
    assert 'aria-describedby="err-kontakt_epost" aria-invalid="true"' in body
    assert (served.version(), served.events()) == (version, events)


def test_web_script_tags_are_shown_as_text(served: Served) -> None:
    hostile = "<script>alert(1)</script>"
    version = served.version()
    status, body = served.post(dict.fromkeys(GOOD, hostile))  # in every field of the form
    assert status == 422
    assert body.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= len(GOOD) and "<script" not in body
    assert served.version() == version
    status, body = served.post({**GOOD, "kontaktperson": hostile, "okonomisk_bidrag": "mange"})
    assert status == 422
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and hostile not in body
    status, _body = served.post({**GOOD, "strategisk_initiativ": hostile})
    assert status == 303
    receipt = [
        r for r in served.service.queries.outbox(served.case_id) if r.payload["message"] == "kvittering"
    ]
    # an e-mail is plain text: the answer reads as typed, and no mail client runs it
    assert f"Strategisk prosjekt / initiativ: {hostile}" in receipt[0].payload["body"]


def _gone(served: Served, path: str, method: str = "GET") -> None:
    version, events = served.version(), served.events()
    answer = request(served.base + path, method)
    assert answer.status == 404
    assert "<h1>Denne lenken virker ikke</h1>" in answer.body
    assert (served.version(), served.events()) == (version, events)


def test_web_wrong_links_answer_alike_and_write_nothing(served: Served) -> None:
    parts = urlsplit(served.path)
    token = parts.query.removeprefix("k=")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    _gone(served, f"{parts.path}?k={tampered}")
    _gone(served, parts.path)
    _gone(served, f"/f/{served.case_id + 1}/pamelding?k={token}")  # another case
    _gone(served, f"/f/{served.case_id}/innstilling?k={token}")  # another form
    _gone(served, f"{parts.path}?k={tampered}", "POST")
    _gone(served, "/admin")
    served.clock.now += dt.timedelta(weeks=7)  # the link works six weeks
    _gone(served, served.path)


def test_web_a_used_link_and_a_second_submission_record_one_event(served: Served) -> None:
    csrf, cookies = served.open_form()
    events = served.events()
    first = request(served.base + served.path, "POST", form={"_csrf": csrf, **GOOD}, cookies=cookies)
    again = request(served.base + served.path, "POST", form={"_csrf": csrf, **GOOD}, cookies=cookies)
    assert (first.status, again.status) == (303, 404)
    assert served.events() == events + 1
    _gone(served, served.path)


def test_web_a_link_dies_when_the_case_moves_on_without_it(served: Served) -> None:
    served.service.fire(
        served.case_id, "avslutt", actor="kari", values={"begrunnelse": "Virksomheten trakk seg."}
    )
    _gone(served, served.path)


def test_web_health_says_when_the_database_cannot_be_read(tmp_path: Path) -> None:
    database = tmp_path / "trinn.db"
    service = make_service(tmp_path, f"sqlite:///{database}", Clock())
    invited_case(service)
    with serving(service) as base:
        assert request(base + "/health").status == 200
        service.store.close()
        for name in ("trinn.db", "trinn.db-wal", "trinn.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        database.mkdir()  # where the database was, something no SQLite can open
        health = request(base + "/health")
    assert (health.status, health.body) == (503, "database unavailable\n")


def test_web_two_racing_submissions_record_one(served: Served) -> None:
    csrf, cookies = served.open_form()
    events = served.events()
    statuses: list[int] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        answer = request(served.base + served.path, "POST", form={"_csrf": csrf, **GOOD}, cookies=cookies)
        statuses.append(answer.status)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [303, 404]
    assert served.events() == events + 1


@pytest.mark.parametrize("csrf", [None, "0" * 64])
def test_web_missing_or_wrong_csrf_token_is_refused(served: Served, csrf: str | None) -> None:
    _token, cookies = served.open_form()
    version = served.version()
    form = {**GOOD, **({"_csrf": csrf} if csrf else {})}
    answer = request(served.base + served.path, "POST", form=form, cookies=cookies)
    assert answer.status == 403
    assert "<h1>Skjemaet kunne ikke sendes</h1>" in answer.body  # the server's language (nb here)
    assert served.version() == version
    no_cookie = request(served.base + served.path, "POST", form={**GOOD, "_csrf": _token})
    assert no_cookie.status == 403


def test_web_oversized_unknown_or_foreign_bodies_are_refused(served: Served) -> None:
    csrf, cookies = served.open_form()
    version = served.version()
    big = request(
        served.base + served.path,
        "POST",
        form={"_csrf": csrf, **GOOD, "strategisk_initiativ": "x" * (1024 * 1024 + 1)},
        cookies=cookies,
    )
    assert big.status == 413
    unknown = request(
        served.base + served.path, "POST", form={"_csrf": csrf, **GOOD, "vedtak": "godkjent"}, cookies=cookies
    )
    assert unknown.status == 400
    twice = request(
        served.base + served.path,
        "POST",
        form=[("_csrf", csrf), ("kontaktperson", "A"), ("kontaktperson", "B")],
        cookies=cookies,
    )
    assert twice.status == 400
    json_body = request(
        served.base + served.path,
        "POST",
        body=b'{"kontaktperson": "A"}',
        headers={"Content-Type": "application/json"},
        cookies=cookies,
    )
    assert json_body.status == 400
    assert served.version() == version


def test_web_rapid_posts_are_rate_limited_and_the_server_stays_up(tmp_path: Path) -> None:
    clock = Clock()
    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", clock)
    case_id = invited_case(service)
    statuses: list[int] = []
    lock = threading.Lock()
    options = ServeOptions(secure_cookies=False, language="en", rate_limit=60)
    with serving(service, options) as base:

        def flood(count: int) -> None:
            for _ in range(count):
                answer = request(f"{base}/f/{case_id}/pamelding?k=x", "POST", form={"a": "b"})
                with lock:
                    statuses.append(answer.status)

        threads = [threading.Thread(target=flood, args=(250,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert len(statuses) == 1000
        assert statuses.count(429) == 940 and statuses.count(404) == 60
        assert request(f"{base}/health").body == "ok\n"
    assert service.queries.load(case_id)[0].state == "invitert"
    service.store.close()


def test_web_health_and_an_access_log_without_tokens(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="trinn.serve.access")
    health = request(served.base + "/health")
    assert (health.status, health.body) == (200, "ok\n")
    request(served.base + served.path)
    wanted = f'"GET /f/{served.case_id}/pamelding" 200'
    # the server's thread writes its log line after the answer has left: wait for it (bounded)
    for _ in range(200):
        logged = "\n".join(r.getMessage() for r in caplog.records)
        if wanted in logged:
            break
        time.sleep(0.05)
    assert wanted in logged
    assert "k=" not in logged and urlsplit(served.path).query[2:] not in logged


def test_web_a_crash_shows_no_traceback(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(case_id: int) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(served.service.queries, "load", broken)
    logging.getLogger("trinn.serve").disabled = True  # the traceback goes to the log: not here
    try:
        answer = request(served.base + served.path)
    finally:
        logging.getLogger("trinn.serve").disabled = False
    assert answer.status == 500
    assert "<h1>Noe gikk galt</h1>" in answer.body
    assert "secret" not in answer.body and "Traceback" not in answer.body


@pytest.mark.parametrize("arrival", ["15.12.2026", "15/12/2026", "15. desember 2026", "2026-12-15"])
def test_web_dates_and_amounts_are_taken_as_people_write_them(tmp_path: Path, arrival: str) -> None:
    """The same value rules as `trinn form` and the app: local dates and amounts are read,
    a month-first date is refused at its field (not guessed)."""
    from trinn.engine.links import case_link

    people = "hanna: {name: Hanna, email: hanna@hotel.test, roles: [host]}\n"
    folder = Path(__file__).parent / "data" / "web"
    service = make_service(
        tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock(), people_text=people, playbook_dirs=(folder,)
    )
    case_id = service.open_case("test.booking", {"guest": "Ann"}, actor="hanna").id
    case, compiled, _children = service.queries.load(case_id)
    assert service.links is not None
    url, _expires = case_link(service.links, compiled.spec, case, "booking", service.clock())
    with serving(service) as base:
        served = Served(service, Clock(), base, case_id, url.removeprefix("https://skjema.test"))
        status, body = served.post({"arrival": "12/31/2026", "deposit": "1 500,50"})
        assert status == 422 and '<p class="error" id="err-arrival">' in body
        assert 'lang="en"' in body and "<h1>Your booking</h1>" in body
        status, _body = served.post({"arrival": arrival, "deposit": "1 500,50"})
        assert status == 303
    case = service.queries.load(case_id)[0]
    assert (case.state, case.fields["arrival"], case.fields["deposit"]) == ("booked", "2026-12-15", 1500.5)
    service.store.close()


def test_web_datetime_field_shown_on_the_playbooks_clock_as_people_type_it() -> None:
    from trinn.engine.loader import load_playbook
    from trinn.tui.web.pages import field_views

    root = Path(__file__).resolve().parent.parent
    spec = load_playbook(root / "playbooks" / "padriv-fase-7-2.yaml").spec
    stored = {"motetidspunkt": "2026-12-15T17:30:00Z"}  # 18:30 in Oslo
    (view,) = [v for v in field_views(spec, spec.forms["mote"], stored, {}) if v.id == "motetidspunkt"]
    assert (view.input_type, view.value) == ("text", "15.12.2026 18:30")
    typed = {"motetidspunkt": "2026-12-15T18:30"}  # sent back with a problem: as typed
    (view,) = [v for v in field_views(spec, spec.forms["mote"], typed, {}) if v.id == "motetidspunkt"]
    assert view.value == "2026-12-15T18:30"
