from __future__ import annotations

import pytest

from trinn.engine.cel_text import Part, read_expression, strip_brackets, top_level


def test_read_expression_splits_a_conjunction_into_its_parts_with_columns() -> None:
    reading = read_expression("tasks.mote.done && (size(deltakere) >= 8)  &&  navn != ''")
    assert reading.parts == (
        Part("tasks.mote.done", 1),
        Part("size(deltakere) >= 8", 21),
        Part("navn != ''", 48),
    )
    assert not reading.any_of


def test_read_expression_keeps_a_disjunction_or_a_choice_whole() -> None:
    assert read_expression("a && b || c").parts == (Part("a && b || c", 1),)
    assert read_expression("a && b || c").any_of
    assert read_expression(" (a && b ? c : d) ").parts == (Part("a && b ? c : d", 3),)


def test_read_expression_splits_inside_brackets_that_wrap_the_whole() -> None:
    assert read_expression("((a && (b || c)))").parts == (Part("a", 3), Part("b || c", 9))


def test_read_expression_does_not_split_inside_strings_or_calls() -> None:
    reading = read_expression("navn == 'a && b' && size(x.filter(p, p && q)) > 0")
    assert [p.text for p in reading.parts] == ["navn == 'a && b'", "size(x.filter(p, p && q)) > 0"]


def test_read_expression_names_what_it_reads_but_not_functions_members_or_variables() -> None:
    reading = read_expression("size(deltakere.filter(d, d != navn)) > 0 && tasks.mote.done && 'tasks'")
    assert reading.names == ("deltakere", "navn", "tasks", "tasks.mote.done")
    assert reading.tasks == frozenset({"mote"})


@pytest.mark.parametrize("text", ["size(tasks) > 0", "tasks['mote'].done", "tasks.mote", "tasks.mote.done()"])
def test_read_expression_reads_every_task_when_tasks_is_read_other_than_by_property(text: str) -> None:
    assert read_expression(text).tasks is None


def test_read_expression_reads_no_task_without_tasks() -> None:
    assert read_expression("enighet").tasks == frozenset()


def test_top_level_finds_operators_outside_brackets_and_strings() -> None:
    assert top_level("size(x) >= 8 && y == '<'") == [(8, ">="), (13, "&&"), (18, "==")]


@pytest.mark.parametrize(
    ("text", "stripped"),
    [(" ((a && b)) ", "a && b"), ("(a) && (b)", "(a) && (b)"), ("(a", "(a"), ("", "")],
)
def test_strip_brackets_removes_only_brackets_around_all_of_it(text: str, stripped: str) -> None:
    assert strip_brackets(text) == stripped
