"""The bundled playbooks: each loads, checks clean and compiles, names the seed text it was
made from, and names what its seed names (roles, steps, decisions, messages, results) in the
seed's words. Each is walked by its scenario file (tests/test_playbook_scenarios.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trinn.engine.catalog import bundled_files
from trinn.engine.compiler import compile_playbook
from trinn.engine.loader import load_playbook
from trinn.engine.scenario import load_scenarios, scenario_file_for
from trinn.engine.scenario_run import ACTOR, run_scenario
from trinn.engine.scenario_steps import ServiceCommands
from trinn.engine.service import Service

# file name -> the seed text (in the seeds folder, outside the repository) it was made from
SEEDS = {
    "padriv-fase-7-2.yaml": "000_ff7ef99432a1f42c.txt",
    "padriv-fase-2.yaml": "001_6658136eec6ad8f0.txt",
    "partnerskab-fem-trin.yaml": "002_584fca18ff0d8d52.txt",
    "partnerskab-forankring.yaml": "003_fa3c567a627796d7.txt",
    "netvaerk-deltagere.yaml": "004_769e7f17fd0d7cc7.txt",
}

BUNDLED = bundled_files()


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


# ------------------------------------------------- forankring: «ALLE partnerskaber» (seed 003)


@pytest.mark.parametrize(
    ("name", "end", "named_by"),
    [
        ("partnerskab-fem-trin.yaml", "partnerskab_aftalt", "partnerskab"),
        ("padriv-fase-7-2.yaml", "formalisert", "virksomhet"),
    ],
)
def test_a_new_partnership_opens_its_forankring_case_linked_both_ways(
    tmp_path: Path, name: str, end: str, named_by: str
) -> None:
    (playbook,) = [f.path for f in BUNDLED if f.path.name == name]
    scenarios = scenario_file_for(playbook)
    assert scenarios is not None
    loaded = load_scenarios(scenarios)
    services: list[Service] = []

    def commands(service: Service) -> ServiceCommands:
        services.append(service)
        return ServiceCommands(service, ACTOR)

    anchored = 0
    for index in range(len(loaded.spec.scenarios)):
        result = run_scenario(loaded, index, database=f"sqlite:///{tmp_path / f'{index}.db'}", via=commands)
        assert result.failure is None, str(result.failure)
        queries = services[-1].queries
        for row in queries.cases():
            case, _compiled, children = queries.load(row.id)
            if row.playbook_id == "partnerskab.forankring":
                parent, _parent_compiled, siblings = queries.load(row.parent_id or 0)
                assert parent.state == end and row.id in siblings  # started by the positive end only
                continue
            if case.state != end:
                assert children == []
                continue
            (child_id,) = children
            child, child_compiled, _ = queries.load(child_id)
            assert child_compiled.spec.id == "partnerskab.forankring"
            assert (child.parent_id, child.state) == (case.id, "kobles")
            assert child.fields["partnerskab"] == case.fields[named_by]
            anchored += 1
    assert anchored >= 1
