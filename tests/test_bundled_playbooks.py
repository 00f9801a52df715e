"""The bundled playbooks, walked through their compiled machines.

Each playbook is driven from its initial state to each of its final states, the
guards are shown to refuse where its seed text says a step is not allowed yet,
every transition is taken by some walk, and what the seed names (roles, steps,
decisions, messages, results) is findable in the playbook in the seed's words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.walker import Walker
from trinn.engine.catalog import bundled_files
from trinn.engine.compiler import CompiledPlaybook, NotifyEffect, RefusedError, compile_playbook
from trinn.engine.loader import load_playbook
from trinn.engine.text import localize

# file name -> the seed text (in the seeds folder, outside the repository) it was made from
SEEDS = {
    "padriv-fase-7-2.yaml": "000_ff7ef99432a1f42c.txt",
    "padriv-fase-2.yaml": "001_6658136eec6ad8f0.txt",
    "partnerskab-fem-trin.yaml": "002_584fca18ff0d8d52.txt",
    "partnerskab-forankring.yaml": "003_fa3c567a627796d7.txt",
    "netvaerk-deltagere.yaml": "004_769e7f17fd0d7cc7.txt",
}

BUNDLED = bundled_files()


def _compiled(name: str) -> CompiledPlaybook:
    (found,) = [f.path for f in BUNDLED if f.path.name == name]
    return compile_playbook(load_playbook(found))


def _refusal(walker: Walker, trigger: str, roles: set[str] | None = None) -> RefusedError:
    """Fire `trigger`, expecting a refusal that leaves the case as it was."""
    state, fields, fired = walker.state, dict(walker.fields), len(walker.firings)
    with pytest.raises(RefusedError) as info:
        walker.fire(trigger, roles=roles)
    assert (walker.state, walker.fields, len(walker.firings)) == (state, fields, fired)
    assert info.value.trigger == trigger and info.value.state == state
    return info.value


def _notifies(walker: Walker) -> list[tuple[str, tuple[str, ...], str | None]]:
    """(message, roles, field) of every notify the last firing queued."""
    return [
        (
            e.notify.message,
            tuple([e.notify.to] if isinstance(e.notify.to, str) else e.notify.to),
            e.notify.to_field,
        )
        for e in walker.firings[-1].effects
        if isinstance(e, NotifyEffect)
    ]


# ---------------------------------------------------------------- every bundled playbook


@pytest.fixture(scope="module", params=BUNDLED, ids=lambda f: f.path.name)
def bundled_file(request: pytest.FixtureRequest) -> Path:
    return request.param.path


def test_bundled_playbooks_are_the_ones_tested_here() -> None:
    assert sorted(f.path.name for f in BUNDLED) == sorted(SEEDS)


def test_bundled_playbook_loads_checks_clean_and_compiles(bundled_file: Path) -> None:
    loaded = load_playbook(bundled_file)  # raises PlaybookError with every problem found
    compiled = compile_playbook(loaded)
    spec = compiled.spec
    assert loaded.path == str(bundled_file)
    assert spec.id == next(f.declared_id for f in BUNDLED if f.path == bundled_file)
    assert set(compiled.machine.states) == set(spec.states)
    assert compiled.machine.initial == spec.initial
    assert any(state.final for state in spec.states.values())
    assert len(compiled.transitions) == len(spec.transitions) > 0


def test_bundled_playbook_names_its_seed_as_source(bundled_file: Path) -> None:
    assert load_playbook(bundled_file).spec.source == SEEDS[bundled_file.name]


# ---------------------------------------------------------------- fase 7.2

LEDELSEN = {"ledelsen"}
STYRINGSGRUPPEN = {"styringsgruppen"}
VIRKSOMHETEN = {"virksomheten"}


@pytest.fixture(scope="module")
def fase_7_2() -> CompiledPlaybook:
    return _compiled("padriv-fase-7-2.yaml")


def _fase_7_2_registered(compiled: CompiledPlaybook) -> Walker:
    return Walker(compiled, virksomhet="Byggmester Hansen AS", meldt_av="Kari Nordmann").set(
        meldt_av_gruppe="padriver", kontaktperson="Ola Hansen", kontakt_epost="ola@hansen.no"
    )


def _fase_7_2_meeting_agreed(compiled: CompiledPlaybook) -> Walker:
    walker = _fase_7_2_registered(compiled)
    walker.done("registrer_virksomhet", "avklar_interesse").fire("vis_interesse", roles=LEDELSEN)
    walker.set(
        motetidspunkt="2026-12-03",
        agenda="Presentasjon av partnerskapet",
        moteform="digitalt",
        ledelsen_deltar=True,
    )
    walker.done("avtal_tidspunkt_agenda").fire("avtal_mote", roles=LEDELSEN)
    assert walker.state == "mote_avtalt"
    return walker


def _fase_7_2_to_vote(compiled: CompiledPlaybook) -> Walker:
    """From registration to Styringsgruppen's vote on Ledelsen's recommendation."""
    walker = _fase_7_2_meeting_agreed(compiled)
    walker.set(enighet=True, hovedsteg="Påmelding, innstilling, behandling")
    walker.done("gjennomfor_mote", "forbered_invitasjon").fire("send_invitasjon", roles=LEDELSEN)
    assert walker.state == "invitert"
    assert _notifies(walker) == [("invitasjon", (), "kontakt_epost")]

    walker.set(
        strategisk_initiativ="Sirkulære byggematerialer", har_okonomisk_bidrag=True, okonomisk_bidrag=50000
    )
    walker.done("fyll_ut_pamelding").fire("motta_pamelding", roles=LEDELSEN)
    assert walker.state == "pamelding_mottatt"
    # automatic receipt to the company, and an alert to Ledelsen
    assert _notifies(walker) == [
        ("kvittering", (), "kontakt_epost"),
        ("ny_samarbeidspartner", ("ledelsen",), None),
    ]
    assert walker.messages() == ["invitasjon", "kvittering", "ny_samarbeidspartner"]

    walker.set(
        anbefaling="anbefales", innstilling="Bør bli ny samarbeidspartner.", styringsgruppemote="2027-01-12"
    )
    walker.done("lag_innstilling").fire("send_innstilling", roles=LEDELSEN)
    assert walker.state == "til_behandling"
    assert _notifies(walker) == [("innstilling", ("styringsgruppen",), None)]

    walker.set(behandlingsmote="forstkommende_mote", behandlet_dato="2027-01-12")
    return walker.done("behandle_innstilling")


def walk_fase_7_2_formalisert(compiled: CompiledPlaybook) -> Walker:
    walker = _fase_7_2_to_vote(compiled)
    walker.fire("godkjenn", roles=STYRINGSGRUPPEN)
    assert (walker.state, walker.fields["vedtak"]) == ("godkjent", "godkjent")
    assert _notifies(walker) == [("vedtak", ("ledelsen",), None)]

    walker.done("ring_virksomheten").fire("send_velkommen", roles=LEDELSEN)
    assert walker.state == "velkommen_sendt"
    assert _notifies(walker) == [("velkommen", (), "kontakt_epost")]

    walker.set(
        padrivere=["Per Hansen", "Lise Hansen"],
        tilslutningsavtale_lenke="https://padriv.no/avtaler/1",
        forpliktelser="Deltar i arbeidsgruppen.",
    )
    walker.done(
        "hent_strategisk_initiativ", "registrer_padrivere", "hent_logo_og_tekst", "lag_tilslutningsavtale"
    ).fire("send_tilslutningsavtale", roles=LEDELSEN)
    assert walker.state == "avtale_sendt"
    assert _notifies(walker) == [("tilslutningsavtale", (), "kontakt_epost")]

    walker.done("signer_tilslutningsavtale").fire("motta_signert_avtale", roles=LEDELSEN)
    assert walker.state == "formaliseres"
    walker.done(
        "arkiver_tilslutningsavtale",
        "fakturer_bidrag",
        "registrer_pa_nettsider",
        "oppdater_kontaktoversikt",
        "inviter_til_moter",
        "legg_til_sosiale_medier",
    )
    walker.fire("formaliser", roles=LEDELSEN)
    assert walker.state == "formalisert"
    return walker


def walk_fase_7_2_underkjent(compiled: CompiledPlaybook) -> Walker:
    walker = _fase_7_2_to_vote(compiled)
    walker.set(begrunnelse="Virksomheten passer ikke med partnerskapets formål.")
    walker.fire("underkjenn", roles=STYRINGSGRUPPEN)
    assert (walker.state, walker.fields["vedtak"]) == ("underkjent", "underkjent")
    # Ledelsen gets the decision; the company is told politely
    assert _notifies(walker) == [("vedtak", ("ledelsen",), None), ("avslag", (), "kontakt_epost")]
    return walker


def walk_fase_7_2_ikke_aktuell(compiled: CompiledPlaybook) -> Walker:
    walker = _fase_7_2_registered(compiled)
    walker.set(begrunnelse="Virksomheten viser ikke interesse.")
    walker.fire("avslutt", roles=LEDELSEN)
    assert walker.state == "ikke_aktuell"
    assert _notifies(walker) == [("ikke_aktuell", (), "meldt_av_epost")]  # who reported it is told
    return walker


def test_fase_7_2_walks_from_registration_to_formalisert(fase_7_2) -> None:
    walker = walk_fase_7_2_formalisert(fase_7_2)
    assert fase_7_2.spec.states[walker.state].final
    assert walker.messages() == [
        "invitasjon",
        "kvittering",
        "ny_samarbeidspartner",
        "innstilling",
        "vedtak",
        "velkommen",
        "tilslutningsavtale",
    ]
    assert [f.source for f in walker.firings] == [
        "registrert",
        "interessert",
        "mote_avtalt",
        "invitert",
        "pamelding_mottatt",
        "til_behandling",
        "godkjent",
        "velkommen_sendt",
        "avtale_sendt",
        "formaliseres",
    ]


def test_fase_7_2_styringsgruppen_rejects_with_a_reason(fase_7_2) -> None:
    walker = walk_fase_7_2_underkjent(fase_7_2)
    assert fase_7_2.spec.states[walker.state].final
    assert walker.fields["begrunnelse"].startswith("Virksomheten passer ikke")


def test_fase_7_2_no_interest_closes_with_a_reason(fase_7_2) -> None:
    walker = walk_fase_7_2_ikke_aktuell(fase_7_2)
    assert fase_7_2.spec.states[walker.state].final
    assert fase_7_2.spec.states[walker.state].outcome == "negative"
    assert walker.messages() == ["ikke_aktuell"]


def _fase_7_2_invited(compiled: CompiledPlaybook) -> Walker:
    walker = _fase_7_2_meeting_agreed(compiled)
    walker.set(enighet=True)
    return walker.done_all().fire("send_invitasjon", roles=LEDELSEN)


@pytest.mark.parametrize("step", ["interessert", "mote_avtalt", "invitert"])
def test_fase_7_2_avslutt_from_a_later_step_before_pamelding(fase_7_2, step: str) -> None:
    if step == "interessert":
        walker = _fase_7_2_registered(fase_7_2).done_all().fire("vis_interesse", roles=LEDELSEN)
    else:
        walker = (_fase_7_2_meeting_agreed if step == "mote_avtalt" else _fase_7_2_invited)(fase_7_2)
    assert walker.state == step
    walker.set(begrunnelse="Virksomheten trekker seg.").fire("avslutt", roles=LEDELSEN)
    assert walker.state == "ikke_aktuell"


def test_fase_7_2_avslutt_needs_a_reason(fase_7_2) -> None:
    walker = _fase_7_2_registered(fase_7_2)
    refused = _refusal(walker, "avslutt", LEDELSEN)
    assert refused.reasons == ["field «Begrunnelse» is empty"]
    walker.set(begrunnelse="")
    assert _refusal(walker, "avslutt", LEDELSEN).reasons == ["field «Begrunnelse» is empty"]


def test_fase_7_2_underkjenn_needs_a_reason(fase_7_2) -> None:
    walker = _fase_7_2_to_vote(fase_7_2)
    (reason,) = _refusal(walker, "underkjenn", STYRINGSGRUPPEN).reasons
    assert reason == "field «Begrunnelse» is empty"


def test_fase_7_2_vote_needs_the_recommendation_handled(fase_7_2) -> None:
    walker = _fase_7_2_to_vote(fase_7_2)
    walker.done_tasks.pop("behandle_innstilling")
    assert _refusal(walker, "godkjenn", STYRINGSGRUPPEN).reasons == [
        "task «Behandle innstillingen» is not done"
    ]


def test_fase_7_2_interest_needs_the_company_registered(fase_7_2) -> None:
    walker = _fase_7_2_registered(fase_7_2).done("avklar_interesse")
    refused = _refusal(walker, "vis_interesse", LEDELSEN)
    assert refused.reasons == ["task «Registrer virksomheten som mulig ny samarbeidspartner» is not done"]


def test_fase_7_2_meeting_needs_time_agenda_form_and_ledelsen(fase_7_2) -> None:
    walker = _fase_7_2_registered(fase_7_2)
    walker.done_all().fire("vis_interesse", roles=LEDELSEN)
    walker.done("avtal_tidspunkt_agenda")
    walker.set(motetidspunkt="2026-12-03", agenda="Presentasjon", moteform="fysisk")
    (reason,) = _refusal(walker, "avtal_mote", LEDELSEN).reasons
    assert reason == "«Ledelsen deltar på møtet» is no"
    walker.set(ledelsen_deltar=True).fire("avtal_mote", roles=LEDELSEN)
    assert walker.state == "mote_avtalt"


def test_fase_7_2_no_invitation_before_the_meeting_is_held(fase_7_2) -> None:
    walker = _fase_7_2_meeting_agreed(fase_7_2)
    walker.set(enighet=True)
    walker.done("forbered_invitasjon")
    (reason,) = _refusal(walker, "send_invitasjon", LEDELSEN).reasons
    assert reason == "task «Gjennomfør møtet» is not done"


def test_fase_7_2_no_invitation_without_agreement(fase_7_2) -> None:
    walker = _fase_7_2_meeting_agreed(fase_7_2)
    walker.done_all()
    (reason,) = _refusal(walker, "send_invitasjon", LEDELSEN).reasons
    assert reason == "«Enighet om at deltakelse i partnerskapet er aktuelt» is no"
    walker.set(enighet=False)
    assert _refusal(walker, "send_invitasjon", LEDELSEN).reasons == [reason]


def test_fase_7_2_no_invitation_without_the_address_the_link_goes_to(fase_7_2) -> None:
    walker = _fase_7_2_meeting_agreed(fase_7_2).set(enighet=True).done_all()
    walker.fields.pop("kontakt_epost")
    assert _refusal(walker, "send_invitasjon", LEDELSEN).reasons == [
        "field «Kontaktpersonens e-post» is empty"
    ]


def _fase_7_2_formalising(compiled: CompiledPlaybook, *, contribution: bool) -> Walker:
    walker = _fase_7_2_to_vote(compiled).set(har_okonomisk_bidrag=contribution)
    walker.fire("godkjenn", roles=STYRINGSGRUPPEN)
    walker.done_all().fire("send_velkommen", roles=LEDELSEN)
    walker.set(tilslutningsavtale_lenke="https://padriv.no/avtaler/1", forpliktelser="Bidrar.")
    walker.done_all().fire("send_tilslutningsavtale", roles=LEDELSEN)
    walker.done_all().fire("motta_signert_avtale", roles=LEDELSEN)
    assert walker.state == "formaliseres"
    return walker


@pytest.mark.parametrize(
    "missing",
    [
        "arkiver_tilslutningsavtale",
        "registrer_pa_nettsider",
        "oppdater_kontaktoversikt",
        "inviter_til_moter",
        "legg_til_sosiale_medier",
    ],
)
def test_fase_7_2_no_formalising_before_every_task_is_done(fase_7_2, missing: str) -> None:
    walker = _fase_7_2_formalising(fase_7_2, contribution=False).done_all()
    walker.done_tasks.pop(missing)
    (reason,) = _refusal(walker, "formaliser", LEDELSEN).reasons
    title = localize(fase_7_2.spec.all_tasks()[missing].title, "nb")
    assert reason == f"task «{title}» is not done"


def test_fase_7_2_contribution_must_be_invoiced_before_formalising(fase_7_2) -> None:
    walker = _fase_7_2_formalising(fase_7_2, contribution=True)
    walker.done(
        "arkiver_tilslutningsavtale",
        "registrer_pa_nettsider",
        "oppdater_kontaktoversikt",
        "inviter_til_moter",
        "legg_til_sosiale_medier",
    )
    (reason,) = _refusal(walker, "formaliser", LEDELSEN).reasons
    assert reason == (
        "'!har_okonomisk_bidrag || tasks.fakturer_bidrag.done' does not hold "
        "(har_okonomisk_bidrag = true, tasks.fakturer_bidrag.done = false)"
    )
    walker.done("fakturer_bidrag").fire("formaliser", roles=LEDELSEN)
    assert walker.state == "formalisert"


def test_fase_7_2_no_invoice_without_a_contribution(fase_7_2) -> None:
    walker = _fase_7_2_formalising(fase_7_2, contribution=False)
    walker.done(
        "arkiver_tilslutningsavtale",
        "registrer_pa_nettsider",
        "oppdater_kontaktoversikt",
        "inviter_til_moter",
        "legg_til_sosiale_medier",
    ).fire("formaliser", roles=LEDELSEN)
    assert walker.state == "formalisert"


def test_fase_7_2_agreement_is_sent_once_welcome_requests_are_in(fase_7_2) -> None:
    walker = _fase_7_2_to_vote(fase_7_2).fire("godkjenn", roles=STYRINGSGRUPPEN)
    assert _refusal(walker, "send_velkommen", LEDELSEN).reasons == [  # Ledelsen rings first
        "task «Ring til virksomheten og informer om beslutningen» is not done"
    ]
    walker.done_all().fire("send_velkommen", roles=LEDELSEN)
    walker.done("hent_strategisk_initiativ", "hent_logo_og_tekst", "lag_tilslutningsavtale")
    walker.set(tilslutningsavtale_lenke="https://padriv.no/avtaler/1", forpliktelser="Bidrar.")
    assert _refusal(walker, "send_tilslutningsavtale", LEDELSEN).reasons == [
        "task «Registrer personer som dere ønsker skal bli Pådrivere» is not done"
    ]


def test_fase_7_2_agreement_needs_its_link_and_the_commitments(fase_7_2) -> None:
    walker = _fase_7_2_to_vote(fase_7_2).fire("godkjenn", roles=STYRINGSGRUPPEN)
    walker.done_all().fire("send_velkommen", roles=LEDELSEN)
    walker.done_all().set(tilslutningsavtale_lenke="https://padriv.no/avtaler/1")
    (reason,) = _refusal(walker, "send_tilslutningsavtale", LEDELSEN).reasons
    assert reason == "field «Virksomhetens spesifikke forpliktelser» is empty"
    walker.fields.pop("tilslutningsavtale_lenke")
    walker.set(forpliktelser="Bidrar.")
    (reason,) = _refusal(walker, "send_tilslutningsavtale", LEDELSEN).reasons
    assert reason == "field «Lenke til tilslutningsavtalen» is empty"


def test_fase_7_2_signed_agreement_must_be_returned(fase_7_2) -> None:
    walker = _fase_7_2_to_vote(fase_7_2).fire("godkjenn", roles=STYRINGSGRUPPEN)
    walker.done_all().fire("send_velkommen", roles=LEDELSEN)
    walker.set(tilslutningsavtale_lenke="https://padriv.no/avtaler/1", forpliktelser="Bidrar.")
    walker.done_all().fire("send_tilslutningsavtale", roles=LEDELSEN)
    assert _refusal(walker, "motta_signert_avtale", LEDELSEN).reasons == [
        "task «Returner tilslutningsavtalen i signert stand» is not done"
    ]


def test_fase_7_2_pamelding_must_be_filled_in(fase_7_2) -> None:
    walker = _fase_7_2_invited(fase_7_2)
    assert _refusal(walker, "motta_pamelding", LEDELSEN).reasons == [
        "task «Vurder invitasjonen og fyll ut påmeldingsskjemaet» is not done"
    ]


def test_fase_7_2_wrong_role_is_refused(fase_7_2) -> None:
    walker = _fase_7_2_to_vote(fase_7_2)
    assert _refusal(walker, "godkjenn", LEDELSEN).reasons == ["needs the role 'styringsgruppen'"]
    assert _refusal(walker, "underkjenn", VIRKSOMHETEN).reasons == ["needs the role 'styringsgruppen'"]
    walker = _fase_7_2_registered(fase_7_2).done_all()
    refused = _refusal(walker, "vis_interesse", VIRKSOMHETEN | STYRINGSGRUPPEN)
    assert str(refused) == ("cannot 'vis_interesse' in state 'registrert' (needs the role 'ledelsen')")


def test_fase_7_2_unknown_trigger_is_refused(fase_7_2) -> None:
    walker = _fase_7_2_registered(fase_7_2)
    assert _refusal(walker, "godkjen").reasons == ["unknown trigger"]


def test_fase_7_2_trigger_from_the_wrong_state_says_what_is_allowed(fase_7_2) -> None:
    walker = _fase_7_2_registered(fase_7_2)
    refused = _refusal(walker, "godkjenn", STYRINGSGRUPPEN)
    assert str(refused) == ("cannot 'godkjenn' in state 'registrert' (allowed: vis_interesse, avslutt)")
    walker = _fase_7_2_to_vote(fase_7_2)
    assert _refusal(walker, "avslutt", LEDELSEN).reasons == ["allowed: godkjenn, underkjenn"]


def test_fase_7_2_final_states_are_closed(fase_7_2) -> None:
    for walk in (walk_fase_7_2_formalisert, walk_fase_7_2_underkjent, walk_fase_7_2_ikke_aktuell):
        walker = walk(fase_7_2)
        assert _refusal(walker, "avslutt", LEDELSEN).reasons == ["allowed: nothing, the case is closed"]


# ---------------------------------------------------------------- fase 2

NETTVERKSLEDER = {"nettverksleder"}
DELTAKER = {"deltaker"}


def _people(count: int) -> list[str]:
    return [f"Deltaker {n}" for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def fase_2() -> CompiledPlaybook:
    return _compiled("padriv-fase-2.yaml")


def _fase_2_nominated(compiled: CompiledPlaybook, members: int) -> Walker:
    walker = Walker(compiled, arbeidsgruppe="Arbeidsgruppen")
    walker.set(
        samarbeidsavtale="https://padriv.no/samarbeidsavtale",
        mandat_utkast="Arbeidsgruppen ledes av Nettverksleder ...",
    )
    walker.done("utform_mandat").fire("send_til_styringsgruppen", roles=LEDELSEN)
    assert walker.state == "til_behandling"
    assert _notifies(walker) == [("mandat_til_behandling", ("styringsgruppen",), None)]
    walker.set(styringsgruppens_behandling="Godkjent med merknader", deltakere=_people(members))
    walker.done("behandle_mandat", "nominer_deltakere").fire("fullfor_behandling", roles=STYRINGSGRUPPEN)
    assert walker.state == "mandat_behandlet"
    return walker


def _fase_2_called(compiled: CompiledPlaybook, members: int) -> Walker:
    walker = _fase_2_nominated(compiled, members)
    walker.set(
        mandat="Mandat for Arbeidsgruppen",
        fagomrader=["arkitektur", "økonomi", "juss"],
        forste_mote="2027-01-15",
    )
    walker.done("ferdigstill_mandat", "sikre_flerfaglighet", "planlegg_forste_mote")
    walker.fire("innkall", roles=LEDELSEN)
    assert walker.state == "innkalt"
    assert _notifies(walker) == [
        ("innkalling", (), "nye_innkalte"),
        ("innkalling_nettverksleder", ("nettverksleder",), None),
    ]
    return walker


def _fase_2_first_meeting_held(walker: Walker) -> Walker:
    walker.set(
        ansvarsomrader="Kommunikasjon, arrangement",
        oppgaver="Fastsatt av gruppen",
        motefrekvens="Hver fjerde uke",
    )
    return walker.done("led_forste_mote", "sikre_rolleforstaelse", "avstem_oppgaver")


def walk_fase_2_i_drift(compiled: CompiledPlaybook, members: int = 10) -> Walker:
    walker = _fase_2_first_meeting_held(_fase_2_called(compiled, members))
    walker.done("signer_kontrakt").fire("opprett", roles=LEDELSEN)
    assert walker.state == "i_drift"
    assert _notifies(walker) == [("opprettet", ("styringsgruppen", "nettverksleder"), None)]
    return walker


def walk_fase_2_avsluttet(compiled: CompiledPlaybook) -> Walker:
    walker = walk_fase_2_i_drift(compiled)
    walker.set(mote_notat="2027-02-12: oppstart av arbeidet").fire("hold_mote", roles=NETTVERKSLEDER)
    walker.set(mote_notat="2027-03-12: status").fire("hold_mote", roles=LEDELSEN)
    walker.fire("avslutt", roles=STYRINGSGRUPPEN)
    assert walker.state == "avsluttet"
    return walker


def walk_fase_2_renominated(compiled: CompiledPlaybook) -> Walker:
    """Seven nominated: back to Styringsgruppen twice, then a group of 8."""
    walker = _fase_2_nominated(compiled, 7)
    walker.fire("nominer_pa_nytt", roles=LEDELSEN)
    assert walker.state == "til_behandling"
    assert _notifies(walker) == [("nominer_flere", ("styringsgruppen",), None)]
    walker.set(deltakere=_people(16)).done_all().fire("fullfor_behandling", roles=STYRINGSGRUPPEN)
    walker.set(mandat="Mandat", forste_mote="2027-01-15").done_all().fire("innkall", roles=LEDELSEN)
    walker.fire("nominer_pa_nytt", roles=LEDELSEN)  # from innkalt
    assert walker.state == "til_behandling"
    walker.set(deltakere=_people(8)).done_all().fire("fullfor_behandling", roles=STYRINGSGRUPPEN)
    walker.done_all().fire("innkall", roles=LEDELSEN)
    _fase_2_first_meeting_held(walker).done("signer_kontrakt").fire("opprett", roles=LEDELSEN)
    assert walker.state == "i_drift"
    return walker


def walk_fase_2_avbrutt(compiled: CompiledPlaybook) -> Walker:
    walker = Walker(compiled, arbeidsgruppe="Arbeidsgruppen")
    walker.set(begrunnelse="Partnerskapet legges ned.").fire("avbryt", roles=STYRINGSGRUPPEN)
    assert walker.state == "avbrutt"
    return walker


def test_fase_2_walks_from_mandate_to_an_established_group(fase_2) -> None:
    walker = walk_fase_2_i_drift(fase_2)
    assert [f.source for f in walker.firings] == [
        "mandat_utkast",
        "til_behandling",
        "mandat_behandlet",
        "innkalt",
    ]
    assert walker.messages() == [
        "mandat_til_behandling",
        "innkalling",
        "innkalling_nettverksleder",
        "opprettet",
    ]


@pytest.mark.parametrize("members", [8, 15])
def test_fase_2_group_of_8_to_15_is_established(fase_2, members: int) -> None:
    assert walk_fase_2_i_drift(fase_2, members).state == "i_drift"


def test_fase_2_meeting_loop_records_every_meeting(fase_2) -> None:
    walker = walk_fase_2_i_drift(fase_2)
    notes = ["2027-02-12: oppstart av arbeidet", "2027-03-12: status", "2027-04-09: budsjett"]
    for n, note in enumerate(notes, 1):
        walker.set(mote_notat=note).fire("hold_mote", roles=LEDELSEN if n % 2 else NETTVERKSLEDER)
        assert walker.state == "i_drift"
        assert walker.firings[-1].transition.trigger == "hold_mote"
        assert list(walker.fields["moter"]) == notes[:n]
    assert walker.messages()[-1] == "opprettet"  # a meeting notifies no one


def test_fase_2_same_meeting_is_not_recorded_twice(fase_2) -> None:
    walker = walk_fase_2_i_drift(fase_2)
    walker.set(mote_notat="2027-02-12: oppstart").fire("hold_mote", roles=LEDELSEN)
    (reason,) = _refusal(walker, "hold_mote", LEDELSEN).reasons
    assert reason == (
        "'!(mote_notat in moter)' does not hold "
        "(mote_notat = '2027-02-12: oppstart', moter = ['2027-02-12: oppstart'])"
    )
    walker.set(mote_notat="")
    assert _refusal(walker, "hold_mote", LEDELSEN).reasons == [
        "field «Arbeidsgruppemøte (dato og kort referat)» is empty"
    ]


def test_fase_2_group_ends_as_avsluttet(fase_2) -> None:
    walker = walk_fase_2_avsluttet(fase_2)
    assert fase_2.spec.states[walker.state].final
    assert list(walker.fields["moter"]) == ["2027-02-12: oppstart av arbeidet", "2027-03-12: status"]


@pytest.mark.parametrize("step", ["mandat_utkast", "til_behandling", "mandat_behandlet", "innkalt"])
def test_fase_2_establishing_is_cancelled_with_a_reason(fase_2, step: str) -> None:
    if step in ("mandat_utkast", "til_behandling"):
        walker = Walker(fase_2, arbeidsgruppe="Arbeidsgruppen", mandat_utkast="Utkast")
        if step == "til_behandling":
            walker.done_all().fire("send_til_styringsgruppen", roles=LEDELSEN)
    else:
        walker = (_fase_2_nominated if step == "mandat_behandlet" else _fase_2_called)(fase_2, 10)
    assert walker.state == step
    assert _refusal(walker, "avbryt", LEDELSEN).reasons == ["field «Begrunnelse» is empty"]
    walker.set(begrunnelse="Ikke nok interesse.").fire("avbryt", roles=LEDELSEN)
    assert walker.state == "avbrutt"
    assert fase_2.spec.states["avbrutt"].final


def test_fase_2_renomination_loops_back_to_styringsgruppen(fase_2) -> None:
    walker = walk_fase_2_renominated(fase_2)
    assert walker.messages().count("nominer_flere") == 2
    assert len(walker.fields["deltakere"]) == 8


@pytest.mark.parametrize("members", [7, 16])
def test_fase_2_group_is_not_established_outside_8_to_15(fase_2, members: int) -> None:
    walker = _fase_2_first_meeting_held(_fase_2_called(fase_2, members)).done("signer_kontrakt")
    (reason,) = _refusal(walker, "opprett", LEDELSEN).reasons
    needs = "at least 8" if members < 8 else "at most 15"
    assert reason == f"«Deltakere i Arbeidsgruppen» has {members}, needs {needs}"
    walker.fire("nominer_pa_nytt", roles=LEDELSEN)
    assert walker.state == "til_behandling"


@pytest.mark.parametrize("members", [8, 12, 15])
def test_fase_2_renomination_is_refused_for_8_to_15(fase_2, members: int) -> None:
    walker = _fase_2_nominated(fase_2, members)
    (reason,) = _refusal(walker, "nominer_pa_nytt", LEDELSEN).reasons
    assert reason.startswith("'size(deltakere) < 8 || size(deltakere) > 15' does not hold (deltakere = [")
    assert reason.endswith(f" ({members} items))")


def test_fase_2_group_is_not_established_before_every_member_signed(fase_2) -> None:
    walker = _fase_2_first_meeting_held(_fase_2_called(fase_2, 10))
    for signed in (0, 1, 9):
        walker.done_tasks["signer_kontrakt"] = signed  # signed by `signed` of 10 members
        (reason,) = _refusal(walker, "opprett", LEDELSEN).reasons
        assert reason == "task «Signer forpliktende kontrakt om ansvar og bidrag» is not done"
    walker.done_tasks["signer_kontrakt"] = 10
    walker.fire("opprett", roles=LEDELSEN)
    assert walker.state == "i_drift"


def test_fase_2_contract_is_signed_by_each_member(fase_2) -> None:
    walker = _fase_2_called(fase_2, 10)
    contract = next(t for t in fase_2.spec.states["innkalt"].tasks if t.id == "signer_kontrakt")
    assert (contract.for_each, contract.role) == ("deltakere", "deltaker")
    tally = walker.context().variables["tasks"]["signer_kontrakt"]
    assert (tally["count"], tally["done"]) == (10, False)


def test_fase_2_first_meeting_tasks_come_before_establishing(fase_2) -> None:
    walker = _fase_2_called(fase_2, 10).done("signer_kontrakt", "led_forste_mote", "sikre_rolleforstaelse")
    (reason,) = _refusal(walker, "opprett", LEDELSEN).reasons
    assert reason == "task «Avstem Arbeidsgruppens oppgaver med Nettverksleder» is not done"


def test_fase_2_mandate_draft_and_nomination_are_needed(fase_2) -> None:
    walker = Walker(fase_2, arbeidsgruppe="Arbeidsgruppen").done("utform_mandat")
    assert _refusal(walker, "send_til_styringsgruppen", LEDELSEN).reasons == [
        "field «Utkast til Mandat for Arbeidsgruppen» is empty"
    ]
    walker.set(mandat_utkast="Utkast").fire("send_til_styringsgruppen", roles=LEDELSEN)
    walker.done_all()
    assert "field «Deltakere i Arbeidsgruppen» is empty" in _refusal(
        walker, "fullfor_behandling", STYRINGSGRUPPEN
    ).reasons[0].split("; ")


def test_fase_2_invitation_needs_the_finished_mandate_and_a_date(fase_2) -> None:
    walker = _fase_2_nominated(fase_2, 10).done_all()
    (reason,) = _refusal(walker, "innkall", LEDELSEN).reasons
    assert reason == (
        "field «Mandat for Arbeidsgruppen (ferdigstilt)» is empty; "
        "field «Tidspunkt for første arbeidsgruppemøte» is empty"
    )


def test_fase_2_wrong_role_is_refused(fase_2) -> None:
    walker = Walker(fase_2, arbeidsgruppe="Arbeidsgruppen").set(mandat_utkast="Utkast")
    walker.done_all()
    assert _refusal(walker, "send_til_styringsgruppen", STYRINGSGRUPPEN).reasons == [
        "needs the role 'ledelsen'"
    ]
    walker = walk_fase_2_i_drift(fase_2).set(mote_notat="2027-02-12")
    assert _refusal(walker, "hold_mote", DELTAKER).reasons == [
        "needs the role 'ledelsen' or 'nettverksleder'"
    ]
    assert _refusal(walker, "avslutt", NETTVERKSLEDER).reasons == [
        "needs the role 'ledelsen' or 'styringsgruppen'"
    ]


def test_fase_2_unknown_and_wrong_state_triggers_are_refused(fase_2) -> None:
    walker = Walker(fase_2, arbeidsgruppe="Arbeidsgruppen")
    assert _refusal(walker, "opprettt").reasons == ["unknown trigger"]
    assert str(_refusal(walker, "opprett", LEDELSEN)) == (
        "cannot 'opprett' in state 'mandat_utkast' (allowed: send_til_styringsgruppen, avbryt)"
    )
    walker = walk_fase_2_i_drift(fase_2)
    assert _refusal(walker, "avbryt", LEDELSEN).reasons == ["allowed: hold_mote, avslutt"]
    walker.fire("avslutt", roles=LEDELSEN)
    assert _refusal(walker, "hold_mote", LEDELSEN).reasons == ["allowed: nothing, the case is closed"]


# ---------------------------------------------------------------- fem trin

FORENINGEN = {"foreningen"}
PARTNEREN = {"partneren"}
PARTNERS = ["Bydelsbiblioteket", "Boligforeningen", "Skolen"]


@pytest.fixture(scope="module")
def fem_trin() -> CompiledPlaybook:
    return _compiled("partnerskab-fem-trin.yaml")


def _fem_trin_at_trin_3(compiled: CompiledPlaybook) -> Walker:
    """Meeting one, trin 1 and 2."""
    walker = Walker(compiled, partnerskab="Lektiecafé", forening="Ungdomsklubben")
    walker.set(
        passer_til_vision="Passer godt",
        partner_hjaelper_med="Lokaler",
        vi_tilbyder="Frivillige",
        ide="En lektiecafé for børn i bydelen",
    )
    walker.done("introducer_opgaven", "diskuter_spoergsmaal", "skitser_ide")
    walker.fire("vaelg_partner", roles=FORENINGEN)
    assert walker.state == "trin_2"
    walker.set(
        forslag=["Skolen", "Bydelsbiblioteket", "Kirken", "Boligforeningen"], prioriteret_liste=PARTNERS
    )
    walker.done("brainstorm", "prioriter_partnere").fire("skab_overbevisning", roles=FORENINGEN)
    assert walker.state == "trin_3"
    assert walker.fields["aktuel_partner"] == "Bydelsbiblioteket"
    return walker


def _fem_trin_contacted(compiled: CompiledPlaybook) -> Walker:
    """Meeting one, trin 1-3: the first partner on the list is mailed."""
    walker = _fem_trin_at_trin_3(compiled)
    walker.set(
        partner_email="kontakt@bibliotek.dk",
        moededeltagere=["Anna", "Bo"],
        plan_b="Kontakt den næste på listen",
        ansvarspersoner=["Anna"],
        opfoelgningsdato="2026-12-15",
    )
    walker.done("forbered_kontakten", "udvaelg_personer", "udnaevn_ansvarspersoner")
    walker.fire("kontakt_partner", roles=FORENINGEN)
    assert walker.state == "afventer_svar"
    assert _notifies(walker) == [("kontakt_mail", (), "partner_email")]
    return walker


def _fem_trin_trin_4_done(walker: Walker) -> Walker:
    walker.set(
        faelles_vision="Alle børn får hjælp til lektier",
        maalsaetninger="30 børn om ugen",
        hvem_goer_hvad="Vi leverer frivillige",
        ansvarspersoner_forening=["Anna"],
        ansvarspersoner_partner=["Bibliotekaren"],
        ekstern_finansiering=True,
        finansiering_ansvarlig="Anna",
    )
    return walker.done(
        "afklar_vision", "skaerp_ideen", "udnaevn_ansvarspersoner_begge", "diskuter_finansiering"
    )


def _fem_trin_meeting_held(walker: Walker) -> Walker:
    """«et indledende møde af 30 min. varighed» with the people chosen in trin 3b: held."""
    assert walker.state == "indledende_moede"
    refused = _refusal(walker, "moede_holdt", FORENINGEN).reasons[0]
    assert "field «Tidspunkt for det indledende møde» is empty" in refused and "is not done" in refused
    walker.set(moedetid="2026-11-20T16:00:00Z", moedested="Biblioteket").done_all()
    walker.fire("moede_holdt", roles=FORENINGEN)
    assert walker.state == "trin_4"
    return walker


def _fem_trin_yes(walker: Walker) -> Walker:
    """A positive answer, the introductory meeting, then trin 4."""
    return _fem_trin_meeting_held(walker.fire("positivt_svar", roles=FORENINGEN))


def walk_fem_trin_aftale(compiled: CompiledPlaybook) -> Walker:
    walker = _fem_trin_contacted(compiled).fire("positivt_svar", roles=FORENINGEN)
    assert walker.state == "indledende_moede"
    assert _notifies(walker) == [("positivt_svar", ("foreningen",), None)]
    _fem_trin_meeting_held(walker)
    _fem_trin_trin_4_done(walker).fire("lav_partnerskabsaftale", roles=FORENINGEN)
    assert walker.state == "trin_5"
    walker.set(
        aktiviteter="Lektiecafé to gange om ugen",
        tidsplan="Start februar 2027",
        opfoelgningsplan="Evaluering efter et halvt år",
    )
    walker.done("udarbejd_kontrakt", "partneren_godkender").fire("indgaa_aftale", roles=FORENINGEN)
    assert walker.state == "partnerskab_aftalt"
    assert _notifies(walker) == [("aftale_indgaaet", ("foreningen",), None)]
    return walker


def walk_fem_trin_plan_b(compiled: CompiledPlaybook) -> Walker:
    """Refusals down the prioritised list, back to trin 2, then a yes from a new partner."""
    walker = _fem_trin_contacted(compiled)
    walker.fire("afslag", roles=FORENINGEN)
    assert (walker.state, walker.fields["aktuel_partner"]) == ("plan_b", "Boligforeningen")
    assert walker.fields["partner_email"] is None
    # plan B clears the follow-up date: a new partner, a new date
    assert walker.fields["opfoelgningsdato"] is None
    assert "field «Opfølgningsdato» is empty" in _refusal(walker, "kontakt_partner", FORENINGEN).reasons[0]
    walker.set(opfoelgningsdato="2026-12-22")
    # plan B without an e-mail address: contacted some other way
    walker.done("forbered_ny_kontakt", "aftal_ny_opfoelgningsdato").fire("kontakt_partner", roles=FORENINGEN)
    assert walker.state == "afventer_svar" and _notifies(walker) == []
    walker.fire("afslag", roles=FORENINGEN)
    assert (walker.state, walker.fields["aktuel_partner"]) == ("plan_b", "Skolen")
    walker.set(partner_email="skolen@skole.dk", opfoelgningsdato="2027-01-05")
    walker.done("forbered_ny_kontakt", "aftal_ny_opfoelgningsdato")
    walker.fire("kontakt_partner", roles=FORENINGEN)
    assert _notifies(walker) == [("kontakt_mail", (), "partner_email")]
    walker.fire("afslag", roles=FORENINGEN)
    assert walker.state == "trin_2"
    assert _notifies(walker) == [("tilbage_til_trin_2", ("foreningen",), None)]
    assert walker.fields["aktuel_partner"] is None
    assert list(walker.fields["prioriteret_liste"]) == []
    assert list(walker.fields["afviste_partnere"]) == PARTNERS
    # a new prioritised list, a new trin 3, and a yes
    walker.set(prioriteret_liste=["Kirken"]).done_all().fire("skab_overbevisning", roles=FORENINGEN)
    assert (walker.state, walker.fields["aktuel_partner"]) == ("trin_3", "Kirken")
    walker.set(partner_email="kirken@sogn.dk", opfoelgningsdato="2027-01-12").done_all()
    walker.fire("kontakt_partner", roles=FORENINGEN)
    return _fem_trin_yes(walker)


def walk_fem_trin_opgivet(compiled: CompiledPlaybook) -> Walker:
    walker = _fem_trin_contacted(compiled)
    walker.set(begrunnelse="Ingen partner har tid i år.").fire("opgiv", roles=FORENINGEN)
    assert walker.state == "opgivet"
    return walker


def test_fem_trin_walks_meeting_one_and_two_to_an_agreement(fem_trin) -> None:
    walker = walk_fem_trin_aftale(fem_trin)
    assert fem_trin.spec.states[walker.state].final
    assert [f.source for f in walker.firings] == [
        "trin_1",
        "trin_2",
        "trin_3",
        "afventer_svar",
        "indledende_moede",
        "trin_4",
        "trin_5",
    ]
    assert walker.messages() == ["kontakt_mail", "positivt_svar", "aftale_indgaaet"]


def test_fem_trin_refusal_goes_to_plan_b_with_the_next_partner(fem_trin) -> None:
    walker = _fem_trin_contacted(fem_trin).fire("afslag", roles=FORENINGEN)
    assert walker.state == "plan_b"
    assert _notifies(walker) == [("plan_b", ("foreningen",), None)]
    assert walker.fields["aktuel_partner"] == "Boligforeningen"
    assert list(walker.fields["afviste_partnere"]) == ["Bydelsbiblioteket"]
    assert list(walker.fields["prioriteret_liste"]) == ["Boligforeningen", "Skolen"]


def test_fem_trin_refusals_until_the_list_is_empty_go_back_to_trin_2(fem_trin) -> None:
    walker = walk_fem_trin_plan_b(fem_trin)
    assert [f.transition.trigger for f in walker.firings].count("afslag") == 3
    assert walker.messages().count("plan_b") == 2


def test_fem_trin_yes_after_plan_b_reaches_the_agreement(fem_trin) -> None:
    walker = walk_fem_trin_plan_b(fem_trin)
    _fem_trin_trin_4_done(walker).fire("lav_partnerskabsaftale", roles=FORENINGEN)
    walker.set(aktiviteter="Lektiecafé", tidsplan="Forår 2027").done_all()
    walker.fire("indgaa_aftale", roles=FORENINGEN)
    assert walker.state == "partnerskab_aftalt"


def test_fem_trin_can_be_given_up_with_a_reason(fem_trin) -> None:
    walker = walk_fem_trin_opgivet(fem_trin)
    assert fem_trin.spec.states[walker.state].final
    assert _refusal(walker, "opgiv", FORENINGEN).reasons == ["allowed: nothing, the case is closed"]


@pytest.mark.parametrize(
    "step", ["trin_1", "trin_2", "trin_3", "plan_b", "indledende_moede", "trin_4", "trin_5"]
)
def test_fem_trin_can_be_given_up_from_every_step(fem_trin, step: str) -> None:
    if step == "trin_1":
        walker = Walker(fem_trin, partnerskab="Lektiecafé")
    elif step == "trin_3":
        walker = _fem_trin_at_trin_3(fem_trin)
    else:
        walker = _fem_trin_contacted(fem_trin)
        if step == "trin_2":  # the only partner on the list said no
            walker.set(prioriteret_liste=["Bydelsbiblioteket"])
        walker.fire("afslag" if step in ("trin_2", "plan_b") else "positivt_svar", roles=FORENINGEN)
        if step in ("trin_4", "trin_5"):
            _fem_trin_meeting_held(walker)
        if step == "trin_5":
            _fem_trin_trin_4_done(walker).fire("lav_partnerskabsaftale", roles=FORENINGEN)
    assert walker.state == step
    assert _refusal(walker, "opgiv", FORENINGEN).reasons == ["field «Begrunnelse» is empty"]
    walker.set(begrunnelse="Vi stopper.").fire("opgiv", roles=FORENINGEN)
    assert walker.state == "opgivet"


def test_fem_trin_trin_2_needs_the_idea(fem_trin) -> None:
    walker = Walker(fem_trin, partnerskab="Lektiecafé").done_all()
    assert _refusal(walker, "vaelg_partner", FORENINGEN).reasons == [
        "field «Hvilken aktivitet/projekt ønsker vi i et partnerskab?» is empty"
    ]


@pytest.mark.parametrize("listed", [[], [*PARTNERS, "Kirken"]])
def test_fem_trin_trin_3_needs_one_to_three_prioritised_partners(fem_trin, listed) -> None:
    walker = Walker(fem_trin, partnerskab="Lektiecafé", ide="Lektiecafé").done_all()
    walker.fire("vaelg_partner", roles=FORENINGEN)
    walker.set(forslag=[*PARTNERS, "Kirken"], prioriteret_liste=listed).done_all()
    (reason,) = _refusal(walker, "skab_overbevisning", FORENINGEN).reasons
    label = "«De tre mest egnede partnere i prioriteret rækkefølge»"
    assert reason == (f"field {label} is empty" if not listed else f"{label} has 4, needs at most 3")


def test_fem_trin_contact_needs_two_or_three_for_the_first_meeting(fem_trin) -> None:
    walker = _fem_trin_at_trin_3(fem_trin).done_all()
    walker.set(ansvarspersoner=["Anna"], opfoelgningsdato="2026-12-15", moededeltagere=["Anna"])
    reasons = _refusal(walker, "kontakt_partner", FORENINGEN).reasons
    people = "«To-tre personer til det indledende møde»"
    assert reasons == [
        f"field «Partnerens e-mail» is empty; {people} has 1, needs at least 2",
        f"{people} has 1, needs at least 2",
    ]
    walker.set(moededeltagere=["Anna", "Bo", "Cecilie", "Dan"])
    reasons = _refusal(walker, "kontakt_partner", FORENINGEN).reasons
    assert len(reasons) == 2 and all(r.endswith(f"{people} has 4, needs at most 3") for r in reasons)
    walker.set(moededeltagere=["Anna", "Bo", "Cecilie"]).fire("kontakt_partner", roles=FORENINGEN)
    assert walker.state == "afventer_svar"


def test_fem_trin_contact_needs_responsible_people_and_a_follow_up_date(fem_trin) -> None:
    walker = _fem_trin_at_trin_3(fem_trin).done_all().set(moededeltagere=["Anna", "Bo"])
    reasons = _refusal(walker, "kontakt_partner", FORENINGEN).reasons
    assert all(r.endswith("«Ansvarspersoner» is empty; field «Opfølgningsdato» is empty") for r in reasons)


def test_fem_trin_contact_ends_meeting_one(fem_trin) -> None:
    walker = _fem_trin_at_trin_3(fem_trin).done("forbered_kontakten", "udvaelg_personer")
    walker.set(moededeltagere=["Anna", "Bo"], ansvarspersoner=["Anna"], opfoelgningsdato="2026-12-15")
    reasons = _refusal(walker, "kontakt_partner", FORENINGEN).reasons
    assert all("is not done" in r for r in reasons)


def test_fem_trin_no_agreement_without_responsible_people_from_both_parties(fem_trin) -> None:
    walker = _fem_trin_yes(_fem_trin_contacted(fem_trin))
    _fem_trin_trin_4_done(walker).set(ansvarspersoner_partner=[])
    (reason,) = _refusal(walker, "lav_partnerskabsaftale", FORENINGEN).reasons
    assert reason == "field «Ansvarspersoner eller arbejdsgruppe fra partneren» is empty"
    walker.set(ansvarspersoner_partner=["Bibliotekaren"], ansvarspersoner_forening=[])
    (reason,) = _refusal(walker, "lav_partnerskabsaftale", FORENINGEN).reasons
    assert reason.startswith("field «") and reason.endswith("» is empty")


def test_fem_trin_outside_money_needs_someone_responsible(fem_trin) -> None:
    walker = _fem_trin_yes(_fem_trin_contacted(fem_trin))
    _fem_trin_trin_4_done(walker).fields["finansiering_ansvarlig"] = None
    (reason,) = _refusal(walker, "lav_partnerskabsaftale", FORENINGEN).reasons
    assert reason == (
        "'!ekstern_finansiering || finansiering_ansvarlig != null' does not hold "
        "(ekstern_finansiering = true, finansiering_ansvarlig = null)"
    )
    walker.set(ekstern_finansiering=False).fire("lav_partnerskabsaftale", roles=FORENINGEN)
    assert walker.state == "trin_5"


def test_fem_trin_contract_needs_the_partners_approval(fem_trin) -> None:
    walker = _fem_trin_yes(_fem_trin_contacted(fem_trin))
    _fem_trin_trin_4_done(walker).fire("lav_partnerskabsaftale", roles=FORENINGEN)
    walker.set(aktiviteter="Lektiecafé", tidsplan="Forår 2027").done("udarbejd_kontrakt")
    assert _refusal(walker, "indgaa_aftale", FORENINGEN).reasons == ["task «Godkend kontrakten» is not done"]
    walker.done("partneren_godkender")
    walker.fields["tidsplan"] = None
    assert _refusal(walker, "indgaa_aftale", FORENINGEN).reasons[0].startswith("field «")


def test_fem_trin_wrong_role_is_refused(fem_trin) -> None:
    walker = _fem_trin_contacted(fem_trin)
    assert _refusal(walker, "positivt_svar", PARTNEREN).reasons == ["needs the role 'foreningen'"]
    # afslag has two transitions (plan B, back to trin 2), each says why
    assert set(_refusal(walker, "afslag", PARTNEREN).reasons) == {"needs the role 'foreningen'"}


def test_fem_trin_unknown_and_wrong_state_triggers_are_refused(fem_trin) -> None:
    walker = Walker(fem_trin, partnerskab="Lektiecafé")
    assert _refusal(walker, "afslaget").reasons == ["unknown trigger"]
    assert str(_refusal(walker, "afslag", FORENINGEN)) == (
        "cannot 'afslag' in state 'trin_1' (allowed: vaelg_partner, opgiv)"
    )
    walker = _fem_trin_contacted(fem_trin)
    assert _refusal(walker, "kontakt_partner", FORENINGEN).reasons == [
        "allowed: positivt_svar, afslag, opgiv"
    ]


# ---------------------------------------------------------------- every transition is taken

WALKS: dict[str, list[Callable[[CompiledPlaybook], Walker]]] = {
    "padriv-fase-7-2.yaml": [walk_fase_7_2_formalisert, walk_fase_7_2_underkjent, walk_fase_7_2_ikke_aktuell],
    "padriv-fase-2.yaml": [walk_fase_2_avsluttet, walk_fase_2_renominated, walk_fase_2_avbrutt],
    "partnerskab-fem-trin.yaml": [walk_fem_trin_aftale, walk_fem_trin_plan_b, walk_fem_trin_opgivet],
}


@pytest.mark.parametrize("name", sorted(WALKS))
def test_walks_take_every_transition_of_the_playbook(name: str) -> None:
    compiled = _compiled(name)
    taken = {f.transition.index for walk in WALKS[name] for f in walk(compiled).firings}
    missing = [(t.index, t.trigger) for t in compiled.transitions if t.index not in taken]
    assert missing == []


@pytest.mark.parametrize("name", sorted(WALKS))
def test_walks_end_in_every_final_state_of_the_playbook(name: str) -> None:
    compiled = _compiled(name)
    finals = {s for s, state in compiled.spec.states.items() if state.final}
    reached = {walk(compiled).state for walk in WALKS[name]}
    assert finals <= reached


# ---------------------------------------------------------------- the seed's words

SEED_PHRASES = {
    "padriv-fase-7-2.yaml": [
        # roles
        "Ledelsen",
        "Styringsgruppen",
        "Virksomheten",
        "nettverksledelsen",
        "Pådrivere",
        # around the case
        "felles kommunikasjon",
        "hva samarbeidspartnerne får av verdi",
        "hva som forventes av en samarbeidspartner",
        "kampanjer",
        # steps and decisions
        "registrer",
        "mulig ny samarbeidspartner",
        "viser interesse",
        "tidspunkt og agenda",
        "fysisk eller digitalt møte",
        "Ledelsen skal delta",
        "deltakelse i partnerskapet er aktuelt",
        "hovedstegene",
        "enighet",
        "invitasjon",
        "lenke",
        "påmeldingsskjema",
        "bekreftelse",
        "Slack",
        "epost",
        "innstilling",
        "anbefaling",
        "førstkommende styringsgruppemøte",
        "digitalt styringsgruppemøte",
        "godkjenner / underkjenner",
        "beslutningen",
        "Velkommen som ny samarbeidspartner",
        "strategisk prosjekt / initiativ",
        "logo og informasjon til hjemmeside",
        "tilslutningsavtale",
        "partneravtalen",
        "spesifikke forpliktelser",
        "signert stand",
        # formalisation
        "arkiv",
        "elektroniske arkivsystem",
        "faktur",
        "økonomisk bidrag",
        "nettside",
        "tekst og logo",
        "kontaktpersoner",
        "arbeidsgruppe",
        "allerede avtalte møter",
        "sosiale medier",
        "Facebook",
    ],
    "padriv-fase-2.yaml": [
        "Ledelsen",
        "styringsgruppe",
        "Nettverksleder",
        "Arbeidsgruppe",
        "deltaker",
        "Startpunkt",
        "målbilde",
        "driv- og gjennomslagskraft",
        "samarbeidsavtalen",
        "utkast til Mandat",
        "Mandat",
        "behandling",
        "kollegium",
        "avstemt med Nettverksleder",
        "felles målbilde og strategi",
        "flerfaglig",
        "helheten i byutviklingen",
        "8-15",
        "nominer",
        "ferdigstill",
        "første møte",
        "konstituering",
        "ansvarsområder",
        "oppstart av arbeidet",
        "innforstått",
        "roller og oppgaver",
        "hvordan de skal ivareta dem",
        "arbeidsgruppemøter",
        "hyppighet og innhold tilpasset partnerskapets drift",
        "opprettet",
        "sette i gang, styre, lede, koordinere og kommunisere",
        "forpliktende kontrakt",
        "ansvar og bidrag",
        "Mandat for selvgående arbeidsgrupper",
    ],
    "partnerskab-fem-trin.yaml": [
        "forening",
        "partner",
        "partnerskabsmodellen",
        "bilag 1",
        "fem trin",
        "En aften",
        "Center for Frivilligt Socialt Arbejde",
        "trin 1, 2 og 3",
        "interesseret partner",
        "Introducér opgaven",
        "Strategisk forankring",
        "vision og værdigrundlag",
        "Hvad kan en partner hjælpe os med",
        "Hvad kan vi tilbyde en partner",
        "overordnet",
        "Hvilken aktivitet/projekt ønsker vi i et partnerskab",
        "Partneridentifikation",
        "brainstorm",
        "3 min",
        "alle forslag",
        "den rækkefølge, de nævnes i",
        "ressourcer, kompetencer og værdigrundlag",
        "de tre mest egnede",
        "prioriteret rækkefølge",
        "gem listen",
        "afslag",
        "Skab overbevisning",
        "bedste indtryk",
        "mail",
        "indledende møde",
        "30 min",
        "hjemmeside",
        "to-tre personer",
        "positiv tilbagemelding",
        "plan B",
        "ny partner i stedet",
        "Her slutter jeres møde",
        "ansvarspersoner",
        "opfølgningsdato",
        "Sikre fælles ejerskab",
        "positivt svar",
        "ligeværdigt og dialogbaseret",
        "fælles vision",
        "hvilken verden ønsker vi at se",
        "målsætninger",
        "konkrete resultat",
        "Hvem gør hvad, hvornår gør de det, og hvordan gør de det",
        "repræsentanter fra begge parter",
        "arbejdsgruppe",
        "begge parter",
        "forankret ligeligt",
        "udefra",
        "ekstern",
        "ansvarlig",
        "Lav partnerskabsaftale",
        "kontrakt",
        "vision, målsætninger, aktiviteter",
        "tidsplan",
        "plan for opfølgning",
    ],
    "partnerskab-forankring.yaml": [
        "prioriteret i hverdagen",
        "forretningsmål",
        "KPI'er",
        "på det løbende",
        "materielle",
        "immaterielle",
        "økonomiske",
        "menneskelige",
        "allokere",
        "de rette medarbejdere prioriterer",
        "kerneopgaver",
        "bunke af opgaver",
        "ALLE partnerskaber skal kobles til forretningsmål",
    ],
    "netvaerk-deltagere.yaml": [
        "netværksdeltagere",
        "relationsrundtur",
        "Kender du nogen, som kender nogen",
        "invitation",
        "workshop",
        "kommunens medarbejdere, virksomheder eller interesseorganisationer",
        "Kompetencediamanten",
        "4 forskellige kompetencer",
        "kompetencer og aktører, du mangler",
        "faser",
        "kernedeltager",
        "4-6",
        "hold der brænder",
        "inddrages løbende efter behov",
        "Planlægnings- og designredskabet",
        "co-driver",
        "referenceleder",
    ],
}


@pytest.mark.parametrize("name", sorted(SEED_PHRASES))
def test_playbook_names_what_its_seed_names(name: str) -> None:
    (path,) = [f.path for f in BUNDLED if f.path.name == name]
    text = " ".join(path.read_text(encoding="utf-8").casefold().split())  # folded lines
    missing = [phrase for phrase in SEED_PHRASES[name] if phrase.casefold() not in text]
    assert missing == []
