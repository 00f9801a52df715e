"""The bundled playbooks, walked end to end through the command line, on SQLite and PostgreSQL.

A coordinator runs each case as the playbook's method says: `trinn form` where a
task has a form, `trinn done` for the others (`--item` for a for-each task),
`trinn fire` to move on (`--set` where the guard needs a value), and `trinn tick
--now` when days pass and a reminder is due. There is no people file, so the
coordinator holds every role. Every final state of every bundled playbook is
reached by one walk; after it, `show --json` and `history --json` must tell the
same story: the final state, closed, its outcome, and a history numbered 1..n.
Along the way some commands are refused: exit status 1, their exact line on
stderr, and the case left as it was.

Which steps and values lead where is the knowledge of test_bundled_playbooks.py,
here spoken through the command line instead of the compiled machine.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from trinn.engine.catalog import bundled_files
from trinn.engine.loader import load_playbook
from trinn.engine.spec import PlaybookSpec, StartCaseActionSpec
from trinn.engine.text import localize
from trinn.tui.cli import app

COORDINATOR = "coordinator"
START = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)  # a Tuesday morning; the clock stops here
# the playbooks walked here; every bundled playbook is also walked by its scenario file
# (playbooks/*.test.yaml, run by tests/test_scenario_files.py through the same service)
WALKED = ("padriv.fase-7-2", "padriv.fase-2", "partnerskab.fem-trin")
SPECS: dict[str, PlaybookSpec] = {
    spec.id: spec for spec in (load_playbook(f.path).spec for f in bundled_files()) if spec.id in WALKED
}


# ---------------------------------------------------------------- the command line


@dataclass
class Trinn:
    """`trinn --db URL --as coordinator ...` on one database; every command reads the time `now`."""

    db_url: str
    now: dt.datetime = START
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str, code: int = 0) -> Result:
        """Run one command; its exit status must be `code`."""
        result = self.runner.invoke(
            app, ["--db", self.db_url, "--as", COORDINATOR, *args], obj=lambda: self.now
        )
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception  # a traceback instead of an exit status: always a bug
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result


@pytest.fixture
def trinn(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Trinn:
    """The command line on a fresh database (each backend), with no people file: the
    coordinator holds every role. Its clock stands still until a walk lets days pass.
    The messages' form links are signed with a key of the test's own."""
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)
    key = tmp_path / "serve.key"
    key.write_text("walk-test-signing-key-0123456789abcdef\n")
    key.chmod(0o600)
    monkeypatch.setenv("TRINN_SERVE_KEY_FILE", str(key))
    monkeypatch.setenv("TRINN_BASE_URL", "https://skjema.padriv.test")
    cli = Trinn(db_url)
    return cli


def _arg(value: Any) -> str:
    """A value as the command line writes it: lists comma-separated, true/false."""
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pairs(values: dict[str, Any]) -> list[str]:
    return [f"{name}={_arg(value)}" for name, value in values.items()]


def _sets(values: dict[str, Any]) -> list[str]:
    return [arg for pair in _pairs(values) for arg in ("--set", pair)]


@dataclass
class Case:
    """One case as the coordinator drives it, a command at a time.

    Every command runs with `--json`; `view` is the case as the last one printed it.
    """

    trinn: Trinn
    view: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.view["id"])

    @property
    def state(self) -> str:
        return self.view["state"]

    @property
    def fields(self) -> dict[str, Any]:
        return self.view["fields"]

    def show(self) -> dict[str, Any]:
        return json.loads(self.trinn("show", self.id, "--json").stdout)

    def history(self) -> list[dict[str, Any]]:
        return json.loads(self.trinn("history", self.id, "--json").stdout)

    def outbox(self) -> list[dict[str, Any]]:
        """The payloads of the case's messages, as the outbox holds them."""
        from trinn.engine.store import Store, open_database

        store = Store(open_database(self.trinn.db_url))
        try:
            with store.read() as tx:
                return [row.payload for row in tx.outbox_rows(int(self.id))]
        finally:
            store.close()

    def can(self, trigger: str) -> dict[str, Any]:
        """What `trinn can CASE --json` says of one trigger: allowed, reasons, to."""
        (found,) = [
            p for p in json.loads(self.trinn("can", self.id, "--json").stdout) if p["trigger"] == trigger
        ]
        return found

    def _command(self, *args: str) -> Case:
        self.view = json.loads(self.trinn(*args, "--json").stdout)
        return self

    def form(self, form: str, **values: Any) -> Case:
        """`trinn form CASE FORM k=v ...`: the form's fields; the open task it belongs to is done."""
        return self._command("form", self.id, form, *_pairs(values))

    def done(self, *tasks: str, item: str | None = None) -> Case:
        for task in tasks:
            self._command("done", self.id, task, *(["--item", item] if item is not None else []))
        return self

    def set(self, **values: Any) -> Case:
        return self._command("set", self.id, *_pairs(values))

    def fire(self, trigger: str, **values: Any) -> Case:
        """`trinn fire CASE TRIGGER [--set k=v ...]`: the guard sees the values."""
        return self._command("fire", self.id, trigger, *_sets(values))

    def tick(self, days: int) -> list[dict[str, Any]]:
        """`days` pass, then `trinn tick --now NOW` (what a scheduler runs): what it did."""
        self.trinn.now += dt.timedelta(days=days)
        done = self.trinn("tick", "--now", self.trinn.now.isoformat(), "--json")
        self.view = self.show()
        return json.loads(done.stdout)

    def refused(self, *args: str, stderr: str) -> None:
        """`trinn ARGS` is refused: exit status 1, `stderr` its one line, the case as it was."""
        result = self.trinn(*args, code=1)
        assert (result.stdout, result.stderr) == ("", stderr + "\n")
        after = self.show()
        assert after["row_version"] == self.view["row_version"]
        assert after == self.view


