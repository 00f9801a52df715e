"""The everyday commands, given plainly, run without typer.

Importing typer (and the click it carries) is about a third of what `trinn show 1` costs,
and a coordinator or a script runs show, can, fire, done and set many times a day. So
`main` first asks `quick_command` whether the command line is one of those (or a listing,
`cases` or `tasks`), written plainly: global options, the command, its arguments and
options, each known here and each well formed. Then the command runs at once, on the
same functions typer calls (tui/cli/case_commands.py), with the same settings. Anything
else, and anything unusual (`--help`, an unknown option, `--`, a value that looks like
an option, a number that is not one, a missing or extra argument), is left to typer,
so help, usage errors and their words in nb and da stay typer's.

`QUICK` declares each command's options as typer does (tests/test_quick.py holds the two
to the same names and kinds, and the two paths to the same output).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from trinn.engine.clock import Clock, utc_now

__all__ = ["GLOBAL", "QUICK", "Quick", "quick_command"]

# the global options (as tui/cli/commands.py's `_global` declares them), each with its variable
GLOBAL = {
    "--playbooks": "TRINN_PLAYBOOKS",
    "--lang": "TRINN_LANG",
    "--db": "TRINN_DB",
    "--as": "TRINN_USER",
    "--people": "TRINN_PEOPLE",
    "--channels": "TRINN_CHANNELS",
}


@dataclass(frozen=True)
class Quick:
    """One command as typer declares it: its arguments in order (the last may take the rest,
    one or more), and its options by name, each to its parameter."""

    run: str  # the function of tui/cli/case_commands.py
    arguments: tuple[str, ...] = ()
    rest: str | None = None  # a last argument taking every remaining word (at least one)
    flags: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    lists: dict[str, str] = field(default_factory=dict)


_JSON = {"--json": "as_json"}
_CHANGE = {"--note": "note"}
_EXPECT = {"--expect-version": "expect"}
QUICK = {
    "show": Quick("show", ("case",), flags=_JSON),
    "can": Quick("can", ("case",), flags={"--all": "every", "--explain": "explain", **_JSON}),
    "cases": Quick(
        "cases",
        flags={"--open": "only_open", "--closed": "only_closed", "--overdue": "overdue", **_JSON},
        texts={"--playbook": "playbook", "--state": "state"},
    ),
    "tasks": Quick(
        "tasks", flags={"--mine": "mine", "--overdue": "overdue", **_JSON}, texts={"--role": "role"}
    ),
    "fire": Quick(
        "fire",
        ("case", "trigger"),
        flags=_JSON,
        texts={**_CHANGE, "--against-advice": "against_advice"},
        numbers=_EXPECT,
        lists={"--set": "sets"},
    ),
    "done": Quick(
        "done", ("case", "task"), flags=_JSON, texts={**_CHANGE, "--item": "item"}, numbers=_EXPECT
    ),
    "set": Quick("set_fields", ("case",), rest="values", flags=_JSON, texts=_CHANGE, numbers=_EXPECT),
}


class _NotPlain(Exception):
    """The command line is not one this module reads: typer reads it."""


def quick_command(argv: list[str], clock: Clock = utc_now) -> Callable[[], None] | None:
    """The command line run without typer, or None when typer should read it. `clock` is the
    time commands act at, as a program that runs the command line may hand typer one."""
    try:
        options, rest = _global_options(argv)
        if not rest or rest[0] not in QUICK:
            return None
        quick = QUICK[rest[0]]
        values = _command_values(quick, rest[1:])
    except _NotPlain:
        return None
    return lambda: _run(quick, options, values, clock)


def _global_options(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    given: dict[str, str] = {}
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        name, value, index = _option_value(argv, index, GLOBAL)
        given[name] = value
    options = {name: given.get(name, os.environ.get(variable, "")) for name, variable in GLOBAL.items()}
    return options, argv[index:]


def _option_value(argv: list[str], index: int, known: dict[str, Any]) -> tuple[str, str, int]:
    """An option that takes a value, as `--name value` or `--name=value`; the index after it."""
    name, equals, value = argv[index].partition("=")
    if name not in known:
        raise _NotPlain
    if not equals:
        if index + 1 >= len(argv) or argv[index + 1].startswith("-"):
            raise _NotPlain  # no value, or one that looks like an option: typer says how it reads it
        value, index = argv[index + 1], index + 1
    if not value:
        raise _NotPlain
    return name, value, index + 1


def _command_values(quick: Quick, words: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(quick.flags.values(), False)
    values.update(dict.fromkeys([*quick.texts.values(), *quick.numbers.values()]))
    values.update({parameter: [] for parameter in quick.lists.values()})
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "-" or not word.startswith("-"):
            positional.append(word)
            index += 1
        elif word in quick.flags:
            values[quick.flags[word]] = True
            index += 1
        else:
            name, value, index = _option_value(words, index, {**quick.texts, **quick.numbers, **quick.lists})
            if name in quick.numbers:
                values[quick.numbers[name]] = _number(value)
            elif name in quick.lists:
                values[quick.lists[name]].append(value)
            else:
                values[quick.texts[name]] = value
    for parameter in quick.lists.values():
        values[parameter] = values[parameter] or None
    if len(positional) < len(quick.arguments) + (quick.rest is not None):
        raise _NotPlain  # an argument missing: typer's usage error says which
    if quick.rest is None and len(positional) > len(quick.arguments):
        raise _NotPlain
    values.update(zip(quick.arguments, positional, strict=False))
    if quick.rest is not None:
        values[quick.rest] = positional[len(quick.arguments) :]
    return values


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _NotPlain from None


def _run(quick: Quick, options: dict[str, str], values: dict[str, Any], clock: Clock) -> None:
    """Run the command as typer would have: the same settings, language and JSON errors."""
    from trinn.tui import i18n
    from trinn.tui.cli.output import json_chosen
    from trinn.tui.cli.settings import settings_from

    json_chosen(bool(values.get("as_json")))
    people, channels = options["--people"], options["--channels"]
    settings = settings_from(
        options["--playbooks"] or None,
        options["--lang"] or None,
        options["--db"] or None,
        options["--as"] or None,
        Path(people) if people else None,
        Path(channels) if channels else None,
        clock,
    )
    try:
        i18n.install(settings.language)  # the engine's refusals in the user's language
        run = getattr(import_module("trinn.tui.cli.case_commands"), quick.run)
        run(settings, **values)
    finally:
        settings.close()
