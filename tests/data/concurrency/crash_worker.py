"""A never-ending stream of commands through the Service, for tests/test_concurrency.py to SIGKILL.

    python crash_worker.py DB_URL

It works from whatever the database holds, so a stream killed half-way carries on where it stopped:
it keeps three cases of padriv.fase-7-2 open and moves each one step a turn (a field, a task, a form,
a trigger, a comment; now and then a tick 60 days ahead). Every case is eventually formalised, closed as
not relevant, or rejected, and a new one is opened in its place (a formalised one's forankring
case, opened by the playbook, stays as it is). After each command it prints one line
and flushes, so the parent knows how far it got. Any error ends it with a traceback and status 1.
"""

from __future__ import annotations

import datetime as dt
import sys

from trinn.engine.clock import utc_now
from trinn.engine.files import Upload
from trinn.engine.links import FormLinks
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database

PLAYBOOK = "padriv.fase-7-2"
ACTOR = "worker"
OPEN_CASES = 3
VALUES = {
    "kontaktperson": "Kari Nordmann",
    "kontakt_epost": "kari@example.org",
    "meldt_av_gruppe": "padriver",
    "motetidspunkt": "2026-12-01",
    "agenda": "Bli kjent",
    "moteform": "digitalt",
    "ledelsen_deltar": True,
    "enighet": True,
    "hovedsteg": "Påmelding, innstilling, vedtak",
    "strategisk_initiativ": "Grønn mobilitet",
    "har_okonomisk_bidrag": False,
    "anbefaling": "anbefales",
    "innstilling": "Anbefales",
    "styringsgruppemote": "2026-12-10",  # fase 7.2 v3: the steering group's next meeting
    "behandlingsmote": "forstkommende_mote",
    "behandlet_dato": "2026-12-10",
    "padrivere": ["Ola", "Per"],
    "tilslutningsavtale_lenke": "https://example.org/avtale",
    "forpliktelser": "Deltar i arbeidsgruppen",
    # fase 7.2 v4: Ledelsen records the signed agreement with its file
    "signert_tilslutningsavtale": Upload("signert-avtale.pdf", b"%PDF-1.7\n%%EOF\n"),
}
# the trigger that moves a case on from each state, once the state's tasks are done
NEXT = {
    "registrert": "vis_interesse",
    "interessert": "avtal_mote",
    "mote_avtalt": "send_invitasjon",
    "invitert": "motta_pamelding",
    "pamelding_mottatt": "send_innstilling",
    "til_behandling": "godkjenn",
    "godkjent": "send_velkommen",
    "velkommen_sendt": "send_tilslutningsavtale",
    "avtale_sendt": "motta_signert_avtale",
    "formaliseres": "formaliser",
}


def say(text: str) -> None:
    print(text, flush=True)


def advance(service: Service, case_id: int) -> None:
    """One command on the case: which one follows from what the database holds."""
    case, compiled, _children = service.queries.load(case_id)
    spec, version = compiled.spec, case.row_version
    if version % 5 == 3:
        service.comment(case_id, f"note at version {version}", actor=ACTOR)
        say(f"comment {case_id}")
        return
    if version % 7 == 4:
        service.set_fields(
            case_id, {"kontaktperson": f"Kontakt {version}"}, actor=ACTOR, expected_version=version
        )
        say(f"set {case_id}")
        return
    if case_id % 4 == 0 and case.state == "invitert":
        service.fire(case_id, "avslutt", actor=ACTOR, values={"begrunnelse": "Trakk seg"})
        say(f"fire {case_id} avslutt")
        return
    tasks = spec.all_tasks()
    for record in case.current_tasks():
        task = tasks[record.task_id]
        if record.status != "open" or task.optional:
            continue
        if task.form is None:
            service.complete_task(case_id, record.task_id, actor=ACTOR, expected_version=version)
        else:
            answers = {name: VALUES[name] for name in spec.forms[task.form].fields if name in VALUES}
            service.submit_form(case_id, task.form, answers, actor=ACTOR, expected_version=version)
        say(f"done {case_id} {record.task_id}")
        return
    if case_id % 5 == 0 and case.state == "til_behandling":
        service.fire(case_id, "underkjenn", actor=ACTOR, values={"begrunnelse": "Ikke nå"})
        say(f"fire {case_id} underkjenn")
        return
    service.fire(case_id, NEXT[case.state], actor=ACTOR, expected_version=version)
    say(f"fire {case_id} {NEXT[case.state]}")


def main() -> None:
    links = FormLinks("crash-worker-signing-key-0123456789abcdef", "https://skjema.example.org")
    service = Service(
        Store(open_database(sys.argv[1])), PlaybookRegistry(), People.single_user(ACTOR), links=links
    )
    turn = 0
    while True:
        # a formalised case opens its partnerskab.forankring case: the stream leaves those be
        open_ids = [int(row.id) for row in service.queries.cases(closed=False) if row.playbook_id == PLAYBOOK]
        while len(open_ids) < OPEN_CASES:
            case = service.open_case(
                PLAYBOOK, {"virksomhet": f"Firma {len(open_ids)}", "meldt_av": "Kari"}, actor=ACTOR
            )
            say(f"open {case.id}")
            open_ids.append(case.id)
        for case_id in open_ids:
            advance(service, case_id)
        turn += 1
        if turn % 4 == 0:
            service.tick(utc_now() + dt.timedelta(days=60))
            say("tick")


if __name__ == "__main__":
    main()