def open_case(trinn: Trinn, playbook: str, **values: Any) -> Case:
    """`trinn open PLAYBOOK --set k=v ...` prints the new case's id, alone on its line."""
    printed = trinn("open", playbook, *_sets(values)).stdout
    assert printed.strip().isdigit(), printed
    return Case(trinn, json.loads(trinn("show", printed.strip(), "--json").stdout))


def reminder(case: Case, kind: str, to: str) -> dict[str, Any]:
    """What `trinn tick --json` says of one reminder or escalation it queued for the case."""
    return {"case": int(case.id), "kind": kind, "state": case.state, "detail": f"to {to}"}


def _local(moment: dt.datetime, spec: PlaybookSpec) -> str:
    """A moment as an English refusal says it: on the playbook's clock, to the minute."""
    from trinn.engine.calendar import zone_of
    from trinn.engine.template import local_moment

    return local_moment(moment, "en", zone_of(spec.language, spec.timezone).key)


def refusal(case: Case, text: str) -> str:
    """The line a refused command writes on stderr."""
    return f"trinn: case {case.id}: {text}"


# ---------------------------------------------------------------- padriv.fase-7-2


def _fase_7_2_invited(trinn: Trinn) -> Case:
    """From «Den som er i kontakt med en potensiell ny samarbeidspartner gir beskjed til
    Ledelsen» to the invitation with the link to the påmeldingsskjema."""
    case = open_case(trinn, "padriv.fase-7-2", virksomhet="Byggmester Hansen AS", meldt_av="Kari Nordmann")
    assert case.state == "registrert"
    # Ledelsen registrerer virksomheten som mulig ny samarbeidspartner
    case.form(
        "registrering", meldt_av_gruppe="padriver", kontaktperson="Ola Hansen", kontakt_epost="ola@hansen.no"
    )
    # «Hvis virksomheten viser interesse ...»: not before Ledelsen has found out
    case.refused(
        "fire",
        case.id,
        "vis_interesse",
        stderr=refusal(
            case,
            (
                "cannot 'vis_interesse' in state 'registrert' (task «Avklar om virksomheten viser "
                "interesse» is not done)"
            ),
        ),
    )
    case.done("avklar_interesse").fire("vis_interesse")
    assert case.state == "interessert"

    # «... avtales tidspunkt og agenda for et fysisk eller digitalt møte»
    case.refused(
        "fire",
        case.id,
        "avtal_mote",
        stderr=refusal(
            case,
            (
                "cannot 'avtal_mote' in state 'interessert' (task «Avtal tidspunkt og agenda for "
                "et fysisk eller digitalt møte» is not done; field «Tidspunkt for møtet» is "
                "empty; field «Agenda for møtet» is empty; field «Fysisk eller digitalt møte» is "
                "empty; «Ledelsen deltar på møtet» is no)"
            ),
        ),
    )
    case.form(
        "mote",
        motetidspunkt="03.12.2026 10:00",
        agenda="Presentasjon av partnerskapet",
        moteform="digitalt",
        ledelsen_deltar=False,
    )
    # «Ledelsen skal delta på møtet»
    assert case.can("avtal_mote")["reasons"] == ["«Ledelsen deltar på møtet» is no"]
    case.fire("avtal_mote", ledelsen_deltar=True)
    assert case.state == "mote_avtalt"

    # «Møte gjennomføres for å finne ut om deltakelse i partnerskapet er aktuelt»
    case.form("motereferat", enighet=True, hovedsteg="Påmelding, innstilling, behandling")
    # «Gitt enighet sender Ledelsen en epost til virksomheten med invitasjon ... lenke»
    case.refused(
        "form",
        case.id,
        "invitasjon",
        "kontakt_epost=ola@hansen",
        stderr=refusal(
            case,
            "field 'kontakt_epost': 'ola@hansen' is not an e-mail address (write e.g. 'ola@example.no')",
        ),
    )
    case.form("invitasjon", samarbeidspartner_info="Et nettverk; vi forventer at dere deltar.")
    case.fire("send_invitasjon")
    assert case.state == "invitert"
    # the invitation carries the company's own link to the sign-up form
    (invitation,) = [r for r in case.outbox() if r["message"] == "invitasjon"]
    assert f"https://skjema.padriv.test/f/{case.id}/pamelding?k=" in invitation["body"]
    return case


