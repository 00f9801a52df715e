from __future__ import annotations

import pytest

from trinn.engine.errors import ExpressionError
from trinn.engine.expressions import MAX_DEPTH, MAX_LENGTH, Scope, compile_expression

SCOPE = Scope(fields=frozenset({"enighet", "medlemmer", "vedtak"}), tasks=frozenset({"avtal_mote", "signer"}))


@pytest.mark.parametrize(
    "text",
    [
        "enighet && tasks.avtal_mote.done",
        "size(medlemmer) >= 8 && size(medlemmer) <= 15",
        "medlemmer.all(m, m != '')",
        "vedtak == 'godkjent' || state == 'behandles'",
        "tasks.signer.done_count == tasks.signer.count",
        "'ledelsen' in actor.roles && tasks_done",
        "now > timestamp('2020-01-01T00:00:00Z')",
    ],
)
def test_compile_expression_accepts_declared_names(text: str) -> None:
    assert compile_expression(text, SCOPE).source == text


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("enighett", "unknown name 'enighett' (did you mean 'enighet'?)", 1),
        ("enighet && tasks.avtl_mote.done", "unknown task 'avtl_mote' (did you mean 'avtal_mote'?)", 18),
        ("tasks.signer.dne", "unknown task property 'dne' (did you mean 'done'?)", 14),
        ("sise(medlemmer) > 1", "unknown function 'sise' (did you mean 'size'?)", 1),
        ("actor.rolez", "unknown actor property 'rolez' (did you mean 'roles'?)", 7),
        ("enighet &&", "invalid expression: unexpected end of expression", 11),
        ("enighet # note", "unexpected character '#'", 9),
    ],
)
def test_compile_expression_reports_column(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCOPE)
    assert str(info.value) == message
    assert info.value.column == column


def test_compile_expression_caps_length_and_depth() -> None:
    with pytest.raises(ExpressionError, match="too long"):
        compile_expression("enighet || " * (MAX_LENGTH // 10) + "enighet", SCOPE)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_expression("(" * (MAX_DEPTH + 1) + "enighet" + ")" * (MAX_DEPTH + 1), SCOPE)


def test_evaluate_turns_binding_failures_into_expression_error() -> None:
    program = compile_expression("vedtak + 1", SCOPE)
    with pytest.raises(ExpressionError, match="failed"):
        program.evaluate({"vedtak": "x"})


def test_evaluate_turns_base_exception_into_expression_error() -> None:
    class Hostile(BaseException):
        pass

    class Program:
        def execute(self, context: object) -> object:
            raise Hostile("panic in the binding")

    program = compile_expression("enighet", SCOPE)
    program.program = Program()  # type: ignore[assignment]
    with pytest.raises(ExpressionError, match="panic in the binding"):
        program.evaluate({})


def test_compiled_expression_knows_the_names_it_reads() -> None:
    program = compile_expression("size(medlemmer) >= 8 && enighet && tasks.signer.done", SCOPE)
    assert program.names == ("medlemmer", "enighet", "tasks", "tasks.signer.done")
