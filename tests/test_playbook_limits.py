"""A playbook's `limits:` raise the caps of engine.limits, never lower them, never past a
ceiling; a raised cap counts everywhere the default does (check, set, guards, messages)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trinn.engine import limits
from trinn.engine.errors import CommandError
from trinn.engine.limits import CEILINGS, DEFAULT_LIMITS, Limits
from trinn.engine.loader import load_playbook
from trinn.engine.outbox_message import OutboxMessage
from trinn.engine.people import People, Person
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.sandbox import constant_problems
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.engine.template import check_template, render
from trinn.tui.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


def _block_after(marker: str) -> str:
    found = re.search(re.escape(marker) + r"\n```\w*\n(.*?)```", README, re.DOTALL)
    assert found, f"no code block after {marker!r}"
    return found.group(1)


PARTY = _block_after("<!-- limits: party.yaml -->")
# the same playbook as if it had no `limits:` section
PLAIN = re.sub(r"limits:\n(  .*\n)+", "", PARTY)


def _check(tmp_path: Path, text: str) -> tuple[str, int]:
    (tmp_path / "party.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "party.yaml")])
    return result.output.replace(str(tmp_path) + "/", ""), result.exit_code


def test_limits_defaults_are_the_named_constants() -> None:
    assert (
        Limits(
            cel_comprehension_depth=limits.CEL_COMPREHENSION_DEPTH,
            cel_cost=limits.CEL_COST,
            cel_list_items=limits.CEL_LIST_ITEMS,
            cel_text_chars=limits.CEL_TEXT_CHARS,
            cel_item_chars=limits.CEL_ITEM_CHARS,
            template_output_chars=limits.TEMPLATE_OUTPUT_CHARS,
            template_filter_chars=limits.TEMPLATE_FILTER_CHARS,
            template_list_items=limits.TEMPLATE_LIST_ITEMS,
            template_range=limits.TEMPLATE_RANGE,
            template_int_digits=limits.TEMPLATE_INT_DIGITS,
            template_steps=limits.TEMPLATE_STEPS,
            template_macro_depth=limits.TEMPLATE_MACRO_DEPTH,
        )
        == DEFAULT_LIMITS
    )
    assert (DEFAULT_LIMITS.cel_cost, DEFAULT_LIMITS.cel_list_items) == (100_000, 50)
    for name, ceiling in CEILINGS.items():
        assert ceiling > getattr(DEFAULT_LIMITS, name), name
    # every cap but the one already at a value's own limit may be raised
    assert set(CEILINGS) == {f.name for f in dataclasses.fields(Limits)} - {"cel_item_chars"}


def test_limits_a_playbook_without_them_runs_under_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "plain.yaml").write_text(PLAIN, encoding="utf-8")
    loaded = load_playbook(tmp_path / "plain.yaml")
    assert loaded.spec is not None and loaded.spec.limits.caps == DEFAULT_LIMITS


def test_limits_readme_playbook_checks_and_raises_what_it_names(tmp_path: Path) -> None:
    assert _check(tmp_path, PARTY) == ("party.yaml: ok\n", 0)
    (tmp_path / "party.yaml").write_text(PARTY, encoding="utf-8")
    loaded = load_playbook(tmp_path / "party.yaml")
    assert loaded.spec is not None
    assert loaded.spec.limits.caps == dataclasses.replace(
        DEFAULT_LIMITS, cel_list_items=200, cel_cost=500_000, template_output_chars=300_000
    )


def test_limits_past_the_ceiling_is_refused_at_its_line_as_the_readme_says(tmp_path: Path) -> None:
    shown = _block_after("refused at its line; with `cel_cost: 2000000`:\n")
    assert _check(tmp_path, PARTY.replace("cel_cost: 500000 ", "cel_cost: 2000000")) == (shown, 1)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("cel_list_items: 20", "cel_list_items must be from 50 to 10,000, not 20"),
        ("cel_list_items: 10001", "cel_list_items must be from 50 to 10,000, not 10,001"),
        ("template_macro_depth: 21", "template_macro_depth must be from 10 to 20, not 21"),
        ("cel_item_chars: 2000", "unknown key 'cel_item_chars'"),
        ("template_range: lots", "expected a whole number, got 'lots'"),
        ("template_range: true", "expected a whole number, got a boolean"),
    ],
)
def test_limits_below_the_default_past_the_ceiling_or_unknown_are_refused(
    tmp_path: Path, line: str, message: str
) -> None:
    text = PARTY.replace("cel_list_items: 200 ", line + " ").replace("cel_list_items: 200", line)
    output, code = _check(tmp_path, text)
    assert code == 1
    assert re.match(r"party\.yaml:14:\d+: " + re.escape(message), output), output


def test_limits_the_guard_needs_its_raised_cost(tmp_path: Path) -> None:
    output, code = _check(tmp_path, re.sub(r"  cel_cost: .*\n", "", PARTY))
    assert code == 1
    assert "is too expensive: about 401,201 steps on the largest case (the limit is 100,000;" in output
    # under the default list size the same guard is cheap enough
    assert _check(tmp_path, PLAIN) == ("party.yaml: ok\n", 0)


@pytest.fixture
def playbooks(tmp_path: Path) -> Path:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "party.yaml").write_text(PARTY, encoding="utf-8")
    (folder / "plain.yaml").write_text(PLAIN.replace("id: demo.party", "id: demo.plain"), encoding="utf-8")
    short = re.sub(r"  template_output_chars: .*\n", "", PARTY).replace("id: demo.party", "id: demo.short")
    (folder / "short.yaml").write_text(short, encoding="utf-8")
    return folder


@pytest.fixture
def service(sqlite_url: str, playbooks: Path) -> Iterator[Service]:
    engine = open_database(sqlite_url)
    people = People([Person("hanne", "Hanne", "hanne@example.org", frozenset({"host"}))])
    yield Service(Store(engine), PlaybookRegistry([playbooks]), people, clock=lambda: NOW)
    engine.dispose()


GUESTS = [f"guest {n:03} " + "x" * 990 for n in range(150)]  # 150 items, 150,000 characters


def test_limits_raised_list_size_reaches_set_guard_and_message(service: Service) -> None:
    case = service.open_case("demo.party", {"name": "Midsummer"}, actor="hanne")
    service.set_fields(case.id, {"guests": GUESTS}, actor="hanne")
    fired = service.fire(case.id, "close", actor="hanne")
    assert fired.state == "closed"
    queued = [OutboxMessage.from_json(row.payload) for row in service.queries.outbox(case.id)]
    assert [message.title for message in queued] == ["Guests of Midsummer"]
    assert queued[0].body.count("guest ") == 150


def test_limits_default_refuses_the_same_list_when_it_is_set(service: Service) -> None:
    case = service.open_case("demo.plain", {"name": "Midsummer"}, actor="hanne")
    refusal = r"field 'guests' has 150 items; the playbook's guards read at most 50"
    with pytest.raises(CommandError, match=refusal):
        service.set_fields(case.id, {"guests": GUESTS}, actor="hanne")


def test_limits_message_past_the_default_output_is_refused_without_the_raise(service: Service) -> None:
    case = service.open_case("demo.short", {"name": "Midsummer"}, actor="hanne")
    service.set_fields(case.id, {"guests": GUESTS}, actor="hanne")
    with pytest.raises(CommandError, match=r"message 'guest_list' cannot be written: .*the limit is 100,000"):
        service.fire(case.id, "close", actor="hanne")


def test_limits_raised_output_takes_the_largest_list_the_guards_may_read(service: Service) -> None:
    case = service.open_case("demo.party", {"name": "Midsummer"}, actor="hanne")
    # 200 guests of 1,000 characters and a line break: 200,200 characters fit in 300,000
    service.set_fields(case.id, {"guests": [f"{n:03}" + "y" * 997 for n in range(200)]}, actor="hanne")
    assert service.fire(case.id, "close", actor="hanne").state == "closed"


def test_limits_templates_are_checked_and_rendered_under_the_caps_given() -> None:
    raised = dataclasses.replace(DEFAULT_LIMITS, template_filter_chars=200_000, template_output_chars=200_000)
    text = "{{ 'x' * 150000 }}"
    assert [p.message for p in check_template(text, [])] == [
        "'*' would make 150,000 characters (the limit is 100,000)"
    ]
    assert check_template(text, [], raised) == []
    with pytest.raises(ValueError, match="the limit is 100,000"):
        render(text, {}, "en")
    assert len(render(text, {}, "en", raised)) == 150_000
    at_ceiling = dataclasses.replace(DEFAULT_LIMITS, template_filter_chars=CEILINGS["template_filter_chars"])
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    tree = ImmutableSandboxedEnvironment().parse("{{ 'x' * 10**9 }}")
    assert constant_problems(tree, at_ceiling) == [
        (1, "'*' would make 1,000,000,000 characters (the limit is 1,000,000)")
    ]


def test_limits_template_steps_and_ranges_follow_the_caps() -> None:
    loop = "{% for i in range(15000) %}{% endfor %}done"
    with pytest.raises(ValueError, match=r"range\(\) would make 15,000 numbers \(the limit is 10,000\)"):
        render(loop, {}, "en")
    more = dataclasses.replace(DEFAULT_LIMITS, template_range=20_000)
    with pytest.raises(ValueError, match=r"the limit is 20,000 steps"):
        render("{% for i in range(15000) %}{% for j in range(2) %}{% endfor %}{% endfor %}", {}, "en", more)
    assert render(loop, {}, "en", more) == "done"