def _fase_7_2_to_vote(trinn: Trinn) -> Case:
    """... up to Styringsgruppen's vote on Ledelsen's innstilling."""
    case = _fase_7_2_invited(trinn)
    # Virksomheten fyller ut påmeldingsskjemaet (Ledelsen records it on its behalf)
    case.form(
        "pamelding",
        strategisk_initiativ="Sirkulære byggematerialer",
        har_okonomisk_bidrag=True,
        okonomisk_bidrag=50000,
    )
    case.fire("motta_pamelding")
    assert case.state == "pamelding_mottatt"
    # «Ledelsen lager en innstilling til styringsgruppen med anbefaling»
    # «... på førstkommende styringsgruppemøte»: Ledelsen records when that is (Thursday 10th)
    case.form(
        "innstilling",
        anbefaling="anbefales",
        innstilling="Bør bli ny samarbeidspartner.",
        styringsgruppemote="10.12.2026",
    )
    case.fire("send_innstilling")
    assert case.state == "til_behandling"
    # two working days before that meeting, the innstilling still waits: a reminder
    assert case.tick(days=13) == []
    assert case.tick(days=2) == [reminder(case, "remind", "styringsgruppen")]
    # «Styringsgruppen behandler innstillingen på førstkommende styringsgruppemøte»
    case.form("behandling", behandlingsmote="forstkommende_mote", behandlet_dato="2027-01-12")
    return case


def walk_fase_7_2_formalisert(trinn: Trinn) -> Case:
    case = _fase_7_2_to_vote(trinn)
    # «Dersom styringsgruppen godkjenner virksomheten som ny samarbeidspartner ...»
    case.fire("godkjenn")
    assert (case.state, case.fields["vedtak"]) == ("godkjent", "godkjent")
    # «... ringer Ledelsen til virksomheten og informerer om beslutningen»
    case.done("ring_virksomheten")
    # a coordinator who read the case before the call was recorded is refused
    stale = str(case.view["row_version"] - 1)
    case.refused(
        "fire",
        case.id,
        "send_velkommen",
        "--expect-version",
        stale,
        stderr=(
            f"trinn: case {case.id} was changed by {COORDINATOR} at "
            f"{_local(trinn.now, SPECS['padriv.fase-7-2'])}; reload and try again"
        ),
    )
    case.fire("send_velkommen")
    assert case.state == "velkommen_sendt"
    # «Velkommen som ny samarbeidspartner»: initiativ, Pådrivere, logo og tekst, avtale
    case.done("hent_strategisk_initiativ")
    case.form("padrivere", padrivere=["Per Hansen", "Lise Hansen"])
    case.done("hent_logo_og_tekst")
    case.form(
        "tilslutningsavtale",
        tilslutningsavtale_lenke="https://padriv.no/avtaler/1",
        forpliktelser="Deltar i arbeidsgruppen.",
    )
    case.fire("send_tilslutningsavtale")
    assert case.state == "avtale_sendt"
    # the signed agreement is slow to come back: a reminder to Ledelsen
    assert case.tick(days=15) == [reminder(case, "remind", "ledelsen")]
    # «Så snart Ledelsen mottar signert tilslutningsavtale fra virksomheten ...»
    case.done("signer_tilslutningsavtale").fire("motta_signert_avtale")
    assert case.state == "formaliseres"
    # «... formaliserer den virksomheten som ny samarbeidspartner gjennom ...»
    case.done(
        "arkiver_tilslutningsavtale",
        "registrer_pa_nettsider",
        "oppdater_kontaktoversikt",
        "inviter_til_moter",
        "legg_til_sosiale_medier",
    )
    # «Fakturerer virksomheten for evt. økonomisk bidrag»: this one gives 50 000
    case.refused(
        "fire",
        case.id,
        "formaliser",
        stderr=refusal(
            case,
            (
                "cannot 'formaliser' in state 'formaliseres' ('!har_okonomisk_bidrag || "
                "tasks.fakturer_bidrag.done' does not hold (har_okonomisk_bidrag = true, "
                "tasks.fakturer_bidrag.done = false))"
            ),
        ),
    )
    case.done("fakturer_bidrag").fire("formaliser")
    return case


def walk_fase_7_2_underkjent(trinn: Trinn) -> Case:
    case = _fase_7_2_to_vote(trinn)
    # Styringsgruppen underkjenner innstillingen, and says why
    case.refused(
        "fire",
        case.id,
        "underkjenn",
        stderr=refusal(case, "cannot 'underkjenn' in state 'til_behandling' (field «Begrunnelse» is empty)"),
    )
    case.fire("underkjenn", begrunnelse="Virksomheten passer ikke med partnerskapets formål.")
    assert case.fields["vedtak"] == "underkjent"
    return case


def walk_fase_7_2_ikke_aktuell(trinn: Trinn) -> Case:
    case = _fase_7_2_invited(trinn)
    # the påmeldingsskjema does not come: a reminder after two weeks, once ...
    assert case.tick(days=15) == [reminder(case, "remind", "ledelsen")]
    assert case.tick(days=0) == []
    # ... and after six weeks the escalation: «Følg opp, eller avslutt saken med begrunnelse»
    assert case.tick(days=28) == [reminder(case, "escalate", "ledelsen")]
    # a påmelding only heard of is not one received: its answers come through its form only ...
    case.refused(
        "fire",
        case.id,
        "motta_pamelding",
        "--set",
        "strategisk_initiativ=Noe",
        stderr=refusal(
            case,
            "field 'strategisk_initiativ': it is changed only through the form 'pamelding' "
            "(by 'virksomheten')",
        ),
    )
    # ... and without the form filled, the guard says no
    case.refused(
        "fire",
        case.id,
        "motta_pamelding",
        stderr=refusal(
            case,
            (
                "cannot 'motta_pamelding' in state 'invitert' (task «Vurder invitasjonen og fyll "
                "ut påmeldingsskjemaet» is not done)"
            ),
        ),
    )
    case.fire("avslutt", begrunnelse="Virksomheten har ikke svart på invitasjonen.")
    return case


