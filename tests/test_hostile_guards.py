"""Hostile guards and message templates: refused at `trinn check` where the text shows it, else
when the command runs, each within the wall and memory budgets of tests/hostile.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile import HOSTILE, run_bounded

BASE = (HOSTILE / "guards" / "base.yaml").read_text()
NESTED_8 = "[1,2].exists(a, " * 8 + "a == 1" + ")" * 8
PAIRS = "items.exists(a, items.exists(b, a == b + 'x'))"
LIMITS = "the limit is 2 levels of all, exists, exists_one, map and filter"


def _playbook(home: Path, guard: str = "size(items) >= 0", body: str = "Hello {{ navn }}") -> Path:
    path = home / "p.yaml"
    path.write_text(BASE.replace("GUARD", guard).replace("BODY", body))
    return path


CHECK_CASES = {
    "eight nested comprehensions": (
        NESTED_8,
        "Hello",
        f"p.yaml:28:13: comprehensions are nested too deeply ({LIMITS})",
    ),
    "nested map building lists": (
        "size(items.map(a, items.map(b, a + b))) > 0",
        "Hello",
        "p.yaml:28:18: guard 'size(items.map(a, items.map(b, a + b)))…' is too expensive: "
        "about 1,344,369 steps on the largest case (the limit is 100,000; lists reach it with up to 50 "
        "items of 1,000 characters, texts with 10,000: compare fewer pairs, filter or map once, or use 'in')",
    ),
    "pattern from the case": (
        "navn.matches(items[0])",
        "Hello",
        "p.yaml:28:12: a pattern must be written in the expression "
        "(matches() compiles its pattern each time: a pattern from the case could take seconds)",
    ),
    "text times a billion": (
        "true",
        "{{ 'x' * 10**9 }}",
        "p.yaml:17:7: '*' would make 1,000,000,000 characters (the limit is 100,000) "
        "(write a smaller constant)",
    ),
    "center a billion": (
        "true",
        "{{ ''|center(10**9) }}",
        "p.yaml:17:7: filter 'center' would make 1,000,000,000 characters (the limit is 100,000) "
        "(write a smaller constant)",
    ),
    "format width a billion": (
        "true",
        "{{ '%*s'|format(10**9, '') }}",
        "p.yaml:17:7: filter 'format' would make 1,000,000,000 characters (the limit is 100,000) "
        "(write a smaller constant)",
    ),
    "indent a billion": (
        "true",
        "{{ 'a'|indent(10**9) }}",
        "p.yaml:17:7: filter 'indent' would make 1,000,000,001 characters (the limit is 100,000) "
        "(write a smaller constant)",
    ),
    "seven to the hundred millionth": (
        "true",
        "{{ 7 ** 100000000 }}",
        "p.yaml:17:7: '**' would make 84,509,805 digits (the limit is 100) (write a smaller constant)",
    ),
    "recursive macro": (
        "true",
        "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
        "p.yaml:17:7: macro 'm' calls itself (macros may not recurse)",
    ),
}


@pytest.mark.parametrize("name", list(CHECK_CASES))
def test_check_refuses_costly_guard_or_template(name: str, tmp_path: Path) -> None:
    guard, body, expected = CHECK_CASES[name]
    path = _playbook(tmp_path, guard, body)
    outcome = run_bounded(["check", str(path)], home=tmp_path, wall_seconds=10)
    assert outcome.clean
    assert outcome.code == 1
    assert outcome.stdout.splitlines() == [f"{tmp_path}/{expected}", f"1 error in {path}"]


def _opened(home: Path, guard: str, body: str, *sets: str) -> list[str]:
    path = _playbook(home, guard, body)
    (home / "people.yaml").write_text("lea: {name: Lea, roles: [lead]}\n")
    base = ["--db", str(home / "t.db"), "--people", str(home / "people.yaml"), "--as", "lea"]
    sets_args = [arg for value in ("navn=abc", *sets) for arg in ("--set", value)]
    opened = run_bounded([*base, "open", str(path), *sets_args], home=home)
    assert (opened.code, opened.stdout) == (0, "1\n"), opened
    return base


def _history(home: Path, base: list[str]) -> str:
    shown = run_bounded([*base, "show", "1", "--json"], home=home)
    assert shown.code == 0, shown
    return shown.stdout


FIRE_CASES = {
    "a field times a hundred million": (
        "true",
        "{{ navn * 100000000 }}",
        (),
        1,
        "trinn: case 1: message 'hi' cannot be written: '*' would make 300,000,000 characters "
        "(the limit is 100,000)",
    ),
    "loops in loops over range": (
        "true",
        "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
        (),
        1,
        "trinn: case 1: message 'hi' cannot be written: the template loops or calls too often "
        "(the limit is 20,000 steps)",
    ),
    "macro handed itself": (
        "true",
        "{% macro a(f) %}{{ f(f) }}{% endmacro %}{{ a(a) }}",
        (),
        1,
        "trinn: case 1: message 'hi' cannot be written: macros call one another too deeply (the limit is 10)",
    ),
}


@pytest.mark.parametrize("name", list(FIRE_CASES))
def test_fire_refuses_costly_guard_or_message_and_writes_nothing(name: str, tmp_path: Path) -> None:
    guard, body, sets, code, expected = FIRE_CASES[name]
    base = _opened(tmp_path, guard, body, *sets)
    before = _history(tmp_path, base)
    fired = run_bounded([*base, "fire", "1", "go"], home=tmp_path, wall_seconds=10)
    assert fired.clean
    assert (fired.code, fired.stderr.strip()) == (code, expected)
    assert _history(tmp_path, base) == before


def test_a_list_larger_than_its_guards_read_is_refused_when_set(tmp_path: Path) -> None:
    """A field's type takes 10,000 items, a guard reads 50: the list is refused when set, not
    stored to make every later command whose guard reads it fail far from the cause."""
    base = _opened(tmp_path, PAIRS, "Hello")
    many = "items=" + ",".join(f"item{i}" for i in range(3000))
    refused = run_bounded([*base, "set", "1", many], home=tmp_path, wall_seconds=10)
    assert (refused.code, refused.stderr.strip()) == (
        1,
        "trinn: case 1: field 'items' has 3,000 items; the playbook's guards read at most 50",
    )
    opened = run_bounded(
        [*base, "open", str(tmp_path / "p.yaml"), "--set", "navn=x", "--set", many], home=tmp_path
    )
    assert (opened.code, opened.stderr.strip()) == (
        1,
        "trinn: field 'items' has 3,000 items; the playbook's guards read at most 50",
    )
    fifty = "items=" + ",".join(f"item{i}" for i in range(50))
    assert run_bounded([*base, "set", "1", fifty], home=tmp_path).code == 0


def test_limits_raised_past_their_ceilings_are_refused_at_check(tmp_path: Path) -> None:
    """A playbook cannot lift its own bounds: a cap past its ceiling is refused at its line."""
    path = _playbook(tmp_path)
    path.write_text(path.read_text() + "limits: {cel_cost: 1000000000000, template_steps: 10}\n")
    outcome = run_bounded(["check", str(path)], home=tmp_path, wall_seconds=10)
    assert outcome.clean
    assert outcome.code == 1
    assert outcome.stdout.splitlines() == [
        f"{path}:30:20: cel_cost must be from 100,000 to 1,000,000, not 1,000,000,000,000 "
        "(a playbook may raise a limit up to its ceiling, never lower it)",
        f"{path}:30:51: template_steps must be from 20,000 to 200,000, not 10 "
        "(a playbook may raise a limit up to its ceiling, never lower it)",
        f"2 errors in {path}",
    ]


def test_every_cap_at_its_ceiling_still_refuses_the_pairwise_guard(tmp_path: Path) -> None:
    """At the ceilings a list field may hold 10,000 items: comparing every pair is then priced
    far past the ceiling of the cost, and refused at check."""
    path = _playbook(tmp_path, PAIRS)
    path.write_text(path.read_text() + "limits: {cel_list_items: 10000, cel_cost: 1000000}\n")
    outcome = run_bounded(["check", str(path)], home=tmp_path, wall_seconds=10)
    assert outcome.clean
    assert outcome.code == 1
    assert "is too expensive: about" in outcome.stdout
    assert "(the limit is 1,000,000; lists reach it with up to 10,000 items" in outcome.stdout
