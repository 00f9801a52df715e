from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from trinn.engine import i18n
from trinn.engine.compiler import CompiledPlaybook, RefusedError, compile_playbook
from trinn.engine.context import TaskTally, evaluation_context
from trinn.engine.loader import load_playbook_text

NOW = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
PLAYBOOK = """\
id: demo.reasons
version: 1
language: nb
title: Reasons
subject: {title: Lag, field: navn}
roles:
  lead: {title: Ledelsen}
fields:
  navn: {type: text, label: Navn, required: true}
  deltakere: {type: text_list, label: {nb: Deltakere, en: Members}}
  budsjett: {type: number, label: Budsjett}
  frist: {type: date, label: Frist}
  vedtak: {type: choice, label: Vedtak, options: [ja, nei], option_labels: {ja: Godkjent, nei: Avslått}}
  enig: {type: bool, label: Enighet}
  begrunnelse: {type: text, label: Begrunnelse}
initial: start
states:
  start:
    title: Start
    tasks:
      - {id: mote, title: {nb: Hold møtet, en: Hold the meeting}, role: lead}
      - {id: notat, title: Skriv notat, role: lead, optional: true}
  slutt: {title: Slutt, final: true, outcome: positive}
transitions:
  - trigger: opprett
    from: start
    to: slutt
    when: "tasks_done && size(deltakere) >= 8 && budsjett > 1000 && vedtak == 'ja' && enig"
  - trigger: avslutt
    from: start
    to: slutt
    when: "begrunnelse != null && size(begrunnelse) > 0"
  - trigger: avbryt
    from: start
    to: slutt
    when: "begrunnelse != null"
  - trigger: avbryt
    from: start
    to: slutt
    when: "begrunnelse != null && tasks.mote.done"
  - trigger: lukk
    from: start
    to: slutt
    by: lead
  - trigger: forklart
    from: start
    to: slutt
    when: "tasks.mote.done && size(deltakere) >= 8"
    because:
      "size(deltakere)  >=  8": {nb: Minst åtte må være med, en: At least eight must take part}
  - trigger: alt_forklart
    from: start
    to: slutt
    when: "tasks.mote.done && size(deltakere) >= 8"
    because: Vent på møtet og åtte deltakere
  - trigger: tilbake
    from: start
    to: slutt
    when: "!tasks.mote.done && frist < timestamp('2026-01-01T00:00:00Z') && (enig || budsjett == 1)"
"""


@dataclass
class Record:
    state: str


@pytest.fixture(scope="module")
def compiled() -> CompiledPlaybook:
    return compile_playbook(load_playbook_text(PLAYBOOK, "reasons.yaml"))


@pytest.fixture
def language() -> Iterator[Any]:
    yield i18n.set_language
    i18n.set_language("en")


def _refused(compiled: CompiledPlaybook, trigger: str, done: bool = False, **fields: Any) -> RefusedError:
    context = evaluation_context(
        compiled.spec,
        state="start",
        fields={"navn": "Lag", **fields},
        tasks={"mote": TaskTally(1, 1 if done else 0), "notat": TaskTally(1, 0)},
        now=NOW,
    )
    with pytest.raises(RefusedError) as refused:
        compiled.fire(Record("start"), trigger, context)
    return refused.value


def test_reason_says_only_the_parts_that_fail_in_words(compiled) -> None:
    refused = _refused(compiled, "opprett", deltakere=["a"] * 7, budsjett=1500, vedtak="nei", enig=True)
    assert refused.reasons == [
        "task «Hold the meeting» is not done; «Members» has 7, needs at least 8; "
        "«Vedtak» is 'Avslått', needs to be 'Godkjent'"
    ]
    assert refused.explained == [
        "guard 'tasks_done && size(deltakere) >= 8 && budsjett > 1000 && vedtak == 'ja' && enig' is false "
        "(tasks_done = false, deltakere = ['a', 'a', 'a', 'a', 'a', 'a', 'a'], budsjett = 1500, "
        "vedtak = 'nei', enig = true)"
    ]


