"""Random CEL expressions over the largest context the limits allow: priced at load, then they
evaluate or fail in words, never a traceback, and never for long (Hypothesis)."""

from __future__ import annotations

import time

import cel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trinn.engine.context import too_large
from trinn.engine.errors import ExpressionError
from trinn.engine.expressions import Scope, compile_expression
from trinn.engine.limits import CEL_ITEM_CHARS, CEL_LIST_ITEMS, CEL_TEXT_CHARS

SCOPE = Scope(
    fields=frozenset({"items", "navn", "antall"}),
    tasks=frozenset({"mote"}),
    lists=frozenset({"items"}),
    texts=frozenset({"navn"}),
)
# the largest values a case may hand to CEL; comparisons read every character
CONTEXT = cel.Context(
    variables={
        "items": ["a" * (CEL_ITEM_CHARS - 1) + str(i % 10) for i in range(CEL_LIST_ITEMS)],
        "navn": "a" * CEL_TEXT_CHARS,
        "antall": 7,
        "tasks": {"mote": {"done": True, "count": 1, "done_count": 1}},
        "state": "start",
        "actor": {"id": "lea", "roles": ["lead"]},
    }
)
# generous: the budget is about 30 ms; this only catches a runaway on a shared machine
WALL_SECONDS = 2.0

_leaf = st.sampled_from(["items", "navn", "antall", "'x'", "1", "true", "[1, 2, 3]", "tasks.mote.done", "a"])


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "==", "!=", "<", "&&", "||", "in", "*"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["exists", "all", "map", "filter", "exists_one"]), inner).map(
            lambda t: f"{t[0]}.{t[1]}(a, {t[2]})"
        ),
        inner.map(lambda x: f"size({x})"),
        st.tuples(inner, st.sampled_from(["'^a+$'", "'\\\\w+'", "'[a-z]{3}'"])).map(
            lambda t: f"{t[0]}.matches({t[1]})"
        ),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}.contains({t[1]})"),
    )


EXPRESSIONS = st.recursive(_leaf, _combine, max_leaves=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_random_expression_is_refused_or_evaluates_within_budget(text: str) -> None:
    try:
        program = compile_expression(text, SCOPE, "guard")
    except ExpressionError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    start = time.perf_counter()
    try:
        program.evaluate(CONTEXT)
    except ExpressionError as exc:
        assert str(exc).startswith(f"'{text}' failed: ")
    assert time.perf_counter() - start < WALL_SECONDS, text


def test_too_large_names_each_cap() -> None:
    assert too_large("items", ["x"] * (CEL_LIST_ITEMS + 1)) == (
        f"field 'items' has {CEL_LIST_ITEMS + 1:,} items, more than an expression may read "
        f"(the limit is {CEL_LIST_ITEMS:,})"
    )
    assert too_large("navn", "x" * (CEL_TEXT_CHARS + 1)) == (
        f"field 'navn' has {CEL_TEXT_CHARS + 1:,} characters, more than an expression may read "
        f"(the limit is {CEL_TEXT_CHARS:,})"
    )
    assert too_large("items", ["x" * (CEL_ITEM_CHARS + 1)]) == (
        f"an item of field 'items' has {CEL_ITEM_CHARS + 1:,} characters, more than an expression may "
        f"read (the limit is {CEL_ITEM_CHARS:,})"
    )
    assert too_large("items", ["x"] * CEL_LIST_ITEMS) is None
