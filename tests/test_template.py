"""Message templates: checked when the playbook loads (file:line:col), rendered in the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from trinn.engine.catalog import bundled_files
from trinn.engine.errors import PlaybookError
from trinn.engine.loader import load_playbook, load_playbook_text
from trinn.engine.template import check_template, render

WELCOME = Path(__file__).parent / "data" / "notify" / "welcome.yaml"


def _with_body(body: str) -> str:
    text = WELCOME.read_text()
    old = '    body: "{{ summary }}"\n'
    assert old in text
    return text.replace(old, f'    body: "{body}"\n')


def test_template_unknown_field_is_a_position_with_a_hint() -> None:
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(_with_body("Hello {{ organisaton }}"), "welcome.yaml")
    assert [str(p) for p in info.value.problems] == [
        "welcome.yaml:23:21: unknown name 'organisaton' (did you mean 'organisation'?)"
    ]


def test_template_unknown_case_property_and_syntax_error() -> None:
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(_with_body("{{ case.idd }}"), "welcome.yaml")
    assert [str(p) for p in info.value.problems] == [
        "welcome.yaml:23:20: unknown case property 'idd' (did you mean 'id'?)"
    ]
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(_with_body("{% for t in tasks %}"), "welcome.yaml")
    assert str(info.value.problems[0]).startswith("welcome.yaml:23:12: invalid template: ")


def test_template_loop_variables_and_filters_are_not_names() -> None:
    assert (
        check_template("{% for t in tasks %}{{ t.title | upper }}{% endfor %}{{ a is none }}", ["tasks", "a"])
        == []
    )


def test_bundled_playbooks_messages_all_check() -> None:
    for playbook in bundled_files():
        spec = load_playbook(playbook.path).spec
        assert spec.messages, playbook.path.name


def test_render_shows_values_as_people_read_them() -> None:
    text = "{{ a }}|{{ b }}|{{ c }}|{{ d }}"
    assert render(text, {"a": None, "b": ["x", "y"], "c": True, "d": 3}, "nb") == "|x, y|ja|3"
    assert render("{{ c }}", {"c": False}, "da") == "nej"


def test_render_sandbox_reaches_no_python() -> None:
    assert render("{{ a.__class__ }}", {"a": "x"}, "en") == ""
    with pytest.raises(ValueError, match=r"unsafe|cannot|not"):
        render("{{ a.append(1) }}", {"a": []}, "en")


def test_fields_read_the_local_way_and_stored_values_stay_reachable() -> None:
    from trinn.engine.spec import FieldSpec
    from trinn.engine.template import shown_value

    choice = FieldSpec(
        type="choice",
        label="Vedtak",
        options=["godkjent", "underkjent"],
        option_labels={"godkjent": "Godkjent", "underkjent": "Underkjent"},
    )
    money = FieldSpec(type="money", label="Bidrag")
    day = FieldSpec(type="date", label="Dato")
    assert shown_value(choice, "underkjent", "nb") == "Underkjent"
    assert shown_value(money, 50000, "nb") == "50\u00a0000\u00a0kr"
    assert shown_value(money, 1234.5, "da") == "1.234,50\u00a0kr."
    assert shown_value(day, "2026-02-02", "da") == "2. februar 2026"
    assert shown_value(money, None, "nb") is None
    text = "{{ vedtak }}{% if case.raw.vedtak == 'underkjent' %} ({{ case.raw.vedtak }}){% endif %}"
    assert (
        render(text, {"vedtak": "Underkjent", "case": {"raw": {"vedtak": "underkjent"}}}, "nb")
        == "Underkjent (underkjent)"
    )
    assert render("{% if b %}x{% else %}y{% endif %}", {"b": False}, "nb") == "y"


def test_template_unknown_raw_field_is_a_problem() -> None:
    problems = check_template("{{ case.raw.vedtk }}", ["case", "vedtak"])
    assert [(p.message, p.hint) for p in problems] == [("unknown field 'vedtk'", "did you mean 'vedtak'?")]