# ---------------------------------------------------------------- padriv.fase-2


def _people(count: int) -> list[str]:
    return [f"Deltaker {n}" for n in range(1, count + 1)]


# a long value in a refusal is cut after 57 characters
CUT_SHORT = "['Deltaker 1', 'Deltaker 2', 'Deltaker 3', 'Deltaker 4', ..."


def _fase_2_to_styringsgruppen(trinn: Trinn) -> Case:
    case = open_case(trinn, "padriv.fase-2")  # the Arbeidsgruppe's name has a default
    assert (case.state, case.fields) == ("mandat_utkast", {"arbeidsgruppe": "Arbeidsgruppen"})
    # «Ledelsen utformer et utkast til Mandat for Arbeidsgruppen» from the samarbeidsavtale
    case.refused(
        "fire",
        case.id,
        "send_til_styringsgruppen",
        stderr=refusal(
            case,
            (
                "cannot 'send_til_styringsgruppen' in state 'mandat_utkast' (task «Utform et "
                "utkast til Mandat for Arbeidsgruppen» is not done; field «Utkast til Mandat for "
                "Arbeidsgruppen» is empty)"
            ),
        ),
    )
    case.form(
        "utkast",
        samarbeidsavtale="https://padriv.no/samarbeidsavtale",
        mandat_utkast="Arbeidsgruppen ledes av Nettverksleder ...",
    )
    # «... og sender det til styringsgruppen for behandling»
    case.fire("send_til_styringsgruppen")
    assert case.state == "til_behandling"
    return case


def _fase_2_nominate(case: Case, members: int) -> Case:
    """Styringsgruppen «behandler utkastet og nominerer deltakere til Arbeidsgruppen»."""
    case.form("behandling", styringsgruppens_behandling="Godkjent med merknader")
    case.form("nominasjon", deltakere=_people(members)).fire("fullfor_behandling")
    assert case.state == "mandat_behandlet"
    return case


def _fase_2_call(case: Case) -> Case:
    """Ledelsen ferdigstiller Mandat, sikrer at gruppen er flerfaglig, og innkaller."""
    case.form("mandat", mandat="Mandat for Arbeidsgruppen")
    case.form("sammensetning", fagomrader=["arkitektur", "økonomi", "juss"])
    case.form("innkalling", forste_mote="2027-01-15").fire("innkall")
    assert case.state == "innkalt"
    return case


def _fase_2_first_meeting(case: Case) -> Case:
    # «konstituering av Arbeidsgruppen, valg av ansvarsområder og oppstart av arbeidet»
    case.form(
        "konstituering",
        ansvarsomrader="Kommunikasjon, arrangement",
        oppgaver="Fastsatt av gruppen",
        motefrekvens="Hver fjerde uke",
    )
    # «Sikre at deltakerne er innforstått med sine og Arbeidsgruppens totale roller og
    # oppgaver», and the tasks «avstemt med Nettverksleder»
    return case.done("sikre_rolleforstaelse", "avstem_oppgaver")


