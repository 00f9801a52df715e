"""Fem trin through `trinn serve`: each partner the association contacts answers the invitation
to a 30-minute meeting from its own link in the association's e-mail. The answer is that
partner's own record (the item of `svar_paa_moede`), and the case moves as it does when the
association records the same answer itself (the state, the fields, the messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.web_helpers import FEM_TRIN_PEOPLE, Clock, fem_trin_waiting, make_service, request, serving, walk
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
        return case_id, self.link(case_id)

    def link(self, case_id: int) -> str:
        """The path of the link in the case's last e-mail to a partner."""
        mails = [r for r in self.service.queries.outbox(case_id) if r.payload["message"] == "kontakt_mail"]
        found = LINK.search(mails[-1].payload["body"])
        assert found is not None
        return found.group(1)

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

    def records(self, case_id: int) -> list[tuple[str | None, dict[str, Any] | None, str | None]]:
        """Each partner's answer as its own record: item, answers, who recorded it."""
        case = self.service.queries.load(case_id)[0]
        return [(t.item, t.answers, t.done_by) for t in case.tasks if t.task_id == "svar_paa_moede"]


@pytest.fixture
def fem_trin(tmp_path: Path, db_url: str) -> Iterator[FemTrin]:
    """The server over fem trin cases, on SQLite and on PostgreSQL."""
    service = make_service(tmp_path, db_url, Clock(), people_text=FEM_TRIN_PEOPLE)
    with serving(service) as base:
        yield FemTrin(service, base)
    service.store.close()


def test_web_fem_trin_answer_page_is_danish_with_the_two_choices_for_its_partner(fem_trin: FemTrin) -> None:
    _case_id, path = fem_trin.waiting(["Biblioteket", "Skolen"])
    page = request(fem_trin.base + path)
    assert page.status == 200
    assert '<html lang="da">' in page.body
    assert "<h1>Svar på invitationen til et indledende møde</h1>" in page.body
    assert '<p class="item">Svaret gælder: <strong>Biblioteket</strong></p>' in page.body
    assert "Skolen" not in page.body  # the other candidates are not the partner's business
    assert (
        '<legend>Vil I mødes med os til et indledende møde af 30 min.? <span class="required">'
        "(skal udfyldes)</span></legend>" in page.body
    )
    assert '<label for="f-moedesvar-1">Ja, vi vil gerne mødes</label>' in page.body
    assert '<label for="f-moedesvar-2">Nej tak, ikke denne gang</label>' in page.body
    assert '<label for="f-moedesvar_besked">Besked til foreningen</label>' in page.body


def test_web_fem_trin_yes_moves_the_case_as_the_association_recording_it(fem_trin: FemTrin) -> None:
    recorded, _path = fem_trin.waiting(["Biblioteket"])
    answer = {"moedesvar": "ja", "moedesvar_besked": "Tirsdag passer os."}
    fem_trin.service.submit_form(recorded, "moedesvar", answer, actor="anna", item="Biblioteket")
    fem_trin.service.fire(recorded, "positivt_svar", actor="anna")
    case_id, path = fem_trin.waiting(["Biblioteket"])
    status, _body = fem_trin.answer(path, answer)
    assert status == 303
    state, fields, messages = fem_trin.outcome(case_id)
    assert fem_trin.outcome(case_id) == fem_trin.outcome(recorded)
    assert (state, fields["partnerens_besked"], messages) == (
        "indledende_moede",
        "Tirsdag passer os.",
        [("positivt_svar", None)],
    )
    assert fem_trin.records(case_id) == [("Biblioteket", answer, "partneren")]
    assert fem_trin.records(recorded) == [("Biblioteket", answer, "anna")]
    last = fem_trin.service.queries.history(case_id)[-1]
    assert (last.actor, last.kind, last.name, last.details["via"]) == (
        "partneren",
        "form",
        "moedesvar",
        "web",
    )
    assert last.details["done"] == [{"task": "svar_paa_moede", "item": "Biblioteket", "answers": answer}]
    assert [t["trigger"] for t in last.details["transitions"]] == ["positivt_svar"]
    # the association's own recording says on whose behalf, the web form's that it came from there
    by_anna = fem_trin.service.queries.history(recorded)[-2]
    assert by_anna.details["done"][0]["on_behalf_of"] == "partneren" and "via" not in by_anna.details


