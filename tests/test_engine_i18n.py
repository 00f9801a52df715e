"""The engine's own words in nb, da and en: catalogues complete and compiled, and the why-nots,
refusals and value problems said in the user's language by the service and in the app."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from textual.widgets import Input, OptionList

from tests.catalogues import compiled_meaning, source_meaning
from tests.tui_helpers import make_app, make_settings, open_case, settle
from trinn.engine import i18n
from trinn.engine.errors import CommandError, RefusedError, StaleCaseError
from trinn.engine.people import People, Person
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui import i18n as tui_i18n

LOCALE = i18n.LOCALE_DIR
CASES = Path(__file__).parent / "data" / "cases"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
_PLACE = re.compile(r"\{[a-z_]+\}")


@pytest.fixture
def english() -> Iterator[None]:
    yield
    tui_i18n.install("en")


@pytest.fixture
def service(sqlite_url: str) -> Iterator[Service]:
    engine = open_database(sqlite_url)
    people = People(
        [
            Person("boss", "Boss", None, frozenset({"lead", "board"})),
            Person("bo", "Bo", None, frozenset({"board"})),
        ]
    )
    yield Service(Store(engine), PlaybookRegistry([CASES]), people, clock=lambda: NOW)
    engine.dispose()


def _catalog(code: str):
    with (LOCALE / code / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=code)


@pytest.mark.parametrize("code", i18n.LANGUAGES)
def test_engine_i18n_mo_files_are_compiled_from_their_po(code: str) -> None:
    folder = LOCALE / code / "LC_MESSAGES"
    source = source_meaning(folder / f"{i18n.DOMAIN}.po", code)
    assert compiled_meaning(folder / f"{i18n.DOMAIN}.mo") == source, (
        f"run `python -m trinn.engine.i18n` to recompile {code}"
    )


@pytest.mark.parametrize("code", ["nb", "da"])
def test_engine_i18n_every_message_is_translated_with_its_places(code: str) -> None:
    extracted = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            LOCALE.parent, method_map=[("**.py", "python")], keywords=i18n.KEYWORDS
        )
    }
    translations = {m.id: m.string for m in _catalog(code) if m.id and m.string}
    assert extracted - set(translations) == set(), f"run `python -m trinn.engine.i18n` and translate {code}"
    for message, translated in translations.items():  # a lost {place} would raise at run time
        assert sorted(_PLACE.findall(translated)) == sorted(_PLACE.findall(message)), message


EXPECTED = {
    "nb": {
        "reasons": {"to_signing": ["krever rollen «Lead»"], "approve": ["ikke fra steget 'new'"]},
        "guard": "sak 1: kan ikke «to_signing» i «New» "
        "(oppgaven «Intake» er ikke utført; feltet «Members» er tomt)",
        "state": "sak 1: kan ikke «approve» i «New» (tillatt: to_signing, drop)",
        "value": "sak 1: feltet 'contact': 'nope' er ikke en e-postadresse (skriv f.eks. 'ola@example.no')",
        "stale": "sak 1 ble endret av Boss 24. november 2026 10:00; last inn på nytt og prøv igjen",
        "needs": "'test.onboarding' trenger 'note'",
    },
    "da": {
        "reasons": {"to_signing": ["kræver rollen «Lead»"], "approve": ["ikke fra trinnet 'new'"]},
        "guard": "sag 1: kan ikke «to_signing» i «New» "
        "(opgaven «Intake» er ikke udført; feltet «Members» er tomt)",
        "state": "sag 1: kan ikke «approve» i «New» (tilladt: to_signing, drop)",
        "value": "sag 1: feltet 'contact': 'nope' er ikke en e-mailadresse (skriv f.eks. 'ole@example.dk')",
        "stale": "sag 1 blev ændret af Boss 24. november 2026 10.00; indlæs igen og prøv på ny",
        "needs": "'test.onboarding' kræver 'note'",
    },
    "en": {
        "reasons": {"to_signing": ["needs the role «Lead»"], "approve": ["not from state 'new'"]},
        "guard": "case 1: cannot «to_signing» in «New» (task «Intake» is not done; field «Members» is empty)",
        "state": "case 1: cannot «approve» in «New» (allowed: to_signing, drop)",
        "value": "case 1: field 'contact': 'nope' is not an e-mail address (write e.g. 'ola@example.no')",
        "stale": "case 1 was changed by Boss at 24 November 2026 10:00; reload and try again",
        "needs": "'test.onboarding' needs 'note'",
    },
}


def _refusal(work) -> str:
    with pytest.raises(CommandError) as refused:
        work()
    return str(refused.value)


@pytest.mark.parametrize("code", ["nb", "da", "en"])
def test_engine_i18n_service_speaks_the_chosen_language(service: Service, english: None, code: str) -> None:
    case_id = service.open_case("test.onboarding", {"org": "Acme", "note": "n"}, actor="boss").id
    tui_i18n.install(code)  # the UI's choice is the engine's too
    assert i18n.language() == code
    expected = EXPECTED[code]
    reasons = {p.trigger: p.reasons for p in service.queries.can(case_id, actor="bo")}
    assert {k: reasons[k] for k in expected["reasons"]} == expected["reasons"]
    with pytest.raises(RefusedError) as refused:
        service.fire(case_id, "to_signing", actor="boss")
    assert str(refused.value) == expected["guard"]
    assert _refusal(lambda: service.fire(case_id, "approve", actor="boss")) == expected["state"]
    assert (
        _refusal(lambda: service.set_fields(case_id, {"contact": "nope"}, actor="boss")) == expected["value"]
    )
    with pytest.raises(StaleCaseError) as stale:
        service.set_fields(case_id, {"size": 3}, actor="boss", expected_version=0)
    assert str(stale.value) == expected["stale"]
    assert (
        _refusal(lambda: service.open_case("test.onboarding", {"org": "A"}, actor="boss"))
        == expected["needs"]
    )


def test_engine_i18n_a_worker_thread_speaks_the_language_set_before(service: Service, english: None) -> None:
    """The app builds refusals in worker threads: they must not fall back to English there."""
    case_id = service.open_case("test.onboarding", {"org": "Acme", "note": "n"}, actor="boss").id
    tui_i18n.install("da")
    said: list[str] = []

    def work() -> None:
        try:
            service.fire(case_id, "approve", actor="boss")
        except RefusedError as exc:
            said.append(str(exc))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert said == [EXPECTED["da"]["state"]]


@pytest.mark.parametrize(
    ("code", "field_problem", "needs"),
    [
        ("nb", "'nope' er ikke en e-postadresse (skriv f.eks. 'ola@example.no')", "må fylles ut"),
        ("da", "'nope' er ikke en e-mailadresse (skriv f.eks. 'ole@example.dk')", "skal udfyldes"),
        ("en", "'nope' is not an e-mail address (write e.g. 'ola@example.no')", "required"),
    ],
)
def test_engine_i18n_the_app_finds_the_field_in_a_refusal(
    service: Service, english: None, code: str, field_problem: str, needs: str
) -> None:
    from trinn.tui.screens.base import error_fields

    case_id = service.open_case("test.onboarding", {"org": "Acme", "note": "n"}, actor="boss").id
    tui_i18n.install(code)
    with pytest.raises(CommandError) as refused:
        service.set_fields(case_id, {"contact": "nope"}, actor="boss")
    assert error_fields(refused.value) == {"contact": field_problem}
    with pytest.raises(CommandError) as refused:
        service.submit_form(case_id, "intake", {"note": ""}, actor="boss")
    assert error_fields(refused.value) == {"note": needs}


@pytest.mark.parametrize(
    ("code", "reason", "problem"),
    [
        (
            "nb",
            "Ikke nå: oppgaven «Registrer virksomheten som mulig ny samarbeidspartner» er ikke utført; "
            "oppgaven «Avklar om virksomheten viser interesse» er ikke utført",
            "'ikke en adresse' er ikke en e-postadresse (skriv f.eks. 'ola@example.no')",
        ),
        (
            "da",
            "Ikke nu: opgaven «Registrer virksomheten som mulig ny samarbeidspartner» er ikke udført; "
            "opgaven «Avklar om virksomheten viser interesse» er ikke udført",
            "'ikke en adresse' er ikke en e-mailadresse (skriv f.eks. 'ole@example.dk')",
        ),
    ],
)
async def test_engine_i18n_app_says_why_not_and_what_is_wrong_in_the_users_language(
    tmp_path: Path, english: None, code: str, reason: str, problem: str
) -> None:
    from trinn.tui.screens.case import CaseScreen
    from trinn.tui.screens.dialogs import FieldsDialog
    from trinn.tui.widgets.field_input import FieldInput

    tui_i18n.install(code)
    settings = make_settings(tmp_path)
    case_id = open_case(settings)
    app = make_app(settings)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        app.open_case_screen(case_id)
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("a")
        await settle(pilot)
        options = app.screen.query_one("#action-list", OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        interest = next(s for s in shown if "Virksomheten viser interesse" in s)
        assert reason in " ".join(interest.split())  # the why-not was worked out in a worker thread
        await pilot.press("d")  # the first task fills the form 'registrering'
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        email = dialog.query_one("#field-kontakt_epost", FieldInput)
        email.query_one(Input).value = "ikke en adresse"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(email.query_one(".field-error").render()) == problem


def test_engine_i18n_the_command_line_speaks_the_chosen_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    from typer.testing import CliRunner

    from trinn.tui.cli import app

    people = tmp_path / "people.yaml"
    people.write_text("lea: {name: Lea, roles: [lead]}\nbo: {name: Bo, roles: [board]}\n")
    base = ["--db", str(tmp_path / "trinn.db"), "--playbooks", str(CASES), "--people", str(people)]

    def trinn(*args: str, who: str = "lea") -> tuple[str, int]:
        result = CliRunner().invoke(app, [*base, "--as", who, *args], obj=lambda: NOW)
        return result.output, result.exit_code

    assert trinn("open", "test.onboarding", "--set", "org=Acme", "--set", "note=hi") == ("1\n", 0)
    assert trinn("--lang", "nb", "can", "1", "--all", who="bo")[0].splitlines()[1:3] == [
        "nei  to_signing: krever rollen «Lead»",
        "nei  approve: ikke fra steget 'new'",
    ]
    assert trinn("--lang", "da", "fire", "1", "to_signing", who="bo") == (
        "trinn: sag 1: kan ikke «to_signing» i «New» (kræver rollen «Lead»)\n",
        1,
    )
    # no --lang and a C locale: English, as every other test of the command line expects
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert trinn("set", "1", "size=big") == ("trinn: case 1: field 'size': expected a number, got 'big'\n", 1)