def walk_fase_2_avsluttet(trinn: Trinn) -> Case:
    case = _fase_2_to_styringsgruppen(trinn)
    # Styringsgruppen has not dealt with it after two weeks: a reminder
    assert case.tick(days=15) == [reminder(case, "remind", "styringsgruppen")]
    # 16 nominated, and all sign: «Arbeidsgruppen bør være mellom 8-15 personer»
    _fase_2_first_meeting(_fase_2_call(_fase_2_nominate(case, 16)))
    for member in _people(16):
        case.done("signer_kontrakt", item=member)
    case.refused(
        "fire",
        case.id,
        "opprett",
        stderr=refusal(
            case,
            ("cannot 'opprett' in state 'innkalt' («Deltakere i Arbeidsgruppen» has 16, needs at most 15)"),
        ),
    )
    case.fire("nominer_pa_nytt")  # back to Styringsgruppen
    assert case.state == "til_behandling"

    # ten this time, and a new first meeting
    _fase_2_first_meeting(_fase_2_call(_fase_2_nominate(case, 10)))
    # «Hver deltaker i Arbeidsgruppen har signert en forpliktende kontrakt»: one at a time
    case.refused(
        "done",
        case.id,
        "signer_kontrakt",
        stderr=refusal(
            case,
            (
                "task 'signer_kontrakt' has 10 open items; name one with --item ("
                + ", ".join(f"'{p}'" for p in _people(10))
                + ")"
            ),
        ),
    )
    for member in _people(9):
        case.done("signer_kontrakt", item=member)
    case.refused(
        "done",
        case.id,
        "signer_kontrakt",
        "--item",
        "Deltaker 1",
        stderr=refusal(case, "task 'signer_kontrakt' [Deltaker 1] is already done"),
    )
    case.refused(
        "fire",
        case.id,
        "opprett",
        stderr=refusal(
            case,
            (
                "cannot 'opprett' in state 'innkalt' (task «Signer forpliktende kontrakt om "
                "ansvar og bidrag» is not done)"
            ),
        ),
    )
    # Deltaker 10 never signs and leaves the group: nine remain, every one of them signed
    case.set(deltakere=_people(9))
    case.refused(
        "done",
        case.id,
        "signer_kontrakt",
        "--item",
        "Deltaker 10",
        stderr=refusal(
            case, "task 'signer_kontrakt' [Deltaker 10] was cancelled: 'Deltaker 10' was taken off its list"
        ),
    )
    # «Arbeidsgruppen er opprettet»
    case.fire("opprett")
    assert case.state == "i_drift"

    # «Ledelsen innkaller til og leder arbeidsgruppemøter med hyppighet ... tilpasset»
    assert case.tick(days=29) == [reminder(case, "remind", "ledelsen")]
    case.fire("hold_mote", mote_notat="2027-02-12: oppstart av arbeidet")
    case.refused(
        "fire",
        case.id,
        "hold_mote",
        stderr=refusal(
            case,
            (
                "cannot 'hold_mote' in state 'i_drift' ('!(mote_notat in moter)' does not hold "
                "(mote_notat = '2027-02-12: oppstart av arbeidet', moter = ['2027-02-12: oppstart "
                "av arbeidet']))"
            ),
        ),
    )
    case.fire("hold_mote", mote_notat="2027-03-12: status")
    assert (case.state, case.fields["moter"]) == (
        "i_drift",
        ["2027-02-12: oppstart av arbeidet", "2027-03-12: status"],
    )
    case.fire("avslutt")
    return case


def walk_fase_2_avbrutt(trinn: Trinn) -> Case:
    case = _fase_2_to_styringsgruppen(trinn)
    # seven nominated: too few, back to Styringsgruppen
    case.form("behandling", styringsgruppens_behandling="Godkjent")
    case.form("nominasjon", deltakere=_people(7)).fire("fullfor_behandling")
    case.fire("nominer_pa_nytt")
    assert case.state == "til_behandling"
    # the establishing is called off, with a reason
    case.refused(
        "fire",
        case.id,
        "avbryt",
        stderr=refusal(case, "cannot 'avbryt' in state 'til_behandling' (field «Begrunnelse» is empty)"),
    )
    case.fire("avbryt", begrunnelse="Ikke nok interesse for Arbeidsgruppen.")
    return case


# ---------------------------------------------------------------- partnerskab.fem-trin


def _fem_trin_meeting_one(trinn: Trinn) -> Case:
    """«På jeres første møde gennemgår I trin 1, 2 og 3», with people of your own forening."""
    case = open_case(trinn, "partnerskab.fem-trin", partnerskab="Lektiecafé", forening="Ungdomsklubben")
    # Trin 1: Strategisk forankring – Skitsér jeres idé
    case.refused(
        "fire",
        case.id,
        "vaelg_partner",
        stderr=refusal(
            case,
            (
                "cannot 'vaelg_partner' in state 'trin_1' (task «Introducér opgaven for "
                "deltagerne på mødet» is not done; task «Diskutér de tre spørgsmål» is not done; "
                "task «Formulér jeres overordnede idé» is not done; field «Hvilken "
                "aktivitet/projekt ønsker vi i et partnerskab?» is empty)"
            ),
        ),
    )
    case.done("introducer_opgaven")
    case.form(
        "trin_1a", passer_til_vision="Passer godt", partner_hjaelper_med="Lokaler", vi_tilbyder="Frivillige"
    )
    case.refused(
        "form",
        case.id,
        "trin_1b",
        "idee=En lektiecafé",
        stderr=refusal(case, "form 'trin_1b' has no field 'idee' (did you mean 'ide'?)"),
    )
    case.form("trin_1b", ide="En lektiecafé for børn i bydelen").fire("vaelg_partner")
    assert case.state == "trin_2"

    # Trin 2: Partneridentifikation – «skriv alle forslag ned i den rækkefølge, de nævnes i»
    case.form("trin_2a", forslag=["Skolen", "Bydelsbiblioteket", "Kirken", "Boligforeningen"])
    # «Nedskriv de tre mest egnede i prioriteret rækkefølge»: four is one too many
    listed = ["Bydelsbiblioteket", "Boligforeningen", "Skolen", "Kirken"]
    case.form("trin_2b", prioriteret_liste=listed)
    case.refused(
        "fire",
        case.id,
        "skab_overbevisning",
        stderr=refusal(
            case,
            (
                "cannot 'skab_overbevisning' in state 'trin_2' («De tre mest egnede partnere i "
                "prioriteret rækkefølge» has 4, needs at most 3)"
            ),
        ),
    )
    case.fire("skab_overbevisning", prioriteret_liste=listed[:3])
    # «I arbejder videre med den, I prioriterer højst, men gem listen»
    assert (case.state, case.fields["aktuel_partner"]) == ("trin_3", "Bydelsbiblioteket")

    # Trin 3: Skab overbevisning – Tag kontakt til partneren og sælg ideen
    case.refused(
        "form",
        case.id,
        "kontakt",
        "partner_email=bibliotek.dk",
        stderr=refusal(
            case,
            "field 'partner_email': 'bibliotek.dk' is not an e-mail address (write e.g. 'ola@example.no')",
        ),
    )
    return _fem_trin_contact(case, "kontakt@bibliotek.dk")


