"""Who may write what, through the command line with a people file: one check for every write.

A form is its task's work: only the task's role (or its assignee) fills it, only while the task
is open in the case's state, and never with no answers. A person_list field takes people of the
people file who hold the role of the tasks made per listed person (or any role of the playbook
when it makes none). Every refusal is one line, exit status 1, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from trinn.tui.cli import app

NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
PEOPLE = """\
kari: {name: Kari Ledelse, roles: [ledelsen]}
stig: {name: Stig Styre, roles: [styringsgruppen]}
anna: {name: Anna Deltaker, roles: [deltaker]}
bjorn: {name: Bjørn Deltaker, roles: [deltaker]}
nils: {name: Nils Nettverk, roles: [nettverksleder]}
ola: {name: Ola Utenfor, roles: [annen_rolle]}
"""


class Cli:
    """`trinn --db ... --people ... --as WHO ARGS`, at NOW."""

    def __init__(self, tmp_path: Path) -> None:
        people = tmp_path / "people.yaml"
        people.write_text(PEOPLE)
        self.base = ["--db", str(tmp_path / "trinn.db"), "--people", str(people)]

    def __call__(self, *args: str, who: str = "kari", code: int = 0, lang: str = "en") -> Result:
        result = CliRunner().invoke(app, [*self.base, "--lang", lang, "--as", who, *args], obj=lambda: NOW)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    def show(self, case: str) -> dict[str, Any]:
        return json.loads(self("show", case, "--json").stdout)

    def history(self, case: str) -> list[Any]:
        return json.loads(self("history", case, "--json").stdout)

    def refused(self, *args: str, who: str = "kari", stderr: str, lang: str = "en") -> None:
        """Refused: exit 1, exactly `stderr` on one line, the case exactly as it was."""
        case = args[1]
        before, events = self.show(case), self.history(case)
        result = self(*args, who=who, code=1, lang=lang)
        assert (result.stdout, result.stderr) == ("", stderr + "\n")
        assert self.show(case) == before
        assert self.history(case) == events


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path)


def _registered(cli: Cli) -> str:
    """A padriv.fase-7-2 case in 'registrert': its form 'registrering' open, Ledelsen's."""
    return cli(
        "open", "padriv.fase-7-2", "--set", "virksomhet=Byggmester Hansen AS", "--set", "meldt_av=Kari"
    ).stdout.strip()


def test_form_of_another_roles_task_is_refused(cli: Cli) -> None:
    case = _registered(cli)
    cli.refused(
        "form",
        case,
        "registrering",
        "kontaktperson=Ola Hansen",
        who="stig",
        stderr=f"trinn: case {case}: stig cannot fill the form «Registrer mulig ny samarbeidspartner»: "
        "its task "
        "«Registrer virksomheten som mulig ny samarbeidspartner» needs the role «Ledelsen»",
    )
    cli("form", case, "registrering", "kontaktperson=Ola Hansen")
    tasks = {t["task"]: t for t in cli.show(case)["tasks"]}
    assert (tasks["registrer_virksomhet"]["status"], tasks["registrer_virksomhet"]["done_by"]) == (
        "done",
        "kari",
    )


def test_form_of_a_later_state_is_refused(cli: Cli) -> None:
    case = _registered(cli)
    cli.refused(
        "form",
        case,
        "behandling",
        "behandlingsmote=forstkommende_mote",
        who="stig",
        stderr=f"trinn: case {case}: form 'behandling' is not a form of state 'registrert' "
        "(its open forms: registrering)",
    )


def test_form_with_no_answers_is_refused_with_its_fields(cli: Cli) -> None:
    case = _registered(cli)
    cli.refused(
        "form",
        case,
        "registrering",
        stderr=f"trinn: case {case}: form 'registrering' has no answers (its fields: meldt_av, "
        "meldt_av_gruppe, meldt_av_epost, kontaktperson, kontakt_epost)",
    )


def test_form_filled_twice_is_refused_until_its_task_is_reopened(cli: Cli) -> None:
    case = _registered(cli)
    cli("form", case, "registrering", "kontaktperson=Ola Hansen")
    cli.refused(
        "form",
        case,
        "registrering",
        "kontaktperson=Per Hansen",
        stderr=f"trinn: case {case}: form 'registrering' is filled already: its task "
        "'registrer_virksomhet' is done (reopen it to fill it again)",
    )
    cli("reopen", case, "registrer_virksomhet")
    cli("form", case, "registrering", "kontaktperson=Per Hansen")
    assert cli.show(case)["fields"]["kontaktperson"] == "Per Hansen"


