"""Fem trin through `trinn serve`: the partner answers the invitation to a 30-minute meeting
from the link in the association's e-mail, and the case moves as it does when the
association records the same answer itself (the state, the fields, the messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.web_helpers import FEM_TRIN_PEOPLE, Clock, fem_trin_waiting, make_service, request, serving
from trinn.engine.service import Service

LINK = re.compile(r"https://skjema\.test(/f/\S+)")
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@dataclass
class FemTrin:
    service: Service
    base: str

    def waiting(self, partners: list[str]) -> tuple[int, str]:
        """A case waiting for the partner's answer, and the path of the link its e-mail carries."""
        case_id = fem_trin_waiting(self.service, partners)
        (mail,) = [r for r in self.service.queries.outbox(case_id) if r.payload["message"] == "kontakt_mail"]
        found = LINK.search(mail.payload["body"])
        assert found is not None
        return case_id, found.group(1)

    def answer(self, path: str, answers: dict[str, str]) -> tuple[int, str]:
        page = request(self.base + path)
        csrf = CSRF.search(page.body)
        assert page.status == 200 and csrf is not None
        sent = request(
            self.base + path, "POST", form={"_csrf": csrf.group(1), **answers}, cookies=page.cookies
        )
        return sent.status, sent.body

    def outcome(self, case_id: int) -> tuple[str, dict[str, Any], list[tuple[str, str | None]]]:
        """What the answer left: the state, the fields, and the messages queued after the e-mail."""
        case = self.service.queries.load(case_id)[0]
        queued = [(r.payload["message"], r.payload["address"]) for r in self.service.queries.outbox(case_id)]
        after = queued[[m for m, _a in queued].index("kontakt_mail") + 1 :]
        return case.state, dict(case.fields), after


@pytest.fixture
def fem_trin(tmp_path: Path, db_url: str) -> Iterator[FemTrin]:
    """The server over fem trin cases, on SQLite and on PostgreSQL."""
    service = make_service(tmp_path, db_url, Clock(), people_text=FEM_TRIN_PEOPLE)
    with serving(service) as base:
        yield FemTrin(service, base)
    service.store.close()


def test_web_fem_trin_answer_page_is_danish_with_the_two_choices(fem_trin: FemTrin) -> None:
    _case_id, path = fem_trin.waiting(["Biblioteket"])
    page = request(fem_trin.base + path)
    assert page.status == 200
    assert '<html lang="da">' in page.body
    assert "<h1>Svar på invitationen til et indledende møde</h1>" in page.body
    assert "<legend>Vil I mødes med os til et indledende møde af 30 min.?</legend>" in page.body
    assert '<label for="f-moedesvar-1">Ja, vi vil gerne mødes</label>' in page.body
    assert '<label for="f-moedesvar-2">Nej tak, ikke denne gang</label>' in page.body
    assert '<label for="f-moedesvar_besked">Besked til foreningen</label>' in page.body


def test_web_fem_trin_yes_moves_the_case_as_the_association_recording_it(fem_trin: FemTrin) -> None:
    recorded, _path = fem_trin.waiting(["Biblioteket"])
    fem_trin.service.fire(recorded, "positivt_svar", actor="anna", values={"moedesvar": "ja"})
    case_id, path = fem_trin.waiting(["Biblioteket"])
    status, _body = fem_trin.answer(path, {"moedesvar": "ja", "moedesvar_besked": ""})
    assert status == 303
    state, _fields, messages = fem_trin.outcome(case_id)
    assert fem_trin.outcome(case_id) == fem_trin.outcome(recorded)
    assert (state, messages) == ("indledende_moede", [("positivt_svar", None)])
    last = fem_trin.service.queries.history(case_id)[-1]
    assert (last.actor, last.kind, last.name, last.details["via"]) == (
        "partneren",
        "form",
        "moedesvar",
        "web",
    )
    assert [t["trigger"] for t in last.details["transitions"]] == ["positivt_svar"]


def test_web_fem_trin_no_moves_to_plan_b_as_the_association_recording_it(fem_trin: FemTrin) -> None:
    recorded, _path = fem_trin.waiting(["Biblioteket", "Skolen"])
    fem_trin.service.fire(recorded, "afslag", actor="anna", values={"moedesvar": "nej"})
    case_id, path = fem_trin.waiting(["Biblioteket", "Skolen"])
    status, _body = fem_trin.answer(path, {"moedesvar": "nej", "moedesvar_besked": ""})
    assert status == 303
    state, fields, messages = fem_trin.outcome(case_id)
    assert (state, fields, messages) == fem_trin.outcome(recorded)
    assert (state, fields["aktuel_partner"], fields["afviste_partnere"]) == (
        "plan_b",
        "Skolen",
        ["Biblioteket"],
    )
    assert messages == [("plan_b", None)]
    again = request(fem_trin.base + path)  # the answer is given: the link is spent, said in Danish
    assert again.status == 404
    assert '<html lang="da">' in again.body and "<h1>Dette link virker ikke</h1>" in again.body
    tampered = request(fem_trin.base + path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    # a wrong link learns nothing: the server's own language (nb here), whatever the case's
    assert (tampered.status, "<h1>Denne lenken virker ikke</h1>" in tampered.body) == (404, True)


def test_web_fem_trin_an_answer_that_is_no_option_is_said_at_its_field(fem_trin: FemTrin) -> None:
    case_id, path = fem_trin.waiting(["Biblioteket"])
    events = len(fem_trin.service.queries.history(case_id))
    status, body = fem_trin.answer(path, {"moedesvar": "maaske"})
    assert status == 422
    assert '<p class="error" id="err-moedesvar">' in body
    assert len(fem_trin.service.queries.history(case_id)) == events
    assert fem_trin.service.queries.load(case_id)[0].state == "afventer_svar"


def test_web_fem_trin_no_choice_moves_nothing_and_the_link_still_works(fem_trin: FemTrin) -> None:
    """Sent with only a message and no choice, the form would fire neither answer: it is
    refused at the question, nothing is written, and the partner can still answer."""
    case_id, path = fem_trin.waiting(["Biblioteket"])
    events = len(fem_trin.service.queries.history(case_id))
    status, body = fem_trin.answer(path, {"moedesvar_besked": "Vi vender tilbage."})
    assert status == 422
    assert '<p class="error" id="err-moedesvar">Udfyld dette.</p>' in body
    assert "prioriteret_liste" not in body and "Biblioteket" not in body  # no reasons from inside the case
    assert (
        'id="f-moedesvar_besked" rows="6" aria-describedby="help-moedesvar_besked">Vi vender tilbage.' in body
    )
    assert len(fem_trin.service.queries.history(case_id)) == events
    status, _body = fem_trin.answer(path, {"moedesvar": "nej"})
    assert status == 303
    assert fem_trin.service.queries.load(case_id)[0].state == "trin_2"