def _fem_trin_contact(case: Case, email: str) -> Case:
    # «Skriv evt. en mail med jeres idé og med forslag til et indledende møde af 30 min.»
    case.form("kontakt", partner_email=email)
    # «Udvælg to-tre personer til et indledende møde, og lav en plan B»
    case.form("trin_3b", moededeltagere=["Anna", "Bo"], plan_b="Kontakt den næste på listen")
    # «Udnævn ansvarspersoner og aftal opfølgningsdato. Her slutter jeres møde.»
    case.form("trin_3c", ansvarspersoner=["Anna"], opfoelgningsdato="2026-12-15")
    case.fire("kontakt_partner")
    assert case.state == "afventer_svar"
    return case


def walk_fem_trin_partnerskab_aftalt(trinn: Trinn) -> Case:
    case = _fem_trin_meeting_one(trinn)
    # two working days before the follow-up date (Tuesday 15 December): a reminder on Friday
    assert case.tick(days=16) == []
    assert case.tick(days=1) == [reminder(case, "remind", "foreningen")]
    case.refused(
        "fire",
        case.id,
        "afslaget",
        stderr=refusal(case, "unknown trigger 'afslaget' (did you mean 'afslag'?)"),
    )
    # «afslag»: plan B, the next partner on the prioritised list
    case.fire("afslag")
    assert (case.state, case.fields["aktuel_partner"]) == ("plan_b", "Boligforeningen")
    assert "partner_email" not in case.fields
    # plan B clears the follow-up date: the next partner gets a date of its own
    assert "opfoelgningsdato" not in case.fields
    case.form("ny_opfoelgningsdato", opfoelgningsdato="22.12.2026")
    # plan B without an e-mail address: contacted some other way ... and another afslag
    case.form("kontakt", aktuel_partner="Boligforeningen").fire("kontakt_partner").fire("afslag")
    assert (case.state, case.fields["aktuel_partner"]) == ("plan_b", "Skolen")
    case.form("ny_opfoelgningsdato", opfoelgningsdato="2027-01-05")
    case.form("kontakt", partner_email="skolen@skole.dk").fire("kontakt_partner").fire("afslag")
    # everyone on the list said no: back to trin 2 for a new list
    assert case.state == "trin_2"
    assert case.fields["afviste_partnere"] == ["Bydelsbiblioteket", "Boligforeningen", "Skolen"]
    assert case.fields["prioriteret_liste"] == []
    case.form("trin_2a", forslag=["Kirken"]).form("trin_2b", prioriteret_liste=["Kirken"])
    case.fire("skab_overbevisning")
    assert (case.state, case.fields["aktuel_partner"]) == ("trin_3", "Kirken")
    _fem_trin_contact(case, "kirken@sogn.dk").fire("positivt_svar")

    # «et indledende møde af 30 min.» with the two or three chosen in trin 3b
    assert case.state == "indledende_moede"
    case.form("indledende_moede", moedetid="14.12.2026 10:00", moedested="Kirkens sognegård")
    assert case.view["local_fields"] == {"moedetid": "14.12.2026 10:00"}
    assert case.tick(days=4) == []  # the meeting is no timer: nothing to tick
    case.done("hold_moedet").fire("moede_holdt")

    # «Når I har en interesseret partner», møde 2 with the partner.
    # Trin 4: Sikre fælles ejerskab – Skærp ideen
    assert case.state == "trin_4"
    case.form("trin_4a", faelles_vision="Alle børn får hjælp til lektier", maalsaetninger="30 børn om ugen")
    case.form("trin_4b", hvem_goer_hvad="Vi leverer frivillige, kirken lokaler")
    case.form("ansvar_begge_parter", ansvarspersoner_forening=["Anna"], ansvarspersoner_partner=["Præsten"])
    # «Diskutér om I skal søge penge 'udefra'. Og hvem der i så fald er ansvarlig for det.»
    case.form("finansiering", ekstern_finansiering=True)
    case.refused(
        "fire",
        case.id,
        "lav_partnerskabsaftale",
        stderr=refusal(
            case,
            (
                "cannot 'lav_partnerskabsaftale' in state 'trin_4' ('!ekstern_finansiering || "
                "finansiering_ansvarlig != null' does not hold (ekstern_finansiering = true, "
                "finansiering_ansvarlig = null))"
            ),
        ),
    )
    case.fire("lav_partnerskabsaftale", finansiering_ansvarlig="Anna")

    # Trin 5: Lav partnerskabsaftale – Udarbejd en kontrakt
    assert case.state == "trin_5"
    case.form(
        "kontrakt",
        aktiviteter="Lektiecafé to gange om ugen",
        tidsplan="Start februar 2027",
        opfoelgningsplan="Evaluering efter et halvt år",
    )
    case.refused(
        "fire",
        case.id,
        "indgaa_aftale",
        stderr=refusal(
            case, "cannot 'indgaa_aftale' in state 'trin_5' (task «Godkend kontrakten» is not done)"
        ),
    )
    case.done("partneren_godkender")  # the partner's approval, recorded by the coordinator
    case.fire("indgaa_aftale")
    return case