def test_web_fem_trin_no_moves_to_plan_b_as_the_association_recording_it(fem_trin: FemTrin) -> None:
    recorded, _path = fem_trin.waiting(["Biblioteket", "Skolen"])
    fem_trin.service.submit_form(
        recorded, "moedesvar", {"moedesvar": "nej"}, actor="anna", item="Biblioteket"
    )
    fem_trin.service.fire(recorded, "afslag", actor="anna")
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


def test_web_fem_trin_each_partner_answers_its_own_link_into_its_own_record(fem_trin: FemTrin) -> None:
    """Biblioteket says no from its link; plan B contacts Skolen, whose e-mail carries a link
    of its own. Biblioteket's link no longer opens anything (not even Skolen's answer), and each
    answer is kept as its partner's record, in the history as it came from the web form."""
    case_id, first = fem_trin.waiting(["Biblioteket", "Skolen"])
    assert fem_trin.answer(first, {"moedesvar": "nej", "moedesvar_besked": "Ikke i år."})[0] == 303
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("form", "kontakt", {"partner_email": "skolen@partner.test"}),
        ("form", "ny_opfoelgningsdato", {"opfoelgningsdato": "2026-02-02"}),
        ("fire", "kontakt_partner", {}),
    ]
    walk(fem_trin.service, case_id, steps, "anna")
    second = fem_trin.link(case_id)
    assert second != first
    assert request(fem_trin.base + first).status == 404
    page = request(fem_trin.base + second)
    assert '<p class="item">Svaret gælder: <strong>Skolen</strong></p>' in page.body
    assert "Biblioteket" not in page.body
    assert fem_trin.answer(second, {"moedesvar": "ja", "moedesvar_besked": ""})[0] == 303
    assert fem_trin.outcome(case_id)[0] == "indledende_moede"
    assert fem_trin.records(case_id) == [
        ("Biblioteket", {"moedesvar": "nej", "moedesvar_besked": "Ikke i år."}, "partneren"),
        ("Skolen", {"moedesvar": "ja"}, "partneren"),
    ]
    from_web = [e for e in fem_trin.service.queries.history(case_id) if e.details.get("via") == "web"]
    assert [
        (e.details["done"][0]["item"], e.details["done"][0]["answers"]["moedesvar"]) for e in from_web
    ] == [
        ("Biblioteket", "nej"),
        ("Skolen", "ja"),
    ]


def test_web_fem_trin_an_answer_that_is_no_option_is_said_at_its_field(fem_trin: FemTrin) -> None:
    case_id, path = fem_trin.waiting(["Biblioteket"])
    events = len(fem_trin.service.queries.history(case_id))
    status, body = fem_trin.answer(path, {"moedesvar": "maaske"})
    assert status == 422
    assert '<p class="error" id="err-moedesvar">' in body
    assert len(fem_trin.service.queries.history(case_id)) == events
    assert fem_trin.service.queries.load(case_id)[0].state == "afventer_svar"


def test_web_fem_trin_no_choice_moves_nothing_and_the_link_still_works(fem_trin: FemTrin) -> None:
    """Sent with only a message and no choice, the answer is no answer: it is refused at the
    question, nothing is written, and the partner can still answer."""
    case_id, path = fem_trin.waiting(["Biblioteket", "Skolen"])
    events = len(fem_trin.service.queries.history(case_id))
    status, body = fem_trin.answer(path, {"moedesvar_besked": "Vi vender tilbage."})
    assert status == 422
    assert '<p class="error" id="err-moedesvar">Udfyld dette.</p>' in body
    assert "prioriteret_liste" not in body and "Skolen" not in body  # no reasons from inside the case
    assert (
        'id="f-moedesvar_besked" rows="6" aria-describedby="help-moedesvar_besked">Vi vender tilbage.' in body
    )
    assert len(fem_trin.service.queries.history(case_id)) == events
    assert fem_trin.records(case_id) == [("Biblioteket", None, None)]
    status, _body = fem_trin.answer(path, {"moedesvar": "nej"})
    assert status == 303
    assert fem_trin.service.queries.load(case_id)[0].state == "plan_b"