def test_refusals_are_said_in_the_users_language(cli: Cli) -> None:
    case = _registered(cli)
    cli.refused(
        "form",
        case,
        "registrering",
        "kontaktperson=Ola",
        who="stig",
        lang="nb",
        stderr=f"trinn: sak {case}: stig kan ikke fylle ut skjemaet «Registrer mulig ny samarbeidspartner»: "
        "oppgaven "
        "«Registrer virksomheten som mulig ny samarbeidspartner» krever rollen «Ledelsen»",
    )
    cli.refused(
        "form",
        case,
        "registrering",
        lang="da",
        stderr=f"trinn: sag {case}: skemaet 'registrering' har ingen svar (felterne: meldt_av, "
        "meldt_av_gruppe, meldt_av_epost, kontaktperson, kontakt_epost)",
    )


def test_reopen_done_and_assign_need_the_tasks_role(cli: Cli) -> None:
    case = _registered(cli)
    cli.refused(
        "done",
        case,
        "avklar_interesse",
        who="stig",
        stderr=f"trinn: case {case}: stig cannot do «Avklar om virksomheten viser interesse»: "
        "it needs the role «Ledelsen»",
    )
    cli.refused(
        "assign",
        case,
        "avklar_interesse",
        "kari",
        who="stig",
        stderr=f"trinn: case {case}: stig cannot assign «Avklar om virksomheten viser interesse»: "
        "it needs the role «Ledelsen»",
    )
    cli("done", case, "avklar_interesse")
    cli.refused(
        "reopen",
        case,
        "avklar_interesse",
        who="stig",
        stderr=f"trinn: case {case}: stig cannot do «Avklar om virksomheten viser interesse»: "
        "it needs the role «Ledelsen»",
    )


def _nominating(cli: Cli) -> str:
    """A padriv.fase-2 case in 'til_behandling': Styringsgruppen's form 'nominasjon' is open."""
    case = cli("open", "padriv.fase-2").stdout.strip()
    cli("form", case, "utkast", "samarbeidsavtale=https://padriv.no/avtale", "mandat_utkast=Utkast")
    cli("fire", case, "send_til_styringsgruppen")
    assert cli.show(case)["state"] == "til_behandling"
    return case


def test_person_list_takes_only_people_holding_the_role_of_its_tasks(cli: Cli) -> None:
    case = _nominating(cli)
    # deltakere: one 'signer_kontrakt' task (role 'deltaker') is made per listed person
    cli.refused(
        "form",
        case,
        "nominasjon",
        "deltakere=anna,ghost",
        who="stig",
        stderr=f"trinn: case {case}: field 'deltakere': 'ghost' is not in the people file "
        "(expected one of 'anna', 'bjorn')",
    )
    cli.refused(
        "form",
        case,
        "nominasjon",
        "deltakere=anna,kari",
        who="stig",
        stderr=f"trinn: case {case}: field 'deltakere': 'kari' does not hold the role 'deltaker' "
        "(expected one of 'anna', 'bjorn')",
    )
    cli.refused(
        "form",
        case,
        "nominasjon",
        "deltakere=annna",
        who="stig",
        stderr=f"trinn: case {case}: field 'deltakere': 'annna' is not in the people file "
        "(did you mean 'anna'?)",
    )
    cli("form", case, "nominasjon", "deltakere=anna,bjorn", who="stig")
    assert cli.show(case)["fields"]["deltakere"] == ["anna", "bjorn"]


def test_person_list_with_no_tasks_per_person_takes_anyone_with_a_role_of_the_playbook(cli: Cli) -> None:
    refused = cli("open", "padriv.fase-2", "--set", "innkalte=nils,ola", code=1)
    assert refused.stderr == (
        "trinn: field 'innkalte': 'ola' holds none of the roles of 'padriv.fase-2' "
        "(expected one of 'anna', 'bjorn', 'kari', 'nils', 'stig')\n"
    )
    case = cli("open", "padriv.fase-2", "--set", "innkalte=nils,stig,anna").stdout.strip()
    assert cli.show(case)["fields"]["innkalte"] == ["nils", "stig", "anna"]


def test_a_nomination_is_written_only_through_its_form(cli: Cli) -> None:
    only_form = (
        "field «Deltakere i Arbeidsgruppen»: it is changed only through the form "
        "«Nominerte deltakere til Arbeidsgruppen» (by «Styringsgruppen»)"
    )
    refused = cli("open", "padriv.fase-2", "--set", "deltakere=ghost", code=1)
    assert refused.stderr == f"trinn: {only_form}\n"
    case = _nominating(cli)
    cli.refused(
        "fire",
        case,
        "fullfor_behandling",
        "--set",
        "deltakere=anna",
        who="stig",
        stderr=f"trinn: case {case}: {only_form}",
    )
    cli.refused("set", case, "deltakere=anna", who="stig", stderr=f"trinn: case {case}: {only_form}")
