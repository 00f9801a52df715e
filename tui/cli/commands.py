"""The command line as typer declares it: the global options, and every command by name.

`whole_app()` is every command (what `trinn --help` lists); `app_for(argv)` is the app of the
one command a command line names, made with only that command's module imported (tui/cli/
main.py runs it). The commands live in the modules `HOMES` names, each in its `COMMANDS`.
"""

from __future__ import annotations

import functools
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer

from trinn.engine.clock import utc_now
from trinn.engine.errors import TrinnError
from trinn.tui.cli import coercion
from trinn.tui.cli.output import fail as _fail
from trinn.tui.cli.output import json_chosen as _json_chosen
from trinn.tui.cli.settings import Settings, settings_from

__all__ = ["HOMES", "ORDER", "VALUED", "app_for", "whole_app"]

coercion.install()  # text options without pydantic validators (tui/cli/coercion.py)


def _global(
    ctx: typer.Context,
    playbooks: Annotated[
        str | None,
        typer.Option(
            "--playbooks",
            envvar="TRINN_PLAYBOOKS",
            metavar="DIR",
            help="Folders of your own playbooks (separated by ':'), besides the bundled ones.",
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", envvar="TRINN_LANG", help="Language for text: nb, da or en.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="TRINN_DB",
            metavar="URL",
            help="The database: a file path, or postgresql://user@host/db "
            "(default: trinn.db in your data folder).",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="TRINN_USER",
            metavar="PERSON",
            help="Who acts (a person id of the people file; default: your user name).",
        ),
    ] = None,
    people: Annotated[
        Path | None,
        typer.Option(
            "--people",
            envvar="TRINN_PEOPLE",
            metavar="FILE",
            help="The people file: who holds which roles (default: you hold every role).",
        ),
    ] = None,
    channels: Annotated[
        Path | None,
        typer.Option(
            "--channels",
            envvar="TRINN_CHANNELS",
            metavar="FILE",
            help="The channels file (apprise YAML; default: channels.yaml in your config folder).",
        ),
    ] = None,
) -> None:
    _json_chosen(False)  # until the command's own --json says otherwise
    # a program that runs the command line (a test) may hand it a clock: `obj=clock`
    clock = ctx.obj if callable(ctx.obj) else utc_now
    settings = settings_from(playbooks, lang, db, actor, people, channels, clock)
    ctx.obj = settings
    ctx.call_on_close(settings.close)
    from trinn.tui import i18n

    i18n.install(settings.language)  # the engine's refusals in the user's language (English in C)
    if ctx.invoked_subcommand is None:
        _run_tui(settings)


def tui_(ctx: typer.Context) -> None:
    """The terminal UI (what `trinn` alone starts): cases, tasks, playbooks, outbox."""
    _run_tui(ctx.obj)


def _run_tui(settings: Settings) -> None:
    """Start the app; textual is imported only here. The language is set before the screens
    load, because their key labels are translated when their modules are read."""
    from trinn.tui import i18n
    from trinn.tui.desk import Desk

    i18n.install(settings.language)
    try:
        settings.store()  # an unusable database is one line on the terminal, not a screen
        if settings.people_file is not None:  # the default single user is always known
            settings.people().get(settings.acting_as())
    except TrinnError as exc:
        raise _fail(str(exc)) from exc
    desk = Desk(settings)
    desk.prefetch_cases()  # the database works while textual is imported
    from trinn.tui.app import TrinnApp
    from trinn.tui.sender import Sender

    TrinnApp(desk, sender=Sender.configured(settings)).run()


# every command, as `trinn --help` lists them (reading playbooks, a case's life, messages, the
# designer's tools), with the module of tui/cli that holds it (in its COMMANDS)
HOMES = {
    **dict.fromkeys(("check", "graph", "schema", "playbooks"), "design"),
    **dict.fromkeys(("open",), "writing"),
    **dict.fromkeys(("cases", "show", "can"), "cases"),
    **dict.fromkeys(("fire", "done", "reopen", "set", "form", "assign", "comment"), "writing"),
    **dict.fromkeys(("tasks", "history"), "cases"),
    **dict.fromkeys(("tick",), "writing"),
    **dict.fromkeys(("export",), "cases"),
    **dict.fromkeys(("forms",), "forms"),
    **dict.fromkeys(("file",), "cases"),
    **dict.fromkeys(("channels", "notify-test"), "channels"),
    **dict.fromkeys(("send",), "notify"),
    **dict.fromkeys(("lint",), "design"),
    **dict.fromkeys(("test",), "scenarios"),
    **dict.fromkeys(("new",), "design"),
    **dict.fromkeys(("serve", "link"), "serve"),
}
ORDER = tuple(HOMES)


def _command(name: str) -> Any:
    return import_module(f"trinn.tui.cli.{HOMES[name]}").COMMANDS[name]


def _new_app() -> typer.Typer:
    made = typer.Typer(
        name="trinn",
        help="Run partnership processes written as YAML playbooks.",
        no_args_is_help=False,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    made.callback(invoke_without_command=True)(_global)
    return made


@functools.cache
def whole_app() -> typer.Typer:
    """The app with every command (what `--help` lists): each command's module is imported."""
    from trinn.tui.cli.notify import outbox_app

    made = _new_app()
    made.command("tui")(tui_)
    for name in ORDER:
        made.command(name)(_command(name))
    made.add_typer(outbox_app, name="outbox")
    return made


VALUED = frozenset({"--playbooks", "--lang", "--db", "--as", "--people", "--channels"})


def app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command the command line names, when it plainly names one.

    typer turns every registered command's signature into click parameters on each start,
    about a fifth of a short command's time, and each command's module brings its own
    imports; the one command run needs only its own. Anything else (no command, `--help`, an
    unknown option or name, the `outbox` group) gets the whole app, so help and usage errors
    read as before.
    """
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        option = argv[index].split("=", 1)[0]
        if option not in VALUED:
            return whole_app()
        index += 1 if "=" in argv[index] else 2
    if index >= len(argv) or argv[index] not in HOMES:
        return whole_app()
    slim = _new_app()
    slim.command(argv[index])(_command(argv[index]))
    return slim