def walk_fem_trin_opgivet(trinn: Trinn) -> Case:
    case = _fem_trin_meeting_one(trinn)
    # no answer: reminded two working days before the follow-up date, on it, and a week later
    assert case.tick(days=17) == [reminder(case, "remind", "foreningen")]
    assert case.tick(days=4) == [reminder(case, "remind", "foreningen")]
    assert case.tick(days=7) == [reminder(case, "remind", "foreningen")]
    # the forening gives up, with a reason
    case.refused(
        "fire",
        case.id,
        "opgiv",
        stderr=refusal(case, "cannot 'opgiv' in state 'afventer_svar' (field «Begrunnelse» is empty)"),
    )
    case.fire("opgiv", begrunnelse="Intet svar fra Bydelsbiblioteket, og ingen tid til plan B.")
    return case


# ---------------------------------------------------------------- every final state, walked

Walk = Callable[[Trinn], Case]

# (playbook id, final state) -> its walk, and the transitions the walk takes: (trigger, to)
WALKS: dict[tuple[str, str], tuple[Walk, list[tuple[str, str]]]] = {
    ("padriv.fase-7-2", "formalisert"): (
        walk_fase_7_2_formalisert,
        [
            ("vis_interesse", "interessert"),
            ("avtal_mote", "mote_avtalt"),
            ("send_invitasjon", "invitert"),
            ("motta_pamelding", "pamelding_mottatt"),
            ("send_innstilling", "til_behandling"),
            ("godkjenn", "godkjent"),
            ("send_velkommen", "velkommen_sendt"),
            ("send_tilslutningsavtale", "avtale_sendt"),
            ("motta_signert_avtale", "formaliseres"),
            ("formaliser", "formalisert"),
        ],
    ),
    ("padriv.fase-7-2", "underkjent"): (
        walk_fase_7_2_underkjent,
        [
            ("vis_interesse", "interessert"),
            ("avtal_mote", "mote_avtalt"),
            ("send_invitasjon", "invitert"),
            ("motta_pamelding", "pamelding_mottatt"),
            ("send_innstilling", "til_behandling"),
            ("underkjenn", "underkjent"),
        ],
    ),
    ("padriv.fase-7-2", "ikke_aktuell"): (
        walk_fase_7_2_ikke_aktuell,
        [
            ("vis_interesse", "interessert"),
            ("avtal_mote", "mote_avtalt"),
            ("send_invitasjon", "invitert"),
            ("avslutt", "ikke_aktuell"),
        ],
    ),
    ("padriv.fase-2", "avsluttet"): (
        walk_fase_2_avsluttet,
        [
            ("send_til_styringsgruppen", "til_behandling"),
            ("fullfor_behandling", "mandat_behandlet"),
            ("innkall", "innkalt"),
            ("nominer_pa_nytt", "til_behandling"),
            ("fullfor_behandling", "mandat_behandlet"),
            ("innkall", "innkalt"),
            ("opprett", "i_drift"),
            ("hold_mote", "i_drift"),
            ("hold_mote", "i_drift"),
            ("avslutt", "avsluttet"),
        ],
    ),
    ("padriv.fase-2", "avbrutt"): (
        walk_fase_2_avbrutt,
        [
            ("send_til_styringsgruppen", "til_behandling"),
            ("fullfor_behandling", "mandat_behandlet"),
            ("nominer_pa_nytt", "til_behandling"),
            ("avbryt", "avbrutt"),
        ],
    ),
    ("partnerskab.fem-trin", "partnerskab_aftalt"): (
        walk_fem_trin_partnerskab_aftalt,
        [
            ("vaelg_partner", "trin_2"),
            ("skab_overbevisning", "trin_3"),
            ("kontakt_partner", "afventer_svar"),
            ("afslag", "plan_b"),
            ("kontakt_partner", "afventer_svar"),
            ("afslag", "plan_b"),
            ("kontakt_partner", "afventer_svar"),
            ("afslag", "trin_2"),
            ("skab_overbevisning", "trin_3"),
            ("kontakt_partner", "afventer_svar"),
            ("positivt_svar", "indledende_moede"),
            ("moede_holdt", "trin_4"),
            ("lav_partnerskabsaftale", "trin_5"),
            ("indgaa_aftale", "partnerskab_aftalt"),
        ],
    ),
    ("partnerskab.fem-trin", "opgivet"): (
        walk_fem_trin_opgivet,
        [
            ("vaelg_partner", "trin_2"),
            ("skab_overbevisning", "trin_3"),
            ("kontakt_partner", "afventer_svar"),
            ("opgiv", "opgivet"),
        ],
    ),
}