def test_reason_is_said_in_the_chosen_language_with_local_numbers(compiled, language) -> None:
    language("nb")
    refused = _refused(compiled, "opprett", done=True, deltakere=["a"] * 16, budsjett=999.5, enig=False)
    assert refused.reasons == [
        "«Budsjett» er 999,5, må være mer enn 1\xa0000; feltet «Vedtak» er tomt; «Enighet» er nei"
    ]
    language("da")
    assert _refused(compiled, "avslutt", begrunnelse="").reasons == ["feltet «Begrunnelse» er tomt"]


def test_reason_skips_a_part_that_fails_only_because_an_earlier_one_did(compiled) -> None:
    # size(null) fails to run; the empty field has been said already
    assert _refused(compiled, "avslutt").reasons == ["field «Begrunnelse» is empty"]


def test_reason_because_of_the_playbook_wins_for_its_part_or_the_whole_guard(compiled, language) -> None:
    assert _refused(compiled, "forklart", deltakere=["a"]).reasons == [
        "task «Hold the meeting» is not done; At least eight must take part"
    ]
    assert _refused(compiled, "forklart", done=True).reasons == ["At least eight must take part"]
    language("nb")
    assert _refused(compiled, "forklart", done=True).reasons == ["Minst åtte må være med"]
    assert _refused(compiled, "alt_forklart", done=True).reasons == ["Vent på møtet og åtte deltakere"]


def test_reason_says_a_part_it_cannot_put_in_words_as_written_with_cel_literals(compiled) -> None:
    refused = _refused(compiled, "tilbake", done=True, frist="2026-03-01", budsjett=2)
    assert refused.reasons == [
        "task «Hold the meeting» is done already; "
        "'frist < timestamp('2026-01-01T00:00:00Z')' does not hold (frist = '2026-03-01'); "
        "'enig || budsjett == 1' does not hold (enig = false, budsjett = 2)"
    ]


def test_reason_of_several_transitions_says_each_phrase_once(compiled) -> None:
    # both of avbryt's transitions miss the reason; the second adds only the meeting
    assert _refused(compiled, "avbryt").reasons == [
        "field «Begrunnelse» is empty",
        "task «Hold the meeting» is not done",
    ]


def test_reason_names_a_role_by_its_title(compiled, language) -> None:
    context = evaluation_context(compiled.spec, state="start", fields={"navn": "Lag"}, tasks={}, now=NOW)
    assert compiled.why_not("start", "lukk", context, roles={"gjest"}) == ["needs the role «Ledelsen»"]
    language("nb")
    assert compiled.why_not("start", "lukk", context, roles=set()) == ["krever rollen «Ledelsen»"]


CLOCK = """\
id: demo.clock
version: 1
language: nb
title: Klokka
subject: {title: Lag, field: navn}
roles:
  lead: {title: Ledelsen}
fields:
  navn: {type: text, label: Navn, required: true}
  moetetid: {type: datetime, label: Møtetidspunkt}
  frist: {type: date, label: Frist}
initial: start
states:
  start: {title: Start}
  slutt: {title: Slutt, final: true}
transitions:
  - {trigger: etter_mote, from: start, to: slutt, when: "moetetid != null && now >= moetetid"}
  - {trigger: for_frist, from: start, to: slutt, when: "frist > now"}
"""


@pytest.mark.parametrize(
    ("code", "trigger", "expected"),
    [
        ("nb", "etter_mote", "ikke før «Møtetidspunkt» (17. desember 2026 18:30)"),
        ("en", "etter_mote", "not before «Møtetidspunkt» (17 December 2026 18:30)"),
        ("nb", "for_frist", "«Frist» (01.11.2026) er passert"),
    ],
)
def test_reason_a_moment_against_the_clock_is_said_on_the_playbooks_clock(
    language: Any, code: str, trigger: str, expected: str
) -> None:
    """`now >= moetetid` is said as the time people agreed, on the Oslo clock, never as UTC."""
    compiled = compile_playbook(load_playbook_text(CLOCK, "clock.yaml"))
    fields = {
        "navn": "Lag",
        "moetetid": dt.datetime(2026, 12, 17, 17, 30, tzinfo=dt.UTC),  # 18:30 in Oslo
        "frist": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    }
    context = evaluation_context(compiled.spec, state="start", fields=fields, tasks={}, now=NOW)
    language(code)
    with pytest.raises(RefusedError) as refused:
        compiled.fire(Record("start"), trigger, context)
    assert expected in str(refused.value)
    assert "T17:30" not in str(refused.value)
