"""Worst-case guards that pass `trinn check`, timed on the largest values a case may hand them.

    python bench/guard_bench.py [--json]

For each family of costly guard (pairs, map/filter copies, patterns, text copies,
`in` over lists) the largest instance that the load-time cost estimate still
accepts is found, then evaluated on the largest allowed input (engine.limits:
lists of CEL_LIST_ITEMS items of CEL_ITEM_CHARS characters, texts of
CEL_TEXT_CHARS), beside a trivial guard in the same run. The target: every one
well under 100 ms. Reported, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trinn.engine.cel_text import tokenize  # noqa: E402
from trinn.engine.errors import ExpressionError  # noqa: E402
from trinn.engine.expression_cost import estimate  # noqa: E402
from trinn.engine.expressions import CompiledExpression, Scope, compile_expression  # noqa: E402
from trinn.engine.limits import CEL_COST, CEL_ITEM_CHARS, CEL_LIST_ITEMS, CEL_TEXT_CHARS  # noqa: E402

SCOPE = Scope(
    fields=frozenset({"items", "others", "tittel", "notat"}),
    tasks=frozenset({"mote"}),
    lists=frozenset({"items", "others"}),
    texts=frozenset({"tittel", "notat"}),
)


def _numbers(k: int) -> str:
    return "[" + ",".join(str(i) for i in range(k)) + "]"


# Each family: k -> guard text. The largest k accepted is the worst case of its kind.
FAMILIES: dict[str, Callable[[int], str]] = {
    "literal x field pairs": lambda k: f"{_numbers(k)}.exists(n, items.exists(a, a == tittel))",
    "field x literal pairs": lambda k: f"items.exists(a, {_numbers(k)}.exists(n, a == tittel))",
    "filter copies": lambda k: " && ".join(["size(items.filter(a, a != tittel)) > 0"] * k),
    "map copies": lambda k: " && ".join(["size(items.map(a, a + a)) > 0"] * k),
    "map in exists": lambda k: f"{_numbers(k)}.exists(n, size(items.map(a, a)) == n)",
    "patterns": lambda k: "items.exists(a, a.matches('" + "\\\\d" * k + "'))",
    "word pattern": lambda k: f"tittel.matches('\\\\w{{{k}}}')",
    "text copies": lambda k: "items.exists(a, " + " + ".join(["tittel"] * k) + " == notat)",
    "in over lists": lambda k: f"{_numbers(k)}.exists(n, tittel in items)",
    "prefix pairs (bundled)": lambda k: " && ".join(
        ["others.all(f, items.exists(linje, linje.startsWith(f + ':')))"] * k
    ),
    "contains": lambda k: f"items.exists(a, {_numbers(k)}.exists(n, notat.contains(a)))",
}


def _accepted(family: Callable[[int], str]) -> tuple[int, CompiledExpression] | None:
    """The largest k whose guard passes the check, by doubling then halving."""
    best: tuple[int, CompiledExpression] | None = None
    low, high = 1, 1
    while True:
        try:
            best = (high, compile_expression(family(high), SCOPE, "guard"))
        except ExpressionError:
            break
        low, high = high, high * 2
        if high > 4096:
            return best
    while high - low > 1:
        middle = (low + high) // 2
        try:
            best = (middle, compile_expression(family(middle), SCOPE, "guard"))
            low = middle
        except ExpressionError:
            high = middle
    return best


def _largest_context() -> cel.Context:
    # items equal but for the last character: comparisons read every character, none matches
    item = "a" * (CEL_ITEM_CHARS - 1)
    return cel.Context(
        variables={
            "items": [item + str(i % 10) for i in range(CEL_LIST_ITEMS)],
            "others": [item + "x"] * CEL_LIST_ITEMS,
            "tittel": "a" * (CEL_ITEM_CHARS - 1) + "y",
            "notat": "b" * CEL_TEXT_CHARS,
        }
    )


def _time(program: CompiledExpression, context: cel.Context, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        with contextlib.suppress(ExpressionError):  # a type error still spent its time
            program.evaluate(context)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    context = _largest_context()
    trivial = compile_expression("size(items) > 0 && tittel != ''", SCOPE, "guard")
    baseline = _time(trivial, context, rounds=50)
    rows = []
    for name, family in FAMILIES.items():
        found = _accepted(family)
        if found is None:
            rows.append({"family": name, "k": 0, "steps": 0, "ms": 0.0, "ratio": 0, "us_per_step": 0.0})
            continue
        k, program = found
        ms = _time(program, context)
        steps = estimate(list(tokenize(program.source)), SCOPE.fields, 1, SCOPE.lists, SCOPE.texts).cost
        rows.append(
            {
                "family": name,
                "k": k,
                "steps": round(steps),
                "ms": round(ms, 2),
                "ratio": round(ms / baseline),
                "us_per_step": round(ms * 1000 / steps, 3),
            }
        )
    worst = max(rows, key=lambda r: r["ms"])
    if "--json" in sys.argv:
        print(json.dumps({"baseline_ms": baseline, "cost_limit": CEL_COST, "rows": rows}, indent=2))
        return
    print(f"trivial guard: {baseline * 1000:.1f} us   cost limit: {CEL_COST:,} steps")
    print(f"largest input: {CEL_LIST_ITEMS} items of {CEL_ITEM_CHARS:,} chars, texts of {CEL_TEXT_CHARS:,}")
    for row in rows:
        print(
            f"  {row['family']:<22} k={row['k']:<5} {row['steps']:>7,} steps {row['ms']:>7.2f} ms"
            f"  ({row['ratio']:,}x trivial, {row['us_per_step']} us/step)"
        )
    print(f"worst: {worst['family']} {worst['ms']:.2f} ms (target well under 100 ms)")


if __name__ == "__main__":
    main()