def _steps(spec: PlaybookSpec, path: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """A walk's path as (trigger, from, to), from the playbook's initial state."""
    states = [spec.initial] + [to for _trigger, to in path]
    return [(trigger, source, to) for (trigger, to), source in zip(path, states, strict=False)]


def _cases_started(spec: PlaybookSpec, path: list[tuple[str, str]]) -> int:
    """How many start_case actions a walk's transitions, and the states they enter, have."""
    actions = []
    for trigger, source, to in _steps(spec, path):
        (transition, *_) = [
            t
            for t in spec.transitions
            if (t.trigger, t.to) == (trigger, to) and source in spec.source_states(t)
        ]
        actions += [*transition.do, *spec.states[to].on_enter]
    return sum(isinstance(action, StartCaseActionSpec) for action in actions)


def test_every_final_state_of_every_bundled_playbook_is_walked() -> None:
    finals = {
        (pid, state_id)
        for pid, spec in SPECS.items()
        for state_id, state in spec.states.items()
        if state.final
    }
    assert sorted(WALKS) == sorted(finals)


@pytest.mark.parametrize("playbook", sorted(SPECS))
def test_walks_of_a_playbook_take_each_of_its_transitions(playbook: str) -> None:
    """Every transition is taken by some walk, from one of the states it leaves."""
    spec = SPECS[playbook]
    taken = {
        step
        for (pid, _final), (_walk, path) in WALKS.items()
        if pid == playbook
        for step in _steps(spec, path)
    }
    missing = [
        (t.trigger, t.to)
        for t in spec.transitions
        if not any((t.trigger, source, t.to) in taken for source in spec.source_states(t))
    ]
    assert missing == []


@pytest.mark.parametrize(("playbook", "final"), sorted(WALKS))
def test_case_is_walked_through_the_cli_to_a_final_state(trinn: Trinn, playbook: str, final: str) -> None:
    walk, path = WALKS[(playbook, final)]
    spec = SPECS[playbook]
    case = walk(trinn)

    view = case.show()
    assert (view["playbook"], view["state"]) == (playbook, final)
    assert view["closed"] is True and view["closed_at"] is not None
    assert view["outcome"] == spec.states[final].outcome
    assert view["tasks"] == []  # a final state has none
    assert view["opened_at"] == "2026-11-24T09:00:00Z"

    # the history: numbered 1..n, in order, each command starting where the last one ended
    history = case.history()
    assert [e["version"] for e in history] == list(range(1, view["row_version"] + 1))
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)
    assert {e["actor"] for e in history} <= {COORDINATOR, "trinn"}  # trinn: a tick
    assert (history[0]["kind"], history[0]["state_after"]) == ("open", spec.initial)
    for earlier, later in itertools.pairwise(history):
        assert later["state_before"] == earlier["state_after"]
    assert history[-1]["state_after"] == final
    # ... taking the walk's transitions, and changing the fields into what the case holds
    assert [
        (t["trigger"], t["from"], t["to"]) for e in history for t in e["details"].get("transitions", [])
    ] == _steps(spec, path)
    fields: dict[str, Any] = {}
    for event in history:
        for name, (before, after) in event["changes"].items():
            assert fields.get(name) == before, (event["version"], name)
            fields[name] = after
    assert {k: v for k, v in fields.items() if v is not None} == view["fields"]

    # a case that a start_case action on the way opened names this one as its parent
    started = [child for e in history for child in e["details"].get("started", [])]
    assert len(started) == _cases_started(spec, path)  # none in today's bundled playbooks
    assert view["children"] == started
    for child in started:
        assert json.loads(trinn("show", str(child), "--json").stdout)["parent"] == int(case.id)

    # the lists agree: closed with its outcome, no open task left
    listed = json.loads(trinn("cases", "--closed", "--json").stdout)
    assert [(c["state"], c["outcome"]) for c in listed if c["id"] == int(case.id)] == [
        (final, spec.states[final].outcome)
    ]
    open_tasks = json.loads(trinn("tasks", "--json").stdout)
    assert [t for t in open_tasks if t["case"] == int(case.id)] == []
    # and a closed case takes no more commands: where it ended, who changed it last, when
    case.view = view
    last = history[-1]
    closed = "the case is closed (\u00ab{state}\u00bb; last changed by {who} at {at})".format(
        state=localize(spec.states[final].title, "en", spec.language),
        who=last["actor"],
        at=_local(dt.datetime.fromisoformat(last["at"].replace("Z", "+00:00")), spec),
    )
    case.refused("set", case.id, "begrunnelse=Likevel", stderr=refusal(case, closed))


# ---------------------------------------------------------------- found on the way


def test_a_refusal_explained_shows_a_date_as_it_was_written(trinn: Trinn) -> None:
    case = open_case(trinn, "padriv.fase-7-2", virksomhet="Byggmester Hansen AS", meldt_av="Kari Nordmann")
    case.done("registrer_virksomhet").done("avklar_interesse").fire("vis_interesse")
    case.form("mote", motetidspunkt="03.12.2026 10:00", agenda="Presentasjon", moteform="fysisk")
    listed = json.loads(trinn("can", case.id, "--json", "--explain").stdout)
    (explained,) = next(p["explained"] for p in listed if p["trigger"] == "avtal_mote")
    assert "motetidspunkt = '2026-12-03T09:00:00+00:00'" in explained
